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
#[derive(Debug, Clone, PartialEq)]
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

/// The columns of a deals file: the outcome and how its values read, the
/// id, the columns not to learn from and the missing tokens. The command
/// line's `train`, `evaluate` and `audit`, and the Python binding, turn
/// their flags or keyword arguments into this one struct.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct DealColumns {
    /// The outcome column.
    #[cfg_attr(feature = "cli", arg(long))]
    pub target: String,
    /// A value of the outcome column that means won (repeatable). Default: 1/true/won/yes, any case.
    #[cfg_attr(feature = "cli", arg(long))]
    pub positive: Vec<String>,
    /// A value of the outcome column that means lost (repeatable). Default: the one other value.
    #[cfg_attr(feature = "cli", arg(long))]
    pub negative: Vec<String>,
    /// An id column, carried to the scores and never learned from or audited.
    #[cfg_attr(feature = "cli", arg(long))]
    pub id: Option<String>,
    /// A column not to learn from or audit (repeatable).
    #[cfg_attr(feature = "cli", arg(long))]
    pub ignore: Vec<String>,
    /// A token that means missing, besides the empty field (repeatable), e.g. Select.
    #[cfg_attr(feature = "cli", arg(long))]
    pub missing: Vec<String>,
}

impl DealColumns {
    /// Training parameters that read the deals with these columns.
    pub fn params(&self) -> ModelParams {
        let params = ModelParams::default()
            .target(&self.target)
            .positive(self.positive.clone())
            .negative(self.negative.clone())
            .ignore(self.ignore.clone())
            .missing(self.missing.clone());
        match &self.id {
            Some(id) => params.id(id),
            None => params,
        }
    }

    /// Leakage audit options that read the deals with these columns: the id
    /// and the ignored columns are not audited.
    pub fn audit_options(&self) -> super::leakage::AuditOptions {
        let mut skip = self.ignore.clone();
        skip.extend(self.id.clone());
        super::leakage::AuditOptions {
            target: self.target.clone(),
            positive: self.positive.clone(),
            negative: self.negative.clone(),
            skip,
            missing: self.missing.clone(),
            ..Default::default()
        }
    }
}

/// The training options besides the deal columns, as the command line's
/// `train` and the Python binding's `Model.fit` take them: both turn their
/// flags or keyword arguments into this one struct and call
/// [`FitOptions::params`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FitOptions {
    /// Read this column as numeric (repeatable).
    #[cfg_attr(feature = "cli", arg(long))]
    pub numeric: Vec<String>,
    /// Read this column as categorical (repeatable).
    #[cfg_attr(feature = "cli", arg(long))]
    pub categorical: Vec<String>,
    /// A special value of a numeric column with its own points, as COLUMN=VALUE (repeatable), e.g. days_since_visit=999.
    #[cfg_attr(feature = "cli", arg(long))]
    pub special: Vec<String>,
    /// Fix the L2 penalty (l2 = 1/C in scikit-learn terms) instead of choosing it by cross-validation.
    #[cfg_attr(feature = "cli", arg(long))]
    pub l2: Option<f64>,
    /// Candidates for l2 tried by cross-validation, comma-separated. Default: 0.01 to 10000 in half-decade steps.
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    pub l2_grid: Vec<f64>,
    /// How cross-validation picks l2: min (lowest out-of-fold log loss, the intercept-only model included) or one-standard-error (the simplest model within one standard error of the best).
    #[cfg_attr(feature = "cli", arg(long, default_value = "min"))]
    pub l2_rule: String,
    /// Cross-validate in time order on this date column (forward chaining) instead of random folds; the column is not learned from. Default: the deals' only date column, when they have exactly one.
    #[cfg_attr(feature = "cli", arg(long))]
    pub time_column: Option<String>,
    /// Cross-validate at random even when the deals have one date column.
    #[cfg_attr(feature = "cli", arg(long))]
    pub random_folds: bool,
    /// Cross-validation folds.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 5))]
    pub folds: usize,
    /// Seed of the cross-validation folds.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0))]
    pub seed: u64,
    /// Fewest won deals to train.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = DEFAULT_MIN_OUTCOMES))]
    pub min_won: usize,
    /// Fewest lost deals to train.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = DEFAULT_MIN_OUTCOMES))]
    pub min_lost: usize,
    /// A categorical value needs this many deals for its own points; rarer ones are pooled as (other).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 10))]
    pub min_level_count: usize,
    /// Most ranges a numeric column is cut into.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 20))]
    pub max_bins: usize,
    /// Convergence tolerance: a fit stops when a Newton step moves no weight by more than this (log-odds).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1e-8))]
    pub tolerance: f64,
    /// Most Newton iterations per fit.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1_000))]
    pub max_iterations: u64,
    /// Leave out the columns the leakage audit flags (see leadscore audit) instead of only warning.
    #[cfg_attr(feature = "cli", arg(long))]
    pub drop_leaks: bool,
    /// Points that double the odds of winning.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 10.0))]
    pub points_to_double_odds: f64,
    /// Points of a lead at the base odds.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 50.0))]
    pub base_points: f64,
    /// Odds (won:lost) that score the base points.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1.0))]
    pub base_odds: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        let scale = Scale::default();
        FitOptions {
            numeric: Vec::new(),
            categorical: Vec::new(),
            special: Vec::new(),
            l2: None,
            l2_grid: Vec::new(),
            l2_rule: "min".into(),
            time_column: None,
            random_folds: false,
            folds: 5,
            seed: 0,
            min_won: DEFAULT_MIN_OUTCOMES,
            min_lost: DEFAULT_MIN_OUTCOMES,
            min_level_count: EncodingOptions::default().min_level_count,
            max_bins: EncodingOptions::default().max_bins,
            tolerance: 1e-8,
            max_iterations: 1_000,
            drop_leaks: false,
            points_to_double_odds: scale.points_to_double_odds,
            base_points: scale.base_points,
            base_odds: scale.base_odds,
        }
    }
}

impl FitOptions {
    /// `params` with these options set; errors name a bad special value or
    /// l2 rule (the rest is checked by [`ModelParams::fit`]).
    ///
    /// ```
    /// use leadscore::model::params::FitOptions;
    /// use leadscore::model::DealColumns;
    /// let columns = DealColumns { target: "outcome".into(), ..Default::default() };
    /// let options = FitOptions { l2_grid: vec![0.1, 1.0], special: vec!["x=999".into()], ..Default::default() };
    /// let params = options.params(columns.params()).unwrap();
    /// assert_eq!(params.target_column(), Some("outcome"));
    /// ```
    pub fn params(&self, params: ModelParams) -> Result<ModelParams> {
        let mut params = params
            .folds(self.folds)
            .seed(self.seed)
            .tolerance(self.tolerance)
            .max_iterations(self.max_iterations)
            .min_outcomes(self.min_won, self.min_lost)
            .drop_leaks(self.drop_leaks)
            .random_folds(self.random_folds)
            .l2_rule(self.l2_rule.parse()?)
            .encoding(EncodingOptions {
                min_level_count: self.min_level_count,
                max_bins: self.max_bins,
            })
            .scale(Scale {
                base_points: self.base_points,
                base_odds: self.base_odds,
                points_to_double_odds: self.points_to_double_odds,
            });
        if let Some(l2) = self.l2 {
            params = params.l2(l2);
        }
        if !self.l2_grid.is_empty() {
            params = params.l2_grid(self.l2_grid.clone());
        }
        if let Some(c) = &self.time_column {
            params = params.time_column(c);
        }
        for c in &self.numeric {
            params = params.kind(c, ColumnKind::Numeric);
        }
        for c in &self.categorical {
            params = params.kind(c, ColumnKind::Categorical);
        }
        for (c, v) in parse_special_values(&self.special)? {
            params = params.special_values(c, &v);
        }
        Ok(params)
    }
}

/// Parses `COLUMN=NUMBER` special values (e.g. `days_since_visit=999`)
/// into the values of each column.
pub fn parse_special_values(items: &[String]) -> Result<BTreeMap<String, Vec<f64>>> {
    let mut specials: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for s in items {
        let parsed = s
            .rsplit_once('=')
            .and_then(|(c, v)| Some((c.to_string(), v.trim().parse::<f64>().ok()?)));
        match parsed {
            Some((c, v)) if v.is_finite() => specials.entry(c).or_default().push(v),
            _ => {
                return Err(Error::InvalidParameter {
                    name: "special".into(),
                    value: s.clone(),
                    reason: "expected COLUMN=NUMBER".into(),
                })
            }
        }
    }
    Ok(specials)
}
