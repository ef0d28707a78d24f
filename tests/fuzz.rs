//! The fuzz targets of `tests/fuzz/targets.rs` on stable Rust: no nightly,
//! no libFuzzer, one `#[test]` per target.
//!
//! Each test runs its target over a seed corpus (built from
//! `tests/fixtures`, `examples/` and `benches/x_education_points_sheet.csv`,
//! Parquet files generated at run time, and every reproducer saved under
//! `tests/fuzz/crashes-found/<target>/`), then over mutants of it: bit
//! flips, bytes inserted, deleted or replaced (interesting bytes such as
//! 0, 0xff, `"`, `,`, `\n`, `\r` and tokens such as `""`, `1e308`, `[[`),
//! numbers and little-endian integers overwritten, chunks duplicated, two
//! entries spliced, truncation. The mutations are seeded, so a run is
//! repeatable. A panic that escapes the target (errors are fine), or one
//! input taking over 10 s, saves the input under the system temporary
//! directory, prints its path, first bytes and where it panicked, and fails
//! the test naming the target. A reproducer saved under
//! `tests/fuzz/crashes-found/<target>/` is a seed from then on: the test
//! fails on it until the bug is fixed, and guards the fix afterwards.
//!
//! ```sh
//! cargo test --test fuzz                              # ~2 s per target
//! LEADSCORE_FUZZ_SECONDS=60 cargo test --test fuzz   # (debug: overflow checks on)
//! LEADSCORE_FUZZ_TARGET=csv,policy cargo test --test fuzz
//! LEADSCORE_FUZZ_REPLAY=<saved file> LEADSCORE_FUZZ_TARGET=csv cargo test --test fuzz
//! ```
//!
//! Environment:
//!
//! - `LEADSCORE_FUZZ_SECONDS`: time per target (seconds, default 2);
//! - `LEADSCORE_FUZZ_TARGET`: the targets to run, comma-separated (default
//!   all: `csv`, `model`, `policy`, `points_sheet`, `parquet`);
//! - `LEADSCORE_FUZZ_SEED`: the mutation seed (default fixed);
//! - `LEADSCORE_FUZZ_REPLAY`: run this one file through the selected
//!   targets instead of fuzzing (a reproducer; panics print as usual);
//! - `LEADSCORE_FUZZ_CORPUS_DIR`: the `write_seed_corpus` test writes each
//!   target's seeds to `<dir>/<target>/` (what `.ci/fuzz` gives cargo-fuzz).

#[path = "fuzz/targets.rs"]
mod targets;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Seconds per target when `LEADSCORE_FUZZ_SECONDS` is not set.
const DEFAULT_SECONDS: f64 = 2.0;

/// The mutation seed when `LEADSCORE_FUZZ_SEED` is not set.
const DEFAULT_SEED: u64 = 0x1ead_5c0e;

/// Mutants are cut to this length (as cargo-fuzz's `-max_len` in
/// `.ci/fuzz`): longer inputs only slow the loop down.
const MAX_LEN: usize = 16 * 1024;

/// A single input slower than this fails the run (as libFuzzer's `-timeout`).
const SLOW: Duration = Duration::from_secs(10);

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// The seed corpus

/// Files of `dir` whose name ends with `ext` (all files for ""), sorted;
/// none when the directory does not exist.
fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(ext))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("seed {}: {e}", path.display()))
}

/// The first `n` lines of `data`.
fn head(data: &[u8], n: usize) -> Vec<u8> {
    data.split_inclusive(|&b| b == b'\n')
        .take(n)
        .flatten()
        .copied()
        .collect()
}

/// A named seed.
type Seed = (String, Vec<u8>);

/// Hand-made CSV corner cases: blank and quoted-empty lines, CR and CRLF,
/// a byte-order mark, quoted commas, quotes and line breaks.
const CSV_SEEDS: &[&str] = &[
    "deal_id\n\nD1\n\"\"\n \nD2\r\n\"D\r\n3\"\r\n",
    "\u{feff}deal_id,employees,industry\r\"D1\",\" 12 \",\"Software, \"\"SaaS\"\"\"\rD2,,\r",
    "deal_id,employees,country\nD1,1e308,France\nD2,-0,\nD3,NaN,\"\"\nD4,12,\u{a0}Brazil\u{a0}\n",
    "a,a\n1,2\n",
    "a,b\n1\n1,2,3\n\"unterminated\n",
];

/// A points sheet on the fixture model's columns, every kind of value.
const POINTS_SHEET_SEED: &str = "Column,Value or range,Points\n\
    employees,10-49,5\n\
    employees,>=500,10\n\
    employees,50..500,7\n\
    industry,Software,10\n\
    country,(missing),-3\n\
    job_seniority,*,1\n\
    pricing_page_visits,3+,4\n\
    email_clicks,<2,-2\n\
    demo_requested,yes,15\n";

/// The seeds of `target`: fixtures, generated files and saved reproducers.
fn seeds(target: &str) -> Vec<Seed> {
    let fixtures = repo().join("tests/fixtures");
    let mut seeds: Vec<Seed> = Vec::new();
    let add_file = |seeds: &mut Vec<Seed>, path: &Path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        seeds.push((name, read(path)));
    };
    let points_sheet = repo().join("benches/x_education_points_sheet.csv");
    match target {
        "csv" => {
            for path in files_in(&fixtures, ".csv") {
                let data = read(&path);
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                for n in [2, 5, 12] {
                    seeds.push((format!("{name}.head{n}"), head(&data, n)));
                }
                seeds.push((name, data));
            }
            add_file(&mut seeds, &points_sheet);
            for (i, s) in CSV_SEEDS.iter().enumerate() {
                seeds.push((format!("corner{i}.csv"), s.as_bytes().to_vec()));
            }
        }
        "model" => {
            for path in files_in(&fixtures, ".json") {
                add_file(&mut seeds, &path);
                let text = String::from_utf8_lossy(&read(&path)).into_owned();
                if let Ok(model) = leadscore::Model::from_json_str(&text) {
                    let name = path.file_name().unwrap().to_string_lossy();
                    let compact = model.to_json_string(false).into_bytes();
                    seeds.push((format!("{name}.compact"), compact));
                }
            }
        }
        "policy" => {
            for path in files_in(&fixtures.join("policies"), ".toml") {
                add_file(&mut seeds, &path);
            }
            for path in files_in(&repo().join("examples"), ".toml") {
                add_file(&mut seeds, &path);
            }
        }
        "points_sheet" => {
            add_file(&mut seeds, &points_sheet);
            seeds.push(("fixture_columns.csv".into(), POINTS_SHEET_SEED.into()));
        }
        "parquet" => seeds.extend(parquet_seeds()),
        other => panic!("unknown fuzz target {other:?}"),
    }
    for path in files_in(&repo().join("tests/fuzz/crashes-found").join(target), "") {
        let name = format!(
            "crashes-found/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        seeds.push((name, read(&path)));
    }
    assert!(!seeds.is_empty(), "no seeds for the fuzz target {target}");
    seeds
}

/// Small valid Parquet files of fixture leads: written by the arrow crates
/// (text and number columns, several row groups and pages, three codecs,
/// with and without dictionaries) and by the crate's own writer (a
/// `score_file` output).
#[cfg(feature = "parquet")]
fn parquet_seeds() -> Vec<Seed> {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;

    let leads =
        leadscore::Table::from_csv_reader(head(targets::DEALS_CSV.as_bytes(), 13).as_slice())
            .expect("fixture deals");
    let mut arrays: Vec<(String, ArrayRef)> = Vec::new();
    for name in leads.column_names() {
        let cells: Vec<Option<String>> = (0..leads.n_rows())
            .map(|r| leads.cell(r, name).unwrap().map(|c| c.into_owned()))
            .collect();
        let numbers: Option<Vec<Option<f64>>> = cells
            .iter()
            .map(|c| match c {
                None => Some(None),
                Some(c) => c.parse::<f64>().ok().map(Some),
            })
            .collect();
        let array: ArrayRef = match numbers {
            Some(numbers) => Arc::new(Float64Array::from(numbers)),
            None => Arc::new(StringArray::from(cells)),
        };
        arrays.push((name.clone(), array));
    }
    let batch = RecordBatch::try_from_iter(arrays).expect("a record batch of fixture leads");

    let mut seeds = Vec::new();
    let variants = [
        ("snappy-dictionary", Compression::SNAPPY, true),
        ("zstd-plain", Compression::ZSTD(ZstdLevel::default()), false),
        ("uncompressed", Compression::UNCOMPRESSED, true),
        ("lz4", Compression::LZ4_RAW, false),
    ];
    for (name, compression, dictionary) in variants {
        let props = WriterProperties::builder()
            .set_compression(compression)
            .set_dictionary_enabled(dictionary)
            .set_max_row_group_row_count(Some(5))
            .set_data_page_row_count_limit(2)
            .build();
        let mut out = Vec::new();
        let mut writer =
            ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).expect("a Parquet writer");
        writer.write(&batch).expect("Parquet rows");
        writer.close().expect("a Parquet footer");
        seeds.push((format!("{name}.parquet"), out));
    }

    // The crate's own writer: a scoring job's Parquet output.
    let dir = std::env::temp_dir().join(format!("leadscore-fuzz-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let input = dir.join("leads.csv");
    std::fs::write(&input, head(targets::DEALS_CSV.as_bytes(), 13)).expect("seed leads");
    let output = dir.join("scores.parquet");
    let options = leadscore::batch::BatchOptions {
        threads: 1,
        ..Default::default()
    };
    leadscore::batch::score_file(targets::fixture_model(), &input, &output, &options)
        .expect("the fixture leads score");
    seeds.push(("scores.parquet".into(), read(&output)));
    let _ = std::fs::remove_dir_all(&dir);
    seeds
}

#[cfg(not(feature = "parquet"))]
fn parquet_seeds() -> Vec<Seed> {
    // Without Parquet support the target only sees files that fail to open.
    vec![("not-parquet".into(), b"PAR1\0\0\0\0PAR1".to_vec())]
}

// Mutations

/// Bytes that break parsers: NUL, 0xff, quotes, separators, line ends,
/// brackets, signs and digits.
const INTERESTING_BYTES: &[u8] = &[
    0, 0xff, 0x7f, 0x80, 0xc3, b'"', b'\'', b',', b'\n', b'\r', b'\t', b' ', b'[', b']', b'{',
    b'}', b'=', b':', b'#', b'-', b'+', b'.', b'0', b'9', b'e', b'\\',
];

/// Tokens of the input formats (CSV, JSON, TOML) and troublesome values.
const INTERESTING_TOKENS: &[&str] = &[
    "\"\"",
    "\"",
    ",,",
    "\r\n",
    "\n\n",
    "\"\n\"",
    "\u{feff}",
    "\u{a0}",
    "\u{1b}[31m",
    "=cmd|' /C calc'!A0",
    "null",
    "true",
    "[]",
    "{}",
    "[[tier]]",
    "[leads]",
    "\"format_version\": \"1.0\"",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "inf",
    "-0",
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "9999999999999999999999999",
    "0.5%",
    "(missing)",
    "*",
    "10-",
    "..",
    ">=",
];

/// Numbers written over a run of digits.
const INTERESTING_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "255",
    "65536",
    "2147483647",
    "4294967295",
    "1e308",
    "1e400",
    "-1e308",
    "NaN",
    "0.0000001",
    "18446744073709551615",
    "99999999999999999999",
];

/// Integers written little-endian over 1, 2, 4 or 8 bytes (lengths,
/// offsets and counts of binary formats).
const INTERESTING_INTS: &[u64] = &[
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

fn pick<'a, T>(rng: &mut Xoshiro256PlusPlus, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// A random position in `0..=len`.
fn position(rng: &mut Xoshiro256PlusPlus, len: usize) -> usize {
    rng.gen_range(0..=len)
}

/// A random range of at most `max` bytes inside `0..len` (`len` > 0).
fn range(rng: &mut Xoshiro256PlusPlus, len: usize, max: usize) -> std::ops::Range<usize> {
    let start = rng.gen_range(0..len);
    let n = rng.gen_range(1..=max.min(len - start));
    start..start + n
}

/// Applies one random mutation to `data`; `other` is another corpus entry
/// to splice with.
fn mutate_once(rng: &mut Xoshiro256PlusPlus, data: &mut Vec<u8>, other: &[u8]) {
    if data.is_empty() {
        data.extend_from_slice(pick(rng, INTERESTING_TOKENS).as_bytes());
        return;
    }
    let len = data.len();
    match rng.gen_range(0..12) {
        // Flip a bit.
        0 => {
            let i = rng.gen_range(0..len);
            data[i] ^= 1 << rng.gen_range(0..8);
        }
        // Replace a byte with an interesting one, or any byte.
        1 => data[rng.gen_range(0..len)] = *pick(rng, INTERESTING_BYTES),
        2 => data[rng.gen_range(0..len)] = rng.gen(),
        // Insert interesting bytes (one, or a short run of one).
        3 => {
            let b = *pick(rng, INTERESTING_BYTES);
            let n = if rng.gen_bool(0.8) {
                1
            } else {
                rng.gen_range(2..64)
            };
            let at = position(rng, len);
            data.splice(at..at, std::iter::repeat_n(b, n));
        }
        // Insert a token.
        4 => {
            let at = position(rng, len);
            data.splice(at..at, pick(rng, INTERESTING_TOKENS).bytes());
        }
        // Delete a range.
        5 => {
            let r = range(rng, len, 16);
            data.drain(r);
        }
        // Duplicate a chunk somewhere else (a repeated line, field, table).
        6 => {
            let r = range(rng, len, 256);
            let chunk = data[r].to_vec();
            let at = position(rng, len);
            data.splice(at..at, chunk);
        }
        // Overwrite a run of digits with another number.
        7 => {
            let start = rng.gen_range(0..len);
            if let Some(i) = data[start..].iter().position(u8::is_ascii_digit) {
                let i = start + i;
                let n = data[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                data.splice(i..i + n, pick(rng, INTERESTING_NUMBERS).bytes());
            } else {
                data[start] = b'0' + rng.gen_range(0..10);
            }
        }
        // Overwrite 1, 2, 4 or 8 bytes with an interesting little-endian integer.
        8 => {
            let width = *pick(rng, &[1usize, 2, 4, 8]);
            let value = pick(rng, INTERESTING_INTS).to_le_bytes();
            let at = rng.gen_range(0..len);
            let end = (at + width).min(len);
            data[at..end].copy_from_slice(&value[..end - at]);
        }
        // Splice: the start of this entry and the end of another.
        9 if !other.is_empty() => {
            let cut = position(rng, len);
            let from = position(rng, other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Truncate.
        10 => data.truncate(position(rng, len)),
        // Swap two bytes.
        _ => {
            let (i, j) = (rng.gen_range(0..len), rng.gen_range(0..len));
            data.swap(i, j);
        }
    }
}

/// A mutant of a random corpus entry: one to eight stacked mutations.
fn mutant(rng: &mut Xoshiro256PlusPlus, corpus: &[Seed]) -> Vec<u8> {
    let mut data = pick(rng, corpus).1.clone();
    let other = &pick(rng, corpus).1;
    let n = 1 << rng.gen_range(0..4);
    for _ in 0..rng.gen_range(1..=n) {
        mutate_once(rng, &mut data, other);
    }
    data.truncate(MAX_LEN);
    data
}

// The runner

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether `LEADSCORE_FUZZ_TARGET` selects `target` (all when unset).
fn selected(target: &str) -> bool {
    match env_var("LEADSCORE_FUZZ_TARGET") {
        None => true,
        Some(list) => list.split(',').any(|t| t.trim() == target),
    }
}

/// The last panic messages of any thread, with where they were raised in
/// the crate: the harness's panic hook keeps them for the failure report
/// instead of printing them (the tests run in parallel, and a target's
/// panic is reported once, with its input).
static PANICS: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let thread = std::thread::current();
            let mut line = format!("thread '{}' {info}", thread.name().unwrap_or("?"));
            // Where in leadscore: the crate's frames of the backtrace.
            let backtrace = std::backtrace::Backtrace::force_capture().to_string();
            let mut lines = backtrace.lines().peekable();
            let mut frames = 0;
            while let Some(l) = lines.next() {
                if l.contains("leadscore::") && frames < 4 {
                    frames += 1;
                    line.push_str("\n  ");
                    line.push_str(l.trim());
                    if let Some(at) = lines.next_if(|n| n.trim_start().starts_with("at ")) {
                        line.push(' ');
                        line.push_str(at.trim());
                    }
                }
            }
            let mut recent = PANICS.lock().unwrap_or_else(|e| e.into_inner());
            if recent.len() == 8 {
                recent.pop_front();
            }
            recent.push_back(line);
        }));
    });
}

fn recent_panics() -> String {
    let recent = PANICS.lock().unwrap_or_else(|e| e.into_inner());
    recent.iter().cloned().collect::<Vec<_>>().join("\n")
}

/// The first `n` bytes of `data` in hex.
fn hex(data: &[u8], n: usize) -> String {
    let mut s: String = data.iter().take(n).map(|b| format!("{b:02x}")).collect();
    if data.len() > n {
        s.push('…');
    }
    s
}

/// Saves an input that broke `target` under the temporary directory.
fn save_crash(target: &str, data: &[u8]) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    let path = std::env::temp_dir().join(format!(
        "leadscore-fuzz-crash-{target}-{:016x}.bin",
        h.finish()
    ));
    std::fs::write(&path, data).expect("a crash file in the temp dir");
    path
}

/// Runs `target` over `data`: `Err` with a description when it panics
/// or is too slow.
fn run_one(target: targets::Target, data: &[u8]) -> Result<(), String> {
    let start = Instant::now();
    let outcome = std::panic::catch_unwind(|| target(data));
    let took = start.elapsed();
    match outcome {
        Ok(()) if took > SLOW => Err(format!("took {took:.1?} (limit {SLOW:?})")),
        Ok(()) => Ok(()),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(not a string)".into());
            Err(format!(
                "panicked: {message}\nrecent panics:\n{}",
                recent_panics()
            ))
        }
    }
}

/// Fuzzes the target `name` for `LEADSCORE_FUZZ_SECONDS`; panics (failing
/// the test) on the first input that breaks it.
fn fuzz(name: &str) {
    let target = targets::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("unknown fuzz target {name:?}"));
    if !selected(name) {
        eprintln!("fuzz {name}: skipped (LEADSCORE_FUZZ_TARGET)");
        return;
    }
    if let Some(path) = env_var("LEADSCORE_FUZZ_REPLAY") {
        // The default hook: a reproducer prints its panic (and backtrace).
        let data = read(Path::new(&path));
        target(&data);
        eprintln!(
            "fuzz {name}: {path} ({} bytes) ran without a panic",
            data.len()
        );
        return;
    }
    let seconds: f64 = env_var("LEADSCORE_FUZZ_SECONDS").map_or(DEFAULT_SECONDS, |s| {
        s.trim()
            .parse()
            .unwrap_or_else(|_| panic!("LEADSCORE_FUZZ_SECONDS={s:?} is not a number"))
    });
    let seed: u64 = env_var("LEADSCORE_FUZZ_SEED").map_or(DEFAULT_SEED, |s| {
        s.trim()
            .parse()
            .unwrap_or_else(|_| panic!("LEADSCORE_FUZZ_SEED={s:?} is not a number"))
    });
    quiet_panics();
    let corpus = seeds(name);
    let fail = |data: &[u8], what: &str, why: String| -> ! {
        let path = save_crash(name, data);
        // Printed, not only panicked with: the quiet hook drops panic messages.
        eprintln!(
            "fuzz target `{name}` failed on {what} ({} bytes): {why}\n\
             saved to {}\nfirst bytes: {}\n\
             replay: LEADSCORE_FUZZ_TARGET={name} LEADSCORE_FUZZ_REPLAY={} cargo test --test fuzz",
            data.len(),
            path.display(),
            hex(data, 64),
            path.display(),
        );
        panic!(
            "fuzz target `{name}` failed on {what}: saved to {}",
            path.display()
        )
    };
    for (seed_name, data) in &corpus {
        if let Err(why) = run_one(target, data) {
            fail(data, &format!("the seed {seed_name}"), why);
        }
    }
    // Each target its own stream of mutants.
    let stream = name
        .bytes()
        .fold(0u64, |h, b| h.rotate_left(8) ^ u64::from(b));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ stream);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds.max(0.0));
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let data = mutant(&mut rng, &corpus);
        runs += 1;
        if let Err(why) = run_one(target, &data) {
            fail(&data, &format!("mutant {runs} (seed {seed})"), why);
        }
    }
    eprintln!(
        "fuzz {name}: {} seeds and {runs} mutants in {seconds} s, no panic",
        corpus.len()
    );
}

#[test]
fn fuzz_csv() {
    fuzz("csv");
}

#[test]
fn fuzz_model() {
    fuzz("model");
}

#[test]
fn fuzz_policy() {
    fuzz("policy");
}

#[test]
fn fuzz_points_sheet() {
    fuzz("points_sheet");
}

#[test]
fn fuzz_parquet() {
    fuzz("parquet");
}

/// With `LEADSCORE_FUZZ_CORPUS_DIR` set, writes each target's seeds to
/// `<dir>/<target>/` (the seed corpus `.ci/fuzz` gives cargo-fuzz); else
/// does nothing.
#[test]
fn write_seed_corpus() {
    let Some(dir) = env_var("LEADSCORE_FUZZ_CORPUS_DIR") else {
        return;
    };
    for (name, _) in targets::TARGETS {
        let out = Path::new(&dir).join(name);
        std::fs::create_dir_all(&out).expect("the corpus directory");
        for (seed_name, data) in seeds(name) {
            let file = seed_name.replace('/', "-");
            std::fs::write(out.join(file), data).expect("a seed file");
        }
    }
}
