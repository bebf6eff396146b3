//! Opening a database file safely: identify it, refuse foreign or newer files, migrate ours.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

use crate::error::{Result, StorageError};

/// `PRAGMA application_id` of trendwatch databases ("TWCH").
pub const APPLICATION_ID: i64 = 0x5457_4348;

/// The schema migrations, in order. `PRAGMA user_version` records how many have run.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_initial.sql")),
        M::up(include_str!("migrations/0002_views.sql")),
        M::up(include_str!("migrations/0003_read_side.sql")),
        M::up(include_str!("migrations/0004_compact_writes.sql")),
    ])
}

/// The schema version this build writes.
pub fn latest_schema_version() -> i64 {
    // One version per migration.
    4
}

fn classify_open_error(path: &Path, error: rusqlite::Error) -> StorageError {
    let detail = error.to_string();
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            StorageError::Corrupt {
                path: path.to_path_buf(),
                detail,
            }
        }
        Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::CannotOpen) => {
            StorageError::ReadOnly {
                path: path.to_path_buf(),
                detail,
            }
        }
        _ => StorageError::Sqlite(error),
    }
}

/// Checks that an existing file is a trendwatch database this build can use.
///
/// Returns the schema version found (0 for a brand-new, empty database).
fn identify(conn: &Connection, path: &Path) -> Result<i64> {
    let probe = |sql: &str| -> Result<i64> {
        conn.query_row(sql, [], |row| row.get::<_, i64>(0))
            .map_err(|e| classify_open_error(path, e))
    };
    let app_id = probe("PRAGMA application_id")?;
    let version = probe("PRAGMA user_version")?;
    let tables = probe("SELECT count(*) FROM sqlite_schema")?;
    if app_id == 0 && tables == 0 && version == 0 {
        return Ok(0);
    }
    if app_id != APPLICATION_ID {
        return Err(StorageError::NotTrendwatch {
            path: path.to_path_buf(),
            detail: format!("application_id is {app_id:#x}, with {tables} schema objects"),
        });
    }
    if version > latest_schema_version() {
        return Err(StorageError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: latest_schema_version(),
        });
    }
    Ok(version)
}

/// Refuses a database file, or its folder, that has no write permission. SQLite itself would
/// write anyway when running as root (as CI does), so the permission bits are checked here.
fn check_writable(path: &Path) -> Result<()> {
    let read_only = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.permissions().readonly());
    if read_only(path) {
        return Err(StorageError::ReadOnly {
            path: path.to_path_buf(),
            detail: "the file has no write permission".into(),
        });
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if read_only(folder) {
        return Err(StorageError::ReadOnly {
            path: path.to_path_buf(),
            detail: format!(
                "its folder {} has no write permission (SQLite needs to create the -wal and -shm files beside it)",
                folder.display()
            ),
        });
    }
    Ok(())
}

/// Opens (creating if needed) a database for writing and brings its schema up to date.
pub(crate) fn open_for_writing(path: &Path) -> Result<Connection> {
    check_writable(path)?;
    let mut conn = Connection::open(path).map_err(|e| classify_open_error(path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let version = identify(&conn, path)?;
    if version == 0 {
        // A new file: 16 KiB pages (SQLite's default is 4 KiB). Posts rows are 300-600 bytes
        // and arrive in id order, so larger pages split less often: -5% of the replay writer's
        // instructions (callgrind, 200k posts). Must be set before the first table exists.
        conn.execute_batch("PRAGMA page_size = 16384")?;
    }
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .map_err(|e| classify_open_error(path, e))?;
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;",
    )?;
    if version < latest_schema_version() {
        if version == 0 {
            conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
                .map_err(|e| classify_open_error(path, e))?;
        }
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| StorageError::Migration {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        tracing::info!(message = "Database schema migrated.", path = %path.display(), from = version, to = latest_schema_version());
    }
    Ok(conn)
}

/// Opens an existing database read-only (queries, the web page). Never creates or migrates.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(StorageError::Corrupt {
            path: path.to_path_buf(),
            detail: "no such file".into(),
        });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| classify_open_error(path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let version = identify(&conn, path)?;
    if version < latest_schema_version() {
        return Err(StorageError::Migration {
            path: path.to_path_buf(),
            detail: format!(
                "schema version {version} is older than {}; open it once for writing (e.g. `trendwatch replay`) to migrate",
                latest_schema_version()
            ),
        });
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }
}
