//! What happened to each decision: how fast sales touched each tier against
//! its SLA, which tiers won, what sales rejected and why, and whether leads
//! touched within the SLA won more often than leads of the same points
//! touched late.
//!
//! Three inputs, joined on the lead id:
//!
//! - **decisions**: the qualification's output (`tier`, `route`, `owner`,
//!   `sla`, `sla_due`, `points`) or its decision log (one JSON line per
//!   decision). A lead's created-at time is `sla_due − sla`, or the value of
//!   a named created-at column;
//! - **touches**: `touched_at` (the first touch of a lead counts; more rows
//!   per lead are allowed), optionally `owner` (who touched it) and `reason`
//!   (why sales rejected it);
//! - **deals**: `outcome` (won, lost or open, values as named) and
//!   optionally `closed_at`.
//!
//! Rows that cannot be used (a touch of a lead with no decision, a touch
//! before the lead was created, a date that does not parse, an outcome
//! that is none of the named values) are counted and listed with their
//! file, row, column and value ([`Outcomes::problems`]); nothing else is
//! left out.
//!
//! The inputs arrive in batches ([`OutcomeTally`]), so files of millions of
//! rows are read in bounded memory: one small record per decided lead.
//! Touches and deals resolve to leads on any thread ([`OutcomeTally::stages`]).
//!
//! ```
//! use leadscore::evidence::outcomes::{OutcomeOptions, OutcomeTally};
//! use leadscore::Table;
//! let decisions = Table::from_rows(
//!     &["lead_id", "tier", "route", "sla", "sla_due", "points"],
//!     &[vec!["L1", "A", "sales", "4h", "2024-03-01T13:00:00Z", "12.5"],
//!       vec!["L2", "A", "sales", "4h", "2024-03-01T14:00:00Z", "11.0"],
//!       vec!["L3", "B", "nurture", "", "", "2.0"]]).unwrap();
//! let touches = Table::from_rows(&["lead_id", "touched_at"],
//!     &[vec!["L1", "2024-03-01T10:00:00Z"], vec!["L2", "2024-03-02T09:00:00Z"]]).unwrap();
//! let deals = Table::from_rows(&["lead_id", "outcome"],
//!     &[vec!["L1", "won"], vec!["L2", "lost"], vec!["L3", "lost"]]).unwrap();
//! let mut tally = OutcomeTally::new(OutcomeOptions::new("lead_id")).unwrap();
//! tally.add_decisions(&decisions).unwrap();
//! tally.add_touches(&touches).unwrap();
//! tally.add_deals(&deals).unwrap();
//! let outcomes = tally.finish();
//! let a = &outcomes.tiers[0];
//! assert_eq!((a.key.name(), a.stats.leads, a.stats.touched), ("A", 2, 2));
//! assert_eq!(a.stats.within_sla, Some(0.5));
//! assert_eq!(a.stats.median_hours_to_touch, Some(12.0)); // 1 h and 23 h
//! assert_eq!(a.stats.win_rate_within_sla, Some(1.0));
//! assert_eq!(a.stats.win_rate_after_sla, Some(0.0));
//! assert!(outcomes.problems.examples.is_empty());
//! ```

mod render;
mod stats;
mod stream;
mod tally;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use stream::{Applier, DealBatch, Resolver, TouchBatch};
pub use tally::OutcomeTally;

/// How leads are grouped, besides by tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// The decision's tier.
    Tier,
    /// The decision's route.
    Route,
    /// Who touched the lead first (the touches' `owner`), or, when the
    /// touches name no owner, the decision's owner.
    Owner,
    /// The month the lead was created (UTC, `YYYY-MM`).
    Month,
}

impl Grouping {
    /// Every grouping, in the order of the report.
    pub const ALL: [Grouping; 4] = [
        Grouping::Tier,
        Grouping::Route,
        Grouping::Owner,
        Grouping::Month,
    ];

    /// The grouping's name: `tier`, `route`, `owner` or `month`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Grouping::Tier => "tier",
            Grouping::Route => "route",
            Grouping::Owner => "owner",
            Grouping::Month => "month",
        }
    }

    /// Reads a grouping's name.
    pub fn parse(text: &str) -> Result<Grouping> {
        Grouping::ALL
            .into_iter()
            .find(|g| g.as_str() == text.trim())
            .ok_or_else(|| Error::InvalidParameter {
                name: "by".into(),
                value: text.to_string(),
                reason: "group by tier, route, owner or month".into(),
            })
    }
}

impl fmt::Display for Grouping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a lead without a deal counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoDeal {
    /// Not known yet: left out of win rates, like an open deal (default).
    Open,
    /// Lost: the deals file lists every deal there will be.
    Lost,
}

/// Options of an outcomes tally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeOptions {
    /// The lead id column, the same name in all three inputs. In a decision
    /// log the decision's `id` is read (or this column of its inputs).
    pub id: String,
    /// A created-at column of the decisions (or of a decision log's
    /// inputs); without it a lead's created-at time is `sla_due − sla`.
    pub created: Option<String>,
    /// Groupings besides the tiers (which are always reported).
    pub by: Vec<Grouping>,
    /// Points bands the within-SLA against after-SLA difference is
    /// stratified by (quantiles of the points; default 5).
    pub bands: usize,
    /// The deals' outcome column (default `outcome`).
    pub outcome: String,
    /// Outcome values of a won deal (default `won`; compared ignoring case
    /// and surrounding spaces).
    pub won: Vec<String>,
    /// Outcome values of a lost deal (default `lost`).
    pub lost: Vec<String>,
    /// Outcome values of an open deal (default `open`).
    pub open: Vec<String>,
    /// What a decided lead without a deal counts as.
    pub no_deal: NoDeal,
    /// Problem rows listed with their row, column and value (all are
    /// counted; default 100).
    pub examples: usize,
}

impl OutcomeOptions {
    /// The defaults, joined on `id`.
    pub fn new(id: impl Into<String>) -> OutcomeOptions {
        OutcomeOptions {
            id: id.into(),
            created: None,
            by: Vec::new(),
            bands: 5,
            outcome: "outcome".into(),
            won: vec!["won".into()],
            lost: vec!["lost".into()],
            open: vec!["open".into()],
            no_deal: NoDeal::Open,
            examples: 100,
        }
    }

    /// Checks the options: an id column, 1 to 50 bands, outcome values
    /// named once each.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, value: String, reason: &str| {
            Err(Error::InvalidParameter {
                name: name.into(),
                value,
                reason: reason.into(),
            })
        };
        if self.id.trim().is_empty() {
            return bad("id", self.id.clone(), "name the lead id column");
        }
        if !(1..=50).contains(&self.bands) {
            return bad("bands", self.bands.to_string(), "1 to 50 points bands");
        }
        if self.won.is_empty() || self.lost.is_empty() {
            return bad(
                "outcome values",
                String::new(),
                "name at least one won and one lost value",
            );
        }
        let all: Vec<String> = [&self.won, &self.lost, &self.open]
            .into_iter()
            .flatten()
            .map(|v| v.trim().to_lowercase())
            .collect();
        for (i, v) in all.iter().enumerate() {
            if all[..i].contains(v) {
                return bad(
                    "outcome values",
                    v.clone(),
                    "a value is named twice (won, lost and open values must differ)",
                );
            }
        }
        Ok(())
    }
}

/// A group's name under its grouping: `{"tier": "A"}`, `{"route": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupKey {
    /// A tier.
    Tier {
        /// Its name.
        tier: String,
    },
    /// A route.
    Route {
        /// Its name.
        route: String,
    },
    /// An owner.
    Owner {
        /// Its name.
        owner: String,
    },
    /// A month (`YYYY-MM`).
    Month {
        /// The month.
        month: String,
    },
    /// Every lead.
    All {
        /// Always `all`.
        all: String,
    },
}

impl GroupKey {
    /// The group's name.
    pub fn name(&self) -> &str {
        match self {
            GroupKey::Tier { tier: n }
            | GroupKey::Route { route: n }
            | GroupKey::Owner { owner: n }
            | GroupKey::Month { month: n }
            | GroupKey::All { all: n } => n,
        }
    }

    pub(crate) fn new(by: Grouping, name: String) -> GroupKey {
        match by {
            Grouping::Tier => GroupKey::Tier { tier: name },
            Grouping::Route => GroupKey::Route { route: name },
            Grouping::Owner => GroupKey::Owner { owner: name },
            Grouping::Month => GroupKey::Month { month: name },
        }
    }
}

/// Hours from created-at to first touch, at a few quantiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TouchHours {
    /// 10th percentile.
    pub p10: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// The win rate of leads touched within the SLA minus that of leads touched
/// after it, among leads with a known outcome, stratified by points band
/// (Mantel–Haenszel risk difference, Sato's variance), so that "good leads
/// get touched first" is not read as "speed wins deals".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpeedEffect {
    /// Within-SLA minus after-SLA win rate, within points bands.
    pub difference: f64,
    /// Lower end of its 95 % interval.
    pub low: f64,
    /// Upper end of its 95 % interval.
    pub high: f64,
    /// The same difference across bands (not adjusted for points).
    pub crude_difference: f64,
    /// Points bands with leads on both sides.
    pub bands: usize,
    /// Leads in those bands (touched, with an SLA and a known outcome).
    pub leads: usize,
}

/// What happened to one group's leads. Shares and rates are `None` where
/// nothing counts towards them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// Decided leads.
    pub leads: usize,
    /// Leads touched (a touch at or after the lead was created).
    pub touched: usize,
    /// Leads with an SLA due time.
    pub with_sla: usize,
    /// Share of the leads with an SLA touched at or before `sla_due`.
    pub within_sla: Option<f64>,
    /// The SLA of the group's leads in hours, when they share one.
    pub sla_hours: Option<f64>,
    /// Median hours from created-at to first touch.
    pub median_hours_to_touch: Option<f64>,
    /// 95th percentile of the hours to first touch.
    pub p95_hours_to_touch: Option<f64>,
    /// The hours to first touch at more quantiles (for the chart).
    pub hours_to_touch: Option<TouchHours>,
    /// Leads won.
    pub won: usize,
    /// Leads lost.
    pub lost: usize,
    /// Leads whose outcome is not known yet (open, or no deal).
    pub open: usize,
    /// Won over won and lost.
    pub win_rate: Option<f64>,
    /// Lower end of the win rate's 95 % Wilson interval.
    pub win_rate_low: Option<f64>,
    /// Upper end of the win rate's 95 % Wilson interval.
    pub win_rate_high: Option<f64>,
    /// Win rate of the leads touched within their SLA.
    pub win_rate_within_sla: Option<f64>,
    /// Win rate of the leads touched after their SLA.
    pub win_rate_after_sla: Option<f64>,
    /// Win rate of the leads never touched.
    pub win_rate_untouched: Option<f64>,
    /// Closed (won or lost) leads touched within their SLA.
    pub closed_within_sla: usize,
    /// Closed leads touched after their SLA.
    pub closed_after_sla: usize,
    /// The within-SLA against after-SLA difference, stratified by points.
    pub speed_effect: Option<SpeedEffect>,
    /// Leads sales rejected (a touch with a reason).
    pub rejected: usize,
    /// Mean points of the group's leads.
    pub mean_points: Option<f64>,
}

/// One group and what happened to its leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupOutcome {
    /// The group (serialized as `"tier": "A"` and so on).
    #[serde(flatten)]
    pub key: GroupKey,
    /// Its figures.
    #[serde(flatten)]
    pub stats: GroupStats,
}

/// Leads of one tier rejected for one reason, and whether the model agreed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The tier.
    pub tier: String,
    /// The reason sales gave.
    pub reason: String,
    /// Leads rejected for it.
    pub leads: usize,
    /// Their mean points.
    pub mean_points: f64,
    /// Median points of the tier's leads not rejected.
    pub tier_median_points: Option<f64>,
    /// Share of the rejected leads below that median: how often the model
    /// ranked them low in their tier too.
    pub model_agreed: Option<f64>,
    /// Of the rejected leads, how many were won nonetheless.
    pub won: usize,
    /// And lost.
    pub lost: usize,
}

/// Which input a problem row is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFile {
    /// The decisions.
    Decisions,
    /// The touches.
    Touches,
    /// The deals.
    Deals,
}

impl fmt::Display for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFile::Decisions => "decisions",
            InputFile::Touches => "touches",
            InputFile::Deals => "deals",
        })
    }
}

/// A row that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemRow {
    /// The input.
    pub file: InputFile,
    /// 1-based data row.
    pub row: usize,
    /// The column.
    pub column: String,
    /// The value as read.
    pub value: String,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for ProblemRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} row {}, column {}, value {}: {}",
            self.file,
            self.row,
            crate::util::text::display_value(&self.column),
            crate::util::text::display_value(&self.value),
            self.problem
        )
    }
}

/// How many rows of one input had one kind of problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemCount {
    /// The input.
    pub file: InputFile,
    /// The kind of problem.
    pub problem: String,
    /// Rows.
    pub rows: usize,
}

/// Rows that could not be used: every one counted, the first listed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Problems {
    /// Rows with a problem, all inputs.
    pub rows: usize,
    /// Counts by input and kind.
    pub counts: Vec<ProblemCount>,
    /// The first problem rows, in the order read.
    pub examples: Vec<ProblemRow>,
}

/// What was read.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct InputRows {
    /// Decision rows read.
    pub decisions: usize,
    /// Touch rows read.
    pub touches: usize,
    /// Deal rows read.
    pub deals: usize,
}

/// What happened to the decisions (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    /// Rows read from each input.
    pub rows: InputRows,
    /// Decided leads.
    pub leads: usize,
    /// Per tier, the highest mean points first.
    pub tiers: Vec<GroupOutcome>,
    /// Per route, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<GroupOutcome>>,
    /// Per owner, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<GroupOutcome>>,
    /// Per month, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<GroupOutcome>>,
    /// Every lead together.
    pub all: GroupOutcome,
    /// Rejections by tier and reason, most frequent first.
    pub rejections: Vec<Rejection>,
    /// Rows that could not be used.
    pub problems: Problems,
    /// What a lead without a deal counted as.
    pub no_deal: NoDeal,
    /// Points bands of the speed effect.
    pub bands: usize,
}

impl Outcomes {
    /// The groups of a grouping, when the tally made them.
    pub fn groups(&self, by: Grouping) -> Option<&[GroupOutcome]> {
        match by {
            Grouping::Tier => Some(&self.tiers),
            Grouping::Route => self.routes.as_deref(),
            Grouping::Owner => self.owners.as_deref(),
            Grouping::Month => self.months.as_deref(),
        }
    }

    /// The outcomes as JSON (the shape of [`Outcomes`]'s fields).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// Reads a file written by [`Outcomes::to_json`].
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Outcomes> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Outcomes::from_json(&text, path)
    }

    /// Reads outcomes written by [`Outcomes::to_json`].
    pub fn from_json(text: &str, path: &std::path::Path) -> Result<Outcomes> {
        serde_json::from_str(text).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })
    }
}
