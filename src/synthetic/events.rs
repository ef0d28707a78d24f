//! Synthetic deals with an activity log: behaviour over time with known
//! per-event effects and half-lives, and events after each deal's as-of
//! time that a model must never look at.
//!
//! Each deal's as-of time is its `created_at` (midnight UTC). Before it,
//! each event type `e` happens a Poisson number of times in the 180 days
//! before: demo requests and pricing views mostly in the weeks just before
//! (ages drawn from an exponential of mean 14 and 30 days, cut at 180), the
//! other types at uniform times; an event of age `a` days adds `effect(e) · 0.5^(a /
//! half_life(e))` to the deal's log-odds of winning (on top of the
//! attributes' effects of [`deals`](super::deals)). After it, in the 60 days
//! that follow, sales activity (`meeting`, `demo_request`) happens far more
//! often for deals that are won: a model that counts events after the as-of
//! time learns from the outcome itself.
//!
//! ```
//! use leadscore::synthetic::events::deals_with_events;
//! let s = deals_with_events(500, 7);
//! assert_eq!(s.deals.table.n_rows(), 500);
//! assert_eq!(s.events.column_names(), ["deal_id", "event", "timestamp"]);
//! let demo = s.effects.iter().find(|e| e.event == "demo_request").unwrap();
//! assert_eq!(demo.half_life_days, 3.0);
//! ```

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{generate, poisson, SyntheticDeals};
use crate::data::{Table, Values};
use crate::util::time::format_timestamp;

/// The true effect of one event type: its log-odds at age 0 and how fast it
/// fades (`effect · 0.5^(age / half_life_days)`).
#[derive(Debug, Clone, PartialEq)]
pub struct TrueEventEffect {
    /// The event type.
    pub event: &'static str,
    /// Log-odds of winning an event of age 0 adds.
    pub effect: f64,
    /// Days after which an event adds half as much (infinite: no fade).
    pub half_life_days: f64,
    /// Mean number of such events per deal in the 180 days before its as-of
    /// time.
    pub mean_count: f64,
}

/// Synthetic deals, their event log, and the event effects that, with the
/// attributes' effects, generated the outcomes.
#[derive(Debug, Clone)]
pub struct SyntheticEventDeals {
    /// The deals: the columns of [`deals`](super::deals) with the same seed
    /// (`created_at` is the as-of time), outcomes drawn with the events.
    pub deals: SyntheticDeals,
    /// The event log, in time order: `deal_id`, `event`, `timestamp` (RFC
    /// 3339 UTC, to the second).
    pub events: Table,
    /// The true effect of every event type before the as-of time (types
    /// without an effect included, at 0).
    pub effects: Vec<TrueEventEffect>,
}

/// Event types before the as-of time: (type, effect, half-life in days,
/// mean count in 180 days).
const EVENTS: [(&str, f64, f64, f64); 5] = [
    ("demo_request", 1.6, 3.0, 1.5),
    ("pricing_view", 0.5, 20.0, 2.0),
    ("webinar", 0.8, 60.0, 0.8),
    ("unsubscribe", -1.2, 30.0, 1.0),
    ("newsletter_open", 0.0, f64::INFINITY, 3.0),
];

/// How long before the as-of time each type's events typically happen, in
/// days (the mean of an exponential cut at [`HISTORY_DAYS`]; infinite:
/// spread evenly): demo requests and pricing views come in the weeks that
/// lead to an opportunity, webinars, unsubscribes and newsletters any time.
const TYPICAL_AGE_DAYS: [f64; 5] = [14.0, 30.0, f64::INFINITY, f64::INFINITY, f64::INFINITY];

/// Days before the as-of time in which events happen.
const HISTORY_DAYS: f64 = 180.0;
/// Days after the as-of time in which sales activity is logged.
const FUTURE_DAYS: f64 = 60.0;
const DAY: f64 = 86_400.0;

/// The true effects of the event types of [`deals_with_events`].
pub fn true_event_effects() -> Vec<TrueEventEffect> {
    EVENTS
        .iter()
        .map(
            |&(event, effect, half_life_days, mean_count)| TrueEventEffect {
                event,
                effect,
                half_life_days,
                mean_count,
            },
        )
        .collect()
}

/// Generates `n` deals and their event log from `seed`: the same seed always
/// gives the same deals and events.
pub fn deals_with_events(n: usize, seed: u64) -> SyntheticEventDeals {
    // Events draw from a generator of their own: the deals' columns stay
    // those of `deals(n, seed)`.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed_e7e1_7000_0001);
    // (deal index, seconds since 1970, event type)
    let mut log: Vec<(usize, i64, &'static str)> = Vec::new();
    let deals = generate(n, seed, &mut |i, created| {
        let as_of = created as f64 * DAY;
        let mut z = 0.0;
        for (&(event, effect, half_life, mean), &typical) in EVENTS.iter().zip(&TYPICAL_AGE_DAYS) {
            for _ in 0..poisson(&mut rng, mean) {
                // Strictly before the as-of time, at most HISTORY_DAYS before.
                let u = 1.0 - rng.gen::<f64>();
                let age_days = if typical.is_finite() {
                    -typical * (1.0 - u * (1.0 - (-HISTORY_DAYS / typical).exp())).ln()
                } else {
                    HISTORY_DAYS * u
                };
                let seconds = (as_of - age_days * DAY).floor();
                let age_days = (as_of - seconds) / DAY;
                z += effect * 0.5f64.powf(age_days / half_life);
                log.push((i, seconds as i64, event));
            }
        }
        z
    });
    // Sales activity after the as-of time, far more often for won deals.
    let outcome = deals.table.column("outcome").expect("synthetic outcome");
    let created = deals.table.column("created_at").expect("synthetic dates");
    for i in 0..n {
        let won = outcome.text(i).is_some_and(|o| o == "Won");
        let as_of = crate::util::time::parse_timestamp(&created.text(i).unwrap_or_default())
            .expect("synthetic dates parse");
        for (event, won_mean, lost_mean) in [("meeting", 2.0, 0.3), ("demo_request", 1.0, 0.2)] {
            let mean = if won { won_mean } else { lost_mean };
            for _ in 0..poisson(&mut rng, mean) {
                let after = (rng.gen::<f64>() * FUTURE_DAYS * DAY).floor() as i64;
                log.push((i, as_of + after, event));
            }
        }
    }
    log.sort_by_key(|&(i, t, _)| (t, i));
    let ids = deals.table.column("deal_id").expect("synthetic ids");
    let events = Table::from_columns(vec![
        (
            "deal_id".into(),
            Values::Text(
                log.iter()
                    .map(|&(i, _, _)| ids.text(i).map(|s| s.into_owned()))
                    .collect(),
            ),
        ),
        (
            "event".into(),
            Values::Text(log.iter().map(|&(_, _, e)| Some(e.to_string())).collect()),
        ),
        (
            "timestamp".into(),
            Values::Text(
                log.iter()
                    .map(|&(_, t, _)| Some(format_timestamp(t)))
                    .collect(),
            ),
        ),
    ])
    .expect("synthetic event columns are consistent");
    SyntheticEventDeals {
        deals,
        events,
        effects: true_event_effects(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::time::parse_timestamp;

    #[test]
    fn the_deals_are_those_of_deals_and_the_log_is_seeded() {
        let s = deals_with_events(2_000, 11);
        let plain = super::super::deals(2_000, 11).table;
        for c in plain.column_names() {
            if c != "outcome" {
                assert_eq!(s.deals.table.column(c), plain.column(c), "{c}");
            }
        }
        let again = deals_with_events(2_000, 11);
        assert_eq!(again.events, s.events);
        assert_eq!(again.deals.table, s.deals.table);
        assert_ne!(deals_with_events(2_000, 12).events, s.events);
    }

    #[test]
    fn events_before_the_as_of_time_follow_their_rates_and_after_it_the_outcome() {
        let n = 4_000;
        let s = deals_with_events(n, 3);
        let t = &s.deals.table;
        let row: std::collections::HashMap<String, usize> = (0..n)
            .map(|r| {
                (
                    t.column("deal_id").unwrap().text(r).unwrap().into_owned(),
                    r,
                )
            })
            .collect();
        let as_of: Vec<i64> = (0..n)
            .map(|r| parse_timestamp(&t.column("created_at").unwrap().text(r).unwrap()).unwrap())
            .collect();
        let won: Vec<bool> = (0..n)
            .map(|r| t.column("outcome").unwrap().text(r).unwrap() == "Won")
            .collect();
        let (mut before, mut after_won, mut after_lost) = (
            std::collections::HashMap::<String, usize>::new(),
            0usize,
            0usize,
        );
        let mut last = i64::MIN;
        for e in 0..s.events.n_rows() {
            let id = s.events.column("deal_id").unwrap().text(e).unwrap();
            let event = s
                .events
                .column("event")
                .unwrap()
                .text(e)
                .unwrap()
                .into_owned();
            let time =
                parse_timestamp(&s.events.column("timestamp").unwrap().text(e).unwrap()).unwrap();
            assert!(time >= last, "the log is in time order");
            last = time;
            let r = row[id.as_ref()];
            if time < as_of[r] {
                assert!(as_of[r] - time <= (HISTORY_DAYS * DAY) as i64);
                *before.entry(event).or_default() += 1;
            } else if won[r] {
                after_won += 1;
            } else {
                after_lost += 1;
            }
        }
        for e in true_event_effects() {
            let per_deal = before[e.event] as f64 / n as f64;
            assert!(
                (per_deal - e.mean_count).abs() < 0.1 * e.mean_count + 0.02,
                "{e:?}: {per_deal}"
            );
        }
        let n_won = won.iter().filter(|w| **w).count();
        let rate_won = after_won as f64 / n_won as f64;
        let rate_lost = after_lost as f64 / (n - n_won) as f64;
        assert!(rate_won > 4.0 * rate_lost, "{rate_won} vs {rate_lost}");
    }

    #[test]
    fn recent_strong_events_raise_the_win_rate() {
        // Deals with a demo request in the last 3 days win more often than
        // those without one before the as-of time.
        let n = 6_000;
        let s = deals_with_events(n, 5);
        let t = &s.deals.table;
        let mut recent = vec![false; n];
        let ids: std::collections::HashMap<String, usize> = (0..n)
            .map(|r| {
                (
                    t.column("deal_id").unwrap().text(r).unwrap().into_owned(),
                    r,
                )
            })
            .collect();
        for e in 0..s.events.n_rows() {
            if s.events.column("event").unwrap().text(e).unwrap() != "demo_request" {
                continue;
            }
            let r = ids[s
                .events
                .column("deal_id")
                .unwrap()
                .text(e)
                .unwrap()
                .as_ref()];
            let time =
                parse_timestamp(&s.events.column("timestamp").unwrap().text(e).unwrap()).unwrap();
            let as_of = parse_timestamp(&t.column("created_at").unwrap().text(r).unwrap()).unwrap();
            if time < as_of && as_of - time < 3 * 86_400 {
                recent[r] = true;
            }
        }
        let rate = |want: bool| {
            let rows: Vec<usize> = (0..n).filter(|&r| recent[r] == want).collect();
            let won = rows
                .iter()
                .filter(|&&r| t.column("outcome").unwrap().text(r).unwrap() == "Won")
                .count();
            won as f64 / rows.len() as f64
        };
        assert!(
            rate(true) > rate(false) + 0.1,
            "{} vs {}",
            rate(true),
            rate(false)
        );
    }
}
