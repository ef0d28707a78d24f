//! Fitting: L2-regularised logistic regression (linfa-logistic) on the
//! decoded deals, the penalty chosen by cross-validation.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rayon::prelude::*;

use super::encoding::Encoding;
use super::leakage::training_findings;
use super::split::{stratified_folds, time_order};
use super::{
    sigmoid, CrossValidation, CvPoint, Feature, L2Choice, L2Rule, Model, ModelParams,
    TrainingSummary,
};
use crate::data::{ColumnKind, Schema, Table, Target};
use crate::error::{Error, Result, RowErrors};
use crate::metrics::{auc, log_loss};

impl ModelParams {
    /// Learns a model from closed deals: one row per deal, the outcome in the
    /// target column. Errors: bad parameters, a missing column, bad values
    /// (all collected, naming row, column and value), too few won or lost deals.
    pub fn fit(&self, deals: &Table) -> Result<Model> {
        let target_column = self.check()?;
        let (target, y) = Target::resolve(deals, &target_column, &self.positive, &self.negative)?;
        let (schema, excluded, mut warnings) = self.feature_columns(deals, &y, &target_column)?;
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
        // Decode the deals once into attributes, then one-hot rows.
        let scaffold = Model::new(
            target.clone(),
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            0.0,
            self.encode_features(deals, &schema)?,
            empty_summary(),
        )?;
        let (slots, _) = scaffold.slots(deals)?;
        let mut features = scaffold.features().to_vec();
        count_attributes(&mut features, &slots, &y, &mut warnings);
        let x = super::decode::one_hot(&scaffold, &slots, deals.n_rows());
        let (l2, l2_choice, cross_validation) = self.choose_l2(deals, &x, &y, &mut warnings)?;
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
        let yf: Vec<f64> = y.iter().map(|&w| f64::from(u8::from(w))).collect();
        let train_p = (x.dot(&w) + b).mapv(sigmoid);
        let summary = TrainingSummary {
            rows: y.len(),
            won,
            lost,
            columns_used: schema.features.iter().map(|f| f.name.clone()).collect(),
            columns_excluded: excluded,
            l2,
            l2_choice,
            cross_validation,
            training_auc: auc(&yf, &train_p.to_vec()),
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

    /// The feature columns (every column but the target, id, ignored and
    /// time columns, and, with `drop_leaks`, the ones the leak screen
    /// flags), the excluded columns, and a warning per leak found.
    fn feature_columns(
        &self,
        deals: &Table,
        y: &[bool],
        target_column: &str,
    ) -> Result<(Schema, Vec<String>, Vec<String>)> {
        let mut excluded = vec![target_column.to_string()];
        if let Some(id) = &self.id {
            deals.require(id)?;
            excluded.push(id.clone());
        }
        for c in self.ignore.iter().chain(&self.time_column) {
            if !excluded.contains(c) {
                excluded.push(c.clone());
            }
        }
        let mut kinds = self.kinds.clone();
        for c in self.special_values.keys() {
            deals.require(c)?;
            if self.kinds.get(c) == Some(&ColumnKind::Categorical) {
                return Err(Error::InvalidParameter {
                    name: "special_values".into(),
                    value: c.clone(),
                    reason: "special values apply to numeric columns".into(),
                });
            }
            kinds.entry(c.clone()).or_insert(ColumnKind::Numeric);
        }
        let mut schema = Schema::infer(deals, &excluded, &self.missing, &kinds)?;
        let feature_names: Vec<String> = schema.features.iter().map(|f| f.name.clone()).collect();
        let leaks = training_findings(deals, y, &feature_names, &self.missing, self.seed);
        let warnings: Vec<String> = if self.drop_leaks && !leaks.is_empty() {
            excluded.extend(leaks.iter().map(|(c, _)| c.clone()));
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
                        "possible leak: column {c:?}: {detail} (leakage audit); if it is filled in after the outcome, leave it out of training (ignore it, or drop the flagged columns)"
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
        Ok((schema, excluded, warnings))
    }

    /// Each feature's encoding learned from the deals, with zero weights and
    /// counts; every bad cell is reported at once.
    fn encode_features(&self, deals: &Table, schema: &Schema) -> Result<Vec<Feature>> {
        let mut errors = RowErrors::default();
        let mut features = Vec::with_capacity(schema.features.len());
        for fc in &schema.features {
            let values = deals.require(&fc.name)?;
            let specials = self
                .special_values
                .get(&fc.name)
                .cloned()
                .unwrap_or_default();
            let encoding = Encoding::fit(
                values,
                fc.kind,
                &self.missing,
                &specials,
                &self.encoding,
                &fc.name,
                deals.first_row(),
                &mut errors,
            );
            let n = encoding.n_attributes();
            features.push(Feature {
                column: fc.name.clone(),
                encoding,
                weights: vec![0.0; n],
                training_rows: vec![0; n],
                training_won: vec![0; n],
            });
        }
        errors.into_result()?;
        Ok(features)
    }

    /// The penalty: fixed, or chosen by cross-validation (in time order with
    /// a time column); `None` when no column beats the win rate.
    fn choose_l2(
        &self,
        deals: &Table,
        x: &Array2<f64>,
        y: &[bool],
        warnings: &mut Vec<String>,
    ) -> Result<(Option<f64>, L2Choice, Option<CrossValidation>)> {
        if let Some(l2) = self.l2 {
            return Ok((Some(l2), L2Choice::Fixed, None));
        }
        let order = match &self.time_column {
            Some(c) => Some(time_order(deals, c)?),
            None => None,
        };
        let cv = self.cross_validate(x, y, order.as_deref())?;
        let best = choose(&cv.grid, self.l2_rule);
        let cv = CrossValidation {
            auc: best.auc,
            log_loss: best.log_loss,
            ..cv
        };
        if best.l2.is_none() {
            warnings.push(
                "no column predicts the outcome better than the win rate in \
                 cross-validation: every lead gets the training win rate"
                    .to_string(),
            );
        }
        Ok((best.l2, L2Choice::CrossValidation, Some(cv)))
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
                    let p = (xv.dot(&w) + b).mapv(sigmoid).to_vec();
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

/// Counts the training deals and won deals of each attribute, and warns of
/// single-value columns and columns of mostly rare values.
fn count_attributes(
    features: &mut [Feature],
    slots: &[Vec<u32>],
    y: &[bool],
    warnings: &mut Vec<String>,
) {
    for (f, s) in features.iter_mut().zip(slots) {
        for (&i, &w) in s.iter().zip(y) {
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
