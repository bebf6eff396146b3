//! Posts from bare texts: the classifier-specific convenience behind [`crate::Classifier::
//! classify_text`], the labelled-corpus evaluation and the examples.
//!
//! Reading real input (Weibo `mblog` JSON, API pages, HTML text fragments) is the scraper's
//! job: `trendwatch classify` reads its lines through `trendwatch_scraper::parse_json_line` and
//! `trendwatch_scraper::text::html_to_text`. This crate does no parsing of its own beyond the
//! `#topic#` marks of a plain text, for which it may not depend on the scraper.

use chrono::{DateTime, FixedOffset, TimeZone};
use trendwatch_model::{Post, beijing};

/// Longest topic name (in characters) taken from plain `#…#` text.
const MAX_TOPIC_CHARS: usize = 64;

/// A post with only an id and a text (no topics, no author, epoch time): what the classifier
/// needs of a bare text.
pub fn post_from_text(id: &str, text: &str) -> Post {
    Post {
        id: id.to_owned(),
        user_id: String::new(),
        user_name: String::new(),
        text: text.to_owned(),
        topics: Vec::new(),
        created_at: epoch(),
        reposts: 0,
        comments: 0,
        likes: 0,
        repost_of: None,
        source: None,
    }
}

fn epoch() -> DateTime<FixedOffset> {
    beijing()
        .timestamp_opt(0, 0)
        .single()
        .unwrap_or_else(|| unreachable!("the epoch exists in every fixed offset"))
}

/// The `#topic#` names in a plain text, in order of first appearance, trimmed and without
/// duplicates. The rules are those of `trendwatch_scraper::text::plain_topics`: pairs match
/// left to right, an empty `##` is a pair without a topic, and a span with a line break or of
/// more than 64 characters is no pair (its closing `#` opens the next one).
pub fn extract_topics(text: &str) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    let Some(mut open) = text.find('#') else {
        return topics;
    };
    while let Some(rel) = text[open + 1..].find('#') {
        let close = open + 1 + rel;
        // '#' is ASCII, so both ends are character boundaries.
        let inner = &text[open + 1..close];
        let name = inner.trim();
        if !inner.contains(['\n', '\r']) && name.chars().count() <= MAX_TOPIC_CHARS {
            if !name.is_empty() && !topics.iter().any(|t| t == name) {
                topics.push(name.to_owned());
            }
            match text[close + 1..].find('#') {
                Some(next) => open = close + 1 + next,
                None => break,
            }
        } else {
            open = close;
        }
    }
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_posts_have_only_id_and_text() {
        let p = post_from_text("42", "#微信崩了# 登不上 [怒]");
        assert_eq!(p.id, "42");
        assert!(p.topics.is_empty());
        assert_eq!(p.timestamp(), 0);
    }

    #[test]
    fn topics_follow_the_scrapers_rules() {
        assert_eq!(extract_topics("#a# x #b#c# #a#"), vec!["a", "b"]);
        assert_eq!(extract_topics("## #x#"), vec!["x"]);
        assert_eq!(extract_topics("#two\nlines#y#"), vec!["y"]);
        assert_eq!(extract_topics("# 微信崩了 #"), vec!["微信崩了"]);
        let long = format!("#{}#z#", "长".repeat(65));
        assert_eq!(extract_topics(&long), vec!["z"]);
        assert!(extract_topics("no marks, or just one #").is_empty());
    }
}
