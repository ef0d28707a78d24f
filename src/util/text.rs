//! THE rule for showing text from the data (cell values, column names) in
//! warnings and errors: control characters escaped, long values cut.
//!
//! A value printed to a terminal as it is can move the cursor, recolour or
//! rewrite earlier lines (ESC sequences), hide text (bidirectional
//! overrides) or flood the screen (a 50 MB cell). Shown through these
//! functions it is harmless: every control character (C0, DEL, C1) and
//! every invisible formatting character (bidirectional marks and
//! overrides, zero-width characters, line and paragraph separators, the
//! byte-order mark) is written as a visible escape (`\u{1b}`, `\t`, `\n`),
//! and a value over [`MAX_SHOWN_BYTES`] bytes is cut to its first
//! [`SHOWN_CHARS`] characters followed by `… (N bytes)`.

use std::fmt::Write as _;

/// Longest value, in bytes, shown whole.
pub const MAX_SHOWN_BYTES: usize = 200;

/// Characters shown of a longer value.
pub const SHOWN_CHARS: usize = 80;

/// A value from the data as a message shows it: in double quotes as `{:?}`
/// writes a string (`"` and `\` escaped), control and invisible characters
/// escaped, cut when long.
///
/// ```
/// use leadscore::error::display_value;
/// assert_eq!(display_value("Paid Search"), "\"Paid Search\"");
/// assert_eq!(display_value("\u{1b}[2J"), "\"\\u{1b}[2J\"");
/// let long = "x".repeat(1_000);
/// assert_eq!(display_value(&long), format!("\"{}\"… (1000 bytes)", "x".repeat(80)));
/// ```
pub fn display_value(value: &str) -> String {
    let (head, cut) = head(value);
    let mut out = String::with_capacity(head.len() + 2);
    out.push('"');
    escape_into(&mut out, head, true);
    out.push('"');
    if cut {
        let _ = write!(out, "… ({} bytes)", value.len());
    }
    out
}

/// Text from the data shown without quotes (in a list of names, after
/// `=`): control and invisible characters escaped, cut when long, as
/// [`display_value`].
///
/// ```
/// use leadscore::error::display_text;
/// assert_eq!(display_text("deal_id"), "deal_id");
/// assert_eq!(display_text("a\u{7f}b\u{9b}"), "a\\u{7f}b\\u{9b}");
/// ```
pub fn display_text(text: &str) -> String {
    let (head, cut) = head(text);
    let mut out = String::with_capacity(head.len());
    escape_into(&mut out, head, false);
    if cut {
        let _ = write!(out, "… ({} bytes)", text.len());
    }
    out
}

/// Names from the data as a list: each as [`display_value`], comma-separated.
pub fn display_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| display_value(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The part of `text` shown, and whether it was cut.
fn head(text: &str) -> (&str, bool) {
    if text.len() <= MAX_SHOWN_BYTES {
        return (text, false);
    }
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((i, _)) => (&text[..i], true),
        None => (text, false),
    }
}

/// Appends `text` with its control and invisible characters escaped (and,
/// `quoted`, its double quotes and backslashes).
fn escape_into(out: &mut String, text: &str, quoted: bool) {
    for c in text.chars() {
        match c {
            '"' | '\\' if quoted => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || invisible(c) => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
}

/// Formatting characters that change how text around them looks without
/// showing themselves.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_debug_on_ordinary_text_and_escapes_the_rest() {
        for s in [
            "industry",
            "C-level",
            "a \"quoted\" b",
            "back\\slash",
            "é ü 日本",
        ] {
            assert_eq!(display_value(s), format!("{s:?}"));
        }
        assert_eq!(display_value("\u{1b}[31mred"), "\"\\u{1b}[31mred\"");
        assert_eq!(display_value("tab\there\r\n"), "\"tab\\there\\r\\n\"");
        assert_eq!(display_text("x\u{202e}y\u{85}"), "x\\u{202e}y\\u{85}");
        assert_eq!(display_list(&["a", "b\u{1b}"]), "\"a\", \"b\\u{1b}\"");
    }

    #[test]
    fn cuts_long_values_on_a_character_boundary() {
        let v = "é".repeat(150); // 300 bytes
        let shown = display_text(&v);
        assert_eq!(shown, format!("{}… (300 bytes)", "é".repeat(80)));
        assert_eq!(display_text(&"a".repeat(200)), "a".repeat(200));
    }
}
