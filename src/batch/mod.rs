//! The batch layer: leads streamed from a CSV or Parquet file through a
//! model into a scores file, in bounded memory, on all cores, with output
//! rows in input order, bad rows set aside and nothing half-written.
//!
//! ```
//! use leadscore::batch::{score_file, BatchOptions, MaxRejected};
//! use leadscore::{synthetic, Model};
//! let dir = std::env::temp_dir().join(format!("leadscore-batch-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let deals = synthetic::deals(2_000, 1).table;
//! let model = Model::params().target("outcome").id("deal_id")
//!     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
//! deals.write_csv(std::fs::File::create(dir.join("leads.csv")).unwrap()).unwrap();
//!
//! let rejected = dir.join("rejected.csv");
//! let options = BatchOptions {
//!     batch_rows: 500,
//!     rejected: Some(&rejected),
//!     max_rejected: MaxRejected::Unlimited,
//!     ..BatchOptions::default()
//! };
//! let summary = score_file(&model, &dir.join("leads.csv"), &dir.join("scores.csv"), &options).unwrap();
//! assert_eq!((summary.read, summary.written, summary.rejected), (2_000, 2_000, 0));
//! assert_eq!(summary.to_string(), "2000 read = 2000 scored + 0 rejected");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! How it runs: one thread reads batches of `batch_rows` rows (only the
//! columns the job needs are kept), a pool of `threads` workers decodes and
//! scores them, and the calling thread writes results in input order. At
//! most `2 × threads + 1` batches are in flight, so memory is bounded by the
//! batch size, whatever the file size. Outputs are written to temporary
//! files beside their destinations and renamed into place only when the job
//! succeeds.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

pub use crate::data::csv::TextCells;
use crate::data::Table;
use crate::error::{Error, Result, RowError};
use crate::evidence::drift::Drift;
use crate::policy::{CapacityReport, Decision, TierCount};

mod events;
mod jobs;
mod outcomes;
mod pipeline;
mod rejects;
mod sink;
mod source;

pub use events::{add_event_file, Activity};
pub use jobs::{freeze_cuts_file, qualify_file, score_file};
pub use outcomes::{
    add_deals_file, add_decisions_file, add_touches_file, is_decision_log, outcomes_files,
};

/// A file format, chosen by the file's extension: `.parquet` or `.pq` is
/// Parquet, anything else CSV (with a header row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl FileFormat {
    /// The format of `path`, by its extension.
    ///
    /// ```
    /// use leadscore::batch::FileFormat;
    /// assert_eq!(FileFormat::of("leads.parquet".as_ref()), FileFormat::Parquet);
    /// assert_eq!(FileFormat::of("leads.csv".as_ref()), FileFormat::Csv);
    /// ```
    pub fn of(path: &Path) -> FileFormat {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("parquet") | Some("pq") => FileFormat::Parquet,
            _ => FileFormat::Csv,
        }
    }
}

/// How many rejected rows a job accepts before it fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxRejected {
    /// At most this many rows; the job stops as soon as one more is found.
    Rows(usize),
    /// At most this share (0 to 1) of the rows read, checked at the end.
    Share(f64),
    /// Any number.
    Unlimited,
}

impl FromStr for MaxRejected {
    type Err = Error;

    /// `100` (rows), `0.5%` (share of rows read) or `all`.
    ///
    /// ```
    /// use leadscore::batch::MaxRejected;
    /// assert_eq!("25".parse::<MaxRejected>().unwrap(), MaxRejected::Rows(25));
    /// assert_eq!("2%".parse::<MaxRejected>().unwrap(), MaxRejected::Share(0.02));
    /// assert_eq!("all".parse::<MaxRejected>().unwrap(), MaxRejected::Unlimited);
    /// assert!("lots".parse::<MaxRejected>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<MaxRejected> {
        let s = s.trim();
        let bad = |reason: &str| Error::InvalidParameter {
            name: "max_rejected".into(),
            value: s.to_string(),
            reason: reason.to_string(),
        };
        if s.eq_ignore_ascii_case("all") {
            return Ok(MaxRejected::Unlimited);
        }
        if let Some(p) = s.strip_suffix('%') {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| bad("expected a count, a percentage like 0.5% or all"))?;
            if !(0.0..=100.0).contains(&p) {
                return Err(bad("a percentage must be between 0% and 100%"));
            }
            return Ok(MaxRejected::Share(p / 100.0));
        }
        s.parse::<usize>()
            .map(MaxRejected::Rows)
            .map_err(|_| bad("expected a count, a percentage like 0.5% or all"))
    }
}

impl fmt::Display for MaxRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxRejected::Rows(n) => write!(f, "{n}"),
            MaxRejected::Share(s) => write!(f, "{}%", s * 100.0),
            MaxRejected::Unlimited => write!(f, "all"),
        }
    }
}

/// Where a job is, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Rows read and processed so far.
    pub rows: usize,
    /// Rows rejected so far.
    pub rejected: usize,
    /// Bytes of the input read so far (CSV only, else 0).
    pub bytes: u64,
    /// Size of the input in bytes (CSV), when known.
    pub total_bytes: Option<u64>,
    /// Rows in the input (Parquet), when known.
    pub total_rows: Option<usize>,
    /// Which pass over the input this is (1-based; qualification reads twice).
    pub pass: usize,
    /// Passes the job makes over the input.
    pub passes: usize,
}

/// How a batch job runs.
#[derive(Clone, Copy)]
pub struct BatchOptions<'a> {
    /// Rows per batch (memory grows with it; 8,192 by default).
    pub batch_rows: usize,
    /// Worker threads; 0 (the default) uses every core.
    pub threads: usize,
    /// Where to write rejected rows (CSV: `row,column,value,reason`, one line
    /// per bad cell). Written even when the job fails on too many rejected rows.
    pub rejected: Option<&'a Path>,
    /// How many rejected rows the job accepts (default: none).
    pub max_rejected: MaxRejected,
    /// Called after every batch, on the calling thread.
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
    /// How text cells of CSV outputs (scores, decisions, rejected rows) are
    /// written: by default a cell a spreadsheet would run as a formula
    /// (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`
    /// ([`TextCells`]); Parquet outputs hold every value as it is.
    pub text_cells: TextCells,
    /// The leads' activity from an event log, for a model that learned from
    /// one ([`Activity::read`]).
    pub activity: Option<&'a Activity>,
    /// The scoring date of a model with a time to close (the one date
    /// grammar; default now): each lead's chances count from it, given it
    /// has been open since its created date.
    pub as_of: Option<&'a str>,
}

/// Most rows per batch: a batch of a million leads already keeps every core
/// busy; more only risks the machine's memory.
pub const MAX_BATCH_ROWS: usize = 1 << 20;

/// Most worker threads.
pub const MAX_THREADS: usize = 256;

/// Most rows in flight at once (`(2 × threads + 1) × batch_rows`).
pub const MAX_ROWS_IN_FLIGHT: usize = 1 << 24;

impl BatchOptions<'_> {
    /// Checks the options' bounds: `batch_rows` from 1 to [`MAX_BATCH_ROWS`],
    /// `threads` at most [`MAX_THREADS`], and at most
    /// [`MAX_ROWS_IN_FLIGHT`] rows in flight; a share of rejected rows is a
    /// number from 0 to 1.
    ///
    /// ```
    /// use leadscore::batch::BatchOptions;
    /// assert!(BatchOptions::default().check().is_ok());
    /// let huge = BatchOptions { batch_rows: 1_000_000_000, ..BatchOptions::default() };
    /// assert!(huge.check().unwrap_err().to_string().contains("batch_rows"));
    /// ```
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, value: usize, reason: String| Error::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason,
        };
        if self.batch_rows == 0 || self.batch_rows > MAX_BATCH_ROWS {
            return Err(bad(
                "batch_rows",
                self.batch_rows,
                format!("rows per batch must be from 1 to {MAX_BATCH_ROWS}"),
            ));
        }
        if self.threads > MAX_THREADS {
            return Err(bad(
                "threads",
                self.threads,
                format!("at most {MAX_THREADS} worker threads (0 uses every core)"),
            ));
        }
        let threads = pipeline::worker_threads(self.threads);
        if (2 * threads + 1).saturating_mul(self.batch_rows) > MAX_ROWS_IN_FLIGHT {
            return Err(bad(
                "batch_rows",
                self.batch_rows,
                format!(
                    "with {threads} worker thread(s) up to {} batches are in flight; at most {MAX_ROWS_IN_FLIGHT} rows may be, so at most {} rows per batch",
                    2 * threads + 1,
                    MAX_ROWS_IN_FLIGHT / (2 * threads + 1)
                ),
            ));
        }
        if let MaxRejected::Share(x) = self.max_rejected {
            if !(0.0..=1.0).contains(&x) {
                return Err(Error::InvalidParameter {
                    name: "max_rejected".into(),
                    value: x.to_string(),
                    reason: "a share of rows must be from 0 to 1".into(),
                });
            }
        }
        Ok(())
    }
}

impl Default for BatchOptions<'_> {
    fn default() -> Self {
        BatchOptions {
            batch_rows: 8_192,
            threads: 0,
            rejected: None,
            max_rejected: MaxRejected::Rows(0),
            progress: None,
            text_cells: TextCells::Neutralised,
            activity: None,
            as_of: None,
        }
    }
}

/// What a batch job did. Every row read is either written or rejected.
#[derive(Debug, Clone)]
pub struct BatchSummary {
    /// Data rows read.
    pub read: usize,
    /// Rows written to the output.
    pub written: usize,
    /// Rows set aside (any bad cell rejects its row).
    pub rejected: usize,
    /// Bad cells found in the rejected rows.
    pub rejected_cells: usize,
    /// The first bad cells (up to 100), in row order.
    pub first_errors: Vec<RowError>,
    /// Drift of the written rows against the model's training deals (for
    /// scoring jobs; `None` for qualification).
    pub drift: Option<Drift>,
}

impl fmt::Display for BatchSummary {
    /// `N read = M scored + K rejected`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} read = {} scored + {} rejected",
            self.read, self.written, self.rejected
        )
    }
}

/// The column names of a CSV or Parquet file (its header or schema).
pub fn column_names(path: &Path) -> Result<Vec<String>> {
    Ok(source::Source::open(path, &[], 1)?.header)
}

/// What [`qualify_file`] did: the rows, and the leads per tier and the
/// capacity cut over the whole file.
#[derive(Debug, Clone)]
pub struct QualifySummary {
    /// Rows read, written, rejected.
    pub rows: BatchSummary,
    /// Leads per tier, in policy order.
    pub tiers: Vec<TierCount>,
    /// The capacity cut, when the policy has a capacity.
    pub capacity: Option<CapacityReport>,
}

/// Receives every batch's decisions in input order, with the batch's
/// columns (the model's, the policy's and the id), on the calling thread.
pub type DecisionsHook<'a> = &'a mut dyn FnMut(&Table, &[Decision]) -> Result<()>;
