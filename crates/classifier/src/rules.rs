//! The rules file: its TOML schema, validation and the errors it can raise.
//!
//! A rules file has four parts: `[settings]` (decision threshold, proximity window),
//! `[normalise]` (the traditional → simplified character pairs the normaliser applies),
//! `[[service]]` entries (canonical id, English display name, aliases) and `[[rule]]` entries
//! (cue phrases with a kind and a weight). See `rules/default.toml` for the built-in set.

use serde::Deserialize;
use trendwatch_model::Symptom;

/// Why a rules file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file is not valid TOML or does not match the schema; the message names line and
    /// column.
    #[error("rules file: {0}")]
    Toml(#[from] toml::de::Error),
    /// An entry has an invalid field value.
    #[error("rules file: {item}: field `{field}`: {message}")]
    Invalid {
        /// The entry, e.g. ``service #3 (`wechat`)`` or ``rule #12 (`zh.crash`)``.
        item: String,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Two entries define the same phrase (after normalisation), so a match would be ambiguous.
    #[error("rules file: phrase {phrase:?} is defined by both {first} and {second}")]
    DuplicatePhrase {
        /// The normalised phrase.
        phrase: String,
        /// The entry that defined it first.
        first: String,
        /// The entry that defined it again.
        second: String,
    },
}

/// What a rule's phrases mean when they occur in a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Evidence that the author reports a service not working ("崩了", "登不上", "is down").
    Complaint,
    /// Talk about an outage that is not by itself a complaint ("故障", "outage").
    OutageTalk,
    /// Makes an existing complaint more likely (first person, "again", a question, `[怒]`);
    /// counts only when there is complaint evidence.
    Boost,
    /// Reporting style: news, official statements, past events ("据报道", "回应称").
    Report,
    /// The outage is over ("已恢复", "working again").
    Fixed,
    /// The author denies an outage ("没崩啊", "works fine for me").
    Negation,
    /// A complaint or post about something other than availability: price, features, ads.
    Offtopic,
    /// Another meaning of a cue word ("心态崩了", "手机挂了"): the phrase is matched so that
    /// the shorter cue inside it is not, and counts for nothing.
    Mask,
    /// Names what is failing ("登录", "付款", "loading") without saying it fails: gives a
    /// complaint its symptom when no symptom-bearing cue did. Counts for nothing.
    Hint,
}

impl RuleKind {
    /// The weight a rule of this kind gets when the file gives none.
    pub fn default_weight(self) -> i32 {
        match self {
            RuleKind::Complaint => 4,
            RuleKind::OutageTalk => 1,
            RuleKind::Boost => 1,
            RuleKind::Report => -3,
            RuleKind::Fixed => -6,
            RuleKind::Negation => -8,
            RuleKind::Offtopic => -3,
            RuleKind::Mask | RuleKind::Hint => 0,
        }
    }

    /// The snake_case name used in rules files and explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Complaint => "complaint",
            RuleKind::OutageTalk => "outage_talk",
            RuleKind::Boost => "boost",
            RuleKind::Report => "report",
            RuleKind::Fixed => "fixed",
            RuleKind::Negation => "negation",
            RuleKind::Offtopic => "offtopic",
            RuleKind::Mask => "mask",
            RuleKind::Hint => "hint",
        }
    }
}

/// The whole rules file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesFile {
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub normalise: NormaliseSection,
    #[serde(default)]
    pub service: Vec<ServiceDef>,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
}

/// Global decision settings.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Settings {
    /// Minimum total score for a post with complaint evidence to count as a complaint.
    pub complaint_threshold: i32,
    /// How many characters may separate a service alias from a cue that needs a service.
    pub service_window: u32,
    /// Further complaint rules add one point each, up to this many.
    pub max_extra_cues: u32,
    /// How many distance units may separate an `anchor` hint ("登录", "付款", "消息") from a
    /// following generic failure cue ("失败", "异常", "超时") for that cue to count without a
    /// service in reach: "登录一直失败" is a complaint even when it names no service. 0 turns
    /// anchoring off.
    pub anchor_window: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            complaint_threshold: 4,
            service_window: 24,
            max_extra_cues: 2,
            anchor_window: 0,
        }
    }
}

/// Traditional → simplified pairs, written as two-character tokens separated by whitespace
/// (`"發发 訊讯"`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NormaliseSection {
    #[serde(default)]
    pub t2s: String,
}

/// One service and the names people call it by.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceDef {
    pub id: String,
    pub display: String,
    pub aliases: Vec<String>,
}

/// One rule: a list of phrases sharing a kind, weight and meaning.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDef {
    pub id: String,
    pub kind: RuleKind,
    #[serde(default)]
    pub weight: Option<i32>,
    /// The cue only counts when a service is in reach (an alias nearby, a service hashtag, or
    /// a service implied by the rule itself).
    #[serde(default)]
    pub needs_service: bool,
    /// Whether a service alias *after* the cue satisfies `needs_service` (default true). Set it
    /// to false for cues whose subject comes first ("微信挂了", not "挂了…微信").
    #[serde(default = "yes")]
    pub alias_after: bool,
    #[serde(default)]
    pub symptom: Option<Symptom>,
    /// The service this phrase implies by itself (e.g. WeChat's own error message).
    #[serde(default)]
    pub service: Option<String>,
    /// For `hint` rules: the phrase names a function strongly enough ("登录", "付款") that a
    /// generic failure cue right after it (within `anchor_window`) counts without a service.
    #[serde(default)]
    pub anchor: bool,
    pub patterns: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Checks that a service id is lowercase ASCII letters, digits and underscores.
pub(crate) fn valid_service_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
