//! Pass 3 of a qualification: a [`Decision`] with its reasons for every
//! lead, and the one decision schema that files, frames and Spark share
//! ([`decision_columns`]).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::cuts::CutsReference;
use super::plan::{Assessment, Plan};
use super::rules::{FailedRule, RuleKind};
use super::{Policy, Route, Sla, DISQUALIFIED_TIER};
use crate::data::columns::{Columns, OutValues};
use crate::data::Table;
use crate::error::{fail_on_rows, Error, Result};
use crate::model::explain::{reasons_line, top_of};
use crate::model::timing::Chance;
use crate::model::{Contribution, Explanation, Model};
use crate::util::time::format_timestamp;

/// What a lead lacks to reach the tier above its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// The tier above.
    pub tier: String,
    /// Points it is short of that tier's threshold, when it is short.
    pub points_short: Option<f64>,
    /// How far its chance is short of that tier's cut, when the tier cuts
    /// by a chance (see [`Policy::rank_by`]) and it is short: the chance's
    /// name and the shortfall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chance_short: Option<(String, f64)>,
    /// Must-haves that keep it out of that tier (a sales tier).
    pub failed_rules: Vec<String>,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules = self
            .failed_rules
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some((chance, short)) = &self.chance_short {
            write!(f, "{chance} {short:.3} short of tier {}", self.tier)?;
            if !rules.is_empty() {
                write!(f, " and held out of it by must-have {rules}")?;
            }
            return Ok(());
        }
        match (self.points_short, rules.is_empty()) {
            (Some(p), true) => write!(f, "{} points short of tier {}", round_up(p), self.tier),
            (Some(p), false) => write!(
                f,
                "{} points short of tier {} and held out of it by must-have {rules}",
                round_up(p),
                self.tier
            ),
            (None, _) => write!(f, "held out of tier {} by must-have {rules}", self.tier),
        }
    }
}

/// Rounds up to one decimal, so that a lead 0.04 points short reads 0.1.
fn round_up(p: f64) -> String {
    format!("{:.1}", (p * 10.0 - 1e-9).ceil() / 10.0)
}

/// The decision for one lead: tier, route, SLA, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// 1-based row of the lead in the input.
    pub row: usize,
    /// Lead id, when the model has an id column and the leads carry it.
    pub id: Option<String>,
    /// The tier's name.
    pub tier: String,
    /// Where the lead goes.
    pub route: Route,
    /// The team that owns it.
    pub owner: Option<String>,
    /// Time to first contact.
    pub sla: Option<Sla>,
    /// When first contact is due (RFC 3339 UTC): created-at + SLA, when the
    /// policy names a created-at column and the lead has a value.
    pub sla_due: Option<String>,
    /// 1-based rank inside its tier: by P(win) (or the chance the policy
    /// ranks by) × deal value when the policy names a deal-value column,
    /// else by P(win) (or that chance); ties keep input order.
    pub rank: usize,
    /// Points.
    pub points: f64,
    /// Probability of a win (for a model with a time to close: of ever
    /// winning).
    pub probability: f64,
    /// For a model with a time to close: the chances within its horizons
    /// and the median close date, at the scoring date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outlook: Option<crate::model::timing::LeadOutlook>,
    /// The deal value used, when the policy names a deal-value column.
    pub deal_value: Option<f64>,
    /// P(win) × deal value, when the policy names a deal-value column.
    pub expected_value: Option<f64>,
    /// The policy's version.
    pub policy_version: String,
    /// The policy's fingerprint (see [`Policy::fingerprint`]).
    pub policy_fingerprint: String,
    /// The model's fingerprint.
    pub model_fingerprint: String,
    /// The reference batch of the frozen cuts the lead was decided against
    /// (see [`Policy::with_cuts`]), when the policy has them.
    pub cuts: Option<Arc<CutsReference>>,
    /// Rules the lead failed, must-haves first, in policy order.
    pub failed_rules: Vec<FailedRule>,
    /// What it lacks for the tier above its own (none in the top tier or
    /// when disqualified).
    pub gap: Option<Gap>,
    /// Feature columns whose value was never seen in training (scored as
    /// `(other)`).
    pub unseen: Vec<String>,
    /// Feature columns whose value training saw too rarely to learn from
    /// (pooled into `(other)`).
    #[serde(default)]
    pub rare: Vec<String>,
    /// Points every lead starts from.
    pub base_points: f64,
    /// Points of each of the lead's attributes, the strongest for and
    /// against first; `base_points` plus their sum equals `points`.
    pub contributions: Vec<Contribution>,
}

impl Decision {
    /// The reasons in one line: failed rules, the gap to the next tier, and
    /// the `top` attributes for and against.
    pub fn reasons(&self, top: usize) -> String {
        let mut parts: Vec<String> = self.failed_rules.iter().map(|r| r.to_string()).collect();
        if let Some(g) = &self.gap {
            parts.push(g.to_string());
        }
        let (up, down) = top_of(&self.contributions, top);
        parts.extend(reasons_line(&up, &down, ", "));
        parts.join("; ")
    }
}

/// How many leads a tier took and its effective points threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierCount {
    /// Tier name.
    pub tier: String,
    /// Its route.
    pub route: Route,
    /// The points a lead needed for its condition in this batch (`None` for
    /// a catch-all, a cut no lead could reach, or a cut by a chance).
    pub threshold: Option<f64>,
    /// The chance a lead needed, for a share or capacity tier of a policy
    /// that ranks by a chance ([`Policy::rank_by`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chance_threshold: Option<f64>,
    /// Leads it took.
    pub leads: usize,
}

/// The capacity cut of a batch and what it is expected to bring.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityReport {
    /// `reps × leads_per_rep`.
    pub capacity: usize,
    /// Leads that may reach sales (no must-have failed, not disqualified).
    pub eligible: usize,
    /// Points of the capacity cut (`None` when capacity is 0 or the policy
    /// ranks by a chance; the lowest eligible points when fewer leads are
    /// eligible than the capacity).
    pub cut_points: Option<f64>,
    /// The chance at the capacity cut, when the policy ranks by a chance
    /// ([`Policy::rank_by`]; as `cut_points` otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut_chance: Option<f64>,
    /// Leads routed to sales.
    pub sales_leads: usize,
    /// Expected wins among them: the sum of their P(win).
    pub expected_wins: f64,
    /// Expected pipeline among them: the sum of P(win) × deal value, when
    /// the policy names a deal-value column.
    pub expected_pipeline: Option<f64>,
    /// For a model with a time to close: the horizon of
    /// `expected_wins_within`, in days (the one the policy ranks by, else
    /// the model's first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within_days: Option<u32>,
    /// Expected wins among the sales leads within that horizon: the sum of
    /// their chances of winning within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_wins_within: Option<f64>,
}

/// Decisions for a batch of leads, with tier counts and the capacity report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Qualification {
    /// One decision per lead, in input order.
    pub decisions: Vec<Decision>,
    /// Leads per tier, in policy order (the built-in `disqualified` tier
    /// last, when used).
    pub tiers: Vec<TierCount>,
    /// The capacity cut, when the policy has a capacity.
    pub capacity: Option<CapacityReport>,
}

impl Policy {
    /// Decides every lead: tier, route, SLA, rank and reasons, in input
    /// order. See [`Policy::qualify_batch`] for counts and the capacity cut.
    pub fn qualify(&self, model: &Model, leads: &Table) -> Result<Vec<Decision>> {
        Ok(self.qualify_batch(model, leads)?.decisions)
    }

    /// Decides every lead, taking `leads` as one period's leads (top shares
    /// and the capacity cut are computed over them), and reports leads per
    /// tier and the capacity cut.
    ///
    /// It is the two passes on one table: [`Policy::assess`], then, when no
    /// cell is bad, [`Policy::plan`] and [`Policy::decide`].
    ///
    /// Errors: a column the model or a rule needs that the leads lack, cells
    /// that cannot be read
    /// (a feature value the model cannot read, a number rule on text, a bad
    /// date or deal value; all collected into [`Error::InvalidRows`], which
    /// keeps the first bad cells by row and column and counts every one).
    pub fn qualify_batch(&self, model: &Model, leads: &Table) -> Result<Qualification> {
        let Assessment { facts, errors } = self.assess(model, leads)?;
        fail_on_rows(errors)?;
        let plan = self.plan(facts)?;
        let decisions = self.decide(model, leads, &plan)?;
        Ok(Qualification {
            decisions,
            tiers: plan.tiers,
            capacity: plan.capacity,
        })
    }

    /// Pass 3 of a qualification in batches: the decision of every lead of
    /// `leads` that is in `plan` (looked up by row number, see
    /// [`Table::first_row`]), in input order. Rows that are not in the plan
    /// (left out in pass 1 for a bad cell, or from another period) are
    /// skipped. Each decision is the one [`Policy::qualify_batch`] gives:
    /// tier and rank from the plan; route, SLA, due time, failed rules, gap,
    /// points and contributions from the lead.
    ///
    /// Deterministic, and independent of how the leads are cut into
    /// batches: batches may be decided in any order, in parallel, against
    /// one plan.
    ///
    /// Errors: a plan made by another policy or
    /// whose leads share row numbers ([`Error::InvalidParameter`]), a column
    /// the leads lack, or a cell of a planned lead that cannot be read (the
    /// leads are not the ones assessed; [`Error::InvalidRows`]).
    pub fn decide(&self, model: &Model, leads: &Table, plan: &Plan) -> Result<Vec<Decision>> {
        let policy_fingerprint = self.fingerprint();
        if plan.policy_fingerprint != policy_fingerprint {
            return Err(Error::InvalidParameter {
                name: "plan".into(),
                value: format!("made with policy {}", plan.policy_fingerprint),
                reason: format!(
                    "decide with the policy that made the plan (this one is {policy_fingerprint})"
                ),
            });
        }
        if plan.cuts != self.cuts.as_ref().map(|c| c.reference.clone()) {
            return Err(Error::InvalidParameter {
                name: "plan".into(),
                value: "planned against other frozen cuts".into(),
                reason: "decide with the policy, frozen cuts included, that made the plan".into(),
            });
        }
        self.check_model(model)?;
        if plan.duplicate_rows > 0 {
            return Err(Error::InvalidParameter {
                name: "plan".into(),
                value: format!("{} lead(s) sharing a row number", plan.duplicate_rows),
                reason: "every lead needs its own row number: number each batch's rows on from \
                         the previous batch (Table::first_row)"
                    .into(),
            });
        }
        let first = leads.first_row();
        let (mut rows, mut locals, mut placed) = (Vec::new(), Vec::new(), Vec::new());
        for r in 0..leads.n_rows() {
            if let Some(p) = plan.find(first + r) {
                rows.push(first + r);
                locals.push(r);
                placed.push(*p);
            }
        }
        if placed.is_empty() {
            return Ok(Vec::new());
        }
        let subset;
        let table = if locals.len() == leads.n_rows() {
            leads
        } else {
            subset = leads.take_rows(&locals);
            &subset
        };
        drop(locals);
        // Row numbers of `table` as the caller knows them.
        let table_first = table.first_row();
        let row_of = |r: usize| rows[r];
        let explanations = model.explain(table, 3).map_err(|e| match e {
            Error::InvalidRows { mut errors, total } => {
                for x in &mut errors {
                    x.row = row_of(x.row - table_first);
                }
                Error::InvalidRows { errors, total }
            }
            e => e,
        })?;
        let mut inputs = self.read_inputs(table, model.missing_tokens(), &row_of, true)?;
        fail_on_rows(std::mem::take(&mut inputs.errors))?;
        let model_fingerprint = model.fingerprint();
        let mut decisions = Vec::with_capacity(placed.len());
        for (r, e) in explanations.into_iter().enumerate() {
            let lead = DecidedLead {
                row: rows[r],
                tier: placed[r].tier as usize,
                rank: placed[r].rank,
                failed: std::mem::take(&mut inputs.failed[r]),
                disqualified: inputs.disqualified[r],
                deal_value: inputs.deal_values.as_ref().map(|v| v[r]),
                created: inputs.created[r],
                cut: self.cut_of(&e),
            };
            decisions.push(self.decision(
                lead,
                e,
                &plan.thresholds,
                &policy_fingerprint,
                &model_fingerprint,
            ));
        }
        Ok(decisions)
    }

    /// The decision of one lead placed in tier `lead.tier` (past the
    /// policy's tiers for the built-in disqualified tier), from its
    /// explanation and the tier thresholds.
    pub(crate) fn decision(
        &self,
        lead: DecidedLead,
        e: Explanation,
        thresholds: &[Option<f64>],
        policy_fingerprint: &str,
        model_fingerprint: &str,
    ) -> Decision {
        let tier_index = Some(lead.tier).filter(|&t| t < self.tiers.len());
        let tier = tier_index.map(|t| &self.tiers[t]);
        let failed = lead.failed;
        let gap = match tier_index {
            Some(t) if t > 0 && !lead.disqualified => {
                let up = &self.tiers[t - 1];
                let by_chance = self.cuts_by_chance(up.condition);
                let value = if by_chance { lead.cut } else { e.points };
                let short = thresholds[t - 1]
                    .filter(|c| c.is_finite() && *c > value)
                    .map(|c| c - value);
                let (short, chance_short) = match (by_chance, short) {
                    (true, Some(x)) => (None, Some((self.rank_by_name(), x))),
                    (_, x) => (x, None),
                };
                let rules: Vec<String> = if up.route == Route::Sales {
                    failed
                        .iter()
                        .filter(|f| f.kind == RuleKind::MustHave)
                        .map(|f| f.name.clone())
                        .collect()
                } else {
                    Vec::new()
                };
                if short.is_none() && chance_short.is_none() && rules.is_empty() {
                    None
                } else {
                    Some(Gap {
                        tier: up.name.clone(),
                        points_short: short,
                        chance_short,
                        failed_rules: rules,
                    })
                }
            }
            _ => None,
        };
        let sla = tier.and_then(|t| t.sla);
        Decision {
            row: lead.row,
            id: e.id,
            tier: tier
                .map(|t| t.name.clone())
                .unwrap_or_else(|| DISQUALIFIED_TIER.to_string()),
            route: tier.map(|t| t.route).unwrap_or(Route::Disqualified),
            owner: tier.and_then(|t| t.owner.clone()),
            sla,
            sla_due: match (lead.created, sla) {
                (Some(c), Some(s)) => Some(format_timestamp(c + s.seconds())),
                _ => None,
            },
            rank: lead.rank,
            points: e.points,
            probability: e.probability,
            outlook: e.outlook,
            deal_value: lead.deal_value,
            expected_value: lead.deal_value.map(|v| v * e.probability),
            policy_version: self.version.clone(),
            policy_fingerprint: policy_fingerprint.to_string(),
            model_fingerprint: model_fingerprint.to_string(),
            cuts: self.cuts.as_ref().map(|c| c.reference.clone()),
            failed_rules: failed,
            gap,
            unseen: e.unseen,
            rare: e.rare,
            base_points: e.base_points,
            contributions: e.contributions,
        }
    }
}

/// What pass 3 knows of one lead besides its explanation.
pub(crate) struct DecidedLead {
    /// 1-based row.
    pub(crate) row: usize,
    /// Index of its tier in the policy (past the tiers: built-in
    /// disqualified).
    pub(crate) tier: usize,
    /// Rank inside the tier.
    pub(crate) rank: usize,
    /// Rules it failed.
    pub(crate) failed: Vec<FailedRule>,
    /// It matched a disqualify rule.
    pub(crate) disqualified: bool,
    /// Its deal value, when the policy reads one.
    pub(crate) deal_value: Option<f64>,
    /// Its created-at time (seconds since 1970).
    pub(crate) created: Option<i64>,
    /// What share and capacity tiers cut it by: its points, or the chance
    /// the policy ranks by.
    pub(crate) cut: f64,
}

impl Policy {
    /// What share and capacity tiers cut a lead by, from its explanation:
    /// its points, or the chance the policy ranks by.
    pub(crate) fn cut_of(&self, e: &Explanation) -> f64 {
        match (self.rank_by, &e.outlook) {
            (Some(c), Some(o)) => o.chance(c).unwrap_or(f64::NAN),
            _ => e.points,
        }
    }
}

/// The decision schema, one column per field, shared by decision files
/// (CSV, Parquet), frames and Spark: the model's id column (when it has
/// one), `tier`, `route`, `owner`, `sla`, `sla_due`, `rank`, `points`,
/// `probability`, with a model of the time to close (`horizons`, its
/// [`Timing::horizons_days`](crate::model::timing::Timing::horizons_days))
/// `win_within_<H>d` per horizon, `win_eventually` and `expected_close`,
/// with a deal-value column also `deal_value` and
/// `expected_value`, then `reasons` (the `top` attributes for and against),
/// `failed_rules`, `policy_version` and `model_fingerprint`; with frozen
/// cuts (`cuts`) also `cuts_leads`, `cuts_frozen_at` and `cuts_fingerprint`,
/// the reference the lead was decided against.
pub fn decision_columns(
    decisions: &[Decision],
    id: Option<&str>,
    deal_values: bool,
    cuts: bool,
    horizons: Option<&[u32]>,
    top: usize,
) -> Columns {
    let d = decisions;
    let text = |f: &dyn Fn(&Decision) -> Option<String>| OutValues::Text(d.iter().map(f).collect());
    let mut cols: Columns = Vec::new();
    if let Some(id) = id {
        cols.push((id.to_string(), text(&|x| x.id.clone())));
    }
    cols.push(("tier".into(), text(&|x| Some(x.tier.clone()))));
    cols.push(("route".into(), text(&|x| Some(x.route.to_string()))));
    cols.push(("owner".into(), text(&|x| x.owner.clone())));
    cols.push(("sla".into(), text(&|x| x.sla.map(|s| s.to_string()))));
    cols.push(("sla_due".into(), text(&|x| x.sla_due.clone())));
    cols.push((
        "rank".into(),
        OutValues::Int(d.iter().map(|x| Some(x.rank as i64)).collect()),
    ));
    cols.push((
        "points".into(),
        OutValues::Fixed2(d.iter().map(|x| x.points).collect()),
    ));
    cols.push((
        "probability".into(),
        OutValues::Float(d.iter().map(|x| x.probability).collect()),
    ));
    if let Some(horizons) = horizons {
        let chance = |c: Chance| {
            OutValues::Float(
                d.iter()
                    .map(|x| {
                        x.outlook
                            .as_ref()
                            .and_then(|o| o.chance(c))
                            .unwrap_or(f64::NAN)
                    })
                    .collect(),
            )
        };
        for &h in horizons {
            let c = Chance::WinWithin(h);
            cols.push((c.name(), chance(c)));
        }
        cols.push(("win_eventually".into(), chance(Chance::WinEventually)));
        cols.push((
            "expected_close".into(),
            text(&|x| x.outlook.as_ref().and_then(|o| o.expected_close.clone())),
        ));
    }
    if deal_values {
        cols.push((
            "deal_value".into(),
            OutValues::OptFixed2(d.iter().map(|x| x.deal_value).collect()),
        ));
        cols.push((
            "expected_value".into(),
            OutValues::OptFixed2(d.iter().map(|x| x.expected_value).collect()),
        ));
    }
    cols.push(("reasons".into(), text(&|x| Some(x.reasons(top)))));
    cols.push((
        "failed_rules".into(),
        text(&|x| {
            Some(
                x.failed_rules
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }),
    ));
    cols.push((
        "policy_version".into(),
        text(&|x| Some(x.policy_version.clone())),
    ));
    cols.push((
        "model_fingerprint".into(),
        text(&|x| Some(x.model_fingerprint.clone())),
    ));
    if cuts {
        cols.push((
            "cuts_leads".into(),
            OutValues::Int(
                d.iter()
                    .map(|x| x.cuts.as_ref().map(|c| c.leads as i64))
                    .collect(),
            ),
        ));
        cols.push((
            "cuts_frozen_at".into(),
            text(&|x| x.cuts.as_ref().map(|c| c.frozen_at.clone())),
        ));
        cols.push((
            "cuts_fingerprint".into(),
            text(&|x| x.cuts.as_ref().map(|c| c.fingerprint.clone())),
        ));
    }
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_reads_like_a_sentence() {
        let g = Gap {
            tier: "A".into(),
            points_short: Some(13.96),
            chance_short: None,
            failed_rules: vec![],
        };
        assert_eq!(g.to_string(), "14.0 points short of tier A");
        let g = Gap {
            tier: "A".into(),
            points_short: None,
            chance_short: None,
            failed_rules: vec!["Target market".into()],
        };
        assert_eq!(
            g.to_string(),
            "held out of tier A by must-have \"Target market\""
        );
    }
}
