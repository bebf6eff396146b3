//! Deterministic, seeded generator of Weibo-style post streams (fixtures, tests, benchmarks).
//!
//! A [`Scenario`] describes a day of Weibo traffic: dozens of steady everyday hashtags with a
//! day/night rhythm, plain posts, ordinary WeChat mentions, a trickle of everyday complaints
//! about services and — in [`Scenario::wechat_outage_2015`] — the WeChat outage of Sunday
//! 13 September 2015: complaints from 13:00 (+08:00) climbing to 350 000 distinct participants
//! by 15:00 at scale 1, reposts, news and, after about 15:30, recovery posts.
//!
//! The output is JSON lines of m.weibo.cn `mblog` objects, written in time order except that a
//! small share of posts appears up to [`Scenario::max_lateness_secs`] late. Generation streams
//! in constant memory and is byte-for-byte deterministic for a given scenario and seed: only
//! integer arithmetic and correctly rounded IEEE operations touch the random draws, and there is
//! no hashing, no wall clock and no float formatting.
//!
//! ```
//! let scenario = trendwatch_synth::Scenario::wechat_outage_2015(0.001);
//! let first = scenario.lines().next();
//! assert!(first.is_some_and(|line| line.starts_with("{\"id\":\"")));
//! ```

mod curve;
mod engine;
mod ids;
mod render;
mod rng;
mod sample;
mod tables;

use std::io::{self, Write};

use chrono::{DateTime, FixedOffset, TimeZone};
use serde::Serialize;
use trendwatch_model::{UnixSeconds, beijing};

use engine::{Engine, ONSET, PARTICIPANT_WINDOW_MINUTES, PARTICIPANTS_AT_SCALE_1, Plan};
pub use ids::mid_timestamp;
pub use sample::sample_lines;

/// The largest accepted [`Scenario::scale`].
pub const MAX_SCALE: f64 = 1_000.0;
/// The longest accepted window, in seconds (31 days).
pub const MAX_WINDOW_SECS: i64 = 31 * 86_400;
/// The largest accepted [`Scenario::max_lateness_secs`].
pub const MAX_LATENESS_SECS: u32 = 3_600;
/// The default seed (the date of the outage).
pub const DEFAULT_SEED: u64 = 20_150_913;

/// A generated day of posts: what to generate and with which seed.
///
/// Fields are public so that variants can be written as
/// `Scenario { seed: 7, ..Scenario::wechat_outage_2015(0.01) }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Volume multiplier: 1.0 is the full story (350 000 outage participants and about
    /// 1.4 million everyday posts); every rate scales with it.
    pub scale: f64,
    /// Seed of every random draw.
    pub seed: u64,
    /// When set, exactly this many posts are produced: all rates are rescaled so that the
    /// expected total is this number (the mix and the curve shapes are unchanged).
    pub posts: Option<u64>,
    /// First second of the stream (inclusive).
    pub start: DateTime<FixedOffset>,
    /// End of the stream (exclusive).
    pub end: DateTime<FixedOffset>,
    /// Whether the WeChat outage of 2015-09-13 13:00 +08:00 happens in this stream.
    pub outage: bool,
    /// Share of posts written late (out of time order), in [0, 1].
    pub late_share: f64,
    /// How late a late post can be, in seconds.
    pub max_lateness_secs: u32,
}

fn beijing_time(y: i32, mo: u32, d: u32, h: u32) -> DateTime<FixedOffset> {
    beijing()
        .with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .unwrap_or_else(|| unreachable!("a fixed offset maps every local time once"))
}

impl Scenario {
    /// The WeChat outage day: 2015-09-13 08:00 to 24:00 (+08:00), outage from 13:00, at
    /// `scale` (1.0 = 350 000 distinct complaining users between 13:00 and 15:00).
    pub fn wechat_outage_2015(scale: f64) -> Scenario {
        Scenario {
            scale,
            seed: DEFAULT_SEED,
            posts: None,
            start: beijing_time(2015, 9, 13, 8),
            end: beijing_time(2015, 9, 14, 0),
            outage: true,
            late_share: 0.02,
            max_lateness_secs: 60,
        }
    }

    /// An ordinary day without outage, 2015-09-13 00:00 to 24:00 (+08:00), of exactly `posts`
    /// posts: steady topics, plain posts, WeChat mentions and a baseline of everyday
    /// complaints about services (about 0.6 % of posts). For throughput benchmarks.
    ///
    /// For a benchmark mix with the outage spike, use
    /// `Scenario::wechat_outage_2015(1.0).with_posts(n)`.
    pub fn background(posts: u64) -> Scenario {
        Scenario {
            scale: 1.0,
            seed: DEFAULT_SEED,
            posts: Some(posts),
            start: beijing_time(2015, 9, 13, 0),
            end: beijing_time(2015, 9, 14, 0),
            outage: false,
            late_share: 0.02,
            max_lateness_secs: 60,
        }
    }

    /// This scenario with another seed.
    pub fn with_seed(self, seed: u64) -> Scenario {
        Scenario { seed, ..self }
    }

    /// This scenario producing exactly `posts` posts.
    pub fn with_posts(self, posts: u64) -> Scenario {
        Scenario {
            posts: Some(posts),
            ..self
        }
    }

    /// This scenario restricted to the window `[start, end)`; rates are unchanged, so the
    /// posts are those the full window would have in that interval (statistically).
    pub fn with_window(self, start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Scenario {
        Scenario { start, end, ..self }
    }

    /// Checks every field; [`Scenario::lines`] clamps invalid values instead of failing.
    pub fn validate(&self) -> Result<(), SynthError> {
        let invalid =
            |field: &'static str, message: String| Err(SynthError::InvalidField { field, message });
        if !self.scale.is_finite() || self.scale < 0.0 || self.scale > MAX_SCALE {
            return invalid(
                "scale",
                format!("{} is not in [0, {MAX_SCALE}]", self.scale),
            );
        }
        let length = self.end.timestamp() - self.start.timestamp();
        if length <= 0 || length > MAX_WINDOW_SECS {
            return invalid(
                "end",
                format!("window of {length} s is not in (0, {MAX_WINDOW_SECS}] s"),
            );
        }
        if !self.late_share.is_finite() || !(0.0..=1.0).contains(&self.late_share) {
            return invalid(
                "late_share",
                format!("{} is not in [0, 1]", self.late_share),
            );
        }
        if self.max_lateness_secs > MAX_LATENESS_SECS {
            return invalid(
                "max_lateness_secs",
                format!("{} exceeds {MAX_LATENESS_SECS}", self.max_lateness_secs),
            );
        }
        if let Some(posts) = self.posts {
            // Ids hold 2^19 posts per second; allow a 20× peak over the average rate.
            let capacity = (1u64 << 19) / 20 * length as u64;
            if posts > capacity {
                return invalid(
                    "posts",
                    format!("{posts} posts do not fit in a {length} s window (max {capacity})"),
                );
            }
            let plan = Plan::new(self);
            if posts > 0 && plan.expected <= 0.0 {
                return invalid(
                    "posts",
                    "the scenario has no traffic to rescale (scale 0 or empty window)".into(),
                );
            }
        }
        Ok(())
    }

    /// The stream as JSON lines (without trailing newline), one `String` per post.
    pub fn lines(&self) -> Lines {
        Lines {
            engine: Engine::new(Plan::new(self)),
        }
    }

    /// The stream with each line's ground-truth metadata (kind, user, time), for tests.
    pub fn records(&self) -> Records {
        Records {
            engine: Engine::new(Plan::new(self)),
        }
    }

    /// Writes the stream as JSON lines (each ending in `\n`) and returns the number of lines.
    /// Streams through a reusable buffer; wrap files in a `BufWriter` or not, either is fine.
    pub fn write_jsonl<W: Write + ?Sized>(&self, writer: &mut W) -> io::Result<u64> {
        self.write_jsonl_with_progress(writer, |_| {})
    }

    /// Like [`Scenario::write_jsonl`], calling `progress` with the number of lines written so
    /// far every 65 536 lines and at the end.
    pub fn write_jsonl_with_progress<W: Write + ?Sized>(
        &self,
        writer: &mut W,
        mut progress: impl FnMut(u64),
    ) -> io::Result<u64> {
        let mut engine = Engine::new(Plan::new(self));
        let mut buffer = String::with_capacity(1 << 17);
        let mut count = 0u64;
        while engine.next_into(&mut buffer).is_some() {
            buffer.push('\n');
            count += 1;
            if buffer.len() >= 1 << 16 {
                writer.write_all(buffer.as_bytes())?;
                buffer.clear();
            }
            if count.is_multiple_of(65_536) {
                progress(count);
            }
        }
        writer.write_all(buffer.as_bytes())?;
        writer.flush()?;
        progress(count);
        Ok(count)
    }

    /// What the stream is known to contain, for tests and demos to assert against.
    pub fn truth(&self) -> Truth {
        let plan = Plan::new(self);
        let at = |ts: i64| {
            beijing()
                .timestamp_opt(ts, 0)
                .single()
                .unwrap_or_else(|| unreachable!("a fixed offset maps every instant once"))
        };
        let outage = self.outage.then(|| OutageTruth {
            service: "wechat".into(),
            topics: tables::OUTAGE_TOPICS
                .iter()
                .map(|t| (*t).to_string())
                .collect(),
            onset: at(ONSET),
            peak: at(ONSET + engine::peak_minute() * 60),
            participants_until: at(ONSET + PARTICIPANT_WINDOW_MINUTES * 60),
            expected_participants: (PARTICIPANTS_AT_SCALE_1 * plan.scale * plan.factor).round()
                as u64,
            recovery: at(ONSET + 150 * 60),
        });
        Truth {
            start: at(plan.start),
            end: at(plan.end),
            expected_posts: (plan.expected * plan.factor).round() as u64,
            steady_topics: tables::TOPICS.iter().map(|t| t.name.to_string()).collect(),
            max_lateness_secs: plan.max_lateness as u32,
            outage,
        }
    }
}

/// What a scenario's stream is known to contain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    /// First second of the stream.
    pub start: DateTime<FixedOffset>,
    /// End (exclusive) of the stream.
    pub end: DateTime<FixedOffset>,
    /// Expected number of posts (exact when [`Scenario::posts`] is set).
    pub expected_posts: u64,
    /// The steady everyday hashtags (without `#`), which never spike.
    pub steady_topics: Vec<String>,
    /// No line is written more than this many seconds after a line with a later
    /// `created_at`.
    pub max_lateness_secs: u32,
    /// The outage, if the scenario has one.
    pub outage: Option<OutageTruth>,
}

/// Ground truth of the WeChat outage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutageTruth {
    /// Canonical id of the failing service.
    pub service: String,
    /// Hashtags complaints carry (without `#`).
    pub topics: Vec<String>,
    /// First minute of complaints: 2015-09-13 13:00 +08:00.
    pub onset: DateTime<FixedOffset>,
    /// Start of the minute with the highest expected complaint rate.
    pub peak: DateTime<FixedOffset>,
    /// End of the participant-count window (15:00), which starts at `onset`.
    pub participants_until: DateTime<FixedOffset>,
    /// Expected distinct users posting or reposting complaints between `onset` and
    /// `participants_until` (350 000 × scale). Everyday grumbles are not counted.
    pub expected_participants: u64,
    /// When "WeChat is back" posts begin (15:30).
    pub recovery: DateTime<FixedOffset>,
}

/// What a generated post is, in the generator's own terms (ground truth for tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// A post (or repost) on a steady everyday hashtag.
    Topic,
    /// An everyday post without hashtag (or a repost of one).
    Plain,
    /// An ordinary WeChat mention, not a complaint.
    WechatMention,
    /// An everyday complaint about some service (baseline noise, not the outage).
    Grumble,
    /// An original outage complaint.
    Complaint,
    /// A repost of an outage complaint (counts as a participant).
    ComplaintRepost,
    /// Outage news by a media account.
    News,
    /// A repost of outage news.
    NewsRepost,
    /// A "WeChat is back" post.
    Recovery,
}

impl PostKind {
    /// Whether the author counts as an outage participant (complaint or complaint repost).
    pub fn is_outage_participant(self) -> bool {
        matches!(self, PostKind::Complaint | PostKind::ComplaintRepost)
    }
}

/// Ground-truth metadata of one generated line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostMeta {
    /// The post's mid.
    pub id: u64,
    /// Its `created_at` as Unix seconds.
    pub created_at: UnixSeconds,
    /// The author's user id.
    pub user_id: u64,
    /// What the post is.
    pub kind: PostKind,
    /// The mid of the reposted original, for reposts.
    pub repost_of: Option<u64>,
    /// The steady topic the post (or its reposted original) is about, if any.
    pub topic: Option<&'static str>,
    /// The service the post is about (`wechat`, `alipay`, …), if any.
    pub service: Option<&'static str>,
}

/// One generated line with its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The JSON line, without newline.
    pub line: String,
    /// What the line is.
    pub meta: PostMeta,
}

/// Iterator over a scenario's JSON lines; see [`Scenario::lines`].
pub struct Lines {
    engine: Engine,
}

impl Iterator for Lines {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let mut line = String::with_capacity(1024);
        self.engine.next_into(&mut line).map(|_| line)
    }
}

/// Iterator over a scenario's lines with metadata; see [`Scenario::records`].
pub struct Records {
    engine: Engine,
}

impl Iterator for Records {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        let mut line = String::with_capacity(1024);
        let meta = self.engine.next_into(&mut line)?;
        Some(Record { line, meta })
    }
}

/// A scenario that cannot be generated as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SynthError {
    /// A field of [`Scenario`] is out of range.
    #[error("scenario field `{field}`: {message}")]
    InvalidField {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}
