//! Prints the classifier's explanation for each text given on the command line:
//! `cargo run -p trendwatch-classifier --example explain -- "微信崩了" "Is WeChat down?"`

use trendwatch_classifier::{Classifier, input};

fn main() {
    let classifier = Classifier::builtin();
    for text in std::env::args().skip(1) {
        let mut post = input::post_from_text("", &text);
        post.topics = input::extract_topics(&text);
        let e = classifier.explain(&post, None);
        println!("{text}\n  normalised: {}", e.normalised);
        for f in &e.fired {
            println!(
                "  {:>+3} {:<12} {:<22} {:?} ({})",
                f.weight, f.kind, f.rule, f.matched, f.note
            );
        }
        for r in &e.reasons {
            println!("  - {r}");
        }
        let t = &e.tags;
        println!(
            "  => complaint={} mention={} service={:?} symptoms={:?} topics={:?}\n",
            t.outage_complaint,
            t.outage_mention,
            t.service,
            t.symptoms,
            t.topics.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()
        );
    }
}
