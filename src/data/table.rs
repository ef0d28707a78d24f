//! [`Table`]: the rows a model learns from or scores, column by column.
//! CSV files become tables in [`crate::data::csv`], Arrow batches in
//! `crate::data::arrow`.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::util::format_number;

/// The values of one column. Text is what CSV gives; numbers come from typed
/// sources (Arrow, numpy, Rust callers). `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text cells; an empty CSV field is `None`.
    Text(Vec<Option<String>>),
    /// Numeric cells; `None` (or NaN) is missing.
    Number(Vec<Option<f64>>),
    /// Text cells stored once per distinct value: row `r` holds
    /// `values[codes[r]]`, `None` is missing. Arrow dictionary and string
    /// columns arrive this way; scoring looks each distinct value up once.
    Dictionary {
        /// The distinct values.
        values: Vec<String>,
        /// One code per row into `values`.
        codes: Vec<Option<u32>>,
    },
}

impl Values {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Number(v) => v.len(),
            Values::Dictionary { codes, .. } => codes.len(),
        }
    }

    /// True when the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell at `row` (0-based) as text, `None` when missing (or past
    /// the last row).
    pub fn text(&self, row: usize) -> Option<Cow<'_, str>> {
        match self {
            Values::Text(v) => v.get(row)?.as_deref().map(Cow::Borrowed),
            Values::Number(v) => match v.get(row).copied().flatten() {
                Some(x) if !x.is_nan() => Some(Cow::Owned(format_number(x))),
                _ => None,
            },
            Values::Dictionary { values, codes } => {
                let code = (*codes.get(row)?)?;
                values.get(code as usize).map(|s| Cow::Borrowed(s.as_str()))
            }
        }
    }

    fn take(&self, rows: &[usize]) -> Values {
        match self {
            Values::Text(v) => Values::Text(rows.iter().map(|&r| v[r].clone()).collect()),
            Values::Number(v) => Values::Number(rows.iter().map(|&r| v[r]).collect()),
            Values::Dictionary { values, codes } => Values::Dictionary {
                values: values.clone(),
                codes: rows.iter().map(|&r| codes[r]).collect(),
            },
        }
    }
}

/// A table of named columns of equal length.
///
/// ```
/// use leadscore::{Table, Values};
/// let table = Table::from_columns(vec![
///     ("industry".to_string(), Values::Text(vec![Some("Software".into()), None])),
///     ("employees".to_string(), Values::Number(vec![Some(120.0), Some(8.0)])),
/// ]).unwrap();
/// assert_eq!(table.n_rows(), 2);
/// assert_eq!(table.cell(1, "employees").unwrap().as_deref(), Some("8"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Values>,
    n_rows: usize,
    first_row: usize,
}

impl Table {
    /// Builds a table from named columns; all must have the same length and
    /// distinct names.
    pub fn from_columns(columns: Vec<(String, Values)>) -> Result<Table> {
        let n_rows = columns.first().map(|(_, v)| v.len()).unwrap_or(0);
        let mut seen = HashSet::new();
        for (name, values) in &columns {
            if !seen.insert(name.as_str()) {
                return Err(Error::DuplicateColumn {
                    column: name.clone(),
                });
            }
            if let Values::Dictionary { values, codes } = values {
                // The largest code first (a pass without branches), the
                // first bad one only when there is one.
                let largest = codes.iter().map(|c| c.unwrap_or(0)).max().unwrap_or(0);
                let bad = (largest as usize >= values.len() && !codes.iter().all(Option::is_none))
                    .then(|| {
                        codes
                            .iter()
                            .flatten()
                            .find(|c| **c as usize >= values.len())
                    })
                    .flatten();
                if let Some(c) = bad {
                    return Err(Error::InvalidParameter {
                        name: format!("column {name:?}"),
                        value: format!("code {c}"),
                        reason: format!(
                            "a dictionary column of {} values cannot hold code {c}",
                            values.len()
                        ),
                    });
                }
            }
            if values.len() != n_rows {
                return Err(Error::InvalidParameter {
                    name: format!("column {name:?}"),
                    value: values.len().to_string(),
                    reason: format!("has {} rows, the first column has {n_rows}", values.len()),
                });
            }
        }
        let (names, columns) = columns.into_iter().unzip();
        Ok(Table {
            names,
            columns,
            n_rows,
            first_row: 1,
        })
    }

    /// Builds a text table from a header and rows of fields (an empty field is
    /// missing). Handy in tests and examples.
    pub fn from_rows<S: AsRef<str>>(header: &[S], rows: &[Vec<S>]) -> Result<Table> {
        let mut cols: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(rows.len()); header.len()];
        for (i, row) in rows.iter().enumerate() {
            if row.len() != header.len() {
                return Err(Error::RaggedRow {
                    row: i + 1,
                    expected: header.len(),
                    found: row.len(),
                });
            }
            for (c, field) in row.iter().enumerate() {
                let f = field.as_ref();
                cols[c].push(if f.is_empty() {
                    None
                } else {
                    Some(f.to_string())
                });
            }
        }
        Table::from_columns(
            header
                .iter()
                .map(|h| h.as_ref().to_string())
                .zip(cols.into_iter().map(Values::Text))
                .collect(),
        )
    }

    /// The same table with its first row numbered `first_row` (1-based):
    /// a batch cut from the middle of a source keeps the numbers its rows
    /// have there, which errors and decisions name (see [`Table::first_row`]).
    pub fn with_first_row(mut self, first_row: usize) -> Table {
        self.first_row = first_row;
        self
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The 1-based number, in its source, of this table's first row (a batch
    /// read from the middle of a file starts past 1). Errors name rows with it.
    pub fn first_row(&self) -> usize {
        self.first_row
    }

    /// Column names in order.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Values> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
    }

    /// The column called `name`, or an error naming the columns there are.
    pub fn require(&self, name: &str) -> Result<&Values> {
        self.column(name).ok_or_else(|| Error::MissingColumn {
            column: name.to_string(),
            available: self.names.clone(),
        })
    }

    /// The cell at 0-based `row` of column `name` as text (`Ok(None)` when missing).
    pub fn cell(&self, row: usize, name: &str) -> Result<Option<Cow<'_, str>>> {
        Ok(self.require(name)?.text(row))
    }

    /// A new table holding the given 0-based rows, in the given order.
    pub fn take_rows(&self, rows: &[usize]) -> Table {
        Table {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            n_rows: rows.len(),
            first_row: 1,
        }
    }

    /// The columns with their names, in table order.
    pub(crate) fn into_columns(self) -> Vec<(String, Values)> {
        self.names.into_iter().zip(self.columns).collect()
    }

    /// The column `name`, taken out of the table.
    pub(crate) fn into_column(mut self, name: &str) -> Option<Values> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(self.columns.swap_remove(i))
    }

    /// The same table without the column `name` (unchanged when absent).
    pub fn without_column(mut self, name: &str) -> Table {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            self.names.remove(i);
            self.columns.remove(i);
        }
        self
    }

    /// Adds or replaces a column.
    pub fn set_column(&mut self, name: &str, values: Values) -> Result<()> {
        if values.len() != self.n_rows && !self.names.is_empty() {
            return Err(Error::InvalidParameter {
                name: format!("column {name:?}"),
                value: values.len().to_string(),
                reason: format!("has {} rows, the table has {}", values.len(), self.n_rows),
            });
        }
        if self.names.is_empty() {
            self.n_rows = values.len();
        }
        match self.names.iter().position(|n| n == name) {
            Some(i) => self.columns[i] = values,
            None => {
                self.names.push(name.to_string());
                self.columns.push(values);
            }
        }
        Ok(())
    }
}
