//! The `timestamp,value` CSV series that `trendwatch detect` reads: parse, score, render.
//! Scores must be in [0, 1] and never NaN; the output has one line per row plus a header.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use trendwatch_detect::DetectorConfig;
use trendwatch_detect::series::{parse_series, parse_timestamp, render_scores, score_series};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let config = DetectorConfig::default();
    let _ = parse_timestamp(&text);
    let Ok(rows) = parse_series("fuzz.csv", &text) else {
        return;
    };
    for pair in rows.windows(2) {
        assert!(
            pair[0].timestamp < pair[1].timestamp,
            "timestamps must increase"
        );
    }
    let observations = score_series(&config, &rows);
    assert_eq!(observations.len(), rows.len());
    for (row, obs) in rows.iter().zip(&observations) {
        assert!(
            row.value.is_finite() && row.value >= 0.0,
            "bad value accepted: {row:?}"
        );
        assert!(
            (0.0..=1.0).contains(&obs.score),
            "score out of [0,1] at line {}: {obs:?}",
            row.line
        );
    }
    let rendered = render_scores(&rows, &observations);
    assert_eq!(rendered.lines().count(), rows.len() + 1);
});
