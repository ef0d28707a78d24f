//! Passes 1 and 2 of a qualification in batches: [`Policy::assess`] reads
//! each batch into a few numbers per lead, [`Policy::plan`] cuts the tiers
//! and ranks the leads of the whole period.

use super::decide::{CapacityReport, TierCount};
use super::{Policy, Route, TierCondition, DISQUALIFIED_TIER};
use crate::data::Table;
use crate::error::{Result, RowError};
use crate::model::timing::Chance;
use crate::model::Model;
use crate::util::fingerprint::Fnv;

impl Policy {
    /// Pass 1 of a qualification in batches: the [`LeadFacts`] of every lead
    /// of `leads` whose cells can all be read, in input order, and every bad
    /// cell.
    ///
    /// Bad cells are feature values the model cannot read (see
    /// [`Model::score_checked`]), cells of a rule column that needs a number
    /// and holds something else, deal values that are not numbers and
    /// created-at values that are not dates. Every one is in
    /// [`Assessment::errors`], uncapped, one per cell (the first reason
    /// found), sorted by row and column, with its row numbered from
    /// [`Table::first_row`]. A lead with any bad cell gets no facts: it is
    /// left out of the plan and gets no decision.
    ///
    /// Errors only for what is not one row's fault: a column the model, a
    /// rule or the deal value needs that `leads` lacks
    /// ([`Error::MissingColumn`](crate::Error::MissingColumn)).
    pub fn assess(&self, model: &Model, leads: &Table) -> Result<Assessment> {
        self.check_model(model)?;
        let (scores, mut errors) = model.score_checked(leads)?;
        let first = leads.first_row();
        let inputs = self.read_inputs(leads, model.missing_tokens(), &|r| first + r, false)?;
        errors.extend(inputs.errors);
        crate::error::sort_row_errors(&mut errors);
        let n = leads.n_rows();
        let mut bad = vec![false; n];
        for e in &errors {
            if let Some(b) = e.row.checked_sub(first).and_then(|r| bad.get_mut(r)) {
                *b = true;
            }
        }
        let timing = scores.timing.as_ref();
        let chance = match (self.rank_by, timing) {
            (Some(c), Some(t)) => t.chance(c),
            _ => None,
        };
        // The horizon of the capacity report's expected wins: the one ranked
        // by, else the model's first.
        let within_days = match self.rank_by {
            Some(Chance::WinWithin(h)) => Some(h),
            _ => timing.and_then(|t| t.horizons_days.first().copied()),
        };
        let within = within_days.and_then(|h| Some((h, timing?.chance(Chance::WinWithin(h))?)));
        let facts = (0..n)
            .filter(|&r| !bad[r])
            .map(|r| {
                let (cut, rank) = match chance {
                    Some(c) => (c[r], c[r]),
                    None => (scores.points[r], scores.probability[r]),
                };
                LeadFacts {
                    row: first + r,
                    points: scores.points[r],
                    probability: scores.probability[r],
                    cut,
                    within: within.map(|(h, w)| (h, w[r])),
                    deal_value: inputs.deal_values.as_ref().map(|v| v[r]),
                    key: match &inputs.deal_values {
                        Some(v) => rank * v[r],
                        None => rank,
                    },
                    disqualified: inputs.disqualified[r],
                    must_failed: inputs.must_failed[r],
                }
            })
            .collect();
        Ok(Assessment { facts, errors })
    }

    /// Pass 2 of a qualification in batches: from the facts of all the
    /// period's leads (every batch's [`Assessment::facts`], concatenated),
    /// the tier thresholds, each lead's tier and rank, the leads per tier
    /// and the capacity report.
    ///
    /// The leads are taken in row order (facts may come in any order; a
    /// batch read from the middle of a file must carry its row numbers, see
    /// [`Table::first_row`]). Top shares and the capacity cut are computed
    /// over these leads only: a lead left out in pass 1 for a bad cell does
    /// not count. On one table this is exactly what
    /// [`Policy::qualify_batch`] does.
    ///
    /// Memory: the facts, then three numbers per lead in the plan.
    ///
    /// ```
    /// use leadscore::{synthetic, Model, Policy};
    /// let deals = synthetic::deals(2_000, 7).table;
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["created_at", "closed_at", "deal_value"]).l2(3.0)
    ///     .fit(&deals).unwrap();
    /// let policy = Policy::from_toml_str(r#"
    ///     format = "leadscore.policy"
    ///     format_version = "1.0"
    ///     version = "1"
    ///     [[tier]]
    ///     name = "A"
    ///     top_share = 0.1
    ///     route = "sales"
    ///     owner = "Account Executives"
    ///     sla = "4h"
    ///     [[tier]]
    ///     name = "B"
    ///     route = "nurture"
    /// "#).unwrap();
    /// // Two batches, numbered as in the whole table.
    /// let batches = [
    ///     deals.take_rows(&(0..700).collect::<Vec<_>>()),
    ///     deals.take_rows(&(700..2_000).collect::<Vec<_>>()).with_first_row(701),
    /// ];
    /// let mut facts = Vec::new();
    /// for b in &batches {
    ///     let a = policy.assess(&model, b).unwrap();
    ///     assert!(a.errors.is_empty());
    ///     facts.extend(a.facts);
    /// }
    /// let plan = policy.plan(facts).unwrap();
    /// let mut decisions = Vec::new();
    /// for b in &batches {
    ///     decisions.extend(policy.decide(&model, b, &plan).unwrap());
    /// }
    /// assert_eq!(decisions, policy.qualify(&model, &deals).unwrap());
    /// assert_eq!(plan.tier_counts()[0].leads, 200);
    /// ```
    pub fn plan(&self, facts: Vec<LeadFacts>) -> Result<Plan> {
        self.make_plan(facts, false)
    }

    /// [`Policy::plan`] of a reference batch to freeze cuts from: a
    /// reference with fewer leads than the capacity is a period in which
    /// sales takes every eligible lead, so only share tiers need enough
    /// leads.
    pub(crate) fn plan_reference(&self, facts: Vec<LeadFacts>) -> Result<Plan> {
        self.make_plan(facts, true)
    }

    fn make_plan(&self, mut facts: Vec<LeadFacts>, reference: bool) -> Result<Plan> {
        if !facts.windows(2).all(|w| w[0].row <= w[1].row) {
            facts.sort_by_key(|f| f.row);
        }
        let duplicate_rows = facts.windows(2).filter(|w| w[0].row == w[1].row).count();
        let n = facts.len();
        self.check_enough_leads(n, reference)?;
        let mut leads_fingerprint = Fnv::new();
        for f in &facts {
            leads_fingerprint.write(&(f.row as u64).to_le_bytes());
            leads_fingerprint.write(&f.points.to_bits().to_le_bytes());
        }
        let eligible = |f: &LeadFacts| !f.disqualified && !f.must_failed;
        let frozen = self.cuts.as_deref();
        let frozen_capacity = frozen.and_then(|c| {
            self.tiers
                .iter()
                .zip(&c.thresholds)
                .find(|(t, _)| t.condition == TierCondition::Capacity)
                .and_then(|(_, x)| *x)
        });
        let capacity_cut = self.capacity.map(|c| {
            if frozen.is_some() {
                return frozen_capacity.unwrap_or(f64::INFINITY);
            }
            let xs: Vec<f64> = facts
                .iter()
                .filter(|f| eligible(f))
                .map(|f| f.cut)
                .collect();
            if xs.is_empty() {
                f64::INFINITY
            } else if xs.len() <= c.leads() {
                f64::NEG_INFINITY
            } else {
                kth_highest(xs, c.leads())
            }
        });
        let thresholds: Vec<Option<f64>> = match self.fixed_thresholds() {
            Some(t) => t,
            None => self
                .tiers
                .iter()
                .map(|t| match t.condition {
                    TierCondition::MinPoints(m) => Some(m),
                    TierCondition::TopShare(s) => {
                        let k = ((s * n as f64) - 1e-9).ceil().max(1.0) as usize;
                        Some(if n == 0 {
                            f64::INFINITY
                        } else {
                            kth_highest(facts.iter().map(|f| f.cut).collect(), k)
                        })
                    }
                    TierCondition::Capacity => Some(capacity_cut.unwrap_or(f64::INFINITY)),
                    TierCondition::CatchAll => None,
                })
                .collect(),
        };
        // Tier of each lead: an index into the policy's tiers, or
        // `self.tiers.len()` for the built-in disqualified tier.
        let builtin = self.tiers.len();
        let tier_of: Vec<usize> = facts
            .iter()
            .map(|f| self.tier_of(&thresholds, f.points, f.cut, f.disqualified, f.must_failed))
            .collect();
        // Ranks inside tiers: by key, ties in row order.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by(|&a, &b| facts[b].key.total_cmp(&facts[a].key).then(a.cmp(&b)));
        let mut rank = vec![0usize; n];
        let mut counts = vec![0usize; builtin + 1];
        for &i in &order {
            counts[tier_of[i]] += 1;
            rank[i] = counts[tier_of[i]];
        }
        drop(order);
        let mut tiers: Vec<TierCount> = self
            .tiers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let threshold = thresholds[i].filter(|c| c.is_finite());
                let in_chance = self.cuts_by_chance(t.condition);
                TierCount {
                    tier: t.name.clone(),
                    route: t.route,
                    threshold: threshold.filter(|_| !in_chance),
                    chance_threshold: threshold.filter(|_| in_chance),
                    leads: counts[i],
                }
            })
            .collect();
        if counts[builtin] > 0 {
            tiers.push(TierCount {
                tier: DISQUALIFIED_TIER.to_string(),
                route: Route::Disqualified,
                threshold: None,
                chance_threshold: None,
                leads: counts[builtin],
            });
        }
        let to_sales = |i: usize| {
            self.tiers
                .get(tier_of[i])
                .is_some_and(|t| t.route == Route::Sales)
        };
        let capacity = self.capacity.map(|c| {
            let (mut eligible_leads, mut lowest) = (0usize, f64::INFINITY);
            let (mut sales_leads, mut expected_wins, mut pipeline) = (0usize, 0.0, 0.0);
            let mut within: Option<(u32, f64)> = None;
            for (i, f) in facts.iter().enumerate() {
                if eligible(f) {
                    eligible_leads += 1;
                    lowest = lowest.min(f.cut);
                }
                if to_sales(i) {
                    sales_leads += 1;
                    expected_wins += f.probability;
                    pipeline += f.probability * f.deal_value.unwrap_or(0.0);
                    if let Some((h, w)) = f.within {
                        within = Some((h, within.map_or(0.0, |x| x.1) + w));
                    }
                }
            }
            let cut = capacity_cut.and_then(|cut| {
                if cut.is_finite() {
                    Some(cut)
                } else if cut == f64::NEG_INFINITY && eligible_leads > 0 {
                    Some(lowest)
                } else {
                    None
                }
            });
            let in_chance = self.rank_by.is_some();
            let within_days = facts.first().and_then(|f| f.within).map(|(h, _)| h);
            CapacityReport {
                capacity: c.leads(),
                eligible: eligible_leads,
                cut_points: cut.filter(|_| !in_chance),
                cut_chance: cut.filter(|_| in_chance),
                sales_leads,
                expected_wins,
                expected_pipeline: self.leads.deal_value.as_ref().map(|_| pipeline),
                within_days,
                expected_wins_within: within_days.map(|_| within.map_or(0.0, |x| x.1)),
            }
        });
        let placed = facts
            .iter()
            .zip(tier_of)
            .zip(rank)
            .map(|((f, tier), rank)| Placed {
                row: f.row,
                tier: u32::try_from(tier).unwrap_or(u32::MAX),
                rank,
            })
            .collect();
        Ok(Plan {
            policy_fingerprint: self.fingerprint(),
            cuts: frozen.map(|c| c.reference.clone()),
            leads_fingerprint: leads_fingerprint.finish_hex(),
            thresholds,
            placed,
            duplicate_rows,
            tiers,
            capacity,
        })
    }

    /// Each tier's threshold when it does not depend on the leads qualified
    /// together: with frozen cuts, or without share and capacity tiers.
    pub(crate) fn fixed_thresholds(&self) -> Option<Vec<Option<f64>>> {
        let frozen = self.cuts.as_deref();
        if frozen.is_none()
            && self
                .tiers
                .iter()
                .any(|t| super::cuts::needs_cut(t.condition))
        {
            return None;
        }
        Some(
            self.tiers
                .iter()
                .enumerate()
                .map(|(i, t)| match t.condition {
                    TierCondition::MinPoints(m) => Some(m),
                    TierCondition::TopShare(_) | TierCondition::Capacity => Some(
                        frozen
                            .and_then(|c| c.thresholds[i])
                            .unwrap_or(f64::INFINITY),
                    ),
                    TierCondition::CatchAll => None,
                })
                .collect(),
        )
    }

    /// Whether a tier of this condition cuts by the policy's chance (a
    /// share or capacity tier of a policy ranking by a chance) rather than
    /// by points.
    pub(crate) fn cuts_by_chance(&self, c: TierCondition) -> bool {
        self.rank_by.is_some() && super::cuts::needs_cut(c)
    }

    /// The tier of one lead, given each tier's threshold (in points for
    /// `min_points` tiers, else in what the policy ranks by, `cut`): an
    /// index into the policy's tiers, or `self.tiers.len()` for the
    /// built-in disqualified tier.
    pub(crate) fn tier_of(
        &self,
        thresholds: &[Option<f64>],
        points: f64,
        cut: f64,
        disqualified: bool,
        must_failed: bool,
    ) -> usize {
        let first_disqualified = || {
            self.tiers
                .iter()
                .position(|t| t.route == Route::Disqualified)
        };
        let tier = if disqualified {
            first_disqualified()
        } else {
            (0..self.tiers.len())
                .find(|&t| {
                    let value = match self.tiers[t].condition {
                        TierCondition::MinPoints(_) => points,
                        _ => cut,
                    };
                    !(must_failed && self.tiers[t].route == Route::Sales)
                        && thresholds[t].is_none_or(|c| value >= c)
                })
                .or_else(first_disqualified)
        };
        tier.unwrap_or(self.tiers.len())
    }
}

/// What the first pass ([`Policy::assess`]) learns about one lead: enough
/// for [`Policy::plan`] to cut tiers and rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadFacts {
    /// 1-based row of the lead in its source (see [`Table::first_row`]).
    pub row: usize,
    /// Points.
    pub points: f64,
    /// Probability of a win (the capacity report adds it up into the
    /// expected wins).
    pub probability: f64,
    /// What `top_share` and `capacity` tiers cut by: the points, or the
    /// chance the policy ranks by ([`Policy::rank_by`]).
    pub cut: f64,
    /// For a model with a time to close: a horizon in days (the one the
    /// policy ranks by, else the model's first) and the chance of winning
    /// within it (the capacity report adds them up).
    pub within: Option<(u32, f64)>,
    /// The deal value, when the policy names a deal-value column.
    pub deal_value: Option<f64>,
    /// What leads are ranked by inside a tier: P(win), or the chance the
    /// policy ranks by, times the deal value when the policy names a
    /// deal-value column.
    pub key: f64,
    /// The lead matches a disqualify rule.
    pub disqualified: bool,
    /// The lead fails a must-have rule.
    pub must_failed: bool,
}

/// The first pass over one batch of leads (see [`Policy::assess`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assessment {
    /// Facts of every lead whose cells can all be read, in input order.
    pub facts: Vec<LeadFacts>,
    /// Every bad cell, sorted by row and column, one per cell; a row named
    /// here has no facts.
    pub errors: Vec<RowError>,
}

/// Where a lead of a [`Plan`] lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placed {
    /// 1-based row.
    pub(crate) row: usize,
    /// Index of its tier in the policy; past the policy's tiers for the
    /// built-in disqualified tier.
    pub(crate) tier: u32,
    /// Rank inside the tier.
    pub(crate) rank: usize,
}

/// A period's leads planned by [`Policy::plan`]: tier thresholds, each
/// lead's tier and rank, leads per tier and the capacity report.
/// [`Policy::decide`] turns it into decisions batch by batch; it can be
/// shared between threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub(crate) policy_fingerprint: String,
    /// The reference of the frozen cuts it was planned against.
    pub(crate) cuts: Option<std::sync::Arc<super::cuts::CutsReference>>,
    /// Fingerprint of the planned leads' rows and points.
    pub(crate) leads_fingerprint: String,
    /// The points each policy tier's condition needs (`None` for a
    /// catch-all; infinite for a cut no lead can reach or every lead does).
    pub(crate) thresholds: Vec<Option<f64>>,
    /// In row order.
    pub(crate) placed: Vec<Placed>,
    pub(crate) duplicate_rows: usize,
    pub(crate) tiers: Vec<TierCount>,
    pub(crate) capacity: Option<CapacityReport>,
}

impl Plan {
    /// Leads in the plan.
    pub fn len(&self) -> usize {
        self.placed.len()
    }

    /// True when the plan has no lead.
    pub fn is_empty(&self) -> bool {
        self.placed.is_empty()
    }

    /// Leads per tier, in policy order (the built-in `disqualified` tier
    /// last, when used), with each tier's threshold: as
    /// [`Qualification::tiers`](super::Qualification::tiers).
    pub fn tier_counts(&self) -> &[TierCount] {
        &self.tiers
    }

    /// The capacity cut and what it is expected to bring, when the policy
    /// has a capacity: as [`Qualification::capacity`](super::Qualification::capacity).
    pub fn capacity_report(&self) -> Option<&CapacityReport> {
        self.capacity.as_ref()
    }

    /// The points a lead needed for each policy tier's condition, in policy
    /// order (`None` for a catch-all or a cut no lead could reach): the
    /// thresholds of [`Plan::tier_counts`].
    pub fn thresholds(&self) -> Vec<Option<f64>> {
        self.thresholds
            .iter()
            .map(|t| t.filter(|c| c.is_finite()))
            .collect()
    }

    /// Whether the lead of 1-based `row` is in the plan.
    pub fn contains(&self, row: usize) -> bool {
        self.find(row).is_some()
    }

    /// The tier name and the rank inside it of the lead of 1-based `row`,
    /// when it is in the plan.
    pub fn tier_and_rank(&self, row: usize) -> Option<(&str, usize)> {
        let p = self.find(row)?;
        let name = match self.tiers.get(p.tier as usize) {
            Some(t) => t.tier.as_str(),
            None => DISQUALIFIED_TIER,
        };
        Some((name, p.rank))
    }

    pub(crate) fn find(&self, row: usize) -> Option<&Placed> {
        let i = self.placed.partition_point(|p| p.row < row);
        self.placed.get(i).filter(|p| p.row == row)
    }
}

/// The `k`-th highest of `xs` (its lowest when it holds `k` or fewer;
/// infinite for `k = 0`).
fn kth_highest(mut xs: Vec<f64>, k: usize) -> f64 {
    if k == 0 {
        return f64::INFINITY;
    }
    if xs.len() <= k {
        return xs.iter().copied().fold(f64::INFINITY, f64::min);
    }
    *xs.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a)).1
}
