//! Invariants of batch jobs over random lead files: every data line of a
//! file is read, then either scored or rejected (`N read = M scored + K
//! rejected`, blank lines being no rows at all), and an output is either
//! complete or absent: a failed job leaves what was there before untouched.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::OnceLock;

use leadscore::batch::{score_file, BatchOptions, MaxRejected};
use leadscore::{synthetic, Model};
use proptest::prelude::*;

/// A model of two features (industry, employees) and the deals' id, and a
/// model of one feature (industry) without id.
fn models() -> &'static (Model, Model) {
    static MODELS: OnceLock<(Model, Model)> = OnceLock::new();
    MODELS.get_or_init(|| {
        let deals = synthetic::deals(2_000, 11).table;
        let others: Vec<String> = deals
            .column_names()
            .iter()
            .filter(|c| !["deal_id", "industry", "employees", "outcome"].contains(&c.as_str()))
            .cloned()
            .collect();
        let two = Model::params()
            .target("outcome")
            .id("deal_id")
            .ignore(others.clone())
            .l2(3.0)
            .fit(&deals)
            .unwrap();
        let one = Model::params()
            .target("outcome")
            .ignore(
                others
                    .into_iter()
                    .chain(["deal_id".into(), "employees".into()]),
            )
            .l2(3.0)
            .fit(&deals)
            .unwrap();
        (two, one)
    })
}

/// A line of a lead file, as a hostile export may hold it.
#[derive(Debug, Clone)]
enum Line {
    /// A good lead.
    Good(u16, u8),
    /// A lead whose number column holds text.
    BadNumber(u16),
    /// Too few fields.
    Ragged,
    /// Nothing on the line.
    Blank,
    /// Only spaces and tabs.
    Spaces(u8),
    /// One quoted empty field: `""`.
    QuotedEmpty,
    /// A good lead, every field quoted, one holding a line break.
    Quoted(u16),
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        6 => (any::<u16>(), any::<u8>()).prop_map(|(a, b)| Line::Good(a, b)),
        1 => any::<u16>().prop_map(Line::BadNumber),
        1 => Just(Line::Ragged),
        2 => Just(Line::Blank),
        1 => (1u8..4).prop_map(Line::Spaces),
        1 => Just(Line::QuotedEmpty),
        1 => any::<u16>().prop_map(Line::Quoted),
    ]
}

const INDUSTRIES: [&str; 4] = ["Software", "Retail", "Finance", "Unheard Of"];

/// The file's text for the two-feature model, and (data lines, good, bad).
fn two_column_file(lines: &[Line], crlf: bool, final_newline: bool) -> (String, usize, usize) {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut text = format!("deal_id,industry,employees{nl}");
    let (mut good, mut bad) = (0, 0);
    for (i, l) in lines.iter().enumerate() {
        match l {
            Line::Good(a, b) => {
                good += 1;
                write!(text, "L{i},{},{}", INDUSTRIES[*b as usize % 4], a).unwrap();
            }
            Line::BadNumber(a) => {
                bad += 1;
                write!(text, "L{i},Retail,n{a}").unwrap();
            }
            Line::Ragged => {
                bad += 1;
                write!(text, "L{i},Retail").unwrap();
            }
            Line::Blank => {}
            Line::Spaces(n) => text.push_str(&" \t".repeat(*n as usize)),
            Line::QuotedEmpty => {
                bad += 1; // one field where the header has three
                text.push_str("\"\"");
            }
            Line::Quoted(a) => {
                good += 1;
                write!(text, "\"L{i}\r\nx\",\"Finance\",\"{a}\"").unwrap();
            }
        }
        if i + 1 < lines.len() || final_newline {
            text.push_str(nl);
        }
    }
    (text, good + bad, good)
}

/// The file's text for the one-feature model, and (data lines, good).
/// In a file of one column a quoted empty field is a lead with a missing
/// value; blank lines are still no rows.
fn one_column_file(lines: &[Line], crlf: bool) -> (String, usize) {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut text = format!("industry{nl}");
    let mut rows = 0;
    for l in lines {
        match l {
            Line::Good(_, b) => {
                rows += 1;
                text.push_str(INDUSTRIES[*b as usize % 4]);
            }
            Line::BadNumber(_) | Line::Ragged => {
                rows += 1;
                text.push_str("Retail");
            }
            Line::Blank => {}
            Line::Spaces(n) => text.push_str(&" ".repeat(*n as usize)),
            Line::QuotedEmpty => {
                rows += 1;
                text.push_str("\"\"");
            }
            Line::Quoted(_) => {
                rows += 1;
                text.push_str("\"Soft\r\nware\"");
            }
        }
        text.push_str(nl);
    }
    (text, rows)
}

fn data_lines_of(path: &Path) -> usize {
    // Scores files: a header, then one line per lead (ids have no newline
    // unless quoted; count records through the csv crate).
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap();
    r.records().count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_data_line_is_scored_or_rejected(
        lines in proptest::collection::vec(line(), 0..60),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
        batch_rows in 1usize..9,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (text, data_lines, good) = two_column_file(&lines, crlf, final_newline);
        let input = dir.path().join("leads.csv");
        std::fs::write(&input, &text).unwrap();
        let out = dir.path().join("scores.csv");
        let options = BatchOptions {
            batch_rows,
            threads: 2,
            max_rejected: MaxRejected::Unlimited,
            ..BatchOptions::default()
        };
        let s = score_file(&models().0, &input, &out, &options).unwrap();
        prop_assert_eq!(s.read, data_lines, "{:?}", text);
        prop_assert_eq!(s.written, good);
        prop_assert_eq!(s.read, s.written + s.rejected);
        prop_assert_eq!(data_lines_of(&out), good);

        let (text, rows) = one_column_file(&lines, crlf);
        std::fs::write(&input, &text).unwrap();
        let s = score_file(&models().1, &input, &out, &options).unwrap();
        prop_assert_eq!((s.read, s.written, s.rejected), (rows, rows, 0), "{:?}", text);
        prop_assert_eq!(data_lines_of(&out), rows);
    }

    #[test]
    fn an_output_is_either_complete_or_absent(
        lines in proptest::collection::vec(line(), 1..80),
        max_rejected in 0usize..4,
        batch_rows in 1usize..7,
        existing in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (text, _, good) = two_column_file(&lines, false, true);
        let input = dir.path().join("leads.csv");
        std::fs::write(&input, &text).unwrap();
        let out = dir.path().join("scores.csv");
        let rejected = dir.path().join("rejected.csv");
        if existing {
            std::fs::write(&out, "earlier scores\n").unwrap();
        }
        let options = BatchOptions {
            batch_rows,
            threads: 2,
            max_rejected: MaxRejected::Rows(max_rejected),
            ..BatchOptions::default()
        };
        match score_file(&models().0, &input, &out, &options) {
            Ok(s) => {
                prop_assert!(s.rejected <= max_rejected);
                prop_assert_eq!(data_lines_of(&out), good);
                prop_assert_eq!(s.written, good);
            }
            Err(e) => {
                prop_assert!(e.to_string().contains("rejected"), "{}", e);
                if existing {
                    prop_assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier scores\n");
                } else {
                    prop_assert!(!out.exists());
                }
            }
        }
        // Nothing but the files named is ever left in the folder.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let name = entry.unwrap().file_name();
            prop_assert!(
                [input.file_name(), out.file_name(), rejected.file_name()].contains(&Some(&name)),
                "{:?} left behind", name
            );
        }
    }
}
