//! DataFrames in: any object with `__arrow_c_stream__` (pandas, polars
//! frames and `LazyFrame`s, pyarrow tables and `RecordBatchReader`s, duckdb
//! ...) becomes a core `Table`, its data read once. Results go back through
//! `crate::frame_out`.

use std::cell::RefCell;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use leadscore::data::arrow::values_from_arrow;
use leadscore::{Table, Values};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3_arrow::{PySchema, PyTable};
use rayon::prelude::*;

pub use crate::frame_out::{columns_to_frame, to_frame, Column};
use crate::frame_pandas::{read_native, NativeColumn};

/// An input object kept with its Arrow data (batches and schema).
type Stashed = Option<(Py<PyAny>, Vec<RecordBatch>, SchemaRef)>;

thread_local! {
    /// An input that only has `__arrow_c_stream__`, read to learn its
    /// column names and kept for the read that follows in the same call: a
    /// stream (a `RecordBatchReader`, say) can be read only once.
    static STASH: RefCell<Stashed> = const { RefCell::new(None) };
}

/// `f` of the stash when it holds `obj`.
fn stashed<T>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&mut Stashed) -> T) -> Option<T> {
    STASH.with(|s| {
        let mut s = s.borrow_mut();
        let hit = s.as_ref().is_some_and(|(o, _, _)| o.bind(obj.py()).is(obj));
        hit.then(|| f(&mut s))
    })
}

fn not_a_frame(obj: &Bound<'_, PyAny>) -> PyErr {
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    PyTypeError::new_err(format!(
        "expected a pandas, polars or pyarrow frame (anything with __arrow_c_stream__), got {name}"
    ))
}

/// The column names of a frame-like input, without reading its data where
/// the frame says them (pandas, polars, pyarrow, `__arrow_c_schema__`); an
/// object with only `__arrow_c_stream__` is read here, once, and kept for
/// the read that follows.
pub fn column_names(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let names = obj
        .py()
        .import("leadscore._frames")?
        .call_method1("column_names", (obj,))?;
    if !names.is_none() {
        return names.extract();
    }
    let schema = if let Some(schema) = stashed(obj, |s| s.as_ref().map(|(_, _, s)| s.clone())) {
        schema.ok_or_else(|| not_a_frame(obj))?
    } else if obj.hasattr("__arrow_c_schema__")? {
        obj.extract::<PySchema>()?.into_inner()
    } else if obj.hasattr("__arrow_c_stream__")? {
        let (batches, schema) = obj.extract::<PyTable>()?.into_inner();
        STASH.with(|s| *s.borrow_mut() = Some((obj.clone().unbind(), batches, schema.clone())));
        schema
    } else {
        return Err(not_a_frame(obj));
    };
    Ok(schema.fields().iter().map(|f| f.name().clone()).collect())
}

/// One Arrow batch of the columns `leadscore._frames.plain_columns` gives
/// for a pandas frame without pyarrow: `(name, kind, data)` with `number` a
/// float64 numpy array (NaN missing), `bool` and `text` lists (`None`
/// missing).
fn plain_batch(
    columns: &Bound<'_, pyo3::types::PyList>,
) -> PyResult<(Vec<RecordBatch>, SchemaRef)> {
    use arrow_array::{BooleanArray, Float64Array, StringArray};
    use arrow_schema::{Field, Schema};
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for item in columns.iter() {
        let (name, kind, data): (String, String, Bound<'_, PyAny>) = item.extract()?;
        let (data_type, array): (DataType, ArrayRef) = match kind.as_str() {
            "number" => {
                let values: numpy::PyReadonlyArray1<'_, f64> = data.extract()?;
                let values = values.as_array();
                let array: Float64Array =
                    values.iter().map(|x| (!x.is_nan()).then_some(*x)).collect();
                (DataType::Float64, std::sync::Arc::new(array))
            }
            "bool" => {
                let values: Vec<Option<bool>> = data.extract()?;
                (
                    DataType::Boolean,
                    std::sync::Arc::new(BooleanArray::from(values)),
                )
            }
            _ => {
                let values: Vec<Option<String>> = data.extract()?;
                (
                    DataType::Utf8,
                    std::sync::Arc::new(StringArray::from(values)),
                )
            }
        };
        fields.push(Field::new(name, data_type, true));
        arrays.push(array);
    }
    let schema: SchemaRef = std::sync::Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| PyTypeError::new_err(e.to_string()))?;
    Ok((vec![batch], schema))
}

/// The data of a frame-like input: Arrow batches, and (a pandas frame with
/// text held as Python objects) the columns read from their objects, with
/// the frame's column order.
struct FrameData {
    batches: Vec<RecordBatch>,
    schema: SchemaRef,
    native: Vec<(String, NativeColumn)>,
    order: Option<Vec<String>>,
}

/// The data of `obj`: only `columns` when given (all there), else all;
/// `keep` always as Arrow.
fn arrow_of(
    obj: &Bound<'_, PyAny>,
    columns: Option<&[String]>,
    keep: Option<&str>,
) -> PyResult<FrameData> {
    let (batches, schema) = match stashed(obj, |s| s.take()).flatten() {
        Some((_, batches, schema)) => (batches, schema),
        None => {
            let py = obj.py();
            let arrow = py
                .import("leadscore._frames")?
                .call_method1("to_arrow", (obj, columns, keep))?;
            if arrow.hasattr("native")? {
                // pandas, already of `columns`, in their order.
                let part = arrow.getattr("arrow")?;
                let (batches, schema) = if part.is_none() {
                    (
                        Vec::new(),
                        std::sync::Arc::new(arrow_schema::Schema::empty()),
                    )
                } else if let Ok(plain) = part.cast::<pyo3::types::PyList>() {
                    plain_batch(plain)?
                } else {
                    part.extract::<PyTable>()?.into_inner()
                };
                let items: Vec<(String, String, Bound<'_, PyAny>)> =
                    arrow.getattr("native")?.extract()?;
                let native = read_native(py, &items)?;
                return Ok(FrameData {
                    batches,
                    schema,
                    native,
                    order: Some(arrow.getattr("names")?.extract()?),
                });
            }
            if let Ok(plain) = arrow.cast::<pyo3::types::PyList>() {
                plain_batch(plain)?
            } else {
                arrow.extract::<PyTable>()?.into_inner()
            }
        }
    };
    let plain = |batches, schema| FrameData {
        batches,
        schema,
        native: Vec::new(),
        order: None,
    };
    let Some(columns) = columns else {
        return Ok(plain(batches, schema));
    };
    // A stream is read whole; keep the columns asked for, in their order.
    let indices = columns
        .iter()
        .map(|c| schema.index_of(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PyTypeError::new_err(e.to_string()))?;
    if indices.iter().copied().eq(0..schema.fields().len()) {
        return Ok(plain(batches, schema));
    }
    let projected = std::sync::Arc::new(
        schema
            .project(&indices)
            .map_err(|e| PyTypeError::new_err(e.to_string()))?,
    );
    let batches = batches
        .iter()
        .map(|b| b.project(&indices))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PyTypeError::new_err(e.to_string()))?;
    Ok(plain(batches, projected))
}

/// A frame read for the core: the table, and the column `keep` as the
/// Arrow array it was (an id the output copies as it is, never converted).
pub struct Read {
    /// The columns converted for the core.
    pub table: Table,
    /// The kept column, whole.
    pub kept: Option<ArrayRef>,
}

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
    let names = match &needed {
        Some(_) => Some(column_names(obj)?),
        None => None,
    };
    Ok(read_frame(obj, names.as_deref(), needed, model, None)?.table)
}

/// [`table_from_py`] for an input whose column names are `names` (from
/// [`column_names`]; needed when `needed` is), the column `keep` (one of
/// `needed`) taken out of the table and returned as its Arrow array.
pub fn read_frame(
    obj: &Bound<'_, PyAny>,
    names: Option<&[String]>,
    needed: Option<Vec<String>>,
    model: Option<&leadscore::Model>,
    keep: Option<&str>,
) -> PyResult<Read> {
    let py = obj.py();
    if let (Some(needed), Some(names)) = (&needed, names) {
        if let Some(missing) = needed.iter().find(|c| !names.contains(c)) {
            stashed(obj, |s| s.take()); // not read after all
            return Err(crate::error::to_py(
                py,
                leadscore::Error::MissingColumn {
                    column: missing.clone(),
                    available: names.to_vec(),
                },
            ));
        }
    }
    let data = arrow_of(obj, needed.as_deref(), keep)?;
    let (batches, schema) = (data.batches, data.schema);
    let mut kept = None;
    let mut jobs: Vec<(String, DataType, Vec<ArrayRef>)> = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        let chunks: Vec<ArrayRef> = batches.iter().map(|b| b.column(i).clone()).collect();
        if Some(field.name().as_str()) == keep {
            kept = Some(crate::frame_out::whole(field.data_type(), &chunks)?);
        } else {
            jobs.push((field.name().clone(), field.data_type().clone(), chunks));
        }
    }
    // Text read from its objects is ready; other objects join the Arrow
    // columns.
    let mut ready: Vec<(String, Values)> = Vec::new();
    for (name, column) in data.native {
        match column {
            NativeColumn::Values(v) => ready.push((name, v)),
            NativeColumn::Arrow(a) => jobs.push((name, a.data_type().clone(), vec![a])),
        }
    }
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
    let mut columns = converted
        .into_iter()
        .collect::<leadscore::Result<Vec<_>>>()
        .map_err(|e| crate::error::to_py(py, e))?;
    columns.extend(ready);
    if let Some(order) = &data.order {
        columns.sort_by_key(|(name, _)| order.iter().position(|o| o == name));
    }
    let table = Table::from_columns(columns).map_err(|e| crate::error::to_py(py, e))?;
    Ok(Read { table, kept })
}

/// The columns of `obj` but `ignore` (so a column left out of training is
/// never converted, whatever its type).
pub fn columns_except(obj: &Bound<'_, PyAny>, ignore: &[String]) -> PyResult<Vec<String>> {
    let names = column_names(obj)?;
    Ok(names.into_iter().filter(|n| !ignore.contains(n)).collect())
}

/// Reads a deals frame without its ignored columns: the table, and the
/// ignored names the frame does not have (still errors for the core, as a
/// column that is not there).
pub fn deals_from_py(
    obj: &Bound<'_, PyAny>,
    ignore: Vec<String>,
) -> PyResult<(Table, Vec<String>)> {
    let all = column_names(obj)?;
    let (present, absent): (Vec<String>, Vec<String>) =
        ignore.into_iter().partition(|c| all.contains(c));
    let needed = all
        .iter()
        .filter(|n| !present.contains(n))
        .cloned()
        .collect();
    let read = read_frame(obj, Some(&all), Some(needed), None, None)?;
    Ok((read.table, absent))
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
