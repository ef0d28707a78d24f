//! Evaluation on held-out deals: a model trained on part of the deals and
//! measured on the rest (a stratified hold-out, out of time, or every deal
//! once in folds) with the figures of [`crate::metrics`], intervals from
//! bootstrap resamples or from the folds.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::policy_metrics::{policy_metrics, PolicyMetrics};
use crate::data::{Table, Target};
use crate::error::{Error, Result};
use crate::metrics::{
    as_f64, at_cut, auc, brier, calibration, deciles, expected_calibration_error, log_loss,
    percentile, CalibrationBin, CutMetrics, Decile, Estimate,
};
use crate::model::events::EventColumns;
use crate::model::split::{stratified_folds, stratified_holdout, time_order};
use crate::model::{Model, ModelParams};

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

impl Split {
    /// The split the usual options ask for: out of time on `time_column`
    /// when given, else `folds`-fold cross-validation when given, else a
    /// stratified hold-out; `test_share` and `seed` as they apply.
    pub fn choose(
        time_column: Option<&str>,
        folds: Option<usize>,
        test_share: f64,
        seed: u64,
    ) -> Split {
        match (time_column, folds) {
            (Some(c), _) => Split::OutOfTime {
                column: c.to_string(),
                test_share,
            },
            (None, Some(folds)) => Split::Folds { folds, seed },
            (None, None) => Split::Stratified { test_share, seed },
        }
    }
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
    pub policy: Option<crate::policy::Policy>,
    /// Marketing's points sheet: scored on the same held-out deals and
    /// compared with the learned model (see [`crate::evidence::points_sheet`]).
    pub points_sheet: Option<crate::evidence::points_sheet::PointsSheet>,
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
    /// Whether more than a few of the deals evaluated were the model's own
    /// training deals (a report on them): the figures are optimistic.
    #[serde(default)]
    pub on_training_deals: bool,
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
    pub handset: Option<crate::evidence::points_sheet::HandsetComparison>,
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
            on_training_deals: false,
            train_rows,
            test_rows: n,
            test_won: y.iter().filter(|w| **w).count(),
            base_rate,
            auc: est(auc_v, &a),
            log_loss: est(ll, &l),
            base_log_loss: log_loss(&yf, &vec![base_rate; n]),
            brier: est(br, &b),
            interval_method: format!(
                "95 % percentile interval of {} bootstrap resamples of the deals evaluated (seed {})",
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

/// The training and held-out rows of `deals` (outcomes `y`) that `split`
/// asks for, with the protocol in words: one pair for a hold-out, one per
/// fold for folds; rows in row order.
///
/// ```
/// use leadscore::evaluation::{held_out_rows, Split};
/// use leadscore::synthetic;
/// let deals = synthetic::deals(1_000, 3).table;
/// let y: Vec<bool> = (0..1_000).map(|r| deals.cell(r, "outcome").unwrap().as_deref() == Some("Won")).collect();
/// let (protocol, splits) = held_out_rows(&deals, &y, &Split::Stratified { test_share: 0.25, seed: 1 }).unwrap();
/// assert_eq!((splits[0].0.len(), splits[0].1.len()), (750, 250));
/// assert!(protocol.starts_with("stratified"));
/// ```
pub fn held_out_rows(deals: &Table, y: &[bool], split: &Split) -> Result<(String, Vec<TrainTest>)> {
    let n = y.len();
    let split_rows = |test: Vec<usize>| {
        let mut is_test = vec![false; n];
        for &r in &test {
            is_test[r] = true;
        }
        let train: Vec<usize> = (0..n).filter(|&r| !is_test[r]).collect();
        (train, test)
    };
    let (protocol, splits): (String, Vec<TrainTest>) = match split {
        Split::Stratified { test_share, seed } => {
            bad_share("test_share", *test_share)?;
            let test = stratified_holdout(y, *test_share, *seed);
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
            let order = time_order(deals, column)?;
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
                    "out of time: the latest {:.0} % of the deals by {} held out (from {})",
                    100.0 * test_share,
                    crate::error::display_value(column),
                    crate::error::display_text(&first)
                ),
                vec![split_rows(test)],
            )
        }
        Split::Folds { folds, seed } => {
            crate::model::split::check_folds(*folds, y)?;
            let assign = stratified_folds(y, *folds, *seed);
            (
                format!("{folds}-fold stratified cross-validation, every deal held out once (seed {seed})"),
                (0..*folds)
                    .map(|k| split_rows((0..n).filter(|&i| assign[i] == k).collect()))
                    .collect(),
            )
        }
    };
    Ok((protocol, splits))
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
pub type TrainTest = (Vec<usize>, Vec<usize>);

/// Most bootstrap resamples: intervals settle long before.
pub const MAX_BOOTSTRAP: usize = 100_000;

impl EvaluationOptions {
    /// Checks the options: a finite cut, at most [`MAX_BOOTSTRAP`] resamples.
    pub fn check(&self) -> Result<()> {
        if let Some(c) = self.cut_points.filter(|c| !c.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "cut_points".into(),
                value: c.to_string(),
                reason: "the cut must be a finite number of points".into(),
            });
        }
        if self.bootstrap > MAX_BOOTSTRAP {
            return Err(Error::InvalidParameter {
                name: "bootstrap".into(),
                value: self.bootstrap.to_string(),
                reason: format!("at most {MAX_BOOTSTRAP} resamples"),
            });
        }
        Ok(())
    }
}

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
    evaluate_fits(params, deals, options, None)
}

/// As [`evaluate`], for a model that learns from an event log: each
/// training part is fitted with [`ModelParams::fit_with_events`] and each
/// held-out deal scored with its events strictly before its as-of time
/// `as_of`, so that no held-out figure sees an event the deal could not
/// have had when it was scored.
///
/// ```
/// use leadscore::model::events::EventColumns;
/// use leadscore::{evaluation::{evaluate_with_events, EvaluationOptions}, synthetic, Model};
/// let s = synthetic::events::deals_with_events(2_000, 5);
/// let params = Model::params().target("outcome").id("deal_id")
///     .ignore(["closed_at", "deal_value"]).l2(1.0);
/// let log = EventColumns::new("deal_id");
/// let e = evaluate_with_events(&params, &s.deals.table, &s.events, "created_at", &log,
///     &EvaluationOptions::default()).unwrap();
/// assert_eq!(e.test_rows, 400);
/// assert!(e.auc.value > 0.7 && e.log_loss.value < e.base_log_loss);
/// ```
pub fn evaluate_with_events(
    params: &ModelParams,
    deals: &Table,
    log: &Table,
    as_of: &str,
    columns: &EventColumns,
    options: &EvaluationOptions,
) -> Result<Evaluation> {
    evaluate_fits(params, deals, options, Some((log, as_of, columns)))
}

/// An event log, the deals' as-of column and the log's columns.
type EventLog<'a> = (&'a Table, &'a str, &'a EventColumns);

fn evaluate_fits(
    params: &ModelParams,
    deals: &Table,
    options: &EvaluationOptions,
    events: Option<EventLog>,
) -> Result<Evaluation> {
    let fit = |train: &Table| match events {
        None => params.fit_bare(train),
        Some((log, as_of, columns)) => params.fit_with_events_bare(train, log, as_of, columns),
    };
    // Held-out deals get their activity before they are scored.
    let prepare = |model: &Model, rows: &mut Table| match events {
        None => Ok(()),
        Some((log, _, _)) => model.attach_activity(rows, log, None, false).map(|_| ()),
    };
    options.check()?;
    let target = params
        .target_column()
        .ok_or_else(|| Error::InvalidParameter {
            name: "target".into(),
            value: "(none)".into(),
            reason: "name the outcome column".into(),
        })?;
    let (_, y) = Target::resolve(
        deals,
        target,
        params.positive_values(),
        params.negative_values(),
    )?;
    let n = y.len();
    let (protocol, splits) = held_out_rows(deals, &y, &options.split)?;
    let mut p = vec![f64::NAN; n];
    let mut points = vec![f64::NAN; n];
    let mut fold_figures = Vec::new();
    let mut train_rows = 0;
    let mut won_train = 0;
    let mut last_model = None;
    let mut policy_total: Option<PolicyMetrics> = None;
    for (train, test) in &splits {
        let model = fit(&deals.take_rows(train)).map_err(|e| source_rows(e, deals, train))?;
        let mut test_table = deals.take_rows(test);
        prepare(&model, &mut test_table).map_err(|e| source_rows(e, deals, test))?;
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
        let mut held_deals = deals.take_rows(&held);
        prepare(model, &mut held_deals)?;
        e.handset = Some(crate::evidence::points_sheet::compare_with(
            sheet,
            model,
            &held_deals,
            &yh,
            &ph,
        )?);
    }
    Ok(e)
}

impl Evaluation {
    /// Every held-out deal's prediction as CSV: `row`, the id column of
    /// `deals` when `id` is given, `won` (1 or 0), `probability`, `points`;
    /// ids that a spreadsheet would run as formulas are neutralised unless
    /// `cells` is [`TextCells::Raw`](crate::data::csv::TextCells).
    pub fn predictions_csv(
        &self,
        deals: &Table,
        id: Option<&str>,
        cells: crate::data::csv::TextCells,
    ) -> Result<Vec<u8>> {
        use crate::data::columns::OutValues;
        let p = &self.predictions;
        let mut cols = vec![(
            "row".to_string(),
            OutValues::Int(p.iter().map(|x| Some(x.row as i64)).collect()),
        )];
        if let Some(c) = id {
            let v = deals.require(c)?;
            cols.push((
                c.to_string(),
                OutValues::Text(
                    p.iter()
                        .map(|x| v.text(x.row - deals.first_row()).map(|s| s.into_owned()))
                        .collect(),
                ),
            ));
        }
        cols.push((
            "won".to_string(),
            OutValues::Int(p.iter().map(|x| Some(i64::from(x.won))).collect()),
        ));
        cols.push((
            "probability".to_string(),
            OutValues::Float(p.iter().map(|x| x.probability).collect()),
        ));
        cols.push((
            "points".to_string(),
            OutValues::Float(p.iter().map(|x| x.points).collect()),
        ));
        Ok(crate::data::columns::to_csv(&cols, cells))
    }
}
