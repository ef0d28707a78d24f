//! The decision log: one JSON line per decision, with everything needed to
//! reproduce it (the files, the model's training time, the policy, and the
//! lead's inputs), for audit trails.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Decision, Policy};
use crate::data::{Table, Values};
use crate::error::{Error, Result};
use crate::model::Model;

/// Where the decisions of a job came from, recorded on every log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionLog {
    /// When the job ran (RFC 3339 UTC).
    pub time: String,
    /// The leads file (or any name for the source of the leads).
    pub leads_file: String,
    /// The model file.
    pub model_file: String,
    /// The policy file.
    pub policy_file: String,
}

/// The fields of a decision log line that say what was decided, as read
/// back (for the outcomes of the decisions): the line [`DecisionLog::lines`]
/// writes carries these and more.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LoggedDecision {
    /// The lead's id (the model's id column), when the model has one.
    pub id: Option<String>,
    /// The tier the lead was given.
    pub tier: String,
    /// The route (sales, nurture, …), when the tier has one.
    pub route: Option<String>,
    /// The owner the lead was handed to, when the policy names one.
    pub owner: Option<String>,
    /// The SLA of the hand-off (`4h`, `2d`), when the tier has one.
    pub sla: Option<String>,
    /// When the first touch was due (RFC 3339), when the tier has an SLA.
    pub sla_due: Option<String>,
    /// The lead's points.
    pub points: f64,
    /// The lead's inputs as logged: column name to cell text.
    #[serde(default)]
    pub inputs: BTreeMap<String, Option<String>>,
}

impl LoggedDecision {
    /// The decision of one log line; `None` when the line is not one.
    ///
    /// ```
    /// use leadscore::policy::LoggedDecision;
    /// let d = LoggedDecision::parse(r#"{"id":"L1","tier":"A","points":12.5,"route":"sales"}"#).unwrap();
    /// assert_eq!((d.tier.as_str(), d.points), ("A", 12.5));
    /// assert!(LoggedDecision::parse("not json").is_none());
    /// ```
    pub fn parse(line: &str) -> Option<LoggedDecision> {
        serde_json::from_str(line).ok()
    }
}

#[derive(Serialize)]
struct LogLine<'a> {
    time: &'a str,
    leadscore_version: &'a str,
    leads_file: &'a str,
    model_file: &'a str,
    model_created_at: &'a str,
    policy_file: &'a str,
    policy_name: Option<&'a str>,
    inputs: BTreeMap<&'a str, Option<String>>,
    #[serde(flatten)]
    decision: &'a Decision,
}

impl DecisionLog {
    /// A log of a job run now on these files.
    pub fn new(
        leads_file: impl Into<String>,
        model_file: impl Into<String>,
        policy_file: impl Into<String>,
    ) -> DecisionLog {
        DecisionLog {
            time: crate::util::time::now_rfc3339(),
            leads_file: leads_file.into(),
            model_file: model_file.into(),
            policy_file: policy_file.into(),
        }
    }

    /// One JSON line per decision of a batch (`leads`, whose rows the
    /// decisions name), with the lead's inputs: the id, the model's feature
    /// columns and the policy's columns that the batch carries.
    pub fn lines(
        &self,
        model: &Model,
        policy: &Policy,
        leads: &Table,
        decisions: &[Decision],
    ) -> Result<Vec<u8>> {
        let mut columns: Vec<String> = Vec::new();
        if let Some(id) = model.id_column() {
            columns.push(id.to_string());
        }
        columns.extend(model.feature_columns().iter().map(|s| s.to_string()));
        for c in policy.columns() {
            if !columns.contains(&c) {
                columns.push(c);
            }
        }
        let present: Vec<(&str, &Values)> = columns
            .iter()
            .filter_map(|c| leads.column(c).map(|v| (c.as_str(), v)))
            .collect();
        let mut buf: Vec<u8> = Vec::new();
        for d in decisions {
            // Decisions carry source row numbers; the batch starts at first_row.
            let r = d.row.saturating_sub(leads.first_row());
            let line = LogLine {
                time: &self.time,
                leadscore_version: env!("CARGO_PKG_VERSION"),
                leads_file: &self.leads_file,
                model_file: &self.model_file,
                model_created_at: model.created_at(),
                policy_file: &self.policy_file,
                policy_name: policy.name(),
                inputs: present
                    .iter()
                    .map(|(c, v)| (*c, v.text(r).map(|s| s.into_owned())))
                    .collect(),
                decision: d,
            };
            serde_json::to_writer(&mut buf, &line).map_err(|source| Error::Json {
                path: "<decision log>".into(),
                source,
            })?;
            buf.push(b'\n');
        }
        Ok(buf)
    }
}
