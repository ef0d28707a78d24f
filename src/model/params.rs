//! [`ModelParams`]: the training configuration, built with setters and
//! checked once before a fit.

use std::collections::BTreeMap;

use super::encoding::EncodingOptions;
use super::{L2Rule, Scale};
use crate::data::ColumnKind;
use crate::error::{Error, Result};

/// Default minimum of won deals (and of lost deals) to train.
pub const DEFAULT_MIN_OUTCOMES: usize = 20;

/// Most cross-validation folds: past this, more folds cost time and tell
/// nothing new.
pub const MAX_FOLDS: usize = 100;

/// Default candidates for `l2` tried by cross-validation: 0.01 to 10 000 in
/// half-decade steps.
pub fn default_l2_grid() -> Vec<f64> {
    (-4..=8).map(|k| 10f64.powf(f64::from(k) / 2.0)).collect()
}

/// Training configuration, built with setters and checked by [`ModelParams::fit`].
///
/// Only [`ModelParams::target`] is required.
///
/// ```
/// use leadscore::{synthetic, Model};
/// let deals = synthetic::deals(1_500, 1);
/// let model = Model::params()
///     .target("outcome")
///     .positive(["Won"])
///     .id("deal_id")
///     .ignore(["created_at", "closed_at"])
///     .folds(3)
///     .fit(&deals.table)
///     .unwrap();
/// assert!(model.summary().cross_validation.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ModelParams {
    pub(crate) target: Option<String>,
    pub(crate) positive: Vec<String>,
    pub(crate) negative: Vec<String>,
    pub(crate) id: Option<String>,
    pub(crate) ignore: Vec<String>,
    pub(crate) missing: Vec<String>,
    pub(crate) kinds: BTreeMap<String, ColumnKind>,
    pub(crate) special_values: BTreeMap<String, Vec<f64>>,
    pub(crate) l2: Option<f64>,
    pub(crate) l2_grid: Vec<f64>,
    pub(crate) l2_rule: L2Rule,
    pub(crate) time_column: Option<String>,
    pub(crate) folds: usize,
    pub(crate) seed: u64,
    pub(crate) max_iterations: u64,
    pub(crate) tolerance: f64,
    pub(crate) min_won: usize,
    pub(crate) min_lost: usize,
    pub(crate) encoding: EncodingOptions,
    pub(crate) scale: Scale,
    pub(crate) drop_leaks: bool,
    pub(crate) random_folds: bool,
    pub(crate) event_half_life: Option<f64>,
    pub(crate) timing: Option<super::timing::fit::TimingOptions>,
    pub(crate) prior_sheet: Option<super::sheet::PointsSheet>,
    pub(crate) prior_strength: super::prior::PriorStrength,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            target: None,
            positive: Vec::new(),
            negative: Vec::new(),
            id: None,
            ignore: Vec::new(),
            missing: Vec::new(),
            kinds: BTreeMap::new(),
            special_values: BTreeMap::new(),
            l2: None,
            l2_grid: default_l2_grid(),
            l2_rule: L2Rule::default(),
            time_column: None,
            folds: 5,
            seed: 0,
            max_iterations: 1_000,
            tolerance: 1e-8,
            min_won: DEFAULT_MIN_OUTCOMES,
            min_lost: DEFAULT_MIN_OUTCOMES,
            encoding: EncodingOptions::default(),
            scale: Scale::default(),
            drop_leaks: false,
            random_folds: false,
            event_half_life: None,
            timing: None,
            prior_sheet: None,
            prior_strength: super::prior::PriorStrength::Auto,
        }
    }
}

fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl ModelParams {
    /// The outcome column (required).
    pub fn target(mut self, column: impl Into<String>) -> Self {
        self.target = Some(column.into());
        self
    }

    /// Values of the outcome column that mean won. Default: `1`, `true`,
    /// `won`, `yes` (any case), with `0`, `false`, `lost`, `no` meaning lost.
    pub fn positive<I: IntoIterator<Item = S>, S: Into<String>>(mut self, values: I) -> Self {
        self.positive = strings(values);
        self
    }

    /// Values of the outcome column that mean lost. Default: the one other
    /// value the column holds besides the positive ones.
    pub fn negative<I: IntoIterator<Item = S>, S: Into<String>>(mut self, values: I) -> Self {
        self.negative = strings(values);
        self
    }

    /// An id column, carried to the scores and never learned from.
    pub fn id(mut self, column: impl Into<String>) -> Self {
        self.id = Some(column.into());
        self
    }

    /// Columns not to learn from.
    pub fn ignore<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.ignore.extend(strings(columns));
        self
    }

    /// Extra tokens that mean missing (an empty field always does), e.g. `Select`.
    pub fn missing<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tokens: I) -> Self {
        self.missing.extend(strings(tokens));
        self
    }

    /// Reads `column` as `kind` instead of the inferred kind.
    pub fn kind(mut self, column: impl Into<String>, kind: ColumnKind) -> Self {
        self.kinds.insert(column.into(), kind);
        self
    }

    /// Values of a numeric column that get their own attribute instead of
    /// falling in a range (e.g. `999` meaning "never").
    pub fn special_values(mut self, column: impl Into<String>, values: &[f64]) -> Self {
        self.special_values.insert(column.into(), values.to_vec());
        self
    }

    /// Fixes the L2 penalty instead of choosing it by cross-validation.
    /// It is `alpha` in `Σ log-loss + alpha/2 · ‖w‖²` (intercept not
    /// penalised), so `l2 = 1/C` for scikit-learn's `LogisticRegression(C)`.
    pub fn l2(mut self, l2: f64) -> Self {
        self.l2 = Some(l2);
        self
    }

    /// Candidates for `l2` tried by cross-validation. Default [`default_l2_grid`].
    pub fn l2_grid(mut self, grid: Vec<f64>) -> Self {
        self.l2_grid = grid;
        self
    }

    /// How cross-validation picks `l2`. Default [`L2Rule::MinLogLoss`].
    pub fn l2_rule(mut self, rule: L2Rule) -> Self {
        self.l2_rule = rule;
        self
    }

    /// Cross-validate in time order on this date column instead of at
    /// random: the rows are cut into `folds + 1` blocks by date and each block
    /// is predicted by a model trained on the blocks before it (forward
    /// chaining), so `l2` is chosen for how the model will be used: on leads
    /// that come later. The column is not learned from. Dates are
    /// in the one date grammar of leadscore: `YYYY-MM-DD`,
    /// `YYYY-MM-DDThh:mm[:ss][Z|±hh:mm]` or `M/D/YYYY [hh:mm[:ss]]`.
    pub fn time_column(mut self, column: impl Into<String>) -> Self {
        self.time_column = Some(column.into());
        self
    }

    /// Cross-validate at random (stratified folds) even when the deals carry
    /// one date column. Without it and without a [`ModelParams::time_column`],
    /// cross-validation runs in time order on the deals' only date column,
    /// when there is exactly one (the training summary says so).
    pub fn random_folds(mut self, random: bool) -> Self {
        self.random_folds = random;
        self
    }

    /// With an event log: every event type fades with this half-life, in
    /// days, instead of a half-life learned per type (as tools that apply
    /// one decay to all events do; say, 30 days for "50 % a month"). Only
    /// the points of each type are learned then. Default: learned.
    pub fn event_half_life_days(mut self, days: Option<f64>) -> Self {
        self.event_half_life = days;
        self
    }

    /// Folds of the cross-validation (stratified by outcome). Default 5.
    pub fn folds(mut self, folds: usize) -> Self {
        self.folds = folds;
        self
    }

    /// Seed of the fold assignment. Default 0. Training is deterministic for a given seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Most Newton iterations of each fit. Default 1000 (a fit takes about
    /// 5 to 15).
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.max_iterations = n;
        self
    }

    /// Convergence tolerance: a fit stops when a Newton step moves no weight
    /// by more than this, in log-odds. Default 1e-8.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Fewest won and fewest lost deals to train. Default 20 each
    /// ([`DEFAULT_MIN_OUTCOMES`]); below that the weights are mostly noise.
    pub fn min_outcomes(mut self, won: usize, lost: usize) -> Self {
        self.min_won = won;
        self.min_lost = lost;
        self
    }

    /// Encoding options (rare-level pooling, number of ranges).
    pub fn encoding(mut self, options: EncodingOptions) -> Self {
        self.encoding = options;
        self
    }

    /// Leave out the columns the leakage screen flags ([`super::leakage`])
    /// instead of only warning about them. Default false: every flagged
    /// column gets a "possible leak" warning and is still learned from.
    pub fn drop_leaks(mut self, drop: bool) -> Self {
        self.drop_leaks = drop;
        self
    }

    /// Points scale. Default [`Scale::default`].
    pub fn scale(mut self, scale: Scale) -> Self {
        self.scale = scale;
        self
    }

    /// The outcome column, when set.
    pub fn target_column(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The values named as won (empty: the defaults).
    pub fn positive_values(&self) -> &[String] {
        &self.positive
    }

    /// The values named as lost (empty: inferred).
    pub fn negative_values(&self) -> &[String] {
        &self.negative
    }

    /// The id column, when set.
    pub fn id_column(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The columns not learned from.
    pub fn ignored_columns(&self) -> &[String] {
        &self.ignore
    }

    /// The extra missing tokens.
    pub fn missing_tokens(&self) -> &[String] {
        &self.missing
    }

    /// Checks the parameters; returns the target column.
    pub(crate) fn check(&self) -> Result<String> {
        let invalid = |name: &str, value: String, reason: &str| {
            Err(Error::InvalidParameter {
                name: name.into(),
                value,
                reason: reason.into(),
            })
        };
        let Some(target) = self.target.clone() else {
            return invalid("target", "(none)".into(), "name the outcome column");
        };
        if let Some(l2) = self.l2 {
            if !(l2.is_finite() && l2 > 0.0) {
                return invalid("l2", l2.to_string(), "must be a positive number");
            }
        }
        if self.l2.is_none() {
            if self.l2_grid.is_empty() {
                return invalid("l2_grid", "[]".into(), "needs at least one candidate");
            }
            if let Some(x) = self.l2_grid.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
                return invalid(
                    "l2_grid",
                    x.to_string(),
                    "candidates must be positive numbers",
                );
            }
            if !(2..=MAX_FOLDS).contains(&self.folds) {
                return invalid(
                    "folds",
                    self.folds.to_string(),
                    &format!("must be from 2 to {MAX_FOLDS}"),
                );
            }
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return invalid("tolerance", self.tolerance.to_string(), "must be positive");
        }
        if self.max_iterations == 0 {
            return invalid("max_iterations", "0".into(), "must be at least 1");
        }
        if self.encoding.max_bins == 0 {
            return invalid("max_bins", "0".into(), "must be at least 1");
        }
        let m = self.encoding.merge_significance;
        if !(0.0..1.0).contains(&m) {
            return invalid(
                "merge_significance",
                m.to_string(),
                "must be at least 0 and below 1",
            );
        }
        let s = self.scale;
        if !(s.points_to_double_odds > 0.0
            && s.points_to_double_odds <= super::MAX_POINTS_TO_DOUBLE_ODDS)
        {
            return invalid(
                "points_to_double_odds",
                s.points_to_double_odds.to_string(),
                &format!(
                    "must be above 0 and at most {:e}",
                    super::MAX_POINTS_TO_DOUBLE_ODDS
                ),
            );
        }
        if let Some(problem) = s.problem() {
            return invalid("scale", format!("{s:?}"), &format!("needs {problem}"));
        }
        if self.id.as_deref() == Some(target.as_str()) {
            return invalid("id", target.clone(), "the id column cannot be the target");
        }
        Ok(target)
    }
}

pub use super::options::{parse_special_values, DealColumns, FitOptions};
