//! The time model on synthetic deals with a known time to close: open
//! deals are outcomes not yet known, the chance of winning within 90 days
//! is calibrated where a closed-only model is biased, open deals never make
//! the forecast worse, and the model file keeps the time model.

use leadscore::synthetic::{pipeline, SyntheticPipeline};
use leadscore::{Error, Model, ModelParams, Table, Values};

const AS_OF: &str = "2025-06-30";

fn params() -> ModelParams {
    Model::params()
        .target("stage")
        .positive(["Won"])
        .negative(["Lost"])
        .open(["Open"])
        .id("deal_id")
        .created("created_at")
        .closed("closed_at")
        .horizons([30, 90])
        .ignore(["deal_value"])
        .l2(1.0)
}

fn rows_where(p: &SyntheticPipeline, stage: &str) -> Vec<usize> {
    let s = p.table.column("stage").unwrap();
    (0..p.table.n_rows())
        .filter(|&r| s.text(r).as_deref() == Some(stage))
        .collect()
}

/// Won within `days` after the as-of date, for each row.
fn won_within(p: &SyntheticPipeline, rows: &[usize], days: i64) -> Vec<bool> {
    rows.iter()
        .map(|&r| p.truth[r].won && p.truth[r].day <= p.as_of_day + days)
        .collect()
}

/// Mean |predicted − realised| over 10 bins of equal count, weighted by count.
fn calibration_error(p: &[f64], y: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let n = p.len();
    (0..10)
        .map(|b| {
            let bin = &order[b * n / 10..(b + 1) * n / 10];
            let pred: f64 = bin.iter().map(|&i| p[i]).sum::<f64>();
            let real = bin.iter().filter(|&&i| y[i]).count() as f64;
            (pred - real).abs()
        })
        .sum::<f64>()
        / n as f64
}

fn log_loss(p: &[f64], y: &[bool]) -> f64 {
    p.iter()
        .zip(y)
        .map(|(&p, &y)| {
            let p = p.clamp(1e-12, 1.0 - 1e-12);
            -(if y { p.ln() } else { (1.0 - p).ln() })
        })
        .sum::<f64>()
        / p.len() as f64
}

#[test]
fn the_90_day_chance_of_open_deals_is_calibrated_where_a_closed_only_model_is_biased() {
    let p = pipeline(60_000, 11, AS_OF).unwrap();
    let open = rows_where(&p, "Open");
    // About 40 % of the last six months' deals are still open.
    let created = p.table.column("created_at").unwrap();
    let recent: Vec<usize> = (0..p.table.n_rows())
        .filter(|&r| {
            let d = created.text(r).unwrap();
            d.as_ref() > "2025-01-01"
        })
        .collect();
    let recent_open = recent
        .iter()
        .filter(|r| open.binary_search(r).is_ok())
        .count();
    let share = recent_open as f64 / recent.len() as f64;
    assert!((0.3..0.5).contains(&share), "{share}");

    let model = params().fit(&p.table).unwrap();
    let timing = model.timing().unwrap();
    assert_eq!(timing.deals.open as usize, open.len());
    assert!(timing.periods.len() > 3, "{:?}", timing.periods);
    let leads = p.table.take_rows(&open);
    let scores = model.score_as_of(&leads, AS_OF).unwrap();
    let t = scores.timing.as_ref().unwrap();
    assert_eq!(t.horizons_days, vec![30, 90]);
    let y90 = won_within(&p, &open, 90);
    let ece = calibration_error(&t.win_within[1], &y90);
    let mean_pred = t.win_within[1].iter().sum::<f64>() / open.len() as f64;
    let mean_real = y90.iter().filter(|&&w| w).count() as f64 / open.len() as f64;
    eprintln!(
        "open deals {}: predicted won within 90 days {mean_pred:.4}, realised {mean_real:.4}, calibration error {ece:.4}",
        open.len()
    );
    assert!(ece <= 0.02, "calibration error {ece}");
    assert!((mean_pred - mean_real).abs() <= 0.01);
    // 30 days within 90 within ever, lead by lead; probability is "ever".
    for r in 0..open.len() {
        assert!(t.win_within[0][r] <= t.win_within[1][r] + 1e-12);
        assert!(t.win_within[1][r] <= t.win_eventually[r] + 1e-12);
        assert_eq!(scores.probability[r], t.win_eventually[r]);
    }
    let y_ever: Vec<bool> = open.iter().map(|&r| p.truth[r].won).collect();
    let ever_pred = t.win_eventually.iter().sum::<f64>() / open.len() as f64;
    let ever_real = y_ever.iter().filter(|&&w| w).count() as f64 / open.len() as f64;
    assert!(
        (ever_pred - ever_real).abs() <= 0.02,
        "{ever_pred} vs {ever_real}"
    );

    // A model of closed deals only answers "ever won, had it closed like
    // the closed ones": far above the 90-day chance.
    let closed: Vec<usize> = (0..p.table.n_rows())
        .filter(|r| open.binary_search(r).is_err())
        .collect();
    let closed_only = Model::params()
        .target("stage")
        .positive(["Won"])
        .negative(["Lost"])
        .id("deal_id")
        .ignore(["deal_value", "created_at", "closed_at"])
        .l2(1.0)
        .fit(&p.table.take_rows(&closed))
        .unwrap();
    let naive = closed_only.score(&leads).unwrap().probability;
    let naive_mean = naive.iter().sum::<f64>() / open.len() as f64;
    let naive_ece = calibration_error(&naive, &y90);
    eprintln!(
        "closed-only model: {naive_mean:.4} on average for the same deals (bias {:+.4}), calibration error {naive_ece:.4}",
        naive_mean - mean_real
    );
    assert!(naive_mean - mean_real > 0.05);
    assert!(naive_ece > 3.0 * ece);
}

#[test]
fn open_deals_never_make_the_forecast_worse() {
    let p = pipeline(20_000, 5, AS_OF).unwrap();
    let open = rows_where(&p, "Open");
    let leads = p.table.take_rows(&open);
    let y90 = won_within(&p, &open, 90);
    let with = params().fit(&p.table).unwrap();
    let closed: Vec<usize> = (0..p.table.n_rows())
        .filter(|r| open.binary_search(r).is_err())
        .collect();
    let without = params().fit(&p.table.take_rows(&closed)).unwrap();
    let score = |m: &Model| {
        let s = m.score_as_of(&leads, AS_OF).unwrap();
        log_loss(&s.timing.unwrap().win_within[1], &y90)
    };
    let (a, b) = (score(&with), score(&without));
    eprintln!("90-day log loss of the open deals: with open deals {a:.4}, without {b:.4}");
    assert!(a <= b, "{a} > {b}");
}

#[test]
fn the_model_file_keeps_the_time_model() {
    let p = pipeline(4_000, 2, AS_OF).unwrap();
    let model = params().fit(&p.table).unwrap();
    let json = model.to_json_string(false);
    assert!(
        json.contains("\"format_version\":\"1.2\"") || json.contains("\"format_version\": \"1.2\"")
    );
    let back = Model::from_json_str(&json).unwrap();
    assert_eq!(back.timing(), model.timing());
    assert_eq!(back.fingerprint(), model.fingerprint());
    let leads = p.table.take_rows(&rows_where(&p, "Open"));
    assert_eq!(
        back.score_as_of(&leads, AS_OF).unwrap(),
        model.score_as_of(&leads, AS_OF).unwrap()
    );
    // A changed baseline is another model.
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    doc["timing"]["periods"][1]["won"] = serde_json::json!(0.5);
    let other = Model::from_json_str(&doc.to_string()).unwrap();
    assert_ne!(other.fingerprint(), model.fingerprint());
    // Inconsistent lost weights are refused.
    doc["timing"]["lost_weights"][0] = serde_json::json!([0.0]);
    let err = Model::from_json_str(&doc.to_string()).unwrap_err();
    assert!(err.to_string().contains("lost weights"), "{err}");
}

#[test]
fn training_as_of_a_past_date_is_training_on_the_data_as_it_stood() {
    // The same deals seen on 2025-06-30, trained as of 2025-03-31, equal
    // the deals as they stood on 2025-03-31 (generated with the same seed).
    let now = pipeline(6_000, 9, AS_OF).unwrap();
    let model = params().as_of_date("2025-03-31").fit(&now.table).unwrap();
    let d = model.timing().unwrap().deals;
    let created = now.table.column("created_at").unwrap();
    let later = (0..now.table.n_rows())
        .filter(|&r| created.text(r).unwrap().as_ref() > "2025-03-31")
        .count();
    assert_eq!(d.created_after_as_of as usize, later);
    assert_eq!(
        (d.won + d.lost + d.open) as usize,
        now.table.n_rows() - later
    );
    let then_open = (0..now.table.n_rows())
        .filter(|&r| {
            created.text(r).unwrap().as_ref() <= "2025-03-31"
                && now.truth[r].day > now.as_of_day - 91
        })
        .count();
    assert_eq!(d.open as usize, then_open);
    assert!(model
        .summary()
        .warnings
        .iter()
        .any(|w| w.contains("created after the as-of date")));
}

fn tiny(rows: &[(&str, &str, &str)]) -> Table {
    let col = |i: usize| {
        Values::Text(
            rows.iter()
                .map(|r| {
                    let v = [r.0, r.1, r.2][i];
                    (!v.is_empty()).then(|| v.to_string())
                })
                .collect(),
        )
    };
    let n = rows.len();
    Table::from_columns(vec![
        ("stage".into(), col(0)),
        ("created_at".into(), col(1)),
        ("closed_at".into(), col(2)),
        (
            "segment".into(),
            Values::Text(
                (0..n)
                    .map(|i| Some(["a", "b"][i % 2].to_string()))
                    .collect(),
            ),
        ),
    ])
    .unwrap()
}

#[test]
fn bad_dates_are_row_errors_naming_row_column_and_value() {
    let t = tiny(&[
        ("Won", "2025-01-01", "2025-02-01"),
        ("Lost", "2025-01-05", ""),
        ("Won", "2025-03-01", "2025-02-01"),
        ("Open", "2025-13-01", ""),
        ("Maybe", "2025-01-01", ""),
    ]);
    let err = Model::params()
        .target("stage")
        .positive(["Won"])
        .negative(["Lost"])
        .open(["Open"])
        .created("created_at")
        .closed("closed_at")
        .min_outcomes(1, 1)
        .l2(1.0)
        .fit(&t)
        .unwrap_err();
    let Error::InvalidRows { errors, total } = &err else {
        panic!("{err}");
    };
    assert_eq!(*total, 4, "{err}");
    let got: Vec<(usize, &str, &str)> = errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "closed_at", ""),
            (3, "closed_at", "2025-02-01"),
            (4, "created_at", "2025-13-01"),
            (5, "stage", "Maybe"),
        ]
    );
    let text = err.to_string();
    assert!(text.contains("closed before it was created"), "{text}");
    assert!(text.contains("needs its close date"), "{text}");
}

#[test]
fn time_options_need_a_created_column() {
    let p = pipeline(500, 1, AS_OF).unwrap();
    let err = Model::params()
        .target("stage")
        .positive(["Won"])
        .negative(["Lost"])
        .open(["Open"])
        .fit(&p.table)
        .unwrap_err();
    assert!(err.to_string().contains("created"), "{err}");
    // Leads scored without their created date are told so, by row.
    let model = params()
        .fit(&pipeline(3_000, 4, AS_OF).unwrap().table)
        .unwrap();
    let mut leads = p.table.take_rows(&[0, 1, 2]);
    leads
        .set_column(
            "created_at",
            Values::Text(vec![
                Some("2025-01-01".into()),
                None,
                Some("2026-01-01".into()),
            ]),
        )
        .unwrap();
    let (_, errors) = model.score_checked_as_of(&leads, Some(AS_OF)).unwrap();
    let rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, [2, 3]);
    assert!(errors[1].reason.contains("after the scoring date"));
}

/// A policy sending the `capacity` best open leads to sales, ranked by
/// `rank_by`.
fn capacity_policy(rank_by: &str, capacity: usize) -> leadscore::Policy {
    leadscore::Policy::from_toml_str(&format!(
        r#"
        format = "leadscore.policy"
        format_version = "1.1"
        version = "1"
        rank_by = "{rank_by}"
        [capacity]
        reps = 1
        leads_per_rep = {capacity}
        [[tier]]
        name = "A"
        capacity = true
        route = "sales"
        owner = "Account Executives"
        sla = "1d"
        [[tier]]
        name = "B"
        route = "nurture"
        "#
    ))
    .unwrap()
}

#[test]
fn capacity_by_the_90_day_chance_sends_sales_the_deals_that_close_this_quarter() {
    let p = pipeline(20_000, 5, AS_OF).unwrap();
    let open = rows_where(&p, "Open");
    let leads = p.table.take_rows(&open);
    let y90 = won_within(&p, &open, 90);
    let model = params().fit(&p.table).unwrap().as_of(AS_OF).unwrap();
    let capacity = 300;
    // Wins within the report's horizon among the leads sent to sales.
    let sent = |rank_by: &str| {
        let q = capacity_policy(rank_by, capacity)
            .qualify_batch(&model, &leads)
            .unwrap();
        let report = q.capacity.unwrap();
        let y = won_within(&p, &open, i64::from(report.within_days.unwrap()));
        let won = q
            .decisions
            .iter()
            .zip(&y)
            .filter(|(d, &y)| d.tier == "A" && y)
            .count();
        (won, report)
    };
    // Whatever the policy ranks by, the capacity report's expected wins
    // within the horizon (the one ranked by, else the model's first) are
    // what happened, within sampling error (a sum of 300 Bernoulli draws:
    // sd at most 8.7).
    let mut won_by = Vec::new();
    for (rank_by, days) in [
        ("win_within_90d", 90),
        ("win_eventually", 30),
        ("points", 30),
    ] {
        let (won, report) = sent(rank_by);
        let expected = report.expected_wins_within.unwrap();
        eprintln!(
            "{} open deals, capacity {capacity}, ranked by {rank_by}: {won} won within {days} days, {expected:.1} expected",
            open.len()
        );
        assert_eq!(report.within_days, Some(days));
        assert_eq!(report.sales_leads, capacity);
        assert!(
            (expected - won as f64).abs() < 3.0 * (capacity as f64 / 4.0).sqrt(),
            "{rank_by}: expected {expected}, won {won}"
        );
        won_by.push(won);
    }
    // Sales gets far more of this quarter's wins than the base rate.
    let base = y90.iter().filter(|&&y| y).count() as f64 / open.len() as f64;
    assert!(
        won_by[0] as f64 > 2.0 * base * capacity as f64,
        "{won_by:?}, base {base}"
    );
    // A model of closed deals only cannot rank by a chance: said so.
    let closed: Vec<usize> = (0..p.table.n_rows())
        .filter(|r| open.binary_search(r).is_err())
        .collect();
    let closed_only = Model::params()
        .target("stage")
        .positive(["Won"])
        .negative(["Lost"])
        .id("deal_id")
        .ignore(["deal_value", "created_at", "closed_at"])
        .l2(1.0)
        .fit(&p.table.take_rows(&closed))
        .unwrap();
    let err = capacity_policy("win_within_90d", capacity)
        .qualify(&closed_only, &leads)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rank_by") && err.contains("closed deals only"),
        "{err}"
    );
}
