//! Behaviour over time from the command line, in the spellings users and
//! outside checks rely on: train with an event log, the scorecard's event
//! types, score/explain/qualify with the leads' events, frozen cuts, a
//! fixed fade, and bad rows of the log.

mod common;

use common::{failed, run_cli, succeeded, succeeded_stdout, temp_dir};
use leadscore::{Model, Table};

const TRAIN: &[&str] = &[
    "train",
    "deals.csv",
    "--target",
    "outcome",
    "--positive",
    "Won",
    "--id",
    "deal_id",
    "--ignore",
    "closed_at",
    "--ignore",
    "deal_value",
    "--l2",
    "1",
    "--events",
    "events.csv",
    "--as-of",
    "created_at",
];

fn setup(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    succeeded(&run_cli(
        &[
            "synthetic",
            "--rows",
            "3000",
            "--seed",
            "8",
            "--out",
            "deals.csv",
            "--events",
            "events.csv",
        ],
        &dir,
    ));
    dir
}

fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

#[test]
fn train_score_explain_and_qualify_with_an_event_log() {
    let dir = setup("cli-events");
    let err = succeeded(&run_cli(&args(TRAIN, &["--model", "m.json"]), &dir));
    assert!(err.contains("events:") && err.contains("counted"), "{err}");

    // The scorecard lists each event type with its points and half-life.
    let card = succeeded_stdout(&run_cli(
        &["scorecard", "--model", "m.json", "--format", "json"],
        &dir,
    ));
    let card: serde_json::Value = serde_json::from_str(&card).unwrap();
    let events = card["events"].as_array().unwrap();
    let demo = events
        .iter()
        .find(|e| e["event"] == "demo_request")
        .unwrap();
    assert!(demo["points_at_0"].as_f64().unwrap() > 0.0, "{demo}");
    assert!(demo["half_life_days"].as_f64().unwrap() > 0.0, "{demo}");
    let text = succeeded_stdout(&run_cli(&["scorecard", "--model", "m.json"], &dir));
    assert!(
        text.contains("demo_request: +") && text.contains("points today, half after"),
        "{text}"
    );

    // Scores from the command line are the library's, whatever the threads.
    let score = [
        "score",
        "deals.csv",
        "--model",
        "m.json",
        "--events",
        "events.csv",
    ];
    succeeded(&run_cli(
        &args(&score, &["--out", "s1.csv", "--threads", "1"]),
        &dir,
    ));
    succeeded(&run_cli(
        &args(&score, &["--out", "s.csv", "--batch-rows", "97"]),
        &dir,
    ));
    let one = std::fs::read(dir.join("s1.csv")).unwrap();
    assert_eq!(one, std::fs::read(dir.join("s.csv")).unwrap());
    let model = Model::load(dir.join("m.json")).unwrap();
    let mut deals = Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let log = Table::from_csv_path(dir.join("events.csv")).unwrap();
    model
        .attach_activity(&mut deals, &log, None, false)
        .unwrap();
    let expected = model.score(&deals).unwrap();
    let written = Table::from_csv_path(dir.join("s.csv")).unwrap();
    let points = written.require("points").unwrap();
    for r in [0, 1, 1500, 2999] {
        let got: f64 = points.text(r).unwrap().parse().unwrap();
        assert!((got - expected.points[r]).abs() < 0.006, "row {r}");
    }

    // Without the log, the error says what to give.
    let e = failed(&run_cli(&args(&score[..4], &["--out", "x.csv"]), &dir));
    assert!(e.contains("--events"), "{e}");
    assert!(!dir.join("x.csv").exists());

    // explain names the events and its reasons sum to the points.
    let why = succeeded_stdout(&run_cli(
        &[
            "explain",
            "deals.csv",
            "--model",
            "m.json",
            "--events",
            "events.csv",
            "--format",
            "json",
            "--top",
            "100",
        ],
        &dir,
    ));
    let why: serde_json::Value = serde_json::from_str(&why).unwrap();
    let leads = why.as_array().unwrap();
    assert_eq!(leads.len(), 3000);
    let mut named = false;
    for lead in leads.iter().take(200) {
        let sum: f64 = lead["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        let base = lead["base_points"].as_f64().unwrap();
        assert!(
            (base + sum - lead["points"].as_f64().unwrap()).abs() < 1e-6,
            "{lead}"
        );
        named |= lead["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["attribute"].as_str().unwrap().contains("days ago"));
    }
    assert!(named, "no explanation names an event");

    // Cuts frozen from a reference batch with its events, then qualify.
    succeeded(&run_cli(
        &["policy", "init", "--model", "m.json", "--out", "p.toml"],
        &dir,
    ));
    let freeze = [
        "policy",
        "freeze",
        "deals.csv",
        "--model",
        "m.json",
        "--policy",
        "p.toml",
    ];
    let e = failed(&run_cli(&args(&freeze, &["--out", "cuts.json"]), &dir));
    assert!(e.contains("--events"), "{e}");
    succeeded(&run_cli(
        &args(&freeze, &["--events", "events.csv", "--out", "cuts.json"]),
        &dir,
    ));
    let qualify = [
        "qualify",
        "deals.csv",
        "--model",
        "m.json",
        "--policy",
        "p.toml",
        "--events",
        "events.csv",
    ];
    succeeded(&run_cli(
        &args(&qualify, &["--cuts-from", "cuts.json", "--out", "d1.csv"]),
        &dir,
    ));
    succeeded(&run_cli(
        &args(&qualify, &["--cuts-from", "deals.csv", "--out", "d2.csv"]),
        &dir,
    ));
    let d1 = Table::from_csv_path(dir.join("d1.csv")).unwrap();
    let d2 = Table::from_csv_path(dir.join("d2.csv")).unwrap();
    assert_eq!(d1.n_rows(), 3000);
    for r in 0..d1.n_rows() {
        assert_eq!(
            d1.cell(r, "tier").unwrap(),
            d2.cell(r, "tier").unwrap(),
            "row {r}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evaluate_holds_out_deals_scored_with_their_events_before_their_as_of_time() {
    let dir = setup("cli-events-evaluate");
    let base = [
        "evaluate",
        "deals.csv",
        "--target",
        "outcome",
        "--positive",
        "Won",
        "--id",
        "deal_id",
        "--ignore",
        "closed_at",
        "--ignore",
        "deal_value",
        "--l2",
        "1",
        "--time-column",
        "created_at",
        "--format",
        "json",
    ];
    let auc = |out: &str| -> f64 {
        let v: serde_json::Value = serde_json::from_str(out).unwrap();
        assert_eq!(v["test_rows"], 600, "{v}");
        v["auc"]["value"].as_f64().unwrap()
    };
    let with = succeeded_stdout(&run_cli(
        &args(&base, &["--events", "events.csv", "--as-of", "created_at"]),
        &dir,
    ));
    let without = succeeded_stdout(&run_cli(&args(&base, &["--ignore", "created_at"]), &dir));
    // The events carry signal the deals' columns lack.
    assert!(auc(&with) > auc(&without) + 0.01, "{with}\n{without}");
    let e = failed(&run_cli(&args(&base, &["--events", "events.csv"]), &dir));
    assert!(e.contains("--as-of"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_fixed_fade_for_every_type_and_bad_log_rows_named() {
    let dir = setup("cli-events-fixed");
    succeeded(&run_cli(
        &args(TRAIN, &["--event-half-life", "30", "--model", "f.json"]),
        &dir,
    ));
    let model = Model::load(dir.join("f.json")).unwrap();
    let terms = &model.events().unwrap().terms;
    assert!(terms.len() >= 4);
    assert!(terms.iter().all(|t| t.half_life_days == 30.0));
    let e = failed(&run_cli(
        &args(TRAIN, &["--event-half-life", "0", "--model", "g.json"]),
        &dir,
    ));
    assert!(e.contains("--event-half-life"), "{e}");

    // A timestamp that cannot be read names its row, column and value, and
    // nothing is written.
    let mut log = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    log.push_str("D000001,webinar,next tuesday\n");
    std::fs::write(dir.join("bad.csv"), &log).unwrap();
    let rows = log.lines().count() - 1;
    let mut bad: Vec<&str> = TRAIN.to_vec();
    let at = bad.iter().position(|a| *a == "events.csv").unwrap();
    bad[at] = "bad.csv";
    let e = failed(&run_cli(&args(&bad, &["--model", "h.json"]), &dir));
    assert!(
        e.contains(&format!("row {rows}")) && e.contains("timestamp") && e.contains("next tuesday"),
        "{e}"
    );
    assert!(!dir.join("h.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
