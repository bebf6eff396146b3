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
    /// At most this many episodes: the latest ones (still listed by onset).
    pub limit: Option<usize>,
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
    /// Onset of the topic's spike episode that overlaps the window, if any (the latest one).
    pub spike_onset: Option<UnixSeconds>,
    /// Whether that episode was still open at the end of the window.
    pub spike_open: bool,
}

/// One alert of a topic, for chart markers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicAlertRow {
    /// Row id (delivery order).
    pub id: i64,
    /// The episode the alert belongs to.
    pub episode_id: String,
    /// `opened` or `updated`.
    pub status: String,
    /// Data time the alert was raised.
    pub detected_at: UnixSeconds,
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
    let rows = stmt.query_map([], topic_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Maps a `SELECT id, name, kind, service FROM topics` row.
fn topic_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TopicRow> {
    Ok(TopicRow {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: row.get(2)?,
        service: row.get(3)?,
    })
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Calls `each(minute, users)` for every minute of a topic in `[from, to)` that has
/// participants, in order; `users` is the minute's JSON list of distinct user ids.
fn for_each_minute(
    conn: &Connection,
    topic_id: TopicId,
    from: UnixSeconds,
    to: UnixSeconds,
    mut each: impl FnMut(UnixSeconds, &str),
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT minute, users FROM minute_users
         WHERE topic_id = ?1 AND minute >= ?2 AND minute < ?3 ORDER BY minute",
    )?;
    let mut rows = stmt.query(params![topic_id, from, to])?;
    while let Some(row) = rows.next()? {
        let minute: UnixSeconds = row.get(0)?;
        let json = match row.get_ref(1)? {
            rusqlite::types::ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
            _ => None,
        };
        let Some(json) = json else {
            return Err(crate::StorageError::BadState {
                what: format!(
                    "minute_users row (topic_id {topic_id}, minute {minute}), column users"
                ),
                detail: "not UTF-8 text".into(),
            });
        };
        each(minute, json);
    }
    Ok(())
}

/// Distinct users over several minutes of one topic. The minutes' JSON lists are kept as they
/// came from the database and the count borrows the ids from them, so no id is copied.
#[derive(Debug, Default)]
struct DistinctUsers {
    topic_id: TopicId,
    lists: Vec<(UnixSeconds, String)>,
}

impl DistinctUsers {
    fn new(topic_id: TopicId) -> Self {
        DistinctUsers {
            topic_id,
            lists: Vec::new(),
        }
    }

    fn push(&mut self, minute: UnixSeconds, json: &str) {
        self.lists.push((minute, json.to_owned()));
    }

    /// The number of distinct users in the minutes pushed since the last count.
    fn count(&mut self) -> Result<u64> {
        // A Weibo user id takes about 13 bytes of JSON (`"1234567890",`): size the set once
        // from the lists' length instead of growing it.
        let bytes: usize = self.lists.iter().map(|(_, json)| json.len()).sum();
        let mut seen = rustc_hash::FxHashSet::<std::borrow::Cow<'_, str>>::with_capacity_and_hasher(
            bytes / 12,
            rustc_hash::FxBuildHasher,
        );
        for (minute, json) in &self.lists {
            for user in crate::sqlite::parse_user_list(json, self.topic_id, *minute)? {
                seen.insert(user.0);
            }
        }
        let n = seen.len() as u64;
        drop(seen);
        self.lists.clear();
        Ok(n)
    }
}

/// Distinct participants of a topic in `[from, to)` minutes.
fn distinct_participants(
    conn: &Connection,
    topic_id: TopicId,
    from: UnixSeconds,
    to: UnixSeconds,
) -> Result<u64> {
    let mut users = DistinctUsers::new(topic_id);
    for_each_minute(conn, topic_id, from, to, |minute, json| {
        users.push(minute, json)
    })?;
    users.count()
}

/// A candidate of the trending list: its exact figures once counted.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    topic_id: TopicId,
    posts: u64,
    /// Sum of per-minute distinct participants: an upper bound of the window's distinct count.
    upper: u64,
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
                topic_row,
            )
            .optional()?)
    }

    /// Spike episodes matching `filter`, by onset. With a limit, the latest episodes.
    pub fn spikes(&self, filter: &SpikeFilter) -> Result<Vec<SpikeRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.episode_id, t.name, t.kind, t.service, s.onset, s.alerted_at, s.peak_at,
                    s.peak_participants, s.ended_at, s.topic_id
             FROM spikes s JOIN topics t ON t.id = s.topic_id
             WHERE (?1 IS NULL OR t.name = ?1) AND (?2 IS NULL OR t.service = ?2)
               AND (?3 IS NULL OR t.kind = ?3) AND (?4 IS NULL OR s.onset >= ?4)
               AND (?5 IS NULL OR s.onset < ?5) AND (?6 IS NULL OR s.peak_participants >= ?6)
             ORDER BY s.onset DESC, t.name DESC LIMIT ?7",
        )?;
        let min = filter
            .min_participants
            .map(|m| i64::try_from(m).unwrap_or(i64::MAX));
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let rows = stmt.query_map(
            params![
                filter.topic,
                filter.service,
                filter.kind,
                filter.since,
                filter.until,
                min,
                limit
            ],
            |row| {
                Ok((
                    SpikeRow {
                        episode_id: row.get(0)?,
                        topic: row.get(1)?,
                        kind: row.get(2)?,
                        service: row.get(3)?,
                        onset: row.get(4)?,
                        alerted_at: row.get(5)?,
                        peak_at: row.get(6)?,
                        peak_participants: to_u64(row.get(7)?),
                        ended_at: row.get(8)?,
                        total_participants: 0,
                    },
                    row.get::<_, TopicId>(9)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (mut spike, topic_id) = row?;
            // Distinct people over the whole episode (an open one: up to the newest data).
            let end = spike.ended_at.unwrap_or(i64::MAX);
            spike.total_participants =
                distinct_participants(&self.conn, topic_id, spike.onset, end)?;
            out.push(spike);
        }
        out.reverse();
        Ok(out)
    }

    /// A topic's series in buckets of `bucket_secs` aligned to the Unix epoch (UTC), between
    /// `since` and `until` (exclusive). See [`SqliteStore::series_aligned`].
    pub fn series(
        &self,
        topic_id: TopicId,
        bucket_secs: i64,
        since: Option<UnixSeconds>,
        until: Option<UnixSeconds>,
    ) -> Result<Vec<SeriesRow>> {
        self.series_aligned(topic_id, bucket_secs, 0, since, until)
    }

    /// The first and last bucket start of a series query, without reading the series: lets
    /// callers bound the number of buckets before asking. `None` when the topic has no posts.
    pub fn series_span(
        &self,
        topic_id: TopicId,
        bucket_secs: i64,
        offset_secs: i64,
        since: Option<UnixSeconds>,
        until: Option<UnixSeconds>,
    ) -> Result<Option<(UnixSeconds, UnixSeconds)>> {
        let bucket_secs = bucket_secs.max(60);
        let (first, last): (Option<i64>, Option<i64>) = self.conn.query_row(
            "SELECT min(minute), max(minute) FROM topic_minutes WHERE topic_id = ?1",
            [topic_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(None);
        };
        let align = |t: i64| {
            t.saturating_add(offset_secs).div_euclid(bucket_secs) * bucket_secs - offset_secs
        };
        let start = align(since.unwrap_or(first));
        let end = until.unwrap_or(last.saturating_add(60));
        if end <= start {
            return Ok(None);
        }
        Ok(Some((start, end)))
    }

    /// A topic's series in buckets of `bucket_secs` whose boundaries fall on multiples of the
    /// width in a zone `offset_secs` east of UTC (so daily buckets start at local midnight),
    /// between `since` and `until` (exclusive; default: the topic's first and last minute).
    ///
    /// Participants are distinct users per bucket; empty buckets are included as zeros. The
    /// detector's baseline, noise and score are filled in where the detector recorded a bucket
    /// of exactly this width and start.
    pub fn series_aligned(
        &self,
        topic_id: TopicId,
        bucket_secs: i64,
        offset_secs: i64,
        since: Option<UnixSeconds>,
        until: Option<UnixSeconds>,
    ) -> Result<Vec<SeriesRow>> {
        let bucket_secs = bucket_secs.max(60);
        let Some((start, end)) =
            self.series_span(topic_id, bucket_secs, offset_secs, since, until)?
        else {
            return Ok(Vec::new());
        };
        let mut counts = std::collections::BTreeMap::<i64, (u64, u64)>::new();
        {
            // Posts (and, for one-minute buckets, exact participants) from the minute table.
            let mut stmt = self.conn.prepare_cached(
                "SELECT ((minute + ?5) / ?2) * ?2 - ?5 AS b, sum(posts), sum(participants)
                 FROM topic_minutes
                 WHERE topic_id = ?1 AND minute >= ?3 AND minute < ?4 GROUP BY b",
            )?;
            let rows = stmt.query_map(
                params![topic_id, bucket_secs, start, end, offset_secs],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                },
            )?;
            for row in rows {
                let (bucket, posts, participants) = row?;
                let entry = counts.entry(bucket).or_default();
                entry.0 = to_u64(posts);
                if bucket_secs == 60 {
                    entry.1 = to_u64(participants);
                }
            }
        }
        if bucket_secs != 60 {
            // Wider buckets: a user active in several minutes counts once. Minutes come in
            // order, so each bucket's users arrive together and one set, cleared between
            // buckets, counts them exactly.
            let mut current: Option<i64> = None;
            let mut users = DistinctUsers::new(topic_id);
            let mut outcome: Result<()> = Ok(());
            let mut flush = |bucket: Option<i64>, users: &mut DistinctUsers| -> Result<()> {
                if let Some(bucket) = bucket {
                    counts.entry(bucket).or_default().1 = users.count()?;
                }
                Ok(())
            };
            for_each_minute(&self.conn, topic_id, start, end, |minute, json| {
                let bucket = minute.saturating_add(offset_secs).div_euclid(bucket_secs)
                    * bucket_secs
                    - offset_secs;
                if current != Some(bucket) {
                    if outcome.is_ok() {
                        outcome = flush(current, &mut users);
                    }
                    current = Some(bucket);
                }
                users.push(minute, json);
            })?;
            outcome?;
            flush(current, &mut users)?;
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
    /// `[at - window, at)` (ties by name), with the baseline expectation, the site's own rank
    /// and heat, and the spike episode overlapping the window.
    ///
    /// Candidates come from the per-minute counts of the window only; the sum of a topic's
    /// per-minute participants bounds its distinct participants from above, so distinct users
    /// are counted for the most promising candidates only, stopping once no remaining candidate
    /// can enter the list (an exact threshold algorithm, not an approximation).
    pub fn top(&self, at: UnixSeconds, window: i64, limit: usize) -> Result<Vec<TopRow>> {
        let window = window.max(60);
        let from = at.saturating_sub(window);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut candidates = Vec::new();
        {
            let mut stmt = self.conn.prepare_cached(
                // The window's minutes are contiguous in the covering index; without the hint,
                // SQLite's statistics (after ANALYZE) favour a skip-scan of the primary key that
                // seeks once per topic: 70 ms instead of 29 ms for 2 h of 10,000 topics.
                "SELECT topic_id, sum(posts), sum(participants)
                 FROM topic_minutes INDEXED BY topic_minutes_by_minute
                 WHERE minute >= ?1 AND minute < ?2 GROUP BY topic_id",
            )?;
            let rows = stmt.query_map(params![from, at], |row| {
                Ok(Candidate {
                    topic_id: row.get(0)?,
                    posts: to_u64(row.get(1)?),
                    upper: to_u64(row.get(2)?),
                })
            })?;
            for row in rows {
                candidates.push(row?);
            }
        }
        candidates.sort_by(|a, b| b.upper.cmp(&a.upper).then(a.topic_id.cmp(&b.topic_id)));
        // (participants, candidate), exact counts of the candidates examined so far, and the
        // `limit` best exact counts (a min-heap: its top is the current k-th best).
        let mut counted: Vec<(u64, Candidate)> = Vec::new();
        let mut best = std::collections::BinaryHeap::<std::cmp::Reverse<u64>>::new();
        for candidate in candidates {
            if best.len() >= limit && best.peek().is_some_and(|kth| candidate.upper < kth.0) {
                // Sorted by upper bound: no later candidate can reach the list either.
                break;
            }
            let exact = distinct_participants(&self.conn, candidate.topic_id, from, at)?;
            counted.push((exact, candidate));
            best.push(std::cmp::Reverse(exact));
            if best.len() > limit {
                best.pop();
            }
        }
        let mut rows = Vec::with_capacity(counted.len());
        for (participants, candidate) in counted {
            let topic: (String, String, Option<String>) = self
                .conn
                .prepare_cached("SELECT name, kind, service FROM topics WHERE id = ?1")?
                .query_row([candidate.topic_id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?;
            rows.push((participants, candidate, topic));
        }
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.0.cmp(&b.2.0)));
        rows.truncate(limit);

        let mut out = Vec::with_capacity(rows.len());
        for (i, (participants, candidate, (topic, kind, service))) in rows.into_iter().enumerate() {
            use rusqlite::OptionalExtension;
            let baseline: Option<f64> = self
                .conn
                .prepare_cached(
                    "SELECT baseline / bucket_secs FROM topic_buckets
                     WHERE topic_id = ?1 AND bucket_start < ?2
                     ORDER BY bucket_start DESC LIMIT 1",
                )?
                .query_row(params![candidate.topic_id, at], |row| row.get(0))
                .optional()?;
            let site: Option<(Option<i64>, Option<i64>)> = self
                .conn
                .prepare_cached(
                    "SELECT rank, heat FROM hot_search
                     WHERE word = ?1 AND captured_at >= ?2 AND captured_at < ?3
                     ORDER BY captured_at DESC LIMIT 1",
                )?
                .query_row(params![topic, from, at], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            let spike: Option<(i64, Option<i64>)> = self
                .conn
                .prepare_cached(
                    "SELECT onset, ended_at FROM spikes
                     WHERE topic_id = ?1 AND onset < ?2 AND (ended_at IS NULL OR ended_at > ?3)
                     ORDER BY onset DESC LIMIT 1",
                )?
                .query_row(params![candidate.topic_id, at, from], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            let (site_rank, site_heat) = site.unwrap_or((None, None));
            #[allow(clippy::cast_precision_loss)]
            out.push(TopRow {
                rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                topic,
                kind,
                service,
                participants,
                posts: candidate.posts,
                // The stored baseline is per bucket; scale its rate to the window (an upper
                // estimate: a user active in several buckets counts once in the window).
                baseline: baseline.map(|per_sec| per_sec * window as f64),
                site_rank: site_rank.and_then(|r| u32::try_from(r).ok()),
                site_heat: site_heat.map(to_u64),
                spike_onset: spike.map(|s| s.0),
                spike_open: spike.is_some_and(|s| s.1.is_none_or(|end| end > at)),
            });
        }
        Ok(out)
    }

    /// A topic's alerts raised in `[since, until)` (either bound optional), in emission order.
    pub fn topic_alerts(
        &self,
        topic_id: TopicId,
        since: Option<UnixSeconds>,
        until: Option<UnixSeconds>,
    ) -> Result<Vec<TopicAlertRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, episode_id, status, detected_at FROM alerts
             WHERE topic_id = ?1 AND detected_at >= ?2 AND detected_at < ?3 ORDER BY id",
        )?;
        let rows = stmt.query_map(
            params![
                topic_id,
                since.unwrap_or(i64::MIN),
                until.unwrap_or(i64::MAX)
            ],
            |row| {
                Ok(TopicAlertRow {
                    id: row.get(0)?,
                    episode_id: row.get(1)?,
                    status: row.get(2)?,
                    detected_at: row.get(3)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SpikeRecord, Store, WriteBatch};
    use chrono::DateTime;
    use trendwatch_model::{ClassifiedPost, HotSearchEntry, Post, Tags, Topic, TopicKind};

    /// 2015-09-13 13:00 +08:00.
    const T0: i64 = 1_442_120_400;

    fn post(id: usize, user: &str, ts: i64, topic: &str) -> ClassifiedPost {
        ClassifiedPost {
            post: Post {
                id: id.to_string(),
                user_id: user.into(),
                user_name: user.into(),
                text: "text".into(),
                topics: vec![topic.into()],
                created_at: DateTime::from_timestamp(ts, 0)
                    .unwrap()
                    .with_timezone(&trendwatch_model::beijing()),
                reposts: 0,
                comments: 0,
                likes: 0,
                repost_of: None,
                source: None,
            },
            tags: Tags {
                topics: vec![Topic {
                    name: topic.into(),
                    kind: TopicKind::Trend,
                    service: None,
                }],
                ..Tags::default()
            },
        }
    }

    /// A store where "repeat" has one user posting every minute (many participant-minutes, one
    /// person), "crowd" 50 people once each, "mid" 10 people, "pair" 2 people twice.
    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("q.db")).unwrap();
        let mut posts = Vec::new();
        for m in 0..100 {
            posts.push(("solo".to_string(), T0 + m * 60, "repeat"));
        }
        for u in 0..50 {
            posts.push((format!("c{u}"), T0 + u * 60 + 5, "crowd"));
        }
        for u in 0..10 {
            posts.push((format!("m{u}"), T0 + 3000 + u * 7, "mid"));
        }
        for m in [0, 30] {
            for u in 0..2 {
                posts.push((format!("p{u}"), T0 + m * 60, "pair"));
            }
        }
        let mut batch = store.begin().unwrap();
        for (i, (user, ts, topic)) in posts.iter().enumerate() {
            let p = post(i, user, *ts, topic);
            let id = batch.topic_id(&p.tags.topics[0]).unwrap();
            batch.insert_post(&p, &[id]).unwrap();
        }
        let crowd = batch
            .topic_id(&Topic {
                name: "crowd".into(),
                kind: TopicKind::Trend,
                service: None,
            })
            .unwrap();
        batch
            .upsert_spike(&SpikeRecord {
                episode_id: "e1".into(),
                topic_id: crowd,
                onset: T0 + 600,
                alerted_at: T0 + 900,
                peak_at: T0 + 1200,
                peak_participants: 5,
                ended_at: Some(T0 + 1800),
            })
            .unwrap();
        batch
            .upsert_spike(&SpikeRecord {
                episode_id: "e2".into(),
                topic_id: crowd,
                onset: T0 + 2400,
                alerted_at: T0 + 2700,
                peak_at: T0 + 2700,
                peak_participants: 6,
                ended_at: None,
            })
            .unwrap();
        batch
            .record_hot_search(&HotSearchEntry {
                rank: Some(3),
                word: "crowd".into(),
                heat: Some(123_456),
                label: None,
                captured_at: DateTime::from_timestamp(T0 + 1000, 0)
                    .unwrap()
                    .with_timezone(&trendwatch_model::beijing()),
            })
            .unwrap();
        batch.commit().unwrap();
        (dir, store)
    }

    /// The trending list by brute force: every topic's distinct participants in the window.
    fn brute_top(store: &SqliteStore, at: i64, window: i64) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> = topics(store.connection())
            .unwrap()
            .into_iter()
            .map(|t| {
                let n = distinct_participants(store.connection(), t.id, at - window, at).unwrap();
                (t.name, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all
    }

    #[test]
    fn top_counts_distinct_people_not_participant_minutes() {
        let (_dir, store) = store();
        let at = T0 + 6000;
        let top = store.top(at, 6000, 2).unwrap();
        let names: Vec<_> = top
            .iter()
            .map(|r| (r.topic.as_str(), r.participants))
            .collect();
        assert_eq!(names, [("crowd", 50), ("mid", 10)]);
        assert_eq!(top[0].site_rank, Some(3));
        assert_eq!(top[0].site_heat, Some(123_456));
        assert_eq!(top[0].spike_onset, Some(T0 + 2400));
        assert!(top[0].spike_open);
        assert_eq!(top[1].spike_onset, None);
        for window in [600, 1800, 3600, 6000] {
            for limit in 1..6 {
                let expected = brute_top(&store, at, window);
                let got: Vec<_> = store
                    .top(at, window, limit)
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.topic, r.participants))
                    .collect();
                let want: Vec<_> = expected.into_iter().take(limit).collect();
                assert_eq!(got, want, "window {window}, limit {limit}");
            }
        }
        assert!(store.top(at, 6000, 0).unwrap().is_empty());
        assert!(store.top(T0 - 10_000, 600, 5).unwrap().is_empty());
    }

    #[test]
    fn series_buckets_align_to_the_zone_and_count_people_once() {
        let (_dir, store) = store();
        let pair = store.topic_by_name("pair").unwrap().unwrap();
        // Daily buckets in +08:00 start at local midnight, 13 hours before T0.
        let days = store
            .series_aligned(pair.id, 86_400, 8 * 3600, None, None)
            .unwrap();
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].bucket_start, T0 - 13 * 3600);
        assert_eq!((days[0].posts, days[0].participants), (4, 2));
        // The same day in UTC buckets starts at 00:00Z, 5 hours before T0.
        let utc = store.series(pair.id, 86_400, None, None).unwrap();
        assert_eq!(utc[0].bucket_start, T0 - 5 * 3600);
        // One-minute buckets come from the minute table, with zeros between.
        let minutes = store.series(pair.id, 60, None, None).unwrap();
        assert_eq!(minutes.len(), 31);
        assert_eq!((minutes[0].posts, minutes[0].participants), (2, 2));
        assert_eq!((minutes[1].posts, minutes[1].participants), (0, 0));
        let span = store
            .series_span(pair.id, 300, 0, Some(T0 + 61), Some(T0 + 3600))
            .unwrap();
        assert_eq!(span, Some((T0, T0 + 3600)));
        assert_eq!(
            store
                .series_span(pair.id, 300, 0, Some(T0 + 600), Some(T0))
                .unwrap(),
            None
        );
    }

    #[test]
    fn series_counts_match_sqlite_distinct_counts() {
        let (_dir, store) = store();
        for topic in topics(store.connection()).unwrap() {
            for (bucket, offset) in [(120, 0), (300, 0), (900, 3600), (3600, 8 * 3600)] {
                let series = store
                    .series_aligned(topic.id, bucket, offset, None, None)
                    .unwrap();
                for row in series {
                    let want = distinct_participants(
                        store.connection(),
                        topic.id,
                        row.bucket_start,
                        row.bucket_start + bucket,
                    )
                    .unwrap();
                    assert_eq!(
                        row.participants, want,
                        "{} at {}",
                        topic.name, row.bucket_start
                    );
                }
            }
        }
    }

    #[test]
    fn spikes_list_latest_first_under_a_limit_and_count_everyone() {
        let (_dir, store) = store();
        let all = store.spikes(&SpikeFilter::default()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].episode_id, "e1");
        // Crowd users c10..c29 posted in [T0+600, T0+1800).
        assert_eq!(all[0].total_participants, 20);
        // The open episode counts up to the newest data: c40..c49.
        assert_eq!(all[1].total_participants, 10);
        let latest = store
            .spikes(&SpikeFilter {
                limit: Some(1),
                ..SpikeFilter::default()
            })
            .unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].episode_id, "e2");
        let none = store
            .spikes(&SpikeFilter {
                topic: Some("mid".into()),
                ..SpikeFilter::default()
            })
            .unwrap();
        assert!(none.is_empty());
        let big = store
            .spikes(&SpikeFilter {
                min_participants: Some(6),
                ..SpikeFilter::default()
            })
            .unwrap();
        assert_eq!(big.len(), 1);
    }

    #[test]
    fn latest_time_is_the_end_of_the_newest_minute() {
        let (_dir, store) = store();
        assert_eq!(store.latest_time().unwrap(), Some(T0 + 99 * 60 + 60));
        let crowd = store.topic_by_name("crowd").unwrap().unwrap();
        assert!(store.topic_alerts(crowd.id, None, None).unwrap().is_empty());
    }
}
