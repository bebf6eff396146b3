//! Bucket updates: the tracker's per-participation `add` and per-post `advance`, as the store
//! stage calls them, over a realistic day-like stream (2,000 topics with a skewed popularity,
//! 200,000 users, several posts per second of data time, buckets closing as time advances).
//!
//! Run: `cargo bench -p trendwatch-detect --bench tracker`

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use trendwatch_detect::{TopicMeta, Tracker, TrackerConfig};
use trendwatch_model::TopicKind;

/// Participations in one iteration.
const EVENTS: usize = 100_000;
const TOPICS: u64 = 2_000;
const USERS: u64 = 200_000;
/// 2015-09-13 08:00 +08:00.
const START: i64 = 1_442_102_400;

/// (topic, time, user) participations: topic popularity ~ 1/rank (a few hot topics, a long
/// tail), 20 posts per second of data time.
fn stream() -> Vec<(i64, i64, String)> {
    // The seeded generator the workspace already uses (synth): the same stream on every run.
    let mut mix = ChaCha8Rng::seed_from_u64(20_150_913);
    (0..EVENTS)
        .map(|i| {
            // Log-uniform rank: roughly Zipfian popularity.
            let u = (mix.next_u64() % 1_000_000) as f64 / 1_000_000.0;
            let topic = ((TOPICS as f64).powf(u) as i64).clamp(1, TOPICS as i64);
            let user = mix.next_u64() % USERS;
            (
                topic,
                START + (i / 20) as i64,
                format!("{}", 1_000_000_000 + user),
            )
        })
        .collect()
}

fn fresh_tracker() -> Tracker {
    let mut tracker = Tracker::new(TrackerConfig::default());
    for topic in 1..=TOPICS as i64 {
        tracker.register_topic(
            topic,
            TopicMeta {
                name: format!("topic {topic}"),
                kind: TopicKind::Trend,
                service: None,
            },
        );
    }
    tracker
}

fn bench(c: &mut Criterion) {
    let events = stream();
    let mut group = c.benchmark_group("tracker");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(20);
    group.bench_function("add+advance", |b| {
        b.iter_batched(
            fresh_tracker,
            |mut tracker| {
                let mut out = Vec::new();
                for (topic, ts, user) in &events {
                    black_box(tracker.add(*topic, *ts, user));
                    tracker.advance(*ts, &mut out);
                    out.clear();
                }
                tracker
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("add only (one open bucket)", |b| {
        b.iter_batched(
            fresh_tracker,
            |mut tracker| {
                for (topic, _, user) in &events {
                    black_box(tracker.add(*topic, START, user));
                }
                tracker
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
