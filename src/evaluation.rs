//! Evaluation on held-out deals: AUC, log loss (beside the base rate's),
//! Brier score, calibration and expected calibration error, lift and
//! cumulative gains by decile, precision and recall at a cut, with intervals
//! from bootstrap resamples or from folds; and conversion by any categorical
//! column with Wilson intervals.
//!
//! The metric functions match scikit-learn's `roc_auc_score`, `log_loss`,
//! `brier_score_loss` and `calibration_curve` on the same predictions.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::encoding::{Lookup, Slot};
use crate::error::{Error, Result, RowErrors};
use crate::model::Model;
use crate::table::Table;
use crate::training::ModelParams;

/// Area under the ROC curve (ties count half), from outcomes (1 = won) and
/// scores. NaN when only one class is present.
///
/// ```
/// let auc = leadscore::evaluation::auc(&[0.0, 0.0, 1.0, 1.0], &[0.1, 0.4, 0.35, 0.8]);
/// assert!((auc - 0.75).abs() < 1e-12);
/// ```
pub fn auc(y: &[f64], score: &[f64]) -> f64 {
    assert_eq!(y.len(), score.len(), "outcomes and scores differ in length");
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let n_pos = y.iter().filter(|v| **v > 0.5).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return f64::NAN;
    }
    // Sum of ranks of positives, with average ranks over ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if y[k] > 0.5 {
                rank_sum += avg_rank;
            }
        }
        i = j + 1;
    }
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// Mean log loss (natural log), probabilities clipped to `[1e-15, 1 − 1e-15]`.
pub fn log_loss(y: &[f64], p: &[f64]) -> f64 {
    assert_eq!(
        y.len(),
        p.len(),
        "outcomes and probabilities differ in length"
    );
    let eps = 1e-15;
    let total: f64 = y
        .iter()
        .zip(p)
        .map(|(&y, &p)| {
            let p = p.clamp(eps, 1.0 - eps);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    total / y.len() as f64
}

/// Mean squared difference between probability and outcome.
pub fn brier(y: &[f64], p: &[f64]) -> f64 {
    assert_eq!(
        y.len(),
        p.len(),
        "outcomes and probabilities differ in length"
    );
    y.iter().zip(p).map(|(y, p)| (p - y).powi(2)).sum::<f64>() / y.len() as f64
}

/// Number of calibration bins (equal width on `[0, 1]`, as scikit-learn's
/// `calibration_curve(strategy="uniform")`).
pub const CALIBRATION_BINS: usize = 10;

/// One calibration bin: predicted against observed win rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of predicted probability.
    pub lower: f64,
    /// Upper edge of predicted probability.
    pub upper: f64,
    /// Deals whose prediction falls in the bin.
    pub deals: usize,
    /// Won deals among them.
    pub won: usize,
    /// Mean predicted probability (NaN when empty).
    pub mean_predicted: f64,
    /// Observed win rate (NaN when empty).
    pub observed_rate: f64,
}

/// Calibration table over [`CALIBRATION_BINS`] equal-width bins. A
/// prediction equal to an inner edge falls in the lower bin, as in
/// scikit-learn.
pub fn calibration(y: &[f64], p: &[f64]) -> Vec<CalibrationBin> {
    let k = CALIBRATION_BINS;
    let edges: Vec<f64> = (0..=k).map(|i| i as f64 * (1.0 / k as f64)).collect();
    let mut n = vec![0usize; k];
    let mut won = vec![0usize; k];
    let mut sum_p = vec![0.0; k];
    for (&y, &p) in y.iter().zip(p) {
        let b = edges[1..k].iter().filter(|e| **e < p).count();
        n[b] += 1;
        won[b] += usize::from(y > 0.5);
        sum_p[b] += p;
    }
    (0..k)
        .map(|b| CalibrationBin {
            lower: edges[b],
            upper: if b + 1 == k { 1.0 } else { edges[b + 1] },
            deals: n[b],
            won: won[b],
            mean_predicted: if n[b] > 0 {
                sum_p[b] / n[b] as f64
            } else {
                f64::NAN
            },
            observed_rate: if n[b] > 0 {
                won[b] as f64 / n[b] as f64
            } else {
                f64::NAN
            },
        })
        .collect()
}

/// Expected calibration error: the deal-weighted mean gap between mean
/// prediction and observed win rate over the bins of [`calibration`].
pub fn expected_calibration_error(bins: &[CalibrationBin]) -> f64 {
    let total: usize = bins.iter().map(|b| b.deals).sum();
    if total == 0 {
        return f64::NAN;
    }
    bins.iter()
        .filter(|b| b.deals > 0)
        .map(|b| b.deals as f64 * (b.mean_predicted - b.observed_rate).abs())
        .sum::<f64>()
        / total as f64
}

/// One decile of deals ranked by score, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    /// 1 = the tenth of deals with the highest scores.
    pub decile: usize,
    /// Deals in the decile (fractional when tied scores straddle a boundary:
    /// tied deals are shared out in proportion).
    pub deals: f64,
    /// Won deals in the decile (fractional likewise).
    pub won: f64,
    /// Win rate in the decile.
    pub rate: f64,
    /// Win rate in the decile over the overall win rate.
    pub lift: f64,
    /// Share of all deals in this and the better deciles.
    pub cumulative_share: f64,
    /// Cumulative gains: share of all won deals in this and the better deciles.
    pub cumulative_gain: f64,
    /// Cumulative win rate over the overall win rate.
    pub cumulative_lift: f64,
}

/// Lift and cumulative gains by decile of `score` (higher is better). Tied
/// scores are never ordered arbitrarily: a group of ties that straddles a
/// decile boundary is shared out in proportion.
pub fn deciles(y: &[f64], score: &[f64]) -> Vec<Decile> {
    let n = y.len();
    let total_won: f64 = y.iter().filter(|v| **v > 0.5).count() as f64;
    let rate = total_won / n.max(1) as f64;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let bounds: Vec<f64> = (0..=10).map(|k| k as f64 * n as f64 / 10.0).collect();
    let mut deals = [0.0f64; 10];
    let mut won = [0.0f64; 10];
    let mut pos = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        let g = (j - i + 1) as f64;
        let w = order[i..=j].iter().filter(|&&r| y[r] > 0.5).count() as f64;
        let (start, end) = (pos, pos + g);
        for d in 0..10 {
            let overlap = end.min(bounds[d + 1]) - start.max(bounds[d]);
            if overlap > 0.0 {
                deals[d] += overlap;
                won[d] += w * overlap / g;
            }
        }
        pos = end;
        i = j + 1;
    }
    let mut cum_deals = 0.0;
    let mut cum_won = 0.0;
    (0..10)
        .map(|d| {
            cum_deals += deals[d];
            cum_won += won[d];
            let r = if deals[d] > 0.0 {
                won[d] / deals[d]
            } else {
                f64::NAN
            };
            Decile {
                decile: d + 1,
                deals: deals[d],
                won: won[d],
                rate: r,
                lift: r / rate,
                cumulative_share: cum_deals / n.max(1) as f64,
                cumulative_gain: cum_won / total_won,
                cumulative_lift: (cum_won / cum_deals) / rate,
            }
        })
        .collect()
}

/// Precision and recall of qualifying the deals at or above a points cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutMetrics {
    /// The cut, in points: a deal at or above it is qualified.
    pub cut_points: f64,
    /// Qualified deals.
    pub qualified: usize,
    /// Share of deals qualified.
    pub qualified_share: f64,
    /// Won deals among the qualified.
    pub qualified_won: usize,
    /// Won among qualified over qualified (NaN when none is qualified).
    pub precision: f64,
    /// Won among qualified over all won.
    pub recall: f64,
}

/// Precision and recall at `cut_points` (deals with `points >= cut_points`
/// are qualified).
pub fn at_cut(y: &[f64], points: &[f64], cut_points: f64) -> CutMetrics {
    let mut q = 0usize;
    let mut qw = 0usize;
    let won = y.iter().filter(|v| **v > 0.5).count();
    for (&y, &pts) in y.iter().zip(points) {
        if pts >= cut_points {
            q += 1;
            qw += usize::from(y > 0.5);
        }
    }
    CutMetrics {
        cut_points,
        qualified: q,
        qualified_share: q as f64 / y.len().max(1) as f64,
        qualified_won: qw,
        precision: if q > 0 {
            qw as f64 / q as f64
        } else {
            f64::NAN
        },
        recall: if won > 0 {
            qw as f64 / won as f64
        } else {
            f64::NAN
        },
    }
}

/// Wilson score interval (95 %) of `won` successes in `n` trials.
///
/// ```
/// let (lo, hi) = leadscore::evaluation::wilson(5, 10);
/// assert!((lo - 0.2365931).abs() < 1e-6 && (hi - 0.7634069).abs() < 1e-6);
/// ```
pub fn wilson(won: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054;
    let n = n as f64;
    let p = won as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// A figure with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The figure on all held-out deals.
    pub value: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// How held-out deals are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Split {
    /// A stratified random share of the deals is held out.
    Stratified {
        /// Share held out, in (0, 1).
        test_share: f64,
        /// Seed of the draw.
        seed: u64,
    },
    /// The latest share of the deals by a date column is held out (out of time).
    OutOfTime {
        /// The date column.
        column: String,
        /// Share held out, in (0, 1).
        test_share: f64,
    },
    /// Every deal is held out once, in `folds` stratified folds; intervals
    /// come from the spread across folds.
    Folds {
        /// Number of folds (at least 2).
        folds: usize,
        /// Seed of the fold assignment.
        seed: u64,
    },
}

/// Options of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationOptions {
    /// How held-out deals are chosen.
    pub split: Split,
    /// Bootstrap resamples of the held-out deals for the intervals (not used
    /// with [`Split::Folds`]). Default 200.
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub bootstrap_seed: u64,
    /// A points threshold: precision and recall of qualifying the deals at or
    /// above it. Hook for the qualification policy: once a policy is given,
    /// its cut is passed here.
    pub cut_points: Option<f64>,
    /// A qualification policy: precision and recall of the leads it routes
    /// to sales, and the win rate of each tier, on the held-out deals (each
    /// held-out set taken as one period's leads). Not serialized.
    #[serde(skip)]
    pub policy: Option<crate::qualification::Policy>,
    /// Marketing's points sheet: scored on the same held-out deals and
    /// compared with the learned model (see [`crate::handset`]).
    pub points_sheet: Option<crate::handset::PointsSheet>,
}

impl Default for EvaluationOptions {
    fn default() -> Self {
        EvaluationOptions {
            split: Split::Stratified {
                test_share: 0.2,
                seed: 0,
            },
            bootstrap: 200,
            bootstrap_seed: 0,
            cut_points: None,
            policy: None,
            points_sheet: None,
        }
    }
}

/// Held-out figures of a model (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// How the held-out deals were chosen, in words.
    pub protocol: String,
    /// Deals the model was trained on (per fold summed, for folds).
    pub train_rows: usize,
    /// Held-out deals.
    pub test_rows: usize,
    /// Won held-out deals.
    pub test_won: usize,
    /// Win rate of the training deals: the base rate.
    pub base_rate: f64,
    /// Area under the ROC curve.
    pub auc: Estimate,
    /// Log loss.
    pub log_loss: Estimate,
    /// Log loss of predicting the base rate for every deal.
    pub base_log_loss: f64,
    /// Brier score.
    pub brier: Estimate,
    /// Where the intervals come from, in words.
    pub interval_method: String,
    /// Calibration table.
    pub calibration: Vec<CalibrationBin>,
    /// Expected calibration error.
    pub expected_calibration_error: f64,
    /// Lift and cumulative gains by decile.
    pub deciles: Vec<Decile>,
    /// Precision and recall at the cut, when one is given.
    pub cut: Option<CutMetrics>,
    /// How the qualification policy sorted the held-out deals, when one is given.
    pub policy: Option<PolicyMetrics>,
    /// Every held-out deal's prediction (not serialized; `leadscore evaluate
    /// --predictions` writes them as CSV).
    #[serde(skip)]
    pub predictions: Vec<HeldOutPrediction>,
    /// Hand-set against learned points on the same held-out deals, when a
    /// points sheet is given (with folds: pooled out-of-fold predictions,
    /// learned points per rule from the last fold's model).
    pub handset: Option<crate::handset::HandsetComparison>,
}

/// One held-out deal's prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOutPrediction {
    /// 1-based data row in the deals.
    pub row: usize,
    /// Whether the deal was won.
    pub won: bool,
    /// Predicted probability of a win.
    pub probability: f64,
    /// Points.
    pub points: f64,
}

/// Outcomes as 0/1.
pub(crate) fn as_f64(y: &[bool]) -> Vec<f64> {
    y.iter().map(|&w| f64::from(u8::from(w))).collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

impl Evaluation {
    /// Figures of predictions `p` (and `points`) for held-out outcomes `y`;
    /// `base_rate` is the training win rate. Intervals by `options.bootstrap`
    /// resamples (none when 0).
    pub fn from_predictions(
        y: &[bool],
        p: &[f64],
        points: &[f64],
        base_rate: f64,
        protocol: impl Into<String>,
        train_rows: usize,
        options: &EvaluationOptions,
    ) -> Evaluation {
        let yf = as_f64(y);
        let auc_v = auc(&yf, p);
        let ll = log_loss(&yf, p);
        let br = brier(&yf, p);
        let (mut a, mut l, mut b) = (Vec::new(), Vec::new(), Vec::new());
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(options.bootstrap_seed);
        let n = y.len();
        if n > 0 {
            for _ in 0..options.bootstrap {
                let idx: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
                let ys: Vec<f64> = idx.iter().map(|&i| yf[i]).collect();
                let ps: Vec<f64> = idx.iter().map(|&i| p[i]).collect();
                let x = auc(&ys, &ps);
                if !x.is_nan() {
                    a.push(x);
                }
                l.push(log_loss(&ys, &ps));
                b.push(brier(&ys, &ps));
            }
        }
        for v in [&mut a, &mut l, &mut b] {
            v.sort_by(|x, y| x.total_cmp(y));
        }
        let est = |value: f64, v: &[f64]| Estimate {
            value,
            low: percentile(v, 0.025),
            high: percentile(v, 0.975),
        };
        let cal = calibration(&yf, p);
        Evaluation {
            protocol: protocol.into(),
            train_rows,
            test_rows: n,
            test_won: y.iter().filter(|w| **w).count(),
            base_rate,
            auc: est(auc_v, &a),
            log_loss: est(ll, &l),
            base_log_loss: log_loss(&yf, &vec![base_rate; n]),
            brier: est(br, &b),
            interval_method: format!(
                "95 % percentile interval of {} bootstrap resamples of the held-out deals (seed {})",
                options.bootstrap, options.bootstrap_seed
            ),
            expected_calibration_error: expected_calibration_error(&cal),
            calibration: cal,
            deciles: deciles(&yf, p),
            cut: options.cut_points.map(|c| at_cut(&yf, points, c)),
            predictions: Vec::new(),
            policy: None,
            handset: None,
        }
    }
}

/// Renames the rows of errors on a subset of `deals` (`rows`) to the rows of `deals`.
fn source_rows(e: Error, deals: &Table, rows: &[usize]) -> Error {
    match e {
        Error::InvalidRows { mut errors, total } => {
            for x in &mut errors {
                if let Some(&r) = x.row.checked_sub(1).and_then(|i| rows.get(i)) {
                    x.row = deals.first_row() + r;
                }
            }
            errors.sort_by(|a, b| a.row.cmp(&b.row).then(a.column.cmp(&b.column)));
            Error::InvalidRows { errors, total }
        }
        e => e,
    }
}

/// Training rows and held-out rows of one split.
type TrainTest = (Vec<usize>, Vec<usize>);

fn bad_share(name: &str, share: f64) -> Result<()> {
    if share > 0.0 && share < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: name.into(),
            value: share.to_string(),
            reason: "the held-out share must be between 0 and 1".into(),
        })
    }
}

/// Trains `params` on part of `deals` and evaluates it on the deals held
/// out, as `options.split` says. The outcome column is read as `params`
/// reads it.
///
/// ```
/// use leadscore::{evaluation::{evaluate, EvaluationOptions}, synthetic, Model};
/// let deals = synthetic::deals(2_000, 5);
/// let params = Model::params().target("outcome").id("deal_id")
///     .ignore(["created_at", "closed_at"]).l2(3.0);
/// let e = evaluate(&params, &deals.table, &EvaluationOptions::default()).unwrap();
/// assert_eq!(e.test_rows, 400);
/// assert!(e.auc.value > 0.7 && e.auc.low < e.auc.value && e.log_loss.value < e.base_log_loss);
/// ```
pub fn evaluate(
    params: &ModelParams,
    deals: &Table,
    options: &EvaluationOptions,
) -> Result<Evaluation> {
    let target = params
        .target_column()
        .ok_or_else(|| Error::InvalidParameter {
            name: "target".into(),
            value: "(none)".into(),
            reason: "name the outcome column".into(),
        })?;
    let (_, y) = crate::schema::Target::resolve(
        deals,
        target,
        params.positive_values(),
        params.negative_values(),
    )?;
    let n = y.len();
    let split_rows = |test: Vec<usize>| {
        let mut is_test = vec![false; n];
        for &r in &test {
            is_test[r] = true;
        }
        let train: Vec<usize> = (0..n).filter(|&r| !is_test[r]).collect();
        (train, test)
    };
    let (protocol, splits): (String, Vec<TrainTest>) = match &options.split {
        Split::Stratified { test_share, seed } => {
            bad_share("test_share", *test_share)?;
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(*seed);
            let mut test = Vec::new();
            for class in [true, false] {
                let mut rows: Vec<usize> = (0..n).filter(|&i| y[i] == class).collect();
                rand::seq::SliceRandom::shuffle(rows.as_mut_slice(), &mut rng);
                let k = (rows.len() as f64 * test_share).round() as usize;
                test.extend_from_slice(&rows[..k]);
            }
            test.sort_unstable();
            (
                format!(
                    "stratified random hold-out of {:.0} % of the deals (seed {seed})",
                    100.0 * test_share
                ),
                vec![split_rows(test)],
            )
        }
        Split::OutOfTime { column, test_share } => {
            bad_share("test_share", *test_share)?;
            let order = crate::training::time_order(deals, column)?;
            let cut = n - (n as f64 * test_share).round() as usize;
            let mut test = order[cut..].to_vec();
            test.sort_unstable();
            let first = order
                .get(cut)
                .and_then(|&r| deals.cell(r, column).ok().flatten())
                .map(|s| s.into_owned())
                .unwrap_or_default();
            (
                format!(
                    "out of time: the latest {:.0} % of the deals by {column:?} held out (from {first})",
                    100.0 * test_share
                ),
                vec![split_rows(test)],
            )
        }
        Split::Folds { folds, seed } => {
            if *folds < 2 {
                return Err(Error::InvalidParameter {
                    name: "folds".into(),
                    value: folds.to_string(),
                    reason: "must be at least 2".into(),
                });
            }
            let assign = crate::training::stratified_folds(&y, *folds, *seed);
            (
                format!("{folds}-fold stratified cross-validation, every deal held out once (seed {seed})"),
                (0..*folds)
                    .map(|k| split_rows((0..n).filter(|&i| assign[i] == k).collect()))
                    .collect(),
            )
        }
    };
    let mut p = vec![f64::NAN; n];
    let mut points = vec![f64::NAN; n];
    let mut fold_figures = Vec::new();
    let mut train_rows = 0;
    let mut won_train = 0;
    let mut last_model = None;
    let mut policy_total: Option<PolicyMetrics> = None;
    for (train, test) in &splits {
        let model = params
            .fit(&deals.take_rows(train))
            .map_err(|e| source_rows(e, deals, train))?;
        let test_table = deals.take_rows(test);
        let scores = model
            .score(&test_table)
            .map_err(|e| source_rows(e, deals, test))?;
        if let Some(policy) = &options.policy {
            let yt: Vec<bool> = test.iter().map(|&r| y[r]).collect();
            let m = policy_metrics(policy, &model, &test_table, &yt)
                .map_err(|e| source_rows(e, deals, test))?;
            policy_total = Some(match policy_total {
                None => m,
                Some(acc) => acc.merge(m),
            });
        }
        train_rows += train.len();
        won_train += model.summary().won;
        for (i, &r) in test.iter().enumerate() {
            p[r] = scores.probability[i];
            points[r] = scores.points[i];
        }
        let yt: Vec<f64> = test.iter().map(|&r| f64::from(u8::from(y[r]))).collect();
        fold_figures.push((
            auc(&yt, &scores.probability),
            log_loss(&yt, &scores.probability),
            brier(&yt, &scores.probability),
        ));
        last_model = Some(model);
    }
    let held: Vec<usize> = (0..n).filter(|&r| !p[r].is_nan()).collect();
    let yh: Vec<bool> = held.iter().map(|&r| y[r]).collect();
    let ph: Vec<f64> = held.iter().map(|&r| p[r]).collect();
    let pts: Vec<f64> = held.iter().map(|&r| points[r]).collect();
    let base_rate = won_train as f64 / train_rows.max(1) as f64;
    let folds_mode = matches!(options.split, Split::Folds { .. });
    let mut opts = options.clone();
    if folds_mode {
        opts.bootstrap = 0;
    }
    let mut e =
        Evaluation::from_predictions(&yh, &ph, &pts, base_rate, protocol, train_rows, &opts);
    if folds_mode {
        let k = fold_figures.len() as f64;
        let spread = |f: &dyn Fn(&(f64, f64, f64)) -> f64, value: f64| {
            let xs: Vec<f64> = fold_figures.iter().map(f).collect();
            let mean = xs.iter().sum::<f64>() / k;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
            let half = 1.96 * sd / k.sqrt();
            Estimate {
                value,
                low: value - half,
                high: value + half,
            }
        };
        e.auc = spread(&|f| f.0, e.auc.value);
        e.log_loss = spread(&|f| f.1, e.log_loss.value);
        e.brier = spread(&|f| f.2, e.brier.value);
        e.interval_method = format!(
            "pooled out-of-fold figure ± 1.96 standard errors of the {} per-fold figures",
            fold_figures.len()
        );
    }
    e.policy = policy_total;
    e.predictions = held
        .iter()
        .map(|&r| HeldOutPrediction {
            row: deals.first_row() + r,
            won: y[r],
            probability: p[r],
            points: points[r],
        })
        .collect();
    if let (Some(sheet), Some(model)) = (&options.points_sheet, &last_model) {
        let held_deals = deals.take_rows(&held);
        e.handset = Some(crate::handset::compare_with(
            sheet,
            model,
            &held_deals,
            &yh,
            &ph,
        )?);
    }
    Ok(e)
}

/// Held-out outcomes of one tier of a qualification policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierOutcome {
    /// Tier name.
    pub tier: String,
    /// Its route (`sales`, `sdr`, `nurture`, `disqualified`).
    pub route: String,
    /// Held-out deals it took.
    pub leads: usize,
    /// Won among them.
    pub won: usize,
    /// Win rate.
    pub rate: f64,
    /// Lower end of the 95 % Wilson interval.
    pub rate_low: f64,
    /// Upper end of the 95 % Wilson interval.
    pub rate_high: f64,
}

/// How a qualification policy sorted held-out deals: "qualified" means
/// routed to sales (the policy's cut).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyMetrics {
    /// The policy's version.
    pub policy_version: String,
    /// The policy's fingerprint.
    pub policy_fingerprint: String,
    /// Held-out deals.
    pub deals: usize,
    /// Won held-out deals.
    pub won: usize,
    /// Deals routed to sales.
    pub qualified: usize,
    /// Won among them.
    pub qualified_won: usize,
    /// Won among qualified over qualified.
    pub precision: f64,
    /// Won among qualified over all won.
    pub recall: f64,
    /// Every tier, in policy order.
    pub tiers: Vec<TierOutcome>,
}

impl PolicyMetrics {
    fn finish(mut self) -> PolicyMetrics {
        self.precision = ratio(self.qualified_won, self.qualified);
        self.recall = ratio(self.qualified_won, self.won);
        for t in &mut self.tiers {
            t.rate = ratio(t.won, t.leads);
            (t.rate_low, t.rate_high) = wilson(t.won, t.leads);
        }
        self
    }

    fn merge(mut self, other: PolicyMetrics) -> PolicyMetrics {
        self.deals += other.deals;
        self.won += other.won;
        self.qualified += other.qualified;
        self.qualified_won += other.qualified_won;
        for t in other.tiers {
            match self.tiers.iter_mut().find(|x| x.tier == t.tier) {
                Some(x) => {
                    x.leads += t.leads;
                    x.won += t.won;
                }
                None => self.tiers.push(t),
            }
        }
        self.finish()
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Qualifies `deals` (outcomes `y`) with `policy` and `model`, taking them
/// as one period's leads, and measures the policy's cut: precision and
/// recall of routing to sales, and each tier's win rate.
pub fn policy_metrics(
    policy: &crate::qualification::Policy,
    model: &Model,
    deals: &Table,
    y: &[bool],
) -> Result<PolicyMetrics> {
    let q = policy.qualify_batch(model, deals)?;
    let mut tiers: Vec<TierOutcome> = q
        .tiers
        .iter()
        .map(|t| TierOutcome {
            tier: t.tier.clone(),
            route: t.route.as_str().to_string(),
            leads: 0,
            won: 0,
            rate: f64::NAN,
            rate_low: f64::NAN,
            rate_high: f64::NAN,
        })
        .collect();
    let mut m = PolicyMetrics {
        policy_version: policy.version.clone(),
        policy_fingerprint: policy.fingerprint(),
        deals: y.len(),
        won: y.iter().filter(|w| **w).count(),
        qualified: 0,
        qualified_won: 0,
        precision: f64::NAN,
        recall: f64::NAN,
        tiers: Vec::new(),
    };
    for (d, &won) in q.decisions.iter().zip(y) {
        if d.route == crate::qualification::Route::Sales {
            m.qualified += 1;
            m.qualified_won += usize::from(won);
        }
        if let Some(t) = tiers.iter_mut().find(|t| t.tier == d.tier) {
            t.leads += 1;
            t.won += usize::from(won);
        }
    }
    m.tiers = std::mem::take(&mut tiers);
    Ok(m.finish())
}

/// Conversion of one value of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionRow {
    /// The value (`(missing)` for an empty cell or a missing token).
    pub value: String,
    /// Deals (leads) with the value.
    pub leads: usize,
    /// Won among them.
    pub won: usize,
    /// Win rate.
    pub rate: f64,
    /// Lower end of the 95 % Wilson interval of the rate.
    pub rate_low: f64,
    /// Upper end of the 95 % Wilson interval of the rate.
    pub rate_high: f64,
    /// The model's points for the value (the attribute it falls in), when a
    /// model that uses the column is given.
    pub learned_points: Option<f64>,
    /// The model attribute the value falls in.
    pub attribute: Option<String>,
}

/// Conversion by the values of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// The column.
    pub column: String,
    /// Deals in all.
    pub leads: usize,
    /// Won in all.
    pub won: usize,
    /// One row per value, most deals first.
    pub rows: Vec<ConversionRow>,
}

/// Leads, won, win rate with a Wilson interval, and the learned points of
/// each value of `column`, from outcomes `y` (one per row of `deals`).
/// `missing` lists the tokens read as missing besides the empty cell.
pub fn conversion_by(
    deals: &Table,
    column: &str,
    y: &[bool],
    model: Option<&Model>,
    missing: &[String],
) -> Result<Conversion> {
    let values = deals.require(column)?;
    let feature = model.and_then(|m| m.features().iter().find(|f| f.column == column));
    let lookup = feature.map(|f| Lookup::new(&f.encoding));
    let card_points: Option<(Vec<String>, Vec<f64>)> = model.zip(feature).map(|(m, f)| {
        let c = f.center();
        let factor = m.scale().factor();
        (
            f.encoding.labels(),
            f.weights.iter().map(|w| factor * (w - c)).collect(),
        )
    });
    let model_missing: Vec<String> = model
        .map(|m| m.missing_tokens().to_vec())
        .unwrap_or_default();
    let mut counts: std::collections::HashMap<String, (usize, usize, Option<usize>)> =
        Default::default();
    let mut errors = RowErrors::default();
    for (r, &won) in y.iter().enumerate().take(deals.n_rows()) {
        let text = values.text(r);
        let key = match &text {
            Some(v) if !missing.iter().any(|m| m == v.as_ref()) => v.to_string(),
            _ => crate::encoding::MISSING.to_string(),
        };
        let slot = match (feature, &lookup) {
            (Some(f), Some(l)) => match l.slot(&f.encoding, values, r, &model_missing) {
                Ok(Slot::Known(i)) | Ok(Slot::Unseen(i)) => Some(i),
                Err(v) => {
                    errors.push(deals.first_row() + r, column, &v, "not a number");
                    None
                }
            },
            _ => None,
        };
        let e = counts.entry(key).or_insert((0, 0, slot));
        e.0 += 1;
        e.1 += usize::from(won);
    }
    errors.into_result()?;
    let mut rows: Vec<ConversionRow> = counts
        .into_iter()
        .map(|(value, (n, w, slot))| {
            let (lo, hi) = wilson(w, n);
            let (attribute, learned_points) = match (&card_points, slot) {
                (Some((labels, pts)), Some(i)) => (Some(labels[i].clone()), Some(pts[i])),
                _ => (None, None),
            };
            ConversionRow {
                value,
                leads: n,
                won: w,
                rate: w as f64 / n as f64,
                rate_low: lo,
                rate_high: hi,
                learned_points,
                attribute,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.value.cmp(&b.value)));
    Ok(Conversion {
        column: column.to_string(),
        leads: y.len(),
        won: y.iter().filter(|w| **w).count(),
        rows,
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_half() {
        assert_eq!(auc(&[0.0, 1.0], &[0.5, 0.5]), 0.5);
        assert_eq!(auc(&[0.0, 1.0], &[0.2, 0.9]), 1.0);
        assert_eq!(auc(&[1.0, 0.0], &[0.2, 0.9]), 0.0);
        assert!(auc(&[1.0, 1.0], &[0.2, 0.9]).is_nan());
    }

    #[test]
    fn log_loss_of_base_rate() {
        let y = [1.0, 0.0, 0.0, 0.0];
        let p = [0.25; 4];
        let expected = -(0.25f64.ln() + 3.0 * 0.75f64.ln()) / 4.0;
        assert!((log_loss(&y, &p) - expected).abs() < 1e-15);
        assert!((brier(&y, &p) - (0.75f64.powi(2) + 3.0 * 0.0625) / 4.0).abs() < 1e-15);
    }
}
