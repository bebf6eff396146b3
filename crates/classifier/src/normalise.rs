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

/// Unit that stands for any character the rules never mention (and ASCII control characters).
pub(crate) const OTHER: u16 = 0x01;
/// Unit of the first vocabulary character; units below are ASCII (and [`OTHER`]).
const VOCAB_FIRST: u16 = 0x80;
/// [`Encoder::ascii`] value of `<`.
const ASCII_TAG: u8 = 0xFF;
/// [`Encoder::bmp`] value of a whitespace character.
const BMP_SPACE: u16 = 0xFFFF;
/// [`Encoder::bmp`] value of a character whose folding needs the general path (its lowercase
/// is several characters).
const BMP_SLOW: u16 = 0xFFFE;
/// How many distinct non-ASCII vocabulary characters the encoder can hold.
pub(crate) const ENCODER_CAPACITY: usize = (BMP_SLOW - VOCAB_FIRST) as usize;

/// Maps normalised text to one 16-bit unit per character for the phrase matcher: ASCII stays
/// ASCII, each non-ASCII character of the rule vocabulary gets its own unit from
/// [`VOCAB_FIRST`] on, every other character becomes [`OTHER`]. A unit index is therefore a
/// character offset in the normalised text.
///
/// Normalisation is folded into the tables: one lookup per character gives its unit after
/// width and case folding, traditional → simplified and quote straightening.
#[derive(Debug, Clone)]
pub(crate) struct Encoder {
    /// Unit of each ASCII byte: the byte itself, lowercased, [`OTHER`] for control
    /// characters, 0 for whitespace, or [`ASCII_TAG`] for `<` (which may open an HTML tag).
    ascii: [u8; 128],
    /// Unit of each character U+0080..=U+FFFF (indexed by code point; the ASCII entries are
    /// unused), or [`BMP_SPACE`] / [`BMP_SLOW`].
    bmp: std::sync::Arc<[u16; 0x1_0000]>,
    /// Unit of every non-CJK vocabulary character, sorted by character.
    other: std::sync::Arc<[(char, u16)]>,
    /// Unit of the simplified form of each CJK unified ideograph ([`OTHER`]: not in the
    /// vocabulary), for the general path.
    cjk: std::sync::Arc<[u16]>,
}

/// What one character encodes to, before whitespace runs are collapsed.
enum CharCode {
    /// Whitespace: one space, collapsed with its neighbours.
    Space,
    /// Up to three units (count, units): a lowercase may be up to three characters.
    Units(u8, [u16; 3]),
}

impl CharCode {
    fn push(&mut self, unit: u16) {
        if let CharCode::Units(len, units) = self
            && let Some(slot) = units.get_mut(usize::from(*len))
        {
            *slot = unit;
            *len += 1;
        }
    }
}

/// A [`Encoder::bmp`] table of [`BMP_SLOW`], built on the heap (128 KiB).
fn bmp_table() -> Box<[u16; 0x1_0000]> {
    match vec![BMP_SLOW; 0x1_0000].into_boxed_slice().try_into() {
        Ok(table) => table,
        Err(_) => unreachable!("the vector has exactly 0x10000 entries"),
    }
}

#[inline]
fn ascii_unit(c: char) -> u16 {
    // Control characters other than whitespace never occur in phrases.
    if c.is_ascii_control() {
        OTHER
    } else {
        u32::from(c) as u16
    }
}

impl Encoder {
    /// Assigns units to the non-ASCII characters of `vocabulary` (normalised phrases). Returns
    /// `None` when there are more than [`ENCODER_CAPACITY`] distinct characters.
    pub(crate) fn build<'a>(
        norm: &Normaliser,
        vocabulary: impl Iterator<Item = &'a str>,
    ) -> Option<Self> {
        let mut chars: Vec<char> = vocabulary
            .flat_map(str::chars)
            .filter(|c| !c.is_ascii())
            .collect();
        chars.sort_unstable();
        chars.dedup();
        if chars.len() > ENCODER_CAPACITY {
            return None;
        }
        let unit_of = |c: char| {
            chars
                .binary_search(&c)
                .map_or(OTHER, |i| VOCAB_FIRST + i as u16)
        };
        let cjk: Vec<u16> = (CJK_FIRST..=CJK_LAST)
            .map(|cp| char::from_u32(cp).map_or(OTHER, |c| unit_of(norm.simplify(c))))
            .collect();
        let other: Vec<(char, u16)> = chars
            .iter()
            .filter(|c| !(CJK_FIRST..=CJK_LAST).contains(&u32::from(**c)))
            .map(|&c| (c, unit_of(c)))
            .collect();
        let mut enc = Encoder {
            ascii: [0; 128],
            bmp: bmp_table().into(),
            other: other.into(),
            cjk: cjk.into(),
        };
        // The tables are filled from the per-character rules, so they agree by construction.
        for b in 0u8..128 {
            enc.ascii[usize::from(b)] = match enc.char_code(char::from(b)) {
                CharCode::Space => 0,
                // ASCII characters fold to one ASCII unit.
                CharCode::Units(_, units) => units[0] as u8,
            };
        }
        enc.ascii[usize::from(b'<')] = ASCII_TAG;
        let mut bmp = bmp_table();
        for (cp, slot) in bmp.iter_mut().enumerate().skip(0x80) {
            // Surrogates (no `char`) never occur in a `str`; they stay BMP_SLOW.
            if let Some(c) = char::from_u32(cp as u32) {
                *slot = match enc.char_code(c) {
                    CharCode::Space => BMP_SPACE,
                    CharCode::Units(1, units) => units[0],
                    CharCode::Units(..) => BMP_SLOW,
                };
            }
        }
        enc.bmp = bmp.into();
        Some(enc)
    }

    /// The unit of a character that is not folded any further.
    fn plain_unit(&self, c: char) -> u16 {
        match u32::from(c) {
            0..0x80 => ascii_unit(c),
            cp @ CJK_FIRST..=CJK_LAST => self.cjk_unit(cp),
            _ => self
                .other
                .binary_search_by_key(&c, |&(ch, _)| ch)
                .map_or(OTHER, |i| self.other[i].1),
        }
    }

    /// The unit of a CJK unified ideograph ([`OTHER`]: not in the vocabulary).
    #[inline]
    fn cjk_unit(&self, cp: u32) -> u16 {
        self.cjk
            .get(cp.wrapping_sub(CJK_FIRST) as usize)
            .copied()
            .unwrap_or(OTHER)
    }

    /// The per-character folding rules (everything but HTML tags and whitespace runs).
    fn char_code(&self, c: char) -> CharCode {
        let mut code = CharCode::Units(0, [0; 3]);
        match c {
            'A'..='Z' => code.push(ascii_unit(c.to_ascii_lowercase())),
            '\u{FF01}'..='\u{FF5E}' => {
                let half = char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c);
                code.push(self.plain_unit(half.to_ascii_lowercase()));
            }
            '\u{2018}' | '\u{2019}' | '\u{2032}' => code.push(u16::from(b'\'')),
            '\u{201C}' | '\u{201D}' => code.push(u16::from(b'"')),
            _ if c.is_whitespace() => return CharCode::Space,
            _ if !c.is_ascii() && u32::from(c) < 0x2000 && c.is_uppercase() => {
                for l in c.to_lowercase() {
                    code.push(self.plain_unit(l));
                }
            }
            _ => code.push(self.plain_unit(c)),
        }
        code
    }

    /// Normalises and encodes `text` into `out` (cleared first), with the same folding as
    /// [`Normaliser::normalise_into`]: one unit per character of the normalised text.
    pub(crate) fn encode_into(&self, text: &str, out: &mut Vec<u16>, strip_html: bool) {
        let bytes = text.as_bytes();
        out.clear();
        // A character of n UTF-8 bytes becomes at most one unit, or (a multi-character
        // lowercase, n >= 2) at most three <= 2n: units are written by index into a buffer of
        // twice the input's length, held as a slice so its address stays in a register.
        out.resize(2 * bytes.len() + 1, 0);
        let buf = out.as_mut_slice();
        let mut k = 0usize;
        let mut last_space = true;
        let mut rest = bytes;
        while let [b, tail @ ..] = rest {
            let b = *b;
            // The character's unit, and the text after it.
            let (unit, next) = if b < 0x80 {
                match self.ascii[usize::from(b)] {
                    0 => (BMP_SPACE, tail),
                    ASCII_TAG => {
                        if strip_html
                            && tail.first().is_some_and(|n| {
                                n.is_ascii_alphabetic() || *n == b'/' || *n == b'!'
                            })
                            && let Some(close) = memchr::memchr(b'>', tail)
                        {
                            // A tag: dropped up to and including its '>'.
                            rest = tail.get(close + 1..).unwrap_or_default();
                            continue;
                        }
                        (u16::from(b'<'), tail)
                    }
                    a => (u16::from(a), tail),
                }
            } else if let [l @ 0xE0..=0xEF, t1, t2, tail3 @ ..] = rest {
                let cp = (u32::from(l & 0x0F) << 12)
                    | (u32::from(t1 & 0x3F) << 6)
                    | u32::from(t2 & 0x3F);
                (self.bmp_unit(cp), tail3)
            } else if let [l @ 0xC0..=0xDF, t1, tail2 @ ..] = rest {
                let cp = (u32::from(l & 0x1F) << 6) | u32::from(t1 & 0x3F);
                (self.bmp_unit(cp), tail2)
            } else {
                (BMP_SLOW, rest)
            };
            if unit < BMP_SLOW {
                rest = next;
                buf[k] = unit;
                k += 1;
                last_space = false;
                continue;
            }
            if unit == BMP_SPACE {
                rest = next;
                if !last_space {
                    buf[k] = u16::from(b' ');
                    k += 1;
                    last_space = true;
                }
                continue;
            }
            // The general path: four-byte characters and multi-character lowercase. `rest`
            // still starts at the character, a boundary of `text`.
            let at = bytes.len() - rest.len();
            let Some(c) = text.get(at..).and_then(|r| r.chars().next()) else {
                break;
            };
            rest = bytes.get(at + c.len_utf8()..).unwrap_or_default();
            match self.char_code(c) {
                CharCode::Space => {
                    if !last_space {
                        buf[k] = u16::from(b' ');
                        k += 1;
                        last_space = true;
                    }
                }
                CharCode::Units(len, units) => {
                    let len = usize::from(len).min(units.len());
                    let Some(slots) = buf.get_mut(k..k + len) else {
                        // Cannot happen (see the buffer's size above); stop rather than panic.
                        break;
                    };
                    slots.copy_from_slice(&units[..len]);
                    k += len;
                    last_space = false;
                }
            }
        }
        if k > 0 && buf[k - 1] == u16::from(b' ') {
            k -= 1;
        }
        out.truncate(k);
    }

    #[inline]
    fn bmp_unit(&self, cp: u32) -> u16 {
        // Two- and three-byte sequences decode to at most 16 bits.
        self.bmp[(cp & 0xFFFF) as usize]
    }
}

#[cfg(test)]
mod encoder_tests {
    use super::*;

    /// The previous encoder (one `match` per character, no tables): the specification the
    /// table-driven one is checked against.
    fn encode_reference(enc: &Encoder, text: &str, out: &mut Vec<u16>, strip_html: bool) {
        out.clear();
        let bytes = text.as_bytes();
        let mut in_tag = false;
        let mut last_space = true;
        for (at, c) in text.char_indices() {
            if in_tag {
                in_tag = c != '>';
                continue;
            }
            let mut push = |u: u16| {
                out.push(u);
                last_space = false;
            };
            match c {
                'a'..='z' | '0'..='9' => push(c as u16),
                'A'..='Z' => push(c.to_ascii_lowercase() as u16),
                '<' if strip_html
                    && bytes
                        .get(at + 1)
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/' || *b == b'!')
                    && text[at..].contains('>') =>
                {
                    in_tag = true;
                }
                '\u{4E00}'..='\u{9FFF}' => push(enc.cjk_unit(u32::from(c))),
                '\u{FF01}'..='\u{FF5E}' => {
                    let half = char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c);
                    push(enc.plain_unit(half.to_ascii_lowercase()));
                }
                '\u{2018}' | '\u{2019}' | '\u{2032}' => push(u16::from(b'\'')),
                '\u{201C}' | '\u{201D}' => push(u16::from(b'"')),
                _ if c.is_whitespace() => {
                    if !last_space {
                        out.push(u16::from(b' '));
                        last_space = true;
                    }
                }
                _ if !c.is_ascii() && u32::from(c) < 0x2000 && c.is_uppercase() => {
                    for l in c.to_lowercase() {
                        push(enc.plain_unit(l));
                    }
                }
                _ => push(enc.plain_unit(c)),
            }
        }
        if out.last() == Some(&u16::from(b' ')) {
            out.pop();
        }
    }

    fn setup() -> (Normaliser, Encoder) {
        let norm = Normaliser::from_pairs("發发 訊讯").unwrap();
        let enc = Encoder::build(
            &norm,
            ["微信", "崩了", "发不出去", "[怒]", "【", "é", "ı"].into_iter(),
        )
        .unwrap();
        (norm, enc)
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

    #[test]
    fn one_unit_per_normalised_character() {
        let (norm, enc) = setup();
        let mut code = Vec::new();
        for text in [
            "微信崩了 [怒]",
            "ＷｅＣｈａｔ　訊息發不出去！！",
            "<a href=x>@某人</a>: 【快讯】É école\u{0}\t end  ",
            "🙂 emoji and 中文 mixed İ",
            "",
        ] {
            enc.encode_into(text, &mut code, true);
            let mut normalised = String::new();
            norm.normalise_into(text, &mut normalised, true);
            assert_eq!(
                code.len(),
                normalised.chars().count(),
                "{text:?} -> {normalised:?}"
            );
            assert!(code.iter().all(|&u| u != 0), "no zero unit");
        }
    }

    #[test]
    fn folds_to_vocabulary_units() {
        let (_, enc) = setup();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        // Unknown characters collapse to OTHER, traditional forms to the simplified unit.
        enc.encode_into("喵發", &mut a, false);
        enc.encode_into("发", &mut b, false);
        assert_eq!(a[0], OTHER);
        assert_eq!(&a[1..], b.as_slice());
        assert!(b[0] >= VOCAB_FIRST);
        enc.encode_into("ＷｅＣｈａｔ！", &mut a, false);
        assert_eq!(a, "wechat!".bytes().map(u16::from).collect::<Vec<_>>());
    }

    #[test]
    fn refuses_an_oversized_vocabulary() {
        let norm = Normaliser::from_pairs("").unwrap();
        // Supplementary-plane characters: none folds to another.
        let many: String = (0x1_0000u32..0x3_0000)
            .filter_map(char::from_u32)
            .take(ENCODER_CAPACITY + 1)
            .collect();
        assert!(Encoder::build(&norm, [many.as_str()].into_iter()).is_none());
        let enough: String = many.chars().take(ENCODER_CAPACITY).collect();
        let enc = Encoder::build(&norm, [enough.as_str()].into_iter()).unwrap();
        let mut code = Vec::new();
        enc.encode_into(&enough, &mut code, false);
        assert_eq!(code.len(), ENCODER_CAPACITY);
        assert!(code.iter().all(|&u| (VOCAB_FIRST..BMP_SLOW).contains(&u)));
    }
}
