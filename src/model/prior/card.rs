//! The prior's report as text: the strength, the attributes the deals moved
//! furthest from the sheet, and the sheet rules the deals cannot use.

use std::fmt;

use super::{PriorAttribute, PriorReport};
use crate::model::L2Choice;

/// The sheet's attributes listed in the text (and the report), those moved
/// furthest first.
pub const SHOWN_MOVES: usize = 30;
/// Attributes the sheet gives no points to listed, the largest first.
pub const SHOWN_MISSED: usize = 10;

impl fmt::Display for PriorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.strength_choice {
            L2Choice::CrossValidation => "chosen by cross-validation",
            L2Choice::Fixed => "fixed",
        };
        writeln!(
            f,
            "Started from the points sheet ({} rules): prior strength {:.2} ({how}; 0 ignores the sheet, 1 keeps all of its points)",
            self.sheet_rules, self.strength
        )?;
        for c in &self.candidates {
            let l2 =
                c.l2.map_or("win rate".to_string(), |l| format!("l2 {l:.3}"));
            writeln!(
                f,
                "  strength {:.2}: {l2:<12} out-of-fold log loss {:.4} (± {:.4}), AUC {:.4}",
                c.strength, c.log_loss, c.standard_error, c.auc
            )?;
        }
        let moves = self.sheet_moves();
        let missed = self.not_in_sheet();
        let shown = self.shown();
        let width = shown
            .iter()
            .map(|a| a.column.chars().count() + a.attribute.chars().count() + 3)
            .max()
            .unwrap_or(20)
            .clamp(20, 60);
        let line = |f: &mut fmt::Formatter<'_>, a: &PriorAttribute| {
            let name: String = format!("{} = {}", a.column, a.attribute)
                .chars()
                .take(width)
                .collect();
            let interval = a
                .learned_interval
                .map_or("no interval".to_string(), |(lo, hi)| {
                    format!("{lo:+.1} to {hi:+.1}")
                });
            writeln!(
                f,
                "  {name:<width$} sheet {:>+6.1}  learned {:>+6.1} ({interval})  moved {:>+6.1}  {} deals, {} won",
                a.sheet_points,
                a.learned_points,
                a.moved,
                a.training_rows,
                a.training_won
            )
        };
        writeln!(
            f,
            "The sheet's points as the deals moved them (points as the sheet counts them: 0 for what it does not mention; 95 % interval):"
        )?;
        for a in moves.iter().take(SHOWN_MOVES) {
            line(f, a)?;
        }
        if moves.len() > SHOWN_MOVES {
            writeln!(f, "  ... {} more", moves.len() - SHOWN_MOVES)?;
        }
        writeln!(
            f,
            "What the sheet gives no points to, the largest the deals found:"
        )?;
        for a in missed.iter().take(SHOWN_MISSED) {
            line(f, a)?;
        }
        if missed.len() > SHOWN_MISSED {
            writeln!(
                f,
                "  ... {} more (scorecard --format json lists every attribute)",
                missed.len() - SHOWN_MISSED
            )?;
        }
        if !self.problems.is_empty() {
            writeln!(f, "Sheet rules the deals cannot use:")?;
            for p in &self.problems {
                writeln!(f, "  {p}")?;
            }
        }
        Ok(())
    }
}
