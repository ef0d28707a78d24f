//! What can be wrong with a policy: on its own (catch-all, unreachable
//! tiers, duplicate names, capacity) and against a model (columns, kinds,
//! values, thresholds).

use std::collections::HashSet;

use super::rules::Scalar;
use super::starter::points_range;
use super::{Policy, Route, Tier, TierCondition};
use crate::error::{PolicyProblem, Severity};
use crate::model::encoding::Encoding;
use crate::model::Model;

impl Policy {
    /// The problems of the policy on its own (no model needed): missing or
    /// misplaced catch-all, unreachable tiers, duplicate names, a capacity
    /// tier without a capacity.
    pub fn problems(&self) -> Vec<PolicyProblem> {
        self.problems_without(&[])
    }

    /// [`Policy::problems`], the order of the tiers judged without the
    /// tiers (0-based) in `unreadable`: those whose condition could not be
    /// read from the document (already reported), so that no tier is called
    /// unreachable, nor the last tier not a catch-all, on a guess.
    pub(crate) fn problems_without(&self, unreadable: &[usize]) -> Vec<PolicyProblem> {
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
        let last_readable = !unreadable.contains(&self.tiers.len().wrapping_sub(1));
        if let Some(last) = self.tiers.last().filter(|_| last_readable) {
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
            if unreadable.contains(&j) {
                continue;
            }
            for (i, ti) in self.tiers.iter().enumerate().take(j) {
                if unreadable.contains(&i) {
                    continue;
                }
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
        if let Some(reason) = self.rank_by.and_then(|c| super::rank_by_problem(c, model)) {
            out.push(PolicyProblem {
                severity: Severity::Error,
                line: self.rank_by_line,
                field: "rank_by".into(),
                reason,
            });
        }
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
                if r.column.is_empty() {
                    continue; // a rule without a column, reported already
                }
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
                            crate::error::display_list(&model.feature_columns())
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
                                            crate::error::display_list(levels)
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
}
