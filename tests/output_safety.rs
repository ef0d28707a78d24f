//! Outputs that are safe to open: CSV reports neutralise cells a
//! spreadsheet would run as formulas (unless `--raw-csv-text`), reports
//! escape HTML from the data, and warnings and errors escape control
//! characters and cut long values.

mod common;

use common::{
    policy_path, read_csv_rows, run_cli, succeeded, succeeded_stdout, synthetic_csv, temp_dir,
    train_synthetic, train_synthetic_on,
};
use leadscore::batch::BatchOptions;
use leadscore::data::columns::{to_csv, OutValues};
use leadscore::data::csv::TextCells;
use leadscore::{synthetic, Policy, Table, Values};

/// Lead ids a spreadsheet would run as formulas, with what a neutralised
/// CSV holds for them; the last two are plain text and a plain number.
const IDS: [(&str, &str); 6] = [
    (
        "=HYPERLINK(\"http://evil.example\",\"open\")",
        "'=HYPERLINK(\"http://evil.example\",\"open\")",
    ),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("D000005", "D000005"),
    ("-12", "-12"),
];

/// `deals.csv` rewritten as `leads.csv` with the ids of [`IDS`] in its
/// first rows and `=1+2` (not a number) as the employees of row 7.
fn hostile_leads(dir: &std::path::Path) {
    let mut t = Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let mut ids: Vec<Option<String>> = (0..t.n_rows())
        .map(|r| t.cell(r, "deal_id").unwrap().map(|s| s.into_owned()))
        .collect();
    for (i, (id, _)) in IDS.iter().enumerate() {
        ids[i] = Some(id.to_string());
    }
    t.set_column("deal_id", Values::Text(ids)).unwrap();
    let mut employees: Vec<Option<String>> = (0..t.n_rows())
        .map(|r| t.cell(r, "employees").unwrap().map(|s| s.into_owned()))
        .collect();
    employees[6] = Some("=1+2".into());
    t.set_column("employees", Values::Text(employees)).unwrap();
    t.write_csv(std::fs::File::create(dir.join("leads.csv")).unwrap())
        .unwrap();
}

/// The first column of the first `IDS.len()` data rows of a CSV file.
fn first_ids(path: &std::path::Path) -> Vec<String> {
    read_csv_rows(path)[1..=IDS.len()]
        .iter()
        .map(|r| r[0].clone())
        .collect()
}

#[test]
fn score_and_qualify_neutralise_formula_cells_unless_asked_for_raw_text() {
    let dir = temp_dir("safety-batch");
    synthetic_csv(&dir, 1_500, 3, "deals.csv");
    train_synthetic(&dir, "m.json", &[]);
    hostile_leads(&dir);
    let policy = policy_path("sales_at_50");
    let policy = policy.to_str().unwrap();
    for raw in [false, true] {
        let mut score = vec![
            "score",
            "leads.csv",
            "--model",
            "m.json",
            "--out",
            "scores.csv",
            "--rejected",
            "rejected.csv",
            "--quiet",
        ];
        let mut qualify = vec![
            "qualify",
            "leads.csv",
            "--model",
            "m.json",
            "--policy",
            policy,
            "--out",
            "decisions.csv",
            "--rejected",
            "rejected-q.csv",
            "--quiet",
        ];
        if raw {
            score.push("--raw-csv-text");
            qualify.push("--raw-csv-text");
        }
        succeeded(&run_cli(&score, &dir));
        succeeded(&run_cli(&qualify, &dir));
        // Row 7 is rejected, so the first six rows are the ids above.
        let expected: Vec<&str> = IDS.iter().map(|(r, n)| if raw { *r } else { *n }).collect();
        assert_eq!(first_ids(&dir.join("scores.csv")), expected, "raw {raw}");
        assert_eq!(first_ids(&dir.join("decisions.csv")), expected, "raw {raw}");
        // Numbers are never touched.
        let scores = read_csv_rows(&dir.join("scores.csv"));
        assert!(scores[1..].iter().all(|r| r[1].parse::<f64>().is_ok()));
        // The rejected value, as the spreadsheet would see it.
        for file in ["rejected.csv", "rejected-q.csv"] {
            let rejected = read_csv_rows(&dir.join(file));
            assert_eq!(rejected.len(), 2, "{rejected:?}");
            let value = if raw { "=1+2" } else { "'=1+2" };
            assert_eq!(rejected[1][..3], ["7", "employees", value], "{file}");
        }
    }
    // A neutralised cell is quoted as CSV requires, and only then.
    let text = std::fs::read_to_string(dir.join("scores.csv")).unwrap();
    assert!(text.contains("\n\"=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\","));
    succeeded(&run_cli(
        &[
            "score",
            "leads.csv",
            "--model",
            "m.json",
            "--out",
            "s.csv",
            "--rejected",
            "r.csv",
        ],
        &dir,
    ));
    let text = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    assert!(text.contains("\n\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\","));
    assert!(text.contains("\n'+1+1,"), "{}", &text[..300]);
}

#[test]
fn scorecard_and_predictions_neutralise_text_but_never_numbers() {
    let dir = temp_dir("safety-card");
    let mut t = synthetic::deals(2_000, 9).table;
    let hostile = "=cmd|' /C calc'!A0";
    let campaign: Vec<Option<String>> = (0..t.n_rows())
        .map(|r| {
            if r % 5 == 0 {
                Some(hostile.to_string())
            } else {
                t.cell(r, "campaign").unwrap().map(|s| s.into_owned())
            }
        })
        .collect();
    t.set_column("campaign", Values::Text(campaign)).unwrap();
    let ids: Vec<Option<String>> = (0..t.n_rows()).map(|r| Some(format!("@D{r}"))).collect();
    t.set_column("deal_id", Values::Text(ids)).unwrap();
    t.write_csv(std::fs::File::create(dir.join("deals.csv")).unwrap())
        .unwrap();
    train_synthetic(&dir, "m.json", &["--scorecard-csv", "card.csv"]);
    train_synthetic(
        &dir,
        "m2.json",
        &["--scorecard-csv", "raw.csv", "--raw-csv-text"],
    );

    let card = read_csv_rows(&dir.join("card.csv"));
    assert_eq!(
        card[0],
        [
            "column",
            "attribute",
            "points",
            "weight",
            "training_rows",
            "training_won"
        ]
    );
    let attributes: Vec<&str> = card.iter().map(|r| r[1].as_str()).collect();
    assert!(
        attributes.contains(&"'=cmd|' /C calc'!A0"),
        "{attributes:?}"
    );
    assert!(!attributes.contains(&hostile));
    // Negative points are numbers: written as they are.
    assert!(card[1..].iter().any(|r| r[2].starts_with('-')));
    assert!(card[1..]
        .iter()
        .all(|r| r[2].parse::<f64>().is_ok() && r[3].parse::<f64>().is_ok()));
    let raw = read_csv_rows(&dir.join("raw.csv"));
    assert!(raw.iter().any(|r| r[1] == hostile));

    // `scorecard --format csv` writes the same file, and takes the same flag.
    let out = succeeded_stdout(&run_cli(
        &["scorecard", "--model", "m.json", "--format", "csv"],
        &dir,
    ));
    assert_eq!(out, std::fs::read_to_string(dir.join("card.csv")).unwrap());
    let out = succeeded_stdout(&run_cli(
        &[
            "scorecard",
            "--model",
            "m.json",
            "--format",
            "csv",
            "--raw-csv-text",
        ],
        &dir,
    ));
    assert_eq!(out, std::fs::read_to_string(dir.join("raw.csv")).unwrap());

    // `evaluate --predictions`: the ids.
    for (flag, prefix) in [(None, "'@D"), (Some("--raw-csv-text"), "@D")] {
        let mut args = vec![
            "evaluate",
            "deals.csv",
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
            "--bootstrap",
            "10",
            "--predictions",
            "p.csv",
        ];
        args.extend(flag);
        succeeded(&run_cli(&args, &dir));
        let p = read_csv_rows(&dir.join("p.csv"));
        assert_eq!(p[0], ["row", "deal_id", "won", "probability", "points"]);
        assert!(
            p[1..].iter().all(|r| r[1].starts_with(prefix)),
            "{:?}",
            &p[1]
        );
    }
}

#[test]
fn the_rule_covers_tabs_carriage_returns_and_headers_and_is_the_default() {
    for (text, written) in [
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("@x", "'@x"),
        ("-", "'-"),
        ("-1-2", "'-1-2"),
        ("+3", "+3"),
        ("-0.5e-3", "-0.5e-3"),
        ("-.5", "-.5"),
        ("-inf", "'-inf"),
        ("a=b", "a=b"),
        ("", ""),
    ] {
        assert_eq!(TextCells::Neutralised.cell(text), written, "{text:?}");
        assert_eq!(TextCells::Raw.cell(text), text);
    }
    assert_eq!(BatchOptions::default().text_cells, TextCells::Neutralised);
    assert_eq!(TextCells::default(), TextCells::Neutralised);
    // Column names are text cells too; negative numbers in number columns are not.
    let cols = vec![
        (
            "=id".to_string(),
            OutValues::Text(vec![Some("-x".into()), None]),
        ),
        ("points".to_string(), OutValues::Fixed2(vec![-3.0, 4.0])),
        ("rank".to_string(), OutValues::Int(vec![Some(-1), None])),
    ];
    let csv = String::from_utf8(to_csv(&cols, TextCells::default())).unwrap();
    assert_eq!(csv, "'=id,points,rank\n'-x,-3.00,-1\n,4.00,\n");
    let csv = String::from_utf8(to_csv(&cols, TextCells::Raw)).unwrap();
    assert_eq!(csv, "=id,points,rank\n-x,-3.00,-1\n,4.00,\n");
}

#[test]
fn markdown_and_html_reports_escape_html_from_the_data() {
    let (model, _) = common::synthetic_model(3_000, 71);
    let mut holdout = synthetic::deals(1_000, 72).table;
    let script = "<script>alert(1)</script>|&x";
    let campaign: Vec<Option<String>> = (0..holdout.n_rows())
        .map(|r| {
            if r % 3 == 0 {
                Some(script.to_string())
            } else {
                holdout.cell(r, "campaign").unwrap().map(|s| s.into_owned())
            }
        })
        .collect();
    holdout
        .set_column("campaign", Values::Text(campaign))
        .unwrap();
    let policy = Policy::from_toml_str(
        "format = \"leadscore.policy\"\nformat_version = \"1.0\"\nversion = \"<b>v1</b>\"\n\n\
         [[tier]]\nname = \"<img src=x onerror=alert(2)>\"\nmin_points = 50\nroute = \"sales\"\nowner = \"AE\"\nsla = \"4h\"\n\
         [[tier]]\nname = \"B\"\nroute = \"nurture\"\n",
    )
    .unwrap();
    let report = leadscore::report::build(
        &model,
        &holdout,
        &leadscore::report::ReportOptions {
            evaluation: leadscore::EvaluationOptions {
                policy: Some(policy),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    let md = report.to_markdown();
    assert!(
        md.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\|&amp;x"),
        "{md}"
    );
    assert!(md.contains("&lt;img src=x onerror=alert(2)&gt;"), "{md}");
    assert!(md.contains("&lt;b&gt;v1&lt;/b&gt;"), "{md}");
    for raw in ["<script", "<img", "<b>"] {
        assert!(!md.contains(raw), "{raw} in the Markdown");
    }
    let html = report.to_html();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;|&amp;x"));
    for raw in ["<script", "<img", "<b>v1"] {
        assert!(!html.contains(raw), "{raw} in the HTML");
    }
}

/// Standard error without a raw control character, and short.
fn assert_tame(err: &str) {
    assert!(
        !err.chars().any(|c| c.is_control() && c != '\n'),
        "a raw control character in {:?}",
        &err[..err.len().min(2_000)]
    );
    assert!(err.len() < 8_000, "{} bytes of messages", err.len());
}

#[test]
fn warnings_and_errors_escape_control_characters_and_cut_long_values() {
    let dir = temp_dir("safety-messages");
    synthetic_csv(&dir, 1_500, 5, "deals.csv");
    train_synthetic(&dir, "m.json", &[]);
    // A constant column whose name clears the screen: its warning is escaped.
    let mut deals = Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let n = deals.n_rows();
    deals
        .set_column("\u{1b}[2Jconst", Values::Text(vec![Some("same".into()); n]))
        .unwrap();
    deals
        .write_csv(std::fs::File::create(dir.join("odd-deals.csv")).unwrap())
        .unwrap();
    let err = train_synthetic_on(&dir, "odd-deals.csv", "odd.json", &[]);
    assert!(
        err.contains("warning: column \"\\u{1b}[2Jconst\" has a single value in training"),
        "{err}"
    );
    assert_tame(&err);

    // Leads with a 50 MB unseen category behind an escape sequence, and a
    // 50 MB bad number behind another.
    let big = 50 << 20;
    let mut leads = synthetic::deals(300, 6).table;
    let mut industry: Vec<Option<String>> = (0..300)
        .map(|r| leads.cell(r, "industry").unwrap().map(|s| s.into_owned()))
        .collect();
    let unseen = format!("\u{1b}[31m{}", "x".repeat(big));
    industry[0] = Some(unseen.clone());
    leads
        .set_column("industry", Values::Text(industry))
        .unwrap();
    let mut employees: Vec<Option<String>> = (0..300)
        .map(|r| leads.cell(r, "employees").unwrap().map(|s| s.into_owned()))
        .collect();
    let bad = format!("\u{1b}]0;owned\u{7}{}", "y".repeat(big));
    employees[1] = Some(bad.clone());
    leads
        .set_column("employees", Values::Text(employees))
        .unwrap();
    leads
        .write_csv(std::fs::File::create(dir.join("leads.csv")).unwrap())
        .unwrap();

    let score = [
        "score",
        "leads.csv",
        "--model",
        "m.json",
        "--out",
        "s.csv",
        "--rejected",
        "r.csv",
    ];
    let err = succeeded(&run_cli(&score, &dir));
    let shown_unseen = format!(
        "\"\\u{{1b}}[31m{}\"… ({} bytes)",
        "x".repeat(75),
        unseen.len()
    );
    assert!(
        err.contains(&format!(
            "warning: column \"industry\": 1 of 299 leads hold values not seen in training (e.g. {shown_unseen})"
        )),
        "{err}"
    );
    let shown_bad = format!(
        "value \"\\u{{1b}}]0;owned\\u{{7}}{}\"… ({} bytes): not a number",
        "y".repeat(70),
        bad.len()
    );
    assert!(
        err.contains(&format!(
            "rejected: row 2, column \"employees\", {shown_bad}"
        )),
        "{err}"
    );
    assert_tame(&err);

    // The same cell failing the job: the error shows it the same way.
    let out = run_cli(&score[..6], &dir);
    let err = common::failed(&out);
    assert!(err.contains(&shown_bad), "{err}");
    assert_tame(&err);

    // Column names from a hostile header, in an error.
    std::fs::write(dir.join("odd.csv"), "deal_id,\u{1b}[5mblink\u{9b}\nD1,x\n").unwrap();
    let err = common::failed(&run_cli(
        &["score", "odd.csv", "--model", "m.json", "--out", "o.csv"],
        &dir,
    ));
    assert!(err.contains("\"\\u{1b}[5mblink\\u{9b}\""), "{err}");
    assert_tame(&err);
}
