//! Batch sinks: output columns encoded on the workers (CSV bytes or an
//! Arrow record batch) and written in order to a temporary file renamed
//! into place when the job succeeds.

use std::path::{Path, PathBuf};

use super::FileFormat;
use crate::data::columns::{csv_header, encode_csv, Columns, Kind};
use crate::data::csv::TextCells;
use crate::data::files::AtomicFile;
use crate::error::{Error, Result};

/// An encoded batch of output rows, ready to be written.
pub(crate) enum Chunk {
    Csv(Vec<u8>),
    #[cfg(feature = "parquet")]
    Arrow(arrow_array::RecordBatch),
}

impl Chunk {
    /// Encodes output columns (on a worker, so that formatting runs in
    /// parallel); CSV text cells as `cells` says (Parquet holds them as they are).
    pub(crate) fn encode(columns: Columns, format: FileFormat, cells: TextCells) -> Result<Chunk> {
        match format {
            FileFormat::Csv => Ok(Chunk::Csv(encode_csv(&columns, cells))),
            #[cfg(feature = "parquet")]
            FileFormat::Parquet => Ok(Chunk::Arrow(crate::data::arrow::record_batch(
                columns, true,
            )?)),
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

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An output file being written (temporary until [`Sink::commit`]).
pub(crate) enum Sink {
    Csv(AtomicFile, PathBuf),
    #[cfg(feature = "parquet")]
    Parquet(Box<parquet::arrow::ArrowWriter<AtomicFile>>, PathBuf),
}

impl Sink {
    /// Creates the temporary file and writes the header (CSV, its names as
    /// `cells` says) or schema (Parquet).
    pub(crate) fn create(
        path: &Path,
        format: FileFormat,
        columns: &[(String, Kind)],
        cells: TextCells,
    ) -> Result<Sink> {
        let mut file = AtomicFile::create(path)?;
        match format {
            FileFormat::Csv => {
                use std::io::Write;
                let header = csv_header(columns.iter().map(|(n, _)| n.as_str()), cells);
                file.write_all(&header).map_err(io_err(path))?;
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
                let w = parquet::arrow::ArrowWriter::try_new(
                    file,
                    crate::data::arrow::schema_of(columns),
                    Some(props),
                )
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
