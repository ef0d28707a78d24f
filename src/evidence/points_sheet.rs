//! The points sheet (hand-set points): marketing's existing points sheet
//! (format: [`crate::model::sheet`]), scored on the same held-out deals as
//! the learned model and shown side by side.

use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::error::Result;
use crate::metrics::{as_f64, auc, deciles, Decile};
use crate::model::Model;
use crate::util::is_missing_token;

pub use crate::model::sheet::{Matcher, PointsSheet, Rule};

/// One rule beside the learned points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleComparison {
    /// The column.
    pub column: String,
    /// The value or range as written in the sheet.
    pub value: String,
    /// Marketing's points.
    pub handset_points: f64,
    /// Mean learned points (scorecard points of the column) of the deals the
    /// rule matches; `None` when the model does not use the column or no
    /// deal matches.
    pub learned_points: Option<f64>,
    /// Deals matching the rule.
    pub deals: usize,
    /// Won among them.
    pub won: usize,
    /// Their win rate.
    pub rate: f64,
}

/// Hand-set against learned points on the same deals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandsetComparison {
    /// Deals compared on.
    pub deals: usize,
    /// AUC of the hand-set score.
    pub handset_auc: f64,
    /// AUC of the learned model.
    pub learned_auc: f64,
    /// Lift by decile of the hand-set score.
    pub handset_deciles: Vec<Decile>,
    /// Lift by decile of the learned model.
    pub learned_deciles: Vec<Decile>,
    /// Per rule: hand-set and learned points.
    pub rules: Vec<RuleComparison>,
}

impl HandsetComparison {
    /// Top-decile lift of the hand-set score and of the learned model.
    pub fn top_decile_lift(&self) -> (f64, f64) {
        (
            self.handset_deciles.first().map_or(f64::NAN, |d| d.lift),
            self.learned_deciles.first().map_or(f64::NAN, |d| d.lift),
        )
    }
}

/// Scores `deals` (outcomes `y`) with the sheet and with the model, side by side.
pub fn compare(
    sheet: &PointsSheet,
    model: &Model,
    deals: &Table,
    y: &[bool],
) -> Result<HandsetComparison> {
    let p = model.score(deals)?.probability;
    compare_with(sheet, model, deals, y, &p)
}

/// As [`compare`], with the learned probabilities given (e.g. pooled
/// out-of-fold predictions); `model` gives the learned points per rule.
pub fn compare_with(
    sheet: &PointsSheet,
    model: &Model,
    deals: &Table,
    y: &[bool],
    learned_probability: &[f64],
) -> Result<HandsetComparison> {
    let missing = model.missing_tokens();
    let hand = sheet.score(deals, missing)?;
    let (slots, _) = model.slots(deals)?;
    let yf = as_f64(y);
    let mut rules = Vec::with_capacity(sheet.rules.len());
    for rule in &sheet.rules {
        let values = deals.require(&rule.column)?;
        let feature = model
            .features()
            .iter()
            .position(|f| f.column == rule.column);
        let (mut n, mut won, mut sum) = (0usize, 0usize, 0.0);
        for r in 0..deals.n_rows() {
            let cell = values.text(r);
            let cell = cell.as_deref().filter(|c| !is_missing_token(missing, c));
            if rule.matcher.matches(cell) {
                n += 1;
                won += usize::from(y[r]);
                if let Some(j) = feature {
                    sum += model.cache.points[j][slots[j][r] as usize];
                }
            }
        }
        rules.push(RuleComparison {
            column: rule.column.clone(),
            value: rule.label.clone(),
            handset_points: rule.points,
            learned_points: (feature.is_some() && n > 0).then(|| sum / n as f64),
            deals: n,
            won,
            rate: if n > 0 {
                won as f64 / n as f64
            } else {
                f64::NAN
            },
        });
    }
    Ok(HandsetComparison {
        deals: y.len(),
        handset_auc: auc(&yf, &hand),
        learned_auc: auc(&yf, learned_probability),
        handset_deciles: deciles(&yf, &hand),
        learned_deciles: deciles(&yf, learned_probability),
        rules,
    })
}
