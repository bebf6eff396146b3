//! `trendwatch series --plot`: a topic's participants per bucket with the detector's baseline
//! band (baseline ± 2·noise), spike episodes and alert markers, as SVG or PNG (plotters).

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, FixedOffset};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use trendwatch_storage::{SeriesRow, SpikeRow, TopicAlertRow};

/// The font the charts measure and draw text with (ab_glyph cannot see system fonts).
static FONT: &[u8] = include_bytes!("../../assets/OpenSans-Regular.ttf");

/// The font family name charts use.
const FAMILY: &str = "sans-serif";

/// Chart size in pixels.
const SIZE: (u32, u32) = (1200, 560);

/// What one chart shows.
#[derive(Debug)]
pub struct Chart<'a> {
    /// Title line (the topic's name and what is drawn).
    pub title: String,
    /// The series, one row per bucket, in time order.
    pub rows: &'a [SeriesRow],
    /// Bucket width in seconds.
    pub bucket_secs: i64,
    /// Spike episodes of the topic overlapping the series.
    pub spikes: &'a [SpikeRow],
    /// Alerts of the topic raised within the series.
    pub alerts: &'a [TopicAlertRow],
    /// Zone the time axis is labelled in.
    pub tz: FixedOffset,
}

fn register_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        bail!("the bundled chart font could not be loaded")
    }
}

/// Draws `chart` into `path`: SVG for `.svg`, PNG for `.png` (by the file's extension).
pub fn draw(path: &Path, chart: &Chart<'_>) -> anyhow::Result<()> {
    register_font()?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("svg") => {
            let area = SVGBackend::new(path, SIZE).into_drawing_area();
            paint(&area, chart)?;
            area.present()
                .map_err(|e| anyhow!("{e}"))
                .with_context(|| format!("cannot write {}", path.display()))
        }
        Some("png") => {
            let area = BitMapBackend::new(path, SIZE).into_drawing_area();
            paint(&area, chart)?;
            area.present()
                .map_err(|e| anyhow!("{e}"))
                .with_context(|| format!("cannot write {}", path.display()))
        }
        _ => bail!(
            "{}: the chart file must end in .svg or .png",
            path.display()
        ),
    }
}

fn label_time(ts: i64, tz: FixedOffset, span: i64) -> String {
    let Some(t) = DateTime::from_timestamp(ts, 0) else {
        return ts.to_string();
    };
    let local = t.with_timezone(&tz);
    if span <= 2 * 86_400 {
        local.format("%H:%M").to_string()
    } else {
        local.format("%m-%d %H:%M").to_string()
    }
}

/// Time-axis ticks on round local times (every 5 min … 7 days), at most about 12 of them.
fn time_ticks(x0: i64, x1: i64, tz: FixedOffset) -> Vec<i64> {
    const STEPS: [i64; 12] = [
        300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
    ];
    let span = (x1 - x0).max(1);
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 12)
        .unwrap_or_else(|| (span / 12 / 86_400 + 1) * 86_400);
    let offset = i64::from(tz.local_minus_utc());
    let mut t = (x0 + offset).div_euclid(step) * step - offset;
    if t < x0 {
        t += step;
    }
    let mut ticks = Vec::new();
    while t <= x1 {
        ticks.push(t);
        t += step;
    }
    ticks
}

/// Spans of consecutive buckets that carry a baseline, as (time, low, high, baseline) points.
fn baseline_runs(rows: &[SeriesRow], half: i64) -> Vec<Vec<(i64, f64, f64, f64)>> {
    let mut runs: Vec<Vec<(i64, f64, f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for row in rows {
        match (row.baseline, row.noise) {
            (Some(b), Some(n)) if b.is_finite() && n.is_finite() => {
                current.push((
                    row.bucket_start + half,
                    (b - 2.0 * n).max(0.0),
                    b + 2.0 * n,
                    b,
                ));
            }
            _ => {
                if !current.is_empty() {
                    runs.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

#[allow(clippy::cast_precision_loss)]
fn paint<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart<'_>,
) -> anyhow::Result<()> {
    let err = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| {
        anyhow!("drawing the chart: {e}")
    };
    area.fill(&WHITE).map_err(err)?;
    let (Some(first), Some(last)) = (chart.rows.first(), chart.rows.last()) else {
        bail!("nothing to plot: the series is empty");
    };
    let x0 = first.bucket_start;
    let x1 = last.bucket_start + chart.bucket_secs;
    let half = chart.bucket_secs / 2;
    let runs = baseline_runs(chart.rows, half);
    let top = chart
        .rows
        .iter()
        .map(|r| r.participants as f64)
        .chain(runs.iter().flatten().map(|p| p.2))
        .fold(1.0_f64, f64::max)
        * 1.08;
    let tz = chart.tz;
    let span = x1 - x0;

    let mut ctx = ChartBuilder::on(area)
        .caption(&chart.title, (FAMILY, 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((x0..x1).with_key_points(time_ticks(x0, x1, tz)), 0.0..top)
        .map_err(err)?;
    ctx.configure_mesh()
        .x_labels(14)
        .y_labels(8)
        .x_label_formatter(&|t| label_time(*t, tz, span))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc(format!("time ({tz})"))
        .y_desc(format!(
            "distinct participants per {} min",
            chart.bucket_secs / 60
        ))
        .label_style((FAMILY, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;

    // Spike episodes: shaded from onset to end (or the chart's end while open).
    let shade = RGBColor(214, 39, 40).mix(0.10);
    for (i, spike) in chart.spikes.iter().enumerate() {
        let from = spike.onset.max(x0);
        let to = spike.ended_at.unwrap_or(x1).min(x1);
        if to <= from {
            continue;
        }
        let series = ctx
            .draw_series(std::iter::once(Rectangle::new(
                [(from, 0.0), (to, top)],
                shade.filled(),
            )))
            .map_err(err)?;
        if i == 0 {
            series.label("spike episode").legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 16, y + 6)], shade.filled())
            });
        }
    }

    // Baseline band and line.
    let band = RGBColor(120, 120, 120).mix(0.22);
    for (i, run) in runs.iter().enumerate() {
        let mut outline: Vec<(i64, f64)> = run.iter().map(|p| (p.0, p.2)).collect();
        outline.extend(run.iter().rev().map(|p| (p.0, p.1)));
        let drawn = ctx
            .draw_series(std::iter::once(Polygon::new(outline, band.filled())))
            .map_err(err)?;
        if i == 0 {
            drawn
                .label("baseline ± 2·noise")
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], band.filled()));
        }
        let line = ctx
            .draw_series(LineSeries::new(
                run.iter().map(|p| (p.0, p.3)),
                RGBColor(90, 90, 90).stroke_width(1),
            ))
            .map_err(err)?;
        if i == 0 {
            line.label("baseline").legend(|(x, y)| {
                PathElement::new([(x, y), (x + 16, y)], RGBColor(90, 90, 90).stroke_width(1))
            });
        }
    }

    // Participants.
    let blue = RGBColor(31, 119, 180);
    ctx.draw_series(LineSeries::new(
        chart
            .rows
            .iter()
            .map(|r| (r.bucket_start + half, r.participants as f64)),
        blue.stroke_width(2),
    ))
    .map_err(err)?
    .label("participants")
    .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], blue.stroke_width(2)));

    // Alerts: a marker on the curve at the bucket the alert was raised in, and a thin rule.
    let red = RGBColor(214, 39, 40);
    let mut labelled = false;
    for alert in chart.alerts {
        if alert.detected_at < x0 || alert.detected_at >= x1 {
            continue;
        }
        let bucket = (alert.detected_at - x0).div_euclid(chart.bucket_secs.max(1));
        let value = usize::try_from(bucket)
            .ok()
            .and_then(|b| chart.rows.get(b))
            .map_or(0.0, |r| r.participants as f64);
        ctx.draw_series(std::iter::once(PathElement::new(
            [(alert.detected_at, 0.0), (alert.detected_at, top)],
            red.mix(0.5).stroke_width(1),
        )))
        .map_err(err)?;
        let opened = alert.status == "opened";
        if opened {
            let text = format!(" alert {}", label_time(alert.detected_at, tz, 0));
            ctx.draw_series(std::iter::once(Text::new(
                text,
                (alert.detected_at, top * 0.97),
                (FAMILY, 14).into_font().color(&red),
            )))
            .map_err(err)?;
        }
        let marker = ctx
            .draw_series(std::iter::once(TriangleMarker::new(
                (alert.detected_at, value),
                if opened { 9 } else { 6 },
                red.filled(),
            )))
            .map_err(err)?;
        if !labelled {
            labelled = true;
            marker
                .label("alert")
                .legend(move |(x, y)| TriangleMarker::new((x + 8, y), 6, red.filled()));
        }
    }

    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font((FAMILY, 14))
        .draw()
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: i64, participants: u64, baseline: Option<f64>) -> SeriesRow {
        SeriesRow {
            bucket_start: t,
            posts: participants,
            participants,
            baseline,
            noise: baseline.map(|b| b / 4.0),
            score: None,
        }
    }

    #[test]
    fn draws_svg_and_png_with_band_spike_and_alert() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<_> = (0..48)
            .map(|i| {
                row(
                    1_442_120_400 + i * 300,
                    if i > 20 { 500 } else { 10 },
                    (i != 30).then_some(10.0),
                )
            })
            .collect();
        let spikes = [SpikeRow {
            episode_id: "e".into(),
            topic: "<script>alert(1)</script>".into(),
            kind: "outage".into(),
            service: None,
            onset: 1_442_120_400 + 21 * 300,
            alerted_at: 1_442_120_400 + 22 * 300,
            peak_at: 1_442_120_400 + 25 * 300,
            peak_participants: 500,
            ended_at: None,
            total_participants: 900,
        }];
        let alerts = [TopicAlertRow {
            id: 1,
            episode_id: "e".into(),
            status: "opened".into(),
            detected_at: 1_442_120_400 + 22 * 300 + 10,
        }];
        let chart = Chart {
            title: "<script>alert(1)</script>".into(),
            rows: &rows,
            bucket_secs: 300,
            spikes: &spikes,
            alerts: &alerts,
            tz: trendwatch_model::beijing(),
        };
        let svg = dir.path().join("c.svg");
        draw(&svg, &chart).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("&lt;script&gt;"), "title is escaped");
        assert!(!text.contains("<script>"));
        assert!(text.contains("alert 14:50"), "alert label in +08:00");
        assert!(text.contains("<polygon"), "baseline band drawn");
        let png = dir.path().join("c.png");
        draw(&png, &chart).unwrap();
        assert_eq!(&std::fs::read(&png).unwrap()[..4], b"\x89PNG");
        assert!(draw(&dir.path().join("c.gif"), &chart).is_err());
        let empty = Chart { rows: &[], ..chart };
        assert!(draw(&dir.path().join("e.svg"), &empty).is_err());
    }

    #[test]
    fn time_ticks_fall_on_round_local_times() {
        let tz = trendwatch_model::beijing();
        // 12:00 to 18:00 +08:00: every 30 minutes.
        let ticks = time_ticks(1_442_116_800, 1_442_138_400, tz);
        assert_eq!(ticks.len(), 13);
        assert_eq!(ticks[1] - ticks[0], 1800);
        assert_eq!(label_time(ticks[0], tz, 0), "12:00");
        // A week of data: daily ticks at local midnight.
        let week = time_ticks(1_442_116_800, 1_442_116_800 + 7 * 86_400, tz);
        assert_eq!(label_time(week[0], tz, 0), "00:00");
    }

    #[test]
    fn baseline_runs_break_at_missing_buckets() {
        let rows = [
            row(0, 1, Some(2.0)),
            row(300, 1, None),
            row(600, 1, Some(2.0)),
            row(900, 1, Some(2.0)),
        ];
        let runs = baseline_runs(&rows, 150);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].len(), 2);
        assert_eq!(runs[0][0], (150, 1.0, 3.0, 2.0));
    }
}
