//! The frame of the report's charts: the plot area with its grid, ticks
//! and numbers on both axes, axis titles, a labelled diagonal, legends, and
//! round tick values.

use std::fmt::Write as _;

use super::esc;

const GREY: &str = "#9ca3af";
const INK: &str = "#111827";
const SOFT: &str = "#374151";

/// A chart's plot area in its view box, and the top of each axis (both
/// axes start at 0).
pub(super) struct Frame {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// The value at the right edge.
    pub x_max: f64,
    /// The value at the top edge.
    pub y_max: f64,
}

impl Frame {
    /// The view box x of the value `v` on the x axis.
    pub(super) fn x(&self, v: f64) -> f64 {
        self.left + v.clamp(0.0, self.x_max) / self.x_max * self.width
    }

    /// The view box y of the value `v` on the y axis.
    pub(super) fn y(&self, v: f64) -> f64 {
        self.top + self.height - v.clamp(0.0, self.y_max) / self.y_max * self.height
    }

    /// The view box x of the right edge.
    pub(super) fn right(&self) -> f64 {
        self.left + self.width
    }

    /// The view box y of the bottom edge.
    pub(super) fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// The plot's background, grid lines at the ticks, tick marks and
    /// their numbers on both axes.
    pub(super) fn axes(
        &self,
        s: &mut String,
        x_ticks: &[(f64, String)],
        y_ticks: &[(f64, String)],
    ) {
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#fafafa" stroke="#d1d5db"/>"##,
            self.left, self.top, self.width, self.height
        );
        for (v, label) in x_ticks {
            let x = self.x(*v);
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="#e5e7eb"/><line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{SOFT}"/><text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="{SOFT}">{}</text>"##,
                self.top,
                self.bottom(),
                self.bottom(),
                self.bottom() + 4.0,
                self.bottom() + 14.0,
                esc(label)
            );
        }
        for (v, label) in y_ticks {
            let y = self.y(*v);
            let _ = write!(
                s,
                r##"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e7eb"/><line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{SOFT}"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="{SOFT}">{}</text>"##,
                self.left,
                self.right(),
                self.left - 4.0,
                self.left,
                self.left - 6.0,
                y + 3.5,
                esc(label)
            );
        }
    }

    /// The axes' titles: the x axis's below its numbers, the y axis's
    /// turned along the left edge.
    pub(super) fn titles(&self, s: &mut String, x_title: &str, y_title: &str) {
        let (cx, cy) = (self.left + self.width / 2.0, self.top + self.height / 2.0);
        let _ = write!(
            s,
            r##"<text x="{cx:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{INK}">{}</text><text x="12" y="{cy:.1}" font-size="11" text-anchor="middle" fill="{INK}" transform="rotate(-90 12 {cy:.1})">{}</text>"##,
            self.bottom() + 30.0,
            esc(x_title),
            esc(y_title)
        );
    }

    /// A dashed grey line from (0, 0) to the top right, labelled `label`
    /// along it, below it, near its upper end.
    pub(super) fn diagonal(&self, s: &mut String, label: &str) {
        let (x0, y0, x1, y1) = (self.left, self.bottom(), self.right(), self.top);
        let angle = -(self.height / self.width).atan().to_degrees();
        let (lx, ly) = (x0 + 0.78 * (x1 - x0), y0 + 0.78 * (y1 - y0));
        let _ = write!(
            s,
            r##"<line x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y1:.1}" stroke="{GREY}" stroke-dasharray="4 4"/><text x="{lx:.1}" y="{ly:.1}" dy="12" font-size="10" text-anchor="middle" fill="#6b7280" transform="rotate({angle:.1} {lx:.1} {ly:.1})">{}</text>"##,
            esc(label)
        );
    }
}

/// How a series is drawn in a legend.
pub(super) enum Key<'a> {
    /// A filled square (bars).
    Square(&'a str),
    /// A line, dashed or not.
    Line(&'a str, bool),
    /// A dot.
    Dot(&'a str),
}

/// A legend on one line from (`x`, `y`): each key, then its label.
pub(super) fn legend(s: &mut String, mut x: f64, y: f64, items: &[(Key, &str)]) {
    for (key, label) in items {
        match key {
            Key::Square(c) => {
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{c}"/>"#,
                    y - 9.0
                );
            }
            Key::Line(c, dashed) => {
                let dash = if *dashed {
                    r#" stroke-dasharray="4 3""#
                } else {
                    ""
                };
                let _ = write!(
                    s,
                    r#"<line x1="{x:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{c}" stroke-width="2"{dash}/>"#,
                    x + 12.0,
                    y - 4.0,
                    y - 4.0
                );
            }
            Key::Dot(c) => {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{c}" fill-opacity="0.6"/>"#,
                    x + 5.0,
                    y - 4.0
                );
            }
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{y:.1}" font-size="10" fill="{INK}">{}</text>"#,
            x + 16.0,
            esc(label)
        );
        x += 16.0 + 5.6 * label.chars().count() as f64 + 12.0;
    }
}

/// Evenly spaced round ticks from 0 to at least `max` (about `n` steps of
/// 1, 2, 2.5 or 5 times a power of ten), and the step.
pub(super) fn ticks(max: f64, n: usize) -> (Vec<f64>, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / n as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude);
    let steps = (max / step - 1e-9).ceil().max(1.0) as usize;
    ((0..=steps).map(|i| i as f64 * step).collect(), step)
}

/// Decimals that write every multiple of `step` exactly (at most 3).
fn decimals(step: f64) -> usize {
    (0..3)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(3)
}

/// Tick labels of shares as percentages: `0 %`, `25 %`, ...
pub(super) fn pct_ticks(values: &[f64], step: f64) -> Vec<(f64, String)> {
    let d = decimals(100.0 * step);
    values
        .iter()
        .map(|v| (*v, format!("{:.d$} %", 100.0 * v)))
        .collect()
}

/// Tick labels of plain numbers: `0`, `0.5`, `1`, ...
pub(super) fn number_ticks(values: &[f64], step: f64) -> Vec<(f64, String)> {
    let d = decimals(step);
    values.iter().map(|v| (*v, format!("{v:.d$}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::{decimals, ticks};

    #[test]
    fn ticks_are_round_and_reach_the_top() {
        assert_eq!(ticks(1.0, 4), (vec![0.0, 0.25, 0.5, 0.75, 1.0], 0.25));
        let (v, step) = ticks(2.8, 4);
        assert_eq!(step, 1.0);
        assert_eq!(v, [0.0, 1.0, 2.0, 3.0]);
        let (v, step) = ticks(0.37, 4);
        assert!((step - 0.1).abs() < 1e-12);
        assert!(*v.last().unwrap() >= 0.37 && v.len() == 5);
        assert_eq!(decimals(0.25), 2);
        assert_eq!(decimals(10.0), 0);
        assert_eq!(decimals(0.5), 1);
    }
}
