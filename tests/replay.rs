use std::path::Path;

use chrono::DateTime;

use crate::util::{ALERT_SCALE, SCALE, fixture, json_lines, run_ok, trendwatch, wechat_stream};

/// 2015-09-13 13:00 +08:00, when the complaints begin.
const ONSET: i64 = 1_442_120_400;

fn replay(stream: &Path, db: &Path) -> std::process::Output {
    run_ok(&[
        "replay",
        stream.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ])
}

fn db_counts(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    [
        "posts",
        "participation",
        "topic_minutes",
        "topic_buckets",
        "spikes",
        "alerts",
    ]
    .iter()
    .map(|t| {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        let sum: i64 = if *t == "topic_minutes" {
            conn.query_row(
                "SELECT sum(posts) + sum(participants) FROM topic_minutes",
                [],
                |r| r.get(0),
            )
            .unwrap()
        } else {
            0
        };
        (t.to_string(), n * 1_000_000_000 + sum)
    })
    .collect()
}

#[test]
fn wechat_outage_alert_fires_within_ten_minutes_and_steady_topics_stay_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let stream = wechat_stream(dir.path(), ALERT_SCALE);
    let output = replay(&stream, &dir.path().join("a.db"));
    let alerts = json_lines(&output);
    let wechat: Vec<_> = alerts
        .iter()
        .filter(|a| a["kind"] == "outage" && a["service"] == "wechat" && a["status"] == "opened")
        .collect();
    assert!(!wechat.is_empty(), "no WeChat outage alert in {alerts:#?}");
    let first = DateTime::parse_from_rfc3339(wechat[0]["detected_at"].as_str().unwrap()).unwrap();
    let delay = first.timestamp() - ONSET;
    assert!(
        (0..=600).contains(&delay),
        "WeChat alert came {delay}s after onset: {:#?}",
        wechat[0]
    );
    for field in [
        "topic",
        "kind",
        "service",
        "detected_at",
        "window_start",
        "window_end",
        "participants",
        "baseline",
        "score",
    ] {
        assert!(wechat[0].get(field).is_some(), "alert lacks {field}");
    }
    // Every alert is about the WeChat outage: the steady topics never alert.
    for alert in &alerts {
        assert_eq!(alert["service"], "wechat", "unexpected alert {alert:#}");
    }
}

#[test]
fn replay_is_deterministic_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let stream = wechat_stream(dir.path(), SCALE / 2.0);
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let first = replay(&stream, &a);
    let second = replay(&stream, &b);
    assert!(
        !first.stdout.is_empty(),
        "the replay raised no alert at all"
    );
    assert_eq!(
        first.stdout, second.stdout,
        "alerts differ between identical replays"
    );

    // Replaying the same file into the same database changes no count and alerts nothing.
    let before = db_counts(&a);
    let again = replay(&stream, &a);
    assert!(
        again.stdout.is_empty(),
        "second replay re-alerted: {}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(db_counts(&a), before);
}

#[test]
fn malformed_inputs_are_reported_with_file_and_line_and_do_not_stop_the_replay() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let good = std::fs::read_to_string(fixture("samples/mblog-lines.jsonl")).unwrap();
    let good_lines = good.lines().filter(|l| !l.trim().is_empty()).count();
    // 1: a truncated JSON line between good ones.
    let mut mixed = String::new();
    for (i, line) in good.lines().enumerate() {
        mixed.push_str(line);
        mixed.push('\n');
        if i == 1 {
            mixed.push_str(&line[..line.len() / 2]);
            mixed.push('\n');
        }
    }
    std::fs::write(input.join("a-truncated.jsonl"), &mixed).unwrap();
    // 2: invalid UTF-8 on a line.
    let mut bytes = good.lines().next().unwrap().as_bytes().to_vec();
    bytes.push(b'\n');
    bytes.extend_from_slice(b"{\"id\":\"1\",\"text\":\"\xff\xfe\"}\n");
    std::fs::write(input.join("b-utf8.jsonl"), &bytes).unwrap();
    // 3: an absurd date.
    let absurd = good.lines().next().unwrap().replace("2015", "1970");
    std::fs::write(input.join("c-absurd.jsonl"), format!("{absurd}\n")).unwrap();
    // 4: broken HTML.
    std::fs::write(
        input.join("d-broken.html"),
        "<html><div class=\"card-wrap\" mid=\"x\"><p class=\"txt\">半截",
    )
    .unwrap();

    let db = dir.path().join("t.db");
    let output = trendwatch()
        .args([
            "replay",
            input.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "replay stopped: {stderr}");
    assert!(
        stderr.contains("a-truncated.jsonl:3"),
        "no file:line for the truncated line: {stderr}"
    );
    assert!(
        stderr.contains("b-utf8.jsonl:2"),
        "no file:line for bad UTF-8: {stderr}"
    );
    assert!(
        stderr.contains("c-absurd.jsonl:1"),
        "no file:line for the absurd date: {stderr}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let posts: i64 = conn
        .query_row("SELECT count(*) FROM posts", [], |r| r.get(0))
        .unwrap();
    assert!(
        posts as usize >= good_lines,
        "good posts were lost: {posts} < {good_lines}"
    );
}

#[test]
fn a_foreign_or_corrupt_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let stream = fixture("samples/mblog-lines.jsonl");
    let corrupt = dir.path().join("corrupt.db");
    let garbage =
        b"this is not an sqlite database, just some bytes that look like nothing".repeat(100);
    std::fs::write(&corrupt, &garbage).unwrap();
    let out = trendwatch()
        .args([
            "replay",
            stream.to_str().unwrap(),
            "--db",
            corrupt.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("corrupt.db"), "{stderr}");
    assert_eq!(
        std::fs::read(&corrupt).unwrap(),
        garbage,
        "corrupt file was modified"
    );

    let foreign = dir.path().join("foreign.db");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    let out = trendwatch()
        .args([
            "replay",
            stream.to_str().unwrap(),
            "--db",
            foreign.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a trendwatch database"));
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
}
