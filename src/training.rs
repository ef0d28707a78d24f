//! Training: learn attribute weights from closed deals with L2-regularised
//! logistic regression (linfa-logistic), choosing the penalty by
//! cross-validation.

use std::collections::BTreeMap;

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;

use crate::encoding::{Encoding, EncodingOptions};
use crate::error::{Error, Result, RowErrors};
use crate::evaluation::{auc, log_loss};
use crate::model::{
    CrossValidation, CvPoint, Feature, L2Choice, L2Rule, Model, Scale, TrainingSummary,
};
use crate::schema::{ColumnKind, Schema, Target};
use crate::table::Table;

/// Default minimum of won deals (and of lost deals) to train.
pub const DEFAULT_MIN_OUTCOMES: usize = 20;

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
    target: Option<String>,
    positive: Vec<String>,
    negative: Vec<String>,
    id: Option<String>,
    ignore: Vec<String>,
    missing: Vec<String>,
    kinds: BTreeMap<String, ColumnKind>,
    special_values: BTreeMap<String, Vec<f64>>,
    l2: Option<f64>,
    l2_grid: Vec<f64>,
    l2_rule: L2Rule,
    time_column: Option<String>,
    folds: usize,
    seed: u64,
    max_iterations: u64,
    tolerance: f64,
    min_won: usize,
    min_lost: usize,
    encoding: EncodingOptions,
    scale: Scale,
    drop_leaks: bool,
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
            tolerance: 1e-4,
            min_won: DEFAULT_MIN_OUTCOMES,
            min_lost: DEFAULT_MIN_OUTCOMES,
            encoding: EncodingOptions::default(),
            scale: Scale::default(),
            drop_leaks: false,
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
    /// `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss...` or `M/D/YYYY`.
    pub fn time_column(mut self, column: impl Into<String>) -> Self {
        self.time_column = Some(column.into());
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

    /// Most optimiser iterations (L-BFGS). Default 1000.
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.max_iterations = n;
        self
    }

    /// Gradient tolerance of the optimiser, per training row. Default 1e-4.
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

    /// Leave out the columns the leakage audit flags ([`crate::audit`])
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

    fn check(&self) -> Result<String> {
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
            if self.folds < 2 {
                return invalid("folds", self.folds.to_string(), "must be at least 2");
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
        if !(s.points_to_double_odds.is_finite() && s.points_to_double_odds > 0.0) {
            return invalid(
                "points_to_double_odds",
                s.points_to_double_odds.to_string(),
                "must be positive",
            );
        }
        if !(s.base_odds.is_finite() && s.base_odds > 0.0 && s.base_points.is_finite()) {
            return invalid(
                "scale",
                format!("{s:?}"),
                "base odds must be positive and base points finite",
            );
        }
        if self.id.as_deref() == Some(target.as_str()) {
            return invalid("id", target.clone(), "the id column cannot be the target");
        }
        Ok(target)
    }

    /// Learns a model from closed deals: one row per deal, the outcome in the
    /// target column. Errors: bad parameters, a missing column, bad values
    /// (all collected, naming row, column and value), too few won or lost deals.
    pub fn fit(&self, deals: &Table) -> Result<Model> {
        let target_column = self.check()?;
        let (target, y) = Target::resolve(deals, &target_column, &self.positive, &self.negative)?;
        let mut excluded = vec![target_column.clone()];
        if let Some(id) = &self.id {
            deals.require(id)?;
            excluded.push(id.clone());
        }
        for c in self.ignore.iter().chain(&self.time_column) {
            if !excluded.contains(c) {
                excluded.push(c.clone());
            }
        }
        for c in self.special_values.keys() {
            deals.require(c)?;
            if self.kinds.get(c) == Some(&ColumnKind::Categorical) {
                return Err(Error::InvalidParameter {
                    name: "special_values".into(),
                    value: c.clone(),
                    reason: "special values apply to numeric columns".into(),
                });
            }
        }
        let mut kinds = self.kinds.clone();
        for c in self.special_values.keys() {
            kinds.entry(c.clone()).or_insert(ColumnKind::Numeric);
        }
        let mut schema = Schema::infer(deals, &excluded, &self.missing, &kinds)?;
        // Leakage audit of the feature columns: warnings, or drop them.
        let feature_names: Vec<String> = schema.features.iter().map(|f| f.name.clone()).collect();
        let leaks =
            crate::audit::training_findings(deals, &y, &feature_names, &self.missing, self.seed);
        let leak_warnings: Vec<String> = if self.drop_leaks && !leaks.is_empty() {
            for (column, _) in &leaks {
                excluded.push(column.clone());
            }
            schema = Schema::infer(deals, &excluded, &self.missing, &kinds)?;
            leaks
                .iter()
                .map(|(c, detail)| format!("dropped column {c:?} as a likely leak: {detail}"))
                .collect()
        } else {
            leaks
                .iter()
                .map(|(c, detail)| {
                    format!(
                        "possible leak: column {c:?}: {detail} (leadscore audit); if it is filled in after the outcome, --ignore it or train with --drop-leaks"
                    )
                })
                .collect()
        };
        if schema.features.is_empty() {
            return Err(Error::InvalidParameter {
                name: "ignore".into(),
                value: self.ignore.join(", "),
                reason: "no feature column is left to learn from".into(),
            });
        }

        let won = y.iter().filter(|w| **w).count();
        let lost = y.len() - won;
        if won < self.min_won.max(1) || lost < self.min_lost.max(1) {
            return Err(Error::NotEnoughOutcomes {
                won,
                lost,
                required_won: self.min_won.max(1),
                required_lost: self.min_lost.max(1),
            });
        }

        // Encode.
        let mut errors = RowErrors::default();
        let mut encodings = Vec::with_capacity(schema.features.len());
        for fc in &schema.features {
            let values = deals.require(&fc.name)?;
            let specials = self
                .special_values
                .get(&fc.name)
                .cloned()
                .unwrap_or_default();
            encodings.push(Encoding::fit(
                values,
                fc.kind,
                &self.missing,
                &specials,
                &self.encoding,
                &fc.name,
                deals.first_row(),
                &mut errors,
            ));
        }
        errors.into_result()?;
        let mut warnings = Vec::new();
        warnings.extend(leak_warnings);
        let zero_features: Vec<Feature> = schema
            .features
            .iter()
            .zip(encodings)
            .map(|(fc, encoding)| {
                let n = encoding.n_attributes();
                Feature {
                    column: fc.name.clone(),
                    encoding,
                    weights: vec![0.0; n],
                    training_rows: vec![0; n],
                    training_won: vec![0; n],
                }
            })
            .collect();
        let scaffold = Model::new(
            target.clone(),
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            0.0,
            zero_features,
            empty_summary(),
        )?;
        let (slots, _) = scaffold.slots(deals)?;
        let mut features = scaffold.features().to_vec();
        for (f, s) in features.iter_mut().zip(&slots) {
            for (&i, &w) in s.iter().zip(&y) {
                f.training_rows[i as usize] += 1;
                f.training_won[i as usize] += u64::from(w);
            }
            let used = f.training_rows.iter().filter(|c| **c > 0).count();
            if used <= 1 {
                warnings.push(format!(
                    "column {:?} has a single value in training; it carries no signal",
                    f.column
                ));
            }
            if let Encoding::Categorical { levels } = &f.encoding {
                let other = f.training_rows[levels.len()] as f64 / y.len() as f64;
                if other > 0.5 {
                    warnings.push(format!(
                        "column {:?}: {:.0} % of rows hold values too rare to learn from (pooled as (other)); is it an identifier or free text?",
                        f.column,
                        other * 100.0
                    ));
                }
            }
        }
        let x = scaffold.encode(deals)?;
        let yf: Array1<f64> = y.iter().map(|&w| f64::from(u8::from(w))).collect();

        // Choose l2.
        let (l2, l2_choice, cross_validation) = match self.l2 {
            Some(l2) => (Some(l2), L2Choice::Fixed, None),
            None => {
                let order = match &self.time_column {
                    Some(c) => Some(time_order(deals, c)?),
                    None => None,
                };
                let cv = self.cross_validate(&x, &y, order.as_deref())?;
                let best = choose(&cv.grid, self.l2_rule);
                let cv = CrossValidation {
                    auc: best.auc,
                    log_loss: best.log_loss,
                    ..cv
                };
                match best.l2 {
                    Some(l2) => (Some(l2), L2Choice::CrossValidation, Some(cv)),
                    None => {
                        warnings.push(
                            "no column predicts the outcome better than the win rate in \
                             cross-validation: every lead gets the training win rate"
                                .to_string(),
                        );
                        (None, L2Choice::CrossValidation, Some(cv))
                    }
                }
            }
        };

        let (w, b) = match l2 {
            Some(l2) => fit_logistic(&x, &y, l2, self.max_iterations, self.tolerance, None)?,
            None => {
                let rate = won as f64 / y.len() as f64;
                (Array1::zeros(x.ncols()), (rate / (1.0 - rate)).ln())
            }
        };
        let mut offset = 0;
        for f in &mut features {
            let n = f.encoding.n_attributes();
            f.weights = w.slice(ndarray::s![offset..offset + n]).to_vec();
            offset += n;
        }
        let train_p = (x.dot(&w) + b).mapv(crate::model::sigmoid);
        let summary = TrainingSummary {
            rows: y.len(),
            won,
            lost,
            columns_used: schema.features.iter().map(|f| f.name.clone()).collect(),
            columns_excluded: excluded,
            l2,
            l2_choice,
            cross_validation,
            training_auc: auc(&yf.to_vec(), &train_p.to_vec()),
            seed: self.seed,
            warnings,
        };
        Model::new(
            target,
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            b,
            features,
            summary,
        )
    }

    /// Out-of-fold log loss and AUC for every candidate `l2`. Folds are
    /// stratified and seeded; each fold walks the grid from the strongest
    /// penalty down, starting each fit from the previous solution.
    fn cross_validate(
        &self,
        x: &Array2<f64>,
        y: &[bool],
        time_order: Option<&[usize]>,
    ) -> Result<CrossValidation> {
        let splits: Vec<(Vec<usize>, Vec<usize>)> = match time_order {
            None => {
                let folds = stratified_folds(y, self.folds, self.seed);
                (0..self.folds)
                    .map(|k| {
                        let train = (0..y.len()).filter(|&i| folds[i] != k).collect();
                        let test = (0..y.len()).filter(|&i| folds[i] == k).collect();
                        (train, test)
                    })
                    .collect()
            }
            Some(order) => {
                // Forward chaining: folds + 1 blocks in time order; block i
                // is predicted by a model trained on the blocks before it.
                let blocks = self.folds + 1;
                let n = order.len();
                (1..blocks)
                    .map(|i| {
                        let train = order[..i * n / blocks].to_vec();
                        let test = order[i * n / blocks..(i + 1) * n / blocks].to_vec();
                        (train, test)
                    })
                    .collect()
            }
        };
        for (train, _) in &splits {
            let won = train.iter().filter(|&&i| y[i]).count();
            if won == 0 || won == train.len() {
                return Err(Error::NotEnoughOutcomes {
                    won,
                    lost: train.len() - won,
                    required_won: 1,
                    required_lost: 1,
                });
            }
        }
        let mut grid = self.l2_grid.clone();
        grid.sort_by(|a, b| b.total_cmp(a));
        grid.dedup();
        let per_fold: Vec<Result<FoldPredictions>> = splits
            .par_iter()
            .map(|(train, test)| {
                let xt = x.select(ndarray::Axis(0), train);
                let yt: Vec<bool> = train.iter().map(|&i| y[i]).collect();
                let xv = x.select(ndarray::Axis(0), test);
                let mut init: Option<Array1<f64>> = None;
                let mut out = Vec::with_capacity(grid.len());
                for &l2 in &grid {
                    let (w, b) = fit_logistic(
                        &xt,
                        &yt,
                        l2,
                        self.max_iterations,
                        self.tolerance,
                        init.as_ref(),
                    )?;
                    let p = (xv.dot(&w) + b).mapv(crate::model::sigmoid).to_vec();
                    let mut next = w.to_vec();
                    next.push(b);
                    init = Some(Array1::from(next));
                    out.push((test.clone(), p));
                }
                Ok(FoldPredictions {
                    rows: test.clone(),
                    train_rate: yt.iter().filter(|w| **w).count() as f64 / yt.len() as f64,
                    predictions: out,
                })
            })
            .collect();
        let yf: Vec<f64> = y.iter().map(|&w| f64::from(u8::from(w))).collect();
        // Candidate g < grid.len() is grid[g]; the last one is the
        // intercept-only model (every lead gets its training folds' win rate).
        let n_candidates = grid.len() + 1;
        let mut oof = vec![vec![f64::NAN; y.len()]; n_candidates];
        let mut fold_losses = vec![Vec::with_capacity(self.folds); n_candidates];
        for fold in per_fold {
            let fold = fold?;
            let rows = fold.rows.clone();
            let rate = fold.train_rate;
            let ys: Vec<f64> = rows.iter().map(|&r| yf[r]).collect();
            for (g, (rows, p)) in fold
                .predictions
                .into_iter()
                .chain(std::iter::once((rows.clone(), vec![rate; rows.len()])))
                .enumerate()
            {
                fold_losses[g].push(log_loss(&ys, &p));
                for (r, v) in rows.into_iter().zip(p) {
                    oof[g][r] = v;
                }
            }
        }
        let evaluated: Vec<usize> = (0..y.len()).filter(|&i| !oof[0][i].is_nan()).collect();
        let ye: Vec<f64> = evaluated.iter().map(|&i| yf[i]).collect();
        let oof: Vec<Vec<f64>> = oof
            .iter()
            .map(|p| evaluated.iter().map(|&i| p[i]).collect())
            .collect();
        let rate = yf.iter().sum::<f64>() / yf.len() as f64;
        let k = fold_losses[0].len() as f64;
        let points = (0..n_candidates)
            .map(|g| {
                let losses = &fold_losses[g];
                let mean = losses.iter().sum::<f64>() / k;
                let var = losses.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (k - 1.0);
                CvPoint {
                    l2: grid.get(g).copied(),
                    log_loss: log_loss(&ye, &oof[g]),
                    standard_error: (var / k).sqrt(),
                    auc: auc(&ye, &oof[g]),
                }
            })
            .collect();
        Ok(CrossValidation {
            folds: self.folds,
            seed: self.seed,
            rule: self.l2_rule,
            auc: f64::NAN,
            log_loss: f64::NAN,
            base_log_loss: log_loss(&ye, &vec![rate; ye.len()]),
            time_column: self.time_column.clone(),
            grid: points,
        })
    }
}

/// Out-of-fold rows and predictions of one fold, one entry per `l2` candidate.
struct FoldPredictions {
    rows: Vec<usize>,
    train_rate: f64,
    predictions: Vec<(Vec<usize>, Vec<f64>)>,
}

fn empty_summary() -> TrainingSummary {
    TrainingSummary {
        rows: 0,
        won: 0,
        lost: 0,
        columns_used: Vec::new(),
        columns_excluded: Vec::new(),
        l2: None,
        l2_choice: L2Choice::Fixed,
        cross_validation: None,
        training_auc: f64::NAN,
        seed: 0,
        warnings: Vec::new(),
    }
}

/// Row indices sorted by the date in `column` (stable for equal dates).
pub(crate) fn time_order(table: &Table, column: &str) -> Result<Vec<usize>> {
    let values = table.require(column)?;
    let mut errors = RowErrors::default();
    let mut keys = Vec::with_capacity(table.n_rows());
    for r in 0..table.n_rows() {
        let text = values.text(r);
        match text.as_deref().and_then(crate::schema::parse_date) {
            Some(k) => keys.push(k),
            None => {
                errors.push(
                    table.first_row() + r,
                    column,
                    text.as_deref().unwrap_or(""),
                    "not a date (YYYY-MM-DD, YYYY-MM-DDThh:mm:ss or M/D/YYYY)",
                );
                keys.push((0, 0));
            }
        }
    }
    errors.into_result()?;
    let mut order: Vec<usize> = (0..table.n_rows()).collect();
    order.sort_by_key(|&r| keys[r]);
    Ok(order)
}

/// The candidate a rule picks from cross-validation results.
fn choose(grid: &[CvPoint], rule: L2Rule) -> CvPoint {
    let best = grid
        .iter()
        .copied()
        .fold(None::<CvPoint>, |best, p| match best {
            Some(b) if b.log_loss <= p.log_loss => Some(b),
            _ => Some(p),
        })
        .expect("grid is not empty");
    match rule {
        L2Rule::MinLogLoss => best,
        L2Rule::OneStandardError => {
            let limit = best.log_loss + best.standard_error;
            // Simplest first: intercept-only, then the strongest penalty down.
            let simplest_first = grid.iter().rev().take(1).chain(grid.iter());
            simplest_first
                .copied()
                .find(|p| p.log_loss <= limit)
                .unwrap_or(best)
        }
    }
}

/// Assigns each row a fold in `0..k`, stratified by outcome, shuffled with `seed`.
pub fn stratified_folds(y: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut folds = vec![0; y.len()];
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rows.shuffle(&mut rng);
        for (j, r) in rows.into_iter().enumerate() {
            folds[r] = j % k;
        }
    }
    folds
}

/// Fits L2 logistic regression with linfa-logistic; returns weights and intercept.
fn fit_logistic(
    x: &Array2<f64>,
    y: &[bool],
    l2: f64,
    max_iterations: u64,
    tolerance: f64,
    init: Option<&Array1<f64>>,
) -> Result<(Array1<f64>, f64)> {
    let targets: Array1<bool> = y.iter().copied().collect();
    let dataset = DatasetBase::new(x.view(), targets);
    // linfa-logistic labels the more frequent class (the first seen on a
    // tie) as positive; our weights are always for "won".
    let won = y.iter().filter(|w| **w).count();
    let first = y.first().copied().unwrap_or(true);
    let first_count = if first { won } else { y.len() - won };
    let linfa_positive = if first_count >= y.len() - first_count {
        first
    } else {
        !first
    };
    let sign = if linfa_positive { 1.0 } else { -1.0 };
    let mut params = LogisticRegression::default()
        .alpha(l2)
        .with_intercept(true)
        .max_iterations(max_iterations)
        .gradient_tolerance(tolerance * y.len() as f64);
    if let Some(init) = init {
        params = params.initial_params(init * sign);
    }
    let fitted = params.fit(&dataset).map_err(|e| Error::Training {
        reason: e.to_string(),
    })?;
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    Ok((fitted.params() * sign, fitted.intercept() * sign))
}
