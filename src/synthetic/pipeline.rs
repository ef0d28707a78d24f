//! A synthetic pipeline of won, lost and still-open deals with a known
//! time to close, for the time model ([`crate::model::timing`]).
//!
//! Each week a deal is open it closes won, closes lost or stays open with
//! the chances of a multinomial logit against staying open:
//!
//! - won: `−3.4 + effects + won_week(k)`, the effects those of
//!   [`super::deals`] (without its intercept); `won_week` is −1.2 in the
//!   first two weeks (deals are rarely won that fast), 0 until week 20 and
//!   −0.4 after;
//! - lost: `−3.1 + lost effects + lost_week(k)`: a Student +0.9, an
//!   Individual Contributor +0.3, a Purchased List +0.6, the Phone channel
//!   −0.3; `lost_week` is +0.4 in the first four weeks (early
//!   disqualification), 0 after;
//!
//! and it closes on a day of its closing week drawn evenly. Deals are
//! created evenly over the 540 days up to the as-of date; a deal that
//! closes after it is `Open` with no close date, as a CRM export that day
//! shows it (about 40 % of the last six months' deals). The deals' true
//! outcomes and close dates are kept beside the table, to check forecasts
//! against what happened.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Attributes, DealColumns};
use crate::data::Table;
use crate::util::time::parse_timestamp;

/// Won log-odds per week at zero effects, in the weeks after the first two.
pub const WON_BASE: f64 = -3.4;
/// Lost log-odds per week at zero effects, after the first four weeks.
pub const LOST_BASE: f64 = -3.1;

/// The true won and lost log-odds per week of a deal with effects `won`
/// and `lost`, in week `k` (0-based) since it was created.
pub fn weekly_log_odds(won: f64, lost: f64, k: u64) -> (f64, f64) {
    let won_week = match k {
        0 | 1 => -1.2,
        2..=19 => 0.0,
        _ => -0.4,
    };
    let lost_week = if k < 4 { 0.4 } else { 0.0 };
    (WON_BASE + won + won_week, LOST_BASE + lost + lost_week)
}

/// A deal's true end: won or lost, on which day (days since 1970).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrueClose {
    /// Whether it is won.
    pub won: bool,
    /// The day it closes.
    pub day: i64,
}

/// Synthetic deals as they stood on a date, and how each really ended.
#[derive(Debug, Clone)]
pub struct SyntheticPipeline {
    /// Columns of [`super::deals`], with `stage` (`Won`, `Lost` or `Open`)
    /// in place of `outcome` and `closed_at` empty while open.
    pub table: Table,
    /// Per row: how the deal really ended (for an open deal, after the
    /// as-of date).
    pub truth: Vec<TrueClose>,
    /// The as-of date, as days since 1970.
    pub as_of_day: i64,
}

/// `n` deals from `seed` as they stood on `as_of` (a date in the one date
/// grammar; anything else is an error).
///
/// ```
/// let p = leadscore::synthetic::pipeline(2_000, 3, "2025-06-30").unwrap();
/// let stage = p.table.column("stage").unwrap();
/// let open = (0..2_000).filter(|&r| stage.text(r).as_deref() == Some("Open")).count();
/// assert!(open > 100 && open < 600, "{open}");
/// ```
pub fn pipeline(n: usize, seed: u64, as_of: &str) -> crate::Result<SyntheticPipeline> {
    let as_of_day = parse_timestamp(as_of)
        .ok_or_else(|| crate::Error::InvalidParameter {
            name: "as_of".into(),
            value: as_of.to_string(),
            reason: format!("not a date ({})", crate::util::time::DATE_GRAMMAR),
        })?
        .div_euclid(86_400);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut columns = DealColumns::with_capacity(n);
    let mut truth = Vec::with_capacity(n);
    for i in 0..n {
        let a = Attributes::draw(&mut rng);
        let lost_effect = match a.seniority {
            "Student" => 0.9,
            "Individual Contributor" => 0.3,
            _ => 0.0,
        } + if a.source == "Purchased List" {
            0.6
        } else {
            0.0
        } + if a.channel == "Phone" { -0.3 } else { 0.0 };
        let value = a.deal_value(&mut rng);
        let created = as_of_day - rng.gen_range(0..540);
        // Week by week until it closes (at most ten years).
        let mut close = TrueClose {
            won: false,
            day: created + 3650,
        };
        for k in 0..522u64 {
            let (w, l) = weekly_log_odds(a.effect, lost_effect, k);
            let (ew, el) = (w.exp(), l.exp());
            let d = 1.0 + ew + el;
            let u: f64 = rng.gen();
            if u < (ew + el) / d {
                close = TrueClose {
                    won: u < ew / d,
                    day: created + 7 * k as i64 + rng.gen_range(0..7),
                };
                break;
            }
        }
        truth.push(close);
        let closed_by_then = close.day <= as_of_day;
        let stage = match (closed_by_then, close.won) {
            (false, _) => "Open",
            (true, true) => "Won",
            (true, false) => "Lost",
        };
        columns.push(
            format!("P{:06}", i + 1),
            &a,
            value,
            created,
            closed_by_then.then_some(close.day),
            stage,
        );
    }
    let table = columns.into_table("stage");
    Ok(SyntheticPipeline {
        table,
        truth,
        as_of_day,
    })
}
