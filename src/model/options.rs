//! The deal columns and training options as the command line and the
//! Python binding take them ([`DealColumns`], [`FitOptions`]), turned into
//! one [`ModelParams`].

use std::collections::BTreeMap;

use super::encoding::EncodingOptions;
use super::params::{ModelParams, DEFAULT_MIN_OUTCOMES};
use super::Scale;
use crate::data::ColumnKind;
use crate::error::{Error, Result};

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

    /// `params` (a model's [training settings](crate::Model::training_params))
    /// reading the deals with these columns too: the outcome column must be
    /// the one of `params`, given won/lost values replace its own, ignored
    /// columns and missing tokens add to its own, and a given id replaces
    /// its id.
    ///
    /// ```
    /// use leadscore::model::DealColumns;
    /// use leadscore::Model;
    /// let trained = Model::params().target("outcome").ignore(["a"]).missing(["Select"]);
    /// let columns = DealColumns { target: "outcome".into(), ignore: vec!["b".into()], ..Default::default() };
    /// let params = columns.added_to(trained).unwrap();
    /// assert_eq!(params.ignored_columns(), ["a", "b"]);
    /// let other = DealColumns { target: "stage".into(), ..Default::default() };
    /// assert!(other.added_to(Model::params().target("outcome")).is_err());
    /// ```
    pub fn added_to(&self, params: ModelParams) -> Result<ModelParams> {
        if let Some(t) = params.target_column().filter(|t| *t != self.target) {
            return Err(Error::InvalidParameter {
                name: "target".into(),
                value: self.target.clone(),
                reason: format!(
                    "the model was trained on the outcome column {}",
                    crate::error::display_value(t)
                ),
            });
        }
        let mut params = params.target(&self.target);
        if !self.positive.is_empty() {
            params.positive = self.positive.clone();
        }
        if !self.negative.is_empty() {
            params.negative = self.negative.clone();
        }
        let ignore: Vec<String> = (self.ignore.iter())
            .filter(|c| !params.ignore.contains(c))
            .cloned()
            .collect();
        let missing: Vec<String> = (self.missing.iter())
            .filter(|c| !params.missing.contains(c))
            .cloned()
            .collect();
        let params = params.ignore(ignore).missing(missing);
        Ok(match &self.id {
            Some(id) => params.id(id),
            None => params,
        })
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
    /// Neighbouring numeric ranges whose win rates do not differ at this significance level are merged (0: keep every range).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0.01))]
    pub merge_significance: f64,
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
            merge_significance: EncodingOptions::default().merge_significance,
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
                merge_significance: self.merge_significance,
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
