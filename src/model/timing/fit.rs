//! Fitting a time model ([`super::Timing`]): every deal's state at the
//! as-of date (won, lost or still open, and for how many whole periods),
//! the periods at risk merged into weighted counts per pattern of
//! attributes and stretch of the baseline, and the won and lost chances
//! fitted on them, each with its penalty chosen by cross-validation over
//! deals.

use linfa::dataset::DatasetBase;
use linfa::prelude::*;

use super::at_risk::{stretches, warn_open_only, AtRisk};
use super::cases::{read_cases, State};
use super::{Period, Timing, DEFAULT_HORIZON_DAYS, DEFAULT_PERIOD_DAYS};
use crate::data::Table;
use crate::error::{display_value, Error, Result};
use crate::metrics::weighted_auc;
use crate::model::cv::Folds;
use crate::model::design::{Counts, Design};
use crate::model::fit::count_attributes;
use crate::model::logistic::LogisticParams;
use crate::model::split::stratified_folds;
use crate::model::{CrossValidation, L2Choice, Model, ModelParams, TrainingSummary};

/// One fitted chance (won or lost) on the periods at risk: weights of the
/// attributes then of the stretches, the intercept, the penalty and the
/// cross-validation that chose it.
struct HazardFit {
    weights: Vec<f64>,
    intercept: f64,
    l2: Option<f64>,
    cross_validation: Option<CrossValidation>,
}

/// What makes a fit a time model: set through [`ModelParams::created`] and
/// the other time options.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub(crate) struct TimingOptions {
    pub(crate) open: Vec<String>,
    pub(crate) created: Option<String>,
    pub(crate) closed: Option<String>,
    pub(crate) as_of: Option<String>,
    pub(crate) horizons: Vec<u32>,
    pub(crate) period_days: Option<u32>,
}

impl ModelParams {
    /// Learn when deals close too, from won, lost and still-open deals
    /// ([`crate::model::timing`]): `column` holds when each deal was created.
    /// Needs [`ModelParams::closed`]; see [`ModelParams::open`],
    /// [`ModelParams::as_of_date`] and [`ModelParams::horizons`].
    ///
    /// ```
    /// use leadscore::{synthetic, Model};
    /// let deals = synthetic::pipeline(3_000, 5, "2025-06-30").unwrap();
    /// let model = Model::params()
    ///     .target("stage").positive(["Won"]).negative(["Lost"]).open(["Open"])
    ///     .id("deal_id").created("created_at").closed("closed_at")
    ///     .as_of_date("2025-06-30").horizons([30, 90])
    ///     .ignore(["deal_value"]).l2(3.0)
    ///     .fit(&deals.table).unwrap();
    /// let timing = model.timing().unwrap();
    /// assert_eq!(timing.horizons_days, vec![30, 90]);
    /// assert!(timing.deals.open > 0);
    /// let scores = model.score_as_of(&deals.table.take_rows(&[0, 1]), "2025-06-30").unwrap();
    /// let outlook = scores.timing.unwrap();
    /// assert!(outlook.win_within[0][0] <= outlook.win_within[1][0]);
    /// ```
    pub fn created(mut self, column: impl Into<String>) -> Self {
        self.timing.get_or_insert_with(Default::default).created = Some(column.into());
        self
    }

    /// With [`ModelParams::created`]: the column of the date each deal
    /// closed (empty while it is open). A closed deal without one, or closed
    /// before it was created, is a row error.
    pub fn closed(mut self, column: impl Into<String>) -> Self {
        self.timing.get_or_insert_with(Default::default).closed = Some(column.into());
        self
    }

    /// With [`ModelParams::created`]: the outcome values of deals still
    /// open (neither won nor lost yet).
    pub fn open<I: IntoIterator<Item = S>, S: Into<String>>(mut self, values: I) -> Self {
        self.timing.get_or_insert_with(Default::default).open =
            values.into_iter().map(Into::into).collect();
        self
    }

    /// With [`ModelParams::created`]: train on the deals as they stood on
    /// this date (the one date grammar): deals created later are left out,
    /// deals closed later were open then, and open deals count the time up
    /// to it. Default: the latest date among the created and close dates.
    pub fn as_of_date(mut self, date: impl Into<String>) -> Self {
        self.timing.get_or_insert_with(Default::default).as_of = Some(date.into());
        self
    }

    /// With [`ModelParams::created`]: the horizons, in days, of the chances
    /// of winning within them that scores carry. Default 90 days.
    pub fn horizons<I: IntoIterator<Item = u32>>(mut self, days: I) -> Self {
        self.timing.get_or_insert_with(Default::default).horizons = days.into_iter().collect();
        self
    }

    /// With [`ModelParams::created`]: days per period of the time model.
    /// Default 7 (a week).
    pub fn period_days(mut self, days: u32) -> Self {
        self.timing.get_or_insert_with(Default::default).period_days = Some(days);
        self
    }

    /// Whether this fit learns a time model (a created column is named).
    pub(crate) fn is_timing(&self) -> bool {
        self.timing.as_ref().is_some_and(|t| t.created.is_some())
    }

    /// Learns a model with a time to close from won, lost and open deals.
    pub(crate) fn fit_timing(&self, deals: &Table) -> Result<Model> {
        let options = self.timing.clone().unwrap_or_default();
        let target_column = self.check()?;
        let invalid = |name: &str, value: String, reason: &str| Error::InvalidParameter {
            name: name.into(),
            value,
            reason: reason.into(),
        };
        let created = options.created.clone().unwrap_or_default();
        let Some(closed) = options.closed.clone() else {
            return Err(invalid(
                "closed",
                String::new(),
                "a model of the time to close needs the column of the close date too",
            ));
        };
        let period_days = options.period_days.unwrap_or(DEFAULT_PERIOD_DAYS);
        if period_days == 0 || period_days > 366 {
            return Err(invalid(
                "period_days",
                period_days.to_string(),
                "a period lasts from 1 to 366 days",
            ));
        }
        let mut horizons = if options.horizons.is_empty() {
            vec![DEFAULT_HORIZON_DAYS]
        } else {
            options.horizons.clone()
        };
        horizons.sort_unstable();
        horizons.dedup();
        if horizons[0] == 0 || horizons[horizons.len() - 1] > 3650 {
            return Err(invalid(
                "horizon",
                format!("{horizons:?}"),
                "a horizon lasts from 1 to 3650 days",
            ));
        }
        let target = self.timing_target(deals, &target_column, &options.open)?;
        let (as_of, cases, deal_counts) =
            read_cases(deals, &target, &options, &created, &closed, period_days)?;
        let won = deal_counts.won as usize;
        let lost = deal_counts.lost as usize;
        if won < self.min_won.max(1) || lost < self.min_lost.max(1) {
            return Err(Error::NotEnoughOutcomes {
                won,
                lost,
                required_won: self.min_won.max(1),
                required_lost: self.min_lost.max(1),
            });
        }

        // The feature columns and leak screen from the closed deals; the
        // encodings from every deal kept (its attributes were known while
        // it was open). Cells are checked on the whole table first, so that
        // an error names the row of the file.
        let mut widened = self.clone();
        for c in [&created, &closed] {
            if !widened.ignore.contains(c) {
                widened.ignore.push(c.clone());
            }
        }
        let closed_rows: Vec<usize> = cases
            .iter()
            .filter(|c| c.state != State::Open)
            .map(|c| c.row)
            .collect();
        let y_closed: Vec<bool> = cases
            .iter()
            .filter(|c| c.state != State::Open)
            .map(|c| c.state == State::Won)
            .collect();
        let closed_table = deals.take_rows(&closed_rows);
        let (schema, excluded, mut warnings) =
            widened.feature_columns(&closed_table, &y_closed, &target_column, None, false)?;
        widened.encode_features(deals, &schema)?;
        let kept_rows: Vec<usize> = cases.iter().map(|c| c.row).collect();
        let kept = deals.take_rows(&kept_rows);
        let scaffold =
            widened.scaffold(target.clone(), widened.encode_features(&kept, &schema)?)?;
        let (mut slots, _) = scaffold.slots(&kept)?;
        let mut features = scaffold.features().to_vec();
        let outcome: Vec<Option<bool>> = cases
            .iter()
            .map(|c| (c.state != State::Open).then_some(c.state == State::Won))
            .collect();
        widened.merge_ranges(&mut features, &mut slots, &outcome);
        let is_closed: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].state != State::Open)
            .collect();
        let closed_slots: Vec<Vec<u32>> = slots
            .iter()
            .map(|s| is_closed.iter().map(|&i| s[i]).collect())
            .collect();
        count_attributes(&mut features, &closed_slots, &y_closed, &mut warnings);
        drop(closed_slots);
        warn_open_only(&features, &slots, &cases, &mut warnings);
        let attributes: Vec<usize> = features.iter().map(|f| f.encoding.n_attributes()).collect();

        // Periods at risk, merged per (pattern of attributes, stretch).
        let deal_design = Design::from_slots(&slots, &attributes, None)?;
        drop(slots);
        let stretches = stretches(&cases);
        let fold_of = stratified_folds(
            &cases
                .iter()
                .map(|c| c.state == State::Won)
                .collect::<Vec<_>>(),
            self.folds.max(2),
            self.seed,
        );
        let at_risk = AtRisk::count(
            &cases,
            &deal_design,
            &stretches,
            &fold_of,
            self.folds.max(2),
        );
        let (design, patterns) = at_risk.design(&deal_design, &attributes, stretches.len())?;

        let fit_one = |lost: bool, warnings: &mut Vec<String>| -> Result<HazardFit> {
            let counts = at_risk.counts(&patterns, design.n_patterns(), lost, None);
            let (l2, cv) = match self.l2 {
                Some(l2) => (Some(l2), None),
                None => {
                    let blocks = (0..self.folds.max(2))
                        .map(|f| at_risk.counts(&patterns, design.n_patterns(), lost, Some(f)))
                        .collect();
                    let folds = Folds::from_blocks(blocks);
                    let (best, cv) = self.cross_validated(&design, &folds, warnings)?;
                    (best.l2, Some(cv))
                }
            };
            let n_attr = design.n_attributes() - stretches.len();
            let (w, b) = match l2 {
                Some(l2) => {
                    let fit = LogisticParams::new()
                        .l2(l2)
                        .max_iterations(self.max_iterations)
                        .tolerance(self.tolerance)
                        .fit(&DatasetBase::new(&design, counts))?;
                    if !fit.converged {
                        warnings.push(format!(
                            "the fit of the {} chance stopped at the iteration limit ({}) before converging",
                            if lost { "lost" } else { "won" },
                            self.max_iterations
                        ));
                    }
                    (fit.weights, fit.intercept)
                }
                None => {
                    // No column beats the baseline: the baseline alone,
                    // barely penalised.
                    let only: Vec<Vec<u32>> = vec![(0..design.n_patterns())
                        .map(|p| design.pattern(p)[attributes.len()] - n_attr as u32)
                        .collect()];
                    let baseline = Design::from_slots(&only, &[stretches.len()], None)?;
                    let mut c = Counts::zeros(baseline.n_patterns());
                    for p in 0..design.n_patterns() {
                        let q = baseline.row_pattern(p);
                        c.won[q] += counts.won[p];
                        c.total[q] += counts.total[p];
                    }
                    let fit = LogisticParams::new()
                        .l2(1e-4)
                        .max_iterations(self.max_iterations)
                        .tolerance(self.tolerance)
                        .fit(&DatasetBase::new(&baseline, c))?;
                    let mut w = vec![0.0; n_attr];
                    w.extend(fit.weights);
                    (w, fit.intercept)
                }
            };
            Ok(HazardFit {
                weights: w,
                intercept: b,
                l2,
                cross_validation: cv,
            })
        };
        let won_fit = fit_one(false, &mut warnings)?;
        let lost_fit = fit_one(true, &mut warnings)?;
        let (won_w, won_b, l2, cross_validation) = (
            won_fit.weights,
            won_fit.intercept,
            won_fit.l2,
            won_fit.cross_validation,
        );
        let (lost_w, lost_b, lost_l2) = (lost_fit.weights, lost_fit.intercept, lost_fit.l2);
        let n_attr = design.n_attributes() - stretches.len();
        let won_counts = at_risk.counts(&patterns, design.n_patterns(), false, None);
        let training: Vec<(f64, f64, f64)> = design
            .logits(&won_w, won_b)
            .into_iter()
            .enumerate()
            .map(|(p, z)| {
                let w = won_counts.won[p];
                (z, w, won_counts.total[p] - w)
            })
            .collect();
        let mut offset = 0;
        let mut lost_weights = Vec::with_capacity(features.len());
        for f in &mut features {
            let n = f.encoding.n_attributes();
            f.weights = won_w[offset..offset + n].to_vec();
            let mut lost = lost_w[offset..offset + n].to_vec();
            crate::model::neutral_unseen(&mut f.weights, &f.training_rows);
            crate::model::neutral_unseen(&mut lost, &f.training_rows);
            lost_weights.push(lost);
            offset += n;
        }
        let (won_base, lost_base) = (won_w[n_attr], lost_w[n_attr]);
        let periods: Vec<Period> = stretches
            .iter()
            .enumerate()
            .map(|(s, &from)| Period {
                from_period: from,
                won: won_w[n_attr + s] - won_base,
                lost: lost_w[n_attr + s] - lost_base,
                at_risk: at_risk.stretch_at_risk[s],
                won_deals: at_risk.stretch_events[s].0,
                lost_deals: at_risk.stretch_events[s].1,
            })
            .collect();
        if deal_counts.open_without_created > 0 {
            warnings.push(format!(
                "{} open deals have no {}: counted, but with no time open they carry no information",
                deal_counts.open_without_created,
                display_value(&created)
            ));
        }
        if deal_counts.created_after_as_of > 0 {
            warnings.push(format!(
                "{} deals created after the as-of date {} were left out",
                deal_counts.created_after_as_of, as_of
            ));
        }
        let summary = TrainingSummary {
            rows: won + lost,
            won,
            lost,
            columns_used: schema.features.iter().map(|f| f.name.clone()).collect(),
            columns_excluded: excluded,
            l2,
            l2_choice: if self.l2.is_some() {
                L2Choice::Fixed
            } else {
                L2Choice::CrossValidation
            },
            cross_validation,
            training_auc: weighted_auc(&training),
            seed: self.seed,
            warnings,
            training_rows: None,
            top_share_points: None,
            settings: None,
        };
        let timing = Timing {
            created,
            closed,
            open: options.open.clone(),
            as_of,
            period_days,
            horizons_days: horizons,
            periods,
            lost_intercept: lost_b + lost_base,
            lost_weights,
            lost_l2,
            deals: deal_counts,
        };
        Model::new(
            target,
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            won_b + won_base,
            features,
            None,
            summary,
        )?
        .with_timing(timing)
    }
}
