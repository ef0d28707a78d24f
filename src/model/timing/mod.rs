//! When a deal closes, and how: a discrete-time competing-risk model of
//! won, lost and still-open deals.
//!
//! Time since a deal was created is cut into periods (a week by default).
//! In every period a deal still open closes won, closes lost, or stays open,
//! with the chances of a multinomial logit against staying open:
//!
//! ```text
//! η_won  = intercept + baseline_won[period]  + Σ_columns w_won[attribute]
//! η_lost = lost_intercept + baseline_lost[period] + Σ_columns w_lost[attribute]
//! P(won in the period | open) = e^η_won / (1 + e^η_won + e^η_lost)
//! ```
//!
//! Each of the two is fitted as its own weighted L2 logistic regression on
//! the deals' periods at risk ("individualised" regressions of Begg and
//! Gray): the won one on the periods a deal stayed open or closed won, the
//! lost one on the periods it stayed open or closed lost. A deal still open
//! counts every whole period it has been open for and no outcome, so open
//! deals are what they are: not yet won and not yet lost, for so long.
//!
//! The model's points are those of the won chance per period: the same
//! scorecard, one point value per attribute, plus the baseline curve over
//! time since creation ([`Timing::periods`]). Within a period the chances
//! are spread evenly in time (a constant rate), so a lead open for 10 days
//! gets its chance of winning within the next 90 days exactly, not rounded
//! to whole periods.

use serde::{Deserialize, Serialize};

mod at_risk;
pub mod card;
mod cases;
pub mod fit;
pub mod score;
pub use at_risk::{MIN_DEALS_PER_STRETCH, MIN_QUIET_AT_RISK};
pub use card::{ScorecardStretch, ScorecardTiming};
pub use score::{Chance, LeadOutlook, TimingScores};

/// Default length of a period in days.
pub const DEFAULT_PERIOD_DAYS: u32 = 7;

/// Default horizon, in days, of the chance of winning within a horizon.
pub const DEFAULT_HORIZON_DAYS: u32 = 90;

/// Longest time, in days, that [`Timing::outlook`] looks ahead for the
/// median close (ten years): a lead whose deals close slower has none.
pub const MAX_OUTLOOK_DAYS: f64 = 3650.0;

/// One stretch of the baseline curve: consecutive periods pooled so that
/// each stretch holds enough won and lost deals to be learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First period (0-based, counted from creation) of the stretch; it
    /// lasts until the next stretch's first period, the last one forever.
    pub from_period: u32,
    /// Log-odds of closing won per period, added to the model's intercept
    /// (0 for the first stretch).
    pub won: f64,
    /// Log-odds of closing lost per period, added to `lost_intercept` (0
    /// for the first stretch).
    pub lost: f64,
    /// Periods the training deals spent open in this stretch (deal-periods).
    pub at_risk: u64,
    /// Training deals won in this stretch.
    pub won_deals: u64,
    /// Training deals lost in this stretch.
    pub lost_deals: u64,
}

/// How many training deals of each kind a time model saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingDeals {
    /// Deals closed won on or before the as-of date.
    pub won: u64,
    /// Deals closed lost on or before the as-of date.
    pub lost: u64,
    /// Deals still open at the as-of date (closed later, or not yet).
    pub open: u64,
    /// Open deals without a created date: counted, but with no time at risk
    /// they carry no information.
    pub open_without_created: u64,
    /// Deals created after the as-of date: left out (the data as it stood
    /// that day did not hold them).
    pub created_after_as_of: u64,
}

/// The time model of a [`super::Model`] trained on won, lost and open deals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// The column holding when a deal (or lead) was created.
    pub created: String,
    /// The column holding when a deal closed (empty while open).
    pub closed: String,
    /// Outcome values meaning still open.
    pub open: Vec<String>,
    /// The date the training data stood at (open deals censored there),
    /// `YYYY-MM-DD` or RFC 3339.
    pub as_of: String,
    /// Days per period.
    pub period_days: u32,
    /// Horizons (days) of the chances of winning within them, increasing.
    pub horizons_days: Vec<u32>,
    /// The baseline curve, by stretch of periods, increasing `from_period`,
    /// the first from period 0.
    pub periods: Vec<Period>,
    /// Log-odds of closing lost per period for a lead with every lost
    /// weight at 0, in the first stretch.
    pub lost_intercept: f64,
    /// Lost weights (log-odds) per feature column and attribute, in the
    /// order of the model's features.
    pub lost_weights: Vec<Vec<f64>>,
    /// The penalty of the lost fit (`None`: no column beat the lost rate).
    pub lost_l2: Option<f64>,
    /// The training deals.
    pub deals: TimingDeals,
}

/// What a time model says of one lead open for some days.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    /// The chance of winning within each of the model's horizons, from the
    /// scoring date.
    pub win_within: Vec<f64>,
    /// The chance of ever winning.
    pub win_eventually: f64,
    /// Days from the scoring date until the lead has closed (won or lost)
    /// with even chances: the median time to close; `None` when that is
    /// more than [`MAX_OUTLOOK_DAYS`] away.
    pub median_days_to_close: Option<f64>,
}

impl Timing {
    /// The stretch of period `k`.
    fn stretch(&self, k: u64) -> usize {
        self.periods
            .iter()
            .rposition(|p| u64::from(p.from_period) <= k)
            .unwrap_or(0)
    }

    /// The chances of closing won and lost per period in stretch `s`, for
    /// a lead with won log-odds `won` and lost log-odds `lost` (each in the
    /// first stretch).
    fn chances(&self, won: f64, lost: f64, s: usize) -> (f64, f64) {
        let a = won + self.periods[s].won;
        let b = lost + self.periods[s].lost;
        // e^a / (1 + e^a + e^b), computed without overflow.
        let m = a.max(b).max(0.0);
        let (ea, eb, e0) = ((a - m).exp(), (b - m).exp(), (-m).exp());
        let d = e0 + ea + eb;
        (ea / d, eb / d)
    }

    /// The outlook of a lead open for `age_days` days, with won log-odds
    /// `won` (the model's, `intercept + Σ weights`) and lost log-odds
    /// `lost` ([`Timing::lost_log_odds`]).
    ///
    /// ```
    /// use leadscore::model::timing::{Period, Timing, TimingDeals};
    /// let timing = Timing {
    ///     created: "created_at".into(), closed: "closed_at".into(), open: vec!["Open".into()],
    ///     as_of: "2025-01-01".into(), period_days: 7, horizons_days: vec![90],
    ///     periods: vec![Period { from_period: 0, won: 0.0, lost: 0.0, at_risk: 1, won_deals: 1, lost_deals: 1 }],
    ///     lost_intercept: (0.1f64 / 0.8).ln(), lost_weights: vec![], lost_l2: None,
    ///     deals: TimingDeals { won: 1, lost: 1, open: 0, open_without_created: 0, created_after_as_of: 0 },
    /// };
    /// // 10 % won, 10 % lost, 80 % still open each week: won and lost alike in the end.
    /// let o = timing.outlook((0.1f64 / 0.8).ln(), timing.lost_intercept, 3.0);
    /// assert!((o.win_eventually - 0.5).abs() < 1e-12);
    /// let weeks = 90.0 / 7.0;
    /// assert!((o.win_within[0] - 0.5 * (1.0 - 0.8f64.powf(weeks))).abs() < 1e-12);
    /// // Half closed after ln 2 / -ln 0.8 weeks.
    /// let median = 7.0 * 2f64.ln() / -(0.8f64.ln());
    /// assert!((o.median_days_to_close.unwrap() - median).abs() < 1e-9);
    /// ```
    pub fn outlook(&self, won: f64, lost: f64, age_days: f64) -> Outlook {
        let p = f64::from(self.period_days);
        let age = age_days.max(0.0);
        let mut horizons = self
            .horizons_days
            .iter()
            .map(|&h| age + f64::from(h))
            .peekable();
        let mut win_within = Vec::with_capacity(self.horizons_days.len());
        let tail_start = f64::from(self.periods.last().map_or(0, |s| s.from_period)) * p;
        let (mut t, mut survive, mut won_so_far) = (age, 1.0f64, 0.0f64);
        let mut median = None;
        loop {
            let k = (t / p).floor();
            let s = self.stretch(k as u64);
            let (pw, pl) = self.chances(won, lost, s);
            let q = pw + pl;
            let share = if q > 0.0 { pw / q } else { 0.0 };
            // log of surviving a whole period; -inf when q == 1.
            let stay = (1.0 - q).ln();
            let in_tail = t >= tail_start;
            // Stretches begin at period boundaries, so a period before the
            // last stretch ends at or before it.
            let end = if in_tail {
                f64::INFINITY
            } else {
                (k + 1.0) * p
            };
            // Horizons that end in this segment.
            while let Some(&h) = horizons.peek() {
                if h > end {
                    break;
                }
                let left = survive * ((h - t) / p * stay).exp();
                win_within.push(won_so_far + (survive - left) * share);
                horizons.next();
            }
            if median.is_none() && survive > 0.5 && q > 0.0 {
                // survive · e^{(x - t)/p · stay} = 1/2
                let x = t + p * (0.5 / survive).ln() / stay;
                if x <= end {
                    median = Some(x - age);
                }
            }
            if in_tail {
                won_so_far += survive * share;
                break;
            }
            let left = survive * ((end - t) / p * stay).exp();
            won_so_far += (survive - left) * share;
            survive = left;
            t = end;
        }
        Outlook {
            win_within,
            win_eventually: won_so_far.clamp(0.0, 1.0),
            median_days_to_close: median.filter(|d| *d <= MAX_OUTLOOK_DAYS),
        }
    }

    /// Lost log-odds (first stretch) of a lead from its attribute slots:
    /// `lost_intercept + Σ lost_weights[column][slot]`.
    pub fn lost_log_odds(&self, slots: impl IntoIterator<Item = usize>) -> f64 {
        slots
            .into_iter()
            .zip(&self.lost_weights)
            .fold(self.lost_intercept, |z, (i, w)| z + w[i])
    }

    /// The output column of the chance of winning within `days`.
    pub fn horizon_column(days: u32) -> String {
        format!("win_within_{days}d")
    }

    /// Why the time model is not consistent with features of these
    /// attribute counts, if it is not.
    pub(crate) fn problem(&self, attributes: &[usize]) -> Option<String> {
        let finite = |x: f64| x.is_finite() && x.abs() <= super::MAX_ABS_WEIGHT;
        if self.period_days == 0 {
            return Some("periods of 0 days".into());
        }
        if self.horizons_days.is_empty()
            || self.horizons_days.windows(2).any(|w| w[0] >= w[1])
            || self.horizons_days[0] == 0
        {
            return Some(format!(
                "horizons {:?} (at least one, above 0 days, increasing)",
                self.horizons_days
            ));
        }
        if self.periods.first().map(|p| p.from_period) != Some(0)
            || self
                .periods
                .windows(2)
                .any(|w| w[0].from_period >= w[1].from_period)
            || self
                .periods
                .iter()
                .any(|p| !finite(p.won) || !finite(p.lost))
        {
            return Some("a baseline whose stretches do not start at period 0, increase and hold finite log-odds".into());
        }
        if !finite(self.lost_intercept) {
            return Some(format!("a lost intercept of {}", self.lost_intercept));
        }
        if self.lost_weights.len() != attributes.len()
            || self
                .lost_weights
                .iter()
                .zip(attributes)
                .any(|(w, &n)| w.len() != n || w.iter().any(|x| !finite(*x)))
        {
            return Some(
                "lost weights that do not match the feature columns' attributes, or are not finite"
                    .into(),
            );
        }
        if crate::util::time::parse_timestamp(&self.as_of).is_none() {
            return Some(format!("an as-of date {:?} that is not a date", self.as_of));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(periods: Vec<Period>) -> Timing {
        Timing {
            created: "c".into(),
            closed: "d".into(),
            open: vec!["Open".into()],
            as_of: "2025-01-01".into(),
            period_days: 7,
            horizons_days: vec![7, 30, 90],
            periods,
            lost_intercept: -2.0,
            lost_weights: vec![],
            lost_l2: None,
            deals: TimingDeals {
                won: 0,
                lost: 0,
                open: 0,
                open_without_created: 0,
                created_after_as_of: 0,
            },
        }
    }

    fn stretch(from_period: u32, won: f64, lost: f64) -> Period {
        Period {
            from_period,
            won,
            lost,
            at_risk: 0,
            won_deals: 0,
            lost_deals: 0,
        }
    }

    /// The outlook walked day by day with the same per-period chances.
    fn by_days(t: &Timing, won: f64, lost: f64, age: f64, horizon: f64) -> f64 {
        let steps = 20_000;
        let dt = horizon / steps as f64;
        let (mut s, mut w) = (1.0, 0.0);
        for i in 0..steps {
            let x = age + (i as f64 + 0.5) * dt;
            let (pw, pl) = t.chances(won, lost, t.stretch((x / 7.0).floor() as u64));
            let q = pw + pl;
            let left = s * (1.0 - q).powf(dt / 7.0);
            w += (s - left) * pw / q;
            s = left;
        }
        w
    }

    #[test]
    fn outlook_matches_a_fine_walk_across_stretches() {
        let t = timing(vec![
            stretch(0, 0.0, 0.0),
            stretch(2, 0.7, -0.3),
            stretch(5, -0.4, 0.5),
        ]);
        for age in [0.0, 3.5, 13.0, 40.0] {
            let o = t.outlook(-2.5, -2.0, age);
            for (h, got) in [7.0, 30.0, 90.0].iter().zip(&o.win_within) {
                let want = by_days(&t, -2.5, -2.0, age, *h);
                assert!(
                    (got - want).abs() < 1e-4,
                    "age {age} h {h}: {got} vs {want}"
                );
            }
            let ever = by_days(&t, -2.5, -2.0, age, 3000.0);
            assert!((o.win_eventually - ever).abs() < 1e-4);
            assert!(o.win_within.windows(2).all(|w| w[0] <= w[1]));
            assert!(o.win_within[2] <= o.win_eventually);
        }
        // Later stretches lose more: a lead already open 40 days wins less.
        assert!(
            t.outlook(-2.5, -2.0, 40.0).win_eventually < t.outlook(-2.5, -2.0, 0.0).win_eventually
        );
    }

    #[test]
    fn no_close_means_no_median() {
        let t = timing(vec![stretch(0, 0.0, 0.0)]);
        let o = t.outlook(-900.0, -900.0, 0.0);
        assert_eq!(o.median_days_to_close, None);
        assert!(o.win_eventually < 1e-12);
    }
}
