//! Seeded synthetic decisions, touches and deals with a known speed effect,
//! for the outcomes tally (see [`crate::evidence::outcomes`]).
//!
//! Each lead has one of six points levels (−6, −2, 2, 6, 10, 14 points,
//! equally likely). Tier A (10 points and up) goes to sales with a 4-hour
//! SLA, tier B (2 points and up) to SDRs with a 1-day SLA, the rest to
//! nurture without one. Sales touch better leads sooner, also within a tier
//! (the confounding a naive comparison falls for); 5 % of the leads are
//! never touched. A lead's chance of winning is `0.05 + 0.07 × level` plus
//! the planted `speed_effect` when it was touched within its SLA; 10 % of
//! the deals are still open. Some leads are rejected by sales (more often
//! the lower ones), with a reason.
//!
//! ```
//! let s = leadscore::synthetic::touches::closed_loop(2_000, 7, 0.1);
//! assert_eq!(s.decisions.n_rows(), 2_000);
//! assert!(s.touches.n_rows() > 2_000);
//! assert_eq!(s.deals.n_rows(), 2_000);
//! ```

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::normal;
use crate::data::{Table, Values};
use crate::util::time::format_timestamp;

/// Synthetic decisions, touches and deals (see the module docs).
#[derive(Debug, Clone)]
pub struct ClosedLoop {
    /// `lead_id`, `tier`, `route`, `owner`, `sla`, `sla_due`, `points`.
    pub decisions: Table,
    /// `lead_id`, `touched_at`, `owner`, `reason` (one to three rows per
    /// touched lead, in no particular order).
    pub touches: Table,
    /// `lead_id`, `outcome` (`won`, `lost`, `open`), `closed_at`.
    pub deals: Table,
    /// The planted difference in win chance of a touch within the SLA.
    pub speed_effect: f64,
}

const REPS: [&str; 4] = ["ana", "ben", "chloe", "dev"];
const REASONS: [&str; 3] = ["no budget", "wrong contact", "student"];

/// `n` leads decided, touched and closed, seeded by `seed`, with a planted
/// `speed_effect` (see the module docs).
pub fn closed_loop(n: usize, seed: u64, speed_effect: f64) -> ClosedLoop {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x0070_c4e5);
    let start = 1_704_067_200i64; // 2024-01-01T00:00:00Z
    let mut d: [Vec<Option<String>>; 7] = Default::default();
    let mut t: [Vec<Option<String>>; 4] = Default::default();
    let mut o: [Vec<Option<String>>; 3] = Default::default();
    for i in 0..n {
        let id = format!("L{:07}", i + 1);
        let level = rng.gen_range(0..6u32);
        let points = 4.0 * f64::from(level) - 6.0;
        let (tier, route, team, sla_h) = match level {
            4 | 5 => ("A", "sales", "sales", Some(4i64)),
            2 | 3 => ("B", "sdr", "sdr", Some(24)),
            _ => ("C", "nurture", "marketing", None),
        };
        let created = start + rng.gen_range(0..180 * 86_400i64);
        d[0].push(Some(id.clone()));
        d[1].push(Some(tier.into()));
        d[2].push(Some(route.into()));
        d[3].push(Some(team.into()));
        d[4].push(sla_h.map(|h| format!("{h}h")));
        d[5].push(sla_h.map(|h| format_timestamp(created + h * 3_600)));
        d[6].push(Some(format!("{points:.2}")));
        // Better leads sooner: the upper level of each tier nearly four times faster.
        let scale = sla_h.unwrap_or(72) as f64;
        let upper = level % 2 == 1;
        let mu = if upper { -0.8 } else { 0.5 };
        let touched = rng.gen::<f64>() >= 0.05;
        let mut within = false;
        if touched {
            let hours = scale * (mu + 0.9 * normal(&mut rng)).exp();
            let first = created + (hours * 3_600.0).round() as i64;
            within = sla_h.is_some_and(|h| first <= created + h * 3_600);
            let rep = REPS[rng.gen_range(0..REPS.len())];
            let reject = rng.gen::<f64>() < 0.12 - 0.02 * f64::from(level);
            let extra = rng.gen_range(0..3);
            // The first touch, then later ones (a rejection on the last).
            for k in 0..=extra {
                let at = first + k as i64 * rng.gen_range(3_600..10 * 86_400i64);
                t[0].push(Some(id.clone()));
                t[1].push(Some(format_timestamp(at)));
                t[2].push(Some(rep.into()));
                t[3].push(
                    (reject && k == extra)
                        .then(|| REASONS[rng.gen_range(0..REASONS.len())].to_string()),
                );
            }
        }
        let p = 0.05 + 0.07 * f64::from(level) + if within { speed_effect } else { 0.0 };
        let outcome = if rng.gen::<f64>() < 0.10 {
            "open"
        } else if rng.gen::<f64>() < p.clamp(0.0, 1.0) {
            "won"
        } else {
            "lost"
        };
        o[0].push(Some(id));
        o[1].push(Some(outcome.into()));
        o[2].push(
            (outcome != "open").then(|| {
                format_timestamp(created + rng.gen_range(7..120) * 86_400)[..10].to_string()
            }),
        );
    }
    let table = |names: &[&str], cols: Vec<Vec<Option<String>>>| {
        Table::from_columns(
            names
                .iter()
                .map(|n| n.to_string())
                .zip(cols.into_iter().map(Values::Text))
                .collect(),
        )
        .expect("synthetic columns of equal length")
    };
    ClosedLoop {
        decisions: table(
            &[
                "lead_id", "tier", "route", "owner", "sla", "sla_due", "points",
            ],
            d.into(),
        ),
        touches: table(&["lead_id", "touched_at", "owner", "reason"], t.into()),
        deals: table(&["lead_id", "outcome", "closed_at"], o.into()),
        speed_effect,
    }
}
