//! Rejected rows: which rows of a batch were set aside and why, the
//! rejected-rows file (`row,column,value,reason`) and the job's counts.

use std::io::Write;
use std::path::PathBuf;

use super::{BatchOptions, BatchSummary, MaxRejected, Progress};
use crate::data::csv::{write_text_record, Decoded};
use crate::data::files::AtomicFile;
use crate::error::{Error, Result, RowError, MAX_ROW_ERRORS};

/// Rows of one batch: how many were read, which were rejected and why.
pub(crate) struct Accepted {
    /// Rows in the batch.
    pub(crate) rows: usize,
    /// Rows kept.
    pub(crate) kept: usize,
    /// Bad cells, in row order (rows are 1-based row numbers in the source).
    pub(crate) errors: Vec<RowError>,
    pub(crate) first_row: usize,
    bad: Vec<bool>,
    /// Bytes of the source read after this batch.
    pub(crate) bytes: u64,
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
    writer: Option<(AtomicFile, PathBuf)>,
    pub(crate) read: usize,
    pub(crate) rejected: usize,
    cells: usize,
    first: Vec<RowError>,
    bytes: u64,
    pub(crate) total_bytes: Option<u64>,
    pub(crate) total_rows: Option<usize>,
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
                let mut f = AtomicFile::create(path)?;
                let mut header = Vec::new();
                write_text_record(
                    &mut header,
                    ["row", "column", "value", "reason"],
                    options.text_cells,
                );
                f.write_all(&header).map_err(|source| Error::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                Some((f, path.to_path_buf()))
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
        if let Some((f, path)) = &mut self.writer {
            let mut buf = Vec::new();
            for e in &a.errors {
                let row = e.row.to_string();
                write_text_record(
                    &mut buf,
                    [row.as_str(), &e.column, &e.value, &e.reason],
                    options.text_cells,
                );
            }
            f.write_all(&buf).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
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
            Some((f, path)) => f.commit().ok().map(|_| path),
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

    /// Checks a share limit, commits the rejected-rows file, and returns the
    /// job's summary: rows read, rejected and written (every row not
    /// rejected), bad cells and the first of them (no drift).
    pub(crate) fn finish(mut self, options: &BatchOptions) -> Result<BatchSummary> {
        if let MaxRejected::Share(s) = options.max_rejected {
            if self.rejected as f64 > s * self.read as f64 {
                return Err(self.too_many(options));
            }
        }
        if let Some((f, _)) = self.writer.take() {
            f.commit()?;
        }
        Ok(BatchSummary {
            read: self.read,
            written: self.read - self.rejected,
            rejected: self.rejected,
            rejected_cells: self.cells,
            first_errors: self.first,
            drift: None,
        })
    }
}
