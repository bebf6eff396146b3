//! Parser throughput: m.weibo.cn `mblog` JSON lines and s.weibo.com search pages.
//!
//! Run with `cargo bench -p trendwatch-scraper --bench parse`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trendwatch_scraper::{
    SourceItem, decode_body, parse_json_line, parse_search_page, recycle_posts,
};

fn sample(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/samples")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The sample's Weibo-shaped lines (not trendwatch's own Post lines), repeated to `n` lines.
fn mblog_lines(n: usize) -> Vec<Vec<u8>> {
    let text = sample("mblog-lines.jsonl");
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !l.windows(9).any(|w| w == b"\"user_id\""))
        .collect();
    (0..n).map(|i| lines[i % lines.len()].to_vec()).collect()
}

fn bench_mblog(c: &mut Criterion) {
    let lines = mblog_lines(1024);
    let bytes: usize = lines.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("mblog_lines");
    group.throughput(Throughput::Elements(lines.len() as u64));
    let file = Path::new("bench.jsonl");
    let mut out = Vec::with_capacity(4);
    group.bench_function(
        format!("{} lines, {} bytes avg", lines.len(), bytes / lines.len()),
        |b| {
            b.iter(|| {
                let mut posts = 0usize;
                for (i, line) in lines.iter().enumerate() {
                    parse_json_line(black_box(line), file, i as u64 + 1, None, &mut out);
                    posts += out.len();
                    out.clear();
                }
                posts
            })
        },
    );
    // As the replay reader runs: parsed posts come back for reuse (`recycle_posts`).
    group.bench_function(
        format!(
            "{} lines, {} bytes avg, posts recycled",
            lines.len(),
            bytes / lines.len()
        ),
        |b| {
            b.iter(|| {
                let mut posts = 0usize;
                for (i, line) in lines.iter().enumerate() {
                    parse_json_line(black_box(line), file, i as u64 + 1, None, &mut out);
                    posts += out.len();
                    recycle_posts(out.drain(..).filter_map(|item| match item {
                        Ok(SourceItem::Post(post)) => Some(post),
                        _ => None,
                    }));
                }
                posts
            })
        },
    );
    group.finish();
}

fn bench_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("search_page");
    for name in ["search-2020.html", "search-2023.html"] {
        let bytes = sample(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let (text, _) = decode_body(black_box(&bytes), Some("text/html; charset=utf-8"));
                parse_search_page(&text, name, None).map(|p| p.records.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_mblog, bench_search);
criterion_main!(benches);
