//! Training: recovery of known effects, refusals and error messages.

mod common;

use leadscore::{synthetic, ColumnKind, Error, Model, Table};

#[test]
fn learned_points_recover_the_true_effects() {
    let deals = synthetic::deals(20_000, 11);
    let model = Model::params()
        .target("outcome")
        .positive(["Won"])
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .folds(3)
        .fit(&deals.table)
        .unwrap();
    let card = model.scorecard();
    let points = |column: &str, value: &str| {
        card.rows
            .iter()
            .find(|r| r.column == column && r.attribute == value)
            .unwrap_or_else(|| panic!("{column} = {value} missing from the scorecard"))
            .points
    };
    let mut truth = Vec::new();
    let mut learned = Vec::new();
    let mut reference = None;
    for e in &deals.effects {
        // The first value listed for a column is its reference (effect 0).
        if reference.map(|(c, _)| c) != Some(e.column) {
            reference = Some((e.column, points(e.column, e.value)));
            continue;
        }
        let (_, ref_points) = reference.unwrap();
        let diff = points(e.column, e.value) - ref_points;
        assert_eq!(
            diff.signum(),
            e.effect.signum(),
            "{} = {}: true effect {}, learned {diff:.2} points vs reference",
            e.column,
            e.value,
            e.effect
        );
        truth.push(e.effect);
        learned.push(diff);
    }
    let rho = common::spearman(&truth, &learned);
    assert!(
        rho >= 0.9,
        "rank correlation of learned to true effects {rho:.3} < 0.9"
    );
    // Numeric effect: more pricing-page visits score higher.
    let visits = card.column("pricing_page_visits");
    assert!(visits[0].points < visits[visits.len() - 2].points);
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let deals = synthetic::deals(3_000, 5);
    let fit = || {
        Model::params()
            .target("outcome")
            .id("deal_id")
            .ignore(["created_at", "closed_at"])
            .folds(3)
            .seed(9)
            .fit(&deals.table)
            .unwrap()
            .with_created_at("2026-01-01T00:00:00Z")
            .to_json_string(false)
    };
    assert_eq!(fit(), fit());
}

#[test]
fn refuses_too_few_won_deals() {
    let deals = synthetic::deals(3_000, 2);
    // Keep every lost deal and only 15 won ones.
    let outcome = deals.table.column("outcome").unwrap();
    let mut won = 0;
    let keep: Vec<usize> = (0..deals.table.n_rows())
        .filter(|&r| {
            if outcome.text(r).as_deref() == Some("Won") {
                won += 1;
                won <= 15
            } else {
                true
            }
        })
        .collect();
    let small = deals.table.take_rows(&keep);
    let err = Model::params()
        .target("outcome")
        .id("deal_id")
        .fit(&small)
        .unwrap_err();
    match &err {
        Error::NotEnoughOutcomes {
            won, required_won, ..
        } => {
            assert_eq!((*won, *required_won), (15, 20));
        }
        other => panic!("expected NotEnoughOutcomes, got {other}"),
    }
    assert!(err.to_string().contains("15 won"), "{err}");
    // ... and trains from 20 won deals when asked to.
    let keep: Vec<usize> = {
        let mut won = 0;
        (0..deals.table.n_rows())
            .filter(|&r| {
                if outcome.text(r).as_deref() == Some("Won") {
                    won += 1;
                    won <= 20
                } else {
                    true
                }
            })
            .collect()
    };
    let model = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .fit(&deals.table.take_rows(&keep))
        .unwrap();
    assert_eq!(model.summary().won, 20);
}

#[test]
fn unknown_outcome_values_are_all_reported_with_row_column_value() {
    let mut rows = Vec::new();
    for i in 0..60 {
        let outcome = match i {
            7 => "maybe",
            12 => "",
            _ if i % 2 == 0 => "yes",
            _ => "no",
        };
        rows.push(vec![
            format!("L{i}"),
            format!("{}", i % 3),
            outcome.to_string(),
        ]);
    }
    let t = Table::from_rows(&["id".to_string(), "x".into(), "won".into()], &rows).unwrap();
    let err = Model::params().target("won").id("id").fit(&t).unwrap_err();
    let msg = err.to_string();
    match err {
        Error::InvalidRows { errors, total } => {
            assert_eq!(total, 2);
            assert_eq!(
                (
                    errors[0].row,
                    errors[0].column.as_str(),
                    errors[0].value.as_str()
                ),
                (8, "won", "maybe")
            );
            assert_eq!((errors[1].row, errors[1].value.as_str()), (13, ""));
        }
        other => panic!("expected InvalidRows, got {other}"),
    }
    assert!(msg.contains("row 8") && msg.contains("\"maybe\""), "{msg}");
}

#[test]
fn positive_value_with_open_deals_asks_for_the_lost_value() {
    let t = Table::from_rows(
        &["stage", "x"],
        &[vec!["Won", "a"], vec!["Lost", "b"], vec!["Engaging", "a"]],
    )
    .unwrap();
    let err = Model::params()
        .target("stage")
        .positive(["Won"])
        .fit(&t)
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("Engaging") && msg.contains("Lost") && msg.contains("negative"),
        "{msg}"
    );
}

#[test]
fn a_non_number_in_a_numeric_column_names_row_column_value() {
    let (model, deals) = common::synthetic_model(1_000, 3);
    let mut leads = deals.take_rows(&[0, 1, 2]);
    leads
        .set_column(
            "email_clicks",
            leadscore::Values::Text(vec![Some("3".into()), Some("three".into()), None]),
        )
        .unwrap();
    let err = model.score(&leads).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("row 2") && msg.contains("email_clicks") && msg.contains("\"three\""),
        "{msg}"
    );

    // Declaring a text column numeric at training reports every bad value.
    let err = Model::params()
        .target("outcome")
        .kind("country", ColumnKind::Numeric)
        .fit(&deals)
        .unwrap_err();
    match err {
        Error::InvalidRows { total, errors } => {
            assert_eq!(total, 1_000);
            assert_eq!(errors[0].column, "country");
        }
        other => panic!("expected InvalidRows, got {other}"),
    }
}

#[test]
fn unseen_values_score_as_other_and_are_counted() {
    let (model, deals) = common::synthetic_model(2_000, 4);
    let mut leads = deals.take_rows(&[0, 1, 2, 3]);
    leads
        .set_column(
            "industry",
            leadscore::Values::Text(vec![
                Some("Aerospace".into()),
                Some("Software".into()),
                Some("Aerospace".into()),
                Some("Mining".into()),
            ]),
        )
        .unwrap();
    let scores = model.score(&leads).unwrap();
    assert_eq!(scores.unseen.len(), 1);
    assert_eq!(scores.unseen[0].column, "industry");
    assert_eq!(scores.unseen[0].rows, 3);
    assert_eq!(scores.unseen[0].examples, vec!["Aerospace", "Mining"]);
    let explained = model.explain(&leads, 3).unwrap();
    let industry = explained[0]
        .contributions
        .iter()
        .find(|c| c.column == "industry")
        .unwrap();
    assert_eq!(industry.attribute, "(other)");
}

#[test]
fn a_missing_feature_column_is_named() {
    let (model, deals) = common::synthetic_model(1_000, 6);
    let cols: Vec<(String, leadscore::Values)> = deals
        .column_names()
        .iter()
        .filter(|c| c.as_str() != "campaign")
        .map(|c| (c.clone(), deals.column(c).unwrap().clone()))
        .collect();
    let leads = Table::from_columns(cols).unwrap();
    match model.score(&leads).unwrap_err() {
        Error::MissingColumn { column, .. } => assert_eq!(column, "campaign"),
        other => panic!("expected MissingColumn, got {other}"),
    }
}

#[test]
fn special_values_get_their_own_points() {
    let deals = synthetic::deals(3_000, 8);
    let model = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .special_values("email_clicks", &[0.0])
        .l2(3.0)
        .fit(&deals.table)
        .unwrap();
    let clicks = deals.table.column("email_clicks").unwrap();
    let zeros = (0..deals.table.n_rows())
        .filter(|&r| clicks.text(r).as_deref() == Some("0"))
        .count() as u64;
    assert!(zeros > 50);
    let card = model.scorecard();
    let rows = card.column("email_clicks");
    let special = rows
        .iter()
        .find(|r| r.attribute == "= 0 (special)")
        .unwrap();
    assert_eq!(special.training_rows, zeros);
    // The ranges start above the special value: they hold every other
    // click count (no missing cells here).
    assert!(rows[0].attribute.starts_with("< "), "{}", rows[0].attribute);
    let in_ranges: u64 = rows
        .iter()
        .filter(|r| !r.attribute.contains("special") && r.attribute != "(missing)")
        .map(|r| r.training_rows)
        .sum();
    assert_eq!(in_ranges, deals.table.n_rows() as u64 - zeros);
}

#[test]
fn no_signal_data_predicts_the_win_rate() {
    // Outcomes independent of every column.
    let deals = synthetic::deals(2_000, 12);
    let mut t = deals.table.clone();
    let shuffled: Vec<Option<String>> = (0..t.n_rows())
        .map(|r| Some(if (r * 7919) % 10 < 3 { "Won" } else { "Lost" }.to_string()))
        .collect();
    t.set_column("outcome", leadscore::Values::Text(shuffled))
        .unwrap();
    let model = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .time_column("created_at")
        .fit(&t)
        .unwrap();
    let cv = model.summary().cross_validation.as_ref().unwrap();
    assert_eq!(cv.time_column.as_deref(), Some("created_at"));
    assert_eq!(model.summary().l2, None, "{:?}", cv.grid);
    let rate = model.summary().won as f64 / model.summary().rows as f64;
    let scores = model.score(&t).unwrap();
    assert!(scores.probability.iter().all(|p| (p - rate).abs() < 1e-12));
    assert!(model
        .summary()
        .warnings
        .iter()
        .any(|w| w.contains("win rate")));
    assert!(model.scorecard().rows.iter().all(|r| r.points == 0.0));
}

#[test]
fn dictionary_columns_score_like_text_columns() {
    let (model, deals) = common::synthetic_model(1_500, 13);
    let leads = deals.take_rows(&(0..300).collect::<Vec<_>>());
    let as_dictionary: Vec<(String, leadscore::Values)> = leads
        .column_names()
        .iter()
        .map(|name| {
            let v = leads.column(name).unwrap();
            let v = match v {
                leadscore::Values::Text(cells) => {
                    let mut values: Vec<String> = Vec::new();
                    let codes = cells
                        .iter()
                        .map(|c| {
                            c.as_ref()
                                .map(|s| match values.iter().position(|v| v == s) {
                                    Some(i) => i as u32,
                                    None => {
                                        values.push(s.clone());
                                        (values.len() - 1) as u32
                                    }
                                })
                        })
                        .collect();
                    leadscore::Values::Dictionary { values, codes }
                }
                other => other.clone(),
            };
            (name.clone(), v)
        })
        .collect();
    let dict = Table::from_columns(as_dictionary).unwrap();
    assert!(matches!(
        dict.column("industry"),
        Some(leadscore::Values::Dictionary { .. })
    ));
    assert_eq!(model.score(&dict).unwrap(), model.score(&leads).unwrap());
    assert_eq!(
        model.explain(&dict, 3).unwrap(),
        model.explain(&leads, 3).unwrap()
    );
}
