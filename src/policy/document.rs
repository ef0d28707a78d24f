//! The policy document: TOML with spans, every unknown field collected
//! with its line, and the envelope checked first.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::convert::convert;
use super::rules::{Missing, Scalar};
use super::{Policy, Route, POLICY_FORMAT, POLICY_FORMAT_VERSION};
use crate::error::{Document, Error, PolicyProblem, Result, Severity};

#[derive(Deserialize)]
struct Envelope {
    format: Option<String>,
    format_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    #[allow(dead_code)]
    pub(crate) format: String,
    #[allow(dead_code)]
    pub(crate) format_version: String,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) version: Spanned<String>,
    pub(crate) rank_by: Option<Spanned<String>>,
    pub(crate) leads: Option<RawLeads>,
    #[serde(default, rename = "tier")]
    pub(crate) tiers: Vec<Spanned<RawTier>>,
    #[serde(default)]
    pub(crate) must_have: Vec<Spanned<RawRule>>,
    #[serde(default)]
    pub(crate) disqualify: Vec<Spanned<RawRule>>,
    pub(crate) capacity: Option<Spanned<RawCapacity>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLeads {
    pub(crate) created_at: Option<Spanned<String>>,
    pub(crate) deal_value: Option<Spanned<String>>,
    pub(crate) default_deal_value: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTier {
    pub(crate) name: Spanned<String>,
    pub(crate) description: Option<String>,
    pub(crate) min_points: Option<Spanned<f64>>,
    pub(crate) top_share: Option<Spanned<f64>>,
    pub(crate) capacity: Option<Spanned<bool>>,
    pub(crate) route: Spanned<Route>,
    pub(crate) owner: Option<Spanned<String>>,
    pub(crate) sla: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
pub(crate) enum RawOp {
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
pub(crate) struct RawRule {
    pub(crate) name: Spanned<String>,
    pub(crate) description: Option<String>,
    pub(crate) column: Spanned<String>,
    #[serde(rename = "in")]
    pub(crate) in_list: Option<Spanned<Vec<toml::Value>>>,
    pub(crate) not_in: Option<Spanned<Vec<toml::Value>>>,
    pub(crate) op: Option<Spanned<RawOp>>,
    pub(crate) value: Option<Spanned<toml::Value>>,
    pub(crate) missing: Option<Missing>,
    #[serde(default)]
    pub(crate) external: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCapacity {
    pub(crate) reps: Spanned<i64>,
    pub(crate) leads_per_rep: Spanned<i64>,
    pub(crate) period: Option<Spanned<String>>,
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

pub(crate) struct Problems<'a> {
    pub(crate) text: &'a str,
    pub(crate) list: Vec<PolicyProblem>,
}

impl Problems<'_> {
    pub(crate) fn at<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(line_of(self.text, s.span().start))
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

pub(crate) fn parse_document(text: &str, path: &Path) -> Result<(Policy, Vec<PolicyProblem>)> {
    let envelope: Envelope = toml::from_str(text).map_err(|e| toml_error(text, path, e))?;
    crate::model::file::check_envelope(
        Document::Policy,
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
