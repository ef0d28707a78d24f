//! How `leadscore.Model` reads leads: the frame's columns once, with the
//! lead's activity from an event log when the model learned from one.

use pyo3::prelude::*;

use crate::error::{warn_unseen_types, IntoPyResult};
use crate::frame::read_frame;
use crate::model::PyModel;

impl PyModel {
    /// Reads the leads once: the feature columns for the core, and the
    /// model's id column, when the leads have it (it is optional), as the
    /// Arrow array it was, with its name.
    pub(crate) fn read_leads<'a>(
        &'a self,
        leads: &Bound<'_, PyAny>,
    ) -> PyResult<(leadscore::Table, Option<(&'a str, arrow_array::ArrayRef)>)> {
        let names = crate::frame::column_names(leads)?;
        let id = self
            .inner
            .id_column()
            .filter(|id| names.iter().any(|n| n == id));
        let mut needed = self.feature_columns();
        needed.extend(id.map(String::from));
        if let Some(events) = self.inner.events() {
            if names.contains(&events.as_of) && !needed.contains(&events.as_of) {
                needed.push(events.as_of.clone());
            }
        }
        if let Some(t) = self.inner.timing() {
            if !needed.contains(&t.created) {
                needed.push(t.created.clone());
            }
        }
        let read = read_frame(leads, Some(&names), Some(needed), Some(&self.inner), id)?;
        let mut table = read.table;
        // The id column was taken out as it was; the activity join needs it.
        if let (Some(name), Some(ids)) = (id, &read.kept) {
            if self.inner.events().is_some() {
                let values = leadscore::data::arrow::values_from_arrow(
                    name,
                    ids.data_type(),
                    std::slice::from_ref(ids),
                )
                .map_err(|e| crate::error::to_py(leads.py(), e))?;
                table
                    .set_column(name, values)
                    .map_err(|e| crate::error::to_py(leads.py(), e))?;
            }
        }
        Ok((table, id.zip(read.kept)))
    }

    /// Adds the leads' activity from the event log `events` (a frame) for
    /// a model that learned from one; warns of event types never seen.
    pub(crate) fn with_activity(
        &self,
        py: Python<'_>,
        table: &mut leadscore::Table,
        events: Option<&Bound<'_, PyAny>>,
        at: Option<&str>,
        recent: bool,
    ) -> PyResult<()> {
        let Some(events) = events else {
            return Ok(());
        };
        let Some(terms) = self.inner.events() else {
            return Err(crate::error::to_py(
                py,
                leadscore::Error::InvalidParameter {
                    name: "events".into(),
                    value: "(a frame)".into(),
                    reason: "the model did not learn from an event log".into(),
                },
            ));
        };
        let log = crate::frame::table_from_py(events, Some(terms.log.names()), None)?;
        let report = self.inner.attach_activity(table, &log, at, recent).py(py)?;
        warn_unseen_types(py, &report)?;
        Ok(())
    }

    /// One lead from its dict, with its own events (type, timestamp) for
    /// a model that learned from an event log; warns of event types never
    /// seen.
    pub(crate) fn lead_with_events(
        &self,
        py: Python<'_>,
        lead: &Bound<'_, pyo3::types::PyDict>,
        events: Option<Vec<(String, String)>>,
        at: Option<String>,
    ) -> PyResult<leadscore::data::lead::Lead> {
        let mut one = crate::frame::lead_from_dict(lead)?;
        let Some(events) = events else {
            return Ok(one);
        };
        if self.inner.events().is_none() {
            return Err(crate::error::to_py(
                py,
                leadscore::Error::InvalidParameter {
                    name: "events".into(),
                    value: format!("{} event(s)", events.len()),
                    reason: "the model did not learn from an event log".into(),
                },
            ));
        }
        let report = self
            .inner
            .attach_lead_events(&mut one, &events, at.as_deref())
            .py(py)?;
        warn_unseen_types(py, &report)?;
        Ok(one)
    }
}
