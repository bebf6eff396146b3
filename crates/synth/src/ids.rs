//! Identifiers and display formats: Weibo mids and bids, user ids and names, `created_at`
//! strings and display counts ("1.2万").

use crate::rng::{Draw, SplitMix, mix64};
use crate::tables::{NAME_CORE, NAME_EN, NAME_PREFIX, NAME_SUFFIX};

/// Mid epoch: a mid is `(unix_seconds - MID_EPOCH) << 22` plus a sequence number, which
/// puts 2015-09-13 13:05:22 +08:00 at 3887395…, as on Weibo.
pub(crate) const MID_EPOCH: i64 = 515_293_301;

/// Bits of a mid below the timestamp.
pub(crate) const MID_SEQ_BITS: u32 = 22;

/// Posts that can get distinct mids within one second (each takes 8 sequence values).
pub(crate) const MID_PER_SECOND: u64 = 1 << (MID_SEQ_BITS - 3);

/// The mid of the `n`-th post of second `ts` (0-based), with 3 random low bits; mids are
/// unique and increase with time. `n` must be below [`MID_PER_SECOND`].
pub(crate) fn mid(ts: i64, n: u64, low: u64) -> u64 {
    let high = ts.saturating_sub(MID_EPOCH).max(0) as u64;
    (high << MID_SEQ_BITS) | ((n & (MID_PER_SECOND - 1)) << 3) | (low & 7)
}

/// The second a mid was created in (inverse of [`mid`]).
pub fn mid_timestamp(mid: u64) -> i64 {
    (mid >> MID_SEQ_BITS) as i64 + MID_EPOCH
}

const BASE62: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Appends the bid (the base62 short id shown in Weibo URLs) of `mid`: the decimal mid is cut
/// into 7-digit groups from the right, each written as 4 base62 digits (the first unpadded).
pub(crate) fn push_bid(out: &mut String, mid: u64) {
    let mut groups = [0u64; 4];
    let mut count = 0;
    let mut rest = mid;
    loop {
        groups[count] = rest % 10_000_000;
        count += 1;
        rest /= 10_000_000;
        if rest == 0 || count == groups.len() {
            break;
        }
    }
    for (i, &group) in groups[..count].iter().rev().enumerate() {
        let mut digits = [b'0'; 4];
        let mut g = group;
        let mut len = 0;
        while g > 0 && len < 4 {
            digits[3 - len] = BASE62[(g % 62) as usize];
            g /= 62;
            len += 1;
        }
        let start = if i == 0 { 4 - len.max(1) } else { 0 };
        for &d in &digits[start..] {
            out.push(char::from(d));
        }
    }
}

/// Appends `n` in decimal.
#[inline]
pub(crate) fn push_u64(out: &mut String, n: u64) {
    let mut buffer = itoa::Buffer::new();
    out.push_str(buffer.format(n));
}

/// Appends a count as a JSON value the way Weibo displays it: a number below 10 000, else a
/// string such as `"1.2万"`, and `"100万+"` from a million on.
pub(crate) fn push_count(out: &mut String, n: u64) {
    if n < 10_000 {
        push_u64(out, n);
    } else if n >= 1_000_000 {
        out.push_str("\"100万+\"");
    } else {
        let tenths = n / 1_000;
        out.push('"');
        push_u64(out, tenths / 10);
        if !tenths.is_multiple_of(10) {
            out.push('.');
            push_u64(out, tenths % 10);
        }
        out.push_str("万\"");
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Beijing's offset from UTC in seconds.
pub(crate) const BEIJING_SECS: i64 = 8 * 3600;

/// Appends `ts` (Unix seconds) as Weibo's `created_at` in Beijing time:
/// `%a %b %d %H:%M:%S +0800 %Y`, e.g. `Sun Sep 13 13:05:22 +0800 2015`.
pub(crate) fn push_created_at(out: &mut String, ts: i64) {
    // Consecutive posts share their second: reuse the last formatting (per thread).
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    LAST.with(|cell| {
        let Ok(mut last) = cell.try_borrow_mut() else {
            format_created_at(out, ts);
            return;
        };
        if last.0 != ts {
            last.1.clear();
            format_created_at(&mut last.1, ts);
            last.0 = ts;
        }
        out.push_str(&last.1);
    });
}

fn format_created_at(out: &mut String, ts: i64) {
    let local = ts + BEIJING_SECS;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    out.push_str(WEEKDAYS[(days + 4).rem_euclid(7) as usize]);
    out.push(' ');
    out.push_str(MONTHS[(month - 1) as usize % 12]);
    out.push(' ');
    push2(out, day);
    out.push(' ');
    push2(out, (secs / 3600) as u32);
    out.push(':');
    push2(out, (secs / 60 % 60) as u32);
    out.push(':');
    push2(out, (secs % 60) as u32);
    out.push_str(" +0800 ");
    let mut buffer = itoa::Buffer::new();
    out.push_str(buffer.format(year));
}

fn push2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Proleptic Gregorian date of a day number (days since 1970-01-01), after Howard Hinnant.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The prime modulus of the user-id permutation.
const USER_MODULUS: u64 = 4_294_967_291;
/// The multiplier of the user-id permutation (coprime with the modulus).
const USER_MULTIPLIER: u64 = 2_654_435_761;
/// The smallest generated ordinary user id; ids below are media accounts.
const USER_ID_BASE: u64 = 1_000_001_000;
/// The first media account id.
pub(crate) const MEDIA_ID_BASE: u64 = 1_000_000_100;

/// The 10-digit Weibo user id of population member `index` (distinct for distinct indexes
/// below 4 294 967 291).
pub(crate) fn user_id(index: u64) -> u64 {
    USER_ID_BASE
        + ((u128::from(index) * u128::from(USER_MULTIPLIER)) % u128::from(USER_MODULUS)) as u64
}

/// Appends the screen name of population member `index` (a pure function of the index).
pub(crate) fn push_screen_name(out: &mut String, index: u64) {
    let h = mix64(index ^ 0x005E_ED0F_4A3E);
    let mut d = SplitMix::new(h);
    match h % 8 {
        0..=4 => {
            out.push_str(d.pick(NAME_PREFIX));
            out.push_str(d.pick(NAME_CORE));
            out.push_str(d.pick(NAME_SUFFIX));
            if d.chance(0.5) {
                push_u64(out, index % 10_000);
            }
        }
        5 => {
            out.push_str(d.pick(NAME_CORE));
            out.push('_');
            push_u64(out, index % 100_000);
        }
        _ => {
            out.push_str(d.pick(NAME_EN));
            if d.chance(0.5) {
                out.push('_');
                push_u64(out, 1_960 + d.below(45));
            } else {
                out.push_str(d.pick(NAME_CORE));
                push_u64(out, index % 1_000);
            }
        }
    }
}

/// Followers and verified flag of population member `index`.
pub(crate) fn user_profile(index: u64) -> (u64, bool) {
    let h = mix64(index.wrapping_add(0x0F0F_0F0F));
    let verified = h.is_multiple_of(97);
    let base = (h >> 32) % 600;
    let followers = if verified {
        20_000 + (h >> 16) % 300_000
    } else if h.is_multiple_of(11) {
        base * 40
    } else {
        base
    };
    (followers, verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone};
    use trendwatch_model::beijing;

    #[test]
    fn created_at_matches_chrono() {
        for ts in [
            0_i64,
            1_442_120_722,
            1_442_102_400,
            1_442_159_999,
            951_782_400,
            4_102_444_800,
        ] {
            let mut s = String::new();
            push_created_at(&mut s, ts);
            let expected = beijing()
                .timestamp_opt(ts, 0)
                .single()
                .map(|t| t.format("%a %b %d %H:%M:%S %z %Y").to_string());
            assert_eq!(Some(s.clone()), expected);
            let parsed = DateTime::parse_from_str(&s, "%a %b %d %H:%M:%S %z %Y").ok();
            assert_eq!(parsed.map(|t| t.timestamp()), Some(ts));
        }
        let mut s = String::new();
        push_created_at(&mut s, 1_442_120_722);
        assert_eq!(s, "Sun Sep 13 13:05:22 +0800 2015");
    }

    #[test]
    fn mids_are_sixteen_digits_and_invert() {
        let m = mid(1_442_120_722, 5, 3);
        assert_eq!(m.to_string().len(), 16);
        assert!(m.to_string().starts_with("3887"));
        assert_eq!(mid_timestamp(m), 1_442_120_722);
        assert!(mid(1_442_120_722, 6, 0) > m);
        assert!(mid(1_442_120_723, 0, 0) > mid(1_442_120_722, MID_PER_SECOND - 1, 7));
    }

    #[test]
    fn bid_is_base62_groups() {
        let mut s = String::new();
        push_bid(&mut s, 3_887_395_960_924_451);
        // "38" → "C", "8739596" → base62, "0924451" → base62, padded to 4.
        assert_eq!(s.len(), 9);
        assert!(s.starts_with('C'));
        let mut t = String::new();
        push_bid(&mut t, 3_887_395_960_924_452);
        assert_ne!(s, t);
    }

    #[test]
    fn counts_display_like_weibo() {
        let show = |n| {
            let mut s = String::new();
            push_count(&mut s, n);
            s
        };
        assert_eq!(show(9_999), "9999");
        assert_eq!(show(10_000), "\"1万\"");
        assert_eq!(show(12_345), "\"1.2万\"");
        assert_eq!(show(999_999), "\"99.9万\"");
        assert_eq!(show(1_000_000), "\"100万+\"");
    }

    #[test]
    fn user_ids_are_ten_digits_and_distinct() {
        let mut ids: Vec<u64> = (0..50_000).map(user_id).collect();
        assert!(
            ids.iter()
                .all(|id| id.to_string().len() == 10 && *id >= MEDIA_ID_BASE + 900)
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 50_000);
    }

    #[test]
    fn screen_names_are_stable() {
        let mut a = String::new();
        let mut b = String::new();
        push_screen_name(&mut a, 42);
        push_screen_name(&mut b, 42);
        assert_eq!(a, b);
        assert!(!a.is_empty());
    }
}
