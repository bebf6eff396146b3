//! Builds a query benchmark database: 30 days of minute buckets for 10,000 topics, synthesised
//! directly with SQL into the real schema (the real migrations run through `SqliteStore::open`).
//!
//! Topic `r` (1 = most popular) is active in every `ceil(r / 10)`-th minute, with up to
//! `1 + 20 / ceil(r / 10)` distinct participants there (drawn from 100,000 users), so the head
//! topics have a row every minute and the tail a few dozen a month: ~3.2 M minute rows, ~8 M
//! participation rows, 5-minute detector buckets for every active bucket, 2,000 spike episodes.
//!
//! Run: `cargo run --release -p trendwatch-storage --example query_db -- OUT.db [DAYS] [TOPICS]`
//! (used by `scripts/bench-queries.sh`).

use std::path::PathBuf;
use std::time::Instant;

use trendwatch_storage::SqliteStore;

/// 2015-08-15 00:00 +08:00: the 30 days end on 2015-09-14.
const START: i64 = 1_439_568_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: query_db OUT.db [DAYS] [TOPICS]")?,
    );
    let days: i64 = args.next().map_or(Ok(30), |s| s.parse())?;
    let topics: i64 = args.next().map_or(Ok(10_000), |s| s.parse())?;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = out.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    let started = Instant::now();
    let store = SqliteStore::open(&out)?;
    let conn = store.connection();
    let minutes = days * 1440;
    conn.execute_batch("PRAGMA synchronous = OFF; BEGIN;")?;
    conn.execute(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < ?1)
         INSERT INTO topics (id, name, kind, service)
         SELECT n, 'topic ' || n, CASE WHEN n % 100 = 0 THEN 'outage' ELSE 'trend' END,
                CASE WHEN n % 100 = 0 THEN 'service' || n ELSE NULL END FROM r",
        [topics],
    )?;
    // Participation first (the ground truth), then minute counts derived from it.
    conn.execute_batch(
        "CREATE TEMP TABLE people (topic_id INTEGER, minute INTEGER, user_id TEXT,
                                   PRIMARY KEY (topic_id, minute, user_id)) WITHOUT ROWID",
    )?;
    conn.execute(
        "WITH RECURSIVE a(r, every, i) AS (
                  SELECT id, (id + 9) / 10, id % ((id + 9) / 10) FROM topics
                  UNION ALL SELECT r, every, i + every FROM a WHERE i + every < ?2
                  ORDER BY 1, 3),
              active(r, minute, people) AS (
                  SELECT r, ?1 + i * 60, 1 + ((i * 7 + r * 13) % (1 + 20 / every)) FROM a),
              k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 20)
         INSERT INTO temp.people (topic_id, minute, user_id)
         SELECT r, minute, 'u' || ((minute / 60 * 31 + r * 17 + j * 7919) % 100000)
         FROM active JOIN k ON j < people",
        [START, minutes],
    )?;
    conn.execute_batch(
        "INSERT INTO minute_users (topic_id, minute, users)
         SELECT topic_id, minute, json_group_array(user_id ORDER BY user_id)
         FROM temp.people GROUP BY topic_id, minute;
         INSERT INTO topic_minutes (topic_id, minute, posts, participants)
         SELECT topic_id, minute, count(*) + topic_id % 3, count(*)
         FROM temp.people GROUP BY topic_id, minute;
         DROP TABLE temp.people;
         INSERT INTO topic_buckets (topic_id, bucket_start, bucket_secs, participants, baseline,
                                    noise, score)
         SELECT topic_id, minute / 300 * 300, 300, sum(participants), 1.0 + topic_id % 7,
                1.0, 0.1
         FROM topic_minutes GROUP BY topic_id, minute / 300;",
    )?;
    conn.execute(
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000)
         INSERT INTO spikes (episode_id, topic_id, onset, alerted_at, peak_at, peak_participants,
                             ended_at)
         SELECT 'ep' || n, 1 + (n * 37) % ?2, ?1 + (n * 1297) % (?3 * 60) / 300 * 300,
                ?1 + (n * 1297) % (?3 * 60) / 300 * 300 + 300,
                ?1 + (n * 1297) % (?3 * 60) / 300 * 300 + 600, 50 + n % 500,
                ?1 + (n * 1297) % (?3 * 60) / 300 * 300 + 3600 FROM s",
        [START, topics, minutes],
    )?;
    conn.execute_batch("COMMIT; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    let count = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
            row.get(0)
        })
    };
    println!(
        "{}: {} topics, {} minute rows, {} participation rows, {} buckets, {} spikes in {:.1} s",
        out.display(),
        count("topics")?,
        count("topic_minutes")?,
        count("participation")?,
        count("topic_buckets")?,
        count("spikes")?,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
