//! Classifier: decides per post whether it is an outage complaint, about which service, with
//! which symptoms, and which topics it counts towards.
//!
//! Architecture invariant: pure code, no I/O, never fails on input; rules are data (TOML).

use trendwatch_model::{Post, Tags};

/// A compiled rule set ready to classify posts.
#[derive(Debug, Clone, Default)]
pub struct Classifier {}

impl Classifier {
    /// The built-in rules and service aliases compiled into the binary.
    pub fn builtin() -> Self {
        Classifier {}
    }

    /// Classifies one post. `parent` is the classification of the post it reposts, when known,
    /// so a bare repost of a complaint inherits its service and topics.
    pub fn classify(&self, post: &Post, parent: Option<&Tags>) -> Tags {
        let _ = (post, parent);
        Tags::default()
    }
}
