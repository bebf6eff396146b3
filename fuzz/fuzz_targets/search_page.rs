//! s.weibo.com search-result HTML (any bytes, any charset) through `decode_body` and
//! `parse_search_page`.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use trendwatch_scraper::{decode_body, parse_search_page};

fuzz_target!(|data: &[u8]| {
    let (text, _encoding) = decode_body(data, None);
    for reference in [Some(common::reference()), None] {
        if let Ok(page) = parse_search_page(&text, "fuzz.html", reference) {
            for p in page.posts() {
                // The page's own servertime may replace the reference: check the date floor only.
                common::check_post(p, None);
            }
            for e in page.errors() {
                common::check_error(e, Path::new("fuzz.html"));
            }
        }
    }
});
