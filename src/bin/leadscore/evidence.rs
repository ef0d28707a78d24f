//! Evidence subcommands: evaluate, conversion, audit, drift, diff, report.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::DealColumns;
use leadscore::audit::{audit, AuditOptions};
use leadscore::evaluation::{conversion_by, evaluate, Evaluation, EvaluationOptions, Split};
use leadscore::handset::{HandsetComparison, PointsSheet};
use leadscore::io::{write_atomic, AtomicFile};
use leadscore::qualification::Policy;
use leadscore::report::{build, ReportOptions};
use leadscore::{Error, Model, Result, Table, Target};

fn stdout_err(source: std::io::Error) -> Error {
    Error::Io {
        path: "<stdout>".into(),
        source,
    }
}

fn print(text: &str) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes()).map_err(stdout_err)?;
    if !text.ends_with('\n') {
        out.write_all(b"\n").map_err(stdout_err)?;
    }
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("serializable")
}

fn check_format(format: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&format) {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "--format".into(),
            value: format.into(),
            reason: format!("expected {}", allowed.join(", ")),
        })
    }
}

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
    check_format(&a.format, &["text", "json"])?;
    let deals = Table::from_csv_path(&a.deals)?;
    let mut skip = a.columns.ignore.clone();
    skip.extend(a.columns.id.clone());
    let result = audit(
        &deals,
        &AuditOptions {
            target: a.columns.target.clone(),
            positive: a.columns.positive.clone(),
            negative: a.columns.negative.clone(),
            skip,
            missing: a.columns.missing.clone(),
            outcome_date: a.outcome_date.clone(),
            seed: a.seed,
            ..Default::default()
        },
    )?;
    if let Some(path) = &a.drop_flagged {
        let flagged = result.flagged();
        let kept: Vec<(String, leadscore::Values)> = deals
            .column_names()
            .iter()
            .filter(|c| !flagged.contains(&c.as_str()))
            .filter_map(|c| deals.column(c).map(|v| (c.clone(), v.clone())))
            .collect();
        let clean = Table::from_columns(kept)?;
        let mut f = AtomicFile::create(path)?;
        clean.write_csv(&mut f)?;
        f.commit()?;
        eprintln!(
            "wrote {} without {} flagged column(s): {}",
            path.display(),
            flagged.len(),
            flagged.join(", ")
        );
    }
    if a.format == "json" {
        return print(&json(&result.findings));
    }
    let mut s = format!(
        "Leakage audit of {} deals ({} won), {} columns.\n",
        result.rows,
        result.won,
        result.columns.len()
    );
    if result.findings.is_empty() {
        s.push_str("No column looks filled in after the outcome.\n");
    }
    for (i, f) in result.findings.iter().enumerate() {
        s.push_str(&format!(
            "{:>2}. {:<30} {:<24} {:.3}  {}\n",
            i + 1,
            f.column,
            f.reason.as_str(),
            f.figure,
            f.detail
        ));
    }
    if a.all {
        s.push_str(&format!(
            "\n{:<30} {:<12} {:>8} {:>11} {:>11} {:>10}\n",
            "column", "kind", "OOF AUC", "filled won", "filled lost", "pure share"
        ));
        for c in &result.columns {
            s.push_str(&format!(
                "{:<30} {:<12} {:>8.3} {:>10.1}% {:>10.1}% {:>9.1}%\n",
                c.column,
                c.kind,
                c.oof_auc,
                100.0 * c.filled_won,
                100.0 * c.filled_lost,
                100.0 * c.pure_share
            ));
        }
    }
    print(&s)
}

/// `leadscore evaluate`: train on part of the deals, evaluate on the rest.
#[derive(Args)]
pub struct EvaluateArgs {
    /// CSV file of closed deals, with a header row.
    deals: PathBuf,
    /// The outcome, id, ignored columns and missing tokens.
    #[command(flatten)]
    columns: DealColumns,
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
}

/// Runs `leadscore evaluate`.
pub fn run_evaluate(a: EvaluateArgs) -> Result<()> {
    check_format(&a.format, &["text", "json"])?;
    let deals = Table::from_csv_path(&a.deals)?;
    let mut params = a.columns.params().seed(a.seed);
    if let Some(l2) = a.l2 {
        params = params.l2(l2);
    }
    let split = match (&a.time_column, a.folds) {
        (Some(c), _) => {
            params = params.time_column(c);
            Split::OutOfTime {
                column: c.clone(),
                test_share: a.test_share,
            }
        }
        (None, Some(k)) => Split::Folds {
            folds: k,
            seed: a.seed,
        },
        (None, None) => Split::Stratified {
            test_share: a.test_share,
            seed: a.seed,
        },
    };
    let options = EvaluationOptions {
        split,
        bootstrap: a.bootstrap,
        bootstrap_seed: a.seed,
        cut_points: a.cut_points,
        policy: a.policy.as_ref().map(Policy::load).transpose()?,
        points_sheet: a.points_sheet.as_ref().map(PointsSheet::load).transpose()?,
    };
    let e = evaluate(&params, &deals, &options)?;
    if let Some(path) = &a.predictions {
        write_predictions(path, &e, &deals, a.columns.id.as_deref())?;
    }
    if a.format == "json" {
        return print(&json(&e));
    }
    print(&evaluation_text(&e))
}

fn write_predictions(
    path: &std::path::Path,
    e: &Evaluation,
    deals: &Table,
    id: Option<&str>,
) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    {
        let csv_err = |source| Error::Csv {
            path: path.to_path_buf(),
            line: None,
            source,
        };
        let mut w = csv::Writer::from_writer(&mut f);
        let mut header = vec!["row"];
        header.extend(id);
        header.extend(["won", "probability", "points"]);
        w.write_record(&header).map_err(csv_err)?;
        let ids = id.map(|c| deals.require(c)).transpose()?;
        for p in &e.predictions {
            let mut rec = vec![p.row.to_string()];
            if let Some(v) = ids {
                rec.push(
                    v.text(p.row - deals.first_row())
                        .map(|s| s.into_owned())
                        .unwrap_or_default(),
                );
            }
            rec.push(u8::from(p.won).to_string());
            rec.push(p.probability.to_string());
            rec.push(p.points.to_string());
            w.write_record(&rec).map_err(csv_err)?;
        }
        w.flush().map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    }
    f.commit()
}

fn evaluation_text(e: &Evaluation) -> String {
    let mut s = format!(
        "Held-out evaluation: {}.\n{} held-out deals ({} won), trained on {}.\n\n",
        e.protocol, e.test_rows, e.test_won, e.train_rows
    );
    s.push_str(&format!(
        "AUC       {:.4}  (95 %: {:.4} to {:.4})\nlog loss  {:.4}  (95 %: {:.4} to {:.4}); base rate {:.4} (win rate {:.1} %)\nBrier     {:.4}  (95 %: {:.4} to {:.4})\nexpected calibration error {:.4}\nIntervals: {}.\n",
        e.auc.value, e.auc.low, e.auc.high,
        e.log_loss.value, e.log_loss.low, e.log_loss.high, e.base_log_loss, 100.0 * e.base_rate,
        e.brier.value, e.brier.low, e.brier.high,
        e.expected_calibration_error,
        e.interval_method
    ));
    if let Some(c) = &e.cut {
        s.push_str(&format!(
            "At {} points: {} qualified ({:.1} %), precision {:.1} %, recall {:.1} %.\n",
            c.cut_points,
            c.qualified,
            100.0 * c.qualified_share,
            100.0 * c.precision,
            100.0 * c.recall
        ));
    }
    if let Some(p) = &e.policy {
        s.push_str(&policy_text(p));
    }
    s.push_str("\nCalibration\n  predicted   deals   mean pred   observed\n");
    for b in e.calibration.iter().filter(|b| b.deals > 0) {
        s.push_str(&format!(
            "  {:.1}-{:.1}   {:>6}   {:>8.1} %  {:>7.1} %\n",
            b.lower,
            b.upper,
            b.deals,
            100.0 * b.mean_predicted,
            100.0 * b.observed_rate
        ));
    }
    s.push_str("\nDecile   deals     won   win rate   lift   cumulative gain\n");
    for d in &e.deciles {
        s.push_str(&format!(
            "  {:>2}   {:>6.0}  {:>6.1}   {:>6.1} %  {:>5.2}   {:>6.1} %\n",
            d.decile,
            d.deals,
            d.won,
            100.0 * d.rate,
            d.lift,
            100.0 * d.cumulative_gain
        ));
    }
    if let Some(h) = &e.handset {
        s.push_str(&handset_text(h));
    }
    s
}

fn policy_text(p: &leadscore::evaluation::PolicyMetrics) -> String {
    let mut s = format!(
        "Policy {} ({}): {} of {} held-out deals routed to sales, precision {:.1} %, recall {:.1} %.\n",
        p.policy_version,
        p.policy_fingerprint,
        p.qualified,
        p.deals,
        100.0 * p.precision,
        100.0 * p.recall
    );
    for t in &p.tiers {
        s.push_str(&format!(
            "  tier {:<16} {:<13} {:>6} deals, won {:>5.1} % ({:.1} to {:.1})\n",
            t.tier,
            t.route,
            t.leads,
            100.0 * t.rate,
            100.0 * t.rate_low,
            100.0 * t.rate_high
        ));
    }
    s
}

fn handset_text(h: &HandsetComparison) -> String {
    let (hl, ll) = h.top_decile_lift();
    let mut s = format!(
        "\nHand-set against learned points on the same {} deals\n  hand-set: AUC {:.4}, top-decile lift {:.2}\n  learned:  AUC {:.4}, top-decile lift {:.2}\n\n  {:<22} {:<22} {:>9} {:>8} {:>7} {:>9}\n",
        h.deals, h.handset_auc, hl, h.learned_auc, ll, "column", "value or range", "hand-set", "learned", "deals", "win rate"
    );
    for r in &h.rules {
        s.push_str(&format!(
            "  {:<22} {:<22} {:>+9} {:>8} {:>7} {:>7.1} %\n",
            r.column,
            r.value,
            r.handset_points,
            r.learned_points.map_or("-".into(), |p| format!("{p:+.1}")),
            r.deals,
            100.0 * r.rate
        ));
    }
    s
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
    check_format(&a.format, &["text", "json"])?;
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
    if a.format == "json" {
        return print(&json(&tables));
    }
    let mut s = String::new();
    for t in &tables {
        s.push_str(&format!(
            "Conversion by {} ({} leads, {} won)\n  {:<28} {:>7} {:>6} {:>8}   {:<17} {:>8}\n",
            t.column, t.leads, t.won, "value", "leads", "won", "rate", "95 % interval", "points"
        ));
        for r in &t.rows {
            s.push_str(&format!(
                "  {:<28} {:>7} {:>6} {:>6.1} %   {:>5.1} % - {:>5.1} % {:>8}\n",
                r.value,
                r.leads,
                r.won,
                100.0 * r.rate,
                100.0 * r.rate_low,
                100.0 * r.rate_high,
                r.learned_points.map_or("-".into(), |p| format!("{p:+.1}"))
            ));
        }
        s.push('\n');
    }
    print(&s)
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
    check_format(&a.format, &["text", "json"])?;
    let model = Model::load(&a.model)?;
    let leads = Table::from_csv_path(&a.leads)?;
    let d = leadscore::drift::drift(&model, &leads)?;
    if a.format == "json" {
        return print(&json(&d));
    }
    let mut s = format!(
        "Drift of {} leads against {} training deals (PSI: < 0.10 stable, 0.10-0.25 moderate, >= 0.25 major)\n  {:<30} {:>7}  {:<9} {:>8}\n",
        d.rows, d.training_rows, "column", "PSI", "band", "unseen"
    );
    for f in &d.features {
        s.push_str(&format!(
            "  {:<30} {:>7.3}  {:<9} {:>6.1} %\n",
            f.column,
            f.psi,
            format!("{:?}", f.band).to_lowercase(),
            100.0 * f.unseen_share
        ));
    }
    print(&s)
}

/// `leadscore diff`: what changed between two models.
#[derive(Args)]
pub struct DiffArgs {
    /// The old model file.
    old: PathBuf,
    /// The new model file.
    new: PathBuf,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
}

/// Runs `leadscore diff`.
pub fn run_diff(a: DiffArgs) -> Result<()> {
    check_format(&a.format, &["text", "json"])?;
    let d = leadscore::diff::diff(&Model::load(&a.old)?, &Model::load(&a.new)?);
    if a.format == "json" {
        return print(&json(&d));
    }
    print(&d.to_string())
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
    /// html, md or json.
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
    /// Report title.
    #[arg(long)]
    title: Option<String>,
}

/// Runs `leadscore report`.
pub fn run_report(a: ReportArgs) -> Result<()> {
    check_format(&a.format, &["html", "md", "json"])?;
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
    };
    let report = build(&model, &deals, &options)?;
    let text = match a.format.as_str() {
        "html" => report.to_html(),
        "md" => report.to_markdown(),
        _ => report.to_json(),
    };
    match &a.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            eprintln!("report written to {}", path.display());
            Ok(())
        }
        None if a.format == "html" => Err(Error::InvalidParameter {
            name: "--out".into(),
            value: "(none)".into(),
            reason: "an HTML report needs --out FILE".into(),
        }),
        None => print(&text),
    }
}
