//! What a model was trained on and how: the training summary and the
//! cross-validation figures.

use serde::{Deserialize, Serialize};

use crate::error::{display_text, display_value};

/// How `l2` was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum L2Choice {
    /// Chosen by k-fold cross-validation on log loss.
    CrossValidation,
    /// Given by the user.
    Fixed,
}

/// How cross-validation picks `l2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum L2Rule {
    /// The candidate with the lowest out-of-fold log loss, the
    /// intercept-only model (every lead gets the win rate) among them. The
    /// default.
    #[default]
    MinLogLoss,
    /// The strongest penalty whose out-of-fold log loss is within one
    /// standard error (across folds) of the best candidate's, counting the
    /// intercept-only model as the strongest of all: prefers the simpler
    /// model when the folds cannot tell them apart.
    OneStandardError,
}

/// Out-of-fold log loss and AUC of one `l2` candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvPoint {
    /// The candidate; `None` is the intercept-only model (all weights 0).
    pub l2: Option<f64>,
    /// Out-of-fold log loss.
    pub log_loss: f64,
    /// Standard error of the per-fold log loss.
    pub standard_error: f64,
    /// Out-of-fold AUC.
    pub auc: f64,
}

/// Cross-validation figures of the training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// Number of folds (stratified by outcome).
    pub folds: usize,
    /// Times the deals were cut into that many random folds: fewer than a
    /// thousand deals are cut several times over and the out-of-fold
    /// losses averaged (1 for a time-ordered cross-validation).
    #[serde(default = "one")]
    pub repeats: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// How `l2` was picked.
    pub rule: L2Rule,
    /// Out-of-fold AUC at the chosen `l2`.
    pub auc: f64,
    /// Out-of-fold log loss at the chosen `l2`.
    pub log_loss: f64,
    /// Log loss of always predicting the training win rate.
    pub base_log_loss: f64,
    /// Every candidate tried.
    pub grid: Vec<CvPoint>,
    /// The date column of a time-ordered (forward-chaining) cross-validation,
    /// `None` for stratified random folds.
    pub time_column: Option<String>,
    /// The time column was not named but found: the deals' only date column.
    #[serde(default)]
    pub time_column_found: bool,
    /// Candidates not fitted: walking the path from the strongest penalty
    /// down, the out-of-fold loss had clearly turned before them.
    #[serde(default)]
    pub not_tried: Vec<f64>,
}

fn one() -> usize {
    1
}

/// What the model was trained on and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Training rows.
    pub rows: usize,
    /// Won deals.
    pub won: usize,
    /// Lost deals.
    pub lost: usize,
    /// Feature columns.
    pub columns_used: Vec<String>,
    /// Columns present but not used (target, id, ignored).
    pub columns_excluded: Vec<String>,
    /// L2 penalty used (`l2 = 1/C` in scikit-learn's terms); `None` when
    /// cross-validation found no column better than the win rate and every
    /// weight is 0.
    pub l2: Option<f64>,
    /// How `l2` was set.
    pub l2_choice: L2Choice,
    /// Cross-validation figures, when `l2` was chosen by it.
    pub cross_validation: Option<CrossValidation>,
    /// AUC on the training rows (optimistic; see `cross_validation`).
    pub training_auc: f64,
    /// Seed used.
    pub seed: u64,
    /// Things the user should know about the data (constant columns,
    /// identifier-like columns, ...).
    pub warnings: Vec<String>,
    /// A sketch of the training rows, to tell evidence computed on them
    /// (see [`super::sketch`]); models trained before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_rows: Option<super::sketch::RowSketch>,
    /// The training deals' own points by top share, in steps of 0.1 %:
    /// entry `k` is the points of the deal at position `ceil(k/1000 × deals)`
    /// from the top (what a `top_share` tier of `k/1000` cuts at), 1,001
    /// entries; models trained before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_share_points: Option<Vec<f64>>,
    /// The training settings the model was fitted with (columns, missing
    /// tokens, kinds, penalty, encoding, scale, time and sheet options), so
    /// that evidence refits and reads deals the same way
    /// ([`super::Model::training_params`]); models trained before it have
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<super::params::ModelParams>,
}

/// Column names as the summary lists them, comma-separated (names from a
/// header are data: shown through [`display_text`]).
fn names(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| display_text(c))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for TrainingSummary {
    /// The summary in a few lines: deals, columns, the penalty and how it
    /// was chosen, the training AUC.
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self;
        writeln!(
            out,
            "Trained on {} closed deals: {} won, {} lost (win rate {:.1} %).",
            s.rows,
            s.won,
            s.lost,
            100.0 * s.won as f64 / s.rows.max(1) as f64
        )?;
        if s.columns_used.is_empty() {
            writeln!(out, "Columns used: none")?;
        } else {
            writeln!(
                out,
                "Columns used ({}): {}",
                s.columns_used.len(),
                names(&s.columns_used)
            )?;
        }
        writeln!(out, "Columns not used: {}", names(&s.columns_excluded))?;
        let l2 = match s.l2 {
            Some(l2) => format!("l2 = {l2:.4} (C = {:.4})", 1.0 / l2),
            None => "no signal: intercept only".to_string(),
        };
        match &s.cross_validation {
            Some(cv) => writeln!(
                out,
                "{l2}, chosen by {}-fold cross-validation (seed {}, {:?} rule): out-of-fold AUC {:.4}, log loss {:.4} (win-rate baseline {:.4}).",
                cv.folds, cv.seed, cv.rule, cv.auc, cv.log_loss, cv.base_log_loss
            )?,
            None => writeln!(out, "{l2}, fixed.")?,
        }
        if let Some(cv) = &s.cross_validation {
            match (&cv.time_column, cv.time_column_found) {
                (Some(c), true) => writeln!(
                    out,
                    "Cross-validated in time order on {}, the deals' only date column (not learned from); ask for random folds to cross-validate at random.",
                    display_value(c)
                )?,
                (Some(c), false) => {
                    writeln!(out, "Cross-validated in time order on {}.", display_value(c))?
                }
                (None, _) => {}
            }
            if let Some(last) = cv.not_tried.first() {
                writeln!(
                    out,
                    "Penalties from l2 = {last} down not fitted: the out-of-fold loss had clearly turned."
                )?;
            }
        }
        writeln!(
            out,
            "Training AUC {:.4} (optimistic: measured on the training deals).",
            s.training_auc
        )
    }
}

impl std::str::FromStr for L2Rule {
    type Err = crate::Error;

    /// `min` or `one-standard-error`.
    fn from_str(s: &str) -> crate::Result<L2Rule> {
        match s {
            "min" => Ok(L2Rule::MinLogLoss),
            "one-standard-error" => Ok(L2Rule::OneStandardError),
            other => Err(crate::Error::InvalidParameter {
                name: "l2_rule".into(),
                value: other.into(),
                reason: "expected one-standard-error or min".into(),
            }),
        }
    }
}
