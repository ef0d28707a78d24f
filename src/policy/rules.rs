//! Rules on one lead column (must-have and disqualify), and what the policy
//! reads from each lead besides its score: rule results, deal value and
//! created-at time.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::Policy;
use crate::data::{Table, Values};
use crate::error::{Result, RowError};
use crate::util::time::{parse_timestamp, DATE_GRAMMAR};
use crate::util::{format_number, is_missing_token};

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
            Scalar::Number(x) => write!(f, "{}", format_number(*x)),
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
    pub(crate) fn holds(&self, cell: &str) -> std::result::Result<bool, ()> {
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

    pub(crate) fn is_numeric(&self) -> bool {
        matches!(
            self,
            Condition::Ge(_) | Condition::Gt(_) | Condition::Le(_) | Condition::Lt(_)
        )
    }

    pub(crate) fn scalars(&self) -> Vec<&Scalar> {
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
            Condition::Ge(x) => write!(f, ">= {}", format_number(*x)),
            Condition::Gt(x) => write!(f, "> {}", format_number(*x)),
            Condition::Le(x) => write!(f, "<= {}", format_number(*x)),
            Condition::Lt(x) => write!(f, "< {}", format_number(*x)),
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
    /// What the rule is for, in the policy's words.
    #[serde(skip)]
    pub description: Option<String>,
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
    pub(crate) fn fails(
        &self,
        kind: RuleKind,
        cell: Option<&str>,
    ) -> std::result::Result<bool, ()> {
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

impl Policy {
    /// Reads what the policy needs from each lead of `leads` besides its
    /// score: rule results, deal value, created-at. `row_of` gives the row
    /// number of a 0-based row, for errors. Failed rules are listed only
    /// when `detailed`. Bad cells are returned, not failed on; a column that
    /// is not there is an error.
    pub(crate) fn read_inputs(
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
                .filter(|s| !is_missing_token(missing_tokens, s.as_ref()))
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
                        error(r, c, &s, format!("not a date ({DATE_GRAMMAR})"));
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

/// What the policy read from a batch of leads besides their scores.
pub(crate) struct LeadInputs {
    /// Failed rules of each lead (empty when not asked for).
    pub(crate) failed: Vec<Vec<FailedRule>>,
    pub(crate) disqualified: Vec<bool>,
    pub(crate) must_failed: Vec<bool>,
    pub(crate) deal_values: Option<Vec<f64>>,
    pub(crate) created: Vec<Option<i64>>,
    pub(crate) errors: Vec<RowError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::TierCondition;

    #[test]
    fn rules_apply_missing_handling() {
        let rule = Rule {
            name: "size".into(),
            column: "employees".into(),
            condition: Condition::Ge(50.0),
            missing: Missing::Fail,
            external: false,
            line: None,
            description: None,
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
}
