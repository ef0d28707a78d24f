//! Decoding: a table's feature cells become attribute indices ("slots"),
//! once per table, shared by scoring, explanations, drift, the points-sheet
//! comparison, batch jobs and training.

use ndarray::Array2;
use rayon::prelude::*;

use super::encoding::Slot;
use super::{sigmoid, Model, Scores, UnseenValues};
use serde::Serialize;

use crate::data::lead::{Cell, Lead};
use crate::data::{Table, Values};
use crate::error::{Result, RowError, RowErrors};

/// Slots per feature and lead, unseen values per column, and every bad cell.
pub(crate) type CheckedSlots = (Vec<Vec<u32>>, Vec<UnseenValues>, Vec<RowError>);

/// One feature column's slots, its unseen and rare values, its bad cells.
type ColumnSlots = (Vec<u32>, Option<UnseenValues>, Vec<RowError>);

impl Model {
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
        // Columns decode in parallel (each its own pass over the rows).
        let per_column: Vec<ColumnSlots> = self
            .features
            .par_iter()
            .zip(&self.cache.lookups)
            .zip(columns)
            .map(|((f, lookup), values)| self.column_slots(f, lookup, values, leads, n))
            .collect();
        let mut errors: Vec<RowError> = Vec::new();
        let mut unseen = Vec::new();
        let mut slots = Vec::with_capacity(self.features.len());
        for (s, u, e) in per_column {
            slots.push(s);
            unseen.extend(u);
            errors.extend(e);
        }
        errors.sort_by_key(|e| e.row);
        Ok((slots, unseen, errors))
    }

    /// The slots of one feature column (see [`Model::slots_checked`]): one
    /// per row, the column's unseen and rare values, its bad cells.
    fn column_slots(
        &self,
        f: &super::Feature,
        lookup: &super::encoding::Lookup,
        values: &Values,
        leads: &Table,
        n: usize,
    ) -> ColumnSlots {
        let mut errors: Vec<RowError> = Vec::new();
        let mut s = Vec::with_capacity(n);
        let (mut unseen_rows, mut rare_rows) = (0, 0);
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
        // A dictionary whose every value has a slot (none unseen, none
        // bad): one tight pass over the codes.
        let fast = match (&per_value, values) {
            (Some((per, none)), Values::Dictionary { codes, .. }) => {
                let slot_of = |x: &std::result::Result<Slot, String>| match x {
                    Ok(Slot::Known(i)) => Some((*i as u32, false)),
                    Ok(Slot::Rare(i)) => Some((*i as u32, true)),
                    _ => None,
                };
                let map: Option<Vec<(u32, bool)>> = per.iter().map(slot_of).collect();
                match (map, slot_of(none)) {
                    (Some(map), Some((none_slot, none_rare))) => {
                        s.extend(codes.iter().map(|c| match c {
                            Some(c) => map[*c as usize].0,
                            None => none_slot,
                        }));
                        if none_rare || map.iter().any(|m| m.1) {
                            rare_rows = codes
                                .iter()
                                .filter(|c| match c {
                                    Some(c) => map[*c as usize].1,
                                    None => none_rare,
                                })
                                .count();
                        }
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        for r in (0..n).filter(|_| !fast) {
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
                Ok(Slot::Rare(i)) => {
                    rare_rows += 1;
                    s.push(*i as u32)
                }
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
        let unseen = (unseen_rows + rare_rows > 0).then(|| UnseenValues {
            column: f.column.clone(),
            rows: unseen_rows,
            examples,
            rare_rows,
        });
        (s, unseen, errors)
    }

    /// The sparse design of `leads` for the exact solver
    /// ([`super::logistic`]): one attribute index per feature column and
    /// row, the model's attributes in [`Model::attribute_names`] order. Bad
    /// cells are one error naming rows, columns and values.
    pub fn design(&self, leads: &Table) -> Result<super::design::Design> {
        let (slots, _) = self.slots(leads)?;
        let attributes: Vec<usize> = self
            .features
            .iter()
            .map(|f| f.encoding.n_attributes())
            .collect();
        super::design::Design::from_slots(&slots, &attributes, None)
    }

    /// Log-odds of `n` leads from their slots and activity.
    pub(crate) fn logits(&self, slots: &[Vec<u32>], activity: &[Vec<f64>], n: usize) -> Vec<f64> {
        let mut logit = vec![self.intercept; n];
        for (f, s) in self.features.iter().zip(slots) {
            for (z, &i) in logit.iter_mut().zip(s) {
                *z += f.weights[i as usize];
            }
        }
        if let Some(events) = &self.events {
            for (t, a) in events.terms.iter().zip(activity) {
                for (z, &x) in logit.iter_mut().zip(a) {
                    *z += t.weight * x;
                }
            }
        }
        logit
    }

    /// Each event term's activity per lead (see [`super::events::terms`]),
    /// none for a model without events. A lead whose activity cell is
    /// missing or not a non-negative number is an error naming its row.
    pub(crate) fn activity(&self, leads: &Table) -> Result<Vec<Vec<f64>>> {
        let (activity, bad) = self.activity_checked(leads)?;
        let mut errors = RowErrors::default();
        for e in bad {
            errors.push(e.row, &e.column, &e.value, e.reason);
        }
        errors.into_result()?;
        Ok(activity)
    }

    /// As [`Model::activity`], every bad cell returned (its activity 0).
    pub(crate) fn activity_checked(&self, leads: &Table) -> Result<(Vec<Vec<f64>>, Vec<RowError>)> {
        let Some(events) = &self.events else {
            return Ok((Vec::new(), Vec::new()));
        };
        let mut out = Vec::with_capacity(events.terms.len());
        let mut errors = Vec::new();
        for t in &events.terms {
            let name = super::events::terms::activity_column(&t.event);
            let values = leads
                .column(&name)
                .ok_or_else(|| crate::Error::NoActivity {
                    event: t.event.clone(),
                })?;
            let mut a = Vec::with_capacity(leads.n_rows());
            for r in 0..leads.n_rows() {
                let x = match values {
                    Values::Number(v) => v[r].filter(|x| !x.is_nan()),
                    _ => values.text(r).and_then(|s| s.trim().parse::<f64>().ok()),
                };
                match x {
                    Some(x) if x.is_finite() && x >= 0.0 => a.push(x),
                    _ => {
                        errors.push(RowError {
                            row: leads.first_row() + r,
                            column: name.clone(),
                            value: values.text(r).map(|s| s.into_owned()).unwrap_or_default(),
                            reason: "not an activity (a non-negative number)".into(),
                        });
                        a.push(0.0);
                    }
                }
            }
            out.push(a);
        }
        errors.sort_by_key(|e| e.row);
        Ok((out, errors))
    }

    /// Scores of `leads` from their slots and activity (decoded once by
    /// [`Model::slots`] and [`Model::activity`]).
    pub(crate) fn scores_of(
        &self,
        leads: &Table,
        slots: &[Vec<u32>],
        activity: &[Vec<f64>],
        unseen: Vec<UnseenValues>,
    ) -> Scores {
        let n = leads.n_rows();
        let logit = self.logits(slots, activity, n);
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
            timing: None,
        }
    }
}

/// One-hot rows of decoded leads: one column per attribute of the model.
pub(crate) fn one_hot(model: &Model, slots: &[Vec<u32>], n: usize) -> Array2<f64> {
    let mut x = Array2::zeros((n, model.n_attributes()));
    let mut offset = 0;
    for (f, s) in model.features().iter().zip(slots) {
        for (r, &i) in s.iter().enumerate() {
            x[[r, offset + i as usize]] = 1.0;
        }
        offset += f.encoding.n_attributes();
    }
    x
}

impl Model {
    /// One lead at a time takes no model of the time to close yet: its
    /// chances need the lead's age at a scoring date ([`Model::score_as_of`]).
    pub(crate) fn refuse_timing_one(&self) -> Result<()> {
        match self.timing() {
            Some(t) => Err(crate::Error::InvalidParameter {
                name: "model".into(),
                value: t.created.clone(),
                reason: "one lead at a time does not take a model of the time to close yet: score a table of leads as of a date".into(),
            }),
            None => Ok(()),
        }
    }
}

/// Spellings of true and false, in the order they are tried.
const BOOLEAN_PAIRS: [(&str, &str); 5] = [
    ("true", "false"),
    ("yes", "no"),
    ("y", "n"),
    ("t", "f"),
    ("1", "0"),
];

impl Model {
    /// How a column typed boolean in a frame (Arrow, pandas, polars) is read
    /// for this model: the texts that `true` and `false` become.
    ///
    /// Data files hold text, so the model learned a yes/no column as the
    /// texts it saw. A boolean column takes the model's own spelling: for a
    /// text feature whose levels are one pair of `true`/`false`, `yes`/`no`,
    /// `y`/`n`, `t`/`f` or `1`/`0` (any case), those levels; for a number
    /// feature `1` and `0`; for a column the model does not read, `true` and
    /// `false`. A text feature whose levels are no such pair is an error
    /// naming the column and its levels, rather than every lead falling in
    /// `(other)`.
    ///
    /// ```
    /// use leadscore::{synthetic, Model};
    /// let deals = synthetic::deals(1_000, 1).table;
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
    /// // The synthetic deals spell demo_requested "yes" / "no".
    /// assert_eq!(model.boolean_spelling("demo_requested").unwrap(), ("yes".into(), "no".into()));
    /// assert!(model.boolean_spelling("industry").is_err());
    /// assert_eq!(model.boolean_spelling("not_a_feature").unwrap(), ("true".into(), "false".into()));
    /// ```
    pub fn boolean_spelling(&self, column: &str) -> Result<(String, String)> {
        use super::encoding::Encoding;
        let Some(feature) = self.features().iter().find(|f| f.column == column) else {
            return Ok(("true".into(), "false".into()));
        };
        let levels = match &feature.encoding {
            Encoding::Numeric { .. } => return Ok(("1".into(), "0".into())),
            Encoding::Categorical { levels } => levels,
        };
        let find = |word: &str| levels.iter().find(|l| l.eq_ignore_ascii_case(word));
        for (t, f) in BOOLEAN_PAIRS {
            let (lt, lf) = (find(t), find(f));
            let only_pair = levels
                .iter()
                .all(|l| l.eq_ignore_ascii_case(t) || l.eq_ignore_ascii_case(f));
            if (lt.is_some() || lf.is_some()) && only_pair {
                return Ok((
                    lt.cloned().unwrap_or_else(|| t.to_string()),
                    lf.cloned().unwrap_or_else(|| f.to_string()),
                ));
            }
        }
        Err(crate::error::Error::UnsupportedColumnType {
            column: column.to_string(),
            data_type: format!(
                "boolean, but the model learned it as text ({})",
                crate::error::display_list(levels)
            ),
        })
    }
}

impl Model {
    /// The attribute of each feature for one lead, read as a one-row table
    /// holding it would be read (the same [`Lookup`](super::encoding::Lookup)
    /// calls, without building the table), and the feature columns whose
    /// value was pooled into `(other)` (unseen in training, or rare).
    pub(crate) fn lead_slots(&self, lead: &Lead) -> Result<(Vec<u32>, Pooled)> {
        let mut slots = Vec::with_capacity(self.features.len());
        let mut pooled = Pooled::default();
        let mut errors = RowErrors::default();
        for (f, lookup) in self.features.iter().zip(&self.cache.lookups) {
            let cell = lead
                .get(&f.column)
                .ok_or_else(|| crate::Error::MissingColumn {
                    column: f.column.clone(),
                    available: lead.columns().map(str::to_string).collect(),
                })?;
            let slot = match cell {
                Cell::Text(s) => {
                    let s = s.trim();
                    lookup.slot_text(&f.encoding, (!s.is_empty()).then_some(s), &self.missing)
                }
                Cell::Number(x) => lookup.slot_number(&f.encoding, Some(*x), &self.missing),
                Cell::Bool(b) => {
                    let (yes, no) = self.boolean_spelling(&f.column)?;
                    let text = if *b { yes } else { no };
                    lookup.slot_text(&f.encoding, Some(&text), &self.missing)
                }
                Cell::Missing => lookup.slot_text(&f.encoding, None, &self.missing),
            };
            match slot {
                Ok(Slot::Known(i)) => slots.push(i as u32),
                Ok(Slot::Unseen(i)) => {
                    pooled.unseen.push(f.column.clone());
                    slots.push(i as u32)
                }
                Ok(Slot::Rare(i)) => {
                    pooled.rare.push(f.column.clone());
                    slots.push(i as u32)
                }
                Err(value) => {
                    errors.push(1, &f.column, &value, String::from("not a number"));
                    slots.push(0)
                }
            }
        }
        errors.into_result()?;
        Ok((slots, pooled))
    }

    /// The id of one lead, read as the batch reads the id column.
    pub(crate) fn lead_id(&self, lead: &Lead) -> Option<String> {
        let column = self.id_column()?;
        lead.text(column, &|c| self.boolean_spelling(c))
    }

    /// Log-odds of one lead from its slots and activity (the sum in
    /// [`Model::logits`]' order, so the same number).
    pub(crate) fn lead_logit(&self, slots: &[u32], activity: &[f64]) -> f64 {
        let mut z = self.intercept;
        for (f, &i) in self.features.iter().zip(slots) {
            z += f.weights[i as usize];
        }
        if let Some(events) = &self.events {
            for (t, &x) in events.terms.iter().zip(activity) {
                z += t.weight * x;
            }
        }
        z
    }

    /// One lead's activity per event term, read from its activity cells
    /// (see [`super::events::terms::activity_column`]).
    pub(crate) fn lead_activity(&self, lead: &Lead) -> Result<Vec<f64>> {
        let Some(events) = &self.events else {
            return Ok(Vec::new());
        };
        let mut errors = RowErrors::default();
        let mut out = Vec::with_capacity(events.terms.len());
        for t in &events.terms {
            let name = super::events::terms::activity_column(&t.event);
            let cell = lead.get(&name).ok_or_else(|| crate::Error::NoActivity {
                event: t.event.clone(),
            })?;
            let x = match cell {
                Cell::Number(x) => Some(*x),
                Cell::Text(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match x {
                Some(x) if x.is_finite() && x >= 0.0 => out.push(x),
                _ => {
                    let shown = match cell {
                        Cell::Text(s) => s.clone(),
                        Cell::Number(x) => x.to_string(),
                        Cell::Bool(b) => b.to_string(),
                        Cell::Missing => String::new(),
                    };
                    errors.push(
                        1,
                        &name,
                        &shown,
                        "not an activity (a non-negative number)".to_string(),
                    );
                    out.push(0.0);
                }
            }
        }
        errors.into_result()?;
        Ok(out)
    }
}

/// The score of one lead (see [`Model::score_one`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadScore {
    /// The lead's id, when the model has an id column and the lead carries it.
    pub id: Option<String>,
    /// Probability of a win.
    pub probability: f64,
    /// Points on the model's scale.
    pub points: f64,
    /// Feature columns whose value the model never saw in training (scored
    /// as `(other)`).
    pub unseen: Vec<String>,
    /// Feature columns whose value training saw too rarely to learn from
    /// (pooled into `(other)`).
    pub rare: Vec<String>,
}

/// The feature columns of one lead whose value was pooled into `(other)`:
/// never seen in training, or seen too rarely.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Pooled {
    /// Never seen in training.
    pub(crate) unseen: Vec<String>,
    /// Seen, but too rarely to learn from.
    pub(crate) rare: Vec<String>,
}

impl Model {
    /// Scores one lead given as column → value pairs: every feature column
    /// must be there (a missing value is [`Cell::Missing`], or empty text);
    /// booleans take the model's spelling ([`Model::boolean_spelling`]);
    /// other columns are ignored. The same points as [`Model::score`] on a
    /// table holding the lead.
    ///
    /// ```
    /// use leadscore::data::lead::Lead;
    /// use leadscore::{synthetic, Model};
    /// let deals = synthetic::deals(2_000, 1).table;
    /// let model = Model::params().target("outcome").id("deal_id")
    ///     .ignore(["created_at", "closed_at"]).l2(3.0).fit(&deals).unwrap();
    /// let lead = Lead::new()
    ///     .with("deal_id", "W-1").with("employees", 250.0).with("industry", "Software")
    ///     .with("country", "Germany").with("job_seniority", "VP").with("webinar_attended", true)
    ///     .with("pricing_page_visits", 3.0).with("demo_requested", true).with("email_clicks", 4.0)
    ///     .with("lead_source", "Referral").with("channel", "Email").with("campaign", "Mars Outreach")
    ///     .with("deal_value", 40_000.0);
    /// let s = model.score_one(&lead).unwrap();
    /// assert_eq!(s.id.as_deref(), Some("W-1"));
    /// assert_eq!(s.unseen, ["campaign"]);
    /// assert!(s.probability > 0.0 && s.probability < 1.0);
    /// // A feature column left out is an error naming it.
    /// let err = model.score_one(&Lead::new().with("industry", "Software")).unwrap_err();
    /// assert!(err.to_string().contains("not found"), "{err}");
    /// ```
    pub fn score_one(&self, lead: &Lead) -> Result<LeadScore> {
        self.refuse_timing_one()?;
        let (slots, pooled) = self.lead_slots(lead)?;
        let activity = self.lead_activity(lead)?;
        let z = self.lead_logit(&slots, &activity);
        Ok(LeadScore {
            id: self.lead_id(lead),
            probability: sigmoid(z),
            points: self.scale.points(z),
            unseen: pooled.unseen,
            rare: pooled.rare,
        })
    }
}
