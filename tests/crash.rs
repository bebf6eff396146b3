use std::path::Path;
use std::time::Instant;

use crate::util::{run_ok, trendwatch, wechat_stream};

/// Everything a replay leaves in the database that must not depend on crashes, as text.
fn fingerprint(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let queries = [
        "SELECT count(*) || ':' || coalesce(sum(length(id) + length(text) + created_at), 0) FROM posts",
        "SELECT count(*) FROM post_topics",
        "SELECT count(*) FROM participation",
        "SELECT group_concat(topic_id || '/' || minute || '/' || posts || '/' || participants, ';')
           FROM (SELECT * FROM topic_minutes ORDER BY topic_id, minute)",
        "SELECT group_concat(topic_id || '/' || bucket_start || '/' || participants || '/' || printf('%.6f', baseline) || '/' || printf('%.6f', score), ';')
           FROM (SELECT * FROM topic_buckets ORDER BY topic_id, bucket_start)",
        "SELECT group_concat(episode_id || '/' || onset || '/' || alerted_at || '/' || peak_at || '/' || peak_participants || '/' || coalesce(ended_at, '-'), ';')
           FROM (SELECT * FROM spikes ORDER BY episode_id)",
        "SELECT group_concat(payload, ';') FROM (SELECT payload FROM alerts ORDER BY id)",
        "SELECT group_concat(name || '/' || kind, ';') FROM (SELECT * FROM topics ORDER BY id)",
    ];
    queries
        .iter()
        .map(|q| {
            conn.query_row(q, [], |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| format!("{v:?}"))
                .unwrap()
        })
        .collect()
}

#[test]
fn replay_killed_at_random_points_then_rerun_equals_one_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let stream = wechat_stream(dir.path(), 0.01);
    let stream_s = stream.to_str().unwrap();

    let reference = dir.path().join("reference.db");
    let started = Instant::now();
    run_ok(&[
        "replay",
        stream_s,
        "--db",
        reference.to_str().unwrap(),
        "--batch-size",
        "512",
    ]);
    let full = started.elapsed();

    let crashed = dir.path().join("crashed.db");
    let crashed_s = crashed.to_str().unwrap();
    // Kill points spread over the run (fixed fractions: the test is repeatable).
    let mut kills = 0;
    for fraction in [0.15, 0.35, 0.55, 0.8] {
        let mut child = trendwatch()
            .args(["replay", stream_s, "--db", crashed_s, "--batch-size", "512"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(fraction));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no chance to flush or clean up.
            kills += 1;
        }
        child.wait().unwrap();
    }
    run_ok(&["replay", stream_s, "--db", crashed_s, "--batch-size", "512"]);
    assert!(
        kills > 0,
        "the replay always finished before it could be killed ({full:?})"
    );

    let want = fingerprint(&reference);
    let got = fingerprint(&crashed);
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "fingerprint part {i} differs after {kills} kills");
    }
}
