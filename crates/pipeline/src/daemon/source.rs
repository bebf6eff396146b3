//! Source pollers: one poll of one source, turned into posts, hot-search entries and a cursor.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use trendwatch_model::{HotSearchEntry, Post};
use trendwatch_scraper::http::{Accept, FetchError, Fetcher, Page, RequestOptions, Url};
use trendwatch_scraper::{PageError, ReadOptions, SourceItem, open_path};

use super::config::{SourceConfig, SourceKind};

/// What a source remembers between polls (stored as JSON in `sources.cursor`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The newest (largest) non-pinned post id seen: paging stops when it reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
    /// Ids of the pinned posts last seen (sent once, not every poll).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub pinned: BTreeSet<String>,
    /// Files of a `jsonl_dir` already read (only names still in the folder are kept).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub done: BTreeSet<String>,
    /// Capture time of the last hot-search list stored (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<i64>,
}

impl Cursor {
    /// Reads a stored cursor; an unreadable one starts afresh (posts are deduplicated anyway).
    pub fn parse(text: Option<&str>) -> Cursor {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// The JSON stored in the database.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Why a poll failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PollError {
    /// The fetch failed (after the fetcher's own retries).
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The page was recognised as a block by its parser (login wall, visitor system…).
    #[error(
        "{url}: blocked: {what}; what to do: refresh the cookie (config `cookie` or `cookie_env`) and slow down"
    )]
    PageBlocked {
        /// The page.
        url: String,
        /// What was seen.
        what: String,
    },
    /// The page was not the expected document.
    #[error("{url}: {message}")]
    Malformed {
        /// The page.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// A file or folder could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What happened.
        message: String,
    },
}

impl PollError {
    /// Whether the source is blocked (needs a person), rather than failing for a while.
    pub fn is_blocked(&self) -> bool {
        match self {
            PollError::Fetch(e) => e.is_blocked(),
            PollError::PageBlocked { .. } => true,
            _ => false,
        }
    }
}

/// What one poll of a web source gathered.
#[derive(Debug, Default)]
pub struct PollOutcome {
    /// New posts in page order (older ones already stored are left out).
    pub posts: Vec<Post>,
    /// Hot-search entries.
    pub hot_search: Vec<HotSearchEntry>,
    /// The cursor to store with them.
    pub cursor: Cursor,
    /// Capture time of the newest page (data time).
    pub captured_at: Option<DateTime<FixedOffset>>,
    /// Pages fetched.
    pub pages: usize,
    /// Records on the pages that could not be read.
    pub bad_records: u64,
    /// A failure after some pages were read: their posts are kept, the cursor is not moved.
    pub error: Option<PollError>,
}

/// Orders numeric post ids (longer is newer), falling back to text order.
pub fn id_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn request_options(source: &SourceConfig, accept: Accept) -> RequestOptions {
    RequestOptions {
        respect_robots: source.respect_robots,
        cookie: source.cookie.clone(),
        accept,
    }
}

fn page_error(url: &Url, error: PageError) -> PollError {
    match error {
        PageError::Blocked { what } => PollError::PageBlocked {
            url: url.to_string(),
            what,
        },
        other => PollError::Malformed {
            url: url.to_string(),
            message: other.to_string(),
        },
    }
}

/// Builds a URL from a base and a path with query pairs (percent-encoded).
fn build_url(base: &str, path: &str, query: &[(&str, &str)]) -> Result<Url, PollError> {
    let invalid = |reason: String| {
        PollError::Fetch(FetchError::InvalidUrl {
            url: base.to_owned(),
            reason,
        })
    };
    let mut url = Url::parse(base)
        .map_err(|e| invalid(e.to_string()))?
        .join(path)
        .map_err(|e| invalid(e.to_string()))?;
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    Ok(url)
}

/// Keeps the page's new posts; returns whether the known newest post was reached and how many
/// of the page's own (not pinned, not embedded) posts there were.
///
/// Pinned posts come first and out of order, and a repost carries its (older) original right
/// before it: neither may stop paging or move the cursor. Pinned ids are remembered in the
/// cursor so the same pinned post is not sent again every poll.
fn take_new(
    posts: Vec<Post>,
    is_pinned: impl Fn(&str) -> bool,
    known: &Cursor,
    next: &mut Cursor,
    out: &mut Vec<Post>,
) -> (bool, usize) {
    let embedded: std::collections::HashSet<String> =
        posts.iter().filter_map(|p| p.repost_of.clone()).collect();
    let mut reached = false;
    let mut own = 0;
    for post in posts {
        if is_pinned(&post.id) {
            next.pinned.insert(post.id.clone());
            if !known.pinned.contains(&post.id) {
                out.push(post);
            }
            continue;
        }
        if embedded.contains(&post.id) {
            // An original shown with its repost: stored (duplicates are ignored), not compared.
            out.push(post);
            continue;
        }
        own += 1;
        if let Some(k) = known.newest.as_deref()
            && id_cmp(&post.id, k) != std::cmp::Ordering::Greater
        {
            reached = true;
            continue;
        }
        if next
            .newest
            .as_deref()
            .is_none_or(|n| id_cmp(&post.id, n) == std::cmp::Ordering::Greater)
        {
            next.newest = Some(post.id.clone());
        }
        out.push(post);
    }
    (reached, own)
}

/// Polls an m.weibo.cn container (`weibo_api`), newest page first, until the known newest
/// post, the end of the list, or `max_pages`.
pub async fn poll_weibo_api(
    fetcher: &Fetcher,
    source: &SourceConfig,
    cursor: &Cursor,
) -> Result<PollOutcome, PollError> {
    let base = source.base_url.as_deref().unwrap_or("https://m.weibo.cn");
    let containerid = match (&source.containerid, &source.keyword) {
        (Some(c), _) => c.clone(),
        (None, Some(k)) => format!("100103type=1&q={k}"),
        (None, None) => String::new(),
    };
    let options = request_options(source, Accept::Json);
    let mut out = PollOutcome::default();
    let mut next = Cursor {
        pinned: BTreeSet::new(),
        ..cursor.clone()
    };
    let mut page_no: u64 = 1;
    let mut since_id: Option<String> = None;
    loop {
        let page_text = page_no.to_string();
        let mut query: Vec<(&str, &str)> = vec![("containerid", containerid.as_str())];
        if source.keyword.is_some() && source.containerid.is_none() {
            query.push(("page_type", "searchall"));
        }
        match &since_id {
            Some(s) => query.push(("since_id", s.as_str())),
            None if page_no > 1 => query.push(("page", page_text.as_str())),
            None => {}
        }
        let url = build_url(base, "/api/container/getIndex", &query)?;
        let page = match fetch(fetcher, &url, &options, &mut out).await {
            Ok(p) => p,
            Err(e) if past_the_end(&e, out.pages) => break,
            Err(e) => return stop_early(out, e),
        };
        let parsed =
            match trendwatch_scraper::parse_api_page(&page.text, page.url.as_str(), page.date) {
                Ok(p) => p,
                Err(e) => return stop_early(out, page_error(&page.url, e)),
            };
        out.bad_records += log_bad(parsed.errors(), &source.name);
        if !parsed.ok {
            break;
        }
        let posts: Vec<Post> = parsed.posts().cloned().collect();
        let (reached, unpinned) = take_new(
            posts,
            |id| parsed.is_pinned(id),
            cursor,
            &mut next,
            &mut out.posts,
        );
        if reached || unpinned == 0 {
            break;
        }
        if out.pages >= source.max_pages {
            tracing::info!(
                message = "Page cap reached before known posts; older new posts are skipped.",
                source = %source.name,
                max_pages = source.max_pages,
            );
            break;
        }
        match parsed
            .since_id
            .clone()
            .filter(|s| !s.is_empty() && s != "0")
        {
            // The same `since_id` again would fetch the same page again.
            Some(s) if since_id.as_deref() == Some(s.as_str()) => break,
            Some(s) => since_id = Some(s),
            // A `since_id` container that stops giving one has no more pages.
            None if since_id.is_some() => break,
            None => page_no = parsed.page.map_or(page_no + 1, |p| p.max(page_no) + 1),
        }
    }
    out.cursor = next;
    dedupe(&mut out.posts);
    Ok(out)
}

/// Polls s.weibo.com search results (`weibo_search`), following `a.next`.
pub async fn poll_weibo_search(
    fetcher: &Fetcher,
    source: &SourceConfig,
    cursor: &Cursor,
) -> Result<PollOutcome, PollError> {
    let base = source.base_url.as_deref().unwrap_or("https://s.weibo.com");
    let keyword = source.keyword.as_deref().unwrap_or("");
    let options = request_options(source, Accept::Html);
    let mut out = PollOutcome::default();
    let mut next = Cursor {
        pinned: BTreeSet::new(),
        ..cursor.clone()
    };
    let mut url = build_url(base, "/weibo", &[("q", keyword)])?;
    loop {
        let page = match fetch(fetcher, &url, &options, &mut out).await {
            Ok(p) => p,
            Err(e) if past_the_end(&e, out.pages) => break,
            Err(e) => return stop_early(out, e),
        };
        let parsed =
            match trendwatch_scraper::parse_search_page(&page.text, page.url.as_str(), page.date) {
                Ok(p) => p,
                Err(e) => return stop_early(out, page_error(&page.url, e)),
            };
        if parsed.captured_at.is_some() {
            out.captured_at = out.captured_at.or(parsed.captured_at);
        }
        out.bad_records += log_bad(parsed.errors(), &source.name);
        let posts: Vec<Post> = parsed.posts().cloned().collect();
        let (reached, unpinned) = take_new(posts, |_| false, cursor, &mut next, &mut out.posts);
        if reached || unpinned == 0 || out.pages >= source.max_pages {
            break;
        }
        let Some(next) = parsed.next_href.as_deref() else {
            break;
        };
        match page.url.join(next) {
            Ok(n) => url = n,
            Err(_) => break,
        }
    }
    out.cursor = next;
    dedupe(&mut out.posts);
    Ok(out)
}

/// Polls a hot-search list (`hot_search`): one page, JSON or HTML.
pub async fn poll_hot_search(
    fetcher: &Fetcher,
    source: &SourceConfig,
    cursor: &Cursor,
) -> Result<PollOutcome, PollError> {
    let url = source
        .url
        .as_deref()
        .unwrap_or("https://weibo.com/ajax/side/hotSearch");
    let url = build_url(url, "", &[])?;
    let options = request_options(source, Accept::Any);
    let mut out = PollOutcome::default();
    let page = fetch(fetcher, &url, &options, &mut out).await?;
    let parsed = trendwatch_scraper::parse_hot_search(&page.text, page.url.as_str(), page.date)
        .map_err(|e| page_error(&page.url, e))?;
    out.captured_at = parsed.captured_at.or(page.date);
    for entry in parsed.entries {
        match entry {
            Ok(e) => out.hot_search.push(e),
            Err(error) => {
                out.bad_records += 1;
                tracing::warn!(message = "Skipped a bad hot-search row.", source = %source.name, %error);
            }
        }
    }
    out.cursor = Cursor {
        captured_at: out.captured_at.map(|t| t.timestamp()),
        ..cursor.clone()
    };
    Ok(out)
}

async fn fetch(
    fetcher: &Fetcher,
    url: &Url,
    options: &RequestOptions,
    out: &mut PollOutcome,
) -> Result<Page, PollError> {
    let page = fetcher.get(url.as_str(), options).await?;
    out.pages += 1;
    if out.captured_at.is_none() {
        out.captured_at = page.date;
    }
    Ok(page)
}

/// Drops repeats of a post within one poll (a page can overlap the next), keeping the first.
fn dedupe(posts: &mut Vec<Post>) {
    let mut seen = std::collections::HashSet::new();
    posts.retain(|p| seen.insert(p.id.clone()));
}

/// A 404/410 on a later page means the list ended there (old sites link one page too far).
fn past_the_end(error: &PollError, pages: usize) -> bool {
    pages > 0
        && matches!(
            error,
            PollError::Fetch(FetchError::Status {
                status: 404 | 410,
                ..
            })
        )
}

/// A failure on page one fails the poll; a later one keeps what was read, without moving the
/// cursor (the next poll reads the gap again; duplicates are ignored).
fn stop_early(mut out: PollOutcome, error: PollError) -> Result<PollOutcome, PollError> {
    if out.pages == 0 || error.is_blocked() && out.posts.is_empty() {
        return Err(error);
    }
    out.error = Some(error);
    Ok(out)
}

fn log_bad<'a>(
    errors: impl Iterator<Item = &'a trendwatch_scraper::RecordError>,
    source: &str,
) -> u64 {
    let mut n = 0;
    for error in errors {
        n += 1;
        tracing::warn!(message = "Skipped a bad record.", source, %error);
    }
    n
}

/// The `.jsonl` files of a folder not yet read, in name order (hidden and partial files —
/// names starting with `.` or not ending in `.jsonl` — are skipped).
pub fn pending_files(
    dir: &Path,
    cursor: &Cursor,
) -> Result<(Vec<PathBuf>, BTreeSet<String>), PollError> {
    let io = |e: std::io::Error| PollError::Io {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut present = BTreeSet::new();
    let mut todo = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".jsonl") {
            continue;
        }
        if !entry.file_type().map_err(io)?.is_file() {
            continue;
        }
        present.insert(name.clone());
        if !cursor.done.contains(&name) {
            todo.push(entry.path());
        }
    }
    todo.sort();
    Ok((todo, present))
}

/// Reads one `.jsonl` file, calling `batch` with each run of `batch_size` posts (and any
/// hot-search entries); returns the number of bad records.
pub fn read_jsonl_file(
    path: &Path,
    batch_size: usize,
    mut batch: impl FnMut(Vec<Post>, Vec<HotSearchEntry>, bool) -> bool,
) -> Result<u64, PollError> {
    let records = open_path(path, &ReadOptions::default()).map_err(|e| PollError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut posts = Vec::new();
    let mut hot = Vec::new();
    let mut bad = 0;
    for record in records {
        match record {
            Ok(SourceItem::Post(p)) => posts.push(p),
            Ok(SourceItem::HotSearch(h)) => hot.push(h),
            Err(error) => {
                bad += 1;
                tracing::warn!(message = "Skipped a bad record.", %error);
            }
        }
        if posts.len() + hot.len() >= batch_size.max(1)
            && !batch(std::mem::take(&mut posts), std::mem::take(&mut hot), false)
        {
            return Ok(bad);
        }
    }
    batch(posts, hot, true);
    Ok(bad)
}

/// The kind-specific poll of a web source.
pub async fn poll_web(
    fetcher: &Fetcher,
    source: &SourceConfig,
    cursor: &Cursor,
) -> Result<PollOutcome, PollError> {
    match source.kind {
        SourceKind::WeiboApi => poll_weibo_api(fetcher, source, cursor).await,
        SourceKind::WeiboSearch => poll_weibo_search(fetcher, source, cursor).await,
        SourceKind::HotSearch => poll_hot_search(fetcher, source, cursor).await,
        SourceKind::JsonlDir => Err(PollError::Io {
            path: source.path.clone().unwrap_or_default(),
            message: "a jsonl_dir source is not fetched over HTTP".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str) -> Post {
        Post {
            id: id.into(),
            user_id: "1".into(),
            user_name: "u".into(),
            text: "t".into(),
            topics: vec![],
            created_at: DateTime::parse_from_rfc3339("2026-11-27T08:00:00+08:00").unwrap(),
            reposts: 0,
            comments: 0,
            likes: 0,
            repost_of: None,
            source: None,
        }
    }

    #[test]
    fn pinned_posts_and_embedded_originals_neither_stop_paging_nor_move_the_cursor() {
        let known = Cursor {
            newest: Some("300".to_owned()),
            ..Cursor::default()
        };
        let mut original = post("250");
        original.text = "old original".into();
        let mut repost = post("306");
        repost.repost_of = Some("250".into());
        let page = vec![
            post("100"),
            original,
            repost,
            post("305"),
            post("300"),
            post("299"),
        ];
        let mut next = known.clone();
        let mut out = Vec::new();
        let (reached, own) = take_new(page, |id| id == "100", &known, &mut next, &mut out);
        assert!(reached);
        assert_eq!(own, 4, "306, 305, 300, 299");
        assert_eq!(next.newest.as_deref(), Some("306"));
        assert!(next.pinned.contains("100"));
        let ids: Vec<_> = out.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["100", "250", "306", "305"]);
        // An old original before a new repost does not stop paging on its own.
        let mut original = post("5");
        original.text = "older".into();
        let mut repost = post("310");
        repost.repost_of = Some("5".into());
        let mut next2 = next.clone();
        let mut out = Vec::new();
        let (reached, _) = take_new(
            vec![post("100"), original, repost],
            |id| id == "100",
            &next,
            &mut next2,
            &mut out,
        );
        assert!(!reached);
        assert_eq!(next2.newest.as_deref(), Some("310"));
        let ids: Vec<_> = out.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["5", "310"], "the known pinned post is not sent again");
    }

    #[test]
    fn ids_order_numerically_and_cursors_round_trip() {
        assert_eq!(id_cmp("99", "100"), std::cmp::Ordering::Less);
        assert_eq!(id_cmp("4875", "4874"), std::cmp::Ordering::Greater);
        let mut c = Cursor {
            newest: Some("42".into()),
            ..Cursor::default()
        };
        c.done.insert("a.jsonl".into());
        assert_eq!(Cursor::parse(Some(&c.to_json())), c);
        assert_eq!(Cursor::parse(Some("garbage")), Cursor::default());
        assert_eq!(Cursor::parse(None), Cursor::default());
    }

    #[test]
    fn a_missing_later_page_ends_the_list_but_a_missing_first_page_fails() {
        let e = PollError::Fetch(FetchError::Status {
            url: "http://127.0.0.1/x".into(),
            status: 404,
            attempts: 1,
        });
        assert!(past_the_end(&e, 1));
        assert!(!past_the_end(&e, 0));
        let e = PollError::Fetch(FetchError::Status {
            url: "http://127.0.0.1/x".into(),
            status: 503,
            attempts: 5,
        });
        assert!(!past_the_end(&e, 2));
    }

    #[test]
    fn urls_are_built_with_encoded_queries() {
        let u = build_url(
            "http://127.0.0.1:8080",
            "/api/container/getIndex",
            &[("containerid", "100103type=1&q=微信崩了")],
        )
        .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/api/container/getIndex?containerid=100103type%3D1%26q%3D%E5%BE%AE%E4%BF%A1%E5%B4%A9%E4%BA%86"
        );
    }
}
