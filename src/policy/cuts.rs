//! Frozen cuts: the share and capacity tiers of a policy turned into point
//! thresholds, frozen from a reference batch of leads, so that one lead (a
//! web form, a CRM webhook) or a batch too small to cut is decided against
//! the cuts of a real period instead of against itself.
//!
//! A `top_share` or `capacity` tier cuts the leads qualified together: one
//! lead alone is always the top of its own batch. [`Policy::freeze`] plans
//! a reference batch (say last month's leads), and records each share and
//! capacity tier's cut in points with the reference (leads, when, a
//! fingerprint of their points) as [`FrozenCuts`], a small JSON document
//! (format `leadscore.cuts`, version `1.0`). [`Policy::with_cuts`] gives the
//! policy that decides against them: every decision then records the
//! reference ([`Decision::cuts`](super::Decision::cuts)). Without frozen
//! cuts, qualifying fewer leads than a share or capacity tier needs is an
//! error ([`Error::TooFewLeads`]).
//!
//! ```
//! use leadscore::data::lead::Lead;
//! use leadscore::policy::Qualifier;
//! use leadscore::{synthetic, Model, Policy};
//! let deals = synthetic::deals(2_000, 7).table;
//! let model = Model::params().target("outcome").id("deal_id")
//!     .ignore(["created_at", "closed_at", "deal_value"]).l2(3.0)
//!     .fit(&deals).unwrap();
//! let policy = Policy::from_toml_str(r#"
//!     format = "leadscore.policy"
//!     format_version = "1.0"
//!     version = "1"
//!     [[tier]]
//!     name = "A"
//!     top_share = 0.1
//!     route = "sales"
//!     owner = "Account Executives"
//!     sla = "4h"
//!     [[tier]]
//!     name = "B"
//!     route = "nurture"
//! "#).unwrap();
//! // One lead alone cannot be cut into a top 10 %.
//! let one = deals.take_rows(&[0]);
//! assert!(policy.qualify(&model, &one).unwrap_err().to_string().contains("needs at least 10"));
//! // Frozen from the 2,000 leads, the cut is a number of points.
//! let cuts = policy.freeze(&model, &deals).unwrap();
//! assert_eq!(cuts.reference.leads, 2_000);
//! let frozen = policy.clone().with_cuts(cuts.clone()).unwrap();
//! let d = &frozen.qualify(&model, &one).unwrap()[0];
//! assert_eq!(d.cuts.as_deref(), Some(&cuts.reference));
//! // The same decision, one lead at a time.
//! let qualifier = Qualifier::new(model, frozen).unwrap();
//! let lead: Lead = deals.column_names().iter()
//!     .map(|c| (c.clone(), deals.cell(0, c).unwrap().map(|s| s.into_owned())))
//!     .collect();
//! assert_eq!(&qualifier.decide_one(&lead).unwrap(), d);
//! ```

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::plan::Plan;
use super::{Policy, TierCondition};
use crate::data::Table;
use crate::error::{fail_on_rows, Document, Error, Result};
use crate::model::Model;

/// The `format` field of a frozen-cuts file.
pub const CUTS_FORMAT: &str = "leadscore.cuts";
/// The version of the frozen-cuts file this crate reads: (major, minor).
pub const CUTS_FORMAT_VERSION: (u32, u32) = (1, 0);

/// The share and capacity cuts of a policy, frozen in points from a
/// reference batch of leads (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrozenCuts {
    /// Always [`CUTS_FORMAT`].
    pub format: String,
    /// `MAJOR.MINOR` of the file format.
    pub format_version: String,
    /// Fingerprint of the policy the cuts were frozen for
    /// ([`Policy::fingerprint`]).
    pub policy_fingerprint: String,
    /// That policy's own version.
    pub policy_version: String,
    /// Fingerprint of the model whose points the cuts are in.
    pub model_fingerprint: String,
    /// The batch the cuts were frozen from.
    pub reference: CutsReference,
    /// One cut per `top_share` or `capacity` tier, in policy order.
    pub tiers: Vec<FrozenTier>,
}

/// The reference batch of a set of [`FrozenCuts`]: recorded in every
/// decision made against them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutsReference {
    /// Leads of the reference batch that were planned (those that could be
    /// read).
    pub leads: usize,
    /// When the cuts were frozen (RFC 3339 UTC).
    pub frozen_at: String,
    /// A fingerprint of the reference leads (their rows and points): two
    /// freezes of the same leads by the same model give the same one.
    pub fingerprint: String,
}

/// The frozen cut of one share or capacity tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrozenTier {
    /// The tier's name.
    pub tier: String,
    /// Its condition, as the policy states it (e.g. `top 10 % of leads`).
    pub condition: String,
    /// The cut.
    pub cut: Cut,
}

/// Where a frozen tier cuts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    /// A lead needs at least this many points.
    MinPoints(f64),
    /// A lead needs at least this chance: the policy ranks by a chance of a
    /// model with a time to close (see [`Policy::rank_by`]).
    MinChance(f64),
    /// Every lead is in (a capacity larger than the eligible leads of the
    /// reference).
    Everyone,
    /// No lead is (a capacity of 0, or no eligible lead in the reference).
    Nobody,
}

impl Cut {
    /// The cut at `threshold`, in points or (`chance`) in a chance.
    fn of(threshold: f64, chance: bool) -> Cut {
        if threshold == f64::NEG_INFINITY {
            Cut::Everyone
        } else if threshold.is_finite() && chance {
            Cut::MinChance(threshold)
        } else if threshold.is_finite() {
            Cut::MinPoints(threshold)
        } else {
            Cut::Nobody
        }
    }

    /// The points (or chance) a lead needs (infinite for everyone or
    /// nobody).
    pub fn threshold(&self) -> f64 {
        match self {
            Cut::MinPoints(p) | Cut::MinChance(p) => *p,
            Cut::Everyone => f64::NEG_INFINITY,
            Cut::Nobody => f64::INFINITY,
        }
    }
}

/// The cuts a policy decides against, with its thresholds per tier.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppliedCuts {
    pub(crate) cuts: FrozenCuts,
    /// Shared by every decision made against them.
    pub(crate) reference: Arc<CutsReference>,
    /// The frozen threshold of each policy tier (`None` for other tiers).
    pub(crate) thresholds: Vec<Option<f64>>,
}

fn cuts_error(reason: impl Into<String>) -> Error {
    Error::Cuts {
        reason: reason.into(),
    }
}

impl FrozenCuts {
    /// Reads a frozen-cuts file.
    pub fn load(path: impl AsRef<Path>) -> Result<FrozenCuts> {
        let path = path.as_ref();
        let text = crate::data::files::read_to_string(path)?;
        Self::from_json_str_at(&text, path)
    }

    /// Parses a frozen-cuts document.
    pub fn from_json_str(text: &str) -> Result<FrozenCuts> {
        Self::from_json_str_at(text, Path::new("<string>"))
    }

    fn from_json_str_at(text: &str, path: &Path) -> Result<FrozenCuts> {
        let json_err = |source| Error::Json {
            path: path.to_path_buf(),
            source,
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(json_err)?;
        let field = |name: &str| value.get(name).and_then(|v| v.as_str());
        crate::model::file::check_envelope(
            Document::Cuts,
            "frozen cuts file",
            CUTS_FORMAT,
            field("format"),
            field("format_version"),
            CUTS_FORMAT_VERSION,
        )?;
        let cuts: FrozenCuts = serde_json::from_value(value).map_err(json_err)?;
        for t in &cuts.tiers {
            match t.cut {
                Cut::MinPoints(p) if !p.is_finite() => {
                    return Err(cuts_error(format!(
                        "tier {:?} has a cut of {p} points",
                        t.tier
                    )));
                }
                Cut::MinChance(p) if !(0.0..=1.0).contains(&p) => {
                    return Err(cuts_error(format!(
                        "tier {:?} has a cut at a chance of {p}, not between 0 and 1",
                        t.tier
                    )));
                }
                _ => {}
            }
        }
        Ok(cuts)
    }

    /// The document as pretty JSON.
    pub fn to_json_string(&self) -> String {
        // Plain data (strings, finite numbers): serializing cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the document atomically (complete or not at all).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut text = self.to_json_string();
        text.push('\n');
        crate::data::files::write_atomic(path, text.as_bytes())
    }
}

impl Policy {
    /// Freezes the share and capacity cuts of this policy from `reference`
    /// (taken as one period's leads): the cuts [`Policy::qualify_batch`]
    /// would make on it, in points of `model`. Cells that cannot be read
    /// fail, as in [`Policy::qualify_batch`]; a policy that already has
    /// frozen cuts is planned without them.
    pub fn freeze(&self, model: &Model, reference: &Table) -> Result<FrozenCuts> {
        let fresh = self.without_cuts();
        let assessment = fresh.assess(model, reference)?;
        fail_on_rows(assessment.errors)?;
        fresh
            .plan_reference(assessment.facts)?
            .freeze(&fresh, model)
    }

    /// This policy deciding against `cuts`: its share and capacity tiers
    /// become the frozen point thresholds, whatever the leads qualified
    /// together, and every decision records the reference.
    ///
    /// Errors ([`Error::Cuts`]): cuts of another format, frozen for another
    /// policy (by fingerprint), or whose tiers are not this policy's share
    /// and capacity tiers. The model is checked when deciding: the cuts
    /// are in points of the model they were frozen with.
    pub fn with_cuts(mut self, cuts: FrozenCuts) -> Result<Policy> {
        crate::model::file::check_envelope(
            Document::Cuts,
            "frozen cuts",
            CUTS_FORMAT,
            Some(&cuts.format),
            Some(&cuts.format_version),
            CUTS_FORMAT_VERSION,
        )?;
        if cuts.policy_fingerprint != self.fingerprint {
            return Err(cuts_error(format!(
                "frozen for policy {} (version {}), but this policy is {} (version {}): freeze them again",
                cuts.policy_fingerprint, cuts.policy_version, self.fingerprint, self.version
            )));
        }
        let cut_tiers: Vec<&str> = self
            .tiers
            .iter()
            .filter(|t| needs_cut(t.condition))
            .map(|t| t.name.as_str())
            .collect();
        let frozen_tiers: Vec<&str> = cuts.tiers.iter().map(|t| t.tier.as_str()).collect();
        if cut_tiers != frozen_tiers {
            return Err(cuts_error(format!(
                "they cut tiers {frozen_tiers:?}, but the policy's share and capacity tiers are {cut_tiers:?}"
            )));
        }
        let by = self.rank_by_name();
        for t in &cuts.tiers {
            let in_points = matches!(t.cut, Cut::MinPoints(_));
            let in_chance = matches!(t.cut, Cut::MinChance(_));
            if (in_points && self.rank_by.is_some()) || (in_chance && self.rank_by.is_none()) {
                return Err(cuts_error(format!(
                    "tier {:?} is cut in {}, but the policy ranks by {by}",
                    t.tier,
                    if in_points { "points" } else { "a chance" }
                )));
            }
        }
        let mut frozen = cuts.tiers.iter();
        let thresholds = self
            .tiers
            .iter()
            .map(|t| {
                if needs_cut(t.condition) {
                    frozen.next().map(|f| f.cut.threshold())
                } else {
                    None
                }
            })
            .collect();
        self.cuts = Some(Arc::new(AppliedCuts {
            reference: Arc::new(cuts.reference.clone()),
            cuts,
            thresholds,
        }));
        Ok(self)
    }

    /// The frozen cuts this policy decides against, if any.
    pub fn cuts(&self) -> Option<&FrozenCuts> {
        self.cuts.as_ref().map(|c| &c.cuts)
    }

    /// This policy without frozen cuts.
    pub fn without_cuts(&self) -> Policy {
        let mut p = self.clone();
        p.cuts = None;
        p
    }

    /// Whether some tier cuts the leads qualified together (`top_share` or
    /// `capacity`) and so needs frozen cuts to decide one lead alone.
    pub fn has_share_or_capacity_tiers(&self) -> bool {
        self.tiers.iter().any(|t| needs_cut(t.condition))
    }

    /// Refuses a model other than the one the frozen cuts are in points of,
    /// and a model that does not give the chance the policy ranks by.
    pub(crate) fn check_model(&self, model: &Model) -> Result<()> {
        if let Some(c) = self.rank_by {
            if let Some(reason) = super::rank_by_problem(c, model) {
                return Err(Error::InvalidParameter {
                    name: "rank_by".into(),
                    value: c.name(),
                    reason,
                });
            }
        }
        match &self.cuts {
            Some(c) if c.cuts.model_fingerprint != model.fingerprint() => Err(cuts_error(format!(
                "frozen in points of model {}, but the leads are scored by model {}: freeze them again with this model",
                c.cuts.model_fingerprint,
                model.fingerprint()
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses `leads` planned leads when a share or capacity tier needs
    /// more and no cuts are frozen (an empty batch is fine: nothing is
    /// decided). A top share of `s` needs `ceil(1 / s)` leads; a capacity
    /// tier needs as many leads as sales can take, except in a reference
    /// batch (`reference`), where fewer leads mean sales takes them all.
    pub(crate) fn check_enough_leads(&self, leads: usize, reference: bool) -> Result<()> {
        if self.cuts.is_some() || leads == 0 {
            return Ok(());
        }
        for t in &self.tiers {
            let needed = match t.condition {
                TierCondition::TopShare(s) => (1.0 / s - 1e-9).ceil().max(1.0) as usize,
                TierCondition::Capacity if !reference => self.capacity.map_or(0, |c| c.leads()),
                _ => 0,
            };
            if leads < needed {
                return Err(Error::TooFewLeads {
                    tier: t.name.clone(),
                    condition: t.condition.to_string(),
                    leads,
                    needed,
                });
            }
        }
        Ok(())
    }
}

/// Tiers whose cut depends on the leads qualified together.
pub(super) fn needs_cut(c: TierCondition) -> bool {
    matches!(c, TierCondition::TopShare(_) | TierCondition::Capacity)
}

impl Plan {
    /// Freezes this plan's share and capacity cuts (see [`Policy::freeze`]),
    /// for a plan made in batches ([`Policy::plan`]) by `policy` from leads
    /// scored by `model`. A plan made against frozen cuts is refused: freeze
    /// from a plan of the reference leads themselves.
    pub fn freeze(&self, policy: &Policy, model: &Model) -> Result<FrozenCuts> {
        if self.policy_fingerprint != policy.fingerprint {
            return Err(cuts_error(format!(
                "the plan was made with policy {}, not {}",
                self.policy_fingerprint, policy.fingerprint
            )));
        }
        if self.cuts.is_some() {
            return Err(cuts_error(
                "the plan was made against frozen cuts; freeze from a plan of the reference leads",
            ));
        }
        let tiers = policy
            .tiers
            .iter()
            .zip(&self.thresholds)
            .filter(|(t, _)| needs_cut(t.condition))
            .map(|(t, threshold)| FrozenTier {
                tier: t.name.clone(),
                condition: t.condition.to_string(),
                cut: Cut::of(threshold.unwrap_or(f64::INFINITY), policy.rank_by.is_some()),
            })
            .collect();
        Ok(FrozenCuts {
            format: CUTS_FORMAT.to_string(),
            format_version: format!("{}.{}", CUTS_FORMAT_VERSION.0, CUTS_FORMAT_VERSION.1),
            policy_fingerprint: policy.fingerprint.clone(),
            policy_version: policy.version.clone(),
            model_fingerprint: model.fingerprint(),
            reference: CutsReference {
                leads: self.len(),
                frozen_at: crate::util::time::now_rfc3339(),
                fingerprint: self.leads_fingerprint.clone(),
            },
            tiers,
        })
    }
}
