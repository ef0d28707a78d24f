//! Qualification: the agreed definition of a qualified lead as a versioned
//! [`Policy`] document, and a [`Decision`] with its reasons for every lead.
//!
//! A policy is a TOML document (format `leadscore.policy`, version `1.0`):
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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::encoding::Encoding;
use crate::error::{Error, PolicyProblem, Result, RowError, RowErrors, Severity};
use crate::explanation::Contribution;
use crate::model::Model;
use crate::table::{Table, Values};

/// The `format` field of a policy file.
pub const POLICY_FORMAT: &str = "leadscore.policy";
/// The version of the policy file this crate reads: (major, minor). It reads
/// files of the same major and an equal or older minor.
pub const POLICY_FORMAT_VERSION: (u32, u32) = (1, 0);
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
                crate::table::format_number((s * 1e6).round() / 1e4)
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
}

/// What a missing value does to a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// The lead fails the rule: a must-have is not met, a disqualify rule
    /// disqualifies.
    Fail,
    /// The lead passes the rule.
    Pass,
}

/// A value in a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    /// Compared as text, exactly.
    Text(String),
    /// Compared as a number (a cell that is not a number does not match).
    Number(f64),
}

impl Scalar {
    fn matches(&self, cell: &str) -> bool {
        match self {
            Scalar::Text(t) => t == cell,
            Scalar::Number(x) => cell.trim().parse::<f64>().is_ok_and(|c| c == *x),
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Text(t) => write!(f, "{t:?}"),
            Scalar::Number(x) => write!(f, "{}", crate::table::format_number(*x)),
        }
    }
}

/// What a rule checks on a present value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The value is one of these.
    In(Vec<Scalar>),
    /// The value is none of these.
    NotIn(Vec<Scalar>),
    /// The value equals this.
    Eq(Scalar),
    /// The value differs from this.
    Ne(Scalar),
    /// The value is a number `>=` this.
    Ge(f64),
    /// The value is a number `>` this.
    Gt(f64),
    /// The value is a number `<=` this.
    Le(f64),
    /// The value is a number `<` this.
    Lt(f64),
}

impl Condition {
    /// Whether a present cell meets the condition; `Err` when the condition
    /// needs a number and the cell is not one.
    fn holds(&self, cell: &str) -> std::result::Result<bool, ()> {
        let num = || cell.trim().parse::<f64>().ok().filter(|x| x.is_finite());
        Ok(match self {
            Condition::In(v) => v.iter().any(|s| s.matches(cell)),
            Condition::NotIn(v) => !v.iter().any(|s| s.matches(cell)),
            Condition::Eq(s) => s.matches(cell),
            Condition::Ne(s) => !s.matches(cell),
            Condition::Ge(x) => num().ok_or(())? >= *x,
            Condition::Gt(x) => num().ok_or(())? > *x,
            Condition::Le(x) => num().ok_or(())? <= *x,
            Condition::Lt(x) => num().ok_or(())? < *x,
        })
    }

    fn is_numeric(&self) -> bool {
        matches!(
            self,
            Condition::Ge(_) | Condition::Gt(_) | Condition::Le(_) | Condition::Lt(_)
        )
    }

    fn scalars(&self) -> Vec<&Scalar> {
        match self {
            Condition::In(v) | Condition::NotIn(v) => v.iter().collect(),
            Condition::Eq(s) | Condition::Ne(s) => vec![s],
            _ => Vec::new(),
        }
    }
}

fn list(v: &[Scalar]) -> String {
    v.iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::In(v) => write!(f, "in [{}]", list(v)),
            Condition::NotIn(v) => write!(f, "not in [{}]", list(v)),
            Condition::Eq(s) => write!(f, "== {s}"),
            Condition::Ne(s) => write!(f, "!= {s}"),
            Condition::Ge(x) => write!(f, ">= {}", crate::table::format_number(*x)),
            Condition::Gt(x) => write!(f, "> {}", crate::table::format_number(*x)),
            Condition::Le(x) => write!(f, "<= {}", crate::table::format_number(*x)),
            Condition::Lt(x) => write!(f, "< {}", crate::table::format_number(*x)),
        }
    }
}

/// Whether a rule is a must-have or a disqualify rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A lead must meet it to reach a sales tier.
    MustHave,
    /// A lead that matches it is disqualified.
    Disqualify,
}

/// A must-have or disqualify rule on one lead column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Name, shown in reasons (e.g. `Target market`).
    pub name: String,
    /// The lead column it reads.
    pub column: String,
    /// What it checks on a present value. A must-have is met when the
    /// condition holds; a disqualify rule disqualifies when it holds.
    pub condition: Condition,
    /// What a missing value does.
    pub missing: Missing,
    /// The column is not one the model knows (it is only in the leads).
    pub external: bool,
    /// Line of the rule in the policy file, when read from one.
    #[serde(skip)]
    pub line: Option<usize>,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.column, self.condition)
    }
}

impl Rule {
    /// Whether the lead "fails" the rule: for a must-have, the condition
    /// does not hold; for a disqualify rule, it holds. `Err` when the rule
    /// needs a number and the cell is not one.
    fn fails(&self, kind: RuleKind, cell: Option<&str>) -> std::result::Result<bool, ()> {
        match cell {
            None => Ok(self.missing == Missing::Fail),
            Some(c) => {
                let holds = self.condition.holds(c)?;
                Ok(match kind {
                    RuleKind::MustHave => !holds,
                    RuleKind::Disqualify => holds,
                })
            }
        }
    }
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
    /// When the lead was created (`YYYY-MM-DD` or RFC 3339): the SLA is due
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
/// docs](crate::qualification).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// A name for people.
    pub name: Option<String>,
    /// The policy's own version (e.g. `2024-06` or `3`), recorded in every
    /// decision.
    pub version: String,
    /// Lead columns the policy reads besides the model's.
    pub leads: LeadColumns,
    /// Tiers, best first.
    pub tiers: Vec<Tier>,
    /// Must-have rules: failing one keeps a lead out of sales tiers.
    pub must_have: Vec<Rule>,
    /// Disqualify rules: matching one disqualifies a lead.
    pub disqualify: Vec<Rule>,
    /// Sales capacity per period.
    pub capacity: Option<Capacity>,
}

/// A rule a lead failed (a must-have not met, or a disqualify rule matched).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedRule {
    /// Must-have or disqualify.
    pub kind: RuleKind,
    /// The rule's name.
    pub name: String,
    /// The rule, e.g. `country in ["United States"]`.
    pub rule: String,
    /// The column it reads.
    pub column: String,
    /// The lead's value (`None` when missing).
    pub value: Option<String>,
}

impl fmt::Display for FailedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = match &self.value {
            Some(v) => format!("{} = {v}", self.column),
            None => format!("{} missing", self.column),
        };
        match self.kind {
            RuleKind::MustHave => write!(f, "fails must-have {:?} ({value})", self.name),
            RuleKind::Disqualify => write!(f, "disqualified by {:?} ({value})", self.name),
        }
    }
}

/// What a lead lacks to reach the tier above its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// The tier above.
    pub tier: String,
    /// Points it is short of that tier's threshold, when it is short.
    pub points_short: Option<f64>,
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
    /// 1-based rank inside its tier: by P(win) × deal value when the policy
    /// names a deal-value column, else by P(win); ties keep input order.
    pub rank: usize,
    /// Points.
    pub points: f64,
    /// Probability of a win.
    pub probability: f64,
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
    /// Rules the lead failed, must-haves first, in policy order.
    pub failed_rules: Vec<FailedRule>,
    /// What it lacks for the tier above its own (none in the top tier or
    /// when disqualified).
    pub gap: Option<Gap>,
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
        let fmt = |cs: Vec<&Contribution>| {
            cs.iter()
                .map(|c| format!("{} = {} ({:+.1})", c.column, c.attribute, c.points))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut up: Vec<&Contribution> = self
            .contributions
            .iter()
            .filter(|c| c.points > 0.0)
            .collect();
        let mut down: Vec<&Contribution> = self
            .contributions
            .iter()
            .filter(|c| c.points < 0.0)
            .collect();
        up.sort_by(|a, b| b.points.total_cmp(&a.points));
        down.sort_by(|a, b| a.points.total_cmp(&b.points));
        up.truncate(top);
        down.truncate(top);
        if !up.is_empty() {
            parts.push(format!("for: {}", fmt(up)));
        }
        if !down.is_empty() {
            parts.push(format!("against: {}", fmt(down)));
        }
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
    /// a catch-all, or a cut no lead could reach).
    pub threshold: Option<f64>,
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
    /// Points of the capacity cut (`None` when capacity is 0; the lowest
    /// eligible points when fewer leads are eligible than the capacity).
    pub cut_points: Option<f64>,
    /// Leads routed to sales.
    pub sales_leads: usize,
    /// Expected wins among them: the sum of their P(win).
    pub expected_wins: f64,
    /// Expected pipeline among them: the sum of P(win) × deal value, when
    /// the policy names a deal-value column.
    pub expected_pipeline: Option<f64>,
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

// ---------------------------------------------------------------------------
// The document

#[derive(Deserialize)]
struct Envelope {
    format: Option<String>,
    format_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    format_version: String,
    name: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    version: Spanned<String>,
    leads: Option<RawLeads>,
    #[serde(default, rename = "tier")]
    tiers: Vec<Spanned<RawTier>>,
    #[serde(default)]
    must_have: Vec<Spanned<RawRule>>,
    #[serde(default)]
    disqualify: Vec<Spanned<RawRule>>,
    capacity: Option<Spanned<RawCapacity>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeads {
    created_at: Option<Spanned<String>>,
    deal_value: Option<Spanned<String>>,
    default_deal_value: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    name: Spanned<String>,
    #[allow(dead_code)]
    description: Option<String>,
    min_points: Option<Spanned<f64>>,
    top_share: Option<Spanned<f64>>,
    capacity: Option<Spanned<bool>>,
    route: Spanned<Route>,
    owner: Option<Spanned<String>>,
    sla: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
enum RawOp {
    #[serde(rename = "in")]
    In,
    #[serde(rename = "not_in")]
    NotIn,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    #[allow(dead_code)]
    description: Option<String>,
    column: Spanned<String>,
    #[serde(rename = "in")]
    in_list: Option<Spanned<Vec<toml::Value>>>,
    not_in: Option<Spanned<Vec<toml::Value>>>,
    op: Option<Spanned<RawOp>>,
    value: Option<Spanned<toml::Value>>,
    missing: Option<Missing>,
    #[serde(default)]
    external: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapacity {
    reps: Spanned<i64>,
    leads_per_rep: Spanned<i64>,
    period: Option<Spanned<String>>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based column of a byte offset.
fn column_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    let start = text.as_bytes()[..end]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(0);
    text.get(start..end).map_or(0, |s| s.chars().count()) + 1
}

fn toml_error(text: &str, path: &Path, e: toml::de::Error) -> Error {
    let (line, column) = match e.span() {
        Some(s) => (Some(line_of(text, s.start)), Some(column_of(text, s.start))),
        None => (None, None),
    };
    Error::Toml {
        path: path.to_path_buf(),
        line,
        column,
        message: e.message().trim().to_string(),
    }
}

struct Problems<'a> {
    text: &'a str,
    list: Vec<PolicyProblem>,
}

impl Problems<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(line_of(self.text, s.span().start))
    }

    fn error(&mut self, line: Option<usize>, field: impl Into<String>, reason: impl Into<String>) {
        self.list.push(PolicyProblem {
            severity: Severity::Error,
            line,
            field: field.into(),
            reason: reason.into(),
        });
    }
}

fn scalar(v: &toml::Value) -> Option<Scalar> {
    match v {
        toml::Value::String(s) => Some(Scalar::Text(s.clone())),
        toml::Value::Integer(i) => Some(Scalar::Number(*i as f64)),
        toml::Value::Float(x) if x.is_finite() => Some(Scalar::Number(*x)),
        _ => None,
    }
}

/// A TOML value as written, for messages.
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(_) => "a list".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

fn convert_rule(raw: &Spanned<RawRule>, field: &str, kind: RuleKind, p: &mut Problems) -> Rule {
    let r = raw.get_ref();
    let line = p.at(raw);
    let name = r.name.get_ref().trim().to_string();
    if name.is_empty() {
        p.error(
            p.at(&r.name),
            format!("{field}.name"),
            "a rule needs a name",
        );
    }
    let column = r.column.get_ref().trim().to_string();
    if column.is_empty() {
        p.error(
            p.at(&r.column),
            format!("{field}.column"),
            "a rule needs a column",
        );
    }
    let list_of = |v: &Spanned<Vec<toml::Value>>, key: &str, p: &mut Problems| -> Vec<Scalar> {
        let mut out = Vec::new();
        for x in v.get_ref() {
            match scalar(x) {
                Some(s) => out.push(s),
                None => p.error(
                    p.at(v),
                    format!("{field}.{key}"),
                    format!(
                        "{} is not a text or a number (write true/false in quotes)",
                        show(x)
                    ),
                ),
            }
        }
        if v.get_ref().is_empty() {
            p.error(p.at(v), format!("{field}.{key}"), "the list is empty");
        }
        out
    };
    let given = [r.in_list.is_some(), r.not_in.is_some(), r.op.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    let placeholder = Condition::In(Vec::new());
    let condition = if given != 1 {
        p.error(
            line,
            field.to_string(),
            format!(
                "rule {name:?} needs exactly one of `in = [...]`, `not_in = [...]` or `op` with `value`, found {given}"
            ),
        );
        placeholder
    } else if let Some(v) = &r.in_list {
        if r.value.is_some() {
            p.error(
                p.at(v),
                format!("{field}.value"),
                "`value` goes with `op`, not with `in`",
            );
        }
        Condition::In(list_of(v, "in", p))
    } else if let Some(v) = &r.not_in {
        if r.value.is_some() {
            p.error(
                p.at(v),
                format!("{field}.value"),
                "`value` goes with `op`, not with `not_in`",
            );
        }
        Condition::NotIn(list_of(v, "not_in", p))
    } else {
        let op = r.op.as_ref().map(|o| *o.get_ref()).unwrap_or(RawOp::In);
        match &r.value {
            None => {
                p.error(
                    line,
                    format!("{field}.value"),
                    format!("rule {name:?} has `op` but no `value`"),
                );
                placeholder
            }
            Some(v) => {
                let value_line = p.at(v);
                let vf = format!("{field}.value");
                match op {
                    RawOp::In | RawOp::NotIn => match v.get_ref() {
                        toml::Value::Array(items) => {
                            let mut out = Vec::new();
                            for x in items {
                                match scalar(x) {
                                    Some(s) => out.push(s),
                                    None => p.error(
                                        value_line,
                                        vf.clone(),
                                        format!("{} is not a text or a number", show(x)),
                                    ),
                                }
                            }
                            if items.is_empty() {
                                p.error(value_line, vf.clone(), "the list is empty");
                            }
                            if op == RawOp::In {
                                Condition::In(out)
                            } else {
                                Condition::NotIn(out)
                            }
                        }
                        other => {
                            p.error(
                                value_line,
                                vf,
                                format!("`in` and `not_in` need a list, found {}", show(other)),
                            );
                            placeholder
                        }
                    },
                    RawOp::Eq | RawOp::Ne => match scalar(v.get_ref()) {
                        Some(s) if op == RawOp::Eq => Condition::Eq(s),
                        Some(s) => Condition::Ne(s),
                        None => {
                            p.error(
                                value_line,
                                vf,
                                format!(
                                    "{} is not a text or a number (write true/false in quotes)",
                                    show(v.get_ref())
                                ),
                            );
                            placeholder
                        }
                    },
                    RawOp::Ge | RawOp::Gt | RawOp::Le | RawOp::Lt => match number(v.get_ref()) {
                        Some(x) => match op {
                            RawOp::Ge => Condition::Ge(x),
                            RawOp::Gt => Condition::Gt(x),
                            RawOp::Le => Condition::Le(x),
                            _ => Condition::Lt(x),
                        },
                        None => {
                            p.error(
                                value_line,
                                vf,
                                format!(
                                    "{} is not a number; >, >=, < and <= compare numbers",
                                    show(v.get_ref())
                                ),
                            );
                            placeholder
                        }
                    },
                }
            }
        }
    };
    Rule {
        name,
        column,
        condition,
        missing: r.missing.unwrap_or(match kind {
            RuleKind::MustHave => Missing::Fail,
            RuleKind::Disqualify => Missing::Pass,
        }),
        external: r.external,
        line,
    }
}

fn convert(raw: RawPolicy, text: &str) -> (Policy, Vec<PolicyProblem>) {
    let mut p = Problems {
        text,
        list: Vec::new(),
    };
    let version = raw.version.get_ref().trim().to_string();
    if version.is_empty() {
        p.error(
            p.at(&raw.version),
            "version",
            "the policy needs a version (e.g. \"1\" or \"2024-06\")",
        );
    }
    let mut leads = LeadColumns::default();
    if let Some(l) = &raw.leads {
        for (value, key, slot) in [
            (&l.created_at, "created_at", &mut leads.created_at),
            (&l.deal_value, "deal_value", &mut leads.deal_value),
        ] {
            if let Some(v) = value {
                if v.get_ref().trim().is_empty() {
                    p.error(p.at(v), format!("leads.{key}"), "the column name is empty");
                } else {
                    *slot = Some(v.get_ref().trim().to_string());
                }
            }
        }
        if let Some(v) = &l.default_deal_value {
            if v.get_ref().is_finite() {
                leads.default_deal_value = Some(*v.get_ref());
            } else {
                p.error(
                    p.at(v),
                    "leads.default_deal_value",
                    "must be a finite number",
                );
            }
        }
    }
    let mut tiers = Vec::new();
    for (i, t) in raw.tiers.iter().enumerate() {
        let field = format!("tier[{}]", i + 1);
        let r = t.get_ref();
        let line = p.at(t);
        let name = r.name.get_ref().trim().to_string();
        if name.is_empty() {
            p.error(
                p.at(&r.name),
                format!("{field}.name"),
                "a tier needs a name",
            );
        }
        let mut conditions = Vec::new();
        if let Some(m) = &r.min_points {
            if m.get_ref().is_finite() {
                conditions.push(TierCondition::MinPoints(*m.get_ref()));
            } else {
                p.error(
                    p.at(m),
                    format!("{field}.min_points"),
                    "must be a finite number",
                );
            }
        }
        if let Some(s) = &r.top_share {
            let x = *s.get_ref();
            if x > 0.0 && x <= 1.0 {
                conditions.push(TierCondition::TopShare(x));
            } else {
                p.error(
                    p.at(s),
                    format!("{field}.top_share"),
                    format!(
                        "{x} is not a share: use a number above 0 and at most 1 (0.05 = top 5 %)"
                    ),
                );
            }
        }
        if let Some(c) = &r.capacity {
            if *c.get_ref() {
                conditions.push(TierCondition::Capacity);
            }
        }
        if conditions.len() > 1 {
            p.error(
                line,
                field.clone(),
                format!("tier {name:?} has {} conditions; use one of min_points, top_share or capacity (none makes a catch-all)", conditions.len()),
            );
        }
        let sla = match &r.sla {
            Some(s) => match Sla::parse(s.get_ref()) {
                Some(x) => Some(x),
                None => {
                    p.error(
                        p.at(s),
                        format!("{field}.sla"),
                        format!(
                            "{:?} is not a time to first contact: use a whole number and m, h, d or w (15m, 4h, 2d, 1w)",
                            s.get_ref()
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        let route = *r.route.get_ref();
        let owner = r
            .owner
            .as_ref()
            .map(|o| o.get_ref().trim().to_string())
            .filter(|o| !o.is_empty());
        if matches!(route, Route::Sales | Route::Sdr) {
            if owner.is_none() {
                p.error(
                    line,
                    format!("{field}.owner"),
                    format!("tier {name:?} routes to {route}: name the owner team so the hand-off is written down"),
                );
            }
            if r.sla.is_none() {
                p.error(
                    line,
                    format!("{field}.sla"),
                    format!("tier {name:?} routes to {route}: give an sla (time to first contact, e.g. \"4h\")"),
                );
            }
        }
        tiers.push(Tier {
            name,
            condition: conditions
                .first()
                .copied()
                .unwrap_or(TierCondition::CatchAll),
            route,
            owner,
            sla,
            line,
        });
    }
    let must_have = raw
        .must_have
        .iter()
        .enumerate()
        .map(|(i, r)| {
            convert_rule(
                r,
                &format!("must_have[{}]", i + 1),
                RuleKind::MustHave,
                &mut p,
            )
        })
        .collect();
    let disqualify = raw
        .disqualify
        .iter()
        .enumerate()
        .map(|(i, r)| {
            convert_rule(
                r,
                &format!("disqualify[{}]", i + 1),
                RuleKind::Disqualify,
                &mut p,
            )
        })
        .collect();
    let capacity = raw.capacity.as_ref().map(|c| {
        let r = c.get_ref();
        let mut count = |v: &Spanned<i64>, key: &str| -> u32 {
            match u32::try_from(*v.get_ref()) {
                Ok(n) if n >= 1 => n,
                _ => {
                    p.error(
                        p.at(v),
                        format!("capacity.{key}"),
                        format!("{} is not a whole number of at least 1", v.get_ref()),
                    );
                    1
                }
            }
        };
        let reps = count(&r.reps, "reps");
        let leads_per_rep = count(&r.leads_per_rep, "leads_per_rep");
        let period = r.period.as_ref().and_then(|s| {
            let parsed = Sla::parse(s.get_ref());
            if parsed.is_none() {
                p.error(
                    p.at(s),
                    "capacity.period",
                    format!(
                        "{:?} is not a period: use a whole number and m, h, d or w (1d, 1w)",
                        s.get_ref()
                    ),
                );
            }
            parsed
        });
        Capacity {
            reps,
            leads_per_rep,
            period,
            line: p.at(c),
        }
    });
    let policy = Policy {
        name: raw.name,
        version,
        leads,
        tiers,
        must_have,
        disqualify,
        capacity,
    };
    (policy, p.list)
}

fn parse_document(text: &str, path: &Path) -> Result<(Policy, Vec<PolicyProblem>)> {
    let envelope: Envelope = toml::from_str(text).map_err(|e| toml_error(text, path, e))?;
    crate::model::check_envelope(
        "policy file",
        POLICY_FORMAT,
        envelope.format.as_deref(),
        envelope.format_version.as_deref(),
        POLICY_FORMAT_VERSION,
    )?;
    // Unknown fields are collected one by one: each is blanked out (with
    // spaces, so offsets and lines stay put) and the document parsed again.
    let mut work = text.to_string();
    let mut unknown: Vec<PolicyProblem> = Vec::new();
    let raw: RawPolicy = loop {
        let e = match toml::from_str(&work) {
            Ok(raw) => break raw,
            Err(e) => e,
        };
        let span = e
            .span()
            .filter(|_| e.message().starts_with("unknown field"));
        match span {
            Some(span) if unknown.len() < 100 && span.start < work.len() => {
                let line = line_of(text, span.start);
                let key = e.message().split('`').nth(1).unwrap_or("?").to_string();
                unknown.push(PolicyProblem {
                    severity: Severity::Error,
                    line: Some(line),
                    field: table_path(text, line, &key),
                    reason: e.message().trim().to_string(),
                });
                let end = work[span.start..]
                    .find('\n')
                    .map_or(work.len(), |i| span.start + i);
                let blank = " ".repeat(end - span.start);
                work.replace_range(span.start..end, &blank);
            }
            // Another error after blanking unknown fields may come from the
            // blanking itself (a value over several lines): report the
            // unknown fields alone.
            _ if !unknown.is_empty() => {
                return Err(Error::Policy {
                    path: path.to_path_buf(),
                    problems: unknown,
                })
            }
            _ => return Err(toml_error(text, path, e)),
        }
    };
    let (policy, mut problems) = convert(raw, text);
    problems.extend(policy.problems());
    problems.extend(unknown);
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    Ok((policy, problems))
}

/// The field path of `key` on 1-based `line`: `tier[2].key` inside the
/// second `[[tier]]`, `leads.key` inside `[leads]`, `key` at the top.
fn table_path(text: &str, line: usize, key: &str) -> String {
    let mut header: Option<(String, Option<usize>)> = None;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for l in text.lines().take(line) {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = counts.entry(name.clone()).or_default();
            *n += 1;
            header = Some((name, Some(*n)));
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            header = Some((name.trim().to_string(), None));
        }
    }
    match header {
        Some((name, Some(i))) => format!("{name}[{i}].{key}"),
        Some((name, None)) => format!("{name}.{key}"),
        None => key.to_string(),
    }
}

fn errors_only(problems: &[PolicyProblem]) -> bool {
    problems.iter().any(|p| p.severity == Severity::Error)
}

impl Policy {
    /// Reads a policy file. Every problem found is reported at once, each
    /// with its line and field, unknown fields included (see
    /// [`Error::Policy`]); a document that does not parse (bad syntax, a
    /// value of the wrong type, a missing field) reports its first such error
    /// with its line ([`Error::Toml`]).
    pub fn load(path: impl AsRef<Path>) -> Result<Policy> {
        let path = path.as_ref();
        let text = crate::io::read_to_string(path)?;
        Self::from_toml_str_at(&text, path)
    }

    /// Parses a policy document.
    pub fn from_toml_str(text: &str) -> Result<Policy> {
        Self::from_toml_str_at(text, Path::new("<string>"))
    }

    fn from_toml_str_at(text: &str, path: &Path) -> Result<Policy> {
        let (policy, problems) = parse_document(text, path)?;
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
    /// (errors and warnings) in line order, unknown fields included. A
    /// document that does not parse (TOML syntax, a value of the wrong type,
    /// a missing field, an unsupported version) is an `Err` naming the line
    /// of its first such error.
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
        let (policy, mut problems) = parse_document(text, path.as_ref())?;
        if let Some(m) = model {
            problems.extend(policy.model_problems(m));
        }
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        Ok(problems)
    }

    /// A short stable hash of everything that decides a decision (not the
    /// comments or the layout of the file).
    pub fn fingerprint(&self) -> String {
        let body = serde_json::to_string(self).unwrap_or_default();
        let mut h: u64 = 0xcbf29ce484222325;
        for b in body.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
        format!("{h:016x}")
    }

    /// The problems of the policy on its own (no model needed): missing or
    /// misplaced catch-all, unreachable tiers, duplicate names, a capacity
    /// tier without a capacity.
    pub fn problems(&self) -> Vec<PolicyProblem> {
        let mut out = Vec::new();
        let mut error = |line: Option<usize>, field: String, reason: String| {
            out.push(PolicyProblem {
                severity: Severity::Error,
                line,
                field,
                reason,
            })
        };
        if self.tiers.is_empty() {
            error(
                None,
                "tier".into(),
                "the policy has no [[tier]]; add at least a catch-all tier".into(),
            );
        }
        let mut names = HashSet::new();
        for (i, t) in self.tiers.iter().enumerate() {
            if !t.name.is_empty() && !names.insert(t.name.as_str()) {
                error(
                    t.line,
                    format!("tier[{}].name", i + 1),
                    format!("tier name {:?} is used twice", t.name),
                );
            }
        }
        if let Some(last) = self.tiers.last() {
            if last.condition != TierCondition::CatchAll {
                error(
                    last.line,
                    format!("tier[{}]", self.tiers.len()),
                    format!(
                        "the last tier ({:?}) has a condition ({}), so some leads would get no tier: add a last tier with no min_points, top_share or capacity (a catch-all)",
                        last.name, last.condition
                    ),
                );
            } else if last.route == Route::Sales && !self.must_have.is_empty() {
                error(
                    last.line,
                    format!("tier[{}].route", self.tiers.len()),
                    format!(
                        "the catch-all tier {:?} routes to sales, so a lead failing a must-have has no tier: route the last tier to sdr, nurture or disqualified",
                        last.name
                    ),
                );
            }
        }
        let first_disqualified = self
            .tiers
            .iter()
            .position(|t| t.route == Route::Disqualified);
        for (j, tj) in self.tiers.iter().enumerate() {
            if j == first_disqualified.unwrap_or(usize::MAX) && !self.disqualify.is_empty() {
                continue; // reached by disqualify rules
            }
            for ti in self.tiers.iter().take(j) {
                // Leads failing a must-have skip sales tiers, so a non-sales
                // tier below a sales tier is still reachable for them.
                if ti.route == Route::Sales
                    && tj.route != Route::Sales
                    && !self.must_have.is_empty()
                {
                    continue;
                }
                let covered = match (ti.condition, tj.condition) {
                    (TierCondition::CatchAll, _) => true,
                    (TierCondition::MinPoints(a), TierCondition::MinPoints(b)) => b >= a,
                    (TierCondition::TopShare(a), TierCondition::TopShare(b)) => b <= a,
                    (TierCondition::Capacity, TierCondition::Capacity) => true,
                    _ => false,
                };
                if covered {
                    error(
                        tj.line,
                        format!("tier[{}]", j + 1),
                        format!(
                            "tier {:?} ({}) is unreachable: every such lead is already taken by tier {:?} ({}) above it; order tiers from the strictest to the loosest",
                            tj.name, tj.condition, ti.name, ti.condition
                        ),
                    );
                    break;
                }
            }
        }
        let capacity_tiers: Vec<&Tier> = self
            .tiers
            .iter()
            .filter(|t| t.condition == TierCondition::Capacity)
            .collect();
        if self.capacity.is_none() {
            for t in &capacity_tiers {
                error(
                    t.line,
                    "capacity".into(),
                    format!("tier {:?} uses capacity = true but the policy has no [capacity] (reps, leads_per_rep)", t.name),
                );
            }
        }
        for (field, rules) in [
            ("must_have", &self.must_have),
            ("disqualify", &self.disqualify),
        ] {
            let mut seen = HashSet::new();
            for (i, r) in rules.iter().enumerate() {
                if !r.name.is_empty() && !seen.insert(r.name.as_str()) {
                    error(
                        r.line,
                        format!("{field}[{}].name", i + 1),
                        format!("rule name {:?} is used twice", r.name),
                    );
                }
            }
        }
        if let (Some(c), true) = (self.capacity, capacity_tiers.is_empty()) {
            out.push(PolicyProblem {
                severity: Severity::Warning,
                line: c.line,
                field: "capacity".into(),
                reason: "[capacity] is given but no tier has capacity = true; the capacity is only reported".into(),
            });
        }
        out
    }

    /// The problems of the policy against a model (see
    /// [`Policy::check_toml_str`]).
    pub fn model_problems(&self, model: &Model) -> Vec<PolicyProblem> {
        let mut out = Vec::new();
        let target = model.target().column.clone();
        let known = |c: &str| {
            model.feature_columns().contains(&c)
                || model.id_column() == Some(c)
                || model
                    .summary()
                    .columns_excluded
                    .iter()
                    .any(|x| x == c && *x != target)
        };
        for (kind, rules) in [
            ("must_have", &self.must_have),
            ("disqualify", &self.disqualify),
        ] {
            for (i, r) in rules.iter().enumerate() {
                let field = format!("{kind}[{}].column", i + 1);
                let mut push = |severity, reason: String| {
                    out.push(PolicyProblem {
                        severity,
                        line: r.line,
                        field: field.clone(),
                        reason,
                    })
                };
                if r.column == target {
                    push(
                        Severity::Error,
                        format!("rule {:?} reads {:?}, the model's outcome column, which new leads do not have", r.name, r.column),
                    );
                    continue;
                }
                if r.external {
                    continue;
                }
                if !known(&r.column) {
                    push(
                        Severity::Error,
                        format!(
                            "rule {:?} reads column {:?}, which the model does not know (its columns: {}); if the leads carry it, add external = true",
                            r.name,
                            r.column,
                            model.feature_columns().join(", ")
                        ),
                    );
                    continue;
                }
                let Some(f) = model.features().iter().find(|f| f.column == r.column) else {
                    continue;
                };
                match &f.encoding {
                    Encoding::Numeric { .. } => {
                        if r.condition
                            .scalars()
                            .iter()
                            .any(|s| matches!(s, Scalar::Text(_)))
                        {
                            push(
                                Severity::Error,
                                format!("rule {:?}: column {:?} is numeric in the model; compare it with numbers", r.name, r.column),
                            );
                        }
                    }
                    Encoding::Categorical { levels } => {
                        if r.condition.is_numeric() {
                            push(
                                Severity::Warning,
                                format!(
                                    "rule {:?} compares {:?} as a number, but the model reads it as categories",
                                    r.name, r.column
                                ),
                            );
                        }
                        for s in r.condition.scalars() {
                            if let Scalar::Text(t) = s {
                                if !levels.contains(t) {
                                    push(
                                        Severity::Warning,
                                        format!(
                                            "rule {:?}: value {t:?} was not among the values the model learned for {:?} ({}); check the spelling",
                                            r.name,
                                            r.column,
                                            levels.join(", ")
                                        ),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        for (key, col) in [
            ("leads.created_at", &self.leads.created_at),
            ("leads.deal_value", &self.leads.deal_value),
        ] {
            if let Some(c) = col {
                if !known(c) {
                    out.push(PolicyProblem {
                        severity: Severity::Warning,
                        line: None,
                        field: key.into(),
                        reason: format!(
                            "column {c:?} is not one the model knows; make sure the leads carry it"
                        ),
                    });
                }
            }
        }
        let (lo, hi) = points_range(model);
        let n = self.tiers.len();
        for (i, t) in self.tiers.iter().enumerate() {
            if let TierCondition::MinPoints(m) = t.condition {
                if m > hi {
                    out.push(PolicyProblem {
                        severity: Severity::Error,
                        line: t.line,
                        field: format!("tier[{}].min_points", i + 1),
                        reason: format!(
                            "tier {:?} is unreachable: it needs {m} points and the model gives at most {hi:.1}",
                            t.name
                        ),
                    });
                } else if m <= lo && i + 1 < n {
                    out.push(PolicyProblem {
                        severity: Severity::Error,
                        line: t.line,
                        field: format!("tier[{}].min_points", i + 1),
                        reason: format!(
                            "tier {:?} takes every lead (the model gives at least {lo:.1} points), so the tiers below it are unreachable",
                            t.name
                        ),
                    });
                }
            }
        }
        out
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
    /// Errors: a policy with problems ([`Error::Policy`]), a column the
    /// model or a rule needs that the leads lack, cells that cannot be read
    /// (a feature value the model cannot read, a number rule on text, a bad
    /// date or deal value; all collected into [`Error::InvalidRows`], which
    /// keeps the first bad cells by row and column and counts every one).
    pub fn qualify_batch(&self, model: &Model, leads: &Table) -> Result<Qualification> {
        let Assessment { facts, errors } = self.assess(model, leads)?;
        invalid_rows(errors)?;
        let plan = self.plan(facts);
        let decisions = self.decide(model, leads, &plan)?;
        Ok(Qualification {
            decisions,
            tiers: plan.tiers,
            capacity: plan.capacity,
        })
    }

    /// `Err` when the policy has problems of severity error.
    fn check(&self) -> Result<()> {
        let problems: Vec<PolicyProblem> = self
            .problems()
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Policy {
                path: PathBuf::from("<policy>"),
                problems,
            })
        }
    }

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
    /// Errors only for what is not one row's fault: a policy with problems
    /// ([`Error::Policy`]), a column the model, a rule or the deal value
    /// needs that `leads` lacks ([`Error::MissingColumn`]).
    pub fn assess(&self, model: &Model, leads: &Table) -> Result<Assessment> {
        self.check()?;
        let (scores, mut errors) = model.score_checked(leads)?;
        let first = leads.first_row();
        let inputs = self.read_inputs(leads, model.missing_tokens(), &|r| first + r, false)?;
        errors.extend(inputs.errors);
        sort_row_errors(&mut errors);
        let n = leads.n_rows();
        let mut bad = vec![false; n];
        for e in &errors {
            if let Some(b) = e.row.checked_sub(first).and_then(|r| bad.get_mut(r)) {
                *b = true;
            }
        }
        let facts = (0..n)
            .filter(|&r| !bad[r])
            .map(|r| {
                let probability = scores.probability[r];
                LeadFacts {
                    row: first + r,
                    points: scores.points[r],
                    probability,
                    key: match &inputs.deal_values {
                        Some(v) => probability * v[r],
                        None => probability,
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
    /// let plan = policy.plan(facts);
    /// let mut decisions = Vec::new();
    /// for b in &batches {
    ///     decisions.extend(policy.decide(&model, b, &plan).unwrap());
    /// }
    /// assert_eq!(decisions, policy.qualify(&model, &deals).unwrap());
    /// assert_eq!(plan.tier_counts()[0].leads, 200);
    /// ```
    pub fn plan(&self, mut facts: Vec<LeadFacts>) -> Plan {
        if !facts.windows(2).all(|w| w[0].row <= w[1].row) {
            facts.sort_by_key(|f| f.row);
        }
        let duplicate_rows = facts.windows(2).filter(|w| w[0].row == w[1].row).count();
        let n = facts.len();
        let eligible = |f: &LeadFacts| !f.disqualified && !f.must_failed;
        let capacity_cut = self.capacity.map(|c| {
            let xs: Vec<f64> = facts
                .iter()
                .filter(|f| eligible(f))
                .map(|f| f.points)
                .collect();
            if xs.is_empty() {
                f64::INFINITY
            } else if xs.len() <= c.leads() {
                f64::NEG_INFINITY
            } else {
                kth_highest(xs, c.leads())
            }
        });
        let thresholds: Vec<Option<f64>> = self
            .tiers
            .iter()
            .map(|t| match t.condition {
                TierCondition::MinPoints(m) => Some(m),
                TierCondition::TopShare(s) => {
                    let k = ((s * n as f64) - 1e-9).ceil().max(1.0) as usize;
                    Some(if n == 0 {
                        f64::INFINITY
                    } else {
                        kth_highest(facts.iter().map(|f| f.points).collect(), k)
                    })
                }
                TierCondition::Capacity => Some(capacity_cut.unwrap_or(f64::INFINITY)),
                TierCondition::CatchAll => None,
            })
            .collect();
        let holds = |t: usize, p: f64| thresholds[t].is_none_or(|c| p >= c);
        let first_disqualified = self
            .tiers
            .iter()
            .position(|t| t.route == Route::Disqualified);
        // Tier of each lead: an index into the policy's tiers, or
        // `self.tiers.len()` for the built-in disqualified tier.
        let builtin = self.tiers.len();
        let tier_of: Vec<usize> = facts
            .iter()
            .map(|f| {
                let tier = if f.disqualified {
                    first_disqualified
                } else {
                    (0..self.tiers.len())
                        .find(|&t| {
                            !(f.must_failed && self.tiers[t].route == Route::Sales)
                                && holds(t, f.points)
                        })
                        .or(first_disqualified)
                };
                tier.unwrap_or(builtin)
            })
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
            .map(|(i, t)| TierCount {
                tier: t.name.clone(),
                route: t.route,
                threshold: thresholds[i].filter(|c| c.is_finite()),
                leads: counts[i],
            })
            .collect();
        if counts[builtin] > 0 {
            tiers.push(TierCount {
                tier: DISQUALIFIED_TIER.to_string(),
                route: Route::Disqualified,
                threshold: None,
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
            for (i, f) in facts.iter().enumerate() {
                if eligible(f) {
                    eligible_leads += 1;
                    lowest = lowest.min(f.points);
                }
                if to_sales(i) {
                    sales_leads += 1;
                    expected_wins += f.probability;
                    pipeline += f.key;
                }
            }
            CapacityReport {
                capacity: c.leads(),
                eligible: eligible_leads,
                cut_points: capacity_cut.and_then(|cut| {
                    if cut.is_finite() {
                        Some(cut)
                    } else if cut == f64::NEG_INFINITY && eligible_leads > 0 {
                        Some(lowest)
                    } else {
                        None
                    }
                }),
                sales_leads,
                expected_wins,
                expected_pipeline: self.leads.deal_value.as_ref().map(|_| pipeline),
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
        Plan {
            policy_fingerprint: self.fingerprint(),
            thresholds,
            placed,
            duplicate_rows,
            tiers,
            capacity,
        }
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
    /// Errors: a policy with problems, a plan made by another policy or
    /// whose leads share row numbers ([`Error::InvalidParameter`]), a column
    /// the leads lack, or a cell of a planned lead that cannot be read (the
    /// leads are not the ones assessed; [`Error::InvalidRows`]).
    pub fn decide(&self, model: &Model, leads: &Table, plan: &Plan) -> Result<Vec<Decision>> {
        self.check()?;
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
        invalid_rows(std::mem::take(&mut inputs.errors))?;
        let model_fingerprint = model.fingerprint();
        let mut decisions = Vec::with_capacity(placed.len());
        for (r, e) in explanations.into_iter().enumerate() {
            let tier_index = Some(placed[r].tier as usize).filter(|&t| t < self.tiers.len());
            let tier = tier_index.map(|t| &self.tiers[t]);
            let failed = std::mem::take(&mut inputs.failed[r]);
            let gap = match tier_index {
                Some(t) if t > 0 && !inputs.disqualified[r] => {
                    let up = &self.tiers[t - 1];
                    let short = plan.thresholds[t - 1]
                        .filter(|c| c.is_finite() && *c > e.points)
                        .map(|c| c - e.points);
                    let rules: Vec<String> = if up.route == Route::Sales {
                        failed
                            .iter()
                            .filter(|f| f.kind == RuleKind::MustHave)
                            .map(|f| f.name.clone())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    if short.is_none() && rules.is_empty() {
                        None
                    } else {
                        Some(Gap {
                            tier: up.name.clone(),
                            points_short: short,
                            failed_rules: rules,
                        })
                    }
                }
                _ => None,
            };
            let deal_value = inputs.deal_values.as_ref().map(|v| v[r]);
            let sla = tier.and_then(|t| t.sla);
            decisions.push(Decision {
                row: rows[r],
                id: e.id,
                tier: tier
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| DISQUALIFIED_TIER.to_string()),
                route: tier.map(|t| t.route).unwrap_or(Route::Disqualified),
                owner: tier.and_then(|t| t.owner.clone()),
                sla,
                sla_due: match (inputs.created[r], sla) {
                    (Some(c), Some(s)) => Some(format_timestamp(c + s.seconds())),
                    _ => None,
                },
                rank: placed[r].rank,
                points: e.points,
                probability: e.probability,
                deal_value,
                expected_value: deal_value.map(|v| v * e.probability),
                policy_version: self.version.clone(),
                policy_fingerprint: policy_fingerprint.clone(),
                model_fingerprint: model_fingerprint.clone(),
                failed_rules: failed,
                gap,
                base_points: e.base_points,
                contributions: e.contributions,
            });
        }
        Ok(decisions)
    }

    /// Reads what the policy needs from each lead of `leads` besides its
    /// score: rule results, deal value, created-at. `row_of` gives the row
    /// number of a 0-based row, for errors. Failed rules are listed only
    /// when `detailed`. Bad cells are returned, not failed on; a column that
    /// is not there is an error.
    fn read_inputs(
        &self,
        leads: &Table,
        missing_tokens: &[String],
        row_of: &dyn Fn(usize) -> usize,
        detailed: bool,
    ) -> Result<LeadInputs> {
        let n = leads.n_rows();
        fn present<'a>(
            values: &'a Values,
            r: usize,
            missing_tokens: &[String],
        ) -> Option<Cow<'a, str>> {
            values
                .text(r)
                .filter(|s| !missing_tokens.iter().any(|m| m == s.as_ref()))
        }
        let cell = |values, r| present(values, r, missing_tokens);
        let mut errors: Vec<RowError> = Vec::new();
        let mut error = |r: usize, column: &str, value: &str, reason: String| {
            errors.push(RowError {
                row: row_of(r),
                column: column.to_string(),
                value: value.to_string(),
                reason,
            })
        };
        let mut failed: Vec<Vec<FailedRule>> = vec![Vec::new(); if detailed { n } else { 0 }];
        let mut disqualified = vec![false; n];
        let mut must_failed = vec![false; n];
        for (kind, rules) in [
            (RuleKind::MustHave, &self.must_have),
            (RuleKind::Disqualify, &self.disqualify),
        ] {
            for rule in rules.iter() {
                let values = leads.require(&rule.column)?;
                for r in 0..n {
                    let v = cell(values, r);
                    match rule.fails(kind, v.as_deref()) {
                        Ok(false) => {}
                        Ok(true) => {
                            if kind == RuleKind::Disqualify {
                                disqualified[r] = true;
                            } else {
                                must_failed[r] = true;
                            }
                            if detailed {
                                failed[r].push(FailedRule {
                                    kind,
                                    name: rule.name.clone(),
                                    rule: rule.to_string(),
                                    column: rule.column.clone(),
                                    value: v.map(|s| s.into_owned()),
                                });
                            }
                        }
                        Err(()) => error(
                            r,
                            &rule.column,
                            v.as_deref().unwrap_or(""),
                            format!("not a number, and rule {:?} needs one ({rule})", rule.name),
                        ),
                    }
                }
            }
        }
        let deal_values: Option<Vec<f64>> = match &self.leads.deal_value {
            None => None,
            Some(c) => {
                let values = leads.require(c)?;
                let default = self.leads.default_deal_value.unwrap_or(0.0);
                Some(
                    (0..n)
                        .map(|r| match cell(values, r) {
                            None => default,
                            Some(s) => match s.trim().parse::<f64>() {
                                Ok(x) if x.is_finite() => x,
                                _ => {
                                    error(r, c, &s, "not a number (deal value)".into());
                                    0.0
                                }
                            },
                        })
                        .collect(),
                )
            }
        };
        let created: Vec<Option<i64>> = match self
            .leads
            .created_at
            .as_ref()
            .and_then(|c| leads.column(c).map(|v| (c, v)))
        {
            None => vec![None; n],
            Some((c, values)) => (0..n)
                .map(|r| {
                    let s = cell(values, r)?;
                    let t = parse_timestamp(&s);
                    if t.is_none() {
                        error(
                            r,
                            c,
                            &s,
                            "not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)".into(),
                        );
                    }
                    t
                })
                .collect(),
        };
        Ok(LeadInputs {
            failed,
            disqualified,
            must_failed,
            deal_values,
            created,
            errors,
        })
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
    /// What leads are ranked by inside a tier: P(win) × deal value when the
    /// policy names a deal-value column, else P(win).
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
struct Placed {
    /// 1-based row.
    row: usize,
    /// Index of its tier in the policy; past the policy's tiers for the
    /// built-in disqualified tier.
    tier: u32,
    /// Rank inside the tier.
    rank: usize,
}

/// A period's leads planned by [`Policy::plan`]: tier thresholds, each
/// lead's tier and rank, leads per tier and the capacity report.
/// [`Policy::decide`] turns it into decisions batch by batch; it can be
/// shared between threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    policy_fingerprint: String,
    /// The points each policy tier's condition needs (`None` for a
    /// catch-all; infinite for a cut no lead can reach or every lead does).
    thresholds: Vec<Option<f64>>,
    /// In row order.
    placed: Vec<Placed>,
    duplicate_rows: usize,
    tiers: Vec<TierCount>,
    capacity: Option<CapacityReport>,
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
    /// [`Qualification::tiers`].
    pub fn tier_counts(&self) -> &[TierCount] {
        &self.tiers
    }

    /// The capacity cut and what it is expected to bring, when the policy
    /// has a capacity: as [`Qualification::capacity`].
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

    fn find(&self, row: usize) -> Option<&Placed> {
        let i = self.placed.partition_point(|p| p.row < row);
        self.placed.get(i).filter(|p| p.row == row)
    }
}

/// What the policy read from a batch of leads besides their scores.
struct LeadInputs {
    /// Failed rules of each lead (empty when not asked for).
    failed: Vec<Vec<FailedRule>>,
    disqualified: Vec<bool>,
    must_failed: Vec<bool>,
    deal_values: Option<Vec<f64>>,
    created: Vec<Option<i64>>,
    errors: Vec<RowError>,
}

/// The `k`-th highest of `xs` (the lowest when there are `k` or fewer;
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

/// Sorts bad cells by row and column, keeping one per cell (the first).
fn sort_row_errors(errors: &mut Vec<RowError>) {
    errors.sort_by(|a, b| a.row.cmp(&b.row).then_with(|| a.column.cmp(&b.column)));
    errors.dedup_by(|a, b| a.row == b.row && a.column == b.column);
}

/// `Err(Error::InvalidRows)` with the first bad cells (by row and column)
/// and their count, when there are any.
fn invalid_rows(mut errors: Vec<RowError>) -> Result<()> {
    sort_row_errors(&mut errors);
    let mut out = RowErrors::default();
    for e in errors {
        out.push(e.row, &e.column, &e.value, e.reason);
    }
    out.into_result()
}

/// The lowest and highest points the model can give a lead.
pub fn points_range(model: &Model) -> (f64, f64) {
    let card = model.scorecard();
    let (mut lo, mut hi) = (card.base_points, card.base_points);
    for f in model.features() {
        let pts: Vec<f64> = card.column(&f.column).iter().map(|r| r.points).collect();
        lo += pts.iter().copied().fold(f64::INFINITY, f64::min);
        hi += pts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    }
    (lo, hi)
}

/// Points reached by the given top shares of leads like the model's
/// training deals: for each share `s`, the points `x` such that a share `s`
/// of such leads score at least `x`.
///
/// The distribution is the one implied by how often each attribute occurred
/// in training (`training_rows` of every feature), treating columns as
/// independent: the points of every column are convolved on a 0.1-point
/// grid (finer never matters for a threshold). Used by `policy init` to
/// suggest tier thresholds.
pub fn training_points_quantiles(model: &Model, top_shares: &[f64]) -> Vec<f64> {
    let card = model.scorecard();
    let (lo, hi) = points_range(model);
    let step = ((hi - lo) / 20_000.0).max(0.1);
    let mut dist = vec![1.0f64];
    for f in model.features() {
        let rows: Vec<&crate::scorecard::ScorecardRow> = card.column(&f.column);
        let total: u64 = rows.iter().map(|r| r.training_rows).sum();
        if total == 0 {
            continue;
        }
        let min = rows.iter().map(|r| r.points).fold(f64::INFINITY, f64::min);
        let bins: Vec<(usize, f64)> = rows
            .iter()
            .filter(|r| r.training_rows > 0)
            .map(|r| {
                (
                    ((r.points - min) / step).round() as usize,
                    r.training_rows as f64 / total as f64,
                )
            })
            .collect();
        let width = bins.iter().map(|b| b.0).max().unwrap_or(0);
        let mut next = vec![0.0; dist.len() + width];
        for (k, &p) in dist.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for &(b, q) in &bins {
                next[k + b] += p * q;
            }
        }
        dist = next;
    }
    top_shares
        .iter()
        .map(|&s| {
            let mut acc = 0.0;
            for k in (0..dist.len()).rev() {
                acc += dist[k];
                if acc >= s - 1e-12 {
                    return lo + k as f64 * step;
                }
            }
            lo
        })
        .collect()
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since 1970-01-01T00:00:00Z of `YYYY-MM-DD` (midnight UTC) or
/// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    let b = t.as_bytes();
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = num(t.get(0..4)?)?;
    let m = num(t.get(5..7)?)? as u32;
    let d = num(t.get(8..10)?)? as u32;
    let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if !(1..=12).contains(&m) || d < 1 || d > month_days[m as usize - 1] + u32::from(m == 2 && leap)
    {
        return None;
    }
    let day = days_from_civil(y, m, d) * 86_400;
    if b.len() == 10 {
        return Some(day);
    }
    if !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b.len() < 19
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let hh = num(t.get(11..13)?)?;
    let mm = num(t.get(14..16)?)?;
    let ss = num(t.get(17..19)?)?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = t.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let oh = num(&rest[1..3])?;
            let om = num(&rest[4..6])?;
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(day + hh * 3600 + mm * 60 + ss - offset)
}

/// RFC 3339 UTC of seconds since 1970-01-01T00:00:00Z.
pub fn format_timestamp(secs: i64) -> String {
    let (y, m, d) = crate::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
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

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(parse_timestamp("1970-01-01"), Some(0));
        assert_eq!(parse_timestamp("2024-02-29"), Some(19_782 * 86_400));
        assert_eq!(parse_timestamp("2024-02-30"), None);
        assert_eq!(parse_timestamp("2023-02-29"), None);
        assert_eq!(
            parse_timestamp("2024-03-01T10:30:00Z")
                .map(format_timestamp)
                .as_deref(),
            Some("2024-03-01T10:30:00Z")
        );
        assert_eq!(
            parse_timestamp("2024-03-01T10:30:00+02:00")
                .map(format_timestamp)
                .as_deref(),
            Some("2024-03-01T08:30:00Z")
        );
        assert_eq!(
            parse_timestamp("2024-03-01T10:30:00.250Z")
                .map(format_timestamp)
                .as_deref(),
            Some("2024-03-01T10:30:00Z")
        );
        for bad in [
            "2024-3-1",
            "yesterday",
            "2024-03-01T25:00:00Z",
            "2024-03-01T10:30:00",
            "2024-03-01X",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        for days in [-1000, 0, 19_723, 30_000] {
            let (y, m, d) = crate::civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn rules_apply_missing_handling() {
        let rule = Rule {
            name: "size".into(),
            column: "employees".into(),
            condition: Condition::Ge(50.0),
            missing: Missing::Fail,
            external: false,
            line: None,
        };
        assert_eq!(rule.fails(RuleKind::MustHave, Some("80")), Ok(false));
        assert_eq!(rule.fails(RuleKind::MustHave, Some("10")), Ok(true));
        assert_eq!(rule.fails(RuleKind::MustHave, None), Ok(true));
        assert_eq!(rule.fails(RuleKind::MustHave, Some("many")), Err(()));
        assert_eq!(rule.fails(RuleKind::Disqualify, Some("80")), Ok(true));
        let students = Rule {
            condition: Condition::Eq(Scalar::Text("Student".into())),
            missing: Missing::Pass,
            ..rule
        };
        assert_eq!(
            students.fails(RuleKind::Disqualify, Some("Student")),
            Ok(true)
        );
        assert_eq!(students.fails(RuleKind::Disqualify, Some("VP")), Ok(false));
        assert_eq!(students.fails(RuleKind::Disqualify, None), Ok(false));
        let list = Condition::In(vec![Scalar::Text("US".into()), Scalar::Number(3.0)]);
        assert_eq!(list.holds("3.0"), Ok(true));
        assert_eq!(list.holds("US"), Ok(true));
        assert_eq!(list.holds("us"), Ok(false));
    }

    #[test]
    fn conditions_read_plainly() {
        assert_eq!(
            TierCondition::TopShare(0.07).to_string(),
            "top 7 % of leads"
        );
        assert_eq!(
            TierCondition::TopShare(0.125).to_string(),
            "top 12.5 % of leads"
        );
        assert_eq!(TierCondition::MinPoints(60.0).to_string(), "points >= 60");
        let c = Condition::In(vec![Scalar::Text("US".into()), Scalar::Number(3.0)]);
        assert_eq!(c.to_string(), "in [\"US\", 3]");
    }

    #[test]
    fn gap_reads_like_a_sentence() {
        let g = Gap {
            tier: "A".into(),
            points_short: Some(13.96),
            failed_rules: vec![],
        };
        assert_eq!(g.to_string(), "14.0 points short of tier A");
        let g = Gap {
            tier: "A".into(),
            points_short: None,
            failed_rules: vec!["Target market".into()],
        };
        assert_eq!(
            g.to_string(),
            "held out of tier A by must-have \"Target market\""
        );
    }
}
