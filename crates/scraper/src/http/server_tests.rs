//! The fetcher against a real HTTP server on 127.0.0.1 with scripted misbehaviour.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use super::*;

/// Requests seen: path, User-Agent, Cookie.
type Seen = Vec<(String, Option<String>, Option<String>)>;

#[derive(Clone, Default)]
struct Script {
    hits: Arc<Mutex<HashMap<String, u32>>>,
    seen: Arc<Mutex<Seen>>,
}

impl Script {
    fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Body>) -> Response {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

async fn handle(State(s): State<Script>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_owned();
    let n = {
        let mut hits = s.hits.lock().unwrap();
        let n = hits.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    s.seen.lock().unwrap().push((
        path.clone(),
        headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers
            .get("cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    ));
    let date = [("date", "Fri, 27 Nov 2026 08:00:00 GMT")];
    match path.as_str() {
        "/robots.txt" => reply(
            200,
            &[],
            "User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n",
        ),
        "/ok" => reply(200, &date, r#"{"ok":1,"data":{"cards":[]}}"#),
        "/private/page" => reply(200, &[], "secret stuff"),
        "/limited" if n == 1 => reply(429, &[("retry-after", "1")], "slow down"),
        "/limited" => reply(200, &[], "fine"),
        "/flaky" if n <= 3 => reply(503, &[], "busy"),
        "/flaky" => reply(200, &[], "recovered"),
        "/down" => reply(503, &[], "busy"),
        "/throttled" => reply(432, &[], ""),
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(600)).await;
            reply(200, &[], "too late")
        }
        "/gbk" => {
            let (bytes, _, _) =
                encoding_rs::GBK.encode("<html><title>微博搜索</title>微信崩了</html>");
            reply(
                200,
                &[("content-type", "text/html; charset=GBK")],
                bytes.into_owned(),
            )
        }
        "/login" => reply(
            200,
            &[("content-type", "text/html; charset=utf-8")],
            "<html><head><title>新浪通行证 - 登录</title></head><body>请登录</body></html>",
        ),
        "/api-login" => reply(
            200,
            &[],
            r#"{"ok":-100,"url":"https://passport.weibo.com/sso/signin?r=1"}"#,
        ),
        "/to-visitor" => reply(
            302,
            &[(
                "location",
                "https://passport.weibo.com/visitor/visitor?entry=miniblog",
            )],
            "",
        ),
        "/to-elsewhere" => reply(302, &[("location", "http://example.invalid/x")], ""),
        "/to-ok" => reply(301, &[("location", "/ok")], ""),
        "/big" => reply(200, &[], vec![b'x'; 4096]),
        "/bomb" => reply(
            200,
            &[("content-encoding", "gzip")],
            gzip(&vec![b'a'; 8 * 1024 * 1024]),
        ),
        "/gz" => reply(200, &[("content-encoding", "gzip")], gzip(b"hello gzip")),
        _ => reply(404, &[], "no"),
    }
}

async fn server() -> (String, Script) {
    let script = Script::default();
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), script)
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        min_interval: Duration::from_millis(1),
        timeout: Duration::from_millis(300),
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        retries: 3,
        max_body_bytes: 1024 * 1024,
        ..FetchConfig::default()
    })
    .unwrap()
}

fn opts() -> RequestOptions {
    RequestOptions::default()
}

#[tokio::test]
async fn retries_honour_retry_after_and_recover_from_a_burst_of_503s() {
    let (base, script) = server().await;
    let f = fetcher();
    let started = Instant::now();
    let page = f.get(&format!("{base}/limited"), &opts()).await.unwrap();
    assert_eq!(page.text, "fine");
    assert_eq!(page.attempts, 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured ({:?})",
        started.elapsed()
    );
    let page = f.get(&format!("{base}/flaky"), &opts()).await.unwrap();
    assert_eq!((page.text.as_str(), page.attempts), ("recovered", 4));
    assert_eq!(script.hits("/flaky"), 4);
    let err = f.get(&format!("{base}/down"), &opts()).await.unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Status {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{err}"
    );
    let stats = f.stats();
    assert_eq!(stats.retries, 1 + 3 + 3);
    assert_eq!(
        stats.robots_requests, 1,
        "robots.txt fetched once per origin"
    );
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let (base, script) = server().await;
    let err = fetcher()
        .get(&format!("{base}/slow"), &opts())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Timeout { attempts: 4, .. }),
        "{err}"
    );
    assert_eq!(script.hits("/slow"), 4);
}

#[tokio::test]
async fn blocks_are_recognised_and_not_retried() {
    let (base, script) = server().await;
    let f = fetcher();
    let options = RequestOptions {
        cookie: Some(Secret::new("SUB=topsecret")),
        ..opts()
    };
    for path in ["/login", "/api-login", "/to-visitor"] {
        let err = f.get(&format!("{base}{path}"), &options).await.unwrap_err();
        assert!(err.is_blocked(), "{path}: {err}");
        let text = err.to_string();
        assert!(text.contains("what to do"), "{text}");
        assert!(!text.contains("topsecret"), "{text}");
        assert_eq!(script.hits(path), 1, "{path} was not retried");
    }
    let err = f
        .get(&format!("{base}/throttled"), &opts())
        .await
        .unwrap_err();
    assert!(
        err.is_blocked(),
        "432 on every attempt becomes a block: {err}"
    );
    assert_eq!(script.hits("/throttled"), 4);
}

#[tokio::test]
async fn robots_txt_is_honoured_unless_switched_off() {
    let (base, script) = server().await;
    let f = fetcher();
    let err = f
        .get(&format!("{base}/private/page"), &opts())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::RobotsDisallowed { .. }), "{err}");
    assert_eq!(script.hits("/private/page"), 0, "never requested");
    let off = RequestOptions {
        respect_robots: false,
        ..opts()
    };
    let page = f.get(&format!("{base}/private/page"), &off).await.unwrap();
    assert_eq!(page.text, "secret stuff");
    assert_eq!(f.stats().robots_denied, 1);
}

#[tokio::test]
async fn bodies_are_capped_decoded_and_redirects_restricted() {
    let (base, _script) = server().await;
    let f = Fetcher::new(FetchConfig {
        min_interval: Duration::from_millis(1),
        max_body_bytes: 1024,
        ..FetchConfig::default()
    })
    .unwrap();
    let err = f.get(&format!("{base}/big"), &opts()).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 1024, .. }),
        "{err}"
    );
    let err = f.get(&format!("{base}/bomb"), &opts()).await.unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
    assert_eq!(
        f.get(&format!("{base}/gz"), &opts()).await.unwrap().text,
        "hello gzip"
    );
    let page = f.get(&format!("{base}/gbk"), &opts()).await.unwrap();
    assert!(page.text.contains("微信崩了"), "{}", page.text);
    assert_eq!(page.encoding, "GBK");
    let err = f
        .get(&format!("{base}/to-elsewhere"), &opts())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::RedirectRefused { .. }), "{err}");
    let page = f.get(&format!("{base}/to-ok"), &opts()).await.unwrap();
    assert!(page.url.as_str().ends_with("/ok"));
    assert_eq!(
        page.date.map(|d| d.timestamp()),
        Some(1_795_766_400),
        "the Date header is the capture time"
    );
}

#[tokio::test]
async fn requests_are_spaced_and_identify_themselves() {
    let (base, script) = server().await;
    let f = Fetcher::new(FetchConfig {
        min_interval: Duration::from_millis(150),
        ..FetchConfig::default()
    })
    .unwrap();
    let options = RequestOptions {
        cookie: Some(Secret::new("SUB=abc")),
        ..opts()
    };
    let started = Instant::now();
    for _ in 0..3 {
        f.get(&format!("{base}/ok"), &options).await.unwrap();
    }
    // robots.txt + 3 pages = 4 requests, 3 gaps of 150 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(440),
        "{:?}",
        started.elapsed()
    );
    let seen = script.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    for (path, ua, cookie) in &seen {
        assert!(
            ua.as_deref().unwrap_or("").starts_with("trendwatch/"),
            "{ua:?}"
        );
        if path == "/ok" {
            assert_eq!(cookie.as_deref(), Some("SUB=abc"));
        } else {
            assert_eq!(cookie.as_deref(), None, "no cookie for robots.txt");
        }
    }
}
