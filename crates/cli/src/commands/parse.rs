//! `trendwatch parse`: print what the scraper understood, one JSON line per item.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use trendwatch_scraper::{ReadOptions, SourceItem, open_path};

use crate::output::parse_time;

/// Arguments of `trendwatch parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// Files or directories of saved pages/JSON (format detected from content).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Capture time for pages without one (resolves "5分钟前"); RFC 3339 or "2015-09-13 13:00"
    /// in +08:00.
    #[arg(long)]
    pub captured_at: Option<String>,
}

/// Builds reading options from `--captured-at`.
pub fn read_options(captured_at: Option<&str>) -> anyhow::Result<ReadOptions> {
    let captured_at = captured_at
        .map(|t| parse_time(t, trendwatch_model::beijing()))
        .transpose()
        .context("--captured-at")?;
    Ok(ReadOptions { captured_at })
}

/// Runs `trendwatch parse`.
pub fn run(args: ParseArgs) -> anyhow::Result<()> {
    let options = read_options(args.captured_at.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut items, mut bad) = (0u64, 0u64);
    for path in &args.paths {
        for record in open_path(path, &options)? {
            match record {
                Ok(SourceItem::Post(post)) => {
                    serde_json::to_writer(&mut out, &post)?;
                    out.write_all(b"\n")?;
                    items += 1;
                }
                Ok(SourceItem::HotSearch(entry)) => {
                    serde_json::to_writer(&mut out, &entry)?;
                    out.write_all(b"\n")?;
                    items += 1;
                }
                Err(error) => {
                    bad += 1;
                    tracing::warn!(message = "Skipped a bad record.", %error);
                }
            }
        }
    }
    out.flush()?;
    tracing::info!(message = "Parsed.", items, bad_records = bad);
    Ok(())
}
