//! The classify stage.

use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use rustc_hash::FxBuildHasher;
use trendwatch_classifier::Classifier;
use trendwatch_model::{ClassifiedPost, Post, Tags};

/// How many recent classifications are kept for reposts to inherit from.
const PARENT_CACHE: usize = 100_000;

/// A post id as a cache key: site ids are decimal numbers, kept as `u64` (no allocation, cheap
/// hashing); anything else is kept as text. The mapping is one-to-one: only canonical decimals
/// (no sign, no leading zero) become numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PostKey {
    Number(u64),
    Text(Box<str>),
}

impl PostKey {
    fn of(id: &str) -> PostKey {
        let bytes = id.as_bytes();
        let canonical = !bytes.is_empty() && (bytes.len() == 1 || bytes[0] != b'0');
        // One pass: digits accumulate with overflow checks (more than u64 holds is text).
        let number = canonical
            .then(|| {
                bytes.iter().try_fold(0u64, |n, &b| {
                    if b.is_ascii_digit() {
                        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
                    } else {
                        None
                    }
                })
            })
            .flatten();
        match number {
            Some(number) => PostKey::Number(number),
            None => PostKey::Text(id.into()),
        }
    }
}

/// Whether a post's tags can change how a repost of it is classified. A parent that is neither a
/// complaint nor a mention and names no service classifies its reposts exactly as no parent
/// does (the classifier reads only those three fields of a parent to decide, and copies symptoms
/// and topics only from a complaint), so such posts are remembered without their tags.
fn inheritable(tags: &Tags) -> bool {
    tags.outage_complaint || tags.outage_mention || tags.service.is_some()
}

/// Classifies posts; bounded memory of recent results lets reposts inherit their parent's tags.
#[derive(Debug)]
pub struct ClassifyStage {
    classifier: Classifier,
    /// The last [`PARENT_CACHE`] posts seen (least recently used evicted first, exactly as
    /// before), with their tags when a repost could inherit anything from them.
    recent: LruCache<PostKey, Option<Arc<Tags>>, FxBuildHasher>,
    /// The distinct tags remembered most recently. During an outage thousands of complaints
    /// carry identical tags: they share one copy instead of each cloning its strings.
    shared: [Option<Arc<Tags>>; SHARED_TAGS],
    /// Where the next new entry of `shared` goes (round robin).
    shared_next: usize,
}

/// How many recent distinct tags [`ClassifyStage`] compares new tags against.
const SHARED_TAGS: usize = 8;

impl ClassifyStage {
    /// A stage using `classifier`.
    pub fn new(classifier: Classifier) -> Self {
        let capacity = NonZeroUsize::new(PARENT_CACHE).unwrap_or(NonZeroUsize::MIN);
        ClassifyStage {
            classifier,
            recent: LruCache::with_hasher(capacity, FxBuildHasher),
            shared: Default::default(),
            shared_next: 0,
        }
    }

    /// A shared copy of `tags` to remember: an equal recent one, or a new one.
    fn remember(&mut self, tags: &Tags) -> Arc<Tags> {
        if let Some(same) = self.shared.iter().flatten().find(|kept| ***kept == *tags) {
            return Arc::clone(same);
        }
        let kept = Arc::new(tags.clone());
        self.shared[self.shared_next] = Some(Arc::clone(&kept));
        self.shared_next = (self.shared_next + 1) % SHARED_TAGS;
        kept
    }

    /// Classifies one post.
    pub fn classify(&mut self, post: Post) -> ClassifiedPost {
        let parent = post
            .repost_of
            .as_deref()
            .and_then(|id| self.recent.get(&PostKey::of(id)))
            .and_then(|tags| tags.as_deref());
        let tags = self.classifier.classify(&post, parent);
        // Every post may be reposted: each one takes a place in the memory (the same recency
        // order as keeping every post's tags), but only tags that matter are copied.
        let kept = inheritable(&tags).then(|| self.remember(&tags));
        self.recent.put(PostKey::of(&post.id), kept);
        ClassifiedPost { post, tags }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset};
    use trendwatch_model::{Symptom, Topic, TopicKind};

    fn post(id: &str, text: &str, repost_of: Option<&str>) -> Post {
        let created_at: DateTime<FixedOffset> =
            DateTime::parse_from_rfc3339("2015-09-13T13:00:00+08:00").unwrap();
        Post {
            id: id.into(),
            user_id: "u1".into(),
            user_name: "someone".into(),
            text: text.into(),
            created_at,
            reposts: 0,
            comments: 0,
            likes: 0,
            repost_of: repost_of.map(Into::into),
            source: None,
            topics: Vec::new(),
        }
    }

    #[test]
    fn post_keys_are_one_to_one() {
        assert_eq!(
            PostKey::of("3887319111172096"),
            PostKey::Number(3887319111172096)
        );
        assert_eq!(PostKey::of("0"), PostKey::Number(0));
        assert_eq!(PostKey::of("007"), PostKey::Text("007".into()));
        assert_eq!(PostKey::of("+7"), PostKey::Text("+7".into()));
        assert_eq!(PostKey::of(""), PostKey::Text("".into()));
        assert_eq!(PostKey::of("CADzh4UUM"), PostKey::Text("CADzh4UUM".into()));
        assert_eq!(
            PostKey::of("99999999999999999999"),
            PostKey::Text("99999999999999999999".into())
        );
    }

    /// The shortcut above is sound only while an uninheritable parent classifies like no parent.
    #[test]
    fn an_uninheritable_parent_is_the_same_as_none() {
        let classifier = Classifier::builtin();
        let plain = Tags {
            outage_complaint: false,
            outage_mention: false,
            service: None,
            symptoms: vec![Symptom::LoginFailure],
            topics: vec![Topic {
                name: "小米".into(),
                kind: TopicKind::Trend,
                service: None,
            }],
        };
        assert!(!inheritable(&plain));
        for text in [
            "",
            "转发微博",
            "//@someone: 微信又崩了",
            "微信登不上了，消息发不出去",
            "#微信崩了# 真的崩了",
            "今天天气不错",
            "官方：微信故障已修复",
        ] {
            let p = post("2", text, Some("1"));
            assert_eq!(
                classifier.classify(&p, Some(&plain)),
                classifier.classify(&p, None),
                "{text}"
            );
        }
    }

    #[test]
    fn equal_tags_are_shared_and_different_ones_kept_apart() {
        let mut stage = ClassifyStage::new(Classifier::builtin());
        let a = stage.classify(post("1", "微信登不上了，消息发不出去，崩了", None));
        let b = stage.classify(post("2", "微信登不上了，消息发不出去，崩了", None));
        let c = stage.classify(post("3", "支付宝付款失败了，崩了", None));
        assert_eq!(a.tags, b.tags);
        assert_ne!(a.tags, c.tags);
        let kept = |stage: &mut ClassifyStage, id: &str| {
            stage
                .recent
                .get(&PostKey::of(id))
                .cloned()
                .flatten()
                .expect("remembered with tags")
        };
        let (ka, kb, kc) = (
            kept(&mut stage, "1"),
            kept(&mut stage, "2"),
            kept(&mut stage, "3"),
        );
        assert!(Arc::ptr_eq(&ka, &kb));
        assert_eq!(*ka, a.tags);
        assert_eq!(*kc, c.tags);
        // Far more distinct tags than are shared: each is still remembered as it was.
        for i in 0..3 * SHARED_TAGS {
            let text = format!("微信登不上了 #话题{i}#");
            let classified = stage.classify(post(&format!("x{i}"), &text, None));
            if let Some(kept) = stage
                .recent
                .get(&PostKey::of(&format!("x{i}")))
                .cloned()
                .flatten()
            {
                assert_eq!(*kept, classified.tags);
            }
        }
    }

    /// Against a plain reference (every post's full tags in a map; no eviction below
    /// [`PARENT_CACHE`] posts): sharing equal tags changes no classification.
    #[test]
    fn shared_memory_classifies_as_a_full_memory_does() {
        const TEXTS: [&str; 10] = [
            "微信登不上了，消息发不出去，崩了",
            "支付宝付款失败了，崩了",
            "微信又崩了 #微信崩了# 聊天记录没了",
            "官方：微信故障已修复",
            "今天天气不错",
            "转发微博",
            "//@someone: 同上",
            "滴滴一直叫不到车",
            "#小米# 新手机真好看",
            "微信闪退，一打开就闪退",
        ];
        let classifier = Classifier::builtin();
        let mut stage = ClassifyStage::new(classifier.clone());
        let mut reference: std::collections::HashMap<String, Tags> = Default::default();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % n
        };
        for i in 0..3000u64 {
            let text = TEXTS[next(TEXTS.len() as u64) as usize];
            let parent = (i > 0 && next(3) == 0).then(|| (next(i) + 1).to_string());
            let p = post(&(i + 1).to_string(), text, parent.as_deref());
            let expected =
                classifier.classify(&p, parent.as_ref().and_then(|id| reference.get(id)));
            let got = stage.classify(p);
            assert_eq!(got.tags, expected, "post {}", i + 1);
            reference.insert(got.post.id.clone(), got.tags);
        }
    }

    #[test]
    fn reposts_inherit_a_remembered_complaint() {
        let mut stage = ClassifyStage::new(Classifier::builtin());
        let parent = stage.classify(post("1", "微信登不上了，消息发不出去，崩了", None));
        assert!(parent.tags.outage_complaint);
        let repost = stage.classify(post("2", "转发微博", Some("1")));
        assert!(repost.tags.outage_complaint);
        let orphan = stage.classify(post("3", "转发微博", Some("404")));
        assert!(!orphan.tags.outage_complaint);
    }
}
