//! `policy check` lists every problem of a document at once (values of the
//! wrong type and missing fields included, not only the first), and the
//! starter policy's example rules are ones its training deals support.

mod common;

use common::{
    failed, qualification_model as model, run_cli, synthetic_csv, temp_dir, train_synthetic,
    CATCH_ALL_TIER as CATCH_ALL, POLICY_HEAD as HEAD,
};
use leadscore::policy::{Condition, Rule, Scalar};
use leadscore::{Error, Policy, Severity, Table};

/// A policy with a problem of shape or type on many lines: each would
/// have stopped a reader that fails on its first.
fn broken() -> String {
    format!(
        r#"{HEAD}rank_by = 7

[leads]
default_deal_value = "lots"

[[tier]]
name = "A"
min_points = "sixty"
route = "sale"
owner = "AE"
sla = "4h"

[[tier]]
min_points = 40
route = "sdr"
owner = "SDR"
sla = "1d"
capacity = "yes"

[[must_have]]
name = "Region"
column = "region"
in = "EMEA"
external = true

[[disqualify]]
name = "Students"
column = "occupation"
op = "is"
value = "Student"

[capacity]
reps = 1.5
leads_per_rep = 10
{CATCH_ALL}"#
    )
}

#[test]
fn every_problem_of_type_and_shape_is_listed_with_its_line_and_field() {
    let problems = Policy::check_toml_str(&broken(), "p.toml", None).unwrap();
    let got: Vec<(Option<usize>, &str)> = problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    for want in [
        (Some(4), "rank_by"),
        (Some(7), "leads.default_deal_value"),
        (Some(11), "tier[1].min_points"),
        (Some(12), "tier[1].route"),
        (Some(16), "tier[2].name"),
        (Some(21), "tier[2].capacity"),
        (Some(26), "must_have[1].in"),
        (Some(32), "disqualify[1].op"),
        (Some(36), "capacity.reps"),
    ] {
        assert!(
            got.iter().any(|g| g.0 == want.0 && g.1.starts_with(want.1)),
            "{want:?} not reported: {problems:#?}"
        );
    }
    // In line order, all of them errors here.
    let lines: Vec<usize> = problems.iter().filter_map(|p| p.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    assert!(errors >= 9, "{problems:#?}");
    // A typo gets a suggestion; a wrong type names what was found.
    let route = problems
        .iter()
        .find(|p| p.field == "tier[1].route")
        .unwrap();
    assert!(route.reason.contains("\"sales\""), "{}", route.reason);
    let points = problems
        .iter()
        .find(|p| p.field == "tier[1].min_points")
        .unwrap();
    assert!(points.reason.contains("sixty"), "{}", points.reason);
    let capacity = problems
        .iter()
        .find(|p| p.field == "tier[2].capacity")
        .unwrap();
    assert!(
        capacity.reason.contains("write true without quotes"),
        "{}",
        capacity.reason
    );

    // Loading fails with every one of them.
    match Policy::from_toml_str(&broken()) {
        Err(Error::Policy { problems: all, .. }) => assert_eq!(all.len(), errors),
        other => panic!("unexpected {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_missing_route_and_name_are_reported_and_the_rest_still_checked() {
    let text = format!(
        "{HEAD}\n[[tier]]\nmin_points = 50\nowner = \"AE\"\n\n[[tier]]\nname = \"B\"\nmin_points = 60\nroute = \"sales\"\nowner = \"AE\"\nsla = \"2x\"\n{CATCH_ALL}"
    );
    let problems = Policy::check_toml_str(&text, "p.toml", None).unwrap();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert!(
        fields.iter().any(|f| f.starts_with("tier[1]")),
        "{fields:?}"
    );
    assert!(fields.contains(&"tier[2].sla"), "{fields:?}");
    assert!(
        problems.iter().any(|p| p.reason.contains("route")),
        "{problems:#?}"
    );
}

#[test]
fn the_cli_prints_every_problem_and_exits_with_2() {
    let dir = temp_dir("policy_check_cli");
    std::fs::write(dir.join("bad.toml"), broken()).unwrap();
    let out = run_cli(&["policy", "check", "bad.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let err = failed(&out);
    for needle in [
        "line 4, rank_by",
        "line 11, tier[1].min_points",
        "line 12, tier[1].route",
        "line 21, tier[2].capacity",
        "line 26, must_have[1].in",
        "line 32, disqualify[1].op",
        "line 36, capacity.reps",
    ] {
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The win rate of the training deals with `column` in `values`.
fn win_rate_of(deals: &Table, column: &str, values: &[String]) -> f64 {
    let (mut n, mut won) = (0usize, 0usize);
    for row in 0..deals.n_rows() {
        let cell = deals.cell(row, column).unwrap().unwrap_or_default();
        if values.iter().any(|v| *v == cell) {
            n += 1;
            won += usize::from(deals.cell(row, "outcome").unwrap().as_deref() == Some("Won"));
        }
    }
    won as f64 / n as f64
}

/// The texts a rule's `in` lists.
fn listed(rule: &Rule) -> Vec<String> {
    match &rule.condition {
        Condition::In(values) => values
            .iter()
            .map(|v| match v {
                Scalar::Text(t) => t.clone(),
                Scalar::Number(x) => x.to_string(),
            })
            .collect(),
        other => panic!("not an `in` rule: {other:?}"),
    }
}

#[test]
fn the_starter_policy_suggests_rules_its_training_deals_support() {
    let m = model();
    let text = Policy::starter(m, None);
    // The examples, uncommented, make a policy that checks clean.
    let uncommented: String = text
        .lines()
        .map(|l| {
            let t = l.strip_prefix("# ").unwrap_or(l);
            if t.starts_with("[[must_have]]")
                || t.starts_with("[[disqualify]]")
                || t.starts_with("name =")
                || t.starts_with("column =")
                || t.starts_with("in =")
                || t.starts_with("missing =")
            {
                t.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let problems = Policy::check_toml_str(&uncommented, "p.toml", Some(m)).unwrap();
    assert!(
        problems.iter().all(|p| p.severity != Severity::Error),
        "{problems:#?}\n{uncommented}"
    );
    let p = Policy::from_toml_str(&uncommented).unwrap();
    assert_eq!(p.must_have().len(), 1, "{text}");
    assert_eq!(p.disqualify().len(), 1, "{text}");

    // The disqualify example's segment wins less often than average and
    // has points against it; the must-have's values win at least as often.
    let deals = common::qualification_deals();
    let overall = win_rate_of(deals, "outcome", &["Won".into(), "Lost".into()]);
    let d = &p.disqualify()[0];
    let values = listed(d);
    let rate = win_rate_of(deals, &d.column, &values);
    assert!(rate < overall, "{rate} vs {overall}\n{text}");
    let card = m.scorecard();
    let row = card
        .column(&d.column)
        .into_iter()
        .find(|r| r.attribute == values[0])
        .unwrap();
    assert!(row.points < 0.0, "{row:?}");
    assert!(text.contains("training deals won, against"), "{text}");

    let must = &p.must_have()[0];
    for v in listed(must) {
        let rate = win_rate_of(deals, &must.column, std::slice::from_ref(&v));
        assert!(rate >= overall - 1e-9, "{v}: {rate} vs {overall}\n{text}");
    }
    assert!(text.contains("of the won training deals"), "{text}");

    // From the CLI too.
    let dir = temp_dir("policy_starter_rules");
    synthetic_csv(&dir, 3_000, 1, "deals.csv");
    train_synthetic(&dir, "m.json", &[]);
    common::succeeded(&run_cli(
        &["policy", "init", "--model", "m.json", "--out", "p.toml"],
        &dir,
    ));
    let written = std::fs::read_to_string(dir.join("p.toml")).unwrap();
    assert!(written.contains("# [[disqualify]]"), "{written}");
    assert!(written.contains("training deals won, against"), "{written}");
    let _ = std::fs::remove_dir_all(&dir);
}
