//! The policy document: TOML read with the span of every key and value, the
//! envelope checked first, then every table and field read one by one, so
//! that every unknown field and every value of the wrong type is reported
//! (each with its line and field), not only the first.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::convert::convert;
use super::read::describe;
use super::rules::{Missing, Scalar};
use super::{Policy, Route, POLICY_FORMAT, POLICY_FORMAT_VERSION};
use crate::error::{Document, Error, PolicyProblem, Result, Severity};

/// A field as read: absent, present with a value that could not be read
/// (already reported), or its value with its span.
pub(crate) enum Field<T> {
    /// The document does not have the field.
    Absent,
    /// The field is there, but its value is of the wrong type or not one of
    /// the values allowed; the problem is reported.
    Invalid,
    /// The field's value.
    Given(Spanned<T>),
}

impl<T> Field<T> {
    /// The value, when given and readable.
    pub(crate) fn given(&self) -> Option<&Spanned<T>> {
        match self {
            Field::Given(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the document has the field (readable or not).
    pub(crate) fn is_present(&self) -> bool {
        !matches!(self, Field::Absent)
    }
}

/// The document's top level, its fields read but not yet checked.
pub(crate) struct RawPolicy {
    pub(crate) name: Field<String>,
    pub(crate) description: Field<String>,
    pub(crate) version: Field<String>,
    pub(crate) rank_by: Field<String>,
    pub(crate) leads: Option<RawLeads>,
    /// Each `[[tier]]` with the span of its header.
    pub(crate) tiers: Vec<Spanned<RawTier>>,
    pub(crate) must_have: Vec<Spanned<RawRule>>,
    pub(crate) disqualify: Vec<Spanned<RawRule>>,
    pub(crate) capacity: Option<Spanned<RawCapacity>>,
}

/// `[leads]`, read.
pub(crate) struct RawLeads {
    pub(crate) created_at: Field<String>,
    pub(crate) deal_value: Field<String>,
    pub(crate) default_deal_value: Field<f64>,
}

/// One `[[tier]]`, read.
pub(crate) struct RawTier {
    pub(crate) name: Field<String>,
    pub(crate) description: Field<String>,
    pub(crate) min_points: Field<f64>,
    pub(crate) top_share: Field<f64>,
    pub(crate) capacity: Field<bool>,
    pub(crate) route: Field<Route>,
    pub(crate) owner: Field<String>,
    pub(crate) sla: Field<String>,
}

/// A rule's `op`.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum RawOp {
    In,
    NotIn,
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

/// One `[[must_have]]` or `[[disqualify]]`, read.
pub(crate) struct RawRule {
    pub(crate) name: Field<String>,
    pub(crate) description: Field<String>,
    pub(crate) column: Field<String>,
    pub(crate) in_list: Field<Vec<toml::Value>>,
    pub(crate) not_in: Field<Vec<toml::Value>>,
    pub(crate) op: Field<RawOp>,
    pub(crate) value: Field<toml::Value>,
    pub(crate) missing: Field<Missing>,
    pub(crate) external: Field<bool>,
}

/// `[capacity]`, read.
pub(crate) struct RawCapacity {
    pub(crate) reps: Field<i64>,
    pub(crate) leads_per_rep: Field<i64>,
    pub(crate) period: Field<String>,
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

pub(crate) fn toml_error(text: &str, path: &Path, e: toml::de::Error) -> Error {
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

/// The problems found so far, and the document they are about.
pub(crate) struct Problems<'a> {
    pub(crate) text: &'a str,
    pub(crate) list: Vec<PolicyProblem>,
    /// Tiers (0-based) whose condition could not be read: the order of the
    /// tiers is judged without them, not on a guess of their condition.
    pub(crate) unreadable_tiers: Vec<usize>,
}

impl Problems<'_> {
    pub(crate) fn at<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(line_of(self.text, s.span().start))
    }

    pub(super) fn line(&self, span: &Range<usize>) -> Option<usize> {
        Some(line_of(self.text, span.start))
    }

    pub(crate) fn error(
        &mut self,
        line: Option<usize>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.list.push(PolicyProblem {
            severity: Severity::Error,
            line,
            field: field.into(),
            reason: reason.into(),
        });
    }
}

pub(crate) fn scalar(v: &toml::Value) -> Option<Scalar> {
    match v {
        toml::Value::String(s) => Some(Scalar::Text(s.clone())),
        toml::Value::Integer(i) => Some(Scalar::Number(*i as f64)),
        toml::Value::Float(x) if x.is_finite() => Some(Scalar::Number(*x)),
        _ => None,
    }
}

/// A TOML value as written, for messages.
pub(crate) fn show(v: &toml::Value) -> String {
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

pub(crate) fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// The envelope's field `key` as the text to check: a version written as
/// a number (`format_version = 1.1`) is checked as its digits (and
/// reported as a problem of type later).
fn envelope_text(root: &DeTable, key: &str) -> Option<String> {
    let v = root.get(key)?;
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(i.to_string()),
        DeValue::Float(x) => Some(x.to_string()),
        other => Some(describe(other)),
    }
}

/// Parses a policy document: `Err` for TOML that does not parse (its first
/// syntax error, with line and column) or a document of another format or
/// version; else the policy (placeholders where a field could not be read)
/// and every problem found, in line order.
pub(crate) fn parse_document(text: &str, path: &Path) -> Result<(Policy, Vec<PolicyProblem>)> {
    let doc = DeTable::parse(text).map_err(|e| toml_error(text, path, e))?;
    let root = doc.get_ref();
    crate::model::file::check_envelope(
        Document::Policy,
        "policy file",
        POLICY_FORMAT,
        envelope_text(root, "format").as_deref(),
        envelope_text(root, "format_version").as_deref(),
        POLICY_FORMAT_VERSION,
    )?;
    let mut p = Problems {
        text,
        list: Vec::new(),
        unreadable_tiers: Vec::new(),
    };
    let raw = p.read_policy(root);
    let policy = convert(raw, &mut p);
    let mut problems = p.list;
    problems.extend(policy.problems_without(&p.unreadable_tiers));
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    Ok((policy, problems))
}
