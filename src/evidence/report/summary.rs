//! What the first screen of a report shows, shared by its HTML and its
//! Markdown: the heading of the figures (held out, or training data), the
//! figures as cards, the top drivers, the leakage findings split by whether
//! the model uses the column; and numbers and dates written for people.

use super::{f, pct, Report};
use crate::evidence::audit::Finding;
use crate::model::ScorecardRow;

/// Attributes shown as the top drivers of a report (the rest are in the
/// full scorecard).
pub const TOP_DRIVERS: usize = 10;

impl Report {
    /// Whether the figures are on (partly) the model's training deals, and
    /// so optimistic.
    pub fn optimistic(&self) -> bool {
        self.evaluation.on_training_deals
    }

    /// The heading of the report's figures: "Held-out figures", or
    /// "Training data (optimistic)" when they are not held out.
    pub fn figures_heading(&self) -> &'static str {
        if self.optimistic() {
            "Training data (optimistic)"
        } else {
            "Held-out figures"
        }
    }

    /// The attributes that move a lead's points most, for and against: of
    /// the attributes training deals had, the `n / 2` with the most points
    /// and the `n / 2` with the fewest (more of one side when the other
    /// has too few), highest points first.
    pub fn top_drivers(&self, n: usize) -> Vec<&ScorecardRow> {
        let (mut up, mut down) = self.scorecard.drivers(n);
        let n_up = up.len().min((n / 2).max(n.saturating_sub(down.len())));
        let n_down = down.len().min(n - n_up);
        up.truncate(n_up);
        down.truncate(n_down);
        up.extend(down.into_iter().rev());
        up
    }

    /// Whether the model learns from `column` (it has points on the
    /// scorecard).
    pub fn uses_column(&self, column: &str) -> bool {
        self.scorecard.rows.iter().any(|r| r.column == column)
    }

    /// The leakage findings split in two: those about columns the model
    /// uses (warnings), then those about columns it does not use.
    pub fn leakage_findings(&self) -> (Vec<&Finding>, Vec<&Finding>) {
        self.audit
            .findings
            .iter()
            .partition(|x| self.uses_column(&x.column))
    }
}

/// One figure of the report's first screen: a card in HTML, a row in
/// Markdown.
pub(crate) struct Card {
    /// What the figure is.
    pub name: String,
    /// The figure.
    pub value: String,
    /// Its interval or what it means, in a few words.
    pub note: String,
}

impl Report {
    /// The figures of the first screen, in order: AUC, the top tenth's
    /// lift, the win rate, log loss, Brier, calibration error, and the
    /// precision at the cut when there is one.
    pub(crate) fn cards(&self) -> Vec<Card> {
        let e = &self.evaluation;
        let card = |name: &str, value: String, note: String| Card {
            name: name.to_string(),
            value,
            note,
        };
        let mut cards = vec![card(
            "AUC",
            f(e.auc.value, 3),
            format!(
                "ranking, 0.5 is chance; 95 %: {} to {}",
                f(e.auc.low, 3),
                f(e.auc.high, 3)
            ),
        )];
        if let Some(d) = e.deciles.first() {
            cards.push(card(
                "top tenth of leads",
                format!("{} ×", f(d.lift, 1)),
                format!("the average win rate ({} won)", pct(d.rate)),
            ));
        }
        cards.push(card(
            "win rate",
            pct(e.test_won as f64 / e.test_rows.max(1) as f64),
            format!("of these deals; training deals {}", pct(e.base_rate)),
        ));
        cards.push(card(
            "log loss",
            f(e.log_loss.value, 4),
            format!(
                "95 %: {} to {}; the win rate alone {}",
                f(e.log_loss.low, 4),
                f(e.log_loss.high, 4),
                f(e.base_log_loss, 4)
            ),
        ));
        cards.push(card(
            "Brier",
            f(e.brier.value, 4),
            format!("95 %: {} to {}", f(e.brier.low, 4), f(e.brier.high, 4)),
        ));
        cards.push(card(
            "calibration error",
            f(e.expected_calibration_error, 4),
            format!(
                "expected (ECE): predictions off by {} points on average",
                f(100.0 * e.expected_calibration_error, 1)
            ),
        ));
        if let Some(c) = &e.cut {
            cards.push(card(
                &format!("precision at {} points", f(c.cut_points, 0)),
                pct(c.precision),
                format!(
                    "recall {}; {} of leads qualify",
                    pct(c.recall),
                    pct(c.qualified_share)
                ),
            ));
        }
        cards
    }
}

/// A date or date-time for people: `7 December 2026` (the text itself when
/// it is not a date).
pub(crate) fn human_date(text: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let Some(secs) = crate::util::time::parse_timestamp(text) else {
        return text.to_string();
    };
    let day = crate::util::time::format_timestamp(secs);
    let parts: Vec<&str> = day.get(..10).unwrap_or_default().split('-').collect();
    match parts.as_slice() {
        [y, m, d] => {
            let month = m
                .parse::<usize>()
                .ok()
                .and_then(|m| MONTHS.get(m.wrapping_sub(1)));
            match (d.parse::<u32>(), month) {
                (Ok(d), Some(month)) => format!("{d} {month} {y}"),
                _ => text.to_string(),
            }
        }
        _ => text.to_string(),
    }
}

/// A count with thousands separated by commas: `12,345`.
pub(crate) fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A range of shares, short: `52.1–65.6 %`.
pub(crate) fn pct_range(low: f64, high: f64) -> String {
    if low.is_finite() && high.is_finite() {
        format!("{:.1}–{:.1} %", 100.0 * low, 100.0 * high)
    } else {
        "–".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{count, human_date, pct_range};

    #[test]
    fn dates_and_counts_read_as_people_write_them() {
        assert_eq!(human_date("2026-12-07T12:06:51Z"), "7 December 2026");
        assert_eq!(human_date("2024-02-29"), "29 February 2024");
        assert_eq!(human_date("not a date"), "not a date");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(pct_range(0.521, 0.656), "52.1–65.6 %");
        assert_eq!(pct_range(f64::NAN, 0.5), "–");
    }

    /// A report of a synthetic model on held-out deals with a column only
    /// won deals have, which the model never saw.
    fn report_with_an_unused_leak() -> crate::evidence::report::Report {
        let deals = crate::synthetic::deals(2_000, 3).table;
        let model = crate::Model::params()
            .target("outcome")
            .id("deal_id")
            .ignore(["created_at", "closed_at"])
            .l2(3.0)
            .fit(&deals)
            .expect("the synthetic deals train");
        let mut holdout = crate::synthetic::deals(1_000, 4).table;
        let won: Vec<Option<String>> = (0..holdout.n_rows())
            .map(|r| {
                let outcome = holdout.cell(r, "outcome").ok().flatten();
                (outcome.as_deref() == Some("Won")).then(|| "2025-03-01".to_string())
            })
            .collect();
        holdout
            .set_column("contract_signed_date", crate::Values::Text(won))
            .expect("a new column");
        let options = crate::evidence::report::ReportOptions::default();
        crate::evidence::report::build(&model, &holdout, &options).expect("a report")
    }

    #[test]
    fn the_first_screen_leads_and_leaks_in_unused_columns_raise_no_alarm() {
        let report = report_with_an_unused_leak();
        let drivers = report.top_drivers(super::TOP_DRIVERS);
        assert_eq!(drivers.len(), 10);
        assert!(drivers.windows(2).all(|w| w[0].points >= w[1].points));
        assert_eq!(drivers.iter().filter(|r| r.points > 0.0).count(), 5);
        assert!(!report.optimistic());
        assert_eq!(report.figures_heading(), "Held-out figures");

        let (used, unused) = report.leakage_findings();
        assert!(used.is_empty());
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].column, "contract_signed_date");

        let html = report.to_html();
        let at = |text: &str| html.find(text).unwrap_or_else(|| panic!("{text}"));
        assert!(at("Held-out figures") < at("class=\"cards\""));
        assert!(at("class=\"cards\"") < at("Top drivers"));
        assert!(at("Top drivers") < at("<details><summary>Scorecard"));
        assert!(at("<details><summary>Scorecard") < at("id=\"calibration-chart\""));
        assert!(html.contains("not used by this model"));
        assert!(!html.contains("<p class=\"warn\">"), "no alarm");
        let md = report.to_markdown();
        assert!(md.find("## Top drivers") < md.find("## Calibration"));
        assert!(md.contains("| contract_signed_date | not used by this model |"));
    }
}
