//! Small private helpers shared by every layer: dates and times,
//! fingerprints, missing tokens, number formatting, text from the data in
//! messages.

pub(crate) mod fingerprint;
#[cfg(feature = "parquet")]
pub(crate) mod guard;
pub(crate) mod text;
pub(crate) mod time;

/// Whether a present cell is one of the extra tokens read as missing.
pub(crate) fn is_missing_token(tokens: &[String], value: &str) -> bool {
    tokens.iter().any(|m| m == value)
}

/// Formats a number the way it would be written in a CSV file (`1` not `1.0`).
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// `text` cut to at most `max` characters, with `…` when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((i, _)) => format!("{}…", &text[..i]),
    }
}
