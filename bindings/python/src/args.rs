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

/// The prior of `Model.fit`: `prior`, a points sheet as a frame of its
/// lines (`column`, `value` or `range`, `points`) or the path of its CSV
/// file, and `prior_strength`, `"auto"` or a share from 0 to 1 (read and
/// checked by the core).
pub fn with_prior(
    py: Python<'_>,
    params: ModelParams,
    prior: Option<Bound<'_, PyAny>>,
    prior_strength: Option<Bound<'_, PyAny>>,
) -> PyResult<ModelParams> {
    use crate::error::IntoPyResult;
    use leadscore::model::prior::PriorStrength;
    use leadscore::model::sheet::PointsSheet;
    let mut params = params;
    if let Some(s) = prior_strength {
        params = params.prior_strength(PriorStrength::from_text(&s.str()?.to_string()).py(py)?);
    }
    let Some(prior) = prior else {
        return Ok(params);
    };
    let sheet = match prior.extract::<std::path::PathBuf>() {
        Ok(path) => PointsSheet::load(&path).py(py)?,
        Err(_) => {
            let table = crate::frame::table_from_py(&prior, None, None)?;
            PointsSheet::from_table(&table).py(py)?
        }
    };
    Ok(params.prior_sheet(sheet))
}
