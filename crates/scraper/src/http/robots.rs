//! robots.txt, fetched once per origin and trusted for a while.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use tokio::time::Instant;

use super::{FetchError, ROBOTS_AGENT};

/// What fetching robots.txt gave.
pub(crate) enum RobotsBody {
    /// The file's bytes.
    Text(Vec<u8>),
    /// No robots.txt (4xx): everything is allowed.
    Missing,
}

/// The verdict for one URL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    pub(crate) allowed: bool,
    pub(crate) crawl_delay: Option<Duration>,
}

enum Rules {
    AllowAll,
    Robot(Box<texting_robots::Robot>),
}

struct Entry {
    fetched: Instant,
    rules: Arc<Rules>,
}

/// Per-origin robots.txt rules with a time to live.
pub(crate) struct RobotsCache {
    ttl: Duration,
    entries: tokio::sync::Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for RobotsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotsCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RobotsCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        RobotsCache {
            ttl,
            entries: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Whether `url` may be fetched, fetching the origin's robots.txt with `fetch` if it is not
    /// cached (one fetch at a time, so concurrent requests do not fetch it twice).
    pub(crate) async fn allowed<F, Fut>(&self, url: &Url, fetch: F) -> Result<Decision, FetchError>
    where
        F: FnOnce(Url) -> Fut,
        Fut: Future<Output = Result<RobotsBody, FetchError>>,
    {
        let origin = url.origin().ascii_serialization();
        let mut entries = self.entries.lock().await;
        let fresh = entries
            .get(&origin)
            .filter(|e| e.fetched.elapsed() < self.ttl)
            .map(|e| Arc::clone(&e.rules));
        let rules = match fresh {
            Some(rules) => rules,
            None => {
                let robots_url = url
                    .join("/robots.txt")
                    .map_err(|e| FetchError::InvalidUrl {
                        url: url.to_string(),
                        reason: e.to_string(),
                    })?;
                let rules = match fetch(robots_url.clone()).await? {
                    RobotsBody::Missing => Rules::AllowAll,
                    RobotsBody::Text(bytes) => {
                        match texting_robots::Robot::new(ROBOTS_AGENT, &bytes) {
                            Ok(robot) => Rules::Robot(Box::new(robot)),
                            Err(error) => {
                                tracing::warn!(
                                    message = "Unparsable robots.txt; treating it as allowing all.",
                                    url = %robots_url,
                                    %error,
                                );
                                Rules::AllowAll
                            }
                        }
                    }
                };
                let rules = Arc::new(rules);
                entries.insert(
                    origin,
                    Entry {
                        fetched: Instant::now(),
                        rules: Arc::clone(&rules),
                    },
                );
                rules
            }
        };
        drop(entries);
        Ok(match &*rules {
            Rules::AllowAll => Decision {
                allowed: true,
                crawl_delay: None,
            },
            Rules::Robot(robot) => Decision {
                allowed: robot.allowed(url.as_str()),
                crawl_delay: robot
                    .delay
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| Duration::from_secs_f32(d.min(3600.0))),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rules_are_fetched_once_and_applied() {
        let cache = RobotsCache::new(Duration::from_secs(60));
        let text = b"User-agent: *\nDisallow: /private\nCrawl-delay: 5\n".to_vec();
        let url = Url::parse("http://127.0.0.1:1/private/x").unwrap();
        let d = cache
            .allowed(&url, |_| async { Ok(RobotsBody::Text(text)) })
            .await
            .unwrap();
        assert!(!d.allowed);
        assert_eq!(d.crawl_delay, Some(Duration::from_secs(5)));
        let ok = Url::parse("http://127.0.0.1:1/public").unwrap();
        let d = cache
            .allowed(&ok, |_| async { panic!("cached: no second fetch") })
            .await
            .unwrap();
        assert!(d.allowed);
        let other = Url::parse("http://127.0.0.1:2/private").unwrap();
        let d = cache
            .allowed(&other, |_| async { Ok(RobotsBody::Missing) })
            .await
            .unwrap();
        assert!(d.allowed, "a missing robots.txt allows everything");
    }
}
