//! Rough per-stage CPU cost of the classifier on the corpus (release build):
//! `cargo run --release -p trendwatch-classifier --example profile`
//!
//! `profile --rounds N` classifies the benchmark workload (the padded corpus of
//! `benches/workload.rs`) N times and prints nothing else: run it under
//! `valgrind --tool=callgrind` with two values of N and divide the difference in instructions
//! by the number of posts for a load-independent cost per post.
//!
//! Uses the thread's CPU time (Linux `/proc/thread-self/stat`), so a busy machine skews the
//! figures less than wall-clock time would; falls back to wall-clock time elsewhere.

use std::time::Instant;

use trendwatch_classifier::Classifier;

#[path = "../benches/workload.rs"]
mod workload;

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
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--rounds") {
        let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        let padded = workload::padded_posts();
        let mut complaints = 0usize;
        for _ in 0..rounds {
            complaints += padded
                .iter()
                .filter(|p| classifier.classify(p, None).outage_complaint)
                .count();
        }
        println!(
            "{} posts x {rounds} rounds: {complaints} complaints",
            padded.len()
        );
        return;
    }
    let corpus = workload::corpus_posts();
    let posts = workload::padded_posts();
    println!("stages on the benchmark workload (the padded corpus):");
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
    let units: usize = posts.iter().map(|p| classifier.encoded_len(&p.text)).sum();
    let utf8: usize = posts.iter().map(|p| p.text.len()).sum();
    println!(
        "mean {:.1} characters/post ({:.1} UTF-8 bytes)",
        units as f64 / posts.len() as f64,
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
    measure("corpus", corpus.len(), || {
        corpus
            .iter()
            .filter(|p| classifier.classify(p, None).outage_complaint)
            .count()
    });
    println!("(corpus: the unpadded posts, mean 24 characters)");
    println!("{}", classifier.automaton_info());
}
