use crate::util::{fixture, json_lines, run_ok};

#[test]
fn parse_prints_normalised_posts_from_every_sample_format() {
    for (sample, min_posts) in [
        ("samples/mblog-lines.jsonl", 5),
        ("samples/api-page.json", 2),
        ("samples/search-2020.html", 2),
        ("samples/search-2023.html", 2),
        ("samples/search-gbk.html", 1),
    ] {
        let output = run_ok(&["parse", fixture(sample).to_str().unwrap()]);
        let posts = json_lines(&output);
        assert!(
            posts.len() >= min_posts,
            "{sample}: only {} posts",
            posts.len()
        );
        for post in &posts {
            for field in [
                "id",
                "user_id",
                "user_name",
                "text",
                "topics",
                "created_at",
                "reposts",
                "comments",
                "likes",
            ] {
                assert!(
                    post.get(field).is_some(),
                    "{sample}: post lacks {field}: {post}"
                );
            }
            let text = post["text"].as_str().unwrap();
            assert!(
                !text.contains("<a") && !text.contains("<img"),
                "{sample}: HTML left in {text}"
            );
            chrono::DateTime::parse_from_rfc3339(post["created_at"].as_str().unwrap())
                .unwrap_or_else(|e| panic!("{sample}: created_at not RFC 3339: {e}"));
        }
    }
}

#[test]
fn parse_prints_hot_search_entries() {
    for sample in ["samples/hot-search.json", "samples/hot-summary.html"] {
        // The JSON API carries no capture time of its own: the user gives it.
        let output = run_ok(&[
            "parse",
            fixture(sample).to_str().unwrap(),
            "--captured-at",
            "2015-09-13 15:00",
        ]);
        let entries = json_lines(&output);
        assert!(entries.len() >= 3, "{sample}: {} entries", entries.len());
        assert!(
            entries.iter().any(|e| e["rank"] == 1),
            "{sample}: no rank 1"
        );
        for e in &entries {
            assert!(e.get("word").is_some() && e.get("captured_at").is_some());
        }
    }
}
