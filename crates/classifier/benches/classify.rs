//! Classification throughput on realistic posts (30–140 characters), one core.
//!
//! The posts are the labelled corpus (fixtures/classifier/corpus.jsonl, ~80% Chinese, 20%
//! English; complaints, news, jokes, ordinary posts) padded to Weibo lengths with ordinary
//! chatter, so the mix of matching and non-matching text is realistic.
//! Run: `cargo bench -p trendwatch-classifier --bench classify`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trendwatch_classifier::eval::parse_labels;
use trendwatch_classifier::{Classifier, input};
use trendwatch_model::Post;

const CORPUS: &str = include_str!("../../../fixtures/classifier/corpus.jsonl");

/// Ordinary sentences appended to short posts so lengths spread over 30–140 characters.
const PADDING: [&str; 6] = [
    "今天下班路上堵了一个小时，到家饭都凉了。",
    "周末打算和朋友去爬山，希望天气好一点。",
    "刚看完一部电影，结局有点出乎意料，推荐大家去看看。",
    " Anyway, long day at work, going to bed early tonight.",
    "楼下新开的奶茶店排了好长的队。",
    " Coffee first, then emails, then maybe lunch.",
];

fn posts() -> Vec<Post> {
    let corpus = parse_labels(CORPUS).unwrap_or_default();
    corpus
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

fn bench(c: &mut Criterion) {
    let classifier = Classifier::builtin();
    let posts = posts();
    let chars: usize = posts.iter().map(|p| p.text.chars().count()).sum();
    eprintln!(
        "{} posts, mean {:.0} characters",
        posts.len(),
        chars as f64 / posts.len().max(1) as f64
    );
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(posts.len() as u64));
    group.bench_function("corpus", |b| {
        b.iter(|| {
            let mut complaints = 0usize;
            for post in &posts {
                if classifier.classify(black_box(post), None).outage_complaint {
                    complaints += 1;
                }
            }
            complaints
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
