//! Closing the loop: `outcomes` (what happened to each decision), `promote`
//! (the gate before a retrained model goes live) and `rollback`.

use std::path::PathBuf;

use clap::Args;
use leadscore::batch::outcomes_files;
use leadscore::data::files::write_atomic;
use leadscore::evidence::outcomes::{Grouping, NoDeal, OutcomeOptions};
use leadscore::evidence::promote::{compare, Gate, PromotionOptions};
use leadscore::evidence::promotion_log::{self, PromotionRecord};
use leadscore::evidence::report::OutputFormat;
use leadscore::{Error, Model, Policy, Result, Table};

use crate::args::{format, json, print};

/// `leadscore outcomes`: what happened to each decision.
#[derive(Args)]
pub struct OutcomesArgs {
    /// The decisions: the qualification's output (CSV or Parquet) or its decision log (JSON lines, .jsonl).
    #[arg(long)]
    decisions: PathBuf,
    /// The touches (CSV or Parquet): the lead id, touched_at, and optionally owner and a rejection reason.
    #[arg(long)]
    touches: PathBuf,
    /// The deals (CSV or Parquet): the lead id, the outcome column, and optionally closed_at.
    #[arg(long)]
    deals: PathBuf,
    /// The lead id column, the same name in all three files.
    #[arg(long)]
    id: String,
    /// Group by tier (always shown), route, owner or month (repeatable).
    #[arg(long)]
    by: Vec<String>,
    /// A created-at column of the decisions (or of the log's inputs); default: sla_due minus sla.
    #[arg(long)]
    created: Option<String>,
    /// The deals' outcome column.
    #[arg(long, default_value = "outcome")]
    outcome: String,
    /// Outcome values of a won deal (repeatable; case is ignored).
    #[arg(long, default_values_t = vec!["won".to_string()])]
    positive: Vec<String>,
    /// Outcome values of a lost deal (repeatable).
    #[arg(long, default_values_t = vec!["lost".to_string()])]
    negative: Vec<String>,
    /// Outcome values of a deal still open (repeatable).
    #[arg(long, default_values_t = vec!["open".to_string()])]
    open: Vec<String>,
    /// What a decided lead without a deal counts as: open (not known yet) or lost.
    #[arg(long, default_value = "open")]
    no_deal: String,
    /// Points bands the within-SLA against after-SLA win rates are compared in.
    #[arg(long, default_value_t = 5)]
    bands: usize,
    /// text, md, html (a page), fragment (HTML to embed in another page) or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// Write to this file instead of standard output (needed for html).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Rows read at a time.
    #[arg(long, default_value_t = 65_536)]
    batch_rows: usize,
    /// Worker threads (0: every core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// Runs `leadscore outcomes`.
pub fn run_outcomes(a: OutcomesArgs) -> Result<()> {
    crate::args::check_files(
        &[Some(&a.decisions), Some(&a.touches), Some(&a.deals)],
        &[a.out.as_deref()],
    )?;
    let f = format(
        &a.format,
        &[
            OutputFormat::Text,
            OutputFormat::Md,
            OutputFormat::Html,
            OutputFormat::Fragment,
            OutputFormat::Json,
        ],
    )?;
    if f == OutputFormat::Html && a.out.is_none() {
        return Err(Error::InvalidParameter {
            name: "out".into(),
            value: "(none)".into(),
            reason: "an HTML page needs an output file".into(),
        });
    }
    let mut options = OutcomeOptions::new(&a.id);
    options.by =
        a.by.iter()
            .map(|b| Grouping::parse(b))
            .collect::<Result<_>>()?;
    options.created = a.created.clone();
    options.outcome = a.outcome.clone();
    options.won = a.positive.clone();
    options.lost = a.negative.clone();
    options.open = a.open.clone();
    options.bands = a.bands;
    options.no_deal = match a.no_deal.as_str() {
        "open" => NoDeal::Open,
        "lost" => NoDeal::Lost,
        other => {
            return Err(Error::InvalidParameter {
                name: "no_deal".into(),
                value: other.into(),
                reason: "open or lost".into(),
            })
        }
    };
    let outcomes = outcomes_files(
        &a.decisions,
        &a.touches,
        &a.deals,
        options,
        a.batch_rows,
        a.threads,
    )?;
    if outcomes.problems.rows > 0 {
        eprintln!(
            "warning: {} rows could not be used (listed in the output)",
            outcomes.problems.rows
        );
    }
    let text = outcomes.render(f)?;
    match &a.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            eprintln!("outcomes written to {}", path.display());
            Ok(())
        }
        None => print(&text),
    }
}

/// `leadscore promote`: score the active and the candidate model on recent closed deals and apply the gate.
#[derive(Args)]
pub struct PromoteArgs {
    /// Recent closed deals (CSV) that neither model was trained on.
    recent: PathBuf,
    /// The model live now.
    #[arg(long)]
    active: PathBuf,
    /// The retrained model.
    #[arg(long)]
    candidate: PathBuf,
    /// The recent deals' outcome column (default: the active model's).
    #[arg(long)]
    target: Option<String>,
    /// Won values (default: the active model's).
    #[arg(long)]
    positive: Vec<String>,
    /// Lost values (default: the active model's).
    #[arg(long)]
    negative: Vec<String>,
    /// The gate (TOML: min_auc_ratio, max_log_loss_increase, max_calibration_error, min_deals); default: AUC at least 95 % of the active model's, log loss within its interval.
    #[arg(long)]
    gate: Option<PathBuf>,
    /// A qualification policy: lift of the leads it routes to sales (default: each model's top 20 %).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// The promotion log (JSON lines) the decision is appended to; default promotions.jsonl beside the active model.
    #[arg(long)]
    log: Option<PathBuf>,
    /// On a pass, put the candidate in the active model's file, keeping the active model beside it (undo with `leadscore rollback`).
    #[arg(long)]
    install: bool,
    /// Seed of the paired bootstrap.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
}

/// Runs `leadscore promote`: `Ok(false)` when the candidate is refused.
pub fn run_promote(a: PromoteArgs) -> Result<bool> {
    let log = a
        .log
        .clone()
        .unwrap_or_else(|| promotion_log::default_log(&a.active));
    crate::args::check_files(
        &[
            Some(&a.recent),
            Some(&a.candidate),
            a.gate.as_deref(),
            a.policy.as_deref(),
        ],
        &[Some(&log), a.install.then_some(a.active.as_path())],
    )?;
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    let active = Model::load(&a.active)?;
    let candidate = Model::load(&a.candidate)?;
    let recent = Table::from_csv_path(&a.recent)?;
    let options = PromotionOptions {
        target: a.target.clone(),
        positive: a.positive.clone(),
        negative: a.negative.clone(),
        policy: a.policy.as_ref().map(Policy::load).transpose()?,
        gate: a
            .gate
            .as_ref()
            .map(Gate::load)
            .transpose()?
            .unwrap_or_default(),
        seed: a.seed,
    };
    let promotion = compare(&active, &candidate, &recent, &options)?;
    let copy = if promotion.passed && a.install {
        Some(promotion_log::install(&a.active, &a.candidate)?)
    } else {
        None
    };
    let record = PromotionRecord::new(&promotion, &a.active, &a.candidate, copy.as_deref());
    promotion_log::append(&log, &record)?;
    match f {
        OutputFormat::Json => print(&json(&promotion))?,
        _ => print(&promotion.to_string())?,
    }
    match &copy {
        Some(c) => eprintln!(
            "installed {} as {} (the model it replaced is kept as {}); logged in {}",
            a.candidate.display(),
            a.active.display(),
            c.display(),
            log.display()
        ),
        None => eprintln!("logged in {}", log.display()),
    }
    Ok(promotion.passed)
}

/// `leadscore rollback`: put back the model the last installed promotion replaced.
#[derive(Args)]
pub struct RollbackArgs {
    /// The active model file a promotion was installed in.
    #[arg(long)]
    active: PathBuf,
    /// The promotion log; default promotions.jsonl beside the active model.
    #[arg(long)]
    log: Option<PathBuf>,
}

/// Runs `leadscore rollback`.
pub fn run_rollback(a: RollbackArgs) -> Result<()> {
    let log = a
        .log
        .clone()
        .unwrap_or_else(|| promotion_log::default_log(&a.active));
    let r = promotion_log::rollback(&a.active, &log)?;
    print(&format!(
        "rolled back {}: model {} replaced by {} (from {}); logged in {}",
        r.active_file,
        r.active_fingerprint,
        r.candidate_fingerprint,
        r.candidate_file,
        log.display()
    ))
}
