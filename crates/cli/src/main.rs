//! The `trendwatch` command line: parse, replay, query, daemon and demo.
//!
//! Only this binary reads configuration, environment and signals, and installs the tracing
//! subscriber. Results go to stdout; logs and progress go to stderr, so output pipes cleanly.

mod commands;
mod output;

use clap::{Parser, Subcommand};

/// trendwatch: sees a trending topic or a service outage spike on Weibo-style networks as it
/// happens.
#[derive(Debug, Parser)]
#[command(name = "trendwatch", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every post (or hot-search entry) a saved source yields, one JSON line each.
    Parse(commands::parse::ParseArgs),
    /// Run saved sources through the pipeline into a database; alerts go to stdout.
    Replay(commands::replay::ReplayArgs),
    /// List past spike episodes.
    Spikes(commands::query::SpikesArgs),
    /// A topic's participants and posts per bucket, with its baseline.
    Series(commands::query::SeriesArgs),
    /// The trending list as it stood at a time: our own "hot search".
    Top(commands::query::TopArgs),
    /// Replay the bundled September 2015 WeChat-outage story and show the alert it raises.
    Demo(commands::demo::DemoArgs),
    /// Classify JSON lines of posts: outage complaint, service, symptoms, topics.
    Classify(commands::classify::ClassifyArgs),
    /// Score a `timestamp,value` series with the pipeline's spike detector (NAB results format).
    Detect(commands::detect::DetectArgs),
    /// Generate a synthetic, seeded post stream (mblog JSON lines).
    Generate(commands::generate::GenerateArgs),
    /// Export posts, tags, series, buckets, spikes and alerts as CSV files.
    Export(commands::export::ExportArgs),
    /// Serve a read-only JSON API and a live trending page for a database.
    Serve(commands::serve::ServeArgs),
    /// Poll live sources until SIGINT/SIGTERM, raising alerts (stdout, file, webhooks).
    Daemon(commands::daemon::DaemonArgs),
    /// Each source's health, cursor and totals, and the webhook backlog.
    Status(commands::status::StatusArgs),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => commands::parse::run(args),
        Command::Replay(args) => commands::replay::run(args),
        Command::Spikes(args) => commands::query::spikes(args),
        Command::Series(args) => commands::query::series(args),
        Command::Top(args) => commands::query::top(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Classify(args) => commands::classify::run(args),
        Command::Detect(args) => commands::detect::run(args),
        Command::Generate(args) => commands::generate::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Daemon(args) => commands::daemon::run(args),
        Command::Status(args) => commands::status::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
