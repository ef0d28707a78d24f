//! How a qualification policy sorts held-out deals: precision and recall
//! of routing to sales, and each tier's win rate with a Wilson interval.

use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::error::Result;
use crate::metrics::wilson;
use crate::model::Model;
use crate::policy::{Policy, Qualification, Route};

/// Held-out outcomes of one tier of a qualification policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierOutcome {
    /// Tier name.
    pub tier: String,
    /// Its route (`sales`, `sdr`, `nurture`, `disqualified`).
    pub route: String,
    /// Held-out deals it took.
    pub leads: usize,
    /// Won among them.
    pub won: usize,
    /// Win rate.
    pub rate: f64,
    /// Lower end of the 95 % Wilson interval.
    pub rate_low: f64,
    /// Upper end of the 95 % Wilson interval.
    pub rate_high: f64,
}

/// How a qualification policy sorted held-out deals: "qualified" means
/// routed to sales (the policy's cut).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyMetrics {
    /// The policy's version.
    pub policy_version: String,
    /// The policy's fingerprint.
    pub policy_fingerprint: String,
    /// Held-out deals.
    pub deals: usize,
    /// Won held-out deals.
    pub won: usize,
    /// Deals routed to sales.
    pub qualified: usize,
    /// Won among them.
    pub qualified_won: usize,
    /// Won among qualified over qualified.
    pub precision: f64,
    /// Won among qualified over all won.
    pub recall: f64,
    /// Every tier, in policy order.
    pub tiers: Vec<TierOutcome>,
}

impl PolicyMetrics {
    pub(crate) fn finish(mut self) -> PolicyMetrics {
        self.precision = ratio(self.qualified_won, self.qualified);
        self.recall = ratio(self.qualified_won, self.won);
        for t in &mut self.tiers {
            t.rate = ratio(t.won, t.leads);
            (t.rate_low, t.rate_high) = wilson(t.won, t.leads);
        }
        self
    }

    pub(crate) fn merge(mut self, other: PolicyMetrics) -> PolicyMetrics {
        self.deals += other.deals;
        self.won += other.won;
        self.qualified += other.qualified;
        self.qualified_won += other.qualified_won;
        for t in other.tiers {
            match self.tiers.iter_mut().find(|x| x.tier == t.tier) {
                Some(x) => {
                    x.leads += t.leads;
                    x.won += t.won;
                }
                None => self.tiers.push(t),
            }
        }
        self.finish()
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Qualifies `deals` (outcomes `y`) with `policy` and `model`, taking them
/// as one period's leads, and measures the policy's cut: precision and
/// recall of routing to sales, and each tier's win rate.
pub fn policy_metrics(
    policy: &Policy,
    model: &Model,
    deals: &Table,
    y: &[bool],
) -> Result<PolicyMetrics> {
    Ok(policy_metrics_of(
        policy,
        &policy.qualify_batch(model, deals)?,
        y,
    ))
}

/// [`policy_metrics`] of a qualification already made (decisions in the
/// order of `y`).
pub(crate) fn policy_metrics_of(policy: &Policy, q: &Qualification, y: &[bool]) -> PolicyMetrics {
    let mut tiers: Vec<TierOutcome> = q
        .tiers
        .iter()
        .map(|t| TierOutcome {
            tier: t.tier.clone(),
            route: t.route.as_str().to_string(),
            leads: 0,
            won: 0,
            rate: f64::NAN,
            rate_low: f64::NAN,
            rate_high: f64::NAN,
        })
        .collect();
    let mut m = PolicyMetrics {
        policy_version: policy.version().to_string(),
        policy_fingerprint: policy.fingerprint(),
        deals: y.len(),
        won: y.iter().filter(|w| **w).count(),
        qualified: 0,
        qualified_won: 0,
        precision: f64::NAN,
        recall: f64::NAN,
        tiers: Vec::new(),
    };
    for (d, &won) in q.decisions.iter().zip(y) {
        if d.route == Route::Sales {
            m.qualified += 1;
            m.qualified_won += usize::from(won);
        }
        if let Some(t) = tiers.iter_mut().find(|t| t.tier == d.tier) {
            t.leads += 1;
            t.won += usize::from(won);
        }
    }
    m.tiers = std::mem::take(&mut tiers);
    m.finish()
}
