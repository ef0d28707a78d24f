//! The policy layer: the agreed definition of a qualified lead as a versioned
//! [`Policy`] document, and a [`Decision`] with its reasons for every lead.
//!
//! A policy is a TOML document (format `leadscore.policy`, version `1.1`;
//! `1.1` added `rank_by`, and `1.0` documents read unchanged):
//!
//! - **tiers**, evaluated top to bottom: the first tier whose condition holds
//!   takes the lead. A tier's condition is one of `min_points` (the lead has
//!   at least that many points), `top_share` (the lead is in that top share of
//!   the scored leads, by points), `capacity = true` (the lead is above the
//!   capacity cut, see [`Capacity`]) or nothing (a catch-all). The last tier
//!   must be a catch-all, so that every lead gets a tier.
//! - **must-have rules** (`[[must_have]]`): a lead that fails one cannot reach
//!   a tier routed to `sales`, whatever its points. It goes to the first
//!   tier, top to bottom, that is not routed to `sales` and whose condition
//!   holds (the best non-sales tier it qualifies for).
//! - **disqualify rules** (`[[disqualify]]`): a lead that matches one goes to
//!   the first tier routed to `disqualified` (whatever that tier's
//!   condition), or, when the policy has none, to a built-in tier named
//!   `disqualified` with no owner and no SLA.
//! - **routing**: each tier routes to `sales`, `sdr`, `nurture` or
//!   `disqualified`, with an owner team and an SLA (time to first contact:
//!   `15m`, `4h`, `2d`, `1w`, in calendar time).
//! - **capacity**: `reps` × `leads_per_rep` leads per period. The leads
//!   qualified together are taken as one period's leads.
//!
//! - **rank by** (`rank_by`, optional): what `top_share` and `capacity`
//!   tiers cut by and leads rank by inside a tier. `points` by default; with
//!   a model of the time to close (see [`crate::model::timing`]) a chance it
//!   gives as of the scoring date: `win_within_<H>d` for a horizon it was
//!   trained for (`win_within_90d`: "what closes this quarter") or
//!   `win_eventually`. `min_points` tiers still compare points. The capacity
//!   report then also gives the expected wins within the horizon.
//!
//! Rules compare one lead column with `in`, `not_in`, `==`, `!=`, `>=`, `>`,
//! `<=` or `<`. Each rule states what a missing value does: `missing =
//! "fail"` (the lead fails the rule: a must-have is not met, a disqualify
//! rule disqualifies) or `"pass"`. The default is `fail` for must-haves and
//! `pass` for disqualify rules. Cells equal to one of the model's missing
//! tokens count as missing. A rule may name any lead column; `policy check`
//! knows only the model's columns (features, id, and the columns it was
//! trained without), so a rule on another column must say `external = true`.
//!
//! Top shares, the capacity cut and ranks are over all the leads qualified
//! together, so a file too large to hold is qualified in passes over
//! batches (each numbered from its [`Table::first_row`]):
//! [`Policy::assess`] reads each batch into a few numbers per lead
//! ([`LeadFacts`]) and sets aside rows with bad cells, [`Policy::plan`]
//! cuts the tiers and ranks the leads from all the facts, and
//! [`Policy::decide`] gives each batch's decisions against the plan, in
//! any order or in parallel. [`Policy::qualify_batch`] is these passes on
//! one table. Leads set aside for a bad cell count in no share or cut.
//!
//! ```
//! use leadscore::{synthetic, Model, Policy};
//! let deals = synthetic::deals(2_000, 7);
//! let model = Model::params().target("outcome").id("deal_id")
//!     .ignore(["created_at", "closed_at", "deal_value"]).l2(3.0)
//!     .fit(&deals.table).unwrap();
//! let policy = Policy::from_toml_str(r#"
//!     format = "leadscore.policy"
//!     format_version = "1.0"
//!     version = "2024-06"
//!
//!     [[must_have]]
//!     name = "Not a student"
//!     column = "job_seniority"
//!     op = "!="
//!     value = "Student"
//!
//!     [[tier]]
//!     name = "A"
//!     top_share = 0.1
//!     route = "sales"
//!     owner = "Account Executives"
//!     sla = "4h"
//!
//!     [[tier]]
//!     name = "B"
//!     route = "nurture"
//!     owner = "Marketing"
//! "#).unwrap();
//! let decisions = policy.qualify(&model, &deals.table).unwrap();
//! assert_eq!(decisions.len(), 2_000);
//! let d = &decisions[0];
//! let sum: f64 = d.base_points + d.contributions.iter().map(|c| c.points).sum::<f64>();
//! assert!((sum - d.points).abs() < 1e-9);
//! ```

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, PolicyProblem, Result, Severity};
use crate::model::timing::Chance;
use crate::model::Model;

mod check;
mod convert;
pub mod cuts;
pub mod decide;
mod document;
mod read;
pub(crate) use document::toml_error;
pub mod log;
pub mod one;
pub mod plan;
pub mod rules;
pub mod starter;

pub use cuts::{Cut, CutsReference, FrozenCuts, FrozenTier};
pub use decide::{decision_columns, CapacityReport, Decision, Gap, Qualification, TierCount};
pub use log::{DecisionLog, LoggedDecision};
pub use one::Qualifier;
pub use plan::{Assessment, LeadFacts, Plan};
pub use rules::{Condition, FailedRule, Missing, Rule, RuleKind, Scalar};

/// The `format` field of a policy file.
pub const POLICY_FORMAT: &str = "leadscore.policy";
/// The version of the policy file this crate reads: (major, minor). It reads
/// files of the same major and an equal or older minor.
pub const POLICY_FORMAT_VERSION: (u32, u32) = (1, 1);
/// Name of the built-in tier of disqualified leads, used when no tier of
/// the policy routes to `disqualified`.
pub const DISQUALIFIED_TIER: &str = "disqualified";

/// Where a tier's leads go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Account executives: ready for a sales conversation.
    Sales,
    /// Sales development reps: qualify further by phone or email.
    Sdr,
    /// Marketing: keep in touch until the lead is ready.
    Nurture,
    /// Not a lead to work.
    Disqualified,
}

impl Route {
    /// The route as written in a policy (`sales`, `sdr`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Route::Sales => "sales",
            Route::Sdr => "sdr",
            Route::Nurture => "nurture",
            Route::Disqualified => "disqualified",
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service-level agreement: the time to first contact, in calendar time.
/// Written as a whole number and a unit: `15m`, `4h`, `2d`, `1w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    seconds: i64,
}

impl Sla {
    /// Parses `15m`, `4h`, `2d` or `1w` (a positive whole number and a
    /// unit); `None` for anything else.
    pub fn parse(text: &str) -> Option<Sla> {
        let t = text.trim();
        let unit = t.chars().last()?;
        let per = match unit {
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let digits = &t[..t.len() - 1];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        if n == 0 || n > 10_000 {
            return None;
        }
        Some(Sla { seconds: n * per })
    }

    /// The SLA in seconds.
    pub fn seconds(&self) -> i64 {
        self.seconds
    }
}

impl fmt::Display for Sla {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (per, unit) in [(604_800, 'w'), (86_400, 'd'), (3_600, 'h')] {
            if self.seconds % per == 0 {
                return write!(f, "{}{unit}", self.seconds / per);
            }
        }
        write!(f, "{}m", self.seconds / 60)
    }
}

impl Serialize for Sla {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// When a lead belongs to a tier (before rules are applied).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TierCondition {
    /// The lead has at least this many points.
    MinPoints(f64),
    /// The lead is in this top share (0 to 1) of all leads qualified
    /// together (those that could be read), by points. The cut is the
    /// points of the lead at position `ceil(share × leads)`; leads tied
    /// with it are in too.
    TopShare(f64),
    /// The lead is above the capacity cut (see [`Capacity`]).
    Capacity,
    /// Every lead.
    CatchAll,
}

impl fmt::Display for TierCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TierCondition::MinPoints(p) => write!(f, "points >= {p}"),
            TierCondition::TopShare(s) => write!(
                f,
                "top {} % of leads",
                crate::util::format_number((s * 1e6).round() / 1e4)
            ),
            TierCondition::Capacity => write!(f, "within sales capacity"),
            TierCondition::CatchAll => write!(f, "every other lead"),
        }
    }
}

/// One tier of a policy: its condition and where its leads go.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tier {
    /// Name, e.g. `A`.
    pub name: String,
    /// When a lead belongs here.
    pub condition: TierCondition,
    /// Where its leads go.
    pub route: Route,
    /// The team that owns the tier's leads.
    pub owner: Option<String>,
    /// Time to first contact.
    pub sla: Option<Sla>,
    /// Line of the tier in the policy file, when read from one.
    #[serde(skip)]
    pub line: Option<usize>,
    /// What the tier is for, in the policy's words.
    #[serde(skip)]
    pub description: Option<String>,
}

/// Sales capacity per period: `reps` × `leads_per_rep` leads.
///
/// The capacity cut is the points of the `reps × leads_per_rep`-th best
/// lead among the leads that may reach sales (those that fail no must-have
/// and match no disqualify rule), all leads qualified together being one
/// period's leads. A tier with `capacity = true` takes the leads at or above
/// the cut, so exactly that many leads reach it, more only when leads tie
/// with the last one's points (ties are never split), fewer only when fewer
/// leads may reach sales or a tier above it took some. When fewer leads may
/// reach sales than the capacity, all of them are above the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capacity {
    /// Sales reps.
    pub reps: u32,
    /// Leads one rep can work per period.
    pub leads_per_rep: u32,
    /// The period (e.g. `1w`), for the record.
    pub period: Option<Sla>,
    /// Line of `[capacity]` in the policy file, when read from one.
    #[serde(skip)]
    pub line: Option<usize>,
}

impl Capacity {
    /// Leads sales can take per period.
    pub fn leads(&self) -> usize {
        self.reps as usize * self.leads_per_rep as usize
    }
}

/// Lead columns the policy reads besides the model's.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeadColumns {
    /// When the lead was created (a date or date-time in the one date grammar
    /// of leadscore, as a training time column: `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss][Z|±hh:mm]` or
    /// `M/D/YYYY [hh:mm[:ss]]`): the SLA is due
    /// this long after it. Without it (or when the leads lack the column)
    /// `sla_due` is empty.
    pub created_at: Option<String>,
    /// The expected deal value: leads in a tier are ranked by P(win) × value,
    /// and the capacity report gives the expected pipeline.
    pub deal_value: Option<String>,
    /// Value used for a lead whose deal value is missing (default 0).
    pub default_deal_value: Option<f64>,
}

/// The agreed definition of a qualified lead; see the [module
/// docs](crate::policy). A `Policy` is only made by parsing a document, and
/// parsing refuses every problem of severity error, so a `Policy` value is
/// always valid: qualifying never checks it again. Its fingerprint is
/// computed once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub(crate) name: Option<String>,
    pub(crate) version: String,
    /// What share and capacity tiers cut by and leads rank by, when not
    /// points (left out of the fingerprint's input then, so a policy
    /// without it keeps its fingerprint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rank_by: Option<Chance>,
    /// Line of `rank_by` in the policy file, when read from one.
    #[serde(skip)]
    pub(crate) rank_by_line: Option<usize>,
    pub(crate) leads: LeadColumns,
    pub(crate) tiers: Vec<Tier>,
    pub(crate) must_have: Vec<Rule>,
    pub(crate) disqualify: Vec<Rule>,
    pub(crate) capacity: Option<Capacity>,
    #[serde(skip)]
    pub(crate) description: Option<String>,
    #[serde(skip)]
    pub(crate) fingerprint: String,
    /// Frozen cuts it decides against (see [`Policy::with_cuts`]); not part
    /// of the fingerprint.
    #[serde(skip)]
    pub(crate) cuts: Option<std::sync::Arc<cuts::AppliedCuts>>,
}

impl Policy {
    /// Reads a policy file. Every problem found is reported at once, each
    /// with its line and field (see [`Error::Policy`]): unknown fields,
    /// values of the wrong type, missing fields, and every rule the policy
    /// breaks. Only a document that is not TOML at all (bad syntax) stops at
    /// its first error, with its line and column ([`Error::Toml`]); a
    /// document of another format or version is [`Error::UnsupportedFormat`].
    pub fn load(path: impl AsRef<Path>) -> Result<Policy> {
        let path = path.as_ref();
        let text = crate::data::files::read_to_string(path)?;
        Self::from_toml_str_at(&text, path)
    }

    /// Parses a policy document.
    pub fn from_toml_str(text: &str) -> Result<Policy> {
        Self::from_toml_str_at(text, Path::new("<string>"))
    }

    /// Parses a policy document read from `path` (which names it in errors).
    pub fn from_toml_str_at(text: &str, path: &Path) -> Result<Policy> {
        let (policy, problems) = document::parse_document(text, path)?;
        if errors_only(&problems) {
            return Err(Error::Policy {
                path: path.to_path_buf(),
                problems: problems
                    .into_iter()
                    .filter(|p| p.severity == Severity::Error)
                    .collect(),
            });
        }
        Ok(policy)
    }

    /// Checks a policy document, against a model when given: every problem
    /// (errors and warnings) in line order, each with its line and field:
    /// unknown fields, values of the wrong type, missing fields, bad
    /// thresholds, shares, SLAs, routes and rules, and the order of the
    /// tiers. Only a document that is not TOML (a syntax error: its first,
    /// with line and column) or of another format or version is an `Err`.
    ///
    /// Against a model it also checks that every rule's column is one the
    /// model knows (a feature, the id, or a column it was trained without)
    /// unless the rule says `external = true`, that comparisons suit the
    /// column's kind, that listed values were seen in training (warning),
    /// and that `min_points` thresholds lie within the points the model can
    /// give.
    pub fn check_toml_str(
        text: &str,
        path: impl AsRef<Path>,
        model: Option<&Model>,
    ) -> Result<Vec<PolicyProblem>> {
        let (policy, mut problems) = document::parse_document(text, path.as_ref())?;
        if let Some(m) = model {
            problems.extend(policy.model_problems(m));
        }
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        Ok(problems)
    }

    /// A short stable hash of everything that decides a decision (not the
    /// comments, descriptions or the layout of the file), computed once.
    pub fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// A name for people.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What the policy is for, in its own words.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The policy's own version (e.g. `2024-06` or `3`), recorded in every
    /// decision.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// What `top_share` and `capacity` tiers cut by and leads rank by
    /// inside a tier: `None` for points, else a chance of a model with a
    /// time to close (`rank_by = "win_within_90d"`).
    pub fn rank_by(&self) -> Option<Chance> {
        self.rank_by
    }

    /// The name of what the policy ranks by: `points` or the chance's
    /// column name.
    pub fn rank_by_name(&self) -> String {
        self.rank_by.map_or_else(|| "points".into(), |c| c.name())
    }

    /// Lead columns the policy reads besides the model's.
    pub fn leads(&self) -> &LeadColumns {
        &self.leads
    }

    /// Tiers, best first.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// Must-have rules: failing one keeps a lead out of sales tiers.
    pub fn must_have(&self) -> &[Rule] {
        &self.must_have
    }

    /// Disqualify rules: matching one disqualifies a lead.
    pub fn disqualify(&self) -> &[Rule] {
        &self.disqualify
    }

    /// Sales capacity per period.
    pub fn capacity(&self) -> Option<Capacity> {
        self.capacity
    }

    /// The lead columns the policy reads: rule columns, created-at and
    /// deal value, in that order, without repeats.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let cols = self
            .must_have
            .iter()
            .chain(&self.disqualify)
            .map(|r| &r.column)
            .chain(self.leads.created_at.iter())
            .chain(self.leads.deal_value.iter());
        for c in cols {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }
}

/// Why `model` cannot rank leads by chance `c`, if it cannot.
pub(crate) fn rank_by_problem(c: Chance, model: &Model) -> Option<String> {
    let t = match model.timing() {
        None => return Some(format!(
            "the model learned from closed deals only and gives no {c}: train it with the deals' created and closed dates (and the open ones) to rank by a chance, or rank by points"
        )),
        Some(t) => t,
    };
    if c.given_by(t) {
        return None;
    }
    let names: Vec<String> = t
        .horizons_days
        .iter()
        .map(|&h| Chance::WinWithin(h).name())
        .chain(["win_eventually".to_string()])
        .collect();
    Some(format!(
        "the model gives no {c}: rank by one of {} (or train it for this horizon)",
        names.join(", ")
    ))
}

fn errors_only(problems: &[PolicyProblem]) -> bool {
    problems.iter().any(|p| p.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_parses_units_and_rejects_others() {
        assert_eq!(Sla::parse("15m").map(|s| s.seconds()), Some(900));
        assert_eq!(Sla::parse("4h").map(|s| s.seconds()), Some(14_400));
        assert_eq!(Sla::parse("2d").map(|s| s.seconds()), Some(172_800));
        assert_eq!(Sla::parse("1w").map(|s| s.seconds()), Some(604_800));
        for bad in ["4x", "h", "0h", "-1h", "1.5h", "", "4 h", "4H"] {
            assert_eq!(Sla::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Sla::parse("120m").map(|s| s.to_string()).as_deref(),
            Some("2h")
        );
    }
}
