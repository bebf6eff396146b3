//! The SQLite implementation of [`Store`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rusqlite::{CachedStatement, Connection, OptionalExtension, params};
use rustc_hash::{FxHashMap, FxHashSet};
use trendwatch_model::{Alert, ClassifiedPost, HotSearchEntry, Symptom, Topic, UnixSeconds};

use crate::error::{Result, StorageError};
use crate::{
    BucketRecord, PostWrite, SourceUpdate, SpikeRecord, Store, TopicId, TopicRow, WriteBatch,
};

/// A trendwatch database in one SQLite file (WAL mode: readers never block the writer).
pub struct SqliteStore {
    pub(crate) conn: Connection,
    path: PathBuf,
    topic_ids: FxHashMap<String, TopicId>,
    known_posts: KnownPosts,
    minute_users: MinuteUsers,
}

/// Who took part in each recently written (topic, minute): a write-back cache of the
/// `minute_users` table, so deciding whether a post's author is new to a topic's minute costs a
/// hash lookup instead of a B-tree insert per post. A minute not in the cache is loaded from the
/// database on first use, so the answer never depends on what the cache happens to hold; at
/// commit the minutes that gained people are written back, one row each. Entries not touched
/// in the last [`MinuteUsers::KEEP_BATCHES`] batches are dropped after a commit, which bounds
/// the memory by the recent working set, not by the data's time span. A batch that does not
/// commit empties the cache (its additions were never stored).
#[derive(Debug, Default)]
struct MinuteUsers {
    minutes: FxHashMap<(TopicId, UnixSeconds), MinuteEntry>,
    /// Batches begun so far (the cache's clock for eviction).
    batch: u64,
    /// `PRAGMA data_version` when the last batch began: it changes only when another
    /// connection commits, which makes the cache stale.
    data_version: Option<i64>,
    /// Per topic, the newest minute stored in `minute_users` (`None`: none), looked up once per
    /// topic: a later minute is known to be empty without asking the database, which is the
    /// common case of data arriving in time order.
    newest_stored: FxHashMap<TopicId, Option<UnixSeconds>>,
}

#[derive(Debug, Default)]
struct MinuteEntry {
    users: FxHashSet<Box<str>>,
    /// Gained people in the open batch (to be written at commit).
    dirty: bool,
    /// The last batch that touched it.
    touched: u64,
}

impl MinuteUsers {
    const KEEP_BATCHES: u64 = 4;

    /// Starts a batch (inside its transaction); forgets everything if another connection has
    /// written to the database since the last batch.
    fn begin(&mut self, conn: &Connection) -> Result<()> {
        let version: i64 = conn.query_row("PRAGMA data_version", [], |row| row.get(0))?;
        if self.data_version != Some(version) {
            self.forget();
            self.data_version = Some(version);
        }
        self.batch += 1;
        Ok(())
    }

    /// Adds `user` to the topic's minute; true if they were not there yet.
    fn add(
        &mut self,
        conn: &Connection,
        topic_id: TopicId,
        minute: UnixSeconds,
        user: &str,
    ) -> Result<bool> {
        let entry = match self.minutes.entry((topic_id, minute)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let newest = match self.newest_stored.get(&topic_id) {
                    Some(newest) => *newest,
                    None => {
                        let newest: Option<UnixSeconds> = conn
                            .prepare_cached(
                                "SELECT max(minute) FROM minute_users WHERE topic_id = ?1",
                            )?
                            .query_row([topic_id], |row| row.get(0))?;
                        self.newest_stored.insert(topic_id, newest);
                        newest
                    }
                };
                if newest.is_some_and(|newest| minute <= newest) {
                    v.insert(load_minute_users(conn, topic_id, minute)?)
                } else {
                    v.insert(MinuteEntry::default())
                }
            }
        };
        entry.touched = self.batch;
        if entry.users.contains(user) {
            return Ok(false);
        }
        entry.users.insert(user.into());
        entry.dirty = true;
        Ok(true)
    }

    /// Forgets everything (the database may hold what the cache does not know).
    fn forget(&mut self) {
        self.minutes.clear();
        self.newest_stored.clear();
    }

    /// Writes the minutes that gained people (inside the open transaction), in key order.
    fn write_dirty(&mut self, conn: &Connection) -> Result<()> {
        let mut dirty: Vec<_> = self
            .minutes
            .iter()
            .filter(|(_, entry)| entry.dirty)
            .collect();
        dirty.sort_unstable_by_key(|(key, _)| **key);
        let mut stmt = conn.prepare_cached(
            "INSERT INTO minute_users (topic_id, minute, users) VALUES (?1, ?2, ?3)
             ON CONFLICT (topic_id, minute) DO UPDATE SET users = excluded.users",
        )?;
        let mut users: Vec<&str> = Vec::new();
        for ((topic_id, minute), entry) in dirty {
            users.clear();
            users.extend(entry.users.iter().map(|u| &**u));
            users.sort_unstable();
            let json = serde_json::to_string(&users).map_err(|e| StorageError::BadState {
                what: "minute users".into(),
                detail: e.to_string(),
            })?;
            stmt.execute(params![topic_id, minute, json])?;
            let newest = self.newest_stored.entry(*topic_id).or_default();
            *newest = (*newest).max(Some(*minute));
        }
        Ok(())
    }

    /// After a commit: everything is stored; forget what has not been used lately.
    fn committed(&mut self) {
        let keep_from = self.batch.saturating_sub(Self::KEEP_BATCHES - 1);
        self.minutes.retain(|_, entry| {
            entry.dirty = false;
            entry.touched >= keep_from
        });
    }
}

/// One topic's minute from `minute_users` (empty if it has none yet).
fn load_minute_users(
    conn: &Connection,
    topic_id: TopicId,
    minute: UnixSeconds,
) -> Result<MinuteEntry> {
    let json: Option<String> = conn
        .prepare_cached("SELECT users FROM minute_users WHERE topic_id = ?1 AND minute = ?2")?
        .query_row(params![topic_id, minute], |row| row.get(0))
        .optional()?;
    let mut entry = MinuteEntry::default();
    if let Some(json) = json {
        for user in parse_user_list(&json, topic_id, minute)? {
            entry.users.insert(user.0.into());
        }
    }
    Ok(entry)
}

/// A user id inside a stored JSON list, borrowed from the JSON text when it has no escapes.
#[derive(serde::Deserialize)]
pub(crate) struct ListedUser<'a>(#[serde(borrow)] pub(crate) std::borrow::Cow<'a, str>);

/// Parses a `minute_users.users` value, naming the row if it is not a JSON list of strings.
pub(crate) fn parse_user_list(
    json: &str,
    topic_id: TopicId,
    minute: UnixSeconds,
) -> Result<Vec<ListedUser<'_>>> {
    serde_json::from_str(json).map_err(|e| StorageError::BadState {
        what: format!("minute_users row (topic_id {topic_id}, minute {minute}), column users"),
        detail: e.to_string(),
    })
}

/// The `posts.key` of a post id that is a plain decimal of 1-18 digits without a leading zero
/// (Weibo's ids are 16 digits): the number itself. The same rule as in migration 0004; other ids
/// get negative keys (see [`next_other_key`]).
fn numeric_key(id: &str) -> Option<i64> {
    let bytes = id.as_bytes();
    let plain = !bytes.is_empty()
        && bytes.len() <= 18
        && bytes[0] != b'0'
        && bytes.iter().all(u8::is_ascii_digit);
    if plain { id.parse().ok() } else { None }
}

/// The key for a post whose id is not a plain number: one below the lowest key so far.
fn next_other_key(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(min(key), 0) - 1 FROM posts WHERE key < 0")?
        .query_row([], |row| row.get(0))?)
}

/// Ids of posts this store has recently written, so a repeat (reposts carry their original,
/// which is then seen many times) is answered without a round trip through SQLite. Bounded: two
/// generations of at most [`KnownPosts::GENERATION`] ids each (~6 MB). Only numeric ids are
/// kept; anything not remembered is simply asked of the database, so the answer never differs.
#[derive(Debug, Default)]
struct KnownPosts {
    current: FxHashSet<i64>,
    previous: FxHashSet<i64>,
}

impl KnownPosts {
    const GENERATION: usize = 200_000;

    fn contains(&self, key: i64) -> bool {
        self.current.contains(&key) || self.previous.contains(&key)
    }

    fn insert(&mut self, key: i64) {
        if self.current.len() >= Self::GENERATION {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key);
    }

    fn forget(&mut self, key: i64) {
        self.current.remove(&key);
        self.previous.remove(&key);
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens or creates a database for writing, migrating it to the latest schema. Refuses files
    /// that are corrupt, foreign or of a newer schema, without modifying them.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = crate::open::open_for_writing(path)?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            topic_ids: FxHashMap::default(),
            known_posts: KnownPosts::default(),
            minute_users: MinuteUsers::default(),
        };
        store.load_topic_cache()?;
        Ok(store)
    }

    /// Opens an existing database read-only, for queries.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let conn = crate::open::open_read_only(path)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            topic_ids: FxHashMap::default(),
            known_posts: KnownPosts::default(),
            minute_users: MinuteUsers::default(),
        })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying connection, for read-only ad-hoc queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn load_topic_cache(&mut self) -> Result<()> {
        let mut stmt = self.conn.prepare("SELECT name, id FROM topics")?;
        let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
        for row in rows {
            let (name, id) = row?;
            self.topic_ids.insert(name, id);
        }
        Ok(())
    }

    fn map_write_error(&self, error: rusqlite::Error) -> StorageError {
        match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => StorageError::ReadOnly {
                path: self.path.clone(),
                detail: error.to_string(),
            },
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                StorageError::Corrupt {
                    path: self.path.clone(),
                    detail: error.to_string(),
                }
            }
            _ => StorageError::Sqlite(error),
        }
    }
}

/// A batch of writes inside one SQLite transaction (`BEGIN IMMEDIATE` … `COMMIT`; dropped
/// without a commit, it rolls back).
///
/// The per-post statements are prepared once per batch and held, instead of being looked up in
/// the connection's statement cache for every post (the profile showed the cache lookups and
/// their SQL-string hashing on the writer thread).
pub struct SqliteBatch<'a> {
    conn: &'a Connection,
    /// The transaction is open (false once committed or rolled back).
    open: bool,
    topic_ids: &'a mut FxHashMap<String, TopicId>,
    new_topics: Vec<String>,
    known_posts: &'a mut KnownPosts,
    /// Posts this batch inserted (forgotten again if it does not commit).
    new_posts: Vec<i64>,
    minute_users: &'a mut MinuteUsers,
    minute_deltas: FxHashMap<(TopicId, UnixSeconds), (u64, u64)>,
    insert_post: Option<CachedStatement<'a>>,
    /// Reused buffer for a post's `topic_ids` JSON.
    topic_ids_json: String,
}

const INSERT_POST_SQL: &str =
    "INSERT OR IGNORE INTO posts (key, id, user_id, user_name, text, created_at,
     reposts, comments, likes, repost_of, client, outage_complaint, outage_mention, service,
     symptoms, topic_ids)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/// The statement in `slot`, prepared (through the connection's cache) on first use in a batch.
fn held<'a, 's>(
    conn: &'a Connection,
    slot: &'s mut Option<CachedStatement<'a>>,
    sql: &str,
) -> Result<&'s mut CachedStatement<'a>> {
    if slot.is_none() {
        *slot = Some(conn.prepare_cached(sql)?);
    }
    slot.as_mut().ok_or_else(finished)
}

fn symptom_names(symptoms: &[Symptom]) -> String {
    let mut out = String::new();
    for symptom in symptoms {
        if !out.is_empty() {
            out.push(',');
        }
        // Serialising a unit enum to a JSON string cannot fail.
        let name = serde_json::to_string(symptom).unwrap_or_default();
        out.push_str(name.trim_matches('"'));
    }
    out
}

impl Store for SqliteStore {
    type Batch<'a> = SqliteBatch<'a>;

    fn begin(&mut self) -> Result<SqliteBatch<'_>> {
        let path = &self.path;
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ReadOnly) => StorageError::ReadOnly {
                    path: path.clone(),
                    detail: e.to_string(),
                },
                _ => StorageError::Sqlite(e),
            })?;
        if let Err(error) = self.minute_users.begin(&self.conn) {
            // No batch exists yet to roll back on drop.
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(error);
        }
        Ok(SqliteBatch {
            conn: &self.conn,
            open: true,
            topic_ids: &mut self.topic_ids,
            new_topics: Vec::new(),
            known_posts: &mut self.known_posts,
            new_posts: Vec::new(),
            minute_users: &mut self.minute_users,
            minute_deltas: FxHashMap::default(),
            insert_post: None,
            topic_ids_json: String::new(),
        })
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn detector_states(&self) -> Result<Vec<(TopicId, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT topic_id, state FROM detector_state ORDER BY topic_id")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn topics(&self) -> Result<Vec<TopicRow>> {
        crate::query::topics(&self.conn)
    }

    fn participation_since(
        &self,
        minute: UnixSeconds,
    ) -> Result<Vec<(TopicId, UnixSeconds, String)>> {
        // Found through topic_minutes' index by minute (every minute with users has a row
        // there), not by scanning every topic's minutes.
        let mut stmt = self.conn.prepare(
            "SELECT u.topic_id, u.minute, u.users
             FROM topic_minutes m
             JOIN minute_users u ON u.topic_id = m.topic_id AND u.minute = m.minute
             WHERE m.minute >= ?1 ORDER BY u.topic_id, u.minute",
        )?;
        let mut rows = stmt.query([minute])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let (topic_id, minute): (TopicId, UnixSeconds) = (row.get(0)?, row.get(1)?);
            let json: String = row.get(2)?;
            for user in parse_user_list(&json, topic_id, minute)? {
                out.push((topic_id, minute, user.0.into_owned()));
            }
        }
        Ok(out)
    }

    fn pending_outbox(&self, sink: &str, limit: usize) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.alert_id, a.payload FROM outbox o JOIN alerts a ON a.id = o.alert_id
             WHERE o.sink = ?1 AND o.delivered_at IS NULL ORDER BY o.alert_id LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![sink, limit], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn mark_outbox(
        &mut self,
        alert_id: i64,
        sink: &str,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        let result = match outcome {
            Ok(()) => self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, delivered_at = unixepoch(),
                 last_error = NULL WHERE alert_id = ?1 AND sink = ?2",
                params![alert_id, sink],
            ),
            Err(message) => self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?3
                 WHERE alert_id = ?1 AND sink = ?2",
                params![alert_id, sink, message],
            ),
        };
        result.map_err(|e| self.map_write_error(e))?;
        Ok(())
    }
}

fn finished() -> StorageError {
    StorageError::BadState {
        what: "write batch".into(),
        detail: "used after commit".into(),
    }
}

impl<'a> SqliteBatch<'a> {
    fn tx(&self) -> Result<&'a Connection> {
        if self.open {
            Ok(self.conn)
        } else {
            Err(finished())
        }
    }
}

impl WriteBatch for SqliteBatch<'_> {
    fn topic_id(&mut self, topic: &Topic) -> Result<TopicId> {
        if let Some(id) = self.topic_ids.get(&topic.name) {
            return Ok(*id);
        }
        self.tx()?
            .prepare_cached(
                "INSERT OR IGNORE INTO topics (name, kind, service) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![topic.name, topic.kind.as_str(), topic.service])?;
        let id: TopicId = self
            .tx()?
            .prepare_cached("SELECT id FROM topics WHERE name = ?1")?
            .query_row([&topic.name], |row| row.get(0))?;
        self.topic_ids.insert(topic.name.clone(), id);
        self.new_topics.push(topic.name.clone());
        Ok(id)
    }

    fn insert_post(&mut self, post: &ClassifiedPost, topic_ids: &[TopicId]) -> Result<PostWrite> {
        let p = &post.post;
        let t = &post.tags;
        let conn = self.tx()?;
        let key = numeric_key(&p.id);
        if key.is_some_and(|key| self.known_posts.contains(key)) {
            return Ok(PostWrite::Duplicate);
        }
        let topics_json = if topic_ids.is_empty() {
            None
        } else {
            let json = &mut self.topic_ids_json;
            json.clear();
            json.push('[');
            for (i, id) in topic_ids.iter().enumerate() {
                if topic_ids[..i].contains(id) {
                    continue;
                }
                if json.len() > 1 {
                    json.push(',');
                }
                // Writing to a String cannot fail.
                let _ = write!(json, "{id}");
            }
            json.push(']');
            Some(json.as_str())
        };
        let row_key = match key {
            Some(key) => key,
            // Unique among such ids through the `posts_other_ids` index.
            None => next_other_key(conn)?,
        };
        let inserted = held(conn, &mut self.insert_post, INSERT_POST_SQL)?.execute(params![
            row_key,
            p.id,
            p.user_id,
            p.user_name,
            p.text,
            p.timestamp(),
            i64::try_from(p.reposts).unwrap_or(i64::MAX),
            i64::try_from(p.comments).unwrap_or(i64::MAX),
            i64::try_from(p.likes).unwrap_or(i64::MAX),
            p.repost_of,
            p.source,
            t.outage_complaint,
            t.outage_mention,
            t.service,
            symptom_names(&t.symptoms),
            topics_json,
        ])?;
        if let Some(key) = key {
            // Stored now, or already stored before: either way a repeat is a duplicate.
            self.known_posts.insert(key);
            if inserted > 0 {
                self.new_posts.push(key);
            }
        }
        if inserted == 0 {
            return Ok(PostWrite::Duplicate);
        }
        let minute = p.timestamp().div_euclid(60) * 60;
        let mut new_participant = Vec::with_capacity(topic_ids.len());
        for &topic_id in topic_ids {
            let fresh = self.minute_users.add(conn, topic_id, minute, &p.user_id)?;
            let delta = self.minute_deltas.entry((topic_id, minute)).or_default();
            delta.0 += 1;
            delta.1 += u64::from(fresh);
            new_participant.push(fresh);
        }
        Ok(PostWrite::Inserted { new_participant })
    }

    fn record_bucket(&mut self, b: &BucketRecord) -> Result<()> {
        self.tx()?
            .prepare_cached(
                "INSERT INTO topic_buckets (topic_id, bucket_start, bucket_secs, participants,
                 baseline, noise, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (topic_id, bucket_start) DO UPDATE SET participants = excluded.participants,
                 baseline = excluded.baseline, noise = excluded.noise, score = excluded.score",
            )?
            .execute(params![
                b.topic_id,
                b.bucket_start,
                b.bucket_secs,
                i64::try_from(b.participants).unwrap_or(i64::MAX),
                b.baseline,
                b.noise,
                b.score
            ])?;
        Ok(())
    }

    fn upsert_spike(&mut self, s: &SpikeRecord) -> Result<()> {
        self.tx()?
            .prepare_cached(
                "INSERT INTO spikes (episode_id, topic_id, onset, alerted_at, peak_at,
                 peak_participants, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (episode_id) DO UPDATE SET peak_at = excluded.peak_at,
                 peak_participants = excluded.peak_participants, ended_at = excluded.ended_at",
            )?
            .execute(params![
                s.episode_id,
                s.topic_id,
                s.onset,
                s.alerted_at,
                s.peak_at,
                i64::try_from(s.peak_participants).unwrap_or(i64::MAX),
                s.ended_at
            ])?;
        Ok(())
    }

    fn insert_alert(
        &mut self,
        alert: &Alert,
        topic_id: TopicId,
        durable_sinks: &[&str],
    ) -> Result<Option<i64>> {
        let payload = serde_json::to_string(alert).map_err(|e| StorageError::BadState {
            what: "alert".into(),
            detail: e.to_string(),
        })?;
        let status = match alert.status {
            trendwatch_model::AlertStatus::Opened => "opened",
            trendwatch_model::AlertStatus::Updated => "updated",
        };
        let inserted = self
            .tx()?
            .prepare_cached(
                "INSERT OR IGNORE INTO alerts (episode_id, topic_id, status, detected_at, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                alert.episode_id,
                topic_id,
                status,
                alert.detected_at.timestamp(),
                payload
            ])?;
        if inserted == 0 {
            return Ok(None);
        }
        let id = self.tx()?.last_insert_rowid();
        for sink in durable_sinks {
            self.tx()?
                .prepare_cached("INSERT OR IGNORE INTO outbox (alert_id, sink) VALUES (?1, ?2)")?
                .execute(params![id, sink])?;
        }
        Ok(Some(id))
    }

    fn save_detector_state(&mut self, topic_id: TopicId, state: &str) -> Result<()> {
        self.tx()?
            .prepare_cached(
                "INSERT INTO detector_state (topic_id, state) VALUES (?1, ?2)
                 ON CONFLICT (topic_id) DO UPDATE SET state = excluded.state",
            )?
            .execute(params![topic_id, state])?;
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx()?
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    fn record_hot_search(&mut self, e: &HotSearchEntry) -> Result<bool> {
        let inserted = self
            .tx()?
            .prepare_cached(
                "INSERT OR IGNORE INTO hot_search (captured_at, word, rank, heat, label)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                e.captured_at.timestamp(),
                e.word,
                e.rank,
                e.heat.map(|h| i64::try_from(h).unwrap_or(i64::MAX)),
                e.label
            ])?;
        Ok(inserted > 0)
    }

    fn update_source(&mut self, u: &SourceUpdate) -> Result<()> {
        self.tx()?
            .prepare_cached("INSERT OR IGNORE INTO sources (name) VALUES (?1)")?
            .execute([&u.name])?;
        self.tx()?
            .prepare_cached(
                "UPDATE sources SET cursor = coalesce(?2, cursor),
                 last_success_at = coalesce(?3, last_success_at),
                 last_error = CASE WHEN ?4 IS NULL THEN last_error ELSE ?4 END,
                 last_error_at = coalesce(?5, last_error_at),
                 status = coalesce(?6, status),
                 posts_seen = posts_seen + ?7 WHERE name = ?1",
            )?
            .execute(params![
                u.name,
                u.cursor,
                u.success_at,
                u.error.as_ref().map(|e| e.0.as_str()),
                u.error.as_ref().map(|e| e.1),
                u.status,
                i64::try_from(u.posts_seen).unwrap_or(i64::MAX),
            ])?;
        Ok(())
    }

    fn commit(mut self) -> Result<()> {
        let conn = self.tx()?;
        // Give the held statements back to the cache before the transaction ends.
        self.insert_post = None;
        let minute_deltas = std::mem::take(&mut self.minute_deltas);
        let outcome = (|| -> Result<()> {
            let mut deltas: Vec<_> = minute_deltas.into_iter().collect();
            deltas.sort_unstable_by_key(|(key, _)| *key);
            {
                let mut stmt = conn.prepare_cached(
                    "INSERT INTO topic_minutes (topic_id, minute, posts, participants)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (topic_id, minute) DO UPDATE SET
                     posts = posts + excluded.posts, participants = participants + excluded.participants",
                )?;
                for ((topic_id, minute), (posts, participants)) in deltas {
                    stmt.execute(params![
                        topic_id,
                        minute,
                        i64::try_from(posts).unwrap_or(i64::MAX),
                        i64::try_from(participants).unwrap_or(i64::MAX)
                    ])?;
                }
            }
            self.minute_users.write_dirty(conn)?;
            conn.execute_batch("COMMIT")?;
            Ok(())
        })();
        if outcome.is_ok() {
            self.open = false;
            self.minute_users.committed();
            // The topics and posts it created are now durable: keep remembering them.
            self.new_topics.clear();
            self.new_posts.clear();
        }
        // On failure, Drop rolls the transaction back.
        outcome
    }
}

impl Drop for SqliteBatch<'_> {
    fn drop(&mut self) {
        self.insert_post = None;
        if self.open {
            // Not committed: what the cache gained in this batch was never stored.
            self.minute_users.forget();
        }
        if self.open && !self.conn.is_autocommit() {
            // Nothing to report to: the caller already has the error that got us here, and a
            // failed rollback leaves SQLite to roll back the journal on the next open.
            if let Err(error) = self.conn.execute_batch("ROLLBACK") {
                tracing::warn!(message = "Rollback of a write batch failed.", %error);
            }
        }
        // A batch dropped or failed before its commit rolled back: ids of topics it created are
        // void. After a successful commit `new_topics` is empty.
        for name in self.new_topics.drain(..) {
            self.topic_ids.remove(&name);
        }
        for key in self.new_posts.drain(..) {
            self.known_posts.forget(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trendwatch_model::{Post, Tags};

    fn post(id: &str) -> ClassifiedPost {
        ClassifiedPost {
            post: Post {
                id: id.into(),
                user_id: "u1".into(),
                user_name: "someone".into(),
                text: "微信崩了".into(),
                topics: Vec::new(),
                created_at: chrono::DateTime::parse_from_rfc3339("2015-09-13T13:00:00+08:00")
                    .unwrap(),
                reposts: 0,
                comments: 0,
                likes: 0,
                repost_of: None,
                source: None,
            },
            tags: Tags::default(),
        }
    }

    fn write(store: &mut SqliteStore, id: &str, commit: bool) -> PostWrite {
        let mut batch = store.begin().unwrap();
        let outcome = batch.insert_post(&post(id), &[]).unwrap();
        if commit {
            batch.commit().unwrap();
        }
        outcome
    }

    #[test]
    fn known_posts_are_duplicates_and_a_rollback_forgets_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let inserted = PostWrite::Inserted {
            new_participant: Vec::new(),
        };
        // Rolled back: neither stored nor remembered.
        assert_eq!(write(&mut store, "17", false), inserted);
        assert_eq!(write(&mut store, "17", true), inserted);
        assert_eq!(write(&mut store, "17", true), PostWrite::Duplicate);
        // Not remembered by a fresh connection: the database answers, the same way.
        let mut reopened = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        assert_eq!(write(&mut reopened, "17", true), PostWrite::Duplicate);
        // Ids that are not canonical numbers are always asked of the database.
        assert_eq!(write(&mut reopened, "017", true), inserted);
        assert_eq!(write(&mut reopened, "017", true), PostWrite::Duplicate);
        assert_eq!(numeric_key("017"), None);
        assert_eq!(numeric_key("+17"), None);
        assert_eq!(numeric_key("0"), None);
        assert_eq!(numeric_key("1234567890123456789"), None);
        assert_eq!(numeric_key("17"), Some(17));
        assert_eq!(numeric_key("3887319111172096"), Some(3_887_319_111_172_096));
    }

    fn trend() -> Topic {
        Topic {
            name: "t".into(),
            kind: trendwatch_model::TopicKind::Trend,
            service: None,
        }
    }

    /// Stores post `id` by `user` at 13:00 +08:00 in the topic `#t#`; returns whether the user
    /// was new to the topic's minute (None for a duplicate post).
    fn participate(store: &mut SqliteStore, id: &str, user: &str, commit: bool) -> Option<bool> {
        let mut p = post(id);
        p.post.user_id = user.into();
        let mut batch = store.begin().unwrap();
        let topic = batch.topic_id(&trend()).unwrap();
        let outcome = batch.insert_post(&p, &[topic]).unwrap();
        if commit {
            batch.commit().unwrap();
        }
        match outcome {
            PostWrite::Inserted { new_participant } => Some(new_participant[0]),
            PostWrite::Duplicate => None,
        }
    }

    fn participants(store: &SqliteStore) -> Vec<(TopicId, i64, String)> {
        store.participation_since(i64::MIN).unwrap()
    }

    #[test]
    fn minute_participants_are_distinct_across_batches_evictions_and_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(participate(&mut store, "1", "alice", true), Some(true));
        assert_eq!(participate(&mut store, "2", "alice", true), Some(false));
        assert_eq!(participate(&mut store, "3", "bob", true), Some(true));
        // Rolled back: bob2 is neither stored nor remembered as a participant.
        assert_eq!(participate(&mut store, "4", "bob2", false), Some(true));
        assert_eq!(participate(&mut store, "5", "bob2", true), Some(true));
        // Enough batches on other minutes to evict the minute from the cache: it is reloaded.
        for i in 0..(2 * MinuteUsers::KEEP_BATCHES) {
            let mut batch = store.begin().unwrap();
            let mut p = post(&format!("9{i}"));
            p.post.created_at += chrono::Duration::hours(1 + i as i64);
            let topic = batch.topic_id(&trend()).unwrap();
            batch.insert_post(&p, &[topic]).unwrap();
            batch.commit().unwrap();
        }
        assert!(store.minute_users.minutes.len() <= MinuteUsers::KEEP_BATCHES as usize);
        assert_eq!(participate(&mut store, "6", "bob", true), Some(false));
        assert_eq!(participate(&mut store, "7", "carol", true), Some(true));
        drop(store);
        let mut reopened = SqliteStore::open(&path).unwrap();
        assert_eq!(participate(&mut reopened, "8", "carol", true), Some(false));
        let minute = post("x").post.timestamp().div_euclid(60) * 60;
        let first_minute: Vec<_> = participants(&reopened)
            .into_iter()
            .filter(|row| row.1 == minute)
            .map(|row| row.2)
            .collect();
        assert_eq!(first_minute, ["alice", "bob", "bob2", "carol"]);
        let counted: i64 = reopened
            .conn
            .query_row(
                "SELECT participants FROM topic_minutes WHERE minute = ?1",
                [minute],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(counted, 4);
    }

    #[test]
    fn a_damaged_minute_row_is_an_error_naming_it_not_a_wrong_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(participate(&mut store, "1", "alice", true), Some(true));
        store
            .conn
            .execute("UPDATE minute_users SET users = '[\"bob\", 7'", [])
            .unwrap();
        let message = store.participation_since(i64::MIN).unwrap_err().to_string();
        assert!(
            message.contains("minute_users row (topic_id 1,"),
            "{message}"
        );
        assert!(message.contains("column users"), "{message}");
        // A writer that meets it refuses the batch instead of overwriting the row.
        let mut reopened = SqliteStore::open(&path).unwrap();
        let mut batch = reopened.begin().unwrap();
        let topic = batch.topic_id(&trend()).unwrap();
        let mut p = post("2");
        p.post.user_id = "carol".into();
        let error = batch.insert_post(&p, &[topic]).unwrap_err().to_string();
        assert!(error.contains("column users"), "{error}");
    }

    #[test]
    fn another_writer_makes_the_cache_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut first = SqliteStore::open(&path).unwrap();
        let mut second = SqliteStore::open(&path).unwrap();
        assert_eq!(participate(&mut first, "1", "alice", true), Some(true));
        assert_eq!(participate(&mut second, "2", "bob", true), Some(true));
        // `first` must not overwrite bob with its cached view of the minute.
        assert_eq!(participate(&mut first, "3", "bob", true), Some(false));
        assert_eq!(participate(&mut first, "4", "carol", true), Some(true));
        let users: Vec<_> = participants(&second).into_iter().map(|r| r.2).collect();
        assert_eq!(users, ["alice", "bob", "carol"]);
    }

    #[test]
    fn version_3_databases_keep_their_participation_and_post_topics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "PRAGMA application_id = {}",
                crate::APPLICATION_ID
            ))
            .unwrap();
            crate::open::migrations().to_version(&mut conn, 3).unwrap();
            conn.execute_batch(
                "INSERT INTO topics (id, name, kind) VALUES (1, 't', 'trend'), (2, 'u', 'trend');
                 INSERT INTO participation VALUES (1, 60, 'zed'), (1, 60, 'amy'), (1, 120, 'amy'),
                     (2, 60, 'a\"b');
                 INSERT INTO topic_minutes VALUES (1, 60, 2, 2), (1, 120, 1, 1), (2, 60, 1, 1);
                 INSERT INTO posts (id, user_id, user_name, text, created_at, reposts, comments,
                     likes, outage_complaint, outage_mention, symptoms)
                     VALUES ('10', 'amy', 'Amy', 'x', 60, 0, 0, 0, 0, 0, ''),
                            ('11', 'zed', 'Zed', 'y', 60, 0, 0, 0, 0, 0, ''),
                            ('12', 'zed', 'Zed', 'z', 60, 0, 0, 0, 0, 0, ''),
                            ('017', 'zed', 'Zed', 'z', 60, 0, 0, 0, 0, 0, ''),
                            ('abc', 'zed', 'Zed', 'z', 60, 0, 0, 0, 0, 0, '');
                 INSERT INTO post_topics VALUES ('10', 1), ('11', 1), ('10', 2);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            participants(&store),
            [
                (1, 60, "amy".to_string()),
                (1, 60, "zed".to_string()),
                (1, 120, "amy".to_string()),
                (2, 60, "a\"b".to_string()),
            ]
        );
        let view: Vec<(i64, i64, String)> = store
            .conn
            .prepare("SELECT topic_id, minute, user_id FROM participation ORDER BY 1, 2, 3")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(view, participants(&store));
        let tags: Vec<(String, String)> = store
            .conn
            .prepare("SELECT post_id, topic FROM post_tags ORDER BY 1, 2")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            tags,
            [
                ("10".into(), "t".into()),
                ("10".into(), "u".into()),
                ("11".into(), "t".into())
            ]
        );
        let ids: Vec<(i64, String, Option<String>)> = store
            .conn
            .prepare("SELECT key, id, topic_ids FROM posts ORDER BY key")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            ids,
            [
                (-5, "abc".into(), None),
                (-1, "017".into(), None),
                (10, "10".into(), Some("[1,2]".into())),
                (11, "11".into(), Some("[1]".into())),
                (12, "12".into(), None),
            ]
        );
        // Migrated ids stay unique, and new non-numeric ids continue below the lowest key.
        let mut store = store;
        assert_eq!(write(&mut store, "abc", true), PostWrite::Duplicate);
        assert_eq!(write(&mut store, "017", true), PostWrite::Duplicate);
        assert_eq!(write(&mut store, "11", true), PostWrite::Duplicate);
        assert!(matches!(
            write(&mut store, "x1", true),
            PostWrite::Inserted { .. }
        ));
        let key: i64 = store
            .conn
            .query_row("SELECT key FROM posts WHERE id = 'x1'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(key, -6);
    }

    #[test]
    fn known_posts_stay_bounded() {
        let mut known = KnownPosts::default();
        for key in 0..(3 * KnownPosts::GENERATION as i64) {
            known.insert(key);
        }
        assert!(known.current.len() + known.previous.len() <= 2 * KnownPosts::GENERATION);
        assert!(known.contains(3 * KnownPosts::GENERATION as i64 - 1));
        assert!(!known.contains(0));
    }
}
