//! A scorecard that reads right: attributes without training deals score the
//! neutral 0 points, numeric ranges the deals do not tell apart are merged
//! (fewer ranges, steadier across retrains), rare values are told from
//! unseen ones, and a model keeps the settings it was trained with.

mod common;

use common::{run_cli, succeeded_stdout, temp_dir, train_synthetic};
use leadscore::data::lead::Lead;
use leadscore::evidence::diff;
use leadscore::{synthetic, Model, ModelParams, Table, Values};

fn params() -> ModelParams {
    Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .l2(3.0)
}

#[test]
fn attributes_without_training_deals_score_zero_points() {
    let deals = synthetic::deals(3_000, 4).table;
    let model = params().fit(&deals).unwrap();
    let card = model.scorecard();
    let empty: Vec<_> = card.rows.iter().filter(|r| r.training_rows == 0).collect();
    // country has no missing cells, numeric columns no rare values: several
    // `(missing)` and `(other)` attributes have no deal.
    assert!(empty.len() >= 3, "{empty:?}");
    for r in &empty {
        assert!(
            r.points.abs() < 1e-9,
            "{} = {}: {}",
            r.column,
            r.attribute,
            r.points
        );
        // Never more than the best value seen on the column.
        let best = card
            .column(&r.column)
            .iter()
            .filter(|x| x.training_rows > 0)
            .map(|x| x.points)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(r.points <= best);
    }
    // The card says so, and how points read.
    let text = card.to_string();
    assert!(
        text.contains(leadscore::model::scorecard::NEUTRAL_UNSEEN),
        "{text}"
    );
    assert!(text.contains("given the other columns"));
    // A lead whose country is missing scores the column's average lead.
    let mut lead = deals.take_rows(&[0]);
    lead.set_column("country", Values::Text(vec![None]))
        .unwrap();
    let e = model.explain(&lead, 100).unwrap();
    let country = e[0]
        .contributions
        .iter()
        .find(|c| c.column == "country")
        .unwrap();
    assert!(country.points.abs() < 1e-9);
}

/// The numeric ranges of `column` on `model`'s scorecard: (deals, won).
fn ranges(model: &Model, column: &str) -> Vec<(u64, u64)> {
    model
        .scorecard()
        .column(column)
        .iter()
        .filter(|r| !r.attribute.contains("special") && r.attribute != "(missing)")
        .map(|r| (r.training_rows, r.training_won))
        .collect()
}

#[test]
fn ranges_the_deals_do_not_tell_apart_are_merged_and_retrains_diff_cleanly() {
    let a = synthetic::deals(5_000, 21).table;
    let b = synthetic::deals(5_000, 22).table;
    let merged = [params().fit(&a).unwrap(), params().fit(&b).unwrap()];
    let kept = params().encoding(leadscore::model::encoding::EncodingOptions {
        merge_significance: 0.0,
        ..Default::default()
    });
    let cut = [kept.fit(&a).unwrap(), kept.fit(&b).unwrap()];
    for column in [
        "employees",
        "pricing_page_visits",
        "email_clicks",
        "deal_value",
    ] {
        let (m, c) = (ranges(&merged[0], column), ranges(&cut[0], column));
        assert!(
            m.len() < c.len() || c.len() <= 2,
            "{column}: {} vs {}",
            m.len(),
            c.len()
        );
        // Every pair of neighbours left differs at 1 % (two-sided).
        for w in m.windows(2) {
            let ((n1, w1), (n2, w2)) = (w[0], w[1]);
            let (n1, n2) = (n1 as f64, n2 as f64);
            let pooled = (w1 + w2) as f64 / (n1 + n2);
            let z = (w1 as f64 / n1 - w2 as f64 / n2)
                / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
            assert!(
                leadscore::metrics::two_sided_p(z) <= 0.01,
                "{column}: {m:?}"
            );
        }
    }
    // A retrain on other deals adds and removes fewer attributes.
    let changes = |m: &[Model; 2]| {
        let d = diff(&m[0], &m[1]);
        d.added.len() + d.removed.len()
    };
    assert!(
        changes(&merged) < changes(&cut),
        "merged {} vs cut {}",
        changes(&merged),
        changes(&cut)
    );
}

#[test]
fn rare_values_are_told_from_unseen_ones() {
    let deals = synthetic::deals(3_000, 5).table;
    let n = deals.n_rows();
    // Three training deals in Aerospace: too few for points of its own.
    let industry = deals.column("industry").unwrap();
    let mut cells: Vec<Option<String>> = (0..n)
        .map(|r| industry.text(r).map(|s| s.into_owned()))
        .collect();
    for c in cells.iter_mut().take(3) {
        *c = Some("Aerospace".into());
    }
    let mut training = deals.clone();
    training
        .set_column("industry", Values::Text(cells))
        .unwrap();
    let model = params().fit(&training).unwrap();
    let mut leads: Table = deals.take_rows(&[10, 11, 12, 13, 14]);
    leads
        .set_column(
            "industry",
            Values::Text(vec![
                Some("Aerospace".into()),
                Some("Aerospace".into()),
                Some("Mining".into()),
                Some("Software".into()),
                None,
            ]),
        )
        .unwrap();
    let scores = model.score(&leads).unwrap();
    let u = scores
        .unseen
        .iter()
        .find(|u| u.column == "industry")
        .unwrap();
    assert_eq!((u.rows, u.rare_rows), (1, 2));
    assert_eq!(u.examples, ["Mining"]);
    // Both score as (other).
    let other = |r: usize| {
        model.explain(&leads.take_rows(&[r]), 100).unwrap()[0]
            .contributions
            .iter()
            .find(|c| c.column == "industry")
            .unwrap()
            .attribute
            .clone()
    };
    assert_eq!(other(0), "(other)");
    assert_eq!(other(2), "(other)");
    // Each lead's explanation says which: rare, or never seen.
    let explained = model.explain(&leads, 3).unwrap();
    let pooled: Vec<(bool, bool)> = explained
        .iter()
        .map(|e| {
            (
                e.rare.iter().any(|c| c == "industry"),
                e.unseen.iter().any(|c| c == "industry"),
            )
        })
        .collect();
    assert_eq!(
        pooled,
        [
            (true, false),
            (true, false),
            (false, true),
            (false, false),
            (false, false)
        ]
    );
    // One lead at a time, the same.
    for (r, e) in explained.iter().enumerate() {
        let lead: Lead = leads
            .column_names()
            .iter()
            .map(|c| (c.clone(), leads.cell(r, c).unwrap().map(|s| s.into_owned())))
            .collect();
        let one = model.explain_one(&lead, 3).unwrap();
        assert_eq!((&one.rare, &one.unseen), (&e.rare, &e.unseen), "lead {r}");
        let score = model.score_one(&lead).unwrap();
        assert_eq!(
            (&score.rare, &score.unseen),
            (&e.rare, &e.unseen),
            "lead {r}"
        );
    }
}

#[test]
fn a_model_keeps_its_training_settings_and_evaluate_refits_them() {
    let p = params()
        .missing(["Select"])
        .special_values("email_clicks", &[0.0]);
    let deals = synthetic::deals(2_000, 6).table;
    let model = p.fit(&deals).unwrap();
    let back = Model::from_json_str(&model.to_json_string(false)).unwrap();
    assert_eq!(back.training_params(), Some(&p));

    // The CLI: `evaluate --model` gives the figures of the flags the model
    // was trained with, without repeating them; a setting `evaluate` has
    // no flag for (a special value) is refitted too.
    let dir = temp_dir("scorecard-reads-evaluate");
    let mut f = std::fs::File::create(dir.join("deals.csv")).unwrap();
    synthetic::deals(3_000, 7).table.write_csv(&mut f).unwrap();
    train_synthetic(&dir, "m.json", &[]);
    train_synthetic(&dir, "special.json", &["--special", "email_clicks=0"]);
    let figures = |args: &[&str]| -> serde_json::Value {
        let mut all = vec![
            "evaluate",
            "deals.csv",
            "--target",
            "outcome",
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        serde_json::from_str(&succeeded_stdout(&run_cli(&all, &dir))).unwrap()
    };
    let flags = figures(&[
        "--id",
        "deal_id",
        "--ignore",
        "created_at",
        "--ignore",
        "closed_at",
        "--l2",
        "3",
    ]);
    let reused = figures(&["--model", "m.json"]);
    assert_eq!(flags["auc"], reused["auc"]);
    assert_eq!(flags["log_loss"], reused["log_loss"]);
    let special = figures(&["--model", "special.json"]);
    assert_ne!(special["log_loss"], reused["log_loss"]);
    // Another outcome column than the model's is refused, naming it.
    let out = run_cli(
        &[
            "evaluate",
            "deals.csv",
            "--target",
            "deal_value",
            "--model",
            "m.json",
        ],
        &dir,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"outcome\""));
}
