//! m.weibo.cn / weibo.com status JSON (`mblog`), API pages, and trendwatch's own Post JSON.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use trendwatch_model::Post;

use crate::raw::{RawData, RawRecord, Scalar};
use crate::text::{PlainText, Whitespace, html_to_text, html_to_text_into, plain_topics};
use crate::time::{check_plausible, parse_weibo_time};
use crate::{PageError, RecordError};

/// A field-level failure before it is tied to a file and line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldError {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn at(self, file: &Path, line: u64) -> RecordError {
        RecordError {
            file: file.to_path_buf(),
            line,
            field: self.field,
            message: self.message,
        }
    }

    fn prefixed(mut self, prefix: &str) -> Self {
        if !prefix.is_empty() {
            self.field = format!("{prefix}{}", self.field);
        }
        self
    }
}

/// One m.weibo.cn / weibo.com API response page, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiPage {
    /// The `ok` flag: `false` for `"ok": 0`, which m.weibo.cn returns past the last page.
    pub ok: bool,
    /// Posts and per-card errors, in page order (a repost's original comes right before it).
    /// Errors carry the 1-based card ordinal (cards inside a `card_group` count individually)
    /// as their `line`.
    pub records: Vec<Result<Post, RecordError>>,
    /// Ids of pinned posts (`mblogtype == 2` or `isTop`): an incremental crawl must not stop
    /// at them, since they are old posts shown first.
    pub pinned: Vec<String>,
    /// Ids of posts whose text is truncated (`isLongText` without `longText` content; list
    /// responses truncate `text_raw` too): fetch `m.weibo.cn/statuses/extend?id=…` or
    /// `weibo.com/ajax/statuses/longtext?id=…` for the full text.
    pub long_text: Vec<String>,
    /// `since_id` for the next page of newer containers (`data.cardlistInfo.since_id` or
    /// `data.since_id`), as a string.
    pub since_id: Option<String>,
    /// The page number the response says it is (`cardlistInfo.page`).
    pub page: Option<u64>,
    /// The total number of items the container reports, when it does.
    pub total: Option<u64>,
}

impl ApiPage {
    /// The successfully parsed posts, in page order.
    pub fn posts(&self) -> impl Iterator<Item = &Post> {
        self.records.iter().filter_map(|r| r.as_ref().ok())
    }

    /// The per-card errors.
    pub fn errors(&self) -> impl Iterator<Item = &RecordError> {
        self.records.iter().filter_map(|r| r.as_ref().err())
    }

    /// Whether the post with this id is pinned on the page (see [`ApiPage::pinned`]).
    pub fn is_pinned(&self, id: &str) -> bool {
        self.pinned.iter().any(|p| p == id)
    }
}

/// Parses an m.weibo.cn container page (`getIndex`), a weibo.com `ajax/statuses/*` list
/// (`data.list` / `data.statuses`), or a single status object, as fetched.
///
/// `source_name` (a file name or URL) goes into errors; `captured_at` is the reference time
/// for relative dates and the plausibility check. Login walls (`"ok": -100`) and captcha
/// redirects (`url` without `data`) give [`PageError::Blocked`].
pub fn parse_api_page(
    text: &str,
    source_name: &str,
    captured_at: Option<DateTime<FixedOffset>>,
) -> Result<ApiPage, PageError> {
    let raw: RawRecord<'_> =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            PageError::Malformed {
                message: format!("{source_name}: not an API response: {e}"),
            }
        })?;
    let file = Path::new(source_name);
    if raw.data.is_none() && looks_like_status(&raw) {
        let mut page = ApiPage::empty(true);
        let reference = captured_at.or_else(|| record_capture_time(&raw));
        page.push_status(&raw, file, 1, reference);
        return Ok(page);
    }
    check_blocked(&raw)?;
    Ok(api_page_from_raw(&raw, file, captured_at))
}

/// Parses a long-text response — m.weibo.cn `statuses/extend?id=…` or weibo.com
/// `ajax/statuses/longtext?id=…`, both `{"ok":1,"data":{"longTextContent":…}}` — into the
/// post's full plain text and topics (the list pages only carry the first ~140 characters;
/// see [`ApiPage::long_text`]).
pub fn parse_long_text(text: &str, source_name: &str) -> Result<PlainText, PageError> {
    let raw: RawRecord<'_> =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            PageError::Malformed {
                message: format!("{source_name}: not a long-text response: {e}"),
            }
        })?;
    check_blocked(&raw)?;
    let content = raw
        .data
        .as_deref()
        .and_then(|d| d.long_text_content.get())
        .ok_or_else(|| PageError::Malformed {
            message: format!("{source_name}: no data.longTextContent"),
        })?;
    Ok(html_to_text(content, Whitespace::Keep))
}

/// Builds an [`ApiPage`] from a deserialised response (blocked responses checked by the caller).
pub(crate) fn api_page_from_raw(
    raw: &RawRecord<'_>,
    file: &Path,
    captured_at: Option<DateTime<FixedOffset>>,
) -> ApiPage {
    let reference = captured_at.or_else(|| record_capture_time(raw));
    let ok = raw.ok.as_ref().is_none_or(Scalar::truthy);
    let mut page = ApiPage::empty(ok);
    if let Some(data) = raw.data.as_deref() {
        page.fill(data, file, reference);
    }
    page
}

impl ApiPage {
    fn empty(ok: bool) -> Self {
        ApiPage {
            ok,
            records: Vec::new(),
            pinned: Vec::new(),
            long_text: Vec::new(),
            since_id: None,
            page: None,
            total: None,
        }
    }

    fn fill(&mut self, data: &RawData<'_>, file: &Path, reference: Option<DateTime<FixedOffset>>) {
        let mut ordinal = 0u64;
        if let Some(cards) = &data.cards {
            for card in cards.iter() {
                self.push_card(card, file, &mut ordinal, reference);
            }
        }
        for list in [&data.list, &data.statuses].into_iter().flatten() {
            for status in list.iter() {
                ordinal += 1;
                self.push_status(status, file, ordinal, reference);
            }
        }
        let info = data.cardlist_info.as_ref();
        self.since_id = info
            .and_then(|i| i.since_id.as_ref())
            .or(data.since_id.as_ref())
            .and_then(Scalar::id)
            .filter(|s| s != "0");
        self.page = info
            .and_then(|i| i.page.as_ref())
            .and_then(Scalar::int)
            .and_then(|n| u64::try_from(n).ok());
        self.total = info
            .and_then(|i| i.total.as_ref())
            .or(data.total.as_ref())
            .and_then(Scalar::int)
            .and_then(|n| u64::try_from(n).ok());
    }

    fn push_card(
        &mut self,
        card: &RawRecord<'_>,
        file: &Path,
        ordinal: &mut u64,
        reference: Option<DateTime<FixedOffset>>,
    ) {
        if let Some(group) = &card.card_group {
            for inner in group.iter() {
                self.push_card(inner, file, ordinal, reference);
            }
            return;
        }
        let Some(mblog) = card.mblog.as_deref() else {
            // Cards without an mblog (headers, user lists, "load more") are not records.
            return;
        };
        *ordinal += 1;
        self.push_status(mblog, file, *ordinal, reference);
    }

    fn push_status(
        &mut self,
        status: &RawRecord<'_>,
        file: &Path,
        line: u64,
        reference: Option<DateTime<FixedOffset>>,
    ) {
        let before = self.records.len();
        let mut out = Vec::with_capacity(2);
        convert_status(status, reference, &mut out);
        for r in out {
            self.records.push(r.map_err(|e| e.at(file, line)));
        }
        // The top-level post is the last record pushed for this status.
        if let Some(Ok(post)) = self.records.last()
            && self.records.len() > before
        {
            if is_pinned(status) {
                self.pinned.push(post.id.clone());
            }
            if status.is_long_text.as_ref().is_some_and(Scalar::truthy)
                && status
                    .long_text
                    .as_ref()
                    .and_then(|l| l.long_text_content.get())
                    .is_none()
            {
                self.long_text.push(post.id.clone());
            }
        }
    }
}

/// Whether an API status object is pinned (`mblogtype == 2`, or `isTop` set).
pub(crate) fn is_pinned(status: &RawRecord<'_>) -> bool {
    status.mblogtype.as_ref().and_then(Scalar::int) == Some(2)
        || status.is_top.as_ref().is_some_and(Scalar::truthy)
}

/// Whether a raw object looks like a single status / Post rather than a response wrapper.
pub(crate) fn looks_like_status(raw: &RawRecord<'_>) -> bool {
    (raw.id.is_some() || raw.idstr.is_some() || raw.mid.is_some())
        && (raw.user.is_some() || raw.user_id.is_some() || raw.created_at.get().is_some())
}

/// A capture time stored in the response itself (`captured_at`, `servertime`).
pub(crate) fn record_capture_time(raw: &RawRecord<'_>) -> Option<DateTime<FixedOffset>> {
    if let Some(s) = raw.captured_at.get()
        && let Ok(t) = DateTime::parse_from_rfc3339(s.trim())
    {
        return Some(t);
    }
    raw.servertime
        .as_ref()
        .or(raw.data.as_ref().and_then(|d| d.servertime.as_ref()))
        .and_then(Scalar::int)
        .and_then(crate::epoch_to_beijing)
}

/// Recognises login walls and captcha redirects in an API response.
pub(crate) fn check_blocked(raw: &RawRecord<'_>) -> Result<(), PageError> {
    let ok = raw.ok.as_ref().and_then(Scalar::int);
    let url = raw.url.get().unwrap_or("");
    let msg = raw.msg.get().unwrap_or("");
    if ok == Some(-100) {
        return Err(PageError::Blocked {
            what: format!(
                "login required (ok=-100{}{url})",
                if url.is_empty() { "" } else { ", " }
            ),
        });
    }
    if raw.data.is_none() && !url.is_empty() {
        return Err(PageError::Blocked {
            what: format!(
                "redirected to {url} (captcha or verification){}",
                msg_suffix(msg)
            ),
        });
    }
    // "请求过于频繁" (too many requests), "稍后再试" (try again later): throttling, which a
    // crawler would otherwise mistake for the end of the list.
    if ok == Some(0)
        && ["频繁", "稍后再试", "访问受限", "限制访问"]
            .iter()
            .any(|m| msg.contains(m))
    {
        return Err(PageError::Blocked {
            what: format!("throttled (ok=0): {msg}"),
        });
    }
    if raw.data.is_none() && raw.errno.is_some() {
        return Err(PageError::Blocked {
            what: format!("API error errno={:?}{}", raw.errno, msg_suffix(msg)),
        });
    }
    Ok(())
}

fn msg_suffix(msg: &str) -> String {
    if msg.is_empty() {
        String::new()
    } else {
        format!(": {msg}")
    }
}

/// Converts one JSON record (a status, a card, or a normalised Post) into posts, original
/// first. Response wrappers are not handled here.
pub(crate) fn convert_record(
    raw: &RawRecord<'_>,
    reference: Option<DateTime<FixedOffset>>,
    out: &mut Vec<Result<Post, FieldError>>,
) {
    if let Some(mblog) = raw.mblog.as_deref() {
        convert_status(mblog, reference, out);
    } else {
        convert_status(raw, reference, out);
    }
}

/// Converts a status (mblog) or normalised Post; a nested `retweeted_status` is pushed first.
pub(crate) fn convert_status(
    raw: &RawRecord<'_>,
    reference: Option<DateTime<FixedOffset>>,
    out: &mut Vec<Result<Post, FieldError>>,
) {
    if raw.user.is_none() && raw.user_id.is_some() {
        out.push(convert_normalised(raw, reference));
        return;
    }
    let original = raw.retweeted_status.as_deref();
    if let Some(original) = original {
        let converted =
            convert_mblog(original, reference, None).map_err(|e| e.prefixed("retweeted_status."));
        // A deleted original ("此微博已被作者删除") has an id but no user: the repost still
        // points at it.
        out.push(converted);
    }
    out.push(convert_mblog(raw, reference, original));
}

/// Writes a status's id (`idstr`, else `id`, else `mid`) into `out`; `false` when it has none.
fn write_status_id(raw: &RawRecord<'_>, out: &mut String) -> bool {
    [&raw.idstr, &raw.id, &raw.mid]
        .into_iter()
        .any(|id| id.as_ref().is_some_and(|id| id.write_id(out)))
}

/// The last date parsed on this thread: the text, the reference it was resolved against, and
/// the time. A stream in time order gives many posts of the same second.
type LastTime = (String, Option<DateTime<FixedOffset>>, DateTime<FixedOffset>);

thread_local! {
    static LAST_TIME: std::cell::RefCell<Option<LastTime>> = const { std::cell::RefCell::new(None) };
}

/// [`parse_weibo_time`], remembering the last success (the result depends on nothing else).
fn cached_weibo_time(
    text: &str,
    reference: Option<DateTime<FixedOffset>>,
) -> Result<DateTime<FixedOffset>, crate::time::TimeError> {
    LAST_TIME.with_borrow_mut(|last| {
        if let Some((last_text, last_reference, time)) = last.as_ref()
            && last_text == text
            // (DateTime equality ignores the offset; compare it too, to be exact.)
            && *last_reference == reference
            && last_reference.map(|r| *r.offset()) == reference.map(|r| *r.offset())
        {
            return Ok(*time);
        }
        let time = parse_weibo_time(text, reference)?;
        match last {
            Some((last_text, last_reference, last_time)) => {
                last_text.clear();
                last_text.push_str(text);
                *last_reference = reference;
                *last_time = time;
            }
            None => *last = Some((text.to_owned(), reference, time)),
        }
        Ok(time)
    })
}

/// A post to fill: a recycled one (see [`crate::recycle_posts`]) or a new one.
fn blank_post() -> Post {
    crate::spare_post().unwrap_or_else(|| Post {
        id: String::new(),
        user_id: String::new(),
        user_name: String::new(),
        text: String::new(),
        topics: Vec::new(),
        created_at: DateTime::default(),
        reposts: 0,
        comments: 0,
        likes: 0,
        repost_of: None,
        source: None,
    })
}

/// Converts one status; `original` is the status it reposts (which gives `repost_of`). Every
/// field of the post is overwritten, so a recycled post's buffers serve again.
fn convert_mblog(
    raw: &RawRecord<'_>,
    reference: Option<DateTime<FixedOffset>>,
    original: Option<&RawRecord<'_>>,
) -> Result<Post, FieldError> {
    let mut post = blank_post();
    if !write_status_id(raw, &mut post.id) {
        return Err(FieldError::new("id", "missing post id (id/idstr/mid)"));
    }
    let id = &post.id;
    let user = raw.user.as_ref().ok_or_else(|| {
        FieldError::new(
            "user",
            format!("post {id} has no user (deleted or hidden post?)"),
        )
    })?;
    let has_user_id = [&user.idstr, &user.id].into_iter().any(|uid| {
        uid.as_ref()
            .is_some_and(|uid| uid.write_id(&mut post.user_id))
    });
    if !has_user_id {
        return Err(FieldError::new(
            "user.id",
            format!("post {id}: missing user id"),
        ));
    }
    let user_name = user
        .screen_name
        .get()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            FieldError::new(
                "user.screen_name",
                format!("post {id}: missing screen name"),
            )
        })?;
    post.user_name.clear();
    post.user_name.push_str(user_name);
    let created_raw = raw
        .created_at
        .get()
        .ok_or_else(|| FieldError::new("created_at", format!("post {id}: missing created_at")))?;
    post.created_at = cached_weibo_time(created_raw, reference)
        .map_err(|e| FieldError::new("created_at", format!("post {id}: {e}")))?;

    let is_long = raw.is_long_text.as_ref().is_some_and(Scalar::truthy);
    let long_content = raw
        .long_text
        .as_ref()
        .and_then(|l| l.long_text_content.get());
    if let Some(content) = long_content {
        html_to_text_into(content, Whitespace::Keep, &mut post.text, &mut post.topics);
    } else if let Some(plain) = raw.text_raw.get() {
        post.text.clear();
        post.text.push_str(plain.trim());
        post.topics = plain_topics(&post.text);
    } else if let Some(html) = raw.text.get() {
        html_to_text_into(html, Whitespace::Keep, &mut post.text, &mut post.topics);
        if is_long && let Some(stripped) = post.text.strip_suffix("全文") {
            // Truncated list text ends with a "全文" (full text) link.
            let keep = stripped.trim_end().len();
            post.text.truncate(keep);
        }
    } else {
        return Err(FieldError::new("text", format!("post {id}: missing text")));
    }

    post.reposts = count_field(raw.reposts_count.as_ref(), "reposts_count", id)?;
    post.comments = count_field(raw.comments_count.as_ref(), "comments_count", id)?;
    post.likes = count_field(raw.attitudes_count.as_ref(), "attitudes_count", id)?;
    post.source = match raw.source.get() {
        Some(fragment) => {
            let mut source = post.source.take().unwrap_or_default();
            let mut topics = Vec::new();
            html_to_text_into(fragment, Whitespace::Collapse, &mut source, &mut topics);
            (!source.is_empty()).then_some(source)
        }
        None => None,
    };
    post.repost_of = match original {
        Some(original) => {
            let mut repost_of = post.repost_of.take().unwrap_or_default();
            write_status_id(original, &mut repost_of).then_some(repost_of)
        }
        None => None,
    };
    Ok(post)
}

fn count_field(value: Option<&Scalar<'_>>, field: &str, id: &str) -> Result<u64, FieldError> {
    match value {
        None => Ok(0),
        Some(v) => v
            .count()
            .map_err(|m| FieldError::new(field, format!("post {id}: {m}"))),
    }
}

/// A line that is already trendwatch's normalised `Post` JSON.
fn convert_normalised(
    raw: &RawRecord<'_>,
    reference: Option<DateTime<FixedOffset>>,
) -> Result<Post, FieldError> {
    let id = raw
        .id
        .as_ref()
        .and_then(Scalar::id)
        .ok_or_else(|| FieldError::new("id", "missing post id"))?;
    let user_id = raw
        .user_id
        .as_ref()
        .and_then(Scalar::id)
        .ok_or_else(|| FieldError::new("user_id", format!("post {id}: missing user_id")))?;
    let user_name = raw
        .user_name
        .get()
        .ok_or_else(|| FieldError::new("user_name", format!("post {id}: missing user_name")))?
        .to_owned();
    let created_raw = raw
        .created_at
        .get()
        .ok_or_else(|| FieldError::new("created_at", format!("post {id}: missing created_at")))?;
    let created_at = DateTime::parse_from_rfc3339(created_raw.trim())
        .or_else(|_| parse_weibo_time(created_raw, reference))
        .map_err(|e| FieldError::new("created_at", format!("post {id}: {e}")))?;
    check_plausible(created_at, reference)
        .map_err(|e| FieldError::new("created_at", format!("post {id}: {e}")))?;
    let text = raw
        .text
        .get()
        .ok_or_else(|| FieldError::new("text", format!("post {id}: missing text")))?
        .to_owned();
    let topics = match &raw.topics {
        Some(list) => {
            let mut topics: Vec<String> = Vec::with_capacity(list.len());
            for t in list {
                let t = t.trim().trim_matches('#').trim();
                if !t.is_empty() && !topics.iter().any(|x| x == t) {
                    topics.push(t.to_owned());
                }
            }
            topics
        }
        None => plain_topics(&text),
    };
    Ok(Post {
        reposts: count_field(raw.reposts.as_ref(), "reposts", &id)?,
        comments: count_field(raw.comments.as_ref(), "comments", &id)?,
        likes: count_field(raw.likes.as_ref(), "likes", &id)?,
        repost_of: raw.repost_of.as_ref().and_then(Scalar::id),
        source: raw
            .source
            .get()
            .map(str::to_owned)
            .filter(|s| !s.is_empty()),
        id,
        user_id,
        user_name,
        text,
        topics,
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2015-09-13T14:00:00+08:00").unwrap()
    }

    fn convert(json: &str) -> Vec<Result<Post, FieldError>> {
        let raw: RawRecord<'_> = serde_json::from_str(json).unwrap();
        let mut out = Vec::new();
        convert_record(&raw, Some(reference()), &mut out);
        out
    }

    #[test]
    fn mblog_with_numbers_strings_and_long_text() {
        let out = convert(
            r#"{"id":3887395960924451,"created_at":"5分钟前","isLongText":true,
            "text":"微信又崩了<br />#微信崩了#...<a href=\"/status/3887395960924451\">全文</a>",
            "user":{"id":1642909335,"screen_name":" 小明 "},"reposts_count":"1.2万",
            "comments_count":3,"attitudes_count":"100万+","source":"<a href=\"x\">iPhone 6</a>"}"#,
        );
        let post = out[0].as_ref().unwrap();
        assert_eq!(post.id, "3887395960924451");
        assert_eq!(post.user_id, "1642909335");
        assert_eq!(post.user_name, "小明");
        assert_eq!(post.text, "微信又崩了\n#微信崩了#...");
        assert_eq!(post.topics, vec!["微信崩了"]);
        assert_eq!(post.created_at.to_rfc3339(), "2015-09-13T13:55:00+08:00");
        assert_eq!(
            (post.reposts, post.comments, post.likes),
            (12_000, 3, 1_000_000)
        );
        assert_eq!(post.source.as_deref(), Some("iPhone 6"));
    }

    /// Recycled posts are fully overwritten: parsing into them gives what fresh posts give.
    #[test]
    fn recycled_posts_parse_the_same_as_fresh_ones() {
        let lines: Vec<&str> = include_str!("../../../fixtures/samples/mblog-lines.jsonl")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        let parse_all = |lines: &[&str]| -> Vec<Result<Post, FieldError>> {
            lines.iter().flat_map(|line| convert(line)).collect()
        };
        let mut reversed = lines.clone();
        reversed.reverse();
        let fresh = parse_all(&reversed);
        for _ in 0..3 {
            // Recycle every post (with sources, reposts and topics) and parse in another order.
            crate::recycle_posts(parse_all(&lines).into_iter().flatten());
            assert_eq!(parse_all(&reversed), fresh);
        }
    }

    #[test]
    fn remembered_dates_depend_on_text_and_reference() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        let reference = Some(at("2015-09-13T14:00:00+08:00"));
        let later = Some(at("2015-09-14T14:00:00+08:00"));
        for (text, reference) in [
            ("5分钟前", reference),
            ("5分钟前", reference),
            ("5分钟前", later),
            ("5分钟前", None),
            ("Sun Sep 13 13:05:22 +0800 2015", None),
            ("Sun Sep 13 13:05:22 +0800 2015", reference),
            ("今天 13:05", later),
            ("2099-01-01", reference),
            ("今天 13:05", reference),
        ] {
            assert_eq!(
                cached_weibo_time(text, reference),
                parse_weibo_time(text, reference),
                "{text} {reference:?}"
            );
        }
    }

    #[test]
    fn errors_name_fields() {
        let out =
            convert(r#"{"id":"1","created_at":"2015-09-13 10:00","text":"x","user":{"id":2}}"#);
        assert_eq!(out[0].as_ref().unwrap_err().field, "user.screen_name");
        let out = convert(
            r#"{"id":"1","created_at":"2015-09-13 10:00","text":"x","user":{"id":2,"screen_name":"a"},"reposts_count":"很多"}"#,
        );
        let e = out[0].as_ref().unwrap_err();
        assert_eq!(e.field, "reposts_count");
        assert!(e.message.contains("很多"));
        let out = convert(
            r#"{"id":"1","created_at":"2099-09-13 10:00","text":"x","user":{"id":2,"screen_name":"a"}}"#,
        );
        assert_eq!(out[0].as_ref().unwrap_err().field, "created_at");
    }

    #[test]
    fn deleted_original_still_links_the_repost() {
        let out = convert(
            r#"{"id":"2","created_at":"2015-09-13 10:00","text":"转发","user":{"id":2,"screen_name":"a"},
            "retweeted_status":{"id":"1","created_at":"2015-09-13 09:00","text":"抱歉，此微博已被作者删除。","user":null}}"#,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].as_ref().unwrap_err().field, "retweeted_status.user");
        assert_eq!(out[1].as_ref().unwrap().repost_of.as_deref(), Some("1"));
    }

    #[test]
    fn long_text_responses() {
        let extend = r#"{"ok":1,"data":{"ok":1,"longTextContent":"今天中午微信故障<br />详细说明：<a href=\"/k/x\">#微信崩了#</a>","reposts_count":856}}"#;
        let t = parse_long_text(extend, "extend").unwrap();
        assert_eq!(t.text, "今天中午微信故障\n详细说明：#微信崩了#");
        assert_eq!(t.topics, vec!["微信崩了"]);
        let ajax =
            r#"{"ok":1,"http_code":200,"data":{"longTextContent":"第一行\n#微信崩了# 第二行"}}"#;
        let t = parse_long_text(ajax, "ajax").unwrap();
        assert_eq!(t.text, "第一行\n#微信崩了# 第二行");
        assert_eq!(t.topics, vec!["微信崩了"]);
        assert!(matches!(
            parse_long_text(
                r#"{"ok":-100,"url":"https://passport.weibo.cn/signin"}"#,
                "x"
            ),
            Err(PageError::Blocked { .. })
        ));
        assert!(matches!(
            parse_long_text(r#"{"ok":1,"data":{}}"#, "x"),
            Err(PageError::Malformed { .. })
        ));
    }

    #[test]
    fn blocked_responses() {
        let e = parse_api_page(
            r#"{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome"}"#,
            "x",
            None,
        )
        .unwrap_err();
        assert!(matches!(e, PageError::Blocked { .. }), "{e}");
        let e = parse_api_page(r#"{"url":"https://security.weibo.com/captcha"}"#, "x", None)
            .unwrap_err();
        assert!(matches!(e, PageError::Blocked { .. }));
        let e = parse_api_page(
            r#"{"ok":0,"errno":"100005","msg":"请求过于频繁，歇歇吧"}"#,
            "x",
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("throttled"), "{e}");
        let page = parse_api_page(
            r#"{"ok":0,"msg":"这里还没有内容","data":{"cards":[]}}"#,
            "x",
            None,
        )
        .unwrap();
        assert!(!page.ok);
        assert!(page.records.is_empty());
    }
}
