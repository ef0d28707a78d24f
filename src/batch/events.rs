//! An event log file read in batches into decayed counts (see
//! [`crate::model::events`]): memory grows with the leads and event types,
//! never with the events.

use std::path::Path;

use super::source::Source;
use crate::error::Result;
use crate::model::events::{DecayedCounts, EventColumns, EventTally};

/// Adds every event of the log `path` (CSV or Parquet, by extension; the
/// `columns` must be there) to `counts`, `batch_rows` rows at a time, in
/// file order, and returns what happened to the events read so far. A bad
/// row is an error naming its row (in the file), column and value.
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
/// let tally = add_event_file(&path, &mut counts, &columns, 8_192).unwrap();
/// assert_eq!((tally.counted, tally.at_or_after_as_of), (1, 1));
/// assert_eq!(counts.value(0, 0, 0), 0.5);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn add_event_file(
    path: &Path,
    counts: &mut DecayedCounts,
    columns: &EventColumns,
    batch_rows: usize,
) -> Result<EventTally> {
    let names = columns.names();
    let mut source = Source::open(path, &names, batch_rows)?;
    while let Some(raw) = source.next_batch()? {
        let decoded = raw.decode(&names, Some(&columns.id))?;
        counts.add(&decoded.table, columns)?;
    }
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
        let tally = add_event_file(&path, &mut streamed, &columns, 97).unwrap();
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
        let err = add_event_file(&path, &mut fresh(), &columns, 1).unwrap_err();
        assert!(
            err.to_string().contains("row 2") && err.to_string().contains("someday"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
