//! DataFrames in and out: any object with `__arrow_c_stream__` (pandas,
//! polars, pyarrow, duckdb ...) becomes a core `Table`; results go back as
//! columns that `leadscore._frames` wraps in the caller's frame type.

use arrow_array::{Array, ArrayRef, Float64Array, StringArray};
use arrow_schema::DataType;
use leadscore::{Table, Values};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;

fn unsupported(column: &str, data_type: &DataType) -> PyErr {
    PyTypeError::new_err(format!(
        "column {column:?} has Arrow type {data_type}, which leadscore cannot read; \
         convert it to numbers or text"
    ))
}

/// Reads a DataFrame-like object into a `Table`. Numbers become numeric
/// cells, everything else (strings, categories, booleans, dates) text; an
/// empty string or null is missing, and text is trimmed as CSV fields are.
pub fn table_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Table> {
    let py = obj.py();
    let arrow = py
        .import("leadscore._frames")?
        .call_method1("to_arrow", (obj,))?;
    let table: PyTable = arrow.extract()?;
    let (batches, schema) = table.into_inner();
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate() {
        let name = field.name().clone();
        let chunks: Vec<ArrayRef> = batches.iter().map(|b| b.column(i).clone()).collect();
        let dt = field.data_type();
        let values = if dt.is_numeric() {
            let mut out = Vec::new();
            for chunk in &chunks {
                let cast = arrow_cast::cast(chunk, &DataType::Float64)
                    .map_err(|_| unsupported(&name, dt))?;
                let a = cast
                    .as_any()
                    .downcast_ref::<Float64Array>()
                    .ok_or_else(|| unsupported(&name, dt))?;
                out.extend(a.iter());
            }
            Values::Number(out)
        } else if matches!(dt, DataType::Null) {
            Values::Text(chunks.iter().flat_map(|c| vec![None; c.len()]).collect())
        } else if dt.is_nested() || matches!(dt, DataType::Binary | DataType::LargeBinary) {
            return Err(unsupported(&name, dt));
        } else {
            let mut out: Vec<Option<String>> = Vec::new();
            for chunk in &chunks {
                let cast =
                    arrow_cast::cast(chunk, &DataType::Utf8).map_err(|_| unsupported(&name, dt))?;
                let a = cast
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .ok_or_else(|| unsupported(&name, dt))?;
                out.extend(a.iter().map(|v| {
                    v.map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                }));
            }
            Values::Text(out)
        };
        columns.push((name, values));
    }
    Table::from_columns(columns).map_err(|e| crate::error::to_py(py, e))
}

/// A result column.
pub enum Column {
    /// Floating-point numbers.
    Float(Vec<f64>),
    /// Whole numbers.
    Int(Vec<i64>),
    /// Optional text.
    Text(Vec<Option<String>>),
}

/// Wraps result columns in the same frame type as `like` (see `leadscore._frames`).
pub fn to_frame<'py>(
    py: Python<'py>,
    columns: Vec<(String, Column)>,
    like: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let dict = PyDict::new(py);
    for (name, column) in columns {
        match column {
            Column::Float(v) => dict.set_item(name, numpy::PyArray1::from_vec(py, v))?,
            Column::Int(v) => dict.set_item(name, numpy::PyArray1::from_vec(py, v))?,
            Column::Text(v) => dict.set_item(name, v)?,
        }
    }
    py.import("leadscore._frames")?
        .call_method1("to_frame", (dict, like))
}
