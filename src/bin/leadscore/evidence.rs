//! Evidence subcommands: evaluate, conversion, audit, drift, diff, report.
//! Each computes in the core and prints with the core's renderers.

use std::path::PathBuf;

use clap::Args;
use leadscore::data::files::write_atomic;
use leadscore::evidence::report::{build, OutputFormat, ReportOptions};
use leadscore::evidence::{audit, conversion_by, evaluate, EvaluationOptions, PointsSheet, Split};
use leadscore::model::DealColumns;
use leadscore::{Error, Model, Policy, Result, Table, Target};

use crate::args::{format, json, print, CsvText};

/// `leadscore audit`: the leakage audit on its own.
#[derive(Args)]
pub struct AuditArgs {
    /// CSV file of closed deals, with a header row.
    deals: PathBuf,
    /// The outcome, id, ignored columns and missing tokens.
    #[command(flatten)]
    columns: DealColumns,
    /// The date the outcome became known (e.g. closed_at): flags date columns later than it.
    #[arg(long)]
    outcome_date: Option<String>,
    /// Seed of the out-of-fold AUC folds.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// text or json (a list of findings, most severe first).
    #[arg(long, default_value = "text")]
    format: String,
    /// Show the figures of every column, flagged or not (text format).
    #[arg(long)]
    all: bool,
    /// Write the deals without the flagged columns to this CSV file.
    #[arg(long)]
    drop_flagged: Option<PathBuf>,
}

/// Runs `leadscore audit`.
pub fn run_audit(a: AuditArgs) -> Result<()> {
    crate::args::check_files(&[Some(&a.deals)], &[a.drop_flagged.as_deref()])?;
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    let deals = Table::from_csv_path(&a.deals)?;
    let mut options = a.columns.audit_options();
    options.outcome_date = a.outcome_date.clone();
    options.seed = a.seed;
    let result = audit(&deals, &options)?;
    if let Some(path) = &a.drop_flagged {
        let flagged = result.flagged();
        let kept: Vec<(String, leadscore::Values)> = deals
            .column_names()
            .iter()
            .filter(|c| !flagged.contains(&c.as_str()))
            .filter_map(|c| deals.column(c).map(|v| (c.clone(), v.clone())))
            .collect();
        let mut bytes = Vec::new();
        Table::from_columns(kept)?.write_csv(&mut bytes)?;
        write_atomic(path, &bytes)?;
        eprintln!(
            "wrote {} without {} flagged column(s): {}",
            path.display(),
            flagged.len(),
            leadscore::error::display_list(&flagged)
        );
    }
    match f {
        OutputFormat::Json => print(&json(&result.findings)),
        _ => print(&result.to_text(a.all)),
    }
}

/// `leadscore evaluate`: train on part of the deals, evaluate on the rest.
#[derive(Args)]
pub struct EvaluateArgs {
    /// CSV file of closed deals, with a header row.
    deals: PathBuf,
    /// The outcome, id, ignored columns and missing tokens.
    #[command(flatten)]
    columns: DealColumns,
    /// Evaluate this model file's recipe: its training settings (ignored columns, missing tokens, kinds, special values, penalty, encoding, scale, time column, points sheet), refitted on each training part; the column flags here add to them.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Hold out the latest deals by this date column (out of time) instead of a stratified random share; also cross-validates in time order.
    #[arg(long)]
    time_column: Option<String>,
    /// Share of deals held out.
    #[arg(long, default_value_t = 0.2)]
    test_share: f64,
    /// Instead of one hold-out, K-fold cross-validation: every deal held out once, intervals from the folds.
    #[arg(long)]
    folds: Option<usize>,
    /// Fix the L2 penalty instead of choosing it by cross-validation.
    #[arg(long)]
    l2: Option<f64>,
    /// Seed of the split and of training.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Bootstrap resamples for the intervals.
    #[arg(long, default_value_t = 200)]
    bootstrap: usize,
    /// Precision and recall of qualifying leads at or above these points.
    #[arg(long)]
    cut_points: Option<f64>,
    /// A qualification policy (TOML): precision and recall of the leads it routes to sales, and each tier's win rate.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Marketing's points sheet (CSV: column, value or range, points), scored on the same held-out deals.
    #[arg(long)]
    points_sheet: Option<PathBuf>,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// Also write every held-out deal's prediction here (CSV: row, the id column when given, won, probability, points).
    #[arg(long)]
    predictions: Option<PathBuf>,
    /// With an event log: the deals' as-of time column (only events strictly before it count).
    #[arg(long)]
    as_of: Option<String>,
    #[command(flatten)]
    events: crate::args::EventLogArgs,
    #[command(flatten)]
    csv: CsvText,
}

/// Runs `leadscore evaluate`.
pub fn run_evaluate(a: EvaluateArgs) -> Result<()> {
    crate::args::check_files(
        &[
            Some(&a.deals),
            a.policy.as_deref(),
            a.points_sheet.as_deref(),
            a.events.events.as_deref(),
        ],
        &[a.predictions.as_deref()],
    )?;
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    let deals = Table::from_csv_path(&a.deals)?;
    let model = a.model.as_ref().map(Model::load).transpose()?;
    let mut params = match (&model, &a.model) {
        (Some(m), Some(path)) => {
            let trained = m.training_params().ok_or_else(|| Error::InvalidParameter {
                name: "model".into(),
                value: path.display().to_string(),
                reason: "the model file keeps no training settings (trained by an earlier leadscore): give the columns and options instead".into(),
            })?;
            a.columns.added_to(trained.clone())?
        }
        _ => a.columns.params(),
    }
    .seed(a.seed);
    if let Some(l2) = a.l2 {
        params = params.l2(l2);
    }
    if let Some(c) = &a.time_column {
        params = params.time_column(c);
    }
    // A model that learned from an event log names its as-of column.
    let model_as_of = model
        .as_ref()
        .and_then(|m| m.events())
        .map(|e| e.as_of.clone());
    let as_of = a
        .as_of
        .as_deref()
        .or(model_as_of.as_deref().filter(|_| a.events.events.is_some()));
    let options = EvaluationOptions {
        split: Split::choose(a.time_column.as_deref(), a.folds, a.test_share, a.seed),
        bootstrap: a.bootstrap,
        bootstrap_seed: a.seed,
        cut_points: a.cut_points,
        policy: a.policy.as_ref().map(Policy::load).transpose()?,
        points_sheet: a.points_sheet.as_ref().map(PointsSheet::load).transpose()?,
    };
    if a.events.event_half_life.is_some() || model.is_none() {
        params = params.event_half_life_days(a.events.event_half_life);
    }
    let id = a
        .columns
        .id
        .as_deref()
        .or(model.as_ref().and_then(|m| m.id_column()));
    let events = a.events.for_deals(id, as_of)?;
    let e = match events {
        None => evaluate(&params, &deals, &options)?,
        Some(ev) => leadscore::evaluation::evaluate_with_events(
            &params,
            &deals,
            &Table::from_csv_path(ev.log)?,
            ev.as_of,
            &ev.columns,
            &options,
        )?,
    };
    if let Some(path) = &a.predictions {
        let csv = e.predictions_csv(&deals, a.columns.id.as_deref(), a.csv.cells())?;
        write_atomic(path, &csv)?;
    }
    match f {
        OutputFormat::Json => print(&json(&e)),
        _ => print(&e.to_string()),
    }
}

/// `leadscore conversion`: leads, won and win rate by value of a column.
#[derive(Args)]
pub struct ConversionArgs {
    /// CSV file of closed deals, with a header row.
    deals: PathBuf,
    /// The outcome column.
    #[arg(long)]
    target: String,
    /// A value of the outcome column that means won (repeatable).
    #[arg(long)]
    positive: Vec<String>,
    /// A value of the outcome column that means lost (repeatable).
    #[arg(long)]
    negative: Vec<String>,
    /// The column to break down by (repeatable), e.g. channel, campaign, product.
    #[arg(long, required = true)]
    by: Vec<String>,
    /// A model, to show the learned points of each value.
    #[arg(long)]
    model: Option<PathBuf>,
    /// A token that means missing (repeatable).
    #[arg(long)]
    missing: Vec<String>,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
}

/// Runs `leadscore conversion`.
pub fn run_conversion(a: ConversionArgs) -> Result<()> {
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    let deals = Table::from_csv_path(&a.deals)?;
    let (_, y) = Target::resolve(&deals, &a.target, &a.positive, &a.negative)?;
    let model = a.model.as_ref().map(Model::load).transpose()?;
    let mut missing = a.missing.clone();
    if let Some(m) = &model {
        missing.extend(m.missing_tokens().iter().cloned());
    }
    let tables =
        a.by.iter()
            .map(|c| conversion_by(&deals, c, &y, model.as_ref(), &missing))
            .collect::<Result<Vec<_>>>()?;
    match f {
        OutputFormat::Json => print(&json(&tables)),
        _ => print(&tables.iter().map(|t| format!("{t}\n")).collect::<String>()),
    }
}

/// `leadscore drift`: population stability of each feature in a batch of leads.
#[derive(Args)]
pub struct DriftArgs {
    /// CSV file of leads, with a header row.
    leads: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
}

/// Runs `leadscore drift`.
pub fn run_drift(a: DriftArgs) -> Result<()> {
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    let model = Model::load(&a.model)?;
    let leads = Table::from_csv_path(&a.leads)?;
    let d = leadscore::evidence::drift(&model, &leads)?;
    match f {
        OutputFormat::Json => print(&json(&d)),
        _ => print(&d.to_string()),
    }
}

/// `leadscore diff`: what changed between two models.
#[derive(Args)]
pub struct DiffArgs {
    /// The old model file, or a points sheet (.csv) to set against the new model.
    old: PathBuf,
    /// The new model file.
    new: PathBuf,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
}

/// Runs `leadscore diff`.
pub fn run_diff(a: DiffArgs) -> Result<()> {
    let f = format(&a.format, &[OutputFormat::Text, OutputFormat::Json])?;
    let new = Model::load(&a.new)?;
    let sheet = a
        .old
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let d = if sheet {
        leadscore::evidence::diff::diff_sheet(&PointsSheet::load(&a.old)?, &new)
    } else {
        leadscore::evidence::diff(&Model::load(&a.old)?, &new)
    };
    match f {
        OutputFormat::Json => print(&json(&d)),
        _ => print(&d.to_string()),
    }
}

/// `leadscore report`: the evidence report of a model on held-out deals.
#[derive(Args)]
pub struct ReportArgs {
    /// CSV file of closed deals the model was not trained on, with its outcome column.
    deals: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// Where to write the report; standard output when not given (md and json only).
    #[arg(long)]
    out: Option<PathBuf>,
    /// html (a page), fragment (HTML to embed in another page), md or json.
    #[arg(long, default_value = "html")]
    format: String,
    /// Show conversion by this column (repeatable); default: channel, campaign, product, lead source when present.
    #[arg(long)]
    by: Vec<String>,
    /// Marketing's points sheet (CSV: column, value or range, points), shown against the learned points.
    #[arg(long)]
    points_sheet: Option<PathBuf>,
    /// Precision and recall of qualifying leads at or above these points.
    #[arg(long)]
    cut_points: Option<f64>,
    /// A qualification policy (TOML): precision and recall of the leads it routes to sales, and each tier's win rate.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// The outcome's date column, for the leakage audit.
    #[arg(long)]
    outcome_date: Option<String>,
    /// A column the leakage audit skips (repeatable).
    #[arg(long)]
    ignore: Vec<String>,
    /// What happened to the decisions (the JSON of `leadscore outcomes --format json`), shown as a section.
    #[arg(long)]
    outcomes: Option<PathBuf>,
    /// Report title.
    #[arg(long)]
    title: Option<String>,
}

/// Runs `leadscore report`.
pub fn run_report(a: ReportArgs) -> Result<()> {
    crate::args::check_files(
        &[
            Some(&a.deals),
            Some(&a.model),
            a.policy.as_deref(),
            a.points_sheet.as_deref(),
            a.outcomes.as_deref(),
        ],
        &[a.out.as_deref()],
    )?;
    let f = format(
        &a.format,
        &[
            OutputFormat::Html,
            OutputFormat::Fragment,
            OutputFormat::Md,
            OutputFormat::Json,
        ],
    )?;
    let model = Model::load(&a.model)?;
    let deals = Table::from_csv_path(&a.deals)?;
    let options = ReportOptions {
        conversion_by: a.by.clone(),
        points_sheet: a.points_sheet.as_ref().map(PointsSheet::load).transpose()?,
        evaluation: EvaluationOptions {
            cut_points: a.cut_points,
            policy: a.policy.as_ref().map(Policy::load).transpose()?,
            ..Default::default()
        },
        outcome_date: a.outcome_date.clone(),
        audit_skip: a.ignore.clone(),
        title: a.title.clone(),
        outcomes: a
            .outcomes
            .as_ref()
            .map(leadscore::evidence::outcomes::Outcomes::load)
            .transpose()?,
    };
    let report = build(&model, &deals, &options)?;
    if let Some(w) = report.training_warning() {
        eprintln!("warning: {w}");
    }
    let text = report.render(f)?;
    match &a.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            eprintln!("report written to {}", path.display());
            Ok(())
        }
        None if f == OutputFormat::Html => Err(Error::InvalidParameter {
            name: "out".into(),
            value: "(none)".into(),
            reason: "an HTML report needs an output file".into(),
        }),
        None => print(&text),
    }
}

/// `leadscore split`: closed deals into a training file and a held-out file.
#[derive(Args)]
pub struct SplitArgs {
    /// CSV file of closed deals, with a header row.
    deals: PathBuf,
    /// The outcome column (the split keeps its win rate on both sides).
    #[arg(long)]
    target: String,
    /// Won values.
    #[arg(long)]
    positive: Vec<String>,
    /// Lost values.
    #[arg(long)]
    negative: Vec<String>,
    /// Where the training deals go.
    #[arg(long)]
    train: PathBuf,
    /// Where the held-out deals go.
    #[arg(long)]
    test: PathBuf,
    /// Share of the deals held out.
    #[arg(long, default_value_t = 0.2)]
    test_share: f64,
    /// Seed of the stratified draw.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Hold out the latest deals by this date column instead (out of time).
    #[arg(long)]
    time_column: Option<String>,
}

/// Runs `leadscore split`.
pub fn run_split(a: SplitArgs) -> Result<()> {
    crate::args::check_files(&[Some(&a.deals)], &[Some(&a.train), Some(&a.test)])?;
    let deals = Table::from_csv_path(&a.deals)?;
    let (_, y) = Target::resolve(&deals, &a.target, &a.positive, &a.negative)?;
    let split = Split::choose(a.time_column.as_deref(), None, a.test_share, a.seed);
    let (protocol, splits) = leadscore::evaluation::held_out_rows(&deals, &y, &split)?;
    let (train, test) = &splits[0];
    // Both files are complete before either replaces anything.
    let mut files = Vec::new();
    for (path, rows) in [(&a.train, train), (&a.test, test)] {
        let mut f = leadscore::data::files::AtomicFile::create(path)?;
        deals.take_rows(rows).write_csv(&mut f)?;
        files.push(f);
    }
    for f in files {
        f.commit()?;
    }
    let won = |rows: &[usize]| rows.iter().filter(|&&r| y[r]).count();
    print(&format!(
        "{}: {} training deals ({} won) -> {}, {} held out ({} won) -> {}",
        protocol,
        train.len(),
        won(train),
        a.train.display(),
        test.len(),
        won(test),
        a.test.display()
    ))
}
