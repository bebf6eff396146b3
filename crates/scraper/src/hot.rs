//! Hot-search ("热搜") lists: `weibo.com/ajax/side/hotSearch`, `ajax/statuses/hot_band`, and the
//! `s.weibo.com/top/summary` HTML table.

use std::path::Path;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use scraper::{ElementRef, Selector};
use trendwatch_model::HotSearchEntry;

use crate::count::parse_count;
use crate::mblog::{FieldError, check_blocked, record_capture_time};
use crate::raw::{RawHotItem, RawRecord, Scalar};
use crate::{PageError, RecordError, blocked_html_reason, page_servertime};

/// One hot-search list, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct HotSearchPage {
    /// Entries and per-row errors in list order (pinned rows first). Errors carry the 1-based
    /// row ordinal as their `line`.
    pub entries: Vec<Result<HotSearchEntry, RecordError>>,
    /// The capture time stamped on every entry, if one was known.
    pub captured_at: Option<DateTime<FixedOffset>>,
}

/// Parses a hot-search list: the `ajax/side/hotSearch` or `ajax/statuses/hot_band` JSON, or the
/// `s.weibo.com/top/summary` HTML (told apart by content).
///
/// The capture time is the page's own (`$CONFIG['servertime']`, or a `captured_at`/`servertime`
/// field saved with the JSON), else `captured_at`; without either every row would lack its
/// time, so the page yields a single [`RecordError`] on field `captured_at` instead.
///
/// JSON rank: `realpos` (1-based) if present, else `rank` + 1 (`rank` is 0-based). Pinned
/// (`hotgov`) and advertised (`is_ad`) rows have no rank; ads without a label get `荐`.
/// Enclosing `#…#` marks are removed from words.
pub fn parse_hot_search(
    text: &str,
    source_name: &str,
    captured_at: Option<DateTime<FixedOffset>>,
) -> Result<HotSearchPage, PageError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        parse_hot_json(trimmed, source_name, captured_at)
    } else {
        parse_hot_html(text, source_name, captured_at)
    }
}

fn missing_time(file: &Path) -> RecordError {
    RecordError {
        file: file.to_path_buf(),
        line: 1,
        field: "captured_at".into(),
        message: "the hot-search list has no capture time (no $CONFIG['servertime']): \
                  pass one with --captured-at (ReadOptions::captured_at)"
            .into(),
    }
}

fn parse_hot_json(
    text: &str,
    source_name: &str,
    captured_at: Option<DateTime<FixedOffset>>,
) -> Result<HotSearchPage, PageError> {
    let raw: RawRecord<'_> = serde_json::from_str(text).map_err(|e| PageError::Malformed {
        message: format!("{source_name}: not a hot-search response: {e}"),
    })?;
    hot_from_raw(&raw, Path::new(source_name), captured_at)
}

/// Builds the hot-search page from an already deserialised response.
pub(crate) fn hot_from_raw(
    raw: &RawRecord<'_>,
    file: &Path,
    captured_at: Option<DateTime<FixedOffset>>,
) -> Result<HotSearchPage, PageError> {
    check_blocked(raw)?;
    let reference = record_capture_time(raw).or(captured_at);
    let Some(data) = raw.data.as_deref() else {
        return Err(PageError::Malformed {
            message: format!("{}: hot-search response without data", file.display()),
        });
    };
    let Some(reference) = reference else {
        return Ok(HotSearchPage {
            entries: vec![Err(missing_time(file))],
            captured_at: None,
        });
    };
    let mut entries = Vec::new();
    let mut line = 0u64;
    // Newer responses repeat `hotgov` as the first element of `hotgovs`.
    let pinned: Vec<&RawHotItem<'_>> = match &data.hotgovs {
        Some(list) if !list.is_empty() => list.iter().collect(),
        _ => data.hotgov.iter().collect(),
    };
    for item in pinned {
        line += 1;
        entries.push(hot_item(item, reference, true).map_err(|e| e.at(file, line)));
    }
    for item in data
        .realtime
        .iter()
        .flatten()
        .chain(data.band_list.iter().flatten())
    {
        line += 1;
        entries.push(hot_item(item, reference, false).map_err(|e| e.at(file, line)));
    }
    Ok(HotSearchPage {
        entries,
        captured_at: Some(reference),
    })
}

fn clean_word(word: &str) -> String {
    let w = word.trim();
    let w = if w.len() > 2 && w.starts_with('#') && w.ends_with('#') {
        w[1..w.len() - 1].trim()
    } else {
        w
    };
    w.to_owned()
}

fn hot_item(
    item: &RawHotItem<'_>,
    captured_at: DateTime<FixedOffset>,
    pinned: bool,
) -> Result<HotSearchEntry, FieldError> {
    let word = [item.word.get(), item.note.get(), item.name.get()]
        .into_iter()
        .flatten()
        .map(clean_word)
        .find(|w| !w.is_empty())
        .ok_or_else(|| FieldError::new("word", "hot-search row without a word"))?;
    let is_ad = item.is_ad.as_ref().is_some_and(Scalar::truthy);
    let rank =
        if pinned || is_ad {
            None
        } else {
            let realpos = item
                .realpos
                .as_ref()
                .and_then(Scalar::int)
                .filter(|n| *n >= 1);
            let rank = item
                .rank
                .as_ref()
                .and_then(Scalar::int)
                .filter(|n| *n >= 0)
                .map(|n| n + 1);
            let rank = realpos
                .or(rank)
                .ok_or_else(|| FieldError::new("rank", format!("{word:?}: no realpos or rank")))?;
            Some(u32::try_from(rank).map_err(|_| {
                FieldError::new("rank", format!("{word:?}: rank {rank} out of range"))
            })?)
        };
    let heat = match item.num.as_ref().or(item.raw_hot.as_ref()) {
        None | Some(Scalar::Null) => None,
        Some(v) => Some(
            v.count()
                .map_err(|m| FieldError::new("num", format!("{word:?}: {m}")))?,
        ),
    };
    let label = [item.label_name.get(), item.icon_desc.get()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
        .or_else(|| is_ad.then(|| "荐".to_owned()));
    Ok(HotSearchEntry {
        rank,
        word,
        heat,
        label,
        captured_at,
    })
}

struct HotSelectors {
    rows: Selector,
    any_rows: Selector,
    rank_cell: Selector,
    pin_icon: Selector,
    word_link: Selector,
    heat: Selector,
    label: Selector,
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("invalid built-in selector {css:?}: {e}"))
}

static SEL: LazyLock<HotSelectors> = LazyLock::new(|| HotSelectors {
    rows: sel("#pl_top_realtimehot table tbody tr"),
    any_rows: sel("table tr"),
    rank_cell: sel("td.td-01"),
    pin_icon: sel("i.icon-top"),
    word_link: sel("td.td-02 > a"),
    heat: sel("td.td-02 > span"),
    label: sel("td.td-03 i, td.td-03 > span"),
});

fn text_of(e: ElementRef<'_>) -> String {
    e.text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_hot_html(
    html: &str,
    source_name: &str,
    captured_at: Option<DateTime<FixedOffset>>,
) -> Result<HotSearchPage, PageError> {
    let file = Path::new(source_name);
    let reference = page_servertime(html).or(captured_at);
    let doc = crate::parse_html(html, source_name)?;
    let s = &*SEL;
    let mut rows: Vec<ElementRef<'_>> = doc.select(&s.rows).collect();
    if rows.is_empty() {
        rows = doc
            .select(&s.any_rows)
            .filter(|r| r.select(&s.word_link).next().is_some())
            .collect();
    }
    // Header rows (th only) are not entries.
    rows.retain(|r| {
        r.select(&s.rank_cell).next().is_some() || r.select(&s.word_link).next().is_some()
    });
    if rows.is_empty() {
        if let Some(reason) = blocked_html_reason(html) {
            return Err(PageError::Blocked { what: reason });
        }
        return Err(PageError::Malformed {
            message: format!("{source_name}: no hot-search rows (#pl_top_realtimehot table tr)"),
        });
    }
    let Some(reference) = reference else {
        return Ok(HotSearchPage {
            entries: vec![Err(missing_time(file))],
            captured_at: None,
        });
    };
    let entries = rows
        .iter()
        .enumerate()
        .map(|(i, row)| hot_row(*row, reference).map_err(|e| e.at(file, (i + 1) as u64)))
        .collect();
    Ok(HotSearchPage {
        entries,
        captured_at: Some(reference),
    })
}

fn hot_row(
    row: ElementRef<'_>,
    captured_at: DateTime<FixedOffset>,
) -> Result<HotSearchEntry, FieldError> {
    let s = &*SEL;
    let link = row
        .select(&s.word_link)
        .next()
        .ok_or_else(|| FieldError::new("word", "row has no td.td-02 > a"))?;
    let word = clean_word(&text_of(link));
    if word.is_empty() {
        return Err(FieldError::new("word", "empty td.td-02 > a"));
    }
    let href = link.value().attr("href").unwrap_or("");
    let is_ad = href.contains("javascript:void") || link.value().attr("href_to").is_some();
    let rank_cell = row.select(&s.rank_cell).next();
    let pinned = rank_cell.is_some_and(|c| c.select(&s.pin_icon).next().is_some());
    let rank = if pinned || is_ad {
        None
    } else {
        let text = rank_cell.map(text_of).unwrap_or_default();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            None
        } else {
            // Ranks are 1-based; "0" (or digits that overflow) is not a rank.
            Some(
                digits
                    .parse::<u32>()
                    .ok()
                    .filter(|r| *r >= 1)
                    .ok_or_else(|| {
                        FieldError::new("rank", format!("{word:?}: bad rank {text:?}"))
                    })?,
            )
        }
    };
    let (heat, category) = match row.select(&s.heat).next() {
        None => (None, None),
        Some(span) => {
            let text = text_of(span);
            match text.rsplit_once(' ') {
                Some((category, number)) if parse_count(number).is_some() => {
                    (parse_count(number), Some(category.trim().to_owned()))
                }
                _ if text.is_empty() => (None, None),
                _ => match parse_count(&text) {
                    Some(n) => (Some(n), None),
                    None => {
                        return Err(FieldError::new(
                            "heat",
                            format!("{word:?}: bad heat {text:?}"),
                        ));
                    }
                },
            }
        }
    };
    let label = row
        .select(&s.label)
        .map(text_of)
        .find(|t| !t.is_empty())
        .or(category.filter(|c| !c.is_empty()))
        .or_else(|| is_ad.then(|| "荐".to_owned()));
    Ok(HotSearchEntry {
        rank,
        word,
        heat,
        label,
        captured_at,
    })
}
