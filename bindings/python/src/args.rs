//! Keyword arguments to core configuration, written once.

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
