//! The one error type of the crate, with the context a user needs to fix the input.

use std::fmt;
use std::path::PathBuf;

pub use crate::util::text::{display_list, display_text, display_value};

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// How many row errors an [`Error::InvalidRows`] keeps; the total is always counted.
pub const MAX_ROW_ERRORS: usize = 100;

/// How many row errors the message of [`Error::InvalidRows`] prints.
pub const SHOWN_ROW_ERRORS: usize = 20;

/// One bad cell: where it is, what it holds and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    /// 1-based data row: records after the header, blank lines not counted
    /// (a quoted field over several lines is one row); 0 for the header.
    pub row: usize,
    /// Column name.
    pub column: String,
    /// The value as read.
    pub value: String,
    /// Why the value was refused.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column {}, value {}: {}",
            self.row,
            display_value(&self.column),
            display_value(&self.value),
            self.reason
        )
    }
}

/// How serious a [`PolicyProblem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy cannot be used as it is.
    Error,
    /// The policy works but probably not as meant.
    Warning,
}

/// One problem in a policy document: where it is, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicyProblem {
    /// Error or warning.
    pub severity: Severity,
    /// 1-based line in the policy file, when known.
    pub line: Option<usize>,
    /// The field, e.g. `tier[2].sla` (tables counted from 1 in file order).
    pub field: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        if let Some(line) = self.line {
            write!(f, "line {line}, ")?;
        }
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Everything that can go wrong in leadscore. Every variant names what it is about.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more cells could not be used. All bad rows are collected (up to
    /// [`MAX_ROW_ERRORS`] are kept), `total` counts every one.
    #[error("{total} invalid value(s){}", show_row_errors(errors, *total))]
    InvalidRows {
        /// The first bad cells, in row order.
        errors: Vec<RowError>,
        /// How many bad cells there were in all.
        total: usize,
    },
    /// A column the operation needs is not in the data.
    #[error(
        "column {} not found; the data has: {}",
        display_value(column),
        display_list(available)
    )]
    MissingColumn {
        /// The column that was asked for.
        column: String,
        /// The columns that are there.
        available: Vec<String>,
    },
    /// A model learned from an event log scores leads without their activity.
    #[error(
        "the model learned from an event log (event type {}), but the leads carry no activity from one: score them with their event log",
        display_value(event)
    )]
    NoActivity {
        /// The first event type the leads lack.
        event: String,
    },
    /// Two columns share a name.
    #[error(
        "column {} appears more than once in the header",
        display_value(column)
    )]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },
    /// A row has a different number of fields from the header.
    #[error("row {row} has {found} field(s), the header has {expected}")]
    RaggedRow {
        /// 1-based data row.
        row: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields in that row.
        found: usize,
    },
    /// A column's type (in an Arrow or Parquet source) cannot be read as
    /// numbers or text.
    #[error("column {} has type {data_type}, which leadscore cannot read; convert it to numbers or text", display_value(column))]
    UnsupportedColumnType {
        /// Column name.
        column: String,
        /// The type found.
        data_type: String,
    },
    /// A batch job set aside more bad rows than it was allowed to.
    #[error(
        "{rejected} row(s) rejected after reading {read}, more than the {max} allowed; \
         no output written{}{}",
        match rejected_file { Some(p) => format!("; the rejected rows are in {}", p.display()), None => String::new() },
        show_row_errors(errors, *cells)
    )]
    TooManyRejected {
        /// Rows rejected when the job stopped.
        rejected: usize,
        /// Rows read when the job stopped.
        read: usize,
        /// The limit, as given.
        max: String,
        /// Where every rejected row was written, if anywhere.
        rejected_file: Option<PathBuf>,
        /// The first bad cells.
        errors: Vec<RowError>,
        /// Bad cells counted.
        cells: usize,
    },
    /// A parameter is out of range or inconsistent.
    #[error("invalid parameter {name} = {}: {reason}", display_text(value))]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Too few won or lost deals to learn from.
    #[error(
        "not enough closed deals to learn from: {won} won and {lost} lost, \
         need at least {required_won} won and {required_lost} lost"
    )]
    NotEnoughOutcomes {
        /// Won deals in the data.
        won: usize,
        /// Lost deals in the data.
        lost: usize,
        /// Won deals required.
        required_won: usize,
        /// Lost deals required.
        required_lost: usize,
    },
    /// A document (model or policy file) is of another format or version.
    #[error("unsupported {what}: found {found}, this leadscore reads {supported}")]
    UnsupportedFormat {
        /// Which kind of document.
        document: Document,
        /// What kind of document, in words.
        what: String,
        /// The format or version found.
        found: String,
        /// The format or versions supported.
        supported: String,
    },
    /// A model document is well-formed but inconsistent.
    #[error("invalid model: {reason}")]
    InvalidModel {
        /// What is inconsistent.
        reason: String,
    },
    /// The optimiser failed.
    #[error("training failed: {reason}")]
    Training {
        /// What the optimiser reported.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A policy document has unknown fields or breaks the policy rules.
    /// Every problem found is listed, each with its line and field.
    #[error("{}: {} problem(s) in the policy{}", path.display(), problems.len(), show_problems(problems))]
    Policy {
        /// The file (`<string>` when parsed from memory).
        path: PathBuf,
        /// The problems, in line order.
        problems: Vec<PolicyProblem>,
    },
    /// A TOML document could not be parsed: bad syntax, a missing field, a
    /// value of the wrong type.
    #[error("{}{}: {message}", path.display(), show_position(*line, *column))]
    Toml {
        /// The file (`<string>` when parsed from memory).
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What the parser reported.
        message: String,
    },
    /// A Parquet file could not be read or written.
    #[error("{}: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What the Parquet library reported.
        message: String,
    },
    /// An output path that would destroy something: an input of the job,
    /// another output of the same job, or an existing file that is not a
    /// regular file (a device, a folder, a symbolic link).
    #[error("{}: not written: {reason}", path.display())]
    OutputPath {
        /// The output path.
        path: PathBuf,
        /// Why it is refused.
        reason: String,
    },
    /// The input changed while a job read it more than once (e.g. between
    /// the two passes of a qualification).
    #[error("{}: the file changed while it was being read: {reason}", path.display())]
    InputChanged {
        /// The file.
        path: PathBuf,
        /// What differed.
        reason: String,
    },
    /// Fewer leads were qualified together than a share or capacity tier
    /// needs to cut, and the policy has no frozen cuts.
    #[error(
        "{leads} lead(s) qualified together, but tier {} ({condition}) needs at least {needed} to cut: \
         decide against cuts frozen from a reference batch of leads",
        display_value(tier)
    )]
    TooFewLeads {
        /// The tier.
        tier: String,
        /// Its condition, as the policy states it.
        condition: String,
        /// Leads qualified together (those that could be read).
        leads: usize,
        /// Leads the tier needs.
        needed: usize,
    },
    /// Frozen cuts that do not fit the policy or the model.
    #[error("frozen cuts: {reason}")]
    Cuts {
        /// What does not fit.
        reason: String,
    },
    /// Something failed inside leadscore (a worker thread, the thread pool,
    /// building an output batch): not the input's fault.
    #[error("internal error: {what}")]
    Internal {
        /// What failed.
        what: String,
    },
    /// A JSON document could not be parsed.
    #[error("{}: line {}, column {}: {source}", path.display(), source.line(), source.column())]
    Json {
        /// The file (`<string>` when parsed from memory).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
}

/// The kinds of document leadscore reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// A model file (`leadscore.model`).
    Model,
    /// A policy file (`leadscore.policy`).
    Policy,
    /// A frozen-cuts file (`leadscore.cuts`).
    Cuts,
}

/// What an [`Error`] is about, for callers that branch on it (the Python
/// binding maps its exception classes from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input data: cells, rows, columns (names row, column and value).
    Data,
    /// A column's type cannot be read.
    ColumnType,
    /// A parameter out of range or inconsistent.
    Parameter,
    /// Training refused or failed.
    Training,
    /// A model document of another format or version, or inconsistent.
    ModelFormat,
    /// A policy document with problems.
    Policy,
    /// Reading or writing a file.
    Io,
    /// A failure inside leadscore.
    Internal,
}

impl Error {
    /// What the error is about.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidRows { .. }
            | Error::MissingColumn { .. }
            | Error::NoActivity { .. }
            | Error::DuplicateColumn { .. }
            | Error::RaggedRow { .. }
            | Error::TooManyRejected { .. }
            | Error::Parquet { .. }
            | Error::InputChanged { .. } => ErrorKind::Data,
            Error::UnsupportedColumnType { .. } => ErrorKind::ColumnType,
            Error::InvalidParameter { .. } => ErrorKind::Parameter,
            Error::NotEnoughOutcomes { .. } | Error::Training { .. } => ErrorKind::Training,
            Error::UnsupportedFormat {
                document: Document::Policy | Document::Cuts,
                ..
            }
            | Error::Policy { .. }
            | Error::Toml { .. }
            | Error::TooFewLeads { .. }
            | Error::Cuts { .. } => ErrorKind::Policy,
            Error::UnsupportedFormat { .. } | Error::InvalidModel { .. } | Error::Json { .. } => {
                ErrorKind::ModelFormat
            }
            Error::Io { .. } | Error::OutputPath { .. } => ErrorKind::Io,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }
}

fn show_problems(problems: &[PolicyProblem]) -> String {
    problems.iter().map(|p| format!("\n  {p}")).collect()
}

fn show_position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(", line {l}, column {c}"),
        (Some(l), None) => format!(", line {l}"),
        _ => String::new(),
    }
}

fn show_row_errors(errors: &[RowError], total: usize) -> String {
    let mut out = String::new();
    for e in errors.iter().take(SHOWN_ROW_ERRORS) {
        out.push_str("\n  ");
        out.push_str(&e.to_string());
    }
    if total > errors.len().min(SHOWN_ROW_ERRORS) {
        out.push_str(&format!(
            "\n  ... and {} more",
            total - errors.len().min(SHOWN_ROW_ERRORS)
        ));
    }
    out
}

/// Collects row errors up to [`MAX_ROW_ERRORS`] while counting them all.
#[derive(Debug, Default)]
pub(crate) struct RowErrors {
    errors: Vec<RowError>,
    total: usize,
}

impl RowErrors {
    pub(crate) fn push(
        &mut self,
        row: usize,
        column: &str,
        value: &str,
        reason: impl Into<String>,
    ) {
        self.total += 1;
        if self.errors.len() < MAX_ROW_ERRORS {
            self.errors.push(RowError {
                row,
                column: column.to_string(),
                value: value.to_string(),
                reason: reason.into(),
            });
        }
    }

    pub(crate) fn into_result(mut self) -> Result<()> {
        if self.total == 0 {
            Ok(())
        } else {
            self.errors
                .sort_by(|a, b| a.row.cmp(&b.row).then(a.column.cmp(&b.column)));
            Err(Error::InvalidRows {
                errors: self.errors,
                total: self.total,
            })
        }
    }
}

/// Sorts bad cells by row and column, keeping one per cell (the first).
pub(crate) fn sort_row_errors(errors: &mut Vec<RowError>) {
    errors.sort_by(|a, b| a.row.cmp(&b.row).then_with(|| a.column.cmp(&b.column)));
    errors.dedup_by(|a, b| a.row == b.row && a.column == b.column);
}

/// `Err(Error::InvalidRows)` with the first bad cells (by row and column,
/// one per cell) and their count, when there are any.
pub(crate) fn fail_on_rows(mut errors: Vec<RowError>) -> Result<()> {
    sort_row_errors(&mut errors);
    let mut out = RowErrors::default();
    for e in errors {
        out.push(e.row, &e.column, &e.value, e.reason);
    }
    out.into_result()
}
