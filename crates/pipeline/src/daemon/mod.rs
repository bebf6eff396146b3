//! The alert daemon: live sources → classify → one store thread → alert sinks and webhooks.
//!
//! # Architecture
//! - One tokio task per source polls it (see [`source`]) on its interval, classifies the posts
//!   in the task, and sends one [`Message`] per poll — posts, hot-search entries *and* the
//!   source's new cursor and health — so the cursor commits in the same transaction as the
//!   posts. A failing source backs off on its own (doubling from its interval up to
//!   `failure_backoff_max`); a blocked one (login wall, captcha…) is marked `blocked` with the
//!   error and tried again after `blocked_backoff`; the other sources carry on.
//! - A bounded channel feeds ONE dedicated store thread (rusqlite is synchronous), which applies
//!   each message with [`StoreStage::apply`], then hands the committed alerts to the direct
//!   sinks (stdout, file) and wakes the webhook delivery task.
//! - Webhooks are delivered from the durable outbox table (see [`outbox`]).
//! - Shutdown: cancelling the token stops polling (an in-flight page is dropped), the channel
//!   drains, the store thread commits what it has and ends, the outbox gets one last bounded
//!   pass, and [`run`] returns.
//!
//! Pipeline time is data time (post times, page capture times from `servertime` or the HTTP
//! `Date` header); the wall clock only paces polls and retries. The injected [`Clock`] stamps
//! errors that come with no response at all (a refused connection has no `Date`).

pub mod config;
pub mod outbox;
pub mod source;
pub mod status;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio_util::task::TaskTracker;
use trendwatch_classifier::Classifier;
use trendwatch_detect::TrackerConfig;
use trendwatch_scraper::http::{FetchStats, Fetcher, Secret};
use trendwatch_storage::{SourceUpdate, SqliteStore};

use crate::{AlertSink, ClassifyStage, FileSink, Message, PipelineError, StoreStage};
use config::{DaemonConfig, SourceConfig, SourceKind};
use source::{Cursor, PollError, PollOutcome};

pub use config::ConfigError;
/// The shutdown signal [`run`] watches (re-exported so callers need no `tokio-util`).
pub use tokio_util::sync::CancellationToken;

/// Unix seconds now, for error stamps only (the CLI passes the system clock; tests a fixed one).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What the daemon needs besides its configuration.
pub struct DaemonOptions {
    /// The classifier (built-in or the configured rules).
    pub classifier: Classifier,
    /// Detection settings.
    pub tracker: TrackerConfig,
    /// Direct alert sinks (e.g. stdout); the configured file sink is added by [`run`].
    pub sinks: Vec<Box<dyn AlertSink>>,
    /// Stamps errors that have no data time.
    pub clock: Clock,
}

/// Why the daemon could not run or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// The pipeline (database, detector state, sinks) failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] trendwatch_storage::StorageError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] trendwatch_scraper::http::FetchError),
    /// The store thread did not finish within `shutdown_timeout`.
    #[error("the store thread did not finish within {0:?}; the last batch may not be committed")]
    ShutdownTimeout(Duration),
}

/// What a daemon run did (also logged at shutdown).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DaemonReport {
    /// Polls that succeeded.
    pub polls: u64,
    /// Polls that failed (including blocked ones).
    pub poll_failures: u64,
    /// Polls that found the source blocked.
    pub blocked: u64,
    /// Posts stored for the first time.
    pub new_posts: u64,
    /// Posts already stored.
    pub duplicates: u64,
    /// Hot-search entries stored.
    pub hot_search: u64,
    /// Bad records skipped.
    pub bad_records: u64,
    /// Alerts committed (and sent to the direct sinks).
    pub alerts: u64,
    /// Webhook deliveries that succeeded.
    pub webhook_delivered: u64,
    /// Webhook delivery attempts that failed (retried later).
    pub webhook_failed: u64,
    /// What the fetcher did.
    pub fetch: FetchStats,
}

#[derive(Debug, Default)]
struct Counters {
    polls: AtomicU64,
    poll_failures: AtomicU64,
    blocked: AtomicU64,
    new_posts: AtomicU64,
    duplicates: AtomicU64,
    hot_search: AtomicU64,
    bad_records: AtomicU64,
    alerts: AtomicU64,
    webhook_delivered: Arc<AtomicU64>,
    webhook_failed: Arc<AtomicU64>,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// Runs the daemon until `cancel` is cancelled (or the store fails), then shuts down cleanly.
pub async fn run(
    config: DaemonConfig,
    options: DaemonOptions,
    cancel: CancellationToken,
) -> Result<DaemonReport, DaemonError> {
    let store = SqliteStore::open(&config.database)?;
    let mut cursors = Vec::with_capacity(config.sources.len());
    for s in &config.sources {
        cursors.push(Cursor::parse(
            status::source_cursor(&store, &s.name)?.as_deref(),
        ));
    }
    let hook_names: Vec<String> = config
        .sinks
        .webhook
        .iter()
        .map(|w| w.name.clone())
        .collect();
    let stage = StoreStage::new(store, options.tracker.clone(), hook_names)?;
    let fetcher = Arc::new(Fetcher::new(config.http.fetch_config())?);
    let mut sinks = options.sinks;
    if let Some(path) = &config.sinks.file {
        sinks.push(Box::new(FileSink::open(path)?));
    }
    let counters = Arc::new(Counters::default());
    let wake = Arc::new(Notify::new());
    let (tx, rx) = mpsc::channel::<Message>(config.channel_capacity.max(1));

    // The store thread.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    {
        let counters = Arc::clone(&counters);
        let wake = Arc::clone(&wake);
        let cancel = cancel.clone();
        std::thread::Builder::new()
            .name("trendwatch-store".into())
            .spawn(move || {
                let result = store_loop(stage, rx, sinks, &wake, &counters);
                if let Err(error) = &result {
                    tracing::error!(message = "The store stage failed; stopping.", %error);
                    cancel.cancel();
                }
                let _ = done_tx.send(result);
            })
            .map_err(|_| PipelineError::Stage("store"))?;
    }

    // Webhook delivery from the outbox.
    let outbox_stop = CancellationToken::new();
    let outbox_task = if config.sinks.webhook.is_empty() {
        None
    } else {
        let store = Arc::new(Mutex::new(SqliteStore::open(&config.database)?));
        Some(tokio::spawn(outbox::deliver(outbox::Delivery {
            store,
            hooks: config.sinks.webhook.clone(),
            fetcher: Arc::clone(&fetcher),
            wake: Arc::clone(&wake),
            stop: outbox_stop.clone(),
            final_deadline: config.shutdown_timeout / 2,
            delivered: Arc::clone(&counters.webhook_delivered),
            failed: Arc::clone(&counters.webhook_failed),
        })))
    };

    // One task per source.
    let tracker = TaskTracker::new();
    for (source, cursor) in config.sources.iter().cloned().zip(cursors) {
        if !source.respect_robots && source.kind != SourceKind::JsonlDir {
            tracing::warn!(
                message = "ROBOTS.TXT IS IGNORED for this source (respect_robots = false): \
                           make sure the site allows this.",
                source = %source.name,
            );
        }
        let task = SourceTask {
            source,
            cursor,
            fetcher: Arc::clone(&fetcher),
            tx: tx.clone(),
            cancel: cancel.clone(),
            classify: Some(ClassifyStage::new(options.classifier.clone())),
            counters: Arc::clone(&counters),
            clock: Arc::clone(&options.clock),
            last_capture: None,
        };
        tracker.spawn(task.run());
    }
    tracker.close();
    drop(tx);
    tracing::info!(
        message = "Daemon started.",
        sources = config.sources.len(),
        database = %config.database.display(),
    );

    cancel.cancelled().await;
    tracing::info!(message = "Shutting down: stopping sources, draining the channel.");
    let grace = config.shutdown_timeout;
    if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
        tracing::warn!(message = "Some sources did not stop in time.");
    }
    let store_result = match tokio::time::timeout(grace, done_rx).await {
        Ok(Ok(result)) => result.map_err(DaemonError::from),
        Ok(Err(_)) => Err(DaemonError::Pipeline(PipelineError::Stage("store"))),
        Err(_) => Err(DaemonError::ShutdownTimeout(grace)),
    };
    outbox_stop.cancel();
    if let Some(task) = outbox_task {
        let _ = tokio::time::timeout(grace, task).await;
    }
    let c = &counters;
    let report = DaemonReport {
        polls: c.polls.load(Ordering::Relaxed),
        poll_failures: c.poll_failures.load(Ordering::Relaxed),
        blocked: c.blocked.load(Ordering::Relaxed),
        new_posts: c.new_posts.load(Ordering::Relaxed),
        duplicates: c.duplicates.load(Ordering::Relaxed),
        hot_search: c.hot_search.load(Ordering::Relaxed),
        bad_records: c.bad_records.load(Ordering::Relaxed),
        alerts: c.alerts.load(Ordering::Relaxed),
        webhook_delivered: c.webhook_delivered.load(Ordering::Relaxed),
        webhook_failed: c.webhook_failed.load(Ordering::Relaxed),
        fetch: fetcher.stats(),
    };
    tracing::info!(
        message = "Daemon stopped.",
        polls = report.polls,
        poll_failures = report.poll_failures,
        new_posts = report.new_posts,
        alerts = report.alerts,
        webhook_delivered = report.webhook_delivered,
        requests = report.fetch.requests,
        retries = report.fetch.retries,
    );
    store_result.map(|()| report)
}

/// The store thread: apply each message in one transaction, then deliver its alerts.
fn store_loop(
    mut stage: StoreStage<SqliteStore>,
    mut rx: mpsc::Receiver<Message>,
    mut sinks: Vec<Box<dyn AlertSink>>,
    wake: &Notify,
    counters: &Counters,
) -> Result<(), PipelineError> {
    while let Some(message) = rx.blocking_recv() {
        let report = stage.apply(&message)?;
        add(&counters.new_posts, report.new_posts);
        add(&counters.duplicates, report.duplicates);
        add(&counters.hot_search, report.hot_search);
        if report.alerts.is_empty() {
            continue;
        }
        add(&counters.alerts, report.alerts.len() as u64);
        for alert in &report.alerts {
            tracing::info!(
                message = "Alert.",
                topic = %alert.topic,
                status = ?alert.status,
                participants = alert.participants,
                detected_at = %alert.detected_at,
            );
            for sink in &mut sinks {
                if let Err(error) = sink.send(alert) {
                    tracing::error!(message = "Alert sink failed.", sink = sink.name(), %error);
                }
            }
        }
        wake.notify_one();
    }
    Ok(())
}

/// Replaces every occurrence of a secret (and of each of its cookie values) with `[redacted]`.
pub fn redact(text: &str, secret: Option<&Secret>) -> String {
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return text.to_owned();
    };
    let mut out = text.replace(secret.expose(), "[redacted]");
    for pair in secret.expose().split(';') {
        let value = pair.split_once('=').map_or(pair, |(_, v)| v).trim();
        if value.len() >= 6 {
            out = out.replace(value, "[redacted]");
        }
    }
    out
}

struct SourceTask {
    source: SourceConfig,
    cursor: Cursor,
    fetcher: Arc<Fetcher>,
    tx: mpsc::Sender<Message>,
    cancel: CancellationToken,
    /// Taken out while a file is read on a blocking thread.
    classify: Option<ClassifyStage>,
    counters: Arc<Counters>,
    clock: Clock,
    last_capture: Option<i64>,
}

enum Health {
    Ok,
    Failed,
    Blocked,
}

impl SourceTask {
    async fn run(mut self) {
        let mut failures: u32 = 0;
        let cancel = self.cancel.clone();
        loop {
            let health = tokio::select! {
                () = cancel.cancelled() => return,
                health = self.poll() => health,
            };
            let Some(health) = health else { return };
            let delay = match health {
                Health::Ok => {
                    failures = 0;
                    self.source.interval
                }
                Health::Failed => {
                    failures = failures.saturating_add(1);
                    let factor = 2u32.saturating_pow(failures.min(20));
                    self.source
                        .interval
                        .saturating_mul(factor)
                        .min(self.source.failure_backoff_max.max(self.source.interval))
                }
                Health::Blocked => self.source.blocked_backoff,
            };
            tokio::select! {
                () = self.cancel.cancelled() => return,
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One poll; `None` when the channel is closed (shutting down).
    async fn poll(&mut self) -> Option<Health> {
        if self.source.kind == SourceKind::JsonlDir {
            return self.poll_dir().await;
        }
        let result = source::poll_web(&self.fetcher, &self.source, &self.cursor).await;
        match result {
            Ok(outcome) => self.commit(outcome).await,
            Err(error) => self.report_error(&error, 0).await,
        }
    }

    async fn commit(&mut self, outcome: PollOutcome) -> Option<Health> {
        let PollOutcome {
            posts,
            hot_search,
            cursor,
            captured_at,
            pages,
            bad_records,
            error,
        } = outcome;
        add(&self.counters.bad_records, bad_records);
        let capture = captured_at.map(|t| t.timestamp());
        if capture.is_some() {
            self.last_capture = capture;
        }
        let n_posts = posts.len() as u64;
        let classify = self.classify.as_mut()?;
        let mut message = Message {
            posts: posts.into_iter().map(|p| classify.classify(p)).collect(),
            hot_search,
            sources: Vec::new(),
        };
        if let Some(error) = error {
            // Some pages were read, then a failure: keep the posts, not the cursor.
            message
                .sources
                .push(self.error_update(&error, n_posts, capture));
            let health = self.health_of(&error);
            self.send(message).await?;
            return Some(health);
        }
        message.sources.push(SourceUpdate {
            name: self.source.name.clone(),
            cursor: Some(cursor.to_json()),
            success_at: capture.or(self.last_capture),
            error: None,
            status: Some("ok".into()),
            posts_seen: n_posts,
        });
        self.send(message).await?;
        self.cursor = cursor;
        add(&self.counters.polls, 1);
        tracing::debug!(message = "Polled.", source = %self.source.name, pages, posts = n_posts);
        Some(Health::Ok)
    }

    fn health_of(&self, error: &PollError) -> Health {
        add(&self.counters.poll_failures, 1);
        if error.is_blocked() {
            add(&self.counters.blocked, 1);
            Health::Blocked
        } else {
            Health::Failed
        }
    }

    fn error_update(&self, error: &PollError, posts: u64, capture: Option<i64>) -> SourceUpdate {
        let text = redact(&error.to_string(), self.source.cookie.as_ref());
        let at = capture.unwrap_or_else(|| (self.clock)());
        let status = if error.is_blocked() {
            "blocked"
        } else {
            "backing_off"
        };
        if error.is_blocked() {
            tracing::error!(message = "Source blocked.", source = %self.source.name, error = %text);
        } else {
            tracing::warn!(message = "Poll failed; backing off.", source = %self.source.name, error = %text);
        }
        SourceUpdate {
            name: self.source.name.clone(),
            cursor: None,
            success_at: None,
            error: Some((text, at)),
            status: Some(status.into()),
            posts_seen: posts,
        }
    }

    async fn report_error(&mut self, error: &PollError, posts: u64) -> Option<Health> {
        let update = self.error_update(error, posts, None);
        let health = self.health_of(error);
        self.send(Message {
            sources: vec![update],
            ..Message::default()
        })
        .await?;
        Some(health)
    }

    async fn send(&self, message: Message) -> Option<()> {
        tokio::select! {
            () = self.cancel.cancelled() => None,
            sent = self.tx.send(message) => sent.ok(),
        }
    }

    /// Reads new `.jsonl` files, each in batches; the last batch of a file carries the cursor
    /// that marks it done.
    async fn poll_dir(&mut self) -> Option<Health> {
        let dir = self.source.path.clone().unwrap_or_default();
        let (files, present) = match source::pending_files(&dir, &self.cursor) {
            Ok(x) => x,
            Err(error) => return self.report_error(&error, 0).await,
        };
        // Forget files that were removed, so the cursor does not grow forever.
        self.cursor.done.retain(|name| present.contains(name));
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut done = self.cursor.clone();
            done.done.insert(name.clone());
            let tx = self.tx.clone();
            let cancel = self.cancel.clone();
            let source_name = self.source.name.clone();
            let batch_size = self.source.batch_size;
            let classify = self.classify.take()?;
            let cursor_json = done.to_json();
            let counters = Arc::clone(&self.counters);
            let read = tokio::task::spawn_blocking(move || {
                let mut classify = classify;
                let mut sent_all = true;
                let result = source::read_jsonl_file(&file, batch_size, |posts, hot, last| {
                    if cancel.is_cancelled() {
                        sent_all = false;
                        return false;
                    }
                    let newest = posts.iter().map(|p| p.timestamp()).max();
                    let n = posts.len() as u64;
                    let mut message = Message {
                        posts: posts.into_iter().map(|p| classify.classify(p)).collect(),
                        hot_search: hot,
                        sources: Vec::new(),
                    };
                    message.sources.push(SourceUpdate {
                        name: source_name.clone(),
                        cursor: last.then(|| cursor_json.clone()),
                        success_at: if last { newest } else { None },
                        error: None,
                        status: last.then(|| "ok".to_owned()),
                        posts_seen: n,
                    });
                    if tx.blocking_send(message).is_err() {
                        sent_all = false;
                        return false;
                    }
                    true
                });
                (classify, result, sent_all)
            })
            .await;
            let Ok((classify, result, sent_all)) = read else {
                return None;
            };
            self.classify = Some(classify);
            match result {
                Ok(bad) => {
                    add(&counters.bad_records, bad);
                    if !sent_all {
                        return None;
                    }
                    self.cursor = done;
                    tracing::info!(message = "Read a dropped file.", source = %self.source.name, file = %name);
                }
                Err(error) => return self.report_error(&error, 0).await,
            }
        }
        add(&self.counters.polls, 1);
        Some(Health::Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_cookie_and_each_of_its_values() {
        let cookie = Secret::new("SUB=abcdef123456; SUBP=zyxwvu987654; x=1");
        let text = "failed with SUB=abcdef123456; SUBP=zyxwvu987654; x=1 and zyxwvu987654 again";
        let shown = redact(text, Some(&cookie));
        assert!(
            !shown.contains("abcdef123456") && !shown.contains("zyxwvu987654"),
            "{shown}"
        );
        assert!(shown.contains("[redacted]"));
        assert_eq!(redact("plain", None), "plain");
        assert_eq!(
            redact("x=1 stays", Some(&cookie)),
            "x=1 stays",
            "short values are not hunted"
        );
    }
}
