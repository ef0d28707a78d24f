//! Model diff: what changed between two models, attribute by attribute
//! (points on the scorecard) and in the training figures.

use serde::{Deserialize, Serialize};

use crate::model::sheet::PointsSheet;
use crate::model::{Model, ScorecardRow};

/// An attribute present in only one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneSided {
    /// Column name.
    pub column: String,
    /// The attribute label.
    pub attribute: String,
    /// Its points in the model that has it.
    pub points: f64,
}

/// An attribute in both models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsMove {
    /// Column name.
    pub column: String,
    /// The attribute label.
    pub attribute: String,
    /// Points in the old model.
    pub old_points: f64,
    /// Points in the new model.
    pub new_points: f64,
    /// `new_points − old_points`.
    pub change: f64,
}

/// A figure of both models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricChange {
    /// What the figure is.
    pub metric: String,
    /// In the old model (NaN when it has none).
    pub old: f64,
    /// In the new model.
    pub new: f64,
    /// `new − old`.
    pub change: f64,
}

/// What changed from one model to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDiff {
    /// Fingerprint of the old model.
    pub old_fingerprint: String,
    /// Fingerprint of the new model.
    pub new_fingerprint: String,
    /// Feature columns only the new model uses.
    pub columns_added: Vec<String>,
    /// Feature columns only the old model uses.
    pub columns_removed: Vec<String>,
    /// Attributes only the new model has.
    pub added: Vec<OneSided>,
    /// Attributes only the old model has.
    pub removed: Vec<OneSided>,
    /// Attributes in both, largest move first.
    pub moved: Vec<PointsMove>,
    /// Base points, training and cross-validation figures.
    pub metrics: Vec<MetricChange>,
}

fn figures(m: &Model) -> Vec<(&'static str, f64)> {
    let s = m.summary();
    let cv = s.cross_validation.as_ref();
    vec![
        ("base points", m.scorecard().base_points),
        ("training deals", s.rows as f64),
        ("won deals", s.won as f64),
        ("win rate", s.won as f64 / (s.rows.max(1)) as f64),
        ("l2", s.l2.unwrap_or(f64::NAN)),
        ("cross-validated AUC", cv.map_or(f64::NAN, |c| c.auc)),
        (
            "cross-validated log loss",
            cv.map_or(f64::NAN, |c| c.log_loss),
        ),
        (
            "base-rate log loss",
            cv.map_or(f64::NAN, |c| c.base_log_loss),
        ),
        ("training AUC", s.training_auc),
    ]
}

/// Compares two models.
///
/// ```
/// use leadscore::{diff::diff, synthetic, Model};
/// let params = Model::params().target("outcome").id("deal_id")
///     .ignore(["created_at", "closed_at"]).l2(3.0);
/// let old = params.clone().fit(&synthetic::deals(1_500, 1).table).unwrap();
/// let new = params.ignore(["campaign"]).fit(&synthetic::deals(1_500, 2).table).unwrap();
/// let d = diff(&old, &new);
/// assert_eq!(d.columns_removed, ["campaign"]);
/// assert!(d.removed.iter().any(|a| a.column == "campaign"));
/// ```
pub fn diff(old: &Model, new: &Model) -> ModelDiff {
    let (oc, nc) = (old.scorecard(), new.scorecard());
    let key = |r: &ScorecardRow| (r.column.clone(), r.attribute.clone());
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut moved = Vec::new();
    for r in &nc.rows {
        match oc.rows.iter().find(|o| key(o) == key(r)) {
            Some(o) => moved.push(PointsMove {
                column: r.column.clone(),
                attribute: r.attribute.clone(),
                old_points: o.points,
                new_points: r.points,
                change: r.points - o.points,
            }),
            None => added.push(OneSided {
                column: r.column.clone(),
                attribute: r.attribute.clone(),
                points: r.points,
            }),
        }
    }
    for o in &oc.rows {
        if !nc.rows.iter().any(|r| key(r) == key(o)) {
            removed.push(OneSided {
                column: o.column.clone(),
                attribute: o.attribute.clone(),
                points: o.points,
            });
        }
    }
    moved.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    let (oldf, newf) = (figures(old), figures(new));
    let metrics = oldf
        .iter()
        .zip(&newf)
        .map(|((name, o), (_, n))| MetricChange {
            metric: name.to_string(),
            old: *o,
            new: *n,
            change: n - o,
        })
        .collect();
    let ocols = old.feature_columns();
    let ncols = new.feature_columns();
    ModelDiff {
        old_fingerprint: old.fingerprint(),
        new_fingerprint: new.fingerprint(),
        columns_added: ncols
            .iter()
            .filter(|c| !ocols.contains(c))
            .map(|c| c.to_string())
            .collect(),
        columns_removed: ocols
            .iter()
            .filter(|c| !ncols.contains(c))
            .map(|c| c.to_string())
            .collect(),
        added,
        removed,
        moved,
        metrics,
    }
}

/// Compares marketing's points sheet with a model: for every attribute of
/// the model, the sheet's points (the rules its values match) against the
/// learned points on the sheet's footing (the scale's points of the
/// weight: 0 is what the sheet gives an attribute it does not mention).
/// Attributes of columns the sheet does not mention are `added`; rules on
/// columns the model does not use are `removed`.
///
/// ```
/// use leadscore::model::sheet::PointsSheet;
/// use leadscore::{diff::diff_sheet, synthetic, Model};
/// let sheet = PointsSheet::from_csv_str(
///     "column,value,points\ndemo_requested,yes,20\njob_title,VP,5\n",
///     std::path::Path::new("sheet.csv"),
/// ).unwrap();
/// let model = Model::params().target("outcome").id("deal_id")
///     .ignore(["created_at", "closed_at"]).l2(3.0)
///     .fit(&synthetic::deals(1_500, 1).table).unwrap();
/// let d = diff_sheet(&sheet, &model);
/// let demo = d.moved.iter().find(|m| m.column == "demo_requested" && m.attribute == "yes").unwrap();
/// assert_eq!(demo.old_points, 20.0);
/// assert!(d.removed.iter().any(|r| r.column == "job_title"));
/// ```
pub fn diff_sheet(sheet: &PointsSheet, model: &Model) -> ModelDiff {
    let points = crate::model::prior::sheet_points_of(sheet, model);
    let factor = model.scale().factor();
    let card = model.scorecard();
    let mentioned = |c: &str| sheet.rules.iter().any(|r| r.column == c);
    let (mut added, mut moved) = (Vec::new(), Vec::new());
    let mut k = 0;
    for (j, f) in model.features().iter().enumerate() {
        for (i, &w) in f.weights.iter().enumerate() {
            let attribute = card.rows[k].attribute.clone();
            k += 1;
            let learned = factor * w;
            if mentioned(&f.column) {
                moved.push(PointsMove {
                    column: f.column.clone(),
                    attribute,
                    old_points: points[j][i],
                    new_points: learned,
                    change: learned - points[j][i],
                });
            } else {
                added.push(OneSided {
                    column: f.column.clone(),
                    attribute,
                    points: learned,
                });
            }
        }
    }
    moved.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    let columns = model.feature_columns();
    let removed: Vec<OneSided> = sheet
        .rules
        .iter()
        .filter(|r| !columns.contains(&r.column.as_str()))
        .map(|r| OneSided {
            column: r.column.clone(),
            attribute: r.label.clone(),
            points: r.points,
        })
        .collect();
    let mut columns_removed: Vec<String> = removed.iter().map(|r| r.column.clone()).collect();
    columns_removed.dedup();
    ModelDiff {
        old_fingerprint: format!("points sheet ({} rules)", sheet.rules.len()),
        new_fingerprint: model.fingerprint(),
        columns_added: columns
            .iter()
            .filter(|c| !mentioned(c))
            .map(|c| c.to_string())
            .collect(),
        columns_removed,
        added,
        removed,
        moved,
        metrics: Vec::new(),
    }
}

impl std::fmt::Display for ModelDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Model {} -> {}",
            self.old_fingerprint, self.new_fingerprint
        )?;
        if self.metrics.is_empty() {
            writeln!(
                f,
                "(points as the sheet counts them: 0 for what it does not mention)"
            )?;
        }
        if !self.columns_added.is_empty() {
            writeln!(f, "Columns added: {}", self.columns_added.join(", "))?;
        }
        if !self.columns_removed.is_empty() {
            writeln!(f, "Columns removed: {}", self.columns_removed.join(", "))?;
        }
        if !self.metrics.is_empty() {
            writeln!(f, "\nMetrics (old -> new)")?;
        }
        for m in &self.metrics {
            writeln!(
                f,
                "  {:<26} {:>10.4} -> {:>10.4}  ({:+.4})",
                m.metric, m.old, m.new, m.change
            )?;
        }
        writeln!(f, "\nAttributes added ({})", self.added.len())?;
        for a in &self.added {
            writeln!(f, "  {}: {}  {:+.1} pts", a.column, a.attribute, a.points)?;
        }
        writeln!(f, "\nAttributes removed ({})", self.removed.len())?;
        for a in &self.removed {
            writeln!(f, "  {}: {}  {:+.1} pts", a.column, a.attribute, a.points)?;
        }
        writeln!(f, "\nPoints that moved most")?;
        for m in self.moved.iter().take(15) {
            writeln!(
                f,
                "  {}: {}  {:+.1} -> {:+.1}  ({:+.1})",
                m.column, m.attribute, m.old_points, m.new_points, m.change
            )?;
        }
        Ok(())
    }
}
