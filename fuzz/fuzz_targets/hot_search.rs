//! Hot-search lists, JSON (`ajax/side/hotSearch`, `hot_band`) and HTML (`top/summary`), through
//! `decode_body` and `parse_hot_search`.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use trendwatch_scraper::{decode_body, parse_hot_search};

fuzz_target!(|data: &[u8]| {
    let (text, _encoding) = decode_body(data, None);
    for reference in [Some(common::reference()), None] {
        if let Ok(page) = parse_hot_search(&text, "fuzz.hot", reference) {
            for entry in &page.entries {
                match entry {
                    Ok(e) => assert!(
                        e.rank.is_none_or(|r| r >= 1),
                        "hot-search rank must be 1-based: {e:?}"
                    ),
                    Err(e) => common::check_error(e, Path::new("fuzz.hot")),
                }
            }
        }
    }
});
