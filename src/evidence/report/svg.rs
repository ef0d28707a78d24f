//! The report's charts: inline SVG, pure functions of the figures. Every
//! chart has numbered ticks on both axes, a legend when it shows more than
//! one series, and direct labels on what a reader looks for first (the top
//! decile's lift, the share of won deals in the top fifth, each value's
//! win rate). A chart scales with the width of its box (view box, no fixed
//! size); hovering a mark shows its figures (`<title>`).

use std::fmt::Write as _;

use super::svg_frame::{legend, number_ticks, pct_ticks, ticks, Frame, Key};
use super::{esc, f, pct};
use crate::evidence::conversion::Conversion;
use crate::evidence::evaluate::Evaluation;
use crate::metrics::Decile;

const BLUE: &str = "#2563eb";
const ORANGE: &str = "#ea580c";
const INK: &str = "#111827";
/// A white outline under a direct label, so that it reads over lines.
const HALO: &str =
    r##" paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round""##;

/// Calibration curve: mean predicted against observed win rate per bin.
pub(super) fn svg_calibration(e: &Evaluation) -> String {
    let (w, h) = (360.0, 350.0);
    let frame = Frame {
        left: 48.0,
        top: 30.0,
        width: 296.0,
        height: 270.0,
        x_max: 1.0,
        y_max: 1.0,
    };
    let mut s = open("chart", "calibration-chart", w, h, "Calibration curve");
    let (values, step) = ticks(1.0, 4);
    let tick_labels = pct_ticks(&values, step);
    frame.axes(&mut s, &tick_labels, &tick_labels);
    frame.titles(&mut s, "predicted probability", "observed win rate");
    frame.diagonal(&mut s, "perfect calibration");
    legend(
        &mut s,
        frame.left,
        16.0,
        &[(Key::Dot(BLUE), "observed win rate (dot size: deals)")],
    );
    let pts: Vec<(f64, f64, usize)> = e
        .calibration
        .iter()
        .filter(|b| b.deals > 0)
        .map(|b| (b.mean_predicted, b.observed_rate, b.deals))
        .collect();
    let path: Vec<String> = pts
        .iter()
        .map(|(x, y, _)| format!("{:.1},{:.1}", frame.x(*x), frame.y(*y)))
        .collect();
    let _ = write!(
        s,
        r#"<polyline points="{}" fill="none" stroke="{BLUE}" stroke-width="2"/>"#,
        path.join(" ")
    );
    let max_n = pts.iter().map(|p| p.2).max().unwrap_or(1) as f64;
    for (x, y, n) in &pts {
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{BLUE}" fill-opacity="0.6"><title>{} deals: predicted {}, observed {}</title></circle>"#,
            frame.x(*x),
            frame.y(*y),
            3.0 + 6.0 * (*n as f64 / max_n).sqrt(),
            n,
            pct(*x),
            pct(*y)
        );
    }
    s.push_str("</svg>");
    s
}

/// Lift by decile: bars for the learned model, and for the hand-set score
/// when given; the top decile's lift written on its bar.
pub(super) fn svg_lift(learned: &[Decile], handset: Option<&[Decile]>) -> String {
    let (w, h) = (360.0, 290.0);
    let max = learned
        .iter()
        .chain(handset.unwrap_or(&[]))
        .map(|d| d.lift)
        .filter(|x| x.is_finite())
        .fold(1.0f64, f64::max)
        * 1.08;
    let (values, step) = ticks(max, 4);
    let frame = Frame {
        left: 40.0,
        top: 30.0,
        width: 308.0,
        height: 210.0,
        x_max: 10.0,
        y_max: values.last().copied().unwrap_or(max),
    };
    let mut s = open("chart", "lift-chart", w, h, "Lift by decile");
    let x_ticks: Vec<(f64, String)> = (1..=10).map(|d| (d as f64 - 0.5, d.to_string())).collect();
    frame.axes(&mut s, &x_ticks, &number_ticks(&values, step));
    frame.titles(
        &mut s,
        "decile (1 = highest scores)",
        "lift (× average win rate)",
    );
    let series: Vec<(&[Decile], &str)> = match handset {
        Some(hs) => vec![(learned, BLUE), (hs, ORANGE)],
        None => vec![(learned, BLUE)],
    };
    let slot = frame.width / 10.0;
    let bw = slot * 0.8 / series.len() as f64;
    for (k, (ds, color)) in series.iter().enumerate() {
        for d in ds.iter() {
            let v = if d.lift.is_finite() { d.lift } else { 0.0 };
            let x = frame.left + (d.decile.max(1) - 1) as f64 * slot + slot * 0.1 + k as f64 * bw;
            let y = frame.y(v);
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{:.1}" fill="{color}"><title>decile {}: lift {:.2}, win rate {}</title></rect>"#,
                frame.bottom() - y,
                d.decile,
                d.lift,
                pct(d.rate)
            );
            // Every bar's lift when one series; the top decile's when two.
            if series.len() == 1 || d.decile == 1 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle" fill="{INK}"{HALO}>{}</text>"#,
                    x + bw / 2.0,
                    y - 3.0,
                    f(v, 1)
                );
            }
        }
    }
    let y1 = frame.y(1.0);
    let _ = write!(
        s,
        r##"<line x1="{:.1}" y1="{y1:.1}" x2="{:.1}" y2="{y1:.1}" stroke="{INK}" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="{INK}"{HALO}>average (lift 1)</text>"##,
        frame.left,
        frame.right(),
        frame.right() - 2.0,
        y1 - 4.0
    );
    if handset.is_some() {
        legend(
            &mut s,
            frame.left,
            16.0,
            &[
                (Key::Square(BLUE), "learned points"),
                (Key::Square(ORANGE), "hand-set points"),
            ],
        );
    }
    s.push_str("</svg>");
    s
}

/// Cumulative gains: share of won deals captured against share of deals
/// contacted, best first; the learned curve's top fifth labelled.
pub(super) fn svg_gains(learned: &[Decile], handset: Option<&[Decile]>) -> String {
    let (w, h) = (360.0, 350.0);
    let frame = Frame {
        left: 48.0,
        top: 30.0,
        width: 296.0,
        height: 270.0,
        x_max: 1.0,
        y_max: 1.0,
    };
    let mut s = open("chart", "gains-chart", w, h, "Cumulative gains");
    let (values, step) = ticks(1.0, 4);
    let tick_labels = pct_ticks(&values, step);
    frame.axes(&mut s, &tick_labels, &tick_labels);
    frame.titles(&mut s, "share of deals, best first", "share of won deals");
    frame.diagonal(&mut s, "random order");
    let mut series = vec![(learned, BLUE)];
    if let Some(hs) = handset {
        series.push((hs, ORANGE));
    }
    for (ds, color) in &series {
        let mut pts = vec![format!("{:.1},{:.1}", frame.x(0.0), frame.y(0.0))];
        for d in ds.iter() {
            let g = if d.cumulative_gain.is_finite() {
                d.cumulative_gain
            } else {
                0.0
            };
            pts.push(format!(
                "{:.1},{:.1}",
                frame.x(d.cumulative_share),
                frame.y(g)
            ));
        }
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            pts.join(" ")
        );
    }
    let fifth = learned
        .iter()
        .filter(|d| d.cumulative_gain.is_finite())
        .min_by(|a, b| {
            (a.cumulative_share - 0.2)
                .abs()
                .total_cmp(&(b.cumulative_share - 0.2).abs())
        });
    // Written below the diagonal, where no curve of a useful score runs,
    // with a leader line to its point.
    if let Some(d) = fifth {
        let (x, y) = (frame.x(d.cumulative_share), frame.y(d.cumulative_gain));
        let (tx, ty) = (frame.x(0.3), frame.y(0.1));
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{:.1}" stroke="{INK}" stroke-width="0.75"/><circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{BLUE}"/><text x="{tx:.1}" y="{ty:.1}" font-size="10" fill="{INK}"{HALO}>top {:.0} % of deals: {:.0} % of won deals</text>"#,
            tx + 4.0,
            ty - 10.0,
            100.0 * d.cumulative_share,
            100.0 * d.cumulative_gain
        );
    }
    if handset.is_some() {
        legend(
            &mut s,
            frame.left,
            16.0,
            &[
                (Key::Line(BLUE, false), "learned points"),
                (Key::Line(ORANGE, false), "hand-set points"),
            ],
        );
    }
    s.push_str("</svg>");
    s
}

/// Conversion by value: win rate bars with Wilson intervals, each bar's
/// rate written after its interval, and the overall rate dashed.
pub(super) fn svg_conversion(c: &Conversion, index: usize) -> String {
    let rows: Vec<_> = c.rows.iter().take(12).collect();
    let row_h = 22.0;
    let max = rows
        .iter()
        .map(|r| r.rate_high)
        .filter(|x| x.is_finite())
        .fold(0.05f64, f64::max);
    let (values, step) = ticks(max, 5);
    let frame = Frame {
        left: 120.0,
        top: 6.0,
        width: 180.0,
        height: row_h * rows.len().max(1) as f64,
        x_max: values.last().copied().unwrap_or(max),
        y_max: 1.0,
    };
    let (w, h) = (360.0, frame.bottom() + 42.0);
    let mut s = open(
        "chart conversion-chart",
        &format!("conversion-chart-{index}"),
        w,
        h,
        &format!("Conversion by {}", c.column),
    );
    frame.axes(&mut s, &pct_ticks(&values, step), &[]);
    for (i, r) in rows.iter().enumerate() {
        let y = frame.top + 4.0 + row_h * i as f64;
        let label: String = if r.value.chars().count() > 18 {
            r.value.chars().take(17).chain(['…']).collect()
        } else {
            r.value.clone()
        };
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="{INK}">{}</text><rect x="{:.1}" y="{y:.1}" width="{:.1}" height="14" fill="{BLUE}" fill-opacity="0.75"><title>{}: {} of {} won ({}, 95 % {} to {})</title></rect><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{INK}"/><text x="{:.1}" y="{:.1}" font-size="9" fill="{INK}"{HALO}>{}</text>"##,
            frame.left - 4.0,
            y + 11.0,
            esc(&label),
            frame.left,
            (frame.x(r.rate) - frame.left).max(0.5),
            esc(&r.value),
            r.won,
            r.leads,
            pct(r.rate),
            pct(r.rate_low),
            pct(r.rate_high),
            frame.x(r.rate_low),
            frame.x(r.rate_high),
            y + 7.0,
            y + 7.0,
            frame.x(r.rate_high) + 4.0,
            y + 10.5,
            pct(r.rate)
        );
    }
    let overall = c.won as f64 / c.leads.max(1) as f64;
    let all_leads = format!("all leads {}", pct(overall));
    let _ = write!(
        s,
        r#"<line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{ORANGE}" stroke-width="1.5" stroke-dasharray="3 3"/>"#,
        frame.x(overall),
        frame.x(overall),
        frame.top,
        frame.bottom()
    );
    legend(
        &mut s,
        8.0,
        h - 6.0,
        &[
            (Key::Square(BLUE), "win rate"),
            (Key::Line(INK, false), "95 % interval"),
            (Key::Line(ORANGE, true), &all_leads),
        ],
    );
    s.push_str("</svg>");
    s
}

/// The opening tag of a chart: its class, id, view box and label.
fn open(class: &str, id: &str, w: f64, h: f64, label: &str) -> String {
    format!(
        r#"<svg class="{class}" id="{id}" viewBox="0 0 {w} {h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(label)
    )
}
