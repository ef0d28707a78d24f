//! The verdict on a column's figures: the reasons it is flagged for, most
//! severe first, each with its figure and its reason in words.

use super::{AuditOptions, ColumnAudit, Finding, LeakReason};

/// The reasons a column is flagged for, most severe first.
pub(crate) fn judge(a: &ColumnAudit, o: &AuditOptions) -> Option<Finding> {
    let pct = |x: f64| format!("{:.0} %", 100.0 * x);
    let mut reasons: Vec<(LeakReason, f64, f64, String, String)> = Vec::new();
    if let Some(s) = a.after_outcome_share.filter(|s| *s >= 0.1) {
        reasons.push((
            LeakReason::DateAfterOutcome,
            s,
            s,
            "share of deals dated after the outcome".into(),
            format!("{} of deals are dated after the outcome", pct(s)),
        ));
    }
    let gap = a.filled_won - a.filled_lost;
    if gap >= o.fill_gap && a.filled_lost <= 0.1 {
        reasons.push((
            LeakReason::FilledOnlyForWon,
            gap,
            gap,
            "filled share among won minus among lost".into(),
            format!(
                "filled for {} of won deals but {} of lost deals",
                pct(a.filled_won),
                pct(a.filled_lost)
            ),
        ));
    } else if -gap >= o.fill_gap && a.filled_won <= 0.1 {
        reasons.push((
            LeakReason::FilledOnlyForLost,
            -gap,
            -gap,
            "filled share among lost minus among won".into(),
            format!(
                "filled for {} of lost deals but {} of won deals",
                pct(a.filled_lost),
                pct(a.filled_won)
            ),
        ));
    } else if a.filled_lost_deals == 0
        && a.filled_won_deals >= o.sparse_min_filled.max(1)
        && a.won_only_chance < o.sparse_max_chance
    {
        reasons.push((
            LeakReason::SparselyFilledOnlyForWon,
            a.filled_won,
            a.filled_won,
            "share of won deals filled (no lost deal filled)".into(),
            format!(
                "filled for {:.1} % of won deals and no lost deal: any value means won",
                100.0 * a.filled_won
            ),
        ));
    }
    let gini = (2.0 * (a.oof_auc - 0.5)).max(0.0);
    if a.pure_share >= o.separator_share || a.oof_auc >= o.separator_auc {
        reasons.push((
            LeakReason::NearPerfectSeparator,
            gini.max(a.pure_share),
            a.oof_auc,
            "out-of-fold AUC".into(),
            format!(
                "out-of-fold AUC {:.3} on its own; {} of deals hold a value that is 98 % or more one outcome",
                a.oof_auc,
                pct(a.pure_share)
            ),
        ));
    } else if a.oof_auc >= o.suspicious_auc {
        reasons.push((
            LeakReason::SuspiciouslyPredictive,
            gini,
            a.oof_auc,
            "out-of-fold AUC".into(),
            format!("out-of-fold AUC {:.3} on its own", a.oof_auc),
        ));
    }
    reasons.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let mut it = reasons.into_iter();
    let (reason, severity, figure, figure_name, detail) = it.next()?;
    Some(Finding {
        column: a.column.clone(),
        reason,
        figure,
        figure_name,
        severity,
        detail: format!("{reason}: {detail}"),
        other_reasons: it.map(|r| r.0).collect(),
        figures: a.clone(),
    })
}
