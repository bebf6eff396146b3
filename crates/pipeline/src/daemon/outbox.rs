//! Webhook delivery from the durable outbox.
//!
//! Alerts are committed together with one outbox row per webhook; this task POSTs pending rows
//! oldest first and marks each delivered only after a 2xx. A receiver that is down only delays
//! delivery (the wait doubles from `retry_min` to `retry_max`); a restart resumes from the
//! table. Each POST carries `Idempotency-Key: <episode_id>@<detected_at>`, so a receiver can
//! drop the one duplicate that a crash between its 2xx and our commit could cause.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use trendwatch_model::Alert;
use trendwatch_scraper::http::Fetcher;
use trendwatch_storage::{SqliteStore, Store};

use super::config::WebhookConfig;

/// Rows fetched from the outbox per round.
const BATCH: usize = 100;

/// The idempotency key of an alert payload: `episode_id@detected_at` (Unix seconds), as UTF-8
/// with every byte outside visible ASCII (and `%`) percent-encoded, since episode ids carry
/// topic names such as `微信崩了` and header values must be ASCII.
pub fn idempotency_key(payload: &str, alert_id: i64) -> String {
    let raw = match serde_json::from_str::<Alert>(payload) {
        Ok(alert) => format!("{}@{}", alert.episode_id, alert.detected_at.timestamp()),
        Err(_) => format!("alert-{alert_id}"),
    };
    let mut key = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_graphic() && b != b'%' || b == b' ' {
            key.push(char::from(b));
        } else {
            key.push_str(&format!("%{b:02X}"));
        }
    }
    key
}

struct Hook {
    config: WebhookConfig,
    failures: u32,
    next_try: Instant,
}

/// What the delivery task works with.
pub(crate) struct Delivery {
    /// Its own connection to the database (outbox reads and marks).
    pub(crate) store: Arc<Mutex<SqliteStore>>,
    /// The webhooks.
    pub(crate) hooks: Vec<WebhookConfig>,
    /// The shared HTTP client.
    pub(crate) fetcher: Arc<Fetcher>,
    /// Woken by the store thread after a commit that queued alerts.
    pub(crate) wake: Arc<Notify>,
    /// Cancelled once the store thread has finished.
    pub(crate) stop: CancellationToken,
    /// Time allowed for the last pass after `stop`.
    pub(crate) final_deadline: Duration,
    /// Successful deliveries.
    pub(crate) delivered: Arc<AtomicU64>,
    /// Failed attempts.
    pub(crate) failed: Arc<AtomicU64>,
}

/// Runs until `stop` is cancelled, then makes one last pass bounded by `final_deadline`.
pub(crate) async fn deliver(d: Delivery) {
    let Delivery {
        store,
        hooks,
        fetcher,
        wake,
        stop,
        final_deadline,
        delivered,
        failed,
    } = d;
    let mut hooks: Vec<Hook> = hooks
        .into_iter()
        .map(|config| Hook {
            config,
            failures: 0,
            next_try: Instant::now(),
        })
        .collect();
    loop {
        for hook in &mut hooks {
            if hook.next_try <= Instant::now() {
                round(&store, hook, &fetcher, &delivered, &failed, &stop).await;
            }
        }
        let next = hooks
            .iter()
            .map(|h| {
                if h.failures == 0 {
                    Instant::now() + h.config.idle_poll
                } else {
                    h.next_try
                }
            })
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            () = stop.cancelled() => break,
            () = wake.notified() => {}
            () = tokio::time::sleep_until(next) => {}
        }
    }
    // Last pass: deliver what the final commits queued, unless the receiver is known down.
    let never = CancellationToken::new();
    let last = async {
        for hook in &mut hooks {
            if hook.failures == 0 {
                round(&store, hook, &fetcher, &delivered, &failed, &never).await;
            }
        }
    };
    if tokio::time::timeout(final_deadline, last).await.is_err() {
        tracing::warn!(message = "Final webhook delivery cut short; pending alerts stay queued.");
    }
}

/// Delivers pending rows of one webhook until none are left or one fails.
async fn round(
    store: &Arc<Mutex<SqliteStore>>,
    hook: &mut Hook,
    fetcher: &Fetcher,
    delivered: &AtomicU64,
    failed: &AtomicU64,
    stop: &CancellationToken,
) {
    loop {
        let name = hook.config.name.clone();
        let pending = {
            let store = Arc::clone(store);
            tokio::task::spawn_blocking(move || {
                let guard = store.lock().unwrap_or_else(|p| p.into_inner());
                guard.pending_outbox(&name, BATCH)
            })
            .await
        };
        let rows = match pending {
            Ok(Ok(rows)) => rows,
            Ok(Err(error)) => {
                tracing::error!(message = "Cannot read the outbox.", %error);
                return;
            }
            Err(_) => return,
        };
        let full = rows.len() == BATCH;
        for (alert_id, payload) in rows {
            if stop.is_cancelled() {
                return;
            }
            let key = idempotency_key(&payload, alert_id);
            let outcome = fetcher
                .post_json(
                    &hook.config.url,
                    payload,
                    &[("Idempotency-Key", key.as_str())],
                )
                .await
                .map(|_| ())
                .map_err(|e| e.to_string());
            let ok = outcome.is_ok();
            let error = outcome.as_ref().err().cloned();
            let name = hook.config.name.clone();
            let store = Arc::clone(store);
            let marked = tokio::task::spawn_blocking(move || {
                let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
                guard.mark_outbox(alert_id, &name, outcome)
            })
            .await;
            if let Ok(Err(error)) = &marked {
                tracing::error!(message = "Cannot update the outbox.", %error);
            }
            if ok {
                delivered.fetch_add(1, Ordering::Relaxed);
                hook.failures = 0;
                tracing::info!(message = "Alert delivered.", sink = %hook.config.name, key = %key);
            } else {
                failed.fetch_add(1, Ordering::Relaxed);
                hook.failures = hook.failures.saturating_add(1);
                let delay = backoff(&hook.config, hook.failures);
                hook.next_try = Instant::now() + delay;
                tracing::warn!(
                    message = "Webhook delivery failed; will retry.",
                    sink = %hook.config.name,
                    error = %error.unwrap_or_default(),
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                );
                return;
            }
        }
        if !full {
            return;
        }
    }
}

/// `retry_min` doubled per consecutive failure, capped at `retry_max`.
fn backoff(config: &WebhookConfig, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
    config
        .retry_min
        .saturating_mul(factor)
        .min(config.retry_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_episode_and_detection_time() {
        let payload = r#"{"topic":"WeChat outage","kind":"outage","service":"wechat","status":"opened","detected_at":"2015-09-13T13:10:00+08:00","window_start":"2015-09-13T13:05:00+08:00","window_end":"2015-09-13T13:10:00+08:00","participants":40,"baseline":2.0,"score":0.99,"episode_id":"ep-1"}"#;
        assert_eq!(idempotency_key(payload, 7), "ep-1@1442121000");
        assert_eq!(idempotency_key("{}", 7), "alert-7");
        let cn = payload.replace("ep-1", "微信崩了@2015");
        assert_eq!(
            idempotency_key(&cn, 7),
            "%E5%BE%AE%E4%BF%A1%E5%B4%A9%E4%BA%86@2015@1442121000"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = WebhookConfig {
            name: "w".into(),
            url: "http://127.0.0.1:1/".into(),
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(10),
            idle_poll: Duration::from_secs(30),
        };
        let waits: Vec<u64> = (1..=6).map(|n| backoff(&c, n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
    }
}
