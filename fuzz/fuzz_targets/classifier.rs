//! The built-in classifier on arbitrary text, as a post and as a repost of a complaint.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use trendwatch_classifier::Classifier;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let classifier = Classifier::builtin();
    let tags = classifier.classify_text(&text);
    let _ = classifier.normaliser().normalise(&text);
    let explained = classifier.explain(
        &trendwatch_classifier::input::post_from_text("fuzz", &text),
        Some(&tags),
    );
    assert_eq!(
        explained.tags,
        classifier.classify(
            &trendwatch_classifier::input::post_from_text("fuzz", &text),
            Some(&tags)
        ),
        "explain and classify disagree"
    );
});
