//! Hostile input and faults: outputs never destroy inputs or each other,
//! temporary files are unpredictable and exclusive, a damaged Parquet file
//! is an error (never a panic), concurrent jobs share a decision log safely,
//! and parameters and model documents that would exhaust the machine or
//! make scores infinite are refused with clear errors.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use leadscore::batch::{score_file, BatchOptions};
use leadscore::data::files::{check_job_files, AtomicFile, StagedAppend};
use leadscore::{Error, Model};

/// A folder with synthetic deals, a model trained on them, leads and a policy.
fn job_dir(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    synthetic_csv(&dir, 1_500, 5, "deals.csv");
    train_synthetic(&dir, "model.json", &[]);
    std::fs::copy(
        "tests/fixtures/policies/top_share.toml",
        dir.join("policy.toml"),
    )
    .unwrap();
    dir
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn an_output_that_is_an_input_or_another_output_is_refused_and_nothing_changes() {
    let dir = job_dir("hostile-outputs");
    let (deals, model) = (
        bytes(&dir.join("deals.csv")),
        bytes(&dir.join("model.json")),
    );
    // (command line, the output named in the refusal)
    let q = "qualify deals.csv --model model.json --policy policy.toml --out d.csv";
    let cases: Vec<(String, &str)> = vec![
        (
            "score deals.csv --model model.json --out deals.csv".into(),
            "deals.csv",
        ),
        (
            "score deals.csv --model model.json --out model.json".into(),
            "model.json",
        ),
        (
            "score deals.csv --model model.json --out ./sub/../deals.csv".into(),
            "deals.csv",
        ),
        (
            "score deals.csv --model model.json --out s.csv --rejected s.csv".into(),
            "s.csv",
        ),
        (
            "train deals.csv --target outcome --id deal_id --l2 3 --model deals.csv".into(),
            "deals.csv",
        ),
        (format!("{q} --log policy.toml"), "policy.toml"),
        (format!("{q} --log d.csv"), "d.csv"),
        (
            "policy init --model model.json --out model.json".into(),
            "model.json",
        ),
    ];
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for (line, named) in cases {
        let args: Vec<&str> = line.split_whitespace().collect();
        let err = failed(&run_cli(&args, &dir));
        assert!(err.contains("not written"), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
        assert_eq!(bytes(&dir.join("deals.csv")), deals, "{args:?}");
        assert_eq!(bytes(&dir.join("model.json")), model, "{args:?}");
        assert!(!dir.join("s.csv").exists() && !dir.join("d.csv").exists());
    }
    // The same file under another name (a hard link) is the same file.
    std::fs::hard_link(dir.join("deals.csv"), dir.join("alias.csv")).unwrap();
    let err = failed(&run_cli(
        &[
            "score",
            "deals.csv",
            "--model",
            "model.json",
            "--out",
            "alias.csv",
        ],
        &dir,
    ));
    assert!(err.contains("it is an input of this job"), "{err}");
    assert_eq!(bytes(&dir.join("deals.csv")), deals);
    // Nothing was left behind: no temporary or staging file.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["alias.csv", "deals.csv", "model.json", "policy.toml", "sub"]
    );
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_device_link_or_folder_is_refused_not_replaced() {
    let dir = job_dir("hostile-special");
    std::os::unix::fs::symlink(dir.join("deals.csv"), dir.join("link.csv")).unwrap();
    std::os::unix::fs::symlink("/dev/null", dir.join("null.csv")).unwrap();
    std::fs::create_dir(dir.join("folder.csv")).unwrap();
    for (out, reason) in [
        ("/dev/null", "not a regular file"),
        ("link.csv", "symbolic link"),
        ("null.csv", "symbolic link"),
        ("folder.csv", "folder"),
    ] {
        let err = failed(&run_cli(
            &["score", "deals.csv", "--model", "model.json", "--out", out],
            &dir,
        ));
        assert!(err.contains(reason), "{out}: {err}");
    }
    assert!(std::fs::symlink_metadata(dir.join("link.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(dir.join("folder.csv").is_dir());
    // The check is the library's: a Rust caller gets the same refusal.
    let e = check_job_files(&[], &[Path::new("/dev/null")]).unwrap_err();
    assert!(matches!(e, Error::OutputPath { .. }), "{e}");
}

#[test]
fn temporary_files_are_unique_and_exclusive_and_vanish_on_drop() {
    let dir = temp_dir("hostile-tmp");
    let path = dir.join("out.csv");
    // Two writers of one destination at once each get their own file.
    let mut a = AtomicFile::create(&path).unwrap();
    let mut b = AtomicFile::create(&path).unwrap();
    a.write_all(b"first\n").unwrap();
    b.write_all(b"second\n").unwrap();
    let temporaries = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(temporaries, 2, "one temporary file per writer");
    a.commit().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
    drop(b);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "the dropped one is gone"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
    // The old predictable name, planted as a link to a victim, is never used.
    #[cfg(unix)]
    {
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        let planted = dir.join(format!(".out.csv.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let mut c = AtomicFile::create(&path).unwrap();
        c.write_all(b"third\n").unwrap();
        c.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "third\n");
    }
}

#[test]
fn concurrent_appends_to_one_log_never_mix_or_lose_lines() {
    let dir = temp_dir("hostile-log-threads");
    let log = dir.join("log.jsonl");
    let jobs = 8;
    let lines = 2_000;
    std::thread::scope(|s| {
        for j in 0..jobs {
            let log = &log;
            s.spawn(move || {
                let mut staged = StagedAppend::create(log).unwrap();
                for i in 0..lines {
                    writeln!(
                        staged,
                        "{{\"job\":{j},\"line\":{i},\"pad\":\"{}\"}}",
                        "x".repeat(200)
                    )
                    .unwrap();
                }
                staged.commit().unwrap();
            });
        }
    });
    let text = std::fs::read_to_string(&log).unwrap();
    let mut seen = vec![0usize; jobs];
    let mut last = vec![None; jobs];
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("whole lines only");
        let j = v["job"].as_u64().unwrap() as usize;
        let i = v["line"].as_u64().unwrap() as usize;
        // Each job's lines stay together and in order.
        assert_eq!(last[j].map_or(0, |l: usize| l + 1), i);
        last[j] = Some(i);
        seen[j] += 1;
    }
    assert_eq!(seen, vec![lines; jobs]);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no staging file left"
    );
}

#[test]
fn two_qualify_jobs_on_one_log_both_succeed_with_every_line() {
    let dir = job_dir("hostile-log-jobs");
    let spawn = |out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .args([
                "qualify",
                "deals.csv",
                "--model",
                "model.json",
                "--policy",
                "policy.toml",
                "--out",
                out,
                "--log",
                "log.jsonl",
                "--quiet",
            ])
            .current_dir(&dir)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let jobs: Vec<_> = (0..4).map(|i| spawn(&format!("d{i}.csv"))).collect();
    for j in jobs {
        let out = j.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4 * 1_500);
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("a whole JSON line");
        assert!(v["tier"].is_string());
    }
    let pending = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".pending")
        })
        .count();
    assert_eq!(pending, 0);
}

/// Writes a small valid Parquet file of leads through the library's own
/// Parquet output (scores of the deals, with the id).
fn valid_parquet(dir: &Path) -> Vec<u8> {
    let model = Model::load(dir.join("model.json")).unwrap();
    let deals = leadscore::Table::from_csv_path(dir.join("deals.csv")).unwrap();
    let table = deals.take_rows(&(0..200).collect::<Vec<_>>());
    let mut f = std::fs::File::create(dir.join("small.csv")).unwrap();
    table.write_csv(&mut f).unwrap();
    // A Parquet copy of the leads: score a file whose columns are the leads'
    // is not enough (the output holds scores), so write the leads as Parquet
    // through arrow directly.
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let columns: Vec<(String, ArrayRef)> = table
        .column_names()
        .iter()
        .map(|name| {
            let v = table.column(name).unwrap();
            let text: Vec<Option<String>> = (0..v.len())
                .map(|r| v.text(r).map(|s| s.into_owned()))
                .collect();
            let a: ArrayRef = std::sync::Arc::new(StringArray::from(text));
            (name.clone(), a)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut buf = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    // It scores.
    std::fs::write(dir.join("valid.parquet"), &buf).unwrap();
    let s = score_file(
        &model,
        &dir.join("valid.parquet"),
        &dir.join("valid.csv"),
        &BatchOptions::default(),
    )
    .unwrap();
    assert_eq!(s.written, 200);
    buf
}

#[test]
fn a_damaged_parquet_file_is_an_error_naming_it_never_a_panic() {
    let dir = job_dir("hostile-parquet");
    let model = Model::load(dir.join("model.json")).unwrap();
    let good = valid_parquet(&dir);
    let path = dir.join("damaged.parquet");
    let out = dir.join("scores.csv");
    let mut errors = 0;
    // Every byte of the footer and a spread of the pages, each changed.
    let positions: Vec<usize> = (0..good.len())
        .filter(|&i| i + 600 >= good.len() || i % 7 == 0)
        .collect();
    for (k, &i) in positions.iter().enumerate() {
        let mut bad = good.clone();
        bad[i] = match k % 3 {
            0 => bad[i] ^ 0xff,
            1 => bad[i].wrapping_add(1),
            _ => 0,
        };
        std::fs::write(&path, &bad).unwrap();
        let result =
            std::panic::catch_unwind(|| score_file(&model, &path, &out, &BatchOptions::default()));
        match result {
            Err(_) => panic!("byte {i} changed: a panic escaped"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                errors += 1;
                let text = e.to_string();
                assert!(
                    matches!(
                        e,
                        Error::Parquet { .. }
                            | Error::TooManyRejected { .. }
                            | Error::MissingColumn { .. }
                            | Error::UnsupportedColumnType { .. }
                    ),
                    "byte {i}: {text}"
                );
                if let Error::Parquet { path: p, .. } = &e {
                    assert_eq!(p, &path, "{text}");
                }
                assert!(!out.exists(), "no output from a failed job");
            }
        }
        let _ = std::fs::remove_file(&out);
    }
    assert!(
        errors > positions.len() / 4,
        "{errors} of {}",
        positions.len()
    );
    // Through the command line: exit 2 and one line, no backtrace.
    let mut bad = good.clone();
    let n = bad.len();
    for b in &mut bad[n - 200..n - 8] {
        *b = 0x41;
    }
    std::fs::write(&path, &bad).unwrap();
    let err = failed(&run_cli(
        &[
            "score",
            "damaged.parquet",
            "--model",
            "model.json",
            "--out",
            "s.csv",
        ],
        &dir,
    ));
    assert!(err.starts_with("error: damaged.parquet"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn batch_rows_threads_and_folds_past_their_bounds_are_refused_at_once() {
    let dir = job_dir("hostile-limits");
    let score = |flag: &str, value: &str| {
        failed(&run_cli(
            &[
                "score",
                "deals.csv",
                "--model",
                "model.json",
                "--out",
                "s.csv",
                flag,
                value,
            ],
            &dir,
        ))
    };
    let err = score("--batch-rows", "1000000000");
    assert!(
        err.contains("batch_rows = 1000000000") && err.contains("--batch-rows"),
        "{err}"
    );
    let err = score("--batch-rows", "0");
    assert!(err.contains("from 1 to"), "{err}");
    let err = score("--threads", "100000");
    assert!(err.contains("at most 256 worker threads"), "{err}");
    let started = std::time::Instant::now();
    // `command deals --target outcome --id deal_id --ignore ... extra...`, failing.
    let deals_job = |command: &str, deals: &str, extra: &[&str]| {
        let mut args = vec![
            command,
            deals,
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "created_at",
            "--ignore",
            "closed_at",
        ];
        args.extend_from_slice(extra);
        failed(&run_cli(&args, &dir))
    };
    let err = deals_job(
        "train",
        "deals.csv",
        &["--folds", "100000", "--model", "m.json"],
    );
    assert!(
        err.contains("folds = 100000") && err.contains("from 2 to 100"),
        "{err}"
    );
    // More folds than the won (or lost) deals of 60.
    let few = leadscore::Table::from_csv_path(dir.join("deals.csv"))
        .unwrap()
        .take_rows(&(0..60).collect::<Vec<_>>());
    few.write_csv(std::fs::File::create(dir.join("few.csv")).unwrap())
        .unwrap();
    let err = deals_job("evaluate", "few.csv", &["--l2", "3", "--folds", "50"]);
    assert!(err.contains("no more folds than the fewer"), "{err}");
    let err = deals_job(
        "evaluate",
        "deals.csv",
        &["--l2", "3", "--cut-points", "NaN"],
    );
    assert!(err.contains("(flag --cut-points)"), "{err}");
    assert!(err.contains("cut_points = NaN"), "{err}");
    assert!(
        started.elapsed().as_secs() < 60,
        "refused at once, not after minutes"
    );
    assert!(!dir.join("m.json").exists());
}

#[test]
fn a_model_with_huge_weights_unknown_fields_or_odd_versions_is_refused() {
    let (model, _) = synthetic_model(1_000, 3);
    let text = model.to_json_string(false);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let changed = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        edit(&mut d);
        Model::from_json_str(&d.to_string())
    };
    // Finite but huge: every lead would score +inf and go to sales.
    let e = changed(&|d| d["features"][0]["weights"][0] = 1e308.into()).unwrap_err();
    assert!(e.to_string().contains("1000 log-odds"), "{e}");
    let e = changed(&|d| d["intercept"] = (-1e300).into()).unwrap_err();
    assert!(e.to_string().contains("intercept"), "{e}");
    let e = changed(&|d| d["scale"]["points_to_double_odds"] = 1e300.into()).unwrap_err();
    assert!(e.to_string().contains("points to double the odds"), "{e}");
    // A field this version does not know is refused, as in a policy.
    let e = changed(&|d| d["points_override"] = 1.into()).unwrap_err();
    assert!(e.to_string().contains("points_override"), "{e}");
    for v in ["+1.0", "01.0", "1.00", "1", " 1.0"] {
        assert!(changed(&|d| d["format_version"] = v.into()).is_err(), "{v}");
    }
    // The document as written reads back, and a weight at the bound too.
    assert!(Model::from_json_str(&text).is_ok());
    assert!(changed(&|d| d["features"][0]["weights"][0] = 999.0.into()).is_ok());
}
