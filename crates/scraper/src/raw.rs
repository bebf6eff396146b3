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
