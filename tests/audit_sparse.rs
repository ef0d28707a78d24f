//! The leakage audit on sparse columns: a column filled for a few won deals
//! and no lost deal (any value means won) is flagged; honest sparse columns,
//! and a few won deals filled by chance, are not.

use leadscore::audit::{audit, AuditOptions, ColumnAudit, LeakReason};
use leadscore::{synthetic, Model, Table, Target, Values};

/// `n` synthetic deals; with `won`, the outcome relabelled (deal `r` won
/// when `won(r)`). Returns the deals and who won.
fn deals(n: usize, seed: u64, won: Option<&dyn Fn(usize) -> bool>) -> (Table, Vec<bool>) {
    let mut t = synthetic::deals(n, seed).table;
    if let Some(won) = won {
        let outcome = (0..n)
            .map(|r| Some(if won(r) { "Won" } else { "Lost" }.to_string()))
            .collect();
        t.set_column("outcome", Values::Text(outcome)).unwrap();
    }
    let (_, y) = Target::resolve(&t, "outcome", &[], &[]).unwrap();
    (t, y)
}

/// Adds a column holding `value` on the rows `filled` picks.
fn add_column(t: &mut Table, name: &str, filled: impl Fn(usize) -> bool) {
    let values = (0..t.n_rows())
        .map(|r| filled(r).then(|| ["500", "750", "1000"][r % 3].to_string()))
        .collect();
    t.set_column(name, Values::Text(values)).unwrap();
}

/// Marks the `k`-th won deal (counting from 0) for each `k` that `pick` keeps.
fn won_rows(y: &[bool], pick: impl Fn(usize) -> bool) -> Vec<bool> {
    let mut k = 0;
    y.iter()
        .map(|&w| {
            let keep = w && pick(k);
            k += usize::from(w);
            keep
        })
        .collect()
}

fn options() -> AuditOptions {
    AuditOptions {
        target: "outcome".into(),
        skip: vec!["deal_id".into()],
        ..Default::default()
    }
}

fn figures<'a>(a: &'a leadscore::Audit, column: &str) -> &'a ColumnAudit {
    a.columns.iter().find(|c| c.column == column).unwrap()
}

#[test]
fn a_column_filled_for_a_few_won_deals_and_no_lost_deal_is_flagged() {
    let (mut t, y) = deals(4_000, 31, None);
    // A referral bonus, paid on one won deal in 25: 4 % of won deals.
    let paid = won_rows(&y, |k| k % 25 == 0);
    add_column(&mut t, "referral_bonus", |r| paid[r]);
    let a = audit(&t, &options()).unwrap();
    assert_eq!(a.flagged(), ["referral_bonus"], "{:?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(f.reason, LeakReason::SparselyFilledOnlyForWon);
    let won = y.iter().filter(|w| **w).count();
    let filled = paid.iter().filter(|p| **p).count();
    let share = filled as f64 / won as f64;
    assert!((0.035..0.045).contains(&share), "{share}");
    assert_eq!(f.figure, share);
    assert_eq!(
        f.detail,
        format!(
            "sparsely_filled_only_for_won: filled for {:.1} % of won deals and no lost deal: any value means won",
            100.0 * share
        )
    );
    assert_eq!(f.figures.filled_won_deals, filled);
    assert_eq!(f.figures.filled_lost_deals, 0);
    assert!(f.figures.won_only_chance < 1e-20, "{:?}", f.figures);
    // Training warns about it, and drops it when asked.
    let params = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .l2(3.0);
    let model = params.clone().fit(&t).unwrap();
    let warnings = &model.summary().warnings;
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "possible leak: column \"referral_bonus\": sparsely_filled_only_for_won: filled for"
        )),
        "{warnings:?}"
    );
    let dropped = params.drop_leaks(true).fit(&t).unwrap();
    assert!(!dropped
        .summary()
        .columns_used
        .iter()
        .any(|c| c == "referral_bonus"));
}

#[test]
fn honest_sparse_columns_and_won_deals_filled_by_chance_are_not_flagged() {
    // Filled for 3 % of all deals, won and lost alike.
    let (mut t, _) = deals(4_000, 31, None);
    add_column(&mut t, "partner_referral", |r| r % 33 == 0);
    let a = audit(&t, &options()).unwrap();
    assert!(a.flagged().is_empty(), "{:?}", a.findings);
    let c = figures(&a, "partner_referral");
    assert!(c.filled_lost_deals > 0 && c.filled_won_deals > 0, "{c:?}");
    assert_eq!(c.won_only_chance, 1.0);
    let model = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .l2(3.0)
        .fit(&t)
        .unwrap();
    assert!(
        !model
            .summary()
            .warnings
            .iter()
            .any(|w| w.contains("partner_referral")),
        "{:?}",
        model.summary().warnings
    );

    // Nine deals in ten won: 40 filled deals all won is what chance gives
    // one time in 70, far from the 1e-6 the audit asks for.
    let (mut t, y) = deals(4_000, 32, Some(&|r| r % 10 != 0));
    let early = won_rows(&y, |k| k < 40);
    add_column(&mut t, "coupon", |r| early[r]);
    let a = audit(&t, &options()).unwrap();
    assert!(!a.flagged().contains(&"coupon"), "{:?}", a.findings);
    let c = figures(&a, "coupon");
    assert_eq!((c.filled_won_deals, c.filled_lost_deals), (40, 0));
    assert!((0.005..0.05).contains(&c.won_only_chance), "{c:?}");

    // One deal in twenty won: 7 won deals filled and no lost one would be a
    // surprise, but 7 deals are too few to call a column a leak.
    let (mut t, y) = deals(4_000, 33, Some(&|r| r % 20 == 0));
    let few = won_rows(&y, |k| k % 30 == 7);
    add_column(&mut t, "note", |r| few[r]);
    let a = audit(&t, &options()).unwrap();
    assert!(!a.flagged().contains(&"note"), "{:?}", a.findings);
    let c = figures(&a, "note");
    assert_eq!((c.filled_won_deals, c.filled_lost_deals), (7, 0));
    assert!(c.won_only_chance < 1e-6, "{c:?}");
}
