//! `leadscore.Policy`: the agreed definition of a qualified lead, and a
//! decision with its reasons for every lead.

use std::sync::{Arc, Mutex};

use leadscore::{FrozenCuts, Model, Policy, Qualifier, Table};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::IntoPyResult;
use leadscore::policy::decision_columns;

use crate::frame::{columns_to_frame, table_from_py};
use crate::model::{detached, PyModel};

/// A qualification policy (TOML document `leadscore.policy`): tiers, fit
/// rules, routing with owners and SLAs, sales capacity. Immutable.
#[pyclass(name = "Policy", module = "leadscore", frozen)]
pub struct PyPolicy {
    inner: Arc<Policy>,
    text: String,
    /// The policy prepared for one lead at a time against the last model
    /// `decide_one` was given (built on first use).
    qualifier: Mutex<Option<Arc<Qualifier>>>,
}

impl PyPolicy {
    /// The shared core policy.
    pub fn policy(&self) -> Arc<Policy> {
        self.inner.clone()
    }

    fn wrap(inner: Policy, text: String) -> PyPolicy {
        PyPolicy {
            inner: Arc::new(inner),
            text,
            qualifier: Mutex::new(None),
        }
    }

    /// The leads of a frame, read for `model` and this policy: the id,
    /// the feature columns and the policy's columns (created-at only when
    /// the frame has it).
    fn read_leads(&self, leads: &Bound<'_, PyAny>, m: &Model) -> PyResult<Table> {
        // Only the columns the model and the policy read are converted.
        let available = crate::frame::columns_except(leads, &[])?;
        let mut needed: Vec<String> = m.id_column().map(String::from).into_iter().collect();
        needed.extend(m.feature_columns().into_iter().map(String::from));
        needed.extend(m.timing().map(|t| t.created.clone()));
        for c in self.inner.columns() {
            let optional = self.inner.leads().created_at.as_deref() == Some(c.as_str());
            if !needed.contains(&c) && (!optional || available.contains(&c)) {
                needed.push(c);
            }
        }
        needed.retain(|c| available.contains(c) || Some(c.as_str()) != m.id_column());
        table_from_py(leads, Some(needed), Some(m))
    }

    /// The qualifier of this policy and `model`, built once per model.
    fn qualifier(&self, py: Python<'_>, model: Arc<Model>) -> PyResult<Arc<Qualifier>> {
        let mut cached = self
            .qualifier
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(q) = cached.as_ref() {
            if Arc::ptr_eq(q.model(), &model) {
                return Ok(q.clone());
            }
        }
        let q = Arc::new(Qualifier::new(model, self.inner.clone()).py(py)?);
        *cached = Some(q.clone());
        Ok(q)
    }
}

#[pymethods]
impl PyPolicy {
    /// Reads a policy file.
    #[classmethod]
    fn load(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
    ) -> PyResult<PyPolicy> {
        // Read once: the text kept is the text parsed.
        let text = leadscore::data::files::read_to_string(&path).py(py)?;
        let inner = Policy::from_toml_str_at(&text, &path).py(py)?;
        Ok(PyPolicy::wrap(inner, text))
    }

    /// Parses a policy document (TOML text).
    #[classmethod]
    fn from_toml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: String) -> PyResult<PyPolicy> {
        let inner = Policy::from_toml_str(&text).py(py)?;
        Ok(PyPolicy::wrap(inner, text))
    }

    /// A commented starter policy for `model`: tier thresholds suggested
    /// from its points (or a capacity tier of `capacity` leads per week),
    /// example rules to adapt; `to_toml()` gives the commented text.
    #[classmethod]
    #[pyo3(signature = (model, *, capacity=None))]
    fn starter(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        model: PyRef<'_, PyModel>,
        capacity: Option<u32>,
    ) -> PyResult<PyPolicy> {
        let text = Policy::starter(&model.model(), capacity);
        let inner = Policy::from_toml_str(&text).py(py)?;
        Ok(PyPolicy::wrap(inner, text))
    }

    /// The policy document as TOML text.
    fn to_toml(&self) -> String {
        self.text.clone()
    }

    /// A decision for every lead, in input order, as a frame of the same
    /// kind, in the one decision schema of files and frames: the id column
    /// (when the model has one), `tier`, `route`, `owner`, `sla`, `sla_due`,
    /// `rank`, `points`, `probability`, with a model of the time to close
    /// `win_within_<H>d` per horizon, `win_eventually` and `expected_close`
    /// (as of `as_of`, default now), with a deal-value column also
    /// `deal_value` and `expected_value`, then `reasons`, `failed_rules`,
    /// `policy_version`, `model_fingerprint`, and with frozen cuts
    /// `cuts_leads`, `cuts_frozen_at`, `cuts_fingerprint`.
    #[pyo3(signature = (leads, *, model, top=3, as_of=None))]
    fn qualify<'py>(
        &self,
        py: Python<'py>,
        leads: &Bound<'py, PyAny>,
        model: PyRef<'py, PyModel>,
        top: usize,
        as_of: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = dated(py, model.model(), as_of)?;
        let table = self.read_leads(leads, &m)?;
        let horizons = m.timing().map(|t| t.horizons_days.clone());
        let policy = self.inner.clone();
        let id = m.id_column().map(String::from);
        let values = policy.leads().deal_value.is_some();
        let cuts = policy.cuts().is_some();
        let columns = detached(py, move || {
            let decisions = policy.qualify(&m, &table)?;
            Ok(decision_columns(
                &decisions,
                id.as_deref(),
                values,
                cuts,
                horizons.as_deref(),
                top,
            ))
        })?;
        columns_to_frame(py, columns, Some(leads), None)
    }

    /// This policy with its share and capacity tiers frozen into point
    /// thresholds from `leads`, a reference batch (one period's leads,
    /// e.g. last month's) scored by `model`: the policy to decide one lead
    /// at a time (`decide_one`) or a small batch with. Every decision then
    /// records the reference (`cuts_leads`, `cuts_frozen_at`,
    /// `cuts_fingerprint`); `cuts` gives the frozen cuts as a dict.
    #[pyo3(signature = (leads, *, model, as_of=None))]
    fn freeze(
        &self,
        py: Python<'_>,
        leads: &Bound<'_, PyAny>,
        model: PyRef<'_, PyModel>,
        as_of: Option<&str>,
    ) -> PyResult<PyPolicy> {
        let m = dated(py, model.model(), as_of)?;
        let table = self.read_leads(leads, &m)?;
        let policy = self.inner.clone();
        let frozen = detached(py, move || {
            let cuts = policy.freeze(&m, &table)?;
            policy.as_ref().clone().with_cuts(cuts)
        })?;
        Ok(PyPolicy::wrap(frozen, self.text.clone()))
    }

    /// This policy deciding against frozen cuts: a dict as `cuts` gives, or
    /// the path of a cuts file (`leadscore policy freeze`).
    fn with_cuts(&self, py: Python<'_>, cuts: &Bound<'_, PyAny>) -> PyResult<PyPolicy> {
        let frozen = if cuts.is_instance_of::<PyDict>() {
            let text: String = py
                .import("json")?
                .call_method1("dumps", (cuts,))?
                .extract()?;
            FrozenCuts::from_json_str(&text).py(py)?
        } else {
            let path: std::path::PathBuf = cuts.extract()?;
            FrozenCuts::load(&path).py(py)?
        };
        let policy = self.inner.as_ref().clone().with_cuts(frozen).py(py)?;
        Ok(PyPolicy::wrap(policy, self.text.clone()))
    }

    /// The frozen cuts as a dict (`format`, `policy_fingerprint`,
    /// `model_fingerprint`, `reference` with `leads`, `frozen_at` and
    /// `fingerprint`, and `tiers`), or `None`.
    #[getter]
    fn cuts<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .cuts()
            .map(|c| {
                py.import("json")?
                    .call_method1("loads", (c.to_json_string(),))
            })
            .transpose()
    }

    /// The decision for one lead given as a dict of column -> value (read
    /// as `Model.score_one` reads it), without a frame: a dict with the
    /// fields of a decision-log line (`id`, `tier`, `route`, `owner`, `sla`,
    /// `sla_due`, `rank`, `points`, `probability`, `deal_value`,
    /// `expected_value`, `policy_version`, `policy_fingerprint`,
    /// `model_fingerprint`, `cuts`, `failed_rules`, `gap`, `unseen`,
    /// `base_points`, `contributions`) and `reasons` (the `top` attributes
    /// for and against in one line). The same decision `qualify` gives on a
    /// one-row frame; share and capacity tiers need frozen cuts (`freeze`).
    #[pyo3(signature = (lead, *, model, top=3))]
    fn decide_one<'py>(
        &self,
        py: Python<'py>,
        lead: &Bound<'py, PyDict>,
        model: PyRef<'py, PyModel>,
        top: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let one = crate::frame::lead_from_dict(lead)?;
        let qualifier = self.qualifier(py, model.model())?;
        let d = qualifier.decide_one(&one).py(py)?;
        let text = serde_json::to_string(&d).map_err(|e| {
            crate::error::to_py(
                py,
                leadscore::Error::Internal {
                    what: format!("a decision as JSON: {e}"),
                },
            )
        })?;
        let out = py.import("json")?.call_method1("loads", (text,))?;
        out.set_item("reasons", d.reasons(top))?;
        Ok(out)
    }

    /// The policy of `text` with the frozen cuts of `cuts` (JSON), for pickle.
    #[classmethod]
    fn _restore(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        text: String,
        cuts: Option<String>,
    ) -> PyResult<PyPolicy> {
        let mut inner = Policy::from_toml_str(&text).py(py)?;
        if let Some(c) = cuts {
            inner = inner
                .with_cuts(FrozenCuts::from_json_str(&c).py(py)?)
                .py(py)?;
        }
        Ok(PyPolicy::wrap(inner, text))
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let restore = py.get_type::<PyPolicy>().getattr("_restore")?;
        let cuts = self.inner.cuts().map(|c| c.to_json_string());
        let args = (self.text.clone(), cuts).into_pyobject(py)?;
        PyTuple::new(py, [restore, args.into_any()])
    }

    fn __repr__(&self) -> String {
        match self.inner.cuts() {
            Some(c) => format!(
                "Policy(fingerprint={}, cuts frozen from {} leads at {})",
                self.inner.fingerprint(),
                c.reference.leads,
                c.reference.frozen_at
            ),
            None => format!("Policy(fingerprint={})", self.inner.fingerprint()),
        }
    }
}

/// The model scoring as of `as_of` (a model with a time to close; see
/// `Model.score`), or the model itself.
fn dated(py: Python<'_>, m: Arc<Model>, as_of: Option<&str>) -> PyResult<Arc<Model>> {
    match (m.timing(), as_of) {
        (Some(_), Some(d)) => Ok(Arc::new(m.as_of(d).py(py)?)),
        _ => Ok(m),
    }
}
