//! `leadscore backtest`: a model of the time to close trained on the deals
//! as they stood on past dates, its chances within the horizon set against
//! what happened.

use std::path::PathBuf;

use clap::Args;
use leadscore::data::files::write_atomic;
use leadscore::evidence::report::OutputFormat;
use leadscore::model::params::FitOptions;
use leadscore::model::DealColumns;
use leadscore::{Error, Result, Table};

use crate::args::{format, json, print, TimingArgs};

/// `leadscore backtest`.
#[derive(Args)]
pub struct BacktestArgs {
    /// CSV file of won, lost and open deals, with a header row.
    deals: PathBuf,
    /// The outcome, id, ignored columns and missing tokens.
    #[command(flatten)]
    columns: DealColumns,
    /// How to train: kinds, special values, the penalty and its cross-validation, encoding, scale.
    #[command(flatten)]
    options: FitOptions,
    /// The created and closed columns, the open values, the horizon (one; default 90 days).
    #[command(flatten)]
    timing: TimingArgs,
    /// Past dates to rebuild the deals as of (repeat, or list several); the
    /// file must reach the horizon past each.
    #[arg(long = "on", num_args = 1.., required = true)]
    dates: Vec<String>,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// Write the backtest here instead of to standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `leadscore backtest`.
pub fn run_backtest(a: BacktestArgs) -> Result<()> {
    crate::args::check_files(&[Some(&a.deals)], &[a.out.as_deref()])?;
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    if a.timing.created.is_none() {
        return Err(Error::InvalidParameter {
            name: "created".into(),
            value: String::new(),
            reason: "a backtest of the time to close needs the column of the date each deal was created (--created), the close-date column (--closed) and the open values (--open)".into(),
        });
    }
    let horizon = match a.timing.horizons.as_slice() {
        [] => leadscore::model::timing::DEFAULT_HORIZON_DAYS,
        [one] => *one,
        _ => {
            return Err(Error::InvalidParameter {
                name: "horizon".into(),
                value: format!("{:?}", a.timing.horizons),
                reason: "a backtest checks one horizon at a time".into(),
            })
        }
    };
    let deals = Table::from_csv_path(&a.deals)?;
    let params = a
        .timing
        .params(a.options.params(a.columns.params())?, None)?;
    let b = leadscore::evidence::backtest(&params, &deals, &a.dates, horizon)?;
    let text = match f {
        OutputFormat::Json => json(&b),
        _ => b.to_string(),
    };
    match &a.out {
        Some(path) => write_atomic(path, text.as_bytes()),
        None => print(&text),
    }
}
