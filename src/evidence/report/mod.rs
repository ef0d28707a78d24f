//! The evidence report: one self-contained HTML file (inline SVG charts, no
//! scripts, no network, readable on a phone), or Markdown, or JSON. It holds
//! the scorecard, held-out figures with the calibration curve and the lift
//! chart, conversion by channel (or any column), hand-set against learned
//! points when a points sheet is given, and the leakage and drift tables.

use serde::{Deserialize, Serialize};

use super::audit::{audit, Audit, AuditOptions};
use super::conversion::{conversion_by, Conversion};
use super::drift::{drift, Drift};
use super::evaluate::{Evaluation, EvaluationOptions};
use super::points_sheet::{compare, HandsetComparison, PointsSheet};
use crate::data::{Table, Target};
use crate::error::Result;
use crate::model::{Model, Scorecard};

mod html;
pub(crate) use html::{html_fragment, html_page};
mod html_detail;
mod summary;
pub use summary::TOP_DRIVERS;
pub(crate) use summary::{count, human_date, pct_range};
mod markdown;
mod svg;
mod svg_frame;
pub mod text;

/// How evidence is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OutputFormat {
    /// Plain text (the `Display` of each figure).
    Text,
    /// JSON.
    Json,
    /// CSV.
    Csv,
    /// Markdown.
    Md,
    /// One self-contained HTML page.
    Html,
    /// HTML to embed in another page (a notebook, a dashboard): one element
    /// holding its own styles, each scoped to it, so that nothing of the
    /// page around it is restyled.
    Fragment,
}

impl OutputFormat {
    /// The format as written on the command line and in Python (`text`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Csv => "csv",
            OutputFormat::Md => "md",
            OutputFormat::Html => "html",
            OutputFormat::Fragment => "fragment",
        }
    }

    /// `Ok` when the format is one of `allowed`, else an error listing them.
    pub fn one_of(self, allowed: &[OutputFormat]) -> crate::Result<OutputFormat> {
        if allowed.contains(&self) {
            Ok(self)
        } else {
            Err(crate::Error::InvalidParameter {
                name: "format".into(),
                value: self.as_str().into(),
                reason: format!(
                    "expected {}",
                    allowed
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = crate::Error;

    /// `text`, `json`, `csv`, `md`, `html` or `fragment`.
    fn from_str(s: &str) -> crate::Result<OutputFormat> {
        let all = [
            OutputFormat::Text,
            OutputFormat::Json,
            OutputFormat::Csv,
            OutputFormat::Md,
            OutputFormat::Html,
            OutputFormat::Fragment,
        ];
        all.into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| crate::Error::InvalidParameter {
                name: "format".into(),
                value: s.into(),
                reason: "expected text, json, csv, md, html or fragment".into(),
            })
    }
}

impl Report {
    /// The report in `format`: an HTML page or fragment, Markdown or JSON.
    pub fn render(&self, format: OutputFormat) -> crate::Result<String> {
        match format.one_of(&[
            OutputFormat::Html,
            OutputFormat::Fragment,
            OutputFormat::Md,
            OutputFormat::Json,
        ])? {
            OutputFormat::Html => Ok(self.to_html()),
            OutputFormat::Fragment => Ok(self.to_html_fragment()),
            OutputFormat::Md => Ok(self.to_markdown()),
            _ => Ok(self.to_json()),
        }
    }
}

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
    /// What happened to the decisions (see [`crate::evidence::outcomes`]):
    /// shown as a section of the report.
    pub outcomes: Option<crate::evidence::outcomes::Outcomes>,
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
    /// What happened to the decisions, when outcomes were given (see
    /// [`crate::evidence::outcomes`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<crate::evidence::outcomes::Outcomes>,
    /// How much of the deals given were the model's training deals (from
    /// the sketch the model keeps of them; none for older models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_overlap: Option<crate::model::sketch::TrainingOverlap>,
}

/// Share of the deals given that were training deals from which a report
/// says its figures are optimistic.
pub const OPTIMISTIC_SHARE: f64 = 0.05;

impl Report {
    /// A warning when the deals given were (partly) the model's training
    /// deals, whose figures are optimistic.
    pub fn training_warning(&self) -> Option<String> {
        let o = self
            .training_overlap
            .filter(|o| o.training_share >= OPTIMISTIC_SHARE)?;
        Some(format!(
            "About {:.0} % of these {} deals were the model's training deals: the figures are optimistic. Hold deals out before training (leadscore split does) and report on those.",
            100.0 * o.training_share,
            o.deals
        ))
    }
}

fn norm(s: &str) -> String {
    s.to_ascii_lowercase().replace(['_', ' '], "")
}

/// Builds a report of `model` on `deals`: closed deals the model was not
/// trained on, with the model's outcome column.
pub fn build(model: &Model, deals: &Table, options: &ReportOptions) -> Result<Report> {
    options.evaluation.check()?;
    let t = model.target();
    let (_, y) = Target::resolve(deals, &t.column, &t.won, &t.lost)?;
    let scores = model.score(deals)?;
    let s = model.summary();
    let base_rate = s.won as f64 / s.rows.max(1) as f64;
    let training_overlap = s.training_rows.as_ref().and_then(|k| k.overlap(deals));
    let protocol = match training_overlap.map(|o| o.training_share) {
        Some(x) if x >= 0.5 => format!(
            "training data (optimistic): about {:.0} % of the deals given were the model's training deals",
            100.0 * x
        ),
        Some(x) if x >= OPTIMISTIC_SHARE => format!(
            "the deals given, scored by the model; about {:.0} % of them were its training deals (optimistic)",
            100.0 * x
        ),
        Some(_) => "the deals given, scored by the model (none of its training deals)".to_string(),
        None => "the deals given, scored by the model (not known whether it was trained on them)".to_string(),
    };
    let mut evaluation = Evaluation::from_predictions(
        &y,
        &scores.probability,
        &scores.points,
        base_rate,
        protocol,
        s.rows,
        &options.evaluation,
    );
    evaluation.on_training_deals =
        training_overlap.is_some_and(|o| o.training_share >= OPTIMISTIC_SHARE);
    if let Some(policy) = &options.evaluation.policy {
        evaluation.policy = Some(super::policy_metrics::policy_metrics(
            policy, model, deals, &y,
        )?);
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
            .filter(|f| {
                matches!(
                    f.encoding,
                    crate::model::encoding::Encoding::Categorical { .. }
                )
            })
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
        generated_at: crate::util::time::now_rfc3339(),
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
        outcomes: options.outcomes.clone(),
        training_overlap,
    })
}

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
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

/// Escapes text from the data (column names, values, policy and tier
/// names) for Markdown: HTML (`&`, `<`, `>`) as entities, so that
/// `<script>` shows as text and runs nowhere; backslashes and table pipes
/// backslash-escaped, so that a cell stays one cell; line breaks as spaces.
pub(crate) fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn f(x: f64, d: usize) -> String {
    if x.is_finite() {
        format!("{x:.d$}")
    } else {
        "–".to_string()
    }
}

pub(crate) fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1} %", 100.0 * x)
    } else {
        "–".to_string()
    }
}

/// One sentence on what the figures say; `held_out`: whether the deals
/// were held out of training (else the sentence says they were not).
pub(crate) fn verdict(e: &Evaluation, held_out: bool) -> String {
    let deals = if held_out {
        "held-out deals"
    } else {
        "these deals (training deals: optimistic)"
    };
    let gain = 1.0 - e.log_loss.value / e.base_log_loss;
    if !(e.auc.value.is_finite() && gain.is_finite()) {
        return format!("Too few {deals} of each outcome to judge the model.");
    }
    if gain <= 0.0 || e.auc.low <= 0.5 {
        format!(
            "The points do not beat the win rate on {deals}: AUC {:.3} (0.5 is chance), log loss {:.4} against {:.4} for predicting the win rate to every lead.",
            e.auc.value, e.log_loss.value, e.base_log_loss
        )
    } else {
        format!(
            "The points rank {deals} with AUC {:.3} (0.5 is chance) and cut the log loss {:.0} % below predicting the win rate to every lead; the top tenth of leads wins {:.1} times as often as the average.",
            e.auc.value,
            100.0 * gain,
            e.deciles.first().map_or(f64::NAN, |d| d.lift)
        )
    }
}

impl Report {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        // Plain data always serializes (non-finite numbers become null).
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
