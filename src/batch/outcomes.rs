//! The outcomes of decisions from files (see [`crate::evidence::outcomes`]):
//! the decisions (CSV, Parquet or a JSON-lines decision log) read first,
//! then the touches and the deals in batches, so memory grows with the
//! decided leads, never with the touches.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::pipeline::run;
use super::source::{RawBatch, Source};
use crate::error::{fail_on_rows, Error, Result};
use crate::evidence::outcomes::{OutcomeOptions, OutcomeTally, Outcomes};

/// Whether `path` is a JSON-lines decision log (`.jsonl`, `.ndjson`,
/// `.json`), by its extension.
pub fn is_decision_log(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    matches!(ext.as_deref(), Some("jsonl" | "ndjson" | "json"))
}

/// The `required` columns, then those of `optional` that `path` has.
fn present_columns(path: &Path, required: &[&str], optional: &[&str]) -> Result<Vec<String>> {
    let header = super::column_names(path)?;
    let mut names: Vec<String> = Vec::new();
    for c in required
        .iter()
        .chain(optional.iter().filter(|c| header.iter().any(|h| h == *c)))
    {
        if !names.iter().any(|n| n == c) {
            names.push(c.to_string());
        }
    }
    Ok(names)
}

/// Adds the decisions of `path` to `tally`: the qualification's output
/// (CSV or Parquet), decoded `batch_rows` rows at a time on `threads`
/// workers and added in file order, or its JSON-lines decision log
/// ([`is_decision_log`]), line by line.
pub fn add_decisions_file(
    tally: &mut OutcomeTally,
    path: &Path,
    batch_rows: usize,
    threads: usize,
) -> Result<()> {
    if is_decision_log(path) {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            tally.add_decision_line(i + 1, &line.map_err(io)?);
        }
        return Ok(());
    }
    let id = tally.options().id.clone();
    let created = tally.options().created.clone();
    let mut text = vec![id.as_str(), "sla_due"];
    let mut required = vec![id.as_str(), "tier", "points"];
    if let Some(c) = &created {
        required.push(c.as_str());
        text.push(c.as_str());
    }
    let names = present_columns(path, &required, &["route", "owner", "sla", "sla_due"])?;
    let process = |raw: RawBatch| {
        let decoded = raw.decode(&names, &text)?;
        fail_on_rows(decoded.errors)?;
        Ok(decoded.table)
    };
    run(
        Source::open(path, &names, batch_rows)?,
        threads,
        &process,
        |table| tally.add_decisions(&table),
    )
}

/// Adds the touches of `path` (CSV or Parquet: the id, `touched_at`, and
/// `owner` and `reason` where present) to `tally`; they resolve to leads
/// on `threads` workers and are added in file order.
pub fn add_touches_file(
    tally: &mut OutcomeTally,
    path: &Path,
    batch_rows: usize,
    threads: usize,
) -> Result<()> {
    let id = tally.options().id.clone();
    let columns = present_columns(path, &[id.as_str(), "touched_at"], &["owner", "reason"])?;
    let text = [id.as_str(), "touched_at"];
    let (resolver, mut applier) = tally.stages();
    run(
        Source::open(path, &columns, batch_rows)?,
        threads,
        &|raw: RawBatch| {
            let decoded = raw.decode(&columns, &text)?;
            fail_on_rows(decoded.errors)?;
            resolver.touches(&decoded.table)
        },
        |batch| {
            applier.touches(batch);
            Ok(())
        },
    )
}

/// Adds the deals of `path` (CSV or Parquet: the id, the outcome column,
/// and `closed_at` where present) to `tally`, as [`add_touches_file`].
pub fn add_deals_file(
    tally: &mut OutcomeTally,
    path: &Path,
    batch_rows: usize,
    threads: usize,
) -> Result<()> {
    let id = tally.options().id.clone();
    let outcome = tally.options().outcome.clone();
    let columns = present_columns(path, &[id.as_str(), outcome.as_str()], &["closed_at"])?;
    let text = [id.as_str(), "closed_at"];
    let (resolver, mut applier) = tally.stages();
    run(
        Source::open(path, &columns, batch_rows)?,
        threads,
        &|raw: RawBatch| {
            let decoded = raw.decode(&columns, &text)?;
            fail_on_rows(decoded.errors)?;
            resolver.deals(&decoded.table)
        },
        |batch| {
            applier.deals(batch);
            Ok(())
        },
    )
}

/// What happened to the decisions of `decisions` (the qualification's
/// output as CSV or Parquet, or its decision log as JSON lines), given the
/// touches and the deals (CSV or Parquet), joined on `options.id`. The
/// touches and deals are read `batch_rows` rows at a time on `threads`
/// workers (0: every core). Rows that cannot be used are counted and
/// listed in [`Outcomes::problems`]; a file that cannot be read, or lacks
/// a column that must be there, is an error.
///
/// ```
/// use leadscore::batch::outcomes_files;
/// use leadscore::evidence::outcomes::OutcomeOptions;
/// let dir = std::env::temp_dir().join(format!("leadscore-doc-outcomes-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("decisions.csv"),
///     "lead_id,tier,route,sla,sla_due,points\nL1,A,sales,4h,2024-03-01T13:00:00Z,12\nL2,B,nurture,,,3\n").unwrap();
/// std::fs::write(dir.join("touches.csv"), "lead_id,touched_at\nL1,2024-03-01T11:30:00Z\nL9,2024-03-02\n").unwrap();
/// std::fs::write(dir.join("deals.csv"), "lead_id,outcome\nL1,won\nL2,lost\n").unwrap();
/// let o = outcomes_files(&dir.join("decisions.csv"), &dir.join("touches.csv"),
///     &dir.join("deals.csv"), OutcomeOptions::new("lead_id"), 8_192, 1).unwrap();
/// assert_eq!(o.tiers[0].stats.median_hours_to_touch, Some(2.5));
/// assert_eq!(o.problems.examples[0].to_string(),
///     "touches row 2, column \"lead_id\", value \"L9\": no decision for this lead");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn outcomes_files(
    decisions: &Path,
    touches: &Path,
    deals: &Path,
    options: OutcomeOptions,
    batch_rows: usize,
    threads: usize,
) -> Result<Outcomes> {
    crate::data::files::check_job_files(&[decisions, touches, deals], &[])?;
    let mut tally = OutcomeTally::new(options)?;
    add_decisions_file(&mut tally, decisions, batch_rows, threads)?;
    add_touches_file(&mut tally, touches, batch_rows, threads)?;
    add_deals_file(&mut tally, deals, batch_rows, threads)?;
    Ok(tally.finish())
}
