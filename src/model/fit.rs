//! Fitting a [`Model`] from closed deals: the feature columns and the leak
//! screen, each column's encoding, the deals decoded once into a sparse
//! [`Design`], the penalty chosen by cross-validation ([`super::cv`]) and
//! the exact L2 logistic fit ([`super::logistic`]).

use linfa::dataset::DatasetBase;
use linfa::prelude::*;

use super::columns::TimeColumn;
use super::cv::{choose, cross_validate, Folds, PathOptions};
use super::design::Design;
use super::encoding::Encoding;
use super::events::fit::EventInput;
use super::logistic::LogisticParams;
use super::split::time_order;
use super::{CrossValidation, CvPoint, Feature, L2Choice, Model, ModelParams, TrainingSummary};
use crate::data::{Schema, Table, Target};
use crate::error::{display_value, Error, Result, RowErrors};
use crate::metrics::weighted_auc;

impl ModelParams {
    /// Learns a model from closed deals: one row per deal, the outcome in the
    /// target column. Errors: bad parameters, a missing column, bad values
    /// (all collected, naming row, column and value), too few won or lost deals.
    ///
    /// With a created column named ([`ModelParams::created`]), the model
    /// also learns when deals close, from won, lost and still-open deals
    /// ([`super::timing`]).
    pub fn fit(&self, deals: &Table) -> Result<Model> {
        Ok(self.fit_bare(deals)?.with_training_rows(deals, self))
    }

    /// [`ModelParams::fit`] without the sketch of the training rows and
    /// their points by top share: for the models evidence fits and throws
    /// away (folds, backtest dates).
    pub(crate) fn fit_bare(&self, deals: &Table) -> Result<Model> {
        self.check_prior()?;
        if self.is_timing() && self.prior_sheet.is_some() {
            return Err(Error::InvalidParameter {
                name: "prior_sheet".into(),
                value: format!(
                    "{} rules",
                    self.prior_sheet.as_ref().map_or(0, |s| s.rules.len())
                ),
                reason: "a model of the time to close does not start from a points sheet yet"
                    .into(),
            });
        }
        if self.is_timing() {
            return self.fit_timing(deals);
        }
        self.fit_inner(deals, None)
    }

    /// [`ModelParams::fit`], with event types learned from decayed counts
    /// of the deals when `events` is given.
    pub(crate) fn fit_inner(&self, deals: &Table, events: Option<&EventInput>) -> Result<Model> {
        self.check_prior()?;
        if events.is_some() && self.is_timing() {
            return Err(Error::InvalidParameter {
                name: "created".into(),
                value: self
                    .timing
                    .as_ref()
                    .and_then(|t| t.created.clone())
                    .unwrap_or_default(),
                reason: "a model of the time to close does not learn from an event log yet".into(),
            });
        }
        if let Some(t) = self.timing.as_ref().filter(|_| !self.is_timing()) {
            if !t.open.is_empty()
                || t.closed.is_some()
                || !t.horizons.is_empty()
                || t.as_of.is_some()
                || t.period_days.is_some()
            {
                return Err(Error::InvalidParameter {
                    name: "created".into(),
                    value: String::new(),
                    reason: "open deals, a close-date column and horizons need the column of the date each deal was created".into(),
                });
            }
        }
        let mut widened;
        let mut this = self;
        if let Some(e) = events {
            // The as-of column is not a feature; it orders the folds unless
            // another time column (or random folds) is asked for.
            widened = self.clone();
            if !widened.ignore.contains(&e.as_of) {
                widened.ignore.push(e.as_of.clone());
            }
            if widened.time_column.is_none() && !widened.random_folds && widened.l2.is_none() {
                widened.time_column = Some(e.as_of.clone());
            }
            this = &widened;
        }
        this.fit_checked(deals, events)
    }

    fn fit_checked(&self, deals: &Table, events: Option<&EventInput>) -> Result<Model> {
        let target_column = self.check()?;
        let (target, y) = Target::resolve(deals, &target_column, &self.positive, &self.negative)?;
        let (time_column, dates_warning) = self.time_column_of(deals, &target_column)?;
        let (schema, excluded, mut warnings) = self.feature_columns(
            deals,
            &y,
            &target_column,
            time_column.as_ref(),
            events.is_some(),
        )?;
        warnings.extend(dates_warning);
        let won = y.iter().filter(|w| **w).count();
        let lost = y.len() - won;
        let (min_won, min_lost) = self.required_outcomes();
        if won < min_won.max(1) || lost < min_lost.max(1) {
            return Err(Error::NotEnoughOutcomes {
                won,
                lost,
                required_won: min_won.max(1),
                required_lost: min_lost.max(1),
            });
        }
        // Each fold must hold won and lost deals to be scored out of fold.
        if self.l2.is_none() {
            super::split::check_folds(self.folds, &y)?;
        }
        // Decode the deals once into attributes: the design every fit shares.
        let mut features = self.encode_features(deals, &schema)?;
        if let Some(sheet) = &self.prior_sheet {
            features = super::prior::refine_encodings(features, sheet, deals, &self.missing);
        }
        let scaffold = self.scaffold(target.clone(), features)?;
        let (mut slots, _) = scaffold.slots(deals)?;
        let mut features = scaffold.features().to_vec();
        let outcome: Vec<Option<bool>> = y.iter().map(|w| Some(*w)).collect();
        self.merge_ranges(&mut features, &mut slots, &outcome);
        count_attributes(&mut features, &slots, &y, &mut warnings);
        let attributes: Vec<usize> = features.iter().map(|f| f.encoding.n_attributes()).collect();
        let mut design = Design::from_slots(&slots, &attributes, None)?;
        let mut terms = None;
        if let Some(e) = events {
            // Half-lives are searched at the fixed penalty, or at the one
            // cross-validation picks with every type at the starting half-life.
            let start = e.starting_columns();
            let search_l2 = match self.l2 {
                Some(l2) => l2,
                None => {
                    let start_design = Design::from_columns(&slots, &attributes, &start, None)?;
                    let mut ignored = Vec::new();
                    self.choose_l2(deals, &start_design, &y, time_column.as_ref(), &mut ignored)?
                        .0
                        .unwrap_or(1.0)
                }
            };
            let found = e.search(&slots, &attributes, &y, search_l2, self)?;
            design = Design::from_columns(&slots, &attributes, &found.numeric, None)?;
            terms = Some(found);
        }
        let prior = self.prior();
        let sheet = match &prior {
            Some(p) => Some(super::prior::sheet_points(
                &p.sheet,
                &features,
                &slots,
                deals,
                &self.missing,
            )?),
            None => None,
        };
        drop(slots);
        warnings.extend(
            sheet
                .iter()
                .flat_map(|(_, p)| p.iter().map(|x| x.to_string())),
        );
        let sheet_mean = sheet
            .as_ref()
            .map(|(points, _)| super::prior::log_odds(points, self.scale, design.n_attributes()));
        let (l2, l2_choice, cross_validation, choice) = match (&prior, &sheet_mean) {
            (Some(p), Some(m)) => {
                let c = self.choose_prior(
                    p,
                    m,
                    deals,
                    &design,
                    &y,
                    time_column.as_ref(),
                    &mut warnings,
                )?;
                (c.l2, c.l2_choice, c.cross_validation.clone(), Some(c))
            }
            _ => {
                let (l2, how, cv) =
                    self.choose_l2(deals, &design, &y, time_column.as_ref(), &mut warnings)?;
                (l2, how, cv, None)
            }
        };
        let prior_mean: Option<Vec<f64>> = choice
            .as_ref()
            .zip(sheet_mean.as_ref())
            .map(|(c, m)| m.iter().map(|w| c.strength * w).collect());
        let counts = design.counts(&y, None, 0..y.len());
        let (w, b) = match l2 {
            Some(l2) => {
                let mut params = LogisticParams::new()
                    .l2(l2)
                    .max_iterations(self.max_iterations)
                    .tolerance(self.tolerance);
                if let Some(m) = &prior_mean {
                    params = params.prior_mean(m.clone());
                }
                let fit = params.fit(&DatasetBase::new(&design, counts.clone()))?;
                if !fit.converged {
                    warnings.push(format!(
                        "the fit stopped at the iteration limit ({}) before converging",
                        self.max_iterations
                    ));
                }
                (fit.weights, fit.intercept)
            }
            None => {
                let rate = won as f64 / y.len() as f64;
                (vec![0.0; design.n_attributes()], (rate / (1.0 - rate)).ln())
            }
        };
        let event_terms = match (events, terms) {
            (Some(e), Some(found)) => Some(e.terms(found, &design, &counts, &w, b, l2, &y)?),
            _ => None,
        };
        let mut offset = 0;
        for f in &mut features {
            let n = f.encoding.n_attributes();
            f.weights = w[offset..offset + n].to_vec();
            if prior_mean.is_none() {
                super::neutral_unseen(&mut f.weights, &f.training_rows);
            }
            offset += n;
        }
        let training: Vec<(f64, f64, f64)> = design
            .logits(&w, b)
            .into_iter()
            .enumerate()
            .map(|(p, z)| (z, counts.won[p], counts.total[p] - counts.won[p]))
            .collect();
        let summary = TrainingSummary {
            rows: y.len(),
            won,
            lost,
            columns_used: schema.features.iter().map(|f| f.name.clone()).collect(),
            columns_excluded: excluded,
            l2,
            l2_choice,
            cross_validation,
            training_auc: weighted_auc(&training),
            seed: self.seed,
            warnings,
            training_rows: None,
            top_share_points: None,
            settings: None,
        };
        let model = Model::new(
            target,
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            b,
            features,
            event_terms,
            summary,
        )?;
        match (prior, sheet, choice) {
            (Some(p), Some(sheet), Some(c)) => {
                super::prior::attach(model, &p, sheet, c, &design, &counts, &w, b, l2)
            }
            _ => Ok(model),
        }
    }

    /// Each feature's encoding learned from the deals, with zero weights and
    /// counts; every bad cell is reported at once.
    pub(in crate::model) fn encode_features(
        &self,
        deals: &Table,
        schema: &Schema,
    ) -> Result<Vec<Feature>> {
        let mut errors = RowErrors::default();
        let mut features = Vec::with_capacity(schema.features.len());
        for fc in &schema.features {
            let values = deals.require(&fc.name)?;
            let specials = self
                .special_values
                .get(&fc.name)
                .cloned()
                .unwrap_or_default();
            let (encoding, rare_values) = Encoding::fit(
                values,
                fc.kind,
                &self.missing,
                &specials,
                &self.encoding,
                &fc.name,
                deals.first_row(),
                &mut errors,
            );
            let n = encoding.n_attributes();
            features.push(Feature {
                column: fc.name.clone(),
                encoding,
                weights: vec![0.0; n],
                training_rows: vec![0; n],
                training_won: vec![0; n],
                rare_values,
            });
        }
        errors.into_result()?;
        Ok(features)
    }

    /// The penalty: fixed, or chosen by cross-validation (in time order with
    /// a time column); `None` when no column beats the win rate.
    fn choose_l2(
        &self,
        deals: &Table,
        design: &Design,
        y: &[bool],
        time_column: Option<&TimeColumn>,
        warnings: &mut Vec<String>,
    ) -> Result<(Option<f64>, L2Choice, Option<CrossValidation>)> {
        if let Some(l2) = self.l2 {
            return Ok((Some(l2), L2Choice::Fixed, None));
        }
        let folds = self.folds_for(deals, design, y, time_column)?;
        let (best, mut cv) = self.cross_validated(design, &folds, warnings)?;
        if best.l2.is_none() {
            warnings.push(
                "no column predicts the outcome better than the win rate in \
                 cross-validation: every lead gets the training win rate"
                    .to_string(),
            );
        }
        cv.time_column = time_column.map(|t| t.name.clone());
        cv.time_column_found = time_column.is_some_and(|t| t.found);
        Ok((best.l2, L2Choice::CrossValidation, Some(cv)))
    }

    /// The folds of a cross-validation: in time order on a time column,
    /// else random (seeded).
    pub(in crate::model) fn folds_for(
        &self,
        deals: &Table,
        design: &Design,
        y: &[bool],
        time_column: Option<&TimeColumn>,
    ) -> Result<Folds> {
        Ok(match time_column {
            Some(t) => {
                let order = time_order(deals, &t.name)?;
                Folds::time_ordered(design, y, None, &order, self.folds)
            }
            None => Folds::random(design, y, None, self.folds, self.seed),
        })
    }

    /// Merges the numeric ranges the deals do not tell apart
    /// ([`super::bins::merge_ranges`]), keeping those a points sheet cuts.
    pub(in crate::model) fn merge_ranges(
        &self,
        features: &mut [Feature],
        slots: &mut [Vec<u32>],
        outcome: &[Option<bool>],
    ) {
        let sheet: Vec<&str> = self
            .prior_sheet
            .iter()
            .flat_map(|s| s.rules.iter().map(|r| r.column.as_str()))
            .collect();
        super::bins::merge_ranges(
            features,
            slots,
            outcome,
            self.encoding.merge_significance,
            &sheet,
        );
    }

    /// A model of these features with zero weights: what decodes the deals
    /// into attribute slots before any fit.
    pub(in crate::model) fn scaffold(
        &self,
        target: Target,
        features: Vec<Feature>,
    ) -> Result<Model> {
        Model::new(
            target,
            self.id.clone(),
            self.missing.clone(),
            self.scale,
            0.0,
            features,
            None,
            empty_summary(),
        )
    }

    /// Walks the penalty path on `folds` and picks a point by the rule:
    /// the point and the cross-validation figures (no time column), with a
    /// warning when some fits stopped at the iteration limit.
    pub(in crate::model) fn cross_validated(
        &self,
        design: &Design,
        folds: &Folds,
        warnings: &mut Vec<String>,
    ) -> Result<(CvPoint, CrossValidation)> {
        let path = cross_validate(
            design,
            folds,
            &PathOptions {
                grid: &self.l2_grid,
                max_iterations: self.max_iterations,
                tolerance: self.tolerance,
                prior_mean: None,
            },
        )?;
        if path.unconverged > 0 {
            warnings.push(format!(
                "{} cross-validation fits stopped at the iteration limit ({}) before converging",
                path.unconverged, self.max_iterations
            ));
        }
        let best = choose(&path.points, self.l2_rule);
        let cv = CrossValidation {
            folds: folds.n_splits() / folds.repeats(),
            repeats: folds.repeats(),
            seed: self.seed,
            rule: self.l2_rule,
            auc: best.auc,
            log_loss: best.log_loss,
            base_log_loss: path.base_log_loss,
            grid: path.points,
            time_column: None,
            time_column_found: false,
            not_tried: path.not_tried,
        };
        Ok((best, cv))
    }
}

/// Counts the training deals and won deals of each attribute, and warns of
/// single-value columns and columns of mostly rare values.
pub(in crate::model) fn count_attributes(
    features: &mut [Feature],
    slots: &[Vec<u32>],
    y: &[bool],
    warnings: &mut Vec<String>,
) {
    for (f, s) in features.iter_mut().zip(slots) {
        for (&i, &w) in s.iter().zip(y) {
            f.training_rows[i as usize] += 1;
            f.training_won[i as usize] += u64::from(w);
        }
        let used = f.training_rows.iter().filter(|c| **c > 0).count();
        if used <= 1 {
            warnings.push(format!(
                "column {} has a single value in training; it carries no signal",
                display_value(&f.column)
            ));
        }
        if let Encoding::Categorical { levels } = &f.encoding {
            let other = f.training_rows[levels.len()] as f64 / y.len() as f64;
            if other > 0.5 {
                warnings.push(format!(
                    "column {}: {:.0} % of rows hold values too rare to learn from (pooled as (other)); is it an identifier or free text?",
                    display_value(&f.column),
                    other * 100.0
                ));
            }
        }
    }
}

fn empty_summary() -> TrainingSummary {
    TrainingSummary {
        rows: 0,
        won: 0,
        lost: 0,
        columns_used: Vec::new(),
        columns_excluded: Vec::new(),
        l2: None,
        l2_choice: L2Choice::Fixed,
        cross_validation: None,
        training_auc: f64::NAN,
        seed: 0,
        warnings: Vec::new(),
        training_rows: None,
        top_share_points: None,
        settings: None,
    }
}
