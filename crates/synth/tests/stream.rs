//! Properties of generated streams: determinism, ids, dates, JSON shape, the outage's scale
//! law, steady topics and bounded lateness.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeZone};
use serde_json::Value;
use trendwatch_model::beijing;
use trendwatch_synth::{PostKind, Scenario, SynthError, mid_timestamp};

/// FNV-1a over the bytes of the lines, each followed by `\n`.
fn fnv1a<'a>(lines: impl Iterator<Item = &'a str>) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for line in lines {
        for &b in line.as_bytes().iter().chain(b"\n") {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn at(h: u32, m: u32) -> i64 {
    beijing()
        .with_ymd_and_hms(2015, 9, 13, h, m, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_default()
}

#[test]
fn same_seed_gives_identical_bytes_and_other_seeds_differ() {
    let scenario = Scenario::wechat_outage_2015(0.003);
    let a: Vec<String> = scenario.lines().collect();
    let b: Vec<String> = scenario.lines().collect();
    assert!(a.len() > 5_000, "{} lines", a.len());
    assert_eq!(a, b);
    let mut written = Vec::new();
    let count = scenario.write_jsonl(&mut written).unwrap();
    assert_eq!(count as usize, a.len());
    assert_eq!(written, (a.join("\n") + "\n").into_bytes());
    let c: Vec<String> = scenario.clone().with_seed(7).lines().take(100).collect();
    assert_ne!(a[..100], c[..]);
}

/// Pins the first lines of the default stream: any change to the generator's output (a
/// dependency's random stream, a template, a float expression) shows up here. Update the
/// constant deliberately when the output is meant to change.
#[test]
fn hash_of_first_lines_is_pinned() {
    let lines: Vec<String> = Scenario::wechat_outage_2015(0.01)
        .lines()
        .take(2_000)
        .collect();
    let hash = fnv1a(lines.iter().map(String::as_str));
    assert_eq!(hash, PINNED_HASH, "first 2000 lines changed: {hash:#x}");
}
const PINNED_HASH: u64 = 0x93cb_0be5_cb3c_cdc3;

#[test]
fn lines_are_valid_mblog_json_with_unique_time_ordered_ids() {
    let scenario = Scenario::wechat_outage_2015(0.004);
    let mut ids = HashSet::new();
    let mut reposts = 0;
    let mut display_counts = 0;
    for record in scenario.records() {
        let value: Value = serde_json::from_str(&record.line).expect("valid JSON");
        let id = value["id"].as_str().expect("string id");
        assert_eq!(value["mid"].as_str(), Some(id));
        assert_eq!(id.len(), 16, "{id}");
        let mid: u64 = id.parse().expect("numeric id");
        assert_eq!(mid, record.meta.id);
        assert!(ids.insert(mid), "duplicate id {mid}");
        let created = value["created_at"].as_str().expect("created_at");
        let parsed = DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y")
            .expect("created_at format");
        assert_eq!(
            parsed.format("%a %b %d %H:%M:%S %z %Y").to_string(),
            created
        );
        assert!(created.contains(" +0800 2015"), "{created}");
        assert_eq!(parsed.timestamp(), record.meta.created_at);
        assert_eq!(mid_timestamp(mid), record.meta.created_at);
        assert!(value["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(value["source"].is_string());
        assert_eq!(value["user"]["id"].as_u64(), Some(record.meta.user_id));
        assert!(
            value["user"]["screen_name"]
                .as_str()
                .is_some_and(|n| !n.is_empty())
        );
        for field in ["reposts_count", "comments_count", "attitudes_count"] {
            let count = &value[field];
            if let Some(shown) = count.as_str() {
                assert!(shown.ends_with('万') || shown == "100万+", "{shown}");
                display_counts += 1;
            } else {
                assert!(count.is_u64(), "{field}: {count}");
            }
        }
        match (&value["retweeted_status"], record.meta.repost_of) {
            (Value::Null, None) => {}
            (original, Some(of)) => {
                reposts += 1;
                assert_eq!(original["id"].as_str(), Some(of.to_string().as_str()));
                assert!(mid_timestamp(of) <= record.meta.created_at);
                assert!(original["user"]["id"].is_u64());
                assert!(original["retweeted_status"].is_null());
            }
            (original, None) => panic!("unexpected retweeted_status {original}"),
        }
    }
    assert!(ids.len() > 5_000);
    assert!(reposts > 500, "{reposts} reposts");
    assert!(display_counts > 0, "no display-string counts");
}

#[test]
fn lateness_is_bounded_and_present() {
    let scenario = Scenario::wechat_outage_2015(0.005);
    let bound = i64::from(scenario.truth().max_lateness_secs);
    let mut newest = i64::MIN;
    let (mut late, mut worst) = (0, 0);
    for record in scenario.records() {
        let t = record.meta.created_at;
        if t < newest {
            late += 1;
            worst = worst.max(newest - t);
        }
        newest = newest.max(t);
    }
    assert!(worst <= bound, "a line is {worst} s late");
    assert!(
        worst > 20,
        "lateness too small to exercise anything: {worst} s"
    );
    assert!(late > 100, "{late} late lines");
}

/// Distinct complaining/reposting users between 13:00 and 15:00.
fn participants(scale: f64) -> usize {
    let (from, to) = (at(13, 0), at(15, 0));
    let mut users = HashSet::new();
    for record in Scenario::wechat_outage_2015(scale)
        .with_window(
            beijing().timestamp_opt(from - 600, 0).unwrap(),
            beijing().timestamp_opt(to + 600, 0).unwrap(),
        )
        .records()
    {
        let m = record.meta;
        if m.kind.is_outage_participant() && (from..to).contains(&m.created_at) {
            users.insert(m.user_id);
        }
    }
    users.len()
}

#[test]
fn outage_participants_follow_the_scale_law_to_350k() {
    let small = participants(0.01) as f64;
    let double = participants(0.02) as f64;
    assert!(
        (small / 3_500.0 - 1.0).abs() < 0.05,
        "{small} participants at scale 0.01"
    );
    assert!(
        (double / 7_000.0 - 1.0).abs() < 0.04,
        "{double} participants at scale 0.02"
    );
    let ratio = double / small;
    assert!((ratio - 2.0).abs() < 0.12, "doubling scale gave ×{ratio}");
    // Extrapolated to scale 1 (participants are linear in scale).
    let full = double / 0.02;
    assert!((full / 350_000.0 - 1.0).abs() < 0.04, "extrapolated {full}");
    let truth = Scenario::wechat_outage_2015(1.0).truth();
    assert_eq!(truth.outage.map(|o| o.expected_participants), Some(350_000));
}

#[test]
fn steady_topics_do_not_spike_while_the_outage_does() {
    let scenario = Scenario::wechat_outage_2015(0.5).with_window(
        beijing().with_ymd_and_hms(2015, 9, 13, 11, 0, 0).unwrap(),
        beijing().with_ymd_and_hms(2015, 9, 13, 17, 0, 0).unwrap(),
    );
    let truth = scenario.truth();
    let bucket = |t: i64| (t - at(11, 0)) / 300;
    let mut topics: BTreeMap<&str, BTreeMap<i64, u32>> = BTreeMap::new();
    let mut complaints: BTreeMap<i64, u32> = BTreeMap::new();
    for record in scenario.records() {
        let m = record.meta;
        if let Some(topic) = m.topic {
            *topics
                .entry(topic)
                .or_default()
                .entry(bucket(m.created_at))
                .or_default() += 1;
        }
        if m.kind.is_outage_participant() {
            *complaints.entry(bucket(m.created_at)).or_default() += 1;
        }
    }
    let buckets = 72;
    let mut checked = 0;
    for (topic, counts) in &topics {
        assert!(truth.steady_topics.iter().any(|t| t == topic));
        let total: u32 = counts.values().sum();
        let mean = f64::from(total) / f64::from(buckets);
        if mean < 40.0 {
            continue;
        }
        checked += 1;
        // Poisson noise (5 σ) plus the slow day/night rhythm (±20 %).
        let band = 5.0 * mean.sqrt() + 0.2 * mean;
        for b in 0..buckets {
            let n = f64::from(counts.get(&(b as i64)).copied().unwrap_or(0));
            assert!(
                (n - mean).abs() < band,
                "#{topic}# has {n} posts in bucket {b} (mean {mean:.1}, band ±{band:.1})"
            );
        }
        // The outage neither inflates nor crowds out everyday topics.
        let before: u32 = (0..24).filter_map(|b| counts.get(&b)).sum();
        let during: u32 = (24..48).filter_map(|b| counts.get(&b)).sum();
        let ratio = f64::from(during) / f64::from(before);
        assert!(
            (0.75..1.3).contains(&ratio),
            "#{topic}# during/before = {ratio}"
        );
    }
    assert!(
        checked >= 8,
        "only {checked} topics are busy enough to check"
    );
    assert!(
        complaints.keys().all(|&b| b >= 24),
        "complaints before 13:00"
    );
    let peak = complaints.values().copied().max().unwrap_or(0);
    assert!(peak > 3_000, "complaint peak {peak} per 5 min");
}

#[test]
fn exact_post_counts_and_background_share() {
    assert_eq!(Scenario::background(12_345).lines().count(), 12_345);
    assert_eq!(
        Scenario::wechat_outage_2015(1.0)
            .with_posts(4_321)
            .lines()
            .count(),
        4_321
    );
    assert_eq!(Scenario::background(0).lines().count(), 0);
    let mut kinds: BTreeMap<String, u32> = BTreeMap::new();
    for record in Scenario::background(20_000).records() {
        *kinds.entry(format!("{:?}", record.meta.kind)).or_default() += 1;
    }
    assert!(
        !kinds.contains_key("Complaint") && !kinds.contains_key("Recovery"),
        "{kinds:?}"
    );
    let grumbles = f64::from(kinds.get("Grumble").copied().unwrap_or(0)) / 20_000.0;
    assert!(
        (0.002..0.02).contains(&grumbles),
        "grumble share {grumbles}"
    );
    assert!(
        kinds.get("Topic").copied().unwrap_or(0) > 10_000,
        "{kinds:?}"
    );
}

#[test]
fn complaints_mix_languages_reposts_and_repeaters() {
    let mut originals = 0;
    let mut english = 0;
    let mut per_user: BTreeMap<u64, u32> = BTreeMap::new();
    let mut seen_kinds = HashSet::new();
    for record in Scenario::wechat_outage_2015(0.005).records() {
        let m = &record.meta;
        seen_kinds.insert(m.kind);
        if m.kind.is_outage_participant() {
            *per_user.entry(m.user_id).or_default() += 1;
        }
        if m.kind == PostKind::Complaint {
            originals += 1;
            let value: Value = serde_json::from_str(&record.line).unwrap();
            let text = value["text"].as_str().unwrap_or_default();
            let plain: String = strip_tags(text);
            if !plain
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            {
                english += 1;
            }
        }
    }
    let share = f64::from(english) / f64::from(originals);
    // 15 % English; a few English complaints carry a Chinese hashtag and count as Chinese here.
    assert!((0.09..0.18).contains(&share), "English share {share}");
    let repeaters = per_user.values().filter(|&&n| n > 1).count();
    assert!(
        repeaters * 5 > per_user.len(),
        "{repeaters} of {} post repeatedly",
        per_user.len()
    );
    for kind in [
        PostKind::Topic,
        PostKind::Plain,
        PostKind::WechatMention,
        PostKind::Grumble,
        PostKind::Complaint,
        PostKind::ComplaintRepost,
        PostKind::News,
        PostKind::NewsRepost,
        PostKind::Recovery,
    ] {
        assert!(seen_kinds.contains(&kind), "no {kind:?} posts");
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn truth_describes_the_story() {
    let truth = Scenario::wechat_outage_2015(0.5).truth();
    let outage = truth.outage.expect("outage");
    assert_eq!(outage.onset.to_rfc3339(), "2015-09-13T13:00:00+08:00");
    assert_eq!(
        outage.participants_until.to_rfc3339(),
        "2015-09-13T15:00:00+08:00"
    );
    assert_eq!(outage.recovery.to_rfc3339(), "2015-09-13T15:30:00+08:00");
    assert!(outage.peak > outage.onset && outage.peak < outage.participants_until);
    assert_eq!(outage.expected_participants, 175_000);
    assert_eq!(outage.service, "wechat");
    assert!(outage.topics.iter().any(|t| t == "微信崩了"));
    assert!(truth.steady_topics.iter().any(|t| t == "中秋节"));
    assert!(truth.steady_topics.len() >= 40);
    assert!(!truth.steady_topics.iter().any(|t| t.contains("微信")));
    assert_eq!(truth.start.to_rfc3339(), "2015-09-13T08:00:00+08:00");
    assert_eq!(truth.end.to_rfc3339(), "2015-09-14T00:00:00+08:00");
    assert!(Scenario::background(10).truth().outage.is_none());
}

#[test]
fn invalid_scenarios_are_reported_by_field_and_clamped_when_streamed() {
    let nan = Scenario::wechat_outage_2015(f64::NAN);
    assert!(matches!(
        nan.validate(),
        Err(SynthError::InvalidField { field: "scale", .. })
    ));
    assert_eq!(nan.lines().count(), 0);
    let start = beijing().with_ymd_and_hms(2015, 9, 13, 12, 0, 0).unwrap();
    let backwards = Scenario::wechat_outage_2015(0.01).with_window(start, start);
    assert!(matches!(
        backwards.validate(),
        Err(SynthError::InvalidField { field: "end", .. })
    ));
    assert_eq!(backwards.lines().count(), 0);
    let late = Scenario {
        late_share: 2.0,
        ..Scenario::wechat_outage_2015(0.01)
    };
    assert!(late.validate().is_err());
    assert!(Scenario::wechat_outage_2015(1.0).validate().is_ok());
    assert!(Scenario::background(10_000_000).validate().is_ok());
    let too_many = Scenario::background(u64::MAX);
    assert!(matches!(
        too_many.validate(),
        Err(SynthError::InvalidField { field: "posts", .. })
    ));
}

#[test]
fn committed_fixture_sample_is_what_the_generator_selects() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/wechat-outage-2015/sample.jsonl"
    );
    let committed = std::fs::read_to_string(path).expect("fixture sample");
    let fresh = trendwatch_synth::sample_lines();
    assert!(
        (35..=45).contains(&fresh.len()),
        "{} sample lines",
        fresh.len()
    );
    assert_eq!(
        committed.lines().collect::<Vec<_>>(),
        fresh,
        "regenerate with `cargo run -p trendwatch-synth --example synth_sample > {path}`"
    );
    for line in &fresh {
        let value: Value = serde_json::from_str(line).expect("valid JSON");
        assert!(value["created_at"].is_string());
    }
}
