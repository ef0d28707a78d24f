//! THE CSV reader and writer of leadscore: one meaning of a cell for every
//! command, the Python binding and the batch jobs.
//!
//! Reading (RFC 4180 as the csv crate reads it, with these rules):
//!
//! - the first record is the header; a UTF-8 byte-order mark before it is
//!   dropped; column names must be distinct;
//! - every field is trimmed of surrounding whitespace (Unicode white space,
//!   so a no-break space is trimmed too), inside quotes or not; an empty
//!   field is a missing value;
//! - a line holding nothing but spaces is not a row (it is skipped and not
//!   counted); a quoted empty field (`""`) is a field, so in a file of one
//!   column it is a row with a missing value;
//! - lines end in LF, CRLF or CR; quoted fields may hold commas, doubled
//!   quotes and line breaks;
//! - rows are numbered from 1 after the header, counting records (a quoted
//!   field over several lines is one row);
//! - a row with another number of fields than the header, and a field that
//!   is not valid UTF-8, are row errors naming the row, the column (empty
//!   for a ragged row) and the value. The caller decides: reading a whole
//!   table fails on them ([`Table::from_csv_path`]); a batch job sets such
//!   rows aside.
//!
//! Writing: a field is quoted only when it holds a comma, a quote or a line
//! break (quotes doubled), or when it is the only field of a record and
//! empty, exactly as the csv crate writes; numbers as [`crate::data::columns`]
//! formats them. The text cells of reports (scores, decisions, scorecard,
//! rejected rows, predictions) that a spreadsheet would run as formulas are
//! neutralised by default ([`TextCells`]); [`Table::write_csv`] writes data
//! files raw, to be read back as they were.

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::data::table::{Table, Values};
use decode::{Decoder, SMALL_DICTIONARY};
use record::RecordReader;
pub use write::{starts_formula, TextCells};
pub(crate) use write::{write_record, write_text, write_text_record};

mod decode;
mod record;
mod write;
use crate::error::{Error, Result, RowError};

/// Where a field's value lies once trimmed: whitespace is cut at both ends,
/// ASCII first, then Unicode white space (e.g. a no-break space) when the
/// edge is not ASCII and the field is valid UTF-8.
fn trimmed(field: &[u8]) -> (usize, usize) {
    let lead = field.len() - field.trim_ascii_start().len();
    let end = field.trim_ascii_end().len().max(lead);
    let inner = &field[lead..end];
    match (inner.first(), inner.last()) {
        (Some(&a), Some(&b)) if a >= 0x80 || b >= 0x80 => match std::str::from_utf8(inner) {
            Ok(s) => {
                let start = s.len() - s.trim_start().len();
                let stop = s.trim_end().len().max(start);
                (lead + start, lead + stop)
            }
            Err(_) => (lead, end),
        },
        _ => (lead, end),
    }
}

/// Reads a CSV stream in batches of raw fields, keeping only the columns
/// asked for; see the module docs for the rules.
pub(crate) struct CsvReader<R> {
    reader: Box<RecordReader<R>>,
    header: Vec<String>,
    positions: Vec<usize>,
    rows_read: usize,
    batch_rows: usize,
    /// Bytes of the last batch, to size the next one's buffer.
    buffer_hint: usize,
    path: std::path::PathBuf,
}

/// A batch of CSV rows as read, before decoding (which may run elsewhere).
pub(crate) struct CsvBatch {
    first_row: usize,
    rows: usize,
    /// The rows' bytes, back to back.
    buf: Vec<u8>,
    /// Where each needed field is in `buf` (start, end), row by row.
    spans: Vec<(usize, usize)>,
    /// Rows with the wrong number of fields.
    ragged: Vec<RowError>,
    /// Bytes of the input read after this batch.
    pub(crate) bytes: u64,
}

/// A decoded batch: the needed columns, and the cells that could not be decoded.
pub(crate) struct Decoded {
    /// The columns asked for, rows numbered from the batch's first row.
    pub(crate) table: Table,
    /// Ragged rows and invalid UTF-8, in row order.
    pub(crate) errors: Vec<RowError>,
    /// Bytes of the input read after this batch.
    pub(crate) bytes: u64,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl<R: Read> CsvReader<R> {
    /// Reads the header of `input` (`path` names it in errors) and checks
    /// that every one of `columns` is there (`None`: every column).
    pub(crate) fn open(
        input: R,
        path: &Path,
        columns: Option<&[String]>,
        batch_rows: usize,
    ) -> Result<CsvReader<R>> {
        let mut reader = Box::new(RecordReader::new(input));
        let mut first = Vec::new();
        let mut header: Vec<String> = Vec::new();
        loop {
            let mut used = 0;
            let Some(n) = reader.read(&mut first, &mut used).map_err(io_err(path))? else {
                break;
            };
            if reader.blank {
                continue;
            }
            for i in 0..n {
                let mut f = reader.field(&first, 0, i);
                if i == 0 {
                    f = f.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(f);
                }
                let (a, b) = trimmed(f);
                let name = std::str::from_utf8(&f[a..b]).map_err(|_| Error::InvalidRows {
                    errors: vec![RowError {
                        row: 0,
                        column: format!("header column {}", i + 1),
                        value: String::from_utf8_lossy(f).into_owned(),
                        reason: format!("the header of {} is not valid UTF-8", path.display()),
                    }],
                    total: 1,
                })?;
                header.push(name.to_string());
            }
            break;
        }
        let mut seen = std::collections::HashSet::new();
        for h in &header {
            if !seen.insert(h.as_str()) {
                return Err(Error::DuplicateColumn { column: h.clone() });
            }
        }
        let positions = match columns {
            None => (0..header.len()).collect(),
            Some(columns) => columns
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
                .collect::<Result<Vec<usize>>>()?,
        };
        Ok(CsvReader {
            reader,
            header,
            positions,
            rows_read: 0,
            batch_rows: batch_rows.max(1),
            buffer_hint: 1 << 16,
            path: path.to_path_buf(),
        })
    }

    /// Every column name of the header.
    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// The names of the columns kept, in the order asked for.
    pub(crate) fn columns(&self) -> Vec<String> {
        self.positions
            .iter()
            .map(|&p| self.header[p].clone())
            .collect()
    }

    /// The next batch of at most `batch_rows` rows, or `None` at the end.
    pub(crate) fn next_batch(&mut self) -> Result<Option<CsvBatch>> {
        let reader = &mut self.reader;
        let width = self.header.len();
        let first_row = self.rows_read + 1;
        let mut buf = vec![0u8; self.buffer_hint];
        let mut used = 0;
        let mut spans = Vec::with_capacity(self.batch_rows.min(8_192) * self.positions.len());
        let mut ragged = Vec::new();
        let mut rows = 0;
        while rows < self.batch_rows {
            let start = used;
            let Some(n) = reader
                .read(&mut buf, &mut used)
                .map_err(io_err(&self.path))?
            else {
                break;
            };
            if reader.blank {
                used = start;
                continue;
            }
            self.rows_read += 1;
            rows += 1;
            if n != width {
                let fields: Vec<String> = (0..n)
                    .map(|i| String::from_utf8_lossy(reader.field(&buf, start, i)).into_owned())
                    .collect();
                ragged.push(RowError {
                    row: self.rows_read,
                    column: String::new(),
                    value: crate::util::cut(&fields.join(","), 200),
                    reason: format!("the row has {n} field(s), the header has {width}"),
                });
                spans.extend(std::iter::repeat_n((0, 0), self.positions.len()));
                continue;
            }
            // Each needed field is kept as its span in the batch's bytes,
            // trimmed of white space.
            for &p in self.positions.iter() {
                let (a, b) = reader.span(start, p);
                let (s, e) = trimmed(&buf[a..b]);
                spans.push((a + s, a + e));
            }
        }
        if rows == 0 {
            return Ok(None);
        }
        buf.truncate(used);
        self.buffer_hint = used + used / 8 + 4096;
        Ok(Some(CsvBatch {
            first_row,
            rows,
            buf,
            spans,
            ragged,
            bytes: reader.bytes,
        }))
    }
}

impl CsvBatch {
    /// Decodes the batch into a table of `columns` (the kept columns, in
    /// order). The `text` columns (ids, times: mostly distinct values) are
    /// kept as plain text; the others as dictionaries, each distinct value
    /// once per batch.
    pub(crate) fn decode(self, columns: &[String], text: &[&str]) -> Result<Decoded> {
        let CsvBatch {
            first_row,
            rows,
            buf,
            spans,
            ragged,
            bytes,
        } = self;
        let k = columns.len();
        let mut errors = ragged;
        // Row by row (the batch's bytes are read once, in order), each
        // column into its own decoder.
        let mut decoders: Vec<Decoder> = columns
            .iter()
            .map(|name| {
                if text.contains(&name.as_str()) {
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
        errors.sort_by_key(|e| e.row);
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
}

/// Rows per batch when a whole file is read into one table: the batch's
/// bytes and spans stay small while its dictionaries are merged.
const TABLE_BATCH_ROWS: usize = 65_536;

/// One column of a whole-file read: the distinct values of every batch so
/// far, and each row's code.
#[derive(Default)]
struct Merged {
    values: Vec<String>,
    index: FxHashMap<String, u32>,
    codes: Vec<Option<u32>>,
}

impl Merged {
    /// Appends a batch's dictionary column, each distinct value looked up once.
    fn append(&mut self, batch: Values) {
        let (values, codes) = match batch {
            Values::Dictionary { values, codes } => (values, codes),
            other => {
                // Batches decode every column as a dictionary; any other
                // kind is taken cell by cell.
                let cells: Vec<Option<String>> = (0..other.len())
                    .map(|r| other.text(r).map(|t| t.into_owned()))
                    .collect();
                let mut values = Vec::new();
                let codes = cells
                    .into_iter()
                    .map(|c| {
                        c.map(|v| {
                            values.push(v);
                            (values.len() - 1) as u32
                        })
                    })
                    .collect();
                (values, codes)
            }
        };
        let global: Vec<u32> = values
            .into_iter()
            .map(|v| match self.index.get(&v) {
                Some(&c) => c,
                None => {
                    let c = self.values.len() as u32;
                    self.values.push(v.clone());
                    self.index.insert(v, c);
                    c
                }
            })
            .collect();
        self.codes
            .extend(codes.into_iter().map(|c| c.map(|c| global[c as usize])));
    }
}

/// Reads a whole CSV stream into a table of every column, in batches whose
/// dictionaries are merged: bad rows (ragged, invalid UTF-8) fail it, all
/// of them named.
fn read_table<R: Read>(input: R, path: &Path) -> Result<Table> {
    let mut reader = CsvReader::open(input, path, None, TABLE_BATCH_ROWS)?;
    let columns = reader.columns();
    let mut merged: Vec<Merged> = columns.iter().map(|_| Merged::default()).collect();
    let mut errors = Vec::new();
    while let Some(batch) = reader.next_batch()? {
        let decoded = batch.decode(&columns, &[])?;
        errors.extend(decoded.errors);
        for ((_, values), m) in decoded.table.into_columns().into_iter().zip(&mut merged) {
            m.append(values);
        }
    }
    crate::error::fail_on_rows(errors)?;
    Table::from_columns(
        columns
            .into_iter()
            .zip(merged)
            .map(|(c, m)| {
                let values = Values::Dictionary {
                    values: m.values,
                    codes: m.codes,
                };
                (c, values)
            })
            .collect(),
    )
}

impl Table {
    /// Reads a whole CSV file with a header row (see [`crate::data::csv`]
    /// for how cells are read). Every ragged row and invalid UTF-8 field
    /// is reported at once ([`Error::InvalidRows`]).
    pub fn from_csv_path(path: impl AsRef<Path>) -> Result<Table> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(io_err(path))?;
        read_table(file, path)
    }

    /// Reads a whole CSV stream with a header row, as [`Table::from_csv_path`].
    pub fn from_csv_reader<R: Read>(reader: R) -> Result<Table> {
        read_table(reader, Path::new("<input>"))
    }

    /// Writes the table as CSV with a header (missing cells are empty).
    /// A data file, to be read back: every cell is written as it is, even
    /// one a spreadsheet would run as a formula (see [`TextCells`]).
    pub fn write_csv<W: std::io::Write>(&self, mut writer: W) -> Result<()> {
        let out = Path::new("<output>");
        let mut buf = Vec::new();
        write_record(&mut buf, self.column_names().iter().map(String::as_str));
        let columns: Vec<&Values> = self
            .column_names()
            .iter()
            .filter_map(|c| self.column(c))
            .collect();
        let mut cells: Vec<Option<std::borrow::Cow<'_, str>>> = Vec::with_capacity(columns.len());
        for r in 0..self.n_rows() {
            cells.clear();
            cells.extend(columns.iter().map(|c| c.text(r)));
            write_record(&mut buf, cells.iter().map(|c| c.as_deref().unwrap_or("")));
            if buf.len() >= 1 << 16 {
                writer.write_all(&buf).map_err(io_err(out))?;
                buf.clear();
            }
        }
        writer.write_all(&buf).map_err(io_err(out))?;
        writer.flush().map_err(io_err(out))
    }
}
