//! The design of a fit as it really is: per row, one attribute index per
//! feature column (never a dense one-hot matrix), optionally a few numeric
//! columns (such as an event type's decayed count), rows with the same
//! attributes (numbers and offset) merged into one *pattern*, and the
//! outcomes of any subset of rows as won and total weight per pattern.
//!
//! ```
//! use leadscore::model::design::Design;
//! // Two feature columns of 2 and 3 attributes; rows 0 and 2 are alike.
//! let slots = vec![vec![0, 1, 0], vec![2, 0, 2]];
//! let design = Design::from_slots(&slots, &[2, 3], None).unwrap();
//! assert_eq!(design.n_rows(), 3);
//! assert_eq!(design.n_patterns(), 2);
//! assert_eq!(design.n_attributes(), 5);
//! // Global attribute indices: the second column's start after the first's.
//! assert_eq!(design.pattern(0), &[0, 4]);
//! let counts = design.counts(&[true, false, true], None, 0..3);
//! assert_eq!(counts.won, vec![2.0, 0.0]);
//! assert_eq!(counts.total, vec![2.0, 1.0]);
//! ```

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// Rows of a fit as attribute indices, identical rows merged into patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Weights of the model (attributes of every column, then one per
    /// numeric column), intercept excluded.
    n_attributes: usize,
    /// Attribute indices per pattern (one per feature column).
    width: usize,
    /// `n_patterns × width` global attribute indices, pattern-major.
    patterns: Vec<u32>,
    /// Numeric columns; their weights are the last `n_numeric` ones.
    n_numeric: usize,
    /// `n_patterns × n_numeric` values, pattern-major.
    numeric: Vec<f64>,
    /// The offset (log-odds added to every row of the pattern).
    offsets: Vec<f64>,
    /// The pattern of each input row.
    row_pattern: Vec<u32>,
}

/// Outcomes of a set of rows per pattern: won weight and total weight (a row
/// without weights counts 1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Counts {
    /// Won weight per pattern.
    pub won: Vec<f64>,
    /// Total weight per pattern (won and lost).
    pub total: Vec<f64>,
}

impl Counts {
    /// No rows: zero counts for `n_patterns` patterns.
    pub fn zeros(n_patterns: usize) -> Counts {
        Counts {
            won: vec![0.0; n_patterns],
            total: vec![0.0; n_patterns],
        }
    }

    /// Adds another set of rows' counts.
    pub fn add(&mut self, other: &Counts) {
        for (a, b) in self.won.iter_mut().zip(&other.won) {
            *a += b;
        }
        for (a, b) in self.total.iter_mut().zip(&other.total) {
            *a += b;
        }
    }

    /// Total weight of every pattern.
    pub fn sum_total(&self) -> f64 {
        self.total.iter().sum()
    }

    /// Won weight of every pattern.
    pub fn sum_won(&self) -> f64 {
        self.won.iter().sum()
    }
}

impl Design {
    /// The design of rows given as slots: `slots[j][r]` is row `r`'s
    /// attribute index within feature column `j`, which has
    /// `attributes[j]` attributes. With `offsets` (one per row, finite),
    /// only rows with the same attributes and the same offset merge.
    pub fn from_slots(
        slots: &[Vec<u32>],
        attributes: &[usize],
        offsets: Option<&[f64]>,
    ) -> Result<Design> {
        Design::from_columns(slots, attributes, &[], offsets)
    }

    /// As [`Design::from_slots`], with numeric columns: `numeric[k][r]` is
    /// row `r`'s value in numeric column `k` (finite), whose weight comes
    /// after every attribute's. Rows merge only when their values are equal.
    pub fn from_columns(
        slots: &[Vec<u32>],
        attributes: &[usize],
        numeric: &[Vec<f64>],
        offsets: Option<&[f64]>,
    ) -> Result<Design> {
        let internal = |what: String| Error::Internal { what };
        if slots.len() != attributes.len() {
            return Err(internal(format!(
                "{} slot columns for {} feature columns",
                slots.len(),
                attributes.len()
            )));
        }
        let n = match (slots.first(), numeric.first()) {
            (Some(s), _) => s.len(),
            (None, Some(v)) => v.len(),
            (None, None) => offsets.map_or(0, <[f64]>::len),
        };
        if slots.iter().any(|s| s.len() != n)
            || numeric.iter().any(|v| v.len() != n)
            || offsets.is_some_and(|o| o.len() != n)
        {
            return Err(internal("design columns of different lengths".into()));
        }
        let mut starts = Vec::with_capacity(attributes.len());
        let mut n_attributes = 0usize;
        for (s, &k) in slots.iter().zip(attributes) {
            if s.iter().any(|&i| i as usize >= k) {
                return Err(internal("a slot beyond its column's attributes".into()));
            }
            starts.push(n_attributes as u32);
            n_attributes += k;
        }
        n_attributes += numeric.len();
        if n_attributes > u32::MAX as usize {
            return Err(internal("more attributes than a u32 indexes".into()));
        }
        let width = slots.len();
        let n_numeric = numeric.len();
        // The key is the row's global indices, then the bits of its numbers
        // and of its offset.
        let extra = n_numeric + usize::from(offsets.is_some());
        let key_width = width + 2 * extra;
        let mut index: FxHashMap<Box<[u32]>, u32> = FxHashMap::default();
        let mut patterns: Vec<u32> = Vec::new();
        let mut pattern_numeric: Vec<f64> = Vec::new();
        let mut pattern_offsets: Vec<f64> = Vec::new();
        let mut row_pattern = Vec::with_capacity(n);
        let mut key = vec![0u32; key_width];
        for r in 0..n {
            for (j, s) in slots.iter().enumerate() {
                key[j] = starts[j] + s[r];
            }
            let offset = offsets.map_or(0.0, |o| o[r]);
            let numbers = numeric.iter().map(|v| v[r]);
            let numbers = numbers.chain(offsets.map(|_| offset));
            for (k, x) in numbers.enumerate() {
                if !x.is_finite() {
                    return Err(internal(format!("value {x} of row {r} is not finite")));
                }
                let bits = x.to_bits();
                key[width + 2 * k] = (bits >> 32) as u32;
                key[width + 2 * k + 1] = bits as u32;
            }
            let p = match index.get(key.as_slice()) {
                Some(&p) => p,
                None => {
                    let p = pattern_offsets.len() as u32;
                    index.insert(key.clone().into_boxed_slice(), p);
                    patterns.extend_from_slice(&key[..width]);
                    pattern_numeric.extend(numeric.iter().map(|v| v[r]));
                    pattern_offsets.push(offset);
                    p
                }
            };
            row_pattern.push(p);
        }
        Ok(Design {
            n_attributes,
            width,
            patterns,
            n_numeric,
            numeric: pattern_numeric,
            offsets: pattern_offsets,
            row_pattern,
        })
    }

    /// Input rows.
    pub fn n_rows(&self) -> usize {
        self.row_pattern.len()
    }

    /// Distinct patterns (rows with the same attributes and offset).
    pub fn n_patterns(&self) -> usize {
        self.offsets.len()
    }

    /// Weights of a model on this design, intercept excluded.
    pub fn n_attributes(&self) -> usize {
        self.n_attributes
    }

    /// Attribute indices per pattern (the number of feature columns).
    pub fn width(&self) -> usize {
        self.width
    }

    /// The global attribute indices of pattern `p`.
    pub fn pattern(&self, p: usize) -> &[u32] {
        &self.patterns[p * self.width..(p + 1) * self.width]
    }

    /// Numeric columns (their weights are the last ones).
    pub fn n_numeric(&self) -> usize {
        self.n_numeric
    }

    /// The numeric values of pattern `p`.
    pub fn numbers(&self, p: usize) -> &[f64] {
        &self.numeric[p * self.n_numeric..(p + 1) * self.n_numeric]
    }

    /// The offset of pattern `p` (0 without offsets).
    pub fn offset(&self, p: usize) -> f64 {
        self.offsets[p]
    }

    /// The pattern of input row `r`.
    pub fn row_pattern(&self, r: usize) -> usize {
        self.row_pattern[r] as usize
    }

    /// Won and total weight per pattern of the given rows; `weights` (one
    /// per input row) default to 1.
    pub fn counts(
        &self,
        won: &[bool],
        weights: Option<&[f64]>,
        rows: impl IntoIterator<Item = usize>,
    ) -> Counts {
        let mut counts = Counts::zeros(self.n_patterns());
        for r in rows {
            let p = self.row_pattern[r] as usize;
            let w = weights.map_or(1.0, |w| w[r]);
            counts.total[p] += w;
            if won[r] {
                counts.won[p] += w;
            }
        }
        counts
    }

    /// Counts per block: `block[r]` in `0..n_blocks` names row `r`'s block
    /// (a fold, or a period in time order).
    pub fn block_counts(
        &self,
        won: &[bool],
        weights: Option<&[f64]>,
        block: &[usize],
        n_blocks: usize,
    ) -> Vec<Counts> {
        let mut out = vec![Counts::zeros(self.n_patterns()); n_blocks];
        for (r, &b) in block.iter().enumerate() {
            let p = self.row_pattern[r] as usize;
            let w = weights.map_or(1.0, |w| w[r]);
            out[b].total[p] += w;
            if won[r] {
                out[b].won[p] += w;
            }
        }
        out
    }

    /// Log-odds of every pattern under `weights` and `intercept`, offsets included.
    pub fn logits(&self, weights: &[f64], intercept: f64) -> Vec<f64> {
        let mut z = self.linear(weights, intercept);
        for (z, o) in z.iter_mut().zip(&self.offsets) {
            *z += o;
        }
        z
    }

    /// `intercept + Σ weights[attribute] + Σ weight × value` of every
    /// pattern, offsets excluded.
    pub fn linear(&self, weights: &[f64], intercept: f64) -> Vec<f64> {
        let mut z = if self.width == 0 {
            vec![intercept; self.n_patterns()]
        } else {
            self.patterns
                .chunks_exact(self.width)
                .map(|attrs| {
                    attrs
                        .iter()
                        .fold(intercept, |z, &a| z + weights[a as usize])
                })
                .collect()
        };
        if self.n_numeric > 0 {
            let w = &weights[self.n_attributes - self.n_numeric..];
            for (z, x) in z.iter_mut().zip(self.numeric.chunks_exact(self.n_numeric)) {
                *z += x.iter().zip(w).map(|(x, w)| x * w).sum::<f64>();
            }
        }
        z
    }
}

impl linfa::dataset::Records for &Design {
    type Elem = f64;

    /// Patterns (the rows the solver sees).
    fn nsamples(&self) -> usize {
        self.n_patterns()
    }

    /// Attributes (weights), intercept excluded.
    fn nfeatures(&self) -> usize {
        self.n_attributes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_keep_rows_apart_and_counts_follow_weights() {
        let slots = vec![vec![0, 0, 0, 1]];
        let d = Design::from_slots(&slots, &[2], Some(&[0.0, 0.5, 0.0, 0.0])).unwrap();
        assert_eq!(d.n_patterns(), 3);
        assert_eq!(d.offset(1), 0.5);
        let c = d.counts(
            &[true, true, false, false],
            Some(&[2.0, 1.0, 3.0, 0.5]),
            0..4,
        );
        assert_eq!(c.won, vec![2.0, 1.0, 0.0]);
        assert_eq!(c.total, vec![5.0, 1.0, 0.5]);
        let blocks = d.block_counts(&[true, true, false, false], None, &[0, 1, 1, 0], 2);
        assert_eq!(blocks[0].total, vec![1.0, 0.0, 1.0]);
        assert_eq!(blocks[1].total, vec![1.0, 1.0, 0.0]);
        assert_eq!(d.logits(&[0.25, -1.0], 1.0), vec![1.25, 1.75, 0.0]);
    }

    #[test]
    fn numeric_columns_merge_equal_rows_and_add_their_weight() {
        let slots = vec![vec![0, 0, 0, 1]];
        let x = vec![vec![0.0, 0.5, 0.0, 0.5]];
        let d = Design::from_columns(&slots, &[2], &x, None).unwrap();
        assert_eq!((d.n_patterns(), d.n_attributes(), d.n_numeric()), (3, 3, 1));
        assert_eq!(d.numbers(1), &[0.5]);
        assert_eq!(d.linear(&[1.0, 2.0, 4.0], 0.5), vec![1.5, 3.5, 4.5]);
        assert!(Design::from_columns(&slots, &[2], &[vec![f64::INFINITY; 4]], None).is_err());
        // Numbers only, no attribute columns.
        let d = Design::from_columns(&[], &[], &x, None).unwrap();
        assert_eq!((d.n_rows(), d.n_patterns()), (4, 2));
    }

    #[test]
    fn bad_slots_are_an_internal_error_not_a_panic() {
        assert!(Design::from_slots(&[vec![0, 2]], &[2], None).is_err());
        assert!(Design::from_slots(&[vec![0], vec![0, 1]], &[1, 2], None).is_err());
        assert!(Design::from_slots(&[vec![0]], &[1], Some(&[f64::NAN])).is_err());
    }
}
