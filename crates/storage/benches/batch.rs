//! Store batch writes: `topic_id` + `insert_post` (post row, post-topic rows, participation
//! rows, minute counts) for 4,096 posts per transaction, as the pipeline's store stage writes
//! them, into a real SQLite file (WAL, synchronous=NORMAL).
//!
//! Each iteration writes one batch of new posts (ids keep growing, data time moves on), so the
//! tables grow during the measurement as they do in a replay.
//!
//! Run: `cargo bench -p trendwatch-storage --bench batch`

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use std::hint::black_box;

use chrono::{DateTime, FixedOffset};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trendwatch_model::{ClassifiedPost, Post, Tags, Topic, TopicKind};
use trendwatch_storage::{SqliteStore, Store, WriteBatch};

const BATCH: usize = 4096;
const TOPICS: u64 = 2_000;
const USERS: u64 = 200_000;
/// 2015-09-13 08:00 +08:00.
const START: i64 = 1_442_102_400;

const TEXTS: [&str; 4] = [
    "今天的晚霞好美[赞]",
    "#小米#玫瑰金真好看[哈哈]",
    "#微信崩了# 微信登不上了，消息一直转圈发不出去，有人一样吗？",
    "追剧停不下来，哈哈哈，周末打算和朋友去爬山，希望天气好一点。",
];

/// One batch of posts numbered from `first`: 20 posts per second of data time, ~60% with one
/// topic, ~15% with two, the rest none; topic popularity ~ 1/rank.
fn batch(first: u64, mix: &mut ChaCha8Rng) -> Vec<ClassifiedPost> {
    let offset =
        FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap());
    (first..first + BATCH as u64)
        .map(|n| {
            let ts = START + (n / 20) as i64;
            let created_at: DateTime<FixedOffset> = DateTime::from_timestamp(ts, 0)
                .unwrap_or_default()
                .with_timezone(&offset);
            let user = 1_000_000_000 + mix.next_u64() % USERS;
            let k = mix.next_u64() % 100;
            let topics = if k < 75 {
                if k < 15 { 2 } else { 1 }
            } else {
                0
            };
            let topics = (0..topics)
                .map(|_| {
                    let u = (mix.next_u64() % 1_000_000) as f64 / 1_000_000.0;
                    let rank = ((TOPICS as f64).powf(u) as u64).clamp(1, TOPICS);
                    Topic {
                        name: format!("话题{rank}"),
                        kind: TopicKind::Trend,
                        service: None,
                    }
                })
                .collect::<Vec<_>>();
            ClassifiedPost {
                post: Post {
                    id: format!("{}", 3_887_319_111_172_096 + n),
                    user_id: user.to_string(),
                    user_name: format!("用户{user}"),
                    text: TEXTS[(n % 4) as usize].to_string(),
                    topics: topics.iter().map(|t| t.name.clone()).collect(),
                    created_at,
                    reposts: n % 7,
                    comments: n % 3,
                    likes: n % 11,
                    repost_of: None,
                    source: Some("iPhone 6".into()),
                },
                tags: Tags {
                    topics,
                    ..Tags::default()
                },
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let Ok(mut store) = SqliteStore::open(&dir.path().join("bench.db")) else {
        return;
    };
    // The seeded generator the workspace already uses (synth): the same stream on every run.
    let mut mix = ChaCha8Rng::seed_from_u64(20_150_913);
    let mut next = 0u64;
    let mut ids = Vec::new();
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("batch of 4096 posts", |b| {
        b.iter_batched(
            || {
                let posts = batch(next, &mut mix);
                next += BATCH as u64;
                posts
            },
            |posts| {
                let Ok(mut batch) = store.begin() else { return };
                for post in &posts {
                    ids.clear();
                    for topic in &post.tags.topics {
                        if let Ok(id) = batch.topic_id(topic) {
                            ids.push(id);
                        }
                    }
                    black_box(batch.insert_post(post, &ids).ok());
                }
                black_box(batch.commit().ok());
            },
            criterion::BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
