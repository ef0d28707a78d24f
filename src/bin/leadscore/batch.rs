//! The batch jobs: `score`, and what `score` and `qualify` share: the
//! flags, the progress bar, the interrupt handler and the closing account
//! of rows.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leadscore::batch::{BatchOptions, MaxRejected, Progress};
use leadscore::error::{display_list, display_value};
use leadscore::{Model, Result};

/// Flags of a batch job.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// Write rows that cannot be read here (CSV: row, column, value, reason; one line per bad cell) and go on.
    #[arg(long)]
    pub rejected: Option<PathBuf>,
    /// Most rejected rows accepted: a count, a percentage of rows read (0.5%) or "all". Past it the job fails and writes no output. Default: "all" with --rejected, 0 without.
    #[arg(long, value_parser = parse_max_rejected)]
    pub max_rejected: Option<MaxRejected>,
    /// Worker threads (default: every core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Rows read per batch (memory grows with it, not with the file).
    #[arg(long, default_value_t = 8_192)]
    pub batch_rows: usize,
    /// The scoring date of a model with a time to close (a date or
    /// date-time; default: now): each lead's chances count from it, given
    /// it has been open since its created date.
    #[arg(long)]
    pub as_of: Option<String>,
    /// No progress bar and no summary; warnings and errors only.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub csv: crate::args::CsvText,
}

fn parse_max_rejected(s: &str) -> std::result::Result<MaxRejected, String> {
    s.parse::<MaxRejected>().map_err(|e| e.to_string())
}

impl BatchArgs {
    /// The library's options; `progress` is the bar's callback.
    pub fn options<'a>(&'a self, progress: &'a (dyn Fn(&Progress) + Sync)) -> BatchOptions<'a> {
        BatchOptions {
            batch_rows: self.batch_rows,
            threads: self.threads,
            rejected: self.rejected.as_deref(),
            max_rejected: self.max_rejected.unwrap_or(if self.rejected.is_some() {
                MaxRejected::Unlimited
            } else {
                MaxRejected::Rows(0)
            }),
            progress: Some(progress),
            text_cells: self.csv.cells(),
            activity: None,
            as_of: self.as_of.as_deref(),
        }
    }
}

/// A spinner with the elapsed time on standard error while `what` runs,
/// when standard error is a terminal and not `quiet`; cleared by
/// `finish_and_clear`.
pub fn spinner(quiet: bool, what: String) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(what);
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// A progress bar on standard error when it is a terminal (never on a pipe
/// or a file, nor with `--quiet`).
pub struct Bar {
    bar: Option<Mutex<ProgressBar>>,
}

impl Bar {
    /// A bar for a job called `what` ("scoring", ...).
    pub fn new(quiet: bool, what: &'static str) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{what} {{bar:30}} {{percent:>3}}% {{msg}} [{{elapsed_precise}}, eta {{eta}}]"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        Bar {
            bar: Some(Mutex::new(bar)),
        }
    }

    /// Moves the bar (called after every batch).
    pub fn update(&self, p: &Progress) {
        let Some(bar) = &self.bar else { return };
        let bar = bar.lock().unwrap_or_else(|e| e.into_inner());
        // Jobs that read the input twice (qualify) fill the bar over both passes.
        let passes = p.passes.max(1) as u64;
        let done = p.pass.saturating_sub(1) as u64;
        match (p.total_bytes, p.total_rows) {
            (Some(total), _) => {
                bar.set_length(total * passes);
                bar.set_position(done * total + p.bytes);
            }
            (None, Some(total)) => {
                bar.set_length(total as u64 * passes);
                bar.set_position(done * total as u64 + p.rows as u64);
            }
            (None, None) => {}
        }
        let secs = bar.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "{} rows ({:.0}/s), {} rejected",
            p.rows,
            p.rows as f64 / secs,
            p.rejected
        ));
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.lock()
                .unwrap_or_else(|e| e.into_inner())
                .finish_and_clear();
        }
    }
}

/// On Ctrl-C or SIGTERM: remove this process's temporary output files and
/// exit with 130, so an interrupted job leaves no partial file behind.
pub fn remove_partial_output_on_interrupt() -> Result<()> {
    ctrlc::set_handler(|| {
        leadscore::data::files::remove_temporary_files();
        eprintln!("interrupted: no output written");
        std::process::exit(130);
    })
    .map_err(|e| leadscore::Error::Internal {
        what: format!("setting the SIGINT/SIGTERM handler: {e}"),
    })
}

/// The closing account: `N read = M scored + K rejected` (always printed
/// when rows were rejected, else unless `--quiet`), the first bad cells, and
/// where the rejected rows went.
pub fn print_summary(
    summary: &leadscore::batch::BatchSummary,
    out: &std::path::Path,
    args: &BatchArgs,
) {
    if summary.rejected > 0 {
        for e in summary.first_errors.iter().take(5) {
            eprintln!("rejected: {e}");
        }
        if summary.rejected_cells > 5 {
            eprintln!(
                "rejected: ... {} bad cell(s) in all",
                summary.rejected_cells
            );
        }
        if let Some(path) = &args.rejected {
            eprintln!("rejected rows written to {}", path.display());
        }
    }
    if !args.quiet || summary.rejected > 0 {
        eprintln!("{summary}");
    }
    if !args.quiet {
        eprintln!("-> {}", out.display());
    }
}

/// The leads' event log, for a model that learned from one.
#[derive(Args, Debug)]
pub struct LeadEvents {
    /// The leads' event log (CSV or Parquet), for a model that learned
    /// from events: only events strictly before each lead's as-of time count.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// The as-of time of leads without the model's as-of column (a date or
    /// date-time; default: now).
    #[arg(long)]
    pub at: Option<String>,
}

impl LeadEvents {
    /// The leads' activity, read before the job (none without events).
    pub fn read(
        &self,
        model: &Model,
        leads: &std::path::Path,
        batch_rows: usize,
        threads: usize,
        recent: bool,
    ) -> Result<Option<leadscore::batch::Activity>> {
        let Some(events) = &self.events else {
            return Ok(None);
        };
        if model.events().is_none() {
            return Err(leadscore::Error::InvalidParameter {
                name: "events".into(),
                value: events.display().to_string(),
                reason: "the model did not learn from an event log".into(),
            });
        }
        let found = leadscore::batch::Activity::read(
            model,
            leads,
            events,
            self.at.as_deref(),
            batch_rows,
            threads,
            recent,
        )?;
        Ok(found.map(|(activity, report)| {
            crate::args::report_events(&report.tally, report.warning());
            activity
        }))
    }
}

#[derive(Args)]
pub struct ScoreArgs {
    /// Leads to score: CSV with a header row, or Parquet (.parquet, .pq).
    leads: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// Where to write the scores, CSV or Parquet by extension: id (when the model has one), probability, points; with a time to close also win_within_<H>d per horizon, win_eventually and expected_close. Rows in input order.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    events: LeadEvents,
    #[command(flatten)]
    batch: BatchArgs,
}

/// Fewest scored leads for which `score` warns about drift.
const MIN_DRIFT_ROWS: usize = 200;

/// Runs `leadscore score`.
pub fn score(a: ScoreArgs) -> Result<()> {
    crate::args::check_files(
        &[Some(&a.leads), Some(&a.model)],
        &[Some(&a.out), a.batch.rejected.as_deref()],
    )?;
    let model = Model::load(&a.model)?;
    remove_partial_output_on_interrupt()?;
    let activity = a
        .events
        .read(&model, &a.leads, a.batch.batch_rows, a.batch.threads, false)?;
    let bar = Bar::new(a.batch.quiet, "scoring");
    let progress = |p: &leadscore::batch::Progress| bar.update(p);
    let mut options = a.batch.options(&progress);
    options.activity = activity.as_ref();
    let result = leadscore::batch::score_file(&model, &a.leads, &a.out, &options);
    bar.finish();
    let summary = result?;
    if let Some(drift) = &summary.drift {
        for f in &drift.features {
            if f.unseen_rows > 0 {
                eprintln!(
                    "warning: column {}: {} of {} leads hold values not seen in training (e.g. {}); scored as (other)",
                    display_value(&f.column),
                    f.unseen_rows,
                    summary.written,
                    display_list(&f.unseen_examples)
                );
            }
            if f.rare_rows > 0 {
                eprintln!(
                    "note: column {}: {} of {} leads hold values seen in training too rarely for points of their own; scored as (other)",
                    display_value(&f.column),
                    f.rare_rows,
                    summary.written,
                );
            }
        }
        // Shares of a handful of leads say nothing about drift.
        if summary.written >= MIN_DRIFT_ROWS {
            for w in drift.warnings() {
                eprintln!("warning: {w} (leadscore drift for details)");
            }
        }
    }
    print_summary(&summary, &a.out, &a.batch);
    Ok(())
}
