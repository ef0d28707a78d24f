//! Conversion by the values of a column: leads, won and win rate with a
//! Wilson interval, beside the model's points for each value.

use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::error::{Result, RowErrors};
use crate::metrics::wilson;
use crate::model::encoding::{Slot, MISSING};
use crate::model::Model;
use crate::util::is_missing_token;

/// Conversion of one value of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionRow {
    /// The value (`(missing)` for an empty cell or a missing token).
    pub value: String,
    /// Deals (leads) with the value.
    pub leads: usize,
    /// Won among them.
    pub won: usize,
    /// Win rate.
    pub rate: f64,
    /// Lower end of the 95 % Wilson interval of the rate.
    pub rate_low: f64,
    /// Upper end of the 95 % Wilson interval of the rate.
    pub rate_high: f64,
    /// The model's points for the value (the attribute it falls in), when a
    /// model that uses the column is given.
    pub learned_points: Option<f64>,
    /// The model attribute the value falls in.
    pub attribute: Option<String>,
}

/// Conversion by the values of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// The column.
    pub column: String,
    /// Deals in all.
    pub leads: usize,
    /// Won in all.
    pub won: usize,
    /// One row per value, most deals first.
    pub rows: Vec<ConversionRow>,
}

/// Leads, won, win rate with a Wilson interval, and the learned points of
/// each value of `column`, from outcomes `y` (one per row of `deals`).
/// `missing` lists the tokens read as missing besides the empty cell.
pub fn conversion_by(
    deals: &Table,
    column: &str,
    y: &[bool],
    model: Option<&Model>,
    missing: &[String],
) -> Result<Conversion> {
    let values = deals.require(column)?;
    let feature = model.and_then(|m| m.features().iter().find(|f| f.column == column));
    let index = model.and_then(|m| m.features().iter().position(|f| f.column == column));
    let card_points: Option<(&[String], &[f64])> = model
        .zip(index)
        .map(|(m, j)| (m.cache.labels[j].as_slice(), m.cache.points[j].as_slice()));
    let model_missing: Vec<String> = model
        .map(|m| m.missing_tokens().to_vec())
        .unwrap_or_default();
    let mut counts: std::collections::HashMap<String, (usize, usize, Option<usize>)> =
        Default::default();
    let mut errors = RowErrors::default();
    for (r, &won) in y.iter().enumerate().take(deals.n_rows()) {
        let text = values.text(r);
        let key = match &text {
            Some(v) if !is_missing_token(missing, v.as_ref()) => v.to_string(),
            _ => MISSING.to_string(),
        };
        let slot = match (feature, model.zip(index)) {
            (Some(f), Some((m, j))) => {
                match m.cache.lookups[j].slot(&f.encoding, values, r, &model_missing) {
                    Ok(Slot::Known(i) | Slot::Unseen(i) | Slot::Rare(i)) => Some(i),
                    Err(v) => {
                        errors.push(deals.first_row() + r, column, &v, "not a number");
                        None
                    }
                }
            }
            _ => None,
        };
        let e = counts.entry(key).or_insert((0, 0, slot));
        e.0 += 1;
        e.1 += usize::from(won);
    }
    errors.into_result()?;
    let mut rows: Vec<ConversionRow> = counts
        .into_iter()
        .map(|(value, (n, w, slot))| {
            let (lo, hi) = wilson(w, n);
            let (attribute, learned_points) = match (&card_points, slot) {
                (Some((labels, pts)), Some(i)) => (Some(labels[i].clone()), Some(pts[i])),
                _ => (None, None),
            };
            ConversionRow {
                value,
                leads: n,
                won: w,
                rate: w as f64 / n as f64,
                rate_low: lo,
                rate_high: hi,
                learned_points,
                attribute,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.value.cmp(&b.value)));
    Ok(Conversion {
        column: column.to_string(),
        leads: y.len(),
        won: y.iter().filter(|w| **w).count(),
        rows,
    })
}
