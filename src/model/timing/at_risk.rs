//! The periods at risk: the stretches of the baseline, and the periods
//! deals spent open and their closes merged per (pattern of attributes,
//! stretch), per fold.

use rustc_hash::FxHashMap;

use super::cases::{Case, State};
use crate::error::{display_value, Result};
use crate::model::design::{Counts, Design};

/// Fewest won and fewest lost deals a stretch of the baseline holds
/// (consecutive periods pool until both are reached).
pub const MIN_DEALS_PER_STRETCH: u64 = 20;

/// Fewest open deals holding a value no closed deal holds that are warned of.
const MIN_OPEN_ONLY: usize = 10;

/// Warns of values held by open deals and by no closed one: a column
/// filled in (or emptied) when a deal closes tells the model a deal is
/// still open, a leak the screen of closed deals cannot see.
pub(crate) fn warn_open_only(
    features: &[crate::model::Feature],
    slots: &[Vec<u32>],
    cases: &[Case],
    warnings: &mut Vec<String>,
) {
    for (f, s) in features.iter().zip(slots) {
        let mut open = vec![0usize; f.encoding.n_attributes()];
        for (c, &i) in cases.iter().zip(s) {
            if c.state == State::Open {
                open[i as usize] += 1;
            }
        }
        let labels = f.encoding.labels();
        for (i, &n) in open.iter().enumerate() {
            if n >= MIN_OPEN_ONLY && f.training_rows[i] == 0 {
                warnings.push(format!(
                    "possible leak: column {}: {n} open deals hold {} and no closed deal does; if the column is filled in or emptied when a deal closes, leave it out of training",
                    display_value(&f.column),
                    display_value(&labels[i])
                ));
            }
        }
    }
}

/// Fewest deal-periods open after the last period in which any deal closed
/// for those periods to be a stretch of their own (with no close in that
/// many, closing there is rare: under 1.5 % a period at 95 %).
pub const MIN_QUIET_AT_RISK: u64 = 200;

/// The first period of every stretch of the baseline: consecutive periods
/// pooled until each stretch holds [`MIN_DEALS_PER_STRETCH`] won and as many
/// lost deals, a short last stretch joining the one before; the periods
/// after the last close are a stretch of their own when deals spent
/// [`MIN_QUIET_AT_RISK`] periods open there (deals that stay open that long
/// rarely close), else they join the last.
pub(crate) fn stretches(cases: &[Case]) -> Vec<u32> {
    let last = cases.iter().map(|c| c.periods).max().unwrap_or(0) as usize;
    let mut events = vec![(0u64, 0u64); last + 1];
    // Deal-periods open per period, from a difference array.
    let mut open_from = vec![0i64; last + 2];
    for c in cases {
        match c.state {
            State::Won => events[c.periods as usize].0 += 1,
            State::Lost => events[c.periods as usize].1 += 1,
            State::Open => {}
        }
        open_from[0] += 1;
        open_from[c.periods as usize] -= 1;
    }
    let last_close = events.iter().rposition(|&(w, l)| w + l > 0).unwrap_or(0);
    let mut running = 0i64;
    let mut quiet = 0u64;
    for (k, d) in open_from.iter().enumerate().take(last + 1) {
        running += d;
        if k > last_close {
            quiet += running.max(0) as u64;
        }
    }
    let mut starts = vec![0u32];
    let (mut won, mut lost) = (0, 0);
    for (k, &(w, l)) in events.iter().enumerate().take(last_close + 1) {
        won += w;
        lost += l;
        if won >= MIN_DEALS_PER_STRETCH && lost >= MIN_DEALS_PER_STRETCH && k < last_close {
            starts.push(k as u32 + 1);
            won = 0;
            lost = 0;
        }
    }
    if starts.len() > 1 && (won < MIN_DEALS_PER_STRETCH || lost < MIN_DEALS_PER_STRETCH) {
        starts.pop();
    }
    if quiet >= MIN_QUIET_AT_RISK {
        starts.push(last_close as u32 + 1);
    }
    starts
}

/// Periods at risk and closes per (deal pattern, stretch), per fold: for
/// the won chance the periods a deal stayed open or closed won, for the
/// lost chance the periods it stayed open or closed lost.
pub(crate) struct AtRisk {
    /// (deal pattern, stretch) of every pair.
    pub(crate) pairs: Vec<(u32, u32)>,
    /// Per fold and pair: [periods open, won closes, lost closes].
    pub(crate) by_fold: Vec<Vec<[f64; 3]>>,
    /// Deal-periods open per stretch (all folds).
    pub(crate) stretch_at_risk: Vec<u64>,
    /// Won and lost deals per stretch.
    pub(crate) stretch_events: Vec<(u64, u64)>,
}

impl AtRisk {
    pub(crate) fn count(
        cases: &[Case],
        deals: &Design,
        starts: &[u32],
        fold_of: &[usize],
        folds: usize,
    ) -> AtRisk {
        let mut index: FxHashMap<(u32, u32), usize> = FxHashMap::default();
        let mut out = AtRisk {
            pairs: Vec::new(),
            by_fold: vec![Vec::new(); folds],
            stretch_at_risk: vec![0; starts.len()],
            stretch_events: vec![(0, 0); starts.len()],
        };
        let stretch_of =
            |k: u64| -> usize { starts.iter().rposition(|&s| u64::from(s) <= k).unwrap_or(0) };
        for (i, c) in cases.iter().enumerate() {
            let p = deals.row_pattern(i) as u32;
            let f = fold_of[i];
            let mut add = |s: usize, what: usize, n: f64, out: &mut AtRisk| {
                let slot = *index.entry((p, s as u32)).or_insert_with(|| {
                    out.pairs.push((p, s as u32));
                    for b in &mut out.by_fold {
                        b.push([0.0; 3]);
                    }
                    out.pairs.len() - 1
                });
                out.by_fold[f][slot][what] += n;
            };
            // Whole periods open: 0 .. c.periods, split over the stretches.
            for (s, &from) in starts.iter().enumerate() {
                let from = u64::from(from);
                let to = starts.get(s + 1).map_or(u64::MAX, |&t| u64::from(t));
                let open = c.periods.min(to).saturating_sub(from);
                if open > 0 {
                    add(s, 0, open as f64, &mut out);
                    out.stretch_at_risk[s] += open;
                }
            }
            let s = stretch_of(c.periods);
            match c.state {
                State::Won => {
                    add(s, 1, 1.0, &mut out);
                    out.stretch_events[s].0 += 1;
                }
                State::Lost => {
                    add(s, 2, 1.0, &mut out);
                    out.stretch_events[s].1 += 1;
                }
                State::Open => {}
            }
        }
        out
    }

    /// The design of the pairs (each deal pattern's attributes, then its
    /// stretch as one more column) and the pattern of every pair.
    pub(crate) fn design(
        &self,
        deals: &Design,
        attributes: &[usize],
        n_stretches: usize,
    ) -> Result<(Design, Vec<usize>)> {
        let mut starts = Vec::with_capacity(attributes.len());
        let mut offset = 0u32;
        for &a in attributes {
            starts.push(offset);
            offset += a as u32;
        }
        let mut slots: Vec<Vec<u32>> =
            vec![Vec::with_capacity(self.pairs.len()); attributes.len() + 1];
        for &(p, s) in &self.pairs {
            for (j, &g) in deals.pattern(p as usize).iter().enumerate() {
                slots[j].push(g - starts[j]);
            }
            slots[attributes.len()].push(s);
        }
        let mut all = attributes.to_vec();
        all.push(n_stretches);
        let design = Design::from_slots(&slots, &all, None)?;
        let patterns = (0..self.pairs.len())
            .map(|i| design.row_pattern(i))
            .collect();
        Ok((design, patterns))
    }

    /// Won (or, with `lost`, lost) closes and periods at risk per pattern,
    /// of one fold or of all.
    pub(crate) fn counts(
        &self,
        patterns: &[usize],
        n: usize,
        lost: bool,
        fold: Option<usize>,
    ) -> Counts {
        let mut c = Counts::zeros(n);
        // A close of the other kind ends the deal's time at risk of this
        // one: that period is not counted.
        let event = if lost { 2 } else { 1 };
        for (f, block) in self.by_fold.iter().enumerate() {
            if fold.is_some_and(|x| x != f) {
                continue;
            }
            for (i, v) in block.iter().enumerate() {
                let p = patterns[i];
                c.won[p] += v[event];
                c.total[p] += v[0] + v[event];
            }
        }
        c
    }
}
