//! Recognising pages that mean "you are blocked" rather than "here is (no) data".
//!
//! Only status codes, redirect targets, the top level of JSON bodies and HTML titles are looked
//! at — never post text, which may well say "Access denied" when a service is down.

/// What kind of refusal a response was, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BlockSign {
    pub(crate) what: String,
    pub(crate) advice: &'static str,
}

pub(crate) const ADVICE_LOGIN: &str = "the site wants a logged-in session: refresh the cookie \
     (config `cookie`, or the environment variable named by `cookie_env`, e.g. TRENDWATCH_COOKIE)";
pub(crate) const ADVICE_VISITOR: &str = "the site wants visitor cookies (SUB/SUBP): set a cookie \
     for this source (config `cookie` or `cookie_env`)";
pub(crate) const ADVICE_CAPTCHA: &str = "the site asks for a captcha: open the page in a browser \
     with the same cookie, solve it, then refresh the cookie and lower the request rate";
pub(crate) const ADVICE_DENIED: &str = "the site refuses this client: raise `min_interval`, check \
     the cookie, and wait before retrying";
pub(crate) const ADVICE_THROTTLED: &str = "the site keeps throttling (HTTP 432/429): set or refresh \
     the cookie and raise `min_interval`";

/// A redirect target that is a login wall, captcha or visitor-system page.
pub(crate) fn redirect_block(location: &str) -> Option<BlockSign> {
    let l = location.to_ascii_lowercase();
    if l.contains("passport.weibo.com/visitor") || l.contains("/visitor/visitor") {
        return Some(BlockSign {
            what: format!(
                "redirected to the visitor system ({})",
                strip_query(location)
            ),
            advice: ADVICE_VISITOR,
        });
    }
    if l.contains("captcha") || l.contains("verify") || l.contains("/sec/") {
        return Some(BlockSign {
            what: format!(
                "redirected to a verification page ({})",
                strip_query(location)
            ),
            advice: ADVICE_CAPTCHA,
        });
    }
    if l.contains("signin") || l.contains("login") || l.contains("passport.") {
        return Some(BlockSign {
            what: format!("redirected to a login page ({})", strip_query(location)),
            advice: ADVICE_LOGIN,
        });
    }
    None
}

/// A status code that means refusal rather than a passing failure.
pub(crate) fn status_block(status: u16) -> Option<BlockSign> {
    match status {
        401 => Some(BlockSign {
            what: "HTTP 401 Unauthorized".into(),
            advice: ADVICE_LOGIN,
        }),
        403 => Some(BlockSign {
            what: "HTTP 403 Forbidden (access denied)".into(),
            advice: ADVICE_DENIED,
        }),
        418 => Some(BlockSign {
            what: "HTTP 418 (bot detected)".into(),
            advice: ADVICE_DENIED,
        }),
        _ => None,
    }
}

/// Looks at a decoded 2xx body.
pub(crate) fn body_block(text: &str) -> Option<BlockSign> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        return json_block(trimmed);
    }
    let title = html_title(trimmed)?;
    let lower = title.to_ascii_lowercase();
    if lower.contains("access denied") || title.contains("访问受限") || title.contains("拒绝访问")
    {
        return Some(BlockSign {
            what: format!("\"Access denied\" page (title {title:?})"),
            advice: ADVICE_DENIED,
        });
    }
    if title.contains("Sina Visitor System") {
        return Some(BlockSign {
            what: format!("Sina Visitor System page (title {title:?})"),
            advice: ADVICE_VISITOR,
        });
    }
    if title.contains("验证码") || title.contains("安全验证") || lower.contains("captcha") {
        return Some(BlockSign {
            what: format!("captcha page (title {title:?})"),
            advice: ADVICE_CAPTCHA,
        });
    }
    if title.contains("登录") || title.contains("新浪通行证") || lower.contains("login") {
        return Some(BlockSign {
            what: format!("login wall (title {title:?})"),
            advice: ADVICE_LOGIN,
        });
    }
    None
}

fn json_block(text: &str) -> Option<BlockSign> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    let ok = object.get("ok").and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let url = object.get("url").and_then(|v| v.as_str()).unwrap_or("");
    if ok == Some(-100) {
        return Some(BlockSign {
            what: if url.is_empty() {
                "login required ({\"ok\":-100})".into()
            } else {
                format!("login required ({{\"ok\":-100}}, url {})", strip_query(url))
            },
            advice: ADVICE_LOGIN,
        });
    }
    if !object.contains_key("data") && !url.is_empty() {
        let sign = redirect_block(url).unwrap_or(BlockSign {
            what: format!("captcha or verification redirect ({})", strip_query(url)),
            advice: ADVICE_CAPTCHA,
        });
        return Some(sign);
    }
    None
}

fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// The `<title>` of an HTML document (looked for in its first 64 KB).
fn html_title(html: &str) -> Option<String> {
    let mut end = html.len().min(64 * 1024);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let head = &html[..end];
    let start = find_ci(head, "<title")?;
    let open_end = head[start..].find('>')? + start + 1;
    let close = find_ci(&head[open_end..], "</title").map_or(head.len(), |e| open_end + e);
    Some(head[open_end..close].trim().to_owned())
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_known_refusals() {
        let s =
            body_block(r#"{"ok":-100,"url":"https://passport.weibo.com/sso/signin?r=x"}"#).unwrap();
        assert!(s.what.contains("login required"), "{s:?}");
        assert_eq!(s.advice, ADVICE_LOGIN);
        assert!(!s.what.contains("r=x"), "query strings stay out of errors");
        let s = body_block(r#"{"url":"https://weibo.cn/sec/captcha?x=1"}"#).unwrap();
        assert_eq!(s.advice, ADVICE_CAPTCHA);
        let s = body_block("<html><head><title>Sina Visitor System</title></head></html>").unwrap();
        assert_eq!(s.advice, ADVICE_VISITOR);
        let s = body_block("<HTML><TITLE>Access Denied</TITLE>nope</HTML>").unwrap();
        assert_eq!(s.advice, ADVICE_DENIED);
        let s = body_block("<html><title>新浪通行证 - 登录</title></html>").unwrap();
        assert_eq!(s.advice, ADVICE_LOGIN);
        assert_eq!(
            redirect_block("https://passport.weibo.com/visitor/visitor?entry=miniblog")
                .unwrap()
                .advice,
            ADVICE_VISITOR
        );
        assert_eq!(status_block(403).unwrap().advice, ADVICE_DENIED);
    }

    #[test]
    fn ordinary_pages_are_not_blocks() {
        assert!(body_block(r#"{"ok":1,"data":{"cards":[]}}"#).is_none());
        assert!(body_block(r#"{"ok":0,"msg":"这里还没有内容","data":{"cards":[]}}"#).is_none());
        // Post text complaining about an outage is not a block page.
        assert!(body_block(
            "<html><title>微博搜索</title><p>Access denied. Please check your network setting</p>"
        )
        .is_none());
        assert!(body_block("not json, not html").is_none());
        assert!(redirect_block("/weibo?q=x&page=2").is_none());
        assert!(status_block(404).is_none());
    }
}
