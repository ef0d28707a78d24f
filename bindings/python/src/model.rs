//! `leadscore.Model`: fit, score, explain, scorecard, files, pickling.

use std::sync::Arc;

use std::collections::BTreeMap;

use leadscore::model::params::FitOptions;
use leadscore::Model;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use crate::args::{deal_columns, special_values, with_prior, with_timing};
use crate::error::IntoPyResult;
use crate::frame::{deals_from_py, table_from_py, to_frame, Column};
use crate::frame_out::out_columns;
use crate::results::{explain_columns, scorecard_columns, unseen_columns, unseen_per_lead};

/// Runs `f` without the GIL and maps its error.
pub fn detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> leadscore::Result<T> + Send,
) -> PyResult<T> {
    py.detach(f).py(py)
}

/// A trained lead-scoring model: points per attribute, learned from closed
/// deals. Immutable; safe to share between threads; pickles through its
/// versioned JSON document.
#[pyclass(name = "Model", module = "leadscore", frozen)]
pub struct PyModel {
    pub(crate) inner: Arc<Model>,
}

impl PyModel {
    /// The shared core model.
    pub fn model(&self) -> Arc<Model> {
        self.inner.clone()
    }

    fn wrap(model: Model) -> PyModel {
        PyModel {
            inner: Arc::new(model),
        }
    }
}

#[pymethods]
impl PyModel {
    /// Learns a model from closed deals (a pandas, polars or pyarrow frame).
    /// The keyword arguments are the command line's `train` flags.
    #[classmethod]
    #[pyo3(signature = (deals, *, target, positive=None, negative=None, id=None, ignore=Vec::new(), missing=Vec::new(), l2=None, l2_grid=None, l2_rule="min".to_string(), seed=0, folds=5, time_column=None, random_folds=false, numeric=Vec::new(), categorical=Vec::new(), special=None, min_won=20, min_lost=20, min_level_count=10, max_bins=20, merge_significance=0.01, drop_leaks=false, tolerance=1e-8, max_iterations=1000, points_to_double_odds=10.0, base_points=50.0, base_odds=1.0, events=None, as_of=None, event_column="event".to_string(), event_time="timestamp".to_string(), event_value=None, event_half_life=None, open=Vec::new(), created=None, closed=None, horizons=Vec::new(), period_days=None, prior=None, prior_strength=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        deals: &Bound<'_, PyAny>,
        target: String,
        positive: Option<Bound<'_, PyAny>>,
        negative: Option<Bound<'_, PyAny>>,
        id: Option<String>,
        ignore: Vec<String>,
        missing: Vec<String>,
        l2: Option<f64>,
        l2_grid: Option<Vec<f64>>,
        l2_rule: String,
        seed: u64,
        folds: usize,
        time_column: Option<String>,
        random_folds: bool,
        numeric: Vec<String>,
        categorical: Vec<String>,
        special: Option<BTreeMap<String, Bound<'_, PyAny>>>,
        min_won: usize,
        min_lost: usize,
        min_level_count: usize,
        max_bins: usize,
        merge_significance: f64,
        drop_leaks: bool,
        tolerance: f64,
        max_iterations: u64,
        points_to_double_odds: f64,
        base_points: f64,
        base_odds: f64,
        events: Option<Bound<'_, PyAny>>,
        as_of: Option<String>,
        event_column: String,
        event_time: String,
        event_value: Option<String>,
        event_half_life: Option<f64>,
        open: Vec<String>,
        created: Option<String>,
        closed: Option<String>,
        horizons: Vec<u32>,
        period_days: Option<u32>,
        prior: Option<Bound<'_, PyAny>>,
        prior_strength: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyModel> {
        // An empty grid given is an error of the core's, not the default.
        let empty_grid = l2_grid.as_ref().is_some_and(Vec::is_empty);
        let (table, ignore) = deals_from_py(deals, ignore)?;
        let columns = deal_columns(target, positive, negative, id, ignore, missing)?;
        let options = FitOptions {
            numeric,
            categorical,
            special: special_values(special)?,
            l2,
            l2_grid: l2_grid.unwrap_or_default(),
            l2_rule,
            time_column,
            random_folds,
            folds,
            seed,
            min_won,
            min_lost,
            min_level_count,
            max_bins,
            merge_significance,
            tolerance,
            max_iterations,
            drop_leaks,
            points_to_double_odds,
            base_points,
            base_odds,
        };
        let mut params = options.params(columns.params()).py(py)?;
        if empty_grid {
            params = params.l2_grid(Vec::new());
        }
        params = params.event_half_life_days(event_half_life);
        params = with_prior(py, params, prior, prior_strength)?;
        // With `created`, a model of the time to close: `as_of` is the date
        // the deals stand at.
        let (params, as_of) =
            with_timing(params, created, closed, open, horizons, period_days, as_of);
        let model = match (events, as_of) {
            (None, None) => detached(py, || params.fit(&table))?,
            (Some(events), Some(as_of)) => {
                let log_columns = leadscore::model::events::EventColumns {
                    id: columns.id.clone().unwrap_or_default(),
                    event: event_column,
                    timestamp: event_time,
                    value: event_value,
                };
                let log = crate::frame::table_from_py(&events, Some(log_columns.names()), None)?;
                detached(py, || {
                    params.fit_with_events(&table, &log, &as_of, &log_columns)
                })?
            }
            (events, _) => return Err(crate::error::to_py(
                py,
                leadscore::Error::InvalidParameter {
                    name: if events.is_some() { "as_of" } else { "events" }.into(),
                    value: String::new(),
                    reason:
                        "an event log (events=) and the deals' as-of column (as_of=) go together"
                            .into(),
                },
            )),
        };
        Ok(PyModel::wrap(model))
    }

    /// Scores leads: a frame of the same kind with the id column (when the
    /// model has one and the leads carry it, as the leads hold it),
    /// `probability` and `points`, in input order; with `unseen=True` also
    /// `unseen`, per lead the list of feature columns whose value the model
    /// never saw in training (scored as `(other)`; empty for none).
    /// With `events` (a frame of the leads' event log) a model that learned
    /// from one counts each lead's events strictly before its as-of time:
    /// the as-of column named at training when the leads carry it, else
    /// `at`, else now.
    ///
    /// A model of the time to close adds `win_within_<H>d` per horizon,
    /// `win_eventually` (then also `probability`) and `expected_close`, as
    /// of `as_of` (a date; default now), from each lead's created column.
    #[pyo3(signature = (leads, *, unseen=false, events=None, at=None, as_of=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        leads: &Bound<'py, PyAny>,
        unseen: bool,
        events: Option<Bound<'py, PyAny>>,
        at: Option<String>,
        as_of: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (mut table, id) = self.read_leads(leads)?;
        self.with_activity(py, &mut table, events.as_ref(), at.as_deref(), false)?;
        let model = self.inner.clone();
        let (scores, per_lead) = detached(py, move || {
            let per_lead = unseen
                .then(|| unseen_per_lead(&model, &table))
                .transpose()?;
            let scores = match &as_of {
                Some(date) => model.score_as_of(&table, date)?,
                None => model.score(&table)?,
            };
            Ok((scores, per_lead))
        })?;
        // The id comes from the input as it was; the rest of the score
        // schema from the core.
        let mut columns: Vec<(String, Column)> = id
            .map(|(name, ids)| (name.to_string(), Column::Arrow(ids)))
            .into_iter()
            .collect();
        columns.extend(out_columns(scores.into_columns(None)));
        if let Some(per_lead) = per_lead {
            columns.push(("unseen".to_string(), Column::Lists(per_lead)));
        }
        to_frame(py, columns, Some(leads))
    }

    /// Scores one lead given as a dict of column -> value (`str`, `int`,
    /// `float`, `bool` or `None` for missing), without a frame: a dict with
    /// the id (when the model has an id column), `probability`, `points` and
    /// `unseen` (the feature columns whose value the model never saw).
    /// Every feature column must be a key; other keys are ignored. With
    /// `events`, the lead's own events as (event type, timestamp) pairs,
    /// for a model that learned from an event log: only those strictly
    /// before the lead's as-of time count (its as-of key, else `at`, else
    /// now).
    #[pyo3(signature = (lead, *, events=None, at=None))]
    fn score_one<'py>(
        &self,
        py: Python<'py>,
        lead: &Bound<'py, pyo3::types::PyDict>,
        events: Option<Vec<(String, String)>>,
        at: Option<String>,
    ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let one = self.lead_with_events(py, lead, events, at)?;
        let s = self.inner.score_one(&one).py(py)?;
        let out = pyo3::types::PyDict::new(py);
        if let Some(id) = self.inner.id_column() {
            out.set_item(id, s.id)?;
        }
        out.set_item("probability", s.probability)?;
        out.set_item("points", s.points)?;
        out.set_item("unseen", s.unseen)?;
        out.set_item("rare", s.rare)?;
        Ok(out)
    }

    /// Explains one lead given as a dict (read as `score_one` reads it): a
    /// dict with the id (when the model has one and the lead carries it),
    /// `points`, `probability`, `base_points`, `unseen` (the feature columns
    /// whose value the model never saw), `rare` (those whose value it saw
    /// too rarely to learn from) and `contributions`, a list of
    /// dicts (`column`, `attribute`, `points`), the `top` strongest for and
    /// against first; `base_points` plus the contributions equal `points`.
    /// `events` and `at` as for `score_one`.
    #[pyo3(signature = (lead, top=5, *, events=None, at=None))]
    fn explain_one<'py>(
        &self,
        py: Python<'py>,
        lead: &Bound<'py, pyo3::types::PyDict>,
        top: usize,
        events: Option<Vec<(String, String)>>,
        at: Option<String>,
    ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let one = self.lead_with_events(py, lead, events, at)?;
        let e = self.inner.explain_one(&one, top).py(py)?;
        let out = pyo3::types::PyDict::new(py);
        if let (Some(id), Some(value)) = (self.inner.id_column(), &e.id) {
            out.set_item(id, value)?;
        }
        out.set_item("points", e.points)?;
        out.set_item("probability", e.probability)?;
        out.set_item("base_points", e.base_points)?;
        out.set_item("unseen", &e.unseen)?;
        out.set_item("rare", &e.rare)?;
        let contributions = pyo3::types::PyList::empty(py);
        for c in e.contributions {
            let d = pyo3::types::PyDict::new(py);
            d.set_item("column", c.column)?;
            d.set_item("attribute", c.attribute)?;
            d.set_item("points", c.points)?;
            contributions.append(d)?;
        }
        out.set_item("contributions", contributions)?;
        Ok(out)
    }

    /// The values of `leads` that score as `(other)`: one row per feature
    /// column that has any, with `leads` (how many leads hold a value never
    /// seen in training), `examples` (a few of those, joined by ", ") and
    /// `rare_leads` (how many hold a value seen in training too rarely for
    /// points of its own), as a frame of the same kind as `leads` (per
    /// lead: `score(leads, unseen=True)`).
    fn unseen<'py>(
        &self,
        py: Python<'py>,
        leads: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = table_from_py(leads, Some(self.feature_columns()), Some(&self.inner))?;
        let model = self.inner.clone();
        let scores = detached(py, move || model.score(&table))?;
        to_frame(py, unseen_columns(&scores.unseen), Some(leads))
    }

    /// Explains each lead's points: one row per lead and column, the `top`
    /// strongest reasons for and against first; `base_points` plus a lead's
    /// contributions equal its points. `row` is the lead's 1-based row; the
    /// id column follows it when the leads carry it.
    #[pyo3(signature = (leads, top=5, *, events=None, at=None))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        leads: &Bound<'py, PyAny>,
        top: usize,
        events: Option<Bound<'py, PyAny>>,
        at: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (mut table, id) = self.read_leads(leads)?;
        self.with_activity(py, &mut table, events.as_ref(), at.as_deref(), true)?;
        let model = self.inner.clone();
        let explanations = detached(py, move || model.explain(&table, top))?;
        to_frame(py, explain_columns(explanations, id)?, Some(leads))
    }

    /// Points per attribute as a frame (`kind`: "pandas", "polars" or "pyarrow").
    #[pyo3(signature = (*, kind="pandas"))]
    fn scorecard<'py>(&self, py: Python<'py>, kind: &str) -> PyResult<Bound<'py, PyAny>> {
        let kind = py
            .import("leadscore._frames")?
            .call_method1("empty_of_kind", (kind,))?;
        to_frame(py, scorecard_columns(&self.inner), Some(&kind))
    }

    /// The event types learned from an event log (empty for none): per
    /// type a dict of `event`, `points_at_0`, `points_at_0_interval`,
    /// `half_life_days`, `half_life_interval_days` (high `None`: not
    /// rejected up to the longest searched), `training_rows`,
    /// `training_won` and `training_events`, as `scorecard --format json`
    /// lists them.
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(&self.inner.scorecard().events)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// How the model started from a points sheet (`fit(prior=...)`) as a
    /// dict, as `scorecard --format json` gives it; `None` without a sheet.
    #[getter]
    fn prior<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(&self.inner.prior())
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// Points every lead starts from on the scorecard.
    #[getter]
    fn base_points(&self) -> f64 {
        self.inner.scorecard().base_points
    }

    /// One-hot encodes leads: a float64 array, one column per attribute
    /// (see `attribute_names`).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        leads: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let table = table_from_py(leads, Some(self.feature_columns()), Some(&self.inner))?;
        let model = self.inner.clone();
        let x = detached(py, move || model.encode(&table))?;
        Ok(x.into_pyarray(py))
    }

    /// Probabilities of a win for rows of an encoded array.
    fn probabilities<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let p = self.inner.probabilities(x.as_array()).py(py)?;
        Ok(p.into_pyarray(py))
    }

    /// `column: attribute` of every encoded column.
    #[getter]
    fn attribute_names(&self) -> Vec<String> {
        self.inner.attribute_names()
    }

    /// Feature column names.
    #[getter]
    pub(crate) fn feature_columns(&self) -> Vec<String> {
        self.inner
            .feature_columns()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// The id column, or None.
    #[getter]
    fn id_column(&self) -> Option<String> {
        self.inner.id_column().map(String::from)
    }

    /// A short hash of everything that decides a score.
    #[getter]
    fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }

    /// The training summary as a dict (rows, won, lost, l2, cross-validation ...).
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(self.inner.summary()).expect("summary serializes");
        py.import("json")?.call_method1("loads", (text,))
    }

    /// Reads a model file.
    #[classmethod]
    fn load(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
    ) -> PyResult<PyModel> {
        Ok(PyModel::wrap(detached(py, move || Model::load(&path))?))
    }

    /// Parses a model document (JSON text).
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<PyModel> {
        Ok(PyModel::wrap(Model::from_json_str(text).py(py)?))
    }

    /// The model document as JSON text.
    #[pyo3(signature = (*, pretty=false))]
    fn to_json(&self, pretty: bool) -> String {
        self.inner.to_json_string(pretty)
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let model = self.inner.clone();
        detached(py, move || model.save(&path))
    }

    /// A report on held-out deals: one self-contained HTML page
    /// (`format="html"`, a `leadscore.HtmlReport`: a `str` that a notebook
    /// shows as the report's fragment), that fragment alone (`"fragment"`,
    /// every style scoped to its root element), Markdown (`"md"`) or JSON
    /// (`"json"`): scorecard, calibration, lift, conversion, leakage and drift.
    #[pyo3(signature = (deals, *, format="html", title=None, conversion_by=Vec::new()))]
    fn report<'py>(
        &self,
        py: Python<'py>,
        deals: &Bound<'py, PyAny>,
        format: &str,
        title: Option<String>,
        conversion_by: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = leadscore::evidence::ReportOptions {
            conversion_by,
            title,
            ..Default::default()
        };
        crate::evidence::report(py, self.inner.clone(), deals, format, options)
    }

    /// A compact HTML summary for notebooks: target, deals won and lost,
    /// features, AUC, fingerprint.
    fn _repr_html_(&self) -> String {
        crate::results::model_html(&self.inner)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let from_json = py.get_type::<PyModel>().getattr("from_json")?;
        PyTuple::new(
            py,
            [
                from_json,
                PyTuple::new(py, [self.inner.to_json_string(false)])?.into_any(),
            ],
        )
    }

    fn __repr__(&self) -> String {
        let s = self.inner.summary();
        let cv = s
            .cross_validation
            .as_ref()
            .map(|cv| format!(", cv_auc={:.4}", cv.auc))
            .unwrap_or_default();
        format!(
            "Model(features={}, attributes={}, trained_on={} deals ({} won){cv}, fingerprint={})",
            s.columns_used.len(),
            self.inner.n_attributes(),
            s.rows,
            s.won,
            self.inner.fingerprint()
        )
    }
}
