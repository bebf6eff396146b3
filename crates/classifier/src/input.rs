//! Reading posts for `trendwatch classify`: one JSON object per line, either a Weibo `mblog`
//! object (HTML `text`, `user`, `retweeted_status`, …), a [`Post`] as `trendwatch parse`
//! prints it, or a bare `{"id": …, "text": …}`.
//!
//! This is parsing of in-memory strings only; the caller does the I/O.

use chrono::{DateTime, FixedOffset, TimeZone};
use serde_json::Value;
use trendwatch_model::{Post, beijing};

/// A post read from one input line, with the post it reposts when the line embeds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPost {
    /// The post itself.
    pub post: Post,
    /// The reposted post (`retweeted_status`), when the line carries it.
    pub parent: Option<Post>,
}

/// Why an input line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The line is not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// The line is JSON but not an object.
    #[error("expected a JSON object")]
    NotObject,
    /// A required field is missing or has the wrong type.
    #[error("field `{0}` is missing or not a string/number")]
    Field(&'static str),
}

/// A post with only an id and a text (and the `#topics#` found in it).
pub fn post_from_text(id: &str, text: &str) -> Post {
    Post {
        id: id.to_owned(),
        user_id: String::new(),
        user_name: String::new(),
        text: text.to_owned(),
        topics: Vec::new(),
        created_at: epoch(),
        reposts: 0,
        comments: 0,
        likes: 0,
        repost_of: None,
        source: None,
    }
}

fn epoch() -> DateTime<FixedOffset> {
    beijing()
        .timestamp_opt(0, 0)
        .single()
        .unwrap_or_else(|| unreachable!("the epoch exists in every fixed offset"))
}

fn str_or_num(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn count(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// Parses Weibo's `Sun Sep 13 13:05:22 +0800 2015` or RFC 3339.
fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
}

/// Parses one input line.
pub fn parse_line(line: &str) -> Result<InputPost, InputError> {
    let value: Value = serde_json::from_str(line).map_err(|e| InputError::Json(e.to_string()))?;
    parse_value(&value, 0)
}

fn parse_value(value: &Value, depth: u8) -> Result<InputPost, InputError> {
    let obj = value.as_object().ok_or(InputError::NotObject)?;
    let id = str_or_num(obj.get("idstr"))
        .or_else(|| str_or_num(obj.get("id")))
        .or_else(|| str_or_num(obj.get("mid")))
        .ok_or(InputError::Field("id"))?;
    let raw = obj
        .get("text")
        .and_then(Value::as_str)
        .ok_or(InputError::Field("text"))?;
    let text = if raw.contains('<') || raw.contains('&') {
        plain_text_from_html(raw)
    } else {
        raw.to_owned()
    };
    let topics = match obj.get("topics").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        None => extract_topics(&text),
    };
    let user = obj.get("user").and_then(Value::as_object);
    let user_id = str_or_num(obj.get("user_id"))
        .or_else(|| user.and_then(|u| str_or_num(u.get("id"))))
        .unwrap_or_default();
    let user_name = obj
        .get("user_name")
        .and_then(Value::as_str)
        .or_else(|| {
            user.and_then(|u| u.get("screen_name"))
                .and_then(Value::as_str)
        })
        .unwrap_or_default()
        .to_owned();
    let created_at = obj
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .unwrap_or_else(epoch);
    let parent = match obj.get("retweeted_status") {
        Some(v @ Value::Object(_)) if depth == 0 => parse_value(v, 1).ok().map(|p| p.post),
        _ => None,
    };
    let repost_of =
        str_or_num(obj.get("repost_of")).or_else(|| parent.as_ref().map(|p| p.id.clone()));
    let post = Post {
        id,
        user_id,
        user_name,
        text,
        topics,
        created_at,
        reposts: count(obj.get("reposts_count").or_else(|| obj.get("reposts"))),
        comments: count(obj.get("comments_count").or_else(|| obj.get("comments"))),
        likes: count(obj.get("attitudes_count").or_else(|| obj.get("likes"))),
        repost_of,
        source: obj
            .get("source")
            .and_then(Value::as_str)
            .map(plain_text_from_html)
            .filter(|s| !s.is_empty()),
    };
    Ok(InputPost { post, parent })
}

/// The `#topic#` names in a Weibo text, in order, without duplicates.
pub fn extract_topics(text: &str) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('#') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('#') else { break };
        let name = after[..close].trim();
        if !name.is_empty() && name.chars().count() <= 64 && !name.contains('\n') {
            if !topics.iter().any(|t| t == name) {
                topics.push(name.to_owned());
            }
            rest = &after[close + 1..];
        } else {
            rest = after;
        }
    }
    topics
}

/// Weibo HTML → plain text: `<img alt="[怒]">` becomes its alt text, `<br>` a newline, other
/// tags are dropped and the common entities decoded.
pub fn plain_text_from_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let tag_and_more = &rest[lt..];
        let Some(gt) = tag_and_more.find('>') else {
            out.push_str(tag_and_more);
            rest = "";
            break;
        };
        let tag = &tag_and_more[1..gt];
        let lower = tag.trim_start().to_ascii_lowercase();
        if lower.starts_with("img") {
            if let Some(alt) = attr(tag, "alt") {
                out.push_str(alt);
            }
        } else if lower.starts_with("br") {
            out.push('\n');
        }
        rest = &tag_and_more[gt + 1..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=");
    let pos = tag.find(&key)?;
    let after = &tag[pos + key.len()..];
    let quote = after.chars().next()?;
    if quote == '"' || quote == '\'' {
        let body = &after[1..];
        body.find(quote).map(|end| &body[..end])
    } else {
        Some(after.split_whitespace().next().unwrap_or(after))
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_objects() {
        let p = parse_line(r##"{"id": 42, "text": "#微信崩了# 登不上 [怒]"}"##).unwrap();
        assert_eq!(p.post.id, "42");
        assert_eq!(p.post.topics, vec!["微信崩了".to_owned()]);
        assert!(p.parent.is_none());
    }

    #[test]
    fn reads_mblog_with_retweet() {
        let line = r##"{"idstr":"2","created_at":"Sun Sep 13 13:05:22 +0800 2015",
            "text":"转发微博<img alt=\"[怒]\" src=\"x.png\">","user":{"id":7,"screen_name":"小明"},
            "reposts_count":3,
            "retweeted_status":{"id":"1","text":"<a href=\"/k/微信崩了\">#微信崩了#</a> 消息发不出去"}}"##;
        let p = parse_line(line).unwrap();
        assert_eq!(p.post.text, "转发微博[怒]");
        assert_eq!(p.post.user_name, "小明");
        assert_eq!(p.post.repost_of.as_deref(), Some("1"));
        assert_eq!(p.post.timestamp(), 1_442_120_722);
        let parent = p.parent.unwrap();
        assert_eq!(parent.text, "#微信崩了# 消息发不出去");
        assert_eq!(parent.topics, vec!["微信崩了".to_owned()]);
    }

    #[test]
    fn rejects_bad_lines() {
        assert!(matches!(parse_line("nope"), Err(InputError::Json(_))));
        assert_eq!(parse_line("[1]"), Err(InputError::NotObject));
        assert_eq!(parse_line(r#"{"text":"x"}"#), Err(InputError::Field("id")));
        assert_eq!(parse_line(r#"{"id":"1"}"#), Err(InputError::Field("text")));
    }

    #[test]
    fn decodes_entities_and_odd_html() {
        assert_eq!(
            plain_text_from_html("a &amp; b<br/>c <unclosed"),
            "a & b\nc <unclosed"
        );
        assert_eq!(extract_topics("#a# x #b#c# #a#"), vec!["a", "b"]);
    }
}
