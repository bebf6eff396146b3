//! Reading source health and outbox backlog back from the database (`trendwatch status`).

use serde::Serialize;
use trendwatch_storage::{SqliteStore, StorageError};

/// One source's row in the `sources` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    /// The source's configured name.
    pub name: String,
    /// `ok`, `backing_off` or `blocked`.
    pub status: String,
    /// The stored cursor (JSON).
    pub cursor: Option<String>,
    /// Capture time of the last successful poll (Unix seconds).
    pub last_success_at: Option<i64>,
    /// The last error (secrets redacted).
    pub last_error: Option<String>,
    /// When it happened (Unix seconds).
    pub last_error_at: Option<i64>,
    /// New posts this source has yielded in total.
    pub posts_seen: u64,
}

/// Delivery backlog of one durable sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxStatus {
    /// The sink's name.
    pub sink: String,
    /// Alerts not yet delivered.
    pub pending: u64,
    /// Alerts delivered.
    pub delivered: u64,
    /// The last delivery error, if the oldest pending alert has one.
    pub last_error: Option<String>,
}

/// Every source's status, by name.
pub fn source_statuses(store: &SqliteStore) -> Result<Vec<SourceStatus>, StorageError> {
    let mut stmt = store.connection().prepare(
        "SELECT name, status, cursor, last_success_at, last_error, last_error_at, posts_seen
         FROM sources ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SourceStatus {
            name: r.get(0)?,
            status: r.get(1)?,
            cursor: r.get(2)?,
            last_success_at: r.get(3)?,
            last_error: r.get(4)?,
            last_error_at: r.get(5)?,
            posts_seen: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The stored cursor of one source.
pub fn source_cursor(store: &SqliteStore, name: &str) -> Result<Option<String>, StorageError> {
    use rusqlite::OptionalExtension;
    Ok(store
        .connection()
        .query_row("SELECT cursor FROM sources WHERE name = ?1", [name], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

/// Outbox backlog per durable sink.
pub fn outbox_statuses(store: &SqliteStore) -> Result<Vec<OutboxStatus>, StorageError> {
    let mut stmt = store.connection().prepare(
        "SELECT sink, sum(delivered_at IS NULL), sum(delivered_at IS NOT NULL),
                (SELECT last_error FROM outbox o2 WHERE o2.sink = o.sink
                 AND o2.delivered_at IS NULL ORDER BY alert_id LIMIT 1)
         FROM outbox o GROUP BY sink ORDER BY sink",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OutboxStatus {
            sink: r.get(0)?,
            pending: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            delivered: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            last_error: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
