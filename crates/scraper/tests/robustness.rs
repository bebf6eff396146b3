//! No input makes the parsers panic: every sample, cut short at many points and with bytes
//! replaced, goes through every entry point.

use std::path::Path;

use chrono::DateTime;
use trendwatch_scraper::text::{Whitespace, html_to_text, plain_topics};
use trendwatch_scraper::time::parse_weibo_time;
use trendwatch_scraper::{
    decode_body, detect_format, mid_from_bid, parse_api_page, parse_count, parse_hot_search,
    parse_json_line, parse_search_page,
};

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn exercise(bytes: &[u8]) {
    let reference = DateTime::parse_from_rfc3339("2015-09-13T14:00:00+08:00").ok();
    let _ = detect_format(bytes);
    let (text, _) = decode_body(bytes, None);
    let _ = decode_body(bytes, Some("text/html; charset=gbk"));
    for captured_at in [None, reference] {
        let _ = parse_api_page(&text, "fuzz", captured_at);
        let _ = parse_search_page(&text, "fuzz", captured_at);
        let _ = parse_hot_search(&text, "fuzz", captured_at);
    }
    let mut out = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        parse_json_line(line, Path::new("fuzz"), i as u64 + 1, reference, &mut out);
    }
    let _ = html_to_text(&text, Whitespace::Keep);
    let _ = html_to_text(&text, Whitespace::Collapse);
    let _ = plain_topics(&text);
}

fn sample_files() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/samples");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("bad")] {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        files.extend(entries.iter().map(|p| std::fs::read(p).unwrap()));
    }
    files
}

#[test]
fn truncated_samples_do_not_panic() {
    for bytes in sample_files() {
        let step = (bytes.len() / 60).max(1);
        let mut cut = 0;
        while cut < bytes.len() {
            exercise(&bytes[..cut]);
            cut += step;
        }
    }
}

#[test]
fn mutated_samples_do_not_panic() {
    const NASTY: &[u8] = b"<>\"'#&;\\{}[]:,/\n \xFF\xE5\xC2\x00";
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for bytes in sample_files() {
        for _ in 0..40 {
            let mut copy = bytes.clone();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(copy.len());
                copy[at] = NASTY[rng.below(NASTY.len())];
            }
            exercise(&copy);
        }
    }
}

#[test]
fn odd_scalars_do_not_panic() {
    let reference = DateTime::parse_from_rfc3339("2015-09-13T14:00:00+08:00").ok();
    let odd = [
        "",
        " ",
        "刚刚",
        "99999999999999999999秒前",
        "9223372036854775807小时前",
        "9223372036854775807天前",
        "-5分钟前",
        "今天",
        "今天 ",
        "昨天 24:00",
        "02月30日 10:00",
        "00-00",
        "13-45",
        "1-1",
        "Mon Feb 30 10:00:00 +0800 2015",
        "Sun Sep 13 13:05:22 +9999 2015",
        "年月日",
        "2015年13月01日 10:00",
        "9999-12-31 23:59",
        "0000-01-01",
        "+262142-01-01T00:00:00Z",
        "1.2.3万",
        "万万",
        "1e400",
        "-0",
        "１２３",
        "12345678901234567890亿",
    ];
    for s in odd {
        let _ = parse_weibo_time(s, reference);
        let _ = parse_weibo_time(s, None);
        let _ = parse_count(s);
        let _ = mid_from_bid(s);
        let _ = html_to_text(s, Whitespace::Collapse);
    }
    let huge = Some(DateTime::parse_from_rfc3339("9999-12-31T23:59:59+00:00").unwrap());
    let _ = parse_weibo_time("12月31日 23:59", huge);
    let _ = parse_weibo_time("今天 23:59", huge);
    let _ = parse_api_page(
        r#"{"ok":1,"servertime":-9223372036854775808,"data":{"cards":[{"mblog":{"id":1,"created_at":"刚刚","text":"x","user":{"id":1,"screen_name":"a"}}}]}}"#,
        "x",
        None,
    );
    let _ = parse_search_page(
        r#"<div class="card-wrap" mid="1"><div class="feed_from"><a node-type="feed_list_item_date" date="-9223372036854775808">x</a></div></div>"#,
        "x",
        None,
    );
    let deep = "[".repeat(10_000);
    let mut out = Vec::new();
    parse_json_line(deep.as_bytes(), Path::new("x"), 1, None, &mut out);
    assert_eq!(out.len(), 1);
    let deep_posts = format!("{}{}", r#"{"id":"1","retweeted_status":"#.repeat(200), "{}");
    out.clear();
    parse_json_line(deep_posts.as_bytes(), Path::new("x"), 1, None, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
}

#[test]
fn moderately_nested_html_still_parses_but_deep_trees_are_refused() {
    // 600 nested <b> inside a card: the pre-scan lets it through, the tree check refuses it.
    let html = format!(
        r#"<div class="card-wrap" mid="1"><p class="txt" node-type="feed_list_content">{}</p></div>"#,
        "<span>x".repeat(600)
    );
    assert!(parse_search_page(&html, "deep", None).is_err());
    let shallow = html.replace("<span>x", "<span>x</span>");
    assert!(parse_search_page(&shallow, "shallow", None).is_ok());
}

#[test]
fn deeply_nested_html_is_handled_quickly() {
    for tag in ["div", "b", "a"] {
        let t = std::time::Instant::now();
        let html = format!(
            r#"<html><body><div class="card-wrap" mid="1"><p class="txt" node-type="feed_list_content">{}</p></div></body></html>"#,
            format!("<{tag}>x").repeat(200_000)
        );
        // Refused before the (quadratic) tree building, as malformed.
        assert!(parse_search_page(&html, "deep", None).is_err(), "{tag}");
        assert!(parse_hot_search(&html, "deep", None).is_err(), "{tag}");
        assert!(t.elapsed().as_secs() < 20, "{tag}: took {:?}", t.elapsed());
    }
}
