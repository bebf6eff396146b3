//! m.weibo.cn / weibo.com API responses through `parse_api_page`, as a fetcher would call it.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use trendwatch_scraper::parse_api_page;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for reference in [Some(common::reference()), None] {
        if let Ok(page) = parse_api_page(&text, "fuzz.json", reference) {
            for p in page.posts() {
                common::check_post(p, reference);
                let _ = page.is_pinned(&p.id);
            }
            for e in page.errors() {
                common::check_error(e, Path::new("fuzz.json"));
            }
        }
    }
});
