//! [`Model`]: learned points per attribute, scoring, and the model file.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::encoding::{Encoding, Lookup, Slot};
use crate::error::{Error, Result, RowError, RowErrors};
use crate::schema::Target;
use crate::table::{Table, Values};

/// The `format` field of a model file.
pub const MODEL_FORMAT: &str = "leadscore.model";
/// The version of the model file this crate writes: (major, minor). It
/// reads files of the same major and an equal or older minor.
pub const MODEL_FORMAT_VERSION: (u32, u32) = (1, 0);

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

/// How `l2` was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum L2Choice {
    /// Chosen by k-fold cross-validation on log loss.
    CrossValidation,
    /// Given by the user.
    Fixed,
}

/// How cross-validation picks `l2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum L2Rule {
    /// The candidate with the lowest out-of-fold log loss, the
    /// intercept-only model (every lead gets the win rate) among them. The
    /// default.
    #[default]
    MinLogLoss,
    /// The strongest penalty whose out-of-fold log loss is within one
    /// standard error (across folds) of the best candidate's, counting the
    /// intercept-only model as the strongest of all: prefers the simpler
    /// model when the folds cannot tell them apart.
    OneStandardError,
}

/// Out-of-fold log loss and AUC of one `l2` candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvPoint {
    /// The candidate; `None` is the intercept-only model (all weights 0).
    pub l2: Option<f64>,
    /// Out-of-fold log loss.
    pub log_loss: f64,
    /// Standard error of the per-fold log loss.
    pub standard_error: f64,
    /// Out-of-fold AUC.
    pub auc: f64,
}

/// Cross-validation figures of the training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// Number of folds (stratified by outcome).
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// How `l2` was picked.
    pub rule: L2Rule,
    /// Out-of-fold AUC at the chosen `l2`.
    pub auc: f64,
    /// Out-of-fold log loss at the chosen `l2`.
    pub log_loss: f64,
    /// Log loss of always predicting the training win rate.
    pub base_log_loss: f64,
    /// Every candidate tried.
    pub grid: Vec<CvPoint>,
    /// The date column of a time-ordered (forward-chaining) cross-validation,
    /// `None` for stratified random folds.
    pub time_column: Option<String>,
}

/// What the model was trained on and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Training rows.
    pub rows: usize,
    /// Won deals.
    pub won: usize,
    /// Lost deals.
    pub lost: usize,
    /// Feature columns.
    pub columns_used: Vec<String>,
    /// Columns present but not used (target, id, ignored).
    pub columns_excluded: Vec<String>,
    /// L2 penalty used (`l2 = 1/C` in scikit-learn's terms); `None` when
    /// cross-validation found no column better than the win rate and every
    /// weight is 0.
    pub l2: Option<f64>,
    /// How `l2` was set.
    pub l2_choice: L2Choice,
    /// Cross-validation figures, when `l2` was chosen by it.
    pub cross_validation: Option<CrossValidation>,
    /// AUC on the training rows (optimistic; see `cross_validation`).
    pub training_auc: f64,
    /// Seed used.
    pub seed: u64,
    /// Things the user should know about the data (constant columns,
    /// identifier-like columns, ...).
    pub warnings: Vec<String>,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    /// When the model was trained (RFC 3339, UTC).
    created_at: String,
    target: Target,
    id_column: Option<String>,
    missing: Vec<String>,
    scale: Scale,
    intercept: f64,
    features: Vec<Feature>,
    summary: TrainingSummary,
    #[serde(skip)]
    lookups: Vec<Lookup>,
}

/// Rows whose value in a column was never (or too rarely) seen in training
/// and was scored as `(other)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnseenValues {
    /// Column name.
    pub column: String,
    /// Rows with an unseen value.
    pub rows: usize,
    /// A few of the unseen values.
    pub examples: Vec<String>,
}

/// Slots per feature and lead, unseen values per column, and every bad cell.
pub(crate) type CheckedSlots = (Vec<Vec<u32>>, Vec<UnseenValues>, Vec<RowError>);

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
}

#[derive(Serialize)]
struct DocumentRef<'a> {
    format: &'a str,
    format_version: String,
    leadscore_version: &'a str,
    #[serde(flatten)]
    model: &'a Model,
}

#[derive(Deserialize)]
struct Document {
    #[serde(flatten)]
    model: Model,
}

#[derive(Deserialize)]
struct Envelope {
    format: Option<String>,
    format_version: Option<String>,
}

/// Checks a document's `format` and `format_version` against what this
/// crate reads: same major, equal or older minor.
pub(crate) fn check_envelope(
    what: &str,
    expected_format: &str,
    format: Option<&str>,
    version: Option<&str>,
    supported: (u32, u32),
) -> Result<()> {
    let supported_text = format!(
        "{expected_format} {}.0 to {}.{}",
        supported.0, supported.0, supported.1
    );
    match format {
        Some(f) if f == expected_format => {}
        other => {
            return Err(Error::UnsupportedFormat {
                what: what.to_string(),
                found: format!("format {:?}", other.unwrap_or("(none)")),
                supported: supported_text,
            })
        }
    }
    let version = version.unwrap_or("(none)");
    let parsed = version
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)));
    match parsed {
        Some((major, minor)) if major == supported.0 && minor <= supported.1 => Ok(()),
        _ => Err(Error::UnsupportedFormat {
            what: what.to_string(),
            found: format!("format_version {version}"),
            supported: supported_text,
        }),
    }
}

impl Model {
    /// Starts a training configuration; see [`crate::ModelParams`].
    pub fn params() -> crate::training::ModelParams {
        crate::training::ModelParams::default()
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        target: Target,
        id_column: Option<String>,
        missing: Vec<String>,
        scale: Scale,
        intercept: f64,
        features: Vec<Feature>,
        summary: TrainingSummary,
    ) -> Result<Model> {
        let mut model = Model {
            created_at: crate::now_rfc3339(),
            target,
            id_column,
            missing,
            scale,
            intercept,
            features,
            summary,
            lookups: Vec::new(),
        };
        model.validate()?;
        Ok(model)
    }

    /// Checks the model is consistent (weights match attributes, values
    /// finite, ranges increasing, levels distinct) and builds lookups.
    fn validate(&mut self) -> Result<()> {
        let bad = |reason: String| Err(Error::InvalidModel { reason });
        if !self.intercept.is_finite() {
            return bad(format!("intercept is {}", self.intercept));
        }
        let s = self.scale;
        if !(s.base_points.is_finite()
            && s.base_odds.is_finite()
            && s.base_odds > 0.0
            && s.points_to_double_odds.is_finite()
            && s.points_to_double_odds > 0.0)
        {
            return bad(format!(
                "scale {s:?} must be finite with positive odds and points_to_double_odds"
            ));
        }
        let mut columns = std::collections::HashSet::new();
        for f in &self.features {
            if !columns.insert(f.column.as_str()) {
                return bad(format!("column {:?} appears twice", f.column));
            }
            let n = f.encoding.n_attributes();
            for (name, len) in [
                ("weights", f.weights.len()),
                ("training_rows", f.training_rows.len()),
                ("training_won", f.training_won.len()),
            ] {
                if len != n {
                    return bad(format!(
                        "column {:?} has {n} attributes but {len} {name}",
                        f.column
                    ));
                }
            }
            if let Some(w) = f.weights.iter().find(|w| !w.is_finite()) {
                return bad(format!("column {:?} has a weight of {w}", f.column));
            }
            match &f.encoding {
                crate::encoding::Encoding::Categorical { levels } => {
                    let mut seen = std::collections::HashSet::new();
                    for l in levels {
                        if !seen.insert(l) {
                            return bad(format!("column {:?} lists level {l:?} twice", f.column));
                        }
                    }
                }
                crate::encoding::Encoding::Numeric {
                    edges,
                    special_values,
                } => {
                    if edges.iter().chain(special_values).any(|e| !e.is_finite())
                        || edges.windows(2).any(|w| w[0] >= w[1])
                    {
                        return bad(format!(
                            "column {:?} has range edges {edges:?} / special values {special_values:?} that are not finite and increasing",
                            f.column
                        ));
                    }
                }
            }
        }
        self.lookups = self
            .features
            .iter()
            .map(|f| Lookup::new(&f.encoding))
            .collect();
        Ok(())
    }

    /// Reads a model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        let text = crate::io::read_to_string(path)?;
        Self::from_json_str_at(&text, path)
    }

    /// Parses a model document.
    pub fn from_json_str(text: &str) -> Result<Model> {
        Self::from_json_str_at(text, Path::new("<string>"))
    }

    fn from_json_str_at(text: &str, path: &Path) -> Result<Model> {
        let json_err = |source| Error::Json {
            path: path.to_path_buf(),
            source,
        };
        let envelope: Envelope = serde_json::from_str(text).map_err(json_err)?;
        check_envelope(
            "model file",
            MODEL_FORMAT,
            envelope.format.as_deref(),
            envelope.format_version.as_deref(),
            MODEL_FORMAT_VERSION,
        )?;
        let doc: Document = serde_json::from_str(text).map_err(json_err)?;
        let mut model = doc.model;
        model.validate()?;
        Ok(model)
    }

    /// The model document (format envelope first).
    pub fn to_json_string(&self, pretty: bool) -> String {
        let doc = DocumentRef {
            format: MODEL_FORMAT,
            format_version: format!("{}.{}", MODEL_FORMAT_VERSION.0, MODEL_FORMAT_VERSION.1),
            leadscore_version: env!("CARGO_PKG_VERSION"),
            model: self,
        };
        let out = if pretty {
            serde_json::to_string_pretty(&doc)
        } else {
            serde_json::to_string(&doc)
        };
        out.expect("a validated model serializes")
    }

    /// Writes the model file atomically (temporary file + rename).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut text = self.to_json_string(true);
        text.push('\n');
        crate::io::write_atomic(path, text.as_bytes())
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

    /// A short stable hash of everything that decides a score (not the
    /// timestamp): two models with the same fingerprint score alike.
    pub fn fingerprint(&self) -> String {
        let body = serde_json::to_string(&(
            &self.target,
            &self.id_column,
            &self.missing,
            &self.scale,
            self.intercept,
            &self.features,
        ))
        .expect("serializable");
        let mut h: u64 = 0xcbf29ce484222325;
        for b in body.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
        format!("{h:016x}")
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
            .flat_map(|f| {
                f.encoding
                    .labels()
                    .into_iter()
                    .map(move |l| format!("{}: {l}", f.column))
            })
            .collect()
    }

    /// For each lead and feature, the index of its attribute within that
    /// feature. Bad values are collected into one error naming rows, columns
    /// and values; a feature column absent from `leads` is an error naming it.
    pub(crate) fn slots(&self, leads: &Table) -> Result<(Vec<Vec<u32>>, Vec<UnseenValues>)> {
        let (slots, unseen, bad) = self.slots_checked(leads)?;
        let mut errors = RowErrors::default();
        for e in bad {
            errors.push(e.row, &e.column, &e.value, e.reason);
        }
        errors.into_result()?;
        Ok((slots, unseen))
    }

    /// As [`Model::slots`], but bad cells do not fail: every one is returned
    /// (uncapped, in row order) and its slot is 0.
    pub(crate) fn slots_checked(&self, leads: &Table) -> Result<CheckedSlots> {
        let mut columns: Vec<&Values> = Vec::with_capacity(self.features.len());
        for f in &self.features {
            columns.push(leads.require(&f.column)?);
        }
        let n = leads.n_rows();
        let mut errors: Vec<RowError> = Vec::new();
        let mut unseen = Vec::new();
        let mut slots = Vec::with_capacity(self.features.len());
        for ((f, lookup), values) in self.features.iter().zip(&self.lookups).zip(columns) {
            let mut s = Vec::with_capacity(n);
            let mut unseen_rows = 0;
            let mut examples: Vec<String> = Vec::new();
            // A dictionary column is looked up once per distinct value.
            let per_value: Option<(Vec<_>, _)> = match values {
                Values::Dictionary { values: dict, .. } => Some((
                    dict.iter()
                        .map(|v| lookup.slot_text(&f.encoding, Some(v), &self.missing))
                        .collect(),
                    lookup.slot_text(&f.encoding, None, &self.missing),
                )),
                _ => None,
            };
            for r in 0..n {
                let computed;
                let slot = match (&per_value, values) {
                    (Some((per, none)), Values::Dictionary { codes, .. }) => match codes[r] {
                        Some(c) => &per[c as usize],
                        None => none,
                    },
                    _ => {
                        computed = lookup.slot(&f.encoding, values, r, &self.missing);
                        &computed
                    }
                };
                match slot {
                    Ok(Slot::Known(i)) => s.push(*i as u32),
                    Ok(Slot::Unseen(i)) => {
                        unseen_rows += 1;
                        if examples.len() < 5 {
                            if let Some(v) = values.text(r) {
                                if !examples.iter().any(|e| e == v.as_ref()) {
                                    examples.push(v.into_owned());
                                }
                            }
                        }
                        s.push(*i as u32)
                    }
                    Err(v) => {
                        errors.push(RowError {
                            row: leads.first_row() + r,
                            column: f.column.clone(),
                            value: v.to_string(),
                            reason: "not a number".into(),
                        });
                        s.push(0)
                    }
                }
            }
            if unseen_rows > 0 {
                unseen.push(UnseenValues {
                    column: f.column.clone(),
                    rows: unseen_rows,
                    examples,
                });
            }
            slots.push(s);
        }
        errors.sort_by_key(|e| e.row);
        Ok((slots, unseen, errors))
    }

    /// Scores leads: probability of a win and points, in input order. Other
    /// columns (the outcome, extra fields) are ignored.
    pub fn score(&self, leads: &Table) -> Result<Scores> {
        let (slots, unseen) = self.slots(leads)?;
        Ok(self.scores_of(leads, &slots, unseen))
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
    pub fn score_checked(&self, leads: &Table) -> Result<(Scores, Vec<RowError>)> {
        let (slots, unseen, errors) = self.slots_checked(leads)?;
        Ok((self.scores_of(leads, &slots, unseen), errors))
    }

    /// Log-odds of `n` leads from their slots.
    pub(crate) fn logits(&self, slots: &[Vec<u32>], n: usize) -> Vec<f64> {
        let mut logit = vec![self.intercept; n];
        for (f, s) in self.features.iter().zip(slots) {
            for (z, &i) in logit.iter_mut().zip(s) {
                *z += f.weights[i as usize];
            }
        }
        logit
    }

    pub(crate) fn scores_of(
        &self,
        leads: &Table,
        slots: &[Vec<u32>],
        unseen: Vec<UnseenValues>,
    ) -> Scores {
        let n = leads.n_rows();
        let mut logit = vec![self.intercept; n];
        for (f, s) in self.features.iter().zip(slots) {
            for (z, &i) in logit.iter_mut().zip(s) {
                *z += f.weights[i as usize];
            }
        }
        let ids = self.id_column.as_ref().and_then(|c| {
            leads.column(c).map(|v| {
                (0..n)
                    .map(|r| v.text(r).map(|s| s.into_owned()))
                    .collect::<Vec<_>>()
            })
        });
        Scores {
            ids,
            probability: logit.iter().map(|&z| sigmoid(z)).collect(),
            points: logit.iter().map(|&z| self.scale.points(z)).collect(),
            unseen,
        }
    }

    /// One-hot encodes leads: one row per lead, one column per attribute
    /// (see [`Model::attribute_names`]).
    pub fn encode(&self, leads: &Table) -> Result<Array2<f64>> {
        let (slots, _) = self.slots(leads)?;
        let mut x = Array2::zeros((leads.n_rows(), self.n_attributes()));
        let mut offset = 0;
        for (f, s) in self.features.iter().zip(&slots) {
            for (r, &i) in s.iter().enumerate() {
                x[[r, offset + i as usize]] = 1.0;
            }
            offset += f.encoding.n_attributes();
        }
        Ok(x)
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
