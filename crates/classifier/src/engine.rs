//! The compiled rule set and the per-post decision procedure.

use std::collections::HashMap;

use trendwatch_model::{Post, Symptom, Tags, Topic, TopicKind};

use crate::Fired;
use crate::matcher::{Matcher, is_word};
use crate::normalise::{ENCODER_CAPACITY, Encoder, Normaliser};
use crate::rules::{RuleKind, RulesError, RulesFile, Settings, valid_service_id};

/// Who a phrase belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Service(u16),
    Rule(u16),
}

/// One phrase of the matcher.
#[derive(Debug, Clone)]
struct Phrase {
    owner: Owner,
    /// The phrase in normalised form.
    text: String,
    /// The phrase in the encoder's units (what the matcher matches).
    code: Vec<u16>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
struct Rule {
    id: String,
    kind: RuleKind,
    weight: i32,
    needs_service: bool,
    alias_after: bool,
    symptom: Option<Symptom>,
    service: Option<u16>,
    /// A hint that anchors a following generic failure cue (see `Settings::anchor_window`).
    anchor: bool,
}

/// A compiled service.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub id: String,
    pub display: String,
    /// The derived topic name, `"<display> outage"`.
    outage_topic: String,
}

/// The compiled rules: phrase matcher, phrase owners, rules, services and settings.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    matcher: Matcher,
    phrases: Vec<Phrase>,
    /// A second matcher for `hint` phrases, run only on complaints without a symptom (and
    /// for anchors), so that hints never shadow cues.
    hint_matcher: Matcher,
    hint_phrases: Vec<Phrase>,
    rules: Vec<Rule>,
    pub services: Vec<Service>,
    pub settings: Settings,
    pub norm: Normaliser,
    enc: Encoder,
}

/// One accepted match: where it starts in the normalised text, and its phrase.
#[derive(Debug, Clone, Copy)]
struct Hit {
    /// Character offsets of the match (one encoder unit per character).
    start: u32,
    end: u32,
    /// Distance units (see [`count_units`]) before the match start and end; filled by
    /// [`Compiled::measure`] only when a decision needs them.
    cstart: u32,
    cend: u32,
    phrase: u32,
}

/// Reusable per-thread buffers, so classifying allocates only the returned tags.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    text: Vec<u16>,
    topic: Vec<u16>,
    hits: Vec<Hit>,
    topic_hits: Vec<Hit>,
    /// `seen[rule] == stamp` when the rule has already counted for the current post.
    seen: Vec<u32>,
    stamp: u32,
}

/// What [`Compiled::run`] records when asked to explain.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub normalised: String,
    pub fired: Vec<Fired>,
    pub score: i32,
    pub evidence: bool,
    pub reasons: Vec<String>,
}

fn symptom_bit(s: Symptom) -> u8 {
    match s {
        Symptom::LoginFailure => 0,
        Symptom::CannotSendMessages => 1,
        Symptom::PaymentFailure => 2,
        Symptom::AppCrash => 3,
        Symptom::NetworkError => 4,
        Symptom::SlowOrTimeout => 5,
        Symptom::DataLoss => 6,
    }
}

const SYMPTOMS: [Symptom; 7] = [
    Symptom::LoginFailure,
    Symptom::CannotSendMessages,
    Symptom::PaymentFailure,
    Symptom::AppCrash,
    Symptom::NetworkError,
    Symptom::SlowOrTimeout,
    Symptom::DataLoss,
];

/// Distance units in `text[from..to]`, the measure of the proximity window: one per non-ASCII
/// character (a Chinese character), two per ASCII word (an English word carries about as much
/// as two Chinese characters), nothing for ASCII spaces and punctuation.
#[inline]
fn count_units(text: &[u16], from: usize, to: usize) -> u32 {
    let mut prev_word = from > 0 && text.get(from - 1).is_some_and(|&u| is_word(u));
    let mut units = 0u32;
    for &b in text.get(from..to).unwrap_or_default() {
        if !(0x20..0x80).contains(&b) {
            // A non-ASCII character (or an ASCII control character).
            units += 1;
            prev_word = false;
        } else if is_word(b) {
            if !prev_word {
                units += 2;
            }
            prev_word = true;
        } else {
            prev_word = false;
        }
    }
    units
}

/// Builds the leftmost-longest matcher over encoded phrases (see [`Matcher`]: daachorse's
/// double-array Aho-Corasick automaton, word bounds checked on each occurrence).
fn matcher(phrases: &[Phrase]) -> Result<Matcher, RulesError> {
    Matcher::build(phrases.iter().map(|p| p.code.as_slice())).map_err(|e| RulesError::Invalid {
        item: "rules file".into(),
        field: "patterns",
        message: format!("the phrases do not fit the phrase matcher: {}", e.0),
    })
}

impl Compiled {
    /// Validates a parsed rules file and compiles it.
    pub(crate) fn build(file: RulesFile) -> Result<Self, RulesError> {
        let norm =
            Normaliser::from_pairs(&file.normalise.t2s).map_err(|bad| RulesError::Invalid {
                item: format!("[normalise] pair {:?}", bad.token),
                field: "t2s",
                message: bad.reason.to_owned(),
            })?;
        if file.settings.complaint_threshold <= 0 {
            return Err(RulesError::Invalid {
                item: "[settings]".into(),
                field: "complaint_threshold",
                message: "must be positive".into(),
            });
        }
        if file.service.len() > usize::from(u16::MAX) || file.rule.len() > usize::from(u16::MAX) {
            return Err(RulesError::Invalid {
                item: "rules file".into(),
                field: "service/rule",
                message: "at most 65535 services and 65535 rules".into(),
            });
        }

        let mut phrases: Vec<Phrase> = Vec::new();
        let mut hint_phrases: Vec<Phrase> = Vec::new();
        let mut by_text: HashMap<String, String> = HashMap::new();
        let mut add_phrase = |owner: Owner,
                              item: &str,
                              raw: &str,
                              phrases: &mut Vec<Phrase>|
         -> Result<(), RulesError> {
            let text = norm.normalise(raw);
            if text.is_empty() {
                return Err(RulesError::Invalid {
                    item: item.to_owned(),
                    field: "patterns",
                    message: format!("phrase {raw:?} is empty after normalisation"),
                });
            }
            if let Some(first) = by_text.get(&text) {
                return Err(RulesError::DuplicatePhrase {
                    phrase: text,
                    first: first.clone(),
                    second: item.to_owned(),
                });
            }
            by_text.insert(text.clone(), item.to_owned());
            phrases.push(Phrase {
                owner,
                code: Vec::new(),
                text,
            });
            Ok(())
        };

        let mut services = Vec::with_capacity(file.service.len());
        let mut service_index: HashMap<String, u16> = HashMap::new();
        for (i, def) in file.service.iter().enumerate() {
            let item = format!("service #{} (`{}`)", i + 1, def.id);
            if !valid_service_id(&def.id) {
                return Err(RulesError::Invalid {
                    item,
                    field: "id",
                    message: "must be lowercase ASCII letters, digits or `_`".into(),
                });
            }
            if def.display.trim().is_empty() {
                return Err(RulesError::Invalid {
                    item,
                    field: "display",
                    message: "must not be empty".into(),
                });
            }
            if def.aliases.is_empty() {
                return Err(RulesError::Invalid {
                    item,
                    field: "aliases",
                    message: "needs at least one alias".into(),
                });
            }
            let idx = i as u16;
            if service_index.insert(def.id.clone(), idx).is_some() {
                return Err(RulesError::Invalid {
                    item,
                    field: "id",
                    message: "defined twice".into(),
                });
            }
            for alias in &def.aliases {
                add_phrase(Owner::Service(idx), &item, alias, &mut phrases)?;
            }
            services.push(Service {
                id: def.id.clone(),
                display: def.display.clone(),
                outage_topic: format!("{} outage", def.display),
            });
        }

        let mut rules = Vec::with_capacity(file.rule.len());
        let mut rule_ids: HashMap<&str, ()> = HashMap::new();
        for (i, def) in file.rule.iter().enumerate() {
            let item = format!("rule #{} (`{}`)", i + 1, def.id);
            if def.id.trim().is_empty() || rule_ids.insert(def.id.as_str(), ()).is_some() {
                return Err(RulesError::Invalid {
                    item,
                    field: "id",
                    message: "must be non-empty and unique".into(),
                });
            }
            if def.patterns.is_empty() {
                return Err(RulesError::Invalid {
                    item,
                    field: "patterns",
                    message: "needs at least one phrase".into(),
                });
            }
            let weight = def.weight.unwrap_or_else(|| def.kind.default_weight());
            if def.anchor && def.kind != RuleKind::Hint {
                return Err(RulesError::Invalid {
                    item,
                    field: "anchor",
                    message: "only hint rules can anchor a failure cue".into(),
                });
            }
            if matches!(def.kind, RuleKind::Mask | RuleKind::Hint) && weight != 0 {
                return Err(RulesError::Invalid {
                    item,
                    field: "weight",
                    message: "mask and hint rules count for nothing; leave the weight out".into(),
                });
            }
            let service = match &def.service {
                None => None,
                Some(id) => match service_index.get(id) {
                    Some(&idx) => Some(idx),
                    None => {
                        return Err(RulesError::Invalid {
                            item,
                            field: "service",
                            message: format!("unknown service id `{id}`"),
                        });
                    }
                },
            };
            let idx = i as u16;
            let target = if def.kind == RuleKind::Hint {
                &mut hint_phrases
            } else {
                &mut phrases
            };
            for pat in &def.patterns {
                add_phrase(Owner::Rule(idx), &item, pat, target)?;
            }
            rules.push(Rule {
                id: def.id.clone(),
                kind: def.kind,
                weight,
                needs_service: def.needs_service,
                alias_after: def.alias_after,
                symptom: def.symptom,
                service,
                anchor: def.anchor,
            });
        }

        let enc = Encoder::build(
            &norm,
            phrases.iter().chain(&hint_phrases).map(|p| p.text.as_str()),
        )
        .ok_or_else(|| RulesError::Invalid {
            item: "rules file".into(),
            field: "patterns",
            message: format!(
                "more than {ENCODER_CAPACITY} distinct non-ASCII characters in the phrases"
            ),
        })?;
        for p in phrases.iter_mut().chain(hint_phrases.iter_mut()) {
            enc.encode_into(&p.text, &mut p.code, false);
        }
        Ok(Compiled {
            matcher: matcher(&phrases)?,
            enc,
            hint_matcher: matcher(&hint_phrases)?,
            phrases,
            hint_phrases,
            rules,
            services,
            settings: file.settings,
            norm,
        })
    }

    pub(crate) fn encoded_len(&self, text: &str, s: &mut Scratch) -> usize {
        self.enc.encode_into(text, &mut s.text, true);
        s.text.len()
    }

    pub(crate) fn count_matches(&self, text: &str, s: &mut Scratch) -> usize {
        self.enc.encode_into(text, &mut s.text, true);
        self.scan(&s.text, true, &mut s.hits);
        s.hits.len()
    }

    pub(crate) fn automaton_info(&self) -> String {
        format!(
            "main: {} phrases, daachorse automaton, {} bytes; hints: {} phrases, {} bytes",
            self.phrases.len(),
            self.matcher.memory_usage(),
            self.hint_phrases.len(),
            self.hint_matcher.memory_usage()
        )
    }

    pub(crate) fn phrase_count(&self) -> usize {
        self.phrases.len() + self.hint_phrases.len()
    }

    /// The anchor hint that ends at most `anchor_window` distance units before the cue at byte
    /// `cue_start`, if any: its rule and matched phrase. Scans only the text before the cue,
    /// and only for cues that would otherwise not count, so the common path never runs it.
    fn anchor_before(&self, text: &[u16], cue_start: usize) -> Option<(u16, u32)> {
        let window = self.settings.anchor_window;
        if window == 0 {
            return None;
        }
        let prefix = text.get(..cue_start)?;
        let mut best = None;
        self.hint_matcher.for_each(prefix, true, |_, end, phrase| {
            let Some(Owner::Rule(r)) = self.hint_phrases.get(phrase as usize).map(|p| p.owner)
            else {
                return;
            };
            if self.rules[r as usize].anchor && count_units(prefix, end, cue_start) <= window {
                best = Some((r, phrase));
            }
        });
        best
    }

    /// The symptoms named by hint words in `text`.
    fn hinted_symptoms(&self, text: &[u16], trace: &mut Option<&mut Trace>) -> u8 {
        let mut bits = 0u8;
        self.hint_matcher.for_each(text, true, |start, _, phrase| {
            let Some(p) = self.hint_phrases.get(phrase as usize) else {
                return;
            };
            let Owner::Rule(r) = p.owner else { return };
            let rule = &self.rules[r as usize];
            if let Some(sym) = rule.symptom {
                bits |= 1 << symptom_bit(sym);
            }
            if let Some(t) = trace.as_deref_mut() {
                t.fired.push(Fired {
                    rule: rule.id.clone(),
                    kind: rule.kind.as_str(),
                    matched: p.text.clone(),
                    at: start,
                    weight: 0,
                    note: "hint: names the symptom of a complaint no cue named",
                });
            }
        });
        bits
    }

    /// Finds all accepted matches in `text`, with distance-unit offsets. `check_bounds`: phrases
    /// that begin or end with an ASCII letter or digit match only at ASCII word bounds.
    fn scan(&self, text: &[u16], check_bounds: bool, hits: &mut Vec<Hit>) {
        hits.clear();
        self.matcher
            .for_each(text, check_bounds, |start, end, phrase| {
                hits.push(Hit {
                    // Saturate past 4 Gi characters (posts are far shorter).
                    start: u32::try_from(start).unwrap_or(u32::MAX),
                    end: u32::try_from(end).unwrap_or(u32::MAX),
                    cstart: 0,
                    cend: 0,
                    phrase,
                });
            });
    }

    /// Fills the distance positions of `hits` (matches of `text`, in order). Only proximity
    /// decisions read them (a complaint cue and a service alias), so posts without both skip
    /// this pass.
    fn measure(text: &[u16], hits: &mut [Hit]) {
        let (mut cpos, mut last) = (0u32, 0usize);
        for h in hits {
            let (start, end) = (h.start as usize, h.end as usize);
            cpos += count_units(text, last, start);
            h.cstart = cpos;
            cpos += count_units(text, start, end);
            h.cend = cpos;
            last = end;
        }
    }

    #[inline]
    fn owner(&self, h: &Hit) -> Owner {
        self.phrases[h.phrase as usize].owner
    }

    /// The service alias nearest to hit `i` within the proximity window, preferring one that
    /// precedes the cue.
    fn alias_near(&self, hits: &[Hit], i: usize, look_after: bool) -> Option<(u16, u32)> {
        let window = self.settings.service_window;
        let cue = hits[i];
        let mut before = None;
        for h in hits[..i].iter().rev() {
            let d = cue.cstart.saturating_sub(h.cend);
            if d > window {
                break;
            }
            if let Owner::Service(s) = self.owner(h) {
                before = Some((s, d));
                break;
            }
        }
        let mut after = None;
        let following = if look_after { &hits[i + 1..] } else { &[] };
        for h in following {
            let d = h.cstart.saturating_sub(cue.cend);
            if d > window {
                break;
            }
            if let Owner::Service(s) = self.owner(h) {
                after = Some((s, d));
                break;
            }
        }
        match (before, after) {
            (Some(b), Some(a)) => Some(if b.1 <= a.1 + 2 { b } else { a }),
            (b, a) => b.or(a),
        }
    }

    /// The nearest alias to hit `i` at any distance.
    fn alias_anywhere(&self, hits: &[Hit], i: usize) -> Option<u16> {
        let cue = hits[i];
        hits.iter()
            .filter_map(|h| match self.owner(h) {
                Owner::Service(s) => {
                    let d = if h.cend <= cue.cstart {
                        cue.cstart - h.cend
                    } else {
                        h.cstart.saturating_sub(cue.cend) + 2
                    };
                    Some((d, s))
                }
                Owner::Rule(_) => None,
            })
            .min_by_key(|&(d, _)| d)
            .map(|(_, s)| s)
    }

    fn service_by_id(&self, id: &str) -> Option<u16> {
        self.services
            .iter()
            .position(|s| s.id == id)
            .map(|i| i as u16)
    }

    fn fired(&self, h: &Hit, weight: i32, note: &'static str) -> Fired {
        let (rule, kind) = match self.owner(h) {
            Owner::Service(s) => (format!("service:{}", self.services[s as usize].id), "alias"),
            Owner::Rule(r) => {
                let rule = &self.rules[r as usize];
                (rule.id.clone(), rule.kind.as_str())
            }
        };
        Fired {
            rule,
            kind,
            matched: self.phrases[h.phrase as usize].text.clone(),
            at: h.start as usize,
            weight,
            note,
        }
    }

    /// Classifies an explicit topic: outage when it names (or implies) a service together
    /// with a complaint or outage cue.
    fn classify_topic(
        &self,
        name: &str,
        buf: &mut Vec<u16>,
        hits: &mut Vec<Hit>,
        trace: &mut Option<&mut Trace>,
    ) -> (TopicKind, Option<u16>) {
        self.enc.encode_into(name, buf, false);
        self.scan(buf, false, hits);
        let (mut alias, mut implied, mut cue) = (None, None, false);
        for h in hits.iter() {
            match self.owner(h) {
                Owner::Service(s) => {
                    alias = alias.or(Some(s));
                }
                Owner::Rule(r) => {
                    let rule = &self.rules[r as usize];
                    if matches!(rule.kind, RuleKind::Complaint | RuleKind::OutageTalk) {
                        cue = true;
                        implied = implied.or(rule.service);
                    }
                }
            }
            if let Some(t) = trace.as_deref_mut() {
                t.fired.push(self.fired(h, 0, "in topic"));
            }
        }
        let service = alias.or(implied);
        let kind = if cue && service.is_some() {
            TopicKind::Outage
        } else {
            TopicKind::Trend
        };
        if let Some(t) = trace.as_deref_mut() {
            t.reasons.push(format!(
                "topic {name:?}: {} (service {})",
                kind.as_str(),
                service.map_or("none", |s| self.services[s as usize].id.as_str())
            ));
        }
        (kind, service)
    }

    /// The decision procedure shared by `classify` and `explain`.
    pub(crate) fn run(
        &self,
        post: &Post,
        parent: Option<&Tags>,
        s: &mut Scratch,
        mut trace: Option<&mut Trace>,
    ) -> Tags {
        let Scratch {
            text,
            topic,
            hits,
            topic_hits,
            seen,
            stamp,
        } = s;
        self.enc.encode_into(&post.text, text, true);
        self.scan(text, true, hits);
        let (mut alias, mut cue) = (false, false);
        for h in hits.iter() {
            match self.owner(h) {
                Owner::Service(_) => alias = true,
                Owner::Rule(r) => cue |= self.rules[r as usize].kind == RuleKind::Complaint,
            }
        }
        if alias && cue {
            Self::measure(text, hits);
        }
        if let Some(t) = trace.as_deref_mut() {
            self.norm
                .normalise_into(&post.text, &mut t.normalised, true);
        }

        // Explicit topics: kept as given, typed outage/trend, and a source of service context.
        let mut topics: Vec<Topic> = Vec::new();
        let (mut topic_service, mut outage_topic_service) = (None, None);
        for name in &post.topics {
            let (kind, service) = self.classify_topic(name, topic, topic_hits, &mut trace);
            if kind == TopicKind::Outage {
                outage_topic_service = outage_topic_service.or(service);
            }
            topic_service = topic_service.or(service);
            topics.push(Topic {
                name: name.clone(),
                kind,
                service: service.map(|s| self.services[s as usize].id.clone()),
            });
        }
        let parent_service = parent
            .filter(|p| p.outage_complaint)
            .and_then(|p| p.service.as_deref())
            .and_then(|id| self.service_by_id(id));
        let context_service = outage_topic_service.or(topic_service).or(parent_service);

        // Score the matches; each rule counts once.
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            seen.fill(0);
            *stamp = 1;
        }
        if seen.len() < self.rules.len() {
            seen.resize(self.rules.len(), 0);
        }
        let (mut score, mut boost) = (0i32, 0i32);
        let (mut cue_max, mut cues) = (i32::MIN, 0u32);
        let (mut evidence, mut talk, mut countered) = (false, false, false);
        // Off-topic weight (price, ads, laughs, memes): it argues against the post's own cues,
        // not against a reposted complaint ("哈哈哈 我也是" still reposts it).
        let mut offtopic = 0i32;
        let mut symptoms = 0u8;
        let (mut first_cue, mut implied) = (None, None);
        let mut first_alias = None;
        for (i, h) in hits.iter().enumerate() {
            let r = match self.owner(h) {
                Owner::Service(s) => {
                    first_alias = first_alias.or(Some(s));
                    if let Some(t) = trace.as_deref_mut() {
                        t.fired.push(self.fired(h, 0, "service alias"));
                    }
                    continue;
                }
                Owner::Rule(r) => r as usize,
            };
            let rule = &self.rules[r];
            let first_time = seen[r] != *stamp;
            let mut note = "counted";
            let mut added = 0;
            match rule.kind {
                RuleKind::Complaint => {
                    let mut satisfied = !rule.needs_service
                        || rule.service.is_some()
                        || context_service.is_some()
                        || self.alias_near(hits, i, rule.alias_after).is_some();
                    if !satisfied
                        && let Some((a, phrase)) = self.anchor_before(text, h.start as usize)
                    {
                        // "登录…失败": the hint names what fails, the cue says it fails.
                        satisfied = true;
                        if rule.symptom.is_none()
                            && let Some(sym) = self.rules[a as usize].symptom
                        {
                            symptoms |= 1 << symptom_bit(sym);
                        }
                        if let Some(t) = trace.as_deref_mut() {
                            t.reasons.push(format!(
                                "{:?} anchors the failure cue {:?} without a service",
                                self.hint_phrases[phrase as usize].text,
                                self.phrases[h.phrase as usize].text
                            ));
                        }
                    }
                    if satisfied {
                        talk = true;
                        evidence = true;
                        first_cue = first_cue.or(Some(i));
                        implied = implied.or(rule.service);
                        if let Some(sym) = rule.symptom {
                            symptoms |= 1 << symptom_bit(sym);
                        }
                        if first_time {
                            added = rule.weight;
                            cue_max = cue_max.max(added);
                            cues += 1;
                            seen[r] = *stamp;
                            note = "complaint cue";
                        } else {
                            note = "rule already counted";
                        }
                    } else {
                        note = "no service in reach: not counted";
                    }
                }
                RuleKind::Boost => {
                    if first_time {
                        added = rule.weight;
                        boost += added;
                        seen[r] = *stamp;
                        note = "boost: counts only with complaint evidence";
                    } else {
                        note = "rule already counted";
                    }
                }
                RuleKind::Mask => note = "mask: hides the cue words inside it",
                RuleKind::Hint => note = "hint",
                kind => {
                    if matches!(
                        kind,
                        RuleKind::OutageTalk | RuleKind::Fixed | RuleKind::Negation
                    ) {
                        talk = true;
                    }
                    if matches!(
                        kind,
                        RuleKind::Report | RuleKind::Fixed | RuleKind::Negation
                    ) {
                        countered = true;
                    }
                    if first_time {
                        added = rule.weight;
                        score += added;
                        if kind == RuleKind::Offtopic {
                            offtopic += added;
                        }
                        seen[r] = *stamp;
                    } else {
                        note = "rule already counted";
                    }
                }
            }
            if let Some(t) = trace.as_deref_mut() {
                t.fired.push(self.fired(h, added, note));
            }
        }
        // Complaint evidence saturates: the strongest cue, plus one per further cue rule up
        // to `max_extra_cues`, so a report listing many symptoms does not outweigh its
        // reporting style.
        let extra = (cues.saturating_sub(1)).min(self.settings.max_extra_cues);
        if evidence && cues > 0 {
            score += cue_max + extra as i32 + boost;
        }
        let threshold = self.settings.complaint_threshold;
        let mut complaint = evidence && score >= threshold;
        if let Some(t) = trace.as_deref_mut() {
            t.evidence = evidence;
            t.score = score;
            t.reasons.push(if evidence {
                format!(
                    "complaint evidence; score {score} (strongest cue {cue_max:+}, {extra} more cues, boosts {boost:+}) {} threshold {threshold}",
                    if complaint { ">=" } else { "<" }
                )
            } else {
                "no complaint evidence".to_owned()
            });
        }

        // Which service the post is about.
        let near = first_cue
            .and_then(|i| self.alias_near(hits, i, true))
            .map(|(s, _)| s);
        let mut service = if evidence {
            near.or(outage_topic_service)
                .or(implied)
                .or_else(|| first_cue.and_then(|i| self.alias_anywhere(hits, i)))
                .or(topic_service)
        } else {
            first_alias.or(outage_topic_service).or(topic_service)
        };
        if let Some(t) = trace.as_deref_mut() {
            let how = match (evidence, near, service) {
                (_, _, None) => "no service named",
                (true, Some(_), _) => "alias nearest the first complaint cue",
                (true, None, s) if s == outage_topic_service => "the post's outage topic",
                (true, None, s) if s == implied => "implied by the complaint cue",
                (true, None, _) => "nearest alias outside the window",
                (false, _, s) if s == first_alias => "first alias in the text",
                (false, _, _) => "the post's topic",
            };
            t.reasons.push(format!(
                "service {}: {how}",
                service.map_or("none", |s| self.services[s as usize].id.as_str())
            ));
        }

        // A bare repost of a complaint inherits it, unless the repost itself argues against.
        let mut inherited = None;
        if !complaint && let Some(p) = parent.filter(|p| p.outage_complaint) {
            if !countered && score - offtopic >= 0 {
                complaint = true;
                inherited = Some(p);
                if service.is_none() || !evidence {
                    service = parent_service.or(service);
                }
                if let Some(t) = trace.as_deref_mut() {
                    t.reasons
                        .push("inherits the complaint of the reposted post".into());
                }
            } else if let Some(t) = trace.as_deref_mut() {
                t.reasons
                    .push("reposts a complaint but argues against it: not inherited".into());
            }
        }

        let mut outage_mention =
            !complaint && (talk || outage_topic_service.is_some()) && service.is_some();
        // A bare repost of news or of an ordinary post keeps the parent's mention and service.
        if !complaint
            && !evidence
            && let Some(p) = parent
        {
            if p.outage_mention && !outage_mention {
                outage_mention = true;
                if let Some(t) = trace.as_deref_mut() {
                    t.reasons
                        .push("inherits the outage mention of the reposted post".into());
                }
            }
            if service.is_none() {
                service = p.service.as_deref().and_then(|id| self.service_by_id(id));
            }
        }

        let mut symptom_list = Vec::new();
        if complaint {
            if symptoms == 0 && evidence {
                symptoms = self.hinted_symptoms(text, &mut trace);
            }
            symptom_list.extend(
                SYMPTOMS
                    .iter()
                    .copied()
                    .filter(|&s| symptoms & (1 << symptom_bit(s)) != 0),
            );
        }
        let service_id = match (service, inherited) {
            (Some(s), _) => Some(self.services[s as usize].id.clone()),
            (None, Some(p)) => p.service.clone(),
            (None, None) => None,
        };
        if let Some(p) = inherited {
            symptom_list.extend(p.symptoms.iter().copied());
            symptom_list.sort_unstable();
            symptom_list.dedup();
            topics.extend(p.topics.iter().cloned());
        }
        if complaint && let Some(s) = service {
            let svc = &self.services[s as usize];
            topics.push(Topic {
                name: svc.outage_topic.clone(),
                kind: TopicKind::Outage,
                service: Some(svc.id.clone()),
            });
        }
        if topics.len() > 1 {
            topics.sort_unstable();
            topics.dedup();
        }
        Tags {
            outage_complaint: complaint,
            outage_mention,
            service: service_id,
            symptoms: symptom_list,
            topics,
        }
    }
}
