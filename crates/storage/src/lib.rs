//! Storage: posts, participation, spikes, alerts and cursors, behind the [`Store`] trait.
//!
//! SQLite (one file, WAL) is the embedded default; the trait is the seam where a shared
//! PostgreSQL store plugs in later. Everything one pipeline batch changes — posts, participation
//! counts, detector state, spikes, alerts, outbox rows and source cursors — is written through one
//! [`WriteBatch`] and committed atomically, so a crash between batches loses nothing and a rerun
//! counts nothing twice.
//!
//! Architecture invariant: this crate knows nothing about HTTP, HTML or the classifier's rules;
//! it stores typed values from `trendwatch-model`.

mod error;
mod open;
mod query;
mod sqlite;

pub use error::{Result, StorageError};
pub use open::{APPLICATION_ID, latest_schema_version};
pub use query::{AlertRow, SeriesRow, SpikeFilter, SpikeRow, TopRow, TopicAlertRow, TopicRow};
pub use sqlite::{SqliteBatch, SqliteStore};

use trendwatch_model::{Alert, ClassifiedPost, HotSearchEntry, Topic, UnixSeconds};

/// Database id of a topic.
pub type TopicId = i64;

/// The outcome of storing one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostWrite {
    /// The post was already stored: nothing was counted.
    Duplicate,
    /// The post is new. For each of its topics (same order as given), whether its author is a
    /// new participant of that topic in the post's minute.
    Inserted {
        /// One flag per topic id passed in.
        new_participant: Vec<bool>,
    },
}

/// A closed detection bucket as the detector saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketRecord {
    /// The topic.
    pub topic_id: TopicId,
    /// Bucket start (Unix seconds).
    pub bucket_start: UnixSeconds,
    /// Bucket width in seconds.
    pub bucket_secs: i64,
    /// Distinct participants in the bucket.
    pub participants: u64,
    /// The topic's baseline expectation for the bucket.
    pub baseline: f64,
    /// The baseline's noise.
    pub noise: f64,
    /// Anomaly score in [0, 1].
    pub score: f64,
}

/// A spike episode's current figures (inserted at onset, updated while open).
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeRecord {
    /// Stable episode id (also in the alerts).
    pub episode_id: String,
    /// The topic.
    pub topic_id: TopicId,
    /// Start of the bucket where the episode began.
    pub onset: UnixSeconds,
    /// Data time the first alert was raised.
    pub alerted_at: UnixSeconds,
    /// Start of the bucket with the most participants so far.
    pub peak_at: UnixSeconds,
    /// Participants in that bucket.
    pub peak_participants: u64,
    /// When the episode ended, once it has.
    pub ended_at: Option<UnixSeconds>,
}

/// Progress and health of one source, written in the same batch as its posts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceUpdate {
    /// The source's configured name.
    pub name: String,
    /// New cursor (e.g. newest post id seen), if it moved.
    pub cursor: Option<String>,
    /// Data/capture time of a successful poll.
    pub success_at: Option<UnixSeconds>,
    /// Error seen (never containing secrets), with its time.
    pub error: Option<(String, UnixSeconds)>,
    /// Source status (`ok`, `backing_off`, `blocked`).
    pub status: Option<String>,
    /// Posts this poll yielded.
    pub posts_seen: u64,
}

/// One atomic unit of writes. Nothing is visible or durable until [`WriteBatch::commit`].
pub trait WriteBatch {
    /// Returns the id of a topic, creating it if needed.
    fn topic_id(&mut self, topic: &Topic) -> Result<TopicId>;
    /// Stores a post with its tags and participation in the given topics (ids from
    /// [`WriteBatch::topic_id`], one per `post.tags.topics` entry). A post already stored is
    /// left as it is and reported as a duplicate.
    fn insert_post(&mut self, post: &ClassifiedPost, topic_ids: &[TopicId]) -> Result<PostWrite>;
    /// Records a closed detection bucket.
    fn record_bucket(&mut self, bucket: &BucketRecord) -> Result<()>;
    /// Inserts or updates a spike episode.
    fn upsert_spike(&mut self, spike: &SpikeRecord) -> Result<()>;
    /// Stores an alert and queues it for each durable sink. Returns the alert's row id, or
    /// `None` if the same alert (episode and time) was stored before.
    fn insert_alert(
        &mut self,
        alert: &Alert,
        topic_id: TopicId,
        durable_sinks: &[&str],
    ) -> Result<Option<i64>>;
    /// Saves a topic's serialised detector state.
    fn save_detector_state(&mut self, topic_id: TopicId, state: &str) -> Result<()>;
    /// Sets a pipeline fact (watermark, closed-through time).
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
    /// Stores one hot-search entry; returns false if that capture already held the word.
    fn record_hot_search(&mut self, entry: &HotSearchEntry) -> Result<bool>;
    /// Updates a source's cursor and health.
    fn update_source(&mut self, update: &SourceUpdate) -> Result<()>;
    /// Commits everything in the batch atomically.
    fn commit(self) -> Result<()>;
}

/// A trendwatch store: the seam between the pipeline and a database engine.
pub trait Store {
    /// The batch type this store hands out.
    type Batch<'a>: WriteBatch
    where
        Self: 'a;
    /// Starts a batch of writes.
    fn begin(&mut self) -> Result<Self::Batch<'_>>;
    /// Reads a pipeline fact written with [`WriteBatch::set_meta`].
    fn meta(&self, key: &str) -> Result<Option<String>>;
    /// Every topic's saved detector state.
    fn detector_states(&self) -> Result<Vec<(TopicId, String)>>;
    /// Every stored topic.
    fn topics(&self) -> Result<Vec<TopicRow>>;
    /// Participation rows at or after `minute`, to rebuild open buckets after a restart.
    fn participation_since(
        &self,
        minute: UnixSeconds,
    ) -> Result<Vec<(TopicId, UnixSeconds, String)>>;
    /// Queued outbox rows not yet delivered to `sink`, oldest first: (alert id, payload JSON).
    fn pending_outbox(&self, sink: &str, limit: usize) -> Result<Vec<(i64, String)>>;
    /// Marks an outbox row delivered (`Ok`) or records a failed attempt (`Err(message)`).
    fn mark_outbox(
        &mut self,
        alert_id: i64,
        sink: &str,
        outcome: std::result::Result<(), String>,
    ) -> Result<()>;
}
