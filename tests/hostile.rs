//! Hostile and broken input through the real binary (issue 8): every case ends with a clear
//! error naming the file (and line or field), bounded memory and no panic; databases that must
//! not be written are left byte for byte as they were.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{fixture, json_lines, run_ok, trendwatch};

/// Capture time for the samples' relative dates.
const CAPTURED_AT: &str = "2015-09-13T14:00:00+08:00";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the binary did not panic (exit code 101 and Rust's panic message).
fn assert_no_panic(output: &Output) {
    let err = stderr(output);
    assert!(
        output.status.code() != Some(101) && !err.contains("panicked at"),
        "trendwatch panicked: {}\n{err}",
        output.status
    );
}

/// Runs the binary and records its peak resident memory (Linux: `VmHWM` polled from /proc
/// while it runs; the high-water mark only grows, so the last reading is close to the peak).
fn run_measured(args: &[&str]) -> (Output, Option<u64>) {
    let mut child = trendwatch()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn trendwatch");
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let out_thread =
        std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err_thread =
        std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let mut peak_kb = None;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kb = Some(peak_kb.unwrap_or(0).max(kb));
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let status = child.wait().expect("wait");
    let output = Output {
        status,
        stdout: out_thread.join().expect("stdout thread").into_bytes(),
        stderr: err_thread.join().expect("stderr thread").into_bytes(),
    };
    (output, peak_kb.map(|kb| kb / 1024))
}

fn sample_line() -> String {
    std::fs::read_to_string(fixture("samples/mblog-lines.jsonl"))
        .expect("sample")
        .lines()
        .next()
        .expect("a line")
        .to_owned()
}

/// A 50 MB text field on line 2 of three: that line is refused with an error naming file and
/// line, the other two posts come through, and memory stays far below the line's size.
#[test]
fn huge_json_line_is_refused_with_file_and_line_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.jsonl");
    let line = sample_line();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "{line}").unwrap();
    // The sample line with its text replaced by 50 MB of text.
    let (before, after) = line
        .split_once(r#""text":""#)
        .expect("sample has a text field");
    let rest = &after[after.find(r#"",""#).expect("text ends")..];
    write!(f, r#"{before}"text":""#).unwrap();
    let chunk = "微信又崩了".repeat(1 << 14);
    let mut written = 0;
    while written < 50 << 20 {
        f.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
    }
    writeln!(f, "{rest}").unwrap();
    writeln!(f, "{line}").unwrap();
    drop(f);

    let (output, peak_mb) = run_measured(&["parse", path.to_str().unwrap()]);
    assert_no_panic(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        json_lines(&output).len(),
        2,
        "the two good lines still parse"
    );
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{}:2:", path.display())) && err.contains("longer than"),
        "no error naming huge.jsonl line 2: {err}"
    );
    if let Some(mb) = peak_mb {
        assert!(mb < 45, "peak RSS {mb} MB for a 50 MB line: not bounded");
    }
}

/// Deeply nested JSON (arrays and objects 100k deep) never overflows the stack.
#[test]
fn deeply_nested_json_is_a_record_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.jsonl");
    let text = format!(
        "{}\n{}{}\n{}1{}\n",
        sample_line(),
        "[".repeat(100_000),
        "]".repeat(100_000),
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    std::fs::write(&path, text).unwrap();
    let output = trendwatch()
        .args(["parse", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(json_lines(&output).len(), 1);
    let err = stderr(&output);
    for line in [2, 3] {
        assert!(
            err.contains(&format!("{}:{line}:", path.display())),
            "line {line} not reported: {err}"
        );
    }
}

/// A search page with 100,000 nested divs is refused as a whole page, quickly, with the
/// file named; replay of it goes on and ends normally.
#[test]
fn search_page_with_100k_nested_divs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("divs.html");
    let html = format!(
        r#"<html><head><title>微博搜索</title></head><body><div class="card-wrap" mid="1">{}hi{}</div></body></html>"#,
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    std::fs::write(&path, html).unwrap();
    let started = std::time::Instant::now();
    let output = trendwatch()
        .args([
            "parse",
            path.to_str().unwrap(),
            "--captured-at",
            CAPTURED_AT,
        ])
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let err = stderr(&output);
    assert!(
        err.contains(&path.display().to_string()) && err.contains("nested"),
        "{err}"
    );
    let db = dir.path().join("t.db");
    let output = trendwatch()
        .args([
            "replay",
            path.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// A GBK page that claims to be UTF-8 is decoded as GBK (its posts parse, text intact); GBK
/// JSON lines are refused with the bad line named.
#[test]
fn gbk_mislabelled_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read(fixture("samples/search-gbk.html")).unwrap();
    let text = String::from_utf8_lossy(&page);
    let at = text.find("charset=").expect("page declares a charset") + "charset=".len();
    let mut lying = page[..at].to_vec();
    let rest = &page[at..];
    let label_end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'"' || *b == b'-'))
        .unwrap_or(0);
    lying.extend_from_slice(b"\"utf-8\"");
    lying.extend_from_slice(&rest[label_end..]);
    let path = dir.path().join("gbk-says-utf8.html");
    std::fs::write(&path, &lying).unwrap();
    let output = run_ok(&[
        "parse",
        path.to_str().unwrap(),
        "--captured-at",
        CAPTURED_AT,
    ]);
    let posts = json_lines(&output);
    assert!(!posts.is_empty(), "{}", stderr(&output));
    let all = String::from_utf8_lossy(&output.stdout);
    assert!(all.contains("微信") && !all.contains('\u{fffd}'), "{all}");

    let jsonl = std::fs::read_to_string(fixture("samples/mblog-lines.jsonl")).unwrap();
    let path = dir.path().join("gbk.jsonl");
    std::fs::write(&path, gbk_json_lines(&jsonl)).unwrap();
    let output = trendwatch()
        .args(["parse", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains(&path.display().to_string())
            && err.contains("not UTF-8")
            && err.contains("line 1"),
        "{err}"
    );
}

/// The sample JSON lines with "微信崩了" in GBK bytes spliced into each line's text, as a
/// GBK export would be: every line is invalid UTF-8.
fn gbk_json_lines(utf8: &str) -> Vec<u8> {
    const GBK_WEIXIN_BENGLE: [u8; 8] = [0xCE, 0xA2, 0xD0, 0xC5, 0xB1, 0xC0, 0xC1, 0xCB];
    let mut out = Vec::new();
    for line in utf8.lines() {
        let at = line.find(r#""text":""#).map_or(0, |i| i + 8);
        out.extend_from_slice(&line.as_bytes()[..at]);
        out.extend_from_slice(&GBK_WEIXIN_BENGLE);
        out.extend_from_slice(&line.as_bytes()[at..]);
        out.push(b'\n');
    }
    out
}

/// NUL bytes in JSON lines and in HTML: record errors or clean parses, never a panic; a file
/// of nothing but NULs is refused as an unknown format, by name.
#[test]
fn nul_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let line = sample_line();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(line.as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(&[0; 100]);
    bytes.extend_from_slice(b"\n");
    let (a, b) = line.split_at(40);
    bytes.extend_from_slice(a.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(b.as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(
        line.replacen(r#""text":""#, r#""text":"\u0000"#, 1)
            .as_bytes(),
    );
    bytes.extend_from_slice(b"\n");
    let path = dir.path().join("nul.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    let output = trendwatch()
        .args(["parse", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    for n in [2, 3] {
        assert!(
            err.contains(&format!("{}:{n}:", path.display())),
            "line {n}: {err}"
        );
    }
    // Line 4 has an escaped NUL in its text: a legal JSON string, so the post parses.
    assert_eq!(json_lines(&output).len(), 2, "{err}");

    let html = dir.path().join("nul.html");
    std::fs::write(
        &html,
        b"<html><head><title>\0</title></head><body>s.weibo.com<div class=\"card-wrap\" mid=\"1\">\0\0</div>\0</body></html>",
    )
    .unwrap();
    let output = trendwatch()
        .args([
            "parse",
            html.to_str().unwrap(),
            "--captured-at",
            CAPTURED_AT,
        ])
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert!(output.status.success(), "{}", stderr(&output));

    let zeros = dir.path().join("zeros.bin");
    std::fs::write(&zeros, [0u8; 4096]).unwrap();
    let output = trendwatch()
        .args(["parse", zeros.to_str().unwrap()])
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("zeros.bin"), "{}", stderr(&output));
}

/// `trendwatch detect` refuses NaN, infinite and negative values and impossible timestamps with
/// file, line and field; absurd but valid values and timestamps score in [0, 1].
#[test]
fn detect_series_with_hostile_values_and_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let refused = [
        ("nan.csv", "2015-09-13 13:00:00,NaN", "field `value`"),
        ("inf.csv", "2015-09-13 13:00:00,1e400", "field `value`"),
        ("minus-inf.csv", "2015-09-13 13:00:00,-inf", "field `value`"),
        ("negative.csv", "2015-09-13 13:00:00,-5", "field `value`"),
        ("year.csv", "+262143-01-01 00:00:00,1", "field `timestamp`"),
        ("month.csv", "2015-13-45 25:61:61,1", "field `timestamp`"),
        ("epoch.csv", "99999999999999999999,1", "field `timestamp`"),
    ];
    for (name, row, field) in refused {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!("timestamp,value\n2015-09-13 12:55:00,3\n{row}\n"),
        )
        .unwrap();
        let output = trendwatch()
            .args(["detect", "--input", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_no_panic(&output);
        assert!(!output.status.success(), "{name} accepted");
        let err = stderr(&output);
        assert!(
            err.contains(name) && err.contains("line 3") && err.contains(field),
            "{name}: {err}"
        );
    }

    let path = dir.path().join("extreme.csv");
    let mut text = String::from("timestamp,value\n0000-01-01 00:00:00,0\n");
    text.push_str("1970-01-01 00:00:00,1e300\n");
    for i in 0..50 {
        text.push_str(&format!(
            "2015-09-13 13:{i:02}:00,{}\n",
            if i % 7 == 0 { 1e-300 } else { 3.0 }
        ));
    }
    text.push_str("2015-09-13 14:00:00,1.7976931348623157e308\n");
    text.push_str("9999-12-31 23:59:59,0\n");
    std::fs::write(&path, text).unwrap();
    let output = run_ok(&["detect", "--input", path.to_str().unwrap()]);
    let out = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 54);
    for row in rows {
        let score: f64 = row.rsplit(',').next().unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&score), "score out of range: {row}");
    }
}

/// True when this process runs as root, which the kernel lets write a 0444 file.
fn running_as_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join(".uid-probe");
    std::fs::write(&probe, b"").unwrap();
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_file(&probe).unwrap();
    uid == 0
}

fn sha(path: &Path) -> Vec<u8> {
    // Content and length are enough to prove the file untouched.
    std::fs::read(path).unwrap()
}

fn make_db(dir: &Path) -> PathBuf {
    let db = dir.join("a.db");
    run_ok(&[
        "replay",
        fixture("wechat-outage-2015/sample.jsonl").to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    // A clean close leaves no WAL behind: the main file is the whole database.
    db
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A read-only database file (mode 0444) makes `replay` fail with an error naming it, and the
/// file is left as it was; read-only queries still work.
#[test]
fn read_only_database_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(dir.path());
    set_mode(&db, 0o444);
    let before = sha(&db);
    let output = trendwatch()
        .args([
            "replay",
            fixture("samples/mblog-lines.jsonl").to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_no_panic(&output);
    let err = stderr(&output);
    assert!(
        !output.status.success(),
        "replay into a read-only database succeeded (root: {}): {err}",
        running_as_root(dir.path())
    );
    assert!(err.contains("a.db") && err.contains("read-only"), "{err}");
    assert_eq!(sha(&db), before, "the read-only database was modified");
    run_ok(&["spikes", "--db", db.to_str().unwrap()]);
    assert_eq!(sha(&db), before, "a query modified the read-only database");
    set_mode(&db, 0o644);
}

/// A database in a read-only directory (mode 0555): `replay` fails with a clear error and
/// the file is left as it was; so does creating a new database there.
#[test]
fn database_in_read_only_directory_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let db = make_db(&ro);
    let before = sha(&db);
    set_mode(&ro, 0o555);
    let output = trendwatch()
        .args([
            "replay",
            fixture("samples/mblog-lines.jsonl").to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let new_db = ro.join("new.db");
    let created = trendwatch()
        .args([
            "replay",
            fixture("samples/mblog-lines.jsonl").to_str().unwrap(),
            "--db",
            new_db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let after = sha(&db);
    let listing: Vec<_> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    set_mode(&ro, 0o755);
    assert_no_panic(&output);
    assert!(
        !output.status.success(),
        "replay in a read-only folder succeeded"
    );
    assert!(stderr(&output).contains("a.db"), "{}", stderr(&output));
    assert_eq!(
        after, before,
        "the database in a read-only folder was modified"
    );
    assert_no_panic(&created);
    assert!(
        !created.status.success(),
        "created a database in a read-only folder"
    );
    assert!(stderr(&created).contains("new.db"), "{}", stderr(&created));
    assert_eq!(
        listing,
        vec![std::ffi::OsString::from("a.db")],
        "files appeared: {listing:?}"
    );
}

/// Garbage, a foreign SQLite database and a database from a newer trendwatch are refused by
/// name and left byte for byte as they were.
#[test]
fn corrupt_foreign_and_newer_databases_are_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        b"SQLite format 3\0this is not a database".repeat(200),
    )
    .unwrap();
    let foreign = dir.path().join("foreign.db");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    let newer = make_db(dir.path());
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA user_version = 999;")
            .unwrap();
    }
    for db in [&garbage, &foreign, &newer] {
        let before = sha(db);
        let output = trendwatch()
            .args([
                "replay",
                fixture("samples/mblog-lines.jsonl").to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_no_panic(&output);
        assert!(!output.status.success(), "{} accepted", db.display());
        let name = db.file_name().unwrap().to_string_lossy().into_owned();
        assert!(stderr(&output).contains(&name), "{}", stderr(&output));
        assert_eq!(sha(db), before, "{} was modified", db.display());
    }
}

/// Posts dated 2009 on many topics, then one dated 2026: ~1.8 million empty 5-minute buckets
/// lie between. The tracker skips long empty stretches and feeds each topic at most a week of
/// empty buckets, so this costs seconds; before, every topic replayed the whole gap (200 topics
/// took 377 s). Hostile dates must not buy hours of CPU.
#[test]
fn date_gap_across_many_topics_replays_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let line: serde_json::Value = serde_json::from_str(&sample_line()).unwrap();
    let mut text = String::new();
    for i in 0..50 {
        let mut post = line.clone();
        post["id"] = serde_json::json!(format!("40000000000{i:05}"));
        post["mid"] = post["id"].clone();
        post["text"] = serde_json::json!(format!("#话题{i}# 今天不错"));
        post["created_at"] = serde_json::json!("Sun Aug 02 12:00:00 +0800 2009");
        post["user"]["id"] = serde_json::json!(1000 + i);
        text.push_str(&post.to_string());
        text.push('\n');
    }
    let mut last = line.clone();
    last["id"] = serde_json::json!("4999999999999999");
    last["mid"] = last["id"].clone();
    last["created_at"] = serde_json::json!("Thu Jan 01 12:00:00 +0800 2026");
    text.push_str(&last.to_string());
    text.push('\n');
    let path = dir.path().join("gap.jsonl");
    std::fs::write(&path, text).unwrap();
    let db = dir.path().join("gap.db");
    run_ok(&[
        "replay",
        path.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let posts: i64 = conn
        .query_row("SELECT count(*) FROM posts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(posts, 51);
}
