//! `trendwatch serve`: a read-only JSON API for `top`, `spikes` and `series`, and one live page
//! with the trending list and a chosen topic's chart.
//!
//! Every request opens the database read-only (SQLite WAL: readers never block the daemon that
//! writes it and always see a committed state). Parameters are validated and bounded, SQL is
//! parameterised, and the page builds its DOM with `textContent` only, because topic names and
//! post texts are written by strangers. The server binds loopback by default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::FixedOffset;
use serde::Deserialize;
use serde_json::{Value, json};
use trendwatch_storage::{SpikeFilter, SqliteStore};

use crate::output::{fmt_time, parse_duration_secs, parse_offset, parse_time};

/// The page, with its script and styles inline.
const PAGE: &str = include_str!("../web/index.html");

/// Longest query string accepted, in bytes.
const MAX_QUERY_BYTES: usize = 1024;
/// Longest topic, service or time parameter accepted, in characters.
const MAX_TEXT_CHARS: usize = 200;
/// Most rows of the trending list one request may ask for.
const MAX_TOP: usize = 200;
/// Most spike episodes one request may ask for.
const MAX_SPIKES: usize = 1000;
/// Most buckets one series request may cover.
const MAX_BUCKETS: i64 = 20_000;
/// Longest trending window (31 days).
const MAX_WINDOW_SECS: i64 = 31 * 86_400;
/// Widest series bucket (1 day).
const MAX_BUCKET_SECS: i64 = 86_400;
/// Database work running at once; further requests wait their turn.
const MAX_CONCURRENT_QUERIES: usize = 4;
/// A query still running after this long is answered with 503.
const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Arguments of `trendwatch serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The trendwatch database (opened read-only for every request; a daemon may be writing it).
    #[arg(long)]
    pub db: PathBuf,
    /// Address to listen on. Loopback by default; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Time zone the API reads plain times in and writes times in.
    #[arg(long, default_value = "+08:00", value_parser = parse_offset)]
    pub tz: FixedOffset,
}

struct AppState {
    db: PathBuf,
    tz: FixedOffset,
    permits: tokio::sync::Semaphore,
}

/// An API error: a status and a message, answered as `{"error": "..."}`.
#[derive(Debug)]
struct ApiError(StatusCode, String);

impl ApiError {
    fn bad(message: impl Into<String>) -> Self {
        ApiError(StatusCode::BAD_REQUEST, message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(json!({ "error": self.1 }))).into_response();
        no_store(&mut response);
        response
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad(rejection.body_text())
    }
}

type ApiResult = Result<Response, ApiError>;

fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

fn json_response(value: Value) -> Response {
    let mut response = Json(value).into_response();
    no_store(&mut response);
    response
}

fn check_query_size(raw: Option<&str>) -> Result<(), ApiError> {
    if raw.is_some_and(|q| q.len() > MAX_QUERY_BYTES) {
        return Err(ApiError::bad(format!(
            "query string longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    Ok(())
}

fn text_param(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.chars().count() > MAX_TEXT_CHARS => Err(ApiError::bad(format!(
            "{name}: longer than {MAX_TEXT_CHARS} characters"
        ))),
        Some(v) if v.chars().any(char::is_control) => Err(ApiError::bad(format!(
            "{name}: control characters are not allowed"
        ))),
        Some(v) if v.is_empty() => Ok(None),
        other => Ok(other),
    }
}

fn time_param(name: &str, value: Option<String>, tz: FixedOffset) -> Result<Option<i64>, ApiError> {
    let Some(text) = text_param(name, value)? else {
        return Ok(None);
    };
    let time = parse_time(&text, tz).map_err(|e| ApiError::bad(format!("{name}: {e:#}")))?;
    let ts = time.timestamp();
    // 1970 to 2100: anything else is a typo, and keeps bucket arithmetic far from overflow.
    if !(0..4_102_444_800).contains(&ts) {
        return Err(ApiError::bad(format!("{name}: {text:?} is out of range")));
    }
    Ok(Some(ts))
}

fn duration_param(
    name: &str,
    value: Option<String>,
    default: i64,
    max: i64,
) -> Result<i64, ApiError> {
    let Some(text) = text_param(name, value)? else {
        return Ok(default);
    };
    let secs = parse_duration_secs(&text).map_err(|e| ApiError::bad(format!("{name}: {e:#}")))?;
    if secs % 60 != 0 || secs > max {
        return Err(ApiError::bad(format!(
            "{name}: {text:?} must be whole minutes, at most {max}s"
        )));
    }
    Ok(secs)
}

/// Runs blocking database work on the blocking pool, bounded in concurrency and time.
async fn with_store<F>(state: Arc<AppState>, work: F) -> ApiResult
where
    F: FnOnce(&SqliteStore, FixedOffset) -> Result<Value, ApiError> + Send + 'static,
{
    let _permit = state
        .permits
        .acquire()
        .await
        .map_err(|_| ApiError(StatusCode::SERVICE_UNAVAILABLE, "shutting down".into()))?;
    let db = state.db.clone();
    let tz = state.tz;
    let task = tokio::task::spawn_blocking(move || {
        let store = SqliteStore::open_read_only(&db).map_err(|e| {
            tracing::warn!(message = "Cannot open the database.", error = %e);
            ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable".into(),
            )
        })?;
        work(&store, tz)
    });
    match tokio::time::timeout(QUERY_TIMEOUT, task).await {
        Ok(Ok(result)) => result.map(json_response),
        Ok(Err(join)) => {
            tracing::error!(message = "A query task failed.", error = %join);
            Err(ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".into(),
            ))
        }
        Err(_) => Err(ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "query timed out".into(),
        )),
    }
}

fn db_error(error: impl std::fmt::Display) -> ApiError {
    tracing::warn!(message = "A query failed.", error = %error);
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, "database error".into())
}

/// Parameters of `/api/top`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopParams {
    at: Option<String>,
    window: Option<String>,
    limit: Option<usize>,
}

async fn api_top(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    params: Result<Query<TopParams>, QueryRejection>,
) -> ApiResult {
    check_query_size(raw.as_deref())?;
    let Query(params) = params?;
    let tz = state.tz;
    let at = time_param("at", params.at, tz)?;
    let window = duration_param("window", params.window, 7200, MAX_WINDOW_SECS)?;
    let limit = params.limit.unwrap_or(20);
    if !(1..=MAX_TOP).contains(&limit) {
        return Err(ApiError::bad(format!("limit: must be 1 to {MAX_TOP}")));
    }
    with_store(state, move |store, tz| {
        let at = match at {
            Some(at) => Some(at),
            None => store.latest_time().map_err(db_error)?,
        };
        let Some(at) = at else {
            return Ok(json!({ "tz": tz.to_string(), "at": null, "at_unix": null,
                              "window_secs": window, "rows": [] }));
        };
        let rows: Vec<Value> = store
            .top(at, window, limit)
            .map_err(db_error)?
            .iter()
            .map(|row| super::query::top_json(row, tz))
            .collect();
        Ok(json!({
            "tz": tz.to_string(),
            "at": fmt_time(at, tz),
            "at_unix": at,
            "window_secs": window,
            "rows": rows,
        }))
    })
    .await
}

/// Parameters of `/api/spikes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpikeParams {
    topic: Option<String>,
    service: Option<String>,
    kind: Option<String>,
    since: Option<String>,
    until: Option<String>,
    min_participants: Option<u64>,
    limit: Option<usize>,
}

async fn api_spikes(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    params: Result<Query<SpikeParams>, QueryRejection>,
) -> ApiResult {
    check_query_size(raw.as_deref())?;
    let Query(params) = params?;
    let tz = state.tz;
    let kind = text_param("kind", params.kind)?;
    if kind
        .as_deref()
        .is_some_and(|k| k != "outage" && k != "trend")
    {
        return Err(ApiError::bad("kind: must be outage or trend"));
    }
    let limit = params.limit.unwrap_or(100);
    if !(1..=MAX_SPIKES).contains(&limit) {
        return Err(ApiError::bad(format!("limit: must be 1 to {MAX_SPIKES}")));
    }
    let filter = SpikeFilter {
        topic: text_param("topic", params.topic)?,
        service: text_param("service", params.service)?,
        kind,
        since: time_param("since", params.since, tz)?,
        until: time_param("until", params.until, tz)?,
        min_participants: params.min_participants,
        limit: Some(limit),
    };
    with_store(state, move |store, tz| {
        let rows: Vec<Value> = store
            .spikes(&filter)
            .map_err(db_error)?
            .iter()
            .map(|s| super::query::spike_json(s, tz))
            .collect();
        Ok(json!({ "tz": tz.to_string(), "rows": rows }))
    })
    .await
}

/// Parameters of `/api/series`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesParams {
    topic: Option<String>,
    bucket: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

async fn api_series(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    params: Result<Query<SeriesParams>, QueryRejection>,
) -> ApiResult {
    check_query_size(raw.as_deref())?;
    let Query(params) = params?;
    let tz = state.tz;
    let topic =
        text_param("topic", params.topic)?.ok_or_else(|| ApiError::bad("topic: required"))?;
    let bucket = duration_param("bucket", params.bucket, 300, MAX_BUCKET_SECS)?;
    let since = time_param("since", params.since, tz)?;
    let until = time_param("until", params.until, tz)?;
    with_store(state, move |store, tz| {
        let Some(row) = store.topic_by_name(&topic).map_err(db_error)? else {
            return Err(ApiError(StatusCode::NOT_FOUND, "no such topic".into()));
        };
        let offset = i64::from(tz.local_minus_utc());
        if let Some((start, end)) = store
            .series_span(row.id, bucket, offset, since, until)
            .map_err(db_error)?
        {
            let buckets = (end - start).div_euclid(bucket) + 1;
            if buckets > MAX_BUCKETS {
                return Err(ApiError::bad(format!(
                    "{buckets} buckets requested, at most {MAX_BUCKETS}: use a wider bucket or a shorter range"
                )));
            }
        }
        let data = super::query::topic_series(store, &row, bucket, since, until, tz)
            .map_err(db_error)?;
        let rows: Vec<Value> = data
            .rows
            .iter()
            .map(|r| super::query::series_json(r, tz))
            .collect();
        let spikes: Vec<Value> = data
            .spikes
            .iter()
            .map(|s| super::query::spike_json(s, tz))
            .collect();
        let alerts: Vec<Value> = data
            .alerts
            .iter()
            .map(|a| {
                json!({
                    "episode_id": a.episode_id,
                    "status": a.status,
                    "detected_at": fmt_time(a.detected_at, tz),
                    "detected_at_unix": a.detected_at,
                })
            })
            .collect();
        Ok(json!({
            "tz": tz.to_string(),
            "topic": row.name,
            "kind": row.kind,
            "service": row.service,
            "bucket_secs": bucket,
            "rows": rows,
            "spikes": spikes,
            "alerts": alerts,
        }))
    })
    .await
}

async fn page() -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    no_store(&mut response);
    response
}

async fn not_found() -> ApiError {
    ApiError(StatusCode::NOT_FOUND, "not found".into())
}

/// The application: routes and shared state (exposed for tests of the router).
fn app(db: PathBuf, tz: FixedOffset) -> Router {
    let state = Arc::new(AppState {
        db,
        tz,
        permits: tokio::sync::Semaphore::new(MAX_CONCURRENT_QUERIES),
    });
    Router::new()
        .route("/", get(page))
        .route("/api/top", get(api_top))
        .route("/api/spikes", get(api_spikes))
        .route("/api/series", get(api_series))
        .fallback(not_found)
        .with_state(state)
}

/// Runs `trendwatch serve` until Ctrl-C.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Fail early on a missing, foreign or old database rather than on the first request.
    drop(
        SqliteStore::open_read_only(&args.db)
            .with_context(|| format!("cannot open database {}", args.db.display()))?,
    );
    if !args.bind.ip().is_loopback() {
        tracing::warn!(
            message = "Serving on a non-loopback address: anyone who can reach it can read the database's topics and counts.",
            bind = %args.bind
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let addr = listener.local_addr().context("listening address")?;
        eprintln!(
            "trendwatch serve: listening on http://{addr}/ (database {}, read-only; Ctrl-C stops)",
            args.db.display()
        );
        axum::serve(listener, app(args.db.clone(), args.tz))
            .with_graceful_shutdown(async {
                // If the signal handler cannot be installed, serve until killed.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            })
            .await
            .context("serving HTTP")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_validated_and_bounded() {
        let tz = trendwatch_model::beijing();
        assert!(check_query_size(Some(&"a".repeat(MAX_QUERY_BYTES + 1))).is_err());
        assert!(check_query_size(Some("topic=x")).is_ok());
        assert!(text_param("topic", Some("x".repeat(MAX_TEXT_CHARS + 1))).is_err());
        assert!(text_param("topic", Some("a\u{0}b".into())).is_err());
        assert_eq!(text_param("topic", Some(String::new())).unwrap(), None);
        assert_eq!(
            time_param("at", Some("2015-09-13 15:00".into()), tz).unwrap(),
            Some(1_442_127_600)
        );
        assert!(time_param("at", Some("tomorrow".into()), tz).is_err());
        assert!(time_param("at", Some("9999-01-01 00:00".into()), tz).is_err());
        assert_eq!(
            duration_param("window", None, 7200, MAX_WINDOW_SECS).unwrap(),
            7200
        );
        assert_eq!(
            duration_param("bucket", Some("5m".into()), 300, 86_400).unwrap(),
            300
        );
        assert!(duration_param("bucket", Some("90s".into()), 300, 86_400).is_err());
        assert!(duration_param("bucket", Some("2d".into()), 300, 86_400).is_err());
        assert!(duration_param("window", Some("1000000d".into()), 7200, MAX_WINDOW_SECS).is_err());
    }
}
