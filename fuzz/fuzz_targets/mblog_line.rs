//! JSON lines of mblog objects, cards, normalised Posts and whole responses, one per line,
//! through the scraper's `parse_json_line` (what `open_path` runs on every line of a file).
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use trendwatch_scraper::{SourceItem, parse_json_line};

fuzz_target!(|data: &[u8]| {
    let file = Path::new("fuzz.jsonl");
    for reference in [Some(common::reference()), None] {
        let mut out = Vec::new();
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            let line_no = i as u64 + 1;
            out.clear();
            parse_json_line(line, file, line_no, reference, &mut out);
            for item in &out {
                match item {
                    Ok(SourceItem::Post(p)) => common::check_post(p, reference),
                    Ok(SourceItem::HotSearch(_)) => {}
                    Err(e) => {
                        common::check_error(e, file);
                        assert_eq!(e.line, line_no, "error on the wrong line: {e}");
                    }
                }
            }
        }
    }
});
