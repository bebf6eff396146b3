//! `trendwatch export`: the database as CSV files for pandas, R or a spreadsheet.
//!
//! All files are read in one read transaction, so they agree with each other even while a daemon
//! keeps writing. Times are Unix seconds, each followed by a `*_local` column in RFC 3339 in
//! `--tz` (default +08:00), which pandas reads with `pd.to_datetime`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::FixedOffset;
use rusqlite::types::ValueRef;
use serde_json::json;
use trendwatch_storage::{SpikeFilter, SqliteStore};

use crate::output::{OutputArgs, Rows, fmt_time};

/// Arguments of `trendwatch export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The trendwatch database (opened read-only).
    #[arg(long)]
    pub db: PathBuf,
    /// Directory to write the CSV files into (created if missing; files of the same names are
    /// replaced).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One exported table: its file, its query and which of its columns hold Unix times.
struct Export {
    file: &'static str,
    what: &'static str,
    sql: &'static str,
    times: &'static [&'static str],
}

const EXPORTS: &[Export] = &[
    Export {
        file: "posts.csv",
        what: "every stored post with its classification",
        sql: "SELECT id, user_id, user_name, text, created_at, reposts, comments, likes, repost_of,
                     client, outage_complaint, outage_mention, service, symptoms
              FROM posts ORDER BY created_at, id",
        times: &["created_at"],
    },
    Export {
        file: "topics.csv",
        what: "topics: hashtags and derived outage topics",
        sql: "SELECT id, name, kind, service FROM topics ORDER BY id",
        times: &[],
    },
    Export {
        file: "post_topics.csv",
        what: "which topics each post counts towards (the tags)",
        sql: "SELECT pt.post_id, pt.topic_id, t.name AS topic
              FROM post_topics pt JOIN topics t ON t.id = pt.topic_id
              ORDER BY pt.topic_id, pt.post_id",
        times: &[],
    },
    Export {
        file: "series_minutes.csv",
        what: "posts and distinct participants per topic and minute",
        sql: "SELECT m.topic_id, t.name AS topic, m.minute, m.posts, m.participants
              FROM topic_minutes m JOIN topics t ON t.id = m.topic_id
              ORDER BY m.topic_id, m.minute",
        times: &["minute"],
    },
    Export {
        file: "buckets.csv",
        what: "detection buckets with the detector's baseline, noise and score",
        sql: "SELECT b.topic_id, t.name AS topic, b.bucket_start, b.bucket_secs, b.participants,
                     b.baseline, b.noise, b.score
              FROM topic_buckets b JOIN topics t ON t.id = b.topic_id
              ORDER BY b.topic_id, b.bucket_start",
        times: &["bucket_start"],
    },
    Export {
        file: "alerts.csv",
        what: "every alert emitted, with its JSON payload",
        sql: "SELECT a.id, a.episode_id, a.topic_id, t.name AS topic, a.status, a.detected_at,
                     a.payload
              FROM alerts a JOIN topics t ON t.id = a.topic_id ORDER BY a.id",
        times: &["detected_at"],
    },
    Export {
        file: "hot_search.csv",
        what: "the site's own hot-search lists as captured",
        sql: "SELECT captured_at, rank, word, heat, label FROM hot_search
              ORDER BY captured_at, rank",
        times: &["captured_at"],
    },
];

fn create(dir: &Path, file: &str) -> anyhow::Result<(PathBuf, csv::Writer<std::fs::File>)> {
    let path = dir.join(file);
    let writer = csv::Writer::from_path(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    Ok((path, writer))
}

fn cell(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => b.iter().map(|byte| format!("{byte:02x}")).collect(),
    }
}

/// Writes one query's rows as CSV, adding a `<column>_local` column after each time column.
fn export_query(
    conn: &rusqlite::Connection,
    export: &Export,
    dir: &Path,
    tz: FixedOffset,
) -> anyhow::Result<u64> {
    let (path, mut writer) = create(dir, export.file)?;
    let mut stmt = conn
        .prepare(export.sql)
        .with_context(|| format!("preparing the query for {}", export.file))?;
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| (*n).to_string())
        .collect();
    let is_time: Vec<bool> = names
        .iter()
        .map(|n| export.times.contains(&n.as_str()))
        .collect();
    let mut header = Vec::new();
    for (name, time) in names.iter().zip(&is_time) {
        header.push(name.clone());
        if *time {
            header.push(format!("{name}_local"));
        }
    }
    writer.write_record(&header)?;
    let mut rows = stmt.query([])?;
    let mut count = 0u64;
    let mut record = Vec::with_capacity(header.len());
    while let Some(row) = rows.next()? {
        record.clear();
        for (i, time) in is_time.iter().enumerate() {
            let value = row.get_ref(i)?;
            record.push(cell(value));
            if *time {
                record.push(match value {
                    ValueRef::Integer(ts) => fmt_time(ts, tz),
                    _ => String::new(),
                });
            }
        }
        writer.write_record(&record)?;
        count += 1;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(count)
}

/// Writes spike episodes with their total distinct participants and onset-to-alert delay.
fn export_spikes(store: &SqliteStore, dir: &Path, tz: FixedOffset) -> anyhow::Result<u64> {
    let (path, mut writer) = create(dir, "spikes.csv")?;
    writer.write_record([
        "episode_id",
        "topic",
        "kind",
        "service",
        "onset",
        "onset_local",
        "alerted_at",
        "alerted_at_local",
        "peak_at",
        "peak_at_local",
        "ended_at",
        "ended_at_local",
        "peak_participants",
        "total_participants",
        "onset_to_alert_secs",
    ])?;
    let spikes = store.spikes(&SpikeFilter::default())?;
    for s in &spikes {
        writer.write_record([
            s.episode_id.clone(),
            s.topic.clone(),
            s.kind.clone(),
            s.service.clone().unwrap_or_default(),
            s.onset.to_string(),
            fmt_time(s.onset, tz),
            s.alerted_at.to_string(),
            fmt_time(s.alerted_at, tz),
            s.peak_at.to_string(),
            fmt_time(s.peak_at, tz),
            s.ended_at.map(|t| t.to_string()).unwrap_or_default(),
            s.ended_at.map(|t| fmt_time(t, tz)).unwrap_or_default(),
            s.peak_participants.to_string(),
            s.total_participants.to_string(),
            (s.alerted_at - s.onset).to_string(),
        ])?;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(u64::try_from(spikes.len()).unwrap_or(u64::MAX))
}

/// Runs `trendwatch export`.
pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = SqliteStore::open_read_only(&args.db)
        .with_context(|| format!("cannot open database {}", args.db.display()))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let tz = args.output.tz;
    let conn = store.connection();
    // One snapshot for every file (WAL readers see a fixed state without blocking the writer).
    conn.execute_batch("BEGIN")?;
    let mut summary = Rows::new(&["file", "rows", "contents"], args.output.format);
    let mut add = |file: &str, rows: u64, what: &str| {
        summary.push(
            || vec![file.to_string(), rows.to_string(), what.to_string()],
            || json!({"file": args.out.join(file).display().to_string(), "rows": rows, "contents": what}),
        );
    };
    for export in EXPORTS {
        let rows = export_query(conn, export, &args.out, tz)?;
        add(export.file, rows, export.what);
    }
    let spikes = export_spikes(&store, &args.out, tz)?;
    add(
        "spikes.csv",
        spikes,
        "spike episodes with peak, total participants and onset-to-alert delay",
    );
    conn.execute_batch("COMMIT")?;
    summary.print(&format!(
        "written to {}; times are Unix seconds with *_local columns in {tz}",
        args.out.display()
    ))
}
