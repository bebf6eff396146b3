//! Borrowing serde shapes for the JSON that Weibo APIs return (and trendwatch's own Post JSON).
//!
//! One union struct per level keeps deserialisation to a single pass: a JSON line may be an
//! `mblog`, a normalised `Post`, a card, a whole API page or a hot-search response, and the
//! caller tells them apart by which fields are present.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::ops::Deref;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};

/// A string that may arrive as a JSON string or number (ids, counts, flags).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Str(Cow<'a, str>),
    UInt(u64),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// An object or array where a scalar was expected.
    Other,
}

impl Scalar<'_> {
    /// The value as an id string (`None` for null, empty strings and non-scalars).
    pub(crate) fn id(&self) -> Option<String> {
        match self {
            Scalar::Str(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Scalar::UInt(n) => Some(n.to_string()),
            Scalar::Int(n) if *n >= 0 => Some(n.to_string()),
            _ => None,
        }
    }

    /// [`Scalar::id`] written into `out` (replacing its contents); `false` where `id` is `None`.
    pub(crate) fn write_id(&self, out: &mut String) -> bool {
        out.clear();
        match self {
            Scalar::Str(s) => {
                let id = s.trim();
                if id.is_empty() {
                    return false;
                }
                out.push_str(id);
            }
            Scalar::UInt(n) => push_decimal(out, *n),
            Scalar::Int(n) if *n >= 0 => push_decimal(out, n.unsigned_abs()),
            _ => return false,
        }
        true
    }

    /// The value as a count; `Err` carries a description of the bad value.
    pub(crate) fn count(&self) -> Result<u64, String> {
        match self {
            Scalar::UInt(n) => Ok(*n),
            Scalar::Null => Ok(0),
            Scalar::Int(n) => Err(format!("negative count {n}")),
            Scalar::Float(f) if f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19 => {
                // Checked above: non-negative whole number within u64 range.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(*f as u64)
            }
            Scalar::Float(f) => Err(format!("count {f} is not a whole number")),
            Scalar::Str(s) => {
                crate::count::parse_count(s).ok_or_else(|| format!("bad count {s:?}"))
            }
            Scalar::Bool(b) => Err(format!("count is a boolean ({b})")),
            Scalar::Other => Err("count is an object or array".into()),
        }
    }

    /// The value as an integer (numbers, numeric strings, booleans).
    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Scalar::UInt(n) => i64::try_from(*n).ok(),
            Scalar::Int(n) => Some(*n),
            Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 =>
            {
                #[allow(clippy::cast_possible_truncation)]
                Some(*f as i64)
            }
            Scalar::Str(s) => s.trim().parse().ok(),
            Scalar::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// Whether the value is truthy (`true`, non-zero, `"1"`, `"true"`).
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Scalar::Bool(b) => *b,
            Scalar::Str(s) => matches!(s.trim(), "1" | "true"),
            other => other.int().is_some_and(|n| n != 0),
        }
    }
}

/// Appends `n` in decimal, as `Display` writes it, without the formatting machinery (which
/// cost more than the rest of an id's handling).
fn push_decimal(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// The first `"` or `\\` at or after `from`, eight bytes at a time (the bit trick serde_json
/// uses, without a call per string: most strings here are a few bytes long).
#[inline]
fn find_quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        // High bit set in the bytes that are zero, i.e. equal to the character; borrows can
        // only mark bytes above a real match, so the lowest mark is exact.
        let found = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash))
            & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = bytes.get(at..)?;
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|i| at + i)
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::UInt(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A string field that tolerates `null` and non-string values (which read as absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Text<'a>(pub(crate) Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize(deserializer)? {
            Scalar::Str(s) => Text(Some(s)),
            _ => Text(None),
        })
    }
}

impl Text<'_> {
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// Deepest nesting of records accepted (a page's `data` → `cards` → `card_group` → `mblog`
/// → `retweeted_status` is 5); deeper input is rejected instead of recursing further, so a
/// hostile line cannot exhaust the stack.
const MAX_NESTING: u32 = 8;

thread_local! {
    static NESTING: Cell<u32> = const { Cell::new(0) };
}

/// A nested record (or list of records) whose deserialisation counts towards [`MAX_NESTING`].
#[derive(Debug, Default)]
pub(crate) struct Nested<T>(Box<T>);

impl<T> Deref for Nested<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nested<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                NESTING.with(|n| n.set(n.get().saturating_sub(1)));
            }
        }
        let depth = NESTING.with(|n| {
            let depth = n.get();
            n.set(depth + 1);
            depth
        });
        let _leave = Leave;
        if depth >= MAX_NESTING {
            return Err(de::Error::custom(format_args!(
                "records nested more than {MAX_NESTING} levels deep"
            )));
        }
        T::deserialize(deserializer).map(|t| Nested(Box::new(t)))
    }
}

/// A Weibo user object (only the fields trendwatch reads).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawUser<'a> {
    #[serde(borrow, default)]
    pub(crate) id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) idstr: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) screen_name: Text<'a>,
}

/// `longText` on detail responses.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawLongText<'a> {
    #[serde(borrow, default, rename = "longTextContent")]
    pub(crate) long_text_content: Text<'a>,
}

/// A status (`mblog`) object, a normalised trendwatch `Post`, a card, or a whole response:
/// the union of their fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawRecord<'a> {
    // --- ids (mblog and Post)
    #[serde(borrow, default)]
    pub(crate) id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) idstr: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) mid: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) created_at: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) text: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) text_raw: Text<'a>,
    #[serde(borrow, default, rename = "longText")]
    pub(crate) long_text: Option<RawLongText<'a>>,
    #[serde(borrow, default)]
    pub(crate) source: Text<'a>,
    // --- mblog only
    #[serde(borrow, default)]
    pub(crate) user: Option<RawUser<'a>>,
    #[serde(borrow, default)]
    pub(crate) reposts_count: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) comments_count: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) attitudes_count: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) retweeted_status: Option<Nested<RawRecord<'a>>>,
    #[serde(borrow, default)]
    pub(crate) mblogtype: Option<Scalar<'a>>,
    #[serde(borrow, default, rename = "isTop")]
    pub(crate) is_top: Option<Scalar<'a>>,
    #[serde(borrow, default, rename = "isLongText")]
    pub(crate) is_long_text: Option<Scalar<'a>>,
    // --- normalised Post only
    #[serde(borrow, default)]
    pub(crate) user_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) user_name: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) topics: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    pub(crate) reposts: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) comments: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) likes: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) repost_of: Option<Scalar<'a>>,
    // --- cards
    #[serde(borrow, default)]
    pub(crate) mblog: Option<Nested<RawRecord<'a>>>,
    #[serde(borrow, default)]
    pub(crate) card_group: Option<Nested<Vec<RawRecord<'a>>>>,
    // --- responses
    #[serde(borrow, default)]
    pub(crate) ok: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) data: Option<Nested<RawData<'a>>>,
    #[serde(borrow, default)]
    pub(crate) url: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) msg: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) errno: Option<Scalar<'a>>,
    /// Capture time stored alongside a saved response (trendwatch's own archives).
    #[serde(borrow, default)]
    pub(crate) captured_at: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) servertime: Option<Scalar<'a>>,
}

/// The `data` object of an API response.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawData<'a> {
    #[serde(borrow, default)]
    pub(crate) cards: Option<Nested<Vec<RawRecord<'a>>>>,
    /// weibo.com `ajax/statuses/mymblog` and similar.
    #[serde(borrow, default)]
    pub(crate) list: Option<Nested<Vec<RawRecord<'a>>>>,
    #[serde(borrow, default)]
    pub(crate) statuses: Option<Nested<Vec<RawRecord<'a>>>>,
    #[serde(borrow, default, rename = "cardlistInfo")]
    pub(crate) cardlist_info: Option<RawCardlistInfo<'a>>,
    #[serde(borrow, default)]
    pub(crate) since_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) total: Option<Scalar<'a>>,
    // hot search
    #[serde(borrow, default)]
    pub(crate) realtime: Option<Vec<RawHotItem<'a>>>,
    #[serde(borrow, default)]
    pub(crate) band_list: Option<Vec<RawHotItem<'a>>>,
    #[serde(borrow, default)]
    pub(crate) hotgov: Option<RawHotItem<'a>>,
    #[serde(borrow, default)]
    pub(crate) hotgovs: Option<Vec<RawHotItem<'a>>>,
    #[serde(borrow, default)]
    pub(crate) servertime: Option<Scalar<'a>>,
    /// `statuses/extend` and `ajax/statuses/longtext` responses.
    #[serde(borrow, default, rename = "longTextContent")]
    pub(crate) long_text_content: Text<'a>,
}

/// `data.cardlistInfo` of m.weibo.cn container pages.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawCardlistInfo<'a> {
    #[serde(borrow, default)]
    pub(crate) since_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) page: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) total: Option<Scalar<'a>>,
}

/// One hot-search row (`realtime[]`, `band_list[]`, `hotgov`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawHotItem<'a> {
    #[serde(borrow, default)]
    pub(crate) word: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) name: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) note: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) num: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) raw_hot: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) rank: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) realpos: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pub(crate) label_name: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) icon_desc: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) is_ad: Option<Scalar<'a>>,
}

/// How deep the fast path follows records and skipped values; deeper input goes to serde.
const FAST_MAX_DEPTH: u32 = 16;

/// Records the fast path follows: a card, its `mblog` and that status's `retweeted_status`;
/// deeper goes to serde.
const FAST_MAX_RECORD_DEPTH: u32 = 2;

/// Parses one JSON object into a [`RawRecord`] without serde, for the shapes that millions of
/// lines take (a status, its user and its embedded original).
///
/// `None` means "not handled here": the caller then parses with serde_json, which yields the
/// very same record or the error to report. The fast path therefore only accepts input that
/// serde_json and the derived deserialisers above would accept, and builds the same record from
/// it: strict JSON with no raw control characters, unescaped keys, each known field at most
/// once, non-negative integers that fit a `u64`, and only the fields and value types listed
/// in [`Fast::record`]. Anything else (API pages, cards, floats, negative numbers, lone
/// surrogates, deep nesting, …) is left to serde.
///
/// The record is built in `record` (a default one), in place: it is large, and moving it costs.
/// After `false` it holds a partial record, to be discarded.
pub(crate) fn parse_record_fast<'a>(text: &'a str, record: &mut RawRecord<'a>) -> bool {
    parse_fast(text, record).is_some()
}

fn parse_fast<'a>(text: &'a str, record: &mut RawRecord<'a>) -> Option<()> {
    let bytes = text.as_bytes();
    // Raw control characters are only legal as whitespace between tokens, and JSON lines hardly
    // ever hold any: leaving such lines to serde means strings need no per-byte check. (A fold
    // without early exit compiles to a vector loop.)
    if bytes.iter().fold(false, |any, &b| any | (b < 0x20)) {
        return None;
    }
    let mut parser = Fast {
        text,
        bytes,
        pos: 0,
    };
    parser.ws();
    parser.record(0, record)?;
    parser.ws();
    (parser.pos == bytes.len()).then_some(())
}

/// The fields of [`RawRecord`] by their JSON names, for the fast path's key matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Id,
    Idstr,
    Mid,
    CreatedAt,
    Text,
    TextRaw,
    LongText,
    Source,
    User,
    RepostsCount,
    CommentsCount,
    AttitudesCount,
    RetweetedStatus,
    Mblog,
    Mblogtype,
    IsTop,
    IsLongText,
    UserId,
    UserName,
    Topics,
    Reposts,
    Comments,
    Likes,
    RepostOf,
    Ok,
    Url,
    Msg,
    Errno,
    CapturedAt,
    Servertime,
    CardGroup,
    Data,
    /// A name [`RawRecord`] does not have (its value is skipped).
    Unknown,
}

/// The fast path's cursor over one line (see [`parse_record_fast`]). Every method returns `None`
/// for input it does not handle, leaving the cursor anywhere.
struct Fast<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Fast<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// An object key: a string without escapes (keys with escapes go to serde).
    #[inline]
    fn key(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = find_quote_or_backslash(self.bytes, start)?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.pos = end + 1;
        self.text.get(start..end)
    }

    /// A string value, borrowed when it has no escapes (as serde_json gives it).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut owned: Option<String> = None;
        let mut segment = start;
        loop {
            let at = find_quote_or_backslash(self.bytes, self.pos)?;
            // `"` and `\` are ASCII, so `segment..at` lies on character boundaries.
            let chunk = self.text.get(segment..at)?;
            if self.bytes[at] == b'"' {
                self.pos = at + 1;
                return Some(match owned {
                    None => Cow::Borrowed(chunk),
                    Some(mut s) => {
                        s.push_str(chunk);
                        Cow::Owned(s)
                    }
                });
            }
            let s = owned.get_or_insert_with(|| String::with_capacity(self.bytes.len() - start));
            s.push_str(chunk);
            let (ch, len) = match *self.bytes.get(at + 1)? {
                b'"' | b'\\' | b'/' => {
                    // The escaped character is itself: it starts the next chunk (the search
                    // goes on after it).
                    segment = at + 1;
                    self.pos = at + 2;
                    continue;
                }
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'n' => ('\n', 2),
                b'r' => ('\r', 2),
                b't' => ('\t', 2),
                b'u' => {
                    let high = self.hex4(at + 2)?;
                    match high {
                        0xD800..=0xDBFF => {
                            // A surrogate pair; a lone half is an error for serde_json.
                            if self.bytes.get(at + 6..at + 8)? != b"\\u" {
                                return None;
                            }
                            let low = self.hex4(at + 8)?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return None;
                            }
                            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                            (char::from_u32(code)?, 12)
                        }
                        0xDC00..=0xDFFF => return None,
                        _ => (char::from_u32(high)?, 6),
                    }
                }
                _ => return None,
            };
            s.push(ch);
            self.pos = at + len;
            segment = self.pos;
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        self.bytes
            .get(at..at + 4)?
            .iter()
            .try_fold(0u32, |n, &b| Some(n * 16 + char::from(b).to_digit(16)?))
    }

    /// A non-negative integer that fits a `u64` (as serde_json reads it).
    fn uint(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut value = 0u64;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            // More than a u64 holds becomes a float in serde_json: left to it.
            value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.pos += 1;
        }
        let digits = self.pos - start;
        // No leading zeros (invalid JSON), no fraction or exponent (floats go to serde).
        let leading_zero = digits > 1 && self.bytes[start] == b'0';
        (digits > 0 && !leading_zero && !matches!(self.peek(), Some(b'.' | b'e' | b'E')))
            .then_some(value)
    }

    /// A value read as [`Scalar`], as `Option<Scalar>` deserialises it (`null` is `None`).
    fn scalar(&mut self, depth: u32) -> Option<Option<Scalar<'a>>> {
        Some(Some(match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                return Some(None);
            }
            b'"' => Scalar::Str(self.string()?),
            b't' => {
                self.literal(b"true")?;
                Scalar::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Scalar::Bool(false)
            }
            b'0'..=b'9' => Scalar::UInt(self.uint()?),
            b'{' | b'[' => {
                self.skip(depth + 1)?;
                Scalar::Other
            }
            _ => return None,
        }))
    }

    /// A value read as [`Text`]: strings are kept, every other scalar or structure is absent.
    fn text_value(&mut self, depth: u32) -> Option<Text<'a>> {
        Some(Text(match self.scalar(depth)? {
            Some(Scalar::Str(s)) => Some(s),
            _ => None,
        }))
    }

    /// Validates and skips any JSON value (what `IgnoredAny` does).
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > FAST_MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            b'{' => {
                self.pos += 1;
                self.ws();
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.ws();
                    self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.ws();
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }

    /// Skips a number of JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn skip_number(&mut self) -> Option<()> {
        let digits = |p: &mut Self| {
            let start = p.pos;
            while let Some(b'0'..=b'9') = p.peek() {
                p.pos += 1;
            }
            p.pos - start
        };
        self.eat(b'-');
        match self.peek()? {
            b'0' => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && digits(self) == 0 {
            return None;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Walks the members of an object, handing each key to `field` (which reads the value and
    /// returns a bit for the fields it knows, so that a repeated one — serde's "duplicate field"
    /// error — goes to serde, or 0 for a skipped unknown field).
    fn members(&mut self, field: impl FnMut(&mut Self, &'a str) -> Option<u64>) -> Option<()> {
        self.members_by(Self::key, field)
    }

    /// [`Fast::members`] with keys read by `key` (which consumes the key's string).
    fn members_by<K>(
        &mut self,
        mut key: impl FnMut(&mut Self) -> Option<K>,
        mut field: impl FnMut(&mut Self, K) -> Option<u64>,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut seen = 0u64;
        loop {
            self.ws();
            let key = key(self)?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            let bit = field(self, key)?;
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn user(&mut self, depth: u32) -> Option<Option<RawUser<'a>>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b'{' => {
                let mut user = RawUser::default();
                self.members_by(Self::user_key, |p, key| {
                    Some(match key {
                        1 => {
                            user.id = p.scalar(depth + 1)?;
                            1
                        }
                        2 => {
                            user.idstr = p.scalar(depth + 1)?;
                            2
                        }
                        3 => {
                            user.screen_name = p.text_value(depth + 1)?;
                            4
                        }
                        _ => {
                            p.skip(depth + 1)?;
                            0
                        }
                    })
                })?;
                Some(Some(user))
            }
            // (Derived structs also read arrays, positionally: rare enough for serde.)
            _ => None,
        }
    }

    fn long_text(&mut self, depth: u32) -> Option<Option<RawLongText<'a>>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b'{' => {
                let mut long = RawLongText::default();
                self.members(|p, key| {
                    Some(match key {
                        "longTextContent" => {
                            long.long_text_content = p.text_value(depth + 1)?;
                            1
                        }
                        _ => {
                            p.skip(depth + 1)?;
                            0
                        }
                    })
                })?;
                Some(Some(long))
            }
            _ => None,
        }
    }

    fn topics(&mut self) -> Option<Option<Vec<Cow<'a, str>>>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b'[' => {
                self.pos += 1;
                let mut topics = Vec::new();
                self.ws();
                if self.eat(b']').is_some() {
                    return Some(Some(topics));
                }
                loop {
                    self.ws();
                    topics.push(self.string()?);
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Some(Some(topics));
                        }
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }

    /// A key of a record: its bytes up to the closing quote, matched against the names
    /// [`RawRecord`] has; any other name is [`Key::Unknown`] (its value is skipped).
    fn record_key(&mut self) -> Option<Key> {
        let name = self.key_name()?;
        Some(match name {
            b"id" => Key::Id,
            b"idstr" => Key::Idstr,
            b"mid" => Key::Mid,
            b"created_at" => Key::CreatedAt,
            b"text" => Key::Text,
            b"text_raw" => Key::TextRaw,
            b"longText" => Key::LongText,
            b"source" => Key::Source,
            b"user" => Key::User,
            b"reposts_count" => Key::RepostsCount,
            b"comments_count" => Key::CommentsCount,
            b"attitudes_count" => Key::AttitudesCount,
            b"retweeted_status" => Key::RetweetedStatus,
            b"mblog" => Key::Mblog,
            b"mblogtype" => Key::Mblogtype,
            b"isTop" => Key::IsTop,
            b"isLongText" => Key::IsLongText,
            b"user_id" => Key::UserId,
            b"user_name" => Key::UserName,
            b"topics" => Key::Topics,
            b"reposts" => Key::Reposts,
            b"comments" => Key::Comments,
            b"likes" => Key::Likes,
            b"repost_of" => Key::RepostOf,
            b"ok" => Key::Ok,
            b"url" => Key::Url,
            b"msg" => Key::Msg,
            b"errno" => Key::Errno,
            b"captured_at" => Key::CapturedAt,
            b"servertime" => Key::Servertime,
            b"card_group" => Key::CardGroup,
            b"data" => Key::Data,
            _ => Key::Unknown,
        })
    }

    /// An object key's bytes, without its quotes (keys with escapes go to serde).
    fn key_name(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = find_quote_or_backslash(self.bytes, start)?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.pos = end + 1;
        self.bytes.get(start..end)
    }

    /// A key of a user object, as [`Fast::record_key`] reads a record's: 1 `id`, 2 `idstr`,
    /// 3 `screen_name`, 0 any other.
    fn user_key(&mut self) -> Option<u8> {
        Some(match self.key_name()? {
            b"id" => 1,
            b"idstr" => 2,
            b"screen_name" => 3,
            _ => 0,
        })
    }

    /// A record nested in the one at `depth` (`retweeted_status`, a card's `mblog`).
    fn nested_record(&mut self, depth: u32) -> Option<Option<Nested<RawRecord<'a>>>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b'{' if depth < FAST_MAX_RECORD_DEPTH => {
                let mut record = Box::<RawRecord<'a>>::default();
                self.record(depth + 1, &mut record)?;
                Some(Some(Nested(record)))
            }
            _ => None,
        }
    }

    /// A status, its embedded original, a card holding a status (`mblog`), or a normalised
    /// Post. Response wrappers and card groups (`data`, `card_group`) go to serde.
    fn record(&mut self, depth: u32, r: &mut RawRecord<'a>) -> Option<()> {
        let d = depth + 1;
        self.members_by(Self::record_key, |p, key| {
            Some(match key {
                Key::Id => {
                    r.id = p.scalar(d)?;
                    1 << 0
                }
                Key::Idstr => {
                    r.idstr = p.scalar(d)?;
                    1 << 1
                }
                Key::Mid => {
                    r.mid = p.scalar(d)?;
                    1 << 2
                }
                Key::CreatedAt => {
                    r.created_at = p.text_value(d)?;
                    1 << 3
                }
                Key::Text => {
                    r.text = p.text_value(d)?;
                    1 << 4
                }
                Key::TextRaw => {
                    r.text_raw = p.text_value(d)?;
                    1 << 5
                }
                Key::LongText => {
                    r.long_text = p.long_text(d)?;
                    1 << 6
                }
                Key::Source => {
                    r.source = p.text_value(d)?;
                    1 << 7
                }
                Key::User => {
                    r.user = p.user(d)?;
                    1 << 8
                }
                Key::RepostsCount => {
                    r.reposts_count = p.scalar(d)?;
                    1 << 9
                }
                Key::CommentsCount => {
                    r.comments_count = p.scalar(d)?;
                    1 << 10
                }
                Key::AttitudesCount => {
                    r.attitudes_count = p.scalar(d)?;
                    1 << 11
                }
                Key::RetweetedStatus => {
                    r.retweeted_status = p.nested_record(depth)?;
                    1 << 12
                }
                Key::Mblog => {
                    r.mblog = p.nested_record(depth)?;
                    1 << 29
                }
                Key::Mblogtype => {
                    r.mblogtype = p.scalar(d)?;
                    1 << 13
                }
                Key::IsTop => {
                    r.is_top = p.scalar(d)?;
                    1 << 14
                }
                Key::IsLongText => {
                    r.is_long_text = p.scalar(d)?;
                    1 << 15
                }
                Key::UserId => {
                    r.user_id = p.scalar(d)?;
                    1 << 16
                }
                Key::UserName => {
                    r.user_name = p.text_value(d)?;
                    1 << 17
                }
                Key::Topics => {
                    r.topics = p.topics()?;
                    1 << 18
                }
                Key::Reposts => {
                    r.reposts = p.scalar(d)?;
                    1 << 19
                }
                Key::Comments => {
                    r.comments = p.scalar(d)?;
                    1 << 20
                }
                Key::Likes => {
                    r.likes = p.scalar(d)?;
                    1 << 21
                }
                Key::RepostOf => {
                    r.repost_of = p.scalar(d)?;
                    1 << 22
                }
                Key::Ok => {
                    r.ok = p.scalar(d)?;
                    1 << 23
                }
                Key::Url => {
                    r.url = p.text_value(d)?;
                    1 << 24
                }
                Key::Msg => {
                    r.msg = p.text_value(d)?;
                    1 << 25
                }
                Key::Errno => {
                    r.errno = p.scalar(d)?;
                    1 << 26
                }
                Key::CapturedAt => {
                    r.captured_at = p.text_value(d)?;
                    1 << 27
                }
                Key::Servertime => {
                    r.servertime = p.scalar(d)?;
                    1 << 28
                }
                Key::CardGroup | Key::Data => return None,
                Key::Unknown => {
                    p.skip(d)?;
                    0
                }
            })
        })?;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must give serde's record or stand aside (`None`), never something else.
    fn same_as_serde(text: &str) -> bool {
        let mut fast = RawRecord::default();
        if !parse_record_fast(text, &mut fast) {
            return false;
        }
        match serde_json::from_str::<RawRecord<'_>>(text) {
            Ok(slow) => assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{text}"),
            Err(e) => panic!("fast path accepted what serde rejects ({e}): {text}"),
        }
        true
    }

    fn samples() -> Vec<String> {
        include_str!("../../../fixtures/samples/mblog-lines.jsonl")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn decimals_and_string_ends() {
        for n in [0, 7, 10, 99, 3_887_319_119_560_704, u64::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
        let text = r#"0123456789abcdef"ghijklmnopq\rs"#;
        for from in 0..text.len() {
            let expected = text.as_bytes()[from..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .map(|i| from + i);
            assert_eq!(find_quote_or_backslash(text.as_bytes(), from), expected);
        }
        assert_eq!(find_quote_or_backslash(b"ab", 5), None);
        // Bytes just above and below the two characters, and non-ASCII ones, are no match.
        assert_eq!(
            find_quote_or_backslash("!#[]\x7f\u{e9}\u{5fae}\"".as_bytes(), 0),
            Some(10)
        );
    }

    #[test]
    fn sample_lines_take_the_fast_path_and_match_serde() {
        for line in samples() {
            assert!(same_as_serde(&line), "not handled: {line}");
        }
    }

    #[test]
    fn edge_cases_match_serde_or_stand_aside() {
        let handled = [
            r#"{}"#,
            r#" { "id" : 1 , "user" : null } "#,
            r#"{"id":"1","text":"a\"b\\c\/d\n\u00e9\ud83d\ude00","user":{"id":2,"x":[1,{"y":-1.5e3}],"screen_name":"\u5c0f"}}"#,
            r#"{"id":0,"text":null,"source":17,"created_at":{"a":[]},"reposts_count":"1.2万","unknown":[true,false,null,"s",0,-0.0,1E+2]}"#,
            r#"{"id":"9","retweeted_status":{"id":"8","user":{"idstr":"3"}},"isLongText":true,"longText":{"longTextContent":"x"}}"#,
            r#"{"id":"9","retweeted_status":null,"longText":null,"topics":["a","b\"c"],"user_id":"5"}"#,
            r#"{"id":"9","topics":[],"mblogtype":2,"isTop":{"k":1},"ok":1,"url":"u","msg":"m","errno":"1"}"#,
            r#"{"id":18446744073709551615}"#,
            r#"{"id":"1","id2":"1","id2":"x"}"#,
            r#"{"card_type":9,"mblog":{"id":1,"retweeted_status":{"id":2}}}"#,
            r#"{"retweeted_status":{"retweeted_status":{"id":1}}}"#,
        ];
        for text in handled {
            assert!(same_as_serde(text), "not handled: {text}");
        }
        let aside = [
            "",
            "[]",
            "{",
            r#"{"id":1}x"#,
            r#"{"id":1,}"#,
            r#"{"id":1,"id":2}"#,
            r#"{"user":{"id":1,"id":2}}"#,
            r#"{"id":-1}"#,
            r#"{"id":1.5}"#,
            r#"{"id":01}"#,
            r#"{"id":18446744073709551616}"#,
            r#"{"i\u0064":1}"#,
            r#"{"text":"\ud800"}"#,
            r#"{"text":"\udc00x"}"#,
            r#"{"text":"\ud800\u0041"}"#,
            r#"{"text":"\x"}"#,
            "{\"text\":\"tab\there\"}",
            "{\"id\":1,\t\"x\":2}",
            r#"{"user":[1,"2","n"]}"#,
            r#"{"user":"someone"}"#,
            r#"{"data":{"cards":[]}}"#,
            r#"{"card_group":[]}"#,
            r#"{"x":[1,]}"#,
            r#"{"x":{"a":1,}}"#,
            r#"{"x":tru}"#,
            r#"{"x":nulll}"#,
            r#"{"x":1.}"#,
            r#"{"x":1e}"#,
            r#"{"x":-}"#,
            r#"{"topics":["a",1]}"#,
            r#"{"mblog":{"retweeted_status":{"retweeted_status":{"id":1}}}}"#,
            r#"{"retweeted_status":[1]}"#,
        ];
        for text in aside {
            assert!(!same_as_serde(text), "handled: {text}");
        }
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert!(!same_as_serde(&deep));
    }

    /// Seeded mutations of the sample lines (bytes dropped, doubled, replaced by JSON's
    /// punctuation, escapes and digits): whatever the fast path accepts, serde reads the same.
    #[test]
    fn mutated_lines_match_serde_or_stand_aside() {
        const ALPHABET: &[&str] = &[
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "0",
            "7",
            "-",
            ".",
            "e",
            "null",
            "true",
            " ",
            "\\u",
            "\\ud83d",
            "\\u00e9",
            "1.5",
            "\"id\":",
            "\"user\":",
            "9999999999",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            // xorshift64*: deterministic, no dependency.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
        };
        let samples = samples();
        let (mut handled, mut total) = (0, 0);
        for round in 0..4000 {
            let mut line = samples[round % samples.len()].clone().into_bytes();
            for _ in 0..1 + next(3) {
                let at = next(line.len() + 1);
                match next(3) {
                    0 if at < line.len() => {
                        line.remove(at);
                    }
                    1 => {
                        let piece = ALPHABET[next(ALPHABET.len())].as_bytes();
                        line.splice(at..at, piece.iter().copied());
                    }
                    _ if at < line.len() => {
                        let piece = ALPHABET[next(ALPHABET.len())].as_bytes();
                        line.splice(at..at + 1, piece.iter().copied());
                    }
                    _ => {}
                }
            }
            if let Ok(text) = std::str::from_utf8(&line) {
                total += 1;
                handled += usize::from(same_as_serde(text));
            }
        }
        eprintln!("fast path took {handled} of {total} mutated lines");
        // The mutations must exercise both paths.
        assert!(
            handled > total / 10 && handled < total,
            "{handled} of {total}"
        );
    }

    /// The fuzz corpus of the `mblog_line` target (when the checkout has it).
    #[test]
    fn fuzz_corpus_matches_serde_or_stands_aside() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/mblog_line");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let (mut handled, mut total) = (0, 0);
        for entry in entries.flatten() {
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            for line in bytes.split(|&b| b == b'\n') {
                if let Ok(text) = std::str::from_utf8(line) {
                    total += 1;
                    handled += usize::from(same_as_serde(text));
                }
            }
        }
        eprintln!("fast path took {handled} of {total} corpus lines");
    }
}
