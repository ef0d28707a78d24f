//! The report's HTML sections after the first screen and the top drivers:
//! calibration, lift and gains, conversion, hand-set against learned
//! points, the prior, the leakage audit and drift. Each chart sits beside
//! its table on wide screens and above it on narrow ones (`.grid`).

use std::fmt::Write as _;

use super::html::{esc_wrap, rate_cell};
use super::svg::{svg_calibration, svg_conversion, svg_gains, svg_lift};
use super::{count, esc, f, pct, Report};
use crate::evidence::audit::Finding;
use crate::evidence::drift::Band;

impl Report {
    pub(super) fn html_calibration(&self, s: &mut String) {
        let e = &self.evaluation;
        s.push_str("<h2>Calibration</h2><p class=\"muted\">Each dot is a band of predicted probability; on the dashed line the predictions come true as often as they say. Dot size: deals.</p><div class=\"grid\">");
        s.push_str(&svg_calibration(e));
        s.push_str("<div class=\"scroll\"><table><tr><th>predicted</th><th class=\"n\">deals</th><th class=\"n\">won</th><th class=\"n\">mean predicted</th><th class=\"n\">observed</th></tr>");
        for b in e.calibration.iter().filter(|b| b.deals > 0) {
            let _ = write!(
                s,
                "<tr><td>{:.1}–{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                b.lower,
                b.upper,
                count(b.deals),
                count(b.won),
                pct(b.mean_predicted),
                pct(b.observed_rate)
            );
        }
        s.push_str("</table></div></div>");
    }

    pub(super) fn html_lift(&self, s: &mut String) {
        let e = &self.evaluation;
        let hs = self.handset.as_ref().map(|h| h.handset_deciles.as_slice());
        s.push_str("<h2>Lift and cumulative gains</h2><p class=\"muted\">Deals ranked by score in ten equal groups; lift is a group's win rate over the average, the gain the share of all won deals in the groups up to it.</p><div class=\"grid\">");
        s.push_str(&svg_lift(&e.deciles, hs));
        s.push_str(&svg_gains(&e.deciles, hs));
        s.push_str("</div><div class=\"scroll\"><table><tr><th>decile</th><th class=\"n\">deals</th><th class=\"n\">won</th><th class=\"n\">win rate</th><th class=\"n\">lift</th><th class=\"n\">cumulative gain</th></tr>");
        for d in &e.deciles {
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"n\">{:.0}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                d.decile,
                d.deals,
                d.won,
                pct(d.rate),
                f(d.lift, 2),
                pct(d.cumulative_gain)
            );
        }
        s.push_str("</table></div>");
    }

    pub(super) fn html_conversion(&self, s: &mut String) {
        for (i, c) in self.conversion.iter().enumerate() {
            let _ = write!(
                s,
                "<h2>Conversion by {}</h2><div class=\"grid\">{}<div class=\"scroll\"><table><tr><th>{}</th><th class=\"n\">leads</th><th class=\"n\">won</th><th class=\"n\">win rate<small>95 % interval</small></th><th class=\"n\">learned points</th></tr>",
                esc(&c.column),
                svg_conversion(c, i),
                esc(&c.column)
            );
            for r in &c.rows {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>{}<td class=\"n\">{}</td></tr>",
                    esc(&r.value),
                    count(r.leads),
                    count(r.won),
                    rate_cell(r.rate, r.rate_low, r.rate_high),
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}"))
                );
            }
            s.push_str("</table></div></div>");
        }
    }

    pub(super) fn html_hand_set(&self, s: &mut String) {
        let Some(h) = &self.handset else {
            return;
        };
        let (hl, ll) = h.top_decile_lift();
        let _ = write!(
            s,
            "<h2>Hand-set against learned points</h2><p>On the same {} deals: hand-set AUC <b>{}</b>, top-decile lift <b>{}</b>; learned AUC <b>{}</b>, top-decile lift <b>{}</b>. The lift and gains charts above show both (orange: hand-set).</p><div class=\"scroll\"><table><tr><th>value or range<small>column</small></th><th class=\"n\">hand-set</th><th class=\"n\">learned</th><th class=\"n\">deals</th><th class=\"n\">win rate</th></tr>",
            count(h.deals),
            f(h.handset_auc, 3),
            f(hl, 2),
            f(h.learned_auc, 3),
            f(ll, 2)
        );
        for r in &h.rules {
            let _ = write!(
                s,
                "<tr><td>{}<small>{}</small></td><td class=\"n\">{:+}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.value),
                esc_wrap(&r.column),
                r.handset_points,
                r.learned_points.map_or("–".into(), |p| format!("{p:+.1}")),
                count(r.deals),
                pct(r.rate)
            );
        }
        s.push_str("</table></div>");
    }

    pub(super) fn html_prior(&self, s: &mut String) {
        let Some(p) = &self.scorecard.prior else {
            return;
        };
        let _ = write!(
            s,
            "<h2>Started from the points sheet</h2><p>The model started from marketing's sheet ({} rules) at prior strength <b>{:.2}</b> (0 ignores the sheet, 1 keeps all of its points). Points as the sheet counts them (0 for what it does not mention): the sheet's attributes the deals moved furthest, then the largest it gives no points to:</p><div class=\"scroll\"><table><tr><th>attribute</th><th class=\"n\">sheet</th><th class=\"n\">learned<small>95 % interval</small></th><th class=\"n\">moved</th><th class=\"n\">deals</th><th class=\"n\">won</th></tr>",
            p.sheet_rules, p.strength
        );
        let shown = p.shown();
        for a in shown {
            let _ = write!(
                s,
                "<tr><td>{}<small>{}</small></td><td class=\"n\">{:+.1}</td><td class=\"n\">{:+.1}<small>{}</small></td><td class=\"n\">{:+.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&a.attribute),
                esc_wrap(&a.column),
                a.sheet_points,
                a.learned_points,
                a.learned_interval
                    .map_or("–".to_string(), |(lo, hi)| format!("{lo:+.1} to {hi:+.1}")),
                a.moved,
                a.training_rows,
                a.training_won
            );
        }
        s.push_str("</table></div>");
        if !p.problems.is_empty() {
            s.push_str("<p>Sheet rules the deals cannot use:</p><ul>");
            for x in &p.problems {
                let _ = write!(s, "<li>{}</li>", esc(&x.to_string()));
            }
            s.push_str("</ul>");
        }
    }

    /// Findings about columns the model learns from are warnings; those
    /// about columns it does not use are listed, marked so, without alarm.
    pub(super) fn html_leakage(&self, s: &mut String) {
        s.push_str("<h2>Leakage audit</h2>");
        let (used, unused) = self.leakage_findings();
        if used.is_empty() && unused.is_empty() {
            s.push_str("<p class=\"ok\">No column looks filled in after the outcome.</p>");
        }
        if used.is_empty() && !unused.is_empty() {
            s.push_str("<p class=\"ok\">The model learns from no column that looks filled in after the outcome.</p>");
        }
        if !used.is_empty() {
            let _ = write!(
                s,
                "<p class=\"warn\"><b>The model learns from {} column{} that may be filled in after the outcome</b>: if so, its figures are optimistic and new leads will not have them; train without them (leave those columns out, or drop the suspected leaks).</p>",
                used.len(),
                if used.len() == 1 { "" } else { "s" }
            );
            findings_list(s, &used, "warn", "used by this model");
        }
        if !unused.is_empty() {
            let _ = write!(
                s,
                "<p class=\"muted\">{} column{} of these deals look{} filled in after the outcome, but the model does not use {}: nothing to do for this model.</p>",
                unused.len(),
                if unused.len() == 1 { "" } else { "s" },
                if unused.len() == 1 { "s" } else { "" },
                if unused.len() == 1 { "it" } else { "them" }
            );
            findings_list(s, &unused, "muted", "not used by this model");
        }
        for w in &self.model.warnings {
            let _ = write!(
                s,
                "<p class=\"muted\">Training warning: {}</p>",
                esc_wrap(w)
            );
        }
    }

    pub(super) fn html_drift(&self, s: &mut String) {
        let _ = write!(
            s,
            "<h2>Drift</h2><p class=\"muted\">Population stability index of each feature between the {} training deals and these {} deals: below 0.10 stable, 0.10–0.25 moderate, 0.25 and above major.</p><div class=\"scroll\"><table><tr><th>column</th><th class=\"n\">PSI</th><th>band</th><th class=\"n\">unseen values</th></tr>",
            count(self.drift.training_rows),
            count(self.drift.rows)
        );
        for d in &self.drift.features {
            let class = if d.band == Band::Stable { "ok" } else { "warn" };
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"n\">{:.3}</td><td class=\"{class}\">{:?}</td><td class=\"n\">{}</td></tr>",
                esc_wrap(&d.column),
                d.psi,
                d.band,
                pct(d.unseen_share)
            );
        }
        s.push_str("</table></div>");
    }
}

/// Leakage findings as a list, each with its column, `tag` and detail,
/// in class `class`.
fn findings_list(s: &mut String, findings: &[&Finding], class: &str, tag: &str) {
    let _ = write!(s, "<ul class=\"{class}\">");
    for x in findings {
        let _ = write!(
            s,
            "<li><b>{}</b> <span class=\"tag\">{tag}</span><br>{}</li>",
            esc_wrap(&x.column),
            esc_wrap(&x.detail)
        );
    }
    s.push_str("</ul>");
}
