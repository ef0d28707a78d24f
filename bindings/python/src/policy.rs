//! `leadscore.Policy`: the agreed definition of a qualified lead, and a
//! decision with its reasons for every lead.

use std::sync::Arc;

use leadscore::Policy;
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use crate::error::IntoPyResult;
use crate::frame::{table_from_py, to_frame, Column};
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
        let text = leadscore::io::read_to_string(&path).py(py)?;
        let inner = Policy::load(&path).py(py)?;
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

    /// The policy document as TOML text.
    fn to_toml(&self) -> String {
        self.text.clone()
    }

    /// A decision for every lead, in input order, as a frame of the same
    /// kind: the id column (when the model has one), `tier`, `route`,
    /// `owner`, `sla`, `sla_due`, `rank`, `points`, `probability`,
    /// `expected_value`, `failed_rules`, `reasons`, `policy_version`,
    /// `model_fingerprint`.
    #[pyo3(signature = (leads, *, model, top=3))]
    fn qualify<'py>(
        &self,
        py: Python<'py>,
        leads: &Bound<'py, PyAny>,
        model: PyRef<'py, PyModel>,
        top: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = table_from_py(leads, None)?;
        let policy = self.inner.clone();
        let m = model.model();
        let decisions = detached(py, move || policy.qualify(&m, &table))?;
        let n = decisions.len();
        let mut c: Vec<Vec<Option<String>>> = (0..8).map(|_| Vec::with_capacity(n)).collect();
        let (mut rank, mut points, mut probability, mut expected) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for d in &decisions {
            c[0].push(d.id.clone());
            c[1].push(Some(d.tier.clone()));
            c[2].push(Some(d.route.to_string()));
            c[3].push(d.owner.clone());
            c[4].push(d.sla.as_ref().map(|s| s.to_string()));
            c[5].push(d.sla_due.clone());
            c[6].push(Some(
                d.failed_rules
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
            c[7].push(Some(d.reasons(top)));
            rank.push(d.rank as i64);
            points.push(d.points);
            probability.push(d.probability);
            expected.push(d.expected_value.unwrap_or(f64::NAN));
        }
        let mut texts = c.into_iter();
        let mut next = || Column::Text(texts.next().unwrap_or_default());
        let ids = next();
        let mut columns = Vec::new();
        if let Some(id) = model.model().id_column() {
            columns.push((id.to_string(), ids));
        }
        columns.extend([
            ("tier".to_string(), next()),
            ("route".to_string(), next()),
            ("owner".to_string(), next()),
            ("sla".to_string(), next()),
            ("sla_due".to_string(), next()),
            ("rank".to_string(), Column::Int(rank)),
            ("points".to_string(), Column::Float(points)),
            ("probability".to_string(), Column::Float(probability)),
            ("expected_value".to_string(), Column::Float(expected)),
            ("failed_rules".to_string(), next()),
            ("reasons".to_string(), next()),
        ]);
        columns.push((
            "policy_version".to_string(),
            Column::Text(
                decisions
                    .iter()
                    .map(|d| Some(d.policy_version.clone()))
                    .collect(),
            ),
        ));
        columns.push((
            "model_fingerprint".to_string(),
            Column::Text(
                decisions
                    .iter()
                    .map(|d| Some(d.model_fingerprint.clone()))
                    .collect(),
            ),
        ));
        to_frame(py, columns, Some(leads), None)
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
