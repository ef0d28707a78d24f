//! Behaviour over time, point in time: the event log of each lead turned
//! into decayed counts at the lead's as-of time, from events strictly before
//! it only.
//!
//! For a lead with as-of time `T` and an event of type `e` at time `t < T`
//! (age `a = (T − t)` in days), each half-life `h` of a fixed basis adds
//! `0.5^(a / h)` to the lead's count of `(e, h)`. An event at or after `T`
//! adds nothing, whatever it is: the counts of a lead (and so anything
//! learned or scored from them) never see the future. A non-negative mix of
//! the basis is any fade that is a sum of exponentials, from 1 day to a
//! year; fitting its weights per event type learns how fast each kind of
//! event stops meaning anything.
//!
//! The log is read in batches ([`DecayedCounts::add`]) in any order, one
//! accumulator per lead and basis element: memory grows with the leads and
//! event types, not with the events.
//!
//! ```
//! use leadscore::model::events::{DecayedCounts, EventColumns};
//! use leadscore::Table;
//! let leads = [("L1", "2024-03-10"), ("L2", "2024-03-10")];
//! let columns = EventColumns::new("lead_id");
//! let mut counts = DecayedCounts::new(&leads, &columns, "created_at", &[1.0, 10.0]).unwrap();
//! let log = Table::from_rows(
//!     &["lead_id", "event", "timestamp"],
//!     &[
//!         vec!["L1", "demo_request", "2024-03-09"],            // 1 day before
//!         vec!["L1", "demo_request", "2024-03-10T00:00:00Z"],  // at as-of: ignored
//!         vec!["L2", "webinar", "2024-02-29"],                 // 10 days before
//!     ],
//! ).unwrap();
//! counts.add(&log, &columns).unwrap();
//! let demo = counts.event_index("demo_request").unwrap();
//! assert_eq!(counts.value(0, demo, 0), 0.5);       // half after 1 day
//! assert!((counts.value(0, demo, 1) - 0.5f64.powf(0.1)).abs() < 1e-12);
//! let webinar = counts.event_index("webinar").unwrap();
//! assert_eq!(counts.value(1, webinar, 1), 0.5);    // half after 10 days
//! assert_eq!(counts.tally().at_or_after_as_of, 1);
//! ```

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, RowErrors};
use crate::util::time::{parse_timestamp, DATE_GRAMMAR};

mod add;
pub mod fit;
mod index;
pub mod terms;
pub use add::{LeadTimes, ResolvedBatch};
pub use terms::{EventTerm, EventTerms};

const DAY: f64 = 86_400.0;

/// The columns of an event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventColumns {
    /// The lead id (the same name as the deals' id column).
    pub id: String,
    /// The event type (`event` by default).
    pub event: String,
    /// When it happened (`timestamp` by default), in the one date grammar.
    pub timestamp: String,
    /// An optional number per event (say, minutes watched) that each event
    /// counts as instead of 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl EventColumns {
    /// The lead id column `id`, with `event` and `timestamp`.
    pub fn new(id: impl Into<String>) -> EventColumns {
        EventColumns {
            id: id.into(),
            event: "event".into(),
            timestamp: "timestamp".into(),
            value: None,
        }
    }

    /// The columns of the log a reader needs: id, event, timestamp (and
    /// value).
    pub fn names(&self) -> Vec<String> {
        let mut names = vec![self.id.clone(), self.event.clone(), self.timestamp.clone()];
        names.extend(self.value.iter().cloned());
        names
    }
}

/// What happened to the events read so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventTally {
    /// Events counted (strictly before their lead's as-of time).
    pub counted: usize,
    /// Events at or after their lead's as-of time (not counted).
    pub at_or_after_as_of: usize,
    /// Events of a lead that is not among the leads (not counted).
    pub unknown_lead: usize,
    /// Events of a type outside a fixed list of types (not counted).
    pub unknown_type: usize,
}

/// Decayed counts per lead, event type and half-life, at each lead's as-of
/// time (see the module documentation).
#[derive(Debug, Clone)]
pub struct DecayedCounts {
    /// The half-lives of a type taken as it comes.
    half_lives_days: Vec<f64>,
    /// The half-lives of each type.
    type_half_lives: Vec<Vec<f64>>,
    /// `−ln 2 / half-life` per second, per type and half-life.
    rates: Vec<Vec<f64>>,
    /// Each lead's id and as-of time.
    leads: Arc<LeadTimes>,
    /// Event types in the order first seen (or as fixed).
    types: Vec<String>,
    type_index: FxHashMap<String, u32>,
    /// Whether new types are taken (training) or counted as unknown (scoring).
    fixed_types: bool,
    /// Per type: per lead (lead-major) its `n_half_lives` decayed counts,
    /// then its number of events counted (one cell, one memory access per
    /// event).
    values: Vec<Vec<f64>>,
    /// Events per type name outside a fixed list (the first 100 names).
    unknown_types: FxHashMap<String, usize>,
    /// Newest event times kept per lead and type (0: none kept).
    keep_recent: usize,
    /// Per type: `n_leads × keep_recent` times, newest first, `i64::MIN` empty.
    recent: Vec<Vec<i64>>,
    tally: EventTally,
}

impl DecayedCounts {
    /// Counts for `leads` (id, as-of time in the one date grammar; the
    /// lead's row is its 1-based position, the columns `columns.id` and
    /// `as_of_column` in errors), over the half-lives `half_lives_days`
    /// (infinite: a plain count); event types are taken as they come.
    ///
    /// Errors: a duplicate id, an as-of time that cannot be read, or a
    /// half-life that is not a positive number.
    pub fn new<I: AsRef<str>, T: AsRef<str>>(
        leads: &[(I, T)],
        columns: &EventColumns,
        as_of_column: &str,
        half_lives_days: &[f64],
    ) -> Result<DecayedCounts> {
        check_half_lives(half_lives_days)?;
        let mut index = index::IdIndex::with_capacity(leads.len());
        let mut as_of = Vec::with_capacity(leads.len());
        let mut errors = RowErrors::default();
        for (r, (id, t)) in leads.iter().enumerate() {
            let (id, t) = (id.as_ref(), t.as_ref());
            let at = parse_timestamp(t).unwrap_or_else(|| {
                let reason = format!("not a date ({DATE_GRAMMAR})");
                errors.push(r + 1, as_of_column, t, reason);
                i64::MIN
            });
            as_of.push(at);
            if !index.insert(id.as_bytes(), r as u32, at) {
                errors.push(r + 1, &columns.id, id, "the same lead id twice");
            }
        }
        errors.into_result()?;
        Ok(DecayedCounts {
            half_lives_days: half_lives_days.to_vec(),
            type_half_lives: Vec::new(),
            rates: Vec::new(),
            leads: Arc::new(LeadTimes { index, as_of }),
            types: Vec::new(),
            type_index: FxHashMap::default(),
            fixed_types: false,
            values: Vec::new(),
            unknown_types: FxHashMap::default(),
            keep_recent: 0,
            recent: Vec::new(),
            tally: EventTally::default(),
        })
    }

    /// Only these event types are counted (those a model was trained on);
    /// events of other types are tallied as unknown.
    pub fn with_types<S: AsRef<str>>(mut self, types: &[S]) -> DecayedCounts {
        for t in types {
            self.type_of(t.as_ref());
        }
        self.fixed_types = true;
        self
    }

    /// Only these event types are counted, each at its own half-lives (a
    /// model's: one per type); events of other types are tallied as unknown.
    pub fn with_type_half_lives<S: AsRef<str>>(
        mut self,
        types: &[(S, Vec<f64>)],
    ) -> Result<DecayedCounts> {
        for (t, h) in types {
            check_half_lives(h)?;
            self.add_type(t.as_ref(), h.clone());
        }
        self.fixed_types = true;
        Ok(self)
    }

    /// Also keeps the times of the `k` newest counted events of each lead
    /// and type (for explanations: "3 and 5 days ago").
    pub fn with_recent(mut self, k: usize) -> DecayedCounts {
        self.keep_recent = k;
        self.recent = vec![vec![i64::MIN; self.leads.as_of.len() * k]; self.types.len()];
        self
    }

    fn type_of(&mut self, event: &str) -> Option<usize> {
        if let Some(&i) = self.type_index.get(event) {
            return Some(i as usize);
        }
        if self.fixed_types {
            return None;
        }
        Some(self.add_type(event, self.half_lives_days.clone()))
    }

    fn add_type(&mut self, event: &str, half_lives: Vec<f64>) -> usize {
        let i = self.types.len();
        let n = self.leads.as_of.len();
        self.types.push(event.to_string());
        self.type_index.insert(event.to_string(), i as u32);
        self.values.push(vec![0.0; n * (half_lives.len() + 1)]);
        self.rates.push(
            half_lives
                .iter()
                .map(|h| -std::f64::consts::LN_2 / (h * DAY))
                .collect(),
        );
        self.type_half_lives.push(half_lives);
        self.recent.push(vec![i64::MIN; n * self.keep_recent]);
        i
    }

    /// The event types, in the order first seen (or as fixed).
    pub fn event_types(&self) -> &[String] {
        &self.types
    }

    /// The index of an event type.
    pub fn event_index(&self, event: &str) -> Option<usize> {
        self.type_index.get(event).map(|&i| i as usize)
    }

    /// The half-lives of a type taken as it comes, in days.
    pub fn half_lives_days(&self) -> &[f64] {
        &self.half_lives_days
    }

    /// The half-lives of event type `event`, in days.
    pub fn type_half_lives_days(&self, event: usize) -> &[f64] {
        &self.type_half_lives[event]
    }

    /// The leads, in the order given.
    pub fn n_leads(&self) -> usize {
        self.leads.as_of.len()
    }

    /// The position of the lead with this id, in the order given.
    pub fn lead_index(&self, id: &str) -> Option<usize> {
        self.leads.index.get(id.as_bytes()).map(|(i, _)| i as usize)
    }

    /// The as-of time of lead `lead` (seconds since 1970, UTC).
    pub fn as_of(&self, lead: usize) -> i64 {
        self.leads.as_of[lead]
    }

    /// The decayed count of lead `lead` (in the order given), event type
    /// `event` and its half-life `h`.
    pub fn value(&self, lead: usize, event: usize, h: usize) -> f64 {
        let n_h = self.type_half_lives[event].len();
        self.values[event][lead * (n_h + 1) + h]
    }

    /// Events of type `event` counted for lead `lead`.
    pub fn count(&self, lead: usize, event: usize) -> u32 {
        let stride = self.type_half_lives[event].len() + 1;
        self.values[event][lead * stride + stride - 1] as u32
    }

    /// The ages in days of the newest events of type `event` of lead `lead`
    /// (newest first; as many as [`DecayedCounts::with_recent`] keeps).
    pub fn recent_ages_days(&self, lead: usize, event: usize) -> Vec<f64> {
        let k = self.keep_recent;
        self.recent[event][lead * k..(lead + 1) * k]
            .iter()
            .take_while(|&&t| t != i64::MIN)
            .map(|&t| (self.leads.as_of[lead] - t) as f64 / DAY)
            .collect()
    }

    /// Event types outside a fixed list (the first 100 names seen), with
    /// their events, most events first.
    pub fn unknown_types(&self) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = self
            .unknown_types
            .iter()
            .map(|(t, n)| (t.clone(), *n))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// What happened to the events read so far.
    pub fn tally(&self) -> EventTally {
        self.tally
    }
}

fn check_half_lives(half_lives_days: &[f64]) -> Result<()> {
    if half_lives_days.is_empty() || half_lives_days.iter().any(|h| h.is_nan() || *h <= 0.0) {
        return Err(Error::InvalidParameter {
            name: "half_lives_days".into(),
            value: format!("{half_lives_days:?}"),
            reason: "give one or more half-lives, each a positive number of days".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Table;
    use proptest::prelude::*;

    fn cols() -> EventColumns {
        EventColumns::new("id")
    }

    fn log(rows: &[(String, String, String)]) -> Table {
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|(a, b, c)| vec![a.as_str(), b.as_str(), c.as_str()])
            .collect();
        Table::from_rows(&["id", "event", "timestamp"], &rows).unwrap()
    }

    #[test]
    fn bad_rows_name_row_column_and_value_and_count_nothing() {
        let mut c = DecayedCounts::new(&[("a", "2024-01-10")], &cols(), "as_of", &[3.0]).unwrap();
        let t = log(&[
            ("a".into(), "x".into(), "2024-01-01".into()),
            ("a".into(), "x".into(), "last tuesday".into()),
        ])
        .with_first_row(41);
        match c.add(&t, &cols()).unwrap_err() {
            Error::InvalidRows { errors, .. } => {
                assert_eq!(errors[0].row, 42);
                assert_eq!(errors[0].column, "timestamp");
                assert_eq!(errors[0].value, "last tuesday");
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(c.tally().counted, 0);
        let twice = [("a", "2024-01-10"), ("a", "2024-01-11")];
        assert!(DecayedCounts::new(&twice, &cols(), "as_of", &[3.0]).is_err());
        match DecayedCounts::new(&[("a", "soon")], &cols(), "as_of", &[3.0]).unwrap_err() {
            Error::InvalidRows { errors, .. } => {
                assert_eq!((errors[0].row, errors[0].column.as_str()), (1, "as_of"));
                assert_eq!(errors[0].value, "soon");
            }
            e => panic!("{e:?}"),
        }
        assert!(DecayedCounts::new(&[("a", "2024-01-10")], &cols(), "as_of", &[0.0]).is_err());
    }

    #[test]
    fn fixed_types_tally_the_others_as_unknown() {
        let mut c = DecayedCounts::new(&[("a", "2024-01-10")], &cols(), "as_of", &[3.0])
            .unwrap()
            .with_types(&["demo"]);
        let t = log(&[
            ("a".into(), "demo".into(), "2024-01-07".into()),
            ("a".into(), "fax".into(), "2024-01-07".into()),
            ("b".into(), "demo".into(), "2024-01-07".into()),
        ]);
        c.add(&t, &cols()).unwrap();
        assert_eq!(c.value(0, 0, 0), 0.5);
        let tally = c.tally();
        assert_eq!(
            (tally.counted, tally.unknown_type, tally.unknown_lead),
            (1, 1, 1)
        );
        assert_eq!(c.event_types(), ["demo"]);
    }

    #[test]
    fn per_type_half_lives_counts_values_and_the_newest_events() {
        let mut columns = cols();
        columns.value = Some("minutes".into());
        let leads = [("a", "2024-01-11"), ("b", "2024-01-11")];
        let mut c = DecayedCounts::new(&leads, &columns, "as_of", &[1.0])
            .unwrap()
            .with_type_half_lives(&[("demo", vec![2.0]), ("webinar", vec![5.0, 10.0])])
            .unwrap()
            .with_recent(2);
        let t = Table::from_rows(
            &["id", "event", "timestamp", "minutes"],
            &[
                vec!["a", "demo", "2024-01-09", "1"],
                vec!["a", "demo", "2024-01-01", "1"],
                vec!["a", "demo", "2024-01-10", "1"],
                vec!["a", "webinar", "2024-01-01", "30"],
                vec!["b", "fax", "2024-01-01", "1"],
            ],
        )
        .unwrap();
        c.add(&t, &columns).unwrap();
        assert_eq!(c.type_half_lives_days(1), &[5.0, 10.0]);
        assert_eq!(c.count(0, 0), 3);
        assert_eq!(c.recent_ages_days(0, 0), vec![1.0, 2.0]);
        assert_eq!(c.recent_ages_days(1, 0), Vec::<f64>::new());
        let demo = 0.5f64.powf(0.5) + 0.5 + 0.5f64.powi(5);
        assert!((c.value(0, 0, 0) - demo).abs() < 1e-12);
        assert!((c.value(0, 1, 1) - 15.0).abs() < 1e-12);
        assert_eq!(c.tally().unknown_type, 1);
        assert_eq!(c.lead_index("b"), Some(1));
        // A value that is not a number names row, column and value.
        let bad = Table::from_rows(
            &["id", "event", "timestamp", "minutes"],
            &[vec!["a", "demo", "2024-01-09", "lots"]],
        )
        .unwrap();
        let e = c.add(&bad, &columns).unwrap_err().to_string();
        assert!(e.contains("minutes") && e.contains("lots"), "{e}");
    }

    proptest! {
        /// Events at or after a lead's as-of time change nothing in its
        /// counts, bit for bit, whatever they are and wherever they stand
        /// in the log.
        #[test]
        fn events_from_the_as_of_time_on_change_nothing(
            past in prop::collection::vec((0usize..3, 0usize..3, 1i64..5_000_000), 0..40),
            future in prop::collection::vec((0usize..3, 0usize..4, 0i64..5_000_000), 1..20),
            at in 0usize..40,
        ) {
            let leads = [("a", "2024-06-01"), ("b", "2024-06-15T12:00:00Z"), ("c", "2024-07-01")];
            let as_of: Vec<i64> = leads.iter().map(|(_, t)| parse_timestamp(t).unwrap()).collect();
            let types = ["demo", "webinar", "pricing", "brand_new"];
            let row = |lead: usize, e: usize, t: i64| {
                (leads[lead].0.to_string(), types[e].to_string(), crate::util::time::format_timestamp(t))
            };
            let before: Vec<_> = past.iter().map(|&(l, e, ago)| row(l, e, as_of[l] - ago)).collect();
            let mut with_future = before.clone();
            for (k, &(l, e, later)) in future.iter().enumerate() {
                let i = (at + k).min(with_future.len());
                with_future.insert(i, row(l, e, as_of[l] + later));
            }
            let counts = |rows: &[(String, String, String)]| {
                let mut c = DecayedCounts::new(&leads, &cols(), "as_of", &[1.0, 30.0, 365.0]).unwrap()
                    .with_types(&types);
                c.add(&log(rows), &cols()).unwrap();
                c
            };
            let (a, b) = (counts(&before), counts(&with_future));
            for lead in 0..3 {
                for e in 0..types.len() {
                    for h in 0..3 {
                        prop_assert_eq!(a.value(lead, e, h).to_bits(), b.value(lead, e, h).to_bits());
                    }
                }
            }
            prop_assert_eq!(b.tally().at_or_after_as_of, future.len());
        }
    }
}
