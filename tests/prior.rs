//! Starting from marketing's points sheet: the sheet's points become the
//! prior of the weights, the deals move them, the strength is chosen by
//! cross-validation (a true sheet is kept, a wrong one is let go), training
//! starts from fewer deals, every rule the deals cannot use is reported, and
//! the model file keeps the report.

use std::path::Path;

use leadscore::model::prior::PriorStrength;
use leadscore::model::sheet::PointsSheet;
use leadscore::synthetic::{deals, true_effects};
use leadscore::{Error, Model, ModelParams, Scale, Table};

fn params() -> ModelParams {
    Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at", "deal_value"])
        .seed(1)
}

/// A sheet of the true effects of the synthetic deals in points, times
/// `sign` (−1: every belief the wrong way round).
fn sheet_of_truth(sign: f64) -> PointsSheet {
    let factor = Scale::default().factor();
    let mut text = String::from("column,value,points\n");
    for e in true_effects() {
        if e.effect != 0.0 {
            text.push_str(&format!(
                "{},{},{:.1}\n",
                e.column,
                e.value,
                sign * e.effect * factor
            ));
        }
    }
    PointsSheet::from_csv_str(&text, Path::new("sheet.csv")).unwrap()
}

/// `n` won and `n` lost deals of `table`, the `draw`-th such pick.
fn sample(table: &Table, n: usize, draw: usize) -> Table {
    let y = table.column("outcome").unwrap();
    let pick = |value: &str| -> Vec<usize> {
        (0..table.n_rows())
            .filter(|&r| y.text(r).as_deref() == Some(value))
            .skip(draw * n)
            .take(n)
            .collect()
    };
    table.take_rows(&[pick("Won"), pick("Lost")].concat())
}

fn log_loss(model: &Model, deals: &Table) -> f64 {
    let p = model.score(deals).unwrap().probability;
    let y = deals.column("outcome").unwrap();
    (0..deals.n_rows())
        .map(|r| {
            let won = y.text(r).as_deref() == Some("Won");
            let p = p[r].clamp(1e-12, 1.0 - 1e-12);
            -(if won { p.ln() } else { (1.0 - p).ln() })
        })
        .sum::<f64>()
        / deals.n_rows() as f64
}

#[test]
fn a_true_sheet_is_kept_and_beats_the_deals_alone_on_few_deals() {
    let all = deals(20_000, 11).table;
    let held = all.take_rows(&(10_000..20_000).collect::<Vec<_>>());
    let pool = all.take_rows(&(0..10_000).collect::<Vec<_>>());
    let (mut with_sheet, mut alone, mut kept) = (0.0, 0.0, 0.0);
    let draws = 5;
    for d in 0..draws {
        let few = sample(&pool, 20, d);
        let prior = params().prior_sheet(sheet_of_truth(1.0)).fit(&few).unwrap();
        let data = params().fit(&few).unwrap();
        with_sheet += log_loss(&prior, &held);
        alone += log_loss(&data, &held);
        kept += prior.prior().unwrap().strength;
    }
    let (with_sheet, alone, kept) = (
        with_sheet / draws as f64,
        alone / draws as f64,
        kept / draws as f64,
    );
    eprintln!("20 won + 20 lost deals: held-out log loss {with_sheet:.4} from the true sheet, {alone:.4} from the deals alone; mean strength {kept:.2}");
    assert!(with_sheet < alone - 0.01, "{with_sheet} vs {alone}");
    assert!(kept >= 0.5, "{kept}");
}

#[test]
fn a_wrong_sheet_is_let_go_when_the_deals_say_otherwise() {
    let all = deals(6_000, 12).table;
    let model = params()
        .prior_sheet(sheet_of_truth(-1.0))
        .fit(&all)
        .unwrap();
    let prior = model.prior().unwrap();
    eprintln!("candidates: {:?}", prior.candidates);
    assert_eq!(prior.candidates.len(), 5);
    assert!(prior.strength <= 0.25, "{}", prior.strength);
    // The deals moved the demo request from the sheet's -23 to a gain.
    let demo = prior
        .attributes
        .iter()
        .find(|a| a.column == "demo_requested" && a.attribute == "yes")
        .unwrap();
    assert!(
        demo.sheet_points < 0.0 && demo.learned_points > 0.0,
        "{demo:?}"
    );
    assert_eq!(demo.moved, demo.learned_points - demo.sheet_points);
    // Sorted by how far the deals moved them.
    let moved: Vec<f64> = prior.by_movement().iter().map(|a| a.moved.abs()).collect();
    assert!(moved.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn a_sheet_kept_at_full_strength_gives_its_own_points() {
    let all = deals(3_000, 13).table;
    let model = params()
        .prior_sheet(sheet_of_truth(1.0))
        .prior_strength(PriorStrength::Fixed(1.0))
        .l2(1e7)
        .fit(&all)
        .unwrap();
    let prior = model.prior().unwrap();
    assert_eq!(prior.strength, 1.0);
    assert!(prior.candidates.is_empty());
    for a in &prior.attributes {
        assert!((a.learned_points - a.sheet_points).abs() < 0.05, "{a:?}");
        let (lo, hi) = a.learned_interval.unwrap();
        assert!(lo <= a.learned_points && a.learned_points <= hi, "{a:?}");
    }
}

#[test]
fn with_a_sheet_training_starts_from_five_won_and_five_lost_deals() {
    let all = deals(2_000, 14).table;
    let y = all.column("outcome").unwrap();
    let won: Vec<usize> = (0..all.n_rows())
        .filter(|&r| y.text(r).as_deref() == Some("Won"))
        .take(5)
        .collect();
    let lost: Vec<usize> = (0..all.n_rows())
        .filter(|&r| y.text(r).as_deref() == Some("Lost"))
        .take(5)
        .collect();
    let ten = all.take_rows(&[won, lost].concat());
    match params().fit(&ten) {
        Err(Error::NotEnoughOutcomes { required_won, .. }) => assert_eq!(required_won, 20),
        other => panic!("{other:?}"),
    }
    // The strength chosen by cross-validation, or kept at the sheet.
    let auto = params().prior_sheet(sheet_of_truth(1.0)).fit(&ten).unwrap();
    assert_eq!(auto.summary().rows, 10);
    assert_eq!(auto.prior().unwrap().candidates.len(), 5);
    let model = params()
        .prior_sheet(sheet_of_truth(1.0))
        .prior_strength(PriorStrength::Fixed(1.0))
        .fit(&ten)
        .unwrap();
    let prior = model.prior().unwrap();
    // Every point has its interval; ten deals make them wide.
    let widths: Vec<f64> = prior
        .attributes
        .iter()
        .map(|a| a.learned_interval.map_or(f64::NAN, |(lo, hi)| hi - lo))
        .collect();
    assert!(
        widths.iter().all(|w| w.is_finite() && *w > 0.0),
        "{widths:?}"
    );
    let big = params().prior_sheet(sheet_of_truth(1.0)).fit(&all).unwrap();
    let mean = |m: &Model| {
        let a = &m.prior().unwrap().attributes;
        a.iter()
            .map(|a| a.learned_interval.map_or(f64::NAN, |(lo, hi)| hi - lo))
            .sum::<f64>()
            / a.len() as f64
    };
    assert!(
        mean(&model) > mean(&big),
        "{} vs {}",
        mean(&model),
        mean(&big)
    );
}

#[test]
fn rules_the_deals_cannot_use_are_reported_with_their_row() {
    let all = deals(1_000, 15).table;
    let sheet = PointsSheet::from_csv_str(
        "column,value,points\n\
         demo_requested,yes,20\n\
         job_title,VP,10\n\
         deal_value,>=1000,5\n\
         industry,Mining,8\n\
         email_clicks,>=1000000,4\n",
        Path::new("sheet.csv"),
    )
    .unwrap();
    let model = params().prior_sheet(sheet).fit(&all).unwrap();
    let problems = &model.prior().unwrap().problems;
    let rows: Vec<usize> = problems.iter().map(|p| p.row).collect();
    assert_eq!(rows, [2, 3, 4, 5], "{problems:?}");
    assert!(
        problems[0].reason.contains("no such column"),
        "{problems:?}"
    );
    assert!(
        problems[1].reason.contains("does not learn from"),
        "{problems:?}"
    );
    assert!(
        problems[2]
            .reason
            .contains("no training deal has this value"),
        "{problems:?}"
    );
    assert!(problems[3].reason.contains("range"), "{problems:?}");
    // The same problems are the training's warnings.
    let warnings = &model.summary().warnings;
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("points sheet row 2 (job_title = VP)")),
        "{warnings:?}"
    );
}

#[test]
fn a_range_of_the_sheet_gives_each_model_range_the_mean_of_its_deals() {
    let all = deals(3_000, 16).table;
    let sheet = PointsSheet::from_csv_str(
        "column,value,points\nemail_clicks,>=5,10\n",
        Path::new("sheet.csv"),
    )
    .unwrap();
    let model = params().prior_sheet(sheet).fit(&all).unwrap();
    let prior = model.prior().unwrap();
    let clicks: Vec<_> = prior
        .attributes
        .iter()
        .filter(|a| a.column == "email_clicks" && a.training_rows > 0)
        .collect();
    assert!(clicks.len() > 2);
    // Each range's sheet points: 10 × the share of its deals with 5 or more clicks.
    let explained = model.explain(&all, 0).unwrap();
    let values = all.column("email_clicks").unwrap();
    for a in clicks {
        let rows: Vec<usize> = (0..all.n_rows())
            .filter(|&r| {
                explained[r]
                    .contributions
                    .iter()
                    .any(|c| c.column == "email_clicks" && c.attribute == a.attribute)
            })
            .collect();
        assert_eq!(rows.len() as u64, a.training_rows);
        let at_least_5 = rows
            .iter()
            .filter(|&&r| {
                values
                    .text(r)
                    .and_then(|v| v.parse::<f64>().ok())
                    .is_some_and(|x| x >= 5.0)
            })
            .count();
        let want = 10.0 * at_least_5 as f64 / rows.len() as f64;
        assert!((a.sheet_points - want).abs() < 1e-9, "{a:?}: want {want}");
    }
}

#[test]
fn the_model_file_keeps_the_prior_report() {
    let all = deals(1_500, 17).table;
    let model = params().prior_sheet(sheet_of_truth(1.0)).fit(&all).unwrap();
    let text = model.to_json_string(true);
    assert!(text.contains("\"format_version\": \"1.3\""));
    let back = Model::from_json_str(&text).unwrap();
    assert_eq!(back.prior(), model.prior());
    assert_eq!(back.fingerprint(), model.fingerprint());
}
