//! Results out: columns built as Arrow arrays in Rust and handed to the
//! caller's frame library through the Arrow C stream (pandas by pyarrow's
//! `to_pandas`, polars by its own reader, pyarrow as it is; see
//! `leadscore._frames.route`). Where pyarrow is needed but not installed
//! (pandas without it) the columns go as numpy arrays and lists instead.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    new_empty_array, Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;

/// A result column.
pub enum Column {
    /// Floating-point numbers.
    Float(Vec<f64>),
    /// Whole numbers.
    Int(Vec<i64>),
    /// Optional text.
    Text(Vec<Option<String>>),
    /// A list of texts in every row (empty for none).
    Lists(Vec<Vec<String>>),
    /// An input column as it was read (an id copied to the output).
    Arrow(ArrayRef),
}

fn arrow_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("building a result frame: {e}"))
}

impl Column {
    fn into_array(self) -> ArrayRef {
        match self {
            Column::Float(v) => Arc::new(Float64Array::from(v)),
            Column::Int(v) => Arc::new(Int64Array::from(v)),
            Column::Text(v) => Arc::new(StringArray::from(v)),
            Column::Lists(v) => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for row in v {
                    for t in row {
                        b.values().append_value(t);
                    }
                    b.append(true);
                }
                Arc::new(b.finish())
            }
            Column::Arrow(a) => a,
        }
    }

    /// The column as numpy arrays (numbers) or lists (everything else).
    fn into_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(match self {
            Column::Float(v) => numpy::PyArray1::from_vec(py, v).into_any(),
            Column::Int(v) => numpy::PyArray1::from_vec(py, v).into_any(),
            Column::Text(v) => v.into_pyobject(py)?.into_any(),
            Column::Lists(v) => v.into_pyobject(py)?.into_any(),
            Column::Arrow(a) => {
                let (to, numbers) = match a.data_type() {
                    t if t.is_integer() && a.null_count() == 0 => (DataType::Int64, true),
                    t if t.is_numeric() => (DataType::Float64, true),
                    _ => (DataType::Utf8, false),
                };
                let cast = arrow_cast::cast(&a, &to).map_err(arrow_error)?;
                if let Some(x) = cast.as_any().downcast_ref::<Int64Array>() {
                    numpy::PyArray1::from_slice(py, x.values()).into_any()
                } else if let (true, Some(x)) =
                    (numbers, cast.as_any().downcast_ref::<Float64Array>())
                {
                    let v: Vec<f64> = x.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
                    numpy::PyArray1::from_vec(py, v).into_any()
                } else {
                    let x = cast
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .ok_or_else(|| arrow_error("an id column that is no text"))?;
                    x.iter().collect::<Vec<_>>().into_pyobject(py)?.into_any()
                }
            }
        })
    }
}

/// One array of an input column's chunks (no copy for one chunk).
pub fn whole(data_type: &DataType, chunks: &[ArrayRef]) -> PyResult<ArrayRef> {
    match chunks {
        [] => Ok(new_empty_array(data_type)),
        [one] => Ok(one.clone()),
        many => {
            let refs: Vec<&dyn Array> = many.iter().map(|c| c.as_ref()).collect();
            arrow_select::concat::concat(&refs).map_err(arrow_error)
        }
    }
}

/// Result columns as a frame of the same kind as `like` (pandas, polars,
/// pyarrow, or a stand-in from `leadscore._frames.empty_of_kind`).
pub fn to_frame<'py>(
    py: Python<'py>,
    columns: Vec<(String, Column)>,
    like: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let frames = py.import("leadscore._frames")?;
    let (kind, arrow): (String, bool) = frames.call_method1("route", (like,))?.extract()?;
    if !arrow {
        let dict = PyDict::new(py);
        for (name, column) in columns {
            dict.set_item(name, column.into_py(py)?)?;
        }
        return frames.call_method1("from_columns", (dict, kind));
    }
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns
        .into_iter()
        .map(|(name, column)| {
            // Nullable, as frames built from numpy arrays and lists have them.
            let array = column.into_array();
            (Field::new(name, array.data_type().clone(), true), array)
        })
        .unzip();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(arrow_error)?;
    let table = Bound::new(py, PyTable::try_new(vec![batch], schema)?)?;
    frames.call_method1("from_arrow", (table, kind))
}

/// Output columns of the core's schemas (scores, decisions) as result
/// columns. Numbers stay exact (files show points to 2 decimals; frames do
/// not); a missing whole number is 0 and a missing amount NaN, as frames
/// have always had them.
pub fn out_columns(columns: leadscore::data::columns::Columns) -> Vec<(String, Column)> {
    use leadscore::data::columns::OutValues;
    columns
        .into_iter()
        .map(|(name, values)| {
            let column = match values {
                OutValues::Text(v) => Column::Text(v),
                OutValues::Float(v) | OutValues::Fixed2(v) => Column::Float(v),
                OutValues::OptFixed2(v) => {
                    Column::Float(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
                }
                OutValues::Int(v) => Column::Int(v.into_iter().map(|x| x.unwrap_or(0)).collect()),
            };
            (name, column)
        })
        .collect()
}

/// Output columns of the core's schemas (see [`out_columns`]) as a frame
/// of the same kind as `like`, with the column `id` (name and values, as
/// the input held them) first when given.
pub fn columns_to_frame<'py>(
    py: Python<'py>,
    columns: leadscore::data::columns::Columns,
    like: Option<&Bound<'py, PyAny>>,
    id: Option<(&str, ArrayRef)>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut out: Vec<(String, Column)> = id
        .map(|(name, values)| (name.to_string(), Column::Arrow(values)))
        .into_iter()
        .collect();
    out.extend(out_columns(columns));
    to_frame(py, out, like)
}
