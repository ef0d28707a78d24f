//! The attributes a sheet names keep their own: a value the sheet gives
//! points to is its own attribute however rare in training (its prior says
//! what it is worth), and a range's bounds cut the model's numeric ranges.

use crate::data::Table;
use crate::model::encoding::Encoding;
use crate::model::sheet::{Matcher, PointsSheet};
use crate::model::Feature;
use crate::util::is_missing_token;

/// `features` with the sheet's values and range bounds added to their
/// encodings (weights and counts reset to the new attributes).
///
/// - A value a rule names becomes a level of its categorical column: the
///   training value it matches (case-insensitive; the most frequent
///   spelling), else the value as the sheet writes it, so that a lead with
///   it later gets the sheet's points rather than `(other)`'s.
/// - The finite bounds of a range rule become edges of its numeric column
///   (a bound the range includes from above cuts at the next training value
///   above it), when they fall inside the training values.
pub(in crate::model) fn refine_encodings(
    features: Vec<Feature>,
    sheet: &PointsSheet,
    deals: &Table,
    missing: &[String],
) -> Vec<Feature> {
    features
        .into_iter()
        .map(|f| {
            let rules: Vec<&Matcher> = sheet
                .rules
                .iter()
                .filter(|r| r.column == f.column)
                .map(|r| &r.matcher)
                .collect();
            let Some(values) = deals.column(&f.column).filter(|_| !rules.is_empty()) else {
                return f;
            };
            let cells: Vec<String> = (0..values.len())
                .filter_map(|r| values.text(r).map(|c| c.into_owned()))
                .filter(|c| !is_missing_token(missing, c))
                .collect();
            let encoding = match f.encoding {
                Encoding::Categorical { mut levels } => {
                    for m in &rules {
                        let Matcher::Value { value } = m else {
                            continue;
                        };
                        if levels.iter().any(|l| l.trim().eq_ignore_ascii_case(value)) {
                            continue;
                        }
                        levels.push(spelling(&cells, value));
                    }
                    Encoding::Categorical { levels }
                }
                Encoding::Numeric {
                    mut edges,
                    special_values,
                } => {
                    let mut xs: Vec<f64> = cells
                        .iter()
                        .filter_map(|c| c.trim().parse::<f64>().ok())
                        .filter(|x| x.is_finite() && !special_values.contains(x))
                        .collect();
                    xs.sort_by(|a, b| a.total_cmp(b));
                    for m in &rules {
                        if let Matcher::Range {
                            low,
                            low_inclusive,
                            high,
                            high_inclusive,
                        } = m
                        {
                            // A range starts at its low bound, or just above
                            // it, and ends before its high bound, or just
                            // after it.
                            let cuts = [
                                low.map(|l| {
                                    if *low_inclusive {
                                        Some(l)
                                    } else {
                                        above(&xs, l)
                                    }
                                }),
                                high.map(|h| {
                                    if *high_inclusive {
                                        above(&xs, h)
                                    } else {
                                        Some(h)
                                    }
                                }),
                            ];
                            for cut in cuts.into_iter().flatten().flatten() {
                                let inside = xs.first().is_some_and(|&lo| cut > lo)
                                    && xs.last().is_some_and(|&hi| cut <= hi);
                                if inside && !edges.contains(&cut) {
                                    edges.push(cut);
                                }
                            }
                        }
                    }
                    edges.sort_by(|a, b| a.total_cmp(b));
                    Encoding::Numeric {
                        edges,
                        special_values,
                    }
                }
            };
            let n = encoding.n_attributes();
            Feature {
                column: f.column,
                encoding,
                weights: vec![0.0; n],
                training_rows: vec![0; n],
                training_won: vec![0; n],
                rare_values: f.rare_values,
            }
        })
        .collect()
}

/// The most frequent training spelling of `value` (case-insensitive,
/// trimmed), else `value` as written.
fn spelling(cells: &[String], value: &str) -> String {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for c in cells {
        if c.trim().eq_ignore_ascii_case(value) {
            *counts.entry(c.as_str()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map_or_else(|| value.to_string(), |(c, _)| c.to_string())
}

/// The smallest of the sorted `xs` above `x`.
fn above(xs: &[f64], x: f64) -> Option<f64> {
    let i = xs.partition_point(|&v| v <= x);
    xs.get(i).copied()
}
