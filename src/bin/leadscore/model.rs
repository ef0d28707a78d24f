//! The model commands: `train`, `scorecard`, `synthetic` and `demo`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use leadscore::data::files::{write_atomic, AtomicFile};
use leadscore::evidence::report::OutputFormat;
use leadscore::model::params::parse_special_values;
use leadscore::model::DealColumns;
use leadscore::{ColumnKind, Error, Model, Result, Table};

use crate::args::{format, print, stdout_err};

#[derive(Args)]
pub struct TrainArgs {
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
    #[arg(long, default_value_t = leadscore::model::params::DEFAULT_MIN_OUTCOMES)]
    min_won: usize,
    /// Fewest lost deals to train.
    #[arg(long, default_value_t = leadscore::model::params::DEFAULT_MIN_OUTCOMES)]
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
pub struct ScorecardArgs {
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// text, csv or json.
    #[arg(long, default_value = "text")]
    format: String,
}

#[derive(Args)]
pub struct DemoArgs {
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
pub struct SyntheticArgs {
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

/// Runs `leadscore train`.
pub fn train(a: TrainArgs) -> Result<()> {
    let deals = Table::from_csv_path(&a.deals)?;
    let mut params = a
        .columns
        .params()
        .folds(a.folds)
        .seed(a.seed)
        .tolerance(a.tolerance)
        .min_outcomes(a.min_won, a.min_lost)
        .drop_leaks(a.drop_leaks)
        .l2_rule(a.l2_rule.parse()?)
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
    for c in &a.numeric {
        params = params.kind(c, ColumnKind::Numeric);
    }
    for c in &a.categorical {
        params = params.kind(c, ColumnKind::Categorical);
    }
    for (c, v) in parse_special_values(&a.special)? {
        params = params.special_values(c, &v);
    }
    let model = params.fit(&deals)?;
    model.save(&a.model)?;
    if let Some(path) = &a.scorecard_csv {
        let mut f = AtomicFile::create(path)?;
        model.scorecard().write_csv(&mut f)?;
        f.commit()?;
    }
    if !a.quiet {
        print(&format!(
            "{}\nScorecard\n{}\nModel written to {}",
            model.summary(),
            model.scorecard(),
            a.model.display()
        ))?;
    }
    for w in &model.summary().warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// Runs `leadscore scorecard`.
pub fn scorecard(a: ScorecardArgs) -> Result<()> {
    let model = Model::load(&a.model)?;
    let card = model.scorecard();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let f = format(
        &a.format,
        &[OutputFormat::Text, OutputFormat::Csv, OutputFormat::Json],
    )?;
    match f {
        OutputFormat::Text => write!(out, "{card}").map_err(stdout_err),
        OutputFormat::Csv => card.write_csv(&mut out),
        _ => writeln!(out, "{}", crate::args::json(&card)).map_err(stdout_err),
    }
}

/// Runs `leadscore synthetic`.
pub fn synthetic(a: SyntheticArgs) -> Result<()> {
    let deals = leadscore::synthetic::deals(a.rows, a.seed);
    let mut f = AtomicFile::create(&a.out)?;
    deals.table.write_csv(&mut f)?;
    f.commit()?;
    eprintln!("{} synthetic deals -> {}", a.rows, a.out.display());
    Ok(())
}

/// Runs `leadscore demo`.
pub fn demo(a: DemoArgs) -> Result<()> {
    use leadscore::metrics::{auc, log_loss};
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
    writeln!(out, "{}\nScorecard\n{}", model.summary(), model.scorecard()).map_err(stdout_err)?;

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
            cs.iter().map(|c| c.reason()).collect::<Vec<_>>().join("; ")
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
        let columns = scores.clone().into_columns(model.id_column());
        write_atomic(
            dir.join("scores.csv"),
            &leadscore::data::columns::to_csv(&columns),
        )?;
        writeln!(
            out,
            "Wrote deals.csv, model.json and scores.csv to {}",
            dir.display()
        )
        .map_err(stdout_err)?;
    }
    Ok(())
}
