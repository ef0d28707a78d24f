//! The event types a model learned ([`EventTerms`]) and a lead's *activity*:
//! per event type, the decayed count of its events before its as-of time at
//! the type's learned half-life. Activity travels with the leads as numeric
//! columns named [`activity_column`] (and, for explanations, a text column
//! [`recent_column`] with the count and the newest ages), so scoring,
//! explaining and qualifying read it as they read any column.
//!
//! A lead's points from an event type are `points_at_0 × activity`: one
//! event just now scores `points_at_0`, one event a half-life ago half of it,
//! and a lead without events of the type scores 0 from it.

use serde::{Deserialize, Serialize};

use super::{DecayedCounts, EventColumns, EventTally};
use crate::data::{Table, Values};
use crate::error::{Error, Result};

/// The activity column of an event type: its decayed count per lead.
pub fn activity_column(event: &str) -> String {
    format!("event:{event}")
}

/// The text column of an event type that explanations show: "2 events, 3
/// and 5 days ago".
pub fn recent_column(event: &str) -> String {
    format!("event:{event}:recent")
}

/// Newest events per lead and type an explanation names.
pub const RECENT_SHOWN: usize = 3;

/// One event type a model learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTerm {
    /// The event type.
    pub event: String,
    /// Log-odds added by one event just now (an older one adds
    /// `weight × 0.5^(age / half_life_days)`).
    pub weight: f64,
    /// Standard error of the weight, from the penalised fit's curvature.
    pub standard_error: f64,
    /// The age in days at which an event's points halve.
    pub half_life_days: f64,
    /// The half-lives the deals do not reject (a profile-likelihood 95 %
    /// interval over the searched half-lives): low, and high (`None` when
    /// no searched half-life, up to the longest, is rejected).
    pub half_life_interval_days: (f64, Option<f64>),
    /// Training deals with at least one event of the type before their as-of time.
    pub training_leads: u64,
    /// Won training deals among them.
    pub training_won: u64,
    /// Events of the type counted in training.
    pub training_events: u64,
}

impl EventTerm {
    /// Points of one event just now on a scale of `factor` points per log-odds.
    pub fn points_at_0(&self, factor: f64) -> f64 {
        factor * self.weight
    }
}

/// The event log a model learned from: the as-of column of the deals, the
/// log's columns, and one [`EventTerm`] per event type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTerms {
    /// The deals' (and leads') as-of time column: only events strictly
    /// before it count. Not a feature.
    pub as_of: String,
    /// The event log's columns.
    pub log: EventColumns,
    /// The event types, in the order learned.
    pub terms: Vec<EventTerm>,
}

/// What reading leads' events found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivityReport {
    /// What happened to the events.
    pub tally: EventTally,
    /// Event types the model never saw in training, with their events,
    /// most first (not counted; the first 100 names).
    pub unknown_types: Vec<(String, usize)>,
}

impl ActivityReport {
    /// The warning to show when events of types never seen in training were
    /// left out, if any were.
    pub fn warning(&self) -> Option<String> {
        if self.tally.unknown_type == 0 {
            return None;
        }
        let names: Vec<String> = self
            .unknown_types
            .iter()
            .take(5)
            .map(|(t, n)| format!("{} ({n})", crate::error::display_value(t)))
            .collect();
        Some(format!(
            "{} event(s) of types never seen in training were not counted: {}",
            self.tally.unknown_type,
            names.join(", ")
        ))
    }
}

impl EventTerms {
    /// Decayed counts for `leads` (id, as-of time) at the model's
    /// half-lives, only the model's event types counted, keeping the
    /// newest `recent` events per lead and type.
    pub fn counts<I: AsRef<str>, T: AsRef<str>>(
        &self,
        leads: &[(I, T)],
        recent: usize,
    ) -> Result<DecayedCounts> {
        let types: Vec<(&str, Vec<f64>)> = self
            .terms
            .iter()
            .map(|t| (t.event.as_str(), vec![t.half_life_days]))
            .collect();
        Ok(DecayedCounts::new(leads, &self.log, &self.as_of, &[1.0])?
            .with_type_half_lives(&types)?
            .with_recent(recent))
    }

    /// Adds the activity columns (and, with `recent`, the explanation text
    /// columns) of every event type to `leads`, row `r` being lead
    /// `lead_of_row(r)` of `counts` (made by [`EventTerms::counts`]; `None`:
    /// no events). Errors if `leads` already holds such a column.
    pub fn attach(
        &self,
        leads: &mut Table,
        counts: &DecayedCounts,
        lead_of_row: &dyn Fn(usize) -> Option<usize>,
        recent: bool,
    ) -> Result<()> {
        let n = leads.n_rows();
        for term in &self.terms {
            let Some(e) = counts.event_index(&term.event) else {
                return Err(Error::Internal {
                    what: format!("counts without event type {:?}", term.event),
                });
            };
            let name = activity_column(&term.event);
            if leads.column(&name).is_some() {
                return Err(Error::DuplicateColumn { column: name });
            }
            let values: Vec<Option<f64>> = (0..n)
                .map(|r| Some(lead_of_row(r).map_or(0.0, |l| counts.value(l, e, 0))))
                .collect();
            leads.set_column(&name, Values::Number(values))?;
            if recent {
                let text: Vec<Option<String>> = (0..n)
                    .map(|r| {
                        lead_of_row(r)
                            .map(|l| describe(counts.count(l, e), &counts.recent_ages_days(l, e)))
                    })
                    .collect();
                leads.set_column(&recent_column(&term.event), Values::Text(text))?;
            }
        }
        Ok(())
    }
}

impl EventTerms {
    /// Each lead's (id, as-of time) key: the id in `id_column`, the as-of
    /// time in the model's as-of column when the leads carry it and the
    /// cell is not empty, else `at`. A lead without an id is a row error.
    pub fn lead_keys(
        &self,
        leads: &Table,
        id_column: &str,
        at: &str,
    ) -> Result<Vec<(String, String)>> {
        let ids = leads.require(id_column)?;
        let times = leads.column(&self.as_of);
        let mut errors = crate::error::RowErrors::default();
        let keys = (0..leads.n_rows())
            .map(|r| {
                let id = ids.text(r).map(|s| s.into_owned()).unwrap_or_else(|| {
                    errors.push(leads.first_row() + r, id_column, "", "missing");
                    String::new()
                });
                let time = times
                    .and_then(|t| t.text(r))
                    .map_or_else(|| at.to_string(), |s| s.into_owned());
                (id, time)
            })
            .collect();
        errors.into_result()?;
        Ok(keys)
    }
}

impl crate::Model {
    /// Adds to `leads` their activity from the event log `log` (see the
    /// module documentation): only events strictly before each lead's as-of
    /// time count (the model's as-of column when the leads carry it, else
    /// `at`, else now; dates or date-times in the one date grammar), at
    /// each type's learned half-life; with `recent`, also the text columns
    /// explanations show. Events of types the model never saw are left out
    /// and reported. Nothing is added for a model without events.
    ///
    /// ```
    /// use leadscore::model::events::EventColumns;
    /// use leadscore::{synthetic, Model};
    /// let s = synthetic::events::deals_with_events(3_000, 5);
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["closed_at", "deal_value"]).l2(1.0)
    ///     .fit_with_events(&s.deals.table, &s.events, "created_at", &EventColumns::new("deal_id"))
    ///     .unwrap();
    /// let mut leads = s.deals.table.clone();
    /// let report = model.attach_activity(&mut leads, &s.events, None, true).unwrap();
    /// assert!(report.tally.counted > 0);
    /// let why = &model.explain(&leads, 3).unwrap()[0];
    /// let sum: f64 = why.contributions.iter().map(|c| c.points).sum();
    /// assert!((why.base_points + sum - why.points).abs() < 1e-9);
    /// ```
    pub fn attach_activity(
        &self,
        leads: &mut Table,
        log: &Table,
        at: Option<&str>,
        recent: bool,
    ) -> Result<ActivityReport> {
        let (Some(events), Some(id)) = (self.events(), self.id_column()) else {
            return Ok(ActivityReport::default());
        };
        let now = crate::util::time::now_rfc3339();
        let keys = events.lead_keys(leads, id, at.unwrap_or(&now))?;
        let mut counts = events.counts(&keys, if recent { RECENT_SHOWN } else { 0 })?;
        counts.add(log, &events.log)?;
        let lead_of_row = |r: usize| Some(r);
        events.attach(leads, &counts, &lead_of_row, recent)?;
        Ok(ActivityReport {
            tally: counts.tally(),
            unknown_types: counts.unknown_types(),
        })
    }
}

impl crate::Model {
    /// Adds to one lead its activity from its own events, given as (event
    /// type, timestamp) pairs: as [`crate::Model::attach_activity`] does for
    /// a table (only events strictly before the lead's as-of time: its cell
    /// of the model's as-of column, else `at`, else now), with the text
    /// [`crate::Model::explain_one`] shows. For a service that holds a
    /// lead's recent events and scores it on its own. Nothing is added for a
    /// model without events; a timestamp that cannot be read is an error
    /// naming its position (1-based) and value.
    ///
    /// ```
    /// use leadscore::model::events::EventColumns;
    /// use leadscore::data::lead::Lead;
    /// use leadscore::{synthetic, Model};
    /// let s = synthetic::events::deals_with_events(3_000, 5);
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["closed_at", "deal_value"]).l2(1.0)
    ///     .fit_with_events(&s.deals.table, &s.events, "created_at", &EventColumns::new("deal_id"))
    ///     .unwrap();
    /// // A lead as a service holds it (the first deal's columns), scored
    /// // on 2 June 2025 with its own events.
    /// let t = &s.deals.table;
    /// let mut lead = Lead::new();
    /// for c in t.column_names().iter().filter(|c| *c != "created_at") {
    ///     lead.set(c.as_str(), t.cell(0, c).unwrap().map(|v| v.into_owned()).unwrap_or_default());
    /// }
    /// let mut quiet = lead.clone();
    /// let events = [("demo_request", "2025-06-01T09:30:00Z"), ("webinar", "2025-05-20")];
    /// model.attach_lead_events(&mut lead, &events, Some("2025-06-02")).unwrap();
    /// let why = model.explain_one(&lead, 20).unwrap();
    /// assert!(why.contributions.iter().any(|c| c.attribute == "1 event, 0.6 days ago"));
    /// model.attach_lead_events(&mut quiet, &[] as &[(&str, &str)], Some("2025-06-02")).unwrap();
    /// assert!(model.score_one(&lead).unwrap().points > model.score_one(&quiet).unwrap().points);
    /// ```
    pub fn attach_lead_events<E: AsRef<str>, T: AsRef<str>>(
        &self,
        lead: &mut crate::data::lead::Lead,
        events: &[(E, T)],
        at: Option<&str>,
    ) -> Result<ActivityReport> {
        use crate::data::lead::Cell;
        let (Some(terms), Some(id)) = (self.events(), self.id_column()) else {
            return Ok(ActivityReport::default());
        };
        let now = crate::util::time::now_rfc3339();
        let as_of = lead
            .text(&terms.as_of, &|c| self.boolean_spelling(c))
            .unwrap_or_else(|| at.unwrap_or(&now).to_string());
        let key = lead
            .text(id, &|c| self.boolean_spelling(c))
            .unwrap_or_else(|| "lead".to_string());
        let mut counts = terms.counts(&[(key.as_str(), as_of.as_str())], RECENT_SHOWN)?;
        let rows: Vec<Vec<&str>> = events
            .iter()
            .map(|(e, t)| vec![key.as_str(), e.as_ref(), t.as_ref()])
            .collect();
        let header = [
            terms.log.id.as_str(),
            terms.log.event.as_str(),
            terms.log.timestamp.as_str(),
        ];
        let log = Table::from_rows(&header, &rows)?;
        let mut columns = terms.log.clone();
        columns.value = None;
        counts.add(&log, &columns)?;
        for term in &terms.terms {
            let Some(e) = counts.event_index(&term.event) else {
                continue;
            };
            lead.set(
                activity_column(&term.event),
                Cell::Number(counts.value(0, e, 0)),
            );
            let text = describe(counts.count(0, e), &counts.recent_ages_days(0, e));
            lead.set(recent_column(&term.event), Cell::Text(text));
        }
        Ok(ActivityReport {
            tally: counts.tally(),
            unknown_types: counts.unknown_types(),
        })
    }
}

/// "no events", "1 event, 3 days ago", "2 events, 3 and 5 days ago", "7
/// events, the newest 1, 2 and 4 days ago".
pub fn describe(count: u32, newest_days: &[f64]) -> String {
    if count == 0 {
        return "no events".into();
    }
    let ages: Vec<String> = newest_days.iter().map(|&d| days(d)).collect();
    let list = match ages.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let noun = if count == 1 { "event" } else { "events" };
    if ages.is_empty() {
        format!("{count} {noun}")
    } else if (count as usize) > ages.len() {
        format!("{count} {noun}, the newest {list} days ago")
    } else {
        format!("{count} {noun}, {list} days ago")
    }
}

fn days(d: f64) -> String {
    if d < 10.0 {
        let s = format!("{d:.1}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    } else {
        format!("{d:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_the_count_and_the_newest_ages() {
        assert_eq!(describe(0, &[]), "no events");
        assert_eq!(describe(1, &[3.0]), "1 event, 3 days ago");
        assert_eq!(describe(2, &[3.0, 5.25]), "2 events, 3 and 5.2 days ago");
        assert_eq!(
            describe(7, &[1.0, 2.0, 40.4]),
            "7 events, the newest 1, 2 and 40 days ago"
        );
    }
}
