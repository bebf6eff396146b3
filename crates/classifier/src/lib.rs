//! Classifier: decides per post whether it is an outage complaint, about which service, with
//! which symptoms, and which topics it counts towards.
//!
//! How it decides:
//! 1. The post text is normalised ([`Normaliser`]): full-width → half-width, case folding,
//!    traditional → simplified, HTML stripped, emoji alt text such as `[怒]` kept.
//! 2. One leftmost-longest phrase matcher (daachorse Aho-Corasick over the encoded text) finds every service
//!    alias and rule phrase. Longer phrases shadow the shorter ones inside them, which is how a
//!    `mask` rule such as "心态崩了" keeps the complaint cue "崩了" from firing.
//! 3. Each rule counts once with its weight; complaint cues that need a service count only
//!    when an alias is within `service_window` characters (or a service hashtag, or a service
//!    the rule implies). A post is a complaint when it has complaint evidence and its score
//!    reaches `complaint_threshold`. Every step is recorded by [`Classifier::explain`].
//!
//! Architecture invariant: pure code, no I/O, never fails on input; rules are data (TOML).

mod engine;
pub mod eval;
pub mod input;
mod matcher;
mod normalise;
mod rules;

use std::cell::RefCell;
use std::sync::OnceLock;

use trendwatch_model::{Post, Symptom, Tags};

pub use normalise::Normaliser;
pub use rules::{RuleKind, RulesError};

use engine::{Compiled, Scratch};

/// The built-in rules file, compiled into the binary.
pub const DEFAULT_RULES: &str = include_str!("../rules/default.toml");

/// A compiled rule set ready to classify posts. Cheap to clone (the compiled rules are shared)
/// and to share across threads by reference.
#[derive(Debug, Clone)]
pub struct Classifier {
    compiled: std::sync::Arc<Compiled>,
}

/// One rule or alias that matched, as reported by [`Classifier::explain`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fired {
    /// The rule id (`zh.outage.collapse`) or `service:<id>` for a service alias.
    pub rule: String,
    /// The rule kind (`complaint`, `mask`, …) or `alias`.
    pub kind: &'static str,
    /// The matched phrase, in normalised form.
    pub matched: String,
    /// Character offset of the match in the normalised text.
    pub at: usize,
    /// The weight this match added to the score (0 when it did not count).
    pub weight: i32,
    /// Why the match did or did not count.
    pub note: &'static str,
}

/// A classification together with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// The decision, identical to what [`Classifier::classify`] returns.
    pub tags: Tags,
    /// The normalised text the rules ran on.
    pub normalised: String,
    /// Every match in text order, followed by the matches inside explicit topics.
    pub fired: Vec<Fired>,
    /// The final complaint score.
    pub score: i32,
    /// The score a post with complaint evidence needs.
    pub threshold: i32,
    /// Whether any complaint cue counted.
    pub evidence: bool,
    /// Human-readable decision steps (service choice, inheritance from the parent, …).
    pub reasons: Vec<String>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Classifier {
    /// The built-in rules and service aliases compiled into the binary.
    /// Compiled once per process; later calls share it.
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<Classifier> = OnceLock::new();
        BUILTIN
            .get_or_init(|| match Self::from_toml_str(DEFAULT_RULES) {
                Ok(c) => c,
                // The built-in file is tested (`builtin_rules_compile`); an error here is a bug
                // in this crate, never a property of the input.
                Err(e) => panic!("built-in rules are invalid: {e}"),
            })
            .clone()
    }

    /// Compiles a rules file (the format of `rules/default.toml`).
    pub fn from_toml_str(toml_text: &str) -> Result<Self, RulesError> {
        let file: rules::RulesFile = toml::from_str(toml_text)?;
        Ok(Classifier {
            compiled: std::sync::Arc::new(Compiled::build(file)?),
        })
    }

    /// Classifies one post. `parent` is the classification of the post it reposts, when known,
    /// so a bare repost of a complaint inherits its service and topics.
    pub fn classify(&self, post: &Post, parent: Option<&Tags>) -> Tags {
        self.with_scratch(|c, s| c.run(post, parent, s, None))
    }

    /// Classifies one post and reports which rules fired and why.
    pub fn explain(&self, post: &Post, parent: Option<&Tags>) -> Explanation {
        let mut trace = engine::Trace::default();
        let tags = self.with_scratch(|c, s| c.run(post, parent, s, Some(&mut trace)));
        Explanation {
            tags,
            normalised: trace.normalised,
            fired: trace.fired,
            score: trace.score,
            threshold: self.compiled.settings.complaint_threshold,
            evidence: trace.evidence,
            reasons: trace.reasons,
        }
    }

    /// Classifies a bare text (no topics, no parent): a convenience for tools and tests.
    pub fn classify_text(&self, text: &str) -> Tags {
        self.classify(&input::post_from_text("", text), None)
    }

    /// The normaliser this rule set uses.
    pub fn normaliser(&self) -> &Normaliser {
        &self.compiled.norm
    }

    /// Canonical ids of all known services, in rules-file order.
    pub fn service_ids(&self) -> impl Iterator<Item = &str> {
        self.compiled.services.iter().map(|s| s.id.as_str())
    }

    /// The English display name of a service id (`wechat` → `WeChat`).
    pub fn service_display(&self, id: &str) -> Option<&str> {
        self.compiled
            .services
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.display.as_str())
    }

    /// Normalises `text` and counts the phrase matches in it: the scanning cost alone, for
    /// profiling.
    #[doc(hidden)]
    pub fn count_matches(&self, text: &str) -> usize {
        self.with_scratch(|c, s| c.count_matches(text, s))
    }

    /// Encodes `text` for the phrase matcher and returns the code length: the encoding cost alone,
    /// for profiling.
    #[doc(hidden)]
    pub fn encoded_len(&self, text: &str) -> usize {
        self.with_scratch(|c, s| c.encoded_len(text, s))
    }

    /// A one-line description of the phrase matchers (size and memory), for diagnostics.
    pub fn automaton_info(&self) -> String {
        self.compiled.automaton_info()
    }

    /// Number of phrases (aliases and rule patterns) the matchers know.
    pub fn phrase_count(&self) -> usize {
        self.compiled.phrase_count()
    }

    fn with_scratch<R>(&self, f: impl FnOnce(&Compiled, &mut Scratch) -> R) -> R {
        let mut f = Some(f);
        let reused = SCRATCH.try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => f.take().map(|f| f(&self.compiled, &mut scratch)),
            Err(_) => None,
        });
        match (reused, f) {
            (Ok(Some(r)), _) => r,
            // Re-entrant use or thread-local teardown: fall back to a fresh scratch.
            (_, Some(f)) => f(&self.compiled, &mut Scratch::default()),
            (_, None) => unreachable!("the closure ran but returned no result"),
        }
    }
}

impl Default for Classifier {
    fn default() -> Self {
        Self::builtin()
    }
}

/// The snake_case name of a symptom, as used in JSON.
pub fn symptom_name(s: Symptom) -> &'static str {
    match s {
        Symptom::LoginFailure => "login_failure",
        Symptom::CannotSendMessages => "cannot_send_messages",
        Symptom::PaymentFailure => "payment_failure",
        Symptom::AppCrash => "app_crash",
        Symptom::NetworkError => "network_error",
        Symptom::SlowOrTimeout => "slow_or_timeout",
        Symptom::DataLoss => "data_loss",
    }
}
