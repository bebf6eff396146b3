//! Bytes → text: charset from the HTTP header, the page's `<meta>`, a BOM, or detection.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8};

/// How far into a page `<meta charset>` is looked for (the HTML spec says 1024 bytes; Weibo
/// pages put long comments first, so a little more).
const META_SNIFF_BYTES: usize = 2048;

static META_CHARSET: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"(?i-u)<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)"#)
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// Decodes a fetched or saved body to text and names the encoding used.
///
/// The charset comes from, in order: the `Content-Type` header's `charset=`, a
/// `<meta charset>` or `<meta http-equiv=Content-Type content="…; charset=…">` in the first
/// 2 KB, a byte-order mark, and finally detection (`chardetng`) — valid UTF-8 is taken as
/// UTF-8. Decoding uses `encoding_rs` (labels per the WHATWG Encoding Standard, so `gb2312`
/// and `gbk` decode as GBK); malformed sequences become U+FFFD. A BOM, when present, wins over
/// a label, as in browsers.
pub fn decode_body(bytes: &[u8], content_type: Option<&str>) -> (String, &'static str) {
    let encoding = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| meta_charset(bytes))
        .or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e))
        .unwrap_or_else(|| detect(bytes));
    let encoding = if encoding == UTF_8 && Encoding::for_bom(bytes).is_none() && mislabelled(bytes)
    {
        detect(bytes)
    } else {
        encoding
    };
    let (text, used, _had_errors) = encoding.decode(bytes);
    (text.into_owned(), used.name())
}

/// `text/html; charset="GBK"` → `GBK`.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).trim())
            .filter(|v| !v.is_empty())
    })
}

fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_SNIFF_BYTES)];
    let caps = META_CHARSET.captures(head)?;
    let encoding = Encoding::for_label(&caps[1])?;
    // A page cannot be UTF-16 and still contain an ASCII meta tag; browsers read it as UTF-8.
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        return Some(UTF_8);
    }
    Some(encoding)
}

/// Whether a body labelled UTF-8 is really in another encoding (a GBK page with a wrong
/// `<meta charset=utf-8>` or header): more than a tenth of its non-ASCII characters would decode
/// as U+FFFD. A stray bad byte in a genuine UTF-8 page stays far below that.
fn mislabelled(bytes: &[u8]) -> bool {
    if std::str::from_utf8(bytes).is_ok() {
        return false;
    }
    let text = String::from_utf8_lossy(bytes);
    let (mut non_ascii, mut replaced) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        non_ascii += 1;
        if c == char::REPLACEMENT_CHARACTER {
            replaced += 1;
        }
    }
    replaced * 10 > non_ascii
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn gbk_labelled_utf8_is_detected_but_one_stray_byte_is_not() {
        // Hostile input (issue 8): a GBK page whose header and <meta> both claim UTF-8.
        let mut body = b"<html><head><meta charset=\"utf-8\"></head><body>".to_vec();
        body.extend(gbk("微信崩了，登不上去，消息发不出去。转发 12 评论 3"));
        body.extend(b"</body></html>");
        let (text, used) = decode_body(&body, Some("text/html; charset=utf-8"));
        assert_eq!(used, "GBK");
        assert!(text.contains("微信崩了"), "{text}");
        // A genuine UTF-8 page with one stray byte keeps its label.
        let mut body = "<html><body>微信崩了，登不上去，消息发不出去"
            .as_bytes()
            .to_vec();
        body.push(0xff);
        let (text, used) = decode_body(&body, Some("text/html; charset=utf-8"));
        assert_eq!(used, "UTF-8");
        assert!(
            text.contains("微信崩了\u{FFFD}") || text.contains("微信崩了"),
            "{text}"
        );
    }

    #[test]
    fn header_wins_then_meta_then_bom_then_detection() {
        let body = gbk("<html><body>微信崩了，登不上去</body></html>");
        assert_eq!(
            decode_body(&body, Some("text/html; charset=GBK")).0,
            "<html><body>微信崩了，登不上去</body></html>"
        );
        assert_eq!(
            decode_body(&body, Some("text/html; charset=\"gb2312\"")).1,
            "GBK"
        );

        let mut meta = b"<html><head><meta charset=\"gbk\"></head>".to_vec();
        meta.extend(gbk("<body>微信崩了</body>"));
        let (text, name) = decode_body(&meta, None);
        assert_eq!(name, "GBK");
        assert!(text.contains("微信崩了"));

        let mut equiv =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GB18030\" />".to_vec();
        equiv.extend(gbk("微信"));
        assert_eq!(decode_body(&equiv, None).1, "gb18030");

        let bom = b"\xEF\xBB\xBF\xE5\xBE\xAE".to_vec();
        assert_eq!(decode_body(&bom, None), ("微".to_owned(), "UTF-8"));

        assert_eq!(decode_body("微信崩了".as_bytes(), None).1, "UTF-8");
        let long = gbk(&"微信又崩了，消息发不出去，朋友圈也刷不出来。".repeat(8));
        let (text, name) = decode_body(&long, None);
        assert!(name == "GBK" || name == "gb18030", "{name}");
        assert!(text.starts_with("微信又崩了"));
    }
}
