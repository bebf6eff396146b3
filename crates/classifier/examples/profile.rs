//! Rough per-stage timing of the classifier on the corpus (release build):
//! `cargo run --release -p trendwatch-classifier --example profile`

use std::time::Instant;

use trendwatch_classifier::{Classifier, eval::parse_labels, input};

const CORPUS: &str = include_str!("../../../fixtures/classifier/corpus.jsonl");

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
    let rounds = 50;
    let n = (posts.len() * rounds) as f64;
    let mut buf = String::new();
    let t = Instant::now();
    for _ in 0..rounds {
        for p in &posts {
            classifier
                .normaliser()
                .normalise_into(&p.text, &mut buf, true);
            std::hint::black_box(&buf);
        }
    }
    println!(
        "normalise: {:.0} ns/post",
        t.elapsed().as_nanos() as f64 / n
    );
    let t = Instant::now();
    let mut c = 0;
    for _ in 0..rounds {
        for p in &posts {
            c += usize::from(classifier.classify(p, None).outage_complaint);
        }
    }
    println!(
        "classify:  {:.0} ns/post ({c})",
        t.elapsed().as_nanos() as f64 / n
    );
    println!("{}", classifier.automaton_info());
}
