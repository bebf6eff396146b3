//! Prints the hand-checked fixture sample:
//! `cargo run -p trendwatch-synth --example synth_sample > fixtures/wechat-outage-2015/sample.jsonl`

fn main() {
    for line in trendwatch_synth::sample_lines() {
        println!("{line}");
    }
}
