//! The per-topic streaming spike detector.
//!
//! Per topic, on a variance-stabilised scale (see [`DetectorConfig::dispersion_k`]):
//!
//! * **Baseline** `e`: an exponentially weighted level plus, once the topic has
//!   [`DetectorConfig::season_warmup_secs`] of history, an additive time-of-day profile (one slot
//!   per bucket of the day: 288 slots for 5-minute buckets). Updates are winsorised at
//!   [`DetectorConfig::winsor_z`] noise units, so a past spike cannot poison the baseline.
//! * **Noise** `sd`: a winsorised exponentially weighted mean absolute residual, at least
//!   [`DetectorConfig::count_noise`] (one unit of counting noise on this scale).
//! * **Two channels**: the bucket itself (fast) and an exponentially smoothed residual (slow,
//!   [`DetectorConfig::slow_half_life_secs`]) that sees sustained shifts no single bucket shows.
//! * **Memories of highs**: per channel, a *record* (the highest level reached; its excess over
//!   the baseline decays with [`DetectorConfig::record_half_life_secs`]) and a *burst memory*
//!   (the largest excess over the baseline; decays with
//!   [`DetectorConfig::burst_memory_half_life_secs`]). The surprise `z` of a bucket is how many
//!   noise units a channel rises above the baseline *and* above the lower of the two memories:
//!   a level never seen, or a burst larger than the recent ones. A topic that spikes every day
//!   thus learns that spikes of that size are routine, while a night-time spike on a topic with
//!   a loud evening still counts.
//! * **Episodes** (Kleinberg-like): a burst is entered reluctantly (a channel at least
//!   [`DetectorConfig::enter_z`] noise units above the baseline) and left freely (the bucket back
//!   within [`DetectorConfig::exit_z`]). The score is non-zero only inside a burst and only when
//!   it beats the burst's best score so far, so it is high at the onset and low while the burst
//!   goes on. An alert (`Onset`) is raised once per burst, when a bucket scores at least
//!   [`DetectorConfig::onset_score`] and has at least [`DetectorConfig::min_participants`];
//!   `Grew` follows when the burst reaches [`DetectorConfig::grow_factor`] times the last
//!   reported size; `Ended` closes an alerted burst.
//!
//! Everything is O(1) per bucket, constant memory, deterministic and without look-ahead.

use serde::{Deserialize, Serialize};
use trendwatch_model::UnixSeconds;

/// Seconds in a day: the period of the time-of-day profile.
const DAY_SECS: i64 = 86_400;
/// Factor turning a mean absolute deviation into a standard deviation (normal data).
const MAD_TO_SD: f64 = 1.253_314;
/// State components smaller than this are snapped to zero, so a long silence reaches an exact
/// fixed point and [`TopicDetector::observe_zeros`] can skip the rest.
const SNAP: f64 = 1e-6;
/// Largest number of slots in the time-of-day profile (bounds the state size).
const MAX_SLOTS: i64 = 1_440;
/// Anscombe's offset in the square-root-like transform of counts.
const ANSCOMBE: f64 = 0.375;
/// Index of the fast (one bucket) channel.
const FAST: usize = 0;
/// Index of the slow (smoothed) channel.
const SLOW: usize = 1;

/// Detector parameters. [`DetectorConfig::default`] is the one configuration used for alerts,
/// for `trendwatch detect` and for the NAB evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectorConfig {
    /// Width of a detection bucket in seconds.
    pub bucket_secs: i64,
    /// A bucket with fewer participants than this never raises an alert (`Onset`).
    pub min_participants: f64,
    /// A bucket must also hold at least this multiple of the baseline to raise an alert: a
    /// busy topic's 50 % rise is not news, however many people that is (scores are unaffected).
    pub min_ratio: f64,
    /// Score at or above which a burst raises an alert (`Onset`).
    pub onset_score: f64,
    /// Dispersion `k` of the working scale `2 sqrt(k) asinh(sqrt((v + 3/8) / k))`: the
    /// variance-stabilising transform of a negative binomial count (square-root-like, Poisson,
    /// below `k`; logarithmic above). 0 selects the plain log scale `ln(1 + v)`.
    pub dispersion_k: f64,
    /// Floor of the noise on the working scale (one unit is Poisson noise).
    pub count_noise: f64,
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
    /// Half-life of the slow channel (smoothed residual), in seconds.
    pub slow_half_life_secs: f64,
    /// Half-life of the record memory: the highest level a channel reached, whose excess over
    /// the baseline decays with this half-life, in seconds (0 disables it).
    pub record_half_life_secs: f64,
    /// Half-life of the burst memory: the largest excess over the baseline a channel showed,
    /// decaying with this half-life, in seconds (0 disables it).
    pub burst_memory_half_life_secs: f64,
    /// A burst opens when a channel is at least this many noise units above the baseline.
    pub enter_z: f64,
    /// A burst ends when a bucket is less than this many noise units above the baseline...
    pub exit_z: f64,
    /// If set, a burst also needs the slow channel below this many of its noise units to end:
    /// a sustained shift then keeps its episode open while the baseline catches up, at the
    /// price of later `Ended` events. Unset (the default): leave as soon as the bucket is back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_slow_z: Option<f64>,
    /// Surprise `z` (noise units above the baseline and the memories) at which the score is 0.5.
    pub score_half_z: f64,
    /// Inside a burst a bucket scores again only when its surprise exceeds this multiple of
    /// the burst's best so far.
    pub rescore_factor: f64,
    /// An alerted burst sends `Grew` when it reaches this multiple of the last reported size.
    pub grow_factor: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            bucket_secs: 300,
            min_participants: 30.0,
            min_ratio: 2.0,
            onset_score: 0.5,
            dispersion_k: 10.0,
            count_noise: 1.0,
            level_half_life_secs: 12.0 * 3600.0,
            noise_half_life_secs: 24.0 * 3600.0,
            season_half_life_days: 7.0,
            season_warmup_secs: 2.0 * 86_400.0,
            winsor_z: 3.0,
            slow_half_life_secs: 4.0 * 3600.0,
            record_half_life_secs: 90.0 * 86_400.0,
            burst_memory_half_life_secs: 14.0 * 86_400.0,
            enter_z: 5.0,
            exit_z: 1.5,
            exit_slow_z: None,
            score_half_z: 0.5,
            rescore_factor: 2.0,
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

    /// The working scale of a participant count: `2 sqrt(k) asinh(sqrt((v + 3/8) / k))`
    /// (Anscombe's 3/8 keeps the first counts apart evenly), shifted so that 0 maps to 0.
    pub fn to_scale(&self, value: f64) -> f64 {
        let v = if value.is_finite() {
            value.max(0.0)
        } else {
            0.0
        };
        let k = self.dispersion_k;
        if k > 0.0 {
            let root_k = k.sqrt();
            2.0 * root_k * (((v + ANSCOMBE) / k).sqrt().asinh() - (ANSCOMBE / k).sqrt().asinh())
        } else {
            v.ln_1p()
        }
    }

    /// Inverse of [`DetectorConfig::to_scale`] (negative inputs map to 0).
    pub fn from_scale(&self, y: f64) -> f64 {
        let k = self.dispersion_k;
        if k > 0.0 {
            let root_k = k.sqrt();
            let s = (y.max(0.0) / (2.0 * root_k) + (ANSCOMBE / k).sqrt().asinh()).sinh();
            (k * s * s - ANSCOMBE).max(0.0)
        } else {
            y.max(0.0).exp_m1()
        }
    }

    /// Maps a surprise `z` to a score in [0, 1): `z / (z + score_half_z)`.
    fn score_of(&self, z: f64) -> f64 {
        if z.is_nan() || z <= 0.0 {
            return 0.0;
        }
        z / (z + self.score_half_z.max(1e-9))
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
    /// Best surprise of the burst so far (noise units); the score only rises above it.
    best_z: f64,
}

/// Streaming state of one topic's detector; serialisable so it survives restarts.
///
/// Constant size: a handful of numbers plus a time-of-day profile of fixed length.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopicDetector {
    /// Buckets observed so far.
    seen: u64,
    /// Baseline level (working scale, deseasonalised).
    level: f64,
    /// Mean absolute residual (working scale).
    dev: f64,
    /// Time-of-day profile (working scale); empty until the first bucket.
    season: Vec<f64>,
    /// Exponentially smoothed residual: the slow channel's offset from the baseline.
    smooth: f64,
    /// Record memory of the fast and slow channels (levels, working scale).
    record: [f64; 2],
    /// Burst memory of the fast and slow channels (excess over the baseline, working scale).
    bursts: [f64; 2],
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
    /// Expected value on the working scale.
    expected: f64,
    /// Noise (standard deviation) on the working scale.
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

    /// Start of the ongoing burst's first bucket, if a burst is ongoing.
    pub fn burst_started(&self) -> Option<UnixSeconds> {
        self.burst.as_ref().map(|b| b.started)
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
        let floor = if config.dispersion_k > 0.0 {
            config.count_noise
        } else {
            // On the log scale Poisson noise shrinks as 1/sqrt(1 + mean).
            config.count_noise / (1.0 + expected.exp_m1().max(0.0)).sqrt()
        };
        // The empirical spread already contains counting noise: the floor is a minimum, not
        // an extra term.
        Expectation {
            expected,
            sd: (MAD_TO_SD * self.dev).max(floor).max(1e-9),
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
        let x = config.to_scale(value);
        let exp = self.expectation(config, bucket_start);
        let e = exp.expected;

        // The two channels on the working scale, with their noise.
        let a_slow = config.alpha(config.slow_half_life_secs);
        let smooth = self.smooth + a_slow * ((x - e) - self.smooth);
        let levels = [x, e + smooth];
        let sds = [
            exp.sd,
            (exp.sd * (a_slow / (2.0 - a_slow)).sqrt()).max(1e-9),
        ];
        let z_base = [
            (levels[FAST] - e) / sds[FAST],
            (levels[SLOW] - e) / sds[SLOW],
        ];
        // Surprise: noise units above the baseline and above either memory: a level never seen
        // (record) or an excess larger than the recent bursts'.
        let use_record = config.record_half_life_secs > 0.0;
        let use_bursts = config.burst_memory_half_life_secs > 0.0;
        let z = (0..2)
            .map(|c| {
                let reference = match (use_record, use_bursts) {
                    (true, true) => e.max(self.record[c]).min(e + self.bursts[c].max(0.0)),
                    (true, false) => e.max(self.record[c]),
                    (false, true) => e + self.bursts[c].max(0.0),
                    (false, false) => e,
                };
                (levels[c] - reference) / sds[c]
            })
            .fold(f64::NEG_INFINITY, f64::max);

        let big_enough =
            value >= config.min_participants && value >= config.min_ratio * config.from_scale(e);
        let (score, event) = self.step_episode(config, bucket_start, big_enough, value, z_base, z);

        // Fold the bucket in.
        let first = self.seen == 0;
        self.seen = self.seen.saturating_add(1);
        let n = self.seen as f64;
        let clip = config.winsor_z * exp.sd;
        let resid = (x - e).clamp(-clip, clip);
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
            let target = resid + e - self.level;
            self.season[s] += a_season * (target - self.season[s]);
        }
        self.smooth = smooth;
        if config.record_half_life_secs > 0.0 {
            let keep = 1.0 - config.alpha(config.record_half_life_secs);
            for (m, l) in self.record.iter_mut().zip(levels) {
                // The record's excess over the baseline decays geometrically.
                *m = (e + (*m - e) * keep).max(l);
            }
        } else {
            self.record = [0.0; 2];
        }
        if config.burst_memory_half_life_secs > 0.0 {
            let keep = 1.0 - config.alpha(config.burst_memory_half_life_secs);
            for (m, l) in self.bursts.iter_mut().zip(levels) {
                *m = (*m * keep).max(l - e);
            }
        } else {
            self.bursts = [0.0; 2];
        }
        self.snap();
        self.last_bucket = Some(bucket_start);
        Observation {
            score,
            baseline: config.from_scale(e),
            noise: config.from_scale(e + exp.sd) - config.from_scale(e),
            event,
        }
    }

    /// Advances the episode state machine by one bucket; returns the bucket's score and event.
    fn step_episode(
        &mut self,
        config: &DetectorConfig,
        bucket_start: UnixSeconds,
        big_enough: bool,
        value: f64,
        z_base: [f64; 2],
        z: f64,
    ) -> (f64, Option<EpisodeEvent>) {
        let Some(burst) = self.burst.as_mut() else {
            if z_base.iter().any(|zb| *zb >= config.enter_z) {
                let score = config.score_of(z);
                let alerted = big_enough && score >= config.onset_score;
                self.burst = Some(Burst {
                    started: bucket_start,
                    alerted,
                    reported: value,
                    peak: value,
                    best_z: z.max(0.0),
                });
                return (score, alerted.then_some(EpisodeEvent::Onset));
            }
            return (0.0, None);
        };
        if z_base[FAST] < config.exit_z && config.exit_slow_z.is_none_or(|x| z_base[SLOW] < x) {
            let alerted = burst.alerted;
            self.burst = None;
            return (0.0, alerted.then_some(EpisodeEvent::Ended));
        }
        burst.peak = burst.peak.max(value);
        // Only a markedly better surprise scores again: the burst is news once, at its onset.
        let score = if z > 0.0 && z > config.rescore_factor * burst.best_z {
            burst.best_z = z;
            config.score_of(z)
        } else {
            0.0
        };
        if !burst.alerted {
            // A burst that began below the minimum size becomes news the first time it is both
            // big enough and surprising enough, even if its surprise did not double since.
            let crossing = config.score_of(z);
            if big_enough && crossing >= config.onset_score {
                burst.alerted = true;
                burst.reported = value;
                burst.best_z = burst.best_z.max(z);
                return (crossing, Some(EpisodeEvent::Onset));
            }
        } else if value >= config.grow_factor * burst.reported.max(1.0) {
            burst.reported = value;
            return (score, Some(EpisodeEvent::Grew));
        }
        (score, None)
    }

    /// Snaps negligible state to exactly zero so silence reaches a fixed point.
    fn snap(&mut self) {
        let snap = |v: &mut f64| {
            if v.abs() < SNAP {
                *v = 0.0;
            }
        };
        snap(&mut self.level);
        snap(&mut self.dev);
        snap(&mut self.smooth);
        self.season.iter_mut().for_each(snap);
        self.record.iter_mut().for_each(snap);
        self.bursts.iter_mut().for_each(snap);
    }

    /// Whether two states agree on everything but their counters.
    fn same_model(&self, other: &TopicDetector) -> bool {
        self.level == other.level
            && self.dev == other.dev
            && self.season == other.season
            && self.smooth == other.smooth
            && self.record == other.record
            && self.bursts == other.bursts
            && self.burst == other.burst
    }

    /// Feeds `count` empty buckets starting at `first_bucket_start`; equivalent to `count`
    /// calls of [`TopicDetector::observe`] with value 0 (same state, same events), but O(1)
    /// once the state has decayed to the fixed point of silence. Returns the last event among
    /// those buckets, if any (only `Ended` can occur).
    pub fn observe_zeros(
        &mut self,
        config: &DetectorConfig,
        first_bucket_start: UnixSeconds,
        count: u64,
    ) -> Option<EpisodeEvent> {
        /// How often to test for the fixed point (a test clones the state).
        const CHECK_EVERY: u64 = 64;
        let step = config.bucket_secs.max(1);
        let at = |i: u64| {
            first_bucket_start.saturating_add(step.saturating_mul(i.min(i64::MAX as u64) as i64))
        };
        let mut last_event = None;
        let mut i = 0u64;
        while i < count {
            let before = (i.is_multiple_of(CHECK_EVERY) && self.seen > 0).then(|| self.clone());
            if let Some(e) = self.observe(config, at(i), 0.0).event {
                last_event = Some(e);
            }
            i += 1;
            if let Some(before) = before
                && self.same_model(&before)
            {
                // From here on a zero bucket changes nothing but the counters.
                self.seen = self.seen.saturating_add(count - i);
                self.last_bucket = Some(at(count - 1));
                break;
            }
        }
        last_event
    }
}

#[cfg(test)]
#[path = "detector_tests.rs"]
mod tests;
