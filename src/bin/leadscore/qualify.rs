//! `leadscore qualify` and `leadscore policy init|check`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use leadscore::io::AtomicFile;
use leadscore::qualification::{training_points_quantiles, CapacityReport, Decision, TierCount};
use leadscore::{Error, Model, Policy, Result, Severity, Table};

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
    let text = leadscore::io::read_to_string(&a.policy)?;
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
        policy.tiers.len(),
        policy.must_have.len(),
        policy.disqualify.len(),
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
    let model = Model::load(&a.model)?;
    let policy = Policy::load(&a.policy)?;
    if let Some(c) = &policy.leads.created_at {
        if !leadscore::batch::column_names(&a.leads)?.contains(c) {
            eprintln!(
                "warning: the policy reads created-at from column {c:?}, which {} lacks; sla_due is left empty",
                a.leads.display()
            );
        }
    }
    crate::batch::remove_partial_output_on_interrupt()?;
    // Log lines go to a temporary file first, appended to the log at the end.
    let mut log = match &a.log {
        Some(path) => Some((AtomicFile::create(log_staging_path(path))?, path)),
        None => None,
    };
    let time = now_rfc3339();
    let mut write_log = |leads: &Table, decisions: &[Decision]| -> Result<()> {
        if let Some((file, path)) = log.as_mut() {
            let buf = log_lines(&a, &model, &policy, &time, leads, decisions, path)?;
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
    if let Some((file, path)) = log {
        append_staged_log(file, path)?;
    }
    if !a.batch.quiet {
        print_summary(&summary.tiers, summary.capacity.as_ref(), &policy);
    }
    crate::batch::print_summary(&summary.rows, &a.out, &a.batch);
    Ok(())
}

/// Where log lines wait until the job succeeds: beside the log.
fn log_staging_path(log: &Path) -> PathBuf {
    let name = log
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "log".into());
    log.with_file_name(format!("{name}.pending"))
}

/// Appends the staged log lines to the log, then removes the staging file.
fn append_staged_log(staged: AtomicFile, log: &Path) -> Result<()> {
    let staging = log_staging_path(log);
    staged.commit()?;
    let mut from = std::fs::File::open(&staging).map_err(io_err(&staging))?;
    let mut to = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(io_err(log))?;
    std::io::copy(&mut from, &mut to).map_err(io_err(log))?;
    to.sync_all().map_err(io_err(log))?;
    std::fs::remove_file(&staging).map_err(io_err(&staging))
}

#[derive(serde::Serialize)]
struct LogLine<'a> {
    time: &'a str,
    leadscore_version: &'a str,
    leads_file: String,
    model_file: String,
    model_created_at: &'a str,
    policy_file: String,
    policy_name: Option<&'a str>,
    inputs: BTreeMap<&'a str, Option<String>>,
    #[serde(flatten)]
    decision: &'a Decision,
}

/// One JSON line per decision, with the inputs it was made from.
fn log_lines(
    a: &QualifyArgs,
    model: &Model,
    policy: &Policy,
    time: &str,
    leads: &Table,
    decisions: &[Decision],
    path: &Path,
) -> Result<Vec<u8>> {
    let mut columns: Vec<String> = Vec::new();
    if let Some(id) = model.id_column() {
        columns.push(id.to_string());
    }
    columns.extend(model.feature_columns().iter().map(|s| s.to_string()));
    for c in policy.columns() {
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    let present: Vec<(&str, &leadscore::Values)> = columns
        .iter()
        .filter_map(|c| leads.column(c).map(|v| (c.as_str(), v)))
        .collect();
    let mut buf: Vec<u8> = Vec::new();
    for d in decisions {
        // Decisions carry source row numbers; the batch starts at first_row.
        let r = d.row - leads.first_row();
        let line = LogLine {
            time,
            leadscore_version: env!("CARGO_PKG_VERSION"),
            leads_file: a.leads.display().to_string(),
            model_file: a.model.display().to_string(),
            model_created_at: model.created_at(),
            policy_file: a.policy.display().to_string(),
            policy_name: policy.name.as_deref(),
            inputs: present
                .iter()
                .map(|(c, v)| (*c, v.text(r).map(|s| s.into_owned())))
                .collect(),
            decision: d,
        };
        serde_json::to_writer(&mut buf, &line).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })?;
        buf.push(b'\n');
    }
    Ok(buf)
}

/// The current time as RFC 3339 UTC, to the second.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    leadscore::qualification::format_timestamp(secs)
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
    if let (Some(c), Some(cap)) = (capacity, policy.capacity) {
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

/// Column names `policy init` recognises as created-at and deal value.
const CREATED_NAMES: [&str; 5] = [
    "created_at",
    "created",
    "created_date",
    "createdate",
    "lead_created_at",
];
const VALUE_NAMES: [&str; 5] = [
    "deal_value",
    "amount",
    "deal_amount",
    "value",
    "expected_value",
];

fn init(a: PolicyInitArgs) -> Result<()> {
    let model = Model::load(&a.model)?;
    let text = starter_policy(&model, a.capacity);
    // The starter must be a valid policy for this model.
    let problems = Policy::check_toml_str(&text, &a.out, Some(&model))?;
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(Error::Policy {
            path: a.out.clone(),
            problems,
        });
    }
    leadscore::io::write_atomic(&a.out, text.as_bytes())?;
    eprintln!(
        "starter policy -> {} (check it with: leadscore policy check {} --model {})",
        a.out.display(),
        a.out.display(),
        a.model.display()
    );
    Ok(())
}

fn starter_policy(model: &Model, capacity: Option<u32>) -> String {
    let s = model.summary();
    let known: Vec<&str> = model
        .feature_columns()
        .into_iter()
        .chain(model.id_column())
        .chain(s.columns_excluded.iter().map(|c| c.as_str()))
        .collect();
    let find = |names: &[&str]| {
        names
            .iter()
            .find(|n| known.contains(n))
            .map(|n| n.to_string())
    };
    let created = find(&CREATED_NAMES);
    let value = find(&VALUE_NAMES);
    let (lo, hi) = leadscore::qualification::points_range(model);
    let q = training_points_quantiles(model, &[0.05, 0.20, 0.50]);
    // Whole points, strictly decreasing, inside the model's range.
    let mut t: Vec<f64> = Vec::new();
    for x in q {
        let mut v = x.floor().min(hi.floor());
        if let Some(prev) = t.last() {
            v = v.min(prev - 1.0);
        }
        if v > lo {
            t.push(v);
        }
    }
    let mut out = String::new();
    let w = |out: &mut String, s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    w(
        &mut out,
        "# Lead qualification policy: which leads go to sales, which to the SDRs,",
    );
    w(
        &mut out,
        "# which to marketing nurture, and how fast each must be contacted.",
    );
    w(
        &mut out,
        "# Starter written by `leadscore policy init`; edit it, then run",
    );
    w(
        &mut out,
        "#   leadscore policy check THIS_FILE --model MODEL.json",
    );
    w(
        &mut out,
        &format!(
            "# Model {} (trained on {} deals: {} won, {} lost).",
            model.fingerprint(),
            s.rows,
            s.won,
            s.lost
        ),
    );
    w(&mut out, "#");
    w(
        &mut out,
        "# How the suggested thresholds were found: the model's points for each",
    );
    w(
        &mut out,
        "# attribute were combined with how often that attribute occurred among the",
    );
    w(
        &mut out,
        "# training deals (columns taken as independent), giving the spread of points",
    );
    w(
        &mut out,
        "# a typical lead gets. The thresholds are the points reached by the top 5 %,",
    );
    w(
        &mut out,
        &format!(
            "# 20 % and 50 % of that spread. The model gives between {lo:.1} and {hi:.1} points."
        ),
    );
    w(&mut out, "");
    w(&mut out, "# Document type and version: leave as is.");
    w(&mut out, "format = \"leadscore.policy\"");
    w(&mut out, "format_version = \"1.0\"");
    w(
        &mut out,
        "# Your name and version for this policy; every decision records the version.",
    );
    w(&mut out, "name = \"Starter qualification policy\"");
    w(&mut out, "version = \"1\"");
    w(&mut out, "");
    w(
        &mut out,
        "# Lead columns the policy reads besides the model's.",
    );
    w(&mut out, "[leads]");
    w(
        &mut out,
        "# When the lead was created (YYYY-MM-DD or 2024-05-01T09:30:00Z): SLAs count from it.",
    );
    match &created {
        Some(c) => w(&mut out, &format!("created_at = {c:?}")),
        None => w(&mut out, "# created_at = \"created_at\""),
    }
    w(
        &mut out,
        "# Expected deal value: leads in a tier are worked by P(win) x value.",
    );
    match &value {
        Some(c) => w(&mut out, &format!("deal_value = {c:?}")),
        None => w(&mut out, "# deal_value = \"deal_value\""),
    }
    w(&mut out, "");
    if let Some(n) = capacity {
        w(
            &mut out,
            "# Sales capacity per period: reps x leads_per_rep leads go to sales, the best first.",
        );
        w(
            &mut out,
            &format!("# You asked for {n} leads per period; split it as your team is (e.g. 5 reps x 40)."),
        );
        w(&mut out, "[capacity]");
        w(&mut out, "reps = 1");
        w(&mut out, &format!("leads_per_rep = {}", n.max(1)));
        w(&mut out, "period = \"1w\"");
        w(&mut out, "");
    }
    w(
        &mut out,
        "# Tiers, best first: a lead takes the first tier whose condition it meets.",
    );
    w(
        &mut out,
        "# Conditions: min_points = N, top_share = 0.05 (top 5 % of the leads qualified",
    );
    w(
        &mut out,
        "# together), capacity = true, or none (every other lead; the last tier).",
    );
    w(
        &mut out,
        "# route: sales, sdr, nurture or disqualified. owner: the team. sla: time to",
    );
    w(&mut out, "# first contact (15m, 4h, 2d, 1w).");
    let mut tiers: Vec<(String, String, &str, &str, &str)> = Vec::new();
    let names = ["A", "B", "C", "D", "E"];
    if capacity.is_some() {
        tiers.push((
            "capacity = true".into(),
            "The best leads, as many as sales can take".into(),
            "sales",
            "Account Executives",
            "4h",
        ));
        if let Some(x) = t.get(2).or(t.last()) {
            tiers.push((
                format!("min_points = {x}"),
                "Promising: the SDRs qualify them by phone".into(),
                "sdr",
                "SDR team",
                "2d",
            ));
        }
    } else {
        let specs = [
            (
                "Top 5 %: ready for a sales conversation",
                "sales",
                "Account Executives",
                "4h",
            ),
            (
                "Top 20 %: worth a fast sales call",
                "sales",
                "Account Executives",
                "1d",
            ),
            (
                "Top 50 %: the SDRs qualify them by phone",
                "sdr",
                "SDR team",
                "2d",
            ),
        ];
        for (x, (about, route, owner, sla)) in t.iter().zip(specs) {
            tiers.push((format!("min_points = {x}"), about.into(), route, owner, sla));
        }
    }
    for (i, (cond, about, route, owner, sla)) in tiers.iter().enumerate() {
        w(&mut out, "");
        w(&mut out, &format!("# {about}."));
        w(&mut out, "[[tier]]");
        w(&mut out, &format!("name = {:?}", names[i]));
        w(&mut out, cond);
        w(&mut out, &format!("route = {route:?}"));
        w(&mut out, &format!("owner = {owner:?}"));
        w(&mut out, &format!("sla = {sla:?}"));
    }
    w(&mut out, "");
    w(&mut out, "# Every other lead: marketing keeps in touch.");
    w(&mut out, "[[tier]]");
    w(&mut out, &format!("name = {:?}", names[tiers.len()]));
    w(&mut out, "route = \"nurture\"");
    w(&mut out, "owner = \"Marketing\"");
    w(&mut out, "sla = \"1w\"");
    w(&mut out, "");
    w(
        &mut out,
        "# Must-have rules: a lead failing one never goes to sales, whatever its points;",
    );
    w(
        &mut out,
        "# it takes the best tier below that does not route to sales.",
    );
    w(
        &mut out,
        "# Disqualify rules: a lead matching one is disqualified.",
    );
    w(
        &mut out,
        "# Operators: in, not_in (lists), ==, !=, >=, >, <=, <. missing = \"fail\" or",
    );
    w(
        &mut out,
        "# \"pass\" says what an empty value does (default: fail for must-have, pass",
    );
    w(
        &mut out,
        "# for disqualify). A column the model does not know needs external = true.",
    );
    w(&mut out, "# Examples, to adapt and uncomment:");
    let mut example = false;
    for f in model.features() {
        match &f.encoding {
            leadscore::Encoding::Categorical { levels } if !example && !levels.is_empty() => {
                let shown: Vec<String> = levels.iter().take(3).map(|l| format!("{l:?}")).collect();
                w(&mut out, "#");
                w(&mut out, "# [[must_have]]");
                w(&mut out, &format!("# name = \"Target {}\"", f.column));
                w(&mut out, &format!("# column = {:?}", f.column));
                w(&mut out, &format!("# in = [{}]", shown.join(", ")));
                w(&mut out, "# missing = \"fail\"");
                example = true;
            }
            _ => {}
        }
    }
    if let Some(f) = model
        .features()
        .iter()
        .find(|f| matches!(f.encoding, leadscore::Encoding::Numeric { .. }))
    {
        w(&mut out, "#");
        w(&mut out, "# [[disqualify]]");
        w(&mut out, &format!("# name = \"No {}\"", f.column));
        w(&mut out, &format!("# column = {:?}", f.column));
        w(&mut out, "# op = \"<=\"");
        w(&mut out, "# value = 0");
        w(&mut out, "# missing = \"pass\"");
    }
    out
}
