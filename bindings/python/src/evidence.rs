//! Evidence from Python: `leadscore.audit`, `leadscore.evaluate`, `Model.report`.

use leadscore::evidence::{audit as run_audit, evaluate as run_evaluate, EvaluationOptions, Split};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::args::deal_columns;
use crate::frame::{deals_from_py, table_from_py, to_frame, Column};
use crate::model::detached;

fn json_to_py<'py>(py: Python<'py>, text: String) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// Leakage audit of closed deals: a frame of findings (one per flagged
/// column, most severe first) with `column`, `reason`, `figure`,
/// `figure_name`, `severity` and `detail`, of the same kind as `deals`.
#[pyfunction]
#[pyo3(signature = (deals, *, target, positive=None, negative=None, id=None, ignore=Vec::new(), missing=Vec::new(), outcome_date=None, seed=0))]
#[allow(clippy::too_many_arguments)]
pub fn audit<'py>(
    py: Python<'py>,
    deals: &Bound<'py, PyAny>,
    target: String,
    positive: Option<Bound<'py, PyAny>>,
    negative: Option<Bound<'py, PyAny>>,
    id: Option<String>,
    ignore: Vec<String>,
    missing: Vec<String>,
    outcome_date: Option<String>,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let (table, ignore) = deals_from_py(deals, ignore)?;
    let columns = deal_columns(target, positive, negative, id, ignore, missing)?;
    let mut options = columns.audit_options();
    options.outcome_date = outcome_date;
    options.seed = seed;
    let result = detached(py, move || run_audit(&table, &options))?;
    let f = &result.findings;
    let columns = vec![
        (
            "column".to_string(),
            Column::Text(f.iter().map(|x| Some(x.column.clone())).collect()),
        ),
        (
            "reason".to_string(),
            Column::Text(f.iter().map(|x| Some(x.reason.to_string())).collect()),
        ),
        (
            "figure".to_string(),
            Column::Float(f.iter().map(|x| x.figure).collect()),
        ),
        (
            "figure_name".to_string(),
            Column::Text(f.iter().map(|x| Some(x.figure_name.clone())).collect()),
        ),
        (
            "severity".to_string(),
            Column::Float(f.iter().map(|x| x.severity).collect()),
        ),
        (
            "detail".to_string(),
            Column::Text(f.iter().map(|x| Some(x.detail.clone())).collect()),
        ),
    ];
    to_frame(py, columns, Some(deals))
}

/// Held-out evaluation of the model these parameters train: AUC, log loss
/// beside the base rate's, Brier (with intervals), calibration table and
/// expected calibration error, lift and gains by decile. Held out: a
/// stratified `test_share` (default), the latest `test_share` by
/// `time_column`, or every deal once in `folds` folds. `seed` picks the
/// held-out deals and the `bootstrap` resamples of the intervals, as the
/// command's `--seed` does, so both give the same figures. Returns a dict.
#[pyfunction]
#[pyo3(signature = (deals, *, target, positive=None, negative=None, id=None, ignore=Vec::new(), missing=Vec::new(), l2=None, seed=0, test_share=0.2, time_column=None, folds=None, cut_points=None, bootstrap=200))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate<'py>(
    py: Python<'py>,
    deals: &Bound<'py, PyAny>,
    target: String,
    positive: Option<Bound<'py, PyAny>>,
    negative: Option<Bound<'py, PyAny>>,
    id: Option<String>,
    ignore: Vec<String>,
    missing: Vec<String>,
    l2: Option<f64>,
    seed: u64,
    test_share: f64,
    time_column: Option<String>,
    folds: Option<usize>,
    cut_points: Option<f64>,
    bootstrap: usize,
) -> PyResult<Bound<'py, PyAny>> {
    if time_column.is_some() && folds.is_some() {
        return Err(PyValueError::new_err("give time_column or folds, not both"));
    }
    let (table, ignore) = deals_from_py(deals, ignore)?;
    let columns = deal_columns(target, positive, negative, id, ignore, missing)?;
    let mut params = columns.params().seed(seed);
    if let Some(l2) = l2 {
        params = params.l2(l2);
    }
    let options = EvaluationOptions {
        split: Split::choose(time_column.as_deref(), folds, test_share, seed),
        bootstrap,
        bootstrap_seed: seed,
        cut_points,
        ..EvaluationOptions::default()
    };
    let evaluation = detached(py, move || run_evaluate(&params, &table, &options))?;
    json_to_py(
        py,
        serde_json::to_string(&evaluation).expect("evaluation serializes"),
    )
}

/// `Model.report`: the report of `model` on held-out `deals` as text. HTML
/// (`format="html"`) is the full page, as a `leadscore.HtmlReport` (a `str`)
/// that a notebook shows as the fragment; `"fragment"` is that fragment
/// alone (styles scoped to its root element); `"md"` Markdown, `"json"` JSON.
pub fn report<'py>(
    py: Python<'py>,
    model: std::sync::Arc<leadscore::Model>,
    deals: &Bound<'py, PyAny>,
    format: &str,
    options: leadscore::evidence::ReportOptions,
) -> PyResult<Bound<'py, PyAny>> {
    use crate::error::IntoPyResult;
    use leadscore::evidence::report::OutputFormat;
    let fragment = format == "fragment";
    let format = if fragment {
        OutputFormat::Html
    } else {
        format
            .parse::<OutputFormat>()
            .and_then(|f| f.one_of(&[OutputFormat::Html, OutputFormat::Md, OutputFormat::Json]))
            .map_err(|e| match e {
                leadscore::Error::InvalidParameter { name, value, .. } => {
                    leadscore::Error::InvalidParameter {
                        name,
                        value,
                        reason: "expected html, fragment, md or json".into(),
                    }
                }
                other => other,
            })
            .py(py)?
    };
    let table = table_from_py(deals, None, None)?;
    let report = detached(py, move || {
        leadscore::evidence::report::build(&model, &table, &options)
    })?;
    if fragment {
        return Ok(report.to_html_fragment().into_pyobject(py)?.into_any());
    }
    let text = report.render(format).py(py)?;
    if format != OutputFormat::Html {
        return Ok(text.into_pyobject(py)?.into_any());
    }
    py.import("leadscore._results")?
        .getattr("HtmlReport")?
        .call1((text, report.to_html_fragment()))
}
