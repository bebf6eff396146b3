//! The daemon's configuration file (TOML). See `trendwatch.example.toml` for every key.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use trendwatch_scraper::http::{FetchConfig, Secret};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// The SQLite database (created if missing).
    pub database: PathBuf,
    /// Classifier rules file (TOML) instead of the built-in rules.
    #[serde(default)]
    pub rules: Option<PathBuf>,
    /// Messages buffered between the sources and the store thread.
    #[serde(default = "default_channel_capacity")]
    pub channel_capacity: usize,
    /// Longest time shutdown waits for the store thread and the last webhook deliveries.
    #[serde(default = "default_shutdown_timeout", deserialize_with = "duration")]
    pub shutdown_timeout: Duration,
    /// HTTP politeness and limits.
    #[serde(default)]
    pub http: HttpConfig,
    /// Where alerts go.
    #[serde(default)]
    pub sinks: SinksConfig,
    /// The sources to poll (`[[source]]` tables).
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
}

fn default_channel_capacity() -> usize {
    16
}

fn default_shutdown_timeout() -> Duration {
    Duration::from_secs(5)
}

/// Errors in the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not valid TOML or not the expected shape (the message names line and key).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, where.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{path}: {key}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The key (e.g. `source[2].url`).
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl DaemonConfig {
    /// Parses a configuration file's text; `path` names it in errors.
    pub fn from_toml_str(text: &str, path: &str) -> Result<Self, ConfigError> {
        let config: DaemonConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let invalid = |key: String, message: &str| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            message: message.to_owned(),
        };
        if self.channel_capacity == 0 {
            return Err(invalid("channel_capacity".into(), "must be at least 1"));
        }
        let mut names = std::collections::HashSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            let key = |field: &str| format!("source[{i}].{field}");
            if s.name.trim().is_empty() {
                return Err(invalid(key("name"), "must not be empty"));
            }
            if !names.insert(s.name.as_str()) {
                return Err(invalid(key("name"), "another source has this name"));
            }
            if s.max_pages == 0 {
                return Err(invalid(key("max_pages"), "must be at least 1"));
            }
            if s.interval.is_zero() {
                return Err(invalid(key("interval"), "must be positive"));
            }
            match s.kind {
                SourceKind::WeiboApi => {
                    if s.containerid.is_none() == s.keyword.is_none() {
                        return Err(invalid(
                            key("containerid"),
                            "a weibo_api source needs exactly one of `containerid` or `keyword`",
                        ));
                    }
                }
                SourceKind::WeiboSearch => {
                    if s.keyword.is_none() {
                        return Err(invalid(key("keyword"), "a weibo_search source needs one"));
                    }
                }
                SourceKind::HotSearch => {}
                SourceKind::JsonlDir => {
                    if s.path.is_none() {
                        return Err(invalid(key("path"), "a jsonl_dir source needs a folder"));
                    }
                }
            }
        }
        let mut sink_names = std::collections::HashSet::new();
        for (i, w) in self.sinks.webhook.iter().enumerate() {
            if !sink_names.insert(w.name.as_str()) {
                return Err(invalid(
                    format!("sinks.webhook[{i}].name"),
                    "another webhook has this name (names key the outbox)",
                ));
            }
        }
        Ok(())
    }

    /// Fills each source's cookie from the environment variable its `cookie_env` names (when
    /// the config has no literal `cookie`). `lookup` reads the environment (the CLI passes
    /// `std::env::var`), keeping this library free of process state.
    pub fn resolve_secrets(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        for source in &mut self.sources {
            if source.cookie.as_ref().is_none_or(Secret::is_empty)
                && let Some(value) = lookup(&source.cookie_env).filter(|v| !v.trim().is_empty())
            {
                source.cookie = Some(Secret::new(value.trim()));
            }
        }
    }
}

/// HTTP settings shared by all sources (`[http]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// The User-Agent header.
    pub user_agent: String,
    /// Time allowed for one request, body included.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// Time allowed to connect.
    #[serde(deserialize_with = "duration")]
    pub connect_timeout: Duration,
    /// Largest response body accepted (after decompression), in bytes.
    pub max_body_bytes: usize,
    /// Redirects followed per request.
    pub max_redirects: usize,
    /// Hosts redirects may lead to besides a source's own host.
    pub allowed_hosts: Vec<String>,
    /// Minimum time between two requests to one host.
    #[serde(deserialize_with = "duration")]
    pub min_interval: Duration,
    /// Retries of passing failures (timeouts, connection errors, 429, 432, 5xx).
    pub retries: usize,
    /// First retry delay (doubles, with jitter).
    #[serde(deserialize_with = "duration")]
    pub backoff_min: Duration,
    /// Longest retry delay.
    #[serde(deserialize_with = "duration")]
    pub backoff_max: Duration,
    /// Longest `Retry-After` honoured.
    #[serde(deserialize_with = "duration")]
    pub retry_after_max: Duration,
    /// How long a robots.txt is trusted.
    #[serde(deserialize_with = "duration")]
    pub robots_ttl: Duration,
    /// Seed of the retry jitter.
    pub jitter_seed: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        let f = FetchConfig::default();
        HttpConfig {
            user_agent: f.user_agent,
            timeout: f.timeout,
            connect_timeout: f.connect_timeout,
            max_body_bytes: f.max_body_bytes,
            max_redirects: f.max_redirects,
            allowed_hosts: f.allowed_hosts,
            min_interval: f.min_interval,
            retries: f.retries,
            backoff_min: f.backoff_min,
            backoff_max: f.backoff_max,
            retry_after_max: f.retry_after_max,
            robots_ttl: f.robots_ttl,
            jitter_seed: f.jitter_seed,
        }
    }
}

impl HttpConfig {
    /// The fetcher settings these give.
    pub fn fetch_config(&self) -> FetchConfig {
        FetchConfig {
            user_agent: self.user_agent.clone(),
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            max_body_bytes: self.max_body_bytes,
            max_redirects: self.max_redirects,
            allowed_hosts: self.allowed_hosts.clone(),
            min_interval: self.min_interval,
            retries: self.retries,
            backoff_min: self.backoff_min,
            backoff_max: self.backoff_max,
            retry_after_max: self.retry_after_max,
            jitter_seed: self.jitter_seed,
            robots_ttl: self.robots_ttl,
        }
    }
}

/// Alert sinks (`[sinks]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SinksConfig {
    /// Print alerts as JSON lines on stdout.
    pub stdout: bool,
    /// Append alerts as JSON lines to this file.
    pub file: Option<PathBuf>,
    /// Webhooks, delivered through the durable outbox (`[[sinks.webhook]]`).
    pub webhook: Vec<WebhookConfig>,
}

impl Default for SinksConfig {
    fn default() -> Self {
        SinksConfig {
            stdout: true,
            file: None,
            webhook: Vec::new(),
        }
    }
}

/// One webhook (`[[sinks.webhook]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The outbox key of this webhook: keep it stable, or pending alerts are not resent.
    #[serde(default = "default_webhook_name")]
    pub name: String,
    /// Where alerts are POSTed.
    pub url: String,
    /// First retry delay after a failed delivery (doubles up to `retry_max`).
    #[serde(default = "default_retry_min", deserialize_with = "duration")]
    pub retry_min: Duration,
    /// Longest delay between delivery attempts.
    #[serde(default = "default_retry_max", deserialize_with = "duration")]
    pub retry_max: Duration,
    /// How often the outbox is checked even without new alerts.
    #[serde(default = "default_idle_poll", deserialize_with = "duration")]
    pub idle_poll: Duration,
}

fn default_webhook_name() -> String {
    "webhook".into()
}
fn default_retry_min() -> Duration {
    Duration::from_secs(1)
}
fn default_retry_max() -> Duration {
    Duration::from_secs(300)
}
fn default_idle_poll() -> Duration {
    Duration::from_secs(30)
}

/// What kind of source a `[[source]]` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// m.weibo.cn container JSON pages (`api/container/getIndex`).
    WeiboApi,
    /// s.weibo.com search-result HTML pages.
    WeiboSearch,
    /// The hot-search list (JSON `ajax/side/hotSearch` or the `top/summary` HTML table).
    HotSearch,
    /// A folder of `.jsonl` files dropped by other collectors.
    JsonlDir,
}

impl SourceKind {
    /// The name used in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::WeiboApi => "weibo_api",
            SourceKind::WeiboSearch => "weibo_search",
            SourceKind::HotSearch => "hot_search",
            SourceKind::JsonlDir => "jsonl_dir",
        }
    }
}

/// One source (`[[source]]`).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Unique name (keys the cursor in the database).
    pub name: String,
    /// What to poll.
    pub kind: SourceKind,
    /// Site root for `weibo_api` (default `https://m.weibo.cn`) and `weibo_search` (default
    /// `https://s.weibo.com`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Full URL for `hot_search` (default `https://weibo.com/ajax/side/hotSearch`).
    #[serde(default)]
    pub url: Option<String>,
    /// m.weibo.cn container id (`weibo_api`).
    #[serde(default)]
    pub containerid: Option<String>,
    /// Search keyword (`weibo_api` search container, `weibo_search`).
    #[serde(default)]
    pub keyword: Option<String>,
    /// Folder to watch (`jsonl_dir`).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Time between polls.
    #[serde(default = "default_interval", deserialize_with = "duration")]
    pub interval: Duration,
    /// Pages fetched per poll at most.
    #[serde(default = "default_max_pages")]
    pub max_pages: usize,
    /// Honour robots.txt (default true; false is logged loudly at every start).
    #[serde(default = "default_true")]
    pub respect_robots: bool,
    /// Cookie sent with this source's requests (prefer `cookie_env`).
    #[serde(default)]
    pub cookie: Option<Secret>,
    /// Environment variable holding the cookie when `cookie` is not set.
    #[serde(default = "default_cookie_env")]
    pub cookie_env: String,
    /// Longest wait after repeated failures (the wait doubles from `interval`).
    #[serde(default = "default_failure_backoff_max", deserialize_with = "duration")]
    pub failure_backoff_max: Duration,
    /// Wait before trying a blocked source again.
    #[serde(default = "default_blocked_backoff", deserialize_with = "duration")]
    pub blocked_backoff: Duration,
    /// Posts per database transaction when reading files (`jsonl_dir`).
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
}

impl std::fmt::Debug for SourceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("url", &self.url)
            .field("keyword", &self.keyword)
            .field("containerid", &self.containerid)
            .field("path", &self.path)
            .field("cookie", &self.cookie.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

fn default_interval() -> Duration {
    Duration::from_secs(300)
}
fn default_max_pages() -> usize {
    5
}
fn default_true() -> bool {
    true
}
fn default_cookie_env() -> String {
    "TRENDWATCH_COOKIE".into()
}
fn default_failure_backoff_max() -> Duration {
    Duration::from_secs(3600)
}
fn default_blocked_backoff() -> Duration {
    Duration::from_secs(3600)
}
fn default_batch_size() -> usize {
    2000
}

/// Reads a duration written as `"2s"`, `"5m"`, `"1h30m"`, `"250ms"` or a number of seconds.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Secs(f64),
    }
    match Raw::deserialize(d)? {
        Raw::Text(t) => humantime::parse_duration(t.trim()).map_err(|e| {
            serde::de::Error::custom(format!("duration {t:?}: {e} (e.g. 2s, 5m, 1h)"))
        }),
        Raw::Secs(s) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(s)),
        Raw::Secs(s) => Err(serde::de::Error::custom(format!(
            "duration {s}: must be a non-negative number of seconds"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config_and_resolves_cookies_from_the_environment() {
        let text = r#"
database = "tw.db"
[http]
min_interval = "250ms"
retries = 2
[sinks]
stdout = false
file = "alerts.jsonl"
[[sinks.webhook]]
url = "http://127.0.0.1:9/hook"
[[source]]
name = "api"
kind = "weibo_api"
keyword = "微信崩了"
interval = "30s"
[[source]]
name = "drop"
kind = "jsonl_dir"
path = "inbox"
cookie = "SUB=literal"
"#;
        let mut c = DaemonConfig::from_toml_str(text, "t.toml").unwrap();
        assert_eq!(c.http.min_interval, Duration::from_millis(250));
        assert_eq!(
            c.http.timeout,
            Duration::from_secs(30),
            "defaults fill the rest"
        );
        assert_eq!(c.sinks.webhook[0].name, "webhook");
        assert_eq!(c.sources[0].interval, Duration::from_secs(30));
        assert!(c.sources[0].respect_robots);
        c.resolve_secrets(|name| (name == "TRENDWATCH_COOKIE").then(|| "SUB=env".into()));
        assert_eq!(c.sources[0].cookie.as_ref().unwrap().expose(), "SUB=env");
        assert_eq!(
            c.sources[1].cookie.as_ref().unwrap().expose(),
            "SUB=literal"
        );
        let shown = format!("{:?}", c.sources);
        assert!(!shown.contains("SUB="), "{shown}");
    }

    #[test]
    fn rejects_inconsistent_sources_naming_the_key() {
        let err = DaemonConfig::from_toml_str(
            "database = \"x\"\n[[source]]\nname = \"a\"\nkind = \"weibo_api\"\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("source[0].containerid"), "{err}");
        let err = DaemonConfig::from_toml_str("database = \"x\"\nbogus = 1\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bogus"), "{err}");
        let err =
            DaemonConfig::from_toml_str("database = \"x\"\n[http]\ntimeout = \"soon\"\n", "t.toml")
                .unwrap_err()
                .to_string();
        assert!(err.contains("soon"), "{err}");
    }
}
