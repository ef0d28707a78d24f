//! Batch rescoring end to end (`leadscore score` and `leadscore qualify` as
//! streaming jobs): every row read is scored or rejected and counted, output
//! rows keep input order whatever the threads and batches, CSV and Parquet
//! give the same scores, and an interrupted job leaves no output.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use common::{
    assert_rejected, failed, policy_path, read_csv_rows, run_cli, succeeded, synthetic_model,
    temp_dir,
};
use leadscore::{synthetic, Model, Policy, Table};

/// A model saved as `model.json` and `n` leads written as `leads.csv` in `dir`.
fn setup(dir: &Path, n: usize) -> (Model, Table) {
    let (model, _) = synthetic_model(4_000, 11);
    model.save(dir.join("model.json")).unwrap();
    let leads = synthetic::deals(n, 12).table;
    leads
        .write_csv(std::fs::File::create(dir.join("leads.csv")).unwrap())
        .unwrap();
    (model, leads)
}

/// Files in `dir` whose name starts with `prefix`.
fn files_starting(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// `leads.csv` of `dir` with four bad rows: a number column holding text
/// (row 10), a ragged row (row 20), invalid UTF-8 (row 30) and a row with
/// two bad cells (row 40).
fn corrupt_leads(dir: &Path) {
    let text = std::fs::read(dir.join("leads.csv")).unwrap();
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
    let header = String::from_utf8(lines[0].clone()).unwrap();
    let col = |name: &str| header.split(',').position(|h| h == name).unwrap();
    let set = |line: &mut Vec<u8>, c: usize, value: &[u8]| {
        let mut fields: Vec<Vec<u8>> = line.split(|&b| b == b',').map(|f| f.to_vec()).collect();
        fields[c] = value.to_vec();
        *line = fields.join(&b","[..]);
    };
    set(&mut lines[10], col("employees"), b"many");
    lines[20] = b"D-RAGGED,12,Software".to_vec();
    set(&mut lines[30], col("industry"), b"Soft\xffware");
    set(&mut lines[40], col("employees"), b"x");
    set(&mut lines[40], col("pricing_page_visits"), b"y");
    std::fs::write(dir.join("leads.csv"), lines.join(&b"\n"[..])).unwrap();
}

#[test]
fn every_row_read_is_scored_or_rejected_and_counted() {
    let dir = temp_dir("batch-rejected");
    let (model, leads) = setup(&dir, 1_000);
    corrupt_leads(&dir);
    let args = [
        "score",
        "leads.csv",
        "--model",
        "model.json",
        "--out",
        "scores.csv",
        "--rejected",
        "rejected.csv",
        "--batch-rows",
        "64",
        "--threads",
        "3",
    ];
    let err = succeeded(&run_cli(&args, &dir));
    assert!(err.contains("1000 read = 996 scored + 4 rejected"), "{err}");
    assert!(
        err.contains("rejected rows written to rejected.csv"),
        "{err}"
    );

    // One line per bad cell, naming row, column, value and reason.
    let rejected = read_csv_rows(&dir.join("rejected.csv"));
    assert_eq!(
        rejected,
        vec![
            vec!["row", "column", "value", "reason"],
            vec!["10", "employees", "many", "not a number"],
            vec![
                "20",
                "",
                "D-RAGGED,12,Software",
                "the row has 3 field(s), the header has 16"
            ],
            vec!["30", "industry", "Soft\u{fffd}ware", "not valid UTF-8"],
            vec!["40", "employees", "x", "not a number"],
            vec!["40", "pricing_page_visits", "y", "not a number"],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    );

    // The good rows, in input order, scored as the library scores them.
    let good: Vec<usize> = (0..1_000)
        .filter(|r| ![9, 19, 29, 39].contains(r))
        .collect();
    let expected = model.score(&leads.take_rows(&good)).unwrap();
    let scores = read_csv_rows(&dir.join("scores.csv"));
    assert_eq!(scores[0], ["deal_id", "probability", "points"]);
    assert_eq!(scores.len() - 1, 996);
    for (i, row) in scores[1..].iter().enumerate() {
        assert_eq!(Some(&row[0]), expected.ids.as_ref().unwrap()[i].as_ref());
        assert_eq!(row[1].parse::<f64>().unwrap(), expected.probability[i]);
        assert_eq!(row[2], format!("{:.2}", expected.points[i]));
    }

    // Limits: 4 rejected rows pass --max-rejected 4 and 0.5 %, not 3 or 0.3 %.
    for (max, passes) in [("4", true), ("0.5%", true), ("3", false), ("0.3%", false)] {
        let _ = std::fs::remove_file(dir.join("s.csv"));
        let _ = std::fs::remove_file(dir.join("r.csv"));
        let mut a = vec![
            "score",
            "leads.csv",
            "--model",
            "model.json",
            "--out",
            "s.csv",
        ];
        a.extend(["--rejected", "r.csv", "--max-rejected", max]);
        let out = run_cli(&a, &dir);
        if passes {
            succeeded(&out);
            assert!(dir.join("s.csv").exists(), "--max-rejected {max}");
        } else {
            let err = failed(&out);
            assert!(err.contains("4 row(s) rejected"), "{max}: {err}");
            assert!(err.contains("no output written"), "{err}");
            assert!(!dir.join("s.csv").exists(), "--max-rejected {max}");
            // The rejected rows are kept to show what went wrong.
            assert_eq!(read_csv_rows(&dir.join("r.csv")).len(), 6, "{max}");
        }
    }

    // Without --rejected any bad row fails the job, naming it; nothing written.
    let err = failed(&run_cli(
        &[
            "score",
            "leads.csv",
            "--model",
            "model.json",
            "--out",
            "none.csv",
            "--batch-rows",
            "15",
            "--threads",
            "1",
        ],
        &dir,
    ));
    assert_rejected(&err, 1, 15, &[(10, "employees", "many")]);
    assert!(
        err.contains("row 10, column \"employees\", value \"many\": not a number"),
        "{err}"
    );
    assert!(!dir.join("none.csv").exists());
    assert!(files_starting(&dir, ".none.csv").is_empty());
}

#[test]
fn output_keeps_input_order_whatever_the_threads_and_batch_size() {
    let dir = temp_dir("batch-order");
    let (model, leads) = setup(&dir, 20_000);
    let base = ["score", "leads.csv", "--model", "model.json", "--quiet"];
    let mut one = base.to_vec();
    one.extend(["--out", "one.csv", "--threads", "1"]);
    succeeded(&run_cli(&one, &dir));
    let mut many = base.to_vec();
    many.extend(["--out", "many.csv", "--threads", "4", "--batch-rows", "97"]);
    let err = succeeded(&run_cli(&many, &dir));
    assert!(err.is_empty(), "--quiet prints nothing on success: {err}");
    let a = std::fs::read(dir.join("one.csv")).unwrap();
    let b = std::fs::read(dir.join("many.csv")).unwrap();
    assert!(a == b, "output differs between 1 thread and 4 threads");
    let expected = model.score(&leads).unwrap();
    let rows = read_csv_rows(&dir.join("many.csv"));
    assert_eq!(rows.len(), 20_001);
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(Some(&row[0]), expected.ids.as_ref().unwrap()[i].as_ref());
        assert_eq!(row[1].parse::<f64>().unwrap(), expected.probability[i]);
    }
    // A pipe gets no progress bar: only the closing lines.
    let err = succeeded(&run_cli(
        &[
            "score",
            "leads.csv",
            "--model",
            "model.json",
            "--out",
            "p.csv",
        ],
        &dir,
    ));
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        ["20000 read = 20000 scored + 0 rejected", "-> p.csv"]
    );
}

/// Writes `table` as Parquet: number columns as Float64 (`employees` as
/// Int64), the rest as text.
fn write_parquet(table: &Table, path: &Path) {
    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    let numeric = ["pricing_page_visits", "email_clicks", "deal_value"];
    let columns: Vec<(String, ArrayRef)> = table
        .column_names()
        .iter()
        .map(|name| {
            let v = table.column(name).unwrap();
            let text: Vec<Option<String>> = (0..v.len())
                .map(|r| v.text(r).map(|s| s.into_owned()))
                .collect();
            let array: ArrayRef = if name == "employees" {
                Arc::new(Int64Array::from(
                    text.iter()
                        .map(|t| t.as_ref().map(|s| s.parse::<i64>().unwrap()))
                        .collect::<Vec<_>>(),
                ))
            } else if numeric.contains(&name.as_str()) {
                Arc::new(Float64Array::from(
                    text.iter()
                        .map(|t| t.as_ref().map(|s| s.parse::<f64>().unwrap()))
                        .collect::<Vec<_>>(),
                ))
            } else {
                Arc::new(StringArray::from(text))
            };
            (name.clone(), array)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Reads a Parquet scores file: (id, probability, points) per row.
fn read_parquet_scores(path: &Path) -> Vec<(Option<String>, f64, f64)> {
    use arrow_array::{Array, Float64Array, StringArray};
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let ids = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let p = batch
            .column(1)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        let pts = batch
            .column(2)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        for r in 0..batch.num_rows() {
            let id = (!ids.is_null(r)).then(|| ids.value(r).to_string());
            out.push((id, p.value(r), pts.value(r)));
        }
    }
    out
}

#[test]
fn parquet_in_and_out_give_the_same_scores_as_csv() {
    let dir = temp_dir("batch-parquet");
    let (_, leads) = setup(&dir, 5_000);
    write_parquet(&leads, &dir.join("leads.parquet"));
    let run = |input: &str, out: &str| {
        succeeded(&run_cli(
            &[
                "score",
                input,
                "--model",
                "model.json",
                "--out",
                out,
                "--batch-rows",
                "700",
            ],
            &dir,
        ))
    };
    run("leads.csv", "csv.csv");
    run("leads.parquet", "parquet.csv");
    run("leads.csv", "csv.parquet");
    let err = run("leads.parquet", "parquet.parquet");
    assert!(
        err.contains("5000 read = 5000 scored + 0 rejected"),
        "{err}"
    );
    // Parquet input (typed numbers) scores exactly as CSV input (text).
    assert_eq!(
        std::fs::read_to_string(dir.join("csv.csv")).unwrap(),
        std::fs::read_to_string(dir.join("parquet.csv")).unwrap()
    );
    // Parquet output holds what CSV output holds.
    let csv = read_csv_rows(&dir.join("csv.csv"));
    for file in ["csv.parquet", "parquet.parquet"] {
        let pq = read_parquet_scores(&dir.join(file));
        assert_eq!(pq.len(), 5_000);
        for (row, (id, p, pts)) in csv[1..].iter().zip(&pq) {
            assert_eq!(Some(&row[0]), id.as_ref());
            assert_eq!(row[1].parse::<f64>().unwrap(), *p);
            assert_eq!(row[2].parse::<f64>().unwrap(), *pts);
        }
    }
    // A Parquet file without a feature column is named.
    let err = failed(&run_cli(
        &[
            "score",
            "leads.parquet",
            "--model",
            "model.json",
            "--out",
            "x.csv",
            "--batch-rows",
            "700",
        ]
        .map(|s| {
            if s == "leads.parquet" {
                "missing.parquet"
            } else {
                s
            }
        }),
        &dir,
    ));
    assert!(err.contains("missing.parquet"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_job_killed_part_way_leaves_no_output() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = temp_dir("batch-kill");
    let (_, _) = setup(&dir, 3_000);
    let text = std::fs::read_to_string(dir.join("leads.csv")).unwrap();
    for signal in ["TERM", "KILL"] {
        // Leads arrive through a pipe that stays open: the job is part-way
        // through, with batches scored and written to its temporary file.
        let fifo = dir.join(format!("leads-{signal}.csv"));
        let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .args(["score", fifo.to_str().unwrap(), "--model", "model.json"])
            .args(["--out", "scores.csv", "--batch-rows", "100"])
            .current_dir(&dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
        pipe.flush().unwrap();
        let started = Instant::now();
        let temporary = loop {
            let tmp = files_starting(&dir, ".scores.csv");
            let size = tmp
                .first()
                .and_then(|t| std::fs::metadata(dir.join(t)).ok())
                .map_or(0, |m| m.len());
            if size > 0 {
                break tmp[0].clone();
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the job never wrote its temporary file"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let status = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        drop(pipe);
        assert!(!exit.success(), "{signal}");
        assert!(!dir.join("scores.csv").exists(), "{signal}: partial output");
        if signal == "TERM" {
            // Caught: the temporary file is removed too, exit code 130.
            assert_eq!(exit.code(), Some(130));
            assert!(!dir.join(&temporary).exists(), "temporary file left behind");
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            assert!(err.contains("interrupted: no output written"), "{err}");
        } else {
            // SIGKILL cannot be caught: only the hidden temporary file remains.
            assert!(dir.join(&temporary).exists());
            std::fs::remove_file(dir.join(&temporary)).unwrap();
        }
    }
}

#[test]
fn qualify_streams_and_decides_as_on_the_whole_file() {
    let dir = temp_dir("batch-qualify");
    let (model, leads) = setup(&dir, 6_000);
    std::fs::copy(policy_path("capacity_top_share"), dir.join("policy.toml")).unwrap();
    let policy = Policy::load(dir.join("policy.toml")).unwrap();
    let base = [
        "qualify",
        "leads.csv",
        "--model",
        "model.json",
        "--policy",
        "policy.toml",
    ];
    let mut whole = base.to_vec();
    whole.extend(["--out", "whole.csv", "--threads", "1"]);
    let err = succeeded(&run_cli(&whole, &dir));
    assert!(
        err.contains("6000 read = 6000 scored + 0 rejected"),
        "{err}"
    );
    let mut batched = base.to_vec();
    batched.extend([
        "--out",
        "batched.csv",
        "--threads",
        "3",
        "--batch-rows",
        "97",
    ]);
    batched.extend(["--log", "decisions.jsonl"]);
    succeeded(&run_cli(&batched, &dir));
    assert!(
        std::fs::read(dir.join("whole.csv")).unwrap()
            == std::fs::read(dir.join("batched.csv")).unwrap(),
        "batches change the decisions"
    );
    // Capacity and top share are cut over the whole file, as the library does.
    let q = policy.qualify_batch(&model, &leads).unwrap();
    let rows = read_csv_rows(&dir.join("batched.csv"));
    assert_eq!(rows.len() - 1, q.decisions.len());
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    for (row, d) in rows[1..].iter().zip(&q.decisions) {
        assert_eq!(row[col("tier")], d.tier);
        assert_eq!(row[col("rank")], d.rank.to_string());
        assert_eq!(row[col("points")], format!("{:.2}", d.points));
    }
    let a_tier = rows[1..].iter().filter(|r| r[col("tier")] == "A").count();
    assert_eq!(a_tier, 120, "3 reps x 40 leads");
    // One log line per decision, appended once the job succeeded.
    let log = std::fs::read_to_string(dir.join("decisions.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 6_000);
    assert!(files_starting(&dir, "decisions.jsonl.").is_empty());

    // Bad rows are set aside in the first pass and never decided.
    corrupt_leads(&dir);
    let mut bad = base.to_vec();
    bad.extend(["--out", "bad.parquet", "--rejected", "rejected.csv"]);
    bad.extend(["--batch-rows", "500"]);
    let err = succeeded(&run_cli(&bad, &dir));
    assert!(
        err.contains("6000 read = 5996 scored + 4 rejected"),
        "{err}"
    );
    assert_eq!(read_csv_rows(&dir.join("rejected.csv")).len(), 6);
    // Without --rejected the same file fails and writes nothing.
    let mut strict = base.to_vec();
    strict.extend(["--out", "strict.csv", "--log", "strict.jsonl"]);
    let err = failed(&run_cli(&strict, &dir));
    assert!(err.contains("row 10, column \"employees\""), "{err}");
    assert!(!dir.join("strict.csv").exists());
    assert!(!dir.join("strict.jsonl").exists());
    assert!(files_starting(&dir, ".strict").is_empty());
}

#[test]
fn csv_edge_cases_read_as_the_csv_crate_reads_them() {
    let dir = temp_dir("batch-csv-edges");
    let (model, leads) = setup(&dir, 400);
    // Quoted fields (a comma, a doubled quote, a newline inside quotes),
    // CRLF line ends, a byte-order mark, spaces around fields, a blank line
    // and no newline at the end.
    let mut text = String::from("\u{feff}");
    let names = leads.column_names().to_vec();
    text.push_str(&names.join(","));
    text.push_str("\r\n");
    for r in 0..leads.n_rows() {
        let fields: Vec<String> = names
            .iter()
            .map(|c| {
                let v = leads
                    .cell(r, c)
                    .unwrap()
                    .map(|s| s.into_owned())
                    .unwrap_or_default();
                match (r % 5, c.as_str()) {
                    (0, "deal_id") => format!("\"{v},x\""),
                    (1, "deal_id") => format!("\"{v} \"\"quoted\"\"\""),
                    (2, "deal_id") => format!("\"{v}\nline\""),
                    (3, "industry") => format!("  {v} "),
                    _ => v,
                }
            })
            .collect();
        text.push_str(&fields.join(","));
        if r == 200 {
            text.push_str("\r\n");
        }
        if r + 1 < leads.n_rows() {
            text.push_str(if r % 2 == 0 { "\r\n" } else { "\n" });
        }
    }
    std::fs::write(dir.join("edges.csv"), &text).unwrap();
    let err = succeeded(&run_cli(
        &[
            "score",
            "edges.csv",
            "--model",
            "model.json",
            "--out",
            "s.csv",
            "--batch-rows",
            "33",
        ],
        &dir,
    ));
    assert!(err.contains("400 read = 400 scored + 0 rejected"), "{err}");
    // The same file read whole by the csv crate, scored by the library.
    let table = Table::from_csv_path(dir.join("edges.csv")).unwrap();
    assert_eq!(table.n_rows(), 400);
    let expected = model.score(&table).unwrap();
    let rows = read_csv_rows(&dir.join("s.csv"));
    assert_eq!(rows.len(), 401);
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(
            Some(&row[0]),
            expected.ids.as_ref().unwrap()[i].as_ref(),
            "row {i}"
        );
        assert_eq!(
            row[1].parse::<f64>().unwrap(),
            expected.probability[i],
            "row {i}"
        );
    }
    assert_eq!(
        rows[1][0],
        format!(
            "{},x",
            table
                .cell(0, "deal_id")
                .unwrap()
                .unwrap()
                .split(',')
                .next()
                .unwrap()
        )
    );
    assert!(rows[2][0].ends_with(" \"quoted\""), "{:?}", rows[2][0]);
    assert!(rows[3][0].ends_with("\nline"), "{:?}", rows[3][0]);
}
