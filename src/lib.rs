#![doc = include_str!("../README.md")]

// Layers, lower never importing higher (checked by `.ci/layers.py`):
// error, metrics, util -> data -> model -> policy -> evidence -> batch.
pub mod batch;
pub mod data;
pub mod error;
pub mod evidence;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod synthetic;
pub(crate) mod util;

pub use data::{ColumnKind, Schema, Table, Target, Values};
pub use error::{Error, ErrorKind, PolicyProblem, Result, RowError, Severity};
pub use evidence::{
    Audit, Drift, Evaluation, EvaluationOptions, ModelDiff, PointsSheet, Report, Split,
};
pub use model::encoding::{Encoding, EncodingOptions};
pub use model::{
    Contribution, Explanation, Model, ModelParams, Scale, Scorecard, ScorecardRow, Scores,
    TrainingSummary,
};
pub use ndarray;
pub use policy::{
    Assessment, Decision, DecisionLog, FrozenCuts, LeadFacts, Plan, Policy, Qualifier, Route, Rule,
    Sla, Tier,
};

/// Old module paths of leadscore 0.1, kept for one release: use the
/// layered paths (`leadscore::data`, `model`, `policy`, `evidence`).
#[doc(hidden)]
pub mod table {
    pub use crate::data::table::*;
    pub use crate::util::format_number;
}
#[doc(hidden)]
pub mod schema {
    pub use crate::data::schema::*;
}
#[doc(hidden)]
#[cfg(feature = "arrow")]
pub mod arrow {
    pub use crate::data::arrow::*;
}
#[doc(hidden)]
pub mod io {
    pub use crate::data::files::*;
}
#[doc(hidden)]
pub mod encoding {
    pub use crate::model::encoding::*;
}
#[doc(hidden)]
pub mod training {
    pub use crate::model::params::*;
    pub use crate::model::split::stratified_folds;
}
#[doc(hidden)]
pub mod scorecard {
    pub use crate::model::scorecard::*;
}
#[doc(hidden)]
pub mod explanation {
    pub use crate::model::explain::*;
}
#[doc(hidden)]
pub mod qualification {
    pub use crate::policy::decide::*;
    pub use crate::policy::plan::*;
    pub use crate::policy::rules::*;
    pub use crate::policy::starter::points_range;
    pub use crate::policy::*;
}
#[doc(hidden)]
pub mod evaluation {
    pub use crate::evidence::conversion::*;
    pub use crate::evidence::evaluate::*;
    pub use crate::evidence::policy_metrics::*;
    pub use crate::metrics::*;
}
#[doc(hidden)]
pub mod audit {
    pub use crate::evidence::audit::*;
}
#[doc(hidden)]
pub mod handset {
    pub use crate::evidence::points_sheet::*;
}
#[doc(hidden)]
pub mod drift {
    pub use crate::evidence::drift::*;
}
#[doc(hidden)]
pub mod diff {
    pub use crate::evidence::diff::*;
}
#[doc(hidden)]
pub mod report {
    pub use crate::evidence::report::*;
}

// Models, policies and plans are shared between threads (a service's
// handlers, a batch job's workers): this fails to compile if one stops
// being `Send + Sync`.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Model>();
    shared::<Policy>();
    shared::<Plan>();
    shared::<Scorecard>();
    shared::<Error>();
};
