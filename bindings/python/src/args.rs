//! Keyword arguments to core configuration, written once.

use std::collections::BTreeMap;

use leadscore::ModelParams;
use pyo3::prelude::*;

/// A keyword argument that is one string or a list of strings.
pub fn strings(v: Option<Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(v) => match v.extract::<String>() {
            Ok(s) => Ok(vec![s]),
            Err(_) => v.extract::<Vec<String>>(),
        },
    }
}

/// The columns of a deals frame from the keyword arguments every deals
/// function takes.
pub fn deal_columns(
    target: String,
    positive: Option<Bound<'_, PyAny>>,
    negative: Option<Bound<'_, PyAny>>,
    id: Option<String>,
    ignore: Vec<String>,
    missing: Vec<String>,
) -> PyResult<leadscore::model::DealColumns> {
    Ok(leadscore::model::DealColumns {
        target,
        positive: strings(positive)?,
        negative: strings(negative)?,
        id,
        ignore,
        missing,
    })
}

/// The time options of `Model.fit`: with `created`, a model of the time to
/// close (then `as_of` is the date the deals stand at, and is used up);
/// without it, any other time option reaches the core, which says it needs
/// `created`.
pub fn with_timing(
    mut params: ModelParams,
    created: Option<String>,
    closed: Option<String>,
    open: Vec<String>,
    horizons: Vec<u32>,
    period_days: Option<u32>,
    as_of: Option<String>,
) -> (ModelParams, Option<String>) {
    if !open.is_empty() {
        params = params.open(open);
    }
    if let Some(c) = closed {
        params = params.closed(c);
    }
    if !horizons.is_empty() {
        params = params.horizons(horizons);
    }
    if let Some(d) = period_days {
        params = params.period_days(d);
    }
    match created {
        Some(created) => {
            params = params.created(created);
            if let Some(date) = as_of {
                params = params.as_of_date(date);
            }
            (params, None)
        }
        None => (params, as_of),
    }
}

/// `special={"column": 999}` or `{"column": [998, 999]}` as the core's
/// `COLUMN=VALUE` items.
pub fn special_values(
    special: Option<BTreeMap<String, Bound<'_, PyAny>>>,
) -> PyResult<Vec<String>> {
    let mut items = Vec::new();
    for (column, values) in special.unwrap_or_default() {
        let values: Vec<f64> = match values.extract::<f64>() {
            Ok(v) => vec![v],
            Err(_) => values.extract().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "special[{column:?}] must be a number or a list of numbers"
                ))
            })?,
        };
        items.extend(values.into_iter().map(|v| format!("{column}={v}")));
    }
    Ok(items)
}
