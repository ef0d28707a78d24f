//! Encoding: how a column's values become attributes, each with its own points.
//!
//! - A **categorical** column has one attribute per value seen at least
//!   [`EncodingOptions::min_level_count`] times in training, plus `(other)` for
//!   rarer values and for values never seen in training, plus `(missing)`.
//! - A **numeric** column is cut into ranges at quantiles of the training
//!   rows (at most [`EncodingOptions::max_bins`], each holding at least about
//!   `min_level_count` rows), plus one attribute per declared special value
//!   (for example `999` meaning "never") and `(missing)`. Ranges keep
//!   non-monotone signal that a single linear term would lose.
//!
//! Every lead falls in exactly one attribute of each column, so its points
//! are a sum of one number per column.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::data::{ColumnKind, Values};
use crate::error::RowErrors;
use crate::util::{format_number, is_missing_token};

/// Label of the attribute for rare and unseen categorical values.
pub const OTHER: &str = "(other)";
/// Label of the attribute for missing values.
pub const MISSING: &str = "(missing)";

/// Most rare values of a categorical column a model keeps (to tell a value
/// seen rarely in training from one never seen); a column with more keeps
/// none, and every value scored `(other)` counts as unseen.
pub const MAX_RARE_VALUES: usize = 10_000;

/// Options of the encoding, learned from training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodingOptions {
    /// A categorical value needs this many training rows to get its own
    /// attribute; rarer values are pooled into `(other)`. Numeric ranges hold
    /// about this many rows at least. Default 10.
    pub min_level_count: usize,
    /// Most ranges a numeric column is cut into. Default 20.
    pub max_bins: usize,
    /// Neighbouring numeric ranges whose win rates do not differ at this
    /// significance level (two-sided) are merged ([`super::bins`]); 0 keeps
    /// every range of the quantile cut. Default 0.01: a column's neighbours
    /// are many tests at once, so each is held to 99 %.
    #[serde(default = "default_merge_significance")]
    pub merge_significance: f64,
}

fn default_merge_significance() -> f64 {
    0.01
}

impl Default for EncodingOptions {
    fn default() -> Self {
        EncodingOptions {
            min_level_count: 10,
            max_bins: 20,
            merge_significance: default_merge_significance(),
        }
    }
}

/// How one column maps to attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Encoding {
    /// Attributes: each level, then `(other)`, then `(missing)`.
    Categorical {
        /// Values with their own attribute, most frequent first.
        levels: Vec<String>,
    },
    /// Attributes: `edges.len() + 1` ranges, then each special value, then `(missing)`.
    Numeric {
        /// Range boundaries, strictly increasing: range `i` is
        /// `edges[i-1] <= x < edges[i]`.
        edges: Vec<f64>,
        /// Values with their own attribute, kept out of the ranges.
        special_values: Vec<f64>,
    },
}

/// Where a cell falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A known attribute.
    Known(usize),
    /// A categorical value never seen in training (or one the model cannot
    /// tell from a rare one): scored as `(other)`.
    Unseen(usize),
    /// A categorical value seen in training, but fewer times than an
    /// attribute of its own needs: scored as `(other)`.
    Rare(usize),
}

impl Encoding {
    /// Learns the encoding of one column from training values.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fit(
        values: &Values,
        kind: ColumnKind,
        missing: &[String],
        special_values: &[f64],
        options: &EncodingOptions,
        column: &str,
        first_row: usize,
        errors: &mut RowErrors,
    ) -> (Encoding, Option<Vec<String>>) {
        match kind {
            ColumnKind::Categorical => {
                let mut counts: HashMap<String, usize> = HashMap::new();
                if let Values::Dictionary {
                    values: dict,
                    codes,
                } = values
                {
                    // Each distinct value once: count the codes, then the texts.
                    let mut per_code = vec![0usize; dict.len()];
                    for c in codes.iter().flatten() {
                        per_code[*c as usize] += 1;
                    }
                    for (v, n) in dict.iter().zip(per_code) {
                        if n > 0 && !is_missing_token(missing, v) {
                            *counts.entry(v.clone()).or_default() += n;
                        }
                    }
                } else {
                    for r in 0..values.len() {
                        if let Some(v) = values.text(r) {
                            if !is_missing_token(missing, v.as_ref()) {
                                *counts.entry(v.into_owned()).or_default() += 1;
                            }
                        }
                    }
                }
                type Counted = Vec<(String, usize)>;
                let (mut levels, rare): (Counted, Counted) = counts
                    .into_iter()
                    .partition(|(_, c)| *c >= options.min_level_count.max(1));
                levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let rare = (rare.len() <= MAX_RARE_VALUES).then(|| {
                    let mut rare: Vec<String> = rare.into_iter().map(|(v, _)| v).collect();
                    rare.sort();
                    rare
                });
                (
                    Encoding::Categorical {
                        levels: levels.into_iter().map(|(l, _)| l).collect(),
                    },
                    rare,
                )
            }
            ColumnKind::Numeric => {
                if let Values::Dictionary {
                    values: dict,
                    codes,
                } = values
                {
                    let xs = dictionary_numbers(
                        dict,
                        codes,
                        missing,
                        special_values,
                        column,
                        first_row,
                        errors,
                    );
                    return (
                        Encoding::Numeric {
                            edges: quantile_edges(&xs, options),
                            special_values: special_values.to_vec(),
                        },
                        None,
                    );
                }
                let mut xs = Vec::with_capacity(values.len());
                for r in 0..values.len() {
                    match numeric_cell(values, r, missing) {
                        Ok(Some(x)) if !special_values.contains(&x) => xs.push(x),
                        Ok(_) => {}
                        Err(v) => errors.push(first_row + r, column, &v, "not a number"),
                    }
                }
                xs.sort_by(|a, b| a.total_cmp(b));
                (
                    Encoding::Numeric {
                        edges: quantile_edges(&xs, options),
                        special_values: special_values.to_vec(),
                    },
                    None,
                )
            }
        }
    }

    /// Number of attributes.
    pub fn n_attributes(&self) -> usize {
        match self {
            Encoding::Categorical { levels } => levels.len() + 2,
            Encoding::Numeric {
                edges,
                special_values,
            } => edges.len() + 1 + special_values.len() + 1,
        }
    }

    /// The readable label of each attribute, in order.
    pub fn labels(&self) -> Vec<String> {
        match self {
            Encoding::Categorical { levels } => {
                let mut out = levels.clone();
                out.push(OTHER.to_string());
                out.push(MISSING.to_string());
                out
            }
            Encoding::Numeric {
                edges,
                special_values,
            } => {
                let mut out = Vec::with_capacity(self.n_attributes());
                if edges.is_empty() {
                    out.push("any value".to_string());
                } else {
                    out.push(format!("< {}", format_number(edges[0])));
                    for w in edges.windows(2) {
                        out.push(format!(
                            "{} to < {}",
                            format_number(w[0]),
                            format_number(w[1])
                        ));
                    }
                    out.push(format!(">= {}", format_number(edges[edges.len() - 1])));
                }
                for s in special_values {
                    out.push(format!("= {} (special)", format_number(*s)));
                }
                out.push(MISSING.to_string());
                out
            }
        }
    }

    /// Index of the `(missing)` attribute.
    pub fn missing_slot(&self) -> usize {
        self.n_attributes() - 1
    }
}

/// An [`Encoding`] with a lookup table for fast scoring.
#[derive(Debug, Clone)]
pub(crate) struct Lookup {
    levels: HashMap<String, usize>,
    rare: std::collections::HashSet<String>,
}

impl Lookup {
    /// The lookup of `encoding`, telling the `rare` values of training
    /// (when kept) from values never seen.
    pub(crate) fn new(encoding: &Encoding, rare: Option<&[String]>) -> Lookup {
        let levels = match encoding {
            Encoding::Categorical { levels } => levels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect(),
            Encoding::Numeric { .. } => HashMap::new(),
        };
        let rare = rare.unwrap_or_default().iter().cloned().collect();
        Lookup { levels, rare }
    }

    /// The slot of row `r` of `values`, or the offending text when a numeric
    /// column holds something that is not a number.
    pub(crate) fn slot(
        &self,
        encoding: &Encoding,
        values: &Values,
        r: usize,
        missing: &[String],
    ) -> std::result::Result<Slot, String> {
        match values {
            Values::Number(v) => self.slot_number(encoding, v.get(r).copied().flatten(), missing),
            _ => self.slot_text(encoding, values.text(r).as_deref(), missing),
        }
    }

    /// The slot of one number cell (`None` when missing; NaN is missing
    /// too), or its text when it is not finite. A categorical column reads
    /// the number as its text.
    pub(crate) fn slot_number(
        &self,
        encoding: &Encoding,
        x: Option<f64>,
        missing: &[String],
    ) -> std::result::Result<Slot, String> {
        let x = x.filter(|x| !x.is_nan());
        match encoding {
            Encoding::Numeric { .. } => match x {
                Some(x) if !x.is_finite() => Err(format!("{x}")),
                x => Ok(Self::numeric_slot(encoding, x)),
            },
            Encoding::Categorical { .. } => {
                self.slot_text(encoding, x.map(format_number).as_deref(), missing)
            }
        }
    }

    /// The slot of one text cell (`None` when missing).
    pub(crate) fn slot_text(
        &self,
        encoding: &Encoding,
        text: Option<&str>,
        missing: &[String],
    ) -> std::result::Result<Slot, String> {
        let text = text.filter(|v| !is_missing_token(missing, v));
        match encoding {
            Encoding::Categorical { levels } => match text {
                None => Ok(Slot::Known(levels.len() + 1)),
                Some(v) => match self.levels.get(v) {
                    Some(&i) => Ok(Slot::Known(i)),
                    None if self.rare.contains(v) => Ok(Slot::Rare(levels.len())),
                    None => Ok(Slot::Unseen(levels.len())),
                },
            },
            Encoding::Numeric { .. } => match text {
                None => Ok(Self::numeric_slot(encoding, None)),
                Some(s) => match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(Self::numeric_slot(encoding, Some(x))),
                    _ => Err(s.to_string()),
                },
            },
        }
    }

    fn numeric_slot(encoding: &Encoding, x: Option<f64>) -> Slot {
        match (encoding, x) {
            (
                Encoding::Numeric {
                    edges,
                    special_values,
                },
                Some(x),
            ) => match special_values.iter().position(|s| *s == x) {
                Some(i) => Slot::Known(edges.len() + 1 + i),
                None => Slot::Known(edges.partition_point(|e| *e <= x)),
            },
            _ => Slot::Known(encoding.missing_slot()),
        }
    }
}

/// The sorted numbers of a dictionary column (special values and missing
/// cells left out), each distinct value parsed once; a cell that is not a
/// number is an error naming its row.
fn dictionary_numbers(
    dict: &[String],
    codes: &[Option<u32>],
    missing: &[String],
    special_values: &[f64],
    column: &str,
    first_row: usize,
    errors: &mut RowErrors,
) -> Vec<f64> {
    // Per distinct value: Ok(Some(x)) a number, Ok(None) missing or special, Err bad.
    let parsed: Vec<std::result::Result<Option<f64>, ()>> = dict
        .iter()
        .map(|s| {
            if is_missing_token(missing, s) {
                return Ok(None);
            }
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok((!special_values.contains(&x)).then_some(x)),
                _ => Err(()),
            }
        })
        .collect();
    let mut per_code = vec![0usize; dict.len()];
    for (r, c) in codes.iter().enumerate() {
        if let Some(c) = c {
            per_code[*c as usize] += 1;
            if parsed[*c as usize].is_err() {
                errors.push(first_row + r, column, &dict[*c as usize], "not a number");
            }
        }
    }
    let mut distinct: Vec<(f64, usize)> = parsed
        .iter()
        .zip(per_code)
        .filter_map(|(p, n)| match p {
            Ok(Some(x)) if n > 0 => Some((*x, n)),
            _ => None,
        })
        .collect();
    distinct.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut xs = Vec::with_capacity(distinct.iter().map(|d| d.1).sum());
    for (x, n) in distinct {
        xs.extend(std::iter::repeat_n(x, n));
    }
    xs
}

/// Reads a numeric cell: `Ok(None)` when missing, `Err(text)` when not a finite number.
fn numeric_cell(
    values: &Values,
    r: usize,
    missing: &[String],
) -> std::result::Result<Option<f64>, String> {
    match values {
        Values::Number(v) => match v.get(r).copied().flatten() {
            None => Ok(None),
            Some(x) if x.is_nan() => Ok(None),
            Some(x) if x.is_finite() => Ok(Some(x)),
            Some(x) => Err(format!("{x}")),
        },
        Values::Dictionary { .. } => match values.text(r).as_deref() {
            None => Ok(None),
            Some(s) if is_missing_token(missing, s) => Ok(None),
            Some(s) => match s.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(s.to_string()),
            },
        },
        Values::Text(v) => match v.get(r).and_then(|c| c.as_deref()) {
            None => Ok(None),
            Some(s) if is_missing_token(missing, s) => Ok(None),
            Some(s) => match s.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(s.to_string()),
            },
        },
    }
}

/// Range boundaries at quantiles of sorted values: at most `max_bins` ranges,
/// each of at least `min_level_count` rows, boundaries being values that occur
/// in the data. Walks the distinct values and closes a range once it holds
/// its share of the rows still to place, so a heavy tie (say 40 % zeros)
/// takes one range and the rest are still split finely.
fn quantile_edges(sorted: &[f64], options: &EncodingOptions) -> Vec<f64> {
    let n = sorted.len();
    let min = options.min_level_count.max(1);
    let bins = options.max_bins.min(n / min).max(1);
    let mut edges: Vec<f64> = Vec::with_capacity(bins);
    let mut start = 0; // first row of the open range
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && sorted[j] == sorted[i] {
            j += 1;
        }
        let bins_left = bins - edges.len();
        let share = (n - start).div_ceil(bins_left).max(min);
        if bins_left > 1 && j - start >= share && n - j >= min {
            // Any edge in (sorted[j-1], sorted[j]] cuts the deals alike.
            edges.push(super::bins::roundest_between(sorted[j - 1], sorted[j]));
            start = j;
        }
        i = j;
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_edges_split_evenly_and_skip_ties() {
        let xs: Vec<f64> = (0..100).map(f64::from).collect();
        let opts = EncodingOptions {
            min_level_count: 10,
            max_bins: 4,
            ..Default::default()
        };
        assert_eq!(quantile_edges(&xs, &opts), vec![25.0, 50.0, 75.0]);
        let ties = vec![0.0; 80]
            .into_iter()
            .chain((1..=20).map(f64::from))
            .collect::<Vec<_>>();
        let e = quantile_edges(&ties, &opts);
        assert_eq!(e, vec![1.0, 11.0]);
    }

    #[test]
    fn numeric_slots_cover_specials_and_missing() {
        let enc = Encoding::Numeric {
            edges: vec![10.0, 20.0],
            special_values: vec![999.0],
        };
        let lookup = Lookup::new(&enc, None);
        let v = Values::Text(vec![
            Some("5".into()),
            Some("10".into()),
            Some("25".into()),
            Some("999".into()),
            None,
            Some("abc".into()),
        ]);
        let slots: Vec<_> = (0..6).map(|r| lookup.slot(&enc, &v, r, &[])).collect();
        assert_eq!(slots[0], Ok(Slot::Known(0)));
        assert_eq!(slots[1], Ok(Slot::Known(1)));
        assert_eq!(slots[2], Ok(Slot::Known(2)));
        assert_eq!(slots[3], Ok(Slot::Known(3)));
        assert_eq!(slots[4], Ok(Slot::Known(4)));
        assert_eq!(slots[5], Err("abc".to_string()));
        assert_eq!(
            enc.labels(),
            vec![
                "< 10",
                "10 to < 20",
                ">= 20",
                "= 999 (special)",
                "(missing)"
            ]
        );
    }
}
