//! Touches and deals in two stages, so that batches of millions of rows
//! resolve on worker threads: a [`Resolver`] (read-only: the lead ids and
//! created-at times) turns a batch into leads, times and problems; the
//! [`Applier`] adds resolved batches to the tally, in file order.

use rustc_hash::FxHashMap;

use super::tally::{
    Lead, Ledger, Names, Outcome, BAD_OUTCOME, BAD_TIME, BEFORE_CREATED, CLOSED_BEFORE,
    EMPTY_TOUCH, ID_EMPTY, NONE, NO_TIME, UNKNOWN_LEAD,
};
use super::{InputFile, OutcomeTally};
use crate::data::{Table, Values};
use crate::error::Result;
use crate::util::time::parse_timestamp;

/// A row that could not be used, before it is counted.
#[derive(Debug)]
struct Problem {
    row: usize,
    column: String,
    value: String,
    what: &'static str,
}

/// One usable touch.
#[derive(Debug, Clone, Copy)]
struct Touch {
    lead: u32,
    at: i64,
    /// Into the batch's owners, or `NONE`.
    owner: u32,
    /// Into the batch's reasons, or `NONE`.
    reason: u32,
}

/// A batch of touches resolved to leads.
#[derive(Debug)]
pub struct TouchBatch {
    rows: usize,
    touches: Vec<Touch>,
    owners: Vec<String>,
    reasons: Vec<String>,
    has_owner: bool,
    problems: Vec<Problem>,
}

/// A batch of deals resolved to leads.
#[derive(Debug)]
pub struct DealBatch {
    rows: usize,
    deals: Vec<(u32, Outcome)>,
    problems: Vec<Problem>,
}

/// The read-only stage: resolves batches to leads (see the module docs).
#[derive(Debug)]
pub struct Resolver<'a> {
    ids: &'a FxHashMap<Box<str>, u32>,
    created: &'a [i64],
    id: &'a str,
    outcome: &'a str,
    won: Vec<String>,
    lost: Vec<String>,
    open: Vec<String>,
}

/// The stage that adds resolved batches to the tally.
#[derive(Debug)]
pub struct Applier<'a> {
    leads: &'a mut [Lead],
    owners: &'a mut Names,
    reasons: &'a mut Names,
    ledger: &'a mut Ledger,
    touches_have_owner: &'a mut bool,
}

impl OutcomeTally {
    /// The two stages of adding touches and deals: resolve batches with the
    /// first (on any thread), add them with the second, in file order. Call
    /// after every decision.
    pub fn stages(&mut self) -> (Resolver<'_>, Applier<'_>) {
        let norm =
            |v: &[String]| -> Vec<String> { v.iter().map(|s| s.trim().to_lowercase()).collect() };
        (
            Resolver {
                ids: &self.ids,
                created: &self.created,
                id: &self.options.id,
                outcome: &self.options.outcome,
                won: norm(&self.options.won),
                lost: norm(&self.options.lost),
                open: norm(&self.options.open),
            },
            Applier {
                leads: &mut self.leads,
                owners: &mut self.owners,
                reasons: &mut self.reasons,
                ledger: &mut self.ledger,
                touches_have_owner: &mut self.touches_have_owner,
            },
        )
    }
}

/// Codes of a batch's text column, each distinct value stored once.
fn codes(values: Option<&Values>, n: usize) -> (Vec<u32>, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    let mut index: FxHashMap<String, u32> = FxHashMap::default();
    let mut out = vec![NONE; n];
    let Some(v) = values else {
        return (out, names);
    };
    if let Values::Dictionary { values, codes } = v {
        // Each distinct value once: empty ones stay NONE.
        let map: Vec<u32> = values
            .iter()
            .map(|s| {
                let s = s.trim();
                if s.is_empty() {
                    NONE
                } else {
                    *index.entry(s.to_string()).or_insert_with(|| {
                        names.push(s.to_string());
                        names.len() as u32 - 1
                    })
                }
            })
            .collect();
        for (o, c) in out.iter_mut().zip(codes) {
            *o = c.map_or(NONE, |c| map[c as usize]);
        }
        return (out, names);
    }
    for (r, o) in out.iter_mut().enumerate() {
        if let Some(s) = v.text(r) {
            let s = s.trim();
            if !s.is_empty() {
                *o = *index.entry(s.to_string()).or_insert_with(|| {
                    names.push(s.to_string());
                    names.len() as u32 - 1
                });
            }
        }
    }
    (out, names)
}

impl Resolver<'_> {
    fn lead(&self, ids: &Values, r: usize, row: usize, problems: &mut Vec<Problem>) -> Option<u32> {
        let problem = |value: &str, what| Problem {
            row,
            column: self.id.to_string(),
            value: value.to_string(),
            what,
        };
        let Some(id) = ids.text(r).filter(|s| !s.trim().is_empty()) else {
            problems.push(problem("", ID_EMPTY));
            return None;
        };
        match self.ids.get(id.trim()) {
            Some(&i) => Some(i),
            None => {
                problems.push(problem(id.trim(), UNKNOWN_LEAD));
                None
            }
        }
    }

    /// Resolves a batch of touches: the id column and `touched_at`, and
    /// `owner` and `reason` when the batch has them.
    pub fn touches(&self, table: &Table) -> Result<TouchBatch> {
        let ids = table.require(self.id)?;
        let at = table.require("touched_at")?;
        let n = table.n_rows();
        let (owner, owners) = codes(table.column("owner"), n);
        let (reason, reasons) = codes(table.column("reason"), n);
        let mut touches = Vec::with_capacity(n);
        let mut problems = Vec::new();
        for r in 0..n {
            let row = table.first_row() + r;
            let Some(lead) = self.lead(ids, r, row, &mut problems) else {
                continue;
            };
            let problem = |value: &str, what| Problem {
                row,
                column: "touched_at".into(),
                value: value.to_string(),
                what,
            };
            let Some(text) = at.text(r).filter(|s| !s.trim().is_empty()) else {
                problems.push(problem("", EMPTY_TOUCH));
                continue;
            };
            let Some(t) = parse_timestamp(&text) else {
                problems.push(problem(text.trim(), BAD_TIME));
                continue;
            };
            let created = self.created[lead as usize];
            if created != NO_TIME && t < created {
                problems.push(problem(text.trim(), BEFORE_CREATED));
                continue;
            }
            touches.push(Touch {
                lead,
                at: t,
                owner: owner[r],
                reason: reason[r],
            });
        }
        Ok(TouchBatch {
            rows: n,
            touches,
            owners,
            reasons,
            has_owner: table.column("owner").is_some(),
            problems,
        })
    }

    /// Resolves a batch of deals: the id column and the outcome column, and
    /// `closed_at` when the batch has it.
    pub fn deals(&self, table: &Table) -> Result<DealBatch> {
        let ids = table.require(self.id)?;
        let outcome = table.require(self.outcome)?;
        let closed = table.column("closed_at");
        let n = table.n_rows();
        let mut deals = Vec::with_capacity(n);
        let mut problems = Vec::new();
        for r in 0..n {
            let row = table.first_row() + r;
            let Some(lead) = self.lead(ids, r, row, &mut problems) else {
                continue;
            };
            let text = outcome.text(r).unwrap_or_default();
            let v = text.trim().to_lowercase();
            let o = if self.won.contains(&v) {
                Outcome::Won
            } else if self.lost.contains(&v) {
                Outcome::Lost
            } else if self.open.contains(&v) {
                Outcome::Open
            } else {
                problems.push(Problem {
                    row,
                    column: self.outcome.to_string(),
                    value: text.trim().to_string(),
                    what: BAD_OUTCOME,
                });
                continue;
            };
            if let Some(c) = closed
                .and_then(|v| v.text(r))
                .filter(|s| !s.trim().is_empty())
            {
                let problem = |what| Problem {
                    row,
                    column: "closed_at".into(),
                    value: c.trim().to_string(),
                    what,
                };
                match parse_timestamp(&c) {
                    None => {
                        problems.push(problem(BAD_TIME));
                        continue;
                    }
                    Some(t) => {
                        let created = self.created[lead as usize];
                        // A day's grace: a close date without a time is midnight.
                        if created != NO_TIME && t < created - 86_400 {
                            problems.push(problem(CLOSED_BEFORE));
                            continue;
                        }
                    }
                }
            }
            deals.push((lead, o));
        }
        Ok(DealBatch {
            rows: n,
            deals,
            problems,
        })
    }
}

impl Applier<'_> {
    fn problems(&mut self, file: InputFile, problems: Vec<Problem>) {
        for p in problems {
            self.ledger
                .problem(file, p.row, &p.column, &p.value, p.what);
        }
    }

    /// Adds a resolved batch of touches: each lead's first touch (and its
    /// owner) and its first rejection reason count.
    pub fn touches(&mut self, batch: TouchBatch) {
        self.ledger.rows.touches += batch.rows;
        *self.touches_have_owner |= batch.has_owner;
        self.problems(InputFile::Touches, batch.problems);
        let owners: Vec<u32> = batch.owners.iter().map(|o| self.owners.intern(o)).collect();
        let reasons: Vec<u32> = batch
            .reasons
            .iter()
            .map(|o| self.reasons.intern(o))
            .collect();
        let global = |codes: &[u32], c: u32| if c == NONE { NONE } else { codes[c as usize] };
        for t in batch.touches {
            let lead = &mut self.leads[t.lead as usize];
            if t.at < lead.first_touch {
                lead.first_touch = t.at;
                lead.touch_owner = global(&owners, t.owner);
            }
            if t.reason != NONE && t.at < lead.reason_time {
                lead.reason_time = t.at;
                lead.reason = global(&reasons, t.reason);
            }
        }
    }

    /// Adds a resolved batch of deals.
    pub fn deals(&mut self, batch: DealBatch) {
        self.ledger.rows.deals += batch.rows;
        self.problems(InputFile::Deals, batch.problems);
        for (lead, o) in batch.deals {
            let lead = &mut self.leads[lead as usize];
            lead.outcome = lead.outcome.max(o);
        }
    }
}
