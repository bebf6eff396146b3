//! `trendwatch classify`: tag JSON lines of posts (outage complaint, mention, service,
//! symptoms, topics), and `trendwatch classify eval`: score the rules against a labelled corpus.
//!
//! Input lines are read by the scraper (`parse_json_line`: Weibo `mblog` objects, cards, API
//! pages, `trendwatch parse` posts); lines it cannot use as posts but that carry an `id` and a
//! `text` (`{"id": …, "text": …}`) are read as bare posts, their text through the scraper's
//! HTML-to-text conversion.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::Value;
use trendwatch_classifier::{Classifier, eval, input};
use trendwatch_model::{Post, Tags};
use trendwatch_scraper::text::{Whitespace, html_to_text};
use trendwatch_scraper::{RecordError, SourceItem, parse_json_line};

/// Arguments of `trendwatch classify`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ClassifyArgs {
    /// `eval`: score the rules against a labelled corpus instead of classifying.
    #[command(subcommand)]
    command: Option<ClassifyCommand>,
    /// JSON lines to classify: Weibo mblog objects, `trendwatch parse` posts or
    /// `{"id": …, "text": …}` (default: stdin).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// A rules file to use instead of the built-in rules (same format as
    /// crates/classifier/rules/default.toml).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Add an `explain` object to every output line: the normalised text, every rule and alias
    /// that matched with its weight, the score and the decision steps.
    #[arg(long)]
    explain: bool,
}

#[derive(Debug, clap::Subcommand)]
enum ClassifyCommand {
    /// Precision/recall/F1 per language, service attribution, false positives on ordinary
    /// service mentions and a confusion matrix, against a labelled JSON-lines corpus.
    Eval(EvalArgs),
}

/// Arguments of `trendwatch classify eval`.
#[derive(Debug, clap::Args)]
struct EvalArgs {
    /// The labelled corpus (e.g. fixtures/classifier/corpus.jsonl).
    #[arg(long, value_name = "FILE")]
    labels: PathBuf,
    /// Evaluate one split only (`train`, `dev`, `dev2`, `dev3`, `dev4`, `dev5` or `heldout`);
    /// default: all posts.
    #[arg(long)]
    split: Option<String>,
    /// A rules file to use instead of the built-in rules.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Also list every misclassified post (tuning splits only: the held-out texts stay unseen).
    #[arg(long)]
    errors: bool,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// One output line: the input's id and the classifier's fields.
#[derive(Debug, serde::Serialize)]
struct Output<'a> {
    id: &'a str,
    #[serde(flatten)]
    tags: &'a Tags,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<ExplainOut<'a>>,
}

#[derive(Debug, serde::Serialize)]
struct ExplainOut<'a> {
    normalised: &'a str,
    score: i32,
    threshold: i32,
    evidence: bool,
    fired: &'a [trendwatch_classifier::Fired],
    reasons: &'a [String],
}

/// How many parent classifications to remember for reposts before starting afresh.
const PARENT_MEMORY: usize = 1_000_000;

fn load_classifier(rules: Option<&Path>) -> anyhow::Result<Classifier> {
    match rules {
        None => Ok(Classifier::builtin()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading rules file {}", path.display()))?;
            Classifier::from_toml_str(&text).with_context(|| format!("in {}", path.display()))
        }
    }
}

/// The posts of one input line: those to classify and print, and the posts they repost that
/// the line embeds (classified as parents only).
#[derive(Debug, Default)]
struct LinePosts {
    posts: Vec<Post>,
    embedded: Vec<Post>,
}

/// Reads one input line. `Err` says (with file and line) why the line holds no post.
fn read_line(line: &str, file: &Path, line_no: u64) -> Result<LinePosts, String> {
    let mut items = Vec::new();
    parse_json_line(line.as_bytes(), file, line_no, None, &mut items);
    let mut posts = Vec::new();
    let mut first_error: Option<RecordError> = None;
    let mut parent_failed = false;
    for item in items {
        match item {
            Ok(SourceItem::Post(post)) => posts.push(post),
            Ok(SourceItem::HotSearch(_)) => {}
            Err(e) => {
                parent_failed |= e.field.starts_with("retweeted_status");
                first_error.get_or_insert(e);
            }
        }
    }
    if posts.is_empty() {
        // Not a post the scraper accepts (no user, no time, …): a bare `{"id", "text"}`?
        return bare_post(line)
            .map(|(post, parent)| LinePosts {
                posts: vec![post],
                embedded: parent.into_iter().collect(),
            })
            .ok_or_else(|| match first_error {
                Some(e) => e.to_string(),
                None => format!("{}:{line_no}: record: no post in the line", file.display()),
            });
    }
    // The scraper yields a repost's original first, as its own post: keep it as a parent.
    let reposted: HashSet<String> = posts.iter().filter_map(|p| p.repost_of.clone()).collect();
    let (embedded, posts): (Vec<Post>, Vec<Post>) =
        posts.into_iter().partition(|p| reposted.contains(&p.id));
    let mut lp = LinePosts { posts, embedded };
    if parent_failed && lp.embedded.is_empty() {
        // An original the scraper could not take as a post (no user: deleted or trimmed)
        // still gives its reposts their context.
        lp.embedded
            .extend(bare_post(line).and_then(|(_, parent)| parent));
    }
    Ok(lp)
}

/// A bare post `{"id" | "idstr" | "mid": …, "text": …, "topics"?: […], "repost_of"?: …,
/// "retweeted_status"?: {…}}`, and the bare post it embeds.
fn bare_post(line: &str) -> Option<(Post, Option<Post>)> {
    let value: Value = serde_json::from_str(line).ok()?;
    let post = bare_value(&value)?;
    let parent = value.get("retweeted_status").and_then(bare_value);
    let mut post = post;
    if post.repost_of.is_none() {
        post.repost_of = parent.as_ref().map(|p| p.id.clone());
    }
    Some((post, parent))
}

fn bare_value(value: &Value) -> Option<Post> {
    let id_of = |v: Option<&Value>| match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let obj = value.as_object()?;
    let id = id_of(obj.get("idstr"))
        .or_else(|| id_of(obj.get("id")))
        .or_else(|| id_of(obj.get("mid")))?;
    let plain = html_to_text(obj.get("text")?.as_str()?, Whitespace::Keep);
    let mut post = input::post_from_text(&id, &plain.text);
    post.topics = match obj.get("topics").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(|t| t.trim().trim_matches('#').trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        None => plain.topics,
    };
    post.repost_of = id_of(obj.get("repost_of"));
    Some(post)
}

/// Runs `trendwatch classify`.
pub fn run(args: ClassifyArgs) -> anyhow::Result<()> {
    if let Some(ClassifyCommand::Eval(eval_args)) = args.command {
        return run_eval(eval_args);
    }
    let classifier = load_classifier(args.rules.as_deref())?;
    let reader: Box<dyn BufRead> = match &args.input {
        Some(path) => Box::new(BufReader::new(
            File::open(path).with_context(|| format!("opening {}", path.display()))?,
        )),
        None => Box::new(BufReader::new(std::io::stdin().lock())),
    };
    let source = args.input.clone().unwrap_or_else(|| PathBuf::from("stdin"));
    let mut out = BufWriter::new(std::io::stdout().lock());
    // Classifications of earlier posts that reposts may point at (complaints and mentions).
    let mut parents: HashMap<String, Tags> = HashMap::new();
    let (mut classified, mut skipped, mut complaints) = (0u64, 0u64, 0u64);
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {} line {}", source.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let line_posts = match read_line(&line, &source, n as u64 + 1) {
            Ok(posts) => posts,
            Err(e) => {
                skipped += 1;
                tracing::warn!("{e}; skipped");
                continue;
            }
        };
        let embedded: HashMap<&str, Tags> = line_posts
            .embedded
            .iter()
            .map(|p| (p.id.as_str(), classifier.classify(p, None)))
            .collect();
        for post in &line_posts.posts {
            let parent = post
                .repost_of
                .as_deref()
                .and_then(|id| embedded.get(id).or_else(|| parents.get(id)));
            let (tags, explanation) = if args.explain {
                let e = classifier.explain(post, parent);
                (e.tags.clone(), Some(e))
            } else {
                (classifier.classify(post, parent), None)
            };
            let record = Output {
                id: &post.id,
                tags: &tags,
                explain: explanation.as_ref().map(|e| ExplainOut {
                    normalised: &e.normalised,
                    score: e.score,
                    threshold: e.threshold,
                    evidence: e.evidence,
                    fired: &e.fired,
                    reasons: &e.reasons,
                }),
            };
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
            classified += 1;
            if tags.outage_complaint {
                complaints += 1;
            }
            if tags.outage_complaint || tags.outage_mention {
                if parents.len() >= PARENT_MEMORY {
                    parents.clear();
                }
                parents.insert(post.id.clone(), tags);
            }
        }
    }
    out.flush()?;
    tracing::info!(
        "classified {classified} posts from {}: {complaints} complaints, {skipped} lines skipped",
        source.display()
    );
    Ok(())
}

fn run_eval(args: EvalArgs) -> anyhow::Result<()> {
    let classifier = load_classifier(args.rules.as_deref())?;
    let mut text = String::new();
    File::open(&args.labels)
        .and_then(|mut f| f.read_to_string(&mut text))
        .with_context(|| format!("reading {}", args.labels.display()))?;
    let corpus =
        eval::parse_labels(&text).with_context(|| format!("in {}", args.labels.display()))?;
    if let Some(split) = &args.split
        && !corpus.iter().any(|p| &p.split == split)
    {
        anyhow::bail!("no post in {} has split {split:?}", args.labels.display());
    }
    if args.errors && args.split.as_deref().is_none_or(|s| s == "heldout") {
        anyhow::bail!(
            "--errors lists the errors of one tuning split (--split train, dev, …): the held-out \
             split's texts are not shown"
        );
    }
    let report = eval::evaluate(&classifier, &corpus, args.split.as_deref());
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{report}")?;
        if args.errors {
            writeln!(out, "\nerrors ({}):", report.misses.len())?;
            for m in &report.misses {
                writeln!(out, "  {} [{}] {}: {}", m.id, m.category, m.what, m.text)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<LinePosts, String> {
        read_line(line, Path::new("in.jsonl"), 3)
    }

    #[test]
    fn reads_bare_posts_with_html_and_topics() {
        let lp =
            read(r##"{"id": 42, "text": "<a href='/k/x'>#微信崩了#</a> 登不上&amp;<br/>[怒]"}"##)
                .unwrap();
        assert_eq!(lp.posts.len(), 1);
        assert!(lp.embedded.is_empty());
        let p = &lp.posts[0];
        assert_eq!(p.id, "42");
        assert_eq!(p.text, "#微信崩了# 登不上&\n[怒]");
        assert_eq!(p.topics, vec!["微信崩了".to_owned()]);
    }

    #[test]
    fn keeps_embedded_originals_as_parents() {
        // A full original: the scraper yields it first, as its own post.
        let line = r#"{"idstr":"4","created_at":"Sun Sep 13 13:06:22 +0800 2015","text":"我也是","user":{"id":8,"screen_name":"a"},"retweeted_status":{"idstr":"3","created_at":"Sun Sep 13 13:01:00 +0800 2015","text":"支付宝付款失败","user":{"id":9,"screen_name":"b"}}}"#;
        let lp = read(line).unwrap();
        assert_eq!(lp.posts.len(), 1);
        assert_eq!(lp.posts[0].id, "4");
        assert_eq!(lp.posts[0].repost_of.as_deref(), Some("3"));
        assert_eq!(lp.embedded.len(), 1);
        assert_eq!(lp.embedded[0].id, "3");
        // An original without a user (deleted, or trimmed by the saver) still gives context.
        let line = r#"{"idstr":"2","created_at":"Sun Sep 13 13:05:22 +0800 2015","text":"转发微博","user":{"id":7,"screen_name":"c"},"retweeted_status":{"id":"1","text":"微信崩了"}}"#;
        let lp = read(line).unwrap();
        assert_eq!(lp.posts[0].repost_of.as_deref(), Some("1"));
        assert_eq!(lp.embedded.len(), 1);
        assert_eq!(lp.embedded[0].text, "微信崩了");
    }

    #[test]
    fn says_where_a_line_without_a_post_is() {
        for bad in ["not json", "[1]", r#"{"text":"no id"}"#, r#"{"id":"1"}"#] {
            let err = read(bad).err().unwrap_or_default();
            assert!(err.starts_with("in.jsonl:3: "), "{bad}: {err}");
        }
    }
}
