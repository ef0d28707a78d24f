//! The evidence layer: what the points are worth and what they do. Held-out
//! evaluation ([`evaluate`]), a policy's cut on held-out deals
//! ([`policy_metrics`]), conversion by column ([`conversion`]), the leakage
//! audit ([`audit`]), marketing's points sheet against the learned points
//! ([`points_sheet`]), drift ([`drift`]), model diff ([`diff`]), what happened to the
//! decisions ([`outcomes`]) and the
//! gate before a retrained model goes live ([`promote`], [`promotion_log`]) and the
//! [`report`] with its text, Markdown, HTML and SVG renderings.

pub mod audit;
pub mod backtest;
pub mod conversion;
pub mod diff;
pub mod drift;
pub mod evaluate;
pub mod outcomes;
pub mod points_sheet;
pub mod policy_metrics;
pub mod promote;
pub mod promotion_log;
pub mod report;

pub use audit::{audit, Audit, AuditOptions};
pub use backtest::{backtest, Backtest, BacktestDate};
pub use conversion::{conversion_by, Conversion};
pub use diff::{diff, diff_sheet, ModelDiff};
pub use drift::{drift, Drift};
pub use evaluate::{evaluate, evaluate_with_events, Evaluation, EvaluationOptions, Split};
pub use outcomes::{OutcomeOptions, OutcomeTally, Outcomes};
pub use points_sheet::{HandsetComparison, PointsSheet};
pub use policy_metrics::{policy_metrics, PolicyMetrics};
pub use promote::{Gate, Promotion, PromotionOptions};
pub use report::{Report, ReportOptions};
