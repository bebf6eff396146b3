//! The pipeline: source → classify → store → detect → alert, joined by typed messages.
//!
//! The same stages serve `replay` (saved files, offline) and the daemon (live sources):
//! - [`ClassifyStage`] turns posts into [`ClassifiedPost`]s, remembering recent
//!   classifications so a bare repost inherits what it reposts;
//! - [`StoreStage`] writes a [`Message`] batch, runs the detection tracker over the new
//!   participations, and commits posts, counts, detector state, spikes, alerts and cursors in one
//!   transaction, returning the alerts to deliver;
//! - [`AlertSink`]s deliver alerts after the commit (stdout JSON lines, an append-only file).
//!
//! Stages exchange owned, serialisable messages, so a channel between them can later be a
//! NATS JetStream subject without changing the stages.

mod classify;
/// The live alert daemon: source pollers, the store thread, webhook outbox, shutdown.
pub mod daemon;
mod replay;
mod sink;
mod store;

pub use classify::ClassifyStage;
pub use replay::{ReplayOptions, ReplayProgress, ReplayReport, replay};
pub use sink::{AlertSink, FileSink, WriterSink};
pub use store::{BatchReport, StoreStage};

use trendwatch_model::{ClassifiedPost, HotSearchEntry};
use trendwatch_storage::SourceUpdate;

/// A unit of work flowing from the source/classify side to the store/detect side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    /// Classified posts, in source order.
    pub posts: Vec<ClassifiedPost>,
    /// Hot-search entries captured.
    pub hot_search: Vec<HotSearchEntry>,
    /// Source progress (cursor, health) to commit together with these posts.
    pub sources: Vec<SourceUpdate>,
}

/// Errors that stop the pipeline (bad records do not: they are counted and skipped).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// Reading a source failed as a whole.
    #[error(transparent)]
    Source(#[from] trendwatch_scraper::ScrapeError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] trendwatch_storage::StorageError),
    /// Stored detector state could not be restored.
    #[error("cannot restore detector state: {0}")]
    State(String),
    /// An alert sink failed.
    #[error("alert sink {sink}: {detail}")]
    Sink {
        /// Which sink.
        sink: String,
        /// What went wrong.
        detail: String,
    },
    /// A pipeline thread panicked.
    #[error("pipeline stage {0} stopped unexpectedly")]
    Stage(&'static str),
}
