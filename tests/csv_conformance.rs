//! One meaning of a CSV cell everywhere: the same quirky file (a byte-order
//! mark, CRLF line ends, a no-break space after every country, spaces around
//! channels, quoted commas and doubled quotes, a line break inside quotes, a
//! blank line and a line of spaces, no final line break) read by `train`,
//! `score`, `qualify`, `evaluate` and the library gives the same cells.
//! `bindings/python/tests/test_csv_conformance.py` reads it through pandas
//! and checks the binding scores it alike.

mod common;

use std::path::PathBuf;

use common::{
    fixture_dir, policy, policy_path, read_csv_rows, run_cli, succeeded, temp_dir,
    train_synthetic_on,
};
use leadscore::{Model, Table};

fn fixture() -> PathBuf {
    fixture_dir().join("quirky_deals.csv")
}

#[test]
fn the_table_reads_trimmed_cells_and_no_phantom_rows() {
    let table = Table::from_csv_path(fixture()).unwrap();
    assert_eq!(table.n_rows(), 600, "blank lines are not rows");
    assert_eq!(table.column_names()[0], "deal_id", "the BOM is dropped");
    let cells = |c: &str| -> Vec<String> {
        (0..table.n_rows())
            .filter_map(|r| table.cell(r, c).unwrap().map(|s| s.into_owned()))
            .collect()
    };
    assert!(cells("country").iter().all(|c| !c.ends_with('\u{a0}')));
    assert!(cells("country").contains(&"Germany".to_string()));
    assert!(cells("channel").iter().all(|c| c.trim() == c));
    assert!(cells("campaign").contains(&"ROI Calculator, \"v2\"".to_string()));
    assert!(cells("industry").contains(&"Retail\nand e-commerce".to_string()));
    // Row numbers count records: the row after the blank line is row 102.
    assert_eq!(
        table.cell(101, "deal_id").unwrap().as_deref(),
        Some("D000102")
    );
}

#[test]
fn train_score_qualify_and_evaluate_read_the_same_cells() {
    let dir = temp_dir("csv-conformance");
    let file = fixture();
    let file = file.to_str().unwrap();
    train_synthetic_on(&dir, file, "m.json", &[]);
    let model = Model::load(dir.join("m.json")).unwrap();
    let table = Table::from_csv_path(fixture()).unwrap();
    let expected = model.score(&table).unwrap();
    assert!(expected.unseen.is_empty(), "{:?}", expected.unseen);
    assert!(model
        .scorecard()
        .rows
        .iter()
        .any(|r| r.column == "country" && r.attribute == "Germany"));

    // score: the batch reader sees the cells training saw.
    let err = succeeded(&run_cli(
        &["score", file, "--model", "m.json", "--out", "scores.csv"],
        &dir,
    ));
    assert!(!err.contains("not seen in training"), "{err}");
    assert!(err.contains("600 read = 600 scored + 0 rejected"), "{err}");
    let rows = read_csv_rows(&dir.join("scores.csv"));
    assert_eq!(rows.len(), 601);
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[0], expected.ids.as_ref().unwrap()[i].clone().unwrap());
        assert_eq!(row[1].parse::<f64>().unwrap(), expected.probability[i]);
    }

    // qualify: the decisions' points are the library's.
    std::fs::copy(policy_path("sales_at_50"), dir.join("policy.toml")).unwrap();
    succeeded(&run_cli(
        &[
            "qualify",
            file,
            "--model",
            "m.json",
            "--policy",
            "policy.toml",
            "--out",
            "d.csv",
        ],
        &dir,
    ));
    let decided = policy("sales_at_50").qualify(&model, &table).unwrap();
    let rows = read_csv_rows(&dir.join("d.csv"));
    assert_eq!(rows.len(), 601);
    for (row, d) in rows[1..].iter().zip(&decided) {
        assert_eq!(row[1], d.tier);
        assert_eq!(row[7], format!("{:.2}", d.points));
    }

    // evaluate: every deal is read, none invented.
    let out = run_cli(
        &[
            "evaluate",
            file,
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "created_at",
            "--ignore",
            "closed_at",
            "--l2",
            "3",
            "--format",
            "json",
        ],
        &dir,
    );
    succeeded(&out);
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (train, test) = (e["train_rows"].as_u64(), e["test_rows"].as_u64());
    assert_eq!(train.unwrap() + test.unwrap(), 600);
}
