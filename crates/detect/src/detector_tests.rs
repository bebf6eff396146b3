//! Synthetic-series tests of the detector's behaviour.

use super::*;

/// Five-minute buckets starting at 2026-01-05 00:00 UTC.
const T0: UnixSeconds = 1_767_571_200;
const B: i64 = 300;
const DAY: usize = 288;

/// Deterministic Poisson-like noise (xorshift + Box-Muller), so tests never flake.
struct Noise(u64);

impl Noise {
    /// A generator whose state is the seed scrambled by splitmix64 (small seeds are fine).
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Noise((z ^ (z >> 31)) | 1)
    }

    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A count with mean `mean` and Poisson-like spread.
    fn count(&mut self, mean: f64) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        let g = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        (mean + mean.sqrt() * g).round().max(0.0)
    }
}

/// Feeds `values` from bucket index `start` on; returns the observations.
fn feed(
    d: &mut TopicDetector,
    cfg: &DetectorConfig,
    start: usize,
    values: &[f64],
) -> Vec<Observation> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| d.observe(cfg, T0 + (start + i) as i64 * B, *v))
        .collect()
}

fn events(obs: &[Observation], kind: EpisodeEvent) -> Vec<usize> {
    obs.iter()
        .enumerate()
        .filter(|(_, o)| o.event == Some(kind))
        .map(|(i, _)| i)
        .collect()
}

/// `days` of a steady series with mean `mean`.
fn steady(noise: &mut Noise, mean: f64, days: usize) -> Vec<f64> {
    (0..days * DAY).map(|_| noise.count(mean)).collect()
}

/// A detector that has learnt `days` of a steady series with mean `mean`.
fn trained(mean: f64, days: usize) -> (TopicDetector, DetectorConfig, usize) {
    let cfg = DetectorConfig::default();
    let mut d = TopicDetector::new();
    let mut noise = Noise::new(0x9E37_79B9_7F4A_7C15);
    let history = steady(&mut noise, mean, days);
    feed(&mut d, &cfg, 0, &history);
    (d, cfg, days * DAY)
}

#[test]
fn steady_series_raises_no_alert_and_learns_its_level() {
    let cfg = DetectorConfig::default();
    let mut d = TopicDetector::new();
    let mut noise = Noise::new(7);
    let obs = feed(&mut d, &cfg, 0, &steady(&mut noise, 50.0, 5));
    // The very first bucket is a brand-new topic with 50 participants: news. Then silence.
    assert_eq!(
        events(&obs, EpisodeEvent::Onset),
        vec![0],
        "no alert on a steady series"
    );
    let last = &obs[obs.len() - 1];
    assert!(
        (last.baseline - 50.0).abs() < 5.0,
        "baseline {}",
        last.baseline
    );
    // Noise floor: Poisson below k = 10, a 30 % coefficient of variation above.
    assert!(
        last.noise > 5.0 && last.noise < 30.0,
        "noise {}",
        last.noise
    );
    let high = obs[DAY..]
        .iter()
        .filter(|o| o.score >= cfg.onset_score)
        .count();
    assert_eq!(high, 0, "steady buckets never reach the alert score");
}

#[test]
fn learnt_daily_rhythm_is_not_an_alert() {
    let cfg = DetectorConfig::default();
    let mut d = TopicDetector::new();
    let mut noise = Noise::new(11);
    // Quiet nights (10), busy evenings (200): a 20x daily swing.
    let rhythm = |i: usize| {
        let phase = (i % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
        10.0 + 95.0 * (1.0 - phase.cos())
    };
    let series: Vec<f64> = (0..10 * DAY).map(|i| noise.count(rhythm(i))).collect();
    let obs = feed(&mut d, &cfg, 0, &series);
    let late_onsets: Vec<usize> = events(&obs, EpisodeEvent::Onset)
        .into_iter()
        .filter(|i| *i >= 4 * DAY)
        .collect();
    assert!(
        late_onsets.is_empty(),
        "alerts on a learnt rhythm: {late_onsets:?}"
    );
    // The baseline follows the rhythm: high in the evening, low at night.
    let evening = &obs[9 * DAY + DAY / 2];
    let night = &obs[9 * DAY + 2];
    assert!(
        evening.baseline > 4.0 * night.baseline,
        "{} vs {}",
        evening.baseline,
        night.baseline
    );
    // A spike at night of the evening's usual size is still news.
    let spike = d.observe(&cfg, T0 + (10 * DAY) as i64 * B, 200.0);
    assert_eq!(spike.event, Some(EpisodeEvent::Onset));
}

#[test]
fn single_spike_alerts_once_at_its_bucket_then_ends() {
    let (mut d, cfg, n) = trained(50.0, 3);
    let obs = feed(&mut d, &cfg, n, &[52.0, 1000.0, 49.0, 51.0, 50.0]);
    assert_eq!(obs[0].event, None);
    assert_eq!(obs[1].event, Some(EpisodeEvent::Onset));
    assert!(obs[1].score > 0.8, "onset score {}", obs[1].score);
    assert_eq!(obs[2].event, Some(EpisodeEvent::Ended));
    assert!(obs[2..].iter().all(|o| o.score == 0.0));
    assert!(!d.in_burst());
}

#[test]
fn step_alerts_at_the_step_and_stays_quiet_while_it_lasts() {
    let (mut d, cfg, n) = trained(20.0, 3);
    let mut noise = Noise::new(3);
    let step: Vec<f64> = (0..DAY / 2).map(|_| noise.count(200.0)).collect();
    let obs = feed(&mut d, &cfg, n, &step);
    assert_eq!(
        events(&obs, EpisodeEvent::Onset),
        vec![0],
        "one alert, at the step"
    );
    assert!(obs[0].score > 0.75, "onset score {}", obs[0].score);
    // For the next 12 hours the episode stays open and nothing scores like an onset again.
    assert!(d.alert_open());
    assert!(obs[1..].iter().all(|o| o.score < cfg.onset_score));
}

#[test]
fn ramp_alerts_once_and_reports_growth() {
    let (mut d, cfg, n) = trained(40.0, 3);
    // 40 -> 1000 over 6 hours.
    let ramp: Vec<f64> = (0..72)
        .map(|i| 40.0 * (1.0f64 + i as f64 * 0.34).powi(2).min(25.0))
        .collect();
    let obs = feed(&mut d, &cfg, n, &ramp);
    let onsets = events(&obs, EpisodeEvent::Onset);
    assert_eq!(onsets.len(), 1, "one alert per episode: {onsets:?}");
    assert!(
        onsets[0] < 12,
        "the ramp is seen within an hour: {onsets:?}"
    );
    let grew = events(&obs, EpisodeEvent::Grew);
    assert!(!grew.is_empty(), "a tenfold growth is reported");
    // Each update at least doubles the last reported size.
    let mut reported = ramp[onsets[0]];
    for g in grew {
        assert!(
            ramp[g] >= 2.0 * reported,
            "Grew at {} without doubling",
            ramp[g]
        );
        reported = ramp[g];
    }
}

#[test]
fn new_topic_alerts_on_a_large_jump_only() {
    let cfg = DetectorConfig::default();
    let mut big = TopicDetector::new();
    let o = big.observe(&cfg, T0, 500.0);
    assert_eq!(
        o.event,
        Some(EpisodeEvent::Onset),
        "500 participants from nothing is news"
    );
    assert!(o.score > 0.8, "score {}", o.score);
    let mut tiny = TopicDetector::new();
    let o = tiny.observe(&cfg, T0, 3.0);
    assert_eq!(o.event, None);
    assert!(o.score < cfg.onset_score);
    assert!(!tiny.in_burst());
}

#[test]
fn small_topics_never_alert_below_min_participants() {
    let (mut d, cfg, n) = trained(0.5, 3);
    // 0.5 -> 5 is no burst at all; 0.5 -> 25 is a burst but too small to alert.
    let obs = feed(
        &mut d,
        &cfg,
        n,
        &[5.0, 0.0, 1.0, 25.0, 28.0, 26.0, 0.0, 1.0],
    );
    assert!(obs.iter().all(|o| o.event.is_none()), "{obs:?}");
    assert!(obs[0].score < cfg.onset_score);
    assert!(
        obs[3].score > cfg.onset_score,
        "the burst itself is anomalous: {obs:?}"
    );
    // The same burst grown past the minimum alerts, once.
    let obs = feed(&mut d, &cfg, n + 8, &[20.0, 60.0, 70.0, 65.0]);
    assert_eq!(events(&obs, EpisodeEvent::Onset).len(), 1, "{obs:?}");
}

#[test]
fn grew_only_on_doubling_and_ended_near_baseline() {
    let (mut d, cfg, n) = trained(10.0, 3);
    let obs = feed(
        &mut d,
        &cfg,
        n,
        &[100.0, 150.0, 250.0, 300.0, 600.0, 500.0, 11.0, 9.0],
    );
    let kinds: Vec<Option<EpisodeEvent>> = obs.iter().map(|o| o.event).collect();
    use EpisodeEvent::*;
    assert_eq!(
        kinds,
        vec![
            Some(Onset),
            None,
            Some(Grew),
            None,
            Some(Grew),
            None,
            Some(Ended),
            None
        ]
    );
    assert!(!d.alert_open());
}

#[test]
fn a_past_spike_does_not_poison_the_baseline() {
    let (mut d, cfg, n) = trained(50.0, 3);
    let before = d.observe(&cfg, T0 + n as i64 * B, 50.0).baseline;
    let mut noise = Noise::new(5);
    let mut series = vec![5000.0; 6];
    series.extend((0..24).map(|_| noise.count(50.0)));
    let obs = feed(&mut d, &cfg, n + 1, &series);
    let after = obs[obs.len() - 1].baseline;
    assert!(after < before * 1.3, "baseline {before} -> {after}");
}

#[test]
fn serde_round_trip_mid_stream_continues_identically() {
    let (mut d, cfg, n) = trained(30.0, 3);
    feed(&mut d, &cfg, n, &[400.0, 500.0, 300.0]); // mid-burst
    let json = serde_json::to_string(&d).expect("serialise");
    let mut restored: TopicDetector = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(restored, d);
    let mut noise = Noise::new(9);
    let rest: Vec<f64> = (0..DAY)
        .map(|i| if i == 100 { 900.0 } else { noise.count(30.0) })
        .collect();
    let a = feed(&mut d, &cfg, n + 3, &rest);
    let b = feed(&mut restored, &cfg, n + 3, &rest);
    assert_eq!(a, b);
    assert_eq!(d, restored);
}

#[test]
fn observe_zeros_equals_repeated_zero_observations() {
    for count in [1u64, 7, 64, 65, 500, 3 * DAY as u64] {
        let (mut a, cfg, n) = trained(20.0, 3);
        feed(&mut a, &cfg, n, &[300.0, 400.0]); // an alerted burst that the silence ends
        let mut b = a.clone();
        let start = T0 + (n + 2) as i64 * B;
        let got = a.observe_zeros(&cfg, start, count);
        let mut want = None;
        for i in 0..count {
            if let Some(e) = b.observe(&cfg, start + i as i64 * B, 0.0).event {
                want = Some(e);
            }
        }
        assert_eq!(got, want, "count {count}");
        assert_eq!(a, b, "count {count}");
    }
}

#[test]
fn observe_zeros_is_cheap_for_very_long_silences() {
    let (mut a, cfg, n) = trained(20.0, 2);
    // Long enough to reach the fixed point of silence (~a year of buckets): then exact.
    let long = 120_000u64;
    let mut b = a.clone();
    let start = T0 + n as i64 * B;
    a.observe_zeros(&cfg, start, long);
    for i in 0..long {
        b.observe(&cfg, start + i as i64 * B, 0.0);
    }
    assert_eq!(a, b);
    // A silence of a million years returns at once, and the topic still works afterwards.
    let huge = 100_000_000_000u64;
    a.observe_zeros(&cfg, start + long as i64 * B, huge);
    assert_eq!(a.buckets_seen(), b.buckets_seen() + huge);
    let o = a.observe(&cfg, start + (long + huge) as i64 * B, 500.0);
    assert_eq!(o.event, Some(EpisodeEvent::Onset));
}

#[test]
fn scores_stay_in_unit_interval_and_bad_values_are_zero() {
    let cfg = DetectorConfig::default();
    let mut d = TopicDetector::new();
    let mut noise = Noise::new(13);
    for i in 0..2 * DAY {
        let v = match i % 97 {
            0 => f64::NAN,
            1 => -5.0,
            2 => f64::INFINITY,
            3 => 1e12,
            _ => noise.count(40.0),
        };
        let o = d.observe(&cfg, T0 + i as i64 * B, v);
        assert!((0.0..=1.0).contains(&o.score), "score {}", o.score);
        assert!(o.baseline.is_finite() && o.noise.is_finite());
    }
}

#[test]
fn scale_round_trips() {
    for cfg in [
        DetectorConfig::default(),
        DetectorConfig {
            dispersion_k: 0.0,
            ..Default::default()
        },
    ] {
        for v in [0.0, 0.5, 1.0, 7.0, 123.0, 98_765.0] {
            let back = cfg.from_scale(cfg.to_scale(v));
            assert!((back - v).abs() < 1e-6 * (1.0 + v), "{v} -> {back}");
        }
    }
}

#[test]
fn config_serde_round_trips_and_fills_defaults() {
    let cfg = DetectorConfig::default();
    let json = serde_json::to_string(&cfg).expect("serialise");
    let back: DetectorConfig = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, cfg);
    let partial: DetectorConfig =
        serde_json::from_str(r#"{"min_participants": 5, "exit_slow_z": 5}"#).expect("partial");
    assert_eq!(partial.min_participants, 5.0);
    assert_eq!(partial.exit_slow_z, Some(5.0));
    assert_eq!(partial.enter_z, cfg.enter_z);
}

#[test]
fn a_burst_that_starts_small_alerts_once_it_is_big_enough() {
    let (mut d, cfg, n) = trained(0.5, 3);
    // Enters a burst below the minimum size, then grows steadily (never doubling its surprise).
    let obs = feed(&mut d, &cfg, n, &[20.0, 26.0, 33.0, 41.0, 50.0, 60.0]);
    let onsets = events(&obs, EpisodeEvent::Onset);
    assert_eq!(onsets.len(), 1, "{obs:?}");
    assert!(obs.iter().take(2).all(|o| o.event.is_none()), "{obs:?}");
}
