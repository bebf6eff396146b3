//! `trendwatch detect`: scores `timestamp,value` series with the pipeline's spike detector and
//! writes NAB's results format (`timestamp,value,anomaly_score`).
//!
//! The detector and its configuration are exactly the ones the pipeline uses for alerts:
//! [`trendwatch_detect::DetectorConfig::default`]. Each row is one bucket, fed in file order.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use trendwatch_detect::DetectorConfig;
use trendwatch_detect::series::detect_csv;

/// Arguments of `trendwatch detect`.
#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// A `timestamp,value` CSV file, or a folder: then every `*.csv` in it is scored.
    #[arg(long, value_name = "FILE|DIR")]
    pub input: PathBuf,
    /// Where to write: a file (default: stdout) or, for a folder input, a folder (created if
    /// missing) that receives one output file per input file, with the same name.
    #[arg(long, value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,
}

/// Runs `trendwatch detect`.
pub fn run(args: DetectArgs) -> anyhow::Result<()> {
    let config = DetectorConfig::default();
    if args.input.is_dir() {
        let Some(out_dir) = args.output.as_deref() else {
            bail!(
                "--input {} is a folder: --output must name a folder",
                args.input.display()
            );
        };
        if out_dir.is_file() {
            bail!(
                "--input {} is a folder but --output {} is a file",
                args.input.display(),
                out_dir.display()
            );
        }
        std::fs::create_dir_all(out_dir)
            .with_context(|| format!("cannot create folder {}", out_dir.display()))?;
        let mut inputs = Vec::new();
        for entry in std::fs::read_dir(&args.input)
            .with_context(|| format!("cannot read folder {}", args.input.display()))?
        {
            let path = entry
                .with_context(|| format!("cannot read folder {}", args.input.display()))?
                .path();
            if path.is_file()
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            {
                inputs.push(path);
            }
        }
        inputs.sort();
        if inputs.is_empty() {
            bail!("no *.csv files in {}", args.input.display());
        }
        for input in &inputs {
            let Some(name) = input.file_name() else {
                continue;
            };
            let out = out_dir.join(name);
            let rendered = score_file(&config, input)?;
            std::fs::write(&out, rendered)
                .with_context(|| format!("cannot write {}", out.display()))?;
        }
        tracing::info!(
            files = inputs.len(),
            output = %out_dir.display(),
            "scored series"
        );
        return Ok(());
    }
    let rendered = score_file(&config, &args.input)?;
    match args.output {
        Some(out) => std::fs::write(&out, rendered)
            .with_context(|| format!("cannot write {}", out.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(rendered.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write to stdout")?;
        }
    }
    Ok(())
}

/// Reads and scores one series file.
fn score_file(config: &DetectorConfig, input: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("cannot read {}", input.display()))?;
    Ok(detect_csv(config, &input.display().to_string(), &text)?)
}
