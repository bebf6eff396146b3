//! The labelled corpus (fixtures/classifier/corpus.jsonl) against the built-in rules: the
//! project's accuracy targets as tests.
//!
//! Run `cargo test -p trendwatch-classifier --test corpus -- --nocapture` to see the reports.

use trendwatch_classifier::Classifier;
use trendwatch_classifier::eval::{Report, evaluate, parse_labels};

const CORPUS: &str = include_str!("../../../fixtures/classifier/corpus.jsonl");

fn report(split: &str) -> Report {
    let corpus = parse_labels(CORPUS).expect("the corpus parses");
    evaluate(&Classifier::builtin(), &corpus, Some(split))
}

#[track_caller]
fn check_targets(r: &Report) {
    for lang in ["zh", "en"] {
        let l = &r.by_lang[lang];
        assert!(
            l.complaint.precision() >= 0.95,
            "{lang} precision {:.4}",
            l.complaint.precision()
        );
        assert!(
            l.complaint.recall() >= 0.90,
            "{lang} recall {:.4}",
            l.complaint.recall()
        );
    }
    let all = &r.by_lang["all"];
    assert!(
        all.ordinary_fp_rate() <= 0.005,
        "ordinary FP rate {:.4}",
        all.ordinary_fp_rate()
    );
    assert!(
        all.service_accuracy() >= 0.98,
        "service accuracy {:.4}",
        all.service_accuracy()
    );
}

#[test]
fn corpus_is_large_and_bilingual() {
    let corpus = parse_labels(CORPUS).expect("the corpus parses");
    assert!(corpus.len() >= 2000);
    let zh = corpus.iter().filter(|p| p.lang == "zh").count() as f64 / corpus.len() as f64;
    assert!((0.7..=0.9).contains(&zh), "zh share {zh}");
    for split in ["train", "dev", "dev2", "dev3", "dev4", "dev5", "heldout"] {
        assert!(corpus.iter().filter(|p| p.split == split).count() >= 800);
    }
}

/// Scores one tuning split (its errors may be looked at: they are printed) against the targets.
fn tuning_split_meets_targets(split: &str) {
    let r = report(split);
    println!("{r}");
    for m in &r.misses {
        println!("  {} [{}] {}: {}", m.id, m.category, m.what, m.text);
    }
    check_targets(&r);
}

#[test]
fn train_split_meets_targets() {
    tuning_split_meets_targets("train");
}

/// The dev split: different templates from train; its errors may be looked at.
#[test]
fn dev_split_meets_targets() {
    tuning_split_meets_targets("dev");
}

/// The dev2 split: the held-out split of the first round, looked at since.
#[test]
fn dev2_split_meets_targets() {
    tuning_split_meets_targets("dev2");
}

/// The dev3 split: written for the second pass (broader symptom wordings, service-less
/// complaints, jokes and news with outage words); first scored before any rule was tuned on it
/// (zh P 0.964 R 0.822, en P 1.000 R 0.904), tuned on since.
#[test]
fn dev3_split_meets_targets() {
    tuning_split_meets_targets("dev3");
}

/// The dev4 split: a sixth template set (chattier posts, everyday symptom phrasings, memes that
/// borrow outage words); first scored before any rule was tuned on it (zh P 0.957 R 0.780,
/// en P 0.824 R 0.942), tuned on since.
#[test]
fn dev4_split_meets_targets() {
    tuning_split_meets_targets("dev4");
}

/// The dev5 split: a seventh template set written from everyday Weibo complaint phrasing; first
/// scored before any rule was tuned on it (zh P 0.982 R 0.886, en P 1.000 R 0.971, service
/// 593/593, ordinary FP 0/336), tuned on since.
#[test]
fn dev5_split_meets_targets() {
    tuning_split_meets_targets("dev5");
}

/// The honest score: the held-out split was generated from a fourth, separately written set of
/// templates, and rule writing never looked at its errors.
///
/// Measured (first pass): zh precision 0.949 / recall 0.809, en precision 1.000 / recall 0.856.
/// Second pass, summary-only checks: (1) after the dev3 round zh P 0.954 / R 0.893, en P 1.000 /
/// R 0.971; (2) after more vocabulary, unchanged; (3) after the dev4 round zh P 0.953 / R 0.881,
/// en P 1.000 / R 0.971, service 590/590, ordinary FP 0/336. Third pass (dev5 round), one
/// summary-only check: (4) zh P 0.954 / R 0.903, en P 1.000 / R 0.971, service 590/590,
/// ordinary FP 0/336 — every target met. This test guards that level.
#[test]
fn heldout_split_does_not_regress() {
    let r = report("heldout");
    println!("{r}");
    for (lang, p, rec) in [("zh", 0.95, 0.90), ("en", 0.99, 0.97)] {
        let l = &r.by_lang[lang];
        assert!(
            l.complaint.precision() >= p,
            "{lang} precision {:.4}",
            l.complaint.precision()
        );
        assert!(
            l.complaint.recall() >= rec,
            "{lang} recall {:.4}",
            l.complaint.recall()
        );
    }
    let all = &r.by_lang["all"];
    assert!(
        all.ordinary_fp_rate() <= 0.005,
        "ordinary FP rate {:.4}",
        all.ordinary_fp_rate()
    );
    assert!(
        all.service_accuracy() >= 0.98,
        "service accuracy {:.4}",
        all.service_accuracy()
    );
}
