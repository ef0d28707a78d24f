//! The evidence subcommands end to end: audit, evaluate, conversion, drift
//! (and the `score` warning), diff, report (rendered in headless Chromium).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{policy_path, run_cli, succeeded, succeeded_stdout, temp_dir, train_synthetic};
use leadscore::{synthetic, Target, Values};

fn write_deals(dir: &Path, name: &str, table: &leadscore::Table) {
    let mut f = std::fs::File::create(dir.join(name)).unwrap();
    table.write_csv(&mut f).unwrap();
}

/// Synthetic deals left-joined with closed-deal attributes only won deals have.
fn left_joined(n: usize, seed: u64) -> leadscore::Table {
    let mut t = synthetic::deals(n, seed).table;
    let (_, y) = Target::resolve(&t, "outcome", &[], &[]).unwrap();
    let won_only = |v: &str| Values::Text((0..n).map(|r| y[r].then(|| v.to_string())).collect());
    t.set_column("contract_signed_date", won_only("2025-03-01"))
        .unwrap();
    t.set_column("won_reason", won_only("champion")).unwrap();
    t.set_column(
        "contract_value",
        Values::Number((0..n).map(|r| y[r].then_some(1000.0 + r as f64)).collect()),
    )
    .unwrap();
    t
}

#[test]
fn audit_json_lists_findings_most_severe_first_and_can_drop_them() {
    let dir = temp_dir("ev-audit");
    write_deals(&dir, "deals.csv", &left_joined(3_000, 5));
    let out = succeeded_stdout(&run_cli(
        &[
            "audit",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "closed_at",
            "--format",
            "json",
            "--drop-flagged",
            "clean.csv",
        ],
        &dir,
    ));
    let findings: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = findings.as_array().unwrap();
    let columns: Vec<&str> = list.iter().map(|f| f["column"].as_str().unwrap()).collect();
    let mut sorted = columns.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["contract_signed_date", "contract_value", "won_reason"],
        "{out}"
    );
    for f in list {
        assert_eq!(f["reason"], "filled_only_for_won", "{f}");
        assert_eq!(f["figure"].as_f64(), Some(1.0));
    }
    let clean = leadscore::Table::from_csv_path(dir.join("clean.csv")).unwrap();
    assert_eq!(clean.n_rows(), 3_000);
    assert!(clean.column("won_reason").is_none());
    assert!(clean.column("demo_requested").is_some());

    // train warns about the same columns.
    let err = train_synthetic(&dir, "m.json", &[]);
    for c in ["contract_signed_date", "contract_value", "won_reason"] {
        assert!(
            err.contains(&format!("warning: possible leak: column {c:?}")),
            "{err}"
        );
    }
    assert_eq!(err.matches("possible leak").count(), 3, "{err}");

    // --drop-leaks leaves them out.
    let err = train_synthetic(&dir, "clean.json", &["--drop-leaks"]);
    assert_eq!(err.matches("warning: dropped column").count(), 3, "{err}");
    let model = leadscore::Model::load(dir.join("clean.json")).unwrap();
    assert_eq!(model.feature_columns().len(), 12);
    assert!(!model.feature_columns().contains(&"won_reason"));
}

#[test]
fn evaluate_conversion_drift_and_diff() {
    let dir = temp_dir("ev-cli");
    write_deals(&dir, "deals.csv", &synthetic::deals(3_000, 6).table);
    std::fs::write(
        dir.join("sheet.csv"),
        "column,value,points\njob_seniority,VP,20\ndemo_requested,yes,15\nemployees,500+,10\n",
    )
    .unwrap();
    let out = succeeded_stdout(&run_cli(
        &[
            "evaluate",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "closed_at",
            "--time-column",
            "created_at",
            "--l2",
            "3",
            "--cut-points",
            "45",
            "--points-sheet",
            "sheet.csv",
            "--bootstrap",
            "50",
        ],
        &dir,
    ));
    assert!(out.contains("out of time"), "{out}");
    assert!(out.contains("base rate"), "{out}");
    assert!(out.contains("At 45 points"), "{out}");
    assert!(out.contains("Hand-set against learned points"), "{out}");
    let json = succeeded_stdout(&run_cli(
        &[
            "evaluate",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "closed_at",
            "--ignore",
            "created_at",
            "--l2",
            "3",
            "--folds",
            "3",
            "--format",
            "json",
        ],
        &dir,
    ));
    let e: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(e["test_rows"], 3000);
    assert_eq!(e["calibration"].as_array().unwrap().len(), 10);

    train_synthetic(&dir, "old.json", &[]);
    let conv = succeeded_stdout(&run_cli(
        &[
            "conversion",
            "deals.csv",
            "--target",
            "outcome",
            "--by",
            "channel",
            "--by",
            "campaign",
            "--model",
            "old.json",
        ],
        &dir,
    ));
    assert!(conv.contains("Conversion by channel (3000 leads"), "{conv}");
    assert!(conv.contains("Partner"), "{conv}");

    // A drifted batch: score warns, drift explains.
    let mut batch = synthetic::deals(800, 7).table;
    batch
        .set_column(
            "lead_source",
            Values::Text(vec![Some("Purchased List".into()); 800]),
        )
        .unwrap();
    write_deals(&dir, "batch.csv", &batch);
    let err = succeeded(&run_cli(
        &[
            "score",
            "batch.csv",
            "--model",
            "old.json",
            "--out",
            "s.csv",
            "--batch-rows",
            "300",
        ],
        &dir,
    ));
    assert!(
        err.contains("warning: drift: column \"lead_source\": PSI"),
        "{err}"
    );
    assert_eq!(err.matches("drift:").count(), 1, "{err}");
    let d = succeeded_stdout(&run_cli(
        &[
            "drift",
            "batch.csv",
            "--model",
            "old.json",
            "--format",
            "json",
        ],
        &dir,
    ));
    let d: serde_json::Value = serde_json::from_str(&d).unwrap();
    assert_eq!(d["features"][0]["column"], "lead_source");
    assert_eq!(d["features"][0]["band"], "major");
    // Scoring the training population raises no drift warning.
    let err = succeeded(&run_cli(
        &[
            "score",
            "deals.csv",
            "--model",
            "old.json",
            "--out",
            "s2.csv",
        ],
        &dir,
    ));
    assert!(!err.contains("drift"));

    succeeded(&run_cli(
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
            "campaign",
            "--l2",
            "1",
            "--model",
            "new.json",
            "--quiet",
        ],
        &dir,
    ));
    let diff = succeeded_stdout(&run_cli(&["diff", "old.json", "new.json"], &dir));
    assert!(diff.contains("Columns removed: campaign"), "{diff}");
    assert!(diff.contains("Points that moved most"), "{diff}");
    let diff = succeeded_stdout(&run_cli(
        &["diff", "old.json", "new.json", "--format", "json"],
        &dir,
    ));
    let diff: serde_json::Value = serde_json::from_str(&diff).unwrap();
    assert_eq!(diff["removed"].as_array().unwrap().len(), 7);
    assert_eq!(diff["metrics"][5]["metric"], "cross-validated AUC");
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

#[test]
fn report_html_renders_in_headless_chromium_with_its_charts() {
    let dir = temp_dir("ev-report");
    write_deals(&dir, "deals.csv", &synthetic::deals(3_000, 8).table);
    write_deals(&dir, "holdout.csv", &synthetic::deals(1_000, 9).table);
    std::fs::write(
        dir.join("sheet.csv"),
        "column,value,points\njob_seniority,VP,20\ndemo_requested,yes,15\nlead_source,Purchased List,-10\n",
    )
    .unwrap();
    train_synthetic(&dir, "m.json", &[]);
    let example = policy_path("example");
    succeeded(&run_cli(
        &[
            "report",
            "--model",
            "m.json",
            "holdout.csv",
            "--out",
            "report.html",
            "--points-sheet",
            "sheet.csv",
            "--cut-points",
            "45",
            "--policy",
            example.to_str().unwrap(),
        ],
        &dir,
    ));
    let md = succeeded_stdout(&run_cli(
        &[
            "report",
            "--model",
            "m.json",
            "holdout.csv",
            "--format",
            "md",
        ],
        &dir,
    ));
    assert!(md.starts_with("# Lead score evidence"), "{md}");
    let json = succeeded_stdout(&run_cli(
        &[
            "report",
            "--model",
            "m.json",
            "holdout.csv",
            "--format",
            "json",
        ],
        &dir,
    ));
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(j["drift"]["features"].as_array().unwrap().len() >= 10);

    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    for chart in [
        "calibration-chart",
        "lift-chart",
        "gains-chart",
        "conversion-chart-0",
    ] {
        assert!(
            html.contains("<svg class=\"chart") && html.contains(chart),
            "{chart}"
        );
    }
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    assert!(html.contains("Qualification policy"));

    let Some(chromium) = find_chromium() else {
        eprintln!(
            "SKIPPED: headless rendering of the report: no chromium on PATH \
             (install Debian's `chromium` package; .ci/run does)"
        );
        return;
    };
    let png = dir.join("report.png");
    let url = format!("file://{}", dir.join("report.html").display());
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--screenshot={}", png.display()),
            "--window-size=420,2000",
            &url,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed().as_secs() > 120 {
            let _ = child.kill();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (420, 2000));
    // A blank page compresses to a few kB; text and charts do not.
    assert!(bytes.len() > 40_000, "{} bytes", bytes.len());
}
