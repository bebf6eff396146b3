//! Storage errors. Each names the database file and says what to do about it.

use std::path::PathBuf;

/// Everything that can go wrong in storage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The file exists but is not an SQLite database (or is damaged beyond opening).
    #[error(
        "{path}: not a readable SQLite database ({detail}); it was left untouched — restore it from a backup or pass a new --db path"
    )]
    Corrupt {
        /// The database path.
        path: PathBuf,
        /// SQLite's own words.
        detail: String,
    },
    /// The file is an SQLite database that belongs to something else.
    #[error(
        "{path}: an SQLite database that is not a trendwatch database ({detail}); refusing to write to it — pass a new --db path"
    )]
    NotTrendwatch {
        /// The database path.
        path: PathBuf,
        /// What gave it away.
        detail: String,
    },
    /// The database was written by a newer trendwatch.
    #[error(
        "{path}: schema version {found} is newer than this trendwatch supports ({supported}); upgrade trendwatch"
    )]
    NewerSchema {
        /// The database path.
        path: PathBuf,
        /// Version found in the file.
        found: i64,
        /// Latest version this build knows.
        supported: i64,
    },
    /// The database cannot be written (read-only file or directory).
    #[error("{path}: database is read-only ({detail})")]
    ReadOnly {
        /// The database path.
        path: PathBuf,
        /// SQLite's own words.
        detail: String,
    },
    /// A migration failed.
    #[error("{path}: schema migration failed: {detail}")]
    Migration {
        /// The database path.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// Stored state could not be decoded.
    #[error("stored {what} is not valid: {detail}")]
    BadState {
        /// Which piece of state.
        what: String,
        /// Why it did not decode.
        detail: String,
    },
    /// A query or statement failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Result alias for storage operations.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
