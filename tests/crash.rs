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

/// Runs the daemon on a drop-box folder holding `stream`, until the file is fully committed
/// (or, with `kill_after`, until that moment, when it is SIGKILLed). Returns whether it finished.
// Every way out of the loop waits for the child (after SIGKILL, SIGTERM, or the time-out kill);
// the lint cannot follow the loop.
#[allow(clippy::zombie_processes)]
fn daemon_run(dir: &Path, kill_after: Option<std::time::Duration>) -> bool {
    let config = dir.join("trendwatch.toml");
    let db = dir.join("tw.db");
    let read_everything = || {
        db.exists()
            && rusqlite::Connection::open(&db)
                .and_then(|c| {
                    c.query_row(
                        "SELECT count(*) FROM sources WHERE cursor LIKE '%stream.jsonl%'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .unwrap_or(0)
                == 1
    };
    // A killed run may already have committed the whole file; then this run has nothing to do
    // and may be stopped before it has even installed its signal handlers.
    let already_done = read_everything();
    let mut child = trendwatch()
        .args(["daemon", "--config", config.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(limit) = kill_after
            && started.elapsed() >= limit
        {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return false;
        }
        if read_everything() {
            let term = std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(term.success());
            let status = child.wait().unwrap();
            assert!(status.success() || already_done, "daemon exit {status}");
            return true;
        }
        if started.elapsed() >= std::time::Duration::from_secs(300) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the daemon did not read its drop-box");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn daemon_dir(root: &Path, name: &str, stream: &Path) -> std::path::PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    std::fs::copy(stream, dir.join("inbox").join("stream.jsonl")).unwrap();
    std::fs::write(
        dir.join("trendwatch.toml"),
        "database = \"tw.db\"\n[sinks]\nstdout = true\n[[source]]\nname = \"inbox\"\nkind = \"jsonl_dir\"\npath = \"inbox\"\ninterval = \"100ms\"\nbatch_size = 500\n",
    )
    .unwrap();
    dir
}

#[test]
fn daemon_killed_at_random_points_then_restarted_equals_one_uninterrupted_run() {
    let root = tempfile::tempdir().unwrap();
    let stream = wechat_stream(root.path(), 0.005);

    let reference = daemon_dir(root.path(), "reference", &stream);
    let started = Instant::now();
    assert!(daemon_run(&reference, None));
    let full = started.elapsed();

    let crashed = daemon_dir(root.path(), "crashed", &stream);
    let mut kills = 0;
    for fraction in [0.2, 0.45, 0.7] {
        if !daemon_run(&crashed, Some(full.mul_f64(fraction))) {
            kills += 1;
        }
    }
    daemon_run(&crashed, None);
    assert!(
        kills > 0,
        "the daemon always finished before it could be killed ({full:?})"
    );

    let want = fingerprint(&reference.join("tw.db"));
    let got = fingerprint(&crashed.join("tw.db"));
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(
            w, g,
            "fingerprint part {i} differs after {kills} daemon kills"
        );
    }
}
