//! [`Scorecard`]: the model as points per attribute, readable by sales and
//! marketing alike.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Model, Scale};

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
}

impl Model {
    /// The model as points per attribute; see [`Scorecard`].
    pub fn scorecard(&self) -> Scorecard {
        let factor = self.scale().factor();
        let centers: f64 = self.features().iter().map(|f| f.center()).sum();
        let base_points = self.scale().points(self.intercept() + centers);
        let mut rows = Vec::new();
        for f in self.features() {
            let c = f.center();
            for (i, label) in f.encoding.labels().into_iter().enumerate() {
                rows.push(ScorecardRow {
                    column: f.column.clone(),
                    attribute: label,
                    points: factor * (f.weights[i] - c),
                    weight: f.weights[i],
                    training_rows: f.training_rows[i],
                    training_won: f.training_won[i],
                });
            }
        }
        Scorecard {
            base_points,
            scale: *self.scale(),
            rows,
        }
    }
}

impl Scorecard {
    /// The rows of one column.
    pub fn column(&self, column: &str) -> Vec<&ScorecardRow> {
        self.rows.iter().filter(|r| r.column == column).collect()
    }

    /// Writes the scorecard as CSV: column, attribute, points, weight,
    /// training_rows, training_won.
    pub fn write_csv<W: std::io::Write>(&self, writer: W) -> crate::Result<()> {
        let mut w = csv::Writer::from_writer(writer);
        let err = |source| crate::Error::Csv {
            path: "<scorecard>".into(),
            line: None,
            source,
        };
        w.write_record([
            "column",
            "attribute",
            "points",
            "weight",
            "training_rows",
            "training_won",
        ])
        .map_err(err)?;
        for r in &self.rows {
            w.write_record([
                r.column.clone(),
                r.attribute.clone(),
                format!("{:.2}", r.points),
                format!("{:.6}", r.weight),
                r.training_rows.to_string(),
                r.training_won.to_string(),
            ])
            .map_err(err)?;
        }
        w.flush().map_err(|source| crate::Error::Io {
            path: "<scorecard>".into(),
            source,
        })
    }
}

impl fmt::Display for Scorecard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Base points {:.1}; {} points = even odds (50 %), +{} points doubles the odds of winning.",
            self.base_points, self.scale.base_points, self.scale.points_to_double_odds
        )?;
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
        Ok(())
    }
}
