//! Charset handling and format detection on raw bytes: `decode_body` with a fuzzed
//! `Content-Type`, `detect_format`, and the page-level helpers that scan whole bodies.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use trendwatch_scraper::{blocked_html_reason, decode_body, detect_format, page_servertime};

const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some("text/html; charset=utf-8"),
    Some("text/html; charset=\"GBK\""),
    Some("application/json"),
    Some("text/html;charset=gb18030;q=1"),
    Some("text/html; charset=x-nonsense"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        let _ = decode_body(data, None);
        let _ = detect_format(data);
        return;
    };
    let content_type = CONTENT_TYPES[first as usize % CONTENT_TYPES.len()];
    let (text, encoding) = decode_body(body, content_type);
    assert!(!encoding.is_empty());
    let _ = detect_format(body);
    let _ = page_servertime(&text);
    let _ = blocked_html_reason(&text);
});
