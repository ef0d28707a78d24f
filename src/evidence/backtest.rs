//! Backtest of a time model: the deals rebuilt as they stood on past dates
//! (deals created later left out, deals closed later open then), a model
//! trained on each, and its chance of winning within the horizon for the
//! deals open that day set against what happened in the horizon after it,
//! beside a model of the closed deals only.
//!
//! ```
//! use leadscore::{evidence::backtest, synthetic, Model};
//! let deals = synthetic::pipeline(4_000, 8, "2025-06-30").unwrap().table;
//! let params = Model::params()
//!     .target("stage").positive(["Won"]).negative(["Lost"]).open(["Open"])
//!     .id("deal_id").created("created_at").closed("closed_at")
//!     .ignore(["deal_value"]).l2(3.0);
//! let b = backtest(&params, &deals, &["2025-01-31".to_string()], 90).unwrap();
//! let d = &b.dates[0];
//! assert_eq!(d.as_of, "2025-01-31");
//! assert!(d.open_deals > 100);
//! let (lo, hi) = d.predicted_interval;
//! assert!(lo <= d.predicted_wins && d.predicted_wins <= hi);
//! ```

use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::error::{Error, Result};
use crate::metrics::{brier, log_loss};
use crate::model::ModelParams;
use crate::util::time::{format_timestamp, parse_timestamp};

/// One bin of a calibration table: deals, mean predicted and realised rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Deals in the bin.
    pub deals: usize,
    /// Mean predicted chance of winning within the horizon.
    pub predicted: f64,
    /// Share of the bin's deals won within the horizon.
    pub realised: f64,
}

/// The backtest on one date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestDate {
    /// The date the deals were rebuilt as of.
    pub as_of: String,
    /// Closed deals the models trained on.
    pub closed_deals: usize,
    /// Deals open that day: the ones scored.
    pub open_deals: usize,
    /// Expected wins within the horizon among them (sum of the chances).
    pub predicted_wins: f64,
    /// A 95 % interval of the wins the model expects (normal approximation
    /// of the sum of independent wins with those chances).
    pub predicted_interval: (f64, f64),
    /// Deals open that day won within the horizon after it.
    pub realised_wins: usize,
    /// Expected wins by the closed-only model (its chance of winning, for
    /// the same deals).
    pub closed_only_predicted_wins: f64,
    /// Mean |predicted − realised| over ten bins of equal count, weighted.
    pub calibration_error: f64,
    /// The same for the closed-only model.
    pub closed_only_calibration_error: f64,
    /// Log loss of the chance within the horizon.
    pub log_loss: f64,
    /// Log loss of the closed-only model on the same outcomes.
    pub closed_only_log_loss: f64,
    /// Brier score of the chance within the horizon.
    pub brier: f64,
    /// Brier score of the closed-only model.
    pub closed_only_brier: f64,
    /// Ten bins by predicted chance.
    pub calibration: Vec<CalibrationBin>,
}

/// A backtest over several dates ([`backtest`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The horizon, in days.
    pub horizon_days: u32,
    /// One entry per date, in the order given.
    pub dates: Vec<BacktestDate>,
}

/// Bins by predicted chance (`bins` of about equal count).
pub fn calibration_bins(p: &[f64], y: &[bool], bins: usize) -> Vec<CalibrationBin> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let n = p.len();
    (0..bins)
        .filter_map(|b| {
            let bin = &order[b * n / bins..(b + 1) * n / bins];
            (!bin.is_empty()).then(|| CalibrationBin {
                deals: bin.len(),
                predicted: bin.iter().map(|&i| p[i]).sum::<f64>() / bin.len() as f64,
                realised: bin.iter().filter(|&&i| y[i]).count() as f64 / bin.len() as f64,
            })
        })
        .collect()
}

/// The count-weighted mean |predicted − realised| of calibration bins.
pub fn calibration_error(bins: &[CalibrationBin]) -> f64 {
    let n: usize = bins.iter().map(|b| b.deals).sum();
    bins.iter()
        .map(|b| b.deals as f64 * (b.predicted - b.realised).abs())
        .sum::<f64>()
        / n.max(1) as f64
}

/// Backtests the time model `params` describes (created, closed and open
/// columns named) on `deals` as they stood on each of `dates`: trains as
/// of the date, scores the deals open that day as of it, and counts those
/// won within `horizon_days` after it; beside it, a model trained on the
/// deals closed by that day alone. The file must reach `horizon_days`
/// past every date, or the outcomes are not all known yet (an error).
pub fn backtest(
    params: &ModelParams,
    deals: &Table,
    dates: &[String],
    horizon_days: u32,
) -> Result<Backtest> {
    let Some(options) = params.timing.as_ref().filter(|_| params.is_timing()) else {
        return Err(Error::InvalidParameter {
            name: "created".into(),
            value: String::new(),
            reason: "a backtest of the time to close needs the created and closed columns and the open values".into(),
        });
    };
    if dates.is_empty() {
        return Err(Error::InvalidParameter {
            name: "dates".into(),
            value: String::new(),
            reason: "a backtest needs at least one past date".into(),
        });
    }
    let created = options.created.clone().unwrap_or_default();
    let closed = options.closed.clone().unwrap_or_default();
    let mut horizons = options.horizons.clone();
    if !horizons.contains(&horizon_days) {
        horizons.push(horizon_days);
    }
    let timed = params.clone().horizons(horizons);
    // The closed-only model: the same columns, the dates not learned from.
    let mut closed_only = params.clone();
    closed_only.timing = None;
    for c in [&created, &closed] {
        if !closed_only.ignore.contains(c) {
            closed_only.ignore.push(c.clone());
        }
    }
    let mut out = Vec::with_capacity(dates.len());
    for date in dates {
        let at = parse_timestamp(date).ok_or_else(|| Error::InvalidParameter {
            name: "dates".into(),
            value: date.clone(),
            reason: format!(
                "not a date or date-time ({})",
                crate::util::time::DATE_GRAMMAR
            ),
        })?;
        let split = timed.deals_as_of(deals, date)?;
        let end = at + i64::from(horizon_days) * 86_400;
        if split.latest < end {
            return Err(Error::InvalidParameter {
                name: "dates".into(),
                value: date.clone(),
                reason: format!(
                    "the deals reach {} only: {horizon_days} days after {date} are not all known yet",
                    format_timestamp(split.latest)
                ),
            });
        }
        if split.open_rows.is_empty() {
            return Err(Error::InvalidParameter {
                name: "dates".into(),
                value: date.clone(),
                reason: "no deal was open that day".into(),
            });
        }
        let model = timed.clone().as_of_date(date.as_str()).fit_bare(deals)?;
        let open = deals.take_rows(&split.open_rows);
        let scores = model.score_as_of(&open, date)?;
        let timing = scores.timing.as_ref().ok_or_else(|| Error::Internal {
            what: "a time model scored without its outlook".into(),
        })?;
        let h = timing
            .horizons_days
            .iter()
            .position(|&d| d == horizon_days)
            .ok_or_else(|| Error::Internal {
                what: format!("horizon {horizon_days} not in the model"),
            })?;
        let p = &timing.win_within[h];
        let y: Vec<bool> = split
            .won_at
            .iter()
            .map(|w| w.is_some_and(|t| t > at && t <= end))
            .collect();
        let naive_model = closed_only.fit_bare(&deals.take_rows(&split.closed_rows))?;
        let naive = naive_model.score(&open)?.probability;
        let yf: Vec<f64> = y.iter().map(|&w| f64::from(u8::from(w))).collect();
        let bins = calibration_bins(p, &y, 10);
        let naive_bins = calibration_bins(&naive, &y, 10);
        let expected: f64 = p.iter().sum();
        let sd = p.iter().map(|q| q * (1.0 - q)).sum::<f64>().sqrt();
        out.push(BacktestDate {
            as_of: date.trim().to_string(),
            closed_deals: split.closed_rows.len(),
            open_deals: split.open_rows.len(),
            predicted_wins: expected,
            predicted_interval: ((expected - 1.96 * sd).max(0.0), expected + 1.96 * sd),
            realised_wins: y.iter().filter(|&&w| w).count(),
            closed_only_predicted_wins: naive.iter().sum(),
            calibration_error: calibration_error(&bins),
            closed_only_calibration_error: calibration_error(&naive_bins),
            log_loss: log_loss(&yf, p),
            closed_only_log_loss: log_loss(&yf, &naive),
            brier: brier(&yf, p),
            closed_only_brier: brier(&yf, &naive),
            calibration: bins,
        });
    }
    Ok(Backtest {
        horizon_days,
        dates: out,
    })
}

impl std::fmt::Display for Backtest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let h = self.horizon_days;
        writeln!(
            f,
            "Backtest: the deals as they stood on each date, a model trained on them, the deals open that day scored; wins within {h} days after it"
        )?;
        writeln!(
            f,
            "{:<12} {:>7} {:>6} {:>24} {:>9} {:>12} {:>9} {:>12}",
            "as of",
            "closed",
            "open",
            "predicted wins (95 %)",
            "realised",
            "closed-only",
            "cal. err",
            "closed-only"
        )?;
        for d in &self.dates {
            let (lo, hi) = d.predicted_interval;
            writeln!(
                f,
                "{:<12} {:>7} {:>6} {:>24} {:>9} {:>12.1} {:>9.3} {:>12.3}",
                d.as_of,
                d.closed_deals,
                d.open_deals,
                format!("{:.1} ({lo:.1} to {hi:.1})", d.predicted_wins),
                d.realised_wins,
                d.closed_only_predicted_wins,
                d.calibration_error,
                d.closed_only_calibration_error
            )?;
        }
        writeln!(
            f,
            "closed-only: a model of the deals closed by that day alone (its chance of ever winning). cal. err: mean |predicted - realised| over ten bins."
        )?;
        for d in &self.dates {
            writeln!(
                f,
                "{}: log loss {:.4} (closed-only {:.4}), Brier {:.4} (closed-only {:.4})",
                d.as_of, d.log_loss, d.closed_only_log_loss, d.brier, d.closed_only_brier
            )?;
        }
        Ok(())
    }
}
