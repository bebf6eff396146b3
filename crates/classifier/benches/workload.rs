//! The benchmark workload, shared by `benches/classify.rs` and `examples/profile.rs` so that
//! criterion figures and callgrind instruction counts measure the same posts.
//!
//! The posts are the labelled corpus (fixtures/classifier/corpus.jsonl, ~80% Chinese, 20%
//! English; complaints, news, jokes, ordinary posts) padded to Weibo lengths (30–105
//! characters) with ordinary chatter, so the mix of matching and non-matching text is realistic.

use trendwatch_classifier::eval::parse_labels;
use trendwatch_classifier::input;
use trendwatch_model::Post;

/// The labelled corpus, compiled in.
pub const CORPUS: &str = include_str!("../../../fixtures/classifier/corpus.jsonl");

/// Ordinary sentences appended to short posts so lengths spread over 30–140 characters.
const PADDING: [&str; 6] = [
    "今天下班路上堵了一个小时，到家饭都凉了。",
    "周末打算和朋友去爬山，希望天气好一点。",
    "刚看完一部电影，结局有点出乎意料，推荐大家去看看。",
    " Anyway, long day at work, going to bed early tonight.",
    "楼下新开的奶茶店排了好长的队。",
    " Coffee first, then emails, then maybe lunch.",
];

/// The corpus posts as they are (mean ~24 characters).
#[allow(dead_code)]
pub fn corpus_posts() -> Vec<Post> {
    parse_labels(CORPUS)
        .unwrap_or_default()
        .iter()
        .map(|lp| {
            let mut p = input::post_from_text(&lp.id, &lp.text);
            p.topics = input::extract_topics(&lp.text);
            p
        })
        .collect()
}

/// The corpus posts padded to realistic lengths: the benchmark workload.
pub fn padded_posts() -> Vec<Post> {
    parse_labels(CORPUS)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, lp)| {
            let mut text = lp.text.clone();
            let mut k = i;
            while text.chars().count() < 30 + (i % 4) * 25 {
                text.push_str(PADDING[k % PADDING.len()]);
                k += 1;
            }
            let mut post = input::post_from_text(&lp.id, &text);
            post.topics = input::extract_topics(&text);
            post
        })
        .collect()
}
