//! The spike detector on arbitrary value sequences (NaN, infinities, negatives, huge values)
//! with arbitrary gaps and start times: no panic, scores in [0, 1], never NaN.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use trendwatch_detect::{DetectorConfig, TopicDetector};

#[derive(Debug, Arbitrary)]
struct Input {
    start: i64,
    steps: Vec<Step>,
}

#[derive(Debug, Arbitrary)]
enum Step {
    /// One bucket with this value.
    Value(f64),
    /// The next bucket after `gap` empty ones, with this value.
    AfterGap { gap: u16, value: f64 },
    /// `count` empty buckets fed at once.
    Zeros(u32),
}

fuzz_target!(|input: Input| {
    let config = DetectorConfig::default();
    let step = config.bucket_secs;
    let mut detector = TopicDetector::new();
    let mut t = input.start;
    for s in input.steps.iter().take(2_000) {
        let obs = match *s {
            Step::Value(v) => detector.observe(&config, t, v),
            Step::AfterGap { gap, value } => {
                t = t.saturating_add(step.saturating_mul(i64::from(gap)));
                detector.observe(&config, t, value)
            }
            Step::Zeros(count) => {
                let count = u64::from(count % 20_000);
                let _ = detector.observe_zeros(&config, t, count);
                t = t.saturating_add(step.saturating_mul(count as i64));
                continue;
            }
        };
        assert!(
            (0.0..=1.0).contains(&obs.score),
            "score out of [0,1]: {obs:?} after {s:?}"
        );
        assert!(
            !obs.baseline.is_nan() && !obs.noise.is_nan(),
            "NaN baseline: {obs:?}"
        );
        t = t.saturating_add(step);
    }
});
