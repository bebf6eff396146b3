//! The classify stage.

use std::num::NonZeroUsize;

use lru::LruCache;
use trendwatch_classifier::Classifier;
use trendwatch_model::{ClassifiedPost, Post, Tags};

/// How many recent classifications are kept for reposts to inherit from.
const PARENT_CACHE: usize = 100_000;

/// Classifies posts; bounded memory of recent results lets reposts inherit their parent's tags.
#[derive(Debug)]
pub struct ClassifyStage {
    classifier: Classifier,
    recent: LruCache<String, Tags>,
}

impl ClassifyStage {
    /// A stage using `classifier`.
    pub fn new(classifier: Classifier) -> Self {
        let capacity = NonZeroUsize::new(PARENT_CACHE).unwrap_or(NonZeroUsize::MIN);
        ClassifyStage {
            classifier,
            recent: LruCache::new(capacity),
        }
    }

    /// Classifies one post.
    pub fn classify(&mut self, post: Post) -> ClassifiedPost {
        let parent = post.repost_of.as_ref().and_then(|id| self.recent.get(id));
        let tags = self.classifier.classify(&post, parent);
        // Only originals that others may repost need remembering; every post may be reposted.
        self.recent.put(post.id.clone(), tags.clone());
        ClassifiedPost { post, tags }
    }
}
