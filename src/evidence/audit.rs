//! The leakage audit of a deals file: every column but the outcome and the
//! skipped ones through the per-column leak screen ([`crate::model::leakage`]),
//! findings ranked most severe first.

use serde::{Deserialize, Serialize};

use crate::data::{Table, Target};
use crate::error::Result;
use crate::model::leakage::{audit_column, date_value, judge, screen_folds};
pub use crate::model::leakage::{AuditOptions, ColumnAudit, Finding, LeakReason};

/// The result of an audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    /// Deals audited.
    pub rows: usize,
    /// Won deals.
    pub won: usize,
    /// Figures of every audited column, in table order.
    pub columns: Vec<ColumnAudit>,
    /// Flagged columns, most severe first.
    pub findings: Vec<Finding>,
}

impl Audit {
    /// The flagged column names, most severe first.
    pub fn flagged(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.column.as_str()).collect()
    }
}

/// Audits every column of `deals` but the target and `options.skip`.
///
/// ```
/// use leadscore::evidence::audit::{audit, AuditOptions};
/// let mut deals = leadscore::synthetic::deals(2_000, 1).table;
/// // A column only won deals have: the contract date.
/// let outcome = deals.column("outcome").unwrap().clone();
/// let signed: Vec<Option<String>> = (0..deals.n_rows())
///     .map(|r| (outcome.text(r).as_deref() == Some("Won")).then(|| "2024-06-01".to_string()))
///     .collect();
/// deals.set_column("contract_signed_date", leadscore::Values::Text(signed)).unwrap();
/// let a = audit(&deals, &AuditOptions { target: "outcome".into(),
///     skip: vec!["deal_id".into()], ..Default::default() }).unwrap();
/// assert_eq!(a.flagged(), ["contract_signed_date"]);
/// ```
pub fn audit(deals: &Table, options: &AuditOptions) -> Result<Audit> {
    let (_, y) = Target::resolve(deals, &options.target, &options.positive, &options.negative)?;
    for c in options.skip.iter().chain(&options.outcome_date) {
        deals.require(c)?;
    }
    crate::model::split::check_folds(options.folds, &y)?;
    let outcome_days: Option<Vec<Option<f64>>> = options
        .outcome_date
        .as_ref()
        .map(|c| -> Result<Vec<Option<f64>>> {
            let v = deals.require(c)?;
            Ok((0..deals.n_rows())
                .map(|r| v.text(r).and_then(|t| date_value(&t)))
                .collect())
        })
        .transpose()?;
    let columns: Vec<&String> = deals
        .column_names()
        .iter()
        .filter(|c| {
            **c != options.target
                && !options.skip.contains(c)
                && options.outcome_date.as_ref() != Some(*c)
        })
        .collect();
    let folds = screen_folds(&y, options);
    let mut audits = Vec::with_capacity(columns.len());
    for c in columns {
        let values = deals.require(c)?;
        audits.push(audit_column(
            c,
            values,
            &y,
            &folds,
            &options.missing,
            outcome_days.as_deref(),
            options,
        ));
    }
    let mut findings: Vec<Finding> = audits.iter().filter_map(|a| judge(a, options)).collect();
    findings.sort_by(|a, b| {
        b.severity
            .total_cmp(&a.severity)
            .then(a.reason.cmp(&b.reason))
            .then(a.column.cmp(&b.column))
    });
    Ok(Audit {
        rows: y.len(),
        won: y.iter().filter(|w| **w).count(),
        columns: audits,
        findings,
    })
}
