//! The columns a fit learns from: the features (every column but the
//! target, id, ignored, time and date columns, and, when asked, the columns
//! the leak screen flags) and the date column cross-validation orders by.

use super::leakage::training_findings;
use super::split::date_columns;
use super::ModelParams;
use crate::data::{ColumnKind, Schema, Table};
use crate::error::{display_value, Error, Result};

/// The date column of a time-ordered cross-validation.
pub(crate) struct TimeColumn {
    pub(in crate::model) name: String,
    /// Found as the deals' one date column rather than named.
    pub(in crate::model) found: bool,
}

impl ModelParams {
    /// The date column to cross-validate in time order on: the one named,
    /// or, when `l2` is chosen by cross-validation, none is named and random
    /// folds are not asked for, the deals' only date column (a column whose
    /// every value is a date). Random folds on dated deals choose the
    /// penalty for deals like the past ones, not for the later ones a model
    /// scores; with several date columns none is picked (a warning says so).
    pub(in crate::model) fn time_column_of(
        &self,
        deals: &Table,
        target_column: &str,
    ) -> Result<(Option<TimeColumn>, Option<String>)> {
        if let Some(name) = &self.time_column {
            deals.require(name)?;
            let named = TimeColumn {
                name: name.clone(),
                found: false,
            };
            return Ok((Some(named), None));
        }
        if self.l2.is_some() || self.random_folds {
            return Ok((None, None));
        }
        let mut skip = vec![target_column.to_string()];
        skip.extend(self.id.iter().cloned());
        skip.extend(self.ignore.iter().cloned());
        let candidates: Vec<String> = deals
            .column_names()
            .iter()
            .filter(|c| !skip.contains(c) && !self.kinds.contains_key(*c))
            .cloned()
            .collect();
        let dates = date_columns(deals, &candidates, &self.missing);
        Ok(match dates.as_slice() {
            [] => (None, None),
            [one] => {
                let found = TimeColumn {
                    name: one.clone(),
                    found: true,
                };
                (Some(found), None)
            }
            several => (
                None,
                Some(format!(
                    "the deals carry several date columns ({}); cross-validation used random folds, \
                     which choose the penalty for deals like past ones: name the date each deal \
                     was created on as the time column to cross-validate in time order",
                    crate::error::display_list(several)
                )),
            ),
        })
    }

    /// The feature columns (every column but the target, id, ignored and
    /// time columns, and, with `drop_leaks`, the ones the leak screen
    /// flags), the excluded columns, and a warning per leak found. Without
    /// `events` (a model learning from an event log may have no column
    /// besides), no feature column left is an error.
    pub(in crate::model) fn feature_columns(
        &self,
        deals: &Table,
        y: &[bool],
        target_column: &str,
        time_column: Option<&TimeColumn>,
        events: bool,
    ) -> Result<(Schema, Vec<String>, Vec<String>)> {
        let mut excluded = vec![target_column.to_string()];
        if let Some(id) = &self.id {
            deals.require(id)?;
            excluded.push(id.clone());
        }
        for c in self.ignore.iter().chain(time_column.map(|t| &t.name)) {
            if !excluded.contains(c) {
                excluded.push(c.clone());
            }
        }
        // Date columns are not learned from: a category per day says
        // nothing about later leads. A kind named for the column overrides.
        let undated: Vec<String> = deals
            .column_names()
            .iter()
            .filter(|c| !excluded.contains(c) && !self.kinds.contains_key(*c))
            .cloned()
            .collect();
        let dates = date_columns(deals, &undated, &self.missing);
        excluded.extend(dates.iter().cloned());
        let mut kinds = self.kinds.clone();
        for c in self.special_values.keys() {
            deals.require(c)?;
            if self.kinds.get(c) == Some(&ColumnKind::Categorical) {
                return Err(Error::InvalidParameter {
                    name: "special_values".into(),
                    value: c.clone(),
                    reason: "special values apply to numeric columns".into(),
                });
            }
            kinds.entry(c.clone()).or_insert(ColumnKind::Numeric);
        }
        let mut schema = Schema::infer(deals, &excluded, &self.missing, &kinds)?;
        let feature_names: Vec<String> = schema.features.iter().map(|f| f.name.clone()).collect();
        let leaks = training_findings(deals, y, &feature_names, &self.missing, self.seed);
        let warnings: Vec<String> = if self.drop_leaks && !leaks.is_empty() {
            excluded.extend(leaks.iter().map(|(c, _)| c.clone()));
            schema = Schema::infer(deals, &excluded, &self.missing, &kinds)?;
            leaks
                .iter()
                .map(|(c, detail)| {
                    format!(
                        "dropped column {} as a likely leak: {detail}",
                        display_value(c)
                    )
                })
                .collect()
        } else {
            leaks
                .iter()
                .map(|(c, detail)| {
                    format!(
                        "possible leak: column {}: {detail} (leakage audit); if it is filled in after the outcome, leave it out of training (ignore it, or drop the flagged columns)",
                        display_value(c)
                    )
                })
                .collect()
        };
        let mut warnings = warnings;
        for c in &dates {
            warnings.push(format!(
                "column {} holds dates: not learned from (one category per day says nothing about later leads); name it as the time column to cross-validate in time order, or ignore it",
                display_value(c)
            ));
        }
        if schema.features.is_empty() && !events {
            return Err(Error::InvalidParameter {
                name: "ignore".into(),
                value: self.ignore.join(", "),
                reason: "no feature column is left to learn from".into(),
            });
        }
        Ok((schema, excluded, warnings))
    }
}
