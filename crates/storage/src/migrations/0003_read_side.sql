-- Read-side indexes and views for the research queries (top, spikes, series) and the web page.
-- Times in Unix seconds; *_bj columns in +08:00.

-- `top` selects its candidates from the minutes of one window, and `latest_time` asks for the
-- newest minute: both read this covering index instead of every topic's minutes.
CREATE INDEX topic_minutes_by_minute ON topic_minutes (minute, topic_id, posts, participants);

-- Alert markers of one topic's chart.
CREATE INDEX alerts_by_topic ON alerts (topic_id, detected_at);

-- Spike listings filtered by time only.
CREATE INDEX spikes_by_onset ON spikes (onset);

-- Which topics each post counts towards, by topic (exports and per-topic post lists).
CREATE INDEX post_topics_by_topic ON post_topics (topic_id, post_id);

-- Every alert with its topic, for sqlite3 and pandas.
CREATE VIEW alert_log AS
SELECT a.id AS id, a.episode_id AS episode_id, t.name AS topic, t.kind AS kind,
       t.service AS service, a.status AS status, a.detected_at AS detected_at,
       datetime(a.detected_at, 'unixepoch', '+8 hours') AS detected_at_bj, a.payload AS payload
FROM alerts a JOIN topics t ON t.id = a.topic_id;

-- Posts with the name of each topic they count towards (one row per post and topic).
CREATE VIEW post_tags AS
SELECT pt.post_id AS post_id, t.name AS topic, t.kind AS kind, t.service AS service
FROM post_topics pt JOIN topics t ON t.id = pt.topic_id;
