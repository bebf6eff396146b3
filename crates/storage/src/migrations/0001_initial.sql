-- trendwatch schema, version 1. Times are Unix seconds (UTC); render them in +08:00 for people.

-- Every post seen, once (the id is the site's post id).
CREATE TABLE posts (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    user_name        TEXT NOT NULL,
    text             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    reposts          INTEGER NOT NULL,
    comments         INTEGER NOT NULL,
    likes            INTEGER NOT NULL,
    repost_of        TEXT,
    client           TEXT,
    outage_complaint INTEGER NOT NULL,
    outage_mention   INTEGER NOT NULL,
    service          TEXT,
    symptoms         TEXT NOT NULL
) WITHOUT ROWID;

-- Topics: explicit hashtags and classifier-derived outage topics.
CREATE TABLE topics (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    kind     TEXT NOT NULL CHECK (kind IN ('outage', 'trend')),
    service  TEXT
);

-- Which topics each post counts towards.
CREATE TABLE post_topics (
    post_id  TEXT NOT NULL,
    topic_id INTEGER NOT NULL,
    PRIMARY KEY (post_id, topic_id)
) WITHOUT ROWID;

-- One row per (topic, minute, user): the ground truth for distinct participants.
CREATE TABLE participation (
    topic_id INTEGER NOT NULL,
    minute   INTEGER NOT NULL,
    user_id  TEXT NOT NULL,
    PRIMARY KEY (topic_id, minute, user_id)
) WITHOUT ROWID;

-- Per-topic per-minute posts and distinct participants (kept in step with participation).
CREATE TABLE topic_minutes (
    topic_id     INTEGER NOT NULL,
    minute       INTEGER NOT NULL,
    posts        INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY (topic_id, minute)
) WITHOUT ROWID;

-- Closed detection buckets with the detector's view (written when active or anomalous).
CREATE TABLE topic_buckets (
    topic_id     INTEGER NOT NULL,
    bucket_start INTEGER NOT NULL,
    bucket_secs  INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    baseline     REAL NOT NULL,
    noise        REAL NOT NULL,
    score        REAL NOT NULL,
    PRIMARY KEY (topic_id, bucket_start)
) WITHOUT ROWID;

-- Spike episodes, one row each, updated while the episode is open.
CREATE TABLE spikes (
    episode_id        TEXT PRIMARY KEY,
    topic_id          INTEGER NOT NULL,
    onset             INTEGER NOT NULL,
    alerted_at        INTEGER NOT NULL,
    peak_at           INTEGER NOT NULL,
    peak_participants INTEGER NOT NULL,
    ended_at          INTEGER
);
CREATE INDEX spikes_by_topic ON spikes (topic_id, onset);

-- Every alert emitted, with its exact JSON payload (the alert contract).
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    episode_id  TEXT NOT NULL,
    topic_id    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    detected_at INTEGER NOT NULL,
    payload     TEXT NOT NULL,
    UNIQUE (episode_id, detected_at)
);

-- Durable delivery queue: one row per alert and durable sink (webhooks).
CREATE TABLE outbox (
    alert_id        INTEGER NOT NULL,
    sink            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER,
    last_error      TEXT,
    PRIMARY KEY (alert_id, sink)
) WITHOUT ROWID;

-- Streaming detector state per topic, so a restart resumes exactly.
CREATE TABLE detector_state (
    topic_id INTEGER PRIMARY KEY,
    state    TEXT NOT NULL
);

-- Small key/value facts about the pipeline (watermark, closed-through time).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Per-source progress and health, written with the posts they produced.
CREATE TABLE sources (
    name            TEXT PRIMARY KEY,
    cursor          TEXT,
    last_success_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    status          TEXT NOT NULL DEFAULT 'ok',
    posts_seen      INTEGER NOT NULL DEFAULT 0
);

-- The site's own hot-search list over time.
CREATE TABLE hot_search (
    captured_at INTEGER NOT NULL,
    word        TEXT NOT NULL,
    rank        INTEGER,
    heat        INTEGER,
    label       TEXT,
    PRIMARY KEY (captured_at, word)
) WITHOUT ROWID;
CREATE INDEX hot_search_by_word ON hot_search (word, captured_at);
