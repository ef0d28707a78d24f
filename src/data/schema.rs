//! [`Schema`]: which column is the outcome, which is the id, which are
//! features and of what kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::table::{Table, Values};
use crate::error::{Error, Result, RowErrors};
use crate::util::is_missing_token;

/// How a feature column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Numbers, binned into ranges learned from the training rows.
    Numeric,
    /// Labels; each frequent value is its own attribute.
    Categorical,
}

impl std::str::FromStr for ColumnKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "numeric" | "number" | "num" => Ok(ColumnKind::Numeric),
            "categorical" | "category" | "cat" | "text" => Ok(ColumnKind::Categorical),
            _ => Err(Error::InvalidParameter {
                name: "kind".into(),
                value: s.into(),
                reason: "expected numeric or categorical".into(),
            }),
        }
    }
}

/// Values that count as a won deal when no positive value is named
/// (compared case-insensitively).
pub const DEFAULT_WON: [&str; 4] = ["1", "true", "won", "yes"];
/// Values that count as a lost deal when no positive value is named
/// (compared case-insensitively).
pub const DEFAULT_LOST: [&str; 4] = ["0", "false", "lost", "no"];

/// The outcome column and how its values map to won and lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Column name.
    pub column: String,
    /// Values meaning won (exact match after trimming, or case-insensitive
    /// match for the defaults).
    pub won: Vec<String>,
    /// Values meaning lost.
    pub lost: Vec<String>,
}

impl Target {
    /// The won and lost values of `column`: `positive` and `negative` when
    /// both are named; with only `positive`, the one value the column holds
    /// besides it and the `open` values (more than one is an error listing
    /// them); with neither, [`DEFAULT_WON`] and [`DEFAULT_LOST`].
    pub fn named(
        table: &Table,
        column: &str,
        positive: &[String],
        negative: &[String],
        open: &[String],
    ) -> Result<Target> {
        let values = table.require(column)?;
        if positive.is_empty() && negative.is_empty() {
            return Ok(Target {
                column: column.to_string(),
                won: DEFAULT_WON.iter().map(|s| s.to_string()).collect(),
                lost: DEFAULT_LOST.iter().map(|s| s.to_string()).collect(),
            });
        }
        if !negative.is_empty() {
            return Ok(Target {
                column: column.to_string(),
                won: positive.to_vec(),
                lost: negative.to_vec(),
            });
        }
        let mut others: Vec<String> = Vec::new();
        for r in 0..table.n_rows() {
            if let Some(v) = values.text(r) {
                let v = v.as_ref();
                if !positive.iter().chain(open).any(|p| p == v) && !others.iter().any(|o| o == v) {
                    others.push(v.to_string());
                    if others.len() > 20 {
                        break;
                    }
                }
            }
        }
        if others.len() > 1 {
            others.sort();
            let besides = if open.is_empty() {
                positive.join("/")
            } else {
                format!("{} and the open {}", positive.join("/"), open.join("/"))
            };
            return Err(Error::InvalidParameter {
                name: "negative".into(),
                value: String::new(),
                reason: format!(
                    "target column {} holds {} values besides {besides}: {}; name the lost \
                     value(s) (`negative`) or the values of deals still open",
                    crate::util::text::display_value(column),
                    others.len(),
                    crate::util::text::display_list(&others)
                ),
            });
        }
        Ok(Target {
            column: column.to_string(),
            won: positive.to_vec(),
            lost: others,
        })
    }

    /// Reads the outcome of every row: `true` for won. Every value that is
    /// neither won nor lost (including a missing one) is a row error.
    ///
    /// With `positive` named and `negative` empty, the column must hold
    /// exactly one other value, which means lost; with neither named, the
    /// [`DEFAULT_WON`] and [`DEFAULT_LOST`] values apply.
    pub fn resolve(
        table: &Table,
        column: &str,
        positive: &[String],
        negative: &[String],
    ) -> Result<(Target, Vec<bool>)> {
        let values = table.require(column)?;
        let n = table.n_rows();
        let target = Target::named(table, column, positive, negative, &[])?;
        let mut errors = RowErrors::default();
        let mut y = Vec::with_capacity(n);
        for r in 0..n {
            match values.text(r) {
                None => {
                    errors.push(table.first_row() + r, column, "", "the outcome is missing");
                    y.push(false);
                }
                Some(v) => match target.outcome(&v) {
                    Some(won) => y.push(won),
                    None => {
                        errors.push(
                            table.first_row() + r,
                            column,
                            &v,
                            format!(
                                "not a known outcome (won: {}; lost: {})",
                                target.won.join("/"),
                                target.lost.join("/")
                            ),
                        );
                        y.push(false);
                    }
                },
            }
        }
        errors.into_result()?;
        Ok((target, y))
    }

    /// `Some(true)` for a won value, `Some(false)` for a lost one.
    pub fn outcome(&self, value: &str) -> Option<bool> {
        let default = self.won.iter().map(String::as_str).eq(DEFAULT_WON);
        let eq = |a: &String| {
            if default {
                a.eq_ignore_ascii_case(value)
            } else {
                a == value
            }
        };
        if self.won.iter().any(eq) {
            Some(true)
        } else if self.lost.iter().any(eq) {
            Some(false)
        } else {
            None
        }
    }
}

/// A feature column and its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureColumn {
    /// Column name.
    pub name: String,
    /// How it is read.
    pub kind: ColumnKind,
}

/// Which columns are features and how each is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Feature columns in table order.
    pub features: Vec<FeatureColumn>,
    /// Columns present but not used (target, id, ignored).
    pub excluded: Vec<String>,
    /// Extra tokens read as missing, besides the empty field.
    pub missing: Vec<String>,
}

impl Schema {
    /// Infers the feature columns of `table`: every column but `excluded`.
    /// A column is numeric when every non-missing value parses as a finite
    /// number, categorical otherwise; `kinds` overrides the guess.
    /// Names in `excluded` or `kinds` that are not columns are errors.
    pub fn infer(
        table: &Table,
        excluded: &[String],
        missing: &[String],
        kinds: &BTreeMap<String, ColumnKind>,
    ) -> Result<Schema> {
        for name in excluded.iter().chain(kinds.keys()) {
            table.require(name)?;
        }
        let mut features = Vec::new();
        for name in table.column_names() {
            if excluded.contains(name) {
                continue;
            }
            let kind = match kinds.get(name) {
                Some(k) => *k,
                None => infer_kind(table.require(name)?, missing),
            };
            features.push(FeatureColumn {
                name: name.clone(),
                kind,
            });
        }
        Ok(Schema {
            features,
            excluded: excluded.to_vec(),
            missing: missing.to_vec(),
        })
    }
}

fn infer_kind(values: &Values, missing: &[String]) -> ColumnKind {
    let texts: Box<dyn Iterator<Item = &String>> = match values {
        Values::Number(_) => return ColumnKind::Numeric,
        Values::Text(v) => Box::new(v.iter().flatten()),
        Values::Dictionary { values, codes } => {
            let mut used = vec![false; values.len()];
            for c in codes.iter().flatten() {
                used[*c as usize] = true;
            }
            Box::new(values.iter().zip(used).filter(|(_, u)| *u).map(|(v, _)| v))
        }
    };
    let mut any = false;
    for s in texts {
        if is_missing_token(missing, s) {
            continue;
        }
        match s.parse::<f64>() {
            Ok(x) if x.is_finite() => any = true,
            _ => return ColumnKind::Categorical,
        }
    }
    if any {
        ColumnKind::Numeric
    } else {
        ColumnKind::Categorical
    }
}
