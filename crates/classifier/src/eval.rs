//! Evaluation against a labelled corpus (`fixtures/classifier/corpus.jsonl`): precision, recall
//! and F1 of `outage_complaint` per language, service attribution on true complaints, the
//! false-positive rate on ordinary posts that merely mention a service, and a confusion matrix.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use trendwatch_model::{Symptom, Tags};

use crate::Classifier;
use crate::input::{extract_topics, post_from_text};

/// The gold labels of one post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    /// The author reports a service not working now.
    pub outage_complaint: bool,
    /// The post talks about an outage without being a complaint.
    pub outage_mention: bool,
    /// The service the post is about, if any.
    pub service: Option<String>,
    /// Symptoms a complaint names.
    #[serde(default)]
    pub symptoms: Vec<Symptom>,
}

/// One labelled post of the corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledPost {
    /// Unique id within the corpus.
    pub id: String,
    /// The post text as it would appear on Weibo (plain text, `#topics#` inline).
    pub text: String,
    /// `zh` or `en`.
    pub lang: String,
    /// Gold labels.
    pub labels: Labels,
    /// `train` (rules may be tuned on it) or `heldout` (never looked at while writing rules).
    pub split: String,
    /// What sort of post this is (`complaint`, `ordinary`, `joke`, `news`, `fixed`, …); the
    /// false-positive rate is reported on `ordinary`.
    #[serde(default)]
    pub category: String,
    /// Id of another corpus post this one reposts (its classification becomes the parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repost_of: Option<String>,
}

/// Why a labels file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("labels line {line}: {message}")]
pub struct LabelsError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a JSON-lines labels file (blank lines are skipped).
pub fn parse_labels(text: &str) -> Result<Vec<LabelledPost>, LabelsError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let post: LabelledPost = serde_json::from_str(line).map_err(|e| LabelsError {
            line: i + 1,
            message: e.to_string(),
        })?;
        if post.lang != "zh" && post.lang != "en" {
            return Err(LabelsError {
                line: i + 1,
                message: format!(
                    "field `lang`: expected \"zh\" or \"en\", got {:?}",
                    post.lang
                ),
            });
        }
        out.push(post);
    }
    Ok(out)
}

/// Binary confusion counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// True positives.
    pub tp: u32,
    /// False positives.
    pub fp: u32,
    /// False negatives.
    pub fn_: u32,
    /// True negatives.
    pub tn: u32,
}

impl Counts {
    fn add(&mut self, gold: bool, pred: bool) {
        match (gold, pred) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    /// tp / (tp + fp); 1 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn); 1 when there was nothing to find.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        1.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// The three-way class of a post: complaint, mention, or neither.
fn class(complaint: bool, mention: bool) -> usize {
    if complaint {
        0
    } else if mention {
        1
    } else {
        2
    }
}

const CLASS_NAMES: [&str; 3] = ["complaint", "mention", "neither"];

/// Figures for one language (or all).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LangReport {
    /// Posts evaluated.
    pub posts: u32,
    /// `outage_complaint` counts.
    pub complaint: Counts,
    /// `outage_mention` counts.
    pub mention: Counts,
    /// Gold complaints whose predicted service equals the gold service.
    pub service_correct: u32,
    /// Gold complaints.
    pub service_total: u32,
    /// Ordinary service mentions predicted as complaints.
    pub ordinary_fired: u32,
    /// Ordinary service mentions.
    pub ordinary_total: u32,
    /// Symptom counts (micro-averaged over gold complaints).
    pub symptoms: Counts,
    /// `confusion[gold][predicted]` over complaint / mention / neither.
    pub confusion: [[u32; 3]; 3],
}

impl LangReport {
    /// Share of gold complaints attributed to the right service.
    pub fn service_accuracy(&self) -> f64 {
        ratio(self.service_correct, self.service_total)
    }

    /// Share of ordinary service mentions wrongly flagged as complaints.
    pub fn ordinary_fp_rate(&self) -> f64 {
        if self.ordinary_total == 0 {
            0.0
        } else {
            f64::from(self.ordinary_fired) / f64::from(self.ordinary_total)
        }
    }
}

/// One misclassified post.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Corpus id.
    pub id: String,
    /// Category.
    pub category: String,
    /// What went wrong (`FP complaint`, `service qq != wechat`, …).
    pub what: String,
    /// The text.
    pub text: String,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Which split was evaluated (`all`, `train`, `heldout`).
    pub split: String,
    /// Per language (`zh`, `en`) and `all`.
    pub by_lang: BTreeMap<String, LangReport>,
    /// Errors per category: (posts, complaint errors).
    pub by_category: BTreeMap<String, (u32, u32)>,
    /// Every error, in corpus order.
    pub misses: Vec<Miss>,
}

/// Classifies every post of `split` (`None` = all) and compares with the gold labels.
pub fn evaluate(classifier: &Classifier, corpus: &[LabelledPost], split: Option<&str>) -> Report {
    // First pass: classify everything without parents, so reposts can look theirs up.
    let posts: Vec<_> = corpus
        .iter()
        .map(|lp| {
            let mut post = post_from_text(&lp.id, &lp.text);
            post.topics = extract_topics(&lp.text);
            post.repost_of.clone_from(&lp.repost_of);
            post
        })
        .collect();
    let first: HashMap<&str, Tags> = corpus
        .iter()
        .zip(&posts)
        .filter(|(lp, _)| lp.repost_of.is_none())
        .map(|(lp, p)| (lp.id.as_str(), classifier.classify(p, None)))
        .collect();

    let mut report = Report {
        split: split.unwrap_or("all").to_owned(),
        ..Report::default()
    };
    for (lp, post) in corpus.iter().zip(&posts) {
        if split.is_some_and(|s| s != lp.split) {
            continue;
        }
        let parent = lp.repost_of.as_deref().and_then(|id| first.get(id));
        let tags = match first.get(lp.id.as_str()) {
            Some(t) if parent.is_none() => t.clone(),
            _ => classifier.classify(post, parent),
        };
        let gold = &lp.labels;
        let mut whats = Vec::new();
        if gold.outage_complaint != tags.outage_complaint {
            whats.push(
                if tags.outage_complaint {
                    "FP complaint"
                } else {
                    "FN complaint"
                }
                .to_owned(),
            );
        }
        if gold.outage_complaint && tags.service != gold.service {
            whats.push(format!(
                "service {} != gold {}",
                tags.service.as_deref().unwrap_or("none"),
                gold.service.as_deref().unwrap_or("none")
            ));
        }
        if !gold.outage_complaint && gold.outage_mention != tags.outage_mention {
            whats.push(
                if tags.outage_mention {
                    "FP mention"
                } else {
                    "FN mention"
                }
                .to_owned(),
            );
        }
        for key in [lp.lang.as_str(), "all"] {
            let r = report.by_lang.entry(key.to_owned()).or_default();
            r.posts += 1;
            r.complaint
                .add(gold.outage_complaint, tags.outage_complaint);
            r.mention.add(gold.outage_mention, tags.outage_mention);
            if gold.outage_complaint {
                r.service_total += 1;
                if tags.service == gold.service {
                    r.service_correct += 1;
                }
                for s in [
                    Symptom::LoginFailure,
                    Symptom::CannotSendMessages,
                    Symptom::PaymentFailure,
                    Symptom::AppCrash,
                    Symptom::NetworkError,
                    Symptom::SlowOrTimeout,
                    Symptom::DataLoss,
                ] {
                    r.symptoms
                        .add(gold.symptoms.contains(&s), tags.symptoms.contains(&s));
                }
            }
            if lp.category == "ordinary" {
                r.ordinary_total += 1;
                if tags.outage_complaint {
                    r.ordinary_fired += 1;
                }
            }
            r.confusion[class(gold.outage_complaint, gold.outage_mention)]
                [class(tags.outage_complaint, tags.outage_mention)] += 1;
        }
        let cat = report.by_category.entry(lp.category.clone()).or_default();
        cat.0 += 1;
        if gold.outage_complaint != tags.outage_complaint {
            cat.1 += 1;
        }
        if !whats.is_empty() {
            report.misses.push(Miss {
                id: lp.id.clone(),
                category: lp.category.clone(),
                what: whats.join("; "),
                text: lp.text.clone(),
            });
        }
    }
    report
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "split: {}", self.split)?;
        writeln!(
            f,
            "{:<4} {:>6} | {:>9} {:>7} {:>6} | {:>9} {:>7} | {:>12} | {:>13} | {:>8}",
            "lang",
            "posts",
            "precision",
            "recall",
            "F1",
            "mention P",
            "R",
            "service acc",
            "ordinary FP",
            "symp F1"
        )?;
        for (lang, r) in &self.by_lang {
            writeln!(
                f,
                "{:<4} {:>6} | {:>9.4} {:>7.4} {:>6.4} | {:>9.4} {:>7.4} | {:>5.4} {:>6} | {:>6.4} {:>6} | {:>8.4}",
                lang,
                r.posts,
                r.complaint.precision(),
                r.complaint.recall(),
                r.complaint.f1(),
                r.mention.precision(),
                r.mention.recall(),
                r.service_accuracy(),
                format!("{}/{}", r.service_correct, r.service_total),
                r.ordinary_fp_rate(),
                format!("{}/{}", r.ordinary_fired, r.ordinary_total),
                r.symptoms.f1(),
            )?;
        }
        if let Some(all) = self.by_lang.get("all") {
            writeln!(
                f,
                "\nconfusion (rows gold, columns predicted), all languages:"
            )?;
            writeln!(
                f,
                "{:<10} {:>10} {:>10} {:>10}",
                "", CLASS_NAMES[0], CLASS_NAMES[1], CLASS_NAMES[2]
            )?;
            for (g, row) in all.confusion.iter().enumerate() {
                writeln!(
                    f,
                    "{:<10} {:>10} {:>10} {:>10}",
                    CLASS_NAMES[g], row[0], row[1], row[2]
                )?;
            }
        }
        writeln!(f, "\ncomplaint errors by category:")?;
        for (cat, (n, e)) in &self.by_category {
            writeln!(f, "  {cat:<16} {e:>4} / {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_compute_ratios() {
        let c = Counts {
            tp: 9,
            fp: 1,
            fn_: 1,
            tn: 5,
        };
        assert!((c.precision() - 0.9).abs() < 1e-9);
        assert!((c.recall() - 0.9).abs() < 1e-9);
        assert!((c.f1() - 0.9).abs() < 1e-9);
        assert_eq!(Counts::default().precision(), 1.0);
    }

    #[test]
    fn evaluates_a_tiny_corpus() {
        let text = r#"{"id":"a","text":"微信崩了，登不上","lang":"zh","labels":{"outage_complaint":true,"outage_mention":false,"service":"wechat","symptoms":["login_failure"]},"split":"train","category":"complaint"}
{"id":"b","text":"用微信给妈妈发了个红包","lang":"zh","labels":{"outage_complaint":false,"outage_mention":false,"service":"wechat","symptoms":[]},"split":"heldout","category":"ordinary"}
{"id":"c","text":"转发微博","lang":"zh","labels":{"outage_complaint":true,"outage_mention":false,"service":"wechat","symptoms":["login_failure"]},"split":"train","category":"repost","repost_of":"a"}
"#;
        let corpus = parse_labels(text).unwrap();
        let report = evaluate(&Classifier::builtin(), &corpus, None);
        let all = &report.by_lang["all"];
        assert_eq!(all.posts, 3);
        assert_eq!(
            all.complaint,
            Counts {
                tp: 2,
                fp: 0,
                fn_: 0,
                tn: 1
            }
        );
        assert_eq!(all.service_correct, 2);
        assert_eq!(all.ordinary_total, 1);
        assert!(report.misses.is_empty(), "{:?}", report.misses);
        let held = evaluate(&Classifier::builtin(), &corpus, Some("heldout"));
        assert_eq!(held.by_lang["all"].posts, 1);
        assert!(report.to_string().contains("confusion"));
    }

    #[test]
    fn labels_errors_name_the_line() {
        let err = parse_labels("\n{}\n").unwrap_err();
        assert_eq!(err.line, 2);
        let err = parse_labels(r#"{"id":"a","text":"x","lang":"fr","labels":{"outage_complaint":false,"outage_mention":false,"service":null},"split":"train"}"#).unwrap_err();
        assert!(err.message.contains("lang"));
    }
}
