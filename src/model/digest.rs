//! The one-screen summary of a trained model, the important thing first:
//! the deals, the fit out of fold, the warnings (possible leaks first), and
//! the strongest attributes for and against a win. The full scorecard is
//! [`Model::scorecard`].

use std::fmt::Write as _;

use super::scorecard::ScorecardRow;
use super::Model;
use crate::util::text::display_value;

/// Whether a warning is about a possible leak (shown first).
fn is_leak(w: &str) -> bool {
    w.starts_with("possible leak")
}

fn driver(s: &mut String, r: &ScorecardRow) {
    let won = if r.training_rows > 0 {
        format!(
            "{} deals, {:.0} % won",
            r.training_rows,
            100.0 * r.training_won as f64 / r.training_rows as f64
        )
    } else {
        "no training deals".into()
    };
    let _ = writeln!(
        s,
        "  {:>+7.1}  {} = {}  ({won})",
        r.points,
        display_value(&r.column),
        r.attribute
    );
}

impl Model {
    /// The summary `leadscore train` prints: deals and win rate, the fit
    /// (out of fold when the penalty was cross-validated), every warning
    /// (possible leaks first), and the `top` attributes with the most points
    /// for and against a win among those with training deals, given the
    /// other columns. An intercept-only model says so instead.
    ///
    /// ```
    /// use leadscore::{synthetic, Model};
    /// let deals = synthetic::deals(2_000, 4).table;
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
    /// let text = model.digest(5);
    /// assert!(text.starts_with("Trained on 2000 closed deals"));
    /// assert!(text.contains("Most points for a win"));
    /// ```
    pub fn digest(&self, top: usize) -> String {
        let s = self.summary();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Trained on {} closed deals: {} won, {} lost (win rate {:.1} %).",
            s.rows,
            s.won,
            s.lost,
            100.0 * s.won as f64 / s.rows.max(1) as f64
        );
        match (&s.cross_validation, s.l2) {
            (_, None) => {
                let _ = writeln!(
                    out,
                    "No column predicts the outcome: intercept only, every lead gets the win rate."
                );
            }
            (Some(cv), Some(l2)) => {
                let _ = writeln!(
                    out,
                    "Out of fold ({}-fold cross-validation): AUC {:.4}, log loss {:.4} (the win rate alone: {:.4}); penalty l2 = {l2:.4}.",
                    cv.folds, cv.auc, cv.log_loss, cv.base_log_loss
                );
            }
            (None, Some(l2)) => {
                let _ = writeln!(
                    out,
                    "Penalty l2 = {l2:.4}, fixed: no out-of-fold figures (training AUC {:.4}, optimistic).",
                    s.training_auc
                );
            }
        }
        let mut warnings: Vec<&String> = s.warnings.iter().collect();
        warnings.sort_by_key(|w| !is_leak(w));
        if !warnings.is_empty() {
            let _ = writeln!(out, "\nWarnings ({}):", warnings.len());
            for w in warnings {
                let _ = writeln!(out, "  {w}");
            }
        }
        let card = self.scorecard();
        if s.l2.is_some() {
            let (up, down) = card.drivers(top);
            let _ = writeln!(
                out,
                "\n{} Base points {:.1}.",
                super::scorecard::GIVEN_THE_OTHER_COLUMNS,
                card.base_points
            );
            if !up.is_empty() {
                let _ = writeln!(out, "Most points for a win:");
                for r in up {
                    driver(&mut out, r);
                }
            }
            if !down.is_empty() {
                let _ = writeln!(out, "Most points against:");
                for r in down {
                    driver(&mut out, r);
                }
            }
        }
        if !card.events.is_empty() {
            let _ = writeln!(
                out,
                "\nEvent types (points of one event just now, halving with its age):"
            );
            for e in &card.events {
                let fade = if e.half_life_days.is_finite() {
                    format!("half after {:.1} days", e.half_life_days)
                } else {
                    "no fade".to_string()
                };
                let _ = writeln!(out, "  {:>+7.1}  {}, {fade}", e.points_at_0, e.event);
            }
        }
        if let Some(t) = &card.timing {
            let _ = write!(out, "\n{t}");
        }
        if let Some(p) = &card.prior {
            let _ = write!(out, "\n{p}");
        }
        let _ = write!(
            out,
            "\n{} columns used, {} not used; {} attributes on the scorecard.",
            s.columns_used.len(),
            s.columns_excluded.len(),
            card.rows.len()
        );
        out
    }
}
