"""DuckDB baseline for scripts/bench-replay.sh: what a researcher would write by hand.

Reads the same mblog JSON-lines dump with read_json, strips HTML with a regex, extracts
#topic# hashtags with a regex, and counts distinct users per topic and minute, on two threads.
Prints "<seconds> <result rows> <posts>" on one line.

    python scripts/bench_duckdb.py STREAM.jsonl
"""

import sys
import time

import duckdb


def main() -> None:
    path = sys.argv[1]
    con = duckdb.connect()  # in memory
    con.execute("SET threads = 2")
    start = time.perf_counter()
    con.execute(
        """
        CREATE TABLE counts AS
        WITH posts AS (
            SELECT DISTINCT ON (id) id, "user".id AS user_id,
                   strptime(created_at, '%a %b %d %H:%M:%S %z %Y') AS created,
                   regexp_replace(text, '<[^>]*>', '', 'g') AS plain
            FROM read_json(?, format = 'newline_delimited',
                           columns = {id: 'VARCHAR', created_at: 'VARCHAR', text: 'VARCHAR',
                                      "user": 'STRUCT(id BIGINT)'})
        ),
        tagged AS (
            SELECT user_id, date_trunc('minute', created) AS minute,
                   unnest(regexp_extract_all(plain, '#([^#]+)#', 1)) AS topic
            FROM posts
        )
        SELECT topic, minute, count(DISTINCT user_id) AS participants, count(*) AS posts
        FROM tagged GROUP BY topic, minute
        """,
        [path],
    )
    secs = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM counts").fetchone()[0]
    posts = con.execute(
        "SELECT count(DISTINCT id) FROM read_json(?, format = 'newline_delimited', "
        "columns = {id: 'VARCHAR'})",
        [path],
    ).fetchone()[0]
    print(f"{secs:.3f} s  {rows} topic-minutes  {posts} posts")


if __name__ == "__main__":
    main()
