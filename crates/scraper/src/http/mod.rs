//! The live fetcher: one shared HTTP client that is polite, patient and suspicious.
//!
//! # Architecture
//! - [`Fetcher`] owns one `reqwest` client (rustls with the `ring` provider), a per-host
//!   request spacer (default: at most one request per 2 s to each host; a robots.txt
//!   `Crawl-delay` can only make it slower), and a robots.txt cache per origin.
//! - [`Fetcher::get`] follows redirects itself (at most [`FetchConfig::max_redirects`], only to
//!   the original host or [`FetchConfig::allowed_hosts`]), retries timeouts, connection errors,
//!   408/429/432/5xx with exponential backoff and seeded jitter (`backon`), honouring
//!   `Retry-After`, streams the body up to [`FetchConfig::max_body_bytes`] (the cap applies to
//!   the decompressed size too, so a gzip bomb is cut off), decodes the charset with
//!   [`crate::decode_body`], and recognises refusals — login walls, captcha and visitor-system
//!   redirects, "Access denied" pages, `{"ok":-100}` — as [`FetchError::Blocked`], which is
//!   never retried blindly and says what to do.
//! - Cookies are [`Secret`]s: sent only to the host they were configured for, marked sensitive
//!   in the request, and never printed by `Debug`/`Display` or put into errors.
//!
//! The parsers stay pure; this module is the only part of the crate that does network I/O.

mod block;
mod body;
mod limit;
mod robots;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, FixedOffset};
use reqwest::header::{self, HeaderMap, HeaderValue};

pub use reqwest::Url;

use block::BlockSign;
use limit::HostLimiter;
use robots::RobotsCache;

/// The User-Agent trendwatch sends: names the program, its version and where to read about it.
pub fn default_user_agent() -> String {
    format!(
        "trendwatch/{} (+https://github.com/trendwatch)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The product token matched against robots.txt `User-agent` lines.
pub const ROBOTS_AGENT: &str = "trendwatch";

/// Settings of the fetcher (every field has a polite default).
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// The User-Agent header.
    pub user_agent: String,
    /// Time allowed for one whole request (connect, headers and body).
    pub timeout: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Largest body accepted, after decompression, in bytes.
    pub max_body_bytes: usize,
    /// Redirects followed per request.
    pub max_redirects: usize,
    /// Hosts redirects may lead to besides the requested URL's own host.
    pub allowed_hosts: Vec<String>,
    /// Minimum time between two requests to the same host.
    pub min_interval: Duration,
    /// Retries after the first attempt for passing failures (timeouts, 429, 432, 5xx…).
    pub retries: usize,
    /// First retry delay (doubled each time, with jitter).
    pub backoff_min: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Longest `Retry-After` honoured (a longer one is cut to this).
    pub retry_after_max: Duration,
    /// Seed of the retry jitter (deterministic runs).
    pub jitter_seed: u64,
    /// How long a fetched robots.txt is trusted before it is fetched again.
    pub robots_ttl: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: default_user_agent(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 8 * 1024 * 1024,
            max_redirects: 5,
            allowed_hosts: Vec::new(),
            min_interval: Duration::from_secs(2),
            retries: 4,
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            retry_after_max: Duration::from_secs(600),
            jitter_seed: 0x7472_656e_6477_6174,
            robots_ttl: Duration::from_secs(3600),
        }
    }
}

/// A secret string (a cookie): shown as `[redacted]` by `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What kind of document a request expects (sets the `Accept` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accept {
    /// JSON APIs.
    Json,
    /// HTML pages.
    Html,
    /// Anything.
    #[default]
    Any,
}

impl Accept {
    fn header(self) -> &'static str {
        match self {
            Accept::Json => "application/json, text/plain, */*",
            Accept::Html => "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            Accept::Any => "*/*",
        }
    }
}

/// Per-request options.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// Check robots.txt first (default true; turning it off is the caller's loud decision).
    pub respect_robots: bool,
    /// Cookie sent to the requested URL's host (never to other hosts).
    pub cookie: Option<Secret>,
    /// Expected document kind.
    pub accept: Accept,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            respect_robots: true,
            cookie: None,
            accept: Accept::Any,
        }
    }
}

/// A fetched, decoded page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The final URL (after redirects).
    pub url: Url,
    /// The HTTP status (2xx).
    pub status: u16,
    /// The body as text.
    pub text: String,
    /// The character encoding the body was decoded from.
    pub encoding: &'static str,
    /// The response's `Date` header: the page's capture time in data time.
    pub date: Option<DateTime<FixedOffset>>,
    /// Attempts it took (1 = first try).
    pub attempts: u32,
}

/// Counters of what the fetcher did (for logs and the closing report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FetchStats {
    /// HTTP requests sent (every attempt and redirect hop, robots.txt included).
    pub requests: u64,
    /// Retries after passing failures.
    pub retries: u64,
    /// robots.txt requests.
    pub robots_requests: u64,
    /// Requests refused by robots.txt (never sent).
    pub robots_denied: u64,
    /// Responses recognised as blocks.
    pub blocked: u64,
    /// Bodies cut off at the size cap.
    pub too_large: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    robots_requests: AtomicU64,
    robots_denied: AtomicU64,
    blocked: AtomicU64,
    too_large: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Why a fetch failed. Messages name the URL and never contain cookies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL cannot be fetched (unparsable, not http/https).
    #[error("{url}: invalid URL: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// robots.txt disallows the URL for trendwatch.
    #[error(
        "{url}: disallowed by robots.txt (the source's `respect_robots = false` overrides this)"
    )]
    RobotsDisallowed {
        /// The URL.
        url: String,
    },
    /// robots.txt could not be fetched (server error or unreachable): nothing is fetched from
    /// the site until it can be.
    #[error("{url}: robots.txt unavailable: {detail}")]
    RobotsUnavailable {
        /// The robots.txt URL.
        url: String,
        /// What happened.
        detail: String,
    },
    /// A redirect led somewhere not allowed, or there were too many.
    #[error("{url}: redirect to {location} refused: {reason}")]
    RedirectRefused {
        /// The URL that redirected.
        url: String,
        /// Where it pointed (without its query string).
        location: String,
        /// Why it was refused.
        reason: String,
    },
    /// The site refused us: a login wall, captcha, visitor-system page, "Access denied" page
    /// or `{"ok":-100}`. Retrying does not help; `advice` says what does.
    #[error("{url}: blocked: {what}; what to do: {advice}")]
    Blocked {
        /// The URL.
        url: String,
        /// What was seen.
        what: String,
        /// What to do about it.
        advice: String,
    },
    /// An HTTP error status (after retries, when it was worth retrying).
    #[error("{url}: HTTP {status} after {attempts} attempt(s)")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The request timed out (after retries).
    #[error("{url}: timed out after {attempts} attempt(s)")]
    Timeout {
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Connecting or talking to the server failed (after retries).
    #[error("{url}: connection failed after {attempts} attempt(s): {detail}")]
    Connect {
        /// The URL.
        url: String,
        /// The transport error.
        detail: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The body was larger than the cap (before or after decompression).
    #[error("{url}: response body exceeds the {limit}-byte cap")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap in bytes.
        limit: usize,
    },
    /// The body could not be read or decompressed.
    #[error("{url}: unreadable response body: {detail}")]
    Body {
        /// The URL.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// Whether this is a block (login wall, captcha…), which calls for a person, not a retry.
    pub fn is_blocked(&self) -> bool {
        matches!(self, FetchError::Blocked { .. })
    }

    fn retryable(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => is_retry_status(*status),
            FetchError::Timeout { .. }
            | FetchError::Connect { .. }
            | FetchError::RobotsUnavailable { .. } => true,
            _ => false,
        }
    }

    fn set_attempts(&mut self, n: u32) {
        match self {
            FetchError::Status { attempts, .. }
            | FetchError::Timeout { attempts, .. }
            | FetchError::Connect { attempts, .. } => *attempts = n,
            _ => {}
        }
    }
}

fn is_retry_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 432) || (500..=599).contains(&status)
}

/// One failed attempt, with the server's `Retry-After` if it sent one.
#[derive(Debug)]
struct AttemptError {
    error: FetchError,
    retry_after: Option<Duration>,
}

impl From<FetchError> for AttemptError {
    fn from(error: FetchError) -> Self {
        AttemptError {
            error,
            retry_after: None,
        }
    }
}

/// The shared fetcher. Cheap to share behind an `Arc`; all methods take `&self`.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    limiter: HostLimiter,
    robots: RobotsCache,
    counters: Counters,
}

impl Fetcher {
    /// Builds the fetcher and its HTTP client (installing rustls' `ring` provider if no
    /// process-wide provider is installed yet).
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        // Another part of the program may have installed a provider already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher {
            client,
            limiter: HostLimiter::new(config.min_interval),
            robots: RobotsCache::new(config.robots_ttl),
            config,
            counters: Counters::default(),
        })
    }

    /// The fetcher's settings.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// What the fetcher has done so far.
    pub fn stats(&self) -> FetchStats {
        let c = &self.counters;
        FetchStats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            robots_requests: c.robots_requests.load(Ordering::Relaxed),
            robots_denied: c.robots_denied.load(Ordering::Relaxed),
            blocked: c.blocked.load(Ordering::Relaxed),
            too_large: c.too_large.load(Ordering::Relaxed),
        }
    }

    /// Fetches `url` politely, retrying passing failures; see the module docs.
    pub async fn get(&self, url: &str, options: &RequestOptions) -> Result<Page, FetchError> {
        let parsed = parse_url(url)?;
        let attempts = AtomicU64::new(0);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.config.backoff_min)
            .with_max_delay(self.config.backoff_max)
            .with_max_times(self.config.retries)
            .with_jitter()
            .with_jitter_seed(self.config.jitter_seed);
        let retry_after_max = self.config.retry_after_max;
        let result = (|| {
            let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let parsed = parsed.clone();
            async move { self.attempt(parsed, options, n).await }
        })
        .retry(backoff)
        .when(|e: &AttemptError| e.error.retryable())
        .adjust(
            move |e: &AttemptError, delay| match (delay, e.retry_after) {
                (Some(_), Some(after)) => Some(after.min(retry_after_max)),
                (delay, _) => delay,
            },
        )
        .notify(|e: &AttemptError, delay| {
            bump(&self.counters.retries);
            tracing::warn!(
                message = "Request failed; retrying.",
                error = %e.error,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            );
        })
        .await;
        let n = u32::try_from(attempts.load(Ordering::Relaxed)).unwrap_or(u32::MAX);
        match result {
            Ok(mut page) => {
                page.attempts = n;
                Ok(page)
            }
            Err(AttemptError { mut error, .. }) => {
                error.set_attempts(n);
                if let FetchError::Status {
                    status: 432, url, ..
                } = &error
                {
                    bump(&self.counters.blocked);
                    return Err(FetchError::Blocked {
                        url: url.clone(),
                        what: format!("HTTP 432 (throttled) on all {n} attempts"),
                        advice: block::ADVICE_THROTTLED.into(),
                    });
                }
                Err(error)
            }
        }
    }

    /// POSTs a JSON body once (no robots, no spacing, no retries: the caller's outbox
    /// retries). Returns the status on 2xx.
    pub async fn post_json(
        &self,
        url: &str,
        body: String,
        headers: &[(&str, &str)],
    ) -> Result<u16, FetchError> {
        let parsed = parse_url(url)?;
        let mut request = self
            .client
            .post(parsed.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        bump(&self.counters.requests);
        let response = request
            .send()
            .await
            .map_err(|e| transport_error(&parsed, &e))?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            Ok(status)
        } else {
            Err(FetchError::Status {
                url: display_url(&parsed),
                status,
                attempts: 1,
            })
        }
    }

    async fn attempt(
        &self,
        start: Url,
        options: &RequestOptions,
        attempt: u64,
    ) -> Result<Page, AttemptError> {
        let origin_host = host_key(&start);
        let mut url = start;
        let mut hops = 0usize;
        loop {
            if options.respect_robots {
                self.check_robots(&url).await?;
            }
            let host = host_key(&url);
            self.limiter.wait(&host).await;
            let mut request = self
                .client
                .get(url.clone())
                .header(header::ACCEPT, options.accept.header())
                .header(header::ACCEPT_ENCODING, "gzip, deflate");
            if let Some(cookie) = &options.cookie
                && !cookie.is_empty()
                && host == origin_host
                && let Ok(mut value) = HeaderValue::from_str(cookie.expose())
            {
                value.set_sensitive(true);
                request = request.header(header::COOKIE, value);
            }
            bump(&self.counters.requests);
            tracing::debug!(message = "Fetching.", url = %display_url(&url), attempt);
            let mut response = request
                .send()
                .await
                .map_err(|e| AttemptError::from(transport_error(&url, &e)))?;
            let status = response.status().as_u16();
            if response.status().is_redirection() {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let next = self.follow(&url, &location, &origin_host, hops)?;
                hops += 1;
                url = next;
                continue;
            }
            if let Some(sign) = block::status_block(status) {
                return Err(self.blocked(&url, sign).into());
            }
            if !response.status().is_success() {
                let retry_after = retry_after(response.headers());
                return Err(AttemptError {
                    error: FetchError::Status {
                        url: display_url(&url),
                        status,
                        attempts: 1,
                    },
                    retry_after,
                });
            }
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let date = response
                .headers()
                .get(header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok());
            let bytes = body::read_capped(&mut response, self.config.max_body_bytes)
                .await
                .map_err(|e| self.body_error(&url, e))?;
            let (text, encoding) = crate::decode_body(&bytes, content_type.as_deref());
            if let Some(sign) = block::body_block(&text) {
                return Err(self.blocked(&url, sign).into());
            }
            return Ok(Page {
                url,
                status,
                text,
                encoding,
                date,
                attempts: 1,
            });
        }
    }

    fn follow(
        &self,
        url: &Url,
        location: &str,
        origin_host: &str,
        hops: usize,
    ) -> Result<Url, AttemptError> {
        let refused = |reason: &str, to: &str| -> AttemptError {
            FetchError::RedirectRefused {
                url: display_url(url),
                location: to.split(['?', '#']).next().unwrap_or(to).to_owned(),
                reason: reason.to_owned(),
            }
            .into()
        };
        if location.is_empty() {
            return Err(refused("no Location header", ""));
        }
        let next = url
            .join(location)
            .map_err(|_| refused("unparsable Location", location))?;
        if let Some(sign) = block::redirect_block(next.as_str()) {
            return Err(self.blocked(url, sign).into());
        }
        if hops >= self.config.max_redirects {
            return Err(refused(
                &format!("more than {} redirects", self.config.max_redirects),
                location,
            ));
        }
        let host = next.host_str().unwrap_or("");
        let same = host_key(&next) == origin_host;
        let allowed = same
            || self
                .config
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host));
        if !allowed || !matches!(next.scheme(), "http" | "https") {
            return Err(refused(
                "host not in the allowed list (`allowed_hosts`)",
                next.as_str(),
            ));
        }
        Ok(next)
    }

    async fn check_robots(&self, url: &Url) -> Result<(), AttemptError> {
        let decision = self
            .robots
            .allowed(url, |robots_url| self.fetch_robots(robots_url))
            .await
            .map_err(AttemptError::from)?;
        if let Some(delay) = decision.crawl_delay {
            self.limiter.raise_interval(&host_key(url), delay);
        }
        if decision.allowed {
            Ok(())
        } else {
            bump(&self.counters.robots_denied);
            Err(FetchError::RobotsDisallowed {
                url: display_url(url),
            }
            .into())
        }
    }

    async fn fetch_robots(&self, robots_url: Url) -> Result<robots::RobotsBody, FetchError> {
        self.limiter.wait(&host_key(&robots_url)).await;
        bump(&self.counters.requests);
        bump(&self.counters.robots_requests);
        let unavailable = |detail: String| FetchError::RobotsUnavailable {
            url: display_url(&robots_url),
            detail,
        };
        let mut response = self
            .client
            .get(robots_url.clone())
            .header(header::ACCEPT_ENCODING, "gzip, deflate")
            .send()
            .await
            .map_err(|e| unavailable(transport_error(&robots_url, &e).to_string()))?;
        let status = response.status();
        if status.is_success() {
            let bytes = body::read_capped(&mut response, 512 * 1024)
                .await
                .map_err(|e| unavailable(format!("{e:?}")))?;
            Ok(robots::RobotsBody::Text(bytes))
        } else if status.is_server_error() || status.as_u16() == 429 {
            Err(unavailable(format!("HTTP {}", status.as_u16())))
        } else {
            // 4xx (and redirects, which we do not follow for robots.txt): no rules.
            Ok(robots::RobotsBody::Missing)
        }
    }

    fn blocked(&self, url: &Url, sign: BlockSign) -> FetchError {
        bump(&self.counters.blocked);
        FetchError::Blocked {
            url: display_url(url),
            what: sign.what,
            advice: sign.advice.to_owned(),
        }
    }

    fn body_error(&self, url: &Url, error: body::BodyError) -> AttemptError {
        match error {
            body::BodyError::TooLarge => {
                bump(&self.counters.too_large);
                FetchError::TooLarge {
                    url: display_url(url),
                    limit: self.config.max_body_bytes,
                }
                .into()
            }
            body::BodyError::Transport(e) => transport_error(url, &e).into(),
            body::BodyError::Decode(detail) => FetchError::Body {
                url: display_url(url),
                detail,
            }
            .into(),
        }
    }
}

/// Shares one fetcher between tasks.
pub type SharedFetcher = Arc<Fetcher>;

fn parse_url(url: &str) -> Result<Url, FetchError> {
    let parsed = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(FetchError::InvalidUrl {
            url: url.to_owned(),
            reason: "only http and https URLs with a host are fetched".into(),
        });
    }
    Ok(parsed)
}

/// The rate-limit key of a URL: host and port.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or("").to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// A URL for messages: without user info (there should be none, but never print it).
fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

fn transport_error(url: &Url, error: &reqwest::Error) -> FetchError {
    if error.is_timeout() {
        FetchError::Timeout {
            url: display_url(url),
            attempts: 1,
        }
    } else {
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        FetchError::Connect {
            url: display_url(url),
            detail,
            attempts: 1,
        }
    }
}

/// `Retry-After` in seconds, or as an HTTP date relative to the response's own `Date` header
/// (never the local clock).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let now = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())?;
    let secs = (at - now).num_seconds();
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("SUB=abc123");
        assert_eq!(format!("{s}"), "[redacted]");
        assert!(!format!("{s:?}").contains("abc123"));
        assert_eq!(s.expose(), "SUB=abc123");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_relative_to_the_response() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Fri, 27 Nov 2026 08:00:30 GMT"),
        );
        assert_eq!(retry_after(&h), None, "a date needs the response's Date");
        h.insert(
            header::DATE,
            HeaderValue::from_static("Fri, 27 Nov 2026 08:00:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
    }

    #[test]
    fn user_agent_names_trendwatch_and_its_version() {
        let ua = default_user_agent();
        assert!(ua.starts_with("trendwatch/"), "{ua}");
        assert!(ua.contains(env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn only_http_urls_are_fetched() {
        assert!(parse_url("file:///etc/passwd").is_err());
        assert!(parse_url("not a url").is_err());
        assert!(parse_url("http://127.0.0.1:8080/x").is_ok());
    }
}

#[cfg(test)]
mod server_tests;
