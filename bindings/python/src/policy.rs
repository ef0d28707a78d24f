//! `leadscore.Policy`: the agreed definition of a qualified lead, and a
//! decision with its reasons for every lead.

use std::sync::Arc;

use leadscore::Policy;
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

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
        Ok(PyPolicy {
            inner: Arc::new(inner),
            text,
        })
    }

    /// Parses a policy document (TOML text).
    #[classmethod]
    fn from_toml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: String) -> PyResult<PyPolicy> {
        let inner = Policy::from_toml_str(&text).py(py)?;
        Ok(PyPolicy {
            inner: Arc::new(inner),
            text,
        })
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
        Ok(PyPolicy {
            inner: Arc::new(inner),
            text,
        })
    }

    /// The policy document as TOML text.
    fn to_toml(&self) -> String {
        self.text.clone()
    }

    /// A decision for every lead, in input order, as a frame of the same
    /// kind, in the one decision schema of files and frames: the id column
    /// (when the model has one), `tier`, `route`, `owner`, `sla`, `sla_due`,
    /// `rank`, `points`, `probability`, with a deal-value column also
    /// `deal_value` and `expected_value`, then `reasons`, `failed_rules`,
    /// `policy_version`, `model_fingerprint`.
    #[pyo3(signature = (leads, *, model, top=3))]
    fn qualify<'py>(
        &self,
        py: Python<'py>,
        leads: &Bound<'py, PyAny>,
        model: PyRef<'py, PyModel>,
        top: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = model.model();
        // Only the columns the model and the policy read are converted.
        let available = crate::frame::columns_except(leads, &[])?;
        let mut needed: Vec<String> = m.id_column().map(String::from).into_iter().collect();
        needed.extend(m.feature_columns().into_iter().map(String::from));
        for c in self.inner.columns() {
            let optional = self.inner.leads().created_at.as_deref() == Some(c.as_str());
            if !needed.contains(&c) && (!optional || available.contains(&c)) {
                needed.push(c);
            }
        }
        needed.retain(|c| available.contains(c) || Some(c.as_str()) != m.id_column());
        let table = table_from_py(leads, Some(needed), Some(&m))?;
        let policy = self.inner.clone();
        let id = m.id_column().map(String::from);
        let values = policy.leads().deal_value.is_some();
        let columns = detached(py, move || {
            let decisions = policy.qualify(&m, &table)?;
            Ok(decision_columns(&decisions, id.as_deref(), values, top))
        })?;
        columns_to_frame(py, columns, Some(leads), None)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let from_toml = py.get_type::<PyPolicy>().getattr("from_toml")?;
        PyTuple::new(
            py,
            [from_toml, PyTuple::new(py, [self.text.clone()])?.into_any()],
        )
    }

    fn __repr__(&self) -> String {
        format!("Policy(fingerprint={})", self.inner.fingerprint())
    }
}
