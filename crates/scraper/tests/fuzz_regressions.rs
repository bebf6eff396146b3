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
