//! Rendering of m.weibo.cn `mblog` JSON objects and their HTML `text` fragments.
//!
//! Everything is appended to a reusable `String`. Table strings are JSON-safe by construction
//! (checked by a test in `tables`), so the only escaping needed is the `\"` around HTML
//! attributes, written literally here.

use crate::ids::{
    MEDIA_ID_BASE, push_bid, push_count, push_created_at, push_screen_name, push_u64, user_id,
    user_profile,
};
use crate::rng::{Draw, SplitMix};
use crate::tables::{
    COMPLAINT_CN, COMPLAINT_CN_EXTRA, COMPLAINT_EN, EMOJI_ANGRY, EMOJI_HAPPY, FILLERS, GRUMBLES,
    MEDIA, NEWS, NEWS_REPOST, OUTAGE_TOPICS, PLAIN, RECOVERY, REPOST_CHAIN_CN, REPOST_EN,
    REPOST_PLAIN, TOPICS, WECHAT_MENTIONS, category_phrases,
};

/// Who wrote a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Author {
    /// Member `n` of the generated user population.
    Population(u64),
    /// Media account `n` of [`MEDIA`].
    Media(usize),
}

impl Author {
    /// The author's Weibo user id.
    pub(crate) fn id(self) -> u64 {
        match self {
            Author::Population(index) => user_id(index),
            Author::Media(index) => MEDIA_ID_BASE + index as u64,
        }
    }
}

/// What a post's text is about; with the text seed it determines the text exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// A post on steady topic `n` of [`TOPICS`].
    Topic(usize),
    /// A plain everyday post.
    Plain,
    /// A WeChat mention that is not a complaint.
    Mention,
    /// Everyday grumble `n` of [`GRUMBLES`].
    Grumble(usize),
    /// An outage complaint.
    Complaint,
    /// The text of a repost of a complaint.
    ComplaintRepost,
    /// Outage news by a media account.
    News,
    /// The text of a repost of outage news.
    NewsRepost,
    /// The text of a repost of an everyday post.
    EverydayRepost,
    /// A recovery post.
    Recovery,
}

/// One post, compact enough to keep recent originals in memory for later reposts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draft {
    pub mid: u64,
    pub ts: i64,
    pub author: Author,
    pub text: TextKind,
    pub text_seed: u64,
    pub source: &'static str,
    pub reposts: u64,
    pub comments: u64,
    pub likes: u64,
}

/// Appends one complete mblog object (no newline), with `retweeted` nested when given.
pub(crate) fn push_mblog(out: &mut String, post: &Draft, retweeted: Option<&Draft>) {
    let mut digits = itoa::Buffer::new();
    let mid = digits.format(post.mid);
    out.push_str("{\"id\":\"");
    out.push_str(mid);
    out.push_str("\",\"mid\":\"");
    out.push_str(mid);
    out.push_str("\",\"created_at\":\"");
    push_created_at(out, post.ts);
    out.push_str("\",\"text\":\"");
    push_text(out, post.text, post.text_seed);
    out.push_str("\",\"source\":\"");
    out.push_str(post.source);
    out.push_str("\",\"reposts_count\":");
    push_count(out, post.reposts);
    out.push_str(",\"comments_count\":");
    push_count(out, post.comments);
    out.push_str(",\"attitudes_count\":");
    push_count(out, post.likes);
    out.push_str(",\"user\":");
    push_user(out, post.author);
    if let Some(original) = retweeted {
        out.push_str(",\"retweeted_status\":");
        push_mblog(out, original, None);
    }
    out.push_str(",\"bid\":\"");
    push_bid(out, post.mid);
    out.push_str("\"}");
}

fn push_user(out: &mut String, author: Author) {
    out.push_str("{\"id\":");
    push_u64(out, author.id());
    out.push_str(",\"screen_name\":\"");
    let (followers, verified) = match author {
        Author::Population(index) => {
            push_screen_name(out, index);
            user_profile(index)
        }
        Author::Media(index) => {
            let (name, followers) = MEDIA[index % MEDIA.len()];
            out.push_str(name);
            (followers, true)
        }
    };
    out.push_str("\",\"verified\":");
    out.push_str(if verified { "true" } else { "false" });
    out.push_str(",\"followers_count\":");
    push_count(out, followers);
    out.push('}');
}

/// Appends a `#topic#` link exactly as m.weibo.cn renders it (attribute quotes JSON-escaped).
pub(crate) fn push_topic_link(out: &mut String, name: &str) {
    out.push_str("<a href=\\\"https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23");
    out.push_str(name);
    out.push_str("%23\\\">#");
    out.push_str(name);
    out.push_str("#</a>");
}

fn push_emoji(out: &mut String, (alt, stem): (&str, &str)) {
    out.push_str("<span class=\\\"url-icon\\\"><img alt=\\\"[");
    out.push_str(alt);
    out.push_str("]\\\" src=\\\"https://h5.sinaimg.cn/m/emoticon/icon/default/");
    out.push_str(stem);
    out.push_str(".png\\\" style=\\\"width:1em; height:1em;\\\" /></span>");
}

fn push_mention(out: &mut String, index: u64) {
    let mut name = String::with_capacity(32);
    push_screen_name(&mut name, index);
    out.push_str("<a href='/n/");
    out.push_str(&name);
    out.push_str("'>@");
    out.push_str(&name);
    out.push_str("</a>");
}

/// Appends the HTML text of a post of `kind` drawn from `seed`.
pub(crate) fn push_text(out: &mut String, kind: TextKind, seed: u64) {
    let mut d = SplitMix::new(seed);
    match kind {
        TextKind::Topic(index) => {
            let topic = &TOPICS[index % TOPICS.len()];
            let at_end = d.chance(0.15);
            if !at_end {
                push_topic_link(out, topic.name);
            }
            let phrase = d.pick(category_phrases(topic.category));
            out.push_str(phrase);
            if d.chance(0.4) {
                push_joiner(out, phrase);
                out.push_str(d.pick(FILLERS));
            }
            if d.chance(0.3) {
                push_emoji(out, d.pick(EMOJI_HAPPY));
            }
            if at_end {
                out.push(' ');
                push_topic_link(out, topic.name);
            }
        }
        TextKind::Plain => {
            out.push_str(d.pick(PLAIN));
            if d.chance(0.3) {
                out.push(' ');
                out.push_str(d.pick(FILLERS));
            }
            if d.chance(0.35) {
                push_emoji(out, d.pick(EMOJI_HAPPY));
            }
        }
        TextKind::Mention => {
            out.push_str(d.pick(WECHAT_MENTIONS));
            if d.chance(0.2) {
                push_emoji(out, d.pick(EMOJI_HAPPY));
            }
        }
        TextKind::Grumble(index) => {
            out.push_str(GRUMBLES[index % GRUMBLES.len()].1);
            if d.chance(0.3) {
                push_emoji(out, d.pick(EMOJI_ANGRY));
            }
        }
        TextKind::Complaint => push_complaint(out, &mut d),
        TextKind::ComplaintRepost => push_complaint_repost(out, &mut d),
        TextKind::News => {
            let index = d.below(NEWS.len() as u64) as usize;
            let english = index + 1 == NEWS.len();
            if d.chance(0.6) {
                push_topic_link(
                    out,
                    if english {
                        OUTAGE_TOPICS[2]
                    } else {
                        OUTAGE_TOPICS[1]
                    },
                );
            }
            out.push_str(NEWS[index]);
        }
        TextKind::NewsRepost => {
            let r = d.below(10);
            if r < 2 {
                out.push_str("//");
                push_mention(out, d.below(10_000_000));
                out.push(':');
            }
            out.push_str(d.pick(NEWS_REPOST));
        }
        TextKind::EverydayRepost => {
            if d.chance(0.7) {
                out.push_str("转发微博");
            } else {
                out.push_str(d.pick(FILLERS));
                if d.chance(0.5) {
                    push_emoji(out, d.pick(EMOJI_HAPPY));
                }
            }
        }
        TextKind::Recovery => {
            if d.chance(0.25) {
                push_topic_link(out, OUTAGE_TOPICS[0]);
            }
            out.push_str(d.pick(RECOVERY));
            if d.chance(0.3) {
                push_emoji(out, d.pick(EMOJI_HAPPY));
            }
        }
    }
}

/// Appends what goes between `previous` and a following clause: a Chinese comma, or a space
/// after closing punctuation or Latin text.
fn push_joiner(out: &mut String, previous: &str) {
    match previous.chars().last() {
        Some(c) if c.is_ascii() || matches!(c, '？' | '！' | '。') => out.push(' '),
        _ => out.push('，'),
    }
}

fn push_complaint(out: &mut String, d: &mut SplitMix) {
    let english = d.chance(0.15);
    let tag = if d.chance(0.35) {
        Some(if english {
            if d.chance(0.6) {
                OUTAGE_TOPICS[2]
            } else {
                OUTAGE_TOPICS[0]
            }
        } else if d.chance(0.7) {
            OUTAGE_TOPICS[0]
        } else {
            OUTAGE_TOPICS[1]
        })
    } else {
        None
    };
    let tag_at_end = d.chance(0.2);
    if let Some(tag) = tag.filter(|_| !tag_at_end) {
        push_topic_link(out, tag);
    }
    if english {
        out.push_str(d.pick(COMPLAINT_EN));
    } else {
        let core = d.pick(COMPLAINT_CN);
        out.push_str(core);
        if d.chance(0.4) {
            push_joiner(out, core);
            out.push_str(d.pick(COMPLAINT_CN_EXTRA));
        }
        if d.chance(0.04) {
            out.push(' ');
            out.push_str("<a href='/n/微信团队'>@微信团队</a> 快修啊");
        }
    }
    if d.chance(0.35) {
        push_emoji(out, d.pick(EMOJI_ANGRY));
        if d.chance(0.1) {
            push_emoji(out, d.pick(EMOJI_ANGRY));
        }
    }
    if let Some(tag) = tag.filter(|_| tag_at_end) {
        out.push(' ');
        push_topic_link(out, tag);
    }
}

fn push_complaint_repost(out: &mut String, d: &mut SplitMix) {
    match d.below(20) {
        0..=5 => out.push_str("转发微博"),
        6..=8 => out.push_str(d.pick(REPOST_PLAIN)),
        9..=10 => out.push_str(d.pick(REPOST_EN)),
        11..=16 => {
            out.push_str("//");
            push_mention(out, d.below(10_000_000));
            out.push(':');
            out.push_str(d.pick(REPOST_CHAIN_CN));
        }
        _ => {
            out.push_str(d.pick(REPOST_CHAIN_CN));
            if d.chance(0.5) {
                push_emoji(out, d.pick(EMOJI_ANGRY));
            }
            out.push_str("//");
            push_mention(out, d.below(10_000_000));
            out.push(':');
            out.push_str(d.pick(REPOST_CHAIN_CN));
        }
    }
}
