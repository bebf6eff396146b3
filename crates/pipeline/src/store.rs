//! The store stage: write a batch, detect, and commit everything at once.

use trendwatch_detect::{TopicMeta, Tracker, TrackerConfig, TrackerEvent};
use trendwatch_model::{Alert, TopicKind};
use trendwatch_storage::{BucketRecord, PostWrite, SpikeRecord, Store, WriteBatch};

use crate::{Message, PipelineError};

/// What one committed batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReport {
    /// Posts stored for the first time.
    pub new_posts: u64,
    /// Posts already stored (not counted again).
    pub duplicates: u64,
    /// New participations whose bucket had already closed (stored, not seen by the detector).
    pub late: u64,
    /// Hot-search entries stored.
    pub hot_search: u64,
    /// Alerts raised by this batch, in order, to deliver now that they are committed.
    pub alerts: Vec<Alert>,
}

/// Owns the store and the detection tracker; applies [`Message`]s atomically.
pub struct StoreStage<S: Store> {
    store: S,
    tracker: Tracker,
    durable_sinks: Vec<String>,
    events: Vec<trendwatch_detect::TrackerEvent>,
    topic_ids: Vec<i64>,
}

impl<S: Store> std::fmt::Debug for StoreStage<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreStage")
            .field("topics", &self.tracker.topic_count())
            .finish_non_exhaustive()
    }
}

impl<S: Store> StoreStage<S> {
    /// Opens the stage on `store`, restoring the tracker from what the store holds.
    /// `durable_sinks` get an outbox row per alert (e.g. webhooks).
    pub fn new(
        store: S,
        config: TrackerConfig,
        durable_sinks: Vec<String>,
    ) -> Result<Self, PipelineError> {
        let states = store.detector_states()?;
        let topics = store
            .topics()?
            .into_iter()
            .map(|row| {
                let kind = TopicKind::parse(&row.kind).unwrap_or(TopicKind::Trend);
                (
                    row.id,
                    TopicMeta {
                        name: row.name,
                        kind,
                        service: row.service,
                    },
                )
            })
            .collect();
        let closed: Option<i64> = store
            .meta("tracker.closed_through")?
            .and_then(|v| v.parse().ok());
        let open_rows = match closed {
            Some(minute) => store.participation_since(minute)?,
            None => store.participation_since(i64::MIN)?,
        };
        let meta = |key: &str| store.meta(key).ok().flatten();
        let tracker = Tracker::restore(config, meta, states, topics, open_rows)
            .map_err(PipelineError::State)?;
        Ok(StoreStage {
            store,
            tracker,
            durable_sinks,
            events: Vec::new(),
            topic_ids: Vec::new(),
        })
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// The underlying store, mutably (outbox bookkeeping).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Applies one message in one transaction and returns what it did.
    pub fn apply(&mut self, message: &Message) -> Result<BatchReport, PipelineError> {
        let mut report = BatchReport::default();
        let mut batch = self.store.begin()?;
        for classified in &message.posts {
            self.topic_ids.clear();
            for topic in &classified.tags.topics {
                let id = batch.topic_id(topic)?;
                if !self.tracker.knows(id) {
                    self.tracker.register_topic(id, TopicMeta::from(topic));
                }
                self.topic_ids.push(id);
            }
            let ts = classified.post.timestamp();
            match batch.insert_post(classified, &self.topic_ids)? {
                PostWrite::Duplicate => report.duplicates += 1,
                PostWrite::Inserted { new_participant } => {
                    report.new_posts += 1;
                    for (&id, fresh) in self.topic_ids.iter().zip(new_participant) {
                        if fresh
                            && self.tracker.add(id, ts, &classified.post.user_id)
                                == trendwatch_detect::Lateness::TooLate
                        {
                            report.late += 1;
                        }
                    }
                }
            }
            self.tracker.advance(ts, &mut self.events);
        }
        for entry in &message.hot_search {
            if batch.record_hot_search(entry)? {
                report.hot_search += 1;
            }
        }
        for update in &message.sources {
            batch.update_source(update)?;
        }
        conclude(
            batch,
            &mut self.events,
            &self.durable_sinks,
            &mut report,
            &mut self.tracker,
        )?;
        Ok(report)
    }

    /// End of input (replay): closes the remaining buckets and commits what that raises.
    pub fn finish(&mut self) -> Result<BatchReport, PipelineError> {
        let mut report = BatchReport::default();
        self.tracker.finish(&mut self.events);
        let batch = self.store.begin()?;
        conclude(
            batch,
            &mut self.events,
            &self.durable_sinks,
            &mut report,
            &mut self.tracker,
        )?;
        Ok(report)
    }
}

/// Ends a batch: writes the tracker's events and changed state into it, then commits.
fn conclude<B: WriteBatch>(
    mut batch: B,
    events: &mut Vec<TrackerEvent>,
    durable_sinks: &[String],
    report: &mut BatchReport,
    tracker: &mut Tracker,
) -> Result<(), PipelineError> {
    let sinks: Vec<&str> = durable_sinks.iter().map(String::as_str).collect();
    write_events(&mut batch, events, &sinks, report, tracker)?;
    let snapshot = tracker.snapshot().map_err(PipelineError::State)?;
    for (key, value) in &snapshot.meta {
        batch.set_meta(key, value)?;
    }
    for (topic, state) in &snapshot.topics {
        batch.save_detector_state(*topic, state)?;
    }
    batch.commit()?;
    Ok(())
}

fn write_events<B: WriteBatch>(
    batch: &mut B,
    events: &mut Vec<TrackerEvent>,
    durable_sinks: &[&str],
    report: &mut BatchReport,
    tracker: &Tracker,
) -> Result<(), PipelineError> {
    let bucket_secs = tracker.config().detector.bucket_secs;
    for event in events.drain(..) {
        match event {
            TrackerEvent::Bucket(b) => batch.record_bucket(&BucketRecord {
                topic_id: b.topic,
                bucket_start: b.bucket_start,
                bucket_secs,
                participants: b.participants,
                baseline: b.baseline,
                noise: b.noise,
                score: b.score,
            })?,
            TrackerEvent::Spike(s) => batch.upsert_spike(&SpikeRecord {
                episode_id: s.episode_id,
                topic_id: s.topic,
                onset: s.onset,
                alerted_at: s.alerted_at,
                peak_at: s.peak_at,
                peak_participants: s.peak_participants,
                ended_at: s.ended_at,
            })?,
            TrackerEvent::Alert { topic, alert } => {
                if batch.insert_alert(&alert, topic, durable_sinks)?.is_some() {
                    report.alerts.push(alert);
                }
            }
        }
    }
    Ok(())
}
