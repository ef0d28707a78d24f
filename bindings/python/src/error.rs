//! The one mapping from `leadscore::Error` to Python exceptions, by
//! [`leadscore::Error::kind`].

use leadscore::{Error, ErrorKind};
use pyo3::exceptions::{
    PyFileNotFoundError, PyOSError, PyPermissionError, PyRuntimeError, PyTypeError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Builds an exception of the Python class `name` in `leadscore.exceptions`
/// with the message and keyword attributes.
fn raise(py: Python<'_>, name: &str, message: String, kwargs: Option<Bound<'_, PyDict>>) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let cls = py.import("leadscore.exceptions")?.getattr(name)?;
        let value = cls.call((message.clone(),), kwargs.as_ref())?;
        Ok(PyErr::from_value(value))
    })();
    made.unwrap_or_else(|e| e)
}

/// The `DataError` attributes of a data error: the first bad cell's row,
/// column and value, every bad cell kept, and their count.
fn data_kwargs<'py>(py: Python<'py>, err: &Error) -> Bound<'py, PyDict> {
    let kwargs = PyDict::new(py);
    match err {
        Error::InvalidRows { errors, total }
        | Error::TooManyRejected {
            errors,
            cells: total,
            ..
        } => {
            let list = PyList::empty(py);
            for e in errors {
                let d = PyDict::new(py);
                let _ = d.set_item("row", e.row);
                let _ = d.set_item("column", &e.column);
                let _ = d.set_item("value", &e.value);
                let _ = d.set_item("reason", &e.reason);
                let _ = list.append(d);
            }
            if let Some(first) = errors.first() {
                let _ = kwargs.set_item("row", first.row);
                let _ = kwargs.set_item("column", &first.column);
                let _ = kwargs.set_item("value", &first.value);
            }
            let _ = kwargs.set_item("errors", list);
            let _ = kwargs.set_item("total", total);
        }
        Error::MissingColumn { column, .. } | Error::DuplicateColumn { column } => {
            let _ = kwargs.set_item("column", column);
        }
        Error::RaggedRow { row, .. } => {
            let _ = kwargs.set_item("row", row);
        }
        _ => {}
    }
    kwargs
}

/// Converts a core error into the matching Python exception.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let message = err.to_string();
    match err.kind() {
        ErrorKind::Io => match err {
            Error::Io { path, source } => {
                let args = (
                    source.raw_os_error().unwrap_or(0),
                    source.to_string(),
                    path.display().to_string(),
                );
                match source.kind() {
                    std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
                    std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
                    _ => PyOSError::new_err(args),
                }
            }
            _ => PyOSError::new_err(message),
        },
        ErrorKind::Data => {
            let kwargs = data_kwargs(py, &err);
            raise(py, "DataError", message, Some(kwargs))
        }
        ErrorKind::ColumnType => PyTypeError::new_err(message),
        ErrorKind::Parameter => raise(py, "ParameterError", message, None),
        ErrorKind::Training => raise(py, "TrainingError", message, None),
        ErrorKind::Policy => raise(py, "PolicyError", message, None),
        ErrorKind::ModelFormat => raise(py, "ModelFormatError", message, None),
        ErrorKind::Internal => PyRuntimeError::new_err(message),
        // A kind added to the core later: a plain leadscore error.
        #[allow(unreachable_patterns)]
        _ => raise(py, "LeadscoreError", message, None),
    }
}

/// Extension to turn `leadscore::Result` into `PyResult`.
pub trait IntoPyResult<T> {
    /// Maps the error with [`to_py`].
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for leadscore::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// A `UserWarning` naming the event types never seen in training, when
/// reading the leads' activity found any.
pub fn warn_unseen_types(
    py: Python<'_>,
    report: &leadscore::model::events::terms::ActivityReport,
) -> PyResult<()> {
    if let Some(w) = report.warning() {
        let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
        PyErr::warn(
            py,
            &category,
            &std::ffi::CString::new(w).unwrap_or_default(),
            1,
        )?;
    }
    Ok(())
}
