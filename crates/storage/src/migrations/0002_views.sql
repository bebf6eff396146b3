-- Stable views for researchers (sqlite3, pandas). Times in Unix seconds; *_bj columns in +08:00.

CREATE VIEW series_minutes AS
SELECT t.name AS topic, t.kind AS kind, t.service AS service,
       m.minute AS minute, datetime(m.minute, 'unixepoch', '+8 hours') AS minute_bj,
       m.posts AS posts, m.participants AS participants
FROM topic_minutes m JOIN topics t ON t.id = m.topic_id;

CREATE VIEW series_buckets AS
SELECT t.name AS topic, t.kind AS kind, t.service AS service,
       b.bucket_start AS bucket_start, datetime(b.bucket_start, 'unixepoch', '+8 hours') AS bucket_start_bj,
       b.bucket_secs AS bucket_secs, b.participants AS participants,
       b.baseline AS baseline, b.noise AS noise, b.score AS score
FROM topic_buckets b JOIN topics t ON t.id = b.topic_id;

CREATE VIEW spike_episodes AS
SELECT s.episode_id AS episode_id, t.name AS topic, t.kind AS kind, t.service AS service,
       s.onset AS onset, datetime(s.onset, 'unixepoch', '+8 hours') AS onset_bj,
       s.alerted_at AS alerted_at, s.peak_at AS peak_at, s.peak_participants AS peak_participants,
       s.ended_at AS ended_at
FROM spikes s JOIN topics t ON t.id = s.topic_id;
