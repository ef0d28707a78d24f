//! Fitting a time model ([`super::Timing`]): every deal's state at the
//! as-of date (won, lost or still open, and for how many whole periods),
//! the periods at risk merged into weighted counts per pattern of
//! attributes and stretch of the baseline, and the won and lost chances
//! fitted on them, each with its penalty chosen by cross-validation over
//! deals.

use linfa::dataset::DatasetBase;
use linfa::prelude::*;
use rustc_hash::FxHashMap;

use super::{Period, Timing, TimingDeals, DEFAULT_HORIZON_DAYS, DEFAULT_PERIOD_DAYS};
use crate::data::schema::{DEFAULT_LOST, DEFAULT_WON};
use crate::data::{Table, Target};
use crate::error::{display_value, Error, Result, RowErrors};
use crate::metrics::weighted_auc;
use crate::model::cv::{cross_validate, Folds, PathOptions};
use crate::model::design::{Counts, Design};
use crate::model::fit::{choose, count_attributes, empty_summary};
use crate::model::logistic::LogisticParams;
use crate::model::split::stratified_folds;
use crate::model::{CrossValidation, L2Choice, Model, ModelParams, TrainingSummary};
use crate::util::time::{date_from_days, format_timestamp, parse_timestamp, DATE_GRAMMAR};

/// Fewest won and fewest lost deals a stretch of the baseline holds
/// (consecutive periods pool until both are reached).
pub const MIN_DEALS_PER_STRETCH: u64 = 20;

/// What makes a fit a time model: set through [`ModelParams::created`] and
/// the other time options.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct TimingOptions {
    pub(crate) open: Vec<String>,
    pub(crate) created: Option<String>,
    pub(crate) closed: Option<String>,
    pub(crate) as_of: Option<String>,
    pub(crate) horizons: Vec<u32>,
    pub(crate) period_days: Option<u32>,
}

/// A deal's state at the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Won,
    Lost,
    Open,
}

/// One deal kept for training: its row in the table, its state and the
/// whole periods it was open before it closed (in the period after them)
/// or before the as-of date.
#[derive(Debug, Clone, Copy)]
struct Case {
    row: usize,
    state: State,
    periods: u64,
    /// How the file says it ended (`Open` while it has not), and when.
    final_state: State,
    closed_at: Option<i64>,
}

const SECONDS_PER_DAY: f64 = 86_400.0;

impl ModelParams {
    /// Whether this fit learns a time model (a created column is named).
    pub(crate) fn is_timing(&self) -> bool {
        self.timing.as_ref().is_some_and(|t| t.created.is_some())
    }

    /// Learns a model with a time to close from won, lost and open deals.
    pub(crate) fn fit_timing(&self, deals: &Table) -> Result<Model> {
        let options = self.timing.clone().unwrap_or_default();
        let target_column = self.check()?;
        let invalid = |name: &str, value: String, reason: &str| Error::InvalidParameter {
            name: name.into(),
            value,
            reason: reason.into(),
        };
        let created = options.created.clone().unwrap_or_default();
        let Some(closed) = options.closed.clone() else {
            return Err(invalid(
                "closed",
                String::new(),
                "a model of the time to close needs the column of the close date too",
            ));
        };
        let period_days = options.period_days.unwrap_or(DEFAULT_PERIOD_DAYS);
        if period_days == 0 || period_days > 366 {
            return Err(invalid(
                "period_days",
                period_days.to_string(),
                "a period lasts from 1 to 366 days",
            ));
        }
        let mut horizons = if options.horizons.is_empty() {
            vec![DEFAULT_HORIZON_DAYS]
        } else {
            options.horizons.clone()
        };
        horizons.sort_unstable();
        horizons.dedup();
        if horizons[0] == 0 || horizons[horizons.len() - 1] > 3650 {
            return Err(invalid(
                "horizon",
                format!("{horizons:?}"),
                "a horizon lasts from 1 to 3650 days",
            ));
        }
        let target = self.timing_target(deals, &target_column, &options.open)?;
        let (as_of, cases, deal_counts) =
            read_cases(deals, &target, &options, &created, &closed, period_days)?;
        let won = deal_counts.won as usize;
        let lost = deal_counts.lost as usize;
        if won < self.min_won.max(1) || lost < self.min_lost.max(1) {
            return Err(Error::NotEnoughOutcomes {
                won,
                lost,
                required_won: self.min_won.max(1),
                required_lost: self.min_lost.max(1),
            });
        }

        // The feature columns and leak screen from the closed deals; the
        // encodings from every deal kept (its attributes were known while
        // it was open). Cells are checked on the whole table first, so that
        // an error names the row of the file.
        let mut widened = self.clone();
        for c in [&created, &closed] {
            if !widened.ignore.contains(c) {
                widened.ignore.push(c.clone());
            }
        }
        let closed_rows: Vec<usize> = cases
            .iter()
            .filter(|c| c.state != State::Open)
            .map(|c| c.row)
            .collect();
        let y_closed: Vec<bool> = cases
            .iter()
            .filter(|c| c.state != State::Open)
            .map(|c| c.state == State::Won)
            .collect();
        let closed_table = deals.take_rows(&closed_rows);
        let (schema, excluded, mut warnings) =
            widened.feature_columns(&closed_table, &y_closed, &target_column, None, false)?;
        widened.encode_features(deals, &schema)?;
        let kept_rows: Vec<usize> = cases.iter().map(|c| c.row).collect();
        let kept = deals.take_rows(&kept_rows);
        let scaffold = Model::new(
            target.clone(),
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            0.0,
            widened.encode_features(&kept, &schema)?,
            None,
            empty_summary(),
        )?;
        let (slots, _) = scaffold.slots(&kept)?;
        let mut features = scaffold.features().to_vec();
        let is_closed: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].state != State::Open)
            .collect();
        let closed_slots: Vec<Vec<u32>> = slots
            .iter()
            .map(|s| is_closed.iter().map(|&i| s[i]).collect())
            .collect();
        count_attributes(&mut features, &closed_slots, &y_closed, &mut warnings);
        drop(closed_slots);
        warn_open_only(&features, &slots, &cases, &mut warnings);
        let attributes: Vec<usize> = features.iter().map(|f| f.encoding.n_attributes()).collect();

        // Periods at risk, merged per (pattern of attributes, stretch).
        let deal_design = Design::from_slots(&slots, &attributes, None)?;
        drop(slots);
        let stretches = stretches(&cases);
        let fold_of = stratified_folds(
            &cases
                .iter()
                .map(|c| c.state == State::Won)
                .collect::<Vec<_>>(),
            self.folds.max(2),
            self.seed,
        );
        let at_risk = AtRisk::count(
            &cases,
            &deal_design,
            &stretches,
            &fold_of,
            self.folds.max(2),
        );
        let (design, patterns) = at_risk.design(&deal_design, &attributes, stretches.len())?;

        let fit_one = |lost: bool,
                       warnings: &mut Vec<String>|
         -> Result<(Vec<f64>, f64, Option<f64>, Option<CrossValidation>)> {
            let counts = at_risk.counts(&patterns, design.n_patterns(), lost, None);
            let (l2, cv) = match self.l2 {
                Some(l2) => (Some(l2), None),
                None => {
                    let blocks = (0..self.folds.max(2))
                        .map(|f| at_risk.counts(&patterns, design.n_patterns(), lost, Some(f)))
                        .collect();
                    let folds = Folds::from_blocks(blocks);
                    let path = cross_validate(
                        &design,
                        &folds,
                        &PathOptions {
                            grid: &self.l2_grid,
                            max_iterations: self.max_iterations,
                            tolerance: self.tolerance,
                            prior_mean: None,
                        },
                    )?;
                    if path.unconverged > 0 {
                        warnings.push(format!(
                            "{} cross-validation fits stopped at the iteration limit ({}) before converging",
                            path.unconverged, self.max_iterations
                        ));
                    }
                    let best = choose(&path.points, self.l2_rule);
                    let cv = CrossValidation {
                        folds: self.folds.max(2),
                        seed: self.seed,
                        rule: self.l2_rule,
                        auc: best.auc,
                        log_loss: best.log_loss,
                        base_log_loss: path.base_log_loss,
                        grid: path.points,
                        time_column: None,
                        time_column_found: false,
                        not_tried: path.not_tried,
                    };
                    (best.l2, Some(cv))
                }
            };
            let n_attr = design.n_attributes() - stretches.len();
            let (w, b) = match l2 {
                Some(l2) => {
                    let fit = LogisticParams::new()
                        .l2(l2)
                        .max_iterations(self.max_iterations)
                        .tolerance(self.tolerance)
                        .fit(&DatasetBase::new(&design, counts))?;
                    if !fit.converged {
                        warnings.push(format!(
                            "the fit of the {} chance stopped at the iteration limit ({}) before converging",
                            if lost { "lost" } else { "won" },
                            self.max_iterations
                        ));
                    }
                    (fit.weights, fit.intercept)
                }
                None => {
                    // No column beats the baseline: the baseline alone,
                    // barely penalised.
                    let only: Vec<Vec<u32>> = vec![(0..design.n_patterns())
                        .map(|p| design.pattern(p)[attributes.len()] - n_attr as u32)
                        .collect()];
                    let baseline = Design::from_slots(&only, &[stretches.len()], None)?;
                    let mut c = Counts::zeros(baseline.n_patterns());
                    for p in 0..design.n_patterns() {
                        let q = baseline.row_pattern(p);
                        c.won[q] += counts.won[p];
                        c.total[q] += counts.total[p];
                    }
                    let fit = LogisticParams::new()
                        .l2(1e-4)
                        .max_iterations(self.max_iterations)
                        .tolerance(self.tolerance)
                        .fit(&DatasetBase::new(&baseline, c))?;
                    let mut w = vec![0.0; n_attr];
                    w.extend(fit.weights);
                    (w, fit.intercept)
                }
            };
            Ok((w, b, l2, cv))
        };
        let (won_w, won_b, l2, cross_validation) = fit_one(false, &mut warnings)?;
        let (lost_w, lost_b, lost_l2, _) = fit_one(true, &mut warnings)?;
        let n_attr = design.n_attributes() - stretches.len();
        let won_counts = at_risk.counts(&patterns, design.n_patterns(), false, None);
        let training: Vec<(f64, f64, f64)> = design
            .logits(&won_w, won_b)
            .into_iter()
            .enumerate()
            .map(|(p, z)| {
                let w = won_counts.won[p];
                (z, w, won_counts.total[p] - w)
            })
            .collect();
        let mut offset = 0;
        let mut lost_weights = Vec::with_capacity(features.len());
        for f in &mut features {
            let n = f.encoding.n_attributes();
            f.weights = won_w[offset..offset + n].to_vec();
            lost_weights.push(lost_w[offset..offset + n].to_vec());
            offset += n;
        }
        let (won_base, lost_base) = (won_w[n_attr], lost_w[n_attr]);
        let periods: Vec<Period> = stretches
            .iter()
            .enumerate()
            .map(|(s, &from)| Period {
                from_period: from,
                won: won_w[n_attr + s] - won_base,
                lost: lost_w[n_attr + s] - lost_base,
                at_risk: at_risk.stretch_at_risk[s],
                won_deals: at_risk.stretch_events[s].0,
                lost_deals: at_risk.stretch_events[s].1,
            })
            .collect();
        if deal_counts.open_without_created > 0 {
            warnings.push(format!(
                "{} open deals have no {}: counted, but with no time open they carry no information",
                deal_counts.open_without_created,
                display_value(&created)
            ));
        }
        if deal_counts.created_after_as_of > 0 {
            warnings.push(format!(
                "{} deals created after the as-of date {} were left out",
                deal_counts.created_after_as_of, as_of
            ));
        }
        let summary = TrainingSummary {
            rows: won + lost,
            won,
            lost,
            columns_used: schema.features.iter().map(|f| f.name.clone()).collect(),
            columns_excluded: excluded,
            l2,
            l2_choice: if self.l2.is_some() {
                L2Choice::Fixed
            } else {
                L2Choice::CrossValidation
            },
            cross_validation,
            training_auc: weighted_auc(&training),
            seed: self.seed,
            warnings,
        };
        let timing = Timing {
            created,
            closed,
            open: options.open.clone(),
            as_of,
            period_days,
            horizons_days: horizons,
            periods,
            lost_intercept: lost_b + lost_base,
            lost_weights,
            lost_l2,
            deals: deal_counts,
        };
        Model::new(
            target,
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            won_b + won_base,
            features,
            None,
            summary,
        )?
        .with_timing(timing)
    }

    /// The won and lost values: named, or the one value left besides the
    /// won and open ones, or the defaults.
    fn timing_target(&self, deals: &Table, column: &str, open: &[String]) -> Result<Target> {
        let values = deals.require(column)?;
        if self.positive.is_empty() && self.negative.is_empty() {
            return Ok(Target {
                column: column.to_string(),
                won: DEFAULT_WON.iter().map(|s| s.to_string()).collect(),
                lost: DEFAULT_LOST.iter().map(|s| s.to_string()).collect(),
            });
        }
        if !self.negative.is_empty() {
            return Ok(Target {
                column: column.to_string(),
                won: self.positive.clone(),
                lost: self.negative.clone(),
            });
        }
        let mut others: Vec<String> = Vec::new();
        for r in 0..deals.n_rows() {
            if let Some(v) = values.text(r) {
                let v = v.as_ref();
                if !self.positive.iter().any(|p| p == v)
                    && !open.iter().any(|o| o == v)
                    && !others.iter().any(|o| o == v)
                {
                    others.push(v.to_string());
                }
            }
        }
        if others.len() > 1 {
            others.sort();
            return Err(Error::InvalidParameter {
                name: "negative".into(),
                value: String::new(),
                reason: format!(
                    "target column {} holds {} values besides the won ({}) and open ones: {}; name the lost value(s) or the open ones",
                    display_value(column),
                    others.len(),
                    self.positive.join("/"),
                    crate::error::display_list(&others)
                ),
            });
        }
        Ok(Target {
            column: column.to_string(),
            won: self.positive.clone(),
            lost: others,
        })
    }
}

/// Reads every deal's outcome, created and closed dates: the as-of date
/// (named, or the latest date in the two columns), the deals kept (created
/// on or before it, a created date known) with their state and periods,
/// and the counts. Every bad cell is an error naming row, column and value.
fn read_cases(
    deals: &Table,
    target: &Target,
    options: &TimingOptions,
    created: &str,
    closed: &str,
    period_days: u32,
) -> Result<(String, Vec<Case>, TimingDeals)> {
    let outcomes = deals.require(&target.column)?;
    let created_values = deals.require(created)?;
    let closed_values = deals.require(closed)?;
    let first = deals.first_row();
    let mut errors = RowErrors::default();
    let n = deals.n_rows();
    let mut rows = Vec::with_capacity(n);
    let mut latest: Option<i64> = None;
    let date = |values: &crate::data::Values, r: usize, column: &str, errors: &mut RowErrors| {
        let text = values.text(r)?;
        if text.trim().is_empty() {
            return None;
        }
        match parse_timestamp(&text) {
            Some(t) => Some(t),
            None => {
                errors.push(
                    first + r,
                    column,
                    &text,
                    format!("not a date or date-time ({DATE_GRAMMAR})"),
                );
                None
            }
        }
    };
    for r in 0..n {
        let state = match outcomes.text(r) {
            None => {
                errors.push(first + r, &target.column, "", "the outcome is missing");
                continue;
            }
            Some(v) if options.open.iter().any(|o| o == v.as_ref()) => State::Open,
            Some(v) => match target.outcome(&v) {
                Some(true) => State::Won,
                Some(false) => State::Lost,
                None => {
                    errors.push(
                        first + r,
                        &target.column,
                        &v,
                        format!(
                            "not a known outcome (won: {}; lost: {}; open: {})",
                            target.won.join("/"),
                            target.lost.join("/"),
                            options.open.join("/")
                        ),
                    );
                    continue;
                }
            },
        };
        let c = date(created_values, r, created, &mut errors);
        let d = if state == State::Open {
            None
        } else {
            date(closed_values, r, closed, &mut errors)
        };
        if state != State::Open {
            match (c, d) {
                (None, _) if created_values.text(r).is_none_or(|t| t.trim().is_empty()) => {
                    errors.push(
                        first + r,
                        created,
                        "",
                        "a closed deal needs the date it was created",
                    );
                    continue;
                }
                (_, None) if closed_values.text(r).is_none_or(|t| t.trim().is_empty()) => {
                    errors.push(first + r, closed, "", "a closed deal needs its close date");
                    continue;
                }
                (Some(c), Some(d)) if d < c => {
                    let text = closed_values
                        .text(r)
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    errors.push(
                        first + r,
                        closed,
                        &text,
                        format!("closed before it was created ({})", format_timestamp(c)),
                    );
                    continue;
                }
                _ => {}
            }
        }
        for t in [c, d].into_iter().flatten() {
            latest = Some(latest.map_or(t, |l| l.max(t)));
        }
        rows.push((r, state, c, d));
    }
    errors.into_result()?;
    let as_of_text = match &options.as_of {
        Some(text) => {
            parse_timestamp(text).ok_or_else(|| Error::InvalidParameter {
                name: "as_of".into(),
                value: text.clone(),
                reason: format!("not a date or date-time ({DATE_GRAMMAR})"),
            })?;
            text.trim().to_string()
        }
        None => match latest {
            // A date stays a date.
            Some(t) if t.rem_euclid(86_400) == 0 => date_from_days(t.div_euclid(86_400)),
            Some(t) => format_timestamp(t),
            None => {
                return Err(Error::InvalidParameter {
                    name: "as_of".into(),
                    value: String::new(),
                    reason: "the deals hold no date to train as of".into(),
                })
            }
        },
    };
    let as_of = parse_timestamp(&as_of_text).unwrap_or_default();
    let period = f64::from(period_days) * SECONDS_PER_DAY;
    let mut counts = TimingDeals {
        won: 0,
        lost: 0,
        open: 0,
        open_without_created: 0,
        created_after_as_of: 0,
    };
    let mut cases = Vec::with_capacity(rows.len());
    for (row, state_in_file, c, d) in rows {
        let state = state_in_file;
        let Some(c) = c else {
            counts.open += 1;
            counts.open_without_created += 1;
            continue;
        };
        if c > as_of {
            counts.created_after_as_of += 1;
            continue;
        }
        // A deal closed after the as-of date was open that day.
        let (state, end) = match (state, d) {
            (State::Open, _) => (State::Open, as_of),
            (s, Some(d)) if d <= as_of => (s, d),
            _ => (State::Open, as_of),
        };
        match state {
            State::Won => counts.won += 1,
            State::Lost => counts.lost += 1,
            State::Open => counts.open += 1,
        }
        cases.push(Case {
            row,
            state,
            periods: ((end - c) as f64 / period).floor() as u64,
            final_state: if d.is_some() {
                state_in_file
            } else {
                State::Open
            },
            closed_at: d,
        });
    }
    Ok((as_of_text, cases, counts))
}

/// The deals as they stood on a date, and how each of the ones open then
/// ended in the file: what a backtest scores and checks.
#[derive(Debug, Clone)]
pub(crate) struct DealsAsOf {
    /// Rows (of the table) of the deals closed on or before the date.
    pub(crate) closed_rows: Vec<usize>,
    /// Rows of the deals open on the date (created on or before it, with a
    /// created date).
    pub(crate) open_rows: Vec<usize>,
    /// For each open row: when it closed won, if it did (in the file).
    pub(crate) won_at: Vec<Option<i64>>,
    /// The latest created or close date in the file.
    pub(crate) latest: i64,
}

impl ModelParams {
    /// The deals as they stood on `as_of` (the time options' columns and
    /// open values; every bad cell an error naming row, column and value).
    pub(crate) fn deals_as_of(&self, deals: &Table, as_of: &str) -> Result<DealsAsOf> {
        let mut options = self.timing.clone().unwrap_or_default();
        let target_column = self.check()?;
        let created = options.created.clone().unwrap_or_default();
        let closed = options.closed.clone().unwrap_or_default();
        let target = self.timing_target(deals, &target_column, &options.open)?;
        // The file's latest date first, then the deals on the date asked.
        options.as_of = None;
        let (latest, _, _) = read_cases(deals, &target, &options, &created, &closed, 1)?;
        options.as_of = Some(as_of.to_string());
        let (_, cases, _) = read_cases(deals, &target, &options, &created, &closed, 1)?;
        let mut out = DealsAsOf {
            closed_rows: Vec::new(),
            open_rows: Vec::new(),
            won_at: Vec::new(),
            latest: parse_timestamp(&latest).unwrap_or_default(),
        };
        for c in cases {
            if c.state == State::Open {
                out.open_rows.push(c.row);
                out.won_at
                    .push(c.closed_at.filter(|_| c.final_state == State::Won));
            } else {
                out.closed_rows.push(c.row);
            }
        }
        Ok(out)
    }
}

/// Fewest open deals holding a value no closed deal holds that are warned of.
const MIN_OPEN_ONLY: usize = 10;

/// Warns of values held by open deals and by no closed one: a column
/// filled in (or emptied) when a deal closes tells the model a deal is
/// still open, a leak the screen of closed deals cannot see.
fn warn_open_only(
    features: &[crate::model::Feature],
    slots: &[Vec<u32>],
    cases: &[Case],
    warnings: &mut Vec<String>,
) {
    for (f, s) in features.iter().zip(slots) {
        let mut open = vec![0usize; f.encoding.n_attributes()];
        for (c, &i) in cases.iter().zip(s) {
            if c.state == State::Open {
                open[i as usize] += 1;
            }
        }
        let labels = f.encoding.labels();
        for (i, &n) in open.iter().enumerate() {
            if n >= MIN_OPEN_ONLY && f.training_rows[i] == 0 {
                warnings.push(format!(
                    "possible leak: column {}: {n} open deals hold {} and no closed deal does; if the column is filled in or emptied when a deal closes, leave it out of training",
                    display_value(&f.column),
                    display_value(&labels[i])
                ));
            }
        }
    }
}

/// Fewest deal-periods open after the last period in which any deal closed
/// for those periods to be a stretch of their own (with no close in that
/// many, closing there is rare: under 1.5 % a period at 95 %).
pub const MIN_QUIET_AT_RISK: u64 = 200;

/// The first period of every stretch of the baseline: consecutive periods
/// pooled until each stretch holds [`MIN_DEALS_PER_STRETCH`] won and as many
/// lost deals, a short last stretch joining the one before; the periods
/// after the last close are a stretch of their own when deals spent
/// [`MIN_QUIET_AT_RISK`] periods open there (deals that stay open that long
/// rarely close), else they join the last.
fn stretches(cases: &[Case]) -> Vec<u32> {
    let last = cases.iter().map(|c| c.periods).max().unwrap_or(0) as usize;
    let mut events = vec![(0u64, 0u64); last + 1];
    // Deal-periods open per period, from a difference array.
    let mut open_from = vec![0i64; last + 2];
    for c in cases {
        match c.state {
            State::Won => events[c.periods as usize].0 += 1,
            State::Lost => events[c.periods as usize].1 += 1,
            State::Open => {}
        }
        open_from[0] += 1;
        open_from[c.periods as usize] -= 1;
    }
    let last_close = events.iter().rposition(|&(w, l)| w + l > 0).unwrap_or(0);
    let mut running = 0i64;
    let mut quiet = 0u64;
    for (k, d) in open_from.iter().enumerate().take(last + 1) {
        running += d;
        if k > last_close {
            quiet += running.max(0) as u64;
        }
    }
    let mut starts = vec![0u32];
    let (mut won, mut lost) = (0, 0);
    for (k, &(w, l)) in events.iter().enumerate().take(last_close + 1) {
        won += w;
        lost += l;
        if won >= MIN_DEALS_PER_STRETCH && lost >= MIN_DEALS_PER_STRETCH && k < last_close {
            starts.push(k as u32 + 1);
            won = 0;
            lost = 0;
        }
    }
    if starts.len() > 1 && (won < MIN_DEALS_PER_STRETCH || lost < MIN_DEALS_PER_STRETCH) {
        starts.pop();
    }
    if quiet >= MIN_QUIET_AT_RISK {
        starts.push(last_close as u32 + 1);
    }
    starts
}

/// Periods at risk and closes per (deal pattern, stretch), per fold: for
/// the won chance the periods a deal stayed open or closed won, for the
/// lost chance the periods it stayed open or closed lost.
struct AtRisk {
    /// (deal pattern, stretch) of every pair.
    pairs: Vec<(u32, u32)>,
    /// Per fold and pair: [periods open, won closes, lost closes].
    by_fold: Vec<Vec<[f64; 3]>>,
    /// Deal-periods open per stretch (all folds).
    stretch_at_risk: Vec<u64>,
    /// Won and lost deals per stretch.
    stretch_events: Vec<(u64, u64)>,
}

impl AtRisk {
    fn count(
        cases: &[Case],
        deals: &Design,
        starts: &[u32],
        fold_of: &[usize],
        folds: usize,
    ) -> AtRisk {
        let mut index: FxHashMap<(u32, u32), usize> = FxHashMap::default();
        let mut out = AtRisk {
            pairs: Vec::new(),
            by_fold: vec![Vec::new(); folds],
            stretch_at_risk: vec![0; starts.len()],
            stretch_events: vec![(0, 0); starts.len()],
        };
        let stretch_of =
            |k: u64| -> usize { starts.iter().rposition(|&s| u64::from(s) <= k).unwrap_or(0) };
        for (i, c) in cases.iter().enumerate() {
            let p = deals.row_pattern(i) as u32;
            let f = fold_of[i];
            let mut add = |s: usize, what: usize, n: f64, out: &mut AtRisk| {
                let slot = *index.entry((p, s as u32)).or_insert_with(|| {
                    out.pairs.push((p, s as u32));
                    for b in &mut out.by_fold {
                        b.push([0.0; 3]);
                    }
                    out.pairs.len() - 1
                });
                out.by_fold[f][slot][what] += n;
            };
            // Whole periods open: 0 .. c.periods, split over the stretches.
            for (s, &from) in starts.iter().enumerate() {
                let from = u64::from(from);
                let to = starts.get(s + 1).map_or(u64::MAX, |&t| u64::from(t));
                let open = c.periods.min(to).saturating_sub(from);
                if open > 0 {
                    add(s, 0, open as f64, &mut out);
                    out.stretch_at_risk[s] += open;
                }
            }
            let s = stretch_of(c.periods);
            match c.state {
                State::Won => {
                    add(s, 1, 1.0, &mut out);
                    out.stretch_events[s].0 += 1;
                }
                State::Lost => {
                    add(s, 2, 1.0, &mut out);
                    out.stretch_events[s].1 += 1;
                }
                State::Open => {}
            }
        }
        out
    }

    /// The design of the pairs (each deal pattern's attributes, then its
    /// stretch as one more column) and the pattern of every pair.
    fn design(
        &self,
        deals: &Design,
        attributes: &[usize],
        n_stretches: usize,
    ) -> Result<(Design, Vec<usize>)> {
        let mut starts = Vec::with_capacity(attributes.len());
        let mut offset = 0u32;
        for &a in attributes {
            starts.push(offset);
            offset += a as u32;
        }
        let mut slots: Vec<Vec<u32>> =
            vec![Vec::with_capacity(self.pairs.len()); attributes.len() + 1];
        for &(p, s) in &self.pairs {
            for (j, &g) in deals.pattern(p as usize).iter().enumerate() {
                slots[j].push(g - starts[j]);
            }
            slots[attributes.len()].push(s);
        }
        let mut all = attributes.to_vec();
        all.push(n_stretches);
        let design = Design::from_slots(&slots, &all, None)?;
        let patterns = (0..self.pairs.len())
            .map(|i| design.row_pattern(i))
            .collect();
        Ok((design, patterns))
    }

    /// Won (or, with `lost`, lost) closes and periods at risk per pattern,
    /// of one fold or of all.
    fn counts(&self, patterns: &[usize], n: usize, lost: bool, fold: Option<usize>) -> Counts {
        let mut c = Counts::zeros(n);
        // A close of the other kind ends the deal's time at risk of this
        // one: that period is not counted.
        let event = if lost { 2 } else { 1 };
        for (f, block) in self.by_fold.iter().enumerate() {
            if fold.is_some_and(|x| x != f) {
                continue;
            }
            for (i, v) in block.iter().enumerate() {
                let p = patterns[i];
                c.won[p] += v[event];
                c.total[p] += v[0] + v[event];
            }
        }
        c
    }
}
