//! `trendwatch daemon`: poll live sources until SIGINT/SIGTERM, then flush and exit 0.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use trendwatch_detect::TrackerConfig;
use trendwatch_pipeline::daemon::config::DaemonConfig;
use trendwatch_pipeline::daemon::{CancellationToken, DaemonOptions};
use trendwatch_pipeline::{AlertSink, WriterSink};

use super::replay::load_classifier;

/// Arguments of `trendwatch daemon`.
#[derive(Debug, clap::Args)]
pub struct DaemonArgs {
    /// The configuration file (TOML; `trendwatch.example.toml` documents every key). Relative
    /// paths in it are read from the file's own folder.
    #[arg(long)]
    pub config: PathBuf,
}

/// Reads the configuration, resolving cookies from the environment and relative paths from
/// the configuration file's folder.
pub fn load_config(path: &Path) -> anyhow::Result<DaemonConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let mut config = DaemonConfig::from_toml_str(&text, &path.display().to_string())?;
    config.resolve_secrets(|name| std::env::var(name).ok());
    let base = path.parent().unwrap_or(Path::new("."));
    let resolve = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    };
    resolve(&mut config.database);
    if let Some(p) = config.rules.as_mut() {
        resolve(p);
    }
    if let Some(p) = config.sinks.file.as_mut() {
        resolve(p);
    }
    for source in &mut config.sources {
        if let Some(p) = source.path.as_mut() {
            resolve(p);
        }
    }
    Ok(config)
}

/// Runs `trendwatch daemon`.
pub fn run(args: DaemonArgs) -> anyhow::Result<()> {
    let config = load_config(&args.config)?;
    let classifier = load_classifier(config.rules.as_deref())?;
    let mut sinks: Vec<Box<dyn AlertSink>> = Vec::new();
    if config.sinks.stdout {
        sinks.push(Box::new(WriterSink::new("stdout", std::io::stdout())));
    }
    let options = DaemonOptions {
        classifier,
        tracker: TrackerConfig::default(),
        sinks,
        clock: Arc::new(|| chrono::Utc::now().timestamp()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async move {
        let cancel = CancellationToken::new();
        tokio::spawn(watch_signals(cancel.clone()));
        trendwatch_pipeline::daemon::run(config, options, cancel).await
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    result?;
    Ok(())
}

/// Cancels on the first SIGINT/SIGTERM; a second one exits at once.
async fn watch_signals(cancel: CancellationToken) {
    let mut count = 0;
    loop {
        wait_for_signal().await;
        count += 1;
        if count == 1 {
            tracing::info!(message = "Signal received; shutting down (again to force).");
            cancel.cancel();
        } else {
            tracing::warn!(message = "Second signal; exiting without flushing.");
            std::process::exit(130);
        }
    }
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
