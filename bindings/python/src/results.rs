//! The result columns of `Model` methods (explanations, scorecard, unseen
//! values) and the model's notebook display.

use std::fmt::Write as _;

use arrow_array::{ArrayRef, UInt32Array};
use leadscore::model::encoding::Encoding;
use leadscore::model::Explanation;
use leadscore::{Model, Table};
use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

use crate::frame::Column;

/// Explanations as one row per lead and column: `row` (1-based), the id
/// (`id`: its name and the input's id array, taken row by row) when the
/// leads carry it, `rank`, `column`, `attribute`, `contribution`, `points`,
/// `base_points`.
pub fn explain_columns(
    explanations: Vec<Explanation>,
    id: Option<(&str, ArrayRef)>,
) -> PyResult<Vec<(String, Column)>> {
    let n: usize = explanations.iter().map(|e| e.contributions.len()).sum();
    let mut row = Vec::with_capacity(n);
    let mut take = Vec::with_capacity(if id.is_some() { n } else { 0 });
    let mut rank = Vec::with_capacity(n);
    let mut column = Vec::with_capacity(n);
    let mut attribute = Vec::with_capacity(n);
    let mut contribution = Vec::with_capacity(n);
    let mut points = Vec::with_capacity(n);
    let mut base = Vec::with_capacity(n);
    for (r, e) in explanations.into_iter().enumerate() {
        for (k, c) in e.contributions.into_iter().enumerate() {
            // 1-based, as every other row number of leadscore.
            row.push(r as i64 + 1);
            if id.is_some() {
                take.push(r as u32);
            }
            rank.push(k as i64 + 1);
            column.push(Some(c.column));
            attribute.push(Some(c.attribute));
            contribution.push(c.points);
            points.push(e.points);
            base.push(e.base_points);
        }
    }
    let mut columns = vec![("row".to_string(), Column::Int(row))];
    if let Some((name, ids)) = id {
        let ids = arrow_select::take::take(&ids, &UInt32Array::from(take), None)
            .map_err(|e| PyValueError::new_err(format!("taking the id of each row: {e}")))?;
        columns.push((name.to_string(), Column::Arrow(ids)));
    }
    columns.extend([
        ("rank".to_string(), Column::Int(rank)),
        ("column".to_string(), Column::Text(column)),
        ("attribute".to_string(), Column::Text(attribute)),
        ("contribution".to_string(), Column::Float(contribution)),
        ("points".to_string(), Column::Float(points)),
        ("base_points".to_string(), Column::Float(base)),
    ]);
    Ok(columns)
}

/// The scorecard's rows: `column`, `attribute`, `points`, `weight`,
/// `training_rows`, `training_won`.
pub fn scorecard_columns(model: &Model) -> Vec<(String, Column)> {
    let card = model.scorecard();
    let rows = &card.rows;
    let text = |f: &dyn Fn(&leadscore::model::ScorecardRow) -> String| {
        Column::Text(rows.iter().map(|r| Some(f(r))).collect())
    };
    vec![
        ("column".to_string(), text(&|r| r.column.clone())),
        ("attribute".to_string(), text(&|r| r.attribute.clone())),
        (
            "points".to_string(),
            Column::Float(rows.iter().map(|r| r.points).collect()),
        ),
        (
            "weight".to_string(),
            Column::Float(rows.iter().map(|r| r.weight).collect()),
        ),
        (
            "training_rows".to_string(),
            Column::Int(rows.iter().map(|r| r.training_rows as i64).collect()),
        ),
        (
            "training_won".to_string(),
            Column::Int(rows.iter().map(|r| r.training_won as i64).collect()),
        ),
    ]
}

/// Per feature column with unseen values: `column`, `leads` (how many hold
/// one) and `examples` (a few, joined by ", ").
pub fn unseen_columns(unseen: &[leadscore::model::UnseenValues]) -> Vec<(String, Column)> {
    vec![
        (
            "column".to_string(),
            Column::Text(unseen.iter().map(|u| Some(u.column.clone())).collect()),
        ),
        (
            "leads".to_string(),
            Column::Int(unseen.iter().map(|u| u.rows as i64).collect()),
        ),
        (
            "examples".to_string(),
            Column::Text(unseen.iter().map(|u| Some(u.examples.join(", "))).collect()),
        ),
        (
            "rare_leads".to_string(),
            Column::Int(unseen.iter().map(|u| u.rare_rows as i64).collect()),
        ),
    ]
}

/// For every lead of `leads`, the feature columns whose value the model
/// never saw in training (or saw too rarely), scored as `(other)`, in
/// feature order: as `Explanation::unseen` has them, from one decoding of
/// the leads into attribute patterns.
pub fn unseen_per_lead(model: &Model, leads: &Table) -> leadscore::Result<Vec<Vec<String>>> {
    let design = model.design(leads)?;
    // The global index of each categorical feature's `(other)` attribute.
    let mut offset = 0;
    let mut other = Vec::with_capacity(model.features().len());
    for f in model.features() {
        other.push(match &f.encoding {
            Encoding::Categorical { levels } => Some(offset + levels.len()),
            Encoding::Numeric { .. } => None,
        });
        offset += f.encoding.n_attributes();
    }
    let per_pattern: Vec<Vec<String>> = (0..design.n_patterns())
        .map(|p| {
            design
                .pattern(p)
                .iter()
                .zip(&other)
                .zip(model.features())
                .filter(|((&a, o), _)| **o == Some(a as usize))
                .map(|(_, f)| f.column.clone())
                .collect()
        })
        .collect();
    Ok((0..design.n_rows())
        .map(|r| per_pattern[design.row_pattern(r)].clone())
        .collect())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Styles of the model's notebook display, every rule under its root class.
const MODEL_CSS: &str = ".leadscore-model{font-family:-apple-system,system-ui,Segoe UI,Roboto,sans-serif;line-height:1.4;color:inherit}.leadscore-model table{border-collapse:collapse;border:0;font-size:0.9em;margin:4px 0}.leadscore-model th,.leadscore-model td{padding:2px 8px;text-align:left;vertical-align:top;border:0;border-bottom:1px solid #e5e7eb;background:none;color:inherit}.leadscore-model th{font-weight:600;white-space:nowrap}.leadscore-model code{font-size:0.95em}";

/// A compact HTML summary of `model` for notebooks: the target with its won
/// and lost values, the training deals won and lost, the features, the AUC
/// (out-of-fold when cross-validated, else the optimistic training AUC) and
/// the fingerprint. Every style is scoped to the summary's root element.
pub fn model_html(model: &Model) -> String {
    let s = model.summary();
    let t = model.target();
    let list = |v: &[String]| v.iter().map(|x| esc(x)).collect::<Vec<_>>().join(", ");
    let mut h = format!(
        "<div class=\"leadscore-model\"><style>{MODEL_CSS}</style><b>leadscore.Model</b><table>"
    );
    let mut row = |name: &str, value: String| {
        let _ = write!(h, "<tr><th>{name}</th><td>{value}</td></tr>");
    };
    let mut target = format!("<code>{}</code>", esc(&t.column));
    if !t.won.is_empty() {
        let _ = write!(target, " (won: {}", list(&t.won));
        if !t.lost.is_empty() {
            let _ = write!(target, "; lost: {}", list(&t.lost));
        }
        target.push(')');
    }
    row("target", target);
    row(
        "deals",
        format!(
            "{} closed: {} won, {} lost (win rate {:.1} %)",
            s.rows,
            s.won,
            s.lost,
            100.0 * s.won as f64 / s.rows.max(1) as f64
        ),
    );
    row(
        "features",
        format!(
            "{} ({} attributes): {}",
            s.columns_used.len(),
            model.n_attributes(),
            list(&s.columns_used)
        ),
    );
    if let Some(id) = model.id_column() {
        row("id", format!("<code>{}</code>", esc(id)));
    }
    let auc = match &s.cross_validation {
        Some(cv) if cv.auc.is_finite() => {
            format!(
                "{:.4} (out-of-fold, {}-fold cross-validation)",
                cv.auc, cv.folds
            )
        }
        _ if s.training_auc.is_finite() => {
            format!("{:.4} (on the training deals: optimistic)", s.training_auc)
        }
        _ => "unknown".to_string(),
    };
    row("AUC", auc);
    row(
        "fingerprint",
        format!("<code>{}</code>", esc(&model.fingerprint())),
    );
    for w in &s.warnings {
        row("warning", esc(w));
    }
    h.push_str("</table></div>");
    h
}
