-- Fewer B-tree inserts per stored post (issue 7): a post is one row, plus one row per topic and
-- minute (not per post) for participation. Times in Unix seconds.
--
-- 1. Who took part in a topic in a minute is stored once per (topic, minute) as a JSON array of
--    user ids, rewritten when the minute gains people, instead of one B-tree row per person.
--    The `participation` view gives the one-row-per-person shape back.
-- 2. The topics a post counts towards are a JSON array of topic ids in the post's own row
--    (`posts.topic_ids`, NULL for none) instead of rows of a `post_topics` table and its index.
--    The `post_topics` view gives the one-row-per-pair shape back.

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

ALTER TABLE posts ADD COLUMN topic_ids TEXT;  -- JSON array of topic ids, NULL for none

UPDATE posts SET topic_ids = (
    SELECT json_group_array(pt.topic_id ORDER BY pt.topic_id)
    FROM post_topics pt WHERE pt.post_id = posts.id
)
WHERE id IN (SELECT post_id FROM post_topics);

DROP VIEW post_tags;
DROP INDEX post_topics_by_topic;
DROP TABLE post_topics;

-- Which topics each post counts towards, one row per (post, topic).
CREATE VIEW post_topics AS
SELECT p.id AS post_id, j.value AS topic_id
FROM posts p, json_each(p.topic_ids) j
WHERE p.topic_ids IS NOT NULL;

-- Posts with the name of each topic they count towards (one row per post and topic).
CREATE VIEW post_tags AS
SELECT pt.post_id AS post_id, t.name AS topic, t.kind AS kind, t.service AS service
FROM post_topics pt JOIN topics t ON t.id = pt.topic_id;
