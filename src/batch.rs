//! Batch rescoring: leads streamed from a CSV or Parquet file through a
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

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::drift::{Drift, DriftAccumulator};
use crate::error::{Error, Result, RowError, MAX_ROW_ERRORS};
use crate::io::AtomicFile;
use crate::model::{sigmoid, Model};
use crate::qualification::{CapacityReport, Decision, LeadFacts, Policy, TierCount};
use crate::table::{Table, Values};

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
            name: "max-rejected".into(),
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
}

impl Default for BatchOptions<'_> {
    fn default() -> Self {
        BatchOptions {
            batch_rows: 8_192,
            threads: 0,
            rejected: None,
            max_rejected: MaxRejected::Rows(0),
            progress: None,
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

/// Scores every lead of `input` (CSV or Parquet, by extension) with `model`
/// and writes `output` (CSV or Parquet, by extension): the model's id column
/// when it has one, `probability`, `points` (2 decimals), one row per good
/// input row, in input order.
///
/// A row with a bad cell (a number column holding text, a ragged CSV row,
/// invalid UTF-8) is not scored: it goes to `options.rejected` and is
/// counted. The job fails, writing no output, when the rejected rows pass
/// `options.max_rejected`, on a missing column, or on a read or write error;
/// the output appears (renamed into place) only when the job succeeds.
pub fn score_file(
    model: &Model,
    input: &Path,
    output: &Path,
    options: &BatchOptions,
) -> Result<BatchSummary> {
    let mut columns: Vec<String> = model
        .feature_columns()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let id = model.id_column().map(str::to_string);
    if let Some(id) = &id {
        if !columns.contains(id) {
            columns.push(id.clone());
        }
    }
    let source = Source::open(input, &columns, options.batch_rows)?;
    let mut out_columns: Vec<(String, Kind)> = Vec::new();
    if let Some(id) = &id {
        out_columns.push((id.clone(), Kind::Text));
    }
    out_columns.push(("probability".into(), Kind::Float));
    out_columns.push(("points".into(), Kind::Float));
    let format = FileFormat::of(output);
    let mut sink = Sink::create(output, format, &out_columns)?;
    let mut rejects = Rejects::create(options, source.total_bytes, source.total_rows, 1)?;
    let mut drift = DriftAccumulator::new(model);
    let id_ref = id.as_deref();

    let process = |raw: RawBatch| -> Result<Scored> {
        let decoded = raw.decode(&columns, id_ref)?;
        let (slots, unseen, errors) = model.slots_checked(&decoded.table)?;
        let accepted = Accepted::new(&decoded, errors);
        let logits = model.logits(&slots, decoded.table.n_rows());
        let keep = accepted.kept_rows();
        let mut cols: Vec<(String, OutValues)> = Vec::with_capacity(3);
        if let Some(id) = id_ref {
            // The ids move from the batch to the output, uncopied.
            let ids = match decoded.table.into_column(id) {
                Some(Values::Text(mut ids)) => keep.iter().map(|&r| ids[r].take()).collect(),
                Some(other) => keep
                    .iter()
                    .map(|&r| other.text(r).map(|s| s.into_owned()))
                    .collect(),
                None => vec![None; keep.len()],
            };
            cols.push((id.to_string(), OutValues::Text(ids)));
        }
        cols.push((
            "probability".into(),
            OutValues::Float(keep.iter().map(|&r| sigmoid(logits[r])).collect()),
        ));
        cols.push((
            "points".into(),
            OutValues::Fixed2(
                keep.iter()
                    .map(|&r| model.scale().points(logits[r]))
                    .collect(),
            ),
        ));
        // Attribute counts of the kept rows, for drift.
        let counts: Vec<Vec<u64>> = model
            .features()
            .iter()
            .zip(&slots)
            .map(|(f, s)| {
                let mut c = vec![0u64; f.encoding.n_attributes()];
                for &r in &keep {
                    c[s[r] as usize] += 1;
                }
                c
            })
            .collect();
        let chunk = Chunk::encode(cols, format)?;
        Ok((chunk, accepted, counts, unseen))
    };

    let mut written = 0;
    run(
        source,
        options.threads,
        &process,
        |(chunk, accepted, counts, unseen)| {
            sink.write(chunk)?;
            written += accepted.kept;
            drift.add_counts(&counts, unseen, accepted.kept);
            rejects.add(accepted, options)
        },
    )?;
    let (read, rejected, cells, first_errors) = rejects.finish(options)?;
    debug_assert_eq!(read, written + rejected);
    sink.commit()?;
    Ok(BatchSummary {
        read,
        written,
        rejected,
        rejected_cells: cells,
        first_errors,
        drift: Some(drift.finish()),
    })
}

/// The output columns of decisions (see [`qualify_file`]).
fn decision_columns(
    d: &[Decision],
    id: Option<&str>,
    values: bool,
    top: usize,
) -> Vec<(String, OutValues)> {
    let text = |f: &dyn Fn(&Decision) -> Option<String>| OutValues::Text(d.iter().map(f).collect());
    let mut cols: Vec<(String, OutValues)> = Vec::new();
    if let Some(id) = id {
        cols.push((id.to_string(), text(&|x| x.id.clone())));
    }
    cols.push(("tier".into(), text(&|x| Some(x.tier.clone()))));
    cols.push(("route".into(), text(&|x| Some(x.route.to_string()))));
    cols.push(("owner".into(), text(&|x| x.owner.clone())));
    cols.push(("sla".into(), text(&|x| x.sla.map(|s| s.to_string()))));
    cols.push(("sla_due".into(), text(&|x| x.sla_due.clone())));
    cols.push((
        "rank".into(),
        OutValues::Int(d.iter().map(|x| Some(x.rank as i64)).collect()),
    ));
    cols.push((
        "points".into(),
        OutValues::Fixed2(d.iter().map(|x| x.points).collect()),
    ));
    cols.push((
        "probability".into(),
        OutValues::Float(d.iter().map(|x| x.probability).collect()),
    ));
    if values {
        cols.push((
            "deal_value".into(),
            OutValues::OptFixed2(d.iter().map(|x| x.deal_value).collect()),
        ));
        cols.push((
            "expected_value".into(),
            OutValues::OptFixed2(d.iter().map(|x| x.expected_value).collect()),
        ));
    }
    cols.push(("reasons".into(), text(&|x| Some(x.reasons(top)))));
    cols
}

/// A scored batch: output rows, which rows were kept, attribute counts
/// and unseen values (for drift).
type Scored = (
    Chunk,
    Accepted,
    Vec<Vec<u64>>,
    Vec<crate::model::UnseenValues>,
);

/// The column names of a CSV or Parquet file (its header or schema).
pub fn column_names(path: &Path) -> Result<Vec<String>> {
    Ok(Source::open(path, &[], 1)?.columns)
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

/// Qualifies every lead of `input` (CSV or Parquet) with `model` and
/// `policy` and writes one decision per good row to `output` (CSV or
/// Parquet): the id (when the model has one), `tier`, `route`, `owner`,
/// `sla`, `sla_due`, `rank`, `points`, `probability`, with a deal value
/// column also `deal_value` and `expected_value`, and `reasons` (the `top`
/// attributes for and against).
///
/// Reads the file twice: the first pass scores every lead and keeps a few
/// numbers per lead (points, ranking key, eligibility) to cut top shares and
/// the capacity and to rank within tiers over the whole file, exactly as
/// [`Policy::qualify_batch`] would on the whole table; the second pass
/// decides and writes batch by batch. Rows that cannot be read are rejected
/// in the first pass (see [`score_file`] for the rules); shares and cuts are
/// over the leads that could be read. The policy's created-at column may be
/// absent (then `sla_due` is empty); every other column it names must be there.
pub fn qualify_file(
    model: &Model,
    policy: &Policy,
    input: &Path,
    output: &Path,
    options: &BatchOptions,
    top: usize,
    mut hook: Option<DecisionsHook>,
) -> Result<QualifySummary> {
    let available = column_names(input)?;
    let id = model.id_column().map(str::to_string);
    let mut columns: Vec<String> = Vec::new();
    for c in id
        .iter()
        .cloned()
        .chain(model.feature_columns().iter().map(|c| c.to_string()))
        .chain(policy.columns())
    {
        let optional = policy.leads.created_at.as_deref() == Some(c.as_str());
        if !columns.contains(&c) && (!optional || available.contains(&c)) {
            columns.push(c);
        }
    }
    let id_ref = id.as_deref();

    // Pass 1: facts per lead; rejected rows set aside.
    let source = Source::open(input, &columns, options.batch_rows)?;
    let mut rejects = Rejects::create(options, source.total_bytes, source.total_rows, 2)?;
    let mut facts: Vec<LeadFacts> = Vec::new();
    let assess = |raw: RawBatch| -> Result<(Vec<LeadFacts>, Accepted)> {
        let decoded = raw.decode(&columns, id_ref)?;
        let assessment = policy.assess(model, &decoded.table)?;
        let accepted = Accepted::new(&decoded, assessment.errors);
        let facts = assessment
            .facts
            .into_iter()
            .filter(|f| !accepted.is_rejected(f.row - accepted.first_row))
            .collect();
        Ok((facts, accepted))
    };
    run(
        source,
        options.threads,
        &assess,
        |(batch_facts, accepted)| {
            facts.extend(batch_facts);
            rejects.add(accepted, options)
        },
    )?;
    let plan = policy.plan(facts);

    // Pass 2: decisions, in input order.
    let values = policy.leads.deal_value.is_some();
    let mut out_columns: Vec<(String, Kind)> = Vec::new();
    if let Some(id) = id_ref {
        out_columns.push((id.to_string(), Kind::Text));
    }
    for (name, kind) in [
        ("tier", Kind::Text),
        ("route", Kind::Text),
        ("owner", Kind::Text),
        ("sla", Kind::Text),
        ("sla_due", Kind::Text),
        ("rank", Kind::Int),
        ("points", Kind::Float),
        ("probability", Kind::Float),
    ] {
        out_columns.push((name.to_string(), kind));
    }
    if values {
        out_columns.push(("deal_value".into(), Kind::OptFloat));
        out_columns.push(("expected_value".into(), Kind::OptFloat));
    }
    out_columns.push(("reasons".into(), Kind::Text));
    let format = FileFormat::of(output);
    let mut sink = Sink::create(output, format, &out_columns)?;
    let source = Source::open(input, &columns, options.batch_rows)?;
    let keep_decisions = hook.is_some();
    type Decided = (Chunk, usize, usize, u64, Option<(Table, Vec<Decision>)>);
    let decide = |raw: RawBatch| -> Result<Decided> {
        let decoded = raw.decode(&columns, id_ref)?;
        let decisions = policy.decide(model, &decoded.table, &plan)?;
        let chunk = Chunk::encode(decision_columns(&decisions, id_ref, values, top), format)?;
        let (rows, n, bytes) = (decoded.table.n_rows(), decisions.len(), decoded.bytes);
        let kept = keep_decisions.then_some((decoded.table, decisions));
        Ok((chunk, rows, n, bytes, kept))
    };
    let (mut read, mut written) = (0, 0);
    run(
        source,
        options.threads,
        &decide,
        |(chunk, rows, n, bytes, kept)| {
            sink.write(chunk)?;
            read += rows;
            written += n;
            if let (Some(hook), Some((table, decisions))) = (hook.as_mut(), kept) {
                hook(&table, &decisions)?;
            }
            if let Some(f) = options.progress {
                f(&Progress {
                    rows: read,
                    rejected: rejects.rejected,
                    bytes,
                    total_bytes: rejects.total_bytes,
                    total_rows: rejects.total_rows,
                    pass: 2,
                    passes: 2,
                });
            }
            Ok(())
        },
    )?;
    if read != rejects.read || written != read - rejects.rejected {
        return Err(Error::InvalidParameter {
            name: "leads".into(),
            value: input.display().to_string(),
            reason: format!(
                "the file changed while it was being qualified ({} rows read and {} accepted in the first pass, {read} read and {written} decided in the second)",
                rejects.read,
                rejects.read - rejects.rejected
            ),
        });
    }
    let (read, rejected, cells, first_errors) = rejects.finish(options)?;
    sink.commit()?;
    Ok(QualifySummary {
        rows: BatchSummary {
            read,
            written: read - rejected,
            rejected,
            rejected_cells: cells,
            first_errors,
            drift: None,
        },
        tiers: plan.tier_counts().to_vec(),
        capacity: plan.capacity_report().cloned(),
    })
}

// ---------------------------------------------------------------------------
// Rejected rows

/// Rows of one batch: how many were read, which were rejected and why.
pub(crate) struct Accepted {
    /// Rows in the batch.
    pub(crate) rows: usize,
    /// Rows kept.
    pub(crate) kept: usize,
    /// Bad cells, in row order (rows are 1-based row numbers in the source).
    pub(crate) errors: Vec<RowError>,
    first_row: usize,
    bad: Vec<bool>,
    /// Bytes of the source read after this batch.
    bytes: u64,
}

impl Accepted {
    /// Combines the decoding errors of `decoded` with `errors` found later.
    pub(crate) fn new(decoded: &Decoded, errors: Vec<RowError>) -> Accepted {
        let n = decoded.table.n_rows();
        let first_row = decoded.table.first_row();
        let mut all = decoded.errors.clone();
        all.extend(errors);
        all.sort_by_key(|e| e.row);
        let mut bad = vec![false; n];
        for e in &all {
            if let Some(b) = e.row.checked_sub(first_row).and_then(|r| bad.get_mut(r)) {
                *b = true;
            }
        }
        let kept = bad.iter().filter(|b| !**b).count();
        Accepted {
            rows: n,
            kept,
            errors: all,
            first_row,
            bad,
            bytes: decoded.bytes,
        }
    }

    /// 0-based indices of the kept rows.
    pub(crate) fn kept_rows(&self) -> Vec<usize> {
        (0..self.rows).filter(|&r| !self.bad[r]).collect()
    }

    /// Whether 0-based row `r` was rejected.
    pub(crate) fn is_rejected(&self, r: usize) -> bool {
        self.bad[r]
    }
}

/// The rejected-rows file and the counts of a job.
pub(crate) struct Rejects {
    writer: Option<(csv::Writer<AtomicFile>, PathBuf)>,
    read: usize,
    rejected: usize,
    cells: usize,
    first: Vec<RowError>,
    bytes: u64,
    total_bytes: Option<u64>,
    total_rows: Option<usize>,
    passes: usize,
}

impl Rejects {
    pub(crate) fn create(
        options: &BatchOptions,
        total_bytes: Option<u64>,
        total_rows: Option<usize>,
        passes: usize,
    ) -> Result<Rejects> {
        let writer = match options.rejected {
            None => None,
            Some(path) => {
                let mut w = csv::Writer::from_writer(AtomicFile::create(path)?);
                w.write_record(["row", "column", "value", "reason"])
                    .map_err(|source| Error::Csv {
                        path: path.to_path_buf(),
                        line: None,
                        source,
                    })?;
                Some((w, path.to_path_buf()))
            }
        };
        Ok(Rejects {
            writer,
            read: 0,
            rejected: 0,
            cells: 0,
            first: Vec::new(),
            bytes: 0,
            total_bytes,
            total_rows,
            passes,
        })
    }

    /// Counts a batch and writes its bad cells; fails past a row limit.
    pub(crate) fn add(&mut self, a: Accepted, options: &BatchOptions) -> Result<()> {
        self.read += a.rows;
        self.rejected += a.rows - a.kept;
        self.cells += a.errors.len();
        self.bytes = a.bytes;
        if let Some((w, path)) = &mut self.writer {
            for e in &a.errors {
                w.write_record([e.row.to_string().as_str(), &e.column, &e.value, &e.reason])
                    .map_err(|source| Error::Csv {
                        path: path.clone(),
                        line: None,
                        source,
                    })?;
            }
        }
        for e in a.errors {
            if self.first.len() >= MAX_ROW_ERRORS {
                break;
            }
            self.first.push(e);
        }
        if let Some(progress) = options.progress {
            progress(&Progress {
                rows: self.read,
                rejected: self.rejected,
                bytes: self.bytes,
                total_bytes: self.total_bytes,
                total_rows: self.total_rows,
                pass: 1,
                passes: self.passes,
            });
        }
        if let MaxRejected::Rows(max) = options.max_rejected {
            if self.rejected > max {
                return Err(self.too_many(options));
            }
        }
        Ok(())
    }

    fn too_many(&mut self, options: &BatchOptions) -> Error {
        let rejected_file = match self.writer.take() {
            Some((w, path)) => match w.into_inner() {
                Ok(f) => f.commit().ok().map(|_| path),
                Err(_) => None,
            },
            None => None,
        };
        Error::TooManyRejected {
            rejected: self.rejected,
            read: self.read,
            max: options.max_rejected.to_string(),
            rejected_file,
            errors: std::mem::take(&mut self.first),
            cells: self.cells,
        }
    }

    /// Checks a share limit, commits the rejected-rows file, and returns
    /// (rows read, rows rejected, bad cells, first bad cells).
    pub(crate) fn finish(
        mut self,
        options: &BatchOptions,
    ) -> Result<(usize, usize, usize, Vec<RowError>)> {
        if let MaxRejected::Share(s) = options.max_rejected {
            if self.rejected as f64 > s * self.read as f64 {
                return Err(self.too_many(options));
            }
        }
        if let Some((w, path)) = self.writer.take() {
            let f = w.into_inner().map_err(|e| Error::Io {
                path: path.clone(),
                source: e.into_error(),
            })?;
            f.commit()?;
        }
        Ok((self.read, self.rejected, self.cells, self.first))
    }
}

// ---------------------------------------------------------------------------
// Reading

/// A source of lead batches: a CSV or Parquet file, read for the named
/// columns only.
pub(crate) struct Source {
    kind: SourceKind,
    path: PathBuf,
    /// Every column of the file.
    columns: Vec<String>,
    total_bytes: Option<u64>,
    total_rows: Option<usize>,
}

enum SourceKind {
    Csv {
        reader: Box<RecordReader>,
        header: Vec<String>,
        positions: Vec<usize>,
        rows_read: usize,
        batch_rows: usize,
        /// Bytes of the last batch, to size the next one's buffer.
        buffer_hint: usize,
    },
    #[cfg(feature = "parquet")]
    Parquet {
        reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
        rows_read: usize,
    },
}

/// Reads CSV records straight into a batch's bytes. A line without quotes
/// (nor a carriage return inside it) is split at its commas directly; any
/// other record goes through csv-core (quoted fields, doubled quotes,
/// newlines inside quotes, CR, LF or CRLF). Either way the fields are
/// those the csv crate reads. Never an error but I/O: a malformed row reads
/// as some row, then checked field by field.
pub(crate) struct RecordReader {
    core: csv_core::Reader,
    file: File,
    /// Input read from the file and not yet consumed: `input[pos..end]`.
    input: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Field starts and ends of the last record, relative to its start.
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Bytes of the input consumed.
    bytes: u64,
}

impl RecordReader {
    fn new(file: File) -> RecordReader {
        RecordReader {
            core: csv_core::Reader::new(),
            file,
            input: vec![0; 1 << 16],
            pos: 0,
            end: 0,
            eof: false,
            starts: vec![0; 64],
            ends: vec![0; 64],
            bytes: 0,
        }
    }

    /// Reads more of the file, keeping the unconsumed input; false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
        use std::io::Read;
        if self.eof {
            return Ok(false);
        }
        self.input.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.input.len() {
            self.input.resize(self.input.len() * 2, 0);
        }
        loop {
            match self.file.read(&mut self.input[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes the next record's field bytes into `out` from `*used` on
    /// (growing `out`, whose length is only room), moves `*used` past them,
    /// and returns its number of fields, or `None` at the end of the input.
    fn read(&mut self, out: &mut Vec<u8>, used: &mut usize) -> std::io::Result<Option<usize>> {
        loop {
            let pending = &self.input[self.pos..self.end];
            let Some(nl) = memchr::memchr(b'\n', pending) else {
                if self.fill()? {
                    continue;
                }
                if self.pos == self.end {
                    return Ok(None);
                }
                // The last line, without a newline.
                return self.read_slow(out, used);
            };
            let mut line = &pending[..nl];
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            if memchr::memchr2(b'"', b'\r', line).is_some() {
                return self.read_slow(out, used);
            }
            // The line is copied once; fields are the spans between commas.
            if out.len() - *used < line.len() {
                out.resize((out.len() * 2).max(*used + line.len()), 0);
            }
            out[*used..*used + line.len()].copy_from_slice(line);
            let mut n = 0;
            let mut from = 0;
            for e in memchr::memchr_iter(b',', line).chain(std::iter::once(line.len())) {
                if n == self.ends.len() {
                    self.ends.resize(2 * n, 0);
                    self.starts.resize(2 * n, 0);
                }
                self.starts[n] = from;
                self.ends[n] = e;
                n += 1;
                from = e + 1;
            }
            *used += line.len();
            self.pos += nl + 1;
            self.bytes += (nl + 1) as u64;
            return Ok(Some(n));
        }
    }

    /// One record through csv-core.
    fn read_slow(&mut self, out: &mut Vec<u8>, used: &mut usize) -> std::io::Result<Option<usize>> {
        let start = *used;
        let mut nends = 0;
        loop {
            if out.len() - *used < 1024 {
                out.resize((out.len() * 2).max(*used + 4096), 0);
            }
            let (result, nin, nout, nend) = self.core.read_record(
                &self.input[self.pos..self.end],
                &mut out[*used..],
                &mut self.ends[nends..],
            );
            self.pos += nin;
            self.bytes += nin as u64;
            *used += nout;
            nends += nend;
            match result {
                csv_core::ReadRecordResult::InputEmpty => {
                    // At the end of the file, csv-core is given no input and
                    // ends the record.
                    self.fill()?;
                }
                csv_core::ReadRecordResult::OutputFull => {}
                csv_core::ReadRecordResult::OutputEndsFull => {
                    self.ends.resize(self.ends.len() * 2, 0);
                    self.starts.resize(self.ends.len(), 0);
                }
                csv_core::ReadRecordResult::Record => {
                    // Fields are back to back in csv-core's output.
                    for i in 0..nends {
                        self.starts[i] = if i == 0 { 0 } else { self.ends[i - 1] };
                    }
                    return Ok(Some(nends));
                }
                csv_core::ReadRecordResult::End => {
                    *used = start;
                    return Ok(None);
                }
            }
        }
    }

    /// Where field `i` of the last record (which starts at `start` in the
    /// buffer) is.
    fn span(&self, start: usize, i: usize) -> (usize, usize) {
        (start + self.starts[i], start + self.ends[i])
    }

    /// Field `i` of the last record, which starts at `start` in `buf`.
    fn field<'b>(&self, buf: &'b [u8], start: usize, i: usize) -> &'b [u8] {
        let (a, b) = self.span(start, i);
        &buf[a..b]
    }
}

/// A batch as read, before decoding (which runs on the workers).
pub(crate) enum RawBatch {
    Csv {
        first_row: usize,
        rows: usize,
        /// The rows' bytes, back to back.
        buf: Vec<u8>,
        /// Where each needed field is in `buf` (start, end), row by row.
        spans: Vec<(usize, usize)>,
        /// Rows with the wrong number of fields.
        ragged: Vec<RowError>,
        bytes: u64,
    },
    #[cfg(feature = "parquet")]
    Arrow {
        first_row: usize,
        batch: arrow_array::RecordBatch,
    },
}

/// A decoded batch: the needed columns, and the cells that could not be decoded.
pub(crate) struct Decoded {
    pub(crate) table: Table,
    pub(crate) errors: Vec<RowError>,
    pub(crate) bytes: u64,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Source {
    /// Opens `path` (CSV or Parquet by extension); every one of `columns`
    /// must be there.
    pub(crate) fn open(path: &Path, columns: &[String], batch_rows: usize) -> Result<Source> {
        let batch_rows = batch_rows.max(1);
        let file = File::open(path).map_err(io_err(path))?;
        match FileFormat::of(path) {
            FileFormat::Csv => {
                let total_bytes = file.metadata().ok().map(|m| m.len()).filter(|&n| n > 0);
                let mut reader = Box::new(RecordReader::new(file));
                let mut first = Vec::new();
                let mut used = 0;
                let header: Vec<String> =
                    match reader.read(&mut first, &mut used).map_err(io_err(path))? {
                        None => Vec::new(),
                        Some(n) => (0..n)
                            .map(|i| {
                                let mut f = reader.field(&first, 0, i).trim_ascii();
                                if i == 0 {
                                    f = f.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(f);
                                }
                                std::str::from_utf8(f).map(str::to_string).map_err(|_| {
                                    Error::InvalidParameter {
                                        name: "header".into(),
                                        value: String::from_utf8_lossy(f).into_owned(),
                                        reason: format!(
                                            "column {} of the header of {} is not valid UTF-8",
                                            i + 1,
                                            path.display()
                                        ),
                                    }
                                })
                            })
                            .collect::<Result<_>>()?,
                    };
                let mut seen = std::collections::HashSet::new();
                for h in &header {
                    if !seen.insert(h.as_str()) {
                        return Err(Error::DuplicateColumn { column: h.clone() });
                    }
                }
                let positions = columns
                    .iter()
                    .map(|c| {
                        header
                            .iter()
                            .position(|h| h == c)
                            .ok_or_else(|| Error::MissingColumn {
                                column: c.clone(),
                                available: header.clone(),
                            })
                    })
                    .collect::<Result<Vec<usize>>>()?;
                Ok(Source {
                    columns: header.clone(),
                    kind: SourceKind::Csv {
                        reader,
                        header,
                        positions,
                        rows_read: 0,
                        batch_rows,
                        buffer_hint: 1 << 16,
                    },
                    path: path.to_path_buf(),
                    total_bytes,
                    total_rows: None,
                })
            }
            #[cfg(feature = "parquet")]
            FileFormat::Parquet => {
                use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
                use parquet::arrow::ProjectionMask;
                let perr = |e: parquet::errors::ParquetError| Error::Parquet {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                };
                let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(perr)?;
                let schema = builder.schema().clone();
                let available: Vec<String> =
                    schema.fields().iter().map(|f| f.name().clone()).collect();
                let mut roots = Vec::with_capacity(columns.len());
                for c in columns {
                    match available.iter().position(|a| a == c) {
                        Some(i) => roots.push(i),
                        None => {
                            return Err(Error::MissingColumn {
                                column: c.clone(),
                                available,
                            });
                        }
                    }
                }
                let total_rows =
                    usize::try_from(builder.metadata().file_metadata().num_rows()).ok();
                let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
                let reader = builder
                    .with_projection(mask)
                    .with_batch_size(batch_rows)
                    .build()
                    .map_err(perr)?;
                Ok(Source {
                    columns: available,
                    kind: SourceKind::Parquet {
                        reader,
                        rows_read: 0,
                    },
                    path: path.to_path_buf(),
                    total_bytes: None,
                    total_rows,
                })
            }
            #[cfg(not(feature = "parquet"))]
            FileFormat::Parquet => Err(Error::InvalidParameter {
                name: "file".into(),
                value: path.display().to_string(),
                reason: "this build of leadscore has no Parquet support (feature \"parquet\")"
                    .into(),
            }),
        }
    }

    /// The next batch, or `None` at the end.
    pub(crate) fn next_batch(&mut self) -> Result<Option<RawBatch>> {
        match &mut self.kind {
            SourceKind::Csv {
                reader,
                header,
                positions,
                rows_read,
                batch_rows,
                buffer_hint,
            } => {
                let width = header.len();
                let first_row = *rows_read + 1;
                let mut buf = vec![0u8; *buffer_hint];
                let mut used = 0;
                let mut spans = Vec::with_capacity(*batch_rows * positions.len());
                let mut ragged = Vec::new();
                let mut rows = 0;
                while rows < *batch_rows {
                    let start = used;
                    let Some(n) = reader
                        .read(&mut buf, &mut used)
                        .map_err(io_err(&self.path))?
                    else {
                        break;
                    };
                    if n != width {
                        // A blank line reads as one empty field: not a row.
                        if n == 1 && reader.field(&buf, start, 0).trim_ascii().is_empty() {
                            used = start;
                            continue;
                        }
                        *rows_read += 1;
                        rows += 1;
                        let fields: Vec<String> = (0..n)
                            .map(|i| {
                                String::from_utf8_lossy(reader.field(&buf, start, i)).into_owned()
                            })
                            .collect();
                        let mut value = fields.join(",");
                        if value.len() > 200 {
                            let mut cut = 200;
                            while !value.is_char_boundary(cut) {
                                cut -= 1;
                            }
                            value.truncate(cut);
                            value.push('…');
                        }
                        ragged.push(RowError {
                            row: *rows_read,
                            column: String::new(),
                            value,
                            reason: format!("the row has {n} field(s), the header has {width}"),
                        });
                        spans.extend(std::iter::repeat_n((0, 0), positions.len()));
                        continue;
                    }
                    *rows_read += 1;
                    rows += 1;
                    // Each needed field is kept as its span in the batch's
                    // bytes, trimmed of spaces.
                    for &p in positions.iter() {
                        let (a, b) = reader.span(start, p);
                        let field = &buf[a..b];
                        let lead = field.len() - field.trim_ascii_start().len();
                        let end = field.trim_ascii_end().len().max(lead);
                        spans.push((a + lead, a + end));
                    }
                }
                if rows == 0 {
                    return Ok(None);
                }
                buf.truncate(used);
                *buffer_hint = used + used / 8 + 4096;
                Ok(Some(RawBatch::Csv {
                    first_row,
                    rows,
                    buf,
                    spans,
                    ragged,
                    bytes: reader.bytes,
                }))
            }
            #[cfg(feature = "parquet")]
            SourceKind::Parquet { reader, rows_read } => match reader.next() {
                None => Ok(None),
                Some(Err(e)) => Err(Error::Parquet {
                    path: self.path.clone(),
                    message: e.to_string(),
                }),
                Some(Ok(batch)) => {
                    let first_row = *rows_read + 1;
                    *rows_read += batch.num_rows();
                    Ok(Some(RawBatch::Arrow { first_row, batch }))
                }
            },
        }
    }
}

impl RawBatch {
    /// Decodes the batch into a table of `columns` (in that order). The
    /// `text` column (an id) is kept as plain text; the others as
    /// dictionaries, each distinct value once per batch.
    pub(crate) fn decode(self, columns: &[String], text: Option<&str>) -> Result<Decoded> {
        match self {
            RawBatch::Csv {
                first_row,
                rows,
                buf,
                spans,
                ragged,
                bytes,
            } => {
                let k = columns.len();
                let mut errors = ragged;
                // Row by row (the batch's bytes are read once, in order),
                // each column into its own decoder.
                let mut decoders: Vec<Decoder> = columns
                    .iter()
                    .map(|name| {
                        if Some(name.as_str()) == text {
                            Decoder::Text(Vec::with_capacity(rows))
                        } else {
                            Decoder::Dictionary {
                                small: Vec::with_capacity(SMALL_DICTIONARY),
                                index: FxHashMap::default(),
                                values: Vec::new(),
                                codes: Vec::with_capacity(rows),
                            }
                        }
                    })
                    .collect();
                for r in 0..rows {
                    for (j, decoder) in decoders.iter_mut().enumerate() {
                        let (start, end) = spans[r * k + j];
                        let f = &buf[start..end];
                        if !decoder.push(f) {
                            errors.push(RowError {
                                row: first_row + r,
                                column: columns[j].clone(),
                                value: String::from_utf8_lossy(f).into_owned(),
                                reason: "not valid UTF-8".into(),
                            });
                        }
                    }
                }
                let out = columns
                    .iter()
                    .cloned()
                    .zip(decoders.into_iter().map(Decoder::finish))
                    .collect();
                let table = Table::from_columns(out)?.with_first_row(first_row);
                Ok(Decoded {
                    table,
                    errors,
                    bytes,
                })
            }
            #[cfg(feature = "parquet")]
            RawBatch::Arrow { first_row, batch } => {
                let table = crate::arrow::table_from_record_batch(&batch, Some(columns))?
                    .with_first_row(first_row);
                Ok(Decoded {
                    table,
                    errors: Vec::new(),
                    bytes: 0,
                })
            }
        }
    }
}

/// Decodes one column's fields: text kept as it is (ids), or a dictionary
/// of the batch's distinct values (Fx hashing: cells are short and this is
/// the hot loop).
enum Decoder<'a> {
    Text(Vec<Option<String>>),
    Dictionary {
        small: Vec<(&'a [u8], Option<u32>)>,
        index: FxHashMap<&'a [u8], Option<u32>>,
        values: Vec<String>,
        codes: Vec<Option<u32>>,
    },
}

/// Distinct values of a column looked up by scanning before hashing.
const SMALL_DICTIONARY: usize = 8;

/// Byte equality, without a call to `memcmp` for the short fields most
/// cells are.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        false
    } else if a.len() <= 16 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// Adds a distinct value to a dictionary: its code, or `None` when it is
/// not valid UTF-8.
fn new_value(values: &mut Vec<String>, f: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(f).ok()?;
    values.push(s.to_string());
    Some((values.len() - 1) as u32)
}

impl<'a> Decoder<'a> {
    /// Adds a field (empty is missing); false when it is not valid UTF-8
    /// (then it is stored as missing).
    fn push(&mut self, f: &'a [u8]) -> bool {
        if f.is_empty() {
            match self {
                Decoder::Text(v) => v.push(None),
                Decoder::Dictionary { codes, .. } => codes.push(None),
            }
            return true;
        }
        match self {
            Decoder::Text(v) => match std::str::from_utf8(f) {
                Ok(s) => {
                    v.push(Some(s.to_string()));
                    true
                }
                Err(_) => {
                    v.push(None);
                    false
                }
            },
            Decoder::Dictionary {
                small,
                index,
                values,
                codes,
            } => {
                // Most columns hold a handful of values per batch: a short
                // list scanned in order beats hashing them.
                let found = small.iter().find(|(v, _)| same(v, f)).map(|(_, c)| *c);
                let code = match found {
                    Some(c) => c,
                    None if small.len() < SMALL_DICTIONARY => {
                        let c = new_value(values, f);
                        small.push((f, c));
                        c
                    }
                    None => *index.entry(f).or_insert_with(|| new_value(values, f)),
                };
                codes.push(code);
                code.is_some()
            }
        }
    }

    fn finish(self) -> Values {
        match self {
            Decoder::Text(v) => Values::Text(v),
            Decoder::Dictionary { values, codes, .. } => Values::Dictionary { values, codes },
        }
    }
}

// ---------------------------------------------------------------------------
// Writing

/// The type of an output column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Float,
    OptFloat,
    Int,
}

/// One output column of a batch.
pub(crate) enum OutValues {
    /// Text (ids, tiers, reasons).
    Text(Vec<Option<String>>),
    /// Numbers written exactly (shortest text that reads back the same).
    Float(Vec<f64>),
    /// Numbers rounded to 2 decimals (points, money), in CSV and Parquet alike.
    Fixed2(Vec<f64>),
    /// Optional numbers rounded to 2 decimals (deal values).
    OptFixed2(Vec<Option<f64>>),
    /// Whole numbers (ranks).
    Int(Vec<Option<i64>>),
}

impl OutValues {
    fn len(&self) -> usize {
        match self {
            OutValues::Text(v) => v.len(),
            OutValues::Float(v) | OutValues::Fixed2(v) => v.len(),
            OutValues::OptFixed2(v) => v.len(),
            OutValues::Int(v) => v.len(),
        }
    }
}

/// An encoded batch of output rows, ready to be written.
pub(crate) enum Chunk {
    Csv(Vec<u8>),
    #[cfg(feature = "parquet")]
    Arrow(arrow_array::RecordBatch),
}

impl Chunk {
    /// Encodes output columns (on a worker, so that formatting runs in parallel).
    pub(crate) fn encode(columns: Vec<(String, OutValues)>, format: FileFormat) -> Result<Chunk> {
        match format {
            FileFormat::Csv => {
                // Written by hand (the hot loop of a rescoring job): numbers
                // straight into the buffer, text quoted as the csv crate
                // quotes it (only when it holds a comma, a quote or a line
                // break; quotes doubled).
                use std::io::Write;
                let n = columns.first().map(|(_, v)| v.len()).unwrap_or(0);
                let mut bytes: Vec<u8> = Vec::with_capacity(n * 48);
                for r in 0..n {
                    for (c, (_, values)) in columns.iter().enumerate() {
                        if c > 0 {
                            bytes.push(b',');
                        }
                        // Writing to a Vec cannot fail.
                        let _ = match values {
                            OutValues::Text(v) => {
                                write_csv_text(&mut bytes, v[r].as_deref().unwrap_or(""));
                                Ok(())
                            }
                            OutValues::Float(v) => write!(bytes, "{}", v[r]),
                            OutValues::Fixed2(v) => write!(bytes, "{:.2}", v[r]),
                            OutValues::OptFixed2(v) => match v[r] {
                                Some(x) => write!(bytes, "{x:.2}"),
                                None => Ok(()),
                            },
                            OutValues::Int(v) => match v[r] {
                                Some(x) => write!(bytes, "{x}"),
                                None => Ok(()),
                            },
                        };
                    }
                    bytes.push(b'\n');
                }
                Ok(Chunk::Csv(bytes))
            }
            #[cfg(feature = "parquet")]
            FileFormat::Parquet => {
                use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
                use std::sync::Arc;
                let fields: Vec<(String, Kind)> = columns
                    .iter()
                    .map(|(n, v)| {
                        let kind = match v {
                            OutValues::Text(_) => Kind::Text,
                            OutValues::Float(_) | OutValues::Fixed2(_) => Kind::Float,
                            OutValues::OptFixed2(_) => Kind::OptFloat,
                            OutValues::Int(_) => Kind::Int,
                        };
                        (n.clone(), kind)
                    })
                    .collect();
                let arrays: Vec<ArrayRef> = columns
                    .into_iter()
                    .map(|(_, v)| -> ArrayRef {
                        match v {
                            OutValues::Text(v) => Arc::new(StringArray::from(v)),
                            OutValues::Float(v) => Arc::new(Float64Array::from(v)),
                            OutValues::Fixed2(v) => Arc::new(Float64Array::from(
                                v.into_iter().map(round2).collect::<Vec<f64>>(),
                            )),
                            OutValues::OptFixed2(v) => Arc::new(Float64Array::from(
                                v.into_iter().map(|x| x.map(round2)).collect::<Vec<_>>(),
                            )),
                            OutValues::Int(v) => Arc::new(Int64Array::from(v)),
                        }
                    })
                    .collect();
                let batch = arrow_array::RecordBatch::try_new(arrow_schema(&fields), arrays)
                    .map_err(|e| Error::Parquet {
                        path: PathBuf::from("<output>"),
                        message: e.to_string(),
                    })?;
                Ok(Chunk::Arrow(batch))
            }
            #[cfg(not(feature = "parquet"))]
            FileFormat::Parquet => Err(no_parquet()),
        }
    }
}

#[cfg(not(feature = "parquet"))]
fn no_parquet() -> Error {
    Error::InvalidParameter {
        name: "file".into(),
        value: "*.parquet".into(),
        reason: "this build of leadscore has no Parquet support (feature \"parquet\")".into(),
    }
}

/// Appends a CSV text field, quoted only when it holds a comma, a quote or
/// a line break (quotes doubled), as the csv crate writes it.
fn write_csv_text(out: &mut Vec<u8>, text: &str) {
    let b = text.as_bytes();
    if b.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for &c in b {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(b);
    }
}

/// `x` rounded to 2 decimals, as the CSV output prints it.
#[cfg(feature = "parquet")]
fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

#[cfg(feature = "parquet")]
fn arrow_schema(columns: &[(String, Kind)]) -> std::sync::Arc<arrow_schema::Schema> {
    use arrow_schema::{DataType, Field, Schema};
    std::sync::Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, kind)| {
                let (dt, nullable) = match kind {
                    Kind::Text => (DataType::Utf8, true),
                    Kind::Float => (DataType::Float64, false),
                    Kind::OptFloat => (DataType::Float64, true),
                    Kind::Int => (DataType::Int64, true),
                };
                Field::new(name, dt, nullable)
            })
            .collect::<Vec<_>>(),
    ))
}

/// An output file being written (temporary until [`Sink::commit`]).
pub(crate) enum Sink {
    Csv(AtomicFile, PathBuf),
    #[cfg(feature = "parquet")]
    Parquet(Box<parquet::arrow::ArrowWriter<AtomicFile>>, PathBuf),
}

impl Sink {
    /// Creates the temporary file and writes the header (CSV) or schema (Parquet).
    pub(crate) fn create(
        path: &Path,
        format: FileFormat,
        columns: &[(String, Kind)],
    ) -> Result<Sink> {
        let file = AtomicFile::create(path)?;
        match format {
            FileFormat::Csv => {
                let mut w = csv::Writer::from_writer(file);
                w.write_record(columns.iter().map(|(n, _)| n.as_str()))
                    .map_err(|source| Error::Csv {
                        path: path.to_path_buf(),
                        line: None,
                        source,
                    })?;
                let file = w.into_inner().map_err(|e| Error::Io {
                    path: path.to_path_buf(),
                    source: e.into_error(),
                })?;
                Ok(Sink::Csv(file, path.to_path_buf()))
            }
            #[cfg(feature = "parquet")]
            FileFormat::Parquet => {
                use parquet::basic::Compression;
                use parquet::file::properties::WriterProperties;
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(131_072))
                    .build();
                let w =
                    parquet::arrow::ArrowWriter::try_new(file, arrow_schema(columns), Some(props))
                        .map_err(|e| Error::Parquet {
                            path: path.to_path_buf(),
                            message: e.to_string(),
                        })?;
                Ok(Sink::Parquet(Box::new(w), path.to_path_buf()))
            }
            #[cfg(not(feature = "parquet"))]
            FileFormat::Parquet => Err(no_parquet()),
        }
    }

    /// Appends an encoded batch.
    pub(crate) fn write(&mut self, chunk: Chunk) -> Result<()> {
        match (self, chunk) {
            (Sink::Csv(f, path), Chunk::Csv(bytes)) => {
                use std::io::Write;
                f.write_all(&bytes).map_err(io_err(path))
            }
            #[cfg(feature = "parquet")]
            (Sink::Parquet(w, path), Chunk::Arrow(batch)) => {
                w.write(&batch).map_err(|e| Error::Parquet {
                    path: path.clone(),
                    message: e.to_string(),
                })
            }
            #[cfg(feature = "parquet")]
            _ => unreachable!("chunks are encoded for their sink's format"),
        }
    }

    /// Finishes the file and renames it into place.
    pub(crate) fn commit(self) -> Result<()> {
        match self {
            Sink::Csv(f, _) => f.commit(),
            #[cfg(feature = "parquet")]
            Sink::Parquet(w, path) => {
                let f = w.into_inner().map_err(|e| Error::Parquet {
                    path,
                    message: e.to_string(),
                })?;
                f.commit()
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The pipeline

/// Runs `process` over every batch of `source` on `threads` workers (0: all
/// cores) and hands the results to `consume` on the calling thread, in input
/// order. At most `2 × threads + 1` batches are in flight. Stops at the first
/// error (of reading, processing or consuming) and returns it.
pub(crate) fn run<T, P, C>(
    mut source: Source,
    threads: usize,
    process: &P,
    mut consume: C,
) -> Result<()>
where
    T: Send,
    P: Fn(RawBatch) -> Result<T> + Sync,
    C: FnMut(T) -> Result<()>,
{
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("leadscore-worker-{i}"))
        .build()
        .map_err(|e| Error::InvalidParameter {
            name: "threads".into(),
            value: threads.to_string(),
            reason: e.to_string(),
        })?;
    let in_flight = 2 * threads + 1;
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (raw_tx, raw_rx) = mpsc::sync_channel::<(usize, RawBatch)>(in_flight);
        let (ticket_tx, ticket_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<T>)>();
        for _ in 0..in_flight {
            let _ = ticket_tx.send(());
        }
        let stop = &stop;
        let reader = s.spawn(move || -> Result<()> {
            let mut seq = 0;
            while ticket_rx.recv().is_ok() && !stop.load(Ordering::Relaxed) {
                match source.next_batch()? {
                    None => break,
                    Some(batch) => {
                        if raw_tx.send((seq, batch)).is_err() {
                            break;
                        }
                        seq += 1;
                    }
                }
            }
            Ok(())
        });
        s.spawn(move || {
            pool.install(|| {
                raw_rx
                    .into_iter()
                    .par_bridge()
                    .for_each_with(done_tx, |tx, (seq, batch)| {
                        // After a failure nobody waits for more results.
                        if !stop.load(Ordering::Relaxed) {
                            let _ = tx.send((seq, process(batch)));
                        }
                    })
            })
        });
        let mut pending: BTreeMap<usize, Result<T>> = BTreeMap::new();
        let mut next = 0;
        let mut consumed: Result<()> = Ok(());
        'outer: for (seq, result) in done_rx.iter() {
            pending.insert(seq, result);
            while let Some(result) = pending.remove(&next) {
                next += 1;
                if let Err(e) = result.and_then(&mut consume) {
                    consumed = Err(e);
                    break 'outer;
                }
                let _ = ticket_tx.send(());
            }
        }
        if consumed.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        drop(ticket_tx);
        drop(done_rx);
        let read = reader.join().unwrap_or_else(|_| {
            Err(Error::InvalidParameter {
                name: "reader".into(),
                value: "panicked".into(),
                reason: "the reading thread failed".into(),
            })
        });
        // A consuming error is about an earlier batch than any reading error.
        consumed.and(read)
    })
}
