//! DataFrames in and out: any object with `__arrow_c_stream__` (pandas,
//! polars, pyarrow, duckdb ...) becomes a core `Table`; results go back as
//! columns that `leadscore._frames` wraps in the caller's frame type.

use std::collections::HashMap;

use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Float64Array, StringArray};
use arrow_schema::DataType;
use leadscore::{Table, Values};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;
use rayon::prelude::*;

fn unsupported(column: &str, data_type: &DataType) -> String {
    format!(
        "column {column:?} has Arrow type {data_type}, which leadscore cannot read; \
         convert it to numbers or text"
    )
}

/// Reads a DataFrame-like object into a `Table`: all its columns, or only
/// `needed` (a needed column the frame lacks is a `DataError` naming it).
/// Numbers become numeric cells, everything else (strings, categories,
/// booleans, dates) text; an empty string or null is missing, and text is
/// trimmed as CSV fields are.
pub fn table_from_py(obj: &Bound<'_, PyAny>, needed: Option<Vec<String>>) -> PyResult<Table> {
    let py = obj.py();
    let frames = py.import("leadscore._frames")?;
    if let Some(needed) = &needed {
        let names: Vec<String> = frames.call_method1("column_names", (obj,))?.extract()?;
        if let Some(missing) = needed.iter().find(|c| !names.contains(c)) {
            return Err(crate::error::to_py(
                py,
                leadscore::Error::MissingColumn {
                    column: missing.clone(),
                    available: names,
                },
            ));
        }
    }
    let arrow = frames.call_method1("to_arrow", (obj, needed))?;
    let table: PyTable = arrow.extract()?;
    let (batches, schema) = table.into_inner();
    let jobs: Vec<(String, DataType, Vec<ArrayRef>)> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let chunks = batches.iter().map(|b| b.column(i).clone()).collect();
            (field.name().clone(), field.data_type().clone(), chunks)
        })
        .collect();
    // Columns convert in parallel, without the GIL.
    let converted: Vec<Result<(String, Values), String>> = py.detach(|| {
        jobs.into_par_iter()
            .map(|(name, dt, chunks)| convert_column(&name, &dt, &chunks).map(|v| (name, v)))
            .collect()
    });
    let columns = converted
        .into_iter()
        .collect::<Result<Vec<_>, String>>()
        .map_err(PyTypeError::new_err)?;
    Table::from_columns(columns).map_err(|e| crate::error::to_py(py, e))
}

/// Converts one column's Arrow chunks to core values.
fn convert_column(name: &str, dt: &DataType, chunks: &[ArrayRef]) -> Result<Values, String> {
    let values = if dt.is_numeric() {
        let mut out = Vec::new();
        for chunk in chunks {
            let cast =
                arrow_cast::cast(chunk, &DataType::Float64).map_err(|_| unsupported(name, dt))?;
            let a = cast
                .as_any()
                .downcast_ref::<Float64Array>()
                .ok_or_else(|| unsupported(name, dt))?;
            out.extend(a.iter());
        }
        Values::Number(out)
    } else if matches!(dt, DataType::Null) {
        Values::Text(chunks.iter().flat_map(|c| vec![None; c.len()]).collect())
    } else if dt.is_nested() || matches!(dt, DataType::Binary | DataType::LargeBinary) {
        return Err(unsupported(name, dt));
    } else {
        // Text arrives as a dictionary: each distinct value is converted
        // (and later looked up) once, rows carry codes.
        let dict_type = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let mut values: Vec<String> = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut codes: Vec<Option<u32>> = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
        for chunk in chunks {
            let cast = arrow_cast::cast(chunk, &dict_type).map_err(|_| unsupported(name, dt))?;
            let dict = cast
                .as_any()
                .downcast_ref::<DictionaryArray<Int32Type>>()
                .ok_or_else(|| unsupported(name, dt))?;
            let strings = dict
                .values()
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| unsupported(name, dt))?;
            // Chunk code -> global code; empty (after trimming) is missing.
            let local: Vec<Option<u32>> = strings
                .iter()
                .map(|v| {
                    let v = v.map(str::trim).filter(|s| !s.is_empty())?;
                    Some(*index.entry(v.to_string()).or_insert_with(|| {
                        values.push(v.to_string());
                        (values.len() - 1) as u32
                    }))
                })
                .collect();
            codes.extend(
                dict.keys()
                    .iter()
                    .map(|k| k.and_then(|k| local.get(k as usize).copied().flatten())),
            );
        }
        Values::Dictionary { values, codes }
    };
    Ok(values)
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

/// Wraps result columns in the same frame type as `like` (see
/// `leadscore._frames`), first copying `like`'s column `id` when given.
pub fn to_frame<'py>(
    py: Python<'py>,
    columns: Vec<(String, Column)>,
    like: Option<&Bound<'py, PyAny>>,
    id: Option<&str>,
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
        .call_method1("to_frame", (dict, like, id))
}
