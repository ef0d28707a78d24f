//! Drift: how far a scoring batch has moved from the deals the model was
//! trained on, per feature, as a population stability index (PSI) over the
//! model's own attributes, and the share of values never seen in training.
//!
//! `PSI = Σ (a − e) · ln(a / e)` over attributes, with `e` the training
//! share (from [`crate::model::Feature::training_rows`]) and `a` the batch
//! share, each floored at 0.0001. Bands: below 0.10 stable, 0.10 to 0.25 a
//! moderate shift, 0.25 and above a major shift.

use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::error::{display_value, Result};
use crate::model::{Model, UnseenValues};

/// PSI from which a feature has shifted moderately.
pub const PSI_MODERATE: f64 = 0.10;
/// PSI from which a feature has shifted majorly.
pub const PSI_MAJOR: f64 = 0.25;

/// The PSI band of a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// PSI below [`PSI_MODERATE`].
    Stable,
    /// PSI from [`PSI_MODERATE`] to below [`PSI_MAJOR`].
    Moderate,
    /// PSI of [`PSI_MAJOR`] or more.
    Major,
}

impl Band {
    /// The band of a PSI.
    pub fn of(psi: f64) -> Band {
        if psi >= PSI_MAJOR {
            Band::Major
        } else if psi >= PSI_MODERATE {
            Band::Moderate
        } else {
            Band::Stable
        }
    }
}

/// One attribute's share in training and in the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeShift {
    /// The attribute label.
    pub attribute: String,
    /// Share of training deals.
    pub training_share: f64,
    /// Share of the batch.
    pub batch_share: f64,
}

/// Drift of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// Column name.
    pub column: String,
    /// Population stability index.
    pub psi: f64,
    /// Its band.
    pub band: Band,
    /// Batch rows with a value never seen in training.
    pub unseen_rows: usize,
    /// Their share of the batch.
    pub unseen_share: f64,
    /// A few unseen values.
    pub unseen_examples: Vec<String>,
    /// Batch rows with a value seen in training too rarely for points of
    /// its own (scored as `(other)`, like the unseen).
    #[serde(default)]
    pub rare_rows: usize,
    /// Every attribute's shares.
    pub attributes: Vec<AttributeShift>,
}

/// Drift of a batch, feature by feature (largest PSI first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// Rows in the batch.
    pub rows: usize,
    /// Training rows of the model.
    pub training_rows: usize,
    /// One entry per feature, largest PSI first.
    pub features: Vec<FeatureDrift>,
}

impl Drift {
    /// The features at or above `band`.
    pub fn at_least(&self, band: Band) -> Vec<&FeatureDrift> {
        self.features.iter().filter(|f| f.band >= band).collect()
    }

    /// One warning line per feature that crossed a band, for `leadscore score`.
    pub fn warnings(&self) -> Vec<String> {
        self.at_least(Band::Moderate)
            .iter()
            .map(|f| {
                format!(
                    "drift: column {}: PSI {:.3} ({}), {:.1} % unseen values; the batch differs from the training deals",
                    display_value(&f.column),
                    f.psi,
                    if f.band == Band::Major { "major shift, >= 0.25" } else { "moderate shift, >= 0.10" },
                    100.0 * f.unseen_share
                )
            })
            .collect()
    }
}

/// Counts attributes over batches, for files read in batches.
#[derive(Debug, Clone)]
pub struct DriftAccumulator<'a> {
    model: &'a Model,
    counts: Vec<Vec<u64>>,
    unseen: Vec<(usize, usize, Vec<String>)>,
    rows: usize,
}

impl<'a> DriftAccumulator<'a> {
    /// Starts with no rows.
    pub fn new(model: &'a Model) -> Self {
        DriftAccumulator {
            model,
            counts: model
                .features()
                .iter()
                .map(|f| vec![0; f.encoding.n_attributes()])
                .collect(),
            unseen: vec![(0, 0, Vec::new()); model.features().len()],
            rows: 0,
        }
    }

    /// Adds a batch (errors as [`Model::score`]).
    pub fn add(&mut self, batch: &Table) -> Result<()> {
        let (slots, unseen) = self.model.slots(batch)?;
        for (c, s) in self.counts.iter_mut().zip(&slots) {
            for &i in s {
                c[i as usize] += 1;
            }
        }
        self.add_unseen(unseen);
        self.rows += batch.n_rows();
        Ok(())
    }

    /// Adds attribute counts (per feature, per attribute) of `rows` rows
    /// counted elsewhere, e.g. by the workers of a batch job.
    pub(crate) fn add_counts(
        &mut self,
        counts: &[Vec<u64>],
        unseen: Vec<UnseenValues>,
        rows: usize,
    ) {
        for (c, add) in self.counts.iter_mut().zip(counts) {
            for (x, a) in c.iter_mut().zip(add) {
                *x += a;
            }
        }
        self.add_unseen(unseen);
        self.rows += rows;
    }

    fn add_unseen(&mut self, unseen: Vec<UnseenValues>) {
        for u in unseen {
            if let Some(j) = self
                .model
                .features()
                .iter()
                .position(|f| f.column == u.column)
            {
                let (rows, rare, examples) = &mut self.unseen[j];
                *rows += u.rows;
                *rare += u.rare_rows;
                for e in u.examples {
                    if examples.len() < 5 && !examples.contains(&e) {
                        examples.push(e);
                    }
                }
            }
        }
    }

    /// The drift of everything added.
    pub fn finish(self) -> Drift {
        let floor = 1e-4;
        let mut features: Vec<FeatureDrift> = self
            .model
            .features()
            .iter()
            .zip(self.counts)
            .zip(self.unseen)
            .map(|((f, counts), (unseen_rows, rare_rows, examples))| {
                let train_total: u64 = f.training_rows.iter().sum();
                let labels = f.encoding.labels();
                let mut psi = 0.0;
                let mut attributes = Vec::with_capacity(labels.len());
                for (i, label) in labels.into_iter().enumerate() {
                    let e = f.training_rows[i] as f64 / train_total.max(1) as f64;
                    let a = counts[i] as f64 / self.rows.max(1) as f64;
                    let (ef, af) = (e.max(floor), a.max(floor));
                    psi += (af - ef) * (af / ef).ln();
                    attributes.push(AttributeShift {
                        attribute: label,
                        training_share: e,
                        batch_share: a,
                    });
                }
                FeatureDrift {
                    column: f.column.clone(),
                    psi,
                    band: Band::of(psi),
                    unseen_rows,
                    unseen_share: unseen_rows as f64 / self.rows.max(1) as f64,
                    unseen_examples: examples,
                    rare_rows,
                    attributes,
                }
            })
            .collect();
        features.sort_by(|a, b| b.psi.total_cmp(&a.psi));
        Drift {
            rows: self.rows,
            training_rows: self.model.summary().rows,
            features,
        }
    }
}

/// Drift of `batch` against the model's training deals.
///
/// ```
/// use leadscore::{drift::{drift, Band}, synthetic, Model};
/// let deals = synthetic::deals(2_000, 2).table;
/// let model = Model::params().target("outcome").id("deal_id")
///     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
/// let same = drift(&model, &synthetic::deals(2_000, 3).table).unwrap();
/// assert!(same.features.iter().all(|f| f.band == Band::Stable));
/// ```
pub fn drift(model: &Model, batch: &Table) -> Result<Drift> {
    let mut acc = DriftAccumulator::new(model);
    acc.add(batch)?;
    Ok(acc.finish())
}
