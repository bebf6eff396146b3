//! Shared output plumbing for the query commands: formats, time zones and time parsing.

use std::io::Write;

use anyhow::{Context, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// An aligned table for people.
    #[default]
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Json,
}

/// Options every query command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Time zone for reading and printing times, as an offset (`+08:00`, the zone of Weibo's
    /// users, by default).
    #[arg(long, default_value = "+08:00", value_parser = parse_offset)]
    pub tz: FixedOffset,
}

/// Parses `+08:00`, `-05:00`, `UTC` or `Z`.
pub fn parse_offset(text: &str) -> anyhow::Result<FixedOffset> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" {
        return FixedOffset::east_opt(0).context("zero offset");
    }
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => bail!("time zone {text:?}: expected an offset like +08:00"),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let hours: i32 = h
        .parse()
        .with_context(|| format!("time zone {text:?}: bad hours"))?;
    let minutes: i32 = m
        .parse()
        .with_context(|| format!("time zone {text:?}: bad minutes"))?;
    if hours > 23 || minutes > 59 {
        bail!("time zone {text:?}: out of range");
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
        .with_context(|| format!("time zone {text:?}: out of range"))
}

/// Parses a time given on the command line: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DD`
/// read in `tz`.
pub fn parse_time(text: &str, tz: FixedOffset) -> anyhow::Result<DateTime<FixedOffset>> {
    let t = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(t) {
        return Ok(time);
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return tz
                .from_local_datetime(&naive)
                .single()
                .with_context(|| format!("time {text:?} does not exist in {tz}"));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let naive = date.and_hms_opt(0, 0, 0).context("midnight")?;
        return tz
            .from_local_datetime(&naive)
            .single()
            .with_context(|| format!("time {text:?} does not exist in {tz}"));
    }
    bail!("time {text:?}: expected RFC 3339 (2015-09-13T13:00:00+08:00) or \"2015-09-13 13:00\"")
}

/// Parses a duration such as `5m`, `1h`, `2h30m`, `1d`.
pub fn parse_duration_secs(text: &str) -> anyhow::Result<i64> {
    let d = humantime::parse_duration(text.trim())
        .with_context(|| format!("duration {text:?}: expected e.g. 5m, 1h, 1d"))?;
    let secs = i64::try_from(d.as_secs()).context("duration too large")?;
    if secs <= 0 {
        bail!("duration {text:?} must be positive");
    }
    Ok(secs)
}

/// Formats Unix seconds in `tz` as RFC 3339.
pub fn fmt_time(ts: i64, tz: FixedOffset) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&tz).to_rfc3339())
        .unwrap_or_else(|| ts.to_string())
}

/// Formats Unix seconds in `tz` compactly for tables (`2015-09-13 13:05`).
pub fn fmt_time_short(ts: i64, tz: FixedOffset) -> String {
    use chrono::{Datelike, Timelike};
    // Formatted by hand rather than with a strftime pattern, which is parsed on every call.
    DateTime::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&tz))
        .map(|t| {
            if !(0..=9999).contains(&t.year()) {
                return t.format("%Y-%m-%d %H:%M").to_string();
            }
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|| ts.to_string())
}

/// A result set to print in one [`Format`]. Each row is built only in the form that format
/// prints (cells for a table or CSV, an object for JSON): a month of one-minute buckets is
/// 43,200 rows.
#[derive(Debug)]
pub struct Rows {
    format: Format,
    headers: Vec<String>,
    /// Cell texts, one vector per row (table and CSV).
    cells: Vec<Vec<String>>,
    /// The rows as JSON objects (JSON).
    json: Vec<serde_json::Value>,
}

impl Rows {
    /// Starts a result set with these column names, to be printed in `format`.
    pub fn new(headers: &[&str], format: Format) -> Self {
        Rows {
            format,
            headers: headers.iter().map(|h| (*h).to_string()).collect(),
            cells: Vec::new(),
            json: Vec::new(),
        }
    }

    /// Adds one row, given as its cells (for a table or CSV) and as a JSON object; only the one
    /// the format needs is built.
    pub fn push(
        &mut self,
        cells: impl FnOnce() -> Vec<String>,
        json: impl FnOnce() -> serde_json::Value,
    ) {
        match self.format {
            Format::Table | Format::Csv => self.cells.push(cells()),
            Format::Json => self.json.push(json()),
        }
    }

    /// Prints the rows to stdout; `note` (e.g. the time zone) goes under a table.
    pub fn print(&self, note: &str) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        match self.write(std::io::BufWriter::new(stdout.lock()), note) {
            // The reader went away (`| head`): stop quietly, as other Unix tools do.
            Err(error) if is_broken_pipe(&error) => Ok(()),
            other => other,
        }
    }

    /// Writes the rows to `out`.
    pub fn write<W: Write>(&self, mut out: W, note: &str) -> anyhow::Result<()> {
        match self.format {
            Format::Table => {
                let mut table = Table::new();
                table.load_preset(UTF8_FULL_CONDENSED);
                table.set_header(self.headers.clone());
                for row in &self.cells {
                    table.add_row(row.clone());
                }
                writeln!(out, "{table}")?;
                if !note.is_empty() {
                    writeln!(out, "{note}")?;
                }
            }
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(&mut out);
                writer.write_record(&self.headers)?;
                for row in &self.cells {
                    writer.write_record(row)?;
                }
                writer.flush()?;
            }
            Format::Json => {
                for value in &self.json {
                    writeln!(out, "{value}")?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}

/// Whether an output error is a closed pipe (EPIPE), directly or inside a CSV error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<csv::Error>().is_some_and(|e| {
                matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_times_in_the_given_zone() {
        let tz = parse_offset("+08:00").unwrap();
        let t = parse_time("2015-09-13 13:00", tz).unwrap();
        assert_eq!(t.to_rfc3339(), "2015-09-13T13:00:00+08:00");
        let t = parse_time("2015-09-13T05:00:00Z", tz).unwrap();
        assert_eq!(t.timestamp(), 1_442_120_400);
        assert!(parse_time("13 Sept", tz).is_err());
        assert!(parse_offset("+25:00").is_err());
    }

    /// A writer whose reader has gone away.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_recognised_in_every_format() {
        let rows = |format| {
            let mut rows = Rows::new(&["a"], format);
            rows.push(|| vec!["1".into()], || serde_json::json!({"a": 1}));
            rows
        };
        for format in [Format::Table, Format::Csv, Format::Json] {
            let error = rows(format).write(ClosedPipe, "note").unwrap_err();
            assert!(is_broken_pipe(&error), "{format:?}: {error:#}");
        }
        let mut text = Vec::new();
        rows(Format::Csv).write(&mut text, "").unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "a\n1\n");
        let mut text = Vec::new();
        rows(Format::Json).write(&mut text, "").unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "{\"a\":1}\n");
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration_secs("5m").unwrap(), 300);
        assert_eq!(parse_duration_secs("2h").unwrap(), 7200);
        assert!(parse_duration_secs("0s").is_err());
        assert!(parse_duration_secs("soon").is_err());
    }
}
