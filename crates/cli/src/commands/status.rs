//! `trendwatch status`: each source's health, cursor and totals, and the webhook backlog.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;
use trendwatch_pipeline::daemon::status::{outbox_statuses, source_statuses};
use trendwatch_storage::SqliteStore;

use crate::output::{Format, OutputArgs, Rows, fmt_time, fmt_time_short};

/// Arguments of `trendwatch status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The trendwatch database the daemon writes.
    #[arg(long)]
    pub db: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Runs `trendwatch status`.
pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let store = SqliteStore::open_read_only(&args.db)
        .with_context(|| format!("cannot open {}", args.db.display()))?;
    let sources = source_statuses(&store)?;
    let outbox = outbox_statuses(&store)?;
    let tz = args.output.tz;
    let table = args.output.format == Format::Table;
    let mut rows = Rows::new(
        &[
            "source",
            "status",
            "last_success",
            "last_error_at",
            "last_error",
            "cursor",
            "posts_seen",
        ],
        args.output.format,
    );
    for s in &sources {
        let time = |t: Option<i64>| {
            t.map(|t| {
                if table {
                    fmt_time_short(t, tz)
                } else {
                    fmt_time(t, tz)
                }
            })
            .unwrap_or_default()
        };
        let error = s.last_error.clone().unwrap_or_default();
        let cursor = s.cursor.clone().unwrap_or_default();
        rows.push(
            || {
                vec![
                    s.name.clone(),
                    s.status.clone(),
                    time(s.last_success_at),
                    time(s.last_error_at),
                    if table { shorten(&error, 60) } else { error },
                    if table { shorten(&cursor, 40) } else { cursor },
                    s.posts_seen.to_string(),
                ]
            },
            || {
                json!({
                    "source": s.name,
                    "status": s.status,
                    "last_success_at": s.last_success_at.map(|t| fmt_time(t, tz)),
                    "last_error_at": s.last_error_at.map(|t| fmt_time(t, tz)),
                    "last_error": s.last_error,
                    "cursor": s.cursor,
                    "posts_seen": s.posts_seen,
                })
            },
        );
    }
    let mut note = format!("times in {tz}");
    if sources.is_empty() {
        note = format!("no sources have run yet; {note}");
    }
    for o in &outbox {
        note.push_str(&format!(
            "\noutbox {}: {} pending, {} delivered{}",
            o.sink,
            o.pending,
            o.delivered,
            o.last_error
                .as_deref()
                .map(|e| format!(" (last error: {})", shorten(e, 80)))
                .unwrap_or_default()
        ));
    }
    rows.print(&note)
}
