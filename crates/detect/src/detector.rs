//! The per-topic detector (placeholder baseline; to be replaced by the tuned detector).

use serde::{Deserialize, Serialize};
use trendwatch_model::UnixSeconds;

/// Detector parameters. [`DetectorConfig::default`] is the one configuration used for alerts,
/// for `trendwatch detect` and for the NAB evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// Width of a detection bucket in seconds.
    pub bucket_secs: i64,
    /// A bucket with fewer participants than this never opens an episode.
    pub min_participants: f64,
    /// Score at or above which an episode opens.
    pub onset_score: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            bucket_secs: 300,
            min_participants: 30.0,
            onset_score: 0.9,
        }
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

/// Streaming state of one topic's detector; serialisable so it survives restarts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopicDetector {
    mean: f64,
    deviation: f64,
    seen: u64,
    in_episode: bool,
    reported: f64,
    last_bucket: Option<UnixSeconds>,
}

impl TopicDetector {
    /// A detector with no history (a brand-new topic).
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next closed bucket (buckets must be fed in order, gaps as zeros).
    pub fn observe(
        &mut self,
        config: &DetectorConfig,
        bucket_start: UnixSeconds,
        value: f64,
    ) -> Observation {
        let baseline = self.mean;
        let noise = self.deviation.max(1.0);
        let z = (value - baseline) / noise;
        let score = if self.seen < 3 && value < config.min_participants {
            0.0
        } else {
            1.0 / (1.0 + (-(z - 4.0)).exp())
        };
        let mut event = None;
        if !self.in_episode {
            if score >= config.onset_score && value >= config.min_participants {
                self.in_episode = true;
                self.reported = value;
                event = Some(EpisodeEvent::Onset);
            }
        } else if value <= baseline + 2.0 * noise {
            self.in_episode = false;
            event = Some(EpisodeEvent::Ended);
        } else if value >= 2.0 * self.reported {
            self.reported = value;
            event = Some(EpisodeEvent::Grew);
        }
        if !self.in_episode {
            let alpha = 0.05;
            self.mean += alpha * (value - self.mean);
            self.deviation += alpha * ((value - self.mean).abs() - self.deviation);
        }
        self.seen += 1;
        self.last_bucket = Some(bucket_start);
        Observation {
            score,
            baseline,
            noise,
            event,
        }
    }
}
