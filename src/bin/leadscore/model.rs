//! The model commands: `train`, `scorecard`, `synthetic` and `demo`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use leadscore::data::files::{write_atomic, AtomicFile};
use leadscore::evidence::report::OutputFormat;
use leadscore::model::params::FitOptions;
use leadscore::model::DealColumns;
use leadscore::{Error, Model, Result, Table};

use crate::args::{format, print, stdout_err, CsvText, EventLogArgs, PriorArgs, TimingArgs};

#[derive(Args)]
pub struct TrainArgs {
    /// CSV file of closed deals, with a header row.
    deals: PathBuf,
    /// The outcome, id, ignored columns and missing tokens.
    #[command(flatten)]
    columns: DealColumns,
    /// How to train: kinds, special values, the penalty and its cross-validation, encoding, scale.
    #[command(flatten)]
    options: FitOptions,
    /// Where to write the model file (JSON).
    #[arg(long)]
    model: PathBuf,
    /// Also write the scorecard as CSV here.
    #[arg(long)]
    scorecard_csv: Option<PathBuf>,
    /// Print the full scorecard after the summary (by default the summary shows the strongest attributes; `leadscore scorecard` prints them all).
    #[arg(long)]
    scorecard: bool,
    /// Learn from an event log too: each event type's points and half-life.
    #[command(flatten)]
    events: EventLogArgs,
    /// Learn when deals close too, from won, lost and open deals.
    #[command(flatten)]
    timing: TimingArgs,
    /// Start from marketing's points sheet.
    #[command(flatten)]
    prior: PriorArgs,
    /// With an event log: the deals' as-of time column, the moment each
    /// deal should have been scored (lead created, opportunity opened); not
    /// a feature. With --created: the date the data stands at (deals
    /// created later left out, closed later open then; default: the latest
    /// date in the file).
    #[arg(long)]
    as_of: Option<String>,
    #[command(flatten)]
    csv: CsvText,
    /// Print only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
pub struct ScorecardArgs {
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// text, csv or json.
    #[arg(long, default_value = "text")]
    format: String,
    #[command(flatten)]
    csv: CsvText,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Synthetic deals to generate.
    #[arg(long, default_value_t = 8_000)]
    rows: usize,
    /// Seed of the generator and of the cross-validation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also write deals.csv, events.csv, model.json and scores.csv into this folder.
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
    /// Also write an event log here (CSV: deal_id, event, timestamp), with
    /// known per-event effects and half-lives; the deals' outcomes then
    /// depend on the events before each deal's created_at too.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Write won, lost and still-open deals as they stand on this date
    /// instead (a `stage` column of Won, Lost or Open, `closed_at` empty
    /// while open), with a known time to close: for `train --open Open
    /// --created created_at --closed closed_at`.
    #[arg(long, conflicts_with = "events")]
    as_of: Option<String>,
    /// Write a closed loop instead: decisions (lead_id, tier, route, owner, sla, sla_due, points) to this file, their touches to --touches, and the leads' deals (lead_id, outcome won/lost/open, closed_at) to --out, with a known effect of touching within the SLA (--speed-effect): for `leadscore outcomes`.
    #[arg(long, requires = "touches", conflicts_with_all = ["events", "as_of"])]
    decisions: Option<PathBuf>,
    /// Where the closed loop's touches go (lead_id, touched_at, owner, reason).
    #[arg(long, requires = "decisions")]
    touches: Option<PathBuf>,
    /// The closed loop's planted difference in win chance of a touch within the SLA.
    #[arg(long, default_value_t = 0.1)]
    speed_effect: f64,
}

/// Runs `leadscore train`.
pub fn train(a: TrainArgs) -> Result<()> {
    crate::args::check_files(
        &[Some(&a.deals)],
        &[Some(&a.model), a.scorecard_csv.as_deref()],
    )?;
    let deals = Table::from_csv_path(&a.deals)?;
    let timing = a.timing.created.is_some();
    let params = a.timing.params(
        a.prior.params(
            a.options
                .params(a.columns.params())?
                .event_half_life_days(a.events.event_half_life),
        )?,
        a.as_of.as_deref(),
    )?;
    // With --created, --as-of is the date the data stands at.
    let events_as_of = if timing { None } else { a.as_of.as_deref() };
    if timing && a.events.events.is_some() {
        return Err(Error::InvalidParameter {
            name: "events".into(),
            value: String::new(),
            reason: "a model of the time to close does not learn from an event log yet".into(),
        });
    }
    let events = a.events.for_deals(a.columns.id.as_deref(), events_as_of)?;
    let spinner = crate::batch::spinner(a.quiet, format!("training on {} deals", deals.n_rows()));
    let model = match events {
        None => params.fit(&deals)?,
        Some(e) => {
            let mut counts = leadscore::model::events::fit::training_counts(
                &deals,
                e.as_of,
                &e.columns,
                a.events.event_half_life,
            )?;
            let tally =
                leadscore::batch::add_event_file(e.log, &mut counts, &e.columns, 65_536, 0)?;
            crate::args::report_events(&tally, None);
            params.fit_with_counts(&deals, &counts, e.as_of, &e.columns)?
        }
    };
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    model.save(&a.model)?;
    if let Some(path) = &a.scorecard_csv {
        let mut f = AtomicFile::create(path)?;
        model.scorecard().write_csv(&mut f, a.csv.cells())?;
        f.commit()?;
    }
    if !a.quiet {
        let card = if a.scorecard {
            format!("\n\n{}\nScorecard\n{}", model.summary(), model.scorecard())
        } else {
            String::new()
        };
        print(&format!(
            "{}{card}\nModel written to {}; the full scorecard: leadscore scorecard --model {}",
            model.digest(10),
            a.model.display(),
            a.model.display()
        ))?;
    }
    // The summary on a terminal lists the warnings already; written
    // elsewhere (or quiet), they go to standard error too.
    let shown = !a.quiet && std::io::IsTerminal::is_terminal(&std::io::stdout());
    if !shown {
        for w in &model.summary().warnings {
            eprintln!("warning: {w}");
        }
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
        OutputFormat::Csv => card.write_csv(&mut out, a.csv.cells()),
        _ => writeln!(out, "{}", crate::args::json(&card)).map_err(stdout_err),
    }
}

/// Runs `leadscore synthetic`.
pub fn synthetic(a: SyntheticArgs) -> Result<()> {
    crate::args::check_files(
        &[],
        &[
            Some(&a.out),
            a.events.as_deref(),
            a.decisions.as_deref(),
            a.touches.as_deref(),
        ],
    )?;
    if let (Some(decisions), Some(touches)) = (&a.decisions, &a.touches) {
        let s = leadscore::synthetic::touches::closed_loop(a.rows, a.seed, a.speed_effect);
        // Every file is complete before any replaces anything.
        let files = [
            (&a.out, &s.deals),
            (decisions, &s.decisions),
            (touches, &s.touches),
        ];
        let mut written = Vec::new();
        for (path, table) in files {
            let mut f = AtomicFile::create(path)?;
            table.write_csv(&mut f)?;
            written.push(f);
        }
        for f in written {
            f.commit()?;
        }
        eprintln!(
            "{} synthetic decisions -> {}, {} touches -> {}, deals -> {} (speed effect {:+})",
            a.rows,
            decisions.display(),
            s.touches.n_rows(),
            touches.display(),
            a.out.display(),
            a.speed_effect
        );
        return Ok(());
    }
    if let Some(as_of) = &a.as_of {
        let p = leadscore::synthetic::pipeline(a.rows, a.seed, as_of)?;
        let mut f = AtomicFile::create(&a.out)?;
        p.table.write_csv(&mut f)?;
        f.commit()?;
        let open = p.truth.iter().filter(|t| t.day > p.as_of_day).count();
        eprintln!(
            "{} synthetic deals as of {as_of} ({open} still open) -> {}",
            a.rows,
            a.out.display()
        );
        return Ok(());
    }
    let Some(events_path) = &a.events else {
        let deals = leadscore::synthetic::deals(a.rows, a.seed);
        let mut f = AtomicFile::create(&a.out)?;
        deals.table.write_csv(&mut f)?;
        f.commit()?;
        eprintln!("{} synthetic deals -> {}", a.rows, a.out.display());
        return Ok(());
    };
    let s = leadscore::synthetic::events::deals_with_events(a.rows, a.seed);
    // Both files are complete before either replaces anything.
    let mut deals = AtomicFile::create(&a.out)?;
    s.deals.table.write_csv(&mut deals)?;
    let mut events = AtomicFile::create(events_path)?;
    s.events.write_csv(&mut events)?;
    deals.commit()?;
    events.commit()?;
    eprintln!(
        "{} synthetic deals -> {}, {} events -> {}",
        a.rows,
        a.out.display(),
        s.events.n_rows(),
        events_path.display()
    );
    for e in &s.effects {
        let fade = if e.half_life_days.is_finite() {
            format!("half-life {} days", e.half_life_days)
        } else {
            "no fade".to_string()
        };
        eprintln!(
            "  {:<16} effect {:+.2} log-odds at age 0, {fade}",
            e.event, e.effect
        );
    }
    Ok(())
}

/// Runs `leadscore demo`.
pub fn demo(a: DemoArgs) -> Result<()> {
    use leadscore::metrics::{auc, log_loss};
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let synthetic = leadscore::synthetic::events::deals_with_events(a.rows, a.seed);
    let deals = &synthetic.deals;
    let table = &deals.table;
    // Out-of-time split: train on the deals created first, hold out the last 20 %.
    let created = table.require("created_at")?;
    let mut order: Vec<usize> = (0..table.n_rows()).collect();
    order.sort_by_key(|&r| created.text(r).map(|s| s.into_owned()));
    let cut = table.n_rows() * 4 / 5;
    let train = table.take_rows(&order[..cut]);
    let mut holdout = table.take_rows(&order[cut..]);
    writeln!(
        out,
        "leadscore demo: {} synthetic B2B deals (seed {}) and their {} events, trained on the first {} by created_at, tested on the last {}.\n",
        table.n_rows(),
        a.seed,
        synthetic.events.n_rows(),
        train.n_rows(),
        holdout.n_rows()
    )
    .map_err(stdout_err)?;
    let log = leadscore::model::events::EventColumns::new("deal_id");
    let model = Model::params()
        .target("outcome")
        .positive(["Won"])
        .id("deal_id")
        .ignore(["closed_at"])
        .seed(a.seed)
        .fit_with_events(&train, &synthetic.events, "created_at", &log)?;
    // Each held-out deal's events before its created_at, as scored then.
    model.attach_activity(&mut holdout, &synthetic.events, None, true)?;
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
    writeln!(out, "Learned fades against the true ones:").map_err(stdout_err)?;
    for term in model.events().map_or(&[][..], |e| &e.terms[..]) {
        let Some(truth) = synthetic.effects.iter().find(|e| e.event == term.event) else {
            continue;
        };
        let fade = |h: f64| {
            if h.is_finite() {
                format!("{h:.0} days")
            } else {
                "none".to_string()
            }
        };
        writeln!(
            out,
            "  {:<16} weight {:+.2} (true {:+.2}), half-life {:.1} days (true {})",
            term.event,
            term.weight,
            truth.effect,
            term.half_life_days,
            fade(truth.half_life_days)
        )
        .map_err(stdout_err)?;
    }

    if let Some(dir) = &a.out_dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        let mut f = AtomicFile::create(dir.join("deals.csv"))?;
        table.write_csv(&mut f)?;
        let mut events = AtomicFile::create(dir.join("events.csv"))?;
        synthetic.events.write_csv(&mut events)?;
        f.commit()?;
        events.commit()?;
        model.save(dir.join("model.json"))?;
        let columns = scores.clone().into_columns(model.id_column());
        write_atomic(
            dir.join("scores.csv"),
            &leadscore::data::columns::to_csv(&columns, Default::default()),
        )?;
        writeln!(
            out,
            "Wrote deals.csv, events.csv, model.json and scores.csv to {}",
            dir.display()
        )
        .map_err(stdout_err)?;
    }
    Ok(())
}
