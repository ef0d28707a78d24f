//! The report as Markdown (tables, no charts).

use std::fmt::Write as _;

use super::{count, f, human_date, md, pct, pct_range, verdict, Report, TOP_DRIVERS};

impl Report {
    /// The report as Markdown (tables, no charts).
    ///
    /// In the order of the HTML report: the verdict, the figures, the
    /// policy's tiers and the top drivers first; then the tables behind
    /// the charts, the full scorecard and the checks.
    pub fn to_markdown(&self) -> String {
        let e = &self.evaluation;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# {}\n\nReport of {} on {} deals ({} won). The model learned from {} closed deals ({} won) on {}.\n",
            md(&self.title),
            human_date(&self.generated_at),
            count(e.test_rows),
            count(e.test_won),
            count(self.model.training_rows),
            count(self.model.training_won),
            human_date(&self.model.created_at)
        );
        if let Some(w) = self.training_warning() {
            let _ = writeln!(s, "> **Training data (optimistic):** {}\n", md(&w));
        }
        let _ = writeln!(
            s,
            "## {}\n\n**{}**\n\n| figure | value | note |\n|---|---:|---|",
            self.figures_heading(),
            verdict(e, !self.optimistic())
        );
        for c in self.cards() {
            let _ = writeln!(s, "| {} | {} | {} |", c.name, c.value, c.note);
        }
        let _ = writeln!(
            s,
            "\nOn {}: {} deals, {} won. Intervals: {}.",
            md(&e.protocol),
            count(e.test_rows),
            count(e.test_won),
            md(&e.interval_method)
        );
        if let Some(p) = &e.policy {
            let _ = writeln!(
                s,
                "\n## Qualification policy\n\nPolicy {} sends {} of {} deals ({}) to sales: {} of them won (precision), and they hold {} of all won deals (recall).\n\n| tier | route | deals | win rate | 95 % interval |\n|---|---|---:|---:|---|",
                md(&p.policy_version),
                count(p.qualified),
                count(p.deals),
                pct(p.qualified as f64 / p.deals.max(1) as f64),
                pct(p.precision),
                pct(p.recall)
            );
            for t in &p.tiers {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    md(&t.tier),
                    md(&t.route),
                    count(t.leads),
                    pct(t.rate),
                    pct_range(t.rate_low, t.rate_high)
                );
            }
        }
        let _ = writeln!(
            s,
            "\n## Top drivers\n\nWhat moves a lead's points most, for and against: {} points is even odds, and every {} points more doubles the odds of winning.\n\n| attribute | column | points | win rate | training deals |\n|---|---|---:|---:|---:|",
            f(self.scorecard.scale.base_points, 0),
            f(self.scorecard.scale.points_to_double_odds, 0)
        );
        for r in self.top_drivers(TOP_DRIVERS) {
            let _ = writeln!(
                s,
                "| {} | {} | {:+.1} | {} | {} |",
                md(&r.attribute),
                md(&r.column),
                r.points,
                pct(r.training_won as f64 / r.training_rows as f64),
                count(r.training_rows as usize)
            );
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
            let shown = p.shown();
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
            "\n## Scorecard\n\nEvery attribute the training deals had. Base points {:.1}.\n\n| column | attribute | points | training deals |\n|---|---|---:|---:|",
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
        let (used, unused) = self.leakage_findings();
        if used.is_empty() && unused.is_empty() {
            let _ = writeln!(s, "No column looks filled in after the outcome.");
        } else {
            if used.is_empty() {
                let _ = writeln!(
                    s,
                    "The model learns from no column that looks filled in after the outcome.\n"
                );
            } else {
                let _ = writeln!(
                    s,
                    "**The model learns from {} column(s) that may be filled in after the outcome**: if so, its figures are optimistic; train without them (leave those columns out, or drop the suspected leaks).\n",
                    used.len()
                );
            }
            let _ = writeln!(
                s,
                "| column | model | reason | figure | detail |\n|---|---|---|---:|---|"
            );
            for (x, tag) in used
                .iter()
                .map(|x| (x, "**used by this model**"))
                .chain(unused.iter().map(|x| (x, "not used by this model")))
            {
                let _ = writeln!(
                    s,
                    "| {} | {tag} | {} | {} | {} |",
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
        let _ = writeln!(
            s,
            "\nGenerated {}. Model `{}` trained {}, outcome column {}.",
            self.generated_at,
            self.model.fingerprint,
            self.model.created_at,
            md(&self.model.target)
        );
        s
    }
}
