//! One lead at a time: a [`Qualifier`] prepared once against a model and a
//! policy, deciding each lead (a web form, a CRM webhook) in microseconds.

use std::sync::Arc;

use super::decide::{DecidedLead, Decision};
use super::Policy;
use crate::data::lead::Lead;
use crate::error::{fail_on_rows, Error, Result};
use crate::model::{Explanation, LeadScore, Model};

/// A model and a policy prepared for deciding one lead at a time.
///
/// Everything a decision needs that does not depend on the lead is done
/// once, in [`Qualifier::new`]: the policy is checked against the model,
/// the fingerprints are computed, and the tier thresholds are fixed. Share
/// and capacity tiers need frozen cuts ([`Policy::with_cuts`]) for that:
/// one lead alone is always the top of its own batch, so without them
/// `new` refuses such a policy ([`Error::TooFewLeads`]).
///
/// [`Qualifier::decide_one`] gives exactly the decision that
/// [`Policy::qualify`] gives on a one-row table of the lead (row 1, rank 1).
/// A `Qualifier` is `Send + Sync`: share one in an `Arc` between the
/// threads of a service.
///
/// ```
/// use leadscore::data::lead::Lead;
/// use leadscore::policy::Qualifier;
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
///     min_points = 10
///     route = "sales"
///     owner = "Account Executives"
///     sla = "4h"
///     [[tier]]
///     name = "B"
///     route = "nurture"
/// "#).unwrap();
/// let qualifier = Qualifier::new(model, policy).unwrap();
/// let lead = Lead::new()
///     .with("deal_id", "W-1").with("employees", 250.0).with("industry", "Software")
///     .with("country", "Germany").with("job_seniority", "VP").with("webinar_attended", true)
///     .with("pricing_page_visits", 3.0).with("demo_requested", true).with("email_clicks", 4.0)
///     .with("lead_source", "Referral").with("channel", "Email").with("campaign", "Mars Outreach");
/// let d = qualifier.decide_one(&lead).unwrap();
/// assert_eq!(d.id.as_deref(), Some("W-1"));
/// assert_eq!(d.tier, if d.points >= 10.0 { "A" } else { "B" });
/// ```
#[derive(Debug, Clone)]
pub struct Qualifier {
    model: Arc<Model>,
    policy: Arc<Policy>,
    /// Each tier's threshold, fixed for every lead.
    thresholds: Vec<Option<f64>>,
    policy_fingerprint: String,
    model_fingerprint: String,
    /// Columns the policy's rules and deal value read.
    required: Vec<String>,
}

impl Qualifier {
    /// Prepares `model` and `policy` for one lead at a time.
    ///
    /// Errors: frozen cuts made for another model ([`Error::Cuts`]), or a
    /// share or capacity tier without frozen cuts ([`Error::TooFewLeads`]:
    /// freeze them from a reference batch with [`Policy::freeze`]).
    pub fn new(model: impl Into<Arc<Model>>, policy: impl Into<Arc<Policy>>) -> Result<Qualifier> {
        let model = model.into();
        let policy = policy.into();
        model.refuse_timing_one()?;
        policy.check_model(&model)?;
        let Some(thresholds) = policy.fixed_thresholds() else {
            let (tier, needed) = policy
                .tiers
                .iter()
                .find_map(|t| match t.condition {
                    super::TierCondition::TopShare(s) => {
                        Some((t, ((1.0 / s) - 1e-9).ceil().max(2.0) as usize))
                    }
                    super::TierCondition::Capacity => {
                        Some((t, policy.capacity.map_or(2, |c| c.leads().max(2))))
                    }
                    _ => None,
                })
                .ok_or_else(|| Error::Internal {
                    what: "a policy without fixed thresholds has no share or capacity tier".into(),
                })?;
            return Err(Error::TooFewLeads {
                tier: tier.name.clone(),
                condition: tier.condition.to_string(),
                leads: 1,
                needed,
            });
        };
        let required = policy
            .must_have
            .iter()
            .chain(&policy.disqualify)
            .map(|r| &r.column)
            .chain(policy.leads.deal_value.iter())
            .fold(Vec::new(), |mut out: Vec<String>, c| {
                if !out.contains(c) {
                    out.push(c.clone());
                }
                out
            });
        Ok(Qualifier {
            policy_fingerprint: policy.fingerprint(),
            model_fingerprint: model.fingerprint(),
            model,
            policy,
            thresholds,
            required,
        })
    }

    /// The model.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// The policy.
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// The score of one lead ([`Model::score_one`]).
    pub fn score_one(&self, lead: &Lead) -> Result<LeadScore> {
        self.model.score_one(lead)
    }

    /// The explanation of one lead ([`Model::explain_one`]).
    pub fn explain_one(&self, lead: &Lead, top: usize) -> Result<Explanation> {
        self.model.explain_one(lead, top)
    }

    /// The decision for one lead: the one [`Policy::qualify`] gives on a
    /// one-row table of it. The lead needs the model's feature columns and
    /// the columns of the policy's rules and deal value; the created-at
    /// column is read when the lead has it (else `sla_due` is empty).
    ///
    /// Errors: a column the lead lacks ([`Error::MissingColumn`]), or a
    /// value that cannot be read ([`Error::InvalidRows`], row 1).
    pub fn decide_one(&self, lead: &Lead) -> Result<Decision> {
        let model = &*self.model;
        let policy = &*self.policy;
        let e = model.explain_one(lead, 3)?;
        let mut columns: Vec<&str> = self.required.iter().map(String::as_str).collect();
        if let Some(c) = &policy.leads.created_at {
            if lead.get(c).is_some() && !columns.contains(&c.as_str()) {
                columns.push(c);
            }
        }
        let (decided, must_failed) = if columns.is_empty() {
            let lead = DecidedLead {
                row: 1,
                tier: 0,
                rank: 1,
                failed: Vec::new(),
                disqualified: false,
                deal_value: None,
                created: None,
                cut: e.points,
            };
            (lead, false)
        } else {
            let table = lead.to_table(&columns, &|c| model.boolean_spelling(c))?;
            let mut inputs =
                policy.read_inputs(&table, model.missing_tokens(), &|r| r + 1, true)?;
            fail_on_rows(std::mem::take(&mut inputs.errors))?;
            let lead = DecidedLead {
                row: 1,
                tier: 0,
                rank: 1,
                failed: inputs.failed.pop().unwrap_or_default(),
                disqualified: inputs.disqualified.first().copied().unwrap_or(false),
                deal_value: inputs.deal_values.as_ref().and_then(|v| v.first().copied()),
                created: inputs.created.first().copied().flatten(),
                cut: e.points,
            };
            (lead, inputs.must_failed.first().copied().unwrap_or(false))
        };
        let tier = policy.tier_of(
            &self.thresholds,
            e.points,
            decided.cut,
            decided.disqualified,
            must_failed,
        );
        Ok(policy.decision(
            DecidedLead { tier, ..decided },
            e,
            &self.thresholds,
            &self.policy_fingerprint,
            &self.model_fingerprint,
        ))
    }
}
