//! Records of a CSV stream, read straight into a batch's bytes.

use std::io::Read;

/// Reads CSV records straight into a batch's bytes. A line without quotes
/// (nor a carriage return inside it) is split at its commas directly; any
/// other record goes through csv-core (quoted fields, doubled quotes,
/// newlines inside quotes, CR, LF or CRLF). Either way the fields are
/// those the csv crate reads. Never an error but I/O: a malformed row reads
/// as some row, then checked field by field.
pub(crate) struct RecordReader<R> {
    core: csv_core::Reader,
    file: R,
    /// Input read from the file and not yet consumed: `input[pos..end]`.
    input: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Field starts and ends of the last record, relative to its start.
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Bytes of the input consumed.
    pub(crate) bytes: u64,
    /// The last record's line held nothing but spaces (a blank line).
    pub(crate) blank: bool,
}

impl<R: Read> RecordReader<R> {
    pub(crate) fn new(file: R) -> RecordReader<R> {
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
            blank: false,
        }
    }

    /// Reads more of the file, keeping the unconsumed input; false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
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
    pub(crate) fn read(
        &mut self,
        out: &mut Vec<u8>,
        used: &mut usize,
    ) -> std::io::Result<Option<usize>> {
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
            self.blank = line.iter().all(u8::is_ascii_whitespace);
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
        self.blank = true;
        loop {
            if out.len() - *used < 1024 {
                out.resize((out.len() * 2).max(*used + 4096), 0);
            }
            let (result, nin, nout, nend) = self.core.read_record(
                &self.input[self.pos..self.end],
                &mut out[*used..],
                &mut self.ends[nends..],
            );
            self.blank &= self.input[self.pos..self.pos + nin]
                .iter()
                .all(u8::is_ascii_whitespace);
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
    pub(crate) fn span(&self, start: usize, i: usize) -> (usize, usize) {
        (start + self.starts[i], start + self.ends[i])
    }

    /// Field `i` of the last record, which starts at `start` in `buf`.
    pub(crate) fn field<'b>(&self, buf: &'b [u8], start: usize, i: usize) -> &'b [u8] {
        let (a, b) = self.span(start, i);
        &buf[a..b]
    }
}
