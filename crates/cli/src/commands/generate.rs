//! `trendwatch generate`: write a synthetic, seeded post stream as mblog JSON lines.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use trendwatch_synth::{DEFAULT_SEED, Scenario};

/// Which stream to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioName {
    /// The WeChat outage of Sunday 2015-09-13 (08:00–24:00 +08:00, complaints from 13:00).
    #[value(name = "wechat-2015")]
    Wechat2015,
    /// An ordinary day without outage (00:00–24:00), for throughput benchmarks.
    Background,
}

/// Arguments of `trendwatch generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The scenario to generate.
    #[arg(long, value_enum, default_value = "wechat-2015")]
    pub scenario: ScenarioName,
    /// Volume multiplier (1.0 = 350 000 outage participants between 13:00 and 15:00).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Produce exactly this many posts (rescales the scenario; `background` defaults to
    /// 1 000 000).
    #[arg(long)]
    pub posts: Option<u64>,
    /// Seed of every random draw; the same seed gives byte-identical output.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Output file (JSON lines); stdout when absent.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Print the scenario's ground truth (onset, peak, expected participants, steady topics)
    /// as JSON on stdout instead of generating.
    #[arg(long)]
    pub truth: bool,
}

/// Runs `trendwatch generate`.
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let scenario = match args.scenario {
        ScenarioName::Wechat2015 => {
            let scenario = Scenario::wechat_outage_2015(args.scale);
            match args.posts {
                Some(posts) => scenario.with_posts(posts),
                None => scenario,
            }
        }
        ScenarioName::Background => Scenario {
            scale: args.scale,
            ..Scenario::background(args.posts.unwrap_or(1_000_000))
        },
    }
    .with_seed(args.seed);
    scenario.validate().context("invalid generate arguments")?;
    let truth = scenario.truth();
    if args.truth {
        let mut stdout = io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, &truth)?;
        writeln!(stdout)?;
        return Ok(());
    }

    let expected = truth.expected_posts;
    let bar = ProgressBar::with_draw_target(Some(expected), ProgressDrawTarget::stderr());
    if expected < 200_000 {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {wide_bar} {human_pos}/{human_len} posts ({per_sec}, eta {eta})",
        )
        .context("progress bar template")?,
    );
    let progress = |written: u64| bar.set_position(written);

    let written = match &args.out {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut writer = BufWriter::with_capacity(1 << 20, file);
            scenario
                .write_jsonl_with_progress(&mut writer, progress)
                .with_context(|| format!("cannot write {}", path.display()))?
        }
        None => {
            let mut stdout = io::stdout().lock();
            match scenario.write_jsonl_with_progress(&mut stdout, progress) {
                Ok(n) => n,
                // A closed pipe (`generate | head`) is a normal way to stop.
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                Err(error) => return Err(error).context("cannot write to stdout"),
            }
        }
    };
    bar.finish_and_clear();
    tracing::info!(
        posts = written,
        seed = args.seed,
        scenario = ?args.scenario,
        "generated synthetic stream"
    );
    Ok(())
}
