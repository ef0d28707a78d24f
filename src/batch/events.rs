//! An event log file read in batches into decayed counts (see
//! [`crate::model::events`]): memory grows with the leads and event types,
//! never with the events.

use std::path::Path;

use super::source::Source;
use crate::data::Table;
use crate::error::{fail_on_rows, Result};
use crate::model::events::terms::{ActivityReport, RECENT_SHOWN};
use crate::model::events::{DecayedCounts, EventColumns, EventTally};
use crate::Model;

/// The leads of a file and their activity from an event log file, read
/// before a batch job scores them: one pass over the leads' ids (and as-of
/// times), one over the log. Memory grows with the leads and the model's
/// event types, never with the events.
#[derive(Debug, Clone)]
pub struct Activity {
    counts: DecayedCounts,
    recent: bool,
}

impl Activity {
    /// Reads the activity of the leads of `leads` (CSV or Parquet) from the
    /// event log `events` (CSV or Parquet) for `model`: each lead's as-of
    /// time is the model's as-of column when the file has it and the cell is
    /// not empty, else `at`, else now. With `recent`, explanations can name
    /// each lead's newest events. The log is read on `threads` workers (0:
    /// every core; see [`add_event_file`]). `None` for a model without
    /// events.
    pub fn read(
        model: &Model,
        leads: &Path,
        events: &Path,
        at: Option<&str>,
        batch_rows: usize,
        threads: usize,
        recent: bool,
    ) -> Result<Option<(Activity, ActivityReport)>> {
        let (Some(terms), Some(id)) = (model.events(), model.id_column()) else {
            return Ok(None);
        };
        if let Some(t) = at {
            if crate::util::time::parse_timestamp(t).is_none() {
                return Err(crate::Error::InvalidParameter {
                    name: "at".into(),
                    value: t.to_string(),
                    reason: format!("not a date ({})", crate::util::time::DATE_GRAMMAR),
                });
            }
        }
        let header = super::column_names(leads)?;
        let mut names = vec![id.to_string()];
        if header.contains(&terms.as_of) && terms.as_of != id {
            names.push(terms.as_of.clone());
        }
        let now = crate::util::time::now_rfc3339();
        let at = at.unwrap_or(&now);
        let mut keys = Vec::new();
        let mut source = Source::open(leads, &names, batch_rows)?;
        while let Some(raw) = source.next_batch()? {
            let decoded = raw.decode(&names, &[id])?;
            fail_on_rows(decoded.errors)?;
            keys.extend(terms.lead_keys(&decoded.table, id, at)?);
        }
        let mut counts = terms.counts(&keys, if recent { RECENT_SHOWN } else { 0 })?;
        drop(keys);
        add_event_file(events, &mut counts, &terms.log, batch_rows, threads)?;
        let report = ActivityReport {
            tally: counts.tally(),
            unknown_types: counts.unknown_types(),
        };
        Ok(Some((Activity { counts, recent }, report)))
    }

    /// Adds the activity columns of `model`'s event types to a batch of the
    /// leads (each row found by its id).
    pub fn attach(&self, model: &Model, batch: &mut Table) -> Result<()> {
        let (Some(terms), Some(id)) = (model.events(), model.id_column()) else {
            return Ok(());
        };
        let ids = batch.require(id)?;
        let rows: Vec<Option<usize>> = (0..batch.n_rows())
            .map(|r| ids.text(r).and_then(|v| self.counts.lead_index(&v)))
            .collect();
        terms.attach(batch, &self.counts, &|r| rows[r], self.recent)
    }
}

/// Adds every event of the log `path` (CSV or Parquet, by extension; the
/// `columns` must be there) to `counts`, `batch_rows` rows at a time, and
/// returns what happened to the events read so far. Batches are read and
/// resolved on `threads` workers (0: every core) and added in file order,
/// so the counts are the same, bit for bit, whatever the threads. A bad row
/// is an error naming its row (in the file), column and value.
///
/// ```
/// use leadscore::batch::add_event_file;
/// use leadscore::model::events::{DecayedCounts, EventColumns};
/// let dir = std::env::temp_dir().join(format!("leadscore-doc-events-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("events.csv");
/// std::fs::write(&path, "lead_id,event,timestamp\nL1,demo_request,2024-03-09\nL1,demo_request,2024-03-11\n").unwrap();
/// let columns = EventColumns::new("lead_id");
/// let mut counts = DecayedCounts::new(&[("L1", "2024-03-10")], &columns, "created_at", &[1.0]).unwrap();
/// let tally = add_event_file(&path, &mut counts, &columns, 8_192, 0).unwrap();
/// assert_eq!((tally.counted, tally.at_or_after_as_of), (1, 1));
/// assert_eq!(counts.value(0, 0, 0), 0.5);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn add_event_file(
    path: &Path,
    counts: &mut DecayedCounts,
    columns: &EventColumns,
    batch_rows: usize,
    threads: usize,
) -> Result<EventTally> {
    let names = columns.names();
    let source = Source::open(path, &names, batch_rows)?;
    let leads = counts.lead_times();
    // Ids and times are mostly distinct: kept as text, not dictionaries.
    let text = [columns.id.as_str(), columns.timestamp.as_str()];
    let process = |raw: super::source::RawBatch| {
        let decoded = raw.decode(&names, &text)?;
        fail_on_rows(decoded.errors)?;
        leads.resolve(&decoded.table, columns)
    };
    super::pipeline::run(source, threads, &process, |batch| {
        counts.apply(batch);
        Ok(())
    })?;
    Ok(counts.tally())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::events::deals_with_events;

    #[test]
    fn a_file_read_in_small_batches_counts_exactly_as_the_whole_log() {
        let s = deals_with_events(400, 9);
        let dir = std::env::temp_dir().join(format!("leadscore-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.csv");
        let mut csv = Vec::new();
        s.events.write_csv(&mut csv).unwrap();
        std::fs::write(&path, csv).unwrap();
        let t = &s.deals.table;
        let leads: Vec<(String, String)> = (0..t.n_rows())
            .map(|r| {
                let cell = |c: &str| t.cell(r, c).unwrap().unwrap().into_owned();
                (cell("deal_id"), cell("created_at"))
            })
            .collect();
        let columns = EventColumns::new("deal_id");
        let fresh = || DecayedCounts::new(&leads, &columns, "created_at", &[1.0, 30.0]).unwrap();
        let mut whole = fresh();
        whole.add(&s.events, &columns).unwrap();
        let mut streamed = fresh();
        let tally = add_event_file(&path, &mut streamed, &columns, 97, 2).unwrap();
        assert_eq!(tally, whole.tally());
        assert!(tally.counted > 0 && tally.at_or_after_as_of > 0);
        assert_eq!(streamed.event_types(), whole.event_types());
        for lead in 0..leads.len() {
            for e in 0..whole.event_types().len() {
                for h in 0..2 {
                    assert_eq!(
                        streamed.value(lead, e, h).to_bits(),
                        whole.value(lead, e, h).to_bits()
                    );
                }
            }
        }
        // A bad timestamp names its row in the file.
        std::fs::write(
            &path,
            "deal_id,event,timestamp\nD000001,webinar,2024-01-01\nD000002,webinar,someday\n",
        )
        .unwrap();
        let err = add_event_file(&path, &mut fresh(), &columns, 1, 1).unwrap_err();
        assert!(
            err.to_string().contains("row 2") && err.to_string().contains("someday"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
