//! Starting from a points sheet on the command line: `train --prior-sheet
//! SHEET [--prior-strength auto|X]`, the scorecard's prior section and its
//! JSON, the sheet rules the deals cannot use, and `diff` between the sheet
//! and the model.

mod common;

use common::{failed, run_cli, succeeded, succeeded_stdout, temp_dir};
use leadscore::Model;

const SHEET: &str = "column,value,points\n\
demo_requested,yes,20\n\
job_seniority,Student,-10\n\
email_clicks,>=5,10\n\
job_title,VP,15\n";

const TRAIN: &[&str] = &[
    "train",
    "deals.csv",
    "--target",
    "outcome",
    "--id",
    "deal_id",
    "--ignore",
    "created_at",
    "--ignore",
    "closed_at",
    "--ignore",
    "deal_value",
    "--prior-sheet",
    "sheet.csv",
];

fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

fn setup(name: &str, rows: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    succeeded(&run_cli(
        &[
            "synthetic",
            "--rows",
            rows,
            "--seed",
            "8",
            "--out",
            "deals.csv",
        ],
        &dir,
    ));
    std::fs::write(dir.join("sheet.csv"), SHEET).unwrap();
    dir
}

#[test]
fn train_from_a_sheet_shows_what_the_deals_moved() {
    let dir = setup("cli-prior", "3000");
    let out = run_cli(&args(TRAIN, &["--model", "m.json"]), &dir);
    let err = succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        stdout.contains("Started from the points sheet (4 rules): prior strength"),
        "{stdout}"
    );
    assert!(
        stdout.contains("The sheet's points as the deals moved them"),
        "{stdout}"
    );
    assert!(stdout.contains("demo_requested = yes"), "{stdout}");
    // The rule on a column the deals lack is reported, with its row.
    assert!(
        err.contains("points sheet row 4 (job_title = VP): the deals have no such column"),
        "{err}"
    );
    let model = Model::load(dir.join("m.json")).unwrap();
    let prior = model.prior().unwrap();
    assert_eq!(prior.candidates.len(), 5);

    // The scorecard's JSON: per attribute the sheet's and the learned points.
    let card = succeeded_stdout(&run_cli(
        &["scorecard", "--model", "m.json", "--format", "json"],
        &dir,
    ));
    let card: serde_json::Value = serde_json::from_str(&card).unwrap();
    let attrs = card["prior"]["attributes"].as_array().unwrap();
    let demo = attrs
        .iter()
        .find(|a| a["column"] == "demo_requested" && a["attribute"] == "yes")
        .unwrap();
    assert_eq!(demo["sheet_points"], 20.0);
    for k in [
        "learned_points",
        "learned_interval",
        "moved",
        "training_rows",
        "training_won",
    ] {
        assert!(!demo[k].is_null(), "{k}: {demo}");
    }
    assert_eq!(card["prior"]["problems"][0]["row"], 4);

    // diff between the sheet and the model.
    let d = succeeded_stdout(&run_cli(
        &["diff", "sheet.csv", "m.json", "--format", "json"],
        &dir,
    ));
    let d: serde_json::Value = serde_json::from_str(&d).unwrap();
    let moved = d["moved"].as_array().unwrap();
    let demo = moved
        .iter()
        .find(|m| m["column"] == "demo_requested" && m["attribute"] == "yes")
        .unwrap();
    assert_eq!(demo["old_points"], 20.0);
    let learned = prior
        .attributes
        .iter()
        .find(|a| a.column == "demo_requested" && a.attribute == "yes")
        .unwrap()
        .learned_points;
    assert!((demo["new_points"].as_f64().unwrap() - learned).abs() < 1e-9);
    assert!(d["removed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["column"] == "job_title"));
    let text = succeeded_stdout(&run_cli(&["diff", "sheet.csv", "m.json"], &dir));
    assert!(text.contains("points sheet"), "{text}");

    // The report shows it too.
    let md = succeeded_stdout(&run_cli(
        &[
            "report",
            "deals.csv",
            "--model",
            "m.json",
            "--format",
            "md",
            "--ignore",
            "created_at",
            "--ignore",
            "closed_at",
            "--ignore",
            "deal_value",
        ],
        &dir,
    ));
    assert!(md.contains("## Started from the points sheet"), "{md}");
    assert!(md.contains("| demo_requested | yes | +20.0 |"), "{md}");
}

#[test]
fn a_fixed_strength_and_few_deals() {
    let dir = setup("cli-prior-few", "40");
    // 40 synthetic deals hold fewer than 20 won: too few without a sheet.
    let err = failed(&run_cli(
        &[
            "train",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "created_at",
            "--ignore",
            "closed_at",
            "--ignore",
            "deal_value",
            "--model",
            "n.json",
        ],
        &dir,
    ));
    assert!(err.contains("20"), "{err}");
    succeeded(&run_cli(
        &args(TRAIN, &["--prior-strength", "0.5", "--model", "m.json"]),
        &dir,
    ));
    let model = Model::load(dir.join("m.json")).unwrap();
    assert_eq!(model.prior().unwrap().strength, 0.5);
    // A strength that is not a share is named.
    let err = failed(&run_cli(
        &args(TRAIN, &["--prior-strength", "1.5", "--model", "x.json"]),
        &dir,
    ));
    assert!(
        err.contains("prior_strength") || err.contains("prior strength"),
        "{err}"
    );
    assert!(!dir.join("x.json").exists());
}
