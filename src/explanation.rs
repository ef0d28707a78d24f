//! [`Explanation`]: why a lead has its points, attribute by attribute.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::Model;
use crate::table::Table;

/// The points one attribute adds to (or takes from) a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Column name.
    pub column: String,
    /// The lead's attribute in that column.
    pub attribute: String,
    /// Its points on the scorecard.
    pub points: f64,
}

/// A lead's points as base points plus one contribution per column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The lead id, when the model has an id column.
    pub id: Option<String>,
    /// The lead's points.
    pub points: f64,
    /// Its probability of winning.
    pub probability: f64,
    /// Points every lead starts from.
    pub base_points: f64,
    /// Every column's contribution: the `top` largest positive first, then
    /// the `top` largest negative, then the rest by size. `base_points` plus
    /// the sum of all of them equals `points`.
    pub contributions: Vec<Contribution>,
}

impl Explanation {
    /// The `top` contributions that raise the score most, then the `top`
    /// that lower it most.
    pub fn top(&self, top: usize) -> (Vec<&Contribution>, Vec<&Contribution>) {
        let mut up: Vec<&Contribution> = self
            .contributions
            .iter()
            .filter(|c| c.points > 0.0)
            .collect();
        let mut down: Vec<&Contribution> = self
            .contributions
            .iter()
            .filter(|c| c.points < 0.0)
            .collect();
        up.sort_by(|a, b| b.points.total_cmp(&a.points));
        down.sort_by(|a, b| a.points.total_cmp(&b.points));
        up.truncate(top);
        down.truncate(top);
        (up, down)
    }
}

impl Model {
    /// Explains each lead's points: base points plus one contribution per
    /// column, ordered with the `top` strongest reasons for and against first
    /// (none is dropped, so they always add up to the points).
    pub fn explain(&self, leads: &Table, top: usize) -> Result<Vec<Explanation>> {
        let scores = self.score(leads)?;
        let (slots, _) = self.slots(leads)?;
        let card = self.scorecard();
        let factor = self.scale().factor();
        let labels: Vec<Vec<String>> = self
            .features()
            .iter()
            .map(|f| f.encoding.labels())
            .collect();
        let centers: Vec<f64> = self.features().iter().map(|f| f.center()).collect();
        let mut out = Vec::with_capacity(leads.n_rows());
        for r in 0..leads.n_rows() {
            let mut contributions: Vec<Contribution> = self
                .features()
                .iter()
                .enumerate()
                .map(|(j, f)| {
                    let i = slots[j][r] as usize;
                    Contribution {
                        column: f.column.clone(),
                        attribute: labels[j][i].clone(),
                        points: factor * (f.weights[i] - centers[j]),
                    }
                })
                .collect();
            order_contributions(&mut contributions, top);
            out.push(Explanation {
                id: scores.ids.as_ref().and_then(|ids| ids[r].clone()),
                points: scores.points[r],
                probability: scores.probability[r],
                base_points: card.base_points,
                contributions,
            });
        }
        Ok(out)
    }
}

/// Orders contributions: the `top` largest positive, the `top` largest
/// negative, then the rest by absolute size.
fn order_contributions(c: &mut [Contribution], top: usize) {
    c.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()));
    let rank = |x: &Contribution, pos_seen: &mut usize, neg_seen: &mut usize| {
        if x.points > 0.0 && *pos_seen < top {
            *pos_seen += 1;
            0
        } else if x.points < 0.0 && *neg_seen < top {
            *neg_seen += 1;
            1
        } else {
            2
        }
    };
    let (mut p, mut n) = (0, 0);
    let ranks: Vec<u8> = c.iter().map(|x| rank(x, &mut p, &mut n)).collect();
    let mut idx: Vec<usize> = (0..c.len()).collect();
    idx.sort_by_key(|&i| ranks[i]);
    let sorted: Vec<Contribution> = idx.iter().map(|&i| c[i].clone()).collect();
    c.clone_from_slice(&sorted);
}
