//! `leadscore`: learn lead-score points from closed deals and score new leads.
//!
//! Each command turns its flags into one core call and prints through the
//! core's renderers: `args` holds the shared flags, `model` the model
//! commands, `batch` the batch jobs, `qualify` the policy commands,
//! `evidence` the evidence commands and `outcomes` the closed loop
//! (outcomes, promote, rollback).

mod args;
mod batch;
mod evidence;
mod explain;
mod model;
mod outcomes;
mod qualify;
mod timing;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use leadscore::Error;

/// Learn lead-score points from closed-won and closed-lost deals, and score new leads.
#[derive(Parser)]
#[command(name = "leadscore", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Learn points per attribute from closed deals; prints a summary and the scorecard.
    Train(Box<model::TrainArgs>),
    /// Score leads with a model: one output row per input row, in input order.
    Score(batch::ScoreArgs),
    /// Print a model's scorecard.
    Scorecard(model::ScorecardArgs),
    /// Explain each lead's points: base points plus every attribute's and event type's.
    Explain(explain::ExplainArgs),
    /// Run the whole job (train, scorecard, score, check) on built-in synthetic deals.
    Demo(model::DemoArgs),
    /// Write synthetic B2B deals with known true effects as CSV.
    Synthetic(model::SyntheticArgs),
    /// Decide every lead with a policy: tier, route, owner, SLA due time and reasons.
    Qualify(qualify::QualifyArgs),
    /// Write a starter policy (init) or check one against a model (check).
    Policy(qualify::PolicyArgs),
    /// Train on part of the closed deals and evaluate on the deals held out: AUC, log loss, Brier, calibration, lift.
    Evaluate(Box<evidence::EvaluateArgs>),
    /// Leads, won and win rate (with a Wilson interval) by value of a column, with the learned points.
    Conversion(evidence::ConversionArgs),
    /// Leakage audit: columns filled in after the outcome, most severe first.
    Audit(evidence::AuditArgs),
    /// Drift: population stability index of each feature between the training deals and a batch of leads.
    Drift(evidence::DriftArgs),
    /// What changed between two models: attributes added or removed, points that moved, metrics.
    Diff(evidence::DiffArgs),
    /// Split closed deals into a training file and a held-out file (stratified, or the latest by a date column), for honest evidence.
    Split(evidence::SplitArgs),
    /// Write the evidence report (HTML, Markdown or JSON) of a model on held-out deals.
    Report(evidence::ReportArgs),
    /// Rebuild won, lost and open deals as they stood on past dates, train a time model on each, and set its chance of winning within the horizon against what happened.
    Backtest(Box<timing::BacktestArgs>),
    /// What happened to each decision: time to first touch against the SLA, win rates by tier (within and after the SLA, for leads of the same points), rejections.
    Outcomes(Box<outcomes::OutcomesArgs>),
    /// Score the active and a retrained model on recent closed deals side by side; exit 0 when the candidate passes the gate, 3 when it does not. Logged for rollback.
    Promote(Box<outcomes::PromoteArgs>),
    /// Put back the model that the last installed promotion replaced.
    Rollback(outcomes::RollbackArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => model::train(*a),
        Command::Score(a) => batch::score(a),
        Command::Scorecard(a) => model::scorecard(a),
        Command::Explain(a) => explain::explain(a),
        Command::Demo(a) => model::demo(a),
        Command::Synthetic(a) => model::synthetic(a),
        Command::Qualify(a) => qualify::qualify(a),
        Command::Policy(a) => qualify::policy(a),
        Command::Evaluate(a) => evidence::run_evaluate(*a),
        Command::Conversion(a) => evidence::run_conversion(a),
        Command::Audit(a) => evidence::run_audit(a),
        Command::Drift(a) => evidence::run_drift(a),
        Command::Diff(a) => evidence::run_diff(a),
        Command::Report(a) => evidence::run_report(a),
        Command::Split(a) => evidence::run_split(a),
        Command::Backtest(a) => timing::run_backtest(*a),
        Command::Outcomes(a) => outcomes::run_outcomes(*a),
        Command::Promote(a) => match outcomes::run_promote(*a) {
            // The gate refused the candidate: not an error, exit 3.
            Ok(false) => return ExitCode::from(3),
            Ok(true) => Ok(()),
            Err(e) => Err(e),
        },
        Command::Rollback(a) => outcomes::run_rollback(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut msg = format!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                let text = s.to_string();
                if !msg.contains(&text) {
                    msg.push_str(&format!(": {text}"));
                }
                source = s.source();
            }
            if let Some(hint) = hint(&e) {
                msg.push_str(&format!("\n{hint}"));
            }
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

/// The command-line flag behind a library error, when there is one (the
/// library names parameters, not flags).
fn hint(e: &Error) -> Option<String> {
    match e {
        Error::TooManyRejected { .. } => Some("(raise the limit with --max-rejected)".into()),
        Error::NotEnoughOutcomes { .. } => {
            Some("(the minimums are --min-won and --min-lost)".into())
        }
        Error::TooFewLeads { .. } => Some(
            "(freeze the cuts from a reference batch with `leadscore policy freeze`, then qualify \
             with --cuts-from CUTS.json; or give the reference leads to --cuts-from)"
                .into(),
        ),
        Error::Cuts { .. } => {
            Some("(freeze the cuts again with `leadscore policy freeze` and --cuts-from)".into())
        }
        Error::NoActivity { .. } => Some("(give the leads' event log with --events)".into()),
        Error::InvalidParameter { name, .. } if name == "event_half_life_days" => {
            Some("(flag --event-half-life)".into())
        }
        Error::InvalidParameter { name, .. } => {
            let flag = name.replace('_', "-");
            let known = [
                "negative",
                "l2",
                "l2-grid",
                "l2-rule",
                "folds",
                "tolerance",
                "max-bins",
                "max-iterations",
                "points-to-double-odds",
                "special",
                "format",
                "test-share",
                "threads",
                "batch-rows",
                "ignore",
                "id",
                "target",
                "max-rejected",
                "cut-points",
                "bootstrap",
                "out",
                "created",
                "closed",
                "open",
                "horizon",
                "period-days",
                "as-of",
                "by",
                "bands",
                "no-deal",
                "decisions",
                "active",
                "min-auc-ratio",
            ];
            known
                .contains(&flag.as_str())
                .then(|| format!("(flag --{flag})"))
        }
        _ => None,
    }
}
