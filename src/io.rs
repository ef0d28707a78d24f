//! Reading CSV in batches and writing files atomically.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::table::{Table, Values};

/// Reads a CSV stream with a header in batches of at most `batch_rows` rows,
/// so that a file of any size is processed in bounded memory.
///
/// Fields are trimmed of surrounding spaces; an empty field is missing.
/// A row with a different number of fields from the header is an error
/// naming the row.
pub struct CsvBatches<R: Read> {
    reader: csv::Reader<R>,
    header: Vec<String>,
    path: PathBuf,
    batch_rows: usize,
    rows_read: usize,
    record: csv::StringRecord,
}

impl<R: Read> CsvBatches<R> {
    /// Opens the stream and reads its header. `path` names the source in errors.
    pub fn new(reader: R, path: &Path, batch_rows: usize) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header: Vec<String> = reader
            .headers()
            .map_err(|source| Error::Csv {
                path: path.to_path_buf(),
                line: Some(1),
                source,
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut seen = std::collections::HashSet::new();
        for h in &header {
            if !seen.insert(h.as_str()) {
                return Err(Error::DuplicateColumn { column: h.clone() });
            }
        }
        Ok(CsvBatches {
            reader,
            header,
            path: path.to_path_buf(),
            batch_rows: batch_rows.max(1),
            rows_read: 0,
            record: csv::StringRecord::new(),
        })
    }

    /// The column names of the header.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Data rows read so far.
    pub fn rows_read(&self) -> usize {
        self.rows_read
    }

    /// A table with the header's columns and no rows.
    pub fn empty_table(&self) -> Table {
        Table::from_columns(
            self.header
                .iter()
                .map(|h| (h.clone(), Values::Text(Vec::new())))
                .collect(),
        )
        .expect("header names are distinct")
    }

    /// The next batch, or `None` at the end of the stream. Row numbers in the
    /// batch ([`Table::first_row`]) continue from the previous batch.
    pub fn next_batch(&mut self) -> Result<Option<Table>> {
        let first_row = self.rows_read + 1;
        let width = self.header.len();
        let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); width];
        let mut n = 0;
        while n < self.batch_rows {
            let more = self
                .reader
                .read_record(&mut self.record)
                .map_err(|source| Error::Csv {
                    path: self.path.clone(),
                    line: source.position().map(|p| p.line()),
                    source,
                })?;
            if !more {
                break;
            }
            self.rows_read += 1;
            if self.record.len() != width {
                // A blank line at the end of a file reads as one empty field.
                if self.record.len() == 1 && self.record.get(0) == Some("") {
                    self.rows_read -= 1;
                    continue;
                }
                return Err(Error::RaggedRow {
                    row: self.rows_read,
                    expected: width,
                    found: self.record.len(),
                });
            }
            for (c, field) in self.record.iter().enumerate() {
                cols[c].push(if field.is_empty() {
                    None
                } else {
                    Some(field.to_string())
                });
            }
            n += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        let table = Table::from_columns(
            self.header
                .iter()
                .cloned()
                .zip(cols.into_iter().map(Values::Text))
                .collect(),
        )?;
        Ok(Some(table.with_first_row(first_row)))
    }
}

/// A file written next to its destination and renamed into place by
/// [`AtomicFile::commit`], so that readers never see a half-written file.
/// Dropped without `commit`, it removes the temporary file.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Creates the temporary file in the destination's folder.
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile> {
        let path = path.as_ref().to_path_buf();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".to_string());
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let tmp_name = format!(".{name}.{}.tmp", std::process::id());
        let tmp = match dir {
            Some(d) => d.join(tmp_name),
            None => PathBuf::from(tmp_name),
        };
        let file = std::fs::File::create(&tmp).map_err(|source| Error::Io {
            path: tmp.clone(),
            source,
        })?;
        register_temporary(&tmp, true);
        Ok(AtomicFile {
            path,
            tmp,
            file: Some(std::io::BufWriter::new(file)),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        if let Some(file) = self.file.take() {
            let file = file
                .into_inner()
                .map_err(|e| e.into_error())
                .map_err(io_err(&self.tmp))?;
            file.sync_all().map_err(io_err(&self.tmp))?;
        }
        let renamed = std::fs::rename(&self.tmp, &self.path).map_err(io_err(&self.path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        register_temporary(&self.tmp, false);
        renamed
    }
}

/// Temporary files of [`AtomicFile`]s not yet committed or dropped.
static TEMPORARY_FILES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn register_temporary(path: &Path, add: bool) {
    let mut files = TEMPORARY_FILES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if add {
        files.push(path.to_path_buf());
    } else if let Some(i) = files.iter().position(|p| p == path) {
        files.swap_remove(i);
    }
}

/// Removes the temporary files of every [`AtomicFile`] of this process not
/// yet committed. For a signal handler (Ctrl-C, SIGTERM) that is about to
/// exit the process, so that an interrupted job leaves nothing behind; the
/// destination files are never touched.
pub fn remove_temporary_files() {
    let files = TEMPORARY_FILES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for f in files.iter() {
        let _ = std::fs::remove_file(f);
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
            register_temporary(&self.tmp, false);
        }
    }
}

/// Writes `contents` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: impl AsRef<Path>, contents: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let mut f = AtomicFile::create(path)?;
    f.write_all(contents).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    f.commit()
}

/// Reads a whole file to a string, naming the file on error.
pub fn read_to_string(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
