//! The research queries: `spikes`, `series` and `top` (read-only on the database).

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::FixedOffset;
use serde_json::json;
use trendwatch_storage::{SeriesRow, SpikeFilter, SpikeRow, SqliteStore, TopRow};

use crate::output::{OutputArgs, Rows, fmt_time, fmt_time_short, parse_duration_secs, parse_time};

/// The most buckets one `series` answer may hold (a year of 5-minute buckets is about 105,000).
pub const MAX_SERIES_BUCKETS: i64 = 200_000;

/// Arguments of `trendwatch spikes`.
#[derive(Debug, clap::Args)]
pub struct SpikesArgs {
    /// The trendwatch database.
    #[arg(long)]
    pub db: PathBuf,
    /// Only this topic (exact name).
    #[arg(long)]
    pub topic: Option<String>,
    /// Only topics about this service id (e.g. wechat).
    #[arg(long)]
    pub service: Option<String>,
    /// Only this kind.
    #[arg(long, value_parser = ["outage", "trend"])]
    pub kind: Option<String>,
    /// Only episodes starting at or after this time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only episodes starting before this time.
    #[arg(long)]
    pub until: Option<String>,
    /// Only episodes whose peak bucket had at least this many participants.
    #[arg(long)]
    pub min_participants: Option<u64>,
    /// At most this many episodes (the latest ones).
    #[arg(long)]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `trendwatch series`.
#[derive(Debug, clap::Args)]
pub struct SeriesArgs {
    /// The trendwatch database.
    #[arg(long)]
    pub db: PathBuf,
    /// The topic (exact name, e.g. "WeChat outage").
    #[arg(long)]
    pub topic: String,
    /// Bucket width: 1m, 5m, 1h, 1d, …
    #[arg(long, default_value = "5m")]
    pub bucket: String,
    /// Start time (inclusive).
    #[arg(long)]
    pub since: Option<String>,
    /// End time (exclusive).
    #[arg(long)]
    pub until: Option<String>,
    /// Also draw the series, with the baseline band and alert markers, into this file
    /// (`.svg` or `.png`).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `trendwatch top`.
#[derive(Debug, clap::Args)]
pub struct TopArgs {
    /// The trendwatch database.
    #[arg(long)]
    pub db: PathBuf,
    /// The time the list describes (default: the data's latest time).
    #[arg(long)]
    pub at: Option<String>,
    /// The window participants are counted over.
    #[arg(long, default_value = "2h")]
    pub window: String,
    /// How many topics to list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn open(db: &std::path::Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open_read_only(db)
        .with_context(|| format!("cannot open database {}", db.display()))
}

fn opt_time(text: Option<&str>, args: &OutputArgs, flag: &str) -> anyhow::Result<Option<i64>> {
    text.map(|t| parse_time(t, args.tz).map(|t| t.timestamp()))
        .transpose()
        .with_context(|| flag.to_string())
}

/// A spike episode as JSON, times in `tz`.
pub fn spike_json(spike: &SpikeRow, tz: FixedOffset) -> serde_json::Value {
    json!({
        "episode_id": spike.episode_id,
        "topic": spike.topic,
        "kind": spike.kind,
        "service": spike.service,
        "onset": fmt_time(spike.onset, tz),
        "alerted_at": fmt_time(spike.alerted_at, tz),
        "peak_at": fmt_time(spike.peak_at, tz),
        "ended_at": spike.ended_at.map(|t| fmt_time(t, tz)),
        "peak_participants": spike.peak_participants,
        "total_participants": spike.total_participants,
        "onset_to_alert_secs": spike.alerted_at - spike.onset,
        "onset_unix": spike.onset,
        "alerted_at_unix": spike.alerted_at,
        "ended_at_unix": spike.ended_at,
    })
}

/// A series bucket as JSON, times in `tz`.
pub fn series_json(row: &SeriesRow, tz: FixedOffset) -> serde_json::Value {
    json!({
        "bucket_start": fmt_time(row.bucket_start, tz),
        "bucket_start_unix": row.bucket_start,
        "posts": row.posts,
        "participants": row.participants,
        "baseline": row.baseline,
        "noise": row.noise,
        "score": row.score,
    })
}

/// Participants against the baseline expectation, e.g. `×12.5`, or `new` without a baseline.
pub fn change_text(row: &TopRow) -> String {
    change(row).map_or_else(|| "new".into(), |ratio| format!("×{ratio:.1}"))
}

fn change(row: &TopRow) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    row.baseline
        .filter(|b| *b > 0.0)
        .map(|b| row.participants as f64 / b)
}

/// A trending-list row as JSON, times in `tz`.
pub fn top_json(row: &TopRow, tz: FixedOffset) -> serde_json::Value {
    json!({
        "rank": row.rank,
        "topic": row.topic,
        "kind": row.kind,
        "service": row.service,
        "participants": row.participants,
        "posts": row.posts,
        "baseline": row.baseline,
        "change": change(row),
        "site_rank": row.site_rank,
        "site_heat": row.site_heat,
        "spike_onset": row.spike_onset.map(|t| fmt_time(t, tz)),
        "spike_open": row.spike_open,
    })
}

/// Runs `trendwatch spikes`.
pub fn spikes(args: SpikesArgs) -> anyhow::Result<()> {
    let store = open(&args.db)?;
    let filter = SpikeFilter {
        topic: args.topic.clone(),
        service: args.service.clone(),
        kind: args.kind.clone(),
        since: opt_time(args.since.as_deref(), &args.output, "--since")?,
        until: opt_time(args.until.as_deref(), &args.output, "--until")?,
        min_participants: args.min_participants,
        limit: args.limit,
    };
    let tz = args.output.tz;
    let mut rows = Rows::new(
        &[
            "topic",
            "kind",
            "service",
            "onset",
            "alerted",
            "peak",
            "end",
            "peak participants",
            "total participants",
            "onset→alert",
        ],
        args.output.format,
    );
    for spike in store.spikes(&filter)? {
        let delay = spike.alerted_at - spike.onset;
        let end = spike
            .ended_at
            .map(|t| fmt_time_short(t, tz))
            .unwrap_or_else(|| "open".into());
        rows.push(
            || {
                vec![
                    spike.topic.clone(),
                    spike.kind.clone(),
                    spike.service.clone().unwrap_or_default(),
                    fmt_time_short(spike.onset, tz),
                    fmt_time_short(spike.alerted_at, tz),
                    fmt_time_short(spike.peak_at, tz),
                    end,
                    spike.peak_participants.to_string(),
                    spike.total_participants.to_string(),
                    format!("{}m{:02}s", delay / 60, delay % 60),
                ]
            },
            || spike_json(&spike, tz),
        );
    }
    rows.print(&format!("times in {tz}"))
}

/// Checks a series request's size before it is run: at most [`MAX_SERIES_BUCKETS`] buckets.
pub fn check_series_span(start: i64, end: i64, bucket: i64) -> anyhow::Result<()> {
    let buckets = (end - start).div_euclid(bucket.max(1)) + 1;
    if buckets > MAX_SERIES_BUCKETS {
        bail!(
            "{buckets} buckets of {bucket}s requested; at most {MAX_SERIES_BUCKETS}: use a wider bucket or a shorter range"
        );
    }
    Ok(())
}

/// The series of `topic` with its spikes and alerts in the same range, bounded in size.
pub struct TopicSeries {
    /// The buckets.
    pub rows: Vec<SeriesRow>,
    /// Spike episodes overlapping the range.
    pub spikes: Vec<SpikeRow>,
    /// Alerts raised in the range.
    pub alerts: Vec<trendwatch_storage::TopicAlertRow>,
}

/// Reads a topic's series (buckets aligned in `tz`), spikes and alerts.
pub fn topic_series(
    store: &SqliteStore,
    topic: &trendwatch_storage::TopicRow,
    bucket: i64,
    since: Option<i64>,
    until: Option<i64>,
    tz: FixedOffset,
) -> anyhow::Result<TopicSeries> {
    let offset = i64::from(tz.local_minus_utc());
    let Some((start, end)) = store.series_span(topic.id, bucket, offset, since, until)? else {
        return Ok(TopicSeries {
            rows: Vec::new(),
            spikes: Vec::new(),
            alerts: Vec::new(),
        });
    };
    check_series_span(start, end, bucket)?;
    let rows = store.series_aligned(topic.id, bucket, offset, Some(start), Some(end))?;
    let spikes = store
        .spikes(&SpikeFilter {
            topic: Some(topic.name.clone()),
            until: Some(end),
            ..SpikeFilter::default()
        })?
        .into_iter()
        .filter(|s| s.ended_at.is_none_or(|e| e > start))
        .collect();
    let alerts = store.topic_alerts(topic.id, Some(start), Some(end))?;
    Ok(TopicSeries {
        rows,
        spikes,
        alerts,
    })
}

/// Runs `trendwatch series`.
pub fn series(args: SeriesArgs) -> anyhow::Result<()> {
    let store = open(&args.db)?;
    let topic = store
        .topic_by_name(&args.topic)?
        .with_context(|| format!("no topic named {:?} in {}", args.topic, args.db.display()))?;
    let bucket = parse_duration_secs(&args.bucket).context("--bucket")?;
    if bucket % 60 != 0 {
        bail!(
            "--bucket {}: must be a whole number of minutes",
            args.bucket
        );
    }
    let since = opt_time(args.since.as_deref(), &args.output, "--since")?;
    let until = opt_time(args.until.as_deref(), &args.output, "--until")?;
    let tz = args.output.tz;
    let data = topic_series(&store, &topic, bucket, since, until, tz)?;
    if let Some(path) = &args.plot {
        let (from, to) = match (data.rows.first(), data.rows.last()) {
            (Some(a), Some(b)) => (a.bucket_start, b.bucket_start + bucket),
            _ => bail!(
                "topic {:?} has no posts in that range: nothing to plot",
                topic.name
            ),
        };
        let chart = super::plot::Chart {
            title: format!(
                "{} — participants per {} min, {} to {} ({tz})",
                topic.name,
                bucket / 60,
                fmt_time_short(from, tz),
                fmt_time_short(to, tz)
            ),
            rows: &data.rows,
            bucket_secs: bucket,
            spikes: &data.spikes,
            alerts: &data.alerts,
            tz,
        };
        super::plot::draw(path, &chart)?;
        eprintln!("chart written to {}", path.display());
    }
    let mut rows = Rows::new(
        &["bucket", "posts", "participants", "baseline", "score"],
        args.output.format,
    );
    for row in &data.rows {
        rows.push(
            || {
                vec![
                    fmt_time_short(row.bucket_start, tz),
                    row.posts.to_string(),
                    row.participants.to_string(),
                    row.baseline.map(|b| format!("{b:.1}")).unwrap_or_default(),
                    row.score.map(|s| format!("{s:.3}")).unwrap_or_default(),
                ]
            },
            || series_json(row, tz),
        );
    }
    rows.print(&format!(
        "topic {:?}, {}s buckets, times in {tz}",
        topic.name, bucket
    ))
}

/// Prints the trending list at `at` (default: the latest data time).
pub fn print_top(
    store: &SqliteStore,
    at: Option<i64>,
    window: i64,
    limit: usize,
    output: &OutputArgs,
) -> anyhow::Result<()> {
    let Some(at) = at.or(store.latest_time()?) else {
        anyhow::bail!("the database holds no posts yet");
    };
    let tz = output.tz;
    let mut rows = Rows::new(
        &[
            "rank",
            "topic",
            "kind",
            "service",
            "participants",
            "posts",
            "vs baseline",
            "spike",
            "site rank",
            "site heat",
        ],
        output.format,
    );
    for row in store.top(at, window, limit)? {
        let spike = match row.spike_onset {
            Some(onset) if row.spike_open => format!("since {}", fmt_time_short(onset, tz)),
            Some(onset) => format!("{} (ended)", fmt_time_short(onset, tz)),
            None => String::new(),
        };
        rows.push(
            || {
                vec![
                    row.rank.to_string(),
                    row.topic.clone(),
                    row.kind.clone(),
                    row.service.clone().unwrap_or_default(),
                    row.participants.to_string(),
                    row.posts.to_string(),
                    change_text(&row),
                    spike,
                    row.site_rank.map(|r| r.to_string()).unwrap_or_default(),
                    row.site_heat.map(|h| h.to_string()).unwrap_or_default(),
                ]
            },
            || top_json(&row, tz),
        );
    }
    rows.print(&format!(
        "trending at {} over the previous {}s (times in {tz})",
        fmt_time(at, tz),
        window
    ))
}

/// Runs `trendwatch top`.
pub fn top(args: TopArgs) -> anyhow::Result<()> {
    let store = open(&args.db)?;
    let at = opt_time(args.at.as_deref(), &args.output, "--at")?;
    let window = parse_duration_secs(&args.window).context("--window")?;
    print_top(&store, at, window, args.limit, &args.output)
}
