-- Fewer B-tree inserts per stored post (issue 7): a post is one row, plus one row per topic and
-- minute (not per post) for participation. Times in Unix seconds.
--
-- 1. Who took part in a topic in a minute is stored once per (topic, minute) as a JSON array of
--    user ids, rewritten when the minute gains people, instead of one B-tree row per person.
--    The `participation` view gives the one-row-per-person shape back.
-- 2. The topics a post counts towards are a JSON array of topic ids in the post's own row
--    (`posts.topic_ids`, NULL for none) instead of rows of a `post_topics` table and its index.
--    The `post_topics` view gives the one-row-per-pair shape back.
-- 3. `posts` is keyed by an integer (`key`, the numeric post id) instead of a WITHOUT ROWID
--    B-tree ordered by the text id: inserting a post no longer searches text keys.

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

CREATE TABLE posts_keyed (
    -- The site's id as a number when it is a plain decimal of 1-18 digits without a leading zero
    -- (Weibo's are 16), so posts arriving in id order are appended to the table without an index
    -- to search; any other id gets a negative key, and `posts_other_ids` keeps those unique.
    key              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL,
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
    symptoms         TEXT NOT NULL,
    topic_ids        TEXT  -- JSON array of topic ids, NULL for none
);

INSERT INTO posts_keyed (key, id, user_id, user_name, text, created_at, reposts, comments, likes,
                         repost_of, client, outage_complaint, outage_mention, service, symptoms,
                         topic_ids)
SELECT CASE WHEN p.id GLOB '[1-9]*' AND NOT p.id GLOB '*[^0-9]*' AND length(p.id) <= 18
            THEN CAST(p.id AS INTEGER)
            ELSE -(row_number() OVER (ORDER BY p.id)) END,
       p.id, p.user_id, p.user_name, p.text, p.created_at, p.reposts, p.comments, p.likes,
       p.repost_of, p.client, p.outage_complaint, p.outage_mention, p.service, p.symptoms,
       (SELECT json_group_array(pt.topic_id ORDER BY pt.topic_id)
        FROM post_topics pt WHERE pt.post_id = p.id HAVING count(*) > 0)
FROM posts p;

DROP TABLE posts;
ALTER TABLE posts_keyed RENAME TO posts;
CREATE UNIQUE INDEX posts_other_ids ON posts (id) WHERE key < 0;

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
