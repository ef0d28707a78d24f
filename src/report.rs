//! The evidence report: one self-contained HTML file (inline SVG charts, no
//! scripts, no network, readable on a phone), or Markdown, or JSON. It holds
//! the scorecard, held-out figures with the calibration curve and the lift
//! chart, conversion by channel (or any column), hand-set against learned
//! points when a points sheet is given, and the leakage and drift tables.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::audit::{audit, Audit, AuditOptions};
use crate::drift::{drift, Band, Drift};
use crate::error::Result;
use crate::evaluation::{conversion_by, Conversion, Decile, Evaluation, EvaluationOptions};
use crate::handset::{compare, HandsetComparison, PointsSheet};
use crate::model::Model;
use crate::schema::Target;
use crate::scorecard::Scorecard;
use crate::table::Table;

/// Columns shown in "conversion by" when none is named, if the deals have them.
pub const DEFAULT_CONVERSION_COLUMNS: [&str; 5] = [
    "channel",
    "campaign",
    "product",
    "lead_source",
    "lead source",
];

/// What goes into a report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Columns to show conversion by (default: those of
    /// [`DEFAULT_CONVERSION_COLUMNS`] the deals have, else the model's first
    /// categorical features).
    pub conversion_by: Vec<String>,
    /// Marketing's points sheet, to compare with.
    pub points_sheet: Option<PointsSheet>,
    /// Evaluation options (the split is not used: the deals given are the
    /// held-out deals; a policy, when given, is measured on them).
    pub evaluation: EvaluationOptions,
    /// The outcome's date column, for the leakage audit.
    pub outcome_date: Option<String>,
    /// Columns the leakage audit skips (the id column is always skipped).
    pub audit_skip: Vec<String>,
    /// A title.
    pub title: Option<String>,
}

/// Who trained the model on what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's fingerprint.
    pub fingerprint: String,
    /// When it was trained.
    pub created_at: String,
    /// The outcome column.
    pub target: String,
    /// Training deals.
    pub training_rows: usize,
    /// Won training deals.
    pub training_won: usize,
    /// Cross-validated AUC, when l2 was chosen by cross-validation.
    pub cv_auc: Option<f64>,
    /// Cross-validated log loss.
    pub cv_log_loss: Option<f64>,
    /// The model's training warnings.
    pub warnings: Vec<String>,
}

/// Everything in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Title.
    pub title: String,
    /// When the report was made.
    pub generated_at: String,
    /// The model.
    pub model: ModelInfo,
    /// Its scorecard.
    pub scorecard: Scorecard,
    /// Held-out figures on the deals given.
    pub evaluation: Evaluation,
    /// Conversion by column.
    pub conversion: Vec<Conversion>,
    /// Hand-set against learned points.
    pub handset: Option<HandsetComparison>,
    /// Leakage audit of the deals.
    pub audit: Audit,
    /// Drift of the deals against the training deals.
    pub drift: Drift,
}

fn norm(s: &str) -> String {
    s.to_ascii_lowercase().replace(['_', ' '], "")
}

/// Builds a report of `model` on `deals`: closed deals the model was not
/// trained on, with the model's outcome column.
pub fn build(model: &Model, deals: &Table, options: &ReportOptions) -> Result<Report> {
    let t = model.target();
    let (_, y) = Target::resolve(deals, &t.column, &t.won, &t.lost)?;
    let scores = model.score(deals)?;
    let s = model.summary();
    let base_rate = s.won as f64 / s.rows.max(1) as f64;
    let mut evaluation = Evaluation::from_predictions(
        &y,
        &scores.probability,
        &scores.points,
        base_rate,
        "the deals given, scored by the model (held out from its training)",
        s.rows,
        &options.evaluation,
    );
    if let Some(policy) = &options.evaluation.policy {
        evaluation.policy = Some(crate::evaluation::policy_metrics(policy, model, deals, &y)?);
    }
    let mut by = options.conversion_by.clone();
    if by.is_empty() {
        for c in deals.column_names() {
            if DEFAULT_CONVERSION_COLUMNS
                .iter()
                .any(|d| norm(d) == norm(c))
            {
                by.push(c.clone());
            }
        }
    }
    if by.is_empty() {
        by = model
            .features()
            .iter()
            .filter(|f| matches!(f.encoding, crate::Encoding::Categorical { .. }))
            .take(3)
            .map(|f| f.column.clone())
            .collect();
    }
    let conversion = by
        .iter()
        .map(|c| conversion_by(deals, c, &y, Some(model), model.missing_tokens()))
        .collect::<Result<Vec<_>>>()?;
    let handset = options
        .points_sheet
        .as_ref()
        .map(|sheet| compare(sheet, model, deals, &y))
        .transpose()?;
    let mut skip = options.audit_skip.clone();
    if let Some(id) = model.id_column() {
        if deals.column(id).is_some() && !skip.iter().any(|c| c == id) {
            skip.push(id.to_string());
        }
    }
    let audit = audit(
        deals,
        &AuditOptions {
            target: t.column.clone(),
            positive: t.won.clone(),
            negative: t.lost.clone(),
            skip,
            missing: model.missing_tokens().to_vec(),
            outcome_date: options.outcome_date.clone(),
            ..Default::default()
        },
    )?;
    let drift = drift(model, deals)?;
    let cv = s.cross_validation.as_ref();
    Ok(Report {
        title: options
            .title
            .clone()
            .unwrap_or_else(|| format!("Lead score evidence: {}", t.column)),
        generated_at: crate::now_rfc3339(),
        model: ModelInfo {
            fingerprint: model.fingerprint(),
            created_at: model.created_at().to_string(),
            target: t.column.clone(),
            training_rows: s.rows,
            training_won: s.won,
            cv_auc: cv.map(|c| c.auc),
            cv_log_loss: cv.map(|c| c.log_loss),
            warnings: s.warnings.clone(),
        },
        scorecard: model.scorecard(),
        evaluation,
        conversion,
        handset,
        audit,
        drift,
    })
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a Markdown table cell.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn f(x: f64, d: usize) -> String {
    if x.is_finite() {
        format!("{x:.d$}")
    } else {
        "–".to_string()
    }
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1} %", 100.0 * x)
    } else {
        "–".to_string()
    }
}

/// One sentence on what the held-out figures say.
fn verdict(e: &Evaluation) -> String {
    let gain = 1.0 - e.log_loss.value / e.base_log_loss;
    if !(e.auc.value.is_finite() && gain.is_finite()) {
        return "Too few held-out deals of each outcome to judge the model.".into();
    }
    if gain <= 0.0 || e.auc.low <= 0.5 {
        format!(
            "The points do not beat the win rate on these deals: AUC {:.3} (0.5 is chance), log loss {:.4} against {:.4} for predicting the win rate to every lead.",
            e.auc.value, e.log_loss.value, e.base_log_loss
        )
    } else {
        format!(
            "The points rank held-out deals with AUC {:.3} (0.5 is chance) and cut the log loss {:.0} % below predicting the win rate to every lead; the top tenth of leads wins {:.1} times as often as the average.",
            e.auc.value,
            100.0 * gain,
            e.deciles.first().map_or(f64::NAN, |d| d.lift)
        )
    }
}

const BLUE: &str = "#2563eb";
const ORANGE: &str = "#ea580c";
const GREY: &str = "#9ca3af";

/// Calibration curve: mean predicted against observed win rate per bin.
fn svg_calibration(e: &Evaluation) -> String {
    let (w, h, m) = (320.0, 320.0, 40.0);
    let sx = |x: f64| m + x * (w - 2.0 * m);
    let sy = |y: f64| h - m - y * (h - 2.0 * m);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" id="calibration-chart" viewBox="0 0 {w} {h}" role="img" aria-label="Calibration curve" xmlns="http://www.w3.org/2000/svg">"#
    );
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
fn svg_lift(learned: &[Decile], handset: Option<&[Decile]>) -> String {
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
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="chart" id="lift-chart" viewBox="0 0 {w} {h}" role="img" aria-label="Lift by decile" xmlns="http://www.w3.org/2000/svg"><rect x="{m}" y="{m}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#d1d5db"/>"##
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
fn svg_gains(learned: &[Decile], handset: Option<&[Decile]>) -> String {
    let (w, h, m) = (320.0, 300.0, 40.0);
    let sx = |x: f64| m + x * (w - 2.0 * m);
    let sy = |y: f64| h - m - y * (h - 2.0 * m);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" id="gains-chart" viewBox="0 0 {w} {h}" role="img" aria-label="Cumulative gains" xmlns="http://www.w3.org/2000/svg">"#
    );
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
fn svg_conversion(c: &Conversion, index: usize) -> String {
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
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart conversion-chart" id="conversion-chart-{index}" viewBox="0 0 {w} {h}" role="img" aria-label="Conversion by {}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(&c.column)
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

const CSS: &str = "body{font-family:-apple-system,system-ui,Segoe UI,Roboto,sans-serif;margin:0;padding:12px;color:#111827;background:#fff;line-height:1.4}main{max-width:760px;margin:0 auto}h1{font-size:1.4em}h2{font-size:1.15em;border-bottom:1px solid #e5e7eb;padding-bottom:4px;margin-top:1.6em}.chart{width:100%;max-width:420px;height:auto;display:block;margin:8px 0}.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:0.85em;min-width:100%}th,td{padding:3px 6px;border-bottom:1px solid #e5e7eb;text-align:left;white-space:nowrap}td.n,th.n{text-align:right}.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #e5e7eb;border-radius:6px;padding:6px 10px;min-width:130px}.card b{display:block;font-size:1.2em}.warn{color:#b91c1c}.ok{color:#15803d}.muted{color:#6b7280;font-size:0.85em}";

impl Report {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        let e = &self.evaluation;
        let mut s = String::new();
        let _ = write!(
            s,
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><main><h1>{}</h1><p class=\"muted\">Generated {}. Model {} trained {} on {} deals ({} won).</p>",
            esc(&self.title),
            esc(&self.title),
            esc(&self.generated_at),
            esc(&self.model.fingerprint),
            esc(&self.model.created_at),
            self.model.training_rows,
            self.model.training_won
        );
        // Headline.
        let _ = write!(
            s,
            "<h2>Held-out figures</h2><p>{}: {} deals, {} won. {}.</p><div class=\"cards\">",
            esc(&e.protocol),
            e.test_rows,
            e.test_won,
            esc(&e.interval_method)
        );
        let verdict = verdict(e);
        let _ = write!(s, "<p><b>{}</b></p>", esc(&verdict));
        for (name, est, d) in [
            ("AUC", e.auc, 3),
            ("log loss", e.log_loss, 4),
            ("Brier", e.brier, 4),
        ] {
            let _ = write!(
                s,
                "<div class=\"card\">{name}<b>{}</b><span class=\"muted\">95 %: {} to {}</span></div>",
                f(est.value, d),
                f(est.low, d),
                f(est.high, d)
            );
        }
        let _ = write!(
            s,
            "<div class=\"card\">base-rate log loss<b>{}</b><span class=\"muted\">win rate {}</span></div><div class=\"card\">calibration error<b>{}</b><span class=\"muted\">expected (ECE)</span></div>",
            f(e.base_log_loss, 4),
            pct(e.base_rate),
            f(e.expected_calibration_error, 4)
        );
        if let Some(c) = &e.cut {
            let _ = write!(
                s,
                "<div class=\"card\">at {} points<b>precision {}</b><span class=\"muted\">recall {}, {} qualified</span></div>",
                f(c.cut_points, 1),
                pct(c.precision),
                pct(c.recall),
                pct(c.qualified_share)
            );
        }
        s.push_str("</div>");
        if let Some(p) = &e.policy {
            let _ = write!(
                s,
                "<h2>Qualification policy</h2><p>Policy {} routes {} of {} deals to sales: precision <b>{}</b>, recall <b>{}</b>.</p><div class=\"scroll\"><table><tr><th>tier</th><th>route</th><th class=\"n\">deals</th><th class=\"n\">win rate</th><th class=\"n\">95 % interval</th></tr>",
                esc(&p.policy_version),
                p.qualified,
                p.deals,
                pct(p.precision),
                pct(p.recall)
            );
            for t in &p.tiers {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} – {}</td></tr>",
                    esc(&t.tier),
                    esc(&t.route),
                    t.leads,
                    pct(t.rate),
                    pct(t.rate_low),
                    pct(t.rate_high)
                );
            }
            s.push_str("</table></div>");
        }
        // Calibration.
        s.push_str("<h2>Calibration</h2><p class=\"muted\">Each dot is a band of predicted probability; on the dashed line the predictions come true as often as they say. Dot size: deals.</p>");
        s.push_str(&svg_calibration(e));
        s.push_str("<div class=\"scroll\"><table><tr><th>predicted</th><th class=\"n\">deals</th><th class=\"n\">won</th><th class=\"n\">mean predicted</th><th class=\"n\">observed</th></tr>");
        for b in e.calibration.iter().filter(|b| b.deals > 0) {
            let _ = write!(
                s,
                "<tr><td>{:.1}–{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                b.lower,
                b.upper,
                b.deals,
                b.won,
                pct(b.mean_predicted),
                pct(b.observed_rate)
            );
        }
        s.push_str("</table></div>");
        // Lift.
        let hs = self.handset.as_ref().map(|h| h.handset_deciles.as_slice());
        s.push_str("<h2>Lift and cumulative gains</h2><p class=\"muted\">Deals ranked by score in ten equal groups; lift is a group's win rate over the average.</p>");
        s.push_str(&svg_lift(&e.deciles, hs));
        s.push_str(&svg_gains(&e.deciles, hs));
        s.push_str("<div class=\"scroll\"><table><tr><th>decile</th><th class=\"n\">deals</th><th class=\"n\">won</th><th class=\"n\">win rate</th><th class=\"n\">lift</th><th class=\"n\">cumulative gain</th></tr>");
        for d in &e.deciles {
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"n\">{:.0}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                d.decile,
                d.deals,
                d.won,
                pct(d.rate),
                f(d.lift, 2),
                pct(d.cumulative_gain)
            );
        }
        s.push_str("</table></div>");
        // Conversion.
        for (i, c) in self.conversion.iter().enumerate() {
            let _ = write!(
                s,
                "<h2>Conversion by {}</h2>{}<div class=\"scroll\"><table><tr><th>{}</th><th class=\"n\">leads</th><th class=\"n\">won</th><th class=\"n\">rate</th><th class=\"n\">95 % interval</th><th class=\"n\">learned points</th></tr>",
                esc(&c.column),
                svg_conversion(c, i),
                esc(&c.column)
            );
            for r in &c.rows {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} – {}</td><td class=\"n\">{}</td></tr>",
                    esc(&r.value),
                    r.leads,
                    r.won,
                    pct(r.rate),
                    pct(r.rate_low),
                    pct(r.rate_high),
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}"))
                );
            }
            s.push_str("</table></div>");
        }
        // Hand-set.
        if let Some(h) = &self.handset {
            let (hl, ll) = h.top_decile_lift();
            let _ = write!(
                s,
                "<h2>Hand-set against learned points</h2><p>On the same {} deals: hand-set AUC <b>{}</b>, top-decile lift <b>{}</b>; learned AUC <b>{}</b>, top-decile lift <b>{}</b>. The lift chart above shows both (orange: hand-set).</p><div class=\"scroll\"><table><tr><th>column</th><th>value or range</th><th class=\"n\">hand-set</th><th class=\"n\">learned</th><th class=\"n\">deals</th><th class=\"n\">win rate</th></tr>",
                h.deals,
                f(h.handset_auc, 3),
                f(hl, 2),
                f(h.learned_auc, 3),
                f(ll, 2)
            );
            for r in &h.rules {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{:+}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    esc(&r.column),
                    esc(&r.value),
                    r.handset_points,
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}")),
                    r.deals,
                    pct(r.rate)
                );
            }
            s.push_str("</table></div>");
        }
        // Scorecard.
        let _ = write!(
            s,
            "<h2>Scorecard</h2><p>Base points {:.1}; {} points = even odds, +{} points doubles the odds of winning.</p><div class=\"scroll\"><table><tr><th>column</th><th>attribute</th><th class=\"n\">points</th><th class=\"n\">training deals</th><th class=\"n\">won</th></tr>",
            self.scorecard.base_points,
            self.scorecard.scale.base_points,
            self.scorecard.scale.points_to_double_odds
        );
        for r in &self.scorecard.rows {
            if r.training_rows == 0 {
                continue;
            }
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{:+.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.column),
                esc(&r.attribute),
                r.points,
                r.training_rows,
                pct(r.training_won as f64 / r.training_rows as f64)
            );
        }
        s.push_str("</table></div>");
        // Leakage.
        s.push_str("<h2>Leakage audit</h2>");
        if self.audit.findings.is_empty() {
            s.push_str("<p class=\"ok\">No column looks filled in after the outcome.</p>");
        } else {
            s.push_str("<p class=\"warn\">These columns may be filled in after the outcome; a model must not learn from them.</p><div class=\"scroll\"><table><tr><th>column</th><th>reason</th><th class=\"n\">figure</th><th>detail</th></tr>");
            for x in &self.audit.findings {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    esc(&x.column),
                    x.reason,
                    f(x.figure, 3),
                    esc(&x.detail)
                );
            }
            s.push_str("</table></div>");
        }
        for w in &self.model.warnings {
            let _ = write!(s, "<p class=\"muted\">Training warning: {}</p>", esc(w));
        }
        // Drift.
        let _ = write!(
            s,
            "<h2>Drift</h2><p class=\"muted\">Population stability index of each feature between the {} training deals and these {} deals: below 0.10 stable, 0.10–0.25 moderate, 0.25 and above major.</p><div class=\"scroll\"><table><tr><th>column</th><th class=\"n\">PSI</th><th>band</th><th class=\"n\">unseen values</th></tr>",
            self.drift.training_rows, self.drift.rows
        );
        for d in &self.drift.features {
            let class = if d.band == Band::Stable { "ok" } else { "warn" };
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"n\">{:.3}</td><td class=\"{class}\">{:?}</td><td class=\"n\">{}</td></tr>",
                esc(&d.column),
                d.psi,
                d.band,
                pct(d.unseen_share)
            );
        }
        s.push_str("</table></div></main></body></html>\n");
        s
    }

    /// The report as Markdown (tables, no charts).
    pub fn to_markdown(&self) -> String {
        let e = &self.evaluation;
        let mut s = String::new();
        let _ = writeln!(s, "# {}\n", md(&self.title));
        let _ = writeln!(
            s,
            "Model `{}` trained {} on {} deals ({} won).\n\n## Held-out figures\n\n{}: {} deals, {} won. Intervals: {}.\n",
            self.model.fingerprint,
            self.model.created_at,
            self.model.training_rows,
            self.model.training_won,
            e.protocol,
            e.test_rows,
            e.test_won,
            e.interval_method
        );
        let _ = writeln!(s, "**{}**\n", verdict(e));
        let _ = writeln!(s, "| figure | value | 95 % interval |\n|---|---:|---|");
        for (name, est, d) in [
            ("AUC", e.auc, 4),
            ("log loss", e.log_loss, 4),
            ("Brier", e.brier, 4),
        ] {
            let _ = writeln!(
                s,
                "| {name} | {} | {} – {} |",
                f(est.value, d),
                f(est.low, d),
                f(est.high, d)
            );
        }
        let _ = writeln!(
            s,
            "| base-rate log loss | {} | |\n| expected calibration error | {} | |",
            f(e.base_log_loss, 4),
            f(e.expected_calibration_error, 4)
        );
        if let Some(c) = &e.cut {
            let _ = writeln!(
                s,
                "| precision at {} points | {} | |\n| recall at {} points | {} | |",
                f(c.cut_points, 1),
                pct(c.precision),
                f(c.cut_points, 1),
                pct(c.recall)
            );
        }
        if let Some(p) = &e.policy {
            let _ = writeln!(
                s,
                "\n## Qualification policy\n\nPolicy {} routes {} of {} deals to sales: precision {}, recall {}.\n\n| tier | route | deals | win rate | 95 % interval |\n|---|---|---:|---:|---|",
                md(&p.policy_version),
                p.qualified,
                p.deals,
                pct(p.precision),
                pct(p.recall)
            );
            for t in &p.tiers {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} – {} |",
                    md(&t.tier),
                    t.route,
                    t.leads,
                    pct(t.rate),
                    pct(t.rate_low),
                    pct(t.rate_high)
                );
            }
        }
        let _ = writeln!(s, "\n## Calibration\n\n| predicted | deals | won | mean predicted | observed |\n|---|---:|---:|---:|---:|");
        for b in e.calibration.iter().filter(|b| b.deals > 0) {
            let _ = writeln!(
                s,
                "| {:.1}–{:.1} | {} | {} | {} | {} |",
                b.lower,
                b.upper,
                b.deals,
                b.won,
                pct(b.mean_predicted),
                pct(b.observed_rate)
            );
        }
        let _ = writeln!(s, "\n## Lift and cumulative gains\n\n| decile | deals | won | win rate | lift | cumulative gain |\n|---:|---:|---:|---:|---:|---:|");
        for d in &e.deciles {
            let _ = writeln!(
                s,
                "| {} | {:.0} | {:.1} | {} | {} | {} |",
                d.decile,
                d.deals,
                d.won,
                pct(d.rate),
                f(d.lift, 2),
                pct(d.cumulative_gain)
            );
        }
        for c in &self.conversion {
            let _ = writeln!(
                s,
                "\n## Conversion by {}\n\n| value | leads | won | rate | 95 % interval | learned points |\n|---|---:|---:|---:|---|---:|",
                md(&c.column)
            );
            for r in &c.rows {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} – {} | {} |",
                    md(&r.value),
                    r.leads,
                    r.won,
                    pct(r.rate),
                    pct(r.rate_low),
                    pct(r.rate_high),
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}"))
                );
            }
        }
        if let Some(h) = &self.handset {
            let (hl, ll) = h.top_decile_lift();
            let _ = writeln!(
                s,
                "\n## Hand-set against learned points\n\n| score | AUC | top-decile lift |\n|---|---:|---:|\n| hand-set | {} | {} |\n| learned | {} | {} |\n\n| column | value or range | hand-set | learned | deals | win rate |\n|---|---|---:|---:|---:|---:|",
                f(h.handset_auc, 4),
                f(hl, 2),
                f(h.learned_auc, 4),
                f(ll, 2)
            );
            for r in &h.rules {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:+} | {} | {} | {} |",
                    md(&r.column),
                    md(&r.value),
                    r.handset_points,
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}")),
                    r.deals,
                    pct(r.rate)
                );
            }
        }
        let _ = writeln!(
            s,
            "\n## Scorecard\n\nBase points {:.1}.\n\n| column | attribute | points | training deals |\n|---|---|---:|---:|",
            self.scorecard.base_points
        );
        for r in self.scorecard.rows.iter().filter(|r| r.training_rows > 0) {
            let _ = writeln!(
                s,
                "| {} | {} | {:+.1} | {} |",
                md(&r.column),
                md(&r.attribute),
                r.points,
                r.training_rows
            );
        }
        let _ = writeln!(s, "\n## Leakage audit\n");
        if self.audit.findings.is_empty() {
            let _ = writeln!(s, "No column looks filled in after the outcome.");
        } else {
            let _ = writeln!(
                s,
                "| column | reason | figure | detail |\n|---|---|---:|---|"
            );
            for x in &self.audit.findings {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    md(&x.column),
                    x.reason,
                    f(x.figure, 3),
                    md(&x.detail)
                );
            }
        }
        let _ = writeln!(
            s,
            "\n## Drift\n\n| column | PSI | band | unseen values |\n|---|---:|---|---:|"
        );
        for d in &self.drift.features {
            let _ = writeln!(
                s,
                "| {} | {:.3} | {:?} | {} |",
                md(&d.column),
                d.psi,
                d.band,
                pct(d.unseen_share)
            );
        }
        s
    }
}
