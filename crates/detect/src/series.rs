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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nab_and_rfc3339_and_copies_text_verbatim() {
        let text = "timestamp,value\n2015-02-26 21:42:53,57\n\n2015-02-26T21:47:53Z,43.0\r\n\
                    2015-02-27T05:52:53+08:00,1\n";
        let rows = parse_series("t.csv", text).expect("valid");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].timestamp, 1_424_986_973);
        assert_eq!(rows[1].timestamp, 1_424_987_273);
        assert_eq!(rows[1].value_text, "43.0");
        let out = render_scores(&rows, &score_series(&DetectorConfig::default(), &rows));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "timestamp,value,anomaly_score");
        assert!(lines[1].starts_with("2015-02-26 21:42:53,57,"));
        assert!(lines[2].starts_with("2015-02-26T21:47:53Z,43.0,"));
        // NAB-style fractional seconds and a reordered header with extra columns.
        let rows = parse_series(
            "u.csv",
            "value,x,timestamp\n3,a,2015-03-01 00:00:00.000000\n",
        )
        .expect("valid");
        assert_eq!(rows[0].value, 3.0);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = |text: &str| {
            parse_series("d.csv", text)
                .expect_err("invalid")
                .to_string()
        };
        assert_eq!(
            err(""),
            "d.csv: empty file (expected a `timestamp,value` header)"
        );
        assert!(err("time,value\n").contains("d.csv line 1: no `timestamp` column"));
        assert_eq!(
            err("timestamp,value\n2015-01-01 00:00:00,1\n2015-13-01 00:00:00,2\n"),
            "d.csv line 3 field `timestamp`: cannot parse \"2015-13-01 00:00:00\" \
             (expected `YYYY-MM-DD HH:MM:SS` or RFC 3339)"
        );
        assert_eq!(
            err("timestamp,value\n2015-01-01 00:00:00,-4\n"),
            "d.csv line 2 field `value`: \"-4\" is not a finite non-negative number"
        );
        assert!(err("timestamp,value\n2015-01-01 00:00:00,NaN\n").contains("field `value`"));
        assert_eq!(
            err("timestamp,value\n2015-01-01 00:00:00\n"),
            "d.csv line 2: missing field `value`"
        );
        assert!(
            err("timestamp,value\n2015-01-01 00:05:00,1\n2015-01-01 00:00:00,1\n")
                .starts_with("d.csv line 3 field `timestamp`")
        );
    }

    #[test]
    fn scoring_uses_the_pipeline_detector() {
        let mut text = String::from("timestamp,value\n");
        for i in 0..600i64 {
            let t = DateTime::from_timestamp(1_425_168_000 + 300 * i, 0).expect("in range");
            let v = if i == 500 { 900 } else { 40 + (i * 7) % 11 };
            text.push_str(&format!("{},{v}\n", t.format("%Y-%m-%d %H:%M:%S")));
        }
        let out = detect_csv(&DetectorConfig::default(), "s.csv", &text).expect("valid");
        let scores: Vec<f64> = out
            .lines()
            .skip(1)
            .map(|l| {
                l.rsplit(',')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(-1.0)
            })
            .collect();
        assert_eq!(scores.len(), 600);
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
        let top = scores
            .iter()
            .enumerate()
            .skip(300)
            .fold(
                (0, 0.0),
                |best, (i, s)| if *s > best.1 { (i, *s) } else { best },
            );
        assert_eq!(top.0, 500, "the spike is the highest score after warm-up");
        assert!(top.1 > 0.8);
    }
}
