//! Arrow both ways: arrays to tables (how Parquet files and DataFrames,
//! through the Python binding, become a [`Table`]), and output columns to
//! record batches (how results become Parquet files and frames).
//!
//! Numbers become numeric cells; text, categories, booleans and dates become
//! text, carried as a dictionary (each distinct value is converted and later
//! looked up once). An empty string or a null is missing; text is trimmed as
//! CSV fields are.

use std::collections::HashMap;

use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Float64Array, RecordBatch, StringArray};
use arrow_schema::DataType;

use crate::data::columns::{round2, Columns, Kind, OutValues};
use crate::data::table::{Table, Values};
use crate::error::{Error, Result};

fn unsupported(column: &str, data_type: &DataType) -> Error {
    Error::UnsupportedColumnType {
        column: column.to_string(),
        data_type: data_type.to_string(),
    }
}

/// Converts one column, given as Arrow chunks of type `data_type`, to core values.
///
/// ```
/// use std::sync::Arc;
/// use leadscore::data::arrow::values_from_arrow;
/// use arrow_array::{ArrayRef, StringArray};
/// let chunk: ArrayRef = Arc::new(StringArray::from(vec![Some(" VP "), None, Some("")]));
/// let values = values_from_arrow("title", chunk.data_type(), &[chunk.clone()]).unwrap();
/// assert_eq!(values.text(0).as_deref(), Some("VP"));
/// assert_eq!(values.text(1), None);
/// assert_eq!(values.text(2), None);
/// ```
pub fn values_from_arrow(name: &str, data_type: &DataType, chunks: &[ArrayRef]) -> Result<Values> {
    let dt = data_type;
    let values = if dt.is_numeric() {
        let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
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
            // Chunk code -> table code; empty (after trimming) is missing.
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

/// Converts one column, given as Arrow chunks of type `data_type`, to text
/// cells kept as they are (for columns of mostly distinct values, such as
/// ids and times, where a dictionary would hash every cell to find it
/// once): dates and numbers become their text, empty (after trimming) or
/// null is missing.
///
/// ```
/// use std::sync::Arc;
/// use leadscore::data::arrow::text_from_arrow;
/// use arrow_array::{ArrayRef, StringArray};
/// let chunk: ArrayRef = Arc::new(StringArray::from(vec![Some(" L1 "), None, Some("")]));
/// let values = text_from_arrow("lead_id", chunk.data_type(), &[chunk.clone()]).unwrap();
/// assert_eq!(values.text(0).as_deref(), Some("L1"));
/// assert_eq!((values.text(1), values.text(2)), (None, None));
/// ```
pub fn text_from_arrow(name: &str, data_type: &DataType, chunks: &[ArrayRef]) -> Result<Values> {
    if data_type.is_nested() || matches!(data_type, DataType::Binary | DataType::LargeBinary) {
        return Err(unsupported(name, data_type));
    }
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for chunk in chunks {
        let cast =
            arrow_cast::cast(chunk, &DataType::Utf8).map_err(|_| unsupported(name, data_type))?;
        let strings = cast
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| unsupported(name, data_type))?;
        out.extend(strings.iter().map(|v| {
            v.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        }));
    }
    Ok(Values::Text(out))
}

/// Converts the columns `columns` of a record batch (all of them when
/// `None`) to a table, the `text` ones as plain text ([`text_from_arrow`]),
/// the others as [`values_from_arrow`] does. A column the batch lacks is an
/// error naming it.
pub fn table_from_record_batch(
    batch: &RecordBatch,
    columns: Option<&[String]>,
    text: &[&str],
) -> Result<Table> {
    let schema = batch.schema();
    let names: Vec<String> = match columns {
        Some(c) => c.to_vec(),
        None => schema.fields().iter().map(|f| f.name().clone()).collect(),
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let i = schema.index_of(&name).map_err(|_| Error::MissingColumn {
            column: name.clone(),
            available: schema.fields().iter().map(|f| f.name().clone()).collect(),
        })?;
        let array = batch.column(i);
        let chunks = std::slice::from_ref(array);
        let values = if text.contains(&name.as_str()) {
            text_from_arrow(&name, array.data_type(), chunks)?
        } else {
            values_from_arrow(&name, array.data_type(), chunks)?
        };
        out.push((name, values));
    }
    Table::from_columns(out)
}

/// The Arrow schema of output columns.
pub fn schema_of(columns: &[(String, Kind)]) -> std::sync::Arc<arrow_schema::Schema> {
    use arrow_schema::{Field, Schema};
    std::sync::Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, kind)| {
                let (dt, nullable) = match kind {
                    Kind::Text => (DataType::Utf8, true),
                    Kind::Float => (DataType::Float64, false),
                    Kind::OptFloat => (DataType::Float64, true),
                    Kind::Int => (DataType::Int64, true),
                };
                Field::new(name, dt, nullable)
            })
            .collect::<Vec<_>>(),
    ))
}

/// Output columns as a record batch. With `round`, numbers shown to 2
/// decimals in files ([`OutValues::Fixed2`]) are rounded as a CSV file
/// shows them (files); without, they stay exact (frames).
pub fn record_batch(columns: Columns, round: bool) -> Result<RecordBatch> {
    use arrow_array::Int64Array;
    use std::sync::Arc;
    let fields: Vec<(String, Kind)> = columns.iter().map(|(n, v)| (n.clone(), v.kind())).collect();
    let r = |x: f64| if round { round2(x) } else { x };
    let arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|(_, v)| -> ArrayRef {
            match v {
                OutValues::Text(v) => Arc::new(StringArray::from(v)),
                OutValues::Float(v) => Arc::new(Float64Array::from(v)),
                OutValues::Fixed2(v) => Arc::new(Float64Array::from(
                    v.into_iter().map(r).collect::<Vec<f64>>(),
                )),
                OutValues::OptFixed2(v) => Arc::new(Float64Array::from(
                    v.into_iter().map(|x| x.map(r)).collect::<Vec<_>>(),
                )),
                OutValues::Int(v) => Arc::new(Int64Array::from(v)),
            }
        })
        .collect();
    RecordBatch::try_new(schema_of(&fields), arrays).map_err(|e| Error::Internal {
        what: format!("building a record batch: {e}"),
    })
}
