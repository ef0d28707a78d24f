//! Batch sources: a CSV file (through the one CSV reader) or a Parquet
//! file, read for the named columns only, in batches.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::data::csv::{CsvBatch, CsvReader, Decoded};
use crate::error::{Error, Result};

use super::FileFormat;

/// A source of lead batches: a CSV or Parquet file, read for the named
/// columns only.
pub(crate) struct Source {
    kind: SourceKind,
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    path: PathBuf,
    /// Every column of the file.
    pub(crate) header: Vec<String>,
    pub(crate) total_bytes: Option<u64>,
    pub(crate) total_rows: Option<usize>,
}

enum SourceKind {
    Csv(CsvReader<File>),
    #[cfg(feature = "parquet")]
    Parquet {
        reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
        rows_read: usize,
    },
}

/// A batch as read, before decoding (which runs on the workers).
pub(crate) enum RawBatch {
    Csv(CsvBatch),
    #[cfg(feature = "parquet")]
    Arrow {
        first_row: usize,
        batch: arrow_array::RecordBatch,
        /// The file, named in errors.
        path: std::sync::Arc<Path>,
    },
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs a call into the Parquet crates; a panic inside them (a malformed
/// file can cause one) becomes [`Error::Parquet`] naming the file.
#[cfg(feature = "parquet")]
fn guarded<T>(path: &Path, f: impl FnOnce() -> T) -> Result<T> {
    crate::util::guard::catch(f).map_err(|panic| Error::Parquet {
        path: path.to_path_buf(),
        message: format!("the file is damaged or not Parquet ({panic})"),
    })
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
                let reader = CsvReader::open(file, path, Some(columns), batch_rows)?;
                Ok(Source {
                    header: reader.header().to_vec(),
                    kind: SourceKind::Csv(reader),
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
                let builder = guarded(path, || ParquetRecordBatchReaderBuilder::try_new(file))?
                    .map_err(perr)?;
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
                let reader = guarded(path, || {
                    builder
                        .with_projection(mask)
                        .with_batch_size(batch_rows)
                        .build()
                })?
                .map_err(perr)?;
                Ok(Source {
                    header: available,
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
            SourceKind::Csv(reader) => Ok(reader.next_batch()?.map(RawBatch::Csv)),
            #[cfg(feature = "parquet")]
            SourceKind::Parquet { reader, rows_read } => {
                match guarded(&self.path, || reader.next())? {
                    None => Ok(None),
                    Some(Err(e)) => Err(Error::Parquet {
                        path: self.path.clone(),
                        message: e.to_string(),
                    }),
                    Some(Ok(batch)) => {
                        let first_row = *rows_read + 1;
                        *rows_read += batch.num_rows();
                        Ok(Some(RawBatch::Arrow {
                            first_row,
                            batch,
                            path: self.path.as_path().into(),
                        }))
                    }
                }
            }
        }
    }
}

impl RawBatch {
    /// Decodes the batch into a table of `columns` (in that order). The
    /// `text` columns (ids, times: mostly distinct values) are kept as plain
    /// text; the others as dictionaries, each distinct value once per batch.
    pub(crate) fn decode(self, columns: &[String], text: &[&str]) -> Result<Decoded> {
        match self {
            RawBatch::Csv(batch) => batch.decode(columns, text),
            #[cfg(feature = "parquet")]
            RawBatch::Arrow {
                first_row,
                batch,
                path,
            } => {
                let table = guarded(&path, || {
                    crate::data::arrow::table_from_record_batch(&batch, Some(columns), text)
                })??
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
