//! Plain text of the evidence, as the command line prints it: `Display` for
//! [`Evaluation`], [`PolicyMetrics`], [`HandsetComparison`], [`Conversion`],
//! [`Drift`] and [`Audit`] (with [`Audit::to_text`] for every column's
//! figures). Rust and Python callers get the same text.

use std::fmt;

use crate::evidence::audit::Audit;
use crate::evidence::conversion::Conversion;
use crate::evidence::drift::Drift;
use crate::evidence::evaluate::Evaluation;
use crate::evidence::points_sheet::HandsetComparison;
use crate::evidence::policy_metrics::PolicyMetrics;

impl fmt::Display for Evaluation {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self;
        // A report on (partly) training deals says so instead of "held-out".
        if e.on_training_deals {
            write!(
                out,
                "Evaluation on training data (optimistic): {}.\n{} deals ({} won), trained on {}.\n\n",
                e.protocol, e.test_rows, e.test_won, e.train_rows
            )?;
        } else {
            write!(
                out,
                "Held-out evaluation: {}.\n{} held-out deals ({} won), trained on {}.\n\n",
                e.protocol, e.test_rows, e.test_won, e.train_rows
            )?;
        }
        write!(
            out,
            "AUC       {:.4}  (95 %: {:.4} to {:.4})\nlog loss  {:.4}  (95 %: {:.4} to {:.4}); base rate {:.4} (win rate {:.1} %)\nBrier     {:.4}  (95 %: {:.4} to {:.4})\nexpected calibration error {:.4}\nIntervals: {}.\n",
            e.auc.value, e.auc.low, e.auc.high,
            e.log_loss.value, e.log_loss.low, e.log_loss.high, e.base_log_loss, 100.0 * e.base_rate,
            e.brier.value, e.brier.low, e.brier.high,
            e.expected_calibration_error,
            e.interval_method
        )?;
        if let Some(c) = &e.cut {
            writeln!(
                out,
                "At {} points: {} qualified ({:.1} %), precision {:.1} %, recall {:.1} %.",
                c.cut_points,
                c.qualified,
                100.0 * c.qualified_share,
                100.0 * c.precision,
                100.0 * c.recall
            )?;
        }
        if let Some(p) = &e.policy {
            write!(out, "{p}")?;
        }
        write!(
            out,
            "\nCalibration\n  predicted   deals   mean pred   observed\n"
        )?;
        for b in e.calibration.iter().filter(|b| b.deals > 0) {
            writeln!(
                out,
                "  {:.1}-{:.1}   {:>6}   {:>8.1} %  {:>7.1} %",
                b.lower,
                b.upper,
                b.deals,
                100.0 * b.mean_predicted,
                100.0 * b.observed_rate
            )?;
        }
        writeln!(
            out,
            "\nDecile   deals     won   win rate   lift   cumulative gain"
        )?;
        for d in &e.deciles {
            writeln!(
                out,
                "  {:>2}   {:>6.0}  {:>6.1}   {:>6.1} %  {:>5.2}   {:>6.1} %",
                d.decile,
                d.deals,
                d.won,
                100.0 * d.rate,
                d.lift,
                100.0 * d.cumulative_gain
            )?;
        }
        if let Some(h) = &e.handset {
            write!(out, "{h}")?;
        }
        Ok(())
    }
}

impl fmt::Display for PolicyMetrics {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self;
        writeln!(
            out,
            "Policy {} ({}): {} of {} held-out deals routed to sales, precision {:.1} %, recall {:.1} %.",
            p.policy_version,
            p.policy_fingerprint,
            p.qualified,
            p.deals,
            100.0 * p.precision,
            100.0 * p.recall
        )?;
        for t in &p.tiers {
            writeln!(
                out,
                "  tier {:<16} {:<13} {:>6} deals, won {:>5.1} % ({:.1} to {:.1})",
                t.tier,
                t.route,
                t.leads,
                100.0 * t.rate,
                100.0 * t.rate_low,
                100.0 * t.rate_high
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for HandsetComparison {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self;
        let (hl, ll) = h.top_decile_lift();
        write!(
            out,
            "\nHand-set against learned points on the same {} deals\n  hand-set: AUC {:.4}, top-decile lift {:.2}\n  learned:  AUC {:.4}, top-decile lift {:.2}\n\n  {:<22} {:<22} {:>9} {:>8} {:>7} {:>9}\n",
            h.deals, h.handset_auc, hl, h.learned_auc, ll, "column", "value or range", "hand-set", "learned", "deals", "win rate"
        )?;
        for r in &h.rules {
            writeln!(
                out,
                "  {:<22} {:<22} {:>+9} {:>8} {:>7} {:>7.1} %",
                r.column,
                r.value,
                r.handset_points,
                r.learned_points.map_or("-".into(), |p| format!("{p:+.1}")),
                r.deals,
                100.0 * r.rate
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Conversion {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self;
        writeln!(
            out,
            "Conversion by {} ({} leads, {} won)\n  {:<28} {:>7} {:>6} {:>8}   {:<17} {:>8}",
            t.column, t.leads, t.won, "value", "leads", "won", "rate", "95 % interval", "points"
        )?;
        for r in &t.rows {
            writeln!(
                out,
                "  {:<28} {:>7} {:>6} {:>6.1} %   {:>5.1} % - {:>5.1} % {:>8}",
                r.value,
                r.leads,
                r.won,
                100.0 * r.rate,
                100.0 * r.rate_low,
                100.0 * r.rate_high,
                r.learned_points.map_or("-".into(), |p| format!("{p:+.1}"))
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self;
        writeln!(
            out,
            "Drift of {} leads against {} training deals (PSI: < 0.10 stable, 0.10-0.25 moderate, >= 0.25 major)\n  {:<30} {:>7}  {:<9} {:>8}",
            d.rows, d.training_rows, "column", "PSI", "band", "unseen"
        )?;
        for f in &d.features {
            writeln!(
                out,
                "  {:<30} {:>7.3}  {:<9} {:>6.1} %",
                f.column,
                f.psi,
                format!("{:?}", f.band).to_lowercase(),
                100.0 * f.unseen_share
            )?;
        }
        Ok(())
    }
}

impl Audit {
    /// The findings in text, most severe first; with `all`, also the
    /// figures of every audited column, flagged or not.
    pub fn to_text(&self, all: bool) -> String {
        let mut s = format!(
            "Leakage audit of {} deals ({} won), {} columns.\n",
            self.rows,
            self.won,
            self.columns.len()
        );
        if self.findings.is_empty() {
            s.push_str("No column looks filled in after the outcome.\n");
        }
        for (i, f) in self.findings.iter().enumerate() {
            s.push_str(&format!(
                "{:>2}. {:<30} {:<24} {:.3}  {}\n",
                i + 1,
                f.column,
                f.reason.as_str(),
                f.figure,
                f.detail
            ));
        }
        if all {
            s.push_str(&format!(
                "\n{:<30} {:<12} {:>8} {:>11} {:>11} {:>10}\n",
                "column", "kind", "OOF AUC", "filled won", "filled lost", "pure share"
            ));
            for c in &self.columns {
                s.push_str(&format!(
                    "{:<30} {:<12} {:>8.3} {:>10.1}% {:>10.1}% {:>9.1}%\n",
                    c.column,
                    c.kind,
                    c.oof_auc,
                    100.0 * c.filled_won,
                    100.0 * c.filled_lost,
                    100.0 * c.pure_share
                ));
            }
        }
        s
    }
}

impl fmt::Display for Audit {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(&self.to_text(false))
    }
}
