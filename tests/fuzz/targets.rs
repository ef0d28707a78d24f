//! The fuzz targets of leadscore, written once and run by two harnesses:
//!
//! - `tests/fuzz.rs`, a stable in-process harness (a bounded, seeded
//!   mutation loop over a seed corpus from `tests/fixtures`):
//!   `LEADSCORE_FUZZ_SECONDS=30 cargo test --test fuzz`;
//! - the cargo-fuzz crate in this directory (libFuzzer, nightly):
//!   `cargo +nightly fuzz run --fuzz-dir tests/fuzz <target> -- -max_total_time=30`.
//!
//! `.ci/fuzz` runs every target with whichever harness the machine has.
//!
//! Each target is a plain `fn(&[u8])` that feeds the bytes to the crate's
//! public API the way the command line and the Python binding do, and then
//! uses what was read (scores, explains, qualifies, writes it back). Errors
//! are fine; a panic is a bug (panics of the arrow/parquet crates that the
//! crate catches at its boundary and turns into `Error::Parquet` are silent
//! and never reach either harness). Only the public API of the crate is used.
//!
//! The targets: `csv` (the CSV reader, whole-table and streaming batch
//! jobs), `model` (the model document), `policy` (the policy document),
//! `points_sheet` (marketing's points sheet) and `parquet` (Parquet input of
//! the batch jobs).

// Each cargo-fuzz binary uses one target of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use leadscore::batch::{self, BatchOptions, MaxRejected};
use leadscore::{Model, PointsSheet, Policy, Table};

/// A fuzz target: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// Every target, by name (the cargo-fuzz binary of each has the same name).
pub const TARGETS: &[(&str, Target)] = &[
    ("csv", csv),
    ("model", model),
    ("policy", policy),
    ("points_sheet", points_sheet),
    ("parquet", parquet),
];

/// The model file of the fixtures, the one the targets score with.
pub const MODEL_JSON: &str = include_str!("../fixtures/model-v1.0.json");

/// The policy the targets qualify with (tiers by points, rules, dates).
pub const POLICY_TOML: &str = include_str!("../fixtures/policies/min_points.toml");

/// Deals with the fixture model's columns (and quirks: quoted commas,
/// padded cells, a byte-order mark).
pub const DEALS_CSV: &str = include_str!("../fixtures/quirky_deals.csv");

/// Lines of [`DEALS_CSV`] (the header included) in [`leads`].
const LEAD_LINES: usize = 25;

/// The fixture model.
pub fn fixture_model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_json_str(MODEL_JSON).expect("the fixture model loads"))
}

/// The fixture policy.
pub fn fixture_policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::from_toml_str(POLICY_TOML).expect("the fixture policy parses"))
}

/// A few leads with the fixture model's columns.
pub fn leads() -> &'static Table {
    static LEADS: OnceLock<Table> = OnceLock::new();
    LEADS.get_or_init(|| {
        let head: String = DEALS_CSV.split_inclusive('\n').take(LEAD_LINES).collect();
        Table::from_csv_reader(head.as_bytes()).expect("the fixture deals read")
    })
}

/// Batch options for the targets: one worker, every bad row set aside, and
/// batches of `batch_rows` rows.
fn batch_options(rejected: &Path, batch_rows: usize) -> BatchOptions<'_> {
    BatchOptions {
        batch_rows,
        threads: 1,
        rejected: Some(rejected),
        max_rejected: MaxRejected::Unlimited,
        progress: None,
        text_cells: Default::default(),
        activity: None,
        as_of: None,
    }
}

/// A fresh directory under the system temporary directory, removed (with
/// what the call wrote into it) when dropped, also when a target panics.
struct Scratch(PathBuf);

impl Scratch {
    fn new(target: &str) -> Scratch {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "leadscore-fuzz-{}-{target}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a scratch directory in the temp dir");
        Scratch(dir)
    }

    /// `name` in the directory, with `data` written to it.
    fn file(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, data).expect("a scratch file in the temp dir");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Uses a table the way the commands do: scores, explains and qualifies it
/// with the fixture model and policy, and writes it as CSV.
fn use_table(table: &Table) {
    let model = fixture_model();
    let _ = model.score(table);
    let _ = model.explain(table, 3);
    if let Ok(decisions) = fixture_policy().qualify(model, table) {
        for d in &decisions {
            let _ = d.reasons(2);
        }
    }
    let mut out = Vec::new();
    let _ = table.write_csv(&mut out);
}

/// Runs the batch jobs (`score` and `qualify`) on the input file `input`
/// of `size` bytes, writing their outputs in `scratch` in the format `ext`
/// (`csv` or `parquet`), as the command line does.
fn run_batch_jobs(scratch: &Scratch, input: &Path, size: usize, ext: &str) {
    let _ = batch::column_names(input);
    let rejected = scratch.path("rejected.csv");
    // Small inputs in batches of a few rows (rows across batch boundaries),
    // large ones in larger batches (the fuzzer stays fast).
    let batch_rows = if size <= 4096 { 3 } else { 256 };
    let options = batch_options(&rejected, batch_rows);
    let model = fixture_model();
    let scores = scratch.path(&format!("scores.{ext}"));
    let _ = batch::score_file(model, input, &scores, &options);
    let decisions = scratch.path(&format!("decisions.{ext}"));
    let _ = batch::qualify_file(
        model,
        fixture_policy(),
        input,
        &decisions,
        &options,
        2,
        None,
    );
}

/// The CSV reader: the bytes as a whole table (read, used, written back and
/// read again), and as the input file of the streaming batch jobs.
pub fn csv(data: &[u8]) {
    if let Ok(table) = Table::from_csv_reader(data) {
        use_table(&table);
        let mut written = Vec::new();
        if table.write_csv(&mut written).is_ok() {
            let _ = Table::from_csv_reader(written.as_slice());
        }
    }
    let scratch = Scratch::new("csv");
    let input = scratch.file("leads.csv", data);
    run_batch_jobs(&scratch, &input, data.len(), "csv");
}

/// The model document: parsed from the bytes (as UTF-8, invalid sequences
/// replaced); a model that loads is saved and loaded again, and scores,
/// explains and qualifies the fixture leads.
pub fn model(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(model) = Model::from_json_str(&text) else {
        return;
    };
    let _ = Model::from_json_str(&model.to_json_string(false));
    let _ = model.to_json_string(true);
    let _ = model.scorecard().to_string();
    let _ = model.summary().to_string();
    let _ = model.fingerprint();
    let leads = leads();
    let _ = model.score(leads);
    let _ = model.explain(leads, 3);
    let _ = fixture_policy().qualify(&model, leads);
    let _ = Policy::check_toml_str(POLICY_TOML, "<fixture>", Some(&model));
}

/// The policy document: checked (alone and against the fixture model) and
/// parsed from the bytes (as UTF-8, invalid sequences replaced); a policy
/// that parses qualifies the fixture leads.
pub fn policy(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let model = fixture_model();
    let _ = Policy::check_toml_str(&text, "<fuzz>", None);
    let _ = Policy::check_toml_str(&text, "<fuzz>", Some(model));
    let Ok(policy) = Policy::from_toml_str(&text) else {
        return;
    };
    let _ = policy.fingerprint();
    let _ = policy.columns();
    let _ = policy.problems();
    let _ = policy.model_problems(model);
    if let Ok(q) = policy.qualify_batch(model, leads()) {
        for d in &q.decisions {
            let _ = d.reasons(2);
        }
    }
}

/// Marketing's points sheet: parsed from the bytes (as UTF-8, invalid
/// sequences replaced); a sheet that parses scores the fixture leads, is
/// compared with the fixture model, and is the prior of a fit on them.
pub fn points_sheet(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(sheet) = PointsSheet::from_csv_str(&text, Path::new("<fuzz>")) else {
        return;
    };
    let model = fixture_model();
    let leads = leads();
    let _ = sheet.score(leads, model.missing_tokens());
    // Some won and some lost deals.
    let won: Vec<bool> = (0..leads.n_rows()).map(|r| r % 3 == 0).collect();
    if let Ok(comparison) = leadscore::evidence::points_sheet::compare(&sheet, model, leads, &won) {
        let _ = comparison.to_string();
    }
    let _ = leadscore::evidence::diff_sheet(&sheet, model).to_string();
    // The sheet as the prior of a fit on the fixture leads (one fit: the
    // strength and the penalty fixed); a fit that succeeds reports it.
    let fit = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at", "deal_value"])
        .prior_sheet(sheet)
        .prior_strength(leadscore::model::prior::PriorStrength::Fixed(1.0))
        .l2(1.0)
        .min_outcomes(1, 1)
        .fit(leads);
    if let Ok(m) = fit {
        let _ = m.scorecard().to_string();
    }
}

/// Parquet input: the bytes as a `.parquet` file read by the batch jobs
/// (the column names, `score` and `qualify`), as the command line reads it.
pub fn parquet(data: &[u8]) {
    let scratch = Scratch::new("parquet");
    let input = scratch.file("leads.parquet", data);
    run_batch_jobs(&scratch, &input, data.len(), "parquet");
}
