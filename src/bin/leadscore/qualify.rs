//! `leadscore qualify` and `leadscore policy init|check`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use leadscore::data::files::{read_to_string, write_atomic, StagedAppend};
use leadscore::policy::{CapacityReport, Cut, Decision, FrozenCuts, TierCount};
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
    /// Decide share and capacity tiers against frozen cuts: a cuts file
    /// (.json, from `leadscore policy freeze`) or a reference batch of leads
    /// (CSV or Parquet) to freeze them from. Needed to qualify fewer leads
    /// than a share or capacity tier cuts (one lead, a small batch).
    #[arg(long)]
    cuts_from: Option<PathBuf>,
    #[command(flatten)]
    events: crate::batch::LeadEvents,
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
    /// Freeze the policy's share and capacity cuts from a reference batch of leads (one period's) into a cuts file.
    Freeze(PolicyFreezeArgs),
}

#[derive(Args)]
struct PolicyFreezeArgs {
    /// Reference leads, one period's (e.g. last month's): CSV with a header row, or Parquet.
    reference: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// The policy file (TOML).
    #[arg(long)]
    policy: PathBuf,
    /// Where to write the frozen cuts (JSON).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    events: crate::batch::LeadEvents,
    #[command(flatten)]
    batch: crate::batch::BatchArgs,
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
        PolicyCommand::Freeze(a) => freeze(a),
    }
}

fn freeze(a: PolicyFreezeArgs) -> Result<()> {
    crate::args::check_files(
        &[Some(&a.reference), Some(&a.model), Some(&a.policy)],
        &[Some(&a.out), a.batch.rejected.as_deref()],
    )?;
    let model = Model::load(&a.model)?;
    let policy = Policy::load(&a.policy)?;
    let activity = a.events.read(
        &model,
        &a.reference,
        a.batch.batch_rows,
        a.batch.threads,
        false,
    )?;
    let bar = crate::batch::Bar::new(a.batch.quiet, "reading the reference");
    let progress = |p: &leadscore::batch::Progress| bar.update(p);
    let mut options = a.batch.options(&progress);
    options.activity = activity.as_ref();
    let result = leadscore::batch::freeze_cuts_file(&model, &policy, &a.reference, &options);
    bar.finish();
    let (cuts, summary) = result?;
    cuts.save(&a.out)?;
    if !a.batch.quiet {
        print_cuts(&cuts, &a.reference);
    }
    crate::batch::print_summary(&summary, &a.out, &a.batch);
    Ok(())
}

/// The frozen cuts in a few lines.
fn print_cuts(cuts: &FrozenCuts, reference: &Path) {
    eprintln!(
        "cuts frozen from {} lead(s) of {} ({}, fingerprint {})",
        cuts.reference.leads,
        reference.display(),
        cuts.reference.frozen_at,
        cuts.reference.fingerprint
    );
    for t in &cuts.tiers {
        let cut = match t.cut {
            Cut::MinPoints(x) => format!("points >= {x:.2}"),
            Cut::MinChance(x) => format!("chance >= {x:.4}"),
            Cut::Everyone => "every eligible lead".to_string(),
            Cut::Nobody => "no lead".to_string(),
        };
        eprintln!("tier {:<12} {:<28} {cut}", t.tier, t.condition);
    }
}

/// The policy deciding against the cuts of `from`: a cuts file (.json) or
/// a reference batch of leads to freeze them from (their activity from the
/// same event log as the job's leads).
fn with_cuts_from(
    policy: Policy,
    model: &Model,
    from: &Path,
    batch: &crate::batch::BatchArgs,
    events: &crate::batch::LeadEvents,
) -> Result<Policy> {
    let is_json = from
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let cuts = if is_json {
        FrozenCuts::load(from)?
    } else {
        // The reference is read as qualify reads leads, but its bad rows are
        // not written to the rejected file of this job's own leads.
        let activity = events.read(model, from, batch.batch_rows, batch.threads, false)?;
        let options = leadscore::batch::BatchOptions {
            rejected: None,
            progress: None,
            activity: activity.as_ref(),
            ..batch.options(&|_| {})
        };
        let (cuts, summary) = leadscore::batch::freeze_cuts_file(model, &policy, from, &options)?;
        if !batch.quiet {
            print_cuts(&cuts, from);
            if summary.rejected > 0 {
                eprintln!(
                    "warning: {} row(s) of {} could not be read and are not in the cuts",
                    summary.rejected,
                    from.display()
                );
            }
        }
        cuts
    };
    policy.with_cuts(cuts)
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
        &[
            Some(&a.leads),
            Some(&a.model),
            Some(&a.policy),
            a.cuts_from.as_deref(),
        ],
        &[Some(&a.out), a.batch.rejected.as_deref(), a.log.as_deref()],
    )?;
    let model = Model::load(&a.model)?;
    let mut policy = Policy::load(&a.policy)?;
    if let Some(from) = &a.cuts_from {
        policy = with_cuts_from(policy, &model, from, &a.batch, &a.events)?;
    }
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
    let activity = a
        .events
        .read(&model, &a.leads, a.batch.batch_rows, a.batch.threads, true)?;
    let bar = crate::batch::Bar::new(a.batch.quiet, "qualifying");
    let progress = |p: &leadscore::batch::Progress| bar.update(p);
    let mut options = a.batch.options(&progress);
    options.activity = activity.as_ref();
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
        let threshold = match (t.threshold, t.chance_threshold) {
            (Some(x), _) => format!(" (points >= {x:.1})"),
            (None, Some(x)) => format!(" ({} >= {x:.4})", policy.rank_by_name()),
            (None, None) => String::new(),
        };
        eprintln!(
            "tier {:<12} {:<12} {:>7} leads{threshold}",
            t.tier,
            t.route.to_string(),
            t.leads
        );
    }
    if let (Some(c), Some(cap)) = (capacity, policy.capacity()) {
        let cut = match (c.cut_points, c.cut_chance) {
            (Some(x), _) => format!("{x:.1} points"),
            (None, Some(x)) => format!("{} {x:.4}", policy.rank_by_name()),
            (None, None) => "none".to_string(),
        };
        let within = match (c.within_days, c.expected_wins_within) {
            (Some(d), Some(w)) => format!(", {w:.1} of them within {d} days"),
            _ => String::new(),
        };
        let pipeline = match c.expected_pipeline {
            Some(v) => format!(", expected pipeline {v:.0}"),
            None => String::new(),
        };
        eprintln!(
            "capacity {} ({} reps x {} leads{}): cut at {cut}; {} of {} eligible leads to sales, expected wins {:.1}{within}{pipeline}",
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
