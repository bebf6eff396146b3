//! The tracker: turns a stream of (topic, time, user) participations into closed buckets per
//! topic, feeds each topic's [`TopicDetector`], and turns detector events into alerts and spike
//! episode records.
//!
//! Time is data time only. The tracker's clock is the newest post time it has seen; a bucket
//! `[s, s + bucket)` closes once that clock passes `s + bucket + lateness`, so posts arriving out
//! of order by up to `lateness` seconds still count. Later posts are reported as
//! [`Lateness::TooLate`] (the pipeline stores them but the detector has moved on).
//!
//! Everything iterates in topic-key order, so the same input gives the same events.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, FixedOffset};
use rustc_hash::{FxBuildHasher, FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use trendwatch_model::{Alert, AlertStatus, Topic, TopicKind, UnixSeconds, beijing};

use crate::detector::{DetectorConfig, EpisodeEvent, TopicDetector};

/// A topic's key in the tracker (the storage topic id).
pub type TopicKey = i64;

/// Tracker parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerConfig {
    /// The detector configuration (its `bucket_secs` is the bucket width).
    pub detector: DetectorConfig,
    /// How far out of order (seconds) a post may arrive and still be counted in its bucket.
    pub lateness_secs: i64,
    /// Cold-start warm-up (seconds of data time from the tracker's first post). When the
    /// tracker starts with no history every topic looks brand new, so a busy everyday topic would
    /// "explode" from nothing; onsets inside the warm-up are not alerted. After it, a topic seen
    /// for the first time can alert at once: that is a genuinely new topic taking off.
    pub warmup_secs: i64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            detector: DetectorConfig::default(),
            lateness_secs: 120,
            warmup_secs: 3600,
        }
    }
}

/// What a topic is, for building alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicMeta {
    /// Topic name.
    pub name: String,
    /// Outage or trend.
    pub kind: TopicKind,
    /// Service id, if any.
    pub service: Option<String>,
}

impl From<&Topic> for TopicMeta {
    fn from(topic: &Topic) -> Self {
        TopicMeta {
            name: topic.name.clone(),
            kind: topic.kind,
            service: topic.service.clone(),
        }
    }
}

/// Whether a participation arrived in time to be counted by the detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    /// Counted in its (still open) bucket.
    OnTime,
    /// Its bucket had already closed; stored but not seen by the detector.
    TooLate,
}

/// A closed bucket of one topic, with the detector's view of it.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketClosed {
    /// The topic.
    pub topic: TopicKey,
    /// Bucket start.
    pub bucket_start: UnixSeconds,
    /// Distinct participants in the bucket.
    pub participants: u64,
    /// Baseline expectation.
    pub baseline: f64,
    /// Baseline noise.
    pub noise: f64,
    /// Anomaly score in [0, 1].
    pub score: f64,
}

/// The current figures of a spike episode.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeUpdate {
    /// The topic.
    pub topic: TopicKey,
    /// Stable episode id.
    pub episode_id: String,
    /// Onset bucket start.
    pub onset: UnixSeconds,
    /// Data time of the first alert.
    pub alerted_at: UnixSeconds,
    /// Peak bucket start.
    pub peak_at: UnixSeconds,
    /// Peak bucket participants.
    pub peak_participants: u64,
    /// End time once ended.
    pub ended_at: Option<UnixSeconds>,
}

/// Something the tracker wants stored or sent.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackerEvent {
    /// A bucket closed with activity, an open episode, or a notable score.
    Bucket(BucketClosed),
    /// An alert to store and send.
    Alert {
        /// The topic.
        topic: TopicKey,
        /// The alert.
        alert: Alert,
    },
    /// A spike episode opened, grew a new peak, or ended.
    Spike(SpikeUpdate),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Episode {
    id: String,
    onset: UnixSeconds,
    alerted_at: UnixSeconds,
    peak_at: UnixSeconds,
    peak: u64,
}

/// Persistent per-topic state: detector plus the open episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TopicTrack {
    meta: TopicMeta,
    detector: TopicDetector,
    /// First bucket the detector has not observed yet (`None` until the topic is first seen).
    next_bucket: Option<UnixSeconds>,
    episode: Option<Episode>,
    #[serde(skip)]
    dirty: bool,
}

/// The tracker's state as stored between batches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackerSnapshot {
    /// Pipeline facts (`clock`, `closed_through`) as key/value strings.
    pub meta: Vec<(&'static str, String)>,
    /// Serialised state of each topic that changed since the last snapshot.
    pub topics: Vec<(TopicKey, String)>,
}

type UserSet = HashSet<u64, FxBuildHasher>;

/// Buckets participations per topic and runs each topic's detector as buckets close.
#[derive(Debug)]
pub struct Tracker {
    config: TrackerConfig,
    /// Newest data time seen.
    clock: Option<UnixSeconds>,
    /// Every bucket that ends at or before this time is closed.
    closed_through: Option<UnixSeconds>,
    /// Data time of the first post the tracker ever saw (start of the warm-up).
    started_at: Option<UnixSeconds>,
    topics: BTreeMap<TopicKey, TopicTrack>,
    open: BTreeMap<UnixSeconds, FxHashMap<TopicKey, UserSet>>,
    meta_dirty: bool,
}

const CLOCK_KEY: &str = "tracker.clock";
const CLOSED_KEY: &str = "tracker.closed_through";
const STARTED_KEY: &str = "tracker.started_at";

/// At most this many empty buckets are fed to a topic's detector after a silence: one week.
const MAX_GAP_FILL_BUCKETS: i64 = 7 * 288;

/// An empty stretch at least this long (buckets) is skipped in one step: one day.
const LONG_GAP_BUCKETS: i64 = 288;

/// How many empty buckets (at most) a newly seen topic's history starts with: one day.
const NEW_TOPIC_HISTORY_BUCKETS: i64 = 288;

fn user_hash(user: &str) -> u64 {
    let mut hasher = FxHasher::default();
    user.hash(&mut hasher);
    hasher.finish()
}

fn at(ts: UnixSeconds) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(ts, 0)
        .unwrap_or_default()
        .with_timezone(&beijing())
}

impl Tracker {
    /// A tracker with no history.
    pub fn new(config: TrackerConfig) -> Self {
        Tracker {
            config,
            clock: None,
            closed_through: None,
            started_at: None,
            topics: BTreeMap::new(),
            open: BTreeMap::new(),
            meta_dirty: false,
        }
    }

    /// Rebuilds a tracker from stored state: pipeline facts, per-topic states, topic metadata
    /// for topics without state, and the participation rows of still-open buckets.
    pub fn restore(
        config: TrackerConfig,
        meta: impl Fn(&str) -> Option<String>,
        states: Vec<(TopicKey, String)>,
        topics: Vec<(TopicKey, TopicMeta)>,
        open_participation: impl IntoIterator<Item = (TopicKey, UnixSeconds, String)>,
    ) -> Result<Self, String> {
        let mut tracker = Tracker::new(config);
        let parse = |key: &str| -> Result<Option<i64>, String> {
            meta(key)
                .map(|v| v.parse::<i64>().map_err(|e| format!("{key}: {e}")))
                .transpose()
        };
        tracker.clock = parse(CLOCK_KEY)?;
        tracker.closed_through = parse(CLOSED_KEY)?;
        tracker.started_at = parse(STARTED_KEY)?;
        for (key, state) in states {
            let track: TopicTrack =
                serde_json::from_str(&state).map_err(|e| format!("topic {key} state: {e}"))?;
            tracker.topics.insert(key, track);
        }
        for (key, meta) in topics {
            tracker.register_topic(key, meta);
        }
        for (key, minute, user) in open_participation {
            tracker.count(key, minute, &user);
        }
        Ok(tracker)
    }

    /// The first minute whose participation rows belong to still-open buckets (for restore).
    pub fn open_from(&self) -> Option<UnixSeconds> {
        self.closed_through
    }

    /// Makes a topic known (idempotent).
    pub fn register_topic(&mut self, key: TopicKey, meta: TopicMeta) {
        self.topics.entry(key).or_insert_with(|| TopicTrack {
            meta,
            detector: TopicDetector::new(),
            next_bucket: None,
            episode: None,
            dirty: true,
        });
    }

    /// Whether topic `key` is registered.
    pub fn knows(&self, key: TopicKey) -> bool {
        self.topics.contains_key(&key)
    }

    fn bucket_of(&self, ts: UnixSeconds) -> UnixSeconds {
        let width = self.config.detector.bucket_secs.max(1);
        ts.div_euclid(width) * width
    }

    fn count(&mut self, key: TopicKey, ts: UnixSeconds, user: &str) -> Lateness {
        let bucket = self.bucket_of(ts);
        if let Some(closed) = self.closed_through
            && bucket < closed
        {
            return Lateness::TooLate;
        }
        if let Some(track) = self.topics.get_mut(&key)
            && track.next_bucket.is_none()
        {
            // A topic first seen now had zero participants for as long as the tracker has been
            // watching: start its history with those zeros (up to a day), so a brand-new topic
            // that ramps up is measured against "nobody talked about it", not against its own
            // first buckets.
            let width = self.config.detector.bucket_secs.max(1);
            let watched_from = self
                .started_at
                .map_or(bucket, |s| s.div_euclid(width) * width);
            let history_from = (bucket - NEW_TOPIC_HISTORY_BUCKETS * width).max(watched_from);
            track.next_bucket = Some(history_from.min(bucket));
            track.dirty = true;
        }
        self.open
            .entry(bucket)
            .or_default()
            .entry(key)
            .or_default()
            .insert(user_hash(user));
        Lateness::OnTime
    }

    /// Counts `user` as a participant of topic `key` at data time `ts`. Call
    /// [`Tracker::register_topic`] first. Repeats of the same user in a bucket count once.
    pub fn add(&mut self, key: TopicKey, ts: UnixSeconds, user: &str) -> Lateness {
        self.count(key, ts, user)
    }

    /// Moves the data clock to `ts` (if newer) and closes every bucket that has become final.
    pub fn advance(&mut self, ts: UnixSeconds, events: &mut Vec<TrackerEvent>) {
        if self.clock.is_some_and(|c| c >= ts) {
            return;
        }
        self.clock = Some(ts);
        if self.started_at.is_none() {
            self.started_at = Some(ts);
        }
        self.meta_dirty = true;
        let horizon = ts - self.config.lateness_secs;
        self.close_until(self.bucket_of(horizon), ts, events);
    }

    /// End of input: closes every bucket up to and including the one holding the newest post.
    pub fn finish(&mut self, events: &mut Vec<TrackerEvent>) {
        let Some(clock) = self.clock else { return };
        let width = self.config.detector.bucket_secs.max(1);
        let end = self.bucket_of(clock) + width;
        self.close_until(end, clock.max(end), events);
        // Topics left behind by a skipped empty stretch catch up, so open episodes can end.
        let detector_config = &self.config.detector;
        for (&key, track) in self.topics.iter_mut() {
            let Some(next) = track.next_bucket else {
                continue;
            };
            if next < end {
                let (from, gap) = gap_to_fill(next, end, width);
                let event = track.detector.observe_zeros(detector_config, from, gap);
                track.next_bucket = Some(end);
                track.dirty = true;
                if event == Some(EpisodeEvent::Ended)
                    && let Some(episode) = track.episode.take()
                {
                    events.push(TrackerEvent::Spike(spike_update(key, &episode, Some(next))));
                }
            }
        }
    }

    /// Closes all buckets that end at or before `until`, in order.
    fn close_until(
        &mut self,
        until: UnixSeconds,
        now: UnixSeconds,
        events: &mut Vec<TrackerEvent>,
    ) {
        let width = self.config.detector.bucket_secs.max(1);
        // The first bucket to close: right after the last closed one, or the oldest open one.
        let first_open = self.open.keys().next().copied();
        let mut next = match (self.closed_through, first_open) {
            (Some(closed), _) => closed,
            (None, Some(first)) => first,
            (None, None) => {
                // Nothing seen yet: just remember how far time has gone.
                return;
            }
        };
        while next + width <= until {
            // A long empty stretch (data time jumped, e.g. a backfill of another year) is
            // skipped in one step: topics catch up lazily with `observe_zeros`, which costs O(1)
            // per topic once it has decayed, instead of O(buckets × topics) here.
            let next_data = self.open.keys().next().copied().unwrap_or(until);
            let empty_until = next_data.min(until).div_euclid(width) * width;
            if empty_until - next >= LONG_GAP_BUCKETS * width {
                next = empty_until - width;
                self.closed_through = Some(next);
            }
            let participants = self.open.remove(&next).unwrap_or_default();
            self.close_bucket(next, &participants, now, events);
            next += width;
            self.closed_through = Some(next);
            self.meta_dirty = true;
        }
    }

    fn close_bucket(
        &mut self,
        bucket: UnixSeconds,
        participants: &FxHashMap<TopicKey, UserSet>,
        now: UnixSeconds,
        events: &mut Vec<TrackerEvent>,
    ) {
        let width = self.config.detector.bucket_secs.max(1);
        let detector_config = &self.config.detector;
        let warming_up = self
            .started_at
            .is_some_and(|start| bucket < start + self.config.warmup_secs);
        for (&key, track) in self.topics.iter_mut() {
            let Some(next) = track.next_bucket else {
                continue;
            };
            if next > bucket {
                continue;
            }
            // Buckets are closed eagerly for every known topic, so a gap only appears for a
            // topic restored from state older than the current bucket; fill it with zeros.
            if next < bucket {
                let (from, gap) = gap_to_fill(next, bucket, width);
                if track.detector.observe_zeros(detector_config, from, gap)
                    == Some(EpisodeEvent::Ended)
                    && let Some(episode) = track.episode.take()
                {
                    events.push(TrackerEvent::Spike(spike_update(key, &episode, Some(next))));
                }
            }
            let value = participants.get(&key).map_or(0, |set| set.len() as u64);
            #[allow(clippy::cast_precision_loss)]
            let obs = track
                .detector
                .observe(detector_config, bucket, value as f64);
            track.next_bucket = Some(bucket + width);
            track.dirty = true;
            if value > 0 || track.episode.is_some() || obs.score >= 0.5 {
                events.push(TrackerEvent::Bucket(BucketClosed {
                    topic: key,
                    bucket_start: bucket,
                    participants: value,
                    baseline: obs.baseline,
                    noise: obs.noise,
                    score: obs.score,
                }));
            }
            let detected_at = now.max(bucket + width);
            let alert = |status, episode_id: &str| Alert {
                topic: track.meta.name.clone(),
                kind: track.meta.kind,
                service: track.meta.service.clone(),
                status,
                detected_at: at(detected_at),
                window_start: at(bucket),
                window_end: at(bucket + width),
                participants: value,
                baseline: (obs.baseline * 100.0).round() / 100.0,
                score: (obs.score * 10_000.0).round() / 10_000.0,
                episode_id: episode_id.to_string(),
            };
            match obs.event {
                Some(EpisodeEvent::Onset) if warming_up => {
                    tracing::debug!(topic = %track.meta.name, bucket, "Onset during cold-start warm-up not alerted.");
                }
                Some(EpisodeEvent::Onset) if track.episode.is_none() => {
                    let id = format!("{}@{}", track.meta.name, at(bucket).to_rfc3339());
                    events.push(TrackerEvent::Alert {
                        topic: key,
                        alert: alert(AlertStatus::Opened, &id),
                    });
                    let episode = Episode {
                        id,
                        onset: bucket,
                        alerted_at: detected_at,
                        peak_at: bucket,
                        peak: value,
                    };
                    events.push(TrackerEvent::Spike(spike_update(key, &episode, None)));
                    track.episode = Some(episode);
                }
                Some(EpisodeEvent::Ended) => {
                    if let Some(episode) = track.episode.take() {
                        events.push(TrackerEvent::Spike(spike_update(
                            key,
                            &episode,
                            Some(bucket),
                        )));
                    }
                }
                event => {
                    if let Some(episode) = track.episode.as_mut() {
                        if event == Some(EpisodeEvent::Grew) {
                            let id = episode.id.clone();
                            events.push(TrackerEvent::Alert {
                                topic: key,
                                alert: alert(AlertStatus::Updated, &id),
                            });
                        }
                        if value > episode.peak {
                            episode.peak = value;
                            episode.peak_at = bucket;
                            events.push(TrackerEvent::Spike(spike_update(key, episode, None)));
                        }
                    }
                }
            }
        }
    }

    /// Takes the state that changed since the last call, for storing with the batch.
    pub fn snapshot(&mut self) -> Result<TrackerSnapshot, String> {
        let mut snapshot = TrackerSnapshot::default();
        if self.meta_dirty {
            if let Some(clock) = self.clock {
                snapshot.meta.push((CLOCK_KEY, clock.to_string()));
            }
            if let Some(closed) = self.closed_through {
                snapshot.meta.push((CLOSED_KEY, closed.to_string()));
            }
            if let Some(started) = self.started_at {
                snapshot.meta.push((STARTED_KEY, started.to_string()));
            }
            self.meta_dirty = false;
        }
        for (&key, track) in self.topics.iter_mut() {
            if track.dirty {
                let state = serde_json::to_string(&*track).map_err(|e| e.to_string())?;
                snapshot.topics.push((key, state));
                track.dirty = false;
            }
        }
        Ok(snapshot)
    }

    /// Number of topics tracked.
    pub fn topic_count(&self) -> usize {
        self.topics.len()
    }

    /// The tracker's configuration.
    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }
}

/// The empty buckets to feed a detector that last saw `next` and must now see `bucket`: all of
/// them, or only the last week's when the silence was longer. A topic silent for more than a week
/// resumes from its state a week into the silence; this bounds the cost of a jump in data time
/// (hostile dates, a backfill of another year) to a week of buckets per topic.
fn gap_to_fill(next: UnixSeconds, bucket: UnixSeconds, width: i64) -> (UnixSeconds, u64) {
    let gap = (bucket - next) / width;
    let filled = gap.min(MAX_GAP_FILL_BUCKETS);
    (bucket - filled * width, u64::try_from(filled).unwrap_or(0))
}

fn spike_update(topic: TopicKey, episode: &Episode, ended_at: Option<UnixSeconds>) -> SpikeUpdate {
    SpikeUpdate {
        topic,
        episode_id: episode.id.clone(),
        onset: episode.onset,
        alerted_at: episode.alerted_at,
        peak_at: episode.peak_at,
        peak_participants: episode.peak,
        ended_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str) -> TopicMeta {
        TopicMeta {
            name: name.into(),
            kind: TopicKind::Trend,
            service: None,
        }
    }

    const T0: i64 = 1_442_116_800; // 2015-09-13 12:00 +08:00

    /// Feeds `per_bucket[i]` distinct users into bucket i, one post per user, in time order.
    fn run(tracker: &mut Tracker, per_bucket: &[u64]) -> Vec<TrackerEvent> {
        let mut events = Vec::new();
        for (i, &n) in per_bucket.iter().enumerate() {
            let start = T0 + 300 * i as i64;
            for u in 0..n {
                let ts = start + (u as i64 * 7) % 300;
                tracker.add(1, ts, &format!("user{i}-{u}"));
                tracker.advance(ts, &mut events);
            }
            tracker.advance(start + 299, &mut events);
        }
        tracker.finish(&mut events);
        events
    }

    fn alerts(events: &[TrackerEvent]) -> Vec<&Alert> {
        events
            .iter()
            .filter_map(|e| match e {
                TrackerEvent::Alert { alert, .. } => Some(alert),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn closes_buckets_in_order_and_counts_distinct_users() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        tracker.register_topic(1, meta("a"));
        let mut events = Vec::new();
        for user in ["x", "y", "x", "x"] {
            tracker.add(1, T0 + 10, user);
        }
        tracker.advance(T0 + 10, &mut events);
        tracker.finish(&mut events);
        let buckets: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                TrackerEvent::Bucket(b) => Some((b.bucket_start, b.participants)),
                _ => None,
            })
            .collect();
        assert_eq!(buckets, vec![(T0, 2)]);
    }

    #[test]
    fn late_posts_within_lateness_still_count() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        tracker.register_topic(1, meta("a"));
        let mut events = Vec::new();
        tracker.add(1, T0 + 290, "a");
        tracker.advance(T0 + 290, &mut events);
        tracker.add(1, T0 + 330, "b");
        tracker.advance(T0 + 330, &mut events);
        // 100 s late, lateness is 120 s: still counted in the first bucket.
        assert_eq!(tracker.add(1, T0 + 230, "c"), Lateness::OnTime);
        tracker.advance(T0 + 500, &mut events);
        // Bucket [T0, T0+300) is now closed: a post for it is too late.
        assert_eq!(tracker.add(1, T0 + 10, "d"), Lateness::TooLate);
        let first = events.iter().find_map(|e| match e {
            TrackerEvent::Bucket(b) if b.bucket_start == T0 => Some(b.participants),
            _ => None,
        });
        assert_eq!(first, Some(2));
    }

    #[test]
    fn quiet_topic_that_explodes_alerts_once_per_episode() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        tracker.register_topic(1, meta("burst"));
        let mut series = vec![3u64; 40];
        series.extend([400, 800, 1600, 2000, 1800]);
        series.extend(vec![3u64; 20]);
        let events = run(&mut tracker, &series);
        let alerts = alerts(&events);
        let opened: Vec<_> = alerts
            .iter()
            .filter(|a| a.status == AlertStatus::Opened)
            .collect();
        assert_eq!(opened.len(), 1, "{alerts:#?}");
        assert_eq!(opened[0].window_start, at(T0 + 300 * 40));
        let ended = events.iter().any(|e| {
            matches!(
                e,
                TrackerEvent::Spike(SpikeUpdate {
                    ended_at: Some(_),
                    ..
                })
            )
        });
        assert!(ended, "the episode should end when the topic calms down");
    }

    #[test]
    fn snapshot_and_restore_resume_identically() {
        let mut series = vec![5u64; 30];
        series.extend([500, 900, 5, 5, 5, 5]);
        let mut whole = Tracker::new(TrackerConfig::default());
        whole.register_topic(1, meta("t"));
        let expected = run(&mut whole, &series);

        // Run the first half, snapshot, restore, run the rest.
        let mut first = Tracker::new(TrackerConfig::default());
        first.register_topic(1, meta("t"));
        let mut events = Vec::new();
        let mut open_rows = Vec::new();
        let split = 31;
        for (i, &n) in series.iter().enumerate().take(split) {
            let start = T0 + 300 * i as i64;
            for u in 0..n {
                let ts = start + (u as i64 * 7) % 300;
                let user = format!("user{i}-{u}");
                first.add(1, ts, &user);
                open_rows.push((1, ts.div_euclid(60) * 60, user));
                first.advance(ts, &mut events);
            }
            first.advance(start + 299, &mut events);
        }
        let snapshot = first.snapshot().unwrap();
        let meta_map: std::collections::HashMap<_, _> = snapshot.meta.iter().cloned().collect();
        let open_from = first.open_from().unwrap();
        let mut restored = Tracker::restore(
            TrackerConfig::default(),
            |k| meta_map.get(k).cloned(),
            snapshot.topics.clone(),
            vec![(1, meta("t"))],
            open_rows.into_iter().filter(|r| r.1 >= open_from),
        )
        .unwrap();
        for (i, &n) in series.iter().enumerate().skip(split) {
            let start = T0 + 300 * i as i64;
            for u in 0..n {
                let ts = start + (u as i64 * 7) % 300;
                restored.add(1, ts, &format!("user{i}-{u}"));
                restored.advance(ts, &mut events);
            }
            restored.advance(start + 299, &mut events);
        }
        restored.finish(&mut events);
        assert_eq!(events, expected);
    }

    #[test]
    fn busy_topics_at_cold_start_do_not_alert_but_new_topics_later_do() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        tracker.register_topic(1, meta("everyday"));
        tracker.register_topic(2, meta("brand new"));
        let mut events = Vec::new();
        for i in 0..48i64 {
            let start = T0 + 300 * i;
            for u in 0..900 {
                tracker.add(1, start + u % 300, &format!("e{i}-{u}"));
            }
            if i >= 30 {
                for u in 0..400 {
                    tracker.add(2, start + u % 300, &format!("n{i}-{u}"));
                }
            }
            tracker.advance(start + 299, &mut events);
        }
        tracker.finish(&mut events);
        let alerted: Vec<_> = alerts(&events).iter().map(|a| a.topic.clone()).collect();
        assert_eq!(alerted, vec!["brand new".to_string()], "{alerted:?}");
    }

    #[test]
    fn a_jump_of_years_in_data_time_is_cheap_and_keeps_counting() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        tracker.register_topic(1, meta("a"));
        let mut events = Vec::new();
        tracker.add(1, T0, "u1");
        tracker.advance(T0, &mut events);
        let later = T0 + 8 * 365 * 86_400;
        tracker.add(1, later, "u2");
        tracker.add(1, later + 1, "u3");
        tracker.advance(later + 1, &mut events);
        tracker.finish(&mut events);
        let counted: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                TrackerEvent::Bucket(b) if b.participants > 0 => Some(b.participants),
                _ => None,
            })
            .collect();
        assert_eq!(counted, vec![1, 2]);
    }
}
