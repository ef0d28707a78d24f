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
//! A value the sheet names keeps its own attribute however rare it is in
//! training, and a range's bounds cut the model's numeric ranges, so that
//! the prior holds the sheet at its own resolution.
//!
//! The fit then minimises the deviance plus `l2/2 · ‖w − s · w_sheet‖²`:
//! each point is held near `s` times the sheet's, to within about
//! `1/√l2` log-odds ([`PRIOR_PRECISION`] unless a penalty is given). The
//! prior strength `s` is the share of the sheet's points the prior keeps:
//! 0 ignores the sheet (the model of the deals alone, its penalty
//! cross-validated as without a sheet), 1 keeps all of them. It is chosen
//! by the same cross-validation as the penalty, on the same folds: the
//! strongest strength whose out-of-fold log loss trails the best by no
//! more than one standard error of the difference, fold by fold (the
//! simpler model, when a few dozen deals cannot tell them apart), or fixed. Many deals move the points as far as they need:
//! their likelihood grows with their number, the prior does not.
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

pub mod card;
mod encoding;
mod points;
pub(in crate::model) use encoding::refine_encodings;
pub use points::sheet_points_of;
pub(in crate::model) use points::{attach, log_odds, sheet_points};

use super::columns::TimeColumn;
use super::cv::{choose, cross_validate, paired_error, PathOptions};
use super::design::Design;
use super::params::ModelParams;
use super::sheet::PointsSheet;
use super::{CrossValidation, CvPoint, L2Choice};
use crate::data::Table;
use crate::error::{Error, Result};

/// Prior strengths cross-validation tries: the share of the sheet's points
/// the prior keeps.
pub const PRIOR_STRENGTHS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// The prior's precision (its `l2`, in log-odds) when no penalty is given:
/// a sheet's points are held to about ± 1/√10 = 0.32 log-odds (± 4.6
/// points at 10 points per doubling of the odds) each, one standard
/// deviation. The deals' likelihood grows with their number, so many deals
/// move the points as far as they need whatever this precision.
pub const PRIOR_PRECISION: f64 = 10.0;

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
    /// Reads `auto` or a number from 0 to 1, else an error naming the
    /// value (what the command line and Python pass on).
    pub fn from_text(text: &str) -> Result<PriorStrength> {
        Self::parse(text).ok_or_else(|| Error::InvalidParameter {
            name: "prior_strength".into(),
            value: text.to_string(),
            reason: "use auto or a share from 0 (ignore the sheet) to 1 (keep it)".into(),
        })
    }

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
    /// penalised fit); `None` when no weight was fitted (every lead gets
    /// the win rate).
    pub learned_interval: Option<(f64, f64)>,
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

    /// The attributes the sheet gives points to, moved furthest first:
    /// "your +20 became +6".
    pub fn sheet_moves(&self) -> Vec<&PriorAttribute> {
        let mut out: Vec<&PriorAttribute> = self
            .attributes
            .iter()
            .filter(|a| a.sheet_points != 0.0)
            .collect();
        out.sort_by(|a, b| b.moved.abs().total_cmp(&a.moved.abs()));
        out
    }

    /// The attributes the sheet gives no points to, those the deals gave
    /// most points (either way) first: what the sheet misses.
    pub fn not_in_sheet(&self) -> Vec<&PriorAttribute> {
        let mut out: Vec<&PriorAttribute> = self
            .attributes
            .iter()
            .filter(|a| a.sheet_points == 0.0)
            .collect();
        out.sort_by(|a, b| b.learned_points.abs().total_cmp(&a.learned_points.abs()));
        out
    }

    /// The attributes a report shows: the sheet's
    /// [`card::SHOWN_MOVES`] moved furthest, then the
    /// [`card::SHOWN_MISSED`] largest it gives no points to.
    pub fn shown(&self) -> Vec<&PriorAttribute> {
        let mut out = self.sheet_moves();
        out.truncate(card::SHOWN_MOVES);
        out.extend(self.not_in_sheet().into_iter().take(card::SHOWN_MISSED));
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

    /// Refuses a fixed prior strength without a sheet to start from.
    pub(in crate::model) fn check_prior(&self) -> Result<()> {
        match (self.prior_strength, &self.prior_sheet) {
            (PriorStrength::Fixed(s), None) => Err(Error::InvalidParameter {
                name: "prior_strength".into(),
                value: s.to_string(),
                reason: "a prior strength needs a points sheet to start from".into(),
            }),
            _ => Ok(()),
        }
    }

    /// The sheet to start from and its strength, when a sheet is set.
    pub(crate) fn prior(&self) -> Option<Prior> {
        self.prior_sheet.clone().map(|sheet| Prior {
            sheet,
            strength: self.prior_strength,
        })
    }

    /// The prior strength and penalty: fixed, or the strength chosen by
    /// cross-validation (see the [module docs](self)). `sheet` holds the
    /// prior means in log-odds, one per attribute of `design`.
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
        let precision = self.l2.unwrap_or(PRIOR_PRECISION);
        let strengths: Vec<f64> = match prior.strength {
            PriorStrength::Fixed(s) if s > 0.0 || self.l2.is_some() => {
                return Ok(PriorChoice {
                    strength: s,
                    strength_choice: L2Choice::Fixed,
                    l2: Some(precision),
                    l2_choice: L2Choice::Fixed,
                    cross_validation: None,
                    candidates: Vec::new(),
                })
            }
            PriorStrength::Fixed(s) => vec![s],
            PriorStrength::Auto => PRIOR_STRENGTHS.to_vec(),
        };
        super::split::check_folds(self.folds, y)?;
        let folds = self.folds_for(deals, design, y, time_column)?;
        let mut tried: Vec<(f64, CvPoint, CrossValidation, Vec<f64>)> = Vec::new();
        let mut unconverged = 0;
        for &s in &strengths {
            // Strength 0 is the deals alone, their penalty cross-validated
            // as without a sheet; a sheet holds its points at the prior's
            // precision.
            let mean: Vec<f64> = sheet.iter().map(|w| s * w).collect();
            let grid = match self.l2 {
                None if s == 0.0 => self.l2_grid.clone(),
                _ => vec![precision],
            };
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
            let point = if grid.len() > 1 {
                choose(&path.points, self.l2_rule)
            } else {
                path.points[0]
            };
            let at = path.points.iter().position(|p| *p == point).unwrap_or(0);
            let losses = path.fold_losses.get(at).cloned().unwrap_or_default();
            let cv = CrossValidation {
                folds: folds.n_splits() / folds.repeats(),
                repeats: folds.repeats(),
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
            tried.push((s, point, cv, losses));
        }
        if unconverged > 0 {
            warnings.push(format!(
                "{unconverged} cross-validation fits stopped at the iteration limit ({}) before converging",
                self.max_iterations
            ));
        }
        let candidates: Vec<PriorCandidate> = tried
            .iter()
            .map(|(s, p, _, _)| PriorCandidate {
                strength: *s,
                l2: p.l2,
                log_loss: p.log_loss,
                standard_error: p.standard_error,
                auc: p.auc,
            })
            .collect();
        // The strongest pull toward the sheet that the folds cannot tell
        // from the best strength: behind it by no more than one standard
        // error of the difference, fold by fold (a few dozen deals cannot
        // tell strengths apart, and the sheet is the simpler model; many
        // deals can, and a wrong sheet is let go).
        let best = tried
            .iter()
            .min_by(|a, b| a.1.log_loss.total_cmp(&b.1.log_loss))
            .map(|t| (t.1.log_loss, t.3.clone()))
            .ok_or_else(|| Error::Internal {
                what: "no prior strength tried".into(),
            })?;
        let repeats = folds.repeats();
        let Some((strength, point, cv, _)) = tried
            .into_iter()
            .rev()
            .find(|t| t.1.log_loss - best.0 <= paired_error(&t.3, &best.1, repeats))
        else {
            return Err(Error::Internal {
                what: "no prior strength within reach of the best".into(),
            });
        };
        Ok(PriorChoice {
            strength,
            strength_choice: match prior.strength {
                PriorStrength::Auto => L2Choice::CrossValidation,
                PriorStrength::Fixed(_) => L2Choice::Fixed,
            },
            l2: point.l2,
            l2_choice: if self.l2.is_some() || strength > 0.0 {
                L2Choice::Fixed
            } else {
                L2Choice::CrossValidation
            },
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
