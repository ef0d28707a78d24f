//! One lead at a time: frozen cuts for share and capacity tiers, and the
//! `Qualifier` deciding one lead exactly as a one-row table is decided.

mod common;

use common::{policy, qualification_deals as deals, qualification_model as model};
use leadscore::data::lead::{Cell, Lead};
use leadscore::{Error, FrozenCuts, Policy, Qualifier, Table};

/// Row `r` of `table` as a lead (every column, blanks missing).
fn lead_of(table: &Table, r: usize) -> Lead {
    table
        .column_names()
        .iter()
        .map(|c| (c.clone(), table.cell(r, c).unwrap().map(|s| s.into_owned())))
        .collect()
}

/// The policies of the tests, frozen from all the deals where they have
/// share or capacity tiers.
fn frozen_policies() -> Vec<(&'static str, Policy, Option<FrozenCuts>)> {
    ["min_points", "top_share", "capacity_top_share", "example"]
        .into_iter()
        .map(|name| {
            let p = policy(name);
            if name == "min_points" {
                (name, p, None)
            } else {
                let cuts = p.freeze(model(), deals()).unwrap();
                (name, p.with_cuts(cuts.clone()).unwrap(), Some(cuts))
            }
        })
        .collect()
}

#[test]
fn one_lead_alone_with_a_capacity_tier_is_an_error_that_says_so() {
    let example = policy("example");
    let worst = {
        let s = model().score(deals()).unwrap();
        (0..deals().n_rows())
            .min_by(|&a, &b| s.points[a].total_cmp(&s.points[b]))
            .unwrap()
    };
    let one = deals().take_rows(&[worst]);
    let err = example.qualify(model(), &one).unwrap_err();
    assert!(
        matches!(&err, Error::TooFewLeads { tier, leads: 1, needed: 200, .. } if tier == "A"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("needs at least 200 to cut"),
        "{err}"
    );
    let err = Qualifier::new(model().clone(), example.clone()).unwrap_err();
    assert!(
        matches!(err, Error::TooFewLeads { leads: 1, .. }),
        "{err:?}"
    );
    // A top share needs 1 / share leads.
    let err = policy("top_share").qualify(model(), &one).unwrap_err();
    assert!(err.to_string().contains("needs at least"), "{err}");
    // Against cuts frozen from the 3 000 leads, the worst lead is not in A.
    let frozen = example.freeze(model(), deals()).unwrap();
    let example = example.with_cuts(frozen.clone()).unwrap();
    let d = example.qualify(model(), &one).unwrap().remove(0);
    assert_ne!(d.tier, "A", "{d:?}");
    assert_eq!(d.cuts.as_deref(), Some(&frozen.reference));
    let q = Qualifier::new(model().clone(), example).unwrap();
    assert_eq!(q.decide_one(&lead_of(deals(), worst)).unwrap(), d);
}

#[test]
fn frozen_cuts_decide_the_reference_as_its_own_plan_does() {
    for name in ["top_share", "capacity_top_share", "example"] {
        let p = policy(name);
        let whole = p.qualify_batch(model(), deals()).unwrap();
        let cuts = p.freeze(model(), deals()).unwrap();
        assert_eq!(cuts.reference.leads, deals().n_rows(), "{name}");
        assert_eq!(cuts.reference.fingerprint.len(), 16, "{name}");
        let frozen = p.clone().with_cuts(cuts).unwrap();
        let again = frozen.qualify_batch(model(), deals()).unwrap();
        for (a, b) in whole.decisions.iter().zip(&again.decisions) {
            assert_eq!((a.row, &a.tier, a.rank), (b.row, &b.tier, b.rank), "{name}");
            assert!(a.cuts.is_none() && b.cuts.is_some(), "{name}");
        }
        assert_eq!(whole.tiers, again.tiers, "{name}");
    }
}

#[test]
fn decide_one_is_the_decision_of_a_one_row_table() {
    let leads = leadscore::synthetic::deals(300, 99).table;
    for (name, p, _) in frozen_policies() {
        let q = Qualifier::new(model().clone(), p.clone()).unwrap();
        for r in 0..leads.n_rows() {
            let one = leads.take_rows(&[r]);
            let want = p.qualify(model(), &one).unwrap().remove(0);
            let got = q.decide_one(&lead_of(&leads, r)).unwrap();
            assert_eq!(got, want, "{name}, lead {r}");
        }
    }
}

#[test]
fn a_lead_without_the_created_at_column_has_no_due_time() {
    let p = policy("min_points");
    let r = p
        .qualify(model(), deals())
        .unwrap()
        .iter()
        .position(|d| d.sla_due.is_some())
        .unwrap();
    let q = Qualifier::new(model().clone(), p).unwrap();
    let mut lead = lead_of(deals(), r);
    let with = q.decide_one(&lead).unwrap();
    assert!(with.sla_due.is_some());
    lead = lead
        .columns()
        .filter(|c| *c != "created_at")
        .map(|c| (c.to_string(), lead.get(c).unwrap().clone()))
        .collect();
    let without = q.decide_one(&lead).unwrap();
    assert_eq!(without.sla_due, None);
    assert_eq!(without.tier, with.tier);
}

#[test]
fn one_lead_errors_name_the_column_and_value() {
    let q = Qualifier::new(model().clone(), policy("min_points")).unwrap();
    let lead = lead_of(deals(), 0);
    // A rule column the lead lacks.
    let no_country: Lead = lead
        .columns()
        .filter(|c| *c != "country")
        .map(|c| (c.to_string(), lead.get(c).unwrap().clone()))
        .collect();
    let err = q.decide_one(&no_country).unwrap_err();
    assert!(
        matches!(&err, Error::MissingColumn { column, .. } if column == "country"),
        "{err:?}"
    );
    // A deal value that is not a number.
    let bad = lead.clone().with("deal_value", "lots");
    match q.decide_one(&bad).unwrap_err() {
        Error::InvalidRows { errors, .. } => {
            assert_eq!(
                (errors[0].row, errors[0].column.as_str()),
                (1, "deal_value")
            );
            assert_eq!(errors[0].value, "lots");
        }
        e => panic!("{e:?}"),
    }
    // An unseen value is decided as `(other)` and flagged.
    let unseen = lead.with("industry", "Quantum Basket Weaving");
    let d = q.decide_one(&unseen).unwrap();
    assert_eq!(d.unseen, ["industry"]);
    assert_eq!(
        model().score_one(&unseen).unwrap().unseen,
        ["industry"],
        "score_one flags it too"
    );
    assert!(matches!(unseen.get("industry"), Some(Cell::Text(_))));
}

#[test]
fn cuts_refuse_another_policy_or_model_and_survive_a_file() {
    let p = policy("example");
    let cuts = p.freeze(model(), deals()).unwrap();
    let dir = common::temp_dir("one_lead_cuts");
    let path = dir.join("cuts.json");
    cuts.save(&path).unwrap();
    let loaded = FrozenCuts::load(&path).unwrap();
    assert_eq!(loaded, cuts);
    // Another policy.
    let err = policy("capacity_top_share")
        .with_cuts(loaded.clone())
        .unwrap_err();
    assert!(matches!(err, Error::Cuts { .. }), "{err:?}");
    assert!(err.to_string().contains("freeze them again"), "{err}");
    // Another model.
    let (other, _) = common::synthetic_model(500, 3);
    let frozen = p.with_cuts(loaded).unwrap();
    let err = Qualifier::new(other.clone(), frozen.clone()).unwrap_err();
    assert!(matches!(err, Error::Cuts { .. }), "{err:?}");
    let err = frozen
        .qualify(&other, &deals().take_rows(&[0]))
        .unwrap_err();
    assert!(matches!(err, Error::Cuts { .. }), "{err:?}");
    // Another format.
    let text = cuts
        .to_json_string()
        .replace("leadscore.cuts", "leadscore.model");
    assert!(FrozenCuts::from_json_str(&text)
        .and_then(|c| policy("example").with_cuts(c))
        .is_err());
}

#[test]
fn a_qualifier_is_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Qualifier>();
    let (_, p, _) = frozen_policies().remove(3);
    let q = std::sync::Arc::new(Qualifier::new(model().clone(), p).unwrap());
    let leads: Vec<Lead> = (0..40).map(|r| lead_of(deals(), r)).collect();
    let alone: Vec<_> = leads.iter().map(|l| q.decide_one(l).unwrap()).collect();
    let threaded: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = leads
            .chunks(10)
            .map(|chunk| {
                let q = q.clone();
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|l| q.decide_one(l).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(alone, threaded);
}

#[test]
fn cli_freezes_cuts_and_qualifies_one_lead_against_them() {
    use common::cli::{failed, read_csv_rows, run_cli, succeeded, synthetic_csv, train_synthetic};
    let dir = common::temp_dir("one_lead_cli");
    synthetic_csv(&dir, 3000, 1, "deals.csv");
    train_synthetic(&dir, "m.json", &[]);
    let init = ["policy", "init", "--model", "m.json", "--out", "p.toml"];
    succeeded(&run_cli(
        &[&init[..], &["--capacity", "150"]].concat(),
        &dir,
    ));
    // The worst lead of the 3 000, alone in a file.
    let deals = Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let model = leadscore::Model::load(dir.join("m.json")).unwrap();
    let points = model.score(&deals).unwrap().points;
    let worst = (0..deals.n_rows())
        .min_by(|&a, &b| points[a].total_cmp(&points[b]))
        .unwrap();
    let mut csv = Vec::new();
    deals.take_rows(&[worst]).write_csv(&mut csv).unwrap();
    std::fs::write(dir.join("one.csv"), csv).unwrap();
    let qualify = |leads: &str, out: &str, extra: &[&str]| {
        let args = [
            &["qualify", leads, "--model", "m.json", "--policy", "p.toml"][..],
            &["--out", out, "--quiet"],
            extra,
        ]
        .concat();
        run_cli(&args, &dir)
    };
    // Alone, the capacity tier cannot be cut.
    let err = failed(&qualify("one.csv", "alone.csv", &[]));
    assert!(err.contains("needs at least 150 to cut"), "{err}");
    assert!(err.contains("--cuts-from"), "{err}");
    assert!(!dir.join("alone.csv").exists());
    // Frozen from the 3 000 leads.
    let freeze = ["policy", "freeze", "deals.csv", "--model", "m.json"];
    succeeded(&run_cli(
        &[&freeze[..], &["--policy", "p.toml", "--out", "cuts.json"]].concat(),
        &dir,
    ));
    let cuts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cuts.json")).unwrap()).unwrap();
    assert_eq!(cuts["format"], "leadscore.cuts");
    assert_eq!(cuts["reference"]["leads"], 3000);
    let fingerprint = cuts["reference"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let log = ["--log", "one.jsonl"];
    succeeded(&qualify(
        "one.csv",
        "one_out.csv",
        &[&["--cuts-from", "cuts.json"][..], &log].concat(),
    ));
    let rows = read_csv_rows(&dir.join("one_out.csv"));
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[1][col("tier")], "A", "{rows:?}");
    assert_eq!(rows[1][col("cuts_leads")], "3000");
    assert_eq!(rows[1][col("cuts_fingerprint")], fingerprint);
    let line: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("one.jsonl")).unwrap()).unwrap();
    assert_eq!(line["cuts"]["leads"], 3000);
    // The reference itself as --cuts-from: the same decision.
    succeeded(&qualify(
        "one.csv",
        "one_ref.csv",
        &["--cuts-from", "deals.csv"],
    ));
    let again = read_csv_rows(&dir.join("one_ref.csv"));
    for c in ["tier", "route", "points", "cuts_leads", "cuts_fingerprint"] {
        assert_eq!(again[1][col(c)], rows[1][col(c)], "{c}");
    }
    // The whole batch against its own frozen cuts: the tiers of the batch.
    succeeded(&qualify("deals.csv", "all.csv", &[]));
    succeeded(&qualify(
        "deals.csv",
        "all_frozen.csv",
        &["--cuts-from", "cuts.json"],
    ));
    let (all, frozen) = (
        read_csv_rows(&dir.join("all.csv")),
        read_csv_rows(&dir.join("all_frozen.csv")),
    );
    let tier = all[0].iter().position(|c| c == "tier").unwrap();
    for (a, b) in all.iter().zip(&frozen).skip(1) {
        assert_eq!(a[tier], b[tier]);
    }
    // Cuts of another policy are refused.
    std::fs::write(
        dir.join("p2.toml"),
        std::fs::read_to_string(dir.join("p.toml"))
            .unwrap()
            .replace("leads_per_rep = ", "leads_per_rep = 1"),
    )
    .unwrap();
    let args = [
        "qualify", "one.csv", "--model", "m.json", "--policy", "p2.toml",
    ];
    let err = failed(&run_cli(
        &[&args[..], &["--out", "x.csv", "--cuts-from", "cuts.json"]].concat(),
        &dir,
    ));
    assert!(err.contains("frozen cuts: frozen for policy"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
