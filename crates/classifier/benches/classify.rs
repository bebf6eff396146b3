//! Classification throughput on realistic posts (30–140 characters), one core.
//!
//! The workload (`workload.rs`) is the labelled corpus padded to Weibo lengths with ordinary
//! chatter, so the mix of matching and non-matching text is realistic.
//! Run: `cargo bench -p trendwatch-classifier --bench classify`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trendwatch_classifier::Classifier;

mod workload;

fn bench(c: &mut Criterion) {
    let classifier = Classifier::builtin();
    let posts = workload::padded_posts();
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
