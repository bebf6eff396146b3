//! Fixed-workload throughput check for `mblog` JSON lines, for use under `perf stat`.
//!
//! `cargo bench -p trendwatch-scraper --bench throughput` parses the sample's Weibo-shaped
//! lines a fixed number of times on one thread and prints lines per second of wall time.
//! On a busy machine run it under `perf stat -e task-clock` and divide by CPU time instead.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use trendwatch_scraper::parse_json_line;

/// This thread's CPU time in seconds (Linux `/proc/thread-self/stat`, 100 Hz ticks); `None`
/// elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/samples/mblog-lines.jsonl");
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !l.windows(9).any(|w| w == b"\"user_id\""))
        .collect();
    let passes: usize = std::env::var("PASSES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(250_000);
    let file = Path::new("bench.jsonl");
    let mut out = Vec::with_capacity(4);
    let mut posts = 0usize;
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    for pass in 0..passes {
        for (i, line) in lines.iter().enumerate() {
            parse_json_line(
                black_box(line),
                file,
                (pass * lines.len() + i) as u64,
                None,
                &mut out,
            );
            posts += out.len();
            out.clear();
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_start.zip(cpu_seconds()).map(|(a, b)| b - a);
    // Reference: the cost of merely validating the same JSON with serde_json.
    let reference_start = Instant::now();
    for _ in 0..passes / 4 {
        for line in &lines {
            let _: serde::de::IgnoredAny =
                serde_json::from_slice(black_box(line)).unwrap_or(serde::de::IgnoredAny);
        }
    }
    let reference = reference_start.elapsed().as_secs_f64() * 4.0;
    let n = passes * lines.len();
    let bytes: usize = lines.iter().map(|l| l.len()).sum::<usize>() * passes;
    println!(
        "{n} lines ({} bytes avg, {posts} posts) in {elapsed:.3} s wall: {:.0} lines/s, {:.1} MB/s",
        bytes / n,
        n as f64 / elapsed,
        bytes as f64 / elapsed / 1e6
    );
    if let Some(cpu) = cpu {
        println!("{cpu:.2} s CPU: {:.0} lines per CPU second", n as f64 / cpu);
    }
    println!(
        "reference: serde_json::from_slice::<IgnoredAny> alone: {:.0} lines/s",
        n as f64 / reference
    );
}
