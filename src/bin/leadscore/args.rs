//! What the commands share: printing to standard output, formats and the
//! flag of every command that writes a CSV report.

use std::io::Write;

use leadscore::data::csv::TextCells;
use leadscore::evidence::report::OutputFormat;
use leadscore::{Error, Result};

/// `--raw-csv-text`, the one flag of every command that writes a CSV
/// report (score, qualify, train --scorecard-csv, scorecard --format csv,
/// evaluate --predictions).
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct CsvText {
    /// Write text cells of CSV outputs as they are. By default a cell that begins with = + - @ (or a tab or CR), which a spreadsheet would run as a formula, is written with a leading ' so that it shows as text; numbers are never changed.
    #[arg(long)]
    pub raw_csv_text: bool,
}

impl CsvText {
    /// How the library writes text cells.
    pub fn cells(self) -> TextCells {
        TextCells::raw_if(self.raw_csv_text)
    }
}

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

/// Refuses a job, before it starts, whose outputs (`None`: not asked for)
/// would replace one of its inputs, each other, or a file that is not a
/// regular file.
pub fn check_files(
    inputs: &[Option<&std::path::Path>],
    outputs: &[Option<&std::path::Path>],
) -> Result<()> {
    let inputs: Vec<&std::path::Path> = inputs.iter().flatten().copied().collect();
    let outputs: Vec<&std::path::Path> = outputs.iter().flatten().copied().collect();
    leadscore::data::files::check_job_files(&inputs, &outputs)
}

/// The event log of a model learned from behaviour over time.
#[derive(clap::Args, Debug, Clone)]
pub struct EventLogArgs {
    /// An event log (CSV or Parquet): the lead id (the deals' id column),
    /// the event type and its time; only events strictly before each lead's
    /// as-of time count.
    #[arg(long)]
    pub events: Option<std::path::PathBuf>,
    /// The event log's event type column.
    #[arg(long, default_value = "event")]
    pub event_column: String,
    /// The event log's time column (dates or date-times).
    #[arg(long, default_value = "timestamp")]
    pub event_time: String,
    /// An optional numeric column of the event log that each event counts as instead of 1.
    #[arg(long)]
    pub event_value: Option<String>,
    /// Every event type fades with this half-life, in days (30: "50 % a
    /// month"), instead of one learned per type from the deals.
    #[arg(long)]
    pub event_half_life: Option<f64>,
}

/// When deals close: a model of the time to close learned from won, lost
/// and still-open deals.
#[derive(clap::Args, Debug, Clone)]
pub struct TimingArgs {
    /// The outcome values of deals still open (neither won nor lost yet);
    /// with --created.
    #[arg(long, num_args = 1..)]
    pub open: Vec<String>,
    /// The column of the date each deal was created: learn when deals
    /// close too (with --closed); --as-of is then the date the data stands
    /// at (default: the latest date in the file).
    #[arg(long)]
    pub created: Option<String>,
    /// The column of the date each deal closed (empty while open).
    #[arg(long)]
    pub closed: Option<String>,
    /// A horizon in days of the chance of winning within it (repeat for
    /// more; default 90).
    #[arg(long = "horizon", num_args = 1..)]
    pub horizons: Vec<u32>,
    /// Days per period of the time model (default 7).
    #[arg(long)]
    pub period_days: Option<u32>,
}

impl TimingArgs {
    /// The training options with the time model's, when --created is given
    /// (`as_of`: the date the data stands at); without it, any other time
    /// option is an error.
    pub fn params(
        &self,
        mut params: leadscore::ModelParams,
        as_of: Option<&str>,
    ) -> leadscore::Result<leadscore::ModelParams> {
        let Some(created) = &self.created else {
            if !self.open.is_empty()
                || self.closed.is_some()
                || !self.horizons.is_empty()
                || self.period_days.is_some()
            {
                return Err(leadscore::Error::InvalidParameter {
                    name: "created".into(),
                    value: String::new(),
                    reason: "open deals, a close-date column, horizons and periods are for a model of the time to close: name the column of the date each deal was created (--created)".into(),
                });
            }
            return Ok(params);
        };
        params = params.created(created).open(self.open.clone());
        if let Some(c) = &self.closed {
            params = params.closed(c);
        }
        if !self.horizons.is_empty() {
            params = params.horizons(self.horizons.iter().copied());
        }
        if let Some(d) = self.period_days {
            params = params.period_days(d);
        }
        if let Some(date) = as_of {
            params = params.as_of_date(date);
        }
        Ok(params)
    }
}

/// An event log to learn from: its file, the deals' as-of column and the
/// log's columns.
pub struct DealEvents<'a> {
    pub log: &'a std::path::Path,
    pub as_of: &'a str,
    pub columns: leadscore::model::events::EventColumns,
}

impl EventLogArgs {
    /// The event log to learn from with the deals' id column `id` and as-of
    /// column `as_of` (`None` without a log); a log without an as-of
    /// column or an id, or an as-of column without a log, is an error.
    pub fn for_deals<'a>(
        &'a self,
        id: Option<&str>,
        as_of: Option<&'a str>,
    ) -> leadscore::Result<Option<DealEvents<'a>>> {
        let invalid = |name: &str, value: &str, reason: &str| leadscore::Error::InvalidParameter {
            name: name.into(),
            value: value.into(),
            reason: reason.into(),
        };
        match (&self.events, as_of) {
            (None, None) => Ok(None),
            (Some(log), Some(as_of)) => {
                let id = id.ok_or_else(|| {
                    invalid("id", "", "learning from an event log needs the deals' id column (--id), the one the log names leads by")
                })?;
                Ok(Some(DealEvents {
                    log,
                    as_of,
                    columns: self.columns(id),
                }))
            }
            (Some(_), None) => Err(invalid(
                "as-of",
                "",
                "an event log needs the deals' as-of time column (--as-of): only events before it count",
            )),
            (None, Some(as_of)) => Err(invalid(
                "as-of",
                as_of,
                "an as-of column is for an event log (--events)",
            )),
        }
    }

    /// The log's columns, the lead id in `id`.
    pub fn columns(&self, id: &str) -> leadscore::model::events::EventColumns {
        leadscore::model::events::EventColumns {
            id: id.to_string(),
            event: self.event_column.clone(),
            timestamp: self.event_time.clone(),
            value: self.event_value.clone(),
        }
    }
}

/// Prints what reading an event log found (to standard error).
pub fn report_events(tally: &leadscore::model::events::EventTally, unknown: Option<String>) {
    eprintln!(
        "events: {} counted, {} at or after their lead's as-of time left out, {} of leads not in the file left out",
        tally.counted, tally.at_or_after_as_of, tally.unknown_lead
    );
    if let Some(w) = unknown {
        eprintln!("warning: {w}");
    }
}

/// Marketing's points sheet as the starting point the deals move.
#[derive(clap::Args, Debug, Clone)]
pub struct PriorArgs {
    /// A points sheet (CSV: column, value or range, points; the format
    /// `evaluate --points-sheet` reads): its points become the prior of the
    /// attribute points, on the model's scale; five won and five lost deals
    /// are then enough to train.
    #[arg(long)]
    pub prior_sheet: Option<std::path::PathBuf>,
    /// How much of the sheet the prior keeps: `auto` (chosen by
    /// cross-validation) or a share from 0 (ignore the sheet) to 1.
    #[arg(long, default_value = "auto")]
    pub prior_strength: String,
}

impl PriorArgs {
    /// The training options with the sheet and its strength.
    pub fn params(&self, params: leadscore::ModelParams) -> Result<leadscore::ModelParams> {
        use leadscore::model::prior::PriorStrength;
        let params = params.prior_strength(PriorStrength::from_text(&self.prior_strength)?);
        match &self.prior_sheet {
            Some(path) => Ok(params.prior_sheet(leadscore::model::sheet::PointsSheet::load(path)?)),
            None => Ok(params),
        }
    }
}
