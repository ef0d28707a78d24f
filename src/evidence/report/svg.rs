//! The report's charts: inline SVG, pure functions of the figures.

use std::fmt::Write as _;

use super::{esc, pct};
use crate::evidence::conversion::Conversion;
use crate::evidence::evaluate::Evaluation;
use crate::metrics::Decile;

const BLUE: &str = "#2563eb";
const ORANGE: &str = "#ea580c";
const GREY: &str = "#9ca3af";

/// Calibration curve: mean predicted against observed win rate per bin.
pub(super) fn svg_calibration(e: &Evaluation) -> String {
    let (w, h, m) = (320.0, 320.0, 40.0);
    let sx = |x: f64| m + x * (w - 2.0 * m);
    let sy = |y: f64| h - m - y * (h - 2.0 * m);
    let mut s = open("chart", "calibration-chart", w, h, "Calibration curve");
    axes(
        &mut s,
        w,
        h,
        m,
        "predicted probability",
        "observed win rate",
    );
    let _ = write!(
        s,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GREY}" stroke-dasharray="4 4"/>"#,
        sx(0.0),
        sy(0.0),
        sx(1.0),
        sy(1.0)
    );
    let pts: Vec<(f64, f64, usize)> = e
        .calibration
        .iter()
        .filter(|b| b.deals > 0)
        .map(|b| (b.mean_predicted, b.observed_rate, b.deals))
        .collect();
    let path: Vec<String> = pts
        .iter()
        .map(|(x, y, _)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
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
            sx(*x),
            sy(*y),
            3.0 + 6.0 * (*n as f64 / max_n).sqrt(),
            n,
            pct(*x),
            pct(*y)
        );
    }
    s.push_str("</svg>");
    s
}

fn axes(s: &mut String, w: f64, h: f64, m: f64, xlabel: &str, ylabel: &str) {
    let _ = write!(
        s,
        r##"<rect x="{m}" y="{m}" width="{}" height="{}" fill="#fafafa" stroke="#d1d5db"/>"##,
        w - 2.0 * m,
        h - 2.0 * m
    );
    for i in 0..=4 {
        let t = f64::from(i) / 4.0;
        let x = m + t * (w - 2.0 * m);
        let y = h - m - t * (h - 2.0 * m);
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#374151">{t}</text><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#374151">{t}</text>"##,
            h - m + 14.0,
            m - 4.0,
            y + 3.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#111827">{}</text><text x="12" y="{:.1}" font-size="11" text-anchor="middle" fill="#111827" transform="rotate(-90 12 {:.1})">{}</text>"##,
        w / 2.0,
        h - 6.0,
        esc(xlabel),
        h / 2.0,
        h / 2.0,
        esc(ylabel)
    );
}

/// Lift by decile: bars for the learned model, and for the hand-set score when given.
pub(super) fn svg_lift(learned: &[Decile], handset: Option<&[Decile]>) -> String {
    let (w, h, m) = (340.0, 260.0, 36.0);
    let max = learned
        .iter()
        .chain(handset.unwrap_or(&[]))
        .map(|d| d.lift)
        .filter(|x| x.is_finite())
        .fold(1.0f64, f64::max)
        * 1.1;
    let pw = w - 2.0 * m;
    let ph = h - 2.0 * m;
    let mut s = open("chart", "lift-chart", w, h, "Lift by decile");
    let _ = write!(
        s,
        r##"<rect x="{m}" y="{m}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#d1d5db"/>"##
    );
    let series: Vec<(&[Decile], &str)> = match handset {
        Some(hs) => vec![(learned, BLUE), (hs, ORANGE)],
        None => vec![(learned, BLUE)],
    };
    let slot = pw / 10.0;
    let bw = slot * 0.8 / series.len() as f64;
    for (k, (ds, color)) in series.iter().enumerate() {
        for d in ds.iter() {
            let v = if d.lift.is_finite() { d.lift } else { 0.0 };
            let bh = v / max * ph;
            let x = m + (d.decile - 1) as f64 * slot + slot * 0.1 + k as f64 * bw;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{bh:.1}" fill="{color}"><title>decile {}: lift {:.2}, win rate {}</title></rect>"#,
                h - m - bh,
                d.decile,
                d.lift,
                pct(d.rate)
            );
        }
    }
    let y1 = h - m - ph / max;
    let _ = write!(
        s,
        r##"<line x1="{m}" y1="{y1:.1}" x2="{:.1}" y2="{y1:.1}" stroke="#111827" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#111827">lift 1 (average)</text>"##,
        w - m,
        w - m - 70.0,
        y1 - 3.0
    );
    for d in 1..=10 {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#374151">{d}</text>"##,
            m + (d as f64 - 0.5) * slot,
            h - m + 13.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#111827">decile (1 = highest scores)</text><text x="{m}" y="{:.1}" font-size="11" fill="#111827">lift (max {:.1})</text>"##,
        w / 2.0,
        h - 6.0,
        m - 8.0,
        max / 1.1
    );
    if handset.is_some() {
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{BLUE}"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#111827">learned</text><rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{ORANGE}"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#111827">hand-set</text>"##,
            w - m - 120.0,
            m + 6.0,
            w - m - 106.0,
            m + 15.0,
            w - m - 60.0,
            m + 6.0,
            w - m - 46.0,
            m + 15.0
        );
    }
    s.push_str("</svg>");
    s
}

/// Cumulative gains: share of won deals captured against share of deals contacted.
pub(super) fn svg_gains(learned: &[Decile], handset: Option<&[Decile]>) -> String {
    let (w, h, m) = (320.0, 300.0, 40.0);
    let sx = |x: f64| m + x * (w - 2.0 * m);
    let sy = |y: f64| h - m - y * (h - 2.0 * m);
    let mut s = open("chart", "gains-chart", w, h, "Cumulative gains");
    axes(
        &mut s,
        w,
        h,
        m,
        "share of deals, best first",
        "share of won deals",
    );
    let _ = write!(
        s,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GREY}" stroke-dasharray="4 4"/>"#,
        sx(0.0),
        sy(0.0),
        sx(1.0),
        sy(1.0)
    );
    let mut series = vec![(learned, BLUE)];
    if let Some(hs) = handset {
        series.push((hs, ORANGE));
    }
    for (ds, color) in series {
        let mut pts = vec![format!("{:.1},{:.1}", sx(0.0), sy(0.0))];
        for d in ds {
            let g = if d.cumulative_gain.is_finite() {
                d.cumulative_gain
            } else {
                0.0
            };
            pts.push(format!("{:.1},{:.1}", sx(d.cumulative_share), sy(g)));
        }
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            pts.join(" ")
        );
    }
    s.push_str("</svg>");
    s
}

/// Conversion by value: win rate bars with Wilson intervals.
pub(super) fn svg_conversion(c: &Conversion, index: usize) -> String {
    let rows: Vec<_> = c.rows.iter().take(12).collect();
    let (w, m_left, m_right) = (340.0, 120.0, 16.0);
    let row_h = 22.0;
    let h = 40.0 + row_h * rows.len() as f64;
    let max = rows
        .iter()
        .map(|r| r.rate_high)
        .filter(|x| x.is_finite())
        .fold(0.05f64, f64::max);
    let pw = w - m_left - m_right;
    let sx = |x: f64| m_left + x / max * pw;
    let mut s = open(
        "chart conversion-chart",
        &format!("conversion-chart-{index}"),
        w,
        h,
        &format!("Conversion by {}", c.column),
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 12.0 + row_h * i as f64;
        let label: String = r.value.chars().take(18).collect();
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#111827">{}</text><rect x="{m_left}" y="{y:.1}" width="{:.1}" height="14" fill="{BLUE}" fill-opacity="0.75"><title>{}: {} of {} won ({}, 95 % {} to {})</title></rect><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#111827"/>"##,
            m_left - 4.0,
            y + 11.0,
            esc(&label),
            (sx(r.rate) - m_left).max(0.5),
            esc(&r.value),
            r.won,
            r.leads,
            pct(r.rate),
            pct(r.rate_low),
            pct(r.rate_high),
            sx(r.rate_low),
            sx(r.rate_high),
            y + 7.0,
            y + 7.0
        );
    }
    let overall = c.won as f64 / c.leads.max(1) as f64;
    let _ = write!(
        s,
        r##"<line x1="{:.1}" x2="{:.1}" y1="6" y2="{:.1}" stroke="{ORANGE}" stroke-dasharray="3 3"/><text x="{m_left}" y="{:.1}" font-size="10" fill="#374151">win rate, 0 to {}; dashed: overall {}</text>"##,
        sx(overall),
        sx(overall),
        h - 22.0,
        h - 8.0,
        pct(max),
        pct(overall)
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
