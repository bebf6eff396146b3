//! s.weibo.com search-result pages (2017, 2018–2022 and 2023+ layouts).

use std::path::Path;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use regex::Regex;
use scraper::{ElementRef, Selector};
use trendwatch_model::Post;

use crate::count::parse_count;
use crate::mblog::FieldError;
use crate::text::{Whitespace, html_to_text};
use crate::time::{check_plausible, parse_weibo_time};
use crate::{PageError, RecordError, blocked_html_reason, epoch_to_beijing, page_servertime};

/// One search-result page, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// Posts and per-card errors in page order; a card's retweeted original comes right before
    /// it. Errors carry the 1-based card ordinal as their `line`.
    pub records: Vec<Result<Post, RecordError>>,
    /// The `a.next` ("下一页") link, as written in the page (usually relative,
    /// `/weibo?q=…&page=2`).
    pub next_href: Option<String>,
    /// How many result pages the page's pager lists (`ul.s-scroll > li`); s.weibo.com shows at
    /// most 50, so a full pager means the query should be split (by day, hour or region).
    pub page_count: Option<u32>,
    /// The reference time used for relative dates: the page's `$CONFIG['servertime']`, else
    /// the `captured_at` argument.
    pub captured_at: Option<DateTime<FixedOffset>>,
}

impl SearchPage {
    /// The successfully parsed posts, in page order.
    pub fn posts(&self) -> impl Iterator<Item = &Post> {
        self.records.iter().filter_map(|r| r.as_ref().ok())
    }

    /// The per-card errors.
    pub fn errors(&self) -> impl Iterator<Item = &RecordError> {
        self.records.iter().filter_map(|r| r.as_ref().err())
    }
}

fn sel(css: &str) -> Selector {
    // Only called with the literal selectors below, which are valid.
    Selector::parse(css).unwrap_or_else(|e| panic!("invalid built-in selector {css:?}: {e}"))
}

struct Selectors {
    cards: Selector,
    no_result: Selector,
    card_comment: Selector,
    name_link: Selector,
    any_nick: Selector,
    avatar_link: Selector,
    text_full: Selector,
    text: Selector,
    from_links: Selector,
    date_link: Selector,
    forward: Selector,
    comment: Selector,
    like: Selector,
    act_items: Selector,
    next: Selector,
    pager_items: Selector,
    anchor: Selector,
}

static SEL: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    cards: sel("div.card-wrap[mid], div[mid][action-type=feed_list_item]"),
    no_result: sel(".card-no-result"),
    card_comment: sel("div.card-comment, div.comment"),
    name_link: sel("a.name"),
    any_nick: sel("[nick-name]"),
    avatar_link: sel("div.avator a[href], div.face a[href]"),
    text_full: sel("[node-type=feed_list_content_full]"),
    text: sel(
        "[node-type=feed_list_content], p.comment_txt, p[node-type=feed_list_forwardContent]",
    ),
    from_links: sel("p.from a, div.from a, div.feed_from a, div.WB_from a"),
    date_link: sel("a[node-type=feed_list_item_date]"),
    forward: sel("a[action-type=feed_list_forward]"),
    comment: sel("a[action-type=feed_list_comment]"),
    like: sel("a[action-type=feed_list_like]"),
    act_items: sel("ul.act > li"),
    next: sel("a.next"),
    pager_items: sel("ul.s-scroll > li"),
    anchor: sel("a"),
});

static UID_IN_HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|//|\.)weibo\.com/(?:u/)?(\d{4,})(?:[/?#]|$)")
        .unwrap_or_else(|e| panic!("{e}"))
});
static BID_IN_HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"weibo\.com/(\d+)/([0-9A-Za-z]{6,12})(?:[/?#]|$)").unwrap_or_else(|e| panic!("{e}"))
});

/// Parses an s.weibo.com search-result page.
///
/// `source_name` (file name or URL) goes into errors. The reference time for relative dates
/// is the page's `$CONFIG['servertime']`, else `captured_at`. A page with no result cards
/// that is a login wall or the "Sina Visitor System" gives [`PageError::Blocked`].
pub fn parse_search_page(
    html: &str,
    source_name: &str,
    captured_at: Option<DateTime<FixedOffset>>,
) -> Result<SearchPage, PageError> {
    let reference = page_servertime(html).or(captured_at);
    let doc = crate::parse_html(html, source_name)?;
    let s = &*SEL;
    let file = Path::new(source_name);
    let cards: Vec<ElementRef<'_>> = doc
        .select(&s.cards)
        .filter(|c| c.select(&s.no_result).next().is_none())
        .collect();
    // Broken markup (an unclosed <div>) can nest the following cards inside a card; each card
    // then owns only the elements whose nearest enclosing card is itself.
    let ids: Vec<_> = cards.iter().map(|c| c.id()).collect();
    if cards.is_empty()
        && let Some(reason) = blocked_html_reason(html)
    {
        return Err(PageError::Blocked { what: reason });
    }
    let mut records = Vec::with_capacity(cards.len() + 4);
    for (i, card) in cards.iter().enumerate() {
        let line = (i + 1) as u64;
        for r in parse_card(*card, &ids, reference) {
            records.push(r.map_err(|e| e.at(file, line)));
        }
    }
    let next_href = doc
        .select(&s.next)
        .find_map(|a| a.value().attr("href"))
        .map(str::trim)
        .filter(|h| !h.is_empty() && !h.starts_with("javascript"))
        .map(str::to_owned);
    let pager = doc.select(&s.pager_items).count();
    let page_count = u32::try_from(pager).ok().filter(|n| *n > 0);
    Ok(SearchPage {
        records,
        next_href,
        page_count,
        captured_at: reference,
    })
}

/// Converts one card into its posts (retweeted original first).
fn parse_card(
    card: ElementRef<'_>,
    card_ids: &[ego_tree::NodeId],
    reference: Option<DateTime<FixedOffset>>,
) -> Vec<Result<Post, FieldError>> {
    let s = &*SEL;
    let mut out = Vec::with_capacity(2);
    let Some(mid) = card
        .value()
        .attr("mid")
        .map(str::trim)
        .filter(|m| !m.is_empty())
    else {
        out.push(Err(FieldError::new(
            "mid",
            "card has an empty mid attribute",
        )));
        return out;
    };
    let owned = |el: &ElementRef<'_>| {
        el.ancestors()
            .find(|a| card_ids.contains(&a.id()))
            .is_some_and(|a| a.id() == card.id())
    };
    // The retweeted original: `div.card-comment` (2018+), or a 2017 `div.comment` that holds
    // an author and text of its own.
    let retweet = card.select(&s.card_comment).find(|e| {
        owned(e)
            && (e.value().classes().any(|c| c == "card-comment")
                || e.select(&s.any_nick).next().is_some())
    });
    let outside = |el: &ElementRef<'_>| {
        owned(el)
            && match retweet {
                Some(rt) => !el.ancestors().any(|a| a.id() == rt.id()),
                None => true,
            }
    };
    let mut repost_of = None;
    if let Some(rt) = retweet {
        // A retweet block that is only a "原微博已删除" notice has no text; skip it quietly.
        let has_content =
            rt.select(&s.text).next().is_some() || rt.select(&s.text_full).next().is_some();
        if has_content {
            let (id, post) = parse_retweet(rt, &owned, reference);
            repost_of = id;
            out.push(post.map_err(|e| prefix(e, "retweet.")));
        }
    }
    out.push(parse_post(
        card,
        mid.to_owned(),
        &outside,
        reference,
        repost_of,
        Counts::Card,
    ));
    out
}

fn prefix(mut e: FieldError, p: &str) -> FieldError {
    e.field = format!("{p}{}", e.field);
    e
}

/// Where a post's counts live.
#[derive(Clone, Copy)]
enum Counts {
    /// `div.card-act` with `a[action-type=feed_list_*]` (outer posts, all layouts).
    Card,
    /// The retweet's `ul.act` list: forward, comment, like.
    Retweet,
}

fn parse_retweet(
    rt: ElementRef<'_>,
    owned: &dyn Fn(&ElementRef<'_>) -> bool,
    reference: Option<DateTime<FixedOffset>>,
) -> (Option<String>, Result<Post, FieldError>) {
    let s = &*SEL;
    let from_action = rt
        .select(&s.like)
        .filter(|a| owned(a))
        .filter_map(|a| a.value().attr("action-data"))
        .find_map(|d| {
            d.split('&')
                .find_map(|kv| kv.strip_prefix("mid="))
                .map(str::trim)
                .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_owned)
        });
    let from_bid = || {
        rt.select(&s.from_links)
            .filter_map(|a| a.value().attr("href"))
            .find_map(|h| BID_IN_HREF.captures(h).and_then(|c| mid_from_bid(&c[2])))
    };
    let Some(id) = from_action.or_else(from_bid) else {
        return (
            None,
            Err(FieldError::new(
                "mid",
                "retweeted post has no mid (like link action-data) and no bid link",
            )),
        );
    };
    let post = parse_post(rt, id.clone(), owned, reference, None, Counts::Retweet);
    (Some(id), post)
}

fn parse_post(
    root: ElementRef<'_>,
    id: String,
    keep: &dyn Fn(&ElementRef<'_>) -> bool,
    reference: Option<DateTime<FixedOffset>>,
    repost_of: Option<String>,
    counts: Counts,
) -> Result<Post, FieldError> {
    let s = &*SEL;
    let first = |selector: &Selector| root.select(selector).find(|e| keep(e));

    // Time link and source.
    let from_links: Vec<ElementRef<'_>> = root.select(&s.from_links).filter(|e| keep(e)).collect();
    let date_link = first(&s.date_link);
    let time_link = date_link.or_else(|| from_links.first().copied());
    let time_href = time_link.and_then(|a| a.value().attr("href")).unwrap_or("");

    // User.
    let name_el = first(&s.name_link).or_else(|| first(&s.any_nick));
    let user_name = name_el
        .and_then(|e| {
            e.value()
                .attr("nick-name")
                .map(str::to_owned)
                .or_else(|| Some(element_text(e)))
        })
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .or_else(|| {
            first(&s.any_nick)
                .and_then(|e| e.value().attr("nick-name"))
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
        })
        .ok_or_else(|| {
            FieldError::new(
                "user.screen_name",
                format!("post {id}: no a.name[nick-name]"),
            )
        })?;
    let uid_from = |e: Option<ElementRef<'_>>| {
        e.and_then(|e| e.value().attr("href"))
            .and_then(|h| UID_IN_HREF.captures(h))
            .map(|c| c[1].to_owned())
    };
    let user_id = uid_from(name_el)
        .or_else(|| uid_from(first(&s.avatar_link)))
        .or_else(|| BID_IN_HREF.captures(time_href).map(|c| c[1].to_owned()))
        .or_else(|| {
            name_el
                .and_then(|e| e.value().attr("usercard"))
                .and_then(|u| u.split('&').find_map(|kv| kv.strip_prefix("id=")))
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            FieldError::new(
                "user.id",
                format!("post {id}: no //weibo.com/{{uid}} link for the author"),
            )
        })?;

    // Text.
    let text_el = first(&s.text_full)
        .or_else(|| first(&s.text))
        .ok_or_else(|| {
            FieldError::new(
                "text",
                format!("post {id}: no p.txt[node-type=feed_list_content]"),
            )
        })?;
    let plain = html_to_text(&text_el.inner_html(), Whitespace::Collapse);
    let text = strip_fold_marker(&plain.text).to_owned();

    // Created at.
    let created_at = if let Some(ms) = date_link.and_then(|a| a.value().attr("date")) {
        let ms: i64 = ms.trim().parse().map_err(|_| {
            FieldError::new(
                "created_at",
                format!("post {id}: bad date attribute {ms:?}"),
            )
        })?;
        let t = epoch_to_beijing(ms).ok_or_else(|| {
            FieldError::new("created_at", format!("post {id}: date {ms} out of range"))
        })?;
        check_plausible(t, reference)
            .map_err(|e| FieldError::new("created_at", format!("post {id}: {e}")))?;
        t
    } else {
        let link = time_link.ok_or_else(|| {
            FieldError::new(
                "created_at",
                format!("post {id}: no time link in p.from/div.from"),
            )
        })?;
        let raw = link
            .value()
            .attr("title")
            .filter(|t| !t.trim().is_empty() && t.trim().as_bytes()[0].is_ascii_digit())
            .map_or_else(|| element_text(link), str::to_owned);
        parse_weibo_time(&raw, reference)
            .map_err(|e| FieldError::new("created_at", format!("post {id}: {e}")))?
    };

    // Source: the link after the time link.
    let source = match date_link {
        Some(d) => root
            .select(&s.anchor)
            .filter(|a| keep(a) && a.id() != d.id() && a.parent() == d.parent())
            .map(element_text)
            .find(|t| !t.is_empty()),
        None => from_links
            .get(1)
            .map(|a| element_text(*a))
            .filter(|t| !t.is_empty()),
    };

    let (reposts, comments, likes) = match counts {
        Counts::Card => (
            action_count(first(&s.forward), "reposts", &id)?,
            action_count(first(&s.comment), "comments", &id)?,
            action_count(first(&s.like), "likes", &id)?,
        ),
        Counts::Retweet => {
            // 2018+: `ul.act` links without action types (forward, comment) plus the like
            // link; older markup may carry the action types.
            let items: Vec<ElementRef<'_>> =
                root.select(&s.act_items).filter(|e| keep(e)).collect();
            let forward = first(&s.forward).or_else(|| items.first().copied());
            let comment = first(&s.comment).or_else(|| items.get(1).copied());
            let like = first(&s.like).or_else(|| items.get(2).copied());
            (
                action_count(forward, "reposts", &id)?,
                action_count(comment, "comments", &id)?,
                action_count(like, "likes", &id)?,
            )
        }
    };

    Ok(Post {
        topics: plain.topics,
        id,
        user_id,
        user_name,
        text,
        created_at,
        reposts,
        comments,
        likes,
        repost_of,
        source,
    })
}

/// An element's text with whitespace collapsed and icon-font glyphs removed.
fn element_text(e: ElementRef<'_>) -> String {
    let mut out = String::new();
    for part in e.text() {
        for word in part.split_whitespace() {
            let word: String = word.chars().filter(|c| !is_private_use(*c)).collect();
            if word.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&word);
        }
    }
    out
}

fn is_private_use(c: char) -> bool {
    ('\u{e000}'..='\u{f8ff}').contains(&c)
}

/// Reads a count from an action link: "转发 1261", bare "转发" (0), `<em>40975</em>`,
/// `<span class="woo-like-count">1.2万</span>`, button/span variants.
fn action_count(link: Option<ElementRef<'_>>, field: &str, id: &str) -> Result<u64, FieldError> {
    let Some(link) = link else { return Ok(0) };
    let text = element_text(link);
    let mut rest = text.clone();
    for label in [
        "转发",
        "评论",
        "取消赞",
        "赞",
        "收藏",
        "Repost",
        "Comment",
        "Like",
    ] {
        rest = rest.replace(label, "");
    }
    let rest: String = rest.split_whitespace().collect();
    if rest.is_empty() {
        return Ok(0);
    }
    parse_count(&rest)
        .ok_or_else(|| FieldError::new(field, format!("post {id}: bad count {text:?}")))
}

/// Removes the trailing fold/unfold link text ("收起全文d", "展开全文c") Weibo appends.
fn strip_fold_marker(text: &str) -> &str {
    let mut t = text.trim_end();
    for marker in ["收起全文d", "展开全文c", "收起全文", "展开全文", "收起d"] {
        if let Some(stripped) = t.strip_suffix(marker) {
            t = stripped.trim_end();
            break;
        }
    }
    t
}

const BASE62: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Converts a post's base62 `bid` (the `z0JH2lOMb` in `weibo.com/{uid}/z0JH2lOMb`) into its
/// numeric `mid`: groups of four base62 digits from the right, each a 7-digit decimal group.
pub fn mid_from_bid(bid: &str) -> Option<String> {
    let bytes = bid.as_bytes();
    if bytes.is_empty() || bytes.len() > 12 {
        return None;
    }
    let mut groups: Vec<String> = Vec::new();
    let mut end = bytes.len();
    while end > 0 {
        let start = end.saturating_sub(4);
        let mut value: u64 = 0;
        for &b in &bytes[start..end] {
            let digit = BASE62.iter().position(|&c| c == b)?;
            value = value * 62 + digit as u64;
        }
        if start == 0 {
            groups.push(value.to_string());
        } else if value < 10_000_000 {
            groups.push(format!("{value:07}"));
        } else {
            return None;
        }
        end = start;
    }
    groups.reverse();
    let mid = groups.concat();
    let mid = mid.trim_start_matches('0');
    (!mid.is_empty()).then(|| mid.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bid_to_mid() {
        assert_eq!(
            mid_from_bid("z0JH2lOMb").as_deref(),
            Some("3501756485200075")
        );
        assert_eq!(mid_from_bid("bad!"), None);
        assert_eq!(mid_from_bid(""), None);
    }

    #[test]
    fn fold_markers() {
        assert_eq!(strip_fold_marker("微信崩了 收起全文d"), "微信崩了");
        assert_eq!(strip_fold_marker("微信崩了...展开全文c "), "微信崩了...");
        assert_eq!(strip_fold_marker("全文"), "全文");
    }
}
