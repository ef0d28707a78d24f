//! `leadscore qualify` and `leadscore policy init|check`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use leadscore::io::AtomicFile;
use leadscore::qualification::{training_points_quantiles, Decision, Qualification};
use leadscore::{Error, Model, Policy, Result, Severity, Table};

/// Arguments of `leadscore qualify`.
#[derive(Args)]
pub struct QualifyArgs {
    /// CSV file of leads, with a header row.
    leads: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// The policy file (TOML).
    #[arg(long)]
    policy: PathBuf,
    /// Where to write the decisions (CSV), one row per lead in input order.
    #[arg(long)]
    out: PathBuf,
    /// Append one JSON line per decision here, with everything needed to reproduce it.
    #[arg(long)]
    log: Option<PathBuf>,
    /// Attributes for and against shown in the reasons column.
    #[arg(long, default_value_t = 3)]
    top: usize,
    /// Print only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
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

/// Runs `leadscore qualify`.
pub fn qualify(a: QualifyArgs) -> Result<()> {
    let model = Model::load(&a.model)?;
    let policy = Policy::load(&a.policy)?;
    let leads = Table::from_csv_path(&a.leads)?;
    if let Some(c) = &policy.leads.created_at {
        if leads.column(c).is_none() {
            eprintln!(
                "warning: the policy reads created-at from column {c:?}, which {} lacks; sla_due is left empty",
                a.leads.display()
            );
        }
    }
    let q = policy.qualify_batch(&model, &leads)?;
    write_decisions(&a.out, &model, &policy, &q, a.top)?;
    if let Some(log) = &a.log {
        append_log(log, &a, &model, &policy, &leads, &q.decisions)?;
    }
    if !a.quiet {
        print_summary(&q, &policy);
        eprintln!(
            "{} leads qualified -> {}",
            q.decisions.len(),
            a.out.display()
        );
    }
    Ok(())
}

fn write_decisions(
    path: &Path,
    model: &Model,
    policy: &Policy,
    q: &Qualification,
    top: usize,
) -> Result<()> {
    let csv_err = |source| Error::Csv {
        path: path.to_path_buf(),
        line: None,
        source,
    };
    let mut out = AtomicFile::create(path)?;
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let mut header: Vec<&str> = Vec::new();
        if let Some(id) = model.id_column() {
            header.push(id);
        }
        header.extend([
            "tier",
            "route",
            "owner",
            "sla",
            "sla_due",
            "rank",
            "points",
            "probability",
        ]);
        let values = policy.leads.deal_value.is_some();
        if values {
            header.extend(["deal_value", "expected_value"]);
        }
        header.push("reasons");
        w.write_record(&header).map_err(csv_err)?;
        for d in &q.decisions {
            let mut rec: Vec<String> = Vec::with_capacity(header.len());
            if model.id_column().is_some() {
                rec.push(d.id.clone().unwrap_or_default());
            }
            rec.push(d.tier.clone());
            rec.push(d.route.to_string());
            rec.push(d.owner.clone().unwrap_or_default());
            rec.push(d.sla.map(|s| s.to_string()).unwrap_or_default());
            rec.push(d.sla_due.clone().unwrap_or_default());
            rec.push(d.rank.to_string());
            rec.push(format!("{:.2}", d.points));
            rec.push(d.probability.to_string());
            if values {
                rec.push(d.deal_value.map(fmt_money).unwrap_or_default());
                rec.push(d.expected_value.map(fmt_money).unwrap_or_default());
            }
            rec.push(d.reasons(top));
            w.write_record(&rec).map_err(csv_err)?;
        }
        w.flush().map_err(io_err(path))?;
    }
    out.commit()
}

fn fmt_money(x: f64) -> String {
    format!("{x:.2}")
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

fn append_log(
    path: &Path,
    a: &QualifyArgs,
    model: &Model,
    policy: &Policy,
    leads: &Table,
    decisions: &[Decision],
) -> Result<()> {
    let time = now_rfc3339();
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
    for (r, d) in decisions.iter().enumerate() {
        let line = LogLine {
            time: &time,
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
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_err(path))?;
    f.write_all(&buf).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

/// The current time as RFC 3339 UTC, to the second.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    leadscore::qualification::format_timestamp(secs)
}

fn print_summary(q: &Qualification, policy: &Policy) {
    for t in &q.tiers {
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
    if let (Some(c), Some(cap)) = (&q.capacity, policy.capacity) {
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
