//! Spike detection: compares each closed bucket of a topic's participation series with that
//! topic's own baseline and reports anomaly scores and episode events.
//!
//! Architecture invariant: pure, deterministic, streaming code: no I/O, no wall clock, constant
//! memory per topic, and no look-ahead (the score at bucket t uses only buckets up to t).

mod detector;
pub mod series;
mod tracker;

pub use detector::{DetectorConfig, EpisodeEvent, Observation, TopicDetector};
pub use tracker::{
    BucketClosed, Lateness, SpikeUpdate, TopicKey, TopicMeta, Tracker, TrackerConfig, TrackerEvent,
    TrackerSnapshot,
};
