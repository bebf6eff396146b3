//! Text normalisation applied to posts, topics and rule phrases alike, so that they meet in one
//! form: full-width → half-width, case folding, traditional → simplified (for the characters
//! the rules file lists), curly quotes → straight, whitespace runs → one space, HTML tags
//! stripped. Emoji alt text such as `[怒]` passes through unchanged and stays a token.

/// First code point of the dense traditional → simplified table (CJK Unified Ideographs).
const CJK_FIRST: u32 = 0x4E00;
/// Last code point of the dense table.
const CJK_LAST: u32 = 0x9FFF;

/// A compiled normaliser: case and width folding plus a dense traditional → simplified table.
#[derive(Debug, Clone)]
pub struct Normaliser {
    /// `t2s[cp - CJK_FIRST]` is the simplified code point for `cp`, or 0 when `cp` maps to
    /// itself. Empty when the rules list no pairs.
    t2s: std::sync::Arc<[u16]>,
}

/// A traditional → simplified pair that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadPair {
    /// The token as written.
    pub token: String,
    /// Why it was rejected.
    pub reason: &'static str,
}

impl Normaliser {
    /// Builds a normaliser from whitespace-separated two-character tokens (`"發发 訊讯"`).
    pub(crate) fn from_pairs(pairs: &str) -> Result<Self, BadPair> {
        let mut t2s = Vec::new();
        for token in pairs.split_whitespace() {
            let mut chars = token.chars();
            let (Some(from), Some(to), None) = (chars.next(), chars.next(), chars.next()) else {
                return Err(BadPair {
                    token: token.to_owned(),
                    reason: "expected exactly two characters: traditional then simplified",
                });
            };
            let (f, t) = (u32::from(from), u32::from(to));
            if !(CJK_FIRST..=CJK_LAST).contains(&f) || !(CJK_FIRST..=CJK_LAST).contains(&t) {
                return Err(BadPair {
                    token: token.to_owned(),
                    reason: "both characters must be CJK unified ideographs (U+4E00..U+9FFF)",
                });
            }
            if f == t {
                continue;
            }
            if t2s.is_empty() {
                t2s = vec![0u16; (CJK_LAST - CJK_FIRST + 1) as usize];
            }
            // `t` is at most 0x9FFF, so it fits in a u16.
            t2s[(f - CJK_FIRST) as usize] = t as u16;
        }
        Ok(Normaliser { t2s: t2s.into() })
    }

    /// Number of traditional characters the table maps.
    pub fn mapped_chars(&self) -> usize {
        self.t2s.iter().filter(|&&v| v != 0).count()
    }

    /// Normalises `text` into `out` (cleared first). With `strip_html`, `<tag …>` runs are
    /// removed.
    pub fn normalise_into(&self, text: &str, out: &mut String, strip_html: bool) {
        out.clear();
        out.reserve(text.len());
        let bytes = text.as_bytes();
        // Characters that stay as they are are copied in runs: `run` is where the current run
        // of unchanged text starts.
        let mut run = 0usize;
        let mut in_tag = false;
        let mut last_space = true;
        for (i, c) in text.char_indices() {
            if in_tag {
                if c == '>' {
                    in_tag = false;
                    run = i + 1;
                }
                continue;
            }
            let replacement = match c {
                'a'..='z' | '0'..='9' => {
                    last_space = false;
                    continue;
                }
                'A'..='Z' => c.to_ascii_lowercase(),
                ' ' if !last_space => {
                    last_space = true;
                    continue;
                }
                '<' if strip_html
                    && bytes
                        .get(i + 1)
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/' || *b == b'!')
                    && text[i..].contains('>') =>
                {
                    out.push_str(&text[run..i]);
                    in_tag = true;
                    continue;
                }
                '\u{4E00}'..='\u{9FFF}' => {
                    let s = self.simplify(c);
                    last_space = false;
                    if s == c {
                        continue;
                    }
                    s
                }
                '\u{0}'..='\u{7F}' if !c.is_ascii_whitespace() => {
                    last_space = false;
                    continue;
                }
                '\u{FF01}'..='\u{FF5E}' => {
                    // Full-width ASCII: shift down to the ASCII block.
                    let half = char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c);
                    half.to_ascii_lowercase()
                }
                '\u{3000}' | '\u{00A0}' => ' ',
                '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
                '\u{201C}' | '\u{201D}' => '"',
                _ if u32::from(c) < 0x2000 && c.is_uppercase() => {
                    out.push_str(&text[run..i]);
                    out.extend(c.to_lowercase());
                    run = i + c.len_utf8();
                    last_space = false;
                    continue;
                }
                _ if c.is_whitespace() => ' ',
                _ => {
                    last_space = false;
                    continue;
                }
            };
            out.push_str(&text[run..i]);
            run = i + c.len_utf8();
            if replacement == ' ' || replacement.is_ascii_whitespace() {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
                continue;
            }
            last_space = false;
            out.push(replacement);
        }
        if !in_tag {
            out.push_str(&text[run..]);
        }
        if out.ends_with(' ') {
            out.pop();
        }
    }

    /// Normalises `text` into a new string (convenience for rule compilation and tests).
    pub fn normalise(&self, text: &str) -> String {
        let mut out = String::new();
        self.normalise_into(text, &mut out, false);
        out
    }

    #[inline]
    fn simplify(&self, c: char) -> char {
        if self.t2s.is_empty() {
            return c;
        }
        let idx = (u32::from(c) - CJK_FIRST) as usize;
        match self.t2s.get(idx) {
            Some(&s) if s != 0 => char::from_u32(u32::from(s)).unwrap_or(c),
            _ => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm() -> Normaliser {
        Normaliser::from_pairs("發发 訊讯 當当 機机 錄录").unwrap()
    }

    #[test]
    fn folds_width_case_and_script() {
        let n = norm();
        assert_eq!(n.normalise("ＷｅＣｈａｔ　當機了？"), "wechat 当机了?");
        assert_eq!(n.normalise("訊息發不出去"), "讯息发不出去");
        assert_eq!(n.normalise("Can’t  log\n in [怒]"), "can't log in [怒]");
    }

    #[test]
    fn strips_html_only_when_asked() {
        let n = norm();
        let mut out = String::new();
        n.normalise_into(
            "<a href=\"/n/x\">@某人</a>: 微信崩了<img alt=\"[怒]\"> a<b",
            &mut out,
            true,
        );
        assert_eq!(out, "@某人: 微信崩了 a<b");
        assert_eq!(n.normalise("<b>x</b>"), "<b>x</b>");
    }

    #[test]
    fn rejects_bad_pairs() {
        assert!(Normaliser::from_pairs("發").is_err());
        assert!(Normaliser::from_pairs("ab").is_err());
        assert_eq!(Normaliser::from_pairs("").unwrap().mapped_chars(), 0);
        assert_eq!(norm().mapped_chars(), 5);
    }
}
