//! Outcomes as text, Markdown and HTML (a section of the report, or a page
//! of its own), with two charts: the tier funnel and the hours to first
//! touch against each tier's SLA.

use std::fmt::{self, Write as _};

use super::{GroupOutcome, Grouping, Outcomes, SpeedEffect};
use crate::evidence::report::{esc, OutputFormat};

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "-".to_string(), f)
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

fn hours(h: f64) -> String {
    if h < 1.0 {
        format!("{:.0} min", h * 60.0)
    } else if h < 48.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} d", h / 24.0)
    }
}

fn sla(h: Option<f64>) -> String {
    opt(h, hours)
}

fn effect(e: &Option<SpeedEffect>) -> String {
    match e {
        None => "-".into(),
        Some(e) => format!(
            "{:+.1} pts ({:+.1} to {:+.1}); unadjusted {:+.1}",
            100.0 * e.difference,
            100.0 * e.low,
            100.0 * e.high,
            100.0 * e.crude_difference
        ),
    }
}

fn win_rate(g: &GroupOutcome) -> String {
    let s = &g.stats;
    match (s.win_rate, s.win_rate_low, s.win_rate_high) {
        (Some(r), Some(l), Some(h)) => format!("{} ({:.1}–{:.1})", pct(r), 100.0 * l, 100.0 * h),
        _ => "-".into(),
    }
}

/// The columns of a group table: header and cell.
type Cell = (&'static str, fn(&GroupOutcome) -> String);

const COLUMNS: [Cell; 10] = [
    ("leads", |g| g.stats.leads.to_string()),
    ("touched", |g| g.stats.touched.to_string()),
    ("SLA", |g| sla(g.stats.sla_hours)),
    ("within SLA", |g| opt(g.stats.within_sla, pct)),
    ("median to touch", |g| {
        opt(g.stats.median_hours_to_touch, hours)
    }),
    ("p95 to touch", |g| opt(g.stats.p95_hours_to_touch, hours)),
    ("won / lost / open", |g| {
        format!("{} / {} / {}", g.stats.won, g.stats.lost, g.stats.open)
    }),
    ("win rate (95 %)", win_rate),
    ("within / after SLA / untouched", |g| {
        format!(
            "{} / {} / {}",
            opt(g.stats.win_rate_within_sla, pct),
            opt(g.stats.win_rate_after_sla, pct),
            opt(g.stats.win_rate_untouched, pct)
        )
    }),
    ("speed effect, same points", |g| {
        effect(&g.stats.speed_effect)
    }),
];

fn rows_of(o: &Outcomes, by: Grouping) -> Vec<&GroupOutcome> {
    let mut rows: Vec<&GroupOutcome> = o.groups(by).unwrap_or_default().iter().collect();
    if by == Grouping::Tier {
        rows.push(&o.all);
    }
    rows
}

/// Writes rows of cells as columns aligned on the widest cell.
fn aligned(out: &mut fmt::Formatter<'_>, cells: &[Vec<String>]) -> fmt::Result {
    let widths: Vec<usize> = (0..cells.first().map_or(0, Vec::len))
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in cells {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "  {}", line.join("  ").trim_end())?;
    }
    Ok(())
}

fn text_table(out: &mut fmt::Formatter<'_>, o: &Outcomes, by: Grouping) -> fmt::Result {
    let mut cells: Vec<Vec<String>> = vec![std::iter::once(by.as_str().to_string())
        .chain(COLUMNS.iter().map(|c| c.0.to_string()))
        .collect()];
    for g in rows_of(o, by) {
        cells.push(
            std::iter::once(g.key.name().to_string())
                .chain(COLUMNS.iter().map(|c| (c.1)(g)))
                .collect(),
        );
    }
    aligned(out, &cells)
}

impl fmt::Display for Outcomes {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.all.stats;
        writeln!(
            out,
            "Outcomes of {} decided leads: {} touched, {} within their SLA, {} won and {} lost ({} not known yet).",
            self.leads,
            a.touched,
            opt(a.within_sla, pct),
            a.won,
            a.lost,
            a.open
        )?;
        writeln!(
            out,
            "Read {} decision rows, {} touch rows, {} deal rows. The speed effect is the win rate within the SLA minus after it, for leads of the same points ({} bands), with its 95 % interval.\n",
            self.rows.decisions, self.rows.touches, self.rows.deals, self.bands
        )?;
        for by in Grouping::ALL {
            if self.groups(by).is_some() {
                writeln!(out, "By {by}")?;
                text_table(out, self, by)?;
                writeln!(out)?;
            }
        }
        if !self.rejections.is_empty() {
            writeln!(out, "Rejected by sales")?;
            let mut cells: Vec<Vec<String>> = vec![[
                "tier",
                "reason",
                "leads",
                "mean points",
                "tier median",
                "model agreed",
                "won",
                "lost",
            ]
            .map(String::from)
            .to_vec()];
            for r in &self.rejections {
                cells.push(vec![
                    r.tier.clone(),
                    r.reason.clone(),
                    r.leads.to_string(),
                    format!("{:.1}", r.mean_points),
                    opt(r.tier_median_points, |m| format!("{m:.1}")),
                    opt(r.model_agreed, pct),
                    r.won.to_string(),
                    r.lost.to_string(),
                ]);
            }
            aligned(out, &cells)?;
            writeln!(out, "  (model agreed: the rejected lead's points are below the median of its tier's other leads)\n")?;
        }
        problems_text(out, self)
    }
}

fn problems_text(out: &mut fmt::Formatter<'_>, o: &Outcomes) -> fmt::Result {
    if o.problems.rows == 0 {
        return writeln!(out, "Every row could be used.");
    }
    writeln!(out, "{} rows could not be used:", o.problems.rows)?;
    for c in &o.problems.counts {
        writeln!(out, "  {}: {}: {} rows", c.file, c.problem, c.rows)?;
    }
    let shown = o.problems.examples.len().min(10);
    if shown > 0 {
        writeln!(out, "The first {shown}:")?;
        for p in &o.problems.examples[..shown] {
            writeln!(out, "  {p}")?;
        }
    }
    Ok(())
}

/// Escapes a cell of a Markdown table.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Outcomes {
    /// The outcomes as text (as the command line prints them).
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// The outcomes as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("## What happened to the decisions\n\n");
        for by in Grouping::ALL {
            if self.groups(by).is_none() {
                continue;
            }
            let _ = writeln!(s, "### By {by}\n");
            let head: Vec<&str> = std::iter::once(by.as_str())
                .chain(COLUMNS.iter().map(|c| c.0))
                .collect();
            let _ = writeln!(s, "| {} |", head.join(" | "));
            let _ = writeln!(s, "|{}", "---|".repeat(head.len()));
            for g in rows_of(self, by) {
                let cells: Vec<String> = std::iter::once(md_cell(g.key.name()))
                    .chain(COLUMNS.iter().map(|c| md_cell(&(c.1)(g))))
                    .collect();
                let _ = writeln!(s, "| {} |", cells.join(" | "));
            }
            s.push('\n');
        }
        if self.problems.rows > 0 {
            let _ = writeln!(s, "{} rows could not be used:\n", self.problems.rows);
            for c in &self.problems.counts {
                let _ = writeln!(s, "- {}: {}: {} rows", c.file, md_cell(&c.problem), c.rows);
            }
        }
        s
    }

    /// The outcomes as an HTML section (inside a report's root element).
    pub fn to_html_section(&self) -> String {
        format!(
            "<h2>What happened to the decisions</h2>{}",
            self.html_body()
        )
    }

    fn html_body(&self) -> String {
        let mut s = String::new();
        let a = &self.all.stats;
        let _ = write!(
            s,
            "<p>{} decided leads: {} touched, {} within their SLA; {} won, {} lost, {} not known yet. The speed effect compares the win rate of leads touched within the SLA with leads of the same points touched after it.</p>",
            self.leads,
            a.touched,
            esc(&opt(a.within_sla, pct)),
            a.won,
            a.lost,
            a.open
        );
        s.push_str(&svg_funnel(self));
        s.push_str(&svg_touch_hours(self));
        for by in Grouping::ALL {
            if self.groups(by).is_none() {
                continue;
            }
            let _ = write!(
                s,
                "<h3>By {by}</h3><div class=\"scroll\"><table><tr><th>{by}</th>"
            );
            for c in &COLUMNS {
                let _ = write!(s, "<th class=\"n\">{}</th>", esc(c.0));
            }
            s.push_str("</tr>");
            for g in rows_of(self, by) {
                let _ = write!(s, "<tr><td>{}</td>", esc(g.key.name()));
                for c in &COLUMNS {
                    let _ = write!(s, "<td class=\"n\">{}</td>", esc(&(c.1)(g)));
                }
                s.push_str("</tr>");
            }
            s.push_str("</table></div>");
        }
        if !self.rejections.is_empty() {
            s.push_str("<h3>Rejected by sales</h3><div class=\"scroll\"><table><tr><th>tier</th><th>reason</th><th class=\"n\">leads</th><th class=\"n\">mean points</th><th class=\"n\">tier median</th><th class=\"n\">model agreed</th><th class=\"n\">won</th></tr>");
            for r in &self.rejections {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    esc(&r.tier),
                    esc(&r.reason),
                    r.leads,
                    r.mean_points,
                    esc(&opt(r.tier_median_points, |m| format!("{m:.1}"))),
                    esc(&opt(r.model_agreed, pct)),
                    r.won
                );
            }
            s.push_str("</table></div>");
        }
        if self.problems.rows > 0 {
            let _ = write!(
                s,
                "<p class=\"warn\">{} rows could not be used:</p><ul>",
                self.problems.rows
            );
            for c in &self.problems.counts {
                let _ = write!(
                    s,
                    "<li>{}: {}: {} rows</li>",
                    c.file,
                    esc(&c.problem),
                    c.rows
                );
            }
            s.push_str("</ul>");
        }
        s
    }

    /// The outcomes as an HTML fragment to show inside another page (a
    /// notebook): one root element holding its own scoped styles.
    pub fn to_html_fragment(&self) -> String {
        crate::evidence::report::html_fragment(&self.to_html_section())
    }

    /// The outcomes as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        crate::evidence::report::html_page("What happened to the decisions", &self.html_body())
    }

    /// The outcomes in `format`: text, JSON, Markdown, an HTML page or
    /// fragment.
    pub fn render(&self, format: OutputFormat) -> crate::Result<String> {
        Ok(
            match format.one_of(&[
                OutputFormat::Text,
                OutputFormat::Json,
                OutputFormat::Md,
                OutputFormat::Html,
                OutputFormat::Fragment,
            ])? {
                OutputFormat::Text => self.to_text(),
                OutputFormat::Md => self.to_markdown(),
                OutputFormat::Html => self.to_html(),
                OutputFormat::Fragment => self.to_html_fragment(),
                _ => self.to_json(),
            },
        )
    }
}

const COLORS: [(&str, &str); 3] = [
    ("#2563eb", "touched"),
    ("#16a34a", "within SLA"),
    ("#d97706", "win rate"),
];

/// The tier funnel: per tier, the share touched, the share within its SLA
/// and the win rate, each bar labelled with its value.
fn svg_funnel(o: &Outcomes) -> String {
    let (w, row, top, left) = (420.0, 54.0, 34.0, 90.0);
    let h = top + row * o.tiers.len() as f64 + 24.0;
    let span = w - left - 60.0;
    let mut s = format!(
        r#"<svg class="chart" id="outcomes-funnel" viewBox="0 0 {w} {h}" role="img" aria-label="Tier funnel: touched, within SLA, win rate" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, (color, label)) in COLORS.iter().enumerate() {
        let x = left + i as f64 * 100.0;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="8" width="10" height="10" fill="{color}"/><text x="{:.0}" y="17" font-size="11" fill="#111827">{label}</text>"##,
            x + 14.0
        );
    }
    for t in 0..=4 {
        let x = left + span * f64::from(t) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{:.1}" stroke="#e5e7eb"/><text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#374151">{} %</text>"##,
            top - 4.0,
            h - 20.0,
            h - 8.0,
            25 * t
        );
    }
    for (i, g) in o.tiers.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(
            s,
            r##"<text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#111827">{}</text>"##,
            left - 6.0,
            y + row / 2.0,
            esc(g.key.name())
        );
        let st = &g.stats;
        let touched = (st.leads > 0).then(|| st.touched as f64 / st.leads as f64);
        for (k, v) in [touched, st.within_sla, st.win_rate]
            .into_iter()
            .enumerate()
        {
            let by = y + 4.0 + 15.0 * k as f64;
            let Some(v) = v else {
                let none = ["no leads", "no SLA", "no closed deals"][k];
                let _ = write!(
                    s,
                    r##"<text x="{left}" y="{:.1}" font-size="10" fill="#6b7280">{none}</text>"##,
                    by + 10.0
                );
                continue;
            };
            let _ = write!(
                s,
                r##"<rect x="{left}" y="{by:.1}" width="{:.1}" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#111827">{}</text>"##,
                span * v,
                COLORS[k].0,
                left + span * v + 4.0,
                by + 10.0,
                pct(v)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Hours to first touch per tier on a log scale: the box from the 25th to
/// the 75th percentile, whiskers to the 10th and 90th, the median marked,
/// and the tier's SLA as a red line.
fn svg_touch_hours(o: &Outcomes) -> String {
    let tiers: Vec<&GroupOutcome> = o
        .tiers
        .iter()
        .filter(|g| g.stats.hours_to_touch.is_some())
        .collect();
    if tiers.is_empty() {
        return String::new();
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for g in &tiers {
        let q = g.stats.hours_to_touch.unwrap_or_else(|| unreachable!());
        lo = lo.min(q.p10);
        hi = hi.max(q.p90);
        if let Some(s) = g.stats.sla_hours {
            lo = lo.min(s);
            hi = hi.max(s);
        }
    }
    let (lo, hi) = (
        (lo.max(1.0 / 60.0) / 2.0).log10(),
        (hi.max(1.0) * 2.0).log10(),
    );
    let (w, row, top, left) = (420.0, 30.0, 30.0, 90.0);
    let h = top + row * tiers.len() as f64 + 30.0;
    let span = w - left - 16.0;
    let x = |hours: f64| left + span * ((hours.max(1e-3).log10() - lo) / (hi - lo)).clamp(0.0, 1.0);
    let mut s = format!(
        r#"<svg class="chart" id="outcomes-touch-hours" viewBox="0 0 {w} {h}" role="img" aria-label="Hours to first touch per tier against its SLA" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = write!(
        s,
        r##"<rect x="{left}" y="8" width="14" height="10" fill="#bfdbfe" stroke="#2563eb"/><text x="{:.0}" y="17" font-size="11" fill="#111827">middle half (10th–90th whiskers)</text><line x1="{:.0}" y1="6" x2="{:.0}" y2="20" stroke="#dc2626" stroke-width="2"/><text x="{:.0}" y="17" font-size="11" fill="#111827">SLA</text>"##,
        left + 18.0,
        left + 250.0,
        left + 250.0,
        left + 256.0
    );
    for (label, hours) in [
        ("15 min", 0.25),
        ("1 h", 1.0),
        ("4 h", 4.0),
        ("1 d", 24.0),
        ("1 w", 168.0),
        ("4 w", 672.0),
    ] {
        let l = f64::log10(hours);
        if l < lo || l > hi {
            continue;
        }
        let xx = x(hours);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="#e5e7eb"/><text x="{xx:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#374151">{label}</text>"##,
            h - 26.0,
            h - 14.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#111827">hours from created to first touch (log scale)</text>"##,
        left + span / 2.0,
        h - 2.0
    );
    for (i, g) in tiers.iter().enumerate() {
        let q = g.stats.hours_to_touch.unwrap_or_else(|| unreachable!());
        let y = top + row * i as f64 + row / 2.0;
        let _ = write!(
            s,
            r##"<text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#111827">{}</text><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#2563eb"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="12" fill="#bfdbfe" stroke="#2563eb"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#1e3a8a" stroke-width="2"/>"##,
            left - 6.0,
            y + 4.0,
            esc(g.key.name()),
            x(q.p10),
            x(q.p90),
            x(q.p25),
            y - 6.0,
            (x(q.p75) - x(q.p25)).max(1.0),
            x(q.p50),
            y - 6.0,
            x(q.p50),
            y + 6.0
        );
        if let Some(sla) = g.stats.sla_hours {
            let _ = write!(
                s,
                r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#dc2626" stroke-width="2"/>"##,
                x(sla),
                y - 10.0,
                x(sla),
                y + 10.0
            );
        }
    }
    s.push_str("</svg>");
    s
}
