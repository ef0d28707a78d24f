//! The report as one self-contained HTML page, or a fragment to show inside
//! another page (a notebook). This file holds the frame (styles, page,
//! fragment), the first screen (the verdict, the cards, the policy's tier
//! table), the top drivers with the full scorecard folded, and the footer;
//! the sections after them are in `html_detail.rs`.
//!
//! The layout is responsive without scripts: tables wrap their text and sit
//! in horizontally scrollable boxes, charts scale with the width (view box,
//! width 100 %), and charts with their tables go side by side on wide
//! screens. Nothing of the page around the report is restyled: every rule
//! is scoped to the root element's class.

use std::fmt::Write as _;

use super::{count, esc, f, human_date, pct, pct_range, verdict, Report, TOP_DRIVERS};

/// The class of the report's root element: every style rule is scoped to it,
/// so the report shown inside another page (a notebook) restyles nothing of
/// that page.
pub const ROOT_CLASS: &str = "leadscore-report";

/// The report's styles, each rule under `.leadscore-report`.
const CSS: &str = concat!(
    ".leadscore-report{font-family:-apple-system,system-ui,Segoe UI,Roboto,sans-serif;padding:16px;color:#111827;background:#fff;line-height:1.45;max-width:1100px;text-align:left;box-sizing:border-box;overflow-wrap:break-word}",
    ".leadscore-report *{box-sizing:border-box}",
    ".leadscore-report h1{font-size:1.5em;line-height:1.2;margin:0 0 0.3em;color:#111827}",
    ".leadscore-report h2{font-size:1.2em;color:#111827;border-bottom:1px solid #e5e7eb;padding-bottom:4px;margin:1.6em 0 0.6em}",
    ".leadscore-report h3{font-size:1.05em;color:#111827;margin:1.2em 0 0.4em}",
    ".leadscore-report p{margin:0.5em 0}",
    ".leadscore-report .verdict{font-size:1.1em;font-weight:600;margin:0.4em 0 0.8em}",
    ".leadscore-report .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,380px),1fr));gap:8px 32px;align-items:start}",
    ".leadscore-report .grid>*{min-width:0}",
    ".leadscore-report figure{margin:8px 0}",
    ".leadscore-report .chart{width:100%;max-width:560px;height:auto;display:block;margin:8px 0}",
    ".leadscore-report .scroll{overflow-x:auto;max-width:min(100%,820px)}",
    ".leadscore-report table{border-collapse:collapse;border:0;font-size:0.875em;width:100%;margin:0 0 8px}",
    ".leadscore-report th,.leadscore-report td{padding:4px 6px;border:0;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top;white-space:normal;overflow-wrap:anywhere;background:none;color:inherit}",
    ".leadscore-report th{font-weight:600;color:#374151;border-bottom:1px solid #9ca3af;vertical-align:bottom}",
    ".leadscore-report td.n,.leadscore-report th.n{text-align:right}",
    ".leadscore-report td.n{white-space:nowrap;font-variant-numeric:tabular-nums}",
    ".leadscore-report small{display:block;font-size:0.8em;color:#6b7280;font-weight:normal}",
    ".leadscore-report .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px;margin:8px 0 12px}",
    ".leadscore-report .card{border:1px solid #e5e7eb;border-radius:8px;padding:8px 10px;background:#f9fafb}",
    ".leadscore-report .card b{display:block;font-size:1.35em;line-height:1.3}",
    ".leadscore-report .card span{display:block;color:#6b7280;font-size:0.8em}",
    ".leadscore-report .warn{color:#b91c1c}",
    ".leadscore-report .ok{color:#15803d}",
    ".leadscore-report .muted{color:#6b7280;font-size:0.875em}",
    ".leadscore-report .tag{display:inline-block;padding:0 6px;border-radius:8px;background:#f3f4f6;color:#4b5563;font-size:0.8em;white-space:nowrap}",
    ".leadscore-report .axis{display:flex;min-width:64px;height:14px}",
    ".leadscore-report .axis>span{flex:1;display:flex}",
    ".leadscore-report .axis>.l{justify-content:flex-end;border-right:1px solid #6b7280}",
    ".leadscore-report .bar{display:block;height:14px;border-radius:2px}",
    ".leadscore-report .pos{background:#2563eb}",
    ".leadscore-report .neg{background:#ea580c}",
    ".leadscore-report details{margin:12px 0}",
    ".leadscore-report summary{cursor:pointer;color:#1d4ed8;font-weight:600}",
    ".leadscore-report .foot{margin-top:2em;border-top:1px solid #e5e7eb;padding-top:6px;font-size:0.8em;color:#6b7280}",
);

/// The page around the report when it is a document of its own.
const PAGE_CSS: &str = "body{margin:0;background:#fff}.leadscore-report{margin:0 auto}";

/// A page of its own around `body`: the report's styles, scoped to its
/// root element, and `title` as its heading.
pub(crate) fn html_page(title: &str, body: &str) -> String {
    page(
        title,
        &html_fragment(&format!("<h1>{}</h1>{body}", esc(title))),
    )
}

/// A document of its own titled `title` around `root` (the report's root
/// element with its styles).
fn page(title: &str, root: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{PAGE_CSS}</style></head><body>{root}</body></html>\n",
        esc(title)
    )
}

/// `body` inside the report's root element with its scoped styles, to show
/// inside another page.
pub(crate) fn html_fragment(body: &str) -> String {
    format!("<div class=\"{ROOT_CLASS}\"><style>{CSS}</style>{body}</div>")
}

/// Escaped text with a line break allowed after each `_`, so that a long
/// snake_case column name wraps in a narrow table instead of widening it.
pub(super) fn esc_wrap(s: &str) -> String {
    esc(s).replace('_', "_<wbr>")
}

/// A table cell of a win rate with its 95 % interval below it, small.
pub(super) fn rate_cell(rate: f64, low: f64, high: f64) -> String {
    format!(
        "<td class=\"n\">{}<small>{}</small></td>",
        pct(rate),
        pct_range(low, high)
    )
}

impl Report {
    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        page(&self.title, &self.to_html_fragment())
    }

    /// The report as an HTML fragment to show inside another page (a
    /// notebook's output): one root element of class [`ROOT_CLASS`] holding
    /// its own styles, every rule scoped to that class (no `body`, `table`
    /// or other page-wide selector), no scripts.
    ///
    /// First comes what a sales lead reads: one sentence, the figures as
    /// cards and the policy's tiers; then the attributes that move the
    /// points most (the full scorecard folded), the charts and the checks.
    pub fn to_html_fragment(&self) -> String {
        let mut s = String::new();
        self.html_open(&mut s);
        self.html_headline(&mut s);
        self.html_policy(&mut s);
        self.html_drivers(&mut s);
        self.html_calibration(&mut s);
        self.html_lift(&mut s);
        self.html_conversion(&mut s);
        if let Some(o) = &self.outcomes {
            s.push_str(&o.to_html_section());
        }
        self.html_hand_set(&mut s);
        self.html_prior(&mut s);
        self.html_leakage(&mut s);
        self.html_drift(&mut s);
        self.html_foot(&mut s);
        s.push_str("</div>");
        s
    }

    /// The root element, the title and one line of who and when, in words.
    fn html_open(&self, s: &mut String) {
        let e = &self.evaluation;
        let _ = write!(
            s,
            "<div class=\"{ROOT_CLASS}\"><style>{CSS}</style><h1>{}</h1><p class=\"muted\">Report of {} on {} deals ({} won). The model learned from {} closed deals ({} won) on {}.</p>",
            esc(&self.title),
            esc(&human_date(&self.generated_at)),
            count(e.test_rows),
            count(e.test_won),
            count(self.model.training_rows),
            count(self.model.training_won),
            esc(&human_date(&self.model.created_at)),
        );
        if let Some(w) = self.training_warning() {
            let _ = write!(
                s,
                "<p class=\"warn\"><b>Training data (optimistic).</b> {}</p>",
                esc(&w)
            );
        }
    }

    /// The verdict in one sentence and the figures as cards.
    fn html_headline(&self, s: &mut String) {
        let e = &self.evaluation;
        let _ = write!(
            s,
            "<h2>{}</h2><p class=\"verdict\">{}</p><div class=\"cards\">",
            self.figures_heading(),
            esc(&verdict(e, !self.optimistic()))
        );
        for c in self.cards() {
            let _ = write!(
                s,
                "<div class=\"card\">{}<b>{}</b><span>{}</span></div>",
                esc(&c.name),
                esc(&c.value),
                esc(&c.note)
            );
        }
        let _ = write!(
            s,
            "</div><p class=\"muted\">On {}: {} deals, {} won. {}.</p>",
            esc(&e.protocol),
            count(e.test_rows),
            count(e.test_won),
            esc(&e.interval_method)
        );
    }

    /// The policy's tiers: how many deals each took and how often they won.
    fn html_policy(&self, s: &mut String) {
        let Some(p) = &self.evaluation.policy else {
            return;
        };
        let _ = write!(
            s,
            "<h2>Qualification policy</h2><p>Policy {} sends <b>{}</b> of {} deals ({}) to sales: <b>{}</b> of them won (precision), and they hold <b>{}</b> of all won deals (recall).</p><div class=\"scroll\"><table><tr><th>tier</th><th>route</th><th class=\"n\">deals</th><th class=\"n\">win rate<small>95 % interval</small></th></tr>",
            esc(&p.policy_version),
            count(p.qualified),
            count(p.deals),
            pct(p.qualified as f64 / p.deals.max(1) as f64),
            pct(p.precision),
            pct(p.recall)
        );
        for t in &p.tiers {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}<small>{}</small></td>{}</tr>",
                esc(&t.tier),
                esc(&t.route),
                count(t.leads),
                pct(t.leads as f64 / p.deals.max(1) as f64),
                rate_cell(t.rate, t.rate_low, t.rate_high)
            );
        }
        s.push_str("</table></div>");
    }

    /// The attributes with the most points for and against, as bars; the
    /// full scorecard folded below them.
    fn html_drivers(&self, s: &mut String) {
        let sc = &self.scorecard;
        let drivers = self.top_drivers(TOP_DRIVERS);
        let widest = drivers
            .iter()
            .map(|r| r.points.abs())
            .fold(0.0f64, f64::max)
            .max(1e-9);
        let _ = write!(
            s,
            "<h2>Top drivers</h2><p>What moves a lead's points most, for (blue) and against (orange): {} points is even odds, and every {} points more doubles the odds of winning.</p><div class=\"scroll\"><table><tr><th>attribute</th><th colspan=\"2\">points</th><th class=\"n\">win rate<small>training deals</small></th></tr>",
            f(sc.scale.base_points, 0),
            f(sc.scale.points_to_double_odds, 0)
        );
        for r in &drivers {
            let share = format!("{:.0}%", 100.0 * r.points.abs() / widest);
            let (left, right) = if r.points < 0.0 {
                (
                    format!("<i class=\"bar neg\" style=\"width:{share}\"></i>"),
                    String::new(),
                )
            } else {
                (
                    String::new(),
                    format!("<i class=\"bar pos\" style=\"width:{share}\"></i>"),
                )
            };
            let _ = write!(
                s,
                "<tr><td>{}<small>{}</small></td><td style=\"width:35%\"><div class=\"axis\"><span class=\"l\">{left}</span><span>{right}</span></div></td><td class=\"n\">{:+.1}</td><td class=\"n\">{}<small>of {}</small></td></tr>",
                esc(&r.attribute),
                esc_wrap(&r.column),
                r.points,
                pct(r.training_won as f64 / r.training_rows as f64),
                count(r.training_rows as usize)
            );
        }
        s.push_str("</table></div>");
        let shown: Vec<_> = sc.rows.iter().filter(|r| r.training_rows > 0).collect();
        let _ = write!(
            s,
            "<details><summary>Scorecard: all {} attributes</summary><p>Base points {:.1}; {} points = even odds, +{} points doubles the odds of winning.</p><div class=\"scroll\"><table><tr><th>column</th><th>attribute</th><th class=\"n\">points</th><th class=\"n\">win rate<small>training deals</small></th></tr>",
            shown.len(),
            sc.base_points,
            sc.scale.base_points,
            sc.scale.points_to_double_odds
        );
        for r in shown {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{:+.1}</td><td class=\"n\">{}<small>of {}</small></td></tr>",
                esc_wrap(&r.column),
                esc(&r.attribute),
                r.points,
                pct(r.training_won as f64 / r.training_rows as f64),
                count(r.training_rows as usize)
            );
        }
        s.push_str("</table></div></details>");
    }

    /// The exact times and the model's fingerprint, small, for the record.
    fn html_foot(&self, s: &mut String) {
        let _ = write!(
            s,
            "<p class=\"foot\">Generated {}. Model {} trained {}, outcome column {}.</p>",
            esc(&self.generated_at),
            esc(&self.model.fingerprint),
            esc(&self.model.created_at),
            esc(&self.model.target)
        );
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
