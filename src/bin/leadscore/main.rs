//! `leadscore`: learn lead-score points from closed deals and score new leads.

mod batch;
mod evidence;
mod qualify;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use leadscore::io::AtomicFile;
use leadscore::{ColumnKind, Error, Model, Result, Table};

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
    Train(Box<TrainArgs>),
    /// Score leads with a model: one output row per input row, in input order.
    Score(ScoreArgs),
    /// Print a model's scorecard.
    Scorecard(ScorecardArgs),
    /// Run the whole job (train, scorecard, score, check) on built-in synthetic deals.
    Demo(DemoArgs),
    /// Write synthetic B2B deals with known true effects as CSV.
    Synthetic(SyntheticArgs),
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
    /// Write the evidence report (HTML, Markdown or JSON) of a model on held-out deals.
    Report(evidence::ReportArgs),
}

/// The columns of a deals file: flags shared by `train`, `evaluate` and `audit`.
#[derive(Args)]
pub(crate) struct DealColumns {
    /// The outcome column.
    #[arg(long)]
    pub(crate) target: String,
    /// A value of the outcome column that means won (repeatable). Default: 1/true/won/yes, any case.
    #[arg(long)]
    pub(crate) positive: Vec<String>,
    /// A value of the outcome column that means lost (repeatable). Default: the one other value.
    #[arg(long)]
    pub(crate) negative: Vec<String>,
    /// An id column, carried to the scores and never learned from or audited.
    #[arg(long)]
    pub(crate) id: Option<String>,
    /// A column not to learn from or audit (repeatable).
    #[arg(long)]
    pub(crate) ignore: Vec<String>,
    /// A token that means missing, besides the empty field (repeatable), e.g. Select.
    #[arg(long)]
    pub(crate) missing: Vec<String>,
}

impl DealColumns {
    /// Training parameters that read the deals with these columns.
    pub(crate) fn params(&self) -> leadscore::ModelParams {
        let params = Model::params()
            .target(&self.target)
            .positive(self.positive.clone())
            .negative(self.negative.clone())
            .ignore(self.ignore.clone())
            .missing(self.missing.clone());
        match &self.id {
            Some(id) => params.id(id),
            None => params,
        }
    }
}

#[derive(Args)]
struct TrainArgs {
    /// CSV file of closed deals, with a header row.
    deals: PathBuf,
    /// The outcome, id, ignored columns and missing tokens.
    #[command(flatten)]
    columns: DealColumns,
    /// Read this column as numeric (repeatable).
    #[arg(long)]
    numeric: Vec<String>,
    /// Read this column as categorical (repeatable).
    #[arg(long)]
    categorical: Vec<String>,
    /// A special value of a numeric column with its own points, as COLUMN=VALUE (repeatable), e.g. days_since_visit=999.
    #[arg(long)]
    special: Vec<String>,
    /// Fix the L2 penalty (l2 = 1/C in scikit-learn terms) instead of choosing it by cross-validation.
    #[arg(long)]
    l2: Option<f64>,
    /// How cross-validation picks l2: min (lowest out-of-fold log loss, the intercept-only model included) or one-standard-error (the simplest model within one standard error of the best).
    #[arg(long, default_value = "min")]
    l2_rule: String,
    /// Cross-validate in time order on this date column (forward chaining) instead of random folds; the column is not learned from.
    #[arg(long)]
    time_column: Option<String>,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the cross-validation folds.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Fewest won deals to train.
    #[arg(long, default_value_t = leadscore::training::DEFAULT_MIN_OUTCOMES)]
    min_won: usize,
    /// Fewest lost deals to train.
    #[arg(long, default_value_t = leadscore::training::DEFAULT_MIN_OUTCOMES)]
    min_lost: usize,
    /// A categorical value needs this many deals for its own points; rarer ones are pooled as (other).
    #[arg(long, default_value_t = 10)]
    min_level_count: usize,
    /// Most ranges a numeric column is cut into.
    #[arg(long, default_value_t = 20)]
    max_bins: usize,
    /// Optimiser gradient tolerance per training row (smaller is slower and more exact).
    #[arg(long, default_value_t = 1e-4)]
    tolerance: f64,
    /// Where to write the model file (JSON).
    #[arg(long)]
    model: PathBuf,
    /// Also write the scorecard as CSV here.
    #[arg(long)]
    scorecard_csv: Option<PathBuf>,
    /// Print only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
    /// Leave out the columns the leakage audit flags (see leadscore audit) instead of only warning.
    #[arg(long)]
    drop_leaks: bool,
}

#[derive(Args)]
struct ScoreArgs {
    /// Leads to score: CSV with a header row, or Parquet (.parquet, .pq).
    leads: PathBuf,
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// Where to write the scores, CSV or Parquet by extension: id (when the model has one), probability, points. Rows in input order.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    batch: batch::BatchArgs,
}

#[derive(Args)]
struct ScorecardArgs {
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// text, csv or json.
    #[arg(long, default_value = "text")]
    format: String,
}

#[derive(Args)]
struct DemoArgs {
    /// Synthetic deals to generate.
    #[arg(long, default_value_t = 8_000)]
    rows: usize,
    /// Seed of the generator and of the cross-validation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also write deals.csv, model.json and scores.csv into this folder.
    #[arg(long)]
    out_dir: Option<PathBuf>,
}

#[derive(Args)]
struct SyntheticArgs {
    /// Deals to generate.
    #[arg(long, default_value_t = 5_000)]
    rows: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where to write the CSV.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => train(*a),
        Command::Score(a) => score(a),
        Command::Scorecard(a) => scorecard(a),
        Command::Demo(a) => demo(a),
        Command::Synthetic(a) => synthetic(a),
        Command::Qualify(a) => qualify::qualify(a),
        Command::Policy(a) => qualify::policy(a),
        Command::Evaluate(a) => evidence::run_evaluate(*a),
        Command::Conversion(a) => evidence::run_conversion(a),
        Command::Audit(a) => evidence::run_audit(a),
        Command::Drift(a) => evidence::run_drift(a),
        Command::Diff(a) => evidence::run_diff(a),
        Command::Report(a) => evidence::run_report(a),
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
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

fn stdout_err(source: std::io::Error) -> Error {
    Error::Io {
        path: "<stdout>".into(),
        source,
    }
}

fn train(a: TrainArgs) -> Result<()> {
    let deals = Table::from_csv_path(&a.deals)?;
    let mut params = a
        .columns
        .params()
        .folds(a.folds)
        .seed(a.seed)
        .tolerance(a.tolerance)
        .min_outcomes(a.min_won, a.min_lost)
        .drop_leaks(a.drop_leaks)
        .encoding(leadscore::EncodingOptions {
            min_level_count: a.min_level_count,
            max_bins: a.max_bins,
        });
    if let Some(l2) = a.l2 {
        params = params.l2(l2);
    }
    if let Some(c) = &a.time_column {
        params = params.time_column(c);
    }
    params = params.l2_rule(match a.l2_rule.as_str() {
        "one-standard-error" => leadscore::model::L2Rule::OneStandardError,
        "min" => leadscore::model::L2Rule::MinLogLoss,
        other => {
            return Err(Error::InvalidParameter {
                name: "--l2-rule".into(),
                value: other.into(),
                reason: "expected one-standard-error or min".into(),
            })
        }
    });
    for c in &a.numeric {
        params = params.kind(c, ColumnKind::Numeric);
    }
    for c in &a.categorical {
        params = params.kind(c, ColumnKind::Categorical);
    }
    let mut specials: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for s in &a.special {
        let parsed = s
            .rsplit_once('=')
            .and_then(|(c, v)| Some((c.to_string(), v.trim().parse::<f64>().ok()?)));
        match parsed {
            Some((c, v)) if v.is_finite() => specials.entry(c).or_default().push(v),
            _ => {
                return Err(Error::InvalidParameter {
                    name: "--special".into(),
                    value: s.clone(),
                    reason: "expected COLUMN=NUMBER".into(),
                })
            }
        }
    }
    for (c, v) in &specials {
        params = params.special_values(c, v);
    }
    let model = params.fit(&deals)?;
    model.save(&a.model)?;
    if let Some(path) = &a.scorecard_csv {
        let mut f = AtomicFile::create(path)?;
        model.scorecard().write_csv(&mut f)?;
        f.commit()?;
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    if !a.quiet {
        print_summary(&mut out, &model).map_err(stdout_err)?;
        writeln!(out, "\nScorecard\n{}", model.scorecard()).map_err(stdout_err)?;
        writeln!(out, "Model written to {}", a.model.display()).map_err(stdout_err)?;
    }
    for w in &model.summary().warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn print_summary(out: &mut impl Write, model: &Model) -> std::io::Result<()> {
    let s = model.summary();
    writeln!(
        out,
        "Trained on {} closed deals: {} won, {} lost (win rate {:.1} %).",
        s.rows,
        s.won,
        s.lost,
        100.0 * s.won as f64 / s.rows.max(1) as f64
    )?;
    writeln!(
        out,
        "Columns used ({}): {}",
        s.columns_used.len(),
        s.columns_used.join(", ")
    )?;
    writeln!(out, "Columns not used: {}", s.columns_excluded.join(", "))?;
    let l2 = match s.l2 {
        Some(l2) => format!("l2 = {l2:.4} (C = {:.4})", 1.0 / l2),
        None => "no signal: intercept only".to_string(),
    };
    match &s.cross_validation {
        Some(cv) => writeln!(
            out,
            "{l2}, chosen by {}-fold cross-validation (seed {}, {:?} rule): out-of-fold AUC {:.4}, log loss {:.4} (win-rate baseline {:.4}).",
            cv.folds, cv.seed, cv.rule, cv.auc, cv.log_loss, cv.base_log_loss
        )?,
        None => writeln!(out, "{l2}, fixed.")?,
    }
    writeln!(
        out,
        "Training AUC {:.4} (optimistic: measured on the training deals).",
        s.training_auc
    )
}

/// Number formatting for score files: probabilities exact, points to 2 decimals.
fn write_scores(
    w: &mut csv::Writer<&mut AtomicFile>,
    ids: Option<&[Option<String>]>,
    scores: &leadscore::Scores,
    path: &Path,
) -> Result<()> {
    let csv_err = |source| Error::Csv {
        path: path.to_path_buf(),
        line: None,
        source,
    };
    for i in 0..scores.probability.len() {
        let p = scores.probability[i].to_string();
        let pts = format!("{:.2}", scores.points[i]);
        match ids {
            Some(ids) => w
                .write_record([ids[i].as_deref().unwrap_or(""), &p, &pts])
                .map_err(csv_err)?,
            None => w.write_record([&p, &pts]).map_err(csv_err)?,
        }
    }
    Ok(())
}

/// Fewest scored leads for which `score` warns about drift.
const MIN_DRIFT_ROWS: usize = 200;

fn score(a: ScoreArgs) -> Result<()> {
    let model = Model::load(&a.model)?;
    batch::remove_partial_output_on_interrupt()?;
    let bar = batch::Bar::new(a.batch.quiet, "scoring");
    let progress = |p: &leadscore::batch::Progress| bar.update(p);
    let options = a.batch.options(&progress);
    let result = leadscore::batch::score_file(&model, &a.leads, &a.out, &options);
    bar.finish();
    let summary = result?;
    if let Some(drift) = &summary.drift {
        for f in &drift.features {
            if f.unseen_rows > 0 {
                eprintln!(
                    "warning: column {:?}: {} of {} leads hold values not seen in training (e.g. {}); scored as (other)",
                    f.column,
                    f.unseen_rows,
                    summary.written,
                    f.unseen_examples.join(", ")
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
    batch::print_summary(&summary, &a.out, &a.batch);
    Ok(())
}

fn scorecard(a: ScorecardArgs) -> Result<()> {
    let model = Model::load(&a.model)?;
    let card = model.scorecard();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match a.format.as_str() {
        "text" => write!(out, "{card}").map_err(stdout_err),
        "csv" => card.write_csv(&mut out),
        "json" => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&card).expect("scorecard serializes")
        )
        .map_err(stdout_err),
        other => Err(Error::InvalidParameter {
            name: "--format".into(),
            value: other.into(),
            reason: "expected text, csv or json".into(),
        }),
    }
}

fn synthetic(a: SyntheticArgs) -> Result<()> {
    let deals = leadscore::synthetic::deals(a.rows, a.seed);
    let mut f = AtomicFile::create(&a.out)?;
    deals.table.write_csv(&mut f)?;
    f.commit()?;
    eprintln!("{} synthetic deals -> {}", a.rows, a.out.display());
    Ok(())
}

fn demo(a: DemoArgs) -> Result<()> {
    use leadscore::evaluation::{auc, log_loss};
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let deals = leadscore::synthetic::deals(a.rows, a.seed);
    let table = &deals.table;
    // Out-of-time split: train on the deals created first, hold out the last 20 %.
    let created = table.require("created_at")?;
    let mut order: Vec<usize> = (0..table.n_rows()).collect();
    order.sort_by_key(|&r| created.text(r).map(|s| s.into_owned()));
    let cut = table.n_rows() * 4 / 5;
    let train = table.take_rows(&order[..cut]);
    let holdout = table.take_rows(&order[cut..]);
    writeln!(
        out,
        "leadscore demo: {} synthetic B2B deals (seed {}), trained on the first {} by created_at, tested on the last {}.\n",
        table.n_rows(),
        a.seed,
        train.n_rows(),
        holdout.n_rows()
    )
    .map_err(stdout_err)?;
    let model = Model::params()
        .target("outcome")
        .positive(["Won"])
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .seed(a.seed)
        .fit(&train)?;
    print_summary(&mut out, &model).map_err(stdout_err)?;
    writeln!(out, "\nScorecard\n{}", model.scorecard()).map_err(stdout_err)?;

    let scores = model.score(&holdout)?;
    let (_, y) = leadscore::Target::resolve(&holdout, "outcome", &["Won".into()], &[])?;
    let y: Vec<f64> = y.iter().map(|&w| if w { 1.0 } else { 0.0 }).collect();
    let rate = y.iter().sum::<f64>() / y.len() as f64;
    writeln!(
        out,
        "Held-out deals ({}): AUC {:.4}, log loss {:.4} (win-rate baseline {:.4}).",
        y.len(),
        auc(&y, &scores.probability),
        log_loss(&y, &scores.probability),
        log_loss(&y, &vec![rate; y.len()])
    )
    .map_err(stdout_err)?;

    let explanations = model.explain(&holdout, 3)?;
    let mut best: Vec<usize> = (0..holdout.n_rows()).collect();
    best.sort_by(|&i, &j| scores.points[j].total_cmp(&scores.points[i]));
    writeln!(out, "\nTop 3 held-out leads and why:").map_err(stdout_err)?;
    for &i in best.iter().take(3) {
        let e = &explanations[i];
        let (up, down) = e.top(3);
        let fmt = |cs: Vec<&leadscore::Contribution>| {
            cs.iter()
                .map(|c| format!("{} = {} ({:+.1})", c.column, c.attribute, c.points))
                .collect::<Vec<_>>()
                .join("; ")
        };
        writeln!(
            out,
            "  {} {:.1} points, P(win) {:.1} %: for {}; against {}",
            e.id.as_deref().unwrap_or("?"),
            e.points,
            100.0 * e.probability,
            fmt(up),
            if down.is_empty() {
                "-".to_string()
            } else {
                fmt(down)
            }
        )
        .map_err(stdout_err)?;
    }

    // Learned against true effects.
    let card = model.scorecard();
    let mut agree = 0;
    let mut total = 0;
    for column in ["job_seniority", "lead_source", "industry", "demo_requested"] {
        let effects: Vec<_> = deals
            .effects
            .iter()
            .filter(|e| e.column == column)
            .collect();
        let reference = effects[0];
        let points = |v: &str| {
            card.rows
                .iter()
                .find(|r| r.column == column && r.attribute == v)
                .map(|r| r.points)
        };
        if let Some(ref_pts) = points(reference.value) {
            for e in &effects[1..] {
                if let Some(p) = points(e.value) {
                    total += 1;
                    if (p - ref_pts).signum() == e.effect.signum() {
                        agree += 1;
                    }
                }
            }
        }
    }
    writeln!(
        out,
        "\nLearned points point the same way as the true effects for {agree} of {total} values (seniority, source, industry, demo)."
    )
    .map_err(stdout_err)?;

    if let Some(dir) = &a.out_dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        let mut f = AtomicFile::create(dir.join("deals.csv"))?;
        table.write_csv(&mut f)?;
        f.commit()?;
        model.save(dir.join("model.json"))?;
        let mut f = AtomicFile::create(dir.join("scores.csv"))?;
        {
            let mut w = csv::Writer::from_writer(&mut f);
            w.write_record(["deal_id", "probability", "points"])
                .map_err(|source| Error::Csv {
                    path: dir.join("scores.csv"),
                    line: None,
                    source,
                })?;
            write_scores(
                &mut w,
                scores.ids.as_deref(),
                &scores,
                &dir.join("scores.csv"),
            )?;
            w.flush().map_err(|source| Error::Io {
                path: dir.join("scores.csv"),
                source,
            })?;
        }
        f.commit()?;
        writeln!(
            out,
            "Wrote deals.csv, model.json and scores.csv to {}",
            dir.display()
        )
        .map_err(stdout_err)?;
    }
    Ok(())
}
