//! The decision log: one JSON line per decision, with everything needed to
//! reproduce it (the files, the model's training time, the policy, and the
//! lead's inputs), for audit trails.

use std::collections::BTreeMap;

use serde::Serialize;

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
