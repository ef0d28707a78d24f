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

const RANKED_POLICY: &str = r#"
format = "leadscore.policy"
format_version = "1.1"
version = "q3"
rank_by = "win_within_90d"

[capacity]
reps = 4
leads_per_rep = 50
period = "1w"

[[tier]]
name = "A"
capacity = true
route = "sales"
owner = "Account Executives"
sla = "1d"

[[tier]]
name = "B"
top_share = 0.5
route = "sdr"
owner = "SDRs"
sla = "2d"

[[tier]]
name = "C"
route = "nurture"
"#;

#[test]
fn qualify_ranks_and_cuts_by_the_chance_within_the_horizon() {
    let dir = setup("cli-timing-qualify");
    succeeded(&run_cli(&args(TRAIN, &["--model", "m.json"]), &dir));
    std::fs::write(dir.join("p.toml"), RANKED_POLICY).unwrap();
    let check = succeeded_stdout(&run_cli(
        &["policy", "check", "p.toml", "--model", "m.json"],
        &dir,
    ));
    assert!(!check.contains("error"), "{check}");
    let err = succeeded(&run_cli(
        &[
            "qualify",
            "deals.csv",
            "--model",
            "m.json",
            "--policy",
            "p.toml",
            "--as-of",
            "2025-06-30",
            "--out",
            "d.csv",
        ],
        &dir,
    ));
    let d = Table::from_csv_path(dir.join("d.csv")).unwrap();
    for c in [
        "win_within_30d",
        "win_within_90d",
        "win_eventually",
        "expected_close",
        "tier",
        "rank",
    ] {
        assert!(
            d.column(c).is_some(),
            "no column {c}: {:?}",
            d.column_names()
        );
    }
    let num = |c: &str, r: usize| -> f64 { d.column(c).unwrap().text(r).unwrap().parse().unwrap() };
    let tier = |r: usize| d.column("tier").unwrap().text(r).unwrap().into_owned();
    let n = d.n_rows();
    // The library's decisions as of the same date: the same chances.
    let model = Model::load(dir.join("m.json")).unwrap();
    let deals = Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let want = model.score_as_of(&deals, "2025-06-30").unwrap();
    let w90 = &want.timing.as_ref().unwrap().win_within[1];
    for r in [0, 99, 2500] {
        assert_eq!(num("win_within_90d", r), w90[r]);
    }
    // Capacity takes the 200 leads most likely to win within 90 days.
    let a: Vec<usize> = (0..n).filter(|&r| tier(r) == "A").collect();
    assert_eq!(a.len(), 200);
    let lowest_a = a.iter().map(|&r| w90[r]).fold(f64::INFINITY, f64::min);
    let best_other = (0..n)
        .filter(|&r| tier(r) != "A")
        .map(|r| w90[r])
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(lowest_a >= best_other, "{lowest_a} < {best_other}");
    // Ranked by that chance inside the tier.
    let mut by_rank: Vec<(i64, f64)> = a.iter().map(|&r| (num("rank", r) as i64, w90[r])).collect();
    by_rank.sort_by_key(|x| x.0);
    assert!(by_rank.windows(2).all(|x| x[0].1 >= x[1].1));
    // The capacity report gives the expected wins within 90 days.
    let within: f64 = a.iter().map(|&r| w90[r]).sum();
    assert!(
        err.contains(&format!("{within:.1} of them within 90 days")),
        "{err}"
    );
    assert!(err.contains("win_within_90d"), "{err}");
    // Another date, other chances and other leads on top.
    succeeded(&run_cli(
        &[
            "qualify",
            "deals.csv",
            "--model",
            "m.json",
            "--policy",
            "p.toml",
            "--as-of",
            "2025-12-31",
            "--out",
            "later.csv",
        ],
        &dir,
    ));
    let later = Table::from_csv_path(dir.join("later.csv")).unwrap();
    assert_ne!(
        later.column("win_within_90d").unwrap().text(0),
        d.column("win_within_90d").unwrap().text(0)
    );

    // A horizon the model was not trained for is named, by check and qualify.
    std::fs::write(
        dir.join("p60.toml"),
        RANKED_POLICY.replace("win_within_90d", "win_within_60d"),
    )
    .unwrap();
    let out = run_cli(&["policy", "check", "p60.toml", "--model", "m.json"], &dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("rank_by") && text.contains("win_within_30d, win_within_90d"),
        "{text}"
    );
    let err = failed(&run_cli(
        &[
            "qualify",
            "deals.csv",
            "--model",
            "m.json",
            "--policy",
            "p60.toml",
            "--out",
            "d60.csv",
        ],
        &dir,
    ));
    assert!(err.contains("win_within_60d"), "{err}");
    assert!(!dir.join("d60.csv").exists());
    // The starter policy of a time model ranks by its first horizon.
    succeeded(&run_cli(
        &[
            "policy",
            "init",
            "--model",
            "m.json",
            "--out",
            "starter.toml",
        ],
        &dir,
    ));
    let starter = std::fs::read_to_string(dir.join("starter.toml")).unwrap();
    assert!(
        starter.contains("rank_by = \"win_within_30d\""),
        "{starter}"
    );
}
