//! Evaluation metrics on predicted probabilities: AUC, log loss, Brier score.
//! They match scikit-learn's `roc_auc_score`, `log_loss` and
//! `brier_score_loss` on the same predictions.

/// Area under the ROC curve (ties count half), from outcomes (1 = won) and
/// scores. NaN when only one class is present.
///
/// ```
/// let auc = leadscore::evaluation::auc(&[0.0, 0.0, 1.0, 1.0], &[0.1, 0.4, 0.35, 0.8]);
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

/// Mean squared difference between probability and outcome.
pub fn brier(y: &[f64], p: &[f64]) -> f64 {
    assert_eq!(
        y.len(),
        p.len(),
        "outcomes and probabilities differ in length"
    );
    y.iter().zip(p).map(|(y, p)| (p - y).powi(2)).sum::<f64>() / y.len() as f64
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
