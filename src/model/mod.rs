//! The model layer: [`Model`] (learned points per attribute, scoring), how
//! columns become attributes ([`encoding`]), how a table is decoded once
//! into attributes ([`decode`]), training ([`params`], [`fit`], [`split`],
//! the per-column leak screen in [`leakage`]), the [`scorecard`], the
//! explanation of a lead's points ([`explain`]), the model file
//! ([`file`]), behaviour over time from an event log ([`events`]) and when
//! deals close, from won, lost and still-open deals ([`timing`]).

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::{Table, Target};
use crate::error::{Error, Result, RowError};
use encoding::{Encoding, Lookup};

mod columns;
pub(crate) mod cv;
pub mod decode;
pub use decode::LeadScore;
pub mod bins;
pub mod design;
mod digest;
pub mod encoding;
pub mod events;
pub mod explain;
pub mod file;
pub mod fit;
pub mod leakage;
pub mod logistic;
mod options;
pub mod params;
pub mod prior;
pub mod scorecard;
pub mod sheet;
pub mod sketch;
pub mod split;
pub mod summary;
pub mod timing;

pub use explain::{Contribution, Explanation};
pub use file::{MODEL_FORMAT, MODEL_FORMAT_VERSION};
pub use params::{DealColumns, ModelParams};
pub use scorecard::{Scorecard, ScorecardEvent, ScorecardRow};
pub use summary::{CrossValidation, CvPoint, L2Choice, L2Rule, TrainingSummary};

/// How log-odds become points: `points = base_points + points_to_double_odds
/// / ln 2 × (log-odds − ln base_odds)`. With the defaults a lead at 50 points
/// has even odds (50 %), and every 10 more points double its odds of winning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    /// Points at `base_odds`. Default 50.
    pub base_points: f64,
    /// Odds (won:lost) that score `base_points`. Default 1 (50 %).
    pub base_odds: f64,
    /// Points that double the odds. Default 10.
    pub points_to_double_odds: f64,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            base_points: 50.0,
            base_odds: 1.0,
            points_to_double_odds: 10.0,
        }
    }
}

impl Scale {
    /// Why the scale cannot make every score finite, if it cannot: base
    /// points within ±[`MAX_BASE_POINTS`], base odds from 1e-9 to 1e9, and
    /// points to double the odds above 0 and at most
    /// [`MAX_POINTS_TO_DOUBLE_ODDS`].
    pub fn problem(&self) -> Option<String> {
        let ok = self.base_points.abs() <= MAX_BASE_POINTS
            && (1e-9..=1e9).contains(&self.base_odds)
            && self.points_to_double_odds > 0.0
            && self.points_to_double_odds <= MAX_POINTS_TO_DOUBLE_ODDS;
        (!ok).then(|| {
            format!(
                "base points {} (at most {MAX_BASE_POINTS:e} either way), base odds {} (1e-9 to 1e9) and points to double the odds {} (above 0, at most {MAX_POINTS_TO_DOUBLE_ODDS:e})",
                self.base_points, self.base_odds, self.points_to_double_odds
            )
        })
    }

    /// Points per unit of log-odds.
    pub fn factor(&self) -> f64 {
        self.points_to_double_odds / std::f64::consts::LN_2
    }

    /// Points of a lead with these log-odds.
    pub fn points(&self, log_odds: f64) -> f64 {
        self.base_points + self.factor() * (log_odds - self.base_odds.ln())
    }

    /// Log-odds of a lead with these points (inverse of [`Scale::points`]).
    pub fn log_odds(&self, points: f64) -> f64 {
        (points - self.base_points) / self.factor() + self.base_odds.ln()
    }

    /// Probability of a win for a lead with these points.
    pub fn probability(&self, points: f64) -> f64 {
        sigmoid(self.log_odds(points))
    }
}

/// Largest base points a scale may have.
pub const MAX_BASE_POINTS: f64 = 1e9;

/// Largest points to double the odds a scale may have.
pub const MAX_POINTS_TO_DOUBLE_ODDS: f64 = 1e6;

/// Largest weight (and intercept), in log-odds, a model may hold: far past
/// any fitted weight (e^1000 to 1), and small enough that every lead's
/// log-odds and points stay finite numbers.
pub const MAX_ABS_WEIGHT: f64 = 1000.0;

/// The logistic function.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// One feature column of a model: its encoding, the weight (log-odds) of
/// each attribute and how many training rows fell in each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// Column name.
    pub column: String,
    /// How values map to attributes.
    #[serde(flatten)]
    pub encoding: Encoding,
    /// Log-odds weight of each attribute, in [`Encoding::labels`] order.
    pub weights: Vec<f64>,
    /// Training rows in each attribute.
    pub training_rows: Vec<u64>,
    /// Won training rows in each attribute.
    pub training_won: Vec<u64>,
    /// The values of a categorical column seen in training too rarely for
    /// an attribute of their own (pooled as `(other)`), sorted: they tell a
    /// rare value from one never seen. `None` for a numeric column, a model
    /// from before they were kept, or more than
    /// [`encoding::MAX_RARE_VALUES`] of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rare_values: Option<Vec<String>>,
}

/// THE neutral choice for attributes no training deal had (a `(missing)`
/// or `(other)` never met, a range no deal fell in): their weight is the
/// column's training-weighted mean weight, so they score 0 points, like
/// the average lead on the column, never more than a value that was seen.
/// (Without it the penalised fit leaves them at weight 0, which is an
/// arbitrary number of points away from the column's center.) A model
/// started from a points sheet keeps the sheet's points there instead.
pub(crate) fn neutral_unseen(weights: &mut [f64], training_rows: &[u64]) {
    let total: u64 = training_rows.iter().sum();
    if total == 0 {
        return;
    }
    let center = weights
        .iter()
        .zip(training_rows)
        .map(|(w, n)| w * *n as f64)
        .sum::<f64>()
        / total as f64;
    for (w, n) in weights.iter_mut().zip(training_rows) {
        if *n == 0 {
            *w = center;
        }
    }
}

impl Feature {
    /// Training-weighted mean weight: the scorecard shows each attribute's
    /// points relative to it, so 0 points means "like the average lead".
    pub fn center(&self) -> f64 {
        let total: u64 = self.training_rows.iter().sum();
        if total == 0 {
            return 0.0;
        }
        self.weights
            .iter()
            .zip(&self.training_rows)
            .map(|(w, n)| w * *n as f64)
            .sum::<f64>()
            / total as f64
    }
}
/// A trained lead-scoring model: points per attribute, learned from closed
/// deals. Immutable and cheap to share between threads.
///
/// ```
/// use leadscore::{synthetic, Model};
/// let deals = synthetic::deals(2_000, 7);
/// let model = Model::params()
///     .target("outcome")
///     .id("deal_id")
///     .ignore(["created_at", "closed_at", "deal_value"])
///     .l2(3.0)
///     .fit(&deals.table)
///     .unwrap();
/// let scores = model.score(&deals.table).unwrap();
/// assert_eq!(scores.probability.len(), 2_000);
/// // points and probability are one-to-one
/// let p = model.scale().probability(scores.points[0]);
/// assert!((p - scores.probability[0]).abs() < 1e-9);
/// ```
#[derive(Debug, Clone)]
pub struct Model {
    /// When the model was trained (RFC 3339, UTC).
    created_at: String,
    target: Target,
    id_column: Option<String>,
    missing: Vec<String>,
    scale: Scale,
    intercept: f64,
    features: Vec<Feature>,
    /// The event types learned from an event log, if any.
    events: Option<events::EventTerms>,
    /// When deals close, if the model learned it from won, lost and open deals.
    timing: Option<timing::Timing>,
    /// How the model started from a points sheet, if it did.
    prior: Option<prior::PriorReport>,
    /// When a model with a time to close scores (seconds since 1970; `None`:
    /// now), see [`Model::as_of`]. Not part of the file or the fingerprint.
    scoring_at: Option<i64>,
    summary: TrainingSummary,
    /// Built once when the model is made or read: lookups, labels, points.
    pub(crate) cache: Cache,
}

/// What a model computes once, at construction, and every call reuses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cache {
    /// One lookup per feature.
    pub(crate) lookups: Vec<Lookup>,
    /// Attribute labels per feature.
    pub(crate) labels: Vec<Vec<String>>,
    /// Scorecard points per feature and attribute.
    pub(crate) points: Vec<Vec<f64>>,
    /// Points every lead starts from on the scorecard.
    pub(crate) base_points: f64,
    /// See [`Model::fingerprint`].
    pub(crate) fingerprint: String,
}

/// Rows whose value in a column was never seen in training, or seen too
/// rarely for points of its own, and was scored as `(other)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnseenValues {
    /// Column name.
    pub column: String,
    /// Rows with a value never seen in training (for a model that did not
    /// keep its rare values, also those with a rare one).
    pub rows: usize,
    /// A few of the values never seen.
    pub examples: Vec<String>,
    /// Rows with a value seen in training, but fewer times than
    /// [`EncodingOptions::min_level_count`](encoding::EncodingOptions::min_level_count).
    #[serde(default)]
    pub rare_rows: usize,
}

/// Scores of a batch of leads, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Lead ids, when the model has an id column and the leads carry it.
    pub ids: Option<Vec<Option<String>>>,
    /// Probability of a win.
    pub probability: Vec<f64>,
    /// Points on the model's [`Scale`].
    pub points: Vec<f64>,
    /// Columns where some leads held values unseen in training.
    pub unseen: Vec<UnseenValues>,
    /// For a model with a time to close: the chances within its horizons,
    /// of ever winning (then also `probability`) and the median close date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<timing::TimingScores>,
}

impl Model {
    /// Starts a training configuration; see [`ModelParams`].
    pub fn params() -> ModelParams {
        ModelParams::default()
    }

    /// The same model with another `created_at` stamp (for reproducible files).
    pub fn with_created_at(mut self, created_at: impl Into<String>) -> Model {
        self.created_at = created_at.into();
        self
    }

    /// When the model was trained (RFC 3339, UTC).
    pub fn created_at(&self) -> &str {
        &self.created_at
    }

    /// How the model started from marketing's points sheet, when it was
    /// trained with one ([`ModelParams::prior_sheet`]): the strength, the
    /// sheet's and the learned points of every attribute, and the sheet
    /// rules the deals could not use.
    pub fn prior(&self) -> Option<&prior::PriorReport> {
        self.prior.as_ref()
    }

    /// A short stable hash of everything that decides a score (not the
    /// timestamp): two models with the same fingerprint score alike.
    /// Computed once, when the model is made or read.
    pub fn fingerprint(&self) -> String {
        self.cache.fingerprint.clone()
    }

    /// The outcome column and its won/lost values.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The id column, when the model was trained with one.
    pub fn id_column(&self) -> Option<&str> {
        self.id_column.as_deref()
    }

    /// Extra tokens read as missing.
    pub fn missing_tokens(&self) -> &[String] {
        &self.missing
    }

    /// The points scale.
    pub fn scale(&self) -> &Scale {
        &self.scale
    }

    /// Log-odds of a lead with every weight at zero.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// The feature columns with their encodings and weights.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The feature column names.
    pub fn feature_columns(&self) -> Vec<&str> {
        self.features.iter().map(|f| f.column.as_str()).collect()
    }

    /// The event types learned from an event log (with the as-of column and
    /// the log's columns), if the model learned from one.
    pub fn events(&self) -> Option<&events::EventTerms> {
        self.events.as_ref()
    }

    /// The settings the model was trained with (see
    /// [`TrainingSummary::settings`]): fitting them again on other deals
    /// repeats the training, for an honest held-out evaluation of the same
    /// recipe. `None` for models trained before they were kept.
    ///
    /// ```
    /// use leadscore::{synthetic, Model};
    /// let deals = synthetic::deals(1_500, 1);
    /// let params = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["created_at", "closed_at"]).l2(2.0);
    /// let model = params.fit(&deals.table).unwrap();
    /// assert_eq!(model.training_params(), Some(&params));
    /// ```
    pub fn training_params(&self) -> Option<&params::ModelParams> {
        self.summary.settings.as_ref()
    }

    /// The training summary.
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// Total number of attributes (columns of [`Model::encode`]).
    pub fn n_attributes(&self) -> usize {
        self.features
            .iter()
            .map(|f| f.encoding.n_attributes())
            .sum()
    }

    /// `column: label` of every attribute, in [`Model::encode`] column order.
    pub fn attribute_names(&self) -> Vec<String> {
        self.features
            .iter()
            .zip(&self.cache.labels)
            .flat_map(|(f, labels)| labels.iter().map(move |l| format!("{}: {l}", f.column)))
            .collect()
    }

    /// Scores leads: probability of a win and points, in input order. Other
    /// columns (the outcome, extra fields) are ignored.
    ///
    /// A model with a time to close scores as of now ([`Model::score_as_of`]).
    pub fn score(&self, leads: &Table) -> Result<Scores> {
        if self.timing.is_some() {
            return self.score_at(leads, self.scoring_time(None)?);
        }
        let (slots, unseen) = self.slots(leads)?;
        let activity = self.activity(leads)?;
        Ok(self.scores_of(leads, &slots, &activity, unseen))
    }

    /// Scores leads without failing on bad cells: every row gets a score
    /// (a row named in the errors is scored as if its bad cells were the
    /// first attribute of their column, and must not be used), and every
    /// bad cell is returned, uncapped, in row order. Errors only for a
    /// feature column `leads` lacks. Batch jobs use it to set bad rows aside.
    ///
    /// ```
    /// use leadscore::{synthetic, Model, Table};
    /// let deals = synthetic::deals(2_000, 2).table;
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
    /// let mut leads = deals.take_rows(&[0, 1, 2]);
    /// leads.set_column("employees", leadscore::Values::Text(vec![
    ///     Some("12".into()), Some("many".into()), None])).unwrap();
    /// let (scores, errors) = model.score_checked(&leads).unwrap();
    /// assert_eq!(scores.points.len(), 3);
    /// assert_eq!(errors.len(), 1);
    /// assert_eq!((errors[0].row, errors[0].value.as_str()), (2, "many"));
    /// ```
    ///
    /// A model with a time to close scores as of now, a lead without a
    /// valid created date (or created later) being a row error.
    pub fn score_checked(&self, leads: &Table) -> Result<(Scores, Vec<RowError>)> {
        self.score_checked_as_of(leads, None)
    }

    /// [`Model::score_checked`] as of a scoring date (`None`: now) for a
    /// model with a time to close.
    pub fn score_checked_as_of(
        &self,
        leads: &Table,
        as_of: Option<&str>,
    ) -> Result<(Scores, Vec<RowError>)> {
        let (slots, unseen, mut errors) = self.slots_checked(leads)?;
        let (activity, bad) = self.activity_checked(leads)?;
        errors.extend(bad);
        let mut scores = self.scores_of(leads, &slots, &activity, unseen);
        if self.timing.is_some() {
            let at = self.scoring_time(as_of)?;
            let logits = self.logits(&slots, &activity, leads.n_rows());
            let (t, bad) = self.outlooks_checked(leads, &slots, &logits, at)?;
            errors.extend(bad);
            scores.set_timing(t);
        }
        errors.sort_by_key(|e| e.row);
        Ok((scores, errors))
    }

    /// One-hot encodes leads: one row per lead, one column per attribute
    /// (see [`Model::attribute_names`]).
    pub fn encode(&self, leads: &Table) -> Result<Array2<f64>> {
        let (slots, _) = self.slots(leads)?;
        Ok(decode::one_hot(self, &slots, leads.n_rows()))
    }

    /// Probabilities of a win for rows of an encoded matrix (as from
    /// [`Model::encode`]).
    pub fn probabilities(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let w = self.weight_vector();
        if x.ncols() != w.len() {
            return Err(Error::InvalidParameter {
                name: "x".into(),
                value: format!("{} columns", x.ncols()),
                reason: format!("the model has {} attributes", w.len()),
            });
        }
        Ok((x.dot(&w) + self.intercept).mapv(sigmoid))
    }

    /// All weights, in [`Model::encode`] column order.
    pub fn weight_vector(&self) -> Array1<f64> {
        self.features
            .iter()
            .flat_map(|f| f.weights.iter().copied())
            .collect()
    }
}

/// The score schema, shared by score files (CSV, Parquet), frames and
/// Spark: the id column (name and values) when there is one, then
/// `probability` and `points` (shown to 2 decimals in files).
pub fn score_columns(
    id: Option<(&str, Vec<Option<String>>)>,
    probability: Vec<f64>,
    points: Vec<f64>,
) -> crate::data::columns::Columns {
    use crate::data::columns::OutValues;
    let mut cols = Vec::with_capacity(3);
    if let Some((name, ids)) = id {
        cols.push((name.to_string(), OutValues::Text(ids)));
    }
    cols.push(("probability".to_string(), OutValues::Float(probability)));
    cols.push(("points".to_string(), OutValues::Fixed2(points)));
    cols
}

impl Scores {
    /// The scores as output columns ([`score_columns`]), the ids under the
    /// column name `id` when the scores carry them.
    pub fn into_columns(self, id: Option<&str>) -> crate::data::columns::Columns {
        let ids = id.zip(self.ids);
        let mut cols = score_columns(ids, self.probability, self.points);
        if let Some(t) = self.timing {
            cols.extend(t.into_columns());
        }
        cols
    }
}
