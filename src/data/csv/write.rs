//! THE CSV writer: fields quoted as the csv crate quotes them, and THE
//! rule for text cells of CSV reports ([`TextCells`]).

/// How the text cells of a CSV report are written: the scores and
/// decisions of batch jobs and [`crate::data::columns::to_csv`], the
/// scorecard, the rejected rows, the held-out predictions.
///
/// A spreadsheet opening a CSV file runs a cell that begins with `=`, `+`,
/// `-` or `@` (or a tab or carriage return) as a formula, so a lead id or a
/// value from the data such as `=HYPERLINK("http://…")` would compute, link
/// or call out there (CSV injection, see OWASP). [`TextCells::Neutralised`],
/// the default, writes such a cell with a single quote in front
/// (`'=HYPERLINK(…)`, quoted as CSV requires), which the spreadsheet shows
/// as text. Number columns are never touched, and neither is a text cell
/// that is a plain number (`-12.5`, `+3`, `-1e-3`): it cannot be a
/// formula. [`TextCells::Raw`] writes every cell as it is, for programs
/// that read the file and need the exact text.
///
/// Data files meant to be read back by leadscore ([`crate::Table::write_csv`]:
/// `leadscore synthetic`, `audit --drop-flagged`) are always written raw, so
/// that every value reads back as it was.
///
/// ```
/// use leadscore::data::csv::TextCells;
/// assert_eq!(TextCells::default().cell("=1+2"), "'=1+2");
/// assert_eq!(TextCells::Neutralised.cell("-12.5"), "-12.5");
/// assert_eq!(TextCells::Neutralised.cell("Paid Search"), "Paid Search");
/// assert_eq!(TextCells::Raw.cell("@SUM(A1)"), "@SUM(A1)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextCells {
    /// A cell that a spreadsheet would run as a formula gets a leading `'`.
    #[default]
    Neutralised,
    /// Every cell as it is.
    Raw,
}

impl TextCells {
    /// [`TextCells::Raw`] when `raw`, else [`TextCells::Neutralised`].
    pub fn raw_if(raw: bool) -> TextCells {
        if raw {
            TextCells::Raw
        } else {
            TextCells::Neutralised
        }
    }

    /// The text of a cell as written (before CSV quoting).
    pub fn cell(self, text: &str) -> std::borrow::Cow<'_, str> {
        if self == TextCells::Neutralised && starts_formula(text) {
            format!("'{text}").into()
        } else {
            text.into()
        }
    }
}

/// Whether a spreadsheet could run `text` as a formula: it begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return, and is not a plain number.
pub fn starts_formula(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => {
            let rest = &text[1..];
            let plain = rest.starts_with(|c: char| c.is_ascii_digit() || c == '.')
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
                && rest.parse::<f64>().is_ok();
            !plain
        }
        _ => false,
    }
}

/// Appends a text cell of a report: [`TextCells::cell`], then CSV quoting.
pub(crate) fn write_text(out: &mut Vec<u8>, text: &str, cells: TextCells) {
    write_field(out, &cells.cell(text));
}

/// Appends a CSV field: quoted only when it holds a comma, a quote or a
/// line break (quotes doubled), as the csv crate writes it.
pub(crate) fn write_field(out: &mut Vec<u8>, text: &str) {
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

/// Appends a record and its line break. A record of one empty field is
/// written `""`, so that it reads back as a row and not as a blank line.
pub(crate) fn write_record<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    let start = out.len();
    let mut n = 0;
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_field(out, f);
        n += 1;
    }
    if n == 1 && out.len() == start {
        out.extend_from_slice(b"\"\"");
    }
    out.push(b'\n');
}

/// Appends a record of text cells of a report ([`write_text`]) and its
/// line break.
pub(crate) fn write_text_record<'a>(
    out: &mut Vec<u8>,
    fields: impl IntoIterator<Item = &'a str>,
    cells: TextCells,
) {
    match cells {
        TextCells::Raw => write_record(out, fields),
        TextCells::Neutralised => {
            let fields: Vec<_> = fields.into_iter().map(|f| cells.cell(f)).collect();
            write_record(out, fields.iter().map(|f| f.as_ref()));
        }
    }
}
