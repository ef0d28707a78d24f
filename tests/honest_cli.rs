//! Honest evidence on the command line: `split` holds deals out before
//! training, and a report on the training deals says its figures are
//! optimistic; the summary `train` prints puts the fit and the strongest
//! attributes first.

mod common;

use common::{run_cli, succeeded, succeeded_stdout, synthetic_csv, temp_dir, train_synthetic_on};

#[test]
fn split_then_report_on_the_held_out_deals_and_on_the_training_deals() {
    let dir = temp_dir("cli-honest");
    synthetic_csv(&dir, 3000, 9, "deals.csv");
    let said = succeeded_stdout(&run_cli(
        &[
            "split",
            "deals.csv",
            "--target",
            "outcome",
            "--train",
            "train.csv",
            "--test",
            "test.csv",
            "--test-share",
            "0.25",
            "--seed",
            "3",
        ],
        &dir,
    ));
    assert!(
        said.contains("2250 training deals") && said.contains("750 held out"),
        "{said}"
    );
    let train = std::fs::read_to_string(dir.join("train.csv")).unwrap();
    let test = std::fs::read_to_string(dir.join("test.csv")).unwrap();
    assert_eq!((train.lines().count(), test.lines().count()), (2251, 751));
    // Stratified: the win rate is the same on both sides (to a deal).
    let won = |t: &str| t.lines().filter(|l| l.contains(",Won")).count() as f64;
    assert!((won(&train) / 2250.0 - won(&test) / 750.0).abs() < 0.002);

    train_synthetic_on(&dir, "train.csv", "m.json", &[]);
    let honest = run_cli(
        &[
            "report", "test.csv", "--model", "m.json", "--format", "json",
        ],
        &dir,
    );
    let err = succeeded(&honest);
    assert!(!err.contains("optimistic"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&honest.stdout).unwrap();
    assert_eq!(json["training_overlap"]["training_share"], 0.0);
    assert!(json["evaluation"]["protocol"]
        .as_str()
        .unwrap()
        .contains("none of its training deals"));

    let optimistic = run_cli(
        &["report", "train.csv", "--model", "m.json", "--format", "md"],
        &dir,
    );
    let err = succeeded(&optimistic);
    assert!(err.contains("were the model's training deals"), "{err}");
    let md = String::from_utf8_lossy(&optimistic.stdout);
    assert!(
        md.contains("training data (optimistic)") && md.contains("leadscore split"),
        "{md}"
    );
    succeeded(&run_cli(
        &[
            "report",
            "train.csv",
            "--model",
            "m.json",
            "--out",
            "r.html",
        ],
        &dir,
    ));
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(html.contains("<b>Training data (optimistic).</b>"));
    // The gate refuses recent deals that one model was trained on.
    let out = run_cli(
        &[
            "promote",
            "train.csv",
            "--active",
            "m.json",
            "--candidate",
            "m.json",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("[FAIL] recent deals that were training deals"));
}

#[test]
fn the_starter_policy_tiers_hold_their_shares_of_the_training_leads() {
    let deals = leadscore::synthetic::deals(4000, 12).table;
    let model = leadscore::Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .l2(3.0)
        .fit(&deals)
        .unwrap();
    let text = leadscore::Policy::starter(&model, None);
    assert!(text.contains("training deals' own top 5 %"), "{text}");
    let policy = leadscore::Policy::from_toml_str(&text).unwrap();
    let q = policy.qualify_batch(&model, &deals).unwrap();
    let share = |tiers: &[&str]| {
        q.decisions
            .iter()
            .filter(|d| tiers.contains(&d.tier.as_str()))
            .count() as f64
            / 4000.0
    };
    // "Top 5 %" holds 5 % of them, the first two tiers 20 %, three 50 %
    // (ties at a cut add at most a few leads).
    for (tiers, target) in [
        (&["A"][..], 0.05),
        (&["A", "B"], 0.20),
        (&["A", "B", "C"], 0.50),
    ] {
        let s = share(tiers);
        assert!((s - target).abs() < 0.004, "{tiers:?}: {s}");
    }
}
