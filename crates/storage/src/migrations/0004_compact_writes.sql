-- Cheaper writes per post (issue 7). Times in Unix seconds.
--
-- 1. Who took part in a topic in a minute is stored once per (topic, minute) as a JSON array of
--    user ids, rewritten when the minute gains people, instead of one B-tree row per person.
--    The `participation` view gives the old one-row-per-person shape back for SQL users.
-- 2. `post_topics` is keyed by (topic_id, post_id): one B-tree instead of a table plus an index,
--    and each topic's posts are appended in id order.

CREATE TABLE minute_users (
    topic_id INTEGER NOT NULL,
    minute   INTEGER NOT NULL,
    users    TEXT NOT NULL,  -- JSON array of distinct user ids, sorted
    PRIMARY KEY (topic_id, minute)
) WITHOUT ROWID;

INSERT INTO minute_users (topic_id, minute, users)
SELECT topic_id, minute, json_group_array(user_id ORDER BY user_id)
FROM participation
GROUP BY topic_id, minute;

DROP TABLE participation;

-- One row per user who posted about a topic in a minute: the ground truth for distinct counts.
CREATE VIEW participation AS
SELECT m.topic_id AS topic_id, m.minute AS minute, j.value AS user_id
FROM minute_users m, json_each(m.users) j;

DROP VIEW post_tags;
DROP INDEX post_topics_by_topic;
CREATE TABLE post_topics_by_topic (
    topic_id INTEGER NOT NULL,
    post_id  TEXT NOT NULL,
    PRIMARY KEY (topic_id, post_id)
) WITHOUT ROWID;
INSERT INTO post_topics_by_topic (topic_id, post_id)
SELECT topic_id, post_id FROM post_topics ORDER BY topic_id, post_id;
DROP TABLE post_topics;
ALTER TABLE post_topics_by_topic RENAME TO post_topics;

-- Posts with the name of each topic they count towards (one row per post and topic).
CREATE VIEW post_tags AS
SELECT pt.post_id AS post_id, t.name AS topic, t.kind AS kind, t.service AS service
FROM post_topics pt JOIN topics t ON t.id = pt.topic_id;
