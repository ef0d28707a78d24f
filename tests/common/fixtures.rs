//! The shared data of the suites: named policy documents (files under
//! `tests/fixtures/policies/`, also read by the Python tests), the hand-made
//! golden leads, and the deals and models they are decided with.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use leadscore::{synthetic, Model, Policy, Table};

/// `tests/fixtures/` of this repository.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The file of the policy named `name`: `example` is the documented
/// `examples/policy.toml` (it stays beside the README it illustrates); every
/// other name is `tests/fixtures/policies/<name>.toml` (`min_points`,
/// `top_share`, `external_rule`, `top_tenth`, `sales_at_50`,
/// `capacity_top_share`).
pub fn policy_path(name: &str) -> PathBuf {
    if name == "example" {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policy.toml")
    } else {
        fixture_dir().join("policies").join(format!("{name}.toml"))
    }
}

/// The text of the policy named `name` (see [`policy_path`]).
pub fn policy_text(name: &str) -> String {
    let path = policy_path(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("policy fixture {}: {e}", path.display()))
}

/// The policy named `name` (see [`policy_path`]), parsed from its text.
pub fn policy(name: &str) -> Policy {
    Policy::from_toml_str(&policy_text(name))
        .unwrap_or_else(|e| panic!("policy fixture {name:?} parses: {e}"))
}

/// The example policy (capacity tier, deal values) with `reps` x `per`
/// leads of capacity instead of its 5 x 40.
pub fn capacity_policy(reps: usize, per: usize) -> Policy {
    let text = policy_text("example");
    let from = "reps = 5\nleads_per_rep = 40";
    assert_eq!(text.matches(from).count(), 1, "the example's capacity");
    Policy::from_toml_str(&text.replace(from, &format!("reps = {reps}\nleads_per_rep = {per}")))
        .unwrap()
}

/// The rules of `min_points` under the name "Golden", version "7": the
/// policy the golden decisions on [`golden_leads`] are pinned with.
pub fn golden_policy() -> Policy {
    let text = policy_text("min_points");
    let from = "\nversion = \"1\"\n";
    assert_eq!(text.matches(from).count(), 1, "min_points has one version");
    Policy::from_toml_str(&text.replace(from, "\nname = \"Golden\"\nversion = \"7\"\n")).unwrap()
}

/// The first lines of a policy document (format, format version, version
/// "1"), for the policies the tests write inline around their problems (the
/// line numbers they assert count these three lines).
pub const POLICY_HEAD: &str =
    "format = \"leadscore.policy\"\nformat_version = \"1.0\"\nversion = \"1\"\n";

/// A last tier that takes every lead (name "Z", nurture), to close the
/// policies the tests write inline.
pub const CATCH_ALL_TIER: &str = "\n[[tier]]\nname = \"Z\"\nroute = \"nurture\"\n";

/// The columns of the hand-made leads (those of the synthetic deals, without
/// the outcome and close date).
pub const LEAD_HEADER: [&str; 14] = [
    "deal_id",
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

/// Hand-made leads whose decisions under [`golden_policy`] are pinned in
/// `tests/qualification.rs`, in [`LEAD_HEADER`] order.
pub const GOLDEN_LEAD_ROWS: [[&str; 14]; 5] = [
    // L1, a strong US lead: sales.
    [
        "L1",
        "400",
        "Software",
        "United States",
        "VP",
        "yes",
        "4",
        "yes",
        "8",
        "Referral",
        "Partner",
        "ROI Calculator",
        "90000",
        "2024-06-03",
    ],
    // L2, the same lead in India: fails the target market, lands with the SDRs.
    [
        "L2",
        "400",
        "Software",
        "India",
        "VP",
        "yes",
        "4",
        "yes",
        "8",
        "Referral",
        "Partner",
        "ROI Calculator",
        "90000",
        "2024-06-03T09:30:00Z",
    ],
    // L3, a student: disqualified whatever else.
    [
        "L3",
        "400",
        "Software",
        "United States",
        "Student",
        "yes",
        "4",
        "yes",
        "8",
        "Referral",
        "Partner",
        "ROI Calculator",
        "90000",
        "2024-06-03",
    ],
    // L4, a middling lead: some points short of the SDR tier (no deal value,
    // no date).
    [
        "L4",
        "120",
        "Retail",
        "Germany",
        "Manager",
        "no",
        "1",
        "no",
        "2",
        "Paid Search",
        "Web",
        "Spring Launch",
        "",
        "",
    ],
    // L5, a weak lead from a tiny company: nurture, fails company size.
    [
        "L5",
        "5",
        "Education",
        "France",
        "Individual Contributor",
        "no",
        "0",
        "no",
        "0",
        "Purchased List",
        "Email",
        "Brand Awareness",
        "5000",
        "2024-06-03",
    ],
];

/// One golden lead (0 = L1 ... 4 = L5) as a row to vary.
pub fn golden_lead_row(i: usize) -> Vec<&'static str> {
    GOLDEN_LEAD_ROWS[i].to_vec()
}

/// The hand-made leads L1 ... L5 as a table.
pub fn golden_leads() -> Table {
    let rows: Vec<Vec<&str>> = GOLDEN_LEAD_ROWS.iter().map(|r| r.to_vec()).collect();
    Table::from_rows(&LEAD_HEADER, &rows).unwrap()
}

/// The 3 000 synthetic deals (seed 1) the qualification suites decide.
pub fn qualification_deals() -> &'static Table {
    static DEALS: OnceLock<Table> = OnceLock::new();
    DEALS.get_or_init(|| synthetic::deals(3_000, 1).table)
}

/// The model the qualification suites pin their figures on: trained on
/// [`qualification_deals`] without the dates and the deal value, l2 3.
pub fn qualification_model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::params()
            .target("outcome")
            .id("deal_id")
            .ignore(["created_at", "closed_at", "deal_value"])
            .l2(3.0)
            .fit(qualification_deals())
            .expect("the synthetic deals train")
    })
}

/// A model trained on synthetic deals with a fixed l2 (fast, deterministic).
pub fn synthetic_model(rows: usize, seed: u64) -> (Model, Table) {
    let deals = synthetic::deals(rows, seed);
    let model = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
        .l2(3.0)
        .fit(&deals.table)
        .expect("synthetic deals train");
    (model, deals.table)
}
