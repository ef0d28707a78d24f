//! The per-column leak screen: columns that know the outcome because they
//! were filled in after it. Per column, from closed deals alone:
//!
//! - **out-of-fold univariate AUC**: each column alone, its values (numeric
//!   and date columns cut into up to 20 quantile ranges, missing its own
//!   value) scored by their win rate in the other folds (5 stratified folds),
//!   so an identifier with a new value per deal scores 0.5, not 1;
//! - **filled only for won (or only for lost)**: the non-missing share among
//!   won deals against among lost deals, e.g. a contract date that only a
//!   won deal has;
//! - **sparsely filled only for won**: a column filled for a few won deals
//!   and no lost deal at all (a referral bonus paid, a renewal id), where
//!   any value means won. Flagged when at least
//!   [`AuditOptions::sparse_min_filled`] won deals are filled and, were
//!   filling unrelated to the outcome, the chance that no lost deal would be
//!   among the filled ones (the one-sided Fisher exact test: C(won, k) /
//!   C(deals, k) for k filled deals) is below
//!   [`AuditOptions::sparse_max_chance`]. An honest sparse column, filled for
//!   a few percent of won and lost deals alike, has lost deals filled and
//!   is never flagged; a handful of won deals filled by chance when won
//!   deals are rare is too few, or not unlikely enough;
//! - **near-perfect separators**: the share of deals whose value is 98 % or
//!   more one outcome (values held by at least 10 deals, where that purity
//!   would be a surprise at the base rate), or an out-of-fold AUC of 0.95 or
//!   more;
//! - **dates after the outcome**: with the outcome's date column named, the
//!   share of deals whose date in the column is later.
//!
//! Findings are ranked most severe first, each with its reason and figure.
//! [`crate::ModelParams::fit`] runs the screen on the feature columns and
//! adds a warning per finding (or, with [`crate::ModelParams::drop_leaks`],
//! leaves the columns out); [`crate::evidence::audit`] runs it on every
//! column of a deals file.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use super::split::stratified_folds;
use crate::data::{Table, Values};
use crate::metrics::weighted_auc;
use crate::util::is_missing_token;
use crate::util::time::parse_timestamp;
pub(crate) use judge::judge;

mod judge;

/// Why a column is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakReason {
    /// Its dates fall after the outcome's date.
    DateAfterOutcome,
    /// Filled (not missing) for won deals, (nearly) never for lost ones.
    FilledOnlyForWon,
    /// Filled for lost deals, (nearly) never for won ones.
    FilledOnlyForLost,
    /// Filled for a few won deals and no lost deal: any value means won.
    SparselyFilledOnlyForWon,
    /// Values that (nearly) decide the outcome on their own.
    NearPerfectSeparator,
    /// Alone it ranks deals far better than a lead-time column usually does.
    SuspiciouslyPredictive,
}

impl LeakReason {
    /// The reason as written in findings (`filled_only_for_won`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            LeakReason::DateAfterOutcome => "date_after_outcome",
            LeakReason::FilledOnlyForWon => "filled_only_for_won",
            LeakReason::FilledOnlyForLost => "filled_only_for_lost",
            LeakReason::SparselyFilledOnlyForWon => "sparsely_filled_only_for_won",
            LeakReason::NearPerfectSeparator => "near_perfect_separator",
            LeakReason::SuspiciouslyPredictive => "suspiciously_predictive",
        }
    }
}

impl std::fmt::Display for LeakReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Thresholds and columns of an audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditOptions {
    /// The outcome column.
    pub target: String,
    /// Won values (empty: defaults, as in training).
    pub positive: Vec<String>,
    /// Lost values (empty: inferred, as in training).
    pub negative: Vec<String>,
    /// Columns not audited (id, ignored, ...).
    pub skip: Vec<String>,
    /// Extra tokens that mean missing.
    pub missing: Vec<String>,
    /// The date the outcome became known (e.g. `closed_at`), to find dates after it.
    pub outcome_date: Option<String>,
    /// Folds of the out-of-fold AUC. Default 5.
    pub folds: usize,
    /// Seed of the folds.
    pub seed: u64,
    /// Out-of-fold AUC from which a column is suspiciously predictive. Default 0.85.
    pub suspicious_auc: f64,
    /// Out-of-fold AUC from which a column is a near-perfect separator. Default 0.95.
    pub separator_auc: f64,
    /// Share of deals in (nearly) pure values from which a column is a
    /// near-perfect separator. Default 0.05.
    pub separator_share: f64,
    /// Smallest gap in filled share between won and lost to flag "filled
    /// only for ...". Default 0.5 (with the other side at most 0.1).
    pub fill_gap: f64,
    /// Fewest won deals with a value, and no lost deal, to flag "sparsely
    /// filled only for won". Default 10.
    pub sparse_min_filled: usize,
    /// Largest chance, were filling unrelated to the outcome, that no lost
    /// deal would be filled, to flag "sparsely filled only for won"
    /// ([`ColumnAudit::won_only_chance`]). Default 1e-6.
    pub sparse_max_chance: f64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            target: String::new(),
            positive: Vec::new(),
            negative: Vec::new(),
            skip: Vec::new(),
            missing: Vec::new(),
            outcome_date: None,
            folds: 5,
            seed: 0,
            suspicious_auc: 0.85,
            separator_auc: 0.95,
            separator_share: 0.05,
            fill_gap: 0.5,
            sparse_min_filled: 10,
            sparse_max_chance: 1e-6,
        }
    }
}

/// The figures of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnAudit {
    /// Column name.
    pub column: String,
    /// `categorical`, `numeric` or `date`.
    pub kind: String,
    /// Out-of-fold univariate AUC.
    pub oof_auc: f64,
    /// Share of won deals with a value.
    pub filled_won: f64,
    /// Share of lost deals with a value.
    pub filled_lost: f64,
    /// Won deals with a value.
    pub filled_won_deals: usize,
    /// Lost deals with a value.
    pub filled_lost_deals: usize,
    /// When no lost deal has a value: the chance of that if having a value
    /// had nothing to do with the outcome (C(won, k) / C(deals, k) for the k
    /// filled deals; the one-sided Fisher exact test). 1 when a lost deal
    /// has a value, or none does.
    pub won_only_chance: f64,
    /// Share of deals whose value is at least 98 % one outcome.
    pub pure_share: f64,
    /// Share of deals (with both dates) dated after the outcome, when the
    /// outcome date is known and the column holds dates.
    pub after_outcome_share: Option<f64>,
}

/// One flagged column: its most severe reason first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Column name.
    pub column: String,
    /// The most severe reason.
    pub reason: LeakReason,
    /// The figure behind the reason (see `figure_name`).
    pub figure: f64,
    /// What `figure` measures.
    pub figure_name: String,
    /// 0 to 1; findings are sorted by it.
    pub severity: f64,
    /// The finding in words.
    pub detail: String,
    /// Other reasons the column is flagged for.
    pub other_reasons: Vec<LeakReason>,
    /// The column's figures.
    pub figures: ColumnAudit,
}

/// Findings on the feature columns for training: (column, detail), most severe first.
pub(crate) fn training_findings(
    deals: &Table,
    y: &[bool],
    features: &[String],
    missing: &[String],
    seed: u64,
) -> Vec<(String, String)> {
    let options = AuditOptions {
        missing: missing.to_vec(),
        seed,
        ..Default::default()
    };
    let folds = screen_folds(y, &options);
    let mut findings: Vec<Finding> = features
        .par_iter()
        .filter_map(|c| {
            let v = deals.column(c)?;
            judge(
                &audit_column(c, v, y, &folds, missing, None, &options),
                &options,
            )
        })
        .collect();
    findings.sort_by(|a, b| b.severity.total_cmp(&a.severity));
    findings.into_iter().map(|f| (f.column, f.detail)).collect()
}

/// A date as days since 1970-01-01 (with the time of day as a fraction).
pub(crate) fn date_value(text: &str) -> Option<f64> {
    parse_timestamp(text).map(|s| s as f64 / 86_400.0)
}

/// A column as its distinct present values: per row the index of its
/// value (`None`: missing), per value its text. A dictionary column is this
/// already, so the screen reads each distinct value once, not each cell.
struct Distinct<'a> {
    texts: Vec<Cow<'a, str>>,
    codes: Vec<Option<u32>>,
}

fn distinct<'a>(values: &'a Values, missing: &[String]) -> Distinct<'a> {
    match values {
        Values::Dictionary { values, codes } => {
            let present: Vec<bool> = values
                .iter()
                .map(|v| !is_missing_token(missing, v))
                .collect();
            Distinct {
                texts: values.iter().map(|v| Cow::Borrowed(v.as_str())).collect(),
                codes: codes
                    .iter()
                    .map(|c| c.filter(|&c| present[c as usize]))
                    .collect(),
            }
        }
        _ => {
            let mut index: HashMap<String, u32> = HashMap::new();
            let mut texts = Vec::new();
            let codes = (0..values.len())
                .map(|r| {
                    let v = values.text(r).filter(|v| !is_missing_token(missing, v))?;
                    Some(match index.get(v.as_ref()) {
                        Some(&c) => c,
                        None => {
                            let c = texts.len() as u32;
                            index.insert(v.to_string(), c);
                            texts.push(Cow::Owned(v.into_owned()));
                            c
                        }
                    })
                })
                .collect();
            Distinct { texts, codes }
        }
    }
}

/// The value at sorted position `at` of a multiset given as (value, count)
/// pairs sorted by value.
fn nth(sorted: &[(f64, usize)], at: usize) -> f64 {
    let mut seen = 0;
    for &(v, n) in sorted {
        seen += n;
        if at < seen {
            return v;
        }
    }
    sorted.last().map_or(f64::NAN, |l| l.0)
}

/// The folds of the screen's out-of-fold AUC (the same for every column).
pub(crate) fn screen_folds(y: &[bool], options: &AuditOptions) -> Vec<usize> {
    stratified_folds(y, options.folds, options.seed)
}

pub(crate) fn audit_column(
    column: &str,
    values: &Values,
    y: &[bool],
    folds: &[usize],
    missing: &[String],
    outcome_days: Option<&[Option<f64>]>,
    options: &AuditOptions,
) -> ColumnAudit {
    let n = y.len();
    let d = distinct(values, missing);
    let mut per_value = vec![0usize; d.texts.len()];
    for c in d.codes.iter().flatten() {
        per_value[*c as usize] += 1;
    }
    let present: usize = per_value.iter().sum();
    // Kind: numeric when every value is a number, date when nearly every one is a date.
    let numbers: Vec<Option<f64>> = d
        .texts
        .iter()
        .map(|t| t.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    let n_num: usize = per_value
        .iter()
        .zip(&numbers)
        .filter(|(_, x)| x.is_some())
        .map(|(n, _)| n)
        .sum();
    let dates: Vec<Option<f64>> = if present > 0 && n_num == present {
        vec![None; d.texts.len()]
    } else {
        d.texts.iter().map(|t| date_value(t)).collect()
    };
    let n_date: usize = per_value
        .iter()
        .zip(&dates)
        .filter(|(_, x)| x.is_some())
        .map(|(n, _)| n)
        .sum();
    let (kind_name, ranged) = if present > 0 && n_num == present {
        ("numeric", Some(&numbers))
    } else if present > 0 && n_date as f64 >= 0.95 * present as f64 {
        ("date", Some(&dates))
    } else {
        ("categorical", None)
    };
    // Keys per distinct value: 0 = missing, then one per value or range.
    let value_keys: Vec<u32> = match ranged {
        None => (1..=d.texts.len() as u32).collect(),
        Some(xs) => {
            let mut sorted: Vec<(f64, usize)> = xs
                .iter()
                .zip(&per_value)
                .filter_map(|(x, &n)| x.map(|x| (x, n)))
                .filter(|(_, n)| *n > 0)
                .collect();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let len: usize = sorted.iter().map(|s| s.1).sum();
            let mut edges: Vec<f64> = Vec::new();
            let bins = 20.min(len / 10).max(1);
            for i in 1..bins {
                let e = nth(&sorted, i * len / bins);
                if e > sorted[0].0 && edges.last().is_none_or(|l| e > *l) {
                    edges.push(e);
                }
            }
            xs.iter()
                .map(|x| match x {
                    None => 0,
                    Some(x) => 1 + edges.partition_point(|e| e <= x) as u32,
                })
                .collect()
        }
    };
    let n_keys = value_keys.iter().copied().max().unwrap_or(0) as usize + 1;
    // Rows and won rows per fold and key.
    let k_folds = options.folds;
    let mut rows = vec![0u32; k_folds * n_keys];
    let mut won = vec![0u32; k_folds * n_keys];
    for r in 0..n {
        let key = d.codes[r].map_or(0, |c| value_keys[c as usize]) as usize;
        let at = folds[r] * n_keys + key;
        rows[at] += 1;
        won[at] += u32::from(y[r]);
    }
    let sum_keys = |v: &[u32], k: usize| (0..k_folds).map(|f| v[f * n_keys + k]).sum::<u32>();
    let all_rows: Vec<u32> = (0..n_keys).map(|k| sum_keys(&rows, k)).collect();
    let all_won: Vec<u32> = (0..n_keys).map(|k| sum_keys(&won, k)).collect();
    let fold_n: Vec<u32> = (0..k_folds)
        .map(|f| rows[f * n_keys..(f + 1) * n_keys].iter().sum())
        .collect();
    let fold_won: Vec<u32> = (0..k_folds)
        .map(|f| won[f * n_keys..(f + 1) * n_keys].iter().sum())
        .collect();
    let total_won = y.iter().filter(|w| **w).count();
    // Out-of-fold target encoding: every row of a (fold, key) gets the
    // same score, so the AUC is taken over those groups.
    let mut groups = Vec::new();
    for f in 0..k_folds {
        let rest_n = (n - fold_n[f] as usize).max(1) as f64;
        let prior = (total_won - fold_won[f] as usize) as f64 / rest_n;
        for k in 0..n_keys {
            let at = f * n_keys + k;
            if rows[at] == 0 {
                continue;
            }
            let kn = f64::from(all_rows[k] - rows[at]);
            let kw = f64::from(all_won[k] - won[at]);
            let score = (kw + prior) / (kn + 1.0);
            groups.push((score, f64::from(won[at]), f64::from(rows[at] - won[at])));
        }
    }
    let oof_auc = weighted_auc(&groups);
    // Filled deals by outcome (any present value, read as a number or not).
    let lost_n = n - total_won;
    let mut filled = [0usize; 2];
    for (code, &w) in d.codes.iter().zip(y) {
        filled[usize::from(w)] += usize::from(code.is_some());
    }
    let [filled_lost_deals, filled_won_deals] = filled;
    let filled_won = filled_won_deals as f64 / total_won.max(1) as f64;
    let filled_lost = filled_lost_deals as f64 / lost_n.max(1) as f64;
    let won_only_chance = if filled_lost_deals == 0 {
        chance_all_won(filled_won_deals, total_won, n)
    } else {
        1.0
    };
    // Pure values.
    let base = total_won as f64 / n.max(1) as f64;
    let mut pure = 0u32;
    for k in 0..n_keys {
        let kn = f64::from(all_rows[k]);
        if all_rows[k] < 10 {
            continue;
        }
        let rate = f64::from(all_won[k]) / kn;
        if (rate >= 0.98 && kn * (1.0 - base) >= 5.0) || (rate <= 0.02 && kn * base >= 5.0) {
            pure += all_rows[k];
        }
    }
    let after_outcome_share = match (outcome_days, kind_name) {
        (Some(od), "date") => {
            let mut both = 0usize;
            let mut after = 0usize;
            for (code, o) in d.codes.iter().zip(od) {
                let date = code.and_then(|c| dates[c as usize]);
                if let (Some(d), Some(o)) = (date, *o) {
                    both += 1;
                    after += usize::from(d > o);
                }
            }
            (both > 0).then(|| after as f64 / both as f64)
        }
        _ => None,
    };
    ColumnAudit {
        column: column.to_string(),
        kind: kind_name.to_string(),
        oof_auc,
        filled_won,
        filled_lost,
        filled_won_deals,
        filled_lost_deals,
        won_only_chance,
        pure_share: f64::from(pure) / n.max(1) as f64,
        after_outcome_share,
    }
}

/// The chance that `k` deals drawn at random from `n`, of which `won` are
/// won, are all won: C(won, k) / C(n, k) = Π (won − i) / (n − i) over i < k.
fn chance_all_won(k: usize, won: usize, n: usize) -> f64 {
    if k > won {
        return 0.0;
    }
    (0..k)
        .map(|i| ((won - i) as f64 / (n - i) as f64).ln())
        .sum::<f64>()
        .exp()
}
