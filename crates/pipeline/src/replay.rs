//! Offline replay: saved files through the very same stages the daemon uses.
//!
//! Two threads: one reads and classifies, the other (the caller's) stores, detects and sends
//! alerts. A bounded channel between them gives backpressure and keeps memory flat.

use std::path::PathBuf;
use std::sync::mpsc;

use trendwatch_classifier::Classifier;
use trendwatch_detect::TrackerConfig;
use trendwatch_scraper::{ReadOptions, SourceItem, open_path};
use trendwatch_storage::Store;

use crate::{AlertSink, ClassifyStage, Message, PipelineError, StoreStage};

/// What to replay and how.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Files or directories, read in the order given (directories in name order).
    pub paths: Vec<PathBuf>,
    /// Reference time and other reading options.
    pub read: ReadOptions,
    /// Detection settings.
    pub tracker: TrackerConfig,
    /// Posts per transaction.
    pub batch_size: usize,
    /// Close the last open buckets at end of input (replays do; a paused daemon does not).
    pub finish: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            paths: Vec::new(),
            read: ReadOptions::default(),
            tracker: TrackerConfig::default(),
            batch_size: 4096,
            finish: true,
        }
    }
}

/// Totals of a replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReplayReport {
    /// Posts read from the sources (valid records).
    pub posts_read: u64,
    /// Posts stored for the first time.
    pub new_posts: u64,
    /// Posts already in the database (not counted again).
    pub duplicates: u64,
    /// Hot-search entries stored.
    pub hot_search: u64,
    /// Records skipped because they were malformed (each logged with file and line).
    pub bad_records: u64,
    /// Participations that arrived after their bucket closed.
    pub late: u64,
    /// Alerts raised and delivered.
    pub alerts: u64,
}

/// Progress notifications for a progress bar.
pub trait ReplayProgress: Send {
    /// `posts` more posts were committed.
    fn committed(&self, posts: u64);
}

impl ReplayProgress for () {
    fn committed(&self, _posts: u64) {}
}

/// Reads every path, classifies, stores, detects and delivers alerts to `sinks`.
pub fn replay<S: Store>(
    options: &ReplayOptions,
    store: S,
    classifier: Classifier,
    sinks: &mut [Box<dyn AlertSink>],
    progress: &dyn ReplayProgress,
) -> Result<(ReplayReport, S), PipelineError> {
    let mut stage = StoreStage::new(store, options.tracker.clone(), Vec::new())?;
    let (tx, rx) = mpsc::sync_channel::<Message>(4);
    // Applied messages go back to the reader, which frees their posts on the thread that
    // allocated them and refills the same vectors: freeing 4096 posts' strings on the writer
    // thread (glibc's cross-arena frees) showed up as ~20% of the writer's profile.
    let (recycle_tx, recycle_rx) = mpsc::channel::<Message>();
    let batch_size = options.batch_size.max(1);
    let paths = options.paths.clone();
    let read = options.read.clone();

    let reader = std::thread::Builder::new()
        .name("trendwatch-read".into())
        .spawn(move || -> Result<(u64, u64), PipelineError> {
            let mut classify = ClassifyStage::new(classifier);
            let next_message = || match recycle_rx.try_recv() {
                Ok(mut used) => {
                    // The posts' strings are refilled by the parser instead of freed here and
                    // allocated again (their tags are dropped).
                    trendwatch_scraper::recycle_posts(used.posts.drain(..).map(|c| c.post));
                    used.hot_search.clear();
                    used.sources.clear();
                    used
                }
                Err(_) => Message {
                    posts: Vec::with_capacity(batch_size),
                    ..Message::default()
                },
            };
            let mut message = next_message();
            let (mut read_posts, mut bad) = (0u64, 0u64);
            for path in &paths {
                for record in open_path(path, &read)? {
                    match record {
                        Ok(SourceItem::Post(post)) => {
                            read_posts += 1;
                            message.posts.push(classify.classify(post));
                        }
                        Ok(SourceItem::HotSearch(entry)) => message.hot_search.push(entry),
                        Err(error) => {
                            bad += 1;
                            tracing::warn!(message = "Skipped a bad record.", %error);
                        }
                    }
                    if message.posts.len() + message.hot_search.len() >= batch_size {
                        let full = std::mem::replace(&mut message, next_message());
                        if tx.send(full).is_err() {
                            // The store side stopped (it reports its own error).
                            return Ok((read_posts, bad));
                        }
                    }
                }
            }
            if (!message.posts.is_empty() || !message.hot_search.is_empty())
                && tx.send(message).is_err()
            {
                return Ok((read_posts, bad));
            }
            Ok((read_posts, bad))
        })
        .map_err(|_| PipelineError::Stage("reader"))?;

    let mut report = ReplayReport::default();
    let deliver = |batch: crate::BatchReport,
                   report: &mut ReplayReport,
                   sinks: &mut [Box<dyn AlertSink>]|
     -> Result<(), PipelineError> {
        report.new_posts += batch.new_posts;
        report.duplicates += batch.duplicates;
        report.late += batch.late;
        report.hot_search += batch.hot_search;
        for alert in &batch.alerts {
            report.alerts += 1;
            for sink in sinks.iter_mut() {
                sink.send(alert)?;
            }
        }
        Ok(())
    };
    let mut store_result = Ok(());
    for message in rx {
        let posts = message.posts.len() as u64;
        match stage.apply(&message) {
            Ok(batch) => {
                deliver(batch, &mut report, sinks)?;
                progress.committed(posts);
                // The reader may have finished: then the message is simply dropped here.
                let _ = recycle_tx.send(message);
            }
            Err(error) => {
                store_result = Err(error);
                break;
            }
        }
    }
    let reader_result = reader.join().map_err(|_| PipelineError::Stage("reader"))?;
    store_result?;
    let (read_posts, bad) = reader_result?;
    report.posts_read = read_posts;
    report.bad_records = bad;
    if options.finish {
        let batch = stage.finish()?;
        deliver(batch, &mut report, sinks)?;
    }
    Ok((report, stage.into_store()))
}
