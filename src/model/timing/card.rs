//! The time model as the scorecard shows it: the baseline curve for the
//! average training deal, stretch by stretch, and what it says of such a
//! deal on the day it is created.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Timing, TimingDeals};
use crate::model::Model;

/// One stretch of the baseline, for a deal like the average training deal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardStretch {
    /// First day (since creation) of the stretch.
    pub from_day: u64,
    /// Day the stretch ends (exclusive); `None` for the last, which lasts.
    pub to_day: Option<u64>,
    /// The chance of closing won in a period of the stretch, given open.
    pub won_per_period: f64,
    /// The chance of closing lost in a period of the stretch, given open.
    pub lost_per_period: f64,
    /// Deal-periods spent open in the stretch in training.
    pub at_risk: u64,
    /// Training deals won in the stretch.
    pub won_deals: u64,
    /// Training deals lost in the stretch.
    pub lost_deals: u64,
}

/// The time model of a scorecard: the attribute points are those of the
/// chance of closing won per period; this is the curve they move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardTiming {
    /// The date the training data stood at.
    pub as_of: String,
    /// Days per period.
    pub period_days: u32,
    /// The horizons of the chances of winning within them.
    pub horizons_days: Vec<u32>,
    /// The training deals: won, lost, open.
    pub deals: TimingDeals,
    /// The baseline, stretch by stretch.
    pub stretches: Vec<ScorecardStretch>,
    /// For the average training deal on the day it is created: the chance
    /// of winning within each horizon.
    pub average_win_within: Vec<f64>,
    /// The average training deal's chance of ever winning.
    pub average_win_eventually: f64,
    /// The average training deal's median days to close.
    pub average_median_days_to_close: Option<f64>,
}

impl Model {
    /// The won and lost log-odds (first stretch) of the average training
    /// deal: every column at its training-weighted mean weight.
    fn average_log_odds(&self, t: &Timing) -> (f64, f64) {
        let won = self.intercept() + self.features().iter().map(|f| f.center()).sum::<f64>();
        let lost =
            self.features()
                .iter()
                .zip(&t.lost_weights)
                .fold(t.lost_intercept, |z, (f, w)| {
                    let total: u64 = f.training_rows.iter().sum();
                    if total == 0 {
                        return z;
                    }
                    z + w
                        .iter()
                        .zip(&f.training_rows)
                        .map(|(w, n)| w * *n as f64)
                        .sum::<f64>()
                        / total as f64
                });
        (won, lost)
    }

    /// The scorecard's time section, for a model with a time to close.
    pub fn scorecard_timing(&self) -> Option<ScorecardTiming> {
        let t = self.timing()?;
        let (won, lost) = self.average_log_odds(t);
        let p = u64::from(t.period_days);
        let stretches = t
            .periods
            .iter()
            .enumerate()
            .map(|(s, period)| {
                let (w, l) = t.chances(won, lost, s);
                ScorecardStretch {
                    from_day: u64::from(period.from_period) * p,
                    to_day: t
                        .periods
                        .get(s + 1)
                        .map(|next| u64::from(next.from_period) * p),
                    won_per_period: w,
                    lost_per_period: l,
                    at_risk: period.at_risk,
                    won_deals: period.won_deals,
                    lost_deals: period.lost_deals,
                }
            })
            .collect();
        let o = t.outlook(won, lost, 0.0);
        Some(ScorecardTiming {
            as_of: t.as_of.clone(),
            period_days: t.period_days,
            horizons_days: t.horizons_days.clone(),
            deals: t.deals,
            stretches,
            average_win_within: o.win_within,
            average_win_eventually: o.win_eventually,
            average_median_days_to_close: o.median_days_to_close,
        })
    }
}

impl fmt::Display for ScorecardTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.deals;
        writeln!(
            f,
            "Time to close, as of {}: {} won, {} lost and {} still open deals{}.",
            self.as_of,
            d.won,
            d.lost,
            d.open,
            if d.created_after_as_of > 0 {
                format!(" ({} created later left out)", d.created_after_as_of)
            } else {
                String::new()
            }
        )?;
        writeln!(
            f,
            "Points are those of the chance of closing won each {}-day period, given the other columns; for the average deal:",
            self.period_days
        )?;
        for s in &self.stretches {
            let days = match s.to_day {
                Some(to) => format!("days {:>4} to {:<4}", s.from_day, to),
                None => format!("days {:>4} on     ", s.from_day),
            };
            writeln!(
                f,
                "  {days} won {:5.1} %  lost {:5.1} % per period   ({} won, {} lost deals closed then)",
                100.0 * s.won_per_period,
                100.0 * s.lost_per_period,
                s.won_deals,
                s.lost_deals
            )?;
        }
        let within: Vec<String> = self
            .horizons_days
            .iter()
            .zip(&self.average_win_within)
            .map(|(h, p)| format!("{:.1} % within {h} days", 100.0 * p))
            .collect();
        let median = self
            .average_median_days_to_close
            .map_or("more than ten years".to_string(), |m| {
                format!("{m:.0} days")
            });
        writeln!(
            f,
            "A new average deal: {}, {:.1} % ever; half of such deals close within {median}.",
            within.join(", "),
            100.0 * self.average_win_eventually
        )
    }
}
