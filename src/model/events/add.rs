//! Adding a batch of the event log to decayed counts, in two steps: each
//! row resolved against the leads (its lead, its age at the lead's as-of
//! time; read-only, so batches resolve on any number of threads), then the
//! resolved events added in order (so the sums are the same, bit for bit,
//! whatever the threads).

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{DecayedCounts, EventColumns};
use crate::data::{Table, Values};
use crate::error::{Result, RowErrors};
use crate::util::time::{parse_timestamp, DATE_GRAMMAR};

/// The leads of decayed counts: each id's position and each lead's as-of
/// time. Fixed once made, shared with the threads that resolve batches.
#[derive(Debug, Default)]
pub struct LeadTimes {
    /// Lead index and as-of time of each id (found together: one memory
    /// access per event).
    pub(super) index: super::index::IdIndex,
    /// As-of time of each lead (seconds since 1970).
    pub(super) as_of: Vec<i64>,
}

/// One event of a batch that may count: its lead, the batch's own index of
/// its type, its time and age (seconds) and its amount.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    lead: u32,
    event: u32,
    secs: i64,
    age: i64,
    amount: f64,
}

/// A batch of the event log resolved against the leads
/// ([`DecayedCounts::resolve`]), ready to be added
/// ([`DecayedCounts::apply`]).
#[derive(Debug, Default)]
pub struct ResolvedBatch {
    events: Vec<Resolved>,
    /// The batch's event type names, indexed by `Resolved::event`.
    types: Vec<String>,
    at_or_after_as_of: usize,
    unknown_lead: usize,
}

impl LeadTimes {
    /// Resolves a batch of the log (rows numbered from
    /// [`Table::first_row`]). A missing id, type or timestamp, a timestamp
    /// that cannot be read, or a value that is not a finite number is a row
    /// error naming row, column and value; every bad cell of the batch is
    /// reported at once.
    pub fn resolve(&self, log: &Table, columns: &EventColumns) -> Result<ResolvedBatch> {
        let ids = log.require(&columns.id)?;
        let events = log.require(&columns.event)?;
        let times = log.require(&columns.timestamp)?;
        let values = match &columns.value {
            Some(c) => Some((c, log.require(c)?)),
            None => None,
        };
        let first = log.first_row();
        let mut errors = RowErrors::default();
        let mut out = ResolvedBatch {
            events: Vec::with_capacity(log.n_rows()),
            ..ResolvedBatch::default()
        };
        // Each row's type as the batch's index of its name: a dictionary
        // column's names are each looked at once.
        let row_types: Vec<Option<u32>> = match events {
            Values::Dictionary { values, codes } => {
                out.types = values.clone();
                codes.clone()
            }
            other => {
                let mut index: FxHashMap<String, u32> = FxHashMap::default();
                (0..log.n_rows())
                    .map(|r| {
                        let name = other.text(r)?;
                        Some(match index.get(name.as_ref()) {
                            Some(&i) => i,
                            None => {
                                out.types.push(name.to_string());
                                index.insert(name.into_owned(), out.types.len() as u32 - 1);
                                out.types.len() as u32 - 1
                            }
                        })
                    })
                    .collect()
            }
        };
        let id_cells: Vec<Option<std::borrow::Cow<str>>> =
            (0..log.n_rows()).map(|r| ids.text(r)).collect();
        let id_bytes: Vec<Option<&[u8]>> = id_cells
            .iter()
            .map(|c| c.as_deref().map(str::as_bytes))
            .collect();
        let found = self.index.get_all(&id_bytes);
        for (r, &event) in row_types.iter().enumerate() {
            let (id, time) = (&id_cells[r], times.text(r));
            let row = first + r;
            if id.is_none() {
                errors.push(row, &columns.id, "", "missing");
            }
            if event.is_none() {
                errors.push(row, &columns.event, "", "missing");
            }
            let secs = match &time {
                None => {
                    errors.push(row, &columns.timestamp, "", "missing");
                    None
                }
                Some(t) => {
                    let s = parse_timestamp(t);
                    if s.is_none() {
                        let reason = format!("not a date ({DATE_GRAMMAR})");
                        errors.push(row, &columns.timestamp, t, reason);
                    }
                    s
                }
            };
            let amount = match values {
                None => Some(1.0),
                Some((name, v)) => match v.text(r) {
                    None => {
                        errors.push(row, name, "", "missing");
                        None
                    }
                    Some(t) => match t.trim().parse::<f64>() {
                        Ok(x) if x.is_finite() => Some(x),
                        _ => {
                            errors.push(row, name, &t, "not a finite number");
                            None
                        }
                    },
                },
            };
            let (Some(_), Some(event), Some(secs), Some(amount)) = (id, event, secs, amount) else {
                continue;
            };
            let Some((lead, as_of)) = found[r] else {
                out.unknown_lead += 1;
                continue;
            };
            let age = as_of.saturating_sub(secs);
            if age <= 0 {
                out.at_or_after_as_of += 1;
                continue;
            }
            out.events.push(Resolved {
                lead,
                event,
                secs,
                age,
                amount,
            });
        }
        errors.into_result()?;
        Ok(out)
    }
}

impl DecayedCounts {
    /// The leads and their as-of times, to resolve batches elsewhere (on
    /// other threads) while these counts take the batches resolved before.
    pub fn lead_times(&self) -> Arc<LeadTimes> {
        Arc::clone(&self.leads)
    }

    /// Resolves a batch of the event log against these counts' leads (see
    /// [`LeadTimes`]); [`DecayedCounts::apply`] adds it.
    pub fn resolve(&self, log: &Table, columns: &EventColumns) -> Result<ResolvedBatch> {
        self.leads.resolve(log, columns)
    }

    /// Adds a resolved batch: each event strictly before its lead's as-of
    /// time adds its decayed amount to its lead and type (types outside a
    /// fixed list are tallied as unknown), in the batch's row order.
    pub fn apply(&mut self, batch: ResolvedBatch) {
        self.tally.at_or_after_as_of += batch.at_or_after_as_of;
        self.tally.unknown_lead += batch.unknown_lead;
        // The batch's types as these counts' (a new one taken, in training,
        // when an event of it first counts).
        let mut types: Vec<Option<Option<usize>>> = vec![None; batch.types.len()];
        // A first pass finds each event's type and only loads its cell
        // (independent loads, which the processor overlaps): the second,
        // which adds, finds the cells in its cache.
        let mut event_types = Vec::with_capacity(batch.events.len());
        let mut touched = 0.0;
        for ev in &batch.events {
            let known = *types[ev.event as usize]
                .get_or_insert_with(|| self.type_of(&batch.types[ev.event as usize]));
            if let Some(t) = known {
                touched += self.values[t][ev.lead as usize * (self.rates[t].len() + 1)];
            }
            event_types.push(known);
        }
        std::hint::black_box(touched);
        let k = self.keep_recent;
        for (ev, known) in batch.events.into_iter().zip(event_types) {
            let Some(t) = known else {
                self.tally.unknown_type += 1;
                let name = &batch.types[ev.event as usize];
                let known = self.unknown_types.len();
                match self.unknown_types.get_mut(name.as_str()) {
                    Some(n) => *n += 1,
                    None if known < 100 => {
                        self.unknown_types.insert(name.clone(), 1);
                    }
                    None => {}
                }
                continue;
            };
            let lead = ev.lead as usize;
            let rates = &self.rates[t];
            // A lead's cell: its counts, then its number of events.
            let stride = rates.len() + 1;
            let cell = &mut self.values[t][lead * stride..(lead + 1) * stride];
            for (v, rate) in cell.iter_mut().zip(rates) {
                *v += ev.amount * (rate * ev.age as f64).exp();
            }
            cell[stride - 1] += 1.0;
            if k > 0 {
                let newest = &mut self.recent[t][lead * k..(lead + 1) * k];
                if let Some(i) = newest.iter().position(|&x| ev.secs > x) {
                    newest[i..].rotate_right(1);
                    newest[i] = ev.secs;
                }
            }
            self.tally.counted += 1;
        }
    }

    /// Adds a batch of the event log (rows numbered from
    /// [`Table::first_row`]): [`DecayedCounts::resolve`], then
    /// [`DecayedCounts::apply`]. A missing id, type or timestamp, or a
    /// timestamp that cannot be read, is a row error naming row, column and
    /// value; nothing of the batch is counted then.
    pub fn add(&mut self, log: &Table, columns: &EventColumns) -> Result<()> {
        let batch = self.resolve(log, columns)?;
        self.apply(batch);
        Ok(())
    }
}
