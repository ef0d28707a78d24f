//! Learning each event type's fade from the deals: per event type, the
//! decayed count at one half-life is a numeric column of the fitting
//! engine's design, and the half-life is searched per type over
//! [`search_half_lives`] (1/2 day to 2.8 years, eight per doubling) by the
//! penalised likelihood, one type at a time with the others fixed, until no
//! type moves. With every half-life fixed the fit is the engine's convex
//! weighted logistic regression. The half-life's interval is the profile
//! likelihood's: the half-lives whose best fit is within 1.92 (χ²₁ 95 % / 2)
//! of the best.

use linfa::dataset::DatasetBase;
use linfa::prelude::*;

use super::{DecayedCounts, EventColumns, EventTerm, EventTerms};
use crate::data::Table;
use crate::error::{Error, Result};
use crate::model::design::{Counts, Design};
use crate::model::logistic::{weight_variances, LogisticFit, LogisticParams};
use crate::model::{Model, ModelParams};

/// The half-lives searched, in days: 2^(k/8) / 2 for k = 0..=88 (0.5 to
/// 1,024, eight per doubling).
pub fn search_half_lives() -> Vec<f64> {
    (0..=88).map(|k| 0.5 * 2f64.powf(k as f64 / 8.0)).collect()
}

/// Where each type's search starts: the searched half-life nearest 14 days.
const START: usize = 38;

/// The coarse pass of the search tries every `COARSE`-th half-life (one per doubling).
const COARSE: usize = 8;

/// The decayed counts of training deals over [`search_half_lives`] (or the
/// one half-life `fixed`, see [`ModelParams::event_half_life_days`]): lead
/// `r` is row `r` of `deals` (its id in `columns.id`, its as-of time in
/// `as_of`), every event type taken as it comes. Add the log with
/// [`DecayedCounts::add`] (or a file with `batch::add_event_file`), then fit
/// with [`crate::ModelParams::fit_with_counts`].
pub fn training_counts(
    deals: &Table,
    as_of: &str,
    columns: &EventColumns,
    fixed: Option<f64>,
) -> Result<DecayedCounts> {
    let ids = deals.require(&columns.id)?;
    let times = deals.require(as_of)?;
    let first = deals.first_row();
    let mut errors = crate::error::RowErrors::default();
    let mut leads = Vec::with_capacity(deals.n_rows());
    for r in 0..deals.n_rows() {
        let id = ids.text(r).map(|s| s.into_owned());
        let at = times.text(r).map(|s| s.into_owned());
        if id.is_none() {
            errors.push(first + r, &columns.id, "", "missing");
        }
        if at.is_none() {
            errors.push(first + r, as_of, "", "missing");
        }
        leads.push((id.unwrap_or_default(), at.unwrap_or_default()));
    }
    errors.into_result()?;
    DecayedCounts::new(&leads, columns, as_of, &fit_half_lives(fixed)?)
}

/// The half-lives the counts of a fit hold: the searched ones, or the one
/// fixed half-life.
fn fit_half_lives(fixed: Option<f64>) -> Result<Vec<f64>> {
    match fixed {
        Some(h) if h.is_finite() && h > 0.0 => Ok(vec![h]),
        Some(h) => Err(Error::InvalidParameter {
            name: "event_half_life_days".into(),
            value: h.to_string(),
            reason: "a half-life is a positive number of days".into(),
        }),
        None => Ok(search_half_lives()),
    }
}

/// What the search found, per searched type.
pub(crate) struct Searched {
    /// The chosen half-life's index in [`search_half_lives`].
    pub choice: Vec<usize>,
    /// The profile interval's ends, in days (`None`: not rejected up to the longest).
    pub intervals: Vec<(f64, Option<f64>)>,
    /// The numeric columns at the chosen half-lives.
    pub numeric: Vec<Vec<f64>>,
}

/// The fit shared by every candidate: the deals' attributes and outcomes.
pub(crate) struct Problem<'a> {
    pub slots: &'a [Vec<u32>],
    pub attributes: &'a [usize],
    pub won: &'a [bool],
    pub counts: &'a DecayedCounts,
    /// The event types of `counts` searched, in term order.
    pub types: &'a [usize],
    pub l2: f64,
    pub max_iterations: u64,
    pub tolerance: f64,
}

impl Problem<'_> {
    fn column(&self, t: usize, h: usize) -> Vec<f64> {
        (0..self.won.len())
            .map(|r| self.counts.value(r, self.types[t], h))
            .collect()
    }

    /// The penalised negative log-likelihood of the best fit with these
    /// numeric columns, and the fit.
    fn objective(
        &self,
        numeric: &[Vec<f64>],
        start: Option<&LogisticFit>,
    ) -> Result<(f64, LogisticFit)> {
        let design = Design::from_columns(self.slots, self.attributes, numeric, None)?;
        let counts = design.counts(self.won, None, 0..self.won.len());
        let mut params = LogisticParams::new()
            .l2(self.l2)
            .max_iterations(self.max_iterations)
            .tolerance(self.tolerance);
        if let Some(f) = start {
            params = params.initial(f.weights.clone(), f.intercept);
        }
        let fit = params.fit(&DatasetBase::new(&design, counts.clone()))?;
        let z = design.logits(&fit.weights, fit.intercept);
        let nll: f64 = z
            .iter()
            .zip(counts.total.iter().zip(&counts.won))
            .map(|(&z, (&t, &y))| t * (z.max(0.0) + (-z.abs()).exp().ln_1p()) - y * z)
            .sum();
        let penalty = 0.5 * self.l2 * fit.weights.iter().map(|w| w * w).sum::<f64>();
        Ok((nll + penalty, fit))
    }
}

/// Searches each type's half-life (see the module documentation).
pub(crate) fn search(problem: &Problem) -> Result<Searched> {
    let grid = search_half_lives();
    let k = problem.types.len();
    let mut choice = vec![START; k];
    let mut numeric: Vec<Vec<f64>> = (0..k).map(|t| problem.column(t, START)).collect();
    let (mut best, mut fit) = problem.objective(&numeric, None)?;
    // Coarse (one per doubling), then the neighbours of the best.
    let evaluate = |t: usize,
                    h: usize,
                    numeric: &mut Vec<Vec<f64>>,
                    fit: &LogisticFit|
     -> Result<(f64, LogisticFit)> {
        numeric[t] = problem.column(t, h);
        problem.objective(numeric, Some(fit))
    };
    for _round in 0..4 {
        let mut moved = false;
        for t in 0..k {
            let mut profile: Vec<Option<f64>> = vec![None; grid.len()];
            profile[choice[t]] = Some(best);
            let mut best_here = (choice[t], best, fit.clone());
            let coarse: Vec<usize> = (0..grid.len()).step_by(COARSE).collect();
            for h in coarse {
                if profile[h].is_some() {
                    continue;
                }
                let (v, f) = evaluate(t, h, &mut numeric, &best_here.2)?;
                profile[h] = Some(v);
                if v < best_here.1 {
                    best_here = (h, v, f);
                }
            }
            // Walk to neighbours while they improve.
            loop {
                let c = best_here.0;
                let mut improved = false;
                for h in [c.wrapping_sub(1), c + 1] {
                    if h >= grid.len() || profile[h].is_some() {
                        continue;
                    }
                    let (v, f) = evaluate(t, h, &mut numeric, &best_here.2)?;
                    profile[h] = Some(v);
                    if v < best_here.1 {
                        best_here = (h, v, f);
                        improved = true;
                    }
                }
                if !improved {
                    break;
                }
            }
            if best_here.0 != choice[t] {
                moved = true;
            }
            choice[t] = best_here.0;
            best = best_here.1;
            fit = best_here.2;
            numeric[t] = problem.column(t, choice[t]);
        }
        if !moved {
            break;
        }
    }
    // The profile interval of each type, the others at their choice.
    let mut intervals = Vec::with_capacity(k);
    for t in 0..k {
        let limit = best + 1.92;
        let mut ends = [None, None];
        for (side, step) in [(0usize, -1isize), (1, 1)] {
            let (mut prev_h, mut prev_v) = (choice[t], best);
            loop {
                let h = prev_h as isize + step;
                if h < 0 || h as usize >= grid.len() {
                    break;
                }
                let h = h as usize;
                let (v, _) = evaluate(t, h, &mut numeric, &fit)?;
                if v > limit {
                    // Interpolate the crossing on the log scale.
                    let share = ((limit - prev_v) / (v - prev_v)).clamp(0.0, 1.0);
                    let (a, b) = (grid[prev_h].ln(), grid[h].ln());
                    ends[side] = Some((a + share * (b - a)).exp());
                    break;
                }
                (prev_h, prev_v) = (h, v);
            }
        }
        numeric[t] = problem.column(t, choice[t]);
        intervals.push((ends[0].unwrap_or(grid[0]), ends[1]));
    }
    Ok(Searched {
        choice,
        intervals,
        numeric,
    })
}

/// An event log's decayed counts as a fit takes them.
pub(crate) struct EventInput<'a> {
    pub as_of: String,
    pub log: EventColumns,
    pub counts: &'a DecayedCounts,
    /// The types of `counts` with at least one counted event, in first-seen order.
    pub types: Vec<usize>,
    /// One half-life for every type (the counts' only one), not searched.
    pub fixed: Option<f64>,
}

impl<'a> EventInput<'a> {
    fn new(
        deals: &Table,
        counts: &'a DecayedCounts,
        as_of: &str,
        log: &EventColumns,
        fixed: Option<f64>,
    ) -> Result<EventInput<'a>> {
        let grid = fit_half_lives(fixed)?;
        let invalid = |reason: String| Error::InvalidParameter {
            name: "events".into(),
            value: format!("{} lead(s)", counts.n_leads()),
            reason,
        };
        if counts.n_leads() != deals.n_rows() {
            return Err(invalid(format!(
                "the decayed counts must be of the {} deals, row by row (see training_counts)",
                deals.n_rows()
            )));
        }
        let types: Vec<usize> = (0..counts.event_types().len())
            .filter(|&t| (0..counts.n_leads()).any(|r| counts.count(r, t) > 0))
            .collect();
        if types
            .iter()
            .any(|&t| counts.type_half_lives_days(t) != grid.as_slice())
        {
            return Err(invalid(
                "the decayed counts must be over the searched half-lives (see training_counts), or the fixed one"
                    .into(),
            ));
        }
        if types.is_empty() {
            return Err(invalid(format!(
                "no event of the log is before its deal's as-of time {} (of {} events read, {} at or after it, {} of leads that are not among the deals)",
                crate::error::display_value(as_of),
                counts.tally().counted + counts.tally().at_or_after_as_of + counts.tally().unknown_lead,
                counts.tally().at_or_after_as_of,
                counts.tally().unknown_lead
            )));
        }
        Ok(EventInput {
            as_of: as_of.to_string(),
            log: log.clone(),
            counts,
            types,
            fixed,
        })
    }

    /// Every type's column at the starting half-life.
    pub(crate) fn starting_columns(&self) -> Vec<Vec<f64>> {
        self.types
            .iter()
            .map(|&t| {
                let h = if self.fixed.is_some() { 0 } else { START };
                (0..self.counts.n_leads())
                    .map(|r| self.counts.value(r, t, h))
                    .collect()
            })
            .collect()
    }

    pub(crate) fn search(
        &self,
        slots: &[Vec<u32>],
        attributes: &[usize],
        won: &[bool],
        l2: f64,
        params: &ModelParams,
    ) -> Result<Searched> {
        if let Some(h) = self.fixed {
            let k = self.types.len();
            return Ok(Searched {
                choice: vec![0; k],
                intervals: vec![(h, Some(h)); k],
                numeric: self.starting_columns(),
            });
        }
        search(&Problem {
            slots,
            attributes,
            won,
            counts: self.counts,
            types: &self.types,
            l2,
            max_iterations: params.max_iterations,
            tolerance: params.tolerance,
        })
    }

    /// The learned terms from the final fit (its last weights are the types').
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn terms(
        &self,
        found: Searched,
        design: &Design,
        counts: &Counts,
        w: &[f64],
        b: f64,
        l2: Option<f64>,
        won: &[bool],
    ) -> Result<EventTerms> {
        let grid = fit_half_lives(self.fixed)?;
        let k = self.types.len();
        let first = w.len() - k;
        let indices: Vec<usize> = (first..w.len()).collect();
        let variances = match l2 {
            Some(l2) => weight_variances(design, counts, w, b, l2, &indices)?,
            None => vec![0.0; k],
        };
        let terms = self
            .types
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let rows = (0..self.counts.n_leads()).filter(|&r| self.counts.count(r, t) > 0);
                let (mut leads, mut won_leads, mut events) = (0u64, 0u64, 0u64);
                for r in rows {
                    leads += 1;
                    won_leads += u64::from(won[r]);
                    events += u64::from(self.counts.count(r, t));
                }
                let half_life = grid[found.choice[i]];
                let (lo, hi) = found.intervals[i];
                EventTerm {
                    event: self.counts.event_types()[t].clone(),
                    weight: w[first + i],
                    standard_error: variances[i].max(0.0).sqrt(),
                    half_life_days: half_life,
                    half_life_interval_days: (lo.min(half_life), hi.map(|h| h.max(half_life))),
                    training_leads: leads,
                    training_won: won_leads,
                    training_events: events,
                }
            })
            .collect();
        Ok(EventTerms {
            as_of: self.as_of.clone(),
            log: self.log.clone(),
            terms,
        })
    }
}

impl ModelParams {
    /// Learns a model from closed deals and their event log: besides the
    /// deals' columns, per event type its points for one event just now and
    /// its half-life (see [`crate::model::events`]). The deals carry the
    /// lead id (the model's id column, `columns.id`) and the as-of time
    /// `as_of` of each deal (not a feature): only events strictly before it
    /// count.
    ///
    /// ```
    /// use leadscore::model::events::EventColumns;
    /// use leadscore::{synthetic, Model};
    /// let s = synthetic::events::deals_with_events(3_000, 4);
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["closed_at", "deal_value"]).l2(1.0)
    ///     .fit_with_events(&s.deals.table, &s.events, "created_at", &EventColumns::new("deal_id"))
    ///     .unwrap();
    /// let demo = model.events().unwrap().terms.iter().find(|t| t.event == "demo_request").unwrap();
    /// assert!(demo.weight > 0.0);
    /// ```
    pub fn fit_with_events(
        &self,
        deals: &Table,
        log: &Table,
        as_of: &str,
        columns: &EventColumns,
    ) -> Result<Model> {
        Ok(self
            .fit_with_events_bare(deals, log, as_of, columns)?
            .with_training_rows(deals, self))
    }

    /// [`ModelParams::fit_with_events`] without the sketch of the training
    /// rows (see [`ModelParams::fit`]'s `fit_bare`).
    pub(crate) fn fit_with_events_bare(
        &self,
        deals: &Table,
        log: &Table,
        as_of: &str,
        columns: &EventColumns,
    ) -> Result<Model> {
        let mut counts = training_counts(deals, as_of, columns, self.event_half_life)?;
        counts.add(log, columns)?;
        self.fit_with_counts_bare(deals, &counts, as_of, columns)
    }

    /// As [`ModelParams::fit_with_events`], from the deals' decayed counts
    /// already read (made by [`training_counts`], the log added in batches).
    pub fn fit_with_counts(
        &self,
        deals: &Table,
        counts: &DecayedCounts,
        as_of: &str,
        columns: &EventColumns,
    ) -> Result<Model> {
        Ok(self
            .fit_with_counts_bare(deals, counts, as_of, columns)?
            .with_training_rows(deals, self))
    }

    fn fit_with_counts_bare(
        &self,
        deals: &Table,
        counts: &DecayedCounts,
        as_of: &str,
        columns: &EventColumns,
    ) -> Result<Model> {
        match &self.id {
            Some(id) if *id == columns.id => {}
            other => {
                return Err(Error::InvalidParameter {
                    name: "id".into(),
                    value: other.clone().unwrap_or_default(),
                    reason: format!(
                        "a model that learns from an event log needs the deals' id column, the event log's ({})",
                        crate::error::display_value(&columns.id)
                    ),
                })
            }
        }
        let input = EventInput::new(deals, counts, as_of, columns, self.event_half_life)?;
        self.fit_inner(deals, Some(&input))
    }
}
