//! Python binding of leadscore: the native module `leadscore._leadscore`.

mod args;
mod error;
mod evidence;
mod frame;
mod frame_out;
mod frame_pandas;
mod model;
mod model_leads;
mod outcomes;
mod policy;
mod results;

use pyo3::prelude::*;

/// Seeded synthetic B2B deals with known true effects (outcome `Won`/`Lost`
/// in column `outcome`, id `deal_id`), as a frame of `kind`.
#[pyfunction]
#[pyo3(signature = (rows, seed=42, *, kind="pandas"))]
fn synthetic_deals<'py>(
    py: Python<'py>,
    rows: usize,
    seed: u64,
    kind: &str,
) -> PyResult<Bound<'py, PyAny>> {
    table_to_frame(py, &leadscore::synthetic::deals(rows, seed).table, kind)
}

/// Seeded synthetic deals and their event log (`deal_id`, `event`,
/// `timestamp`), with known effects and half-lives per event type: the
/// deals' outcomes depend on the events before each deal's `created_at`.
/// Two frames of `kind`.
#[pyfunction]
#[pyo3(signature = (rows, seed=42, *, kind="pandas"))]
fn synthetic_deals_with_events<'py>(
    py: Python<'py>,
    rows: usize,
    seed: u64,
    kind: &str,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let s = leadscore::synthetic::events::deals_with_events(rows, seed);
    Ok((
        table_to_frame(py, &s.deals.table, kind)?,
        table_to_frame(py, &s.events, kind)?,
    ))
}

/// Seeded synthetic won, lost and still-open deals as they stood on `as_of`
/// (column `stage`: `Won`, `Lost` or `Open`; `closed_at` empty while open),
/// with a known time to close, as a frame of `kind`.
#[pyfunction]
#[pyo3(signature = (rows, seed=42, *, as_of="2025-06-30", kind="pandas"))]
fn synthetic_pipeline<'py>(
    py: Python<'py>,
    rows: usize,
    seed: u64,
    as_of: &str,
    kind: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let p = leadscore::synthetic::pipeline(rows, seed, as_of).map_err(|e| error::to_py(py, e))?;
    table_to_frame(py, &p.table, kind)
}

/// A table of the crate's own as a frame of `kind`.
fn table_to_frame<'py>(
    py: Python<'py>,
    table: &leadscore::Table,
    kind: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let columns = table
        .column_names()
        .iter()
        .map(|name| {
            let column = match table.column(name).expect("own column") {
                leadscore::Values::Number(v) => {
                    frame::Column::Float(v.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
                }
                other => frame::Column::Text(
                    (0..other.len())
                        .map(|r| other.text(r).map(|t| t.into_owned()))
                        .collect(),
                ),
            };
            (name.clone(), column)
        })
        .collect();
    let like = py
        .import("leadscore._frames")?
        .call_method1("empty_of_kind", (kind,))?;
    frame::to_frame(py, columns, Some(&like))
}

/// The native module.
#[pymodule(gil_used = false)]
fn _leadscore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::PyModel>()?;
    m.add_class::<policy::PyPolicy>()?;
    m.add_function(wrap_pyfunction!(synthetic_deals, m)?)?;
    m.add_function(wrap_pyfunction!(synthetic_deals_with_events, m)?)?;
    m.add_function(wrap_pyfunction!(synthetic_pipeline, m)?)?;
    m.add_function(wrap_pyfunction!(evidence::audit, m)?)?;
    m.add_function(wrap_pyfunction!(evidence::evaluate, m)?)?;
    m.add_class::<outcomes::PyOutcomes>()?;
    m.add_class::<outcomes::PyPromotion>()?;
    m.add_function(wrap_pyfunction!(outcomes::outcomes, m)?)?;
    m.add_function(wrap_pyfunction!(outcomes::promote, m)?)?;
    m.add_function(wrap_pyfunction!(outcomes::synthetic_closed_loop, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
