//! THE CSV writer: fields quoted as the csv crate quotes them.

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

/// A whole CSV document of `header` and `rows`, for small outputs.
pub(crate) fn to_csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = Vec::new();
    write_record(&mut out, header.iter().copied());
    for r in rows {
        write_record(&mut out, r.iter().map(String::as_str));
    }
    out
}
