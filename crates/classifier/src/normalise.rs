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
    pub(crate) fn simplify(&self, c: char) -> char {
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

/// Byte that stands for any character the rules never mention.
pub(crate) const OTHER: u8 = 0x01;
/// Characters that Chinese text uses most; among the rule vocabulary they get one-byte codes
/// first, so typical text encodes short.
const FREQUENT: &str = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下\
而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感见明问力理尔点文几定本公特做外孩相西果走将月十实向声车全信重三机工物气每并别真打太新比才便夫再书部水像眼等体却加电主界门利海受听表德少克代员许稜先口由死安写性马光白或住难望教命花结乐色更拉东神记处让母父应直字场平报友关放至张认接告入笑内英军候民岁往何度山觉路带万男边风解叫任金快原吃妈变通师立象数四失满战远格士音轻目条呢崩挂微博宝付";

/// Maps normalised text to a compact byte code for the phrase matcher: ASCII stays ASCII,
/// each character of the rule vocabulary becomes one byte (the most frequent) or two bytes,
/// every other character becomes [`OTHER`]. Codes never straddle: single codes, lead bytes and
/// trail bytes are disjoint ranges, so a phrase can only match at character boundaries.
///
/// Normalisation is folded into the tables: one lookup per character gives its code after
/// width and case folding, traditional → simplified and quote straightening.
#[derive(Debug, Clone)]
pub(crate) struct Encoder {
    /// Output for each ASCII byte: the byte itself, lowercased, [`OTHER`] for control
    /// characters, or 0 for whitespace.
    ascii: [u8; 128],
    /// Output for each character U+0080..=U+FFFF (index `cp - 0x80`): first code byte in the
    /// low byte, second (or 0) in the high byte; a low byte of 0 marks whitespace
    /// ([`BMP_SPACE`]) or a character that needs the general path ([`BMP_SLOW`]).
    bmp: std::sync::Arc<[u16]>,
    /// Code of every non-CJK vocabulary character, sorted by character.
    other: std::sync::Arc<[(char, u16)]>,
    /// Code of the simplified form of each CJK unified ideograph (0: not in the vocabulary),
    /// for the general path.
    cjk: std::sync::Arc<[u16]>,
}

/// [`Encoder::bmp`] value of a whitespace character.
const BMP_SPACE: u16 = 0x0100;
/// [`Encoder::bmp`] value of a character whose folding needs the general path (its lowercase
/// is several characters).
const BMP_SLOW: u16 = 0x0200;

/// Single-byte codes: 0x02..=0x1F, then 0x80..=0x9F.
const SINGLE: usize = 30 + 32;
/// Two-byte codes: lead 0xA0..=0xCF, trail 0xD0..=0xFF.
const LEADS: usize = 48;
const TRAILS: usize = 48;
/// How many vocabulary characters the encoder can hold.
pub(crate) const ENCODER_CAPACITY: usize = SINGLE + LEADS * TRAILS;

/// What one character encodes to, before whitespace runs are collapsed.
enum CharCode {
    /// Whitespace: one space, collapsed with its neighbours.
    Space,
    /// Up to six code bytes (length, bytes): a lowercase may be up to three characters.
    Bytes(u8, [u8; 6]),
}

impl Encoder {
    /// Assigns codes to the non-ASCII characters of `vocabulary` (normalised phrases). Returns
    /// `None` when there are more than [`ENCODER_CAPACITY`] distinct characters.
    pub(crate) fn build<'a>(
        norm: &Normaliser,
        vocabulary: impl Iterator<Item = &'a str>,
    ) -> Option<Self> {
        let mut counts: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
        for phrase in vocabulary {
            for c in phrase.chars().filter(|c| !c.is_ascii()) {
                *counts.entry(c).or_default() += 1;
            }
        }
        if counts.len() > ENCODER_CAPACITY {
            return None;
        }
        let mut chars: Vec<(char, usize)> = counts.into_iter().collect();
        // Frequent text characters first, then by how many phrases use them, then by value.
        let rank = |c: char| FREQUENT.chars().position(|f| f == c).unwrap_or(usize::MAX);
        chars.sort_by(|a, b| {
            rank(a.0)
                .cmp(&rank(b.0))
                .then(b.1.cmp(&a.1))
                .then(a.0.cmp(&b.0))
        });
        let mut code_of: std::collections::HashMap<char, u16> = std::collections::HashMap::new();
        for (i, (c, _)) in chars.iter().enumerate() {
            code_of.insert(*c, i as u16 + 1);
        }
        let cjk: Vec<u16> = (CJK_FIRST..=CJK_LAST)
            .map(|cp| {
                char::from_u32(cp)
                    .map(|c| norm.simplify(c))
                    .and_then(|s| code_of.get(&s).copied())
                    .unwrap_or(0)
            })
            .collect();
        let mut other: Vec<(char, u16)> = code_of
            .iter()
            .filter(|(c, _)| !(CJK_FIRST..=CJK_LAST).contains(&u32::from(**c)))
            .map(|(c, code)| (*c, *code))
            .collect();
        other.sort_unstable();
        let mut enc = Encoder {
            ascii: [0; 128],
            bmp: std::sync::Arc::from(Vec::new()),
            other: other.into(),
            cjk: cjk.into(),
        };
        // The tables are filled from the per-character rules, so they agree by construction.
        for b in 0u8..128 {
            enc.ascii[usize::from(b)] = match enc.char_code(char::from(b)) {
                CharCode::Space => 0,
                CharCode::Bytes(_, bytes) => bytes[0],
            };
        }
        let bmp: Vec<u16> = (0x80u32..=0xFFFF)
            .map(|cp| match char::from_u32(cp) {
                // Surrogates never occur in a `str`.
                None => BMP_SLOW,
                Some(c) => match enc.char_code(c) {
                    CharCode::Space => BMP_SPACE,
                    CharCode::Bytes(1, b) => u16::from(b[0]),
                    CharCode::Bytes(2, b) => u16::from(b[0]) | u16::from(b[1]) << 8,
                    CharCode::Bytes(..) => BMP_SLOW,
                },
            })
            .collect();
        enc.bmp = bmp.into();
        Some(enc)
    }

    /// The code of a vocabulary character (0: not in the vocabulary).
    #[inline]
    fn code_of(&self, c: char) -> u16 {
        match u32::from(c) {
            cp @ CJK_FIRST..=CJK_LAST => self.cjk_code(cp),
            _ => self
                .other
                .binary_search_by_key(&c, |&(ch, _)| ch)
                .map_or(0, |i| self.other[i].1),
        }
    }

    /// Appends the code bytes of `code` to `buf[..*len]`.
    fn code_bytes(code: u16, buf: &mut [u8; 6], len: &mut u8) {
        let i = usize::from(code);
        let mut put = |b: u8| {
            if let Some(slot) = buf.get_mut(usize::from(*len)) {
                *slot = b;
                *len += 1;
            }
        };
        if i == 0 {
            put(OTHER);
        } else if i <= 30 {
            put(1 + i as u8); // 0x02..=0x1F
        } else if i <= SINGLE {
            put(0x80 + (i - 31) as u8); // 0x80..=0x9F
        } else {
            let j = i - SINGLE - 1;
            put(0xA0 + (j / TRAILS) as u8);
            put(0xD0 + (j % TRAILS) as u8);
        }
    }

    /// The code bytes of a character that is not folded any further.
    fn plain_char_code(&self, c: char, buf: &mut [u8; 6], len: &mut u8) {
        if c.is_ascii() {
            // Control characters other than whitespace never occur in phrases.
            let b = if c.is_ascii_control() { OTHER } else { c as u8 };
            if let Some(slot) = buf.get_mut(usize::from(*len)) {
                *slot = b;
                *len += 1;
            }
            return;
        }
        Self::code_bytes(self.code_of(c), buf, len);
    }

    /// The per-character folding rules (everything but HTML tags and whitespace runs).
    fn char_code(&self, c: char) -> CharCode {
        let (mut buf, mut len) = ([0u8; 6], 0u8);
        match c {
            'a'..='z' | '0'..='9' => return CharCode::Bytes(1, [c as u8, 0, 0, 0, 0, 0]),
            'A'..='Z' => return CharCode::Bytes(1, [c.to_ascii_lowercase() as u8, 0, 0, 0, 0, 0]),
            '\u{4E00}'..='\u{9FFF}' => {
                Self::code_bytes(self.cjk_code(u32::from(c)), &mut buf, &mut len)
            }
            '\u{FF01}'..='\u{FF5E}' => {
                let half = char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c);
                self.plain_char_code(half.to_ascii_lowercase(), &mut buf, &mut len);
            }
            '\u{2018}' | '\u{2019}' | '\u{2032}' => {
                return CharCode::Bytes(1, [b'\'', 0, 0, 0, 0, 0]);
            }
            '\u{201C}' | '\u{201D}' => return CharCode::Bytes(1, [b'"', 0, 0, 0, 0, 0]),
            _ if c.is_whitespace() => return CharCode::Space,
            _ if !c.is_ascii() && u32::from(c) < 0x2000 && c.is_uppercase() => {
                for l in c.to_lowercase() {
                    self.plain_char_code(l, &mut buf, &mut len);
                }
            }
            _ => self.plain_char_code(c, &mut buf, &mut len),
        }
        CharCode::Bytes(len, buf)
    }

    /// The code of a CJK unified ideograph (0: not in the vocabulary).
    #[inline]
    fn cjk_code(&self, cp: u32) -> u16 {
        self.cjk
            .get(cp.wrapping_sub(CJK_FIRST) as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Normalises and encodes `text` into `out` (cleared first), with the same folding as
    /// [`Normaliser::normalise_into`]: one code per character of the normalised text.
    pub(crate) fn encode_into(&self, text: &str, out: &mut Vec<u8>, strip_html: bool) {
        let bytes = text.as_bytes();
        out.clear();
        // Every character but the rare slow ones encodes to at most as many bytes as its UTF-8
        // form, so the output is written by index into a buffer of the input's length.
        out.resize(bytes.len() + 4, 0);
        let mut k = 0usize;
        let mut last_space = true;
        let mut i = 0usize;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                if b == b'<'
                    && strip_html
                    && bytes
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'/' || *n == b'!')
                    && let Some(close) = memchr::memchr(b'>', &bytes[i..])
                {
                    // A tag: dropped up to and including its '>'.
                    i += close + 1;
                    continue;
                }
                let o = self.ascii[usize::from(b)];
                if o == 0 {
                    if !last_space {
                        out[k] = b' ';
                        k += 1;
                        last_space = true;
                    }
                } else {
                    out[k] = o;
                    k += 1;
                    last_space = false;
                }
                i += 1;
                continue;
            }
            let (cp, width) = if (0xE0..0xF0).contains(&b) && i + 2 < bytes.len() {
                let cp = (u32::from(b & 0x0F) << 12)
                    | (u32::from(bytes[i + 1] & 0x3F) << 6)
                    | u32::from(bytes[i + 2] & 0x3F);
                (cp, 3)
            } else if b < 0xE0 && i + 1 < bytes.len() {
                let cp = (u32::from(b & 0x1F) << 6) | u32::from(bytes[i + 1] & 0x3F);
                (cp, 2)
            } else {
                (0, 0)
            };
            let v = match cp.checked_sub(0x80) {
                Some(idx) if width != 0 => self.bmp.get(idx as usize).copied().unwrap_or(BMP_SLOW),
                _ => BMP_SLOW,
            };
            let lo = (v & 0xFF) as u8;
            if lo != 0 {
                out[k] = lo;
                k += 1;
                let hi = (v >> 8) as u8;
                if hi != 0 {
                    out[k] = hi;
                    k += 1;
                }
                last_space = false;
                i += width;
                continue;
            }
            if v == BMP_SPACE {
                if !last_space {
                    out[k] = b' ';
                    k += 1;
                    last_space = true;
                }
                i += width;
                continue;
            }
            // The general path: four-byte characters and multi-character lowercase.
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            match self.char_code(c) {
                CharCode::Space => {
                    if !last_space {
                        out[k] = b' ';
                        k += 1;
                        last_space = true;
                    }
                }
                CharCode::Bytes(len, buf) => {
                    let len = usize::from(len).min(buf.len());
                    // Slow characters may encode longer than their UTF-8 form.
                    if out.len() < k + len + (bytes.len() - i) + 4 {
                        out.resize(k + len + (bytes.len() - i) + 4, 0);
                    }
                    out[k..k + len].copy_from_slice(&buf[..len]);
                    k += len;
                    last_space = false;
                }
            }
        }
        if k > 0 && out[k - 1] == b' ' {
            k -= 1;
        }
        out.truncate(k);
    }

    /// Characters encoded in `code[..end]`: ASCII, single-code and lead bytes start one.
    pub(crate) fn chars_in(code: &[u8]) -> usize {
        code.iter().filter(|&&b| b < 0xD0).count()
    }
}

#[cfg(test)]
mod encoder_tests {
    use super::*;

    fn push_code(out: &mut Vec<u8>, code: u16) {
        let (mut buf, mut len) = ([0u8; 6], 0u8);
        Encoder::code_bytes(code, &mut buf, &mut len);
        out.extend_from_slice(&buf[..usize::from(len)]);
    }

    fn push_char(enc: &Encoder, out: &mut Vec<u8>, c: char) {
        if c.is_ascii() {
            out.push(if c.is_ascii_control() { OTHER } else { c as u8 });
            return;
        }
        push_code(out, enc.code_of(c));
    }

    /// The previous, straightforward encoder (one `match` per character): the specification
    /// the table-driven one is checked against.
    fn encode_reference(enc: &Encoder, text: &str, out: &mut Vec<u8>, strip_html: bool) {
        out.clear();
        out.reserve(text.len());
        let bytes = text.as_bytes();
        let mut in_tag = false;
        let mut last_space = true;
        let mut i = 0usize;
        while i < bytes.len() {
            let b = bytes[i];
            if in_tag {
                // Skip to just past the closing '>' (ASCII, so a byte search is exact).
                match bytes[i..].iter().position(|&x| x == b'>') {
                    Some(p) => {
                        i += p + 1;
                        in_tag = false;
                        continue;
                    }
                    None => break,
                }
            }
            // Fast paths for the two common cases: ASCII letters and digits, and CJK unified
            // ideographs (three UTF-8 bytes with lead byte 0xE4..=0xE9).
            if b.is_ascii_alphanumeric() {
                out.push(b.to_ascii_lowercase());
                last_space = false;
                i += 1;
                continue;
            }
            if (0xE4..=0xE9).contains(&b) && i + 2 < bytes.len() {
                let cp = (u32::from(b & 0x0F) << 12)
                    | (u32::from(bytes[i + 1] & 0x3F) << 6)
                    | u32::from(bytes[i + 2] & 0x3F);
                if (CJK_FIRST..=CJK_LAST).contains(&cp) {
                    push_code(out, enc.cjk_code(cp));
                    last_space = false;
                    i += 3;
                    continue;
                }
            }
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            let at = i - c.len_utf8();
            match c {
                'a'..='z' | '0'..='9' => {
                    out.push(c as u8);
                    last_space = false;
                }
                'A'..='Z' => {
                    out.push(c.to_ascii_lowercase() as u8);
                    last_space = false;
                }
                '<' if strip_html
                    && bytes
                        .get(at + 1)
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/' || *b == b'!')
                    && text[at..].contains('>') =>
                {
                    in_tag = true;
                }
                '\u{4E00}'..='\u{9FFF}' => {
                    push_code(out, enc.cjk_code(u32::from(c)));
                    last_space = false;
                }
                '\u{FF01}'..='\u{FF5E}' => {
                    let half = char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c);
                    push_char(enc, out, half.to_ascii_lowercase());
                    last_space = false;
                }
                '\u{2018}' | '\u{2019}' | '\u{2032}' => {
                    out.push(b'\'');
                    last_space = false;
                }
                '\u{201C}' | '\u{201D}' => {
                    out.push(b'"');
                    last_space = false;
                }
                _ if c.is_whitespace() => {
                    if !last_space {
                        out.push(b' ');
                        last_space = true;
                    }
                }
                _ if !c.is_ascii() && u32::from(c) < 0x2000 && c.is_uppercase() => {
                    for l in c.to_lowercase() {
                        push_char(enc, out, l);
                    }
                    last_space = false;
                }
                _ => {
                    push_char(enc, out, c);
                    last_space = false;
                }
            }
        }
        if out.last() == Some(&b' ') {
            out.pop();
        }
    }

    #[test]
    fn tables_agree_with_the_reference_encoder() {
        let (_, enc) = setup();
        let samples = [
            "微信崩了 [怒]",
            "ＷｅＣｈａｔ　訊息發不出去！！",
            "<a href=x>@某人</a>: 【快讯】É école\u{0}\t end  ",
            "🙂 emoji and 中文 mixed, İstanbul ΣΑΣ “quoted” ‘x’ \u{2032}",
            "  \u{3000}\u{a0}\u{85} 发 <b>bold</b> a<b <!-- c --> <1> </i>",
            "Ａｂｃ１２３ｅ\u{300}\u{1F600}\u{10FFFF}Ω",
            "",
        ];
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        for text in samples {
            for strip in [false, true] {
                enc.encode_into(text, &mut fast, strip);
                encode_reference(&enc, text, &mut slow, strip);
                assert_eq!(fast, slow, "{text:?} strip_html={strip}");
            }
        }
        // Every character of the Basic Multilingual Plane and a sample beyond, alone and
        // between others.
        let mut text = String::new();
        for cp in (0u32..0x1_0000).chain((0x1_0000..0x11_0000).step_by(97)) {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for around in ["", "a", " ", "发"] {
                text.clear();
                text.push_str(around);
                text.push(c);
                text.push_str(around);
                enc.encode_into(&text, &mut fast, true);
                encode_reference(&enc, &text, &mut slow, true);
                assert_eq!(fast, slow, "U+{cp:04X} around {around:?}");
            }
        }
    }

    fn setup() -> (Normaliser, Encoder) {
        let norm = Normaliser::from_pairs("發发 訊讯").unwrap();
        let enc = Encoder::build(
            &norm,
            ["微信", "崩了", "发不出去", "[怒]", "【", "é"].into_iter(),
        )
        .unwrap();
        (norm, enc)
    }

    #[test]
    fn one_code_per_normalised_character() {
        let (norm, enc) = setup();
        let mut code = Vec::new();
        for text in [
            "微信崩了 [怒]",
            "ＷｅＣｈａｔ　訊息發不出去！！",
            "<a href=x>@某人</a>: 【快讯】É école\u{0}\t end  ",
            "🙂 emoji and 中文 mixed",
            "",
        ] {
            enc.encode_into(text, &mut code, true);
            let mut normalised = String::new();
            norm.normalise_into(text, &mut normalised, true);
            assert_eq!(
                Encoder::chars_in(&code),
                normalised.chars().count(),
                "{text:?} -> {normalised:?}"
            );
            assert!(code.iter().all(|&b| b != 0), "no NUL byte in code");
        }
    }

    #[test]
    fn phrases_match_only_at_character_boundaries() {
        let (_, enc) = setup();
        let mut a = Vec::new();
        let mut b = Vec::new();
        enc.encode_into("微信崩了", &mut a, false);
        enc.encode_into("崩了", &mut b, false);
        // "崩了" occurs in "微信崩了" exactly once, at the third character.
        let at: Vec<usize> = a
            .windows(b.len())
            .enumerate()
            .filter(|(_, w)| *w == b.as_slice())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(at.len(), 1);
        assert_eq!(Encoder::chars_in(&a[..at[0]]), 2);
        // Unknown characters collapse to OTHER, traditional forms to the simplified code.
        enc.encode_into("喵發", &mut a, false);
        enc.encode_into("发", &mut b, false);
        assert_eq!(a[0], OTHER);
        assert_eq!(&a[1..], b.as_slice());
    }

    #[test]
    fn refuses_an_oversized_vocabulary() {
        let norm = Normaliser::from_pairs("").unwrap();
        let many: String = (0x4E00u32..0x4E00 + ENCODER_CAPACITY as u32 + 1)
            .filter_map(char::from_u32)
            .collect();
        assert!(Encoder::build(&norm, [many.as_str()].into_iter()).is_none());
        let enough: String = many.chars().take(ENCODER_CAPACITY).collect();
        let enc = Encoder::build(&norm, [enough.as_str()].into_iter()).unwrap();
        let mut code = Vec::new();
        enc.encode_into(&enough, &mut code, false);
        assert_eq!(Encoder::chars_in(&code), ENCODER_CAPACITY);
    }
}
