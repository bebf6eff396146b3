//! The per-topic streaming spike detector.
//!
//! Model, per topic, on the log scale `x = ln(1 + participants)`:
//!
//! * **Baseline**: an exponentially weighted level plus, once the topic has two days of
//!   history, an additive time-of-day profile (one slot per bucket of the day, 288 slots for
//!   5-minute buckets). Updates are winsorised: a residual counts at most
//!   [`DetectorConfig::winsor_z`] noise units, so a past spike cannot poison the baseline.
//! * **Noise**: an exponentially weighted mean absolute residual (also winsorised), combined
//!   with a counting-noise floor `count_noise / sqrt(1 + expected)`: at small counts Poisson
//!   noise dominates, so a jump from 1 to 5 participants is a small `z`.
//! * **Memory of recent highs**: a peak envelope that decays with
//!   [`DetectorConfig::memory_half_life_secs`]. A bucket is surprising only by how far it
//!   exceeds both the baseline and the recent highs, so the score is high at the onset of a burst
//!   and low while the burst is ongoing or for aftershocks smaller than the burst.
//! * **Episodes** (Kleinberg-like): a burst is entered reluctantly (score at or above
//!   [`DetectorConfig::onset_score`]) and left freely (as soon as the bucket is within
//!   [`DetectorConfig::exit_z`] noise units of the baseline). An alert (`Onset`) is raised once per
//!   burst, when the bucket also has at least [`DetectorConfig::min_participants`] participants;
//!   `Grew` follows when the burst reaches [`DetectorConfig::grow_factor`] times the last reported
//!   size; `Ended` closes an alerted burst.
//!
//! Everything is O(1) per bucket, constant memory, deterministic and without look-ahead.

use serde::{Deserialize, Serialize};
use trendwatch_model::UnixSeconds;

/// Seconds in a day: the period of the time-of-day profile.
const DAY_SECS: i64 = 86_400;
/// Factor turning a mean absolute deviation into a standard deviation (normal data).
const MAD_TO_SD: f64 = 1.253_314;
/// State components smaller than this (log scale) are snapped to zero, so a long silence
/// reaches an exact fixed point and [`TopicDetector::observe_zeros`] can skip the rest.
const SNAP: f64 = 1e-6;
/// Largest number of slots in the time-of-day profile (bounds the state size).
const MAX_SLOTS: i64 = 1_440;

/// Detector parameters. [`DetectorConfig::default`] is the one configuration used for alerts,
/// for `trendwatch detect` and for the NAB evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectorConfig {
    /// Width of a detection bucket in seconds.
    pub bucket_secs: i64,
    /// A bucket with fewer participants than this never raises an alert (`Onset`).
    pub min_participants: f64,
    /// Score at or above which a burst opens (the alert threshold).
    pub onset_score: f64,
    /// Half-life of the baseline level, in seconds.
    pub level_half_life_secs: f64,
    /// Half-life of the noise estimate, in seconds.
    pub noise_half_life_secs: f64,
    /// Half-life of each time-of-day slot, in days (each slot is updated once a day).
    pub season_half_life_days: f64,
    /// History needed before the time-of-day profile is used, in seconds.
    pub season_warmup_secs: f64,
    /// Residuals are clipped to this many noise units before they update the baseline.
    pub winsor_z: f64,
    /// A burst opens when a bucket is at least this many noise units above the baseline.
    pub enter_z: f64,
    /// Inside a burst a bucket scores only by how far it exceeds this multiple of the burst's
    /// peak so far (1 = any new high scores).
    pub burst_damp: f64,
    /// A burst ends as soon as a bucket is less than this many noise units above the baseline.
    pub exit_z: f64,
    /// Counting-noise floor on the log scale at an expected count of zero.
    pub count_noise: f64,
    /// Half-life of the memory of recent highs, in seconds (0 disables it).
    pub memory_half_life_secs: f64,
    /// Surprise (`-ln` tail probability) at which the score is 0.5.
    pub score_half_z: f64,
    /// Tail threshold of the peaks-over-threshold model, in noise units above the reference.
    pub tail_z: f64,
    /// Half-life of the exceedance rate, in seconds.
    pub tail_rate_half_life_secs: f64,
    /// Weight of each new exceedance in the mean excess (1 / effective number of peaks).
    pub tail_excess_weight: f64,
    /// Prior exceedance rate per bucket (a new topic starts here).
    pub tail_rate_prior: f64,
    /// Prior mean excess over the tail threshold (log scale).
    pub tail_excess_prior: f64,
    /// An alerted burst sends `Grew` when it reaches this multiple of the last reported size.
    pub grow_factor: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            bucket_secs: 300,
            min_participants: 30.0,
            onset_score: 0.9,
            level_half_life_secs: 12.0 * 3600.0,
            noise_half_life_secs: 24.0 * 3600.0,
            season_half_life_days: 7.0,
            season_warmup_secs: 2.0 * 86_400.0,
            winsor_z: 3.0,
            enter_z: 4.0,
            burst_damp: 2.0,
            exit_z: 2.0,
            count_noise: 1.0,
            memory_half_life_secs: 3600.0,
            score_half_z: 10.0,
            tail_z: 3.0,
            tail_rate_half_life_secs: 7.0 * 86_400.0,
            tail_excess_weight: 0.05,
            tail_rate_prior: 0.01,
            tail_excess_prior: 0.5,
            grow_factor: 2.0,
        }
    }
}

impl DetectorConfig {
    /// Per-bucket smoothing weight of an exponential average with the given half-life.
    fn alpha(&self, half_life_secs: f64) -> f64 {
        if half_life_secs <= 0.0 || !half_life_secs.is_finite() {
            return 1.0;
        }
        1.0 - (-(self.bucket_secs.max(1) as f64) / half_life_secs * std::f64::consts::LN_2).exp()
    }

    /// Number of time-of-day slots (0 when the bucket width does not divide a day).
    fn slots(&self) -> usize {
        let b = self.bucket_secs;
        if b <= 0 || DAY_SECS % b != 0 || DAY_SECS / b < 2 || DAY_SECS / b > MAX_SLOTS {
            0
        } else {
            (DAY_SECS / b) as usize
        }
    }

    /// Maps a surprise `z` (noise units) to a score in [0, 1).
    fn score_of(&self, z: f64) -> f64 {
        if z.is_nan() || z <= 0.0 {
            return 0.0;
        }
        let h = self.score_half_z.max(1e-9);
        let q = z * z;
        q / (q + h * h)
    }
}

/// What the detector says about one closed bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Anomaly score in [0, 1]; high at the onset of an episode.
    pub score: f64,
    /// Expected value for this bucket according to the topic's baseline.
    pub baseline: f64,
    /// Spread (noise) of the baseline, in the same unit.
    pub noise: f64,
    /// Episode transition caused by this bucket, if any.
    pub event: Option<EpisodeEvent>,
}

/// Transitions of a topic's episode state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EpisodeEvent {
    /// A burst started: raise an alert.
    Onset,
    /// An open burst grew markedly past its last reported size: send an update.
    Grew,
    /// The burst is over.
    Ended,
}

/// State of an ongoing burst.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Burst {
    /// Bucket start of the burst's first bucket.
    started: UnixSeconds,
    /// Whether an `Onset` was emitted for this burst.
    alerted: bool,
    /// Participants at the last `Onset`/`Grew`.
    reported: f64,
    /// Highest bucket of the burst so far (participants).
    peak: f64,
}

/// Streaming state of one topic's detector; serialisable so it survives restarts.
///
/// Constant size: a handful of numbers plus a time-of-day profile of fixed length.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopicDetector {
    /// Buckets observed so far.
    seen: u64,
    /// Baseline level (log scale, deseasonalised).
    level: f64,
    /// Mean absolute residual (log scale).
    dev: f64,
    /// Time-of-day profile (log scale); empty until the first bucket.
    season: Vec<f64>,
    /// Peak envelope of recent buckets (log scale).
    memory: f64,
    /// Exceedance rate of the tail threshold per bucket (`None` until the first bucket).
    tail_rate: Option<f64>,
    /// Mean excess over the tail threshold (log scale).
    tail_excess: Option<f64>,
    /// The ongoing burst, if any.
    burst: Option<Burst>,
    /// Start of the last bucket fed.
    last_bucket: Option<UnixSeconds>,
}

/// Per-update weight of a time-of-day slot (updated once a day) with a half-life in days.
fn season_alpha(half_life_days: f64) -> f64 {
    if half_life_days <= 0.0 || !half_life_days.is_finite() {
        return 1.0;
    }
    1.0 - (-std::f64::consts::LN_2 / half_life_days).exp()
}

/// Values derived from the state for one bucket before it is folded in.
struct Expectation {
    /// Expected log value.
    expected: f64,
    /// Noise (standard deviation) on the log scale.
    sd: f64,
    /// Slot of the time-of-day profile, when the profile exists.
    slot: Option<usize>,
}

impl TopicDetector {
    /// A detector with no history (a brand-new topic).
    pub fn new() -> Self {
        Self::default()
    }

    /// Buckets observed so far.
    pub fn buckets_seen(&self) -> u64 {
        self.seen
    }

    /// Start of the last bucket fed, if any.
    pub fn last_bucket(&self) -> Option<UnixSeconds> {
        self.last_bucket
    }

    /// Whether a burst is ongoing (alerted or not).
    pub fn in_burst(&self) -> bool {
        self.burst.is_some()
    }

    /// Whether an alerted burst is ongoing (an `Onset` was sent and no `Ended` yet).
    pub fn alert_open(&self) -> bool {
        self.burst.as_ref().is_some_and(|b| b.alerted)
    }

    fn expectation(&self, config: &DetectorConfig, bucket_start: UnixSeconds) -> Expectation {
        let slots = self.season.len();
        let slot = (slots > 0).then(|| {
            let b = config.bucket_secs.max(1);
            (bucket_start.rem_euclid(DAY_SECS) / b) as usize % slots
        });
        let season_on =
            (self.seen as f64) * (config.bucket_secs as f64) >= config.season_warmup_secs;
        let seasonal = match slot {
            Some(s) if season_on => self.season[s],
            _ => 0.0,
        };
        let expected = self.level + seasonal;
        let mu = expected.exp_m1().max(0.0);
        let floor = config.count_noise / (1.0 + mu).sqrt();
        let spread = MAD_TO_SD * self.dev;
        Expectation {
            expected,
            sd: (spread * spread + floor * floor).sqrt().max(1e-9),
            slot,
        }
    }

    /// Feeds the next closed bucket (buckets must be fed in order, gaps as zeros).
    ///
    /// Negative or non-finite values are treated as zero.
    pub fn observe(
        &mut self,
        config: &DetectorConfig,
        bucket_start: UnixSeconds,
        value: f64,
    ) -> Observation {
        let value = if value.is_finite() {
            value.max(0.0)
        } else {
            0.0
        };
        if self.season.is_empty() {
            self.season = vec![0.0; config.slots()];
        }
        let x = value.ln_1p();
        let exp = self.expectation(config, bucket_start);
        let z_base = (x - exp.expected) / exp.sd;
        // Surprise relative to the higher of the baseline and the recent highs.
        let mut reference = exp.expected.max(self.memory);
        if let Some(b) = &self.burst {
            reference = reference.max((b.peak * config.burst_damp.max(1.0)).ln_1p());
        }
        let excess = x - reference;
        let u = config.tail_z * exp.sd;
        let rate = self.tail_rate.unwrap_or(config.tail_rate_prior).clamp(1e-6, 1.0);
        let mean_excess = self.tail_excess.unwrap_or(config.tail_excess_prior).max(1e-3);
        let surprise = if excess > u {
            -rate.ln() + (excess - u) / mean_excess
        } else if excess > 0.0 {
            -rate.ln() * (excess / u) * (excess / u)
        } else {
            0.0
        };
        let score = config.score_of(surprise);
        // Tail model update (with this bucket's own excess).
        let exceeded = excess > u;
        let a_rate = config.alpha(config.tail_rate_half_life_secs);
        self.tail_rate = Some(rate + a_rate * (f64::from(u8::from(exceeded)) - rate));
        self.tail_excess = Some(if exceeded {
            mean_excess + config.tail_excess_weight * ((excess - u) - mean_excess)
        } else {
            mean_excess
        });

        // Episode state machine.
        let mut event = None;
        match self.burst.as_mut() {
            None => {
                if z_base >= config.enter_z {
                    let alerted = value >= config.min_participants && score >= config.onset_score;
                    if alerted {
                        event = Some(EpisodeEvent::Onset);
                    }
                    self.burst = Some(Burst {
                        started: bucket_start,
                        alerted,
                        reported: value,
                        peak: value,
                    });
                }
            }
            Some(burst) => {
                if z_base < config.exit_z {
                    if burst.alerted {
                        event = Some(EpisodeEvent::Ended);
                    }
                    self.burst = None;
                } else {
                    burst.peak = burst.peak.max(value);
                    if !burst.alerted {
                        if value >= config.min_participants && score >= config.onset_score {
                            burst.alerted = true;
                            burst.reported = value;
                            event = Some(EpisodeEvent::Onset);
                        }
                    } else if value >= config.grow_factor * burst.reported.max(1.0) {
                        burst.reported = value;
                        event = Some(EpisodeEvent::Grew);
                    }
                }
            }
        }

        self.update(config, &exp, x);
        self.last_bucket = Some(bucket_start);
        Observation {
            score,
            baseline: exp.expected.exp_m1().max(0.0),
            noise: (exp.expected + exp.sd).exp_m1().max(0.0) - exp.expected.exp_m1().max(0.0),
            event,
        }
    }

    /// Folds bucket value `x` (log scale) into the baseline, noise and memory.
    fn update(&mut self, config: &DetectorConfig, exp: &Expectation, x: f64) {
        let first = self.seen == 0;
        self.seen = self.seen.saturating_add(1);
        let n = self.seen as f64;
        let clip = config.winsor_z * exp.sd;
        let resid = (x - exp.expected).clamp(-clip, clip);
        // Bias-corrected start: the first buckets weigh 1/n.
        let a_level = config.alpha(config.level_half_life_secs).max(1.0 / n);
        let a_dev = config.alpha(config.noise_half_life_secs).max(1.0 / n);
        if !first {
            self.dev += a_dev * (resid.abs() - self.dev);
        }
        self.level += a_level * resid;
        if let Some(s) = exp.slot {
            let days = n * config.bucket_secs as f64 / DAY_SECS as f64;
            let a_season = season_alpha(config.season_half_life_days).max(1.0 / days.max(1.0));
            // The slot learns what the level does not explain.
            let target = resid + exp.expected - self.level;
            self.season[s] += a_season * (target - self.season[s]);
        }
        let decay = if config.memory_half_life_secs > 0.0 {
            1.0 - config.alpha(config.memory_half_life_secs)
        } else {
            0.0
        };
        // The envelope's excess over the baseline decays geometrically.
        let base = self.level.max(0.0);
        self.memory = if decay > 0.0 {
            (base + (self.memory - base) * decay).max(x)
        } else {
            0.0
        };
        self.snap();
    }

    /// Snaps negligible state to exactly zero so silence reaches a fixed point.
    fn snap(&mut self) {
        for v in [&mut self.level, &mut self.dev, &mut self.memory] {
            if v.abs() < SNAP {
                *v = 0.0;
            }
        }
        for v in &mut self.season {
            if v.abs() < SNAP {
                *v = 0.0;
            }
        }
    }

    /// Whether the state is at the fixed point of silence (a zero bucket changes nothing but
    /// the counters).
    fn dormant(&self) -> bool {
        self.level == 0.0
            && self.dev == 0.0
            && self.memory == 0.0
            && self.burst.is_none()
            && self.season.iter().all(|v| *v == 0.0)
    }

    /// Feeds `count` empty buckets starting at `first_bucket_start`; equivalent to `count`
    /// calls of [`TopicDetector::observe`] with value 0, but O(1) once the state has decayed
    /// to silence. Returns the last event among those buckets, if any (only `Ended` can occur).
    pub fn observe_zeros(
        &mut self,
        config: &DetectorConfig,
        first_bucket_start: UnixSeconds,
        count: u64,
    ) -> Option<EpisodeEvent> {
        let step = config.bucket_secs.max(1);
        let mut last_event = None;
        let mut i = 0u64;
        while i < count {
            if self.dormant() && self.seen > 0 {
                let rest = count - i;
                self.seen = self.seen.saturating_add(rest);
                let last = first_bucket_start
                    .saturating_add(step.saturating_mul((count - 1).min(i64::MAX as u64) as i64));
                self.last_bucket = Some(last);
                break;
            }
            let t = first_bucket_start
                .saturating_add(step.saturating_mul(i.min(i64::MAX as u64) as i64));
            if let Some(e) = self.observe(config, t, 0.0).event {
                last_event = Some(e);
            }
            i += 1;
        }
        last_event
    }
}
