//! Qualification in two passes over batches (`Policy::assess`, `plan`,
//! `decide`) gives exactly what `Policy::qualify_batch` gives on the whole
//! table, however the leads are cut into batches.

mod common;

use common::{capacity_policy, policy, qualification_deals as deals, qualification_model as model};
use leadscore::qualification::Qualification;
use leadscore::{Decision, Error, Model, Plan, Policy, RowError, Table, Values};

/// Every policy of the tests, by name.
fn policies() -> Vec<(&'static str, Policy)> {
    vec![
        ("min_points", policy("min_points")),
        ("top_share", policy("top_share")),
        ("capacity 200", capacity_policy(5, 40)),
        ("capacity 1", capacity_policy(1, 1)),
        ("capacity above eligible", capacity_policy(50, 59)),
    ]
}

/// `table` cut into batches of the given sizes and one of the rest, each
/// numbered as in `table`.
fn batches(table: &Table, sizes: &[usize]) -> Vec<Table> {
    let mut out = Vec::new();
    let mut start: usize = 0;
    let n = table.n_rows();
    for &size in sizes.iter().chain(std::iter::once(&usize::MAX)) {
        let end = start.saturating_add(size).min(n);
        let rows: Vec<usize> = (start..end).collect();
        out.push(
            table
                .take_rows(&rows)
                .with_first_row(table.first_row() + start),
        );
        start = end;
    }
    out
}

struct Streamed {
    decisions: Vec<Decision>,
    plan: Plan,
    errors: Vec<RowError>,
}

/// The two passes over `batches`, one after the other.
fn stream(policy: &Policy, model: &Model, batches: &[Table]) -> Streamed {
    let mut facts = Vec::new();
    let mut errors = Vec::new();
    for b in batches {
        let a = policy.assess(model, b).unwrap();
        facts.extend(a.facts);
        errors.extend(a.errors);
    }
    let plan = policy.plan(facts).unwrap();
    let mut decisions = Vec::new();
    for b in batches {
        decisions.extend(policy.decide(model, b, &plan).unwrap());
    }
    Streamed {
        decisions,
        plan,
        errors,
    }
}

fn assert_same(name: &str, s: &Streamed, q: &Qualification) {
    assert_eq!(s.decisions.len(), q.decisions.len(), "{name}");
    for (a, b) in s.decisions.iter().zip(&q.decisions) {
        assert_eq!(a, b, "{name}: row {}", b.row);
    }
    assert_eq!(s.plan.tier_counts(), &q.tiers[..], "{name}");
    assert_eq!(s.plan.capacity_report(), q.capacity.as_ref(), "{name}");
    assert_eq!(
        s.plan.thresholds(),
        q.tiers
            .iter()
            .take(s.plan.thresholds().len())
            .map(|t| t.threshold)
            .collect::<Vec<_>>(),
        "{name}"
    );
    assert_eq!(s.plan.len(), q.decisions.len(), "{name}");
    for d in &q.decisions {
        assert_eq!(
            s.plan.tier_and_rank(d.row),
            Some((d.tier.as_str(), d.rank)),
            "{name}"
        );
    }
}

#[test]
fn batches_decide_exactly_as_the_whole_table() {
    let model = model();
    for (name, policy) in policies() {
        let whole = policy.qualify_batch(model, deals()).unwrap();
        if name == "capacity above eligible" {
            let c = whole.capacity.as_ref().unwrap();
            assert!(c.eligible < c.capacity, "{c:?}");
        }
        for sizes in [&[1, 7, 333][..], &[2_999], &[1_000, 1_000], &[]] {
            let s = stream(&policy, model, &batches(deals(), sizes));
            assert!(s.errors.is_empty(), "{name}");
            assert_same(&format!("{name} in batches {sizes:?}"), &s, &whole);
        }
    }
}

#[test]
fn plan_does_not_depend_on_the_order_of_batches() {
    let model = model();
    let policy = capacity_policy(5, 40);
    let parts = batches(deals(), &[1, 7, 333, 1_200]);
    let whole = policy.qualify_batch(model, deals()).unwrap();
    // Facts of the last batch first: the plan takes leads in row order.
    let mut facts = Vec::new();
    for b in parts.iter().rev() {
        facts.extend(policy.assess(model, b).unwrap().facts);
    }
    let plan = policy.plan(facts).unwrap();
    // Batches decided in parallel against one plan.
    let per_batch: Vec<Vec<Decision>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .map(|b| scope.spawn(|| policy.decide(model, b, &plan).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let decisions: Vec<Decision> = per_batch.into_iter().flatten().collect();
    assert_eq!(decisions, whole.decisions);
    assert_eq!(plan.tier_counts(), &whole.tiers[..]);
    assert_eq!(plan.capacity_report(), whole.capacity.as_ref());
}

#[test]
fn plan_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Plan>();
}

/// Every lead twice (the copies tie on every key), deal values from a few
/// amounts and blanks (which take the default): ranks break ties by row.
fn tied_leads() -> Table {
    let rows: Vec<usize> = (0..1_500).flat_map(|i| [i, i]).collect();
    let mut t = deals().take_rows(&rows);
    let values = (0..rows.len())
        .map(|r| match (r / 2) % 3 {
            0 => Some("1000".to_string()),
            1 => Some("5000".to_string()),
            _ => None,
        })
        .collect();
    t.set_column("deal_value", Values::Text(values)).unwrap();
    t
}

#[test]
fn ties_in_the_ranking_key_rank_alike_in_batches() {
    let model = model();
    let leads = tied_leads();
    for (name, policy) in [
        ("deal value, capacity", capacity_policy(5, 40)),
        ("deal value, min_points", policy("min_points")),
        ("P(win), top_share", policy("top_share")),
    ] {
        let whole = policy.qualify_batch(model, &leads).unwrap();
        // The copies are ranked one after the other, the first copy first.
        for pair in whole.decisions.chunks(2) {
            assert_eq!(pair[0].tier, pair[1].tier, "{name}");
            assert_eq!(pair[0].rank + 1, pair[1].rank, "{name}");
        }
        // Cuts between the two copies of a lead, too.
        for sizes in [&[1, 7, 333][..], &[2, 2, 2, 1_001]] {
            let s = stream(&policy, model, &batches(&leads, sizes));
            assert_same(&format!("{name} in batches {sizes:?}"), &s, &whole);
        }
    }
}

/// `table` with the given cells (0-based row, column, value) replaced.
fn with_cells(table: &Table, cells: &[(usize, &str, &str)]) -> Table {
    let mut t = table.clone();
    let mut columns: Vec<&str> = cells.iter().map(|c| c.1).collect();
    columns.dedup();
    for name in columns {
        let values = t.column(name).unwrap();
        let mut text: Vec<Option<String>> = (0..t.n_rows())
            .map(|r| values.text(r).map(|s| s.into_owned()))
            .collect();
        for &(r, c, v) in cells {
            if c == name {
                text[r] = Some(v.to_string());
            }
        }
        t.set_column(name, Values::Text(text)).unwrap();
    }
    t
}

/// The deals with a `seats` column (read by an external rule).
fn with_seats(table: &Table) -> Table {
    let mut t = table.clone();
    let seats = (0..t.n_rows())
        .map(|r| Some(((r * 7) % 11).to_string()))
        .collect();
    t.set_column("seats", Values::Text(seats)).unwrap();
    t
}

#[test]
fn bad_cells_are_set_aside_and_the_rest_decided_as_without_them() {
    let model = model();
    // (0-based row, column, value): a rule column needing a number, deal
    // values, a numeric feature, a date, two bad cells in one row, and a
    // feature cell a rule also reads (reported once).
    let bad: Vec<(usize, &str, &str)> = vec![
        (0, "seats", "lots"),
        (5, "deal_value", "n/a"),
        (8, "pricing_page_visits", "several"),
        (8, "seats", "?"),
        (340, "created_at", "yesterday"),
        (341, "employees", "many"),
        (1_500, "deal_value", "1e999"),
        (2_999, "email_clicks", "ten"),
    ];
    let leads = with_cells(&with_seats(deals()), &bad);
    let mut policies = policies();
    policies.push(("external rule", policy("external_rule")));
    for (name, policy) in policies {
        let s = stream(&policy, model, &batches(&leads, &[1, 7, 333]));
        // The bad cells this policy reads are reported, each once, in order,
        // numbered as in `leads`.
        let reads = |column: &str| {
            model.feature_columns().contains(&column)
                || policy.columns().iter().any(|c| c == column)
        };
        let expected_errors: Vec<(usize, &str, &str)> = bad
            .iter()
            .filter(|b| reads(b.1))
            .map(|b| (b.0 + 1, b.1, b.2))
            .collect();
        let got: Vec<(usize, &str, &str)> = s
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(got, expected_errors, "{name}");
        // Rows with a bad cell get no decision; the others are decided as
        // qualify_batch decides the table of the leads that could be read
        // (top shares and the capacity cut are over those).
        let set_aside: Vec<usize> = s.errors.iter().map(|e| e.row - 1).collect();
        let kept: Vec<usize> = (0..leads.n_rows())
            .filter(|r| !set_aside.contains(r))
            .collect();
        let mut expected = policy
            .qualify_batch(model, &leads.take_rows(&kept))
            .unwrap();
        for d in &mut expected.decisions {
            d.row = kept[d.row - 1] + 1;
        }
        assert_same(name, &s, &expected);
        for r in set_aside {
            assert!(!s.plan.contains(r + 1), "{name}: row {}", r + 1);
        }
    }
}

#[test]
fn qualify_batch_refuses_bad_cells_naming_the_first_by_row() {
    let model = model();
    let policy = policy("min_points");
    // 150 bad deal values, then a bad date in an earlier row and a bad
    // feature cell: the error keeps the first 100 by row and counts all.
    let mut cells: Vec<(usize, &str, &str)> = (50..200).map(|r| (r, "deal_value", "x")).collect();
    cells.push((2, "created_at", "2024-02-30"));
    cells.push((2, "email_clicks", "ten"));
    let leads = with_cells(deals(), &cells);
    match policy.qualify_batch(model, &leads).unwrap_err() {
        Error::InvalidRows { errors, total } => {
            assert_eq!(total, 152);
            assert_eq!(errors.len(), 100);
            let first: Vec<(usize, &str)> = errors[..3]
                .iter()
                .map(|e| (e.row, e.column.as_str()))
                .collect();
            assert_eq!(
                first,
                vec![(3, "created_at"), (3, "email_clicks"), (51, "deal_value")]
            );
            assert!(errors.windows(2).all(|w| w[0].row <= w[1].row));
        }
        e => panic!("unexpected {e}"),
    }
    // assess reports every one, uncapped.
    let a = policy.assess(model, &leads).unwrap();
    assert_eq!(a.errors.len(), 152);
    assert_eq!(a.facts.len(), 3_000 - 151);
}

#[test]
fn decide_refuses_a_plan_it_cannot_use() {
    let model = model();
    let policy = capacity_policy(5, 40);
    let parts = batches(deals(), &[1_000]);
    let facts: Vec<_> = parts
        .iter()
        .flat_map(|b| policy.assess(model, b).unwrap().facts)
        .collect();
    let plan = policy.plan(facts.clone()).unwrap();
    // Made by another policy.
    let other = capacity_policy(1, 1);
    let e = other.decide(model, &parts[0], &plan).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { ref name, .. } if name == "plan"));
    // Batches whose rows were all numbered from 1.
    let unnumbered: Vec<Table> = parts.iter().map(|b| b.clone().with_first_row(1)).collect();
    let facts: Vec<_> = unnumbered
        .iter()
        .flat_map(|b| policy.assess(model, b).unwrap().facts)
        .collect();
    let plan = policy.plan(facts).unwrap();
    let e = policy.decide(model, &unnumbered[0], &plan).unwrap_err();
    assert!(e.to_string().contains("sharing a row number"), "{e}");
    // Rows that are not in the plan are skipped.
    let plan = policy.plan(Vec::new()).unwrap();
    assert!(plan.is_empty());
    assert!(policy.decide(model, deals(), &plan).unwrap().is_empty());
    // A missing column is not a row's fault.
    let e = policy
        .assess(model, &deals().clone().without_column("country"))
        .unwrap_err();
    assert!(matches!(e, Error::MissingColumn { ref column, .. } if column == "country"));
}
