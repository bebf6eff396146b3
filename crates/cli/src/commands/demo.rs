//! `trendwatch demo`: the September 2015 WeChat outage, replayed end to end.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use trendwatch_classifier::Classifier;
use trendwatch_synth::Scenario;

use crate::output::{Format, OutputArgs};

/// Arguments of `trendwatch demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Scale of the story: 1.0 is full scale (350,000 people complaining within two hours).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Where to keep the demo database and generated stream (default: a `trendwatch-demo`
    /// folder in the system's temporary directory). Its previous demo files are replaced.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Runs `trendwatch demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let dir = args
        .dir
        .unwrap_or_else(|| std::env::temp_dir().join("trendwatch-demo"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stream = dir.join("wechat-outage-2015.jsonl");
    let db = dir.join("wechat-outage-2015.db");
    for stale in [
        db.clone(),
        dir.join("wechat-outage-2015.db-wal"),
        dir.join("wechat-outage-2015.db-shm"),
    ] {
        if stale.exists() {
            std::fs::remove_file(&stale)
                .with_context(|| format!("cannot replace old demo file {}", stale.display()))?;
        }
    }

    let scenario = Scenario::wechat_outage_2015(args.scale);
    let truth = scenario.truth();
    let outage = truth.outage.context("the WeChat scenario has an outage")?;
    eprintln!(
        "trendwatch demo: Sunday 13 September 2015 (Beijing time). Ordinary traffic all day; from {} WeChat fails for many iPhone users (\"Access denied. Please check your network setting.\").",
        outage.onset.format("%H:%M")
    );
    eprintln!(
        "Generating the post stream (scale {}) into {} …",
        args.scale,
        stream.display()
    );
    let file = std::fs::File::create(&stream)
        .with_context(|| format!("cannot create {}", stream.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let lines = scenario
        .write_jsonl(&mut writer)
        .context("writing the demo stream")?;
    writer.flush()?;
    eprintln!(
        "{lines} posts generated. Replaying them through the pipeline; alerts follow on stdout:"
    );

    let (report, store) = super::replay::replay_into(
        vec![stream.clone()],
        &db,
        None,
        None,
        Classifier::builtin(),
        4096,
    )?;
    drop(store);
    eprintln!(
        "\n{} posts stored, {} alerts. Trending at {} (two hours after onset):",
        report.new_posts,
        report.alerts,
        (outage.onset + chrono::Duration::hours(2)).format("%Y-%m-%d %H:%M %:z")
    );
    let store = trendwatch_storage::SqliteStore::open_read_only(&db)?;
    let output = OutputArgs {
        format: Format::Table,
        tz: trendwatch_model::beijing(),
    };
    let at = (outage.onset + chrono::Duration::hours(2)).timestamp();
    super::query::print_top(&store, Some(at), 2 * 3600, 10, &output)?;
    eprintln!(
        "\nThe database is kept at {db}. Explore it:\n  trendwatch spikes --db {db}\n  trendwatch series --db {db} --topic \"WeChat outage\" --bucket 5m\n  trendwatch top --db {db} --at \"2015-09-13 14:00\"",
        db = db.display()
    );
    Ok(())
}
