//! Metrics of predictions against outcomes: AUC, log loss, Brier score,
//! calibration and expected calibration error, lift and cumulative gains by
//! decile, precision and recall at a cut, Wilson intervals. A leaf: it
//! imports nothing from the rest of the crate.
//!
//! The metric functions match scikit-learn's `roc_auc_score`, `log_loss`,
//! `brier_score_loss` and `calibration_curve` on the same predictions.

use serde::{Deserialize, Serialize};

/// Area under the ROC curve (ties count half), from outcomes (1 = won) and
/// scores. NaN when only one class is present.
///
/// ```
/// let auc = leadscore::metrics::auc(&[0.0, 0.0, 1.0, 1.0], &[0.1, 0.4, 0.35, 0.8]);
/// assert!((auc - 0.75).abs() < 1e-12);
/// ```
pub fn auc(y: &[f64], score: &[f64]) -> f64 {
    assert_eq!(y.len(), score.len(), "outcomes and scores differ in length");
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let n_pos = y.iter().filter(|v| **v > 0.5).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return f64::NAN;
    }
    // Sum of ranks of positives, with average ranks over ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if y[k] > 0.5 {
                rank_sum += avg_rank;
            }
        }
        i = j + 1;
    }
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// Mean log loss (natural log), probabilities clipped to `[1e-15, 1 − 1e-15]`.
pub fn log_loss(y: &[f64], p: &[f64]) -> f64 {
    assert_eq!(
        y.len(),
        p.len(),
        "outcomes and probabilities differ in length"
    );
    let eps = 1e-15;
    let total: f64 = y
        .iter()
        .zip(p)
        .map(|(&y, &p)| {
            let p = p.clamp(eps, 1.0 - eps);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    total / y.len() as f64
}

/// AUC of weighted predictions: `(score, won weight, lost weight)` per
/// item, ties counting half. Equal to [`auc`] on the rows the weights count
/// (a row of weight 1 per won or lost deal). NaN when a class has no weight.
///
/// ```
/// use leadscore::metrics::{auc, weighted_auc};
/// let rows = auc(&[0.0, 0.0, 1.0, 1.0, 1.0], &[0.1, 0.4, 0.4, 0.8, 0.8]);
/// let merged = weighted_auc(&[(0.1, 0.0, 1.0), (0.4, 1.0, 1.0), (0.8, 2.0, 0.0)]);
/// assert!((rows - merged).abs() < 1e-12);
/// ```
pub fn weighted_auc(items: &[(f64, f64, f64)]) -> f64 {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].0.total_cmp(&items[b].0));
    let won: f64 = items.iter().map(|i| i.1).sum();
    let lost: f64 = items.iter().map(|i| i.2).sum();
    if won <= 0.0 || lost <= 0.0 {
        return f64::NAN;
    }
    // Per group of equal scores: won there beat the lost below, tie the lost there.
    let (mut lost_below, mut pairs) = (0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let score = items[order[i]].0;
        let (mut gw, mut gl) = (0.0, 0.0);
        while i < order.len() && items[order[i]].0 == score {
            gw += items[order[i]].1;
            gl += items[order[i]].2;
            i += 1;
        }
        pairs += gw * (lost_below + 0.5 * gl);
        lost_below += gl;
    }
    pairs / (won * lost)
}

/// Mean log loss of weighted predictions: `(probability, won weight, lost
/// weight)` per item, probabilities clipped as in [`log_loss`].
pub fn weighted_log_loss(items: &[(f64, f64, f64)]) -> f64 {
    let eps = 1e-15;
    let (mut total, mut weight) = (0.0, 0.0);
    for &(p, won, lost) in items {
        let p = p.clamp(eps, 1.0 - eps);
        total -= won * p.ln() + lost * (1.0 - p).ln();
        weight += won + lost;
    }
    total / weight
}

/// Mean squared difference between probability and outcome.
pub fn brier(y: &[f64], p: &[f64]) -> f64 {
    assert_eq!(
        y.len(),
        p.len(),
        "outcomes and probabilities differ in length"
    );
    y.iter().zip(p).map(|(y, p)| (p - y).powi(2)).sum::<f64>() / y.len() as f64
}

/// Number of calibration bins (equal width on `[0, 1]`, as scikit-learn's
/// `calibration_curve(strategy="uniform")`).
pub const CALIBRATION_BINS: usize = 10;

/// One calibration bin: predicted against observed win rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of predicted probability.
    pub lower: f64,
    /// Upper edge of predicted probability.
    pub upper: f64,
    /// Deals whose prediction falls in the bin.
    pub deals: usize,
    /// Won deals among them.
    pub won: usize,
    /// Mean predicted probability (NaN when empty).
    pub mean_predicted: f64,
    /// Observed win rate (NaN when empty).
    pub observed_rate: f64,
}

/// Calibration table over [`CALIBRATION_BINS`] equal-width bins. A
/// prediction equal to an inner edge falls in the lower bin, as in
/// scikit-learn.
pub fn calibration(y: &[f64], p: &[f64]) -> Vec<CalibrationBin> {
    let k = CALIBRATION_BINS;
    let edges: Vec<f64> = (0..=k).map(|i| i as f64 * (1.0 / k as f64)).collect();
    let mut n = vec![0usize; k];
    let mut won = vec![0usize; k];
    let mut sum_p = vec![0.0; k];
    for (&y, &p) in y.iter().zip(p) {
        let b = edges[1..k].iter().filter(|e| **e < p).count();
        n[b] += 1;
        won[b] += usize::from(y > 0.5);
        sum_p[b] += p;
    }
    (0..k)
        .map(|b| CalibrationBin {
            lower: edges[b],
            upper: if b + 1 == k { 1.0 } else { edges[b + 1] },
            deals: n[b],
            won: won[b],
            mean_predicted: if n[b] > 0 {
                sum_p[b] / n[b] as f64
            } else {
                f64::NAN
            },
            observed_rate: if n[b] > 0 {
                won[b] as f64 / n[b] as f64
            } else {
                f64::NAN
            },
        })
        .collect()
}

/// Expected calibration error: the deal-weighted mean gap between mean
/// prediction and observed win rate over the bins of [`calibration`].
pub fn expected_calibration_error(bins: &[CalibrationBin]) -> f64 {
    let total: usize = bins.iter().map(|b| b.deals).sum();
    if total == 0 {
        return f64::NAN;
    }
    bins.iter()
        .filter(|b| b.deals > 0)
        .map(|b| b.deals as f64 * (b.mean_predicted - b.observed_rate).abs())
        .sum::<f64>()
        / total as f64
}

/// One decile of deals ranked by score, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    /// 1 = the tenth of deals with the highest scores.
    pub decile: usize,
    /// Deals in the decile (fractional when tied scores straddle a boundary:
    /// tied deals are shared out in proportion).
    pub deals: f64,
    /// Won deals in the decile (fractional likewise).
    pub won: f64,
    /// Win rate in the decile.
    pub rate: f64,
    /// Win rate in the decile over the overall win rate.
    pub lift: f64,
    /// Share of all deals in this and the better deciles.
    pub cumulative_share: f64,
    /// Cumulative gains: share of all won deals in this and the better deciles.
    pub cumulative_gain: f64,
    /// Cumulative win rate over the overall win rate.
    pub cumulative_lift: f64,
}

/// Lift and cumulative gains by decile of `score` (higher is better). Tied
/// scores are never ordered arbitrarily: a group of ties that straddles a
/// decile boundary is shared out in proportion.
pub fn deciles(y: &[f64], score: &[f64]) -> Vec<Decile> {
    let n = y.len();
    let total_won: f64 = y.iter().filter(|v| **v > 0.5).count() as f64;
    let rate = total_won / n.max(1) as f64;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let bounds: Vec<f64> = (0..=10).map(|k| k as f64 * n as f64 / 10.0).collect();
    let mut deals = [0.0f64; 10];
    let mut won = [0.0f64; 10];
    let mut pos = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        let g = (j - i + 1) as f64;
        let w = order[i..=j].iter().filter(|&&r| y[r] > 0.5).count() as f64;
        let (start, end) = (pos, pos + g);
        for d in 0..10 {
            let overlap = end.min(bounds[d + 1]) - start.max(bounds[d]);
            if overlap > 0.0 {
                deals[d] += overlap;
                won[d] += w * overlap / g;
            }
        }
        pos = end;
        i = j + 1;
    }
    let mut cum_deals = 0.0;
    let mut cum_won = 0.0;
    (0..10)
        .map(|d| {
            cum_deals += deals[d];
            cum_won += won[d];
            let r = if deals[d] > 0.0 {
                won[d] / deals[d]
            } else {
                f64::NAN
            };
            Decile {
                decile: d + 1,
                deals: deals[d],
                won: won[d],
                rate: r,
                lift: r / rate,
                cumulative_share: cum_deals / n.max(1) as f64,
                cumulative_gain: cum_won / total_won,
                cumulative_lift: (cum_won / cum_deals) / rate,
            }
        })
        .collect()
}

/// Precision and recall of qualifying the deals at or above a points cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutMetrics {
    /// The cut, in points: a deal at or above it is qualified.
    pub cut_points: f64,
    /// Qualified deals.
    pub qualified: usize,
    /// Share of deals qualified.
    pub qualified_share: f64,
    /// Won deals among the qualified.
    pub qualified_won: usize,
    /// Won among qualified over qualified (NaN when none is qualified).
    pub precision: f64,
    /// Won among qualified over all won.
    pub recall: f64,
}

/// Precision and recall at `cut_points` (deals with `points >= cut_points`
/// are qualified).
pub fn at_cut(y: &[f64], points: &[f64], cut_points: f64) -> CutMetrics {
    let mut q = 0usize;
    let mut qw = 0usize;
    let won = y.iter().filter(|v| **v > 0.5).count();
    for (&y, &pts) in y.iter().zip(points) {
        if pts >= cut_points {
            q += 1;
            qw += usize::from(y > 0.5);
        }
    }
    CutMetrics {
        cut_points,
        qualified: q,
        qualified_share: q as f64 / y.len().max(1) as f64,
        qualified_won: qw,
        precision: if q > 0 {
            qw as f64 / q as f64
        } else {
            f64::NAN
        },
        recall: if won > 0 {
            qw as f64 / won as f64
        } else {
            f64::NAN
        },
    }
}

/// Wilson score interval (95 %) of `won` successes in `n` trials.
///
/// ```
/// let (lo, hi) = leadscore::metrics::wilson(5, 10);
/// assert!((lo - 0.2365931).abs() < 1e-6 && (hi - 0.7634069).abs() < 1e-6);
/// ```
pub fn wilson(won: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054;
    let n = n as f64;
    let p = won as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// A figure with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The figure on all held-out deals.
    pub value: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// Outcomes as 0/1.
pub fn as_f64(y: &[bool]) -> Vec<f64> {
    y.iter().map(|&w| f64::from(u8::from(w))).collect()
}

/// The `q` quantile (0 to 1) of sorted values, interpolated linearly; NaN
/// when there are none.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The two-sided p-value of a standard normal statistic `z`: the chance of
/// a value at least as far from 0 (`erfc(|z| / √2)`, to about 1e-7).
///
/// ```
/// use leadscore::metrics::two_sided_p;
/// assert!((two_sided_p(1.959_964) - 0.05).abs() < 1e-6);
/// assert!((two_sided_p(0.0) - 1.0).abs() < 1e-6);
/// ```
pub fn two_sided_p(z: f64) -> f64 {
    // erfc by the Chebyshev fit of Numerical Recipes (erfcc), relative
    // error below 1.2e-7 everywhere.
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x);
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    (t * poly.exp()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_half() {
        assert_eq!(auc(&[0.0, 1.0], &[0.5, 0.5]), 0.5);
        assert_eq!(auc(&[0.0, 1.0], &[0.2, 0.9]), 1.0);
        assert_eq!(auc(&[1.0, 0.0], &[0.2, 0.9]), 0.0);
        assert!(auc(&[1.0, 1.0], &[0.2, 0.9]).is_nan());
    }

    #[test]
    fn log_loss_of_base_rate() {
        let y = [1.0, 0.0, 0.0, 0.0];
        let p = [0.25; 4];
        let expected = -(0.25f64.ln() + 3.0 * 0.75f64.ln()) / 4.0;
        assert!((log_loss(&y, &p) - expected).abs() < 1e-15);
        assert!((brier(&y, &p) - (0.75f64.powi(2) + 3.0 * 0.0625) / 4.0).abs() < 1e-15);
    }
}
