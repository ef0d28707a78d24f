//! Running the `leadscore` binary and reading what it writes.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `leadscore` binary with `args` in `dir`.
pub fn run_cli(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("leadscore runs")
}

/// Asserts the run succeeded; returns its standard error.
pub fn succeeded(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "failed ({:?}): {}\n{err}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

/// Asserts the run succeeded; returns its standard output.
pub fn succeeded_stdout(out: &Output) -> String {
    succeeded(out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts the run failed with exit code 2; returns its standard error.
pub fn failed(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2: {}\n{err}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

/// `leadscore synthetic --rows <rows> --seed <seed> --out <file>` in `dir`,
/// asserted to succeed.
pub fn synthetic_csv(dir: &Path, rows: usize, seed: u64, file: &str) {
    let (rows, seed) = (rows.to_string(), seed.to_string());
    succeeded(&run_cli(
        &["synthetic", "--rows", &rows, "--seed", &seed, "--out", file],
        dir,
    ));
}

/// `leadscore train deals.csv` in `dir` on synthetic deals (target
/// `outcome`, id `deal_id`, without `created_at` and `closed_at`, l2 3,
/// `--quiet`) saving `model`, with `extra` arguments after; asserted to
/// succeed. Returns its standard error (the warnings).
pub fn train_synthetic(dir: &Path, model: &str, extra: &[&str]) -> String {
    train_synthetic_on(dir, "deals.csv", model, extra)
}

/// [`train_synthetic`] on the deals file `deals` (a path from `dir`, or
/// absolute) instead of `deals.csv`.
pub fn train_synthetic_on(dir: &Path, deals: &str, model: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "train",
        deals,
        "--target",
        "outcome",
        "--id",
        "deal_id",
        "--ignore",
        "created_at",
        "--ignore",
        "closed_at",
        "--l2",
        "3",
        "--model",
        model,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    succeeded(&run_cli(&args, dir))
}

/// Asserts the standard error `err` of a job allowed no bad row reports
/// `rejected` rows rejected after reading `read`, and names each of `cells`
/// as (row, column, value).
pub fn assert_rejected(err: &str, rejected: usize, read: usize, cells: &[(usize, &str, &str)]) {
    let summary =
        format!("{rejected} row(s) rejected after reading {read}, more than the 0 allowed");
    assert!(err.contains(&summary), "{summary:?} not in {err}");
    for (row, column, value) in cells {
        let cell = format!("row {row}, column {column:?}, value {value:?}");
        assert!(err.contains(&cell), "{cell:?} not in {err}");
    }
}

/// Reads a CSV file into rows of fields (header first).
pub fn read_csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("csv opens");
    r.records()
        .map(|rec| rec.expect("csv row").iter().map(str::to_string).collect())
        .collect()
}
