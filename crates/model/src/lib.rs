//! Shared domain types: the typed messages that flow between trendwatch's stages.
//!
//! Data moves one way: a source yields [`Post`]s and [`HotSearchEntry`]s, the classifier turns a
//! post into [`Tags`], storage counts participants per [`Topic`] and time bucket, and detection
//! emits [`Alert`]s. Every type here is plain data with serde support, so the same messages can
//! travel over in-process channels today and over a message bus (NATS JetStream) later.
//!
//! Architecture invariant: this crate does no I/O and depends on nothing but `serde`/`chrono`.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch (UTC). All pipeline time is data time in this unit.
pub type UnixSeconds = i64;

/// One social-network post, normalised from any source format.
///
/// This is the shape `trendwatch parse` prints, one JSON object per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The site's post id (Weibo `mid`/`id`), unique per site; the deduplication key.
    pub id: String,
    /// The author's user id.
    pub user_id: String,
    /// The author's display name at capture time.
    pub user_name: String,
    /// Post text as plain text: HTML stripped, emoji images replaced by their alt text (`[哭]`).
    pub text: String,
    /// Explicit topics the post carries (`#话题#` links and hashtags), without the `#` marks.
    pub topics: Vec<String>,
    /// When the post was published, with the offset the source gave (Weibo uses +08:00).
    pub created_at: DateTime<FixedOffset>,
    /// Repost count as displayed at capture time ("1.2万" becomes 12000).
    pub reposts: u64,
    /// Comment count as displayed at capture time.
    pub comments: u64,
    /// Like ("attitude") count as displayed at capture time.
    pub likes: u64,
    /// The id of the post this one reposts, if it is a repost. Sources yield the original post
    /// (when they carry it) before the repost, so later stages can look it up.
    pub repost_of: Option<String>,
    /// The client the post was sent from ("iPhone客户端"), when the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Post {
    /// The publication time as Unix seconds, the unit the pipeline buckets by.
    pub fn timestamp(&self) -> UnixSeconds {
        self.created_at.timestamp()
    }
}

/// Kinds of symptom an outage complaint can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    /// Cannot log in or is logged out ("登不上", "can't log in").
    LoginFailure,
    /// Messages do not send or arrive ("消息发不出去").
    CannotSendMessages,
    /// Payments fail ("付款失败").
    PaymentFailure,
    /// The app crashes or will not open ("闪退").
    AppCrash,
    /// A network error text is shown ("Access denied. Please check your network setting").
    NetworkError,
    /// Slow loading or timeouts ("转圈", "加载不出来").
    SlowOrTimeout,
    /// Fear of lost data ("聊天记录没了").
    DataLoss,
}

/// Whether a topic is about a service outage or is an ordinary trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicKind {
    /// An outage topic: complaints that a service is not working.
    Outage,
    /// Any other topic (hashtags, news, entertainment).
    Trend,
}

impl TopicKind {
    /// The lowercase name used in JSON, SQL and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TopicKind::Outage => "outage",
            TopicKind::Trend => "trend",
        }
    }

    /// Parses the lowercase name produced by [`TopicKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "outage" => Some(TopicKind::Outage),
            "trend" => Some(TopicKind::Trend),
            _ => None,
        }
    }
}

/// A topic a post counts towards: an explicit hashtag, or a topic derived by the classifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Topic {
    /// The topic's name, its identity in storage (e.g. `微信崩了` or `WeChat outage`).
    pub name: String,
    /// Outage or ordinary trend.
    pub kind: TopicKind,
    /// Canonical service id (e.g. `wechat`) when the topic is about one service.
    pub service: Option<String>,
}

/// What the classifier decided about one post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    /// The author reports that a service is not working for them (or people around them) now.
    pub outage_complaint: bool,
    /// The post talks about an outage without being a complaint (news, official statements).
    pub outage_mention: bool,
    /// Canonical id of the service the post is about (`wechat`, `alipay`, …), if any.
    pub service: Option<String>,
    /// Symptoms named by a complaint.
    pub symptoms: Vec<Symptom>,
    /// Every topic the post counts towards: its explicit topics, plus the derived outage topic
    /// of its service when it is a complaint. Sorted and without duplicates.
    pub topics: Vec<Topic>,
}

/// A post together with its classification: the message between classify and store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassifiedPost {
    /// The post as the source yielded it.
    pub post: Post,
    /// The classifier's decision.
    pub tags: Tags,
}

/// One row of a site's own hot-search ("热搜") list at a capture time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotSearchEntry {
    /// 1-based rank on the list; `None` for pinned or advertised rows that carry no rank.
    pub rank: Option<u32>,
    /// The search word / topic as shown.
    pub word: String,
    /// The site's heat figure, if shown.
    pub heat: Option<u64>,
    /// The label shown beside the entry (热, 新, 沸, 爆, 荐, or a category), if any.
    pub label: Option<String>,
    /// When the list was captured (data time, from the page or the HTTP `Date` header).
    pub captured_at: DateTime<FixedOffset>,
}

/// A trend alert: the contract consumed by sinks (stdout JSON lines, files, webhooks).
///
/// Times are data time (taken from the posts), never the wall clock, so a replay reproduces
/// its alerts byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The topic's name.
    pub topic: String,
    /// Outage or ordinary trend.
    pub kind: TopicKind,
    /// Canonical service id, or null.
    pub service: Option<String>,
    /// Whether this alert opens an episode or updates an open one.
    pub status: AlertStatus,
    /// When the alert was raised, in data time: the end of the bucket that triggered it.
    pub detected_at: DateTime<FixedOffset>,
    /// Start of the window the figures describe.
    pub window_start: DateTime<FixedOffset>,
    /// End (exclusive) of the window the figures describe.
    pub window_end: DateTime<FixedOffset>,
    /// Distinct participants (users who posted or reposted) in the window.
    pub participants: u64,
    /// Participants the topic's own baseline expected in such a window.
    pub baseline: f64,
    /// Anomaly score in [0, 1].
    pub score: f64,
    /// Identifier of the episode this alert belongs to, stable across updates; also the
    /// idempotency key prefix for webhook delivery.
    pub episode_id: String,
}

/// Whether an alert opens a new episode or reports growth of an open one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// The first alert of an episode.
    Opened,
    /// A later alert of the same episode, sent when it has grown markedly.
    Updated,
}

/// The fixed offset of Beijing time (+08:00), the zone Weibo data and its users live in.
pub fn beijing() -> FixedOffset {
    // 8 hours is always within FixedOffset's ±24h range.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_round_trips_through_json() {
        let post = Post {
            id: "3887395960924451".into(),
            user_id: "1642909335".into(),
            user_name: "小明".into(),
            text: "微信崩了 [怒]".into(),
            topics: vec!["微信崩了".into()],
            created_at: DateTime::parse_from_rfc3339("2015-09-13T13:05:22+08:00").unwrap(),
            reposts: 12000,
            comments: 3,
            likes: 1,
            repost_of: None,
            source: Some("iPhone 6".into()),
        };
        let json = serde_json::to_string(&post).unwrap();
        assert!(json.contains("\"created_at\":\"2015-09-13T13:05:22+08:00\""));
        let back: Post = serde_json::from_str(&json).unwrap();
        assert_eq!(back, post);
        assert_eq!(post.timestamp(), 1_442_120_722);
    }

    #[test]
    fn topic_kind_names_round_trip() {
        for kind in [TopicKind::Outage, TopicKind::Trend] {
            assert_eq!(TopicKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(TopicKind::parse("nope"), None);
    }
}
