//! Starting from marketing's points: a [`PointsSheet`] as the prior of the
//! attribute weights, and the evidence for every change the deals make.
//!
//! Each attribute's prior mean is the sheet's points for it, turned into
//! log-odds on the model's [`Scale`](super::Scale) (`points / factor`): the
//! points of every sheet rule on its column that the attribute's training
//! deals match, averaged over those deals (exact for a value; for a range of
//! numbers that the model's ranges cut differently, the mean of its deals).
//! An attribute the sheet does not mention has prior 0, as without a sheet.
//!
//! The fit then minimises the deviance plus
//! `l2/2 · ‖w − s · w_sheet‖²`: the prior strength `s` is the share of the
//! sheet's points the prior keeps, from 0 (ignore the sheet: the model of
//! the deals alone) to 1 (the sheet itself, which a strong `l2` keeps).
//! Both `s` and `l2` are chosen by the same cross-validation (each
//! strength's penalty by the penalty rule, then the strength of lowest
//! out-of-fold log loss), or fixed.
//!
//! Every sheet rule that names a column the model does not learn from, or a
//! value no training deal has, is reported ([`SheetProblem`]), not ignored.
//!
//! ```
//! use leadscore::model::prior::PriorStrength;
//! use leadscore::model::sheet::PointsSheet;
//! use leadscore::{synthetic, Model};
//! let deals = synthetic::deals(60, 4).table;
//! let sheet = PointsSheet::from_csv_str(
//!     "column,value,points\ndemo_requested,yes,20\njob_seniority,Student,-10\n",
//!     std::path::Path::new("sheet.csv"),
//! ).unwrap();
//! let model = Model::params().target("outcome").id("deal_id")
//!     .ignore(["created_at", "closed_at", "deal_value"])
//!     .prior_sheet(sheet).prior_strength(PriorStrength::Auto)
//!     .fit(&deals).unwrap();
//! let prior = model.prior().unwrap();
//! assert!((0.0..=1.0).contains(&prior.strength));
//! let demo = prior.attributes.iter()
//!     .find(|a| a.column == "demo_requested" && a.attribute == "yes").unwrap();
//! assert_eq!(demo.sheet_points, 20.0);
//! ```

use serde::{Deserialize, Serialize};

use super::cv::{choose, cross_validate, PathOptions};
use super::design::{Counts, Design};
use super::encoding::Encoding;
use super::fit::TimeColumn;
use super::logistic::weight_variances;
use super::params::ModelParams;
use super::sheet::{Matcher, PointsSheet};
use super::{CrossValidation, CvPoint, Feature, L2Choice, Model, Scale};
use crate::data::Table;
use crate::error::{Error, Result};
use crate::util::is_missing_token;

/// Prior strengths cross-validation tries: the share of the sheet's points
/// the prior keeps.
pub const PRIOR_STRENGTHS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// The fewest won and lost deals training starts from with a sheet (the
/// default minimum without one is [`super::params::DEFAULT_MIN_OUTCOMES`]).
pub const MIN_OUTCOMES_WITH_PRIOR: usize = 5;

/// How strongly the sheet pulls the points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorStrength {
    /// Chosen by cross-validation among [`PRIOR_STRENGTHS`].
    Auto,
    /// This share of the sheet's points (0 to 1).
    Fixed(f64),
}

impl PriorStrength {
    /// Reads `auto` or a number from 0 to 1; `None` for anything else.
    pub fn parse(text: &str) -> Option<PriorStrength> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Some(PriorStrength::Auto);
        }
        t.parse::<f64>()
            .ok()
            .filter(|s| (0.0..=1.0).contains(s))
            .map(PriorStrength::Fixed)
    }
}

/// A sheet to start from, and how strongly.
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    /// The sheet.
    pub sheet: PointsSheet,
    /// Its strength.
    pub strength: PriorStrength,
}

/// A sheet rule the deals cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetProblem {
    /// 1-based data row of the rule in the sheet.
    pub row: usize,
    /// The column it names.
    pub column: String,
    /// Its value or range, as written.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for SheetProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "points sheet row {} ({} = {}): {}",
            self.row, self.column, self.value, self.reason
        )
    }
}

/// One attribute: the sheet's points, the learned ones, and the deals that
/// moved them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorAttribute {
    /// Column name.
    pub column: String,
    /// The attribute, as the scorecard names it.
    pub attribute: String,
    /// The sheet's points for it (0 when the sheet does not mention it).
    pub sheet_points: f64,
    /// The learned points on the sheet's footing: the scale's points of the
    /// learned weight (0 is what the sheet gives an attribute it does not
    /// mention). The scorecard's points are these, centred per column.
    pub learned_points: f64,
    /// A 95 % interval of `learned_points` (± 1.96 standard errors of the
    /// penalised fit).
    pub learned_interval: (f64, f64),
    /// `learned_points − sheet_points`.
    pub moved: f64,
    /// Training deals with the attribute.
    pub training_rows: u64,
    /// Won among them.
    pub training_won: u64,
}

/// One prior strength tried by cross-validation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PriorCandidate {
    /// The share of the sheet's points the prior keeps.
    pub strength: f64,
    /// The penalty chosen with it (`None`: the win rate alone).
    pub l2: Option<f64>,
    /// Out-of-fold log loss.
    pub log_loss: f64,
    /// Its standard error across folds.
    pub standard_error: f64,
    /// Out-of-fold AUC.
    pub auc: f64,
}

/// How a model started from a points sheet (kept in the model file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorReport {
    /// Rules in the sheet.
    pub sheet_rules: usize,
    /// The prior strength used: the share of the sheet's points the prior
    /// keeps (0 ignores the sheet).
    pub strength: f64,
    /// Whether it was fixed or chosen by cross-validation.
    pub strength_choice: L2Choice,
    /// Every strength tried, when chosen by cross-validation.
    pub candidates: Vec<PriorCandidate>,
    /// Every attribute of the model, in scorecard order.
    pub attributes: Vec<PriorAttribute>,
    /// Sheet rules the deals cannot use.
    pub problems: Vec<SheetProblem>,
}

impl PriorReport {
    /// The attributes, those moved furthest from the sheet first.
    pub fn by_movement(&self) -> Vec<&PriorAttribute> {
        let mut out: Vec<&PriorAttribute> = self.attributes.iter().collect();
        out.sort_by(|a, b| b.moved.abs().total_cmp(&a.moved.abs()));
        out
    }
}

impl ModelParams {
    /// Starts from a points sheet: its points become the prior means of the
    /// attribute weights (see [`crate::model::prior`]), with the strength
    /// chosen by cross-validation unless [`ModelParams::prior_strength`]
    /// fixes it. With a sheet training needs only
    /// [`MIN_OUTCOMES_WITH_PRIOR`] won and lost deals by default.
    pub fn prior_sheet(mut self, sheet: PointsSheet) -> Self {
        self.prior_sheet = Some(sheet);
        self
    }

    /// The prior strength of the sheet (see [`ModelParams::prior_sheet`]);
    /// [`PriorStrength::Auto`] by default.
    pub fn prior_strength(mut self, strength: PriorStrength) -> Self {
        self.prior_strength = strength;
        self
    }

    /// The fewest won and lost deals a fit needs: as set, or with a sheet
    /// and the default minimum, [`MIN_OUTCOMES_WITH_PRIOR`].
    pub(in crate::model) fn required_outcomes(&self) -> (usize, usize) {
        let default = super::params::DEFAULT_MIN_OUTCOMES;
        if self.prior_sheet.is_some() && self.min_won == default && self.min_lost == default {
            (MIN_OUTCOMES_WITH_PRIOR, MIN_OUTCOMES_WITH_PRIOR)
        } else {
            (self.min_won, self.min_lost)
        }
    }

    /// The sheet to start from and its strength, when a sheet is set.
    pub(crate) fn prior(&self) -> Option<Prior> {
        self.prior_sheet.clone().map(|sheet| Prior {
            sheet,
            strength: self.prior_strength,
        })
    }

    /// The prior strength and penalty: fixed, or chosen by cross-validation
    /// with the prior means `strength × sheet` (`sheet` in log-odds, one per
    /// attribute of `design`).
    #[allow(clippy::too_many_arguments)]
    pub(in crate::model) fn choose_prior(
        &self,
        prior: &Prior,
        sheet: &[f64],
        deals: &Table,
        design: &Design,
        y: &[bool],
        time_column: Option<&TimeColumn>,
        warnings: &mut Vec<String>,
    ) -> Result<PriorChoice> {
        let l2_choice = if self.l2.is_some() {
            L2Choice::Fixed
        } else {
            L2Choice::CrossValidation
        };
        let strengths: Vec<f64> = match prior.strength {
            PriorStrength::Fixed(s) if self.l2.is_some() => {
                return Ok(PriorChoice {
                    strength: s,
                    strength_choice: L2Choice::Fixed,
                    l2: self.l2,
                    l2_choice,
                    cross_validation: None,
                    candidates: Vec::new(),
                })
            }
            PriorStrength::Fixed(s) => vec![s],
            PriorStrength::Auto => PRIOR_STRENGTHS.to_vec(),
        };
        super::split::check_folds(self.folds, y)?;
        let folds = self.folds_for(deals, design, y, time_column)?;
        let grid = match self.l2 {
            Some(l2) => vec![l2],
            None => self.l2_grid.clone(),
        };
        let mut best: Option<(f64, CvPoint, CrossValidation)> = None;
        let mut candidates = Vec::with_capacity(strengths.len());
        let mut unconverged = 0;
        for s in strengths {
            let mean: Vec<f64> = sheet.iter().map(|w| s * w).collect();
            let path = cross_validate(
                design,
                &folds,
                &PathOptions {
                    grid: &grid,
                    max_iterations: self.max_iterations,
                    tolerance: self.tolerance,
                    prior_mean: Some(&mean),
                },
            )?;
            unconverged += path.unconverged;
            // With a prior, the strongest penalty is the simplest model (the
            // sheet itself); the win rate alone is the strength 0's.
            let points: Vec<CvPoint> = path
                .points
                .iter()
                .copied()
                .filter(|p| s == 0.0 || p.l2.is_some())
                .collect();
            let point = match self.l2 {
                // A fixed penalty: its point, not the win rate's.
                Some(_) => points[0],
                None => choose(&points, self.l2_rule),
            };
            candidates.push(PriorCandidate {
                strength: s,
                l2: point.l2,
                log_loss: point.log_loss,
                standard_error: point.standard_error,
                auc: point.auc,
            });
            if best
                .as_ref()
                .is_none_or(|(_, b, _)| point.log_loss < b.log_loss)
            {
                let cv = CrossValidation {
                    folds: folds.n_splits(),
                    seed: self.seed,
                    rule: self.l2_rule,
                    auc: point.auc,
                    log_loss: point.log_loss,
                    base_log_loss: path.base_log_loss,
                    grid: path.points,
                    time_column: time_column.map(|t| t.name.clone()),
                    time_column_found: time_column.is_some_and(|t| t.found),
                    not_tried: path.not_tried,
                };
                best = Some((s, point, cv));
            }
        }
        if unconverged > 0 {
            warnings.push(format!(
                "{unconverged} cross-validation fits stopped at the iteration limit ({}) before converging",
                self.max_iterations
            ));
        }
        let Some((strength, point, cv)) = best else {
            return Err(Error::Internal {
                what: "no prior strength tried".into(),
            });
        };
        Ok(PriorChoice {
            strength,
            strength_choice: match prior.strength {
                PriorStrength::Auto => L2Choice::CrossValidation,
                PriorStrength::Fixed(_) => L2Choice::Fixed,
            },
            l2: point.l2,
            l2_choice,
            cross_validation: Some(cv),
            candidates,
        })
    }
}

/// The prior strength and penalty a fit uses, and how they were chosen.
pub(in crate::model) struct PriorChoice {
    pub(in crate::model) strength: f64,
    pub(in crate::model) strength_choice: L2Choice,
    pub(in crate::model) l2: Option<f64>,
    pub(in crate::model) l2_choice: L2Choice,
    pub(in crate::model) cross_validation: Option<CrossValidation>,
    pub(in crate::model) candidates: Vec<PriorCandidate>,
}

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
                        let cell = representative(&f.encoding, i);
                        sheet
                            .rules
                            .iter()
                            .filter(|r| r.column == f.column && r.matcher.matches(cell.as_deref()))
                            .map(|r| r.points)
                            .sum()
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
        None => vec![0.0; n],
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
                learned_interval: (learned - half, learned + half),
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
