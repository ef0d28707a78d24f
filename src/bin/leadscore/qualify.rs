//! `leadscore qualify` and `leadscore policy init|check`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use leadscore::data::files::{read_to_string, write_atomic, StagedAppend};
use leadscore::policy::{CapacityReport, Decision, TierCount};
use leadscore::{DecisionLog, Error, Model, Policy, Result, Severity, Table};

/// Arguments of `leadscore qualify`.
#[derive(Args)]
pub struct QualifyArgs {
    /// Leads: CSV with a header row, or Parquet (.parquet, .pq).
    leads: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// The policy file (TOML).
    #[arg(long)]
    policy: PathBuf,
    /// Where to write the decisions, CSV or Parquet by extension: one row per lead, in input order.
    #[arg(long)]
    out: PathBuf,
    /// Append one JSON line per decision here, with everything needed to reproduce it.
    #[arg(long)]
    log: Option<PathBuf>,
    /// Attributes for and against shown in the reasons column.
    #[arg(long, default_value_t = 3)]
    top: usize,
    #[command(flatten)]
    batch: crate::batch::BatchArgs,
}

/// Arguments of `leadscore policy`.
#[derive(Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Write a commented starter policy with tier thresholds suggested from the model.
    Init(PolicyInitArgs),
    /// Check a policy (against a model): prints every problem, exits 2 if any is an error.
    Check(PolicyCheckArgs),
}

#[derive(Args)]
struct PolicyInitArgs {
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// Where to write the policy (TOML).
    #[arg(long)]
    out: PathBuf,
    /// Leads sales can take per period: the top tier becomes the capacity cut.
    #[arg(long)]
    capacity: Option<u32>,
}

#[derive(Args)]
struct PolicyCheckArgs {
    /// The policy file (TOML).
    policy: PathBuf,
    /// The model the policy is used with (checks columns, values and thresholds).
    #[arg(long)]
    model: Option<PathBuf>,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `leadscore policy ...`.
pub fn policy(a: PolicyArgs) -> Result<()> {
    match a.command {
        PolicyCommand::Init(a) => init(a),
        PolicyCommand::Check(a) => check(a),
    }
}

fn check(a: PolicyCheckArgs) -> Result<()> {
    let model = a.model.as_ref().map(Model::load).transpose()?;
    let text = read_to_string(&a.policy)?;
    let problems = Policy::check_toml_str(&text, &a.policy, model.as_ref())?;
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(Error::Policy {
            path: a.policy.clone(),
            problems,
        });
    }
    for p in &problems {
        eprintln!("{}: {p}", a.policy.display());
    }
    let policy = Policy::from_toml_str(&text)?;
    println!(
        "{}: OK: {} tier(s), {} must-have rule(s), {} disqualify rule(s){}{}",
        a.policy.display(),
        policy.tiers().len(),
        policy.must_have().len(),
        policy.disqualify().len(),
        if model.is_some() {
            ", checked against the model"
        } else {
            ""
        },
        if problems.is_empty() {
            String::new()
        } else {
            format!(", {} warning(s)", problems.len())
        }
    );
    Ok(())
}

/// Runs `leadscore qualify`: two streaming passes over the leads (see
/// `leadscore::batch::qualify_file`), decisions written atomically, the log
/// appended only when the job succeeds.
pub fn qualify(a: QualifyArgs) -> Result<()> {
    crate::args::check_files(
        &[Some(&a.leads), Some(&a.model), Some(&a.policy)],
        &[Some(&a.out), a.batch.rejected.as_deref(), a.log.as_deref()],
    )?;
    let model = Model::load(&a.model)?;
    let policy = Policy::load(&a.policy)?;
    if let Some(c) = &policy.leads().created_at {
        if !leadscore::batch::column_names(&a.leads)?.contains(c) {
            eprintln!(
                "warning: the policy reads created-at from column {c:?}, which {} lacks; sla_due is left empty",
                a.leads.display()
            );
        }
    }
    crate::batch::remove_partial_output_on_interrupt()?;
    // Log lines are staged in this job's own file, appended to the log
    // under a lock only when the job succeeds.
    let mut log = match &a.log {
        Some(path) => Some((StagedAppend::create(path)?, path)),
        None => None,
    };
    let lines = DecisionLog::new(
        a.leads.display().to_string(),
        a.model.display().to_string(),
        a.policy.display().to_string(),
    );
    let mut write_log = |leads: &Table, decisions: &[Decision]| -> Result<()> {
        if let Some((file, path)) = log.as_mut() {
            let buf = lines.lines(&model, &policy, leads, decisions)?;
            file.write_all(&buf).map_err(io_err(path))?;
        }
        Ok(())
    };
    let bar = crate::batch::Bar::new(a.batch.quiet, "qualifying");
    let progress = |p: &leadscore::batch::Progress| bar.update(p);
    let options = a.batch.options(&progress);
    let hook: Option<leadscore::batch::DecisionsHook> = if a.log.is_some() {
        Some(&mut write_log)
    } else {
        None
    };
    let result =
        leadscore::batch::qualify_file(&model, &policy, &a.leads, &a.out, &options, a.top, hook);
    bar.finish();
    let summary = result?;
    if let Some((staged, _)) = log {
        staged.commit()?;
    }
    if !a.batch.quiet {
        print_summary(&summary.tiers, summary.capacity.as_ref(), &policy);
    }
    crate::batch::print_summary(&summary.rows, &a.out, &a.batch);
    Ok(())
}

fn print_summary(tiers: &[TierCount], capacity: Option<&CapacityReport>, policy: &Policy) {
    for t in tiers {
        let threshold = match t.threshold {
            Some(x) => format!(" (points >= {x:.1})"),
            None => String::new(),
        };
        eprintln!(
            "tier {:<12} {:<12} {:>7} leads{threshold}",
            t.tier,
            t.route.to_string(),
            t.leads
        );
    }
    if let (Some(c), Some(cap)) = (capacity, policy.capacity()) {
        let cut = match c.cut_points {
            Some(x) => format!("{x:.1} points"),
            None => "none".to_string(),
        };
        let pipeline = match c.expected_pipeline {
            Some(v) => format!(", expected pipeline {v:.0}"),
            None => String::new(),
        };
        eprintln!(
            "capacity {} ({} reps x {} leads{}): cut at {cut}; {} of {} eligible leads to sales, expected wins {:.1}{pipeline}",
            c.capacity,
            cap.reps,
            cap.leads_per_rep,
            cap.period.map(|p| format!(" per {p}")).unwrap_or_default(),
            c.sales_leads,
            c.eligible,
            c.expected_wins,
        );
    }
}

fn init(a: PolicyInitArgs) -> Result<()> {
    crate::args::check_files(&[Some(&a.model)], &[Some(&a.out)])?;
    let model = Model::load(&a.model)?;
    let text = Policy::starter(&model, a.capacity);
    // The starter must be a valid policy for this model.
    let problems = Policy::check_toml_str(&text, &a.out, Some(&model))?;
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(Error::Policy {
            path: a.out.clone(),
            problems,
        });
    }
    write_atomic(&a.out, text.as_bytes())?;
    eprintln!(
        "starter policy -> {} (check it with: leadscore policy check {} --model {})",
        a.out.display(),
        a.out.display(),
        a.model.display()
    );
    Ok(())
}
