//! What the commands share: printing to standard output and formats.

use std::io::Write;

use leadscore::evidence::report::OutputFormat;
use leadscore::{Error, Result};

/// An error writing to standard output.
pub fn stdout_err(source: std::io::Error) -> Error {
    Error::Io {
        path: "<stdout>".into(),
        source,
    }
}

/// Prints `text` on standard output, ending it with a line break.
pub fn print(text: &str) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes()).map_err(stdout_err)?;
    if !text.ends_with('\n') {
        out.write_all(b"\n").map_err(stdout_err)?;
    }
    Ok(())
}

/// Pretty JSON of a result.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    // Results are plain data: serializing them cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The `--format` value, which must be one of `allowed`.
pub fn format(value: &str, allowed: &[OutputFormat]) -> Result<OutputFormat> {
    value.parse::<OutputFormat>()?.one_of(allowed)
}
