//! Writes a scenario to stdout without the CLI, for quick looks and timing:
//! `cargo run --release -p trendwatch-synth --example synth -- wechat 0.01 > out.jsonl`
//! `cargo run --release -p trendwatch-synth --example synth -- background 10000000 > out.jsonl`

use std::io::{self, BufWriter};

use trendwatch_synth::Scenario;

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map_or("wechat", String::as_str);
    let number = args.get(1).map_or("0.01", String::as_str);
    let scenario = match kind {
        "background" => Scenario::background(number.parse().unwrap_or(1_000_000)),
        _ => Scenario::wechat_outage_2015(number.parse().unwrap_or(0.01)),
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let started = std::time::Instant::now();
    let lines = scenario.write_jsonl(&mut out)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{lines} lines in {secs:.2} s: {:.0} lines/s (expected {})",
        lines as f64 / secs,
        scenario.truth().expected_posts
    );
    Ok(())
}
