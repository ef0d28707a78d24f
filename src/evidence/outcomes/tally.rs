//! The tally: decisions, touches and deals read in batches into one small
//! record per decided lead.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::{InputFile, InputRows, OutcomeOptions, Outcomes, ProblemRow};
use crate::data::{Table, Values};
use crate::error::Result;
use crate::policy::{LoggedDecision, Sla};
use crate::util::time::{parse_timestamp, DATE_GRAMMAR};

/// No time known.
pub(super) const NO_TIME: i64 = i64::MIN;
/// Not touched.
pub(super) const NO_TOUCH: i64 = i64::MAX;
/// No name.
pub(super) const NONE: u32 = u32::MAX;

/// What a lead's deals say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Outcome {
    /// No deal row.
    None,
    /// An open deal.
    Open,
    /// Lost.
    Lost,
    /// Won (any won deal wins the lead).
    Won,
}

/// One decided lead.
#[derive(Debug, Clone)]
pub(super) struct Lead {
    pub(super) tier: u32,
    pub(super) route: u32,
    pub(super) owner: u32,
    pub(super) points: f64,
    pub(super) created: i64,
    pub(super) due: i64,
    pub(super) first_touch: i64,
    pub(super) touch_owner: u32,
    pub(super) reason: u32,
    pub(super) reason_time: i64,
    pub(super) outcome: Outcome,
}

/// Names stored once each, in the order first seen.
#[derive(Debug, Default)]
pub(super) struct Names {
    index: FxHashMap<String, u32>,
    pub(super) names: Vec<String>,
}

impl Names {
    pub(super) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.index.insert(name.to_string(), i);
        self.names.push(name.to_string());
        i
    }

    pub(super) fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(String::as_str)
    }
}

/// Outcomes read in batches: every decision first, then touches and deals
/// in any order (see the [module docs](super)).
#[derive(Debug)]
pub struct OutcomeTally {
    pub(super) options: OutcomeOptions,
    pub(super) ids: FxHashMap<Box<str>, u32>,
    pub(super) leads: Vec<Lead>,
    pub(super) tiers: Names,
    pub(super) routes: Names,
    pub(super) owners: Names,
    pub(super) reasons: Names,
    /// Each tier's SLA in seconds (the first seen).
    pub(super) tier_sla: FxHashMap<u32, i64>,
    /// Tiers whose leads have differing SLAs.
    pub(super) mixed_sla: Vec<u32>,
    /// Each lead's created-at time, for the batch resolvers.
    pub(super) created: Vec<i64>,
    pub(super) ledger: Ledger,
    pub(super) touches_have_owner: bool,
}

/// What was read, and the rows that could not be used.
#[derive(Debug)]
pub(super) struct Ledger {
    pub(super) rows: InputRows,
    pub(super) counts: BTreeMap<(InputFile, &'static str), usize>,
    pub(super) examples: Vec<ProblemRow>,
    max_examples: usize,
}

impl Ledger {
    pub(super) fn problem(
        &mut self,
        file: InputFile,
        row: usize,
        column: &str,
        value: &str,
        what: &'static str,
    ) {
        *self.counts.entry((file, what)).or_insert(0) += 1;
        if self.examples.len() < self.max_examples {
            let problem = if what == BAD_TIME {
                format!("{what} ({DATE_GRAMMAR})")
            } else {
                what.to_string()
            };
            self.examples.push(ProblemRow {
                file,
                row,
                column: column.to_string(),
                value: value.to_string(),
                problem,
            });
        }
    }
}

/// One decision, as read from a table or a log line.
struct DecisionCells<'a> {
    id: Option<Cow<'a, str>>,
    tier: Option<Cow<'a, str>>,
    route: Option<Cow<'a, str>>,
    owner: Option<Cow<'a, str>>,
    sla: Option<Cow<'a, str>>,
    sla_due: Option<Cow<'a, str>>,
    points: Option<Cow<'a, str>>,
    points_number: Option<f64>,
    created: Option<Cow<'a, str>>,
}

pub(super) const ID_EMPTY: &str = "the lead id is empty";
const DUPLICATE: &str = "the lead was decided before (its first decision counts)";
const NO_TIER: &str = "the tier is empty";
const BAD_POINTS: &str = "points are not a number";
const BAD_SLA: &str = "not an SLA (15m, 4h, 2d or 1w)";
pub(super) const BAD_TIME: &str = "not a date or time";
pub(super) const UNKNOWN_LEAD: &str = "no decision for this lead";
pub(super) const EMPTY_TOUCH: &str = "the touch time is empty";
pub(super) const BEFORE_CREATED: &str = "touched before the lead was created";
pub(super) const BAD_OUTCOME: &str = "not one of the outcome values";
pub(super) const CLOSED_BEFORE: &str = "closed before the lead was created";
const UNREADABLE: &str = "the line is not a decision";

fn number_cell(v: &Values, r: usize) -> (Option<Cow<'_, str>>, Option<f64>) {
    match v {
        Values::Number(x) => (None, x[r].filter(|x| !x.is_nan())),
        v => (v.text(r), None),
    }
}

impl OutcomeTally {
    /// An empty tally.
    pub fn new(options: OutcomeOptions) -> Result<OutcomeTally> {
        options.check()?;
        let options_examples = options.examples;
        Ok(OutcomeTally {
            options,
            ids: FxHashMap::default(),
            leads: Vec::new(),
            tiers: Names::default(),
            routes: Names::default(),
            owners: Names::default(),
            reasons: Names::default(),
            tier_sla: FxHashMap::default(),
            mixed_sla: Vec::new(),
            created: Vec::new(),
            ledger: Ledger {
                rows: InputRows::default(),
                counts: BTreeMap::new(),
                examples: Vec::new(),
                max_examples: options_examples,
            },
            touches_have_owner: false,
        })
    }

    /// The options.
    pub fn options(&self) -> &OutcomeOptions {
        &self.options
    }

    fn problem(
        &mut self,
        file: InputFile,
        row: usize,
        column: &str,
        value: &str,
        what: &'static str,
    ) {
        self.ledger.problem(file, row, column, value, what);
    }

    /// Adds a batch of decisions: the id column, `tier` and `points`, and
    /// `route`, `owner`, `sla`, `sla_due` and the created-at column when the
    /// batch has them. Rows are numbered from the table's first row.
    pub fn add_decisions(&mut self, decisions: &Table) -> Result<()> {
        let id = decisions.require(&self.options.id)?;
        let tier = decisions.require("tier")?;
        let points = decisions.require("points")?;
        let route = decisions.column("route");
        let owner = decisions.column("owner");
        let sla = decisions.column("sla");
        let sla_due = decisions.column("sla_due");
        let created = match &self.options.created {
            Some(c) => Some(decisions.require(c)?),
            None => None,
        };
        for r in 0..decisions.n_rows() {
            let (points, points_number) = number_cell(points, r);
            let cells = DecisionCells {
                id: id.text(r),
                tier: tier.text(r),
                route: route.and_then(|v| v.text(r)),
                owner: owner.and_then(|v| v.text(r)),
                sla: sla.and_then(|v| v.text(r)),
                sla_due: sla_due.and_then(|v| v.text(r)),
                points,
                points_number,
                created: created.and_then(|v| v.text(r)),
            };
            self.add_decision(decisions.first_row() + r, cells);
        }
        Ok(())
    }

    /// Adds one line of a decision log (see [`crate::policy::DecisionLog`])
    /// as data row `row`. A blank line is skipped; a line that is not a
    /// decision is a problem row.
    pub fn add_decision_line(&mut self, row: usize, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let d = match LoggedDecision::parse(line) {
            Some(d) => d,
            None => {
                self.ledger.rows.decisions += 1;
                let mut shown: String = line.chars().take(60).collect();
                if shown.len() < line.len() {
                    shown.push('…');
                }
                self.problem(InputFile::Decisions, row, "(line)", &shown, UNREADABLE);
                return;
            }
        };
        let input = |c: &str| d.inputs.get(c).cloned().flatten().map(Cow::Owned);
        let id =
            d.id.clone()
                .map(Cow::Owned)
                .or_else(|| input(&self.options.id));
        let created = self.options.created.as_deref().and_then(input);
        let points = d.points.to_string();
        let cells = DecisionCells {
            id,
            tier: Some(Cow::Borrowed(&d.tier)),
            route: d.route.as_deref().map(Cow::Borrowed),
            owner: d.owner.as_deref().map(Cow::Borrowed),
            sla: d.sla.as_deref().map(Cow::Borrowed),
            sla_due: d.sla_due.as_deref().map(Cow::Borrowed),
            points: Some(Cow::Owned(points)),
            points_number: Some(d.points),
            created,
        };
        self.add_decision(row, cells);
    }

    fn add_decision(&mut self, row: usize, c: DecisionCells<'_>) {
        use InputFile::Decisions as D;
        self.ledger.rows.decisions += 1;
        let id_col = self.options.id.clone();
        let Some(id) = c.id.filter(|s| !s.trim().is_empty()) else {
            self.problem(D, row, &id_col, "", ID_EMPTY);
            return;
        };
        let id = id.trim();
        if self.ids.contains_key(id) {
            self.problem(D, row, &id_col, id, DUPLICATE);
            return;
        }
        let Some(tier) = c.tier.filter(|s| !s.trim().is_empty()) else {
            self.problem(D, row, "tier", "", NO_TIER);
            return;
        };
        let points = match (c.points_number, &c.points) {
            (Some(p), _) if p.is_finite() => p,
            (_, Some(t)) => match t.trim().parse::<f64>() {
                Ok(p) if p.is_finite() => p,
                _ => {
                    let t = t.to_string();
                    self.problem(D, row, "points", &t, BAD_POINTS);
                    return;
                }
            },
            _ => {
                self.problem(D, row, "points", "", BAD_POINTS);
                return;
            }
        };
        let sla = match c.sla.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match Sla::parse(s) {
                Some(sla) => Some(sla.seconds()),
                None => {
                    self.problem(D, row, "sla", s, BAD_SLA);
                    return;
                }
            },
        };
        let due = match c
            .sla_due
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => NO_TIME,
            Some(s) => match parse_timestamp(s) {
                Some(t) => t,
                None => {
                    self.problem(D, row, "sla_due", s, BAD_TIME);
                    return;
                }
            },
        };
        let created = match (&self.options.created, c.created.as_deref()) {
            (Some(col), Some(s)) if !s.trim().is_empty() => match parse_timestamp(s) {
                Some(t) => t,
                None => {
                    let (col, s) = (col.clone(), s.to_string());
                    self.problem(D, row, &col, &s, BAD_TIME);
                    return;
                }
            },
            (Some(_), _) => NO_TIME,
            (None, _) => match sla {
                Some(s) if due != NO_TIME => due - s,
                _ => NO_TIME,
            },
        };
        let tier = self.tiers.intern(tier.trim());
        if let Some(s) = sla {
            let first = *self.tier_sla.entry(tier).or_insert(s);
            if first != s && !self.mixed_sla.contains(&tier) {
                self.mixed_sla.push(tier);
            }
        }
        let name = |names: &mut Names, v: Option<Cow<'_, str>>| {
            v.filter(|s| !s.trim().is_empty())
                .map_or(NONE, |s| names.intern(s.trim()))
        };
        let route = name(&mut self.routes, c.route);
        let owner = name(&mut self.owners, c.owner);
        self.ids.insert(id.into(), self.leads.len() as u32);
        self.created.push(created);
        self.leads.push(Lead {
            tier,
            route,
            owner,
            points,
            created,
            due,
            first_touch: NO_TOUCH,
            touch_owner: NONE,
            reason: NONE,
            reason_time: NO_TOUCH,
            outcome: Outcome::None,
        });
    }

    /// Adds a batch of touches: the id column and `touched_at`, and `owner`
    /// and `reason` when the batch has them. Call after every decision.
    pub fn add_touches(&mut self, touches: &Table) -> Result<()> {
        let (resolver, mut applier) = self.stages();
        let batch = resolver.touches(touches)?;
        applier.touches(batch);
        Ok(())
    }

    /// Adds a batch of deals: the id column and the outcome column, and
    /// `closed_at` when the batch has it. A lead with several deals is won
    /// when any is won, else lost when any is lost, else open. Call after
    /// every decision.
    pub fn add_deals(&mut self, deals: &Table) -> Result<()> {
        let (resolver, mut applier) = self.stages();
        let batch = resolver.deals(deals)?;
        applier.deals(batch);
        Ok(())
    }

    /// Whether the touches named who touched each lead.
    pub(super) fn touches_have_owner(&self) -> bool {
        self.touches_have_owner
    }

    /// The figures (see [`Outcomes`]).
    pub fn finish(self) -> Outcomes {
        super::stats::finish(self)
    }
}
