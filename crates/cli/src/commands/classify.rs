//! `trendwatch classify`: tag JSON lines of posts (outage complaint, mention, service,
//! symptoms, topics), and `trendwatch classify eval`: score the rules against a labelled corpus.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use trendwatch_classifier::{Classifier, eval, input};
use trendwatch_model::Tags;

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
    /// Evaluate one split only (`train`, `dev`, `dev2`, `dev3`, `dev4` or `heldout`); default: all
    /// posts.
    #[arg(long)]
    split: Option<String>,
    /// A rules file to use instead of the built-in rules.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Also list every misclassified post.
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
    let source = args
        .input
        .as_ref()
        .map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());
    let mut out = BufWriter::new(std::io::stdout().lock());
    // Classifications of earlier posts that reposts may point at (complaints and mentions).
    let mut parents: HashMap<String, Tags> = HashMap::new();
    let (mut read, mut skipped, mut complaints) = (0u64, 0u64, 0u64);
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {source} line {}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        read += 1;
        let item = match input::parse_line(&line) {
            Ok(item) => item,
            Err(e) => {
                skipped += 1;
                tracing::warn!("{source} line {}: {e}; skipped", n + 1);
                continue;
            }
        };
        let embedded = item.parent.as_ref().map(|p| classifier.classify(p, None));
        let parent = embedded.as_ref().or_else(|| {
            item.post
                .repost_of
                .as_deref()
                .and_then(|id| parents.get(id))
        });
        let (tags, explanation) = if args.explain {
            let e = classifier.explain(&item.post, parent);
            (e.tags.clone(), Some(e))
        } else {
            (classifier.classify(&item.post, parent), None)
        };
        let record = Output {
            id: &item.post.id,
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
        if tags.outage_complaint {
            complaints += 1;
        }
        if tags.outage_complaint || tags.outage_mention {
            if parents.len() >= PARENT_MEMORY {
                parents.clear();
            }
            parents.insert(item.post.id, tags);
        }
    }
    out.flush()?;
    tracing::info!(
        "classified {} posts from {source}: {complaints} complaints, {skipped} skipped",
        read - skipped
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
