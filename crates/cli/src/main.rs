//! The `trendwatch` command line: parse, replay, query, daemon and demo.
//!
//! Only this binary reads configuration, environment and signals, and installs the tracing
//! subscriber. Results go to stdout; logs and progress go to stderr, so output pipes cleanly.

mod commands;

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
    /// Classify JSON lines of posts: outage complaint, service, symptoms, topics.
    Classify(commands::classify::ClassifyArgs),
    /// Score a `timestamp,value` series with the pipeline's spike detector (NAB results format).
    Detect(commands::detect::DetectArgs),
    /// Generate a synthetic, seeded post stream (mblog JSON lines).
    Generate(commands::generate::GenerateArgs),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Classify(args) => commands::classify::run(args),
        Command::Detect(args) => commands::detect::run(args),
        Command::Generate(args) => commands::generate::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
