//! Evidence: metrics against scikit-learn, held-out evaluation, conversion,
//! hand-set points, planted leaks and drift, model diff, the report.

mod common;

use leadscore::audit::{audit, AuditOptions, LeakReason};
use leadscore::drift::{drift, Band};
use leadscore::evaluation::{
    auc, brier, calibration, conversion_by, deciles, evaluate, expected_calibration_error,
    log_loss, wilson, EvaluationOptions, Split,
};
use leadscore::handset::{compare, PointsSheet};
use leadscore::{synthetic, Error, Model, Table, Target, Values};

/// Fixed predictions built from integers only; see benches/sklearn_reference.py.
fn reference_predictions() -> (Vec<f64>, Vec<f64>) {
    (0..300u64)
        .map(|i| {
            let a = (37 * i) % 101;
            let p = (a as f64 + 0.5) / 102.0;
            let y = if a + (61 * i) % 53 >= 80 { 1.0 } else { 0.0 };
            (y, p)
        })
        .unzip()
}

#[test]
fn metrics_match_scikit_learn_to_1e9() {
    let (y, p) = reference_predictions();
    assert_eq!(y.iter().sum::<f64>(), 138.0);
    // Values printed by benches/sklearn_reference.py (scikit-learn 1.x).
    assert!((auc(&y, &p) - 0.9537707997852926).abs() < 1e-9);
    assert!((log_loss(&y, &p) - 0.35907310664958647).abs() < 1e-9);
    assert!((brier(&y, &p) - 0.10805427399718058).abs() < 1e-9);
    let prob_true = [
        0.0,
        0.0,
        0.0,
        0.16666666666666666,
        0.3333333333333333,
        0.5,
        0.7586206896551724,
        0.9090909090909091,
        1.0,
        1.0,
    ];
    let prob_pred = [
        0.04901960784313724,
        0.14705882352941177,
        0.2493872549019608,
        0.35294117647058815,
        0.4509803921568626,
        0.5490196078431375,
        0.6475659229208925,
        0.7500000000000001,
        0.8514198782961461,
        0.946078431372549,
    ];
    let bins = calibration(&y, &p);
    let filled: Vec<_> = bins.iter().filter(|b| b.deals > 0).collect();
    assert_eq!(filled.len(), 10);
    for (b, (t, q)) in filled.iter().zip(prob_true.iter().zip(prob_pred)) {
        assert!((b.observed_rate - t).abs() < 1e-9, "{b:?}");
        assert!((b.mean_predicted - q).abs() < 1e-9, "{b:?}");
    }
    assert!((expected_calibration_error(&bins) - 0.12895424836601302).abs() < 1e-9);
}

#[test]
fn deciles_share_ties_and_add_up() {
    let (y, p) = reference_predictions();
    let d = deciles(&y, &p);
    assert_eq!(d.len(), 10);
    assert!((d.iter().map(|x| x.deals).sum::<f64>() - 300.0).abs() < 1e-9);
    assert!((d.iter().map(|x| x.won).sum::<f64>() - 138.0).abs() < 1e-9);
    assert!((d[9].cumulative_gain - 1.0).abs() < 1e-12);
    assert!(d[0].lift > 1.5 && d[9].lift < 0.5);
    // One score for all: every decile is the average.
    let flat = deciles(&y, &vec![0.3; y.len()]);
    for x in &flat {
        assert!((x.lift - 1.0).abs() < 1e-9, "{x:?}");
        assert!((x.deals - 30.0).abs() < 1e-9);
    }
}

#[test]
fn wilson_interval_matches_the_formula() {
    let (lo, hi) = wilson(5, 10);
    assert!((lo - 0.236_593_090_519_5).abs() < 1e-9, "{lo}");
    assert!((hi - 0.763_406_909_480_5).abs() < 1e-9, "{hi}");
    let (lo, hi) = wilson(0, 20);
    assert_eq!(lo, 0.0);
    assert!((hi - 0.161_125_4).abs() < 1e-6, "{hi}");
    assert!(wilson(0, 0).0.is_nan());
}

fn params() -> leadscore::ModelParams {
    Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .l2(3.0)
}

#[test]
fn stratified_out_of_time_and_fold_evaluations() {
    let deals = synthetic::deals(3_000, 21).table;
    let (_, y) = Target::resolve(&deals, "outcome", &[], &[]).unwrap();
    let won = y.iter().filter(|w| **w).count();

    let e = evaluate(&params(), &deals, &EvaluationOptions::default()).unwrap();
    assert_eq!(e.test_rows, 600);
    assert_eq!(e.test_won, (won as f64 * 0.2).round() as usize);
    assert!(e.auc.low <= e.auc.value && e.auc.value <= e.auc.high);
    assert!(e.log_loss.value < e.base_log_loss);
    assert!(e.expected_calibration_error < 0.1);
    assert!(e.deciles[0].lift > 1.8);
    assert!(e.cut.is_none());

    let oot = evaluate(
        &params(),
        &deals,
        &EvaluationOptions {
            split: Split::OutOfTime {
                column: "created_at".into(),
                test_share: 0.25,
            },
            cut_points: Some(45.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(oot.test_rows, 750);
    assert!(oot.protocol.contains("out of time"), "{}", oot.protocol);
    let cut = oot.cut.as_ref().unwrap();
    assert!(cut.precision > oot.test_won as f64 / 750.0);
    assert!(cut.recall > 0.0 && cut.recall < 1.0);

    let folds = evaluate(
        &params(),
        &deals,
        &EvaluationOptions {
            split: Split::Folds { folds: 4, seed: 1 },
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(folds.test_rows, 3_000);
    assert!(folds.interval_method.contains("4 per-fold"));
    assert!(folds.auc.low < folds.auc.value && folds.auc.value < folds.auc.high);

    // A bad held-out share is refused, naming it.
    let err = evaluate(
        &params(),
        &deals,
        &EvaluationOptions {
            split: Split::Stratified {
                test_share: 1.5,
                seed: 0,
            },
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("test_share = 1.5"), "{err}");
}

#[test]
fn out_of_time_names_the_row_with_a_bad_date() {
    let mut deals = synthetic::deals(500, 2).table;
    let mut created: Vec<Option<String>> = (0..500)
        .map(|r| deals.cell(r, "created_at").unwrap().map(|s| s.into_owned()))
        .collect();
    created[6] = Some("soon".into());
    deals
        .set_column("created_at", Values::Text(created))
        .unwrap();
    let err = evaluate(
        &params(),
        &deals,
        &EvaluationOptions {
            split: Split::OutOfTime {
                column: "created_at".into(),
                test_share: 0.2,
            },
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("row 7, column \"created_at\", value \"soon\""),
        "{err}"
    );
}

#[test]
fn conversion_counts_rates_and_learned_points() {
    let (model, deals) = common::synthetic_model(3_000, 8);
    let (_, y) = Target::resolve(&deals, "outcome", &[], &[]).unwrap();
    let c = conversion_by(&deals, "channel", &y, Some(&model), &[]).unwrap();
    assert_eq!(c.rows.iter().map(|r| r.leads).sum::<usize>(), 3_000);
    assert_eq!(
        c.rows.iter().map(|r| r.won).sum::<usize>(),
        y.iter().filter(|w| **w).count()
    );
    let card = model.scorecard();
    for r in &c.rows {
        assert!(r.rate_low <= r.rate && r.rate <= r.rate_high);
        let expect = card
            .rows
            .iter()
            .find(|x| x.column == "channel" && x.attribute == r.value)
            .unwrap()
            .points;
        assert!((r.learned_points.unwrap() - expect).abs() < 1e-12);
    }
    // Partner converts best in the generator.
    let best = c
        .rows
        .iter()
        .max_by(|a, b| a.rate.total_cmp(&b.rate))
        .unwrap();
    assert_eq!(best.value, "Partner");
    // Missing values have their own row; a missing column is named.
    let ind = conversion_by(&deals, "industry", &y, None, &[]).unwrap();
    assert!(ind.rows.iter().any(|r| r.value == "(missing)"));
    assert!(matches!(
        conversion_by(&deals, "product", &y, None, &[]),
        Err(Error::MissingColumn { .. })
    ));
}

const SHEET: &str = "column,value,points\n\
job_seniority,VP,20\n\
job_seniority,C-level,25\n\
job_seniority,student,-20\n\
demo_requested,yes,15\n\
employees,500+,10\n\
employees,<50,-5\n\
employees,50-499,0\n\
industry,(missing),-3\n";

#[test]
fn hand_set_sheet_scores_and_compares() {
    let sheet = PointsSheet::from_csv_str(SHEET, std::path::Path::new("sheet.csv")).unwrap();
    assert_eq!(sheet.rules.len(), 8);
    let t = Table::from_rows(
        &["job_seniority", "demo_requested", "employees", "industry"],
        &[
            vec!["VP", "yes", "500", "Retail"],
            vec!["Student", "no", "49", ""],
            vec!["Manager", "no", "499", "Software"],
        ],
    )
    .unwrap();
    assert_eq!(sheet.score(&t, &[]).unwrap(), vec![45.0, -28.0, 0.0]);

    let (model, deals) = common::synthetic_model(3_000, 9);
    let holdout = synthetic::deals(1_500, 10).table;
    let (_, y) = Target::resolve(&holdout, "outcome", &[], &[]).unwrap();
    let c = compare(&sheet, &model, &holdout, &y).unwrap();
    let yf: Vec<f64> = y.iter().map(|&w| f64::from(u8::from(w))).collect();
    let hand = sheet.score(&holdout, &[]).unwrap();
    assert!((c.handset_auc - auc(&yf, &hand)).abs() < 1e-12);
    assert!(c.learned_auc > c.handset_auc, "{c:?}");
    let (hl, ll) = c.top_decile_lift();
    assert!(hl > 1.0 && ll > hl);
    let vp = c.rules.iter().find(|r| r.value == "VP").unwrap();
    assert!(vp.learned_points.unwrap() > 0.0);
    let student = c.rules.iter().find(|r| r.value == "student").unwrap();
    assert!(student.deals > 0 && student.learned_points.unwrap() < 0.0);
    drop(deals);

    // Bad lines are named by row, column and value.
    let err = PointsSheet::from_csv_str(
        "column,value,points\njob_seniority,VP,lots\n,x,3\n",
        std::path::Path::new("sheet.csv"),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("row 1, column \"points\", value \"lots\""),
        "{msg}"
    );
    assert!(msg.contains("row 2, column \"column\""), "{msg}");
    // A column the deals do not have is named.
    let sheet = PointsSheet::from_csv_str(
        "column,value,points\nbudget,>1000,5\n",
        std::path::Path::new("s"),
    )
    .unwrap();
    assert!(matches!(
        sheet.score(&holdout, &[]),
        Err(Error::MissingColumn { column, .. }) if column == "budget"
    ));
}

/// Synthetic deals left-joined with closed-deal attributes: filled only for
/// won deals (contract, won reason, discount) or only for lost ones (loss
/// reason), plus a date after the outcome filled for every deal.
fn left_joined(n: usize, seed: u64) -> Table {
    let mut t = synthetic::deals(n, seed).table;
    let (_, y) = Target::resolve(&t, "outcome", &[], &[]).unwrap();
    let closed: Vec<Option<String>> = (0..n)
        .map(|r| t.cell(r, "closed_at").unwrap().map(|s| s.into_owned()))
        .collect();
    let later = |d: &str, k: i64| {
        let date: jiff::civil::Date = d.parse().unwrap();
        date.checked_add(jiff::Span::new().days(k))
            .unwrap()
            .to_string()
    };
    let reasons = ["price", "champion", "fit", "timing"];
    let won_col = |f: &dyn Fn(usize) -> String| -> Values {
        Values::Text((0..n).map(|r| y[r].then(|| f(r))).collect())
    };
    let signed = won_col(&|r| later(closed[r].as_deref().unwrap(), 3));
    let won_reason = won_col(&|r| reasons[r % 4].to_string());
    let discount = Values::Number((0..n).map(|r| y[r].then_some((r % 20) as f64)).collect());
    let loss_reason = Values::Text(
        (0..n)
            .map(|r| (!y[r]).then(|| reasons[(r * 7) % 4].to_string()))
            .collect(),
    );
    let invoice = Values::Text(
        (0..n)
            .map(|r| Some(later(closed[r].as_deref().unwrap(), 30)))
            .collect(),
    );
    t.set_column("contract_signed_date", signed).unwrap();
    t.set_column("won_reason", won_reason).unwrap();
    t.set_column("final_discount", discount).unwrap();
    t.set_column("loss_reason", loss_reason).unwrap();
    t.set_column("first_invoice_date", invoice).unwrap();
    t
}

const HONEST: [&str; 13] = [
    "employees",
    "industry",
    "country",
    "job_seniority",
    "webinar_attended",
    "pricing_page_visits",
    "demo_requested",
    "email_clicks",
    "lead_source",
    "channel",
    "campaign",
    "deal_value",
    "created_at",
];

#[test]
fn audit_flags_every_planted_leak_and_no_honest_column() {
    let deals = left_joined(4_000, 31);
    let options = AuditOptions {
        target: "outcome".into(),
        skip: vec!["deal_id".into()],
        outcome_date: Some("closed_at".into()),
        ..Default::default()
    };
    let a = audit(&deals, &options).unwrap();
    let flagged = a.flagged();
    for leak in [
        "contract_signed_date",
        "won_reason",
        "final_discount",
        "loss_reason",
        "first_invoice_date",
    ] {
        assert!(flagged.contains(&leak), "{leak} not flagged: {flagged:?}");
    }
    for honest in HONEST {
        assert!(
            !flagged.contains(&honest),
            "{honest} flagged: {:?}",
            a.findings
        );
    }
    assert_eq!(flagged.len(), 5, "{flagged:?}");
    let reason = |c: &str| a.findings.iter().find(|f| f.column == c).unwrap().reason;
    assert_eq!(reason("won_reason"), LeakReason::FilledOnlyForWon);
    // Both reasons at full strength: the date comes first, the fill share beside it.
    assert_eq!(reason("contract_signed_date"), LeakReason::DateAfterOutcome);
    assert_eq!(reason("loss_reason"), LeakReason::FilledOnlyForLost);
    assert_eq!(reason("first_invoice_date"), LeakReason::DateAfterOutcome);
    let signed = a
        .findings
        .iter()
        .find(|f| f.column == "contract_signed_date")
        .unwrap();
    assert!(signed.other_reasons.contains(&LeakReason::FilledOnlyForWon));
    assert_eq!(signed.figure, 1.0);
    // Most severe first.
    assert!(a
        .findings
        .windows(2)
        .all(|w| w[0].severity >= w[1].severity));

    // Without the outcome date, the columns filled only on one side are still found.
    let a = audit(
        &deals,
        &AuditOptions {
            outcome_date: None,
            skip: vec!["deal_id".into(), "closed_at".into()],
            ..options.clone()
        },
    )
    .unwrap();
    let flagged = a.flagged();
    assert_eq!(flagged.len(), 4, "{flagged:?}");
    assert!(!flagged.contains(&"first_invoice_date"));

    // Training warns about them.
    let model = params().ignore(["first_invoice_date"]).fit(&deals).unwrap();
    let warnings = &model.summary().warnings;
    for leak in [
        "contract_signed_date",
        "won_reason",
        "final_discount",
        "loss_reason",
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("possible leak") && w.contains(leak)),
            "{leak}: {warnings:?}"
        );
    }
    for honest in HONEST {
        assert!(
            !warnings.iter().any(|w| w.contains(&format!("{honest:?}"))),
            "{honest}: {warnings:?}"
        );
    }
    // Or drops them.
    let dropped = params()
        .ignore(["first_invoice_date"])
        .drop_leaks(true)
        .fit(&deals)
        .unwrap();
    let used = &dropped.summary().columns_used;
    assert_eq!(used.len(), HONEST.len() - 1, "{used:?}"); // created_at is ignored
    for leak in [
        "contract_signed_date",
        "won_reason",
        "final_discount",
        "loss_reason",
    ] {
        assert!(!used.iter().any(|c| c == leak));
        assert!(dropped
            .summary()
            .warnings
            .iter()
            .any(|w| w.starts_with(&format!("dropped column {leak:?}"))));
    }
}

#[test]
fn audit_finds_a_near_perfect_separator_but_not_an_identifier() {
    let mut deals = synthetic::deals(3_000, 41).table;
    let (_, y) = Target::resolve(&deals, "outcome", &[], &[]).unwrap();
    // Sales' stage tag: "Contract sent" for nearly every won deal, a mix for lost.
    let stage = Values::Text(
        (0..y.len())
            .map(|r| {
                Some(
                    if y[r] && r % 50 != 0 {
                        "Contract sent"
                    } else {
                        ["Ringing", "No budget", "Follow up"][r % 3]
                    }
                    .to_string(),
                )
            })
            .collect(),
    );
    deals.set_column("stage_tag", stage).unwrap();
    let a = audit(
        &deals,
        &AuditOptions {
            target: "outcome".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(a.flagged(), ["stage_tag"], "{:?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(f.reason, LeakReason::NearPerfectSeparator);
    assert!(f.figure > 0.95);
    // deal_id (one value per deal) was audited and scored as no signal.
    let id = a.columns.iter().find(|c| c.column == "deal_id").unwrap();
    assert!((id.oof_auc - 0.5).abs() < 0.05, "{id:?}");
}

#[test]
fn drift_is_stable_on_the_same_population_and_flags_a_planted_shift() {
    let (model, _) = common::synthetic_model(3_000, 51);
    let same = drift(&model, &synthetic::deals(2_000, 52).table).unwrap();
    assert!(
        same.at_least(Band::Moderate).is_empty(),
        "{:?}",
        same.features
    );
    assert!(same.warnings().is_empty());

    let mut batch = synthetic::deals(2_000, 53).table;
    // Every lead now comes from a purchased list, and a third from a new country.
    batch
        .set_column(
            "lead_source",
            Values::Text(vec![Some("Purchased List".into()); 2_000]),
        )
        .unwrap();
    let country: Vec<Option<String>> = (0..2_000)
        .map(|r| {
            if r % 3 == 0 {
                Some("Japan".into())
            } else {
                batch.cell(r, "country").unwrap().map(|s| s.into_owned())
            }
        })
        .collect();
    batch.set_column("country", Values::Text(country)).unwrap();
    let d = drift(&model, &batch).unwrap();
    let get = |c: &str| d.features.iter().find(|f| f.column == c).unwrap();
    assert_eq!(get("lead_source").band, Band::Major);
    assert!(get("lead_source").psi > 1.0);
    assert!(get("country").psi >= 0.25, "{:?}", get("country"));
    assert_eq!(get("country").unseen_rows, 667);
    assert!((get("country").unseen_share - 667.0 / 2000.0).abs() < 1e-12);
    assert_eq!(get("country").unseen_examples, ["Japan"]);
    assert_eq!(get("job_seniority").band, Band::Stable);
    assert_eq!(d.features[0].column, "lead_source");
    assert_eq!(d.warnings().len(), 2);
    // PSI by hand for lead_source: every training share against a batch share.
    let f = model
        .features()
        .iter()
        .find(|f| f.column == "lead_source")
        .unwrap();
    let total: u64 = f.training_rows.iter().sum();
    let labels = f.encoding.labels();
    let mut psi = 0.0;
    for (i, l) in labels.iter().enumerate() {
        let e = (f.training_rows[i] as f64 / total as f64).max(1e-4);
        let a = if l == "Purchased List" { 1.0 } else { 1e-4 };
        psi += (a - e) * (a / e).ln();
    }
    assert!((get("lead_source").psi - psi).abs() < 1e-12);
}

#[test]
fn diff_lists_added_removed_moved_and_metrics() {
    let deals = synthetic::deals(2_000, 61).table;
    let old = params().ignore(["campaign"]).fit(&deals).unwrap();
    let new = params().ignore(["channel"]).fit(&deals).unwrap();
    let d = leadscore::diff::diff(&old, &new);
    assert_eq!(d.columns_added, ["campaign"]);
    assert_eq!(d.columns_removed, ["channel"]);
    assert!(d.added.iter().all(|a| a.column == "campaign"));
    assert_eq!(d.added.len(), 7); // 5 campaigns, (other), (missing)
    assert!(d.removed.iter().all(|a| a.column == "channel"));
    assert!(d
        .moved
        .windows(2)
        .all(|w| w[0].change.abs() >= w[1].change.abs()));
    assert!(d.metrics.iter().any(|m| m.metric == "training AUC"));
    let same = leadscore::diff::diff(&old, &old);
    assert!(same.added.is_empty() && same.removed.is_empty());
    assert!(same.moved.iter().all(|m| m.change == 0.0));
    assert!(d.to_string().contains("Columns added: campaign"));
}

#[test]
fn report_has_every_section_in_html_markdown_and_json() {
    let (model, _) = common::synthetic_model(3_000, 71);
    let holdout = synthetic::deals(1_000, 72).table;
    let sheet = PointsSheet::from_csv_str(SHEET, std::path::Path::new("s")).unwrap();
    let report = leadscore::report::build(
        &model,
        &holdout,
        &leadscore::report::ReportOptions {
            points_sheet: Some(sheet),
            ..Default::default()
        },
    )
    .unwrap();
    let by: Vec<&str> = report
        .conversion
        .iter()
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(by, ["lead_source", "channel", "campaign"]);
    let html = report.to_html();
    for id in [
        "id=\"calibration-chart\"",
        "id=\"lift-chart\"",
        "id=\"gains-chart\"",
        "id=\"conversion-chart-0\"",
        "Hand-set against learned points",
        "Leakage audit",
        "Drift",
        "Scorecard",
        "name=\"viewport\"",
    ] {
        assert!(html.contains(id), "{id}");
    }
    assert!(html.matches("<svg").count() >= 6);
    assert!(!html.contains("http://") || !html.contains("src=\"http"));
    assert!(!html.contains("<script"));
    let md = report.to_markdown();
    assert!(md.contains("## Hand-set against learned points"));
    assert!(md.contains("| AUC |"));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert!(json["evaluation"]["auc"]["value"].as_f64().unwrap() > 0.7);
    assert!(json["handset"]["handset_auc"].is_number());
}

#[test]
fn evaluation_errors_name_the_row_of_the_input() {
    let mut deals = synthetic::deals(600, 3).table;
    let mut visits: Vec<Option<String>> = (0..600)
        .map(|r| {
            deals
                .cell(r, "pricing_page_visits")
                .unwrap()
                .map(|s| s.into_owned())
        })
        .collect();
    visits[450] = Some("lots".into());
    deals
        .set_column("pricing_page_visits", Values::Text(visits))
        .unwrap();
    for split in [
        Split::Stratified {
            test_share: 0.5,
            seed: 4,
        },
        Split::Folds { folds: 3, seed: 4 },
    ] {
        let err = evaluate(
            &params(),
            &deals,
            &EvaluationOptions {
                split,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("row 451, column \"pricing_page_visits\", value \"lots\""),
            "{err}"
        );
    }
}

#[test]
fn precision_and_recall_at_the_policy_cut() {
    let policy = leadscore::qualification::Policy::load(common::policy_path("example")).unwrap();
    let deals = synthetic::deals(3_000, 81).table;
    for split in [
        Split::Stratified {
            test_share: 0.25,
            seed: 1,
        },
        Split::Folds { folds: 3, seed: 1 },
    ] {
        let e = evaluate(
            &params(),
            &deals,
            &EvaluationOptions {
                split,
                policy: Some(policy.clone()),
                bootstrap: 10,
                ..Default::default()
            },
        )
        .unwrap();
        let p = e.policy.as_ref().unwrap();
        assert_eq!(p.deals, e.test_rows);
        assert_eq!(p.won, e.test_won);
        assert_eq!(p.tiers.iter().map(|t| t.leads).sum::<usize>(), p.deals);
        let sales: usize = p
            .tiers
            .iter()
            .filter(|t| t.route == "sales")
            .map(|t| t.leads)
            .sum();
        assert_eq!(sales, p.qualified);
        assert!(p.qualified > 0);
        assert!((p.precision - p.qualified_won as f64 / p.qualified as f64).abs() < 1e-12);
        assert!((p.recall - p.qualified_won as f64 / p.won as f64).abs() < 1e-12);
        // Sales gets better leads than the average.
        assert!(p.precision > p.won as f64 / p.deals as f64);
    }
}
