//! Rough per-stage CPU cost of the classifier on the corpus (release build):
//! `cargo run --release -p trendwatch-classifier --example profile`
//!
//! Uses the thread's CPU time (Linux `/proc/thread-self/stat`), so a busy machine skews the
//! figures less than wall-clock time would; falls back to wall-clock time elsewhere.

use std::time::Instant;

use trendwatch_classifier::{Classifier, eval::parse_labels, input};

const CORPUS: &str = include_str!("../../../fixtures/classifier/corpus.jsonl");

/// CPU seconds used by this thread, if the platform tells.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn measure(label: &str, posts: usize, mut f: impl FnMut() -> usize) {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let mut rounds = 0usize;
    let mut sink = 0usize;
    while wall.elapsed().as_secs_f64() < 3.0 {
        sink = sink.wrapping_add(f());
        rounds += 1;
    }
    let n = (posts * rounds) as f64;
    let secs = match (cpu, cpu_seconds()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall.elapsed().as_secs_f64(),
    };
    println!(
        "{label:<10} {:>6.0} ns/post  {:>9.0} posts/s (cpu)  [{sink}]",
        secs * 1e9 / n,
        n / secs
    );
}

fn main() {
    let classifier = Classifier::builtin();
    let corpus = parse_labels(CORPUS).unwrap_or_default();
    let posts: Vec<_> = corpus
        .iter()
        .map(|lp| {
            let mut p = input::post_from_text(&lp.id, &lp.text);
            p.topics = input::extract_topics(&lp.text);
            p
        })
        .collect();
    let mut buf = String::new();
    measure("normalise", posts.len(), || {
        posts
            .iter()
            .map(|p| {
                classifier
                    .normaliser()
                    .normalise_into(&p.text, &mut buf, true);
                buf.len()
            })
            .sum()
    });
    measure("encode", posts.len(), || {
        posts.iter().map(|p| classifier.encoded_len(&p.text)).sum()
    });
    let bytes: usize = posts.iter().map(|p| classifier.encoded_len(&p.text)).sum();
    let utf8: usize = posts.iter().map(|p| p.text.len()).sum();
    println!(
        "mean {:.1} code bytes/post ({:.1} UTF-8 bytes)",
        bytes as f64 / posts.len() as f64,
        utf8 as f64 / posts.len() as f64
    );
    measure("encode+scan", posts.len(), || {
        posts
            .iter()
            .map(|p| classifier.count_matches(&p.text))
            .sum()
    });
    measure("classify", posts.len(), || {
        posts
            .iter()
            .filter(|p| classifier.classify(p, None).outage_complaint)
            .count()
    });
    println!("{}", classifier.automaton_info());
    for kind in [
        aho_corasick::AhoCorasickKind::ContiguousNFA,
        aho_corasick::AhoCorasickKind::DFA,
    ] {
        let tiny = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .kind(Some(kind))
            .prefilter(false)
            .build(["微信", "崩了", "登不上", "wechat", "down"])
            .unwrap_or_else(|e| panic!("{e}"));
        measure(&format!("{kind:?}"), posts.len(), || {
            posts.iter().map(|p| tiny.find_iter(&p.text).count()).sum()
        });
    }
}
