//! How deals are split: stratified folds, a stratified hold-out, and time
//! order on a date column.

use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::data::{Table, Values};
use crate::error::{Result, RowErrors};
use crate::util::is_missing_token;
use crate::util::time::{parse_timestamp, DATE_GRAMMAR};

/// Row indices sorted by the date in `column` (stable for equal dates).
pub fn time_order(table: &Table, column: &str) -> Result<Vec<usize>> {
    let values = table.require(column)?;
    let mut errors = RowErrors::default();
    let mut keys = Vec::with_capacity(table.n_rows());
    for r in 0..table.n_rows() {
        let text = values.text(r);
        match text.as_deref().and_then(parse_timestamp) {
            Some(k) => keys.push(k),
            None => {
                errors.push(
                    table.first_row() + r,
                    column,
                    text.as_deref().unwrap_or(""),
                    format!("not a date ({DATE_GRAMMAR})"),
                );
                keys.push(0);
            }
        }
    }
    errors.into_result()?;
    let mut order: Vec<usize> = (0..table.n_rows()).collect();
    order.sort_by_key(|&r| keys[r]);
    Ok(order)
}

/// The columns among `columns` whose every cell is a date in the date
/// grammar (a column with a missing cell cannot order every row, so it is
/// not one; numbers are not dates).
pub fn date_columns(table: &Table, columns: &[String], missing: &[String]) -> Vec<String> {
    let is_date = |v: &str| !is_missing_token(missing, v) && parse_timestamp(v).is_some();
    columns
        .iter()
        .filter(|c| match table.column(c) {
            Some(Values::Dictionary { values, codes }) => {
                let mut used = vec![false; values.len()];
                for code in codes {
                    match code {
                        Some(code) => used[*code as usize] = true,
                        None => return false,
                    }
                }
                !codes.is_empty() && values.iter().zip(used).all(|(v, u)| !u || is_date(v))
            }
            Some(Values::Text(cells)) => {
                !cells.is_empty() && cells.iter().all(|v| v.as_deref().is_some_and(is_date))
            }
            _ => false,
        })
        .cloned()
        .collect()
}

/// Assigns each row a fold in `0..k`, stratified by outcome, shuffled with `seed`.
pub fn stratified_folds(y: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut folds = vec![0; y.len()];
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rows.shuffle(&mut rng);
        for (j, r) in rows.into_iter().enumerate() {
            folds[r] = j % k;
        }
    }
    folds
}

/// A stratified random hold-out: `test_share` of the won and of the lost
/// rows (rounded), drawn with `seed`; the held-out rows in row order.
pub fn stratified_holdout(y: &[bool], test_share: f64, seed: u64) -> Vec<usize> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut test = Vec::new();
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rows.shuffle(&mut rng);
        let k = (rows.len() as f64 * test_share).round() as usize;
        test.extend_from_slice(&rows[..k]);
    }
    test.sort_unstable();
    test
}

/// Checks a number of folds against the deals' outcomes `y`: from 2 to
/// [`MAX_FOLDS`](crate::model::params::MAX_FOLDS), and no more than the won
/// deals nor the lost deals, so that every fold can hold both.
pub fn check_folds(folds: usize, y: &[bool]) -> crate::error::Result<()> {
    let max = crate::model::params::MAX_FOLDS;
    let won = y.iter().filter(|&&w| w).count();
    let lost = y.len() - won;
    let reason = if !(2..=max).contains(&folds) {
        format!("must be from 2 to {max}")
    } else if folds > won.min(lost) {
        format!(
            "the deals hold {won} won and {lost} lost; there can be no more folds than the fewer of them"
        )
    } else {
        return Ok(());
    };
    Err(crate::error::Error::InvalidParameter {
        name: "folds".into(),
        value: folds.to_string(),
        reason,
    })
}
