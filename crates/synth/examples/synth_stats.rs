//! Measures a full-scale stream against its ground truth (posts per kind, distinct outage
//! participants 13:00–15:00, peak minute, bytes):
//! `cargo run --release -p trendwatch-synth --example synth_stats -- 1.0`

use std::collections::{BTreeMap, HashSet};

use trendwatch_synth::Scenario;

fn main() {
    let scale: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let scenario = Scenario::wechat_outage_2015(scale);
    let truth = scenario.truth();
    let Some(outage) = truth.outage.clone() else {
        return;
    };
    let (from, to) = (
        outage.onset.timestamp(),
        outage.participants_until.timestamp(),
    );
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut participants = HashSet::new();
    let mut per_minute: BTreeMap<i64, u64> = BTreeMap::new();
    let (mut lines, mut bytes) = (0u64, 0u64);
    for record in scenario.records() {
        lines += 1;
        bytes += record.line.len() as u64 + 1;
        let m = record.meta;
        *kinds.entry(format!("{:?}", m.kind)).or_default() += 1;
        if m.kind.is_outage_participant() {
            *per_minute.entry(m.created_at / 60).or_default() += 1;
            if (from..to).contains(&m.created_at) {
                participants.insert(m.user_id);
            }
        }
    }
    let peak = per_minute.iter().max_by_key(|(_, n)| **n);
    println!("scale {scale}: {lines} lines, {bytes} bytes");
    println!("kinds: {kinds:?}");
    println!(
        "distinct participants 13:00-15:00: {} (truth {})",
        participants.len(),
        outage.expected_participants
    );
    if let Some((minute, n)) = peak {
        println!(
            "busiest complaint minute starts at unix {} with {n} complaints (truth peak {})",
            minute * 60,
            outage.peak
        );
    }
}
