//! Weibo's many date formats, absolute and relative, resolved against a capture time.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
};
use trendwatch_model::beijing;

/// Why a date string could not be turned into a time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The string matches no known form.
    #[error("unrecognised date {0:?}")]
    Unrecognised(String),
    /// The string is relative ("5分钟前", "今天 13:05", "09月13日 13:05") and no reference time
    /// was available.
    #[error(
        "relative date {0:?} needs a capture time, and the page has none \
         (no $CONFIG['servertime']): pass one with --captured-at (ReadOptions::captured_at)"
    )]
    NeedsReference(String),
    /// The time is before Weibo launched (2009-08-01).
    #[error("date {0} is before Weibo launched (2009-08-01)")]
    BeforeLaunch(DateTime<FixedOffset>),
    /// The time is more than a day after the capture time.
    #[error("date {date} is more than a day after the capture time {reference}")]
    AfterCapture {
        /// The parsed time.
        date: DateTime<FixedOffset>,
        /// The capture time it was checked against.
        reference: DateTime<FixedOffset>,
    },
}

/// Weibo's public launch, 2009-08-01 00:00 +08:00; earlier post dates are absurd.
pub fn weibo_launch() -> DateTime<FixedOffset> {
    // 1_249_056_000 = 2009-07-31T16:00:00Z, always representable.
    DateTime::from_timestamp(1_249_056_000, 0)
        .unwrap_or_default()
        .with_timezone(&beijing())
}

/// Parses a Weibo `created_at` / time-link text and checks it is plausible.
///
/// Forms: `Sun Sep 13 13:05:22 +0800 2015`, RFC 3339, `2015-09-13 13:05[:22]`,
/// `2015-09-13`, `2015年09月13日 13:05`, `09月13日 13:05`, `09-13` and `09-13 13:05`,
/// `今天 13:05`, `昨天 13:05`, `前天 13:05`, `刚刚`, `N秒前`, `N分钟前`, `N小时前`, `N天前`
/// (the `前` is optional). Times without an offset are Beijing time. Forms without a year take it
/// from `reference` and roll back one year when the result would be more than a day after the
/// reference. Relative forms need `reference`.
///
/// The result must not be before Weibo's launch, nor more than a day after `reference`.
pub fn parse_weibo_time(
    text: &str,
    reference: Option<DateTime<FixedOffset>>,
) -> Result<DateTime<FixedOffset>, TimeError> {
    let date = parse_unchecked(text, reference)?;
    check_plausible(date, reference)?;
    Ok(date)
}

/// Checks a time against Weibo's launch and the capture time (one day of tolerance).
pub fn check_plausible(
    date: DateTime<FixedOffset>,
    reference: Option<DateTime<FixedOffset>>,
) -> Result<(), TimeError> {
    if date < weibo_launch() {
        return Err(TimeError::BeforeLaunch(date));
    }
    if let Some(reference) = reference
        && date > one_day_after(reference)
    {
        return Err(TimeError::AfterCapture { date, reference });
    }
    Ok(())
}

/// The reference plus one day of tolerance (saturating at chrono's maximum date).
fn one_day_after(reference: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    reference
        .checked_add_signed(Duration::days(1))
        .unwrap_or(reference)
}

fn parse_unchecked(
    text: &str,
    reference: Option<DateTime<FixedOffset>>,
) -> Result<DateTime<FixedOffset>, TimeError> {
    let s = text.trim();
    let unrecognised = || TimeError::Unrecognised(text.to_owned());
    let needs_reference = || TimeError::NeedsReference(s.to_owned());
    if s.is_empty() {
        return Err(unrecognised());
    }
    let bj = beijing();
    let first = s.as_bytes()[0];

    if first.is_ascii_alphabetic() {
        if let Some(d) = parse_api_fast(s) {
            return Ok(d);
        }
        // `Sun Sep 13 13:05:22 +0800 2015` (also without the weekday).
        for fmt in ["%a %b %d %H:%M:%S %z %Y", "%b %d %H:%M:%S %z %Y"] {
            if let Ok(d) = DateTime::parse_from_str(s, fmt) {
                return Ok(d);
            }
        }
        return Err(unrecognised());
    }

    if first.is_ascii_digit() {
        if let Ok(d) = DateTime::parse_from_rfc3339(s) {
            return Ok(d);
        }
        // Relative forms that start with a number.
        if let Some((n, unit)) = split_number_unit(s) {
            let secs = match unit {
                "秒" => 1,
                "分钟" | "分" => 60,
                "小时" => 3600,
                "天" => 86_400,
                _ => 0,
            };
            if secs > 0 {
                let reference = reference.ok_or_else(needs_reference)?;
                let back = n.checked_mul(secs).ok_or_else(unrecognised)?;
                return Duration::try_seconds(back)
                    .and_then(|d| reference.with_timezone(&bj).checked_sub_signed(d))
                    .ok_or_else(unrecognised);
            }
        }
        let compact: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        for fmt in [
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y年%m月%d日 %H:%M",
            "%Y年%m月%d日%H:%M",
            "%Y年%m月%d日 %H:%M:%S",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(&compact, fmt) {
                return local(naive);
            }
        }
        for fmt in ["%Y-%m-%d", "%Y年%m月%d日"] {
            if let Ok(day) = NaiveDate::parse_from_str(&compact, fmt) {
                return local(day.and_time(NaiveTime::MIN));
            }
        }
        // Year-less forms: `09月13日 13:05`, `09-13 13:05`, `09-13`.
        if let Some((month, day, time)) = yearless(&compact) {
            let reference = reference.ok_or_else(needs_reference)?;
            let reference_bj = reference.with_timezone(&bj);
            let mut year = reference_bj.year();
            for _ in 0..2 {
                let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
                    // 29 Feb in a non-leap year: try the year before.
                    year -= 1;
                    continue;
                };
                let candidate = local(date.and_time(time))?;
                if candidate > one_day_after(reference) {
                    year -= 1;
                    continue;
                }
                return Ok(candidate);
            }
            return Err(unrecognised());
        }
        return Err(unrecognised());
    }

    // Chinese relative forms.
    if s == "刚刚" {
        return reference
            .map(|r| r.with_timezone(&bj))
            .ok_or_else(needs_reference);
    }
    for (prefix, days_back) in [("今天", 0), ("昨天", 1), ("前天", 2)] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let time = parse_hm(rest.trim()).ok_or_else(unrecognised)?;
            let reference = reference.ok_or_else(needs_reference)?;
            let day = reference
                .with_timezone(&bj)
                .date_naive()
                .checked_sub_signed(Duration::days(days_back))
                .ok_or_else(unrecognised)?;
            return local(day.and_time(time));
        }
    }
    Err(unrecognised())
}

/// Fast path for the exact API form `Sun Sep 13 13:05:22 +0800 2015` (the one that millions
/// of lines carry); anything unusual falls back to chrono's format parser. The weekday is
/// not checked here: the fallback would only reject a wrong weekday the API never sends.
fn parse_api_fast(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() != 30
        || b[3] != b' '
        || b[7] != b' '
        || b[10] != b' '
        || b[19] != b' '
        || b[25] != b' '
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let month = MONTHS.iter().position(|m| &b[4..7] == *m)? as u32 + 1;
    let day = num(8..10)?;
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let sign = match b[20] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let offset_minutes = num(21..23)? * 60 + num(23..25)?;
    let year = i32::try_from(num(26..30)?).ok()?;
    let offset = FixedOffset::east_opt(sign * i32::try_from(offset_minutes).ok()? * 60)?;
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    offset.from_local_datetime(&naive).single()
}

fn local(naive: NaiveDateTime) -> Result<DateTime<FixedOffset>, TimeError> {
    beijing()
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| TimeError::Unrecognised(naive.to_string()))
}

/// `"5分钟前"` → `(5, "分钟")`; the trailing `前` is optional.
fn split_number_unit(s: &str) -> Option<(i64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let n: i64 = s[..digits].parse().ok()?;
    let unit = s[digits..].trim();
    let unit = unit.strip_suffix('前').unwrap_or(unit).trim_end();
    Some((n, unit))
}

fn parse_hm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()
}

/// `09月13日 13:05` / `09月13日13:05` / `09-13 13:05` / `09-13` → (month, day, time).
fn yearless(s: &str) -> Option<(u32, u32, NaiveTime)> {
    let (month, rest) = s.split_once(['月', '-'])?;
    let month: u32 = month.trim().parse().ok()?;
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if day_len == 0 {
        return None;
    }
    let day: u32 = rest[..day_len].parse().ok()?;
    let rest = rest[day_len..].trim_start();
    let rest = rest.strip_prefix('日').unwrap_or(rest).trim();
    let time = if rest.is_empty() {
        NaiveTime::MIN
    } else {
        parse_hm(rest)?
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some((month, day, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn p(s: &str, r: &str) -> String {
        parse_weibo_time(s, Some(at(r))).unwrap().to_rfc3339()
    }

    const REF: &str = "2015-09-13T14:00:00+08:00";

    #[test]
    fn absolute_forms() {
        assert_eq!(
            p("Sun Sep 13 13:05:22 +0800 2015", REF),
            "2015-09-13T13:05:22+08:00"
        );
        assert_eq!(p("2015-09-13T05:05:22Z", REF), "2015-09-13T05:05:22+00:00");
        assert_eq!(p("2015-09-13 13:05", REF), "2015-09-13T13:05:00+08:00");
        assert_eq!(p("2015-09-13 13:05:07", REF), "2015-09-13T13:05:07+08:00");
        assert_eq!(p("2015年09月13日 13:05", REF), "2015-09-13T13:05:00+08:00");
        assert_eq!(p("2015年09月13日13:05", REF), "2015-09-13T13:05:00+08:00");
        assert_eq!(p("2015-09-12", REF), "2015-09-12T00:00:00+08:00");
        // No reference needed for absolute forms.
        assert!(parse_weibo_time("Sun Sep 13 13:05:22 +0800 2015", None).is_ok());
    }

    #[test]
    fn fast_api_form_agrees_with_chrono() {
        for s in [
            "Sun Sep 13 13:05:22 +0800 2015",
            "Fri Jan 15 08:36:13 +0800 2021",
            "Wed Oct 19 23:44:36 -0530 2022",
            "Sat Feb 29 00:00:00 +0000 2020",
        ] {
            let fast = parse_api_fast(s).unwrap();
            let slow = DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y").unwrap();
            assert_eq!(fast, slow);
            assert_eq!(fast.offset(), slow.offset());
        }
        for s in [
            "Sun Sep 31 13:05:22 +0800 2015",
            "Sun Sep 13 25:05:22 +0800 2015",
            "Sun Sep 13 13:05:22 08000 2015",
        ] {
            assert_eq!(parse_api_fast(s), None, "{s}");
        }
        // Anything the fast path rejects still gets chrono's full parser.
        assert_eq!(
            p("Sep 13 13:05:22 +0800 2015", REF),
            "2015-09-13T13:05:22+08:00"
        );
    }

    #[test]
    fn relative_forms() {
        assert_eq!(p("刚刚", REF), "2015-09-13T14:00:00+08:00");
        assert_eq!(p("30秒前", REF), "2015-09-13T13:59:30+08:00");
        assert_eq!(p("5分钟前", REF), "2015-09-13T13:55:00+08:00");
        assert_eq!(p("2小时前", REF), "2015-09-13T12:00:00+08:00");
        assert_eq!(p("今天 13:05", REF), "2015-09-13T13:05:00+08:00");
        assert_eq!(p("今天13:05", REF), "2015-09-13T13:05:00+08:00");
        assert_eq!(p("昨天 23:59", REF), "2015-09-12T23:59:00+08:00");
        assert_eq!(p("09月13日 13:05", REF), "2015-09-13T13:05:00+08:00");
        assert_eq!(p("09-12", REF), "2015-09-12T00:00:00+08:00");
        assert_eq!(p("09-12 08:01", REF), "2015-09-12T08:01:00+08:00");
        // A reference in UTC still resolves "today" in Beijing.
        assert_eq!(
            p("今天 07:00", "2015-09-12T23:30:00+00:00"),
            "2015-09-13T07:00:00+08:00"
        );
    }

    #[test]
    fn year_rolls_back_for_future_dates() {
        assert_eq!(
            p("12月31日 23:50", "2016-01-01T00:30:00+08:00"),
            "2015-12-31T23:50:00+08:00"
        );
        assert_eq!(
            p("12-31", "2016-01-01T00:30:00+08:00"),
            "2015-12-31T00:00:00+08:00"
        );
        assert_eq!(
            p("02月29日 10:00", "2017-03-01T00:00:00+08:00"),
            "2016-02-29T10:00:00+08:00"
        );
    }

    #[test]
    fn needs_reference_and_absurd_dates() {
        let e = parse_weibo_time("5分钟前", None).unwrap_err();
        assert!(matches!(e, TimeError::NeedsReference(_)));
        assert!(e.to_string().contains("--captured-at"));
        assert!(matches!(
            parse_weibo_time("2008-01-01 10:00", None),
            Err(TimeError::BeforeLaunch(_))
        ));
        assert!(matches!(
            parse_weibo_time("2015-09-15 10:00", Some(at(REF))),
            Err(TimeError::AfterCapture { .. })
        ));
        for bad in [
            "",
            "yesterday",
            "13:05",
            "13月40日 10:00",
            "今天 25:00",
            "Sun Sep 13 2015",
        ] {
            assert!(parse_weibo_time(bad, Some(at(REF))).is_err(), "{bad:?}");
        }
    }
}
