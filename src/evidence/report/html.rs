//! The report as one self-contained HTML page.

use std::fmt::Write as _;

use super::svg::{svg_calibration, svg_conversion, svg_gains, svg_lift};
use super::{esc, f, pct, verdict, Report};
use crate::evidence::drift::Band;

/// The class of the report's root element: every style rule is scoped to it,
/// so the report shown inside another page (a notebook) restyles nothing of
/// that page.
pub const ROOT_CLASS: &str = "leadscore-report";

/// The report's styles, each rule under `.leadscore-report`.
const CSS: &str = ".leadscore-report{font-family:-apple-system,system-ui,Segoe UI,Roboto,sans-serif;padding:12px;color:#111827;background:#fff;line-height:1.4;max-width:760px;text-align:left}.leadscore-report h1{font-size:1.4em;margin:0.4em 0;color:#111827}.leadscore-report h2{font-size:1.15em;color:#111827;border-bottom:1px solid #e5e7eb;padding-bottom:4px;margin-top:1.6em}.leadscore-report .chart{width:100%;max-width:420px;height:auto;display:block;margin:8px 0}.leadscore-report .scroll{overflow-x:auto}.leadscore-report table{border-collapse:collapse;border:0;font-size:0.85em;min-width:100%;margin:0}.leadscore-report th,.leadscore-report td{padding:3px 6px;border:0;border-bottom:1px solid #e5e7eb;text-align:left;white-space:nowrap;background:none;color:inherit}.leadscore-report td.n,.leadscore-report th.n{text-align:right}.leadscore-report .cards{display:flex;flex-wrap:wrap;gap:8px}.leadscore-report .card{border:1px solid #e5e7eb;border-radius:6px;padding:6px 10px;min-width:130px}.leadscore-report .card b{display:block;font-size:1.2em}.leadscore-report .warn{color:#b91c1c}.leadscore-report .ok{color:#15803d}.leadscore-report .muted{color:#6b7280;font-size:0.85em}";

/// The page around the report when it is a document of its own.
const PAGE_CSS: &str = "body{margin:0;background:#fff}.leadscore-report{margin:0 auto}";

/// A page of its own around `body`: the report's styles, scoped to its
/// root element, and `title` as its heading.
pub(crate) fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{PAGE_CSS}</style></head><body><div class=\"{ROOT_CLASS}\"><style>{CSS}</style><h1>{}</h1>{body}</div></body></html>\n",
        esc(title),
        esc(title)
    )
}

/// `body` inside the report's root element with its scoped styles, to show
/// inside another page.
pub(crate) fn html_fragment(body: &str) -> String {
    format!("<div class=\"{ROOT_CLASS}\"><style>{CSS}</style>{body}</div>")
}

impl Report {
    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{PAGE_CSS}</style></head><body>{}</body></html>\n",
            esc(&self.title),
            self.to_html_fragment()
        )
    }

    /// The report as an HTML fragment to show inside another page (a
    /// notebook's output): one root element of class [`ROOT_CLASS`] holding
    /// its own styles, every rule scoped to that class (no `body`, `table`
    /// or other page-wide selector), no scripts.
    pub fn to_html_fragment(&self) -> String {
        let mut s = String::new();
        self.html_open(&mut s);
        self.html_headline(&mut s);
        self.html_calibration(&mut s);
        self.html_lift(&mut s);
        self.html_conversion(&mut s);
        if let Some(o) = &self.outcomes {
            s.push_str(&o.to_html_section());
        }
        self.html_hand_set(&mut s);
        self.html_prior(&mut s);
        self.html_scorecard(&mut s);
        self.html_leakage(&mut s);
        self.html_drift(&mut s);
        s.push_str("</div>");
        s
    }

    fn html_open(&self, s: &mut String) {
        let _ = write!(
            s,
            "<div class=\"{ROOT_CLASS}\"><style>{CSS}</style><h1>{}</h1><p class=\"muted\">Generated {}. Model {} trained {} on {} deals ({} won).</p>",
            esc(&self.title),
            esc(&self.generated_at),
            esc(&self.model.fingerprint),
            esc(&self.model.created_at),
            self.model.training_rows,
            self.model.training_won
        );
        if let Some(w) = self.training_warning() {
            let _ = write!(
                s,
                "<p class=\"warn\"><b>Training data (optimistic).</b> {}</p>",
                esc(&w)
            );
        }
    }

    fn html_headline(&self, s: &mut String) {
        let e = &self.evaluation;
        let _ = write!(
            s,
            "<h2>Held-out figures</h2><p>{}: {} deals, {} won. {}.</p><div class=\"cards\">",
            esc(&e.protocol),
            e.test_rows,
            e.test_won,
            esc(&e.interval_method)
        );
        let verdict = verdict(e);
        let _ = write!(s, "<p><b>{}</b></p>", esc(&verdict));
        for (name, est, d) in [
            ("AUC", e.auc, 3),
            ("log loss", e.log_loss, 4),
            ("Brier", e.brier, 4),
        ] {
            let _ = write!(
                s,
                "<div class=\"card\">{name}<b>{}</b><span class=\"muted\">95 %: {} to {}</span></div>",
                f(est.value, d),
                f(est.low, d),
                f(est.high, d)
            );
        }
        let _ = write!(
            s,
            "<div class=\"card\">base-rate log loss<b>{}</b><span class=\"muted\">win rate {}</span></div><div class=\"card\">calibration error<b>{}</b><span class=\"muted\">expected (ECE)</span></div>",
            f(e.base_log_loss, 4),
            pct(e.base_rate),
            f(e.expected_calibration_error, 4)
        );
        if let Some(c) = &e.cut {
            let _ = write!(
                s,
                "<div class=\"card\">at {} points<b>precision {}</b><span class=\"muted\">recall {}, {} qualified</span></div>",
                f(c.cut_points, 1),
                pct(c.precision),
                pct(c.recall),
                pct(c.qualified_share)
            );
        }
        s.push_str("</div>");
        if let Some(p) = &e.policy {
            let _ = write!(
                s,
                "<h2>Qualification policy</h2><p>Policy {} routes {} of {} deals to sales: precision <b>{}</b>, recall <b>{}</b>.</p><div class=\"scroll\"><table><tr><th>tier</th><th>route</th><th class=\"n\">deals</th><th class=\"n\">win rate</th><th class=\"n\">95 % interval</th></tr>",
                esc(&p.policy_version),
                p.qualified,
                p.deals,
                pct(p.precision),
                pct(p.recall)
            );
            for t in &p.tiers {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} – {}</td></tr>",
                    esc(&t.tier),
                    esc(&t.route),
                    t.leads,
                    pct(t.rate),
                    pct(t.rate_low),
                    pct(t.rate_high)
                );
            }
            s.push_str("</table></div>");
        }
    }

    fn html_calibration(&self, s: &mut String) {
        let e = &self.evaluation;
        s.push_str("<h2>Calibration</h2><p class=\"muted\">Each dot is a band of predicted probability; on the dashed line the predictions come true as often as they say. Dot size: deals.</p>");
        s.push_str(&svg_calibration(e));
        s.push_str("<div class=\"scroll\"><table><tr><th>predicted</th><th class=\"n\">deals</th><th class=\"n\">won</th><th class=\"n\">mean predicted</th><th class=\"n\">observed</th></tr>");
        for b in e.calibration.iter().filter(|b| b.deals > 0) {
            let _ = write!(
                s,
                "<tr><td>{:.1}–{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                b.lower,
                b.upper,
                b.deals,
                b.won,
                pct(b.mean_predicted),
                pct(b.observed_rate)
            );
        }
        s.push_str("</table></div>");
    }

    fn html_lift(&self, s: &mut String) {
        let e = &self.evaluation;
        let hs = self.handset.as_ref().map(|h| h.handset_deciles.as_slice());
        s.push_str("<h2>Lift and cumulative gains</h2><p class=\"muted\">Deals ranked by score in ten equal groups; lift is a group's win rate over the average.</p>");
        s.push_str(&svg_lift(&e.deciles, hs));
        s.push_str(&svg_gains(&e.deciles, hs));
        s.push_str("<div class=\"scroll\"><table><tr><th>decile</th><th class=\"n\">deals</th><th class=\"n\">won</th><th class=\"n\">win rate</th><th class=\"n\">lift</th><th class=\"n\">cumulative gain</th></tr>");
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

    fn html_conversion(&self, s: &mut String) {
        for (i, c) in self.conversion.iter().enumerate() {
            let _ = write!(
                s,
                "<h2>Conversion by {}</h2>{}<div class=\"scroll\"><table><tr><th>{}</th><th class=\"n\">leads</th><th class=\"n\">won</th><th class=\"n\">rate</th><th class=\"n\">95 % interval</th><th class=\"n\">learned points</th></tr>",
                esc(&c.column),
                svg_conversion(c, i),
                esc(&c.column)
            );
            for r in &c.rows {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} – {}</td><td class=\"n\">{}</td></tr>",
                    esc(&r.value),
                    r.leads,
                    r.won,
                    pct(r.rate),
                    pct(r.rate_low),
                    pct(r.rate_high),
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}"))
                );
            }
            s.push_str("</table></div>");
        }
    }

    fn html_hand_set(&self, s: &mut String) {
        if let Some(h) = &self.handset {
            let (hl, ll) = h.top_decile_lift();
            let _ = write!(
                s,
                "<h2>Hand-set against learned points</h2><p>On the same {} deals: hand-set AUC <b>{}</b>, top-decile lift <b>{}</b>; learned AUC <b>{}</b>, top-decile lift <b>{}</b>. The lift chart above shows both (orange: hand-set).</p><div class=\"scroll\"><table><tr><th>column</th><th>value or range</th><th class=\"n\">hand-set</th><th class=\"n\">learned</th><th class=\"n\">deals</th><th class=\"n\">win rate</th></tr>",
                h.deals,
                f(h.handset_auc, 3),
                f(hl, 2),
                f(h.learned_auc, 3),
                f(ll, 2)
            );
            for r in &h.rules {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{:+}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    esc(&r.column),
                    esc(&r.value),
                    r.handset_points,
                    r.learned_points.map_or("–".into(), |p| format!("{p:+.1}")),
                    r.deals,
                    pct(r.rate)
                );
            }
            s.push_str("</table></div>");
        }
    }

    fn html_prior(&self, s: &mut String) {
        let Some(p) = &self.scorecard.prior else {
            return;
        };
        let _ = write!(
            s,
            "<h2>Started from the points sheet</h2><p>The model started from marketing's sheet ({} rules) at prior strength <b>{:.2}</b> (0 ignores the sheet, 1 keeps all of its points). Points as the sheet counts them (0 for what it does not mention): the sheet's attributes the deals moved furthest, then the largest it gives no points to:</p><div class=\"scroll\"><table><tr><th>column</th><th>attribute</th><th class=\"n\">sheet</th><th class=\"n\">learned</th><th class=\"n\">95 % interval</th><th class=\"n\">moved</th><th class=\"n\">deals</th><th class=\"n\">won</th></tr>",
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
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{:+.1}</td><td class=\"n\">{:+.1}</td><td class=\"n\">{}</td><td class=\"n\">{:+.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&a.column),
                esc(&a.attribute),
                a.sheet_points,
                a.learned_points,
                a.learned_interval.map_or("–".to_string(), |(lo, hi)| format!("{lo:+.1} to {hi:+.1}")),
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

    fn html_scorecard(&self, s: &mut String) {
        let _ = write!(
            s,
            "<h2>Scorecard</h2><p>Base points {:.1}; {} points = even odds, +{} points doubles the odds of winning.</p><div class=\"scroll\"><table><tr><th>column</th><th>attribute</th><th class=\"n\">points</th><th class=\"n\">training deals</th><th class=\"n\">won</th></tr>",
            self.scorecard.base_points,
            self.scorecard.scale.base_points,
            self.scorecard.scale.points_to_double_odds
        );
        for r in &self.scorecard.rows {
            if r.training_rows == 0 {
                continue;
            }
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{:+.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.column),
                esc(&r.attribute),
                r.points,
                r.training_rows,
                pct(r.training_won as f64 / r.training_rows as f64)
            );
        }
        s.push_str("</table></div>");
    }

    fn html_leakage(&self, s: &mut String) {
        s.push_str("<h2>Leakage audit</h2>");
        if self.audit.findings.is_empty() {
            s.push_str("<p class=\"ok\">No column looks filled in after the outcome.</p>");
        } else {
            s.push_str("<p class=\"warn\">These columns may be filled in after the outcome; a model must not learn from them.</p><div class=\"scroll\"><table><tr><th>column</th><th>reason</th><th class=\"n\">figure</th><th>detail</th></tr>");
            for x in &self.audit.findings {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    esc(&x.column),
                    x.reason,
                    f(x.figure, 3),
                    esc(&x.detail)
                );
            }
            s.push_str("</table></div>");
        }
        for w in &self.model.warnings {
            let _ = write!(s, "<p class=\"muted\">Training warning: {}</p>", esc(w));
        }
    }

    fn html_drift(&self, s: &mut String) {
        let _ = write!(
            s,
            "<h2>Drift</h2><p class=\"muted\">Population stability index of each feature between the {} training deals and these {} deals: below 0.10 stable, 0.10–0.25 moderate, 0.25 and above major.</p><div class=\"scroll\"><table><tr><th>column</th><th class=\"n\">PSI</th><th>band</th><th class=\"n\">unseen values</th></tr>",
            self.drift.training_rows, self.drift.rows
        );
        for d in &self.drift.features {
            let class = if d.band == Band::Stable { "ok" } else { "warn" };
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"n\">{:.3}</td><td class=\"{class}\">{:?}</td><td class=\"n\">{}</td></tr>",
                esc(&d.column),
                d.psi,
                d.band,
                pct(d.unseen_share)
            );
        }
        s.push_str("</table></div>");
    }
}

#[cfg(test)]
mod tests {
    use super::{CSS, ROOT_CLASS};

    #[test]
    fn every_style_rule_is_scoped_to_the_root_class() {
        let root = format!(".{ROOT_CLASS}");
        let rules: Vec<&str> = CSS.split('}').filter(|r| !r.is_empty()).collect();
        assert!(rules.len() > 10);
        for rule in rules {
            let (selectors, body) = rule.split_once('{').expect("a rule");
            assert!(!body.contains('{'), "{rule}");
            for selector in selectors.split(',') {
                let first = selector.split_whitespace().next().unwrap_or_default();
                assert_eq!(first, root, "{selector:?} is not scoped");
            }
        }
    }
}
