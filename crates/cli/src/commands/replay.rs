//! `trendwatch replay`: saved files through the live pipeline, offline and deterministic.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use trendwatch_classifier::Classifier;
use trendwatch_pipeline::{
    AlertSink, FileSink, ReplayOptions, ReplayProgress, ReplayReport, WriterSink, replay,
};
use trendwatch_storage::SqliteStore;

use super::parse::read_options;

/// Arguments of `trendwatch replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Files or directories of saved sources (directories are read in name order).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The SQLite database to write (created if missing; replaying the same data again
    /// changes nothing).
    #[arg(long)]
    pub db: PathBuf,
    /// Capture time for pages without one (RFC 3339 or "2015-09-13 13:00" in +08:00).
    #[arg(long)]
    pub captured_at: Option<String>,
    /// Also append alerts as JSON lines to this file.
    #[arg(long)]
    pub alerts_file: Option<PathBuf>,
    /// Classifier rules file (TOML) instead of the built-in rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Posts per database transaction.
    #[arg(long, default_value_t = 4096)]
    pub batch_size: usize,
}

struct Bar(ProgressBar);

impl ReplayProgress for Bar {
    fn committed(&self, posts: u64) {
        self.0.inc(posts);
    }
}

/// Loads the classifier from `--rules` or the built-in rules.
pub fn load_classifier(rules: Option<&std::path::Path>) -> anyhow::Result<Classifier> {
    match rules {
        None => Ok(Classifier::builtin()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read rules file {}", path.display()))?;
            Classifier::from_toml_str(&text)
                .with_context(|| format!("rules file {}", path.display()))
        }
    }
}

/// A spinner on stderr counting committed posts (hidden when stderr is not a terminal).
pub fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {human_pos} posts stored ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Replays `paths` into the database at `db`, sending alerts to stdout (and `alerts_file`).
pub fn replay_into(
    paths: Vec<PathBuf>,
    db: &std::path::Path,
    captured_at: Option<&str>,
    alerts_file: Option<&std::path::Path>,
    classifier: Classifier,
    batch_size: usize,
) -> anyhow::Result<(ReplayReport, SqliteStore)> {
    let store = SqliteStore::open(db)?;
    let options = ReplayOptions {
        paths,
        read: read_options(captured_at)?,
        batch_size,
        ..ReplayOptions::default()
    };
    let mut sinks: Vec<Box<dyn AlertSink>> =
        vec![Box::new(WriterSink::new("stdout", std::io::stdout()))];
    if let Some(path) = alerts_file {
        sinks.push(Box::new(FileSink::open(path)?));
    }
    let bar = progress_bar();
    let started = std::time::Instant::now();
    let result = replay(&options, store, classifier, &mut sinks, &Bar(bar.clone()));
    bar.finish_and_clear();
    let (report, store) = result?;
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = report.posts_read as f64 / secs.max(1e-9);
    tracing::info!(
        message = "Replay finished.",
        posts_read = report.posts_read,
        new_posts = report.new_posts,
        duplicates = report.duplicates,
        bad_records = report.bad_records,
        late = report.late,
        hot_search = report.hot_search,
        alerts = report.alerts,
        seconds = format!("{secs:.2}"),
        posts_per_sec = format!("{rate:.0}"),
    );
    Ok((report, store))
}

/// Runs `trendwatch replay`.
pub fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let classifier = load_classifier(args.rules.as_deref())?;
    replay_into(
        args.paths,
        &args.db,
        args.captured_at.as_deref(),
        args.alerts_file.as_deref(),
        classifier,
        args.batch_size,
    )?;
    Ok(())
}
