//! Scores the built-in rules on one split of the labelled corpus, without building the CLI:
//! `cargo run --release -p trendwatch-classifier --example eval -- dev3 [--errors]`
//!
//! Lists the errors only for the tuning splits; on `heldout` it prints the summary alone, so
//! rule writing cannot look at held-out texts by accident.

use trendwatch_classifier::Classifier;
use trendwatch_classifier::eval::{evaluate, parse_labels};

fn main() {
    let mut split = None;
    let mut errors = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--errors" => errors = true,
            s => split = Some(s.to_owned()),
        }
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/classifier/corpus.jsonl"
    );
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let corpus = match parse_labels(&text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let report = evaluate(&Classifier::builtin(), &corpus, split.as_deref());
    println!("{report}");
    if errors {
        if split.as_deref().is_none_or(|s| s == "heldout") {
            eprintln!(
                "errors are listed for one tuning split only (train, dev, dev2, dev3, dev4, dev5)"
            );
            std::process::exit(2);
        }
        for m in &report.misses {
            println!("{:<8} {:<16} {:<28} {}", m.id, m.category, m.what, m.text);
        }
    }
}
