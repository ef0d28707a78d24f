//! DataFrames in and out: any object with `__arrow_c_stream__` (pandas,
//! polars, pyarrow, duckdb ...) becomes a core `Table`; results go back as
//! columns that `leadscore._frames` wraps in the caller's frame type.

use arrow_array::ArrayRef;
use arrow_schema::DataType;
use leadscore::data::arrow::values_from_arrow;
use leadscore::{Table, Values};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;
use rayon::prelude::*;

/// Reads a DataFrame-like object into a `Table`: all its columns, or only
/// `needed` (a needed column the frame lacks is a `DataError` naming it).
/// Numbers become numeric cells, everything else (strings, categories,
/// dates) text; an empty string or null is missing, and text is trimmed as
/// CSV fields are. A boolean column becomes the texts `true` and `false`,
/// or, when the leads are read for `model`, the model's own spelling of
/// them (see `Model::boolean_spelling`; a text feature whose levels are no
/// yes/no pair is an error naming the column).
pub fn table_from_py(
    obj: &Bound<'_, PyAny>,
    needed: Option<Vec<String>>,
    model: Option<&leadscore::Model>,
) -> PyResult<Table> {
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
    let converted: Vec<leadscore::Result<(String, Values)>> = py.detach(|| {
        jobs.into_par_iter()
            .map(|(name, dt, chunks)| {
                let mut values = values_from_arrow(&name, &dt, &chunks)?;
                if dt == DataType::Boolean {
                    if let (Some(model), Values::Dictionary { values: texts, .. }) =
                        (model, &mut values)
                    {
                        let (yes, no) = model.boolean_spelling(&name)?;
                        for t in texts.iter_mut() {
                            *t = if t == "true" { yes.clone() } else { no.clone() };
                        }
                    }
                }
                Ok((name, values))
            })
            .collect()
    });
    let columns = converted
        .into_iter()
        .collect::<leadscore::Result<Vec<_>>>()
        .map_err(|e| crate::error::to_py(py, e))?;
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

/// Output columns of the core's schemas (scores, decisions) as a frame of
/// the same kind as `like`, with `like`'s column `id` first when given.
/// Numbers stay exact (files show points to 2 decimals; frames do not).
pub fn columns_to_frame<'py>(
    py: Python<'py>,
    columns: leadscore::data::columns::Columns,
    like: Option<&Bound<'py, PyAny>>,
    id: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    use leadscore::data::columns::OutValues;
    let columns = columns
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
        .collect();
    to_frame(py, columns, like, id)
}

/// The columns of `obj` but `ignore` (so a column left out of training is
/// never converted, whatever its type).
pub fn columns_except(obj: &Bound<'_, PyAny>, ignore: &[String]) -> PyResult<Vec<String>> {
    let names: Vec<String> = obj
        .py()
        .import("leadscore._frames")?
        .call_method1("column_names", (obj,))?
        .extract()?;
    Ok(names.into_iter().filter(|n| !ignore.contains(n)).collect())
}

/// Reads a deals frame without its ignored columns: the table, and the
/// ignored names the frame does not have (still errors for the core, as a
/// column that is not there).
pub fn deals_from_py(
    obj: &Bound<'_, PyAny>,
    ignore: Vec<String>,
) -> PyResult<(Table, Vec<String>)> {
    let all = columns_except(obj, &[])?;
    let (present, absent): (Vec<String>, Vec<String>) =
        ignore.into_iter().partition(|c| all.contains(c));
    let table = table_from_py(obj, Some(columns_except(obj, &present)?), None)?;
    Ok((table, absent))
}

/// A lead from a dict of column -> value: `None` is missing, `bool` (or
/// numpy's) a yes/no value, `str` text, anything else that converts to a
/// float a number; other types are a `TypeError` naming the column.
pub fn lead_from_dict(
    lead: &Bound<'_, pyo3::types::PyDict>,
) -> PyResult<leadscore::data::lead::Lead> {
    use leadscore::data::lead::{Cell, Lead};
    use pyo3::types::{PyBool, PyString};
    let mut one = Lead::new();
    for (key, value) in lead.iter() {
        let column: String = key.extract()?;
        let type_name = value.get_type().name()?.to_string();
        let cell = if value.is_none() {
            Cell::Missing
        } else if value.is_instance_of::<PyBool>() || type_name == "bool_" {
            Cell::Bool(value.is_truthy()?)
        } else if value.is_instance_of::<PyString>() {
            Cell::Text(value.extract()?)
        } else if let Ok(x) = value.extract::<f64>() {
            Cell::Number(x)
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "lead[{column:?}] is a {type_name}; expected str, int, float, bool or None"
            )));
        };
        one.set(column, cell);
    }
    Ok(one)
}
