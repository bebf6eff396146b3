//! Read-side queries for researchers: topics, spikes, series and alerts.

use rusqlite::{Connection, params};
use serde::Serialize;
use trendwatch_model::UnixSeconds;

use crate::TopicId;
use crate::error::Result;
use crate::sqlite::SqliteStore;

/// A stored topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicRow {
    /// Database id.
    pub id: TopicId,
    /// Topic name.
    pub name: String,
    /// `outage` or `trend`.
    pub kind: String,
    /// Service id, if any.
    pub service: Option<String>,
}

/// Which spikes to list.
#[derive(Debug, Clone, Default)]
pub struct SpikeFilter {
    /// Only this topic (exact name).
    pub topic: Option<String>,
    /// Only topics about this service id.
    pub service: Option<String>,
    /// Only this kind (`outage`/`trend`).
    pub kind: Option<String>,
    /// Only episodes with onset at or after this time.
    pub since: Option<UnixSeconds>,
    /// Only episodes with onset before this time.
    pub until: Option<UnixSeconds>,
    /// Only episodes whose peak bucket had at least this many participants.
    pub min_participants: Option<u64>,
}

/// One spike episode with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpikeRow {
    /// Stable episode id.
    pub episode_id: String,
    /// Topic name.
    pub topic: String,
    /// `outage` or `trend`.
    pub kind: String,
    /// Service id, if any.
    pub service: Option<String>,
    /// Start of the onset bucket.
    pub onset: UnixSeconds,
    /// Data time of the first alert.
    pub alerted_at: UnixSeconds,
    /// Start of the peak bucket.
    pub peak_at: UnixSeconds,
    /// Participants in the peak bucket.
    pub peak_participants: u64,
    /// End of the episode, if it has ended.
    pub ended_at: Option<UnixSeconds>,
    /// Distinct participants of the topic from onset to end (or to now).
    pub total_participants: u64,
}

/// One bucket of a topic's series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesRow {
    /// Bucket start.
    pub bucket_start: UnixSeconds,
    /// Posts in the bucket.
    pub posts: u64,
    /// Distinct participants in the bucket.
    pub participants: u64,
    /// Detector baseline for the bucket, when the bucket width is the detector's.
    pub baseline: Option<f64>,
    /// Detector noise for the bucket, when known.
    pub noise: Option<f64>,
    /// Anomaly score, when known.
    pub score: Option<f64>,
}

/// One row of the trending list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopRow {
    /// 1-based rank by participants in the window.
    pub rank: u32,
    /// Topic name.
    pub topic: String,
    /// `outage` or `trend`.
    pub kind: String,
    /// Service id, if any.
    pub service: Option<String>,
    /// Distinct participants in the window.
    pub participants: u64,
    /// Posts in the window.
    pub posts: u64,
    /// Participants the topic's baseline expected in such a window (when known).
    pub baseline: Option<f64>,
    /// The site's own hot-search rank for the same word at the latest capture in the window.
    pub site_rank: Option<u32>,
    /// The site's heat figure at that capture.
    pub site_heat: Option<u64>,
}

/// One stored alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    /// Row id (delivery order).
    pub id: i64,
    /// The alert JSON exactly as emitted.
    pub payload: String,
}

pub(crate) fn topics(conn: &Connection) -> Result<Vec<TopicRow>> {
    let mut stmt = conn.prepare("SELECT id, name, kind, service FROM topics ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        Ok(TopicRow {
            id: row.get(0)?,
            name: row.get(1)?,
            kind: row.get(2)?,
            service: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl SqliteStore {
    /// Looks a topic up by exact name.
    pub fn topic_by_name(&self, name: &str) -> Result<Option<TopicRow>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT id, name, kind, service FROM topics WHERE name = ?1",
                [name],
                |row| {
                    Ok(TopicRow {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        kind: row.get(2)?,
                        service: row.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Spike episodes matching `filter`, by onset.
    pub fn spikes(&self, filter: &SpikeFilter) -> Result<Vec<SpikeRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.episode_id, t.name, t.kind, t.service, s.onset, s.alerted_at, s.peak_at,
                    s.peak_participants, s.ended_at,
                    (SELECT count(DISTINCT p.user_id) FROM participation p
                      WHERE p.topic_id = s.topic_id AND p.minute >= s.onset
                        AND p.minute < coalesce(s.ended_at, 9223372036854775807))
             FROM spikes s JOIN topics t ON t.id = s.topic_id
             WHERE (?1 IS NULL OR t.name = ?1) AND (?2 IS NULL OR t.service = ?2)
               AND (?3 IS NULL OR t.kind = ?3) AND (?4 IS NULL OR s.onset >= ?4)
               AND (?5 IS NULL OR s.onset < ?5) AND (?6 IS NULL OR s.peak_participants >= ?6)
             ORDER BY s.onset, t.name",
        )?;
        let min = filter
            .min_participants
            .map(|m| i64::try_from(m).unwrap_or(i64::MAX));
        let rows = stmt.query_map(
            params![
                filter.topic,
                filter.service,
                filter.kind,
                filter.since,
                filter.until,
                min
            ],
            |row| {
                Ok(SpikeRow {
                    episode_id: row.get(0)?,
                    topic: row.get(1)?,
                    kind: row.get(2)?,
                    service: row.get(3)?,
                    onset: row.get(4)?,
                    alerted_at: row.get(5)?,
                    peak_at: row.get(6)?,
                    peak_participants: to_u64(row.get(7)?),
                    ended_at: row.get(8)?,
                    total_participants: to_u64(row.get(9)?),
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A topic's series in buckets of `bucket_secs`, between `since` and `until` (exclusive).
    /// Participants are distinct users per bucket; empty buckets are included as zeros.
    pub fn series(
        &self,
        topic_id: TopicId,
        bucket_secs: i64,
        since: Option<UnixSeconds>,
        until: Option<UnixSeconds>,
    ) -> Result<Vec<SeriesRow>> {
        let bucket_secs = bucket_secs.max(60);
        let (first, last): (Option<i64>, Option<i64>) = self.conn.query_row(
            "SELECT min(minute), max(minute) FROM topic_minutes WHERE topic_id = ?1",
            [topic_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(Vec::new());
        };
        let start = since.unwrap_or(first).div_euclid(bucket_secs) * bucket_secs;
        let end = until.unwrap_or(last + 60);
        if end <= start {
            return Ok(Vec::new());
        }
        let mut counts = std::collections::BTreeMap::<i64, (u64, u64)>::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT (minute / ?2) * ?2 AS b, count(DISTINCT user_id) FROM participation
                 WHERE topic_id = ?1 AND minute >= ?3 AND minute < ?4 GROUP BY b",
            )?;
            let rows = stmt.query_map(params![topic_id, bucket_secs, start, end], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (bucket, participants) = row?;
                counts.entry(bucket).or_default().1 = to_u64(participants);
            }
            let mut stmt = self.conn.prepare_cached(
                "SELECT (minute / ?2) * ?2 AS b, sum(posts) FROM topic_minutes
                 WHERE topic_id = ?1 AND minute >= ?3 AND minute < ?4 GROUP BY b",
            )?;
            let rows = stmt.query_map(params![topic_id, bucket_secs, start, end], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (bucket, posts) = row?;
                counts.entry(bucket).or_default().0 = to_u64(posts);
            }
        }
        let mut detector = std::collections::BTreeMap::<i64, (f64, f64, f64)>::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT bucket_start, baseline, noise, score FROM topic_buckets
                 WHERE topic_id = ?1 AND bucket_secs = ?2 AND bucket_start >= ?3 AND bucket_start < ?4",
            )?;
            let rows = stmt.query_map(params![topic_id, bucket_secs, start, end], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    (row.get(1)?, row.get(2)?, row.get(3)?),
                ))
            })?;
            for row in rows {
                let (bucket, values) = row?;
                detector.insert(bucket, values);
            }
        }
        let mut out = Vec::new();
        let mut bucket = start;
        while bucket < end {
            let (posts, participants) = counts.get(&bucket).copied().unwrap_or_default();
            let det = detector.get(&bucket);
            out.push(SeriesRow {
                bucket_start: bucket,
                posts,
                participants,
                baseline: det.map(|d| d.0),
                noise: det.map(|d| d.1),
                score: det.map(|d| d.2),
            });
            bucket += bucket_secs;
        }
        Ok(out)
    }

    /// The newest data time in the database (end of the newest minute with posts).
    pub fn latest_time(&self) -> Result<Option<UnixSeconds>> {
        let latest: Option<i64> =
            self.conn
                .query_row("SELECT max(minute) FROM topic_minutes", [], |row| {
                    row.get(0)
                })?;
        Ok(latest.map(|m| m + 60))
    }

    /// The trending list as it stood at `at`: topics ranked by distinct participants in
    /// `[at - window, at)`, with the baseline expectation and the site's own rank and heat.
    pub fn top(&self, at: UnixSeconds, window: i64, limit: usize) -> Result<Vec<TopRow>> {
        let from = at - window;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(
            "WITH active AS (
                 SELECT topic_id, sum(posts) AS posts FROM topic_minutes
                 WHERE minute >= ?1 AND minute < ?2 GROUP BY topic_id
             ), counted AS (
                 SELECT a.topic_id, a.posts,
                        (SELECT count(DISTINCT user_id) FROM participation p
                          WHERE p.topic_id = a.topic_id AND p.minute >= ?1 AND p.minute < ?2)
                          AS participants
                 FROM active a
             )
             SELECT t.name, t.kind, t.service, c.participants, c.posts,
                    (SELECT b.baseline / b.bucket_secs FROM topic_buckets b
                      WHERE b.topic_id = c.topic_id AND b.bucket_start < ?2
                      ORDER BY b.bucket_start DESC LIMIT 1),
                    (SELECT h.rank FROM hot_search h WHERE h.word = t.name
                      AND h.captured_at >= ?1 AND h.captured_at < ?2 ORDER BY h.captured_at DESC LIMIT 1),
                    (SELECT h.heat FROM hot_search h WHERE h.word = t.name
                      AND h.captured_at >= ?1 AND h.captured_at < ?2 ORDER BY h.captured_at DESC LIMIT 1)
             FROM counted c JOIN topics t ON t.id = c.topic_id
             ORDER BY c.participants DESC, t.name LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![from, at, limit], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, Option<f64>>(5)?,
                row.get::<_, Option<i64>>(6)?,
                row.get::<_, Option<i64>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for (i, row) in rows.enumerate() {
            let (topic, kind, service, participants, posts, baseline, rank, heat) = row?;
            #[allow(clippy::cast_precision_loss)]
            out.push(TopRow {
                rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                topic,
                kind,
                service,
                participants: to_u64(participants),
                posts: to_u64(posts),
                // The stored baseline is per bucket; scale its rate to the window (an upper
                // estimate: a user active in several buckets counts once in the window).
                baseline: baseline.map(|per_sec| per_sec * window as f64),
                site_rank: rank.and_then(|r| u32::try_from(r).ok()),
                site_heat: heat.map(to_u64),
            });
        }
        Ok(out)
    }

    /// Every stored alert in emission order.
    pub fn alerts(&self) -> Result<Vec<AlertRow>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, payload FROM alerts ORDER BY id")?;
        let rows = stmt.query_map([], |row| {
            Ok(AlertRow {
                id: row.get(0)?,
                payload: row.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Counts of stored rows per table, for summaries and tests.
    pub fn counts(&self) -> Result<Vec<(&'static str, u64)>> {
        let mut out = Vec::new();
        for table in [
            "posts",
            "topics",
            "participation",
            "topic_minutes",
            "topic_buckets",
            "spikes",
            "alerts",
            "hot_search",
        ] {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                        row.get(0)
                    })?;
            out.push((table, to_u64(n)));
        }
        Ok(out)
    }
}
