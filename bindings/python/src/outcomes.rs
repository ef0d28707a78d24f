//! Closing the loop from Python: `leadscore.outcomes` (what happened to
//! each decision) and `leadscore.promote` (the gate before a retrained
//! model goes live). Both turn keyword arguments into one core call.

use std::path::PathBuf;
use std::sync::Arc;

use leadscore::evidence::outcomes::{
    GroupOutcome, Grouping, NoDeal, OutcomeOptions, OutcomeTally, Outcomes,
};
use leadscore::evidence::promote::{compare, Gate, Promotion, PromotionOptions};
use leadscore::evidence::promotion_log::{self, PromotionRecord};
use leadscore::Table;
use pyo3::prelude::*;

use crate::args::strings;
use crate::error::IntoPyResult;
use crate::frame::{table_from_py, to_frame, Column};
use crate::model::{detached, PyModel};

/// A frame or a file path.
enum Input {
    Table(Table),
    Path(PathBuf),
}

fn input(obj: &Bound<'_, PyAny>) -> PyResult<Input> {
    if obj.is_instance_of::<pyo3::types::PyString>() || obj.hasattr("__fspath__")? {
        return Ok(Input::Path(obj.extract()?));
    }
    Ok(Input::Table(table_from_py(obj, None, None)?))
}

/// The figures of one grouping as frame columns.
fn group_columns(by: &str, groups: &[GroupOutcome]) -> Vec<(String, Column)> {
    let float = |f: &dyn Fn(&GroupOutcome) -> Option<f64>| {
        Column::Float(groups.iter().map(|g| f(g).unwrap_or(f64::NAN)).collect())
    };
    let int = |f: &dyn Fn(&GroupOutcome) -> usize| {
        Column::Int(groups.iter().map(|g| f(g) as i64).collect())
    };
    let effect = |f: &dyn Fn(&leadscore::evidence::outcomes::SpeedEffect) -> f64| {
        Column::Float(
            groups
                .iter()
                .map(|g| g.stats.speed_effect.as_ref().map_or(f64::NAN, f))
                .collect(),
        )
    };
    vec![
        (
            by.to_string(),
            Column::Text(
                groups
                    .iter()
                    .map(|g| Some(g.key.name().to_string()))
                    .collect(),
            ),
        ),
        ("leads".into(), int(&|g| g.stats.leads)),
        ("touched".into(), int(&|g| g.stats.touched)),
        ("with_sla".into(), int(&|g| g.stats.with_sla)),
        ("within_sla".into(), float(&|g| g.stats.within_sla)),
        ("sla_hours".into(), float(&|g| g.stats.sla_hours)),
        (
            "median_hours_to_touch".into(),
            float(&|g| g.stats.median_hours_to_touch),
        ),
        (
            "p95_hours_to_touch".into(),
            float(&|g| g.stats.p95_hours_to_touch),
        ),
        ("won".into(), int(&|g| g.stats.won)),
        ("lost".into(), int(&|g| g.stats.lost)),
        ("open".into(), int(&|g| g.stats.open)),
        ("win_rate".into(), float(&|g| g.stats.win_rate)),
        ("win_rate_low".into(), float(&|g| g.stats.win_rate_low)),
        ("win_rate_high".into(), float(&|g| g.stats.win_rate_high)),
        (
            "win_rate_within_sla".into(),
            float(&|g| g.stats.win_rate_within_sla),
        ),
        (
            "win_rate_after_sla".into(),
            float(&|g| g.stats.win_rate_after_sla),
        ),
        (
            "win_rate_untouched".into(),
            float(&|g| g.stats.win_rate_untouched),
        ),
        ("speed_effect".into(), effect(&|e| e.difference)),
        ("speed_effect_low".into(), effect(&|e| e.low)),
        ("speed_effect_high".into(), effect(&|e| e.high)),
        (
            "speed_effect_unadjusted".into(),
            effect(&|e| e.crude_difference),
        ),
        ("rejected".into(), int(&|g| g.stats.rejected)),
        ("mean_points".into(), float(&|g| g.stats.mean_points)),
    ]
}

/// What happened to the decisions: frames per tier (and per route, owner
/// or month when asked for), the rejections, the rows that could not be
/// used, and the renderings of the command line.
#[pyclass(name = "Outcomes", module = "leadscore", frozen)]
pub struct PyOutcomes {
    inner: Arc<Outcomes>,
    like: Py<PyAny>,
}

#[pymethods]
impl PyOutcomes {
    /// One row per tier, the best first: leads, touched, within_sla,
    /// median_hours_to_touch, p95_hours_to_touch, win rates (with the
    /// Wilson interval; within and after the SLA; untouched) and the
    /// speed effect for leads of the same points.
    #[getter]
    fn tiers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.groups(py, "tier")
    }

    /// The same figures per `by`: "tier", "route", "owner" or "month" (as
    /// asked for in `leadscore.outcomes(by=...)`).
    fn groups<'py>(&self, py: Python<'py>, by: &str) -> PyResult<Bound<'py, PyAny>> {
        let g = Grouping::parse(by).py(py)?;
        let Some(groups) = self.inner.groups(g) else {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "not grouped by {by}: pass by=[\"{by}\"] to leadscore.outcomes"
            )));
        };
        let mut rows = groups.to_vec();
        if g == Grouping::Tier {
            rows.push(self.inner.all.clone());
        }
        to_frame(py, group_columns(by, &rows), Some(self.like.bind(py)))
    }

    /// Rejections by tier and reason: leads, mean points, the tier's median
    /// points, `model_agreed` (share below that median), won, lost.
    #[getter]
    fn rejections<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = &self.inner.rejections;
        let text =
            |f: &dyn Fn(usize) -> String| Column::Text((0..r.len()).map(|i| Some(f(i))).collect());
        let columns = vec![
            ("tier".to_string(), text(&|i| r[i].tier.clone())),
            ("reason".to_string(), text(&|i| r[i].reason.clone())),
            (
                "leads".to_string(),
                Column::Int(r.iter().map(|x| x.leads as i64).collect()),
            ),
            (
                "mean_points".to_string(),
                Column::Float(r.iter().map(|x| x.mean_points).collect()),
            ),
            (
                "tier_median_points".to_string(),
                Column::Float(
                    r.iter()
                        .map(|x| x.tier_median_points.unwrap_or(f64::NAN))
                        .collect(),
                ),
            ),
            (
                "model_agreed".to_string(),
                Column::Float(
                    r.iter()
                        .map(|x| x.model_agreed.unwrap_or(f64::NAN))
                        .collect(),
                ),
            ),
            (
                "won".to_string(),
                Column::Int(r.iter().map(|x| x.won as i64).collect()),
            ),
            (
                "lost".to_string(),
                Column::Int(r.iter().map(|x| x.lost as i64).collect()),
            ),
        ];
        to_frame(py, columns, Some(self.like.bind(py)))
    }

    /// The first rows that could not be used: file, row, column, value,
    /// problem (every one is counted in `problem_counts`).
    #[getter]
    fn problems<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = &self.inner.problems.examples;
        let text =
            |f: &dyn Fn(usize) -> String| Column::Text((0..p.len()).map(|i| Some(f(i))).collect());
        let columns = vec![
            ("file".to_string(), text(&|i| p[i].file.to_string())),
            (
                "row".to_string(),
                Column::Int(p.iter().map(|x| x.row as i64).collect()),
            ),
            ("column".to_string(), text(&|i| p[i].column.clone())),
            ("value".to_string(), text(&|i| p[i].value.clone())),
            ("problem".to_string(), text(&|i| p[i].problem.clone())),
        ];
        to_frame(py, columns, Some(self.like.bind(py)))
    }

    /// Rows that could not be used, by file and kind: a dict
    /// `{(file, problem): rows}`.
    #[getter]
    fn problem_counts(&self) -> Vec<(String, String, usize)> {
        self.inner
            .problems
            .counts
            .iter()
            .map(|c| (c.file.to_string(), c.problem.clone(), c.rows))
            .collect()
    }

    /// Decided leads.
    #[getter]
    fn leads(&self) -> usize {
        self.inner.leads
    }

    /// Everything as a dict (the JSON of `leadscore outcomes --format json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.inner.to_json(),))
    }

    /// The JSON of `leadscore outcomes --format json`.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// A self-contained HTML page: the tier funnel, the hours to first
    /// touch against each SLA, the tables.
    fn to_html(&self) -> String {
        self.inner.to_html()
    }

    /// Markdown.
    fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    fn _repr_html_(&self) -> String {
        self.inner.to_html_fragment()
    }

    fn __str__(&self) -> String {
        self.inner.to_text()
    }

    fn __repr__(&self) -> String {
        format!(
            "<leadscore.Outcomes of {} leads in {} tiers>",
            self.inner.leads,
            self.inner.tiers.len()
        )
    }
}

/// What happened to each decision (see `leadscore outcomes`): `decisions`
/// (the qualification's frame or file, or a decision log `.jsonl`),
/// `touches` (`id`, `touched_at`, optionally `owner` and `reason`) and
/// `deals` (`id`, the `outcome` column, optionally `closed_at`), each a
/// frame or a path, joined on `id`.
#[pyfunction]
#[pyo3(signature = (decisions, touches, deals, *, id, by=Vec::new(), created=None, outcome="outcome", positive=None, negative=None, open=None, no_deal="open", bands=5))]
#[allow(clippy::too_many_arguments)]
pub fn outcomes<'py>(
    py: Python<'py>,
    decisions: &Bound<'py, PyAny>,
    touches: &Bound<'py, PyAny>,
    deals: &Bound<'py, PyAny>,
    id: String,
    by: Vec<String>,
    created: Option<String>,
    outcome: &str,
    positive: Option<Bound<'py, PyAny>>,
    negative: Option<Bound<'py, PyAny>>,
    open: Option<Bound<'py, PyAny>>,
    no_deal: &str,
    bands: usize,
) -> PyResult<PyOutcomes> {
    let mut options = OutcomeOptions::new(id);
    options.by = by
        .iter()
        .map(|b| Grouping::parse(b))
        .collect::<leadscore::Result<_>>()
        .py(py)?;
    options.created = created;
    options.outcome = outcome.to_string();
    for (values, given) in [
        (&mut options.won, positive),
        (&mut options.lost, negative),
        (&mut options.open, open),
    ] {
        if given.is_some() {
            *values = strings(given)?;
        }
    }
    options.bands = bands;
    options.no_deal = match no_deal {
        "open" => NoDeal::Open,
        "lost" => NoDeal::Lost,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "no_deal must be \"open\" or \"lost\", not {other:?}"
            )))
        }
    };
    let like = if decisions.is_instance_of::<pyo3::types::PyString>()
        || decisions.hasattr("__fspath__")?
    {
        py.import("leadscore._frames")?
            .call_method1("empty_of_kind", ("pandas",))?
    } else {
        decisions.clone()
    };
    let (d, t, k) = (input(decisions)?, input(touches)?, input(deals)?);
    let result = detached(py, move || match (d, t, k) {
        (Input::Path(d), Input::Path(t), Input::Path(k)) => {
            leadscore::batch::outcomes_files(&d, &t, &k, options, 65_536, 0)
        }
        (d, t, k) => {
            // Files go through the batch readers (CSV, Parquet, a decision
            // log), frames straight into the tally.
            use leadscore::batch::{add_deals_file, add_decisions_file, add_touches_file};
            let mut tally = OutcomeTally::new(options)?;
            match d {
                Input::Path(p) => add_decisions_file(&mut tally, &p, 65_536, 0)?,
                Input::Table(d) => tally.add_decisions(&d)?,
            }
            match t {
                Input::Path(p) => add_touches_file(&mut tally, &p, 65_536, 0)?,
                Input::Table(t) => tally.add_touches(&t)?,
            }
            match k {
                Input::Path(p) => add_deals_file(&mut tally, &p, 65_536, 0)?,
                Input::Table(k) => tally.add_deals(&k)?,
            }
            Ok(tally.finish())
        }
    })?;
    Ok(PyOutcomes {
        inner: Arc::new(result),
        like: like.unbind(),
    })
}

/// The gate's verdict on a retrained model, with both models side by side.
#[pyclass(name = "Promotion", module = "leadscore", frozen)]
pub struct PyPromotion {
    inner: Promotion,
}

#[pymethods]
impl PyPromotion {
    /// Whether the candidate passed every check of the gate.
    #[getter]
    fn passed(&self) -> bool {
        self.inner.passed
    }

    /// Why it was refused (empty when it passed).
    #[getter]
    fn reasons(&self) -> Vec<String> {
        self.inner.reasons()
    }

    /// Every check: (what, passed).
    #[getter]
    fn checks(&self) -> Vec<(String, bool)> {
        self.inner
            .checks
            .iter()
            .map(|c| (c.check.clone(), c.passed))
            .collect()
    }

    /// Both models on the recent deals: a pandas-free dict of
    /// `{metric: (active, candidate)}` (AUC, log loss, Brier, calibration
    /// error, lift at the cut).
    #[getter]
    fn comparison(&self) -> Vec<(String, f64, f64)> {
        let (a, c) = (&self.inner.active, &self.inner.candidate);
        vec![
            ("auc".into(), a.auc.value, c.auc.value),
            ("log_loss".into(), a.log_loss.value, c.log_loss.value),
            ("brier".into(), a.brier.value, c.brier.value),
            (
                "calibration_error".into(),
                a.calibration_error,
                c.calibration_error,
            ),
            (
                "lift".into(),
                a.lift.unwrap_or(f64::NAN),
                c.lift.unwrap_or(f64::NAN),
            ),
        ]
    }

    /// Everything as a dict (the JSON of `leadscore promote --format json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(&self.inner).expect("a promotion serializes");
        py.import("json")?.call_method1("loads", (text,))
    }

    fn __bool__(&self) -> bool {
        self.inner.passed
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "<leadscore.Promotion {}: AUC {:.4} against {:.4}>",
            if self.inner.passed {
                "passed"
            } else {
                "refused"
            },
            self.inner.candidate.auc.value,
            self.inner.active.auc.value
        )
    }
}

/// Scores `active` and `candidate` on recent closed deals (a frame or a
/// CSV path) and applies the gate: a dict (`min_auc_ratio`,
/// `max_log_loss_increase`, `max_calibration_error`, `min_deals`), a TOML
/// path, or the default. With `log`, the verdict and both fingerprints are
/// appended to that promotion log (`active_file` and `candidate_file`
/// name the models there).
#[pyfunction]
#[pyo3(signature = (active, candidate, recent, *, target=None, positive=None, negative=None, gate=None, policy=None, seed=0, log=None, active_file=None, candidate_file=None))]
#[allow(clippy::too_many_arguments)]
pub fn promote(
    py: Python<'_>,
    active: &PyModel,
    candidate: &PyModel,
    recent: &Bound<'_, PyAny>,
    target: Option<String>,
    positive: Option<Bound<'_, PyAny>>,
    negative: Option<Bound<'_, PyAny>>,
    gate: Option<Bound<'_, PyAny>>,
    policy: Option<PyRef<'_, crate::policy::PyPolicy>>,
    seed: u64,
    log: Option<PathBuf>,
    active_file: Option<String>,
    candidate_file: Option<String>,
) -> PyResult<PyPromotion> {
    let gate = match gate {
        None => Gate::default(),
        Some(g) if g.is_instance_of::<pyo3::types::PyDict>() => {
            let text = py
                .import("json")?
                .call_method1("dumps", (g,))?
                .extract::<String>()?;
            let gate: Gate = serde_json::from_str(&text)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("gate: {e}")))?;
            gate.check().py(py)?;
            gate
        }
        Some(g) => Gate::load(g.extract::<PathBuf>()?).py(py)?,
    };
    let options = PromotionOptions {
        target,
        positive: strings(positive)?,
        negative: strings(negative)?,
        policy: policy.map(|p| p.policy().as_ref().clone()),
        gate,
        seed,
    };
    let recent = match input(recent)? {
        Input::Table(t) => t,
        Input::Path(p) => Table::from_csv_path(p).py(py)?,
    };
    let (a, c) = (active.model(), candidate.model());
    let p = detached(py, move || compare(&a, &c, &recent, &options))?;
    if let Some(log) = log {
        let name = |n: Option<String>, m: &PyModel| n.unwrap_or_else(|| m.model().fingerprint());
        let record = PromotionRecord::new(
            &p,
            std::path::Path::new(&name(active_file, active)),
            std::path::Path::new(&name(candidate_file, candidate)),
            None,
        );
        promotion_log::append(&log, &record).py(py)?;
    }
    Ok(PyPromotion { inner: p })
}

/// Seeded synthetic decisions, touches and deals with a known effect of
/// touching within the SLA (`speed_effect`): three frames of `kind`.
#[pyfunction]
#[pyo3(signature = (rows, seed=42, *, speed_effect=0.1, kind="pandas"))]
pub fn synthetic_closed_loop<'py>(
    py: Python<'py>,
    rows: usize,
    seed: u64,
    speed_effect: f64,
    kind: &str,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let s = leadscore::synthetic::touches::closed_loop(rows, seed, speed_effect);
    Ok((
        crate::table_to_frame(py, &s.decisions, kind)?,
        crate::table_to_frame(py, &s.touches, kind)?,
        crate::table_to_frame(py, &s.deals, kind)?,
    ))
}
