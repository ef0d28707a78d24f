//! The points sheet (hand-set points): marketing's existing points, as a
//! CSV file with a header naming (in any order, any case) a `column`, a
//! `value` (or `range`) and a `points` column. A value is:
//!
//! - text: matches that value exactly (case-insensitive, trimmed);
//! - a range of numbers: `10-49` (10 to 49 inclusive), `10..50` (10 up to but
//!   not including 50), `>=50`, `>50`, `<10`, `<=10`, `50+` (50 or more);
//! - `(missing)`: matches an empty cell or a missing token; `*` matches any
//!   value.
//!
//! A deal's hand-set score is the sum of the points of every rule it
//! matches. The evidence layer scores it beside a learned model
//! ([`crate::evidence::points_sheet`]); training can start from it as the
//! prior of the points ([`super::prior`]).
//!
//! ```
//! use leadscore::model::sheet::PointsSheet;
//! let sheet = PointsSheet::from_csv_str(
//!     "column,value,points\njob,Director,20\nvisits,>=5,10\njob,(missing),-5\n",
//!     std::path::Path::new("sheet.csv"),
//! ).unwrap();
//! assert_eq!(sheet.rules.len(), 3);
//! assert!(sheet.rules[1].matcher.matches(Some("7")));
//! assert!(sheet.rules[2].matcher.matches(None));
//! ```

use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::error::{Error, Result, RowErrors};
use crate::util::is_missing_token;

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Matcher {
    /// A text value (case-insensitive).
    Value {
        /// The value.
        value: String,
    },
    /// Numbers in a range; `None` is unbounded.
    Range {
        /// Lower bound.
        low: Option<f64>,
        /// Whether the lower bound is included.
        low_inclusive: bool,
        /// Upper bound.
        high: Option<f64>,
        /// Whether the upper bound is included.
        high_inclusive: bool,
    },
    /// An empty cell or a missing token.
    Missing,
    /// Any value, missing included.
    Any,
}

/// One line of the sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// 1-based data row of the sheet.
    pub row: usize,
    /// The column it reads.
    pub column: String,
    /// The value or range as written.
    pub label: String,
    /// What it matches.
    pub matcher: Matcher,
    /// Points it gives.
    pub points: f64,
}

/// Marketing's points sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsSheet {
    /// The rules, in sheet order.
    pub rules: Vec<Rule>,
}

fn parse_matcher(text: &str) -> Option<Matcher> {
    let t = text.trim();
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let range = |low, li, high, hi| Matcher::Range {
        low,
        low_inclusive: li,
        high,
        high_inclusive: hi,
    };
    if t == "*" || t.eq_ignore_ascii_case("(any)") {
        return Some(Matcher::Any);
    }
    if t.eq_ignore_ascii_case("(missing)") {
        return Some(Matcher::Missing);
    }
    for (prefix, li, is_low) in [
        (">=", true, true),
        ("<=", true, false),
        (">", false, true),
        ("<", false, false),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            let x = num(rest)?;
            return Some(if is_low {
                range(Some(x), li, None, false)
            } else {
                range(None, false, Some(x), li)
            });
        }
    }
    if let Some(rest) = t.strip_suffix('+') {
        if let Some(x) = num(rest) {
            return Some(range(Some(x), true, None, false));
        }
    }
    if let Some((a, b)) = t.split_once("..") {
        if let (Some(a), Some(b)) = (num(a), num(b)) {
            return Some(range(Some(a), true, Some(b), false));
        }
    }
    // a-b, allowing a leading minus on a.
    if let Some(i) = t.get(1..).and_then(|s| s.find('-')).map(|i| i + 1) {
        if let (Some(a), Some(b)) = (num(&t[..i]), num(&t[i + 1..])) {
            return Some(range(Some(a), true, Some(b), true));
        }
    }
    Some(Matcher::Value {
        value: t.to_string(),
    })
}

impl Matcher {
    /// Whether a cell (`None` when missing) matches.
    pub fn matches(&self, cell: Option<&str>) -> bool {
        match (self, cell) {
            (Matcher::Any, _) => true,
            (Matcher::Missing, c) => c.is_none(),
            (_, None) => false,
            (Matcher::Value { value }, Some(c)) => c.trim().eq_ignore_ascii_case(value),
            (
                Matcher::Range {
                    low,
                    low_inclusive,
                    high,
                    high_inclusive,
                },
                Some(c),
            ) => match c.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let above = match low {
                        None => true,
                        Some(l) => x > *l || (*low_inclusive && x == *l),
                    };
                    let below = match high {
                        None => true,
                        Some(h) => x < *h || (*high_inclusive && x == *h),
                    };
                    above && below
                }
                _ => false,
            },
        }
    }
}

impl PointsSheet {
    /// Reads a sheet from CSV text; `path` names it in errors. Bad lines are
    /// collected, naming the row, the column and the value.
    pub fn from_csv_str(text: &str, path: &std::path::Path) -> Result<PointsSheet> {
        let table = Table::from_csv_reader(text.as_bytes()).map_err(|e| match e {
            Error::Io { source, .. } => Error::Io {
                path: path.to_path_buf(),
                source,
            },
            e => e,
        })?;
        Self::from_table(&table)
    }

    /// Reads a sheet from a table of its lines (a `column`, a `value` or
    /// `range`, and a `points` column, any case). Bad lines are collected,
    /// naming the row, the column and the value.
    pub fn from_table(table: &Table) -> Result<PointsSheet> {
        let header = table.column_names().to_vec();
        let find = |names: &[&str]| {
            header
                .iter()
                .find(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
                .cloned()
        };
        let missing_col = |c: &str| Error::MissingColumn {
            column: c.to_string(),
            available: header.clone(),
        };
        let col = find(&["column", "field", "attribute"]).ok_or_else(|| missing_col("column"))?;
        let val = find(&["value", "range", "value or range", "value_or_range"])
            .ok_or_else(|| missing_col("value"))?;
        let pts = find(&["points", "score"]).ok_or_else(|| missing_col("points"))?;
        let mut errors = RowErrors::default();
        let mut rules = Vec::new();
        for r in 0..table.n_rows() {
            let row = r + 1;
            let column = table.cell(r, &col)?.map(|s| s.into_owned());
            let label = table.cell(r, &val)?.map(|s| s.into_owned());
            let points_text = table.cell(r, &pts)?.map(|s| s.into_owned());
            let Some(column) = column else {
                errors.push(row, &col, "", "the column name is empty");
                continue;
            };
            let label = label.unwrap_or_else(|| "(missing)".to_string());
            let points = match points_text.as_deref().map(|p| p.parse::<f64>()) {
                Some(Ok(p)) if p.is_finite() => p,
                _ => {
                    errors.push(
                        row,
                        &pts,
                        points_text.as_deref().unwrap_or(""),
                        "not a number of points",
                    );
                    continue;
                }
            };
            match parse_matcher(&label) {
                Some(matcher) => rules.push(Rule {
                    row,
                    column,
                    label,
                    matcher,
                    points,
                }),
                None => errors.push(row, &val, &label, "not a value or a range of numbers"),
            }
        }
        errors.into_result()?;
        Ok(PointsSheet { rules })
    }

    /// Reads a sheet from a CSV file.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<PointsSheet> {
        let path = path.as_ref();
        Self::from_csv_str(&crate::data::files::read_to_string(path)?, path)
    }

    /// Every deal's hand-set score: the sum of the points of the rules it
    /// matches. A column of the sheet missing from `deals` is an error.
    pub fn score(&self, deals: &Table, missing: &[String]) -> Result<Vec<f64>> {
        let mut out = vec![0.0; deals.n_rows()];
        for rule in &self.rules {
            let values = deals.require(&rule.column)?;
            for (r, o) in out.iter_mut().enumerate() {
                let cell = values.text(r);
                let cell = cell.as_deref().filter(|c| !is_missing_token(missing, c));
                if rule.matcher.matches(cell) {
                    *o += rule.points;
                }
            }
        }
        Ok(out)
    }
}
