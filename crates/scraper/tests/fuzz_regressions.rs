//! Regression cases found by the fuzz targets in `fuzz/` (and the hostile-input review that
//! came with them). Each test names the target and the input that once failed.

use std::io::Write;
use std::path::Path;

use trendwatch_scraper::{MAX_LINE_BYTES, ReadOptions, SourceItem, open_path, parse_json_line};

/// A valid mblog line (the first of the hand-checked samples).
fn sample_line() -> String {
    let text = include_str!("../../../fixtures/samples/mblog-lines.jsonl");
    text.lines().next().expect("sample has lines").to_owned()
}

/// Hostile input: a JSON line longer than [`MAX_LINE_BYTES`] is skipped with an error naming
/// file and line, without being held in memory; the lines around it still parse.
#[test]
fn over_long_json_line_is_skipped_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.jsonl");
    let mut f = std::fs::File::create(&path).expect("create");
    let line = sample_line();
    writeln!(f, "{line}").expect("write");
    let filler = "x".repeat(1 << 20);
    write!(f, "{{\"text\":\"").expect("write");
    for _ in 0..=(MAX_LINE_BYTES >> 20) {
        f.write_all(filler.as_bytes()).expect("write");
    }
    writeln!(f, "\"}}").expect("write");
    writeln!(f, "{line}").expect("write");
    drop(f);

    let records: Vec<_> = open_path(&path, &ReadOptions::default())
        .expect("JSON lines")
        .collect();
    assert_eq!(records.len(), 3, "{records:?}");
    assert!(matches!(records[0], Ok(SourceItem::Post(_))));
    assert!(matches!(records[2], Ok(SourceItem::Post(_))));
    let err = records[1].as_ref().expect_err("long line rejected");
    assert_eq!(err.file, path);
    assert_eq!(err.line, 2);
    assert!(err.to_string().contains("longer than"), "{err}");
}

/// Hostile input: the same over-long line as the file's FIRST line (format detection cannot
/// decide from the head) still streams as JSON lines instead of being read whole.
#[test]
fn over_long_first_line_is_detected_as_json_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long-first.jsonl");
    let mut f = std::fs::File::create(&path).expect("create");
    write!(f, "{{\"text\":\"").expect("write");
    let filler = "y".repeat(1 << 20);
    for _ in 0..=(MAX_LINE_BYTES >> 20) {
        f.write_all(filler.as_bytes()).expect("write");
    }
    writeln!(f, "\"}}").expect("write");
    writeln!(f, "{}", sample_line()).expect("write");
    drop(f);

    let records: Vec<_> = open_path(&path, &ReadOptions::default())
        .expect("detected as JSON lines")
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0].as_ref().expect_err("rejected").line, 1);
    assert!(matches!(records[1], Ok(SourceItem::Post(_))));
}

/// Runs one input through `parse_json_line` as the `mblog_line` fuzz target does.
fn json_line(bytes: &[u8]) -> Vec<Result<SourceItem, trendwatch_scraper::RecordError>> {
    let mut out = Vec::new();
    parse_json_line(bytes, Path::new("fuzz.jsonl"), 1, None, &mut out);
    out
}

/// Deeply nested JSON never overflows the stack.
#[test]
fn deeply_nested_json_line_is_an_error() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let out = json_line(deep.as_bytes());
    assert!(out.iter().all(Result::is_err), "{out:?}");
    let deep = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let out = json_line(deep.as_bytes());
    assert!(out.iter().all(Result::is_err), "{out:?}");
}

/// `hot_search` fuzz target, crash-3d18ac85 (2026-11-27): a `top/summary` row whose rank cell
/// held a mangled pin icon (`|i class="ic0n-top">`) gave rank 0 from the `0` in the class
/// name; ranks are 1-based, so the row is now an error on field `rank`.
#[test]
fn hot_summary_rank_zero_is_an_error() {
    let html = r#"<html><head><meta charset="utf-8"><title>微博热搜榜</title></head><body>
<div id="pl_top_realtimehot"><table><tbody>
<tr class=""><td class="td-01">|i class="ic0n-top"></i></td>
<td class="td-02"><a href="/weibo?q=%23x%23" target="_blank">全国两会精神在基层</a></td>
<td class="td-03"><i class="icon-txt">商</i></td></tr>
<tr class=""><td class="td-01 ranktop">1</td>
<td class="td-02"><a href="/weibo?q=%23y%23" target="_blank">微信崩了</a><span>123456</span></td>
<td class="td-03"></td></tr>
</tbody></table></div></body></html>"#;
    let captured = chrono::DateTime::parse_from_rfc3339("2023-03-29T10:30:00+08:00").ok();
    let page = trendwatch_scraper::parse_hot_search(html, "crash-3d18ac85.html", captured)
        .expect("a hot-search page");
    for e in page.entries.iter().flatten() {
        assert!(e.rank.is_none_or(|r| r >= 1), "rank 0 accepted: {e:?}");
    }
    let errors: Vec<_> = page
        .entries
        .iter()
        .filter_map(|e| e.as_ref().err())
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", page.entries);
    assert_eq!(errors[0].field, "rank");
    assert!(
        page.entries.iter().any(|e| e
            .as_ref()
            .is_ok_and(|e| e.word == "微信崩了" && e.rank == Some(1))),
        "{:?}",
        page.entries
    );
}

/// Replays every committed fuzz artifact kept under `tests/data/fuzz/<target>/` through the
/// same entry point as its target; none may panic.
#[test]
fn saved_fuzz_inputs_do_not_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let Ok(targets) = std::fs::read_dir(&root) else {
        return;
    };
    let reference = chrono::DateTime::parse_from_rfc3339("2015-09-13T14:00:00+08:00").ok();
    for target in targets.flatten() {
        let name = target.file_name().to_string_lossy().into_owned();
        for input in std::fs::read_dir(target.path()).expect("dir").flatten() {
            let bytes = std::fs::read(input.path()).expect("read");
            let (text, _) = trendwatch_scraper::decode_body(&bytes, None);
            match name.as_str() {
                "hot_search" => {
                    let _ = trendwatch_scraper::parse_hot_search(&text, "f", reference);
                }
                "search_page" => {
                    let _ = trendwatch_scraper::parse_search_page(&text, "f", reference);
                }
                "api_page" => {
                    let _ = trendwatch_scraper::parse_api_page(&text, "f", reference);
                }
                "mblog_line" => {
                    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                        json_line_at(line, i as u64 + 1);
                    }
                }
                other => panic!("no replay for fuzz target {other}"),
            }
        }
    }
}

fn json_line_at(bytes: &[u8], line: u64) {
    let mut out = Vec::new();
    parse_json_line(bytes, Path::new("fuzz.jsonl"), line, None, &mut out);
}
