//! What happened to the decisions: figures against a direct computation,
//! a planted speed effect recovered, none found where none was planted,
//! bad rows reported, files streamed as tables are tallied.

use leadscore::batch::outcomes_files;
use leadscore::evidence::outcomes::{Grouping, InputFile, OutcomeOptions, OutcomeTally, Outcomes};
use leadscore::synthetic::touches::{closed_loop, ClosedLoop};
use leadscore::Table;

fn tally(s: &ClosedLoop, options: OutcomeOptions) -> Outcomes {
    let mut t = OutcomeTally::new(options).unwrap();
    t.add_decisions(&s.decisions).unwrap();
    t.add_touches(&s.touches).unwrap();
    t.add_deals(&s.deals).unwrap();
    t.finish()
}

/// Seconds since 1970 of `YYYY-MM-DDThh:mm:ssZ`, as the synthetic data
/// writes times (days from the civil date).
fn ts(t: &str) -> i64 {
    let n = |a: usize, b: usize| t[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11, 13) * 3_600 + n(14, 16) * 60 + n(17, 19)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[test]
fn tier_figures_equal_a_direct_computation() {
    let s = closed_loop(5_000, 11, 0.1);
    let o = tally(&s, OutcomeOptions::new("lead_id"));
    assert_eq!(o.leads, 5_000);
    assert_eq!(o.problems.rows, 0, "{:?}", o.problems);
    let cell = |t: &Table, r: usize, c: &str| t.cell(r, c).unwrap().map(|v| v.into_owned());
    // First touch per lead.
    let mut first = std::collections::HashMap::new();
    for r in 0..s.touches.n_rows() {
        let id = cell(&s.touches, r, "lead_id").unwrap();
        let at = ts(&cell(&s.touches, r, "touched_at").unwrap());
        let e = first.entry(id).or_insert(i64::MAX);
        *e = (*e).min(at);
    }
    let outcome: std::collections::HashMap<String, String> = (0..s.deals.n_rows())
        .map(|r| {
            (
                cell(&s.deals, r, "lead_id").unwrap(),
                cell(&s.deals, r, "outcome").unwrap(),
            )
        })
        .collect();
    for tier in ["A", "B", "C"] {
        let g = o.tiers.iter().find(|g| g.key.name() == tier).unwrap();
        let (mut leads, mut touched, mut due_n, mut within, mut hours) = (0, 0, 0, 0, Vec::new());
        let (mut won, mut lost, mut won_in, mut closed_in) = (0, 0, 0, 0);
        for r in 0..s.decisions.n_rows() {
            if cell(&s.decisions, r, "tier").as_deref() != Some(tier) {
                continue;
            }
            leads += 1;
            let id = cell(&s.decisions, r, "lead_id").unwrap();
            let due = cell(&s.decisions, r, "sla_due").map(|d| ts(&d));
            let sla_h: Option<i64> =
                cell(&s.decisions, r, "sla").map(|x| x.trim_end_matches('h').parse().unwrap());
            let f = first.get(&id).copied();
            if let Some(f) = f {
                touched += 1;
                if let (Some(d), Some(h)) = (due, sla_h) {
                    hours.push((f - (d - h * 3_600)) as f64 / 3_600.0);
                }
            }
            let o = outcome[&id].as_str();
            won += usize::from(o == "won");
            lost += usize::from(o == "lost");
            if let Some(d) = due {
                due_n += 1;
                if f.is_some_and(|f| f <= d) {
                    within += 1;
                    if o != "open" {
                        closed_in += 1;
                        won_in += usize::from(o == "won");
                    }
                }
            }
        }
        hours.sort_by(|a, b| a.total_cmp(b));
        let st = &g.stats;
        assert_eq!(
            (st.leads, st.touched, st.won, st.lost),
            (leads, touched, won, lost),
            "{tier}"
        );
        assert_eq!(st.with_sla, due_n, "{tier}");
        if due_n > 0 {
            assert!((st.within_sla.unwrap() - within as f64 / due_n as f64).abs() < 1e-12);
            assert!((st.median_hours_to_touch.unwrap() - quantile(&hours, 0.5)).abs() < 1e-9);
            assert!((st.p95_hours_to_touch.unwrap() - quantile(&hours, 0.95)).abs() < 1e-9);
            assert!(
                (st.win_rate_within_sla.unwrap() - won_in as f64 / closed_in as f64).abs() < 1e-12
            );
        } else {
            assert_eq!(st.within_sla, None);
            assert_eq!(
                st.median_hours_to_touch, None,
                "no created time without an SLA"
            );
        }
        assert!((st.win_rate.unwrap() - won as f64 / (won + lost) as f64).abs() < 1e-12);
        let (lo, hi) = leadscore::metrics::wilson(won, won + lost);
        assert_eq!((st.win_rate_low, st.win_rate_high), (Some(lo), Some(hi)));
    }
    // Tiers best first, and the rejections with the model's view.
    let names: Vec<&str> = o.tiers.iter().map(|g| g.key.name()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert!(!o.rejections.is_empty());
    let json = o.to_json();
    let back = Outcomes::from_json(&json, std::path::Path::new("o.json")).unwrap();
    assert_eq!(back, o);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in [
        "tier",
        "leads",
        "touched",
        "within_sla",
        "median_hours_to_touch",
        "p95_hours_to_touch",
        "win_rate",
        "win_rate_within_sla",
        "win_rate_after_sla",
    ] {
        assert!(
            v["tiers"][0].get(key).is_some(),
            "no {key} in {}",
            v["tiers"][0]
        );
    }
}

#[test]
fn a_planted_speed_effect_is_recovered_and_none_is_found_where_none_was_planted() {
    let mut options = OutcomeOptions::new("lead_id");
    options.bands = 12;
    for (seed, planted) in [(21u64, 0.12), (22, 0.0), (23, 0.0), (24, 0.06)] {
        let s = closed_loop(60_000, seed, planted);
        let o = tally(&s, options.clone());
        let e = o.all.stats.speed_effect.unwrap();
        println!(
            "planted {planted:+.3}: stratified {:+.4} ({:+.4} to {:+.4}), unadjusted {:+.4}, {} leads in {} bands",
            e.difference, e.low, e.high, e.crude_difference, e.leads, e.bands
        );
        assert!(
            e.low <= planted && planted <= e.high,
            "planted {planted} outside {e:?}"
        );
        // Good leads are touched first: the unadjusted difference overstates.
        assert!(
            e.crude_difference > planted + 0.025,
            "unadjusted {} against planted {planted}",
            e.crude_difference
        );
        if planted == 0.0 {
            assert!(e.crude_difference > e.high, "{e:?}");
        }
    }
}

#[test]
fn bad_rows_are_counted_and_named_with_row_column_and_value() {
    let decisions = Table::from_rows(
        &["lead_id", "tier", "route", "sla", "sla_due", "points"],
        &[
            vec!["L1", "A", "sales", "4h", "2024-03-01T13:00:00Z", "12.5"],
            vec!["L2", "A", "sales", "4h", "2024-03-01T14:00:00Z", "eleven"],
            vec!["L1", "A", "sales", "4h", "2024-03-01T14:00:00Z", "3"],
            vec!["L3", "B", "sdr", "1d", "2024-03-02T09:00:00Z", "4"],
        ],
    )
    .unwrap();
    let touches = Table::from_rows(
        &["lead_id", "touched_at", "reason"],
        &[
            vec!["L1", "2024-03-01T10:00:00Z", ""],
            vec!["L9", "2024-03-01T10:00:00Z", ""],
            vec!["L3", "2024-02-28T09:00:00Z", ""],
            vec!["L3", "next tuesday", ""],
            vec!["L3", "2024-03-01T12:00:00Z", "no budget"],
        ],
    )
    .unwrap();
    let deals = Table::from_rows(
        &["lead_id", "outcome"],
        &[vec!["L1", "Won"], vec!["L3", "maybe"], vec!["L7", "lost"]],
    )
    .unwrap();
    let mut t = OutcomeTally::new(OutcomeOptions::new("lead_id")).unwrap();
    t.add_decisions(&decisions).unwrap();
    t.add_touches(&touches).unwrap();
    t.add_deals(&deals).unwrap();
    let o = t.finish();
    let shown: Vec<String> = o.problems.examples.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        shown,
        [
            "decisions row 2, column \"points\", value \"eleven\": points are not a number",
            "decisions row 3, column \"lead_id\", value \"L1\": the lead was decided before (its first decision counts)",
            "touches row 2, column \"lead_id\", value \"L9\": no decision for this lead",
            "touches row 3, column \"touched_at\", value \"2024-02-28T09:00:00Z\": touched before the lead was created",
            "touches row 4, column \"touched_at\", value \"next tuesday\": not a date or time (YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss][Z|±hh:mm] or M/D/YYYY [hh:mm[:ss]])",
            "deals row 2, column \"outcome\", value \"maybe\": not one of the outcome values",
            "deals row 3, column \"lead_id\", value \"L7\": no decision for this lead",
        ]
    );
    assert_eq!(o.problems.rows, 7);
    let touch_rows: usize = o
        .problems
        .counts
        .iter()
        .filter(|c| c.file == InputFile::Touches)
        .map(|c| c.rows)
        .sum();
    assert_eq!(touch_rows, 3);
    assert_eq!((o.rows.decisions, o.rows.touches, o.rows.deals), (4, 5, 3));
    // The good rows still count: L1 touched within its SLA and won
    // ("Won" matches ignoring case), L3 touched and rejected.
    let a = &o.tiers[0];
    assert_eq!((a.key.name(), a.stats.leads, a.stats.won), ("A", 1, 1));
    assert_eq!(a.stats.within_sla, Some(1.0));
    assert_eq!(o.rejections[0].reason, "no budget");
    assert_eq!(o.rejections[0].tier, "B");
    // The text names them too.
    assert!(
        o.to_text()
            .contains("touches: no decision for this lead: 1 rows"),
        "{}",
        o.to_text()
    );
}

#[test]
fn files_read_in_small_batches_and_a_decision_log_give_the_same_figures() {
    let s = closed_loop(3_000, 5, 0.05);
    let dir = std::env::temp_dir().join(format!("leadscore-outcomes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, t: &Table| {
        let mut bytes = Vec::new();
        t.write_csv(&mut bytes).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
        dir.join(name)
    };
    let (d, t, k) = (
        write("decisions.csv", &s.decisions),
        write("touches.csv", &s.touches),
        write("deals.csv", &s.deals),
    );
    let mut options = OutcomeOptions::new("lead_id");
    options.by = vec![Grouping::Route, Grouping::Owner, Grouping::Month];
    let whole = tally(&s, options.clone());
    let streamed = outcomes_files(&d, &t, &k, options.clone(), 97, 2).unwrap();
    assert_eq!(streamed, whole);
    let months: Vec<&str> = whole
        .months
        .as_ref()
        .unwrap()
        .iter()
        .map(|g| g.key.name())
        .collect();
    assert_eq!(
        months,
        [
            "2024-01",
            "2024-02",
            "2024-03",
            "2024-04",
            "2024-05",
            "2024-06",
            "(no date)"
        ],
        "tier C has no SLA, so no created time"
    );
    assert_eq!(
        whole.owners.as_ref().unwrap().len(),
        5,
        "four reps and the untouched"
    );
    // The same decisions as a decision log (one JSON line each).
    let mut log = String::new();
    for r in 0..s.decisions.n_rows() {
        let c = |n: &str| s.decisions.cell(r, n).unwrap().map(|v| v.into_owned());
        let line = serde_json::json!({
            "time": "2024-07-01T00:00:00Z",
            "id": c("lead_id"), "tier": c("tier"), "route": c("route"), "owner": c("owner"),
            "sla": c("sla"), "sla_due": c("sla_due"),
            "points": c("points").unwrap().parse::<f64>().unwrap(),
            "inputs": {"lead_id": c("lead_id")},
        });
        log.push_str(&line.to_string());
        log.push('\n');
    }
    std::fs::write(dir.join("decisions.jsonl"), log).unwrap();
    let from_log = outcomes_files(&dir.join("decisions.jsonl"), &t, &k, options, 500, 1).unwrap();
    assert_eq!(from_log.tiers, whole.tiers);
    // A missing column is an error naming it.
    std::fs::write(dir.join("bad.csv"), "lead_id,when\nL0000001,2024-01-01\n").unwrap();
    let err = outcomes_files(
        &d,
        &dir.join("bad.csv"),
        &k,
        OutcomeOptions::new("lead_id"),
        97,
        1,
    )
    .unwrap_err();
    assert!(err.to_string().contains("touched_at"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
