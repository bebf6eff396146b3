//! Sources: turn saved Weibo-style pages and JSON (and, later, live HTTP) into [`SourceItem`]s.
//!
//! API contract used by the pipeline (helpers: keep these names and signatures):
//! - [`open_path`] opens a file or a directory (read in name order) and returns a streaming
//!   iterator of records, detecting each file's format from its content.
//! - Each record is either an item or a [`RecordError`] naming file, line and field; a bad record
//!   never stops the iterator.
//! - [`ReadOptions::captured_at`] is the reference time for relative dates when a page carries
//!   none of its own.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use trendwatch_model::{HotSearchEntry, Post};

/// One thing a source yields.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceItem {
    /// A post (originals embedded in reposts come first, as their own items).
    Post(Post),
    /// One entry of a hot-search list.
    HotSearch(HotSearchEntry),
}

/// Options for reading saved files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Reference time for relative dates ("5分钟前") when the file carries no capture time.
    pub captured_at: Option<DateTime<FixedOffset>>,
}

/// A record that could not be turned into an item; the rest of the input goes on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct RecordError {
    /// The file the record came from.
    pub file: PathBuf,
    /// 1-based line (JSON lines) or element ordinal (HTML cards) of the record.
    pub line: u64,
    /// The field that was wrong (`created_at`, `user.id`, …) or `record` for the whole record.
    pub field: String,
    /// What was wrong.
    pub message: String,
}

/// A failure that stops reading a file (it cannot be opened, or its format is unknown).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// The file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's format is not one trendwatch reads.
    #[error("{path}: unrecognised format: {reason}")]
    UnknownFormat {
        /// The path that failed.
        path: PathBuf,
        /// Why detection failed.
        reason: String,
    },
}

/// A streaming iterator of records from one or more files.
pub type Records = Box<dyn Iterator<Item = Result<SourceItem, RecordError>> + Send>;

/// Opens a file or directory of saved sources and streams its records.
pub fn open_path(path: &Path, options: &ReadOptions) -> Result<Records, ScrapeError> {
    let _ = (path, options);
    Err(ScrapeError::UnknownFormat {
        path: path.to_path_buf(),
        reason: "not implemented yet".into(),
    })
}
