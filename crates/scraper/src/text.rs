//! HTML text fragments → plain text and topics.
//!
//! Weibo post text arrives as a small HTML fragment (`<a href=…>#话题#</a>`, emoji
//! `<img alt="[哭]" …>`, `<br />`). A full HTML5 parse per post would cost more than the rest
//! of the pipeline together, so this module uses a small purpose-built scanner: it walks the
//! fragment with `memchr`, keeps text, decodes entities with `html-escape`, turns `<br>` into a
//! newline and `<img alt>` into its alt text, drops the contents of `<script>`, `<style>` and
//! Weibo's icon-font `<i class="wbicon">` glyphs, and strips every other tag.

/// Longest topic name (in characters) accepted from plain `#…#` text; longer spans are not
/// topics but ordinary text between two stray `#` signs.
const MAX_TOPIC_CHARS: usize = 64;

/// Plain text and topics extracted from an HTML fragment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlainText {
    /// The text, HTML stripped, entities decoded, trimmed.
    pub text: String,
    /// Topics (`#话题#` → `话题`) in order of first appearance, trimmed and deduplicated.
    pub topics: Vec<String>,
}

/// How to treat whitespace in the fragment's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Whitespace {
    /// Keep whitespace as it is (API JSON fragments, where it is meaningful).
    #[default]
    Keep,
    /// Collapse runs of whitespace into one space, as a browser renders page HTML; `<br>` still
    /// gives a newline.
    Collapse,
}

/// Converts a Weibo HTML text fragment into plain text and its topics.
///
/// Topics come from links whose text is `#…#`; when the fragment has no such link markup,
/// `#…#` pairs in the plain text count instead (see [`plain_topics`]).
pub fn html_to_text(fragment: &str, whitespace: Whitespace) -> PlainText {
    let mut plain = PlainText::default();
    html_to_text_into(fragment, whitespace, &mut plain.text, &mut plain.topics);
    plain
}

/// [`html_to_text`] into existing buffers (replacing their contents), so that a reader which
/// recycles its posts allocates nothing for most of them.
pub(crate) fn html_to_text_into(
    fragment: &str,
    whitespace: Whitespace,
    text: &mut String,
    topics: &mut Vec<String>,
) {
    topics.clear();
    let bytes = fragment.as_bytes();
    let plain = match whitespace {
        Whitespace::Keep => memchr::memchr3(b'<', b'&', b'\xC2', bytes).is_none(),
        // Short fragments (a client name): one pass over the bytes, no searcher to set up.
        Whitespace::Collapse => {
            !bytes
                .iter()
                .any(|&b| matches!(b, b'<' | b'&' | b'\xC2' | b'\n' | b'\r' | b'\t'))
                && !bytes.windows(2).any(|pair| pair == b"  ")
        }
    };
    if plain {
        // No markup, no entities, no NBSP (U+00A0 starts with 0xC2), nothing to collapse.
        text.clear();
        text.push_str(fragment.trim());
        plain_topics_into(text, topics);
        return;
    }
    let mut out = std::mem::take(text);
    out.clear();
    out.reserve(fragment.len());
    let mut scanner = Scanner {
        out,
        link_start: None,
        link_topics: std::mem::take(topics),
        whitespace,
    };
    scanner.run(fragment);
    let Scanner {
        mut out,
        mut link_topics,
        ..
    } = scanner;
    if has_nbsp(out.as_bytes()) {
        out = out.replace('\u{a0}', " ");
    }
    if whitespace == Whitespace::Collapse && needs_tidy(&out) {
        out = tidy_lines(&out);
    }
    *text = trim_in_place(out);
    if link_topics.is_empty() {
        plain_topics_into(text, &mut link_topics);
    }
    *topics = link_topics;
}

/// Extracts topics from plain text: each `#…#` pair whose inside is non-empty after trimming,
/// has no line break and is at most 64 characters long. Pairs are matched left to right, as
/// Weibo does; an empty `##` is a pair without a topic; a span with a line break or too long
/// is not a pair, and its closing `#` opens the next one.
pub fn plain_topics(text: &str) -> Vec<String> {
    let mut topics = Vec::new();
    plain_topics_into(text, &mut topics);
    topics
}

/// [`plain_topics`] appended to `topics` (which the caller clears).
fn plain_topics_into(text: &str, topics: &mut Vec<String>) {
    let bytes = text.as_bytes();
    let mut open = match memchr::memchr(b'#', bytes) {
        Some(i) => i,
        None => return,
    };
    while let Some(rel) = memchr::memchr(b'#', &bytes[open + 1..]) {
        let close = open + 1 + rel;
        // '#' is ASCII, so both ends are char boundaries.
        let inner = &text[open + 1..close];
        let name = inner.trim();
        let valid = !inner.contains(['\n', '\r']) && name.chars().count() <= MAX_TOPIC_CHARS;
        if valid {
            // An empty `##` is consumed as a pair but is no topic.
            if !name.is_empty() {
                push_topic(topics, name);
            }
            match memchr::memchr(b'#', &bytes[close + 1..]) {
                Some(next) => open = close + 1 + next,
                None => break,
            }
        } else {
            open = close;
        }
    }
}

/// Whether UTF-8 text holds a U+00A0 (NBSP, `C2 A0`). `0xC2` only leads U+0080..U+00BF, which
/// CJK text never uses, so this is one `memchr` pass where a substring search would first build
/// a searcher for every fragment.
fn has_nbsp(bytes: &[u8]) -> bool {
    let mut pos = 0;
    while let Some(rel) = memchr::memchr(0xC2, &bytes[pos..]) {
        let at = pos + rel;
        if bytes.get(at + 1) == Some(&0xA0) {
            return true;
        }
        pos = at + 1;
    }
    false
}

/// The first byte of `hay` equal to one of `needles`. The markup scanner's searches mostly end
/// within a few bytes (tag names, short runs of text, attribute values), where `memchr`'s setup
/// costs more than the search: the first 32 bytes are checked eight at a time in registers
/// (the zero-byte bit trick), and only longer searches go on with `memchr`.
#[inline]
fn find_any<const N: usize>(hay: &[u8], needles: [u8; N]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const HEAD: usize = 32;
    let head = &hay[..hay.len().min(HEAD)];
    let mut at = 0;
    while let Some(chunk) = head.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let mut found = 0;
        for needle in needles {
            let x = word ^ (ONES * u64::from(needle));
            // High bit of each zero byte (a match); borrows only mark bytes above a real
            // match, so the lowest mark is exact.
            found |= x.wrapping_sub(ONES) & !x;
        }
        found &= HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if let Some(i) = head[at..].iter().position(|b| needles.contains(b)) {
        return Some(at + i);
    }
    let rest = &hay[head.len()..];
    let found = match *needles.as_slice() {
        [a] => memchr::memchr(a, rest),
        [a, b] => memchr::memchr2(a, b, rest),
        [a, b, c] => memchr::memchr3(a, b, c, rest),
        _ => rest.iter().position(|b| needles.contains(b)),
    };
    found.map(|i| head.len() + i)
}

fn push_topic(topics: &mut Vec<String>, name: &str) {
    if !topics.iter().any(|t| t == name) {
        topics.push(name.to_owned());
    }
}

/// Trims without reallocating.
fn trim_in_place(mut s: String) -> String {
    let end = s.trim_end().len();
    s.truncate(end);
    let start = s.len() - s.trim_start().len();
    s.drain(..start);
    s
}

/// Whether [`tidy_lines`] would change anything besides the outer trim.
fn needs_tidy(s: &str) -> bool {
    s.contains("  ") || s.contains(" \n") || s.contains("\n ")
}

/// Collapses whitespace runs (not newlines) into single spaces and trims each line.
fn tidy_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut first = true;
        for word in line.split_whitespace() {
            if !first {
                out.push(' ');
            }
            out.push_str(word);
            first = false;
        }
    }
    out
}

struct Scanner {
    out: String,
    /// Byte offset in `out` where the current `<a>`'s text starts.
    link_start: Option<usize>,
    link_topics: Vec<String>,
    whitespace: Whitespace,
}

impl Scanner {
    fn run(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            let Some(rel) = find_any(&bytes[pos..], [b'<', b'&']) else {
                self.push_text(&s[pos..]);
                break;
            };
            let at = pos + rel;
            self.push_text(&s[pos..at]);
            if bytes[at] == b'&' {
                pos = self.entity(s, at);
                continue;
            }
            pos = self.tag(s, at);
        }
        // An unclosed link at the end (truncated fragment) still gives its topic.
        self.close_link();
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.whitespace {
            Whitespace::Keep => self.out.push_str(text),
            Whitespace::Collapse => {
                // Source line breaks are just whitespace in rendered HTML.
                for (i, part) in text.split(['\n', '\r', '\t']).enumerate() {
                    if i > 0 {
                        self.out.push(' ');
                    }
                    self.out.push_str(part);
                }
            }
        }
    }

    /// Decodes the entity at `at` (which is `&`) and returns the position after it.
    fn entity(&mut self, s: &str, at: usize) -> usize {
        let bytes = s.as_bytes();
        // Entities are short; look for ';' within 32 bytes, stopping at characters that cannot
        // be part of one.
        let limit = (at + 33).min(bytes.len());
        let mut end = None;
        for (i, &b) in bytes.iter().enumerate().take(limit).skip(at + 1) {
            if b == b';' {
                end = Some(i + 1);
                break;
            }
            if !(b.is_ascii_alphanumeric() || b == b'#') {
                break;
            }
        }
        match end {
            Some(end) => {
                let decoded = html_escape::decode_html_entities(&s[at..end]);
                self.out.push_str(&decoded);
                end
            }
            None => {
                self.out.push('&');
                at + 1
            }
        }
    }

    /// Handles the markup starting at `at` (which is `<`) and returns the position after it.
    fn tag(&mut self, s: &str, at: usize) -> usize {
        let bytes = s.as_bytes();
        let next = bytes.get(at + 1).copied().unwrap_or(b' ');
        if next == b'!' {
            if s[at..].starts_with("<!--") {
                return match s[at + 4..].find("-->") {
                    Some(end) => at + 4 + end + 3,
                    None => bytes.len(),
                };
            }
            return skip_past_gt(bytes, at);
        }
        if !(next.is_ascii_alphabetic() || next == b'/' || next == b'?') {
            // A lone '<' in text ("a < b").
            self.out.push('<');
            return at + 1;
        }
        let Some(end) = find_tag_end(bytes, at) else {
            // Truncated tag: drop the rest.
            return bytes.len();
        };
        let inner = &s[at + 1..end];
        let after = end + 1;
        let closing = inner.starts_with('/');
        let name_src = if closing { &inner[1..] } else { inner };
        let name_len = name_src
            .bytes()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(name_src.len());
        let name = &name_src[..name_len];
        let attrs = &name_src[name_len..];
        if closing {
            if name.eq_ignore_ascii_case("a") {
                self.close_link();
            } else if name.eq_ignore_ascii_case("p") || name.eq_ignore_ascii_case("div") {
                self.block_break();
            }
            return after;
        }
        if name.eq_ignore_ascii_case("br") {
            self.out.push('\n');
        } else if name.eq_ignore_ascii_case("img") {
            if let Some(alt) = attr_value(attrs, "alt") {
                let alt = html_escape::decode_html_entities(alt);
                self.out.push_str(alt.trim());
            }
        } else if name.eq_ignore_ascii_case("a") {
            self.close_link();
            self.link_start = Some(self.out.len());
        } else if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style") {
            return skip_element(s, after, name);
        } else if name.eq_ignore_ascii_case("i")
            && attr_value(attrs, "class")
                .is_some_and(|c| c.split_whitespace().any(|c| c == "wbicon"))
        {
            return skip_element(s, after, "i");
        } else if name.eq_ignore_ascii_case("p") || name.eq_ignore_ascii_case("div") {
            self.block_break();
        }
        after
    }

    fn block_break(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn close_link(&mut self) {
        if let Some(start) = self.link_start.take() {
            let text = self.out[start..].trim();
            if text.len() > 2 && text.starts_with('#') && text.ends_with('#') {
                let name = text[1..text.len() - 1].trim();
                if !name.is_empty() && !name.contains('#') {
                    push_topic(&mut self.link_topics, name);
                }
            }
        }
    }
}

/// Finds the `>` closing the tag at `at`, skipping quoted attribute values.
fn find_tag_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut pos = at + 1;
    loop {
        let i = pos + find_any(&bytes[pos..], [b'>', b'"', b'\''])?;
        if bytes[i] == b'>' {
            return Some(i);
        }
        // Only a quote right after '=' (possibly with spaces) opens a value.
        let prev = bytes[at + 1..i]
            .iter()
            .rev()
            .find(|c| !c.is_ascii_whitespace());
        if prev == Some(&b'=') {
            let close = find_any(&bytes[i + 1..], [bytes[i]])?;
            pos = i + 1 + close + 1;
        } else {
            pos = i + 1;
        }
    }
}

fn skip_past_gt(bytes: &[u8], at: usize) -> usize {
    match find_any(&bytes[at..], [b'>']) {
        Some(rel) => at + rel + 1,
        None => bytes.len(),
    }
}

/// Skips to just after `</name>` (case-insensitive), or to the end.
fn skip_element(s: &str, from: usize, name: &str) -> usize {
    let bytes = s.as_bytes();
    let mut pos = from;
    while let Some(rel) = memchr::memchr(b'<', &bytes[pos..]) {
        let at = pos + rel;
        let rest = &bytes[at + 1..];
        if rest.first() == Some(&b'/')
            && rest.len() > name.len()
            && rest[1..=name.len()].eq_ignore_ascii_case(name.as_bytes())
            && !rest
                .get(name.len() + 1)
                .is_some_and(|b| b.is_ascii_alphanumeric())
        {
            return skip_past_gt(bytes, at);
        }
        pos = at + 1;
    }
    bytes.len()
}

/// Returns the raw (still entity-encoded) value of attribute `name` in a tag's attribute
/// source, handling double-, single- and unquoted values (`alt=[哭]` is real m.weibo.cn markup).
pub(crate) fn attr_value<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let bytes = attrs.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b'='
            && bytes[i] != b'>'
        {
            i += 1;
        }
        let attr_name = &attrs[name_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = None;
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let q = bytes[i];
                let start = i + 1;
                let end = find_any(&bytes[start..], [q]).map_or(bytes.len(), |r| start + r);
                value = Some(&attrs[start..end]);
                i = (end + 1).min(bytes.len());
            } else {
                let start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let mut v = &attrs[start..i];
                // `alt=[哭]/` from a self-closing tag without a space before "/>".
                if i == bytes.len() && v.len() > 1 && v.ends_with('/') {
                    v = &v[..v.len() - 1];
                }
                value = Some(v);
            }
        }
        if attr_name.is_empty() && value.is_none() {
            if i < bytes.len() {
                i += 1;
                continue;
            }
            break;
        }
        if attr_name.eq_ignore_ascii_case(name) {
            return Some(value.unwrap_or(""));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(s: &str) -> PlainText {
        html_to_text(s, Whitespace::Keep)
    }

    #[test]
    fn topic_links_emoji_and_breaks() {
        let html = r#"<a  href="https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23%E5%BE%AE%E4%BF%A1%E5%B4%A9%E4%BA%86%23" data-hide=""><span class="surl-text">#微信崩了#</span></a> 又上不去了<span class="url-icon"><img alt=[哭] src="https://h5.sinaimg.cn/m/emoticon/icon/default/d_ku-e4d0c15e7b.png" style="width:1em; height:1em;" /></span><br />Access denied. Please check your network setting.&nbsp;&amp;&lt;3"#;
        let t = keep(html);
        assert_eq!(
            t.text,
            "#微信崩了# 又上不去了[哭]\nAccess denied. Please check your network setting. &<3"
        );
        assert_eq!(t.topics, vec!["微信崩了"]);
    }

    #[test]
    fn plain_topics_without_markup() {
        let t = keep("#微信崩了#真的 # 微信 # ## 价格#1");
        assert_eq!(t.topics, vec!["微信崩了", "微信"]);
        // A span with a line break is not a topic; its closing '#' opens the next pair.
        assert_eq!(plain_topics("#a\nb#c#"), vec!["c"]);
        assert_eq!(plain_topics("C# 很好 #Rust#"), vec!["很好"]);
        assert!(plain_topics("no tags").is_empty());
    }

    #[test]
    fn links_win_over_plain_pairs() {
        let t = keep(r#"C# 很好 <a href="/k/x">#Rust#</a>"#);
        assert_eq!(t.topics, vec!["Rust"]);
        assert_eq!(t.text, "C# 很好 #Rust#");
    }

    #[test]
    fn quoted_img_alt_and_lone_lt() {
        let t = keep(r#"a < b <img src="x.png" alt="[笑cry]"/> <IMG ALT='[doge]'>"#);
        assert_eq!(t.text, "a < b [笑cry] [doge]");
    }

    #[test]
    fn truncated_and_comments_and_scripts() {
        assert_eq!(keep("hi <!-- x --> there <a href=\"x").text, "hi  there");
        assert_eq!(keep("a<script>var x='<b>';</script>b").text, "ab");
        assert_eq!(keep("a &bogus b &amp c").text, "a &bogus b &amp c");
    }

    #[test]
    fn collapse_whitespace_and_wbicon() {
        let html = "\n   微信又崩了\n   <a href=\"//s.weibo.com/weibo?q=%23x%23\">#微信崩了#</a>  <a href=\"http://t.cn/x\"><i class=\"wbicon\">O</i>网页链接</a><br/>  第二行 ";
        let t = html_to_text(html, Whitespace::Collapse);
        assert_eq!(t.text, "微信又崩了 #微信崩了# 网页链接\n第二行");
        assert_eq!(t.topics, vec!["微信崩了"]);
    }

    #[test]
    fn find_any_is_a_first_match_search() {
        let hay: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for len in [0, 1, 7, 8, 9, 31, 32, 33, 40, 200] {
            let hay = &hay[..len];
            for needle in [0u8, 37, 74, 0x80, 0xFF, b'<'] {
                let one = hay.iter().position(|&b| b == needle);
                assert_eq!(find_any(hay, [needle]), one, "{len} {needle}");
                let two = hay.iter().position(|&b| b == needle || b == 111);
                assert_eq!(find_any(hay, [needle, 111]), two);
                let three = hay.iter().position(|&b| [needle, 111, 250].contains(&b));
                assert_eq!(find_any(hay, [needle, 111, 250]), three);
            }
        }
    }

    #[test]
    fn attr_parsing() {
        assert_eq!(attr_value(r#" src="a b" alt="x""#, "alt"), Some("x"));
        assert_eq!(attr_value(" alt=[哭] src=x /", "alt"), Some("[哭]"));
        assert_eq!(attr_value(" data-alt=\"no\"", "alt"), None);
        assert_eq!(attr_value(" disabled alt=y/", "alt"), Some("y"));
    }
}
