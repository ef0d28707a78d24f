//! [`Explanation`]: why a lead has its points, attribute by attribute.

use serde::{Deserialize, Serialize};

use super::Model;
use crate::data::Table;
use crate::error::Result;

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
    /// Feature columns whose value the model never saw in training, scored
    /// as `(other)` (as are rare values of a model that does not list them).
    #[serde(default)]
    pub unseen: Vec<String>,
    /// Feature columns whose value training saw, but too rarely to learn
    /// from: pooled into `(other)` with the other rare values.
    #[serde(default)]
    pub rare: Vec<String>,
    /// For a model with a time to close: the lead's chances within the
    /// horizons, of ever winning (also `probability`) and its median close
    /// date, at the scoring date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlook: Option<super::timing::LeadOutlook>,
}

impl Explanation {
    /// The `top` contributions that raise the score most, then the `top`
    /// that lower it most.
    pub fn top(&self, top: usize) -> (Vec<&Contribution>, Vec<&Contribution>) {
        top_of(&self.contributions, top)
    }
}

impl Contribution {
    /// `column = attribute (+1.2)`, as reasons print it.
    pub fn reason(&self) -> String {
        format!("{} = {} ({:+.1})", self.column, self.attribute, self.points)
    }
}

/// The `top` reasons for and against in one line, `for: ...; against: ...`
/// (parts left out when empty).
pub fn reasons_line(up: &[&Contribution], down: &[&Contribution], sep: &str) -> Vec<String> {
    let fmt = |cs: &[&Contribution]| cs.iter().map(|c| c.reason()).collect::<Vec<_>>().join(sep);
    let mut parts = Vec::new();
    if !up.is_empty() {
        parts.push(format!("for: {}", fmt(up)));
    }
    if !down.is_empty() {
        parts.push(format!("against: {}", fmt(down)));
    }
    parts
}

/// The `top` largest positive contributions (largest first) and the `top`
/// largest negative ones (most negative first).
pub(crate) fn top_of(
    contributions: &[Contribution],
    top: usize,
) -> (Vec<&Contribution>, Vec<&Contribution>) {
    let mut up: Vec<&Contribution> = contributions.iter().filter(|c| c.points > 0.0).collect();
    let mut down: Vec<&Contribution> = contributions.iter().filter(|c| c.points < 0.0).collect();
    up.sort_by(|a, b| b.points.total_cmp(&a.points));
    down.sort_by(|a, b| a.points.total_cmp(&b.points));
    up.truncate(top);
    down.truncate(top);
    (up, down)
}

impl Model {
    /// Explains each lead's points: base points plus one contribution per
    /// column, ordered with the `top` strongest reasons for and against first
    /// (none is dropped, so they always add up to the points). For a model
    /// with a time to close the points are those of the chance of closing
    /// won per period, the probability is the chance of ever winning, and
    /// the outlook gives the chances within the horizons, as of the scoring
    /// date (now, or [`Model::as_of`]; each lead's created date needed).
    pub fn explain(&self, leads: &Table, top: usize) -> Result<Vec<Explanation>> {
        // The leads are decoded once, for the scores and the reasons.
        let (slots, unseen) = self.slots(leads)?;
        let activity = self.activity(leads)?;
        let mut scores = self.scores_of(leads, &slots, &activity, unseen);
        if self.timing().is_some() {
            let at = self.scoring_time(None)?;
            let logits = self.logits(&slots, &activity, leads.n_rows());
            let (t, errors) = self.outlooks_checked(leads, &slots, &logits, at)?;
            crate::error::fail_on_rows(errors)?;
            scores.set_timing(t);
        }
        let recent: Vec<Option<&crate::data::Values>> =
            self.events.as_ref().map_or(Vec::new(), |e| {
                e.terms
                    .iter()
                    .map(|t| leads.column(&super::events::terms::recent_column(&t.event)))
                    .collect()
            });
        let out = (0..leads.n_rows())
            .map(|r| {
                let mut e = self.explanation(
                    |j| slots[j][r],
                    |j| self.is_rare(leads, j, r),
                    |t| {
                        let detail = recent[t].and_then(|v| v.text(r)).map(|s| s.into_owned());
                        (activity[t][r], detail)
                    },
                    scores.ids.as_ref().and_then(|ids| ids[r].clone()),
                    scores.points[r],
                    scores.probability[r],
                    top,
                );
                e.outlook = scores.timing.as_ref().map(|t| t.lead(r));
                e
            })
            .collect();
        Ok(out)
    }

    /// Whether row `r` of `leads` holds, in feature `j`, a value training
    /// saw too rarely to learn from (not one it never saw).
    fn is_rare(&self, leads: &Table, j: usize, r: usize) -> bool {
        let f = &self.features()[j];
        leads.column(&f.column).is_some_and(|values| {
            matches!(
                self.cache.lookups[j].slot(&f.encoding, values, r, &self.missing),
                Ok(super::encoding::Slot::Rare(_))
            )
        })
    }

    /// The explanation of one lead from its attribute in each feature
    /// (`slot(j)` for feature `j`; `rare(j)`: whether a value pooled into
    /// `(other)` was rare rather than unseen), its id, points and
    /// probability.
    #[allow(clippy::too_many_arguments)]
    fn explanation(
        &self,
        slot: impl Fn(usize) -> u32,
        rare: impl Fn(usize) -> bool,
        activity: impl Fn(usize) -> (f64, Option<String>),
        id: Option<String>,
        points: f64,
        probability: f64,
        top: usize,
    ) -> Explanation {
        let mut contributions: Vec<Contribution> = self
            .features()
            .iter()
            .enumerate()
            .map(|(j, f)| {
                let i = slot(j) as usize;
                Contribution {
                    column: f.column.clone(),
                    attribute: self.cache.labels[j][i].clone(),
                    points: self.cache.points[j][i],
                }
            })
            .collect();
        let factor = self.scale.factor();
        for (t, term) in self.events.iter().flat_map(|e| e.terms.iter()).enumerate() {
            let (x, detail) = activity(t);
            contributions.push(Contribution {
                column: term.event.clone(),
                attribute: detail.unwrap_or_else(|| {
                    if x == 0.0 {
                        "no events".into()
                    } else {
                        format!("activity {x:.3}")
                    }
                }),
                points: factor * term.weight * x,
            });
        }
        order_contributions(&mut contributions, top);
        let (mut unseen, mut rare_columns) = (Vec::new(), Vec::new());
        for (j, f) in self.features().iter().enumerate() {
            if let super::Encoding::Categorical { levels } = &f.encoding {
                if slot(j) as usize == levels.len() {
                    if rare(j) {
                        rare_columns.push(f.column.clone());
                    } else {
                        unseen.push(f.column.clone());
                    }
                }
            }
        }
        Explanation {
            id,
            points,
            probability,
            base_points: self.cache.base_points,
            contributions,
            unseen,
            rare: rare_columns,
            outlook: None,
        }
    }
}

/// Orders contributions: the `top` largest positive, the `top` largest
/// negative, then the rest by absolute size.
fn order_contributions(c: &mut Vec<Contribution>, top: usize) {
    c.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()));
    let (mut pos_seen, mut neg_seen) = (0, 0);
    let mut ranked: Vec<(u8, Contribution)> = c
        .drain(..)
        .map(|x| {
            let rank = if x.points > 0.0 && pos_seen < top {
                pos_seen += 1;
                0
            } else if x.points < 0.0 && neg_seen < top {
                neg_seen += 1;
                1
            } else {
                2
            };
            (rank, x)
        })
        .collect();
    // A stable sort: inside each rank, the order by size stays.
    ranked.sort_by_key(|(rank, _)| *rank);
    c.extend(ranked.into_iter().map(|(_, x)| x));
}

impl Model {
    /// Explains one lead given as column → value pairs, read as
    /// [`Model::score_one`] reads it: the same explanation as
    /// [`Model::explain`] on a table holding the lead (the id included when
    /// the lead carries the model's id column).
    ///
    /// ```
    /// use leadscore::data::lead::Lead;
    /// use leadscore::{synthetic, Model};
    /// let deals = synthetic::deals(2_000, 1).table;
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
    /// let lead: Lead = deals.column_names().iter()
    ///     .map(|c| (c.clone(), deals.cell(0, c).unwrap().map(|s| s.into_owned())))
    ///     .collect();
    /// let one = model.explain_one(&lead, 3).unwrap();
    /// assert_eq!(one, model.explain(&deals.take_rows(&[0]), 3).unwrap()[0]);
    /// let sum: f64 = one.contributions.iter().map(|c| c.points).sum();
    /// assert!((one.base_points + sum - one.points).abs() < 1e-9);
    /// ```
    pub fn explain_one(&self, lead: &crate::data::lead::Lead, top: usize) -> Result<Explanation> {
        self.refuse_timing_one()?;
        let (slots, pooled) = self.lead_slots(lead)?;
        let activity = self.lead_activity(lead)?;
        let z = self.lead_logit(&slots, &activity);
        let recent: Vec<Option<String>> = self.events.as_ref().map_or(Vec::new(), |e| {
            e.terms
                .iter()
                .map(|t| {
                    lead.text(&super::events::terms::recent_column(&t.event), &|c| {
                        self.boolean_spelling(c)
                    })
                })
                .collect()
        });
        let features = self.features();
        Ok(self.explanation(
            |j| slots[j],
            |j| pooled.rare.contains(&features[j].column),
            |t| (activity[t], recent[t].clone()),
            self.lead_id(lead),
            self.scale.points(z),
            super::sigmoid(z),
            top,
        ))
    }
}
