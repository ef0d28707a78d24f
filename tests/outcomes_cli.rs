//! Closing the loop on the command line: `outcomes` on the qualification's
//! output and on its decision log, the report's outcomes section, and
//! `promote` / `rollback` with a candidate trained on shuffled outcomes.

mod common;

use common::{
    failed, run_cli, succeeded, succeeded_stdout, synthetic_csv, temp_dir, train_synthetic,
    train_synthetic_on,
};
use leadscore::{Model, Table};

/// Decisions of 3,000 synthetic deals with the starter policy (SLA due
/// times from `created_at`), touches a few hours after creation (tier by
/// tier slower), and the deals' outcomes.
fn decided(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    synthetic_csv(&dir, 3000, 1, "deals.csv");
    train_synthetic(&dir, "m.json", &[]);
    succeeded(&run_cli(
        &["policy", "init", "--model", "m.json", "--out", "p.toml"],
        &dir,
    ));
    succeeded(&run_cli(
        &[
            "qualify",
            "deals.csv",
            "--model",
            "m.json",
            "--policy",
            "p.toml",
            "--out",
            "decisions.csv",
            "--log",
            "decisions.jsonl",
        ],
        &dir,
    ));
    let deals = Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let decisions = Table::from_csv_path(dir.join("decisions.csv")).unwrap();
    let mut touches = String::from("deal_id,touched_at,owner,reason\n");
    let mut outcomes = String::from("deal_id,outcome,closed_at\n");
    for r in 0..deals.n_rows() {
        let c = |t: &Table, n: &str| t.cell(r, n).unwrap().map(|v| v.into_owned());
        let id = c(&deals, "deal_id").unwrap();
        let created = c(&deals, "created_at").unwrap();
        let tier_rank = match c(&decisions, "route").as_deref() {
            Some("sales") => 1,
            Some("sdr") => 3,
            _ => 7,
        };
        if r % 10 != 0 {
            let hour = tier_rank + r % 3;
            let reason = if r % 97 == 0 { "no budget" } else { "" };
            touches.push_str(&format!(
                "{id},{created}T{hour:02}:30:00Z,rep{},{reason}\n",
                r % 4
            ));
        }
        outcomes.push_str(&format!(
            "{id},{},{}\n",
            c(&deals, "outcome").unwrap(),
            c(&deals, "closed_at").unwrap_or_default()
        ));
    }
    // A touch for a lead that was never decided.
    touches.push_str("X-1,2024-01-01T09:00:00Z,rep0,\n");
    std::fs::write(dir.join("touches.csv"), touches).unwrap();
    std::fs::write(dir.join("closed.csv"), outcomes).unwrap();
    dir
}

const OUTCOMES: &[&str] = &[
    "outcomes",
    "--touches",
    "touches.csv",
    "--deals",
    "closed.csv",
    "--id",
    "deal_id",
    "--positive",
    "Won",
    "--negative",
    "Lost",
    "--format",
    "json",
];

fn outcomes_json(dir: &std::path::Path, decisions: &str, more: &[&str]) -> serde_json::Value {
    let mut args: Vec<&str> = OUTCOMES.to_vec();
    args.extend(["--decisions", decisions]);
    args.extend(more);
    let out = run_cli(&args, dir);
    let err = succeeded(&out);
    assert!(err.contains("1 rows could not be used"), "{err}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn outcomes_of_the_qualification_output_and_of_its_log_agree() {
    let dir = decided("cli-outcomes");
    let from_csv = outcomes_json(&dir, "decisions.csv", &["--by", "route", "--by", "owner"]);
    let from_log = outcomes_json(&dir, "decisions.jsonl", &["--by", "route", "--by", "owner"]);
    // The same figures; mean points differ only by the CSV's rounding to
    // two decimals (the log keeps every digit).
    for list in ["tiers", "owners"] {
        let (a, b) = (
            from_csv[list].as_array().unwrap(),
            from_log[list].as_array().unwrap(),
        );
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            let (mut x, mut y) = (x.clone(), y.clone());
            let (mx, my) = (
                x["mean_points"].as_f64().unwrap(),
                y["mean_points"].as_f64().unwrap(),
            );
            assert!((mx - my).abs() < 0.005, "{mx} {my}");
            x.as_object_mut().unwrap().remove("mean_points");
            y.as_object_mut().unwrap().remove("mean_points");
            assert_eq!(x, y);
        }
    }
    let tiers = from_csv["tiers"].as_array().unwrap();
    assert!(tiers.len() >= 2, "{tiers:?}");
    let mut leads = 0;
    for t in tiers {
        for key in [
            "tier",
            "leads",
            "touched",
            "within_sla",
            "median_hours_to_touch",
            "p95_hours_to_touch",
            "win_rate",
            "win_rate_within_sla",
            "win_rate_after_sla",
        ] {
            assert!(t.get(key).is_some(), "no {key} in {t}");
        }
        leads += t["leads"].as_u64().unwrap();
        // Nine leads in ten are touched.
        let share = t["touched"].as_f64().unwrap() / t["leads"].as_f64().unwrap();
        assert!((0.85..0.95).contains(&share), "{share} in {t}");
    }
    assert_eq!(leads, 3000);
    // Sales touched within 1-3 h of a 4 h SLA (created at midnight).
    let sales = tiers.iter().find(|t| t["tier"] == "A").unwrap();
    // Every touched lead is within (untouched ones count against it).
    let touched = sales["touched"].as_f64().unwrap() / sales["leads"].as_f64().unwrap();
    assert!(
        (sales["within_sla"].as_f64().unwrap() - touched).abs() < 1e-12,
        "{sales}"
    );
    let median = sales["median_hours_to_touch"].as_f64().unwrap();
    assert!((1.5..=3.5).contains(&median), "{median}");
    let owners: Vec<&str> = from_csv["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner"].as_str().unwrap())
        .collect();
    assert!(
        owners.contains(&"rep0") && owners.contains(&"(not touched)"),
        "{owners:?}"
    );
    let problems = &from_csv["problems"]["examples"][0];
    assert_eq!(problems["file"], "touches");
    assert_eq!(problems["value"], "X-1");
    assert_eq!(from_csv["rejections"][0]["reason"], "no budget");

    // Text first, then an HTML page and the report's section.
    let mut args: Vec<&str> = OUTCOMES[..OUTCOMES.len() - 2].to_vec();
    args.extend(["--decisions", "decisions.csv"]);
    let text = succeeded_stdout(&run_cli(&args, &dir));
    assert!(
        text.contains("By tier") && text.contains("speed effect"),
        "{text}"
    );
    let mut html = args.clone();
    html.extend(["--format", "html", "--out", "outcomes.html"]);
    succeeded(&run_cli(&html, &dir));
    let page = std::fs::read_to_string(dir.join("outcomes.html")).unwrap();
    assert!(
        page.contains("id=\"outcomes-funnel\"") && page.contains("id=\"outcomes-touch-hours\"")
    );
    let mut json = args.clone();
    json.extend(["--format", "json", "--out", "outcomes.json"]);
    succeeded(&run_cli(&json, &dir));
    succeeded(&run_cli(
        &[
            "report",
            "deals.csv",
            "--model",
            "m.json",
            "--outcomes",
            "outcomes.json",
            "--out",
            "report.html",
        ],
        &dir,
    ));
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        report.contains("What happened to the decisions")
            && report.contains("outcomes-touch-hours")
    );
    // HTML needs a file; a missing column is named.
    let mut no_out = args.clone();
    no_out.extend(["--format", "html"]);
    assert!(failed(&run_cli(&no_out, &dir)).contains("output file"));
    std::fs::write(dir.join("bad.csv"), "deal_id,when\nD000001,2024-01-01\n").unwrap();
    let err = failed(&run_cli(
        &[
            "outcomes",
            "--decisions",
            "decisions.csv",
            "--touches",
            "bad.csv",
            "--deals",
            "closed.csv",
            "--id",
            "deal_id",
        ],
        &dir,
    ));
    assert!(err.contains("touched_at"), "{err}");
}

#[test]
fn promote_refuses_a_model_of_shuffled_outcomes_and_installs_a_good_one_that_rolls_back() {
    let dir = temp_dir("cli-promote");
    synthetic_csv(&dir, 3000, 1, "deals.csv");
    synthetic_csv(&dir, 3000, 2, "newer.csv");
    synthetic_csv(&dir, 1500, 3, "recent.csv");
    train_synthetic(&dir, "active.json", &[]);
    train_synthetic_on(&dir, "newer.csv", "candidate.json", &[]);
    // The same deals with their outcomes shuffled (a fixed permutation).
    let deals = Table::from_csv_path(dir.join("newer.csv")).unwrap();
    let n = deals.n_rows();
    let outcome = deals.require("outcome").unwrap();
    let shuffled: Vec<Option<String>> = (0..n)
        .map(|r| outcome.text((r * 7_919 + 13) % n).map(|v| v.into_owned()))
        .collect();
    let mut t = deals.clone();
    t.set_column("outcome", leadscore::Values::Text(shuffled))
        .unwrap();
    let mut bytes = Vec::new();
    t.write_csv(&mut bytes).unwrap();
    std::fs::write(dir.join("shuffled.csv"), bytes).unwrap();
    train_synthetic_on(&dir, "shuffled.csv", "shuffled.json", &[]);

    let active_fp = Model::load(dir.join("active.json")).unwrap().fingerprint();
    let out = run_cli(
        &[
            "promote",
            "recent.csv",
            "--active",
            "active.json",
            "--candidate",
            "shuffled.json",
            "--target",
            "outcome",
        ],
        &dir,
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.starts_with("REFUSE") && text.contains("[FAIL] AUC"),
        "{text}"
    );
    // A good candidate passes and is installed; the log records both.
    let out = run_cli(
        &[
            "promote",
            "recent.csv",
            "--active",
            "active.json",
            "--candidate",
            "candidate.json",
            "--install",
            "--format",
            "json",
        ],
        &dir,
    );
    let stdout = succeeded_stdout(&out);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["passed"], true, "{stdout}");
    assert!(v["auc_ratio"].as_f64().unwrap() > 0.95);
    let candidate_fp = Model::load(dir.join("candidate.json"))
        .unwrap()
        .fingerprint();
    assert_eq!(
        Model::load(dir.join("active.json")).unwrap().fingerprint(),
        candidate_fp
    );
    let log = std::fs::read_to_string(dir.join("promotions.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["verdict"], "refused");
    assert!(
        lines[0]["reasons"][0].as_str().unwrap().contains("AUC"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["verdict"], "promoted");
    assert_eq!(lines[1]["active_fingerprint"], active_fp.as_str());
    assert_eq!(lines[1]["candidate_fingerprint"], candidate_fp.as_str());
    // Rollback puts the replaced model back, once.
    let said = succeeded_stdout(&run_cli(&["rollback", "--active", "active.json"], &dir));
    assert!(said.contains("rolled back"), "{said}");
    assert_eq!(
        Model::load(dir.join("active.json")).unwrap().fingerprint(),
        active_fp
    );
    assert!(
        failed(&run_cli(&["rollback", "--active", "active.json"], &dir))
            .contains("rolled back already")
    );
    // A bad gate is named.
    std::fs::write(
        dir.join("gate.toml"),
        "min_auc_ratio = 0.95\nmax_log_loss = 1\n",
    )
    .unwrap();
    let err = failed(&run_cli(
        &[
            "promote",
            "recent.csv",
            "--active",
            "active.json",
            "--candidate",
            "candidate.json",
            "--gate",
            "gate.toml",
        ],
        &dir,
    ));
    assert!(
        err.contains("gate.toml") && err.contains("max_log_loss"),
        "{err}"
    );
}
