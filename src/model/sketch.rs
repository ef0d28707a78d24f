//! A small sketch of the rows a model was trained on, so that evidence
//! computed on deals can tell when those deals are (mostly) the training
//! deals, whose figures are optimistic.
//!
//! Each training row is hashed (64-bit FNV-1a of its id, when the model has
//! one, its feature cells and its outcome cell); the sketch keeps the
//! [`SKETCH_SIZE`] smallest distinct hashes (a bottom-k sample of the rows).
//! The share of those found among the hashes of other deals estimates the
//! share of the training rows among them.
//!
//! ```
//! use leadscore::{synthetic, Model};
//! let deals = synthetic::deals(2_000, 4).table;
//! let model = Model::params().target("outcome").id("deal_id")
//!     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
//! let sketch = model.summary().training_rows.as_ref().unwrap();
//! let same = sketch.overlap(&deals).unwrap();
//! assert!(same.training_share > 0.99);
//! let other = sketch.overlap(&synthetic::deals(2_000, 5).table).unwrap();
//! assert_eq!(other.training_share, 0.0);
//! ```

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::util::fingerprint::Fnv;

/// Hashes a sketch keeps.
pub const SKETCH_SIZE: usize = 256;

/// The sketch of a model's training rows (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowSketch {
    /// The columns hashed, in order.
    pub columns: Vec<String>,
    /// Training rows.
    pub rows: usize,
    /// The smallest distinct row hashes, ascending, as 16 hex digits.
    pub hashes: Vec<String>,
}

/// How much of a set of deals were training rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainingOverlap {
    /// Deals compared.
    pub deals: usize,
    /// Sketched training rows found among them.
    pub found: usize,
    /// Sketched training rows.
    pub sketched: usize,
    /// Estimated share of the deals that were training rows (0 to 1).
    pub training_share: f64,
}

fn row_hashes(table: &Table, columns: &[String]) -> Option<Vec<u64>> {
    let values: Vec<_> = columns
        .iter()
        .map(|c| table.column(c))
        .collect::<Option<Vec<_>>>()?;
    Some(
        (0..table.n_rows())
            .map(|r| {
                let mut h = Fnv::new();
                for v in &values {
                    match v.text(r) {
                        Some(t) => h.write(t.trim().as_bytes()),
                        None => h.write(&[0]),
                    }
                    h.write(&[0x1f]);
                }
                h.value()
            })
            .collect(),
    )
}

impl RowSketch {
    /// The sketch of `table`'s rows over `columns` (`None` when one is
    /// missing).
    pub fn of(table: &Table, columns: Vec<String>) -> Option<RowSketch> {
        let mut hashes = row_hashes(table, &columns)?;
        hashes.sort_unstable();
        hashes.dedup();
        hashes.truncate(SKETCH_SIZE);
        Some(RowSketch {
            columns,
            rows: table.n_rows(),
            hashes: hashes.iter().map(|h| format!("{h:016x}")).collect(),
        })
    }

    /// How much of `deals` were training rows (`None` when they lack one
    /// of the sketched columns).
    pub fn overlap(&self, deals: &Table) -> Option<TrainingOverlap> {
        let given: FxHashSet<u64> = row_hashes(deals, &self.columns)?.into_iter().collect();
        let sketched: Vec<u64> = self
            .hashes
            .iter()
            .filter_map(|h| u64::from_str_radix(h, 16).ok())
            .collect();
        let found = sketched.iter().filter(|h| given.contains(h)).count();
        let share_of_training = found as f64 / sketched.len().max(1) as f64;
        let estimate = share_of_training * self.rows as f64 / deals.n_rows().max(1) as f64;
        Some(TrainingOverlap {
            deals: deals.n_rows(),
            found,
            sketched: sketched.len(),
            training_share: estimate.min(1.0),
        })
    }
}

impl super::Model {
    /// The model a user keeps: with the sketch of its training rows
    /// `deals` (see the module docs), their points by top share and the
    /// training settings `params`.
    pub(crate) fn with_training_rows(
        mut self,
        deals: &Table,
        params: &super::params::ModelParams,
    ) -> super::Model {
        self.summary.settings = Some(params.clone());
        let mut columns: Vec<String> = Vec::new();
        if let Some(id) = self.id_column().filter(|id| deals.column(id).is_some()) {
            columns.push(id.to_string());
        }
        columns.extend(self.feature_columns().iter().map(|c| c.to_string()));
        columns.push(self.target().column.clone());
        self.summary.training_rows = RowSketch::of(deals, columns);
        // The training deals' own points (a model whose scores need more
        // than the deals' columns, such as an event log's counts, has none).
        if self.timing().is_none() {
            if let Ok(scores) = self.score(deals) {
                let mut p: Vec<f64> = scores
                    .points
                    .into_iter()
                    .filter(|x| x.is_finite())
                    .collect();
                p.sort_by(|a, b| b.total_cmp(a));
                if !p.is_empty() {
                    let n = p.len() as f64;
                    self.summary.top_share_points = Some(
                        (0..=1000)
                            .map(|k| {
                                let at = ((f64::from(k) / 1000.0 * n).ceil() as usize).max(1);
                                (p[at.min(p.len()) - 1] * 100.0).floor() / 100.0
                            })
                            .collect(),
                    );
                }
            }
        }
        self
    }
}
