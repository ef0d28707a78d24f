//! The sheet's points of each attribute, and the report of a fit that
//! started from them.

use super::{Prior, PriorAttribute, PriorCandidate, PriorChoice, PriorReport, SheetProblem};
use crate::data::Table;
use crate::error::Result;
use crate::model::design::{Counts, Design};
use crate::model::encoding::Encoding;
use crate::model::logistic::weight_variances;
use crate::model::sheet::{Matcher, PointsSheet};
use crate::model::{Feature, L2Choice, Model, Scale};
use crate::util::is_missing_token;

/// The sheet's points of every attribute of `features` (one vector per
/// feature, in the model's points), from the training deals' cells and
/// attribute `slots`, and the sheet rules the deals cannot use.
pub(in crate::model) fn sheet_points(
    sheet: &PointsSheet,
    features: &[Feature],
    slots: &[Vec<u32>],
    deals: &Table,
    missing: &[String],
) -> Result<(Vec<Vec<f64>>, Vec<SheetProblem>)> {
    let mut problems = Vec::new();
    let mut sums: Vec<Vec<f64>> = features
        .iter()
        .map(|f| vec![0.0; f.encoding.n_attributes()])
        .collect();
    let mut used = vec![false; features.len()];
    for rule in &sheet.rules {
        let problem = |reason: String| SheetProblem {
            row: rule.row,
            column: rule.column.clone(),
            value: rule.label.clone(),
            reason,
        };
        let Some(j) = features.iter().position(|f| f.column == rule.column) else {
            let reason = if deals.column(&rule.column).is_some() {
                "the model does not learn from this column (ignored, excluded, the outcome or the id)".to_string()
            } else {
                "the deals have no such column".to_string()
            };
            problems.push(problem(reason));
            continue;
        };
        used[j] = true;
        let values = deals.require(&rule.column)?;
        let mut matched = 0usize;
        for (r, &slot) in slots[j].iter().enumerate() {
            let cell = values.text(r);
            let cell = cell.as_deref().filter(|c| !is_missing_token(missing, c));
            if rule.matcher.matches(cell) {
                matched += 1;
                sums[j][slot as usize] += rule.points;
            }
        }
        if matched == 0 {
            problems.push(problem(match rule.matcher {
                Matcher::Range { .. } => "no training deal has a value in this range".into(),
                Matcher::Missing => "no training deal has this column missing".into(),
                _ => "no training deal has this value".into(),
            }));
        }
    }
    let points = features
        .iter()
        .enumerate()
        .map(|(j, f)| {
            (0..f.encoding.n_attributes())
                .map(|i| {
                    let n = f.training_rows[i];
                    if !used[j] {
                        0.0
                    } else if n > 0 {
                        sums[j][i] / n as f64
                    } else {
                        // No training deal: the sheet's points of a typical cell.
                        typical_points(sheet, f, i)
                    }
                })
                .collect()
        })
        .collect();
    Ok((points, problems))
}

/// The sheet's points of every attribute as log-odds on `scale`, in the
/// design's order, padded with zeros to `n` (the design's event columns).
pub(in crate::model) fn log_odds(points: &[Vec<f64>], scale: Scale, n: usize) -> Vec<f64> {
    let factor = scale.factor();
    let mut out: Vec<f64> = points.iter().flatten().map(|p| p / factor).collect();
    out.resize(n, 0.0);
    out
}

/// The model with the report of the sheet it started from: the learned
/// weights `w` (intercept `b`, penalty `l2`) of the fit on `design` and
/// `counts` set against the sheet's points.
#[allow(clippy::too_many_arguments)]
pub(in crate::model) fn attach(
    model: Model,
    prior: &Prior,
    sheet: (Vec<Vec<f64>>, Vec<SheetProblem>),
    choice: PriorChoice,
    design: &Design,
    counts: &Counts,
    w: &[f64],
    b: f64,
    l2: Option<f64>,
) -> Result<Model> {
    let n: usize = model
        .features()
        .iter()
        .map(|f| f.encoding.n_attributes())
        .sum();
    let variances = match l2 {
        Some(l2) => weight_variances(design, counts, w, b, l2, &(0..n).collect::<Vec<_>>())?,
        // The win rate alone: no weight was fitted, so none has an interval.
        None => vec![f64::NAN; n],
    };
    let (points, problems) = sheet;
    let r = report(
        prior,
        model.features(),
        &model.cache.labels,
        &points,
        &variances,
        model.scale(),
        choice.strength,
        choice.strength_choice,
        choice.candidates,
        problems,
    );
    Ok(model.with_prior(r))
}

/// A cell that falls in attribute `i` of an encoding, for an attribute
/// without training deals: the level, a number inside the range, the
/// special value, no cell for `(missing)`, and a value no rule names for
/// `(other)`.
fn representative(e: &Encoding, i: usize) -> Option<String> {
    match e {
        Encoding::Categorical { levels } => match i.cmp(&levels.len()) {
            std::cmp::Ordering::Less => Some(levels[i].clone()),
            std::cmp::Ordering::Equal => Some("\u{1}(other)".into()),
            std::cmp::Ordering::Greater => None,
        },
        Encoding::Numeric {
            edges,
            special_values,
        } => {
            let ranges = edges.len() + 1;
            if i < ranges {
                let x = match (i.checked_sub(1).map(|k| edges[k]), edges.get(i)) {
                    (Some(a), Some(b)) => (a + b) / 2.0,
                    (Some(a), None) => a,
                    (None, Some(b)) => b - 1.0,
                    (None, None) => 0.0,
                };
                Some(x.to_string())
            } else {
                special_values.get(i - ranges).map(|v| v.to_string())
            }
        }
    }
}

/// The report of a fit started from a sheet: every attribute's sheet and
/// learned points on the scale's footing, with the learned points'
/// intervals (`variances` of the weights, one per attribute).
#[allow(clippy::too_many_arguments)]
pub(in crate::model) fn report(
    prior: &Prior,
    features: &[Feature],
    labels: &[Vec<String>],
    sheet: &[Vec<f64>],
    variances: &[f64],
    scale: &Scale,
    strength: f64,
    strength_choice: L2Choice,
    candidates: Vec<PriorCandidate>,
    problems: Vec<SheetProblem>,
) -> PriorReport {
    let factor = scale.factor();
    let mut attributes = Vec::new();
    let mut k = 0;
    for (j, f) in features.iter().enumerate() {
        for (i, &w) in f.weights.iter().enumerate() {
            let learned = factor * w;
            let half = 1.96 * factor * variances.get(k).copied().unwrap_or(f64::NAN).sqrt();
            attributes.push(PriorAttribute {
                column: f.column.clone(),
                attribute: labels[j][i].clone(),
                sheet_points: sheet[j][i],
                learned_points: learned,
                learned_interval: half.is_finite().then_some((learned - half, learned + half)),
                moved: learned - sheet[j][i],
                training_rows: f.training_rows[i],
                training_won: f.training_won[i],
            });
            k += 1;
        }
    }
    PriorReport {
        sheet_rules: prior.sheet.rules.len(),
        strength,
        strength_choice,
        candidates,
        attributes,
        problems,
    }
}

/// The sheet's points of every attribute of `model` (one vector per
/// feature), from a cell of each attribute (the level, a number inside the
/// range, no cell for `(missing)`): what [`crate::evidence::diff::diff_sheet`]
/// sets against the learned points. Without training deals a range the
/// model's ranges cut differently counts at each range's middle.
pub fn sheet_points_of(sheet: &PointsSheet, model: &Model) -> Vec<Vec<f64>> {
    model
        .features()
        .iter()
        .map(|f| {
            (0..f.encoding.n_attributes())
                .map(|i| typical_points(sheet, f, i))
                .collect()
        })
        .collect()
}

/// The sheet's points of a typical cell of attribute `i` of `f` (see
/// [`representative`]).
fn typical_points(sheet: &PointsSheet, f: &Feature, i: usize) -> f64 {
    let cell = representative(&f.encoding, i);
    sheet
        .rules
        .iter()
        .filter(|r| r.column == f.column && r.matcher.matches(cell.as_deref()))
        .map(|r| r.points)
        .sum()
}
