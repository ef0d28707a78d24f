//! Open deals and the time to close from the command line, in the
//! spellings users and outside checks rely on: train with --open,
//! --created, --closed, --as-of and --horizon; the scorecard's time
//! section; score --as-of and its columns; the backtest; row errors.

mod common;

use common::{failed, run_cli, succeeded, succeeded_stdout, temp_dir};
use leadscore::{Model, Table};

const TRAIN: &[&str] = &[
    "train",
    "deals.csv",
    "--target",
    "stage",
    "--positive",
    "Won",
    "--negative",
    "Lost",
    "--open",
    "Open",
    "--created",
    "created_at",
    "--closed",
    "closed_at",
    "--horizon",
    "30",
    "--horizon",
    "90",
    "--id",
    "deal_id",
    "--ignore",
    "deal_value",
    "--l2",
    "1",
];

fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

fn setup(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    let err = succeeded(&run_cli(
        &[
            "synthetic",
            "--rows",
            "4000",
            "--seed",
            "3",
            "--as-of",
            "2025-06-30",
            "--out",
            "deals.csv",
        ],
        &dir,
    ));
    assert!(err.contains("still open"), "{err}");
    dir
}

#[test]
fn train_scorecard_and_score_with_open_deals() {
    let dir = setup("cli-timing");
    let out = succeeded_stdout(&run_cli(&args(TRAIN, &["--model", "m.json"]), &dir));
    assert!(out.contains("Time to close, as of 2025-06-30"), "{out}");
    assert!(out.contains("within 90 days"), "{out}");
    let model = Model::load(dir.join("m.json")).unwrap();
    let t = model.timing().unwrap();
    assert_eq!(t.horizons_days, vec![30, 90]);
    assert_eq!(t.as_of, "2025-06-30");
    assert_eq!(
        (t.created.as_str(), t.closed.as_str()),
        ("created_at", "closed_at")
    );

    let card = succeeded_stdout(&run_cli(
        &["scorecard", "--model", "m.json", "--format", "json"],
        &dir,
    ));
    let card: serde_json::Value = serde_json::from_str(&card).unwrap();
    let timing = &card["timing"];
    assert_eq!(timing["period_days"], 7);
    assert_eq!(timing["deals"]["open"].as_u64(), Some(t.deals.open));
    assert!(timing["stretches"].as_array().unwrap().len() > 1);

    // Score the deals open that day, as of it: the contract's columns,
    // equal to the library's.
    let deals = Table::from_csv_path(dir.join("deals.csv")).unwrap();
    succeeded(&run_cli(
        &[
            "score",
            "deals.csv",
            "--model",
            "m.json",
            "--as-of",
            "2025-06-30",
            "--out",
            "s.csv",
        ],
        &dir,
    ));
    let scores = Table::from_csv_path(dir.join("s.csv")).unwrap();
    assert_eq!(
        scores.column_names(),
        [
            "deal_id",
            "probability",
            "points",
            "win_within_30d",
            "win_within_90d",
            "win_eventually",
            "expected_close"
        ]
    );
    let want = model.score_as_of(&deals, "2025-06-30").unwrap();
    let w = want.timing.as_ref().unwrap();
    let num =
        |c: &str, r: usize| -> f64 { scores.column(c).unwrap().text(r).unwrap().parse().unwrap() };
    for r in [0, 17, 1234, 3999] {
        assert_eq!(num("win_within_30d", r), w.win_within[0][r]);
        assert_eq!(num("win_within_90d", r), w.win_within[1][r]);
        assert_eq!(num("win_eventually", r), w.win_eventually[r]);
        assert_eq!(num("probability", r), w.win_eventually[r]);
        assert_eq!(
            scores.column("expected_close").unwrap().text(r).as_deref(),
            w.expected_close[r].as_deref()
        );
    }
    // Qualification does not rank by the chances yet: it says so.
    succeeded(&run_cli(
        &["policy", "init", "--model", "m.json", "--out", "p.toml"],
        &dir,
    ));
    let err = failed(&run_cli(
        &[
            "qualify",
            "deals.csv",
            "--model",
            "m.json",
            "--policy",
            "p.toml",
            "--out",
            "d.csv",
        ],
        &dir,
    ));
    assert!(err.contains("time to close"), "{err}");
    assert!(!dir.join("d.csv").exists());
    // The same, as Parquet.
    succeeded(&run_cli(
        &[
            "score",
            "deals.csv",
            "--model",
            "m.json",
            "--as-of",
            "2025-06-30",
            "--out",
            "s.parquet",
        ],
        &dir,
    ));
    assert!(dir.join("s.parquet").exists());
}

#[test]
fn backtest_on_past_dates_prints_predicted_and_realised_wins() {
    let dir = setup("cli-backtest");
    let base: Vec<&str> = TRAIN[1..]
        .iter()
        .copied()
        .filter(|a| !["--horizon", "30", "90"].contains(a))
        .collect();
    let mut cmd = vec!["backtest"];
    cmd.extend(&base);
    cmd.extend(["--on", "2024-12-31", "2025-03-31", "--format", "json"]);
    let out = succeeded_stdout(&run_cli(&cmd, &dir));
    let b: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(b["horizon_days"], 90);
    let dates = b["dates"].as_array().unwrap();
    assert_eq!(dates.len(), 2);
    for d in dates {
        let (lo, hi) = (
            d["predicted_interval"][0].as_f64().unwrap(),
            d["predicted_interval"][1].as_f64().unwrap(),
        );
        let realised = d["realised_wins"].as_f64().unwrap();
        assert!(lo < hi);
        // A calibrated model's interval holds what happened, and the
        // closed-only model expects far more wins within the horizon.
        assert!(
            (lo - 0.5 * (hi - lo)..=hi + 0.5 * (hi - lo)).contains(&realised),
            "{d}"
        );
        assert!(
            d["closed_only_predicted_wins"].as_f64().unwrap() > hi,
            "{d}"
        );
        assert_eq!(d["calibration"].as_array().unwrap().len(), 10);
    }
    // A date whose horizon passes the end of the file is refused.
    cmd.truncate(cmd.len() - 5);
    cmd.extend(["--on", "2025-05-31"]);
    let err = failed(&run_cli(&cmd, &dir));
    assert!(err.contains("not all known yet"), "{err}");
}

#[test]
fn closed_deals_without_dates_are_named() {
    let dir = temp_dir("cli-timing-bad");
    std::fs::write(
        dir.join("deals.csv"),
        "deal_id,stage,created_at,closed_at,segment\n\
         A,Won,2025-01-01,2025-02-01,x\n\
         B,Lost,2025-01-03,,y\n\
         C,Won,2025-03-01,2025-02-01,x\n\
         D,Open,2025-01-09,,y\n",
    )
    .unwrap();
    let err = failed(&run_cli(&args(TRAIN, &["--model", "m.json"]), &dir));
    // Rows count from the first data row.
    assert!(err.contains("row 2") && err.contains("closed_at"), "{err}");
    assert!(err.contains("needs its close date"), "{err}");
    assert!(err.contains("row 3") && err.contains("2025-02-01"), "{err}");
    assert!(!dir.join("m.json").exists());
    // Time options without --created are refused, naming the flag.
    let err = failed(&run_cli(
        &[
            "train",
            "deals.csv",
            "--target",
            "stage",
            "--open",
            "Open",
            "--model",
            "m.json",
        ],
        &dir,
    ));
    assert!(err.contains("--created"), "{err}");
}
