//! Sources: turn saved Weibo-style pages and JSON (and, later, live HTTP) into [`SourceItem`]s.
//!
//! API contract used by the pipeline (helpers: keep these names and signatures):
//! - [`open_path`] opens a file or a directory (read in name order) and returns a streaming
//!   iterator of records, detecting each file's format from its content.
//! - Each record is either an item or a [`RecordError`] naming file, line and field; a bad record
//!   never stops the iterator.
//! - [`ReadOptions::captured_at`] is the reference time for relative dates when a page carries
//!   none of its own.
//!
//! Formats (see [`Format`]): JSON lines of m.weibo.cn/weibo.com `mblog` objects or of
//! trendwatch's own normalised `Post` JSON (`trendwatch parse` output can be fed back in);
//! m.weibo.cn / weibo.com API pages; hot-search JSON (`ajax/side/hotSearch`,
//! `ajax/statuses/hot_band`); s.weibo.com search-result HTML (2017, ≤2022 and 2023+ layouts);
//! and the `s.weibo.com/top/summary` hot-search table.
//!
//! Pure entry points for a live fetcher work on already fetched bodies: [`decode_body`],
//! [`parse_api_page`], [`parse_search_page`], [`parse_hot_search`], [`parse_long_text`],
//! [`parse_json_line`].
//! Login walls, captcha redirects and the "Sina Visitor System" give [`PageError::Blocked`].

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use trendwatch_model::{HotSearchEntry, Post, beijing};

mod count;
mod decode;
mod hot;
/// The live fetcher: polite, size-capped HTTP with block detection (the only network I/O).
pub mod http;
mod mblog;
mod raw;
mod search;
pub mod text;
pub mod time;

pub use count::parse_count;
pub use decode::decode_body;
pub use hot::{HotSearchPage, parse_hot_search};
pub use mblog::{ApiPage, parse_api_page, parse_long_text};
pub use search::{SearchPage, mid_from_bid, parse_search_page};

use raw::RawRecord;

/// One thing a source yields.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceItem {
    /// A post (originals embedded in reposts come first, as their own items).
    Post(Post),
    /// One entry of a hot-search list.
    HotSearch(HotSearchEntry),
}

/// Options for reading saved files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Reference time for relative dates ("5分钟前") when the file carries no capture time.
    pub captured_at: Option<DateTime<FixedOffset>>,
}

/// A record that could not be turned into an item; the rest of the input goes on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct RecordError {
    /// The file the record came from.
    pub file: PathBuf,
    /// 1-based line (JSON lines) or element ordinal (HTML cards) of the record.
    pub line: u64,
    /// The field that was wrong (`created_at`, `user.id`, …) or `record` for the whole record.
    pub field: String,
    /// What was wrong.
    pub message: String,
}

/// A failure that stops reading a file (it cannot be opened, or its format is unknown).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// The file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's format is not one trendwatch reads.
    #[error("{path}: unrecognised format: {reason}")]
    UnknownFormat {
        /// The path that failed.
        path: PathBuf,
        /// Why detection failed.
        reason: String,
    },
}

/// Why a whole fetched page could not be used (as opposed to one bad record on it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// The site refused the request: login wall (`"ok": -100`), captcha or verification
    /// redirect, or the "Sina Visitor System" cookie page. A fetcher should mark the source
    /// blocked and back off rather than treat the page as empty.
    #[error("blocked: {what}")]
    Blocked {
        /// What the page was.
        what: String,
    },
    /// The page is not the expected kind of document at all.
    #[error("malformed page: {message}")]
    Malformed {
        /// What was wrong.
        message: String,
    },
}

/// A streaming iterator of records from one or more files.
pub type Records = Box<dyn Iterator<Item = Result<SourceItem, RecordError>> + Send>;

/// The kinds of file trendwatch reads, as detected from content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line: `mblog` statuses, cards, normalised Posts (or whole API /
    /// hot-search responses, one per line).
    JsonLines,
    /// One m.weibo.cn / weibo.com API response (possibly pretty-printed).
    ApiPage,
    /// One hot-search JSON response (`ajax/side/hotSearch`, `ajax/statuses/hot_band`).
    HotSearchJson,
    /// One other JSON document holding posts: a pretty-printed status or Post, or an array
    /// of them.
    JsonDocument,
    /// An s.weibo.com search-result page.
    SearchHtml,
    /// An `s.weibo.com/top/summary` hot-search table.
    HotSearchHtml,
}

/// Opens a file or directory of saved sources and streams its records.
///
/// A directory is read in file-name order; hidden files (`.name`) and subdirectories are
/// skipped. Every file's format is detected up front from its content, so an unknown file
/// fails the whole call with [`ScrapeError::UnknownFormat`] naming it. JSON lines are streamed;
/// pages (HTML, single JSON documents) are read whole.
pub fn open_path(path: &Path, options: &ReadOptions) -> Result<Records, ScrapeError> {
    let io = |source| ScrapeError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let mut files = Vec::new();
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let p = entry.path();
            if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                entries.push(p);
            } else {
                tracing::debug!(path = %p.display(), "skipping non-file directory entry");
            }
        }
        entries.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        for p in entries {
            let format = detect_file(&p)?;
            files.push((p, format));
        }
    } else {
        files.push((path.to_path_buf(), detect_file(path)?));
    }
    let captured_at = options.captured_at;
    Ok(Box::new(files.into_iter().flat_map(
        move |(path, format)| open_file(path, format, captured_at),
    )))
}

/// Most posts kept for reuse per thread (see [`recycle_posts`]): a few batches' worth.
const MAX_SPARE_POSTS: usize = 16 * 1024;

/// Posts holding a longer string than this are freed rather than kept, so that one hostile
/// line does not keep its buffers alive.
const MAX_SPARE_BYTES: usize = 16 * 1024;

thread_local! {
    static SPARE_POSTS: std::cell::RefCell<Vec<Post>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Hands posts that are no longer needed back to this thread's JSON-lines parsing, which then
/// overwrites them instead of allocating new strings (a streaming reader that recycles its
/// batches allocates almost nothing per post). Purely an optimisation: what is parsed does not
/// depend on it. At most a few thousand posts are kept; the rest, and posts with very long
/// strings, are dropped.
pub fn recycle_posts(posts: impl IntoIterator<Item = Post>) {
    SPARE_POSTS.with_borrow_mut(|spare| {
        for post in posts {
            if spare.len() >= MAX_SPARE_POSTS {
                break;
            }
            let small = |s: &String| s.capacity() <= MAX_SPARE_BYTES;
            if small(&post.text)
                && small(&post.user_name)
                && small(&post.id)
                && small(&post.user_id)
                && post.source.as_ref().is_none_or(small)
                && post.repost_of.as_ref().is_none_or(small)
                && post.topics.capacity() <= 64
            {
                spare.push(post);
            }
        }
    });
}

/// A recycled post to overwrite, if this thread has one.
pub(crate) fn spare_post() -> Option<Post> {
    SPARE_POSTS.with_borrow_mut(Vec::pop)
}

/// Bytes read for format detection of JSON files.
const HEAD_BYTES: usize = 64 * 1024;

/// Longest JSON line read (a whole API response on one line is a few MB at most); longer
/// lines are skipped with a [`RecordError`], so memory stays bounded whatever the file holds.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Largest page (HTML or single JSON document) file read whole; larger files give a
/// [`RecordError`] instead of being loaded.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads at most `cap` bytes of a file; the flag says whether the file holds more.
fn read_capped(path: &Path, cap: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let over = bytes.len() as u64 > cap;
    if over {
        bytes.truncate(cap as usize);
    }
    Ok((bytes, over))
}

/// Consumes the rest of an over-long line (up to and including its `\n`) without keeping it.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = memchr::memchr(b'\n', buf) {
            reader.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        reader.consume(n);
    }
}

fn detect_file(path: &Path) -> Result<Format, ScrapeError> {
    let io = |source| ScrapeError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    let complete = head.len() < HEAD_BYTES;
    let trimmed = trim_ascii_start(strip_bom(&head));
    let unknown = |reason: &str| ScrapeError::UnknownFormat {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    if trimmed.is_empty() {
        // An empty file holds no records; reading it yields nothing.
        return Ok(Format::JsonLines);
    }
    if matches!(trimmed[0], b'{' | b'[') {
        if let Some(format) = detect_json(&head, complete) {
            return Ok(format);
        }
        if !complete {
            let (whole, over) = read_capped(path, MAX_DOCUMENT_BYTES).map_err(io)?;
            if over {
                // Too big for one document: JSON lines, whose reader reports over-long lines.
                return Ok(Format::JsonLines);
            }
            if let Some(format) = detect_json(&whole, true) {
                return Ok(format);
            }
        }
        if let Err(e) = std::str::from_utf8(strip_bom(&head)) {
            // Ignore a character cut off by the head limit.
            if complete || e.error_len().is_some() {
                let at = e.valid_up_to();
                let line = 1 + head[..at].iter().filter(|&&b| b == b'\n').count();
                return Err(unknown(&format!(
                    "JSON, but not UTF-8 (invalid byte on line {line}, byte {at} of the file): \
                     JSON must be UTF-8; convert it first (GBK: iconv -f GB18030 -t UTF-8)"
                )));
            }
        }
        return Err(unknown(
            "JSON, but neither JSON lines of posts nor an m.weibo.cn/weibo.com API or hot-search response",
        ));
    }
    let bytes = if complete {
        head
    } else {
        read_capped(path, MAX_DOCUMENT_BYTES).map_err(io)?.0
    };
    let (text, _) = decode_body(&bytes, None);
    detect_html(&text).ok_or_else(|| {
        unknown("not JSON, and not an s.weibo.com search-result or hot-search (top/summary) page")
    })
}

/// Detects the format of a whole document held in memory (a fetched body or a file's bytes).
pub fn detect_format(bytes: &[u8]) -> Option<Format> {
    let trimmed = trim_ascii_start(strip_bom(bytes));
    match trimmed.first() {
        None => None,
        Some(b'{' | b'[') => detect_json(bytes, true),
        Some(_) => detect_html(&decode_body(bytes, None).0),
    }
}

/// What a JSON object is, by the fields it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonShape {
    Status,
    ApiPage,
    HotSearch,
}

fn json_shape(raw: &RawRecord<'_>) -> Option<JsonShape> {
    if raw.mblog.is_some() || raw.card_group.is_some() || mblog::looks_like_status(raw) {
        return Some(JsonShape::Status);
    }
    if let Some(data) = raw.data.as_deref() {
        if data.realtime.is_some()
            || data.band_list.is_some()
            || data.hotgov.is_some()
            || data.hotgovs.is_some()
        {
            return Some(JsonShape::HotSearch);
        }
        return Some(JsonShape::ApiPage);
    }
    if raw.ok.is_some() || raw.url.get().is_some() {
        return Some(JsonShape::ApiPage);
    }
    None
}

fn detect_json(bytes: &[u8], complete: bool) -> Option<Format> {
    let body = strip_bom(bytes);
    // A whole single document (pretty-printed or one line).
    if complete && let Ok(text) = std::str::from_utf8(body) {
        // (A struct also deserialises from an array, positionally: only try objects here.)
        let is_object = text.trim_start().starts_with('{');
        if is_object && let Ok(raw) = serde_json::from_str::<RawRecord<'_>>(text) {
            // A one-line status is just a JSON-lines file with one line.
            let one_line = !text.trim().contains('\n');
            return match json_shape(&raw)? {
                JsonShape::Status if one_line => Some(Format::JsonLines),
                JsonShape::Status => Some(Format::JsonDocument),
                JsonShape::ApiPage => Some(Format::ApiPage),
                JsonShape::HotSearch => Some(Format::HotSearchJson),
            };
        }
        if serde_json::from_str::<Vec<RawRecord<'_>>>(text)
            .is_ok_and(|v| v.iter().any(|r| json_shape(r).is_some()))
        {
            return Some(Format::JsonDocument);
        }
    }
    // JSON lines: the first complete line that parses decides.
    let mut lines = body.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if lines.peek().is_none() && !complete {
            break; // possibly cut off by the head limit
        }
        let line = trim_ascii_start(line);
        if line.first() != Some(&b'{') {
            continue;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if let Ok(raw) = serde_json::from_str::<RawRecord<'_>>(text)
            && json_shape(&raw).is_some()
        {
            return Some(Format::JsonLines);
        }
    }
    None
}

fn detect_html(text: &str) -> Option<Format> {
    if text.contains("pl_top_realtimehot") || (text.contains("td-02") && text.contains("td-01")) {
        return Some(Format::HotSearchHtml);
    }
    const SEARCH_MARKERS: [&str; 6] = [
        "card-wrap",
        "feed_list_item",
        "WB_cardwrap",
        "card-no-result",
        "feed_list_content",
        "s.weibo.com",
    ];
    if SEARCH_MARKERS.iter().any(|m| text.contains(m)) || blocked_html_reason(text).is_some() {
        return Some(Format::SearchHtml);
    }
    None
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn open_file(path: PathBuf, format: Format, captured_at: Option<DateTime<FixedOffset>>) -> Records {
    if format == Format::JsonLines {
        return match File::open(&path) {
            Ok(file) => Box::new(JsonLines {
                path,
                reader: BufReader::with_capacity(256 * 1024, file),
                buf: Vec::with_capacity(4096),
                line: 0,
                queue: VecDeque::new(),
                out: Vec::new(),
                captured_at,
                done: false,
            }),
            Err(e) => Box::new(std::iter::once(Err(file_error(&path, 0, &e)))),
        };
    }
    let bytes = match read_capped(&path, MAX_DOCUMENT_BYTES) {
        Ok((b, false)) => b,
        Ok((_, true)) => {
            return Box::new(std::iter::once(Err(RecordError {
                file: path,
                line: 1,
                field: "file".into(),
                message: format!(
                    "page file larger than {} MiB: not read",
                    MAX_DOCUMENT_BYTES >> 20
                ),
            })));
        }
        Err(e) => return Box::new(std::iter::once(Err(file_error(&path, 0, &e)))),
    };
    let name = path.to_string_lossy().into_owned();
    let page_error = |e: PageError| RecordError {
        file: path.clone(),
        line: 1,
        field: "page".into(),
        message: e.to_string(),
    };
    let items: Vec<Result<SourceItem, RecordError>> = match format {
        Format::SearchHtml => {
            let (text, _) = decode_body(&bytes, None);
            match parse_search_page(&text, &name, captured_at) {
                Ok(page) => page
                    .records
                    .into_iter()
                    .map(|r| r.map(SourceItem::Post))
                    .collect(),
                Err(e) => vec![Err(page_error(e))],
            }
        }
        Format::HotSearchHtml => {
            let (text, _) = decode_body(&bytes, None);
            match parse_hot_search(&text, &name, captured_at) {
                Ok(page) => page
                    .entries
                    .into_iter()
                    .map(|r| r.map(SourceItem::HotSearch))
                    .collect(),
                Err(e) => vec![Err(page_error(e))],
            }
        }
        Format::ApiPage | Format::HotSearchJson | Format::JsonDocument | Format::JsonLines => {
            match std::str::from_utf8(&bytes) {
                Err(e) => vec![Err(utf8_error(&path, &bytes, &e))],
                Ok(text) => json_document(text, &path, captured_at),
            }
        }
    };
    Box::new(items.into_iter())
}

/// Parses a file holding one JSON document (an object or an array of objects).
fn json_document(
    text: &str,
    path: &Path,
    captured_at: Option<DateTime<FixedOffset>>,
) -> Vec<Result<SourceItem, RecordError>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut out = Vec::new();
    let parsed = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<RawRecord<'_>>>(text).map(|list| {
            for (i, raw) in list.iter().enumerate() {
                dispatch(raw, path, Some((i + 1) as u64), captured_at, &mut out);
            }
        })
    } else {
        serde_json::from_str::<RawRecord<'_>>(text)
            .map(|raw| dispatch(&raw, path, None, captured_at, &mut out))
    };
    if let Err(e) = parsed {
        out.push(Err(RecordError {
            file: path.to_path_buf(),
            line: e.line() as u64,
            field: "record".into(),
            message: format!("invalid JSON: {e}"),
        }));
    }
    out
}

fn file_error(path: &Path, line: u64, e: &std::io::Error) -> RecordError {
    RecordError {
        file: path.to_path_buf(),
        line,
        field: "file".into(),
        message: format!("read error: {e}"),
    }
}

fn utf8_error(path: &Path, bytes: &[u8], e: &std::str::Utf8Error) -> RecordError {
    let at = e.valid_up_to();
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
    RecordError {
        file: path.to_path_buf(),
        line,
        field: "record".into(),
        message: format!("invalid UTF-8 at byte {at} of the file"),
    }
}

/// Parses one line of a JSON-lines file: an `mblog`, a card, a normalised Post, or a whole
/// API / hot-search response. Items (a repost's original first) and errors are appended to
/// `out`; errors carry `file` and `line`. Never panics, whatever the bytes.
pub fn parse_json_line(
    line: &[u8],
    file: &Path,
    line_no: u64,
    captured_at: Option<DateTime<FixedOffset>>,
    out: &mut Vec<Result<SourceItem, RecordError>>,
) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = if line_no == 1 { strip_bom(line) } else { line };
    if line.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    // One SIMD validation of the whole line lets serde_json skip per-string UTF-8 checks.
    let text = match simdutf8::basic::from_utf8(line) {
        Ok(text) => text,
        Err(_) => {
            let at = std::str::from_utf8(line)
                .err()
                .map_or(0, |e| e.valid_up_to());
            out.push(Err(RecordError {
                file: file.to_path_buf(),
                line: line_no,
                field: "record".into(),
                message: format!("invalid UTF-8 at byte {at} of the line"),
            }));
            return;
        }
    };
    if !text.trim_start().starts_with('{') {
        out.push(Err(RecordError {
            file: file.to_path_buf(),
            line: line_no,
            field: "record".into(),
            message: "not a JSON object".into(),
        }));
        return;
    }
    // The common shapes parse without serde (several times faster); anything else, including
    // every error, takes serde's path, so results and messages are the same either way.
    let mut fast = RawRecord::default();
    if raw::parse_record_fast(text, &mut fast) {
        dispatch(&fast, file, Some(line_no), captured_at, out);
        return;
    }
    drop(fast);
    match serde_json::from_str::<RawRecord<'_>>(text) {
        Ok(raw) => dispatch(&raw, file, Some(line_no), captured_at, out),
        Err(e) => out.push(Err(RecordError {
            file: file.to_path_buf(),
            line: line_no,
            field: "record".into(),
            message: if e.is_eof() {
                format!("truncated JSON: {e}")
            } else {
                format!("invalid JSON: {e}")
            },
        })),
    }
}

/// Routes one JSON object by shape. `line` is the JSON-lines line (errors from a whole page on
/// that line get it, with the card ordinal in the message); `None` for a single-document file
/// (errors keep the card ordinal as their line).
fn dispatch(
    raw: &RawRecord<'_>,
    file: &Path,
    line: Option<u64>,
    captured_at: Option<DateTime<FixedOffset>>,
    out: &mut Vec<Result<SourceItem, RecordError>>,
) {
    let relocate = |mut e: RecordError, what: &str| {
        if let Some(line) = line {
            e.message = format!("{what} {}: {}", e.line, e.message);
            e.line = line;
        }
        e
    };
    let page_error = |e: PageError| RecordError {
        file: file.to_path_buf(),
        line: line.unwrap_or(1),
        field: "page".into(),
        message: e.to_string(),
    };
    match json_shape(raw) {
        Some(JsonShape::Status) => {
            let mut posts = Vec::with_capacity(2);
            let reference = captured_at.or_else(|| mblog::record_capture_time(raw));
            if let Some(group) = &raw.card_group {
                for card in group.iter() {
                    mblog::convert_record(card, reference, &mut posts);
                }
            } else {
                mblog::convert_record(raw, reference, &mut posts);
            }
            for p in posts {
                out.push(
                    p.map(SourceItem::Post)
                        .map_err(|e| e.at(file, line.unwrap_or(1))),
                );
            }
        }
        Some(JsonShape::HotSearch) => match hot::hot_from_raw(raw, file, captured_at) {
            Ok(page) => out.extend(
                page.entries
                    .into_iter()
                    .map(|r| r.map(SourceItem::HotSearch).map_err(|e| relocate(e, "row"))),
            ),
            Err(e) => out.push(Err(page_error(e))),
        },
        Some(JsonShape::ApiPage) => {
            if let Err(e) = mblog::check_blocked(raw) {
                out.push(Err(page_error(e)));
                return;
            }
            let page = mblog::api_page_from_raw(raw, file, captured_at);
            out.extend(
                page.records
                    .into_iter()
                    .map(|r| r.map(SourceItem::Post).map_err(|e| relocate(e, "card"))),
            );
        }
        None => out.push(Err(RecordError {
            file: file.to_path_buf(),
            line: line.unwrap_or(1),
            field: "record".into(),
            message:
                "neither a post (id, user, created_at, text) nor an API or hot-search response"
                    .into(),
        })),
    }
}

/// Streams a JSON-lines file.
struct JsonLines {
    path: PathBuf,
    reader: BufReader<File>,
    buf: Vec<u8>,
    line: u64,
    queue: VecDeque<Result<SourceItem, RecordError>>,
    /// Reused output vector of [`parse_json_line`].
    out: Vec<Result<SourceItem, RecordError>>,
    captured_at: Option<DateTime<FixedOffset>>,
    done: bool,
}

impl Iterator for JsonLines {
    type Item = Result<SourceItem, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            // Usually the whole line is already in the reader's buffer: parse it there, without
            // copying it out. (A line across the buffer's end, the last line without a newline
            // and read errors take the general path below.)
            if let Ok(available) = self.reader.fill_buf()
                && let Some(end) = memchr::memchr(b'\n', available)
            {
                self.line += 1;
                parse_json_line(
                    &available[..end],
                    &self.path,
                    self.line,
                    self.captured_at,
                    &mut self.out,
                );
                self.reader.consume(end + 1);
                self.queue.extend(self.out.drain(..));
                continue;
            }
            self.buf.clear();
            let limit = MAX_LINE_BYTES as u64 + 1;
            match (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buf)
            {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {
                    self.line += 1;
                    if self.buf.len() > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
                        self.buf = Vec::with_capacity(4096);
                        if let Err(e) = skip_line(&mut self.reader) {
                            self.done = true;
                            return Some(Err(file_error(&self.path, self.line, &e)));
                        }
                        return Some(Err(RecordError {
                            file: self.path.clone(),
                            line: self.line,
                            field: "record".into(),
                            message: format!(
                                "line longer than {} MiB: skipped",
                                MAX_LINE_BYTES >> 20
                            ),
                        }));
                    }
                    let line = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
                    parse_json_line(line, &self.path, self.line, self.captured_at, &mut self.out);
                    self.queue.extend(self.out.drain(..));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(file_error(&self.path, self.line + 1, &e)));
                }
            }
        }
    }
}

/// Deepest element nesting accepted in an HTML page; real Weibo pages stay far below 100.
/// Deeper (hostile or garbage) documents are refused: CSS descendant matching is
/// quadratic in depth.
const MAX_HTML_DEPTH: usize = 512;

/// Nesting estimated from the raw markup above which a page is not even handed to the HTML
/// parser (whose tree building is quadratic in depth too). Generous, because unclosed `<p>`
/// and `<li>` inflate the estimate.
const MAX_RAW_DEPTH: usize = 4096;

/// Parses a page with html5ever after a cheap pre-scan of its nesting, then checks the depth
/// of the tree built.
pub(crate) fn parse_html(html: &str, source_name: &str) -> Result<scraper::Html, PageError> {
    if raw_depth_exceeds(html, MAX_RAW_DEPTH) {
        return Err(PageError::Malformed {
            message: format!("{source_name}: elements nested more than {MAX_RAW_DEPTH} deep"),
        });
    }
    let doc = scraper::Html::parse_document(html);
    check_html_depth(&doc, source_name)?;
    Ok(doc)
}

/// Estimates element nesting from tags alone: opening tags of non-void elements count up,
/// closing tags count down; `<script>`/`<style>` bodies and comments are skipped.
fn raw_depth_exceeds(html: &str, limit: usize) -> bool {
    const VOID: [&[u8]; 14] = [
        b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
        b"param", b"source", b"track", b"wbr",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut pos = 0;
    while let Some(rel) = memchr::memchr(b'<', &bytes[pos..]) {
        let at = pos + rel;
        pos = at + 1;
        match bytes.get(at + 1) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b'!') => {
                if bytes[at..].starts_with(b"<!--")
                    && let Some(end) = memchr::memmem::find(&bytes[at..], b"-->")
                {
                    pos = at + end + 3;
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name_len = bytes[at + 1..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .unwrap_or(bytes.len() - at - 1);
                let name = bytes[at + 1..at + 1 + name_len].to_ascii_lowercase();
                let Some(gt) = memchr::memchr(b'>', &bytes[at..]) else {
                    break;
                };
                let self_closing = bytes[at + gt - 1] == b'/';
                if name == b"script" || name == b"style" {
                    let close = if name == b"script" {
                        &b"</script"[..]
                    } else {
                        &b"</style"[..]
                    };
                    match memchr::memmem::find(&bytes[at..], close) {
                        Some(end) => pos = at + end + close.len(),
                        None => break,
                    }
                } else if !self_closing && !VOID.contains(&name.as_slice()) {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Checks a parsed page's nesting depth (see [`MAX_HTML_DEPTH`]).
fn check_html_depth(doc: &scraper::Html, source_name: &str) -> Result<(), PageError> {
    let mut depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(_) => {
                depth += 1;
                if depth > MAX_HTML_DEPTH {
                    return Err(PageError::Malformed {
                        message: format!(
                            "{source_name}: elements nested more than {MAX_HTML_DEPTH} deep"
                        ),
                    });
                }
            }
            ego_tree::iter::Edge::Close(_) => depth = depth.saturating_sub(1),
        }
    }
    Ok(())
}

/// Converts Unix seconds (or milliseconds, when the number is that large) to Beijing time.
pub(crate) fn epoch_to_beijing(n: i64) -> Option<DateTime<FixedOffset>> {
    let secs = if n.unsigned_abs() > 100_000_000_000 {
        n / 1000
    } else {
        n
    };
    DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&beijing()))
}

static SERVERTIME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"\$CONFIG\[\s*['"]servertime['"]\s*\]\s*=\s*['"]?\s*(\d{9,13})"#)
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// The capture time a Weibo page states about itself: `$CONFIG['servertime']` in its script
/// (epoch seconds, or milliseconds), in Beijing time.
pub fn page_servertime(html: &str) -> Option<DateTime<FixedOffset>> {
    let caps = SERVERTIME.captures(html)?;
    epoch_to_beijing(caps[1].parse().ok()?)
}

/// Recognises a login wall, captcha or "Sina Visitor System" HTML page, describing it.
/// Only the page title and Weibo's passport/visitor URLs are looked at, never post text.
pub fn blocked_html_reason(html: &str) -> Option<String> {
    let title = html_title(html).unwrap_or_default();
    if title.contains("Sina Visitor System") || html.contains("passport.weibo.com/visitor/") {
        return Some("Sina Visitor System page (visitor cookies SUB/SUBP needed)".into());
    }
    // A genuine result page (possibly empty, for a query that happens to be "登录") is not a
    // wall, whatever its title says.
    if html.contains("card-no-result") || title.contains("微博搜索") || title.contains("热搜榜")
    {
        return None;
    }
    for (needle, what) in [
        ("新浪通行证", "login wall (新浪通行证)"),
        ("登录", "login wall"),
        ("验证码", "captcha page"),
        ("安全验证", "security verification page"),
    ] {
        if title.contains(needle) {
            return Some(format!("{what}: title {title:?}"));
        }
    }
    if html.contains("passport.weibo.com/sso/signin") || html.contains("passport.weibo.cn/signin") {
        return Some("login wall (passport sign-in page)".into());
    }
    None
}

fn html_title(html: &str) -> Option<String> {
    let head = &html[..floor_char_boundary(html, 64 * 1024)];
    let lower_start = find_ascii_ci(head, "<title")?;
    let after = head[lower_start..].find('>')? + lower_start + 1;
    let end = find_ascii_ci(&head[after..], "</title").map_or(head.len(), |e| after + e);
    Some(html_escape::decode_html_entities(head[after..end].trim()).into_owned())
}

fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
