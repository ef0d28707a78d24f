//! The report as Markdown (tables, no charts).

use std::fmt::Write as _;

use super::{f, md, pct, verdict, Report};

impl Report {
    /// The report as Markdown (tables, no charts).
    pub fn to_markdown(&self) -> String {
        let e = &self.evaluation;
        let mut s = String::new();
        let _ = writeln!(s, "# {}\n", md(&self.title));
        let _ = writeln!(
            s,
            "Model `{}` trained {} on {} deals ({} won).\n\n## Held-out figures\n\n{}: {} deals, {} won. Intervals: {}.\n",
            self.model.fingerprint,
            self.model.created_at,
            self.model.training_rows,
            self.model.training_won,
            md(&e.protocol),
            e.test_rows,
            e.test_won,
            md(&e.interval_method)
        );
        if let Some(w) = self.training_warning() {
            let _ = writeln!(s, "> **Training data (optimistic):** {}\n", md(&w));
        }
        let _ = writeln!(s, "**{}**\n", verdict(e));
        let _ = writeln!(s, "| figure | value | 95 % interval |\n|---|---:|---|");
        for (name, est, d) in [
            ("AUC", e.auc, 4),
            ("log loss", e.log_loss, 4),
            ("Brier", e.brier, 4),
        ] {
            let _ = writeln!(
                s,
                "| {name} | {} | {} – {} |",
                f(est.value, d),
                f(est.low, d),
                f(est.high, d)
            );
        }
        let _ = writeln!(
            s,
            "| base-rate log loss | {} | |\n| expected calibration error | {} | |",
            f(e.base_log_loss, 4),
            f(e.expected_calibration_error, 4)
        );
        if let Some(c) = &e.cut {
            let _ = writeln!(
                s,
                "| precision at {} points | {} | |\n| recall at {} points | {} | |",
                f(c.cut_points, 1),
                pct(c.precision),
                f(c.cut_points, 1),
                pct(c.recall)
            );
        }
        if let Some(p) = &e.policy {
            let _ = writeln!(
                s,
                "\n## Qualification policy\n\nPolicy {} routes {} of {} deals to sales: precision {}, recall {}.\n\n| tier | route | deals | win rate | 95 % interval |\n|---|---|---:|---:|---|",
                md(&p.policy_version),
                p.qualified,
                p.deals,
                pct(p.precision),
                pct(p.recall)
            );
            for t in &p.tiers {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} – {} |",
                    md(&t.tier),
                    md(&t.route),
                    t.leads,
                    pct(t.rate),
                    pct(t.rate_low),
                    pct(t.rate_high)
                );
            }
        }
        let _ = writeln!(s, "\n## Calibration\n\n| predicted | deals | won | mean predicted | observed |\n|---|---:|---:|---:|---:|");
        for b in e.calibration.iter().filter(|b| b.deals > 0) {
            let _ = writeln!(
                s,
                "| {:.1}–{:.1} | {} | {} | {} | {} |",
                b.lower,
                b.upper,
                b.deals,
                b.won,
                pct(b.mean_predicted),
                pct(b.observed_rate)
            );
        }
        let _ = writeln!(s, "\n## Lift and cumulative gains\n\n| decile | deals | won | win rate | lift | cumulative gain |\n|---:|---:|---:|---:|---:|---:|");
        for d in &e.deciles {
            let _ = writeln!(
                s,
                "| {} | {:.0} | {:.1} | {} | {} | {} |",
                d.decile,
                d.deals,
                d.won,
                pct(d.rate),
                f(d.lift, 2),
                pct(d.cumulative_gain)
            );
        }
        for c in &self.conversion {
            let _ = writeln!(
                s,
                "\n## Conversion by {}\n\n| value | leads | won | rate | 95 % interval | learned points |\n|---|---:|---:|---:|---|---:|",
                md(&c.column)
            );
            for r in &c.rows {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} – {} | {} |",
                    md(&r.value),
                    r.leads,
                    r.won,
                    pct(r.rate),
                    pct(r.rate_low),
                    pct(r.rate_high),
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}"))
                );
            }
        }
        if let Some(o) = &self.outcomes {
            s.push('\n');
            s.push_str(&o.to_markdown());
        }
        if let Some(h) = &self.handset {
            let (hl, ll) = h.top_decile_lift();
            let _ = writeln!(
                s,
                "\n## Hand-set against learned points\n\n| score | AUC | top-decile lift |\n|---|---:|---:|\n| hand-set | {} | {} |\n| learned | {} | {} |\n\n| column | value or range | hand-set | learned | deals | win rate |\n|---|---|---:|---:|---:|---:|",
                f(h.handset_auc, 4),
                f(hl, 2),
                f(h.learned_auc, 4),
                f(ll, 2)
            );
            for r in &h.rules {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:+} | {} | {} | {} |",
                    md(&r.column),
                    md(&r.value),
                    r.handset_points,
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}")),
                    r.deals,
                    pct(r.rate)
                );
            }
        }
        if let Some(p) = &self.scorecard.prior {
            let _ = writeln!(
                s,
                "\n## Started from the points sheet\n\n{} rules, prior strength {:.2} (0 ignores the sheet, 1 keeps all of its points); points as the sheet counts them.\n\n| column | attribute | sheet | learned | 95 % interval | moved | deals | won |\n|---|---|---:|---:|---:|---:|---:|---:|",
                p.sheet_rules, p.strength
            );
            let shown = p
                .sheet_moves()
                .into_iter()
                .take(crate::model::prior::card::SHOWN_MOVES)
                .chain(
                    p.not_in_sheet()
                        .into_iter()
                        .take(crate::model::prior::card::SHOWN_MISSED),
                );
            for a in shown {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:+.1} | {:+.1} | {} | {:+.1} | {} | {} |",
                    md(&a.column),
                    md(&a.attribute),
                    a.sheet_points,
                    a.learned_points,
                    a.learned_interval
                        .map_or("–".to_string(), |(lo, hi)| format!(
                            "{lo:+.1} to {hi:+.1}"
                        )),
                    a.moved,
                    a.training_rows,
                    a.training_won
                );
            }
            for x in &p.problems {
                let _ = writeln!(s, "\n- {}", md(&x.to_string()));
            }
        }
        let _ = writeln!(
            s,
            "\n## Scorecard\n\nBase points {:.1}.\n\n| column | attribute | points | training deals |\n|---|---|---:|---:|",
            self.scorecard.base_points
        );
        for r in self.scorecard.rows.iter().filter(|r| r.training_rows > 0) {
            let _ = writeln!(
                s,
                "| {} | {} | {:+.1} | {} |",
                md(&r.column),
                md(&r.attribute),
                r.points,
                r.training_rows
            );
        }
        let _ = writeln!(s, "\n## Leakage audit\n");
        if self.audit.findings.is_empty() {
            let _ = writeln!(s, "No column looks filled in after the outcome.");
        } else {
            let _ = writeln!(
                s,
                "| column | reason | figure | detail |\n|---|---|---:|---|"
            );
            for x in &self.audit.findings {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    md(&x.column),
                    x.reason,
                    f(x.figure, 3),
                    md(&x.detail)
                );
            }
        }
        let _ = writeln!(
            s,
            "\n## Drift\n\n| column | PSI | band | unseen values |\n|---|---:|---|---:|"
        );
        for d in &self.drift.features {
            let _ = writeln!(
                s,
                "| {} | {:.3} | {:?} | {} |",
                md(&d.column),
                d.psi,
                d.band,
                pct(d.unseen_share)
            );
        }
        s
    }
}
