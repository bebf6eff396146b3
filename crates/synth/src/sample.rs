//! The small hand-checked sample committed as `fixtures/wechat-outage-2015/sample.jsonl`.

use crate::{PostKind, Record, Scenario};

/// A slot of the sample: which posts qualify and how many to take.
struct Slot {
    quota: usize,
    taken: usize,
    accepts: fn(&Record) -> bool,
}

fn has_cjk(text: &str) -> bool {
    // Text outside HTML tags only, so a Chinese hashtag link does not count.
    let mut in_tag = false;
    text.chars().any(|c| {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ => {}
        }
        !in_tag && ('\u{4e00}'..='\u{9fff}').contains(&c)
    })
}

fn text_of(line: &str) -> &str {
    line.split("\"text\":\"")
        .nth(1)
        .and_then(|rest| rest.split("\",\"source\"").next())
        .unwrap_or_default()
}

fn is(record: &Record, kind: PostKind) -> bool {
    record.meta.kind == kind
}

/// The sample: about 40 lines of the scale-0.01 outage day, a few of each kind (everyday
/// topics through the day, plain posts, WeChat mentions, everyday grumbles, complaints in
/// Chinese and English with and without hashtags and emoji, reposts with `retweeted_status`,
/// news, news reposts, recovery posts, and one complaint written late), in stream order.
pub fn sample_lines() -> Vec<String> {
    let mut slots = [
        Slot {
            quota: 8,
            taken: 0,
            accepts: |r| is(r, PostKind::Topic) && r.meta.repost_of.is_none(),
        },
        Slot {
            quota: 1,
            taken: 0,
            accepts: |r| is(r, PostKind::Topic) && r.meta.repost_of.is_some(),
        },
        Slot {
            quota: 3,
            taken: 0,
            accepts: |r| is(r, PostKind::Plain) && r.meta.repost_of.is_none(),
        },
        Slot {
            quota: 4,
            taken: 0,
            accepts: |r| is(r, PostKind::WechatMention),
        },
        Slot {
            quota: 2,
            taken: 0,
            accepts: |r| is(r, PostKind::Grumble),
        },
        Slot {
            quota: 2,
            taken: 0,
            accepts: |r| {
                let text = text_of(&r.line);
                is(r, PostKind::Complaint) && has_cjk(text) && text.starts_with("<a href")
            },
        },
        Slot {
            quota: 2,
            taken: 0,
            accepts: |r| {
                let text = text_of(&r.line);
                is(r, PostKind::Complaint) && has_cjk(text) && text.contains("<img")
            },
        },
        Slot {
            quota: 3,
            taken: 0,
            accepts: |r| {
                let text = text_of(&r.line);
                is(r, PostKind::Complaint) && has_cjk(text) && !text.contains('<')
            },
        },
        Slot {
            quota: 1,
            taken: 0,
            accepts: |r| {
                let text = text_of(&r.line);
                is(r, PostKind::Complaint) && text.contains("WeChatDown")
            },
        },
        Slot {
            quota: 2,
            taken: 0,
            accepts: |r| {
                let text = text_of(&r.line);
                is(r, PostKind::Complaint) && !has_cjk(text) && !text.contains('<')
            },
        },
        Slot {
            quota: 1,
            taken: 0,
            accepts: |r| is(r, PostKind::ComplaintRepost) && text_of(&r.line) == "转发微博",
        },
        Slot {
            quota: 2,
            taken: 0,
            accepts: |r| is(r, PostKind::ComplaintRepost) && text_of(&r.line).contains("//<a"),
        },
        Slot {
            quota: 1,
            taken: 0,
            accepts: |r| {
                is(r, PostKind::ComplaintRepost) && matches!(text_of(&r.line), "同上" | "+1")
            },
        },
        Slot {
            quota: 1,
            taken: 0,
            accepts: |r| is(r, PostKind::ComplaintRepost) && !has_cjk(text_of(&r.line)),
        },
        Slot {
            quota: 2,
            taken: 0,
            accepts: |r| is(r, PostKind::News),
        },
        Slot {
            quota: 2,
            taken: 0,
            accepts: |r| is(r, PostKind::NewsRepost),
        },
        Slot {
            quota: 3,
            taken: 0,
            accepts: |r| is(r, PostKind::Recovery),
        },
    ];
    let mut lines = Vec::new();
    let mut last_hour = i64::MIN;
    let mut newest = i64::MIN;
    let mut late_taken = false;
    for record in Scenario::wechat_outage_2015(0.01).records() {
        let created = record.meta.created_at;
        let late = created < newest.saturating_sub(10);
        newest = newest.max(created);
        // One line written late (out of time order) shows the bounded jitter.
        if late && !late_taken && record.meta.kind == PostKind::Complaint {
            late_taken = true;
            lines.push(record.line);
            continue;
        }
        // Everyday posts: at most one per hour, so they spread over the day.
        let hour = created / 3600;
        let everyday = matches!(
            record.meta.kind,
            PostKind::Topic | PostKind::Plain | PostKind::WechatMention
        );
        if everyday && hour == last_hour {
            continue;
        }
        if let Some(slot) = slots
            .iter_mut()
            .find(|s| s.taken < s.quota && (s.accepts)(&record))
        {
            slot.taken += 1;
            if everyday {
                last_hour = hour;
            }
            lines.push(record.line);
        }
        if late_taken && slots.iter().all(|s| s.taken == s.quota) {
            break;
        }
    }
    lines
}
