//! [`Scorecard`]: the model as points per attribute, readable by sales and
//! marketing alike.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Feature, Model, Scale};
use crate::data::csv::{write_text, write_text_record, TextCells};

/// How to read points, in one line: each attribute's points are its
/// effect for leads alike in the other columns.
pub const GIVEN_THE_OTHER_COLUMNS: &str = "Points are given the other columns: an attribute's points are what it adds for leads alike in everything else (a value whose leads win often can score below 0 when they win for another reason).";

/// The neutral choice for attributes no training deal had, in one line
/// (see [`Scorecard::neutral_note`]).
pub const NEUTRAL_UNSEEN: &str =
    "An attribute no training deal had (0 deals) scores 0 points, like the column's average lead.";

/// [`NEUTRAL_UNSEEN`] for a model started from a points sheet.
pub const NEUTRAL_UNSEEN_PRIOR: &str =
    "An attribute no training deal had (0 deals) keeps the points sheet's points (0 where the sheet has none).";

/// One attribute's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardRow {
    /// Column name.
    pub column: String,
    /// The attribute: a value, a range, `(other)` or `(missing)`.
    pub attribute: String,
    /// Points a lead gets for this attribute, relative to the average lead
    /// on this column.
    pub points: f64,
    /// The learned log-odds weight behind the points.
    pub weight: f64,
    /// Training deals with this attribute.
    pub training_rows: u64,
    /// Won training deals with this attribute.
    pub training_won: u64,
}

/// One event type's points: one event just now scores `points_at_0`, one
/// `half_life_days` old half of it, and the points of a lead's events add up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardEvent {
    /// The event type.
    pub event: String,
    /// Points of one event just now.
    pub points_at_0: f64,
    /// A 95 % interval of `points_at_0` (± 1.96 standard errors).
    pub points_at_0_interval: (f64, f64),
    /// The age in days at which an event's points halve.
    pub half_life_days: f64,
    /// The half-lives the deals do not reject (95 %): low and high (`None`:
    /// none rejected up to the longest searched).
    pub half_life_interval_days: (f64, Option<f64>),
    /// Training deals with an event of the type before their as-of time.
    pub training_rows: u64,
    /// Won training deals among them.
    pub training_won: u64,
    /// Events of the type counted in training.
    pub training_events: u64,
}

/// Points per attribute. A lead's points are `base_points` plus the points of
/// its one attribute in each column, and map one-to-one to a probability of
/// winning through [`Scale`].
///
/// ```
/// use leadscore::{synthetic, Model};
/// let deals = synthetic::deals(2_000, 3);
/// let model = Model::params().target("outcome").id("deal_id")
///     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals.table).unwrap();
/// let card = model.scorecard();
/// let demo = card.rows.iter().find(|r| r.column == "demo_requested" && r.attribute == "yes").unwrap();
/// assert!(demo.points > 0.0);
/// println!("{card}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// Points every lead starts from (an average lead on every column scores this).
    pub base_points: f64,
    /// How points map to odds.
    pub scale: Scale,
    /// Every attribute, column by column.
    pub rows: Vec<ScorecardRow>,
    /// Every event type, when the model learned from an event log; their
    /// points are added to the attributes' (a lead without events of a type
    /// gets 0 from it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ScorecardEvent>,
    /// For a model with a time to close: the baseline curve the points
    /// move (the points are those of the chance of closing won per period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<super::timing::ScorecardTiming>,
    /// For a model started from a points sheet: the strength, every
    /// attribute's sheet and learned points, and the rules the deals could
    /// not use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<super::prior::PriorReport>,
}

impl Model {
    /// The model as points per attribute; see [`Scorecard`].
    pub fn scorecard(&self) -> Scorecard {
        let mut rows = Vec::new();
        for (j, f) in self.features().iter().enumerate() {
            for (i, label) in self.cache.labels[j].iter().enumerate() {
                rows.push(ScorecardRow {
                    column: f.column.clone(),
                    attribute: label.clone(),
                    points: self.cache.points[j][i],
                    weight: f.weights[i],
                    training_rows: f.training_rows[i],
                    training_won: f.training_won[i],
                });
            }
        }
        let factor = self.scale.factor();
        let events = self
            .events()
            .map(|e| {
                e.terms
                    .iter()
                    .map(|t| {
                        let p = t.points_at_0(factor);
                        let half = 1.96 * factor * t.standard_error;
                        ScorecardEvent {
                            event: t.event.clone(),
                            points_at_0: p,
                            points_at_0_interval: (p - half, p + half),
                            half_life_days: t.half_life_days,
                            half_life_interval_days: t.half_life_interval_days,
                            training_rows: t.training_leads,
                            training_won: t.training_won,
                            training_events: t.training_events,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Scorecard {
            base_points: self.cache.base_points,
            scale: *self.scale(),
            rows,
            events,
            timing: self.scorecard_timing(),
            prior: self.prior().cloned(),
        }
    }
}

impl Scorecard {
    /// The line that says what an attribute without training deals scores
    /// ([`NEUTRAL_UNSEEN`], or [`NEUTRAL_UNSEEN_PRIOR`] for a model started
    /// from a points sheet).
    pub fn neutral_note(&self) -> &'static str {
        if self.prior.is_some() {
            NEUTRAL_UNSEEN_PRIOR
        } else {
            NEUTRAL_UNSEEN
        }
    }

    /// The attributes that move a lead's points most, among those with
    /// training deals (and at least 0.05 points either way): up to `top`
    /// with the most points for a win, highest first, and up to `top` with
    /// the most against, lowest first.
    pub fn drivers(&self, top: usize) -> (Vec<&ScorecardRow>, Vec<&ScorecardRow>) {
        let rows = self
            .rows
            .iter()
            .filter(|r| r.training_rows > 0 && r.points.is_finite() && r.points.abs() >= 0.05);
        let mut up: Vec<&ScorecardRow> = rows.clone().filter(|r| r.points > 0.0).collect();
        let mut down: Vec<&ScorecardRow> = rows.filter(|r| r.points < 0.0).collect();
        up.sort_by(|a, b| b.points.total_cmp(&a.points));
        down.sort_by(|a, b| a.points.total_cmp(&b.points));
        up.truncate(top);
        down.truncate(top);
        (up, down)
    }

    /// The rows of one column.
    pub fn column(&self, column: &str) -> Vec<&ScorecardRow> {
        self.rows.iter().filter(|r| r.column == column).collect()
    }

    /// Writes the scorecard as CSV: column, attribute, points, weight,
    /// training_rows, training_won. Column names and attributes that a
    /// spreadsheet would run as formulas are neutralised unless `cells` is
    /// [`TextCells::Raw`] (see [`TextCells`]); numbers are written as they are.
    pub fn write_csv<W: std::io::Write>(
        &self,
        mut writer: W,
        cells: TextCells,
    ) -> crate::Result<()> {
        use std::io::Write as _;
        let header = [
            "column",
            "attribute",
            "points",
            "weight",
            "training_rows",
            "training_won",
        ];
        let mut bytes = Vec::new();
        write_text_record(&mut bytes, header, cells);
        for r in &self.rows {
            write_text(&mut bytes, &r.column, cells);
            bytes.push(b',');
            write_text(&mut bytes, &r.attribute, cells);
            // Writing to a Vec cannot fail.
            let _ = writeln!(
                bytes,
                ",{:.2},{:.6},{},{}",
                r.points, r.weight, r.training_rows, r.training_won
            );
        }
        let err = |source| crate::Error::Io {
            path: "<scorecard>".into(),
            source,
        };
        writer.write_all(&bytes).map_err(err)?;
        writer.flush().map_err(err)
    }
}

impl fmt::Display for Scorecard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Base points {:.1}; {} points = even odds (50 %), +{} points doubles the odds of winning.",
            self.base_points, self.scale.base_points, self.scale.points_to_double_odds
        )?;
        writeln!(f, "{GIVEN_THE_OTHER_COLUMNS}")?;
        writeln!(f, "{}", self.neutral_note())?;
        let width = self
            .rows
            .iter()
            .map(|r| r.attribute.chars().count())
            .max()
            .unwrap_or(10)
            .clamp(10, 48);
        let mut last = "";
        for r in &self.rows {
            if r.column != last {
                writeln!(f, "\n{}", r.column)?;
                last = &r.column;
            }
            let rate = if r.training_rows > 0 {
                format!(
                    "{:5.1} %",
                    100.0 * r.training_won as f64 / r.training_rows as f64
                )
            } else {
                "    -  ".to_string()
            };
            let label: String = r.attribute.chars().take(width).collect();
            writeln!(
                f,
                "  {label:<width$} {:>+7.1} pts   {:>7} deals, won {rate}",
                r.points, r.training_rows
            )?;
        }
        if !self.events.is_empty() {
            writeln!(
                f,
                "\nEvents (points of one event just now, halving with its age; a lead's events add up)"
            )?;
            for e in &self.events {
                let (lo, hi) = e.half_life_interval_days;
                let interval = if lo == e.half_life_days && hi == Some(e.half_life_days) {
                    "fixed".to_string()
                } else {
                    let hi = hi.map_or("longer".to_string(), |h| format!("{h:.1}"));
                    format!("{lo:.1} to {hi}")
                };
                let rate = if e.training_rows > 0 {
                    format!(
                        "{:.1} %",
                        100.0 * e.training_won as f64 / e.training_rows as f64
                    )
                } else {
                    "-".into()
                };
                writeln!(
                    f,
                    "  {}: {:+.1} points today, half after {:.1} days ({interval}); {} deals with one, won {rate}",
                    e.event,
                    e.points_at_0,
                    e.half_life_days,
                    e.training_rows
                )?;
            }
        }
        if let Some(t) = &self.timing {
            write!(f, "\n{t}")?;
        }
        if let Some(p) = &self.prior {
            write!(f, "\n{p}")?;
        }
        Ok(())
    }
}

/// THE points formula: an attribute's points are its weight's distance from
/// its column's center (the training-weighted mean weight), in points.
pub(crate) fn points(factor: f64, weight: f64, center: f64) -> f64 {
    factor * (weight - center)
}

impl Feature {
    /// The scorecard points of attribute `i` on `scale`.
    pub fn points(&self, i: usize, scale: &Scale) -> f64 {
        points(scale.factor(), self.weights[i], self.center())
    }
}
