//! Numeric ranges that read right and stay put across retrains.
//!
//! - **Round edges.** An edge between two neighbouring training values is
//!   the roundest number between them ([`roundest_between`]): the training
//!   deals fall in the same ranges as at the value itself, and a retrain on
//!   slightly different deals lands on the same round numbers, so `diff`
//!   compares like with like.
//! - **Merged neighbours.** After the quantile cut, neighbouring ranges
//!   whose win rates do not differ (a two-sided test of two proportions at
//!   [`EncodingOptions::merge_significance`](super::encoding::EncodingOptions::merge_significance))
//!   are merged, the most alike pair first, until every neighbour differs:
//!   fewer ranges, each one a step the deals support (monotone where the
//!   deals are, with a bend where they bend).

use super::encoding::Encoding;
use super::Feature;
use crate::metrics::two_sided_p;

/// The roundest number `x` with `lo < x <= hi` (fewest significant digits;
/// among those a multiple of 5, then of 2, before any other digit), so that
/// `x <= v` holds for exactly the values `v >= hi` of the training values.
///
/// ```
/// use leadscore::model::bins::roundest_between;
/// assert_eq!(roundest_between(24.0, 25.0), 25.0);
/// assert_eq!(roundest_between(27.3, 41.9), 40.0);
/// assert_eq!(roundest_between(0.2345, 0.2461), 0.24);
/// assert_eq!(roundest_between(-3.5, -1.2), -2.0);
/// assert_eq!(roundest_between(999.0, 1_000.0), 1_000.0);
/// ```
pub fn roundest_between(lo: f64, hi: f64) -> f64 {
    if !lo.is_finite() || !hi.is_finite() || lo >= hi {
        return hi;
    }
    if lo < 0.0 && hi >= 0.0 {
        return 0.0;
    }
    let top = hi.abs().max(lo.abs()).log10().floor() as i32 + 1;
    for k in (top - 16..=top).rev() {
        for m in [10.0, 5.0, 2.0, 1.0] {
            let step = m * 10f64.powi(k - 1);
            // The smallest multiple of `step` above `lo`.
            let x = ((lo / step).floor() + 1.0) * step;
            // Printed as written: 0.24, not 0.24000000000000002.
            let x = clean(x, k);
            if x > lo && x <= hi {
                return x;
            }
        }
    }
    hi
}

/// `x` rounded to the digits a step of `10^(k-1)` has, undoing the noise of
/// binary fractions.
fn clean(x: f64, k: i32) -> f64 {
    let digits = (1 - k).clamp(0, 15);
    let s = format!("{x:.*}", digits as usize);
    s.parse().unwrap_or(x)
}

/// Merges neighbouring ranges of each numeric feature whose win rates do
/// not differ at `significance` (see the module docs), and maps `slots`
/// (one attribute index per feature and row) to the merged attributes.
/// `outcome` is each row's result: won, lost, or `None` for a deal still
/// open (not counted). Features named in `keep` (the columns a points
/// sheet cuts) and every feature when `significance` is 0 keep their
/// ranges. Returns the number of ranges merged away.
pub(crate) fn merge_ranges(
    features: &mut [Feature],
    slots: &mut [Vec<u32>],
    outcome: &[Option<bool>],
    significance: f64,
    keep: &[&str],
) -> usize {
    if significance <= 0.0 {
        return 0;
    }
    let mut merged = 0;
    for (f, s) in features.iter_mut().zip(slots.iter_mut()) {
        if keep.contains(&f.column.as_str()) {
            continue;
        }
        let Encoding::Numeric { edges, .. } = &mut f.encoding else {
            continue;
        };
        let ranges = edges.len() + 1;
        if ranges < 2 {
            continue;
        }
        let mut n = vec![0u64; ranges];
        let mut won = vec![0u64; ranges];
        for (&slot, o) in s.iter().zip(outcome) {
            if let (Some(w), true) = (o, (slot as usize) < ranges) {
                n[slot as usize] += 1;
                won[slot as usize] += u64::from(*w);
            }
        }
        // Groups of ranges: (first range, deals, won).
        let mut groups: Vec<(usize, u64, u64)> = (0..ranges).map(|r| (r, n[r], won[r])).collect();
        while groups.len() > 1 {
            let (best, p) = groups
                .windows(2)
                .enumerate()
                .map(|(i, w)| (i, two_proportions_p(w[0].1, w[0].2, w[1].1, w[1].2)))
                .fold((0, -1.0), |a, b| if b.1 > a.1 { b } else { a });
            if p <= significance {
                break;
            }
            let next = groups.remove(best + 1);
            groups[best].1 += next.1;
            groups[best].2 += next.2;
        }
        if groups.len() == ranges {
            continue;
        }
        merged += ranges - groups.len();
        // Range r moves to the group that holds it; specials and (missing)
        // move down by the ranges merged away.
        let mut map = vec![0u32; ranges];
        for (g, w) in groups.iter().enumerate() {
            let end = groups.get(g + 1).map_or(ranges, |x| x.0);
            for m in &mut map[w.0..end] {
                *m = g as u32;
            }
        }
        let shift = (ranges - groups.len()) as u32;
        for slot in s.iter_mut() {
            *slot = match map.get(*slot as usize) {
                Some(&g) => g,
                None => *slot - shift,
            };
        }
        *edges = groups[1..].iter().map(|g| edges[g.0 - 1]).collect();
        let total = f.encoding.n_attributes();
        f.weights = vec![0.0; total];
        f.training_rows = vec![0; total];
        f.training_won = vec![0; total];
    }
    merged
}

/// The two-sided p-value that `won_a / n_a` and `won_b / n_b` are the same
/// rate (pooled z test); 1 when either side is empty or the pooled rate is 0
/// or 1.
fn two_proportions_p(n_a: u64, won_a: u64, n_b: u64, won_b: u64) -> f64 {
    if n_a == 0 || n_b == 0 {
        return 1.0;
    }
    let (na, nb) = (n_a as f64, n_b as f64);
    let pooled = (won_a + won_b) as f64 / (na + nb);
    if pooled <= 0.0 || pooled >= 1.0 {
        return 1.0;
    }
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    let z = (won_a as f64 / na - won_b as f64 / nb) / se;
    two_sided_p(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(edges: Vec<f64>) -> Feature {
        let encoding = Encoding::Numeric {
            edges,
            special_values: vec![999.0],
        };
        let n = encoding.n_attributes();
        Feature {
            column: "x".into(),
            encoding,
            weights: vec![0.0; n],
            training_rows: vec![0; n],
            training_won: vec![0; n],
            rare_values: None,
        }
    }

    #[test]
    fn alike_neighbours_merge_and_different_ones_stay() {
        // Ranges 0 and 1 win 20 %, ranges 2 and 3 win 60 %: two steps.
        let mut f = [feature(vec![10.0, 20.0, 30.0])];
        let mut slots = vec![Vec::new()];
        let mut outcome = Vec::new();
        for (range, rate) in [(0u32, 0.2), (1, 0.2), (2, 0.6), (3, 0.6)] {
            for i in 0..500 {
                slots[0].push(range);
                outcome.push(Some(f64::from(i % 100) < rate * 100.0));
            }
        }
        // A special value and a missing cell keep their attributes.
        slots[0].extend([4, 5]);
        outcome.extend([Some(true), None]);
        let merged = merge_ranges(&mut f, &mut slots, &outcome, 0.05, &[]);
        assert_eq!(merged, 2);
        match &f[0].encoding {
            Encoding::Numeric { edges, .. } => assert_eq!(edges, &vec![20.0]),
            _ => unreachable!(),
        }
        assert_eq!(f[0].weights.len(), 4);
        assert_eq!(&slots[0][..2], &[0, 0]);
        assert_eq!(slots[0][1000], 1);
        assert_eq!(&slots[0][2000..], &[2, 3]);
        // Kept columns and significance 0 change nothing.
        let mut g = [feature(vec![10.0, 20.0, 30.0])];
        let mut s = slots.clone();
        assert_eq!(merge_ranges(&mut g, &mut s, &outcome, 0.05, &["x"]), 0);
        assert_eq!(merge_ranges(&mut g, &mut s, &outcome, 0.0, &[]), 0);
    }

    #[test]
    fn the_test_of_two_proportions_matches_its_textbook_value() {
        // 60/100 against 45/100: z = 2.1232, two-sided p = 0.0337.
        assert!((two_proportions_p(100, 60, 100, 45) - 0.0337).abs() < 2e-4);
        assert_eq!(two_proportions_p(0, 0, 10, 5), 1.0);
        assert_eq!(two_proportions_p(10, 0, 10, 0), 1.0);
    }
}
