//! The daemon against scripted HTTP servers on 127.0.0.1: paging with a pinned post, a 429 with
//! Retry-After, a burst of 503s, a slow page past the timeout, a GBK page, a login wall, a
//! malformed page, robots.txt, a webhook receiver that is down for the first run, a restart,
//! and SIGTERM on the real binary.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use trendwatch_model::Alert;
use trendwatch_pipeline::daemon::config::DaemonConfig;
use trendwatch_pipeline::daemon::{CancellationToken, DaemonOptions, DaemonReport};
use trendwatch_pipeline::{AlertSink, PipelineError};

use crate::util::{fixture, trendwatch, wechat_stream};

const COOKIE: &str = "SUB=s3cr3t-cookie-value-42";

/// The scripted site.
#[derive(Clone, Default)]
struct Site {
    /// Ids of the (unpinned) posts the container lists, newest first.
    posts: Arc<Mutex<Vec<u64>>>,
    hits: Arc<Mutex<HashMap<String, u32>>>,
    /// Requests for container pages after the first (`since_id`), per run.
    since_id_requests: Arc<AtomicU32>,
    /// The search page lists its (13:00, outage-time) posts only once the drop-box file is in:
    /// data time is shared, so posts from 13:00 arriving first would make the file's morning
    /// posts late.
    search_ready: Arc<AtomicBool>,
}

impl Site {
    fn hit(&self, key: &str) -> u32 {
        let mut hits = self.hits.lock().unwrap();
        let n = hits.entry(key.to_owned()).or_insert(0);
        *n += 1;
        *n
    }
    fn hits(&self, key: &str) -> u32 {
        self.hits.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Body>) -> Response {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).unwrap()
}

fn mblog(id: u64, pinned: bool) -> Value {
    // Posts a minute apart from 2015-09-12 00:00 +08:00 onwards, by id: before the drop-box
    // file's day, so they never push data time past it.
    let t = chrono::DateTime::from_timestamp(1_441_987_200 + (id as i64 % 1000) * 60, 0)
        .unwrap()
        .with_timezone(&trendwatch_model::beijing());
    json!({"card_type": 9, "mblog": {
        "created_at": t.format("%a %b %d %H:%M:%S %z %Y").to_string(),
        "id": id.to_string(), "mid": id.to_string(),
        "text": format!("第{id}条 今天天气不错"),
        "user": {"id": 5000 + id, "screen_name": format!("user{id}")},
        "reposts_count": 0, "comments_count": 0, "attitudes_count": 1,
        "mblogtype": if pinned { 2 } else { 0 },
    }})
}

fn api_page(site: &Site, query: &str) -> String {
    let page: usize = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("since_id=p"))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    if page > 0 {
        site.since_id_requests.fetch_add(1, Ordering::SeqCst);
    }
    let posts = site.posts.lock().unwrap().clone();
    let mut cards: Vec<Value> = Vec::new();
    if page == 0 {
        cards.push(mblog(100, true));
    }
    cards.extend(
        posts
            .iter()
            .skip(page * 10)
            .take(10)
            .map(|&id| mblog(id, false)),
    );
    let mut info = json!({"containerid": "107603", "total": posts.len()});
    if (page + 1) * 10 < posts.len() {
        info["since_id"] = json!(format!("p{}", page + 1));
    }
    json!({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}}).to_string()
}

async fn site_handler(State(site): State<Site>, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let key = if path == "/api/container/getIndex" {
        format!(
            "{path}?{}",
            if query.contains("broken") {
                "broken"
            } else {
                "ok"
            }
        )
    } else {
        path.clone()
    };
    let n = site.hit(&key);
    match key.as_str() {
        "/robots.txt" => reply(200, &[], "User-agent: *\nDisallow: /private\n"),
        "/api/container/getIndex?ok" if n == 1 => {
            reply(429, &[("retry-after", "1")], "too many requests")
        }
        "/api/container/getIndex?ok" => reply(
            200,
            &[("content-type", "application/json; charset=utf-8")],
            api_page(&site, &query),
        ),
        "/api/container/getIndex?broken" => reply(200, &[], r#"{"ok":1,"data":{"cards":[{"#),
        "/weibo" if !site.search_ready.load(Ordering::SeqCst) => reply(
            200,
            &[("content-type", "text/html; charset=utf-8")],
            "<html><head><title>微博搜索</title></head><body><div class=\"card-wrap\">\
             <div class=\"card card-no-result\">抱歉，未找到结果</div></div></body></html>",
        ),
        "/weibo" => reply(
            200,
            &[("content-type", "text/html; charset=GBK")],
            std::fs::read(fixture("samples/search-gbk.html")).unwrap(),
        ),
        "/hot" if n <= 3 => reply(503, &[], "busy"),
        "/hot" => reply(
            200,
            &[],
            std::fs::read(fixture("samples/hot-search.json")).unwrap(),
        ),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            reply(200, &[], "{}")
        }
        "/login" => reply(
            200,
            &[("content-type", "text/html; charset=utf-8")],
            "<html><head><title>新浪通行证 - 登录</title></head><body>请先登录</body></html>",
        ),
        "/private/hot" => reply(200, &[], "{}"),
        _ => reply(404, &[], "not here"),
    }
}

/// The webhook receiver: answers 503 while `down`, records deliveries while up.
#[derive(Clone, Default)]
struct Receiver {
    down: Arc<AtomicBool>,
    refused: Arc<AtomicU32>,
    received: Arc<Mutex<Vec<(String, Alert)>>>,
}

async fn receiver_handler(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    if r.down.load(Ordering::SeqCst) {
        r.refused.fetch_add(1, Ordering::SeqCst);
        return reply(503, &[], "down for maintenance");
    }
    let key = percent_decode(
        headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let alert: Alert = serde_json::from_slice(&body).expect("the alert contract");
    r.received.lock().unwrap().push((key, alert));
    reply(200, &[], "")
}

/// Undoes the key's percent-encoding (UTF-8 topic names travel as `%E5%BE%AE…`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 key")
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Collects alerts in memory (the stdout sink's stand-in).
struct Collect(Arc<Mutex<Vec<Alert>>>);

impl AlertSink for Collect {
    fn name(&self) -> &str {
        "collect"
    }
    fn send(&mut self, alert: &Alert) -> Result<(), PipelineError> {
        self.0.lock().unwrap().push(alert.clone());
        Ok(())
    }
}

fn config_text(db: &Path, inbox: &Path, site: &str, hook: &str) -> String {
    format!(
        r#"
database = "{db}"
shutdown_timeout = "4s"
[http]
min_interval = "20ms"
timeout = "400ms"
retries = 3
backoff_min = "20ms"
backoff_max = "100ms"
[sinks]
stdout = false
[[sinks.webhook]]
name = "hook"
url = "{hook}/alerts"
retry_min = "50ms"
retry_max = "200ms"
[[source]]
name = "api"
kind = "weibo_api"
base_url = "{site}"
containerid = "107603"
interval = "150ms"
max_pages = 5
cookie = "{COOKIE}"
[[source]]
name = "broken"
kind = "weibo_api"
base_url = "{site}"
containerid = "broken"
interval = "100ms"
failure_backoff_max = "400ms"
[[source]]
name = "search"
kind = "weibo_search"
base_url = "{site}"
keyword = "微信崩了"
interval = "200ms"
max_pages = 1
[[source]]
name = "hot"
kind = "hot_search"
url = "{site}/hot"
interval = "10s"
[[source]]
name = "slow"
kind = "hot_search"
url = "{site}/slow"
interval = "10s"
[[source]]
name = "walled"
kind = "hot_search"
url = "{site}/login"
cookie = "{COOKIE}"
blocked_backoff = "1h"
[[source]]
name = "private"
kind = "hot_search"
url = "{site}/private/hot"
interval = "10s"
[[source]]
name = "inbox"
kind = "jsonl_dir"
path = "{inbox}"
interval = "100ms"
"#,
        db = db.display(),
        inbox = inbox.display(),
    )
}

fn options(collected: &Arc<Mutex<Vec<Alert>>>) -> DaemonOptions {
    DaemonOptions {
        classifier: trendwatch_classifier::Classifier::builtin(),
        tracker: trendwatch_detect::TrackerConfig::default(),
        sinks: vec![Box::new(Collect(Arc::clone(collected)))],
        clock: Arc::new(|| 1_795_766_400),
    }
}

struct Db(rusqlite::Connection);

impl Db {
    fn open(path: &Path) -> Db {
        let conn =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        Db(conn)
    }
    fn count(&self, sql: &str) -> i64 {
        self.0.query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
    }
    fn source(&self, name: &str) -> (String, Option<String>, Option<String>, i64) {
        self.0
            .query_row(
                "SELECT status, cursor, last_error, posts_seen FROM sources WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap_or_else(|e| panic!("source {name}: {e}"))
    }
}

/// Polls `done` every 50 ms until it holds, failing after `limit` with the sources table.
async fn wait_until(what: &str, limit: Duration, db: &Path, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > limit {
            let state = rusqlite::Connection::open(db)
                .and_then(|c| {
                    let mut stmt = c.prepare(
                        "SELECT name, status, cursor, last_error, posts_seen FROM sources",
                    )?;
                    let rows = stmt.query_map([], |r| {
                        Ok(format!(
                            "{:?}",
                            (
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, Option<String>>(2)?,
                                r.get::<_, Option<String>>(3)?,
                                r.get::<_, i64>(4)?,
                            )
                        ))
                    })?;
                    rows.collect::<Result<Vec<_>, _>>()
                })
                .map(|rows| rows.join("\n"))
                .unwrap_or_else(|e| e.to_string());
            panic!("timed out waiting for {what}; sources:\n{state}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stop(
    cancel: CancellationToken,
    handle: tokio::task::JoinHandle<Result<DaemonReport, trendwatch_pipeline::daemon::DaemonError>>,
) -> DaemonReport {
    let start = Instant::now();
    cancel.cancel();
    let report = handle.await.unwrap().expect("the daemon stops cleanly");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "shutdown took {:?}",
        start.elapsed()
    );
    report
}

fn stored_alert_keys(db: &Db) -> BTreeSet<String> {
    let mut stmt = db.0.prepare("SELECT payload FROM alerts").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|p| {
            let a: Alert = serde_json::from_str(&p.unwrap()).unwrap();
            format!("{}@{}", a.episode_id, a.detected_at.timestamp())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_polls_politely_survives_failures_and_delivers_every_alert_once() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let stream = wechat_stream(dir.path(), crate::util::SCALE);
    std::fs::rename(&stream, inbox.join("wechat.jsonl")).unwrap();
    std::fs::write(inbox.join(".partial.jsonl"), "not read: hidden").unwrap();

    let site = Site::default();
    *site.posts.lock().unwrap() = (1001..=1025).rev().collect();
    let site_url = serve(
        axum::Router::new()
            .fallback(site_handler)
            .with_state(site.clone()),
    )
    .await;
    let receiver = Receiver::default();
    receiver.down.store(true, Ordering::SeqCst);
    let hook_url = serve(
        axum::Router::new()
            .fallback(receiver_handler)
            .with_state(receiver.clone()),
    )
    .await;
    let db_path = dir.path().join("tw.db");
    let text = config_text(&db_path, &inbox, &site_url, &hook_url);
    let config = DaemonConfig::from_toml_str(&text, "test.toml").unwrap();

    // Run 1: the receiver is down throughout.
    let collected = Arc::new(Mutex::new(Vec::new()));
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(trendwatch_pipeline::daemon::run(
        config.clone(),
        options(&collected),
        cancel.clone(),
    ));
    wait_until(
        "run 1 to read everything",
        Duration::from_secs(25),
        &db_path,
        || {
            if !db_path.exists() {
                return false;
            }
            let db = Db::open(&db_path);
            let inbox_done = db.count(
            "SELECT count(*) FROM sources WHERE name = 'inbox' AND cursor LIKE '%wechat.jsonl%'",
        ) == 1;
            if inbox_done {
                site.search_ready.store(true, Ordering::SeqCst);
            }
            inbox_done
                && db.count("SELECT count(*) FROM posts WHERE id = '3887395960924451'") == 1
                && db.count(
                    "SELECT count(*) FROM sources WHERE name = 'api' AND cursor LIKE '%1025%'",
                ) == 1
                && db.count("SELECT count(*) FROM sources WHERE status = 'blocked'") >= 1
                && db.count("SELECT count(*) FROM hot_search") > 0
                && db.count(
                    "SELECT count(*) FROM sources WHERE name = 'slow' AND last_error IS NOT NULL",
                ) == 1
                && receiver.refused.load(Ordering::SeqCst) > 0
        },
    )
    .await;
    let report1 = stop(cancel, handle).await;
    let db = Db::open(&db_path);

    // Paging: the pinned post and all 25 listed posts, over 3 pages, after one 429.
    for id in ["100", "1001", "1013", "1025"] {
        assert_eq!(
            db.count(&format!("SELECT count(*) FROM posts WHERE id = '{id}'")),
            1,
            "post {id}"
        );
    }
    let (status, cursor, _, _) = db.source("api");
    assert_eq!(status, "ok");
    assert_eq!(
        cursor.as_deref(),
        Some(r#"{"newest":"1025","pinned":["100"]}"#),
        "the pinned post 100 is remembered, not taken as the newest"
    );
    assert_eq!(
        site.since_id_requests.load(Ordering::SeqCst),
        2,
        "pages 2 and 3, once"
    );
    // The malformed page, the slow page, the login wall and robots.txt.
    let (status, _, error, _) = db.source("broken");
    assert_eq!(status, "backing_off");
    assert!(error.unwrap().contains("not an API response"));
    let (status, _, error, _) = db.source("slow");
    assert_eq!(status, "backing_off");
    assert!(error.unwrap().contains("timed out after 4 attempt"));
    let (status, _, error, _) = db.source("walled");
    assert_eq!(status, "blocked");
    let error = error.unwrap();
    assert!(
        error.contains("login wall") && error.contains("refresh the cookie"),
        "{error}"
    );
    assert_eq!(site.hits("/login"), 1, "a block is not retried");
    let (_, _, error, _) = db.source("private");
    assert!(error.unwrap().contains("robots.txt"));
    assert_eq!(site.hits("/private/hot"), 0, "never requested");
    // The GBK search page decoded and stored; the 503 burst retried into a stored list.
    let (status, _, _, seen) = db.source("search");
    assert_eq!(status, "ok");
    assert!(seen > 0, "search posts stored");
    assert_eq!(
        db.count("SELECT count(*) FROM posts WHERE id = '3887395960924451' AND text LIKE '%微信又上不去了%'"),
        1,
        "the GBK page decoded"
    );
    assert_eq!(db.source("hot").0, "ok");
    assert!(site.hits("/hot") >= 4);
    // No secret anywhere in the database.
    let dump: String =
        db.0.query_row(
            "SELECT group_concat(coalesce(last_error,'') || coalesce(cursor,''), '|') FROM sources",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains("s3cr3t"), "{dump}");

    // Alerts: committed, sent to the direct sink, queued for the webhook.
    let alerts = stored_alert_keys(&db);
    assert!(!alerts.is_empty(), "the WeChat outage raised alerts");
    assert_eq!(collected.lock().unwrap().len(), alerts.len());
    assert_eq!(report1.alerts as usize, alerts.len());
    assert!(receiver.received.lock().unwrap().is_empty());
    let pending = db.count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL");
    assert_eq!(
        pending as usize,
        alerts.len(),
        "all alerts wait in the outbox"
    );
    let posts_after_run1 = db.count("SELECT count(*) FROM posts");
    drop(db);

    // Run 2: the receiver is back and 15 newer posts are listed (two pages).
    receiver.down.store(false, Ordering::SeqCst);
    site.since_id_requests.store(0, Ordering::SeqCst);
    *site.posts.lock().unwrap() = (1001..=1040).rev().collect();
    let collected2 = Arc::new(Mutex::new(Vec::new()));
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(trendwatch_pipeline::daemon::run(
        config,
        options(&collected2),
        cancel.clone(),
    ));
    wait_until(
        "run 2 to deliver and poll",
        Duration::from_secs(20),
        &db_path,
        || {
            let db = Db::open(&db_path);
            db.count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == 0
                && db.count(
                    "SELECT count(*) FROM sources WHERE name = 'api' AND cursor LIKE '%1040%'",
                ) == 1
        },
    )
    .await;
    let report2 = stop(cancel, handle).await;
    let db = Db::open(&db_path);
    assert_eq!(
        db.count("SELECT count(*) FROM posts"),
        posts_after_run1 + 15,
        "the new posts and nothing twice"
    );
    assert_eq!(
        site.since_id_requests.load(Ordering::SeqCst),
        1,
        "one page past the pinned post, then the known posts stop the poll"
    );
    assert!(
        collected2.lock().unwrap().is_empty(),
        "no alert repeated after restart"
    );
    assert_eq!(report2.alerts, 0);
    let received = receiver.received.lock().unwrap().clone();
    let keys: Vec<String> = received.iter().map(|(k, _)| k.clone()).collect();
    let unique: BTreeSet<String> = keys.iter().cloned().collect();
    assert_eq!(
        keys.len(),
        unique.len(),
        "no alert delivered twice: {keys:?}"
    );
    assert_eq!(unique, alerts, "every stored alert delivered once");
    for (key, alert) in &received {
        assert_eq!(
            key,
            &format!("{}@{}", alert.episode_id, alert.detected_at.timestamp())
        );
    }
    eprintln!(
        "daemon run 1: {}\ndaemon run 2: {}\nwebhook refused while down: {}, delivered: {}",
        serde_json::to_string(&report1).unwrap(),
        serde_json::to_string(&report2).unwrap(),
        receiver.refused.load(Ordering::SeqCst),
        received.len()
    );
}

fn wait_child(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < limit,
            "the daemon did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn daemon_binary_stops_on_sigterm_and_status_reports_sources() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::copy(fixture("samples/mblog-lines.jsonl"), inbox.join("a.jsonl")).unwrap();
    let config = dir.path().join("trendwatch.toml");
    std::fs::write(
        &config,
        r#"
database = "tw.db"
[http]
retries = 0
[sinks]
stdout = true
file = "alerts.jsonl"
[[source]]
name = "inbox"
kind = "jsonl_dir"
path = "inbox"
interval = "100ms"
[[source]]
name = "walled"
kind = "hot_search"
url = "http://127.0.0.1:9/hot"
respect_robots = false
interval = "1h"
"#,
    )
    .unwrap();
    let mut child = trendwatch()
        .args(["daemon", "--config", config.to_str().unwrap()])
        .env("TRENDWATCH_COOKIE", COOKIE)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let db_path = dir.path().join("tw.db");
    let start = Instant::now();
    loop {
        let done = db_path.exists()
            && rusqlite::Connection::open(&db_path)
                .and_then(|c| {
                    c.query_row(
                        "SELECT (SELECT count(*) FROM sources WHERE cursor LIKE '%a.jsonl%')
                              + (SELECT count(*) FROM sources WHERE last_error IS NOT NULL)",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .unwrap_or(0)
                == 2;
        if done {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the inbox was not read"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_child(&mut child, Duration::from_secs(5));
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "exit {status}: {stderr}");
    assert!(stderr.contains("Daemon stopped"), "{stderr}");
    assert!(!stderr.contains("s3cr3t"), "secrets never logged: {stderr}");
    assert!(stderr.contains("ROBOTS.TXT IS IGNORED"), "{stderr}");

    let out = trendwatch()
        .args([
            "status",
            "--db",
            db_path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_name: HashMap<&str, &Value> = rows
        .iter()
        .map(|r| (r["source"].as_str().unwrap(), r))
        .collect();
    let inbox_row = by_name["inbox"];
    assert_eq!(inbox_row["status"], "ok");
    assert!(inbox_row["posts_seen"].as_u64().unwrap() > 0);
    assert!(inbox_row["cursor"].as_str().unwrap().contains("a.jsonl"));
    let walled = by_name["walled"];
    assert_eq!(walled["status"], "backing_off", "{walled}");
    assert!(
        walled["last_error"]
            .as_str()
            .unwrap()
            .contains("connection failed")
    );
    let table = trendwatch()
        .args(["status", "--db", db_path.to_str().unwrap()])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("inbox") && table.contains("posts_seen"),
        "{table}"
    );
}

#[test]
fn the_example_config_documents_valid_keys() {
    let text =
        std::fs::read_to_string(crate::util::root().join("trendwatch.example.toml")).unwrap();
    let config = DaemonConfig::from_toml_str(&text, "trendwatch.example.toml").unwrap();
    assert_eq!(config.sources.len(), 4);
    let defaults = DaemonConfig::from_toml_str("database = \"x.db\"", "defaults").unwrap();
    // The documented [http] values are the defaults.
    assert_eq!(
        format!("{:?}", config.http),
        format!("{:?}", defaults.http),
        "trendwatch.example.toml [http] drifted from the defaults"
    );
    assert_eq!(config.channel_capacity, defaults.channel_capacity);
    assert_eq!(config.shutdown_timeout, defaults.shutdown_timeout);
    assert!(
        config
            .sources
            .iter()
            .all(|s| s.respect_robots && s.cookie.is_none())
    );
}
