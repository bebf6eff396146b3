//! Weibo's absolute and Chinese relative dates ("5分钟前", "今天 13:05", "09月13日") through
//! `parse_weibo_time`, against a fuzzed capture time; also display counts ("1.2万").
#![no_main]

mod common;

use chrono::{DateTime, Duration};
use libfuzzer_sys::fuzz_target;
use trendwatch_model::beijing;
use trendwatch_scraper::parse_count;
use trendwatch_scraper::time::{parse_weibo_time, weibo_launch};

fuzz_target!(|data: &[u8]| {
    // The first 8 bytes pick the capture time (any representable second), the rest is the text.
    let (reference, text) = if data.len() >= 8 {
        let mut secs = [0u8; 8];
        secs.copy_from_slice(&data[..8]);
        let secs = i64::from_le_bytes(secs);
        let reference = DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&beijing()));
        (reference, &data[8..])
    } else {
        (None, data)
    };
    let text = String::from_utf8_lossy(text);
    for reference in [reference, None] {
        if let Ok(t) = parse_weibo_time(&text, reference) {
            assert!(t >= weibo_launch(), "{text:?} -> {t} is before the launch");
            if let Some(r) = reference {
                assert!(
                    t <= r + Duration::days(1),
                    "{text:?} -> {t} is after {r} + 1 day"
                );
            }
        }
    }
    let _ = parse_count(&text);
});
