//! Output columns: the typed columns of a result (scores, decisions), one
//! schema written the same way to CSV, to Parquet and to Arrow frames.

use std::io::Write as _;

use crate::data::csv::{write_text, write_text_record, TextCells};

/// The type of an output column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Optional text.
    Text,
    /// A number in every row.
    Float,
    /// An optional number.
    OptFloat,
    /// An optional whole number.
    Int,
}

/// The values of one output column.
#[derive(Debug, Clone, PartialEq)]
pub enum OutValues {
    /// Text (ids, tiers, reasons); `None` is an empty cell.
    Text(Vec<Option<String>>),
    /// Numbers written exactly (the shortest text that reads back the same).
    Float(Vec<f64>),
    /// Numbers shown to 2 decimals in files (points, money); exact in frames.
    Fixed2(Vec<f64>),
    /// Optional numbers shown to 2 decimals in files (deal values).
    OptFixed2(Vec<Option<f64>>),
    /// Whole numbers (ranks).
    Int(Vec<Option<i64>>),
}

impl OutValues {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            OutValues::Text(v) => v.len(),
            OutValues::Float(v) | OutValues::Fixed2(v) => v.len(),
            OutValues::OptFixed2(v) => v.len(),
            OutValues::Int(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column's type.
    pub fn kind(&self) -> Kind {
        match self {
            OutValues::Text(_) => Kind::Text,
            OutValues::Float(_) | OutValues::Fixed2(_) => Kind::Float,
            OutValues::OptFixed2(_) => Kind::OptFloat,
            OutValues::Int(_) => Kind::Int,
        }
    }
}

/// Named output columns of equal length, in order.
pub type Columns = Vec<(String, OutValues)>;

/// The rows of `columns` as CSV (no header), numbers as files show them,
/// text cells as `cells` says.
pub(crate) fn encode_csv(columns: &[(String, OutValues)], cells: TextCells) -> Vec<u8> {
    // Written by hand (the hot loop of a rescoring job): numbers straight
    // into the buffer, text quoted by the one CSV writer.
    let n = columns.first().map(|(_, v)| v.len()).unwrap_or(0);
    let mut bytes: Vec<u8> = Vec::with_capacity(n * 48);
    for r in 0..n {
        for (c, (_, values)) in columns.iter().enumerate() {
            if c > 0 {
                bytes.push(b',');
            }
            // Writing to a Vec cannot fail.
            let _ = match values {
                OutValues::Text(v) => {
                    write_text(&mut bytes, v[r].as_deref().unwrap_or(""), cells);
                    Ok(())
                }
                OutValues::Float(v) => write!(bytes, "{}", v[r]),
                OutValues::Fixed2(v) => write!(bytes, "{:.2}", v[r]),
                OutValues::OptFixed2(v) => match v[r] {
                    Some(x) => write!(bytes, "{x:.2}"),
                    None => Ok(()),
                },
                OutValues::Int(v) => match v[r] {
                    Some(x) => write!(bytes, "{x}"),
                    None => Ok(()),
                },
            };
        }
        bytes.push(b'\n');
    }
    bytes
}

/// The header line of `columns` (names are text cells too).
pub(crate) fn csv_header<'a>(
    names: impl IntoIterator<Item = &'a str>,
    cells: TextCells,
) -> Vec<u8> {
    let mut out = Vec::new();
    write_text_record(&mut out, names, cells);
    out
}

/// `x` rounded to 2 decimals, as the CSV output prints it.
#[cfg(feature = "arrow")]
pub(crate) fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// A whole CSV document (header and rows) of output columns; text cells
/// that a spreadsheet would run as formulas are neutralised unless `cells`
/// is [`TextCells::Raw`].
///
/// ```
/// use leadscore::data::columns::{to_csv, OutValues};
/// use leadscore::data::csv::TextCells;
/// let cols = vec![
///     ("id".to_string(), OutValues::Text(vec![Some("=HYPERLINK(\"x\")".into())])),
///     ("points".to_string(), OutValues::Fixed2(vec![-12.5])),
/// ];
/// let safe = String::from_utf8(to_csv(&cols, TextCells::Neutralised)).unwrap();
/// assert_eq!(safe, "id,points\n\"'=HYPERLINK(\"\"x\"\")\",-12.50\n");
/// let raw = String::from_utf8(to_csv(&cols, TextCells::Raw)).unwrap();
/// assert_eq!(raw, "id,points\n\"=HYPERLINK(\"\"x\"\")\",-12.50\n");
/// ```
pub fn to_csv(columns: &[(String, OutValues)], cells: TextCells) -> Vec<u8> {
    let mut out = csv_header(columns.iter().map(|(n, _)| n.as_str()), cells);
    out.extend(encode_csv(columns, cells));
    out
}
