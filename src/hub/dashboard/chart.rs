//! Line charts as inline SVG, pure: samples in, markup out.
//!
//! The x axis spans the whole period asked for (so silence shows as empty space), the y axis
//! the values' range with a little room. Samples further apart than `max_gap`, or without a
//! value, break the line; a lone sample is a dot. More samples than pixels are reduced to the
//! smallest and largest value of each pixel column, which keeps the envelope. Styling is by
//! class (`chart`, `axis`, `zero`, `line`, `dot`), from the dashboard's stylesheet.

use super::html::{axis_time, esc};
use crate::time::{Duration, Timestamp};
use std::fmt::Write;

/// Width of a chart, px.
pub const WIDTH: f64 = 640.0;
/// Height of a chart, px.
pub const HEIGHT: f64 = 220.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 38.0;

/// One value at one time; `None` is a report without the value (a gap in the line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// When.
    pub at: Timestamp,
    /// The value in the quantity's base unit (ns, ppb).
    pub value: Option<f64>,
}

/// What is charted: decides the unit shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// An offset in ns, shown in ns, µs, ms or s by magnitude.
    Offset,
    /// A frequency correction in ppb, shown in ppb or ppm.
    Frequency,
}

impl Quantity {
    /// `(divisor, unit)` for values up to `magnitude` (base units).
    fn scale(self, magnitude: f64) -> (f64, &'static str) {
        match self {
            Quantity::Offset if magnitude < 1e3 => (1.0, "ns"),
            Quantity::Offset if magnitude < 1e6 => (1e3, "µs"),
            Quantity::Offset if magnitude < 1e9 => (1e6, "ms"),
            Quantity::Offset => (1e9, "s"),
            Quantity::Frequency if magnitude < 1e4 => (1.0, "ppb"),
            Quantity::Frequency => (1e3, "ppm"),
        }
    }
}

/// A chart to draw.
#[derive(Debug, Clone, Copy)]
pub struct ChartSpec<'a> {
    /// The title (`offset`, `frequency`), escaped here.
    pub title: &'a str,
    /// What the values are.
    pub quantity: Quantity,
    /// The start of the x axis.
    pub from: Timestamp,
    /// The end of the x axis.
    pub to: Timestamp,
    /// Samples further apart than this are not joined.
    pub max_gap: Duration,
}

/// The chart as an `<svg>` element.
pub fn render(spec: &ChartSpec<'_>, samples: &[Sample]) -> String {
    let mut samples: Vec<Sample> = samples
        .iter()
        .copied()
        .filter(|s| s.value.is_none_or(f64::is_finite))
        .collect();
    samples.sort_by_key(|s| s.at);
    let values: Vec<f64> = samples.iter().filter_map(|s| s.value).collect();
    let magnitude = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let (divisor, unit) = spec.quantity.scale(magnitude);
    let mut out = String::with_capacity(1024 + 16 * samples.len());
    let _ = write!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"{} ({unit})\">",
        esc(spec.title)
    );
    let span = spec.to.since(spec.from).max(Duration::from_secs(1));
    let x_axis = XAxis {
        from: spec.from,
        span,
    };
    frame(&mut out, spec, unit, x_axis);
    if values.is_empty() {
        let why = if samples.is_empty() {
            "no reports in this period"
        } else {
            "no value in the reports of this period"
        };
        let _ = write!(
            out,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{why}</text></svg>",
            LEFT + plot_width() / 2.0,
            TOP + plot_height() / 2.0
        );
        return out;
    }
    let shown: Vec<f64> = values.iter().map(|v| v / divisor).collect();
    let y_axis = YAxis::around(&shown);
    y_labels(&mut out, &y_axis, &shown, unit);
    let mut line: Vec<(f64, f64)> = Vec::new();
    let mut previous: Option<Timestamp> = None;
    for sample in &samples {
        let joined = previous.is_some_and(|p| sample.at.since(p) <= spec.max_gap);
        if !joined || sample.value.is_none() {
            segment(&mut out, &line);
            line.clear();
        }
        if let Some(value) = sample.value {
            line.push((x_axis.x(sample.at), y_axis.y(value / divisor)));
            previous = Some(sample.at);
        } else {
            previous = None;
        }
    }
    segment(&mut out, &line);
    out.push_str("</svg>");
    out
}

fn plot_width() -> f64 {
    WIDTH - LEFT - RIGHT
}

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

#[derive(Debug, Clone, Copy)]
struct XAxis {
    from: Timestamp,
    span: Duration,
}

impl XAxis {
    fn x(&self, at: Timestamp) -> f64 {
        let fraction = at.since(self.from).as_secs_f64() / self.span.as_secs_f64();
        LEFT + fraction.clamp(0.0, 1.0) * plot_width()
    }
}

#[derive(Debug, Clone, Copy)]
struct YAxis {
    low: f64,
    high: f64,
}

impl YAxis {
    /// The values' range with 5 % room; a flat line gets room around its value.
    fn around(values: &[f64]) -> YAxis {
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let room = if high - low > f64::EPSILON * high.abs().max(1.0) {
            (high - low) * 0.05
        } else {
            (high.abs() * 0.1).max(1.0)
        };
        YAxis {
            low: low - room,
            high: high + room,
        }
    }

    fn y(&self, value: f64) -> f64 {
        TOP + (self.high - value) / (self.high - self.low) * plot_height()
    }
}

/// The box, the axes, the title and the time labels.
fn frame(out: &mut String, spec: &ChartSpec<'_>, unit: &str, x_axis: XAxis) {
    let (right, bottom) = (LEFT + plot_width(), TOP + plot_height());
    let _ = write!(
        out,
        "<text class=\"title\" x=\"{LEFT}\" y=\"16\">{} ({unit})</text>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\"/>\
         <text x=\"{LEFT}\" y=\"{}\" text-anchor=\"start\">{}</text>\
         <text x=\"{right}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">time (UTC)</text>",
        esc(spec.title),
        bottom + 14.0,
        axis_time(spec.from, x_axis.span),
        bottom + 14.0,
        axis_time(spec.to, x_axis.span),
        LEFT + plot_width() / 2.0,
        bottom + 30.0,
    );
}

/// The y axis's end labels, the zero line, and the data's min and max in the title row.
fn y_labels(out: &mut String, y_axis: &YAxis, shown: &[f64], unit: &str) {
    let bottom = TOP + plot_height();
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{bottom}\" text-anchor=\"end\">{}</text>",
        LEFT - 6.0,
        TOP + 10.0,
        number(y_axis.high),
        LEFT - 6.0,
        number(y_axis.low),
    );
    if y_axis.low < 0.0 && y_axis.high > 0.0 {
        let y = y_axis.y(0.0);
        let _ = write!(
            out,
            "<line class=\"zero\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">0</text>",
            LEFT + plot_width(),
            LEFT - 6.0,
            y + 4.0
        );
    }
    let min = shown.iter().copied().fold(f64::INFINITY, f64::min);
    let max = shown.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let _ = write!(
        out,
        "<text class=\"range\" x=\"{}\" y=\"16\" text-anchor=\"end\">min {} {unit} · max {} \
         {unit} · {} points</text>",
        LEFT + plot_width(),
        number(min),
        number(max),
        shown.len()
    );
}

/// A polyline through `points` (reduced to each pixel column's extremes), or a dot for one.
fn segment(out: &mut String, points: &[(f64, f64)]) {
    match points {
        [] => {}
        [(x, y)] => {
            let _ = write!(
                out,
                "<circle class=\"dot\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"/>"
            );
        }
        _ => {
            out.push_str("<polyline class=\"line\" points=\"");
            for (x, y) in reduce(points) {
                let _ = write!(out, "{x:.1},{y:.1} ");
            }
            out.push_str("\"/>");
        }
    }
}

/// At most two points per pixel column: the first and last of the column when it has fewer
/// than three, else the highest and lowest in the order they came.
fn reduce(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut kept = Vec::with_capacity(points.len().min(2 * plot_width() as usize + 2));
    let mut start = 0;
    while start < points.len() {
        let column = points[start].0.floor();
        let end = points[start..]
            .iter()
            .position(|p| p.0.floor() != column)
            .map_or(points.len(), |offset| start + offset);
        let group = &points[start..end];
        if group.len() <= 2 {
            kept.extend_from_slice(group);
        } else {
            let by_y = |a: &&(f64, f64), b: &&(f64, f64)| a.1.total_cmp(&b.1);
            let (low_at, _) = group
                .iter()
                .enumerate()
                .min_by(|a, b| by_y(&a.1, &b.1))
                .unwrap_or((0, &group[0]));
            let (high_at, _) = group
                .iter()
                .enumerate()
                .max_by(|a, b| by_y(&a.1, &b.1))
                .unwrap_or((0, &group[0]));
            let (first, second) = (low_at.min(high_at), low_at.max(high_at));
            kept.push(group[first]);
            if second != first {
                kept.push(group[second]);
            }
        }
        start = end;
    }
    kept
}

/// A label with three significant digits or so (`1.23`, `45.6`, `789`, `-12345`).
fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
