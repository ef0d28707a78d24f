//! The `leadscore` command line, end to end.

mod common;

use common::{
    assert_rejected, failed, run_cli, succeeded, succeeded_stdout, synthetic_csv, temp_dir,
};

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
    "created_at",
    "--ignore",
    "closed_at",
    "--l2",
    "3",
    "--model",
    "model.json",
];

#[test]
fn train_then_score_writes_one_row_per_lead_in_input_order() {
    let dir = temp_dir("cli-score");
    synthetic_csv(&dir, 3000, 4, "deals.csv");
    let stdout = succeeded_stdout(&run_cli(TRAIN, &dir));
    assert!(stdout.contains("Trained on 3000 closed deals"), "{stdout}");
    // The summary first: the fit out of fold and the strongest attributes;
    // the full scorecard only when asked for.
    assert!(
        stdout.contains("Out of fold") || stdout.contains("fixed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Most points for a win") && stdout.contains("demo_requested"),
        "{stdout}"
    );
    assert!(!stdout.contains("\nScorecard\n"), "{stdout}");
    let mut full = TRAIN.to_vec();
    full.push("--scorecard");
    let stdout = succeeded_stdout(&run_cli(&full, &dir));
    assert!(stdout.contains("\nScorecard\n"), "{stdout}");

    // Leads: the same file shuffled, with the target and extra columns present.
    synthetic_csv(&dir, 500, 77, "leads.csv");
    succeeded(&run_cli(
        &[
            "score",
            "leads.csv",
            "--model",
            "model.json",
            "--out",
            "scores.csv",
        ],
        &dir,
    ));
    let scores = std::fs::read_to_string(dir.join("scores.csv")).unwrap();
    let mut lines = scores.lines();
    assert_eq!(lines.next(), Some("deal_id,probability,points"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 500);
    for (i, row) in rows.iter().enumerate() {
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(f[0], format!("D{:06}", i + 1));
        let p: f64 = f[1].parse().unwrap();
        assert!(p > 0.0 && p < 1.0);
    }
    // The CLI scores what the library scores.
    let model = leadscore::Model::load(dir.join("model.json")).unwrap();
    let lib = model
        .score(&leadscore::Table::from_csv_path(dir.join("leads.csv")).unwrap())
        .unwrap();
    let first: f64 = rows[0].split(',').nth(1).unwrap().parse().unwrap();
    assert_eq!(first, lib.probability[0]);
}

#[test]
fn bad_leads_fail_naming_row_column_value_and_write_nothing() {
    let dir = temp_dir("cli-bad");
    synthetic_csv(&dir, 1500, 5, "deals.csv");
    succeeded(&run_cli(TRAIN, &dir));
    let mut leads = String::from("deal_id,employees,industry,country,job_seniority,webinar_attended,pricing_page_visits,demo_requested,email_clicks,lead_source,channel,campaign,deal_value\n");
    leads.push_str("L1,120,Software,Germany,VP,yes,2,no,3,Referral,Web,Free Trial,20000\n");
    leads.push_str("L2,many,Software,Germany,VP,yes,2,no,3,Referral,Web,Free Trial,20000\n");
    leads.push_str("L3,50,Retail,India,Manager,no,x1,no,3,Event,Email,Free Trial,1000\n");
    std::fs::write(dir.join("leads.csv"), leads).unwrap();
    let err = failed(&run_cli(
        &[
            "score",
            "leads.csv",
            "--model",
            "model.json",
            "--out",
            "scores.csv",
        ],
        &dir,
    ));
    assert_rejected(
        &err,
        2,
        3,
        &[(2, "employees", "many"), (3, "pricing_page_visits", "x1")],
    );
    assert!(!dir.join("scores.csv").exists());

    // A feature column missing from the leads is named.
    std::fs::write(dir.join("leads2.csv"), "deal_id,employees\nL1,5\n").unwrap();
    let err = failed(&run_cli(
        &[
            "score",
            "leads2.csv",
            "--model",
            "model.json",
            "--out",
            "s2.csv",
        ],
        &dir,
    ));
    assert!(err.contains("column \"industry\" not found"), "{err}");
}

#[test]
fn bad_outcomes_show_the_first_twenty_and_the_total() {
    let dir = temp_dir("cli-outcomes");
    let mut deals = String::from("id,x,won\n");
    for i in 0..100 {
        let won = if i % 3 == 0 {
            "pending"
        } else if i % 2 == 0 {
            "1"
        } else {
            "0"
        };
        deals.push_str(&format!("{i},{},{won}\n", i % 4));
    }
    std::fs::write(dir.join("deals.csv"), deals).unwrap();
    let err = failed(&run_cli(
        &["train", "deals.csv", "--target", "won", "--model", "m.json"],
        &dir,
    ));
    assert!(err.contains("34 invalid value(s)"), "{err}");
    assert!(
        err.contains("row 1, column \"won\", value \"pending\""),
        "{err}"
    );
    assert!(err.contains("and 14 more"), "{err}");
    assert!(!dir.join("m.json").exists());
}

#[test]
fn without_an_id_column_scores_have_probability_and_points_only() {
    let dir = temp_dir("cli-noid");
    synthetic_csv(&dir, 1500, 6, "deals.csv");
    succeeded(&run_cli(
        &[
            "train",
            "deals.csv",
            "--target",
            "outcome",
            "--ignore",
            "deal_id",
            "--ignore",
            "created_at",
            "--ignore",
            "closed_at",
            "--l2",
            "3",
            "--model",
            "m.json",
            "--quiet",
        ],
        &dir,
    ));
    succeeded(&run_cli(
        &[
            "score",
            "deals.csv",
            "--model",
            "m.json",
            "--out",
            "s.csv",
            "--quiet",
        ],
        &dir,
    ));
    let s = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    assert_eq!(s.lines().next(), Some("probability,points"));
    assert_eq!(s.lines().count(), 1501);
}

#[test]
fn demo_runs_the_whole_job_on_built_in_data() {
    let dir = temp_dir("cli-demo");
    let out = succeeded_stdout(&run_cli(
        &["demo", "--rows", "3000", "--out-dir", "out"],
        &dir,
    ));
    assert!(out.contains("Scorecard"), "{out}");
    assert!(out.contains("Held-out deals (600): AUC"), "{out}");
    assert!(out.contains("Top 3 held-out leads"), "{out}");
    // It learns from the synthetic event log and shows the fades learned.
    assert!(out.contains("demo_request: +"), "{out}");
    assert!(
        out.contains("Learned fades against the true ones:") && out.contains("(true 3 days)"),
        "{out}"
    );
    for f in ["deals.csv", "events.csv", "model.json", "scores.csv"] {
        assert!(dir.join("out").join(f).exists(), "{f}");
    }
}

#[test]
fn synthetic_writes_deals_and_an_event_log_in_the_library_s_words() {
    let dir = temp_dir("cli_synthetic_events");
    let err = succeeded(&run_cli(
        &[
            "synthetic",
            "--rows",
            "300",
            "--seed",
            "4",
            "--out",
            "deals.csv",
            "--events",
            "events.csv",
        ],
        &dir,
    ));
    assert!(
        err.contains("demo_request") && err.contains("half-life 3 days"),
        "{err}"
    );
    let s = leadscore::synthetic::events::deals_with_events(300, 4);
    let deals = leadscore::Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let events = leadscore::Table::from_csv_path(dir.join("events.csv")).unwrap();
    assert_eq!(deals.n_rows(), 300);
    assert_eq!(events.n_rows(), s.events.n_rows());
    assert_eq!(events.column_names(), ["deal_id", "event", "timestamp"]);
    for r in [0, events.n_rows() / 2, events.n_rows() - 1] {
        for c in ["deal_id", "event", "timestamp"] {
            assert_eq!(
                events.cell(r, c).unwrap(),
                s.events.cell(r, c).unwrap(),
                "row {r}, {c}"
            );
        }
    }
    // The log and the deals are one file pair: both outputs must differ.
    let e = failed(&run_cli(
        &[
            "synthetic",
            "--rows",
            "10",
            "--out",
            "same.csv",
            "--events",
            "same.csv",
        ],
        &dir,
    ));
    assert!(e.contains("same.csv"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
