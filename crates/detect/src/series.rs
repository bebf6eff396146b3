//! Scoring whole `timestamp,value` series (NAB's data format) with the detector.
//!
//! Pure text in, text out: the caller reads and writes files. Each row is one bucket, fed to a
//! fresh [`TopicDetector`] in file order, exactly as the pipeline feeds a topic's buckets.

use chrono::{DateTime, NaiveDateTime};
use trendwatch_model::UnixSeconds;

use crate::detector::{DetectorConfig, Observation, TopicDetector};

/// A malformed series; every variant names the file and, where it applies, the line and field.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SeriesError {
    /// The file has no header line.
    #[error("{file}: empty file (expected a `timestamp,value` header)")]
    Empty {
        /// File name as given by the caller.
        file: String,
    },
    /// The header lacks a required column.
    #[error("{file} line 1: no `{field}` column in header `{header}`")]
    MissingColumn {
        /// File name.
        file: String,
        /// The missing column.
        field: &'static str,
        /// The header line as read.
        header: String,
    },
    /// A row has fewer fields than the header needs.
    #[error("{file} line {line}: missing field `{field}`")]
    MissingField {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The missing field.
        field: &'static str,
    },
    /// A timestamp is neither `YYYY-MM-DD HH:MM:SS` nor RFC 3339.
    #[error(
        "{file} line {line} field `timestamp`: cannot parse {text:?} (expected `YYYY-MM-DD HH:MM:SS` or RFC 3339)"
    )]
    BadTimestamp {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The field's text.
        text: String,
    },
    /// A value is not a finite, non-negative number.
    #[error("{file} line {line} field `value`: {text:?} is not a finite non-negative number")]
    BadValue {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The field's text.
        text: String,
    },
    /// Timestamps must increase strictly (one row per bucket, in order).
    #[error(
        "{file} line {line} field `timestamp`: {text:?} is not after the previous row's timestamp"
    )]
    NotIncreasing {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The field's text.
        text: String,
    },
}

/// One parsed row of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    /// 1-based line number in the file.
    pub line: usize,
    /// The timestamp exactly as written (copied verbatim to the output).
    pub timestamp_text: String,
    /// The timestamp as Unix seconds (zone-less timestamps are read as UTC).
    pub timestamp: UnixSeconds,
    /// The value exactly as written.
    pub value_text: String,
    /// The value (participants in the bucket).
    pub value: f64,
}

/// Parses `YYYY-MM-DD HH:MM:SS[.f]` (no zone, read as UTC; `T` also accepted) or RFC 3339.
pub fn parse_timestamp(text: &str) -> Option<UnixSeconds> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    None
}

/// Removes surrounding whitespace and one pair of double quotes.
fn unquote(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|g| g.strip_suffix('"'))
        .unwrap_or(f)
}

/// Parses a CSV series with (at least) `timestamp` and `value` columns. `file` only labels
/// errors. Blank lines are skipped; fields are split on commas (no embedded commas).
pub fn parse_series(file: &str, text: &str) -> Result<Vec<SeriesRow>, SeriesError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_idx, header)) = lines.next() else {
        return Err(SeriesError::Empty {
            file: file.to_owned(),
        });
    };
    let names: Vec<&str> = header.split(',').map(unquote).collect();
    let column = |field: &'static str| {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(field))
            .ok_or_else(|| SeriesError::MissingColumn {
                file: file.to_owned(),
                field,
                header: header.trim().to_owned(),
            })
    };
    let (ti, vi) = (column("timestamp")?, column("value")?);
    let _ = header_idx;
    let mut rows: Vec<SeriesRow> = Vec::new();
    for (idx, line) in lines {
        let line_no = idx + 1;
        let fields: Vec<&str> = line.split(',').map(unquote).collect();
        let get = |i: usize, field: &'static str| {
            fields
                .get(i)
                .copied()
                .ok_or_else(|| SeriesError::MissingField {
                    file: file.to_owned(),
                    line: line_no,
                    field,
                })
        };
        let ts_text = get(ti, "timestamp")?;
        let value_text = get(vi, "value")?;
        let timestamp = parse_timestamp(ts_text).ok_or_else(|| SeriesError::BadTimestamp {
            file: file.to_owned(),
            line: line_no,
            text: ts_text.to_owned(),
        })?;
        let value = value_text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| SeriesError::BadValue {
                file: file.to_owned(),
                line: line_no,
                text: value_text.to_owned(),
            })?;
        if rows.last().is_some_and(|prev| prev.timestamp >= timestamp) {
            return Err(SeriesError::NotIncreasing {
                file: file.to_owned(),
                line: line_no,
                text: ts_text.to_owned(),
            });
        }
        rows.push(SeriesRow {
            line: line_no,
            timestamp_text: ts_text.to_owned(),
            timestamp,
            value_text: value_text.to_owned(),
            value,
        });
    }
    Ok(rows)
}

/// Runs a fresh detector over the rows, one row per bucket, and returns one observation per row.
pub fn score_series(config: &DetectorConfig, rows: &[SeriesRow]) -> Vec<Observation> {
    let mut detector = TopicDetector::new();
    rows.iter()
        .map(|r| detector.observe(config, r.timestamp, r.value))
        .collect()
}

/// Renders NAB's results format: `timestamp,value,anomaly_score`, timestamp and value verbatim.
pub fn render_scores(rows: &[SeriesRow], observations: &[Observation]) -> String {
    let mut out = String::with_capacity(rows.len() * 40 + 32);
    out.push_str("timestamp,value,anomaly_score\n");
    for (row, obs) in rows.iter().zip(observations) {
        out.push_str(&row.timestamp_text);
        out.push(',');
        out.push_str(&row.value_text);
        out.push(',');
        out.push_str(&format!("{:.12}", obs.score.clamp(0.0, 1.0)));
        out.push('\n');
    }
    out
}

/// Parses, scores and renders one series in one call.
pub fn detect_csv(config: &DetectorConfig, file: &str, text: &str) -> Result<String, SeriesError> {
    let rows = parse_series(file, text)?;
    let observations = score_series(config, &rows);
    Ok(render_scores(&rows, &observations))
}
