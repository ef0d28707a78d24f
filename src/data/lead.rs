//! One lead as column → value pairs, for qualifying leads one at a time (a
//! web form, a CRM webhook) without building a [`Table`] by hand.
//!
//! A [`Lead`] deserializes from a JSON object (or any serde map) whose values
//! are text, numbers, `true`/`false` or `null` (missing): a service takes the
//! body of a request as a `Lead` directly.
//!
//! ```
//! use leadscore::data::lead::{Cell, Lead};
//! let lead: Lead = serde_json::from_str(
//!     r#"{"deal_id": "W-1", "employees": 250, "demo_requested": true, "country": null}"#,
//! ).unwrap();
//! assert_eq!(lead.get("employees"), Some(&Cell::Number(250.0)));
//! assert_eq!(lead.get("demo_requested"), Some(&Cell::Bool(true)));
//! assert_eq!(lead.get("country"), Some(&Cell::Missing));
//! let nested = serde_json::from_str::<Lead>(r#"{"tags": ["a", "b"]}"#).unwrap_err();
//! assert!(nested.to_string().contains("text, a number, true/false or null"), "{nested}");
//! ```

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::table::{Table, Values};

/// One cell of a [`Lead`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, trimmed as a CSV field is; empty text is missing, as in a file.
    Text(String),
    /// A number; NaN is missing.
    Number(f64),
    /// A yes/no value, read in the model's own spelling of the column (see
    /// [`Model::boolean_spelling`](crate::Model::boolean_spelling)).
    Bool(bool),
    /// A missing value.
    Missing,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Cell {
        Cell::Number(x)
    }
}

impl From<i64> for Cell {
    fn from(x: i64) -> Cell {
        Cell::Number(x as f64)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Cell {
        Cell::Bool(b)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Missing, Into::into)
    }
}

/// One lead: its cells by column name, in the order given.
///
/// ```
/// use leadscore::data::lead::{Cell, Lead};
/// let lead = Lead::new()
///     .with("deal_id", "D1")
///     .with("employees", 120.0)
///     .with("demo_requested", true)
///     .with("country", None::<&str>);
/// assert_eq!(lead.get("employees"), Some(&Cell::Number(120.0)));
/// assert_eq!(lead.get("country"), Some(&Cell::Missing));
/// assert_eq!(lead.get("industry"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lead {
    cells: Vec<(String, Cell)>,
}

impl Lead {
    /// A lead with no cells.
    pub fn new() -> Lead {
        Lead::default()
    }

    /// The lead with `column` set to `value` (replacing an earlier value).
    pub fn with(mut self, column: impl Into<String>, value: impl Into<Cell>) -> Lead {
        self.set(column, value);
        self
    }

    /// Sets `column` to `value` (replacing an earlier value).
    pub fn set(&mut self, column: impl Into<String>, value: impl Into<Cell>) {
        let column = column.into();
        let value = value.into();
        match self.cells.iter_mut().find(|(c, _)| *c == column) {
            Some(cell) => cell.1 = value,
            None => self.cells.push((column, value)),
        }
    }

    /// The cell of `column`, when the lead has one.
    pub fn get(&self, column: &str) -> Option<&Cell> {
        self.cells.iter().find(|(c, _)| c == column).map(|(_, v)| v)
    }

    /// The column names, in the order given.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.cells.iter().map(|(c, _)| c.as_str())
    }

    /// A one-row table of `columns` (each must be in the lead, else
    /// [`Error::MissingColumn`](crate::Error::MissingColumn)); booleans become
    /// the texts `spell(column)` gives for true and false.
    pub(crate) fn to_table(
        &self,
        columns: &[&str],
        spell: &dyn Fn(&str) -> crate::Result<(String, String)>,
    ) -> crate::Result<Table> {
        let mut out = Vec::with_capacity(columns.len());
        for &c in columns {
            let cell = self.get(c).ok_or_else(|| crate::Error::MissingColumn {
                column: c.to_string(),
                available: self.columns().map(str::to_string).collect(),
            })?;
            out.push((c.to_string(), cell.values(c, spell)?));
        }
        Table::from_columns(out)
    }

    /// The text of `column` as a one-row table would hold it (`None` when
    /// the lead lacks the column or the value is missing).
    pub(crate) fn text(
        &self,
        column: &str,
        spell: &dyn Fn(&str) -> crate::Result<(String, String)>,
    ) -> Option<String> {
        let values = self.get(column)?.values(column, spell).ok()?;
        values.text(0).map(|s| s.into_owned())
    }
}

impl Cell {
    /// The cell as one row of a column named `column`: text trimmed (empty
    /// is missing), NaN missing, a boolean in `spell(column)`'s words.
    fn values(
        &self,
        column: &str,
        spell: &dyn Fn(&str) -> crate::Result<(String, String)>,
    ) -> crate::Result<Values> {
        Ok(match self {
            Cell::Text(s) => {
                let s = s.trim();
                Values::Text(vec![(!s.is_empty()).then(|| s.to_string())])
            }
            Cell::Number(x) => Values::Number(vec![Some(*x).filter(|x| !x.is_nan())]),
            Cell::Bool(b) => {
                let (yes, no) = spell(column)?;
                Values::Text(vec![Some(if *b { yes } else { no })])
            }
            Cell::Missing => Values::Text(vec![None]),
        })
    }
}

impl<K: Into<String>, V: Into<Cell>> FromIterator<(K, V)> for Lead {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Lead {
        let mut lead = Lead::new();
        for (k, v) in iter {
            lead.set(k, v);
        }
        lead
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cell, D::Error> {
        struct CellVisitor;
        impl<'de> Visitor<'de> for CellVisitor {
            type Value = Cell;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a lead's value: text, a number, true/false or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Cell, E> {
                Ok(Cell::Text(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
                Ok(Cell::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
                Ok(Cell::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
                Ok(Cell::Number(v as f64))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Cell, E> {
                Ok(Cell::Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
                Ok(Cell::Missing)
            }
            fn visit_none<E: de::Error>(self) -> Result<Cell, E> {
                Ok(Cell::Missing)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
                Cell::deserialize(d)
            }
        }
        deserializer.deserialize_any(CellVisitor)
    }
}

impl<'de> Deserialize<'de> for Lead {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Lead, D::Error> {
        struct LeadVisitor;
        impl<'de> Visitor<'de> for LeadVisitor {
            type Value = Lead;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a lead: an object of column -> value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lead, A::Error> {
                let mut lead = Lead::new();
                while let Some(column) = map.next_key::<String>()? {
                    let cell: Cell = map
                        .next_value()
                        .map_err(|e| de::Error::custom(format!("column {column:?}: {e}")))?;
                    if lead.get(&column).is_some() {
                        return Err(de::Error::custom(format!("column {column:?} given twice")));
                    }
                    lead.cells.push((column, cell));
                }
                Ok(lead)
            }
        }
        deserializer.deserialize_map(LeadVisitor)
    }
}
