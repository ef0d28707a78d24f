//! Choosing the penalty by cross-validation on one shared design: the rows
//! are encoded once, each fold is a set of won and total weights per
//! pattern (so a fold costs no copy of the data), and the `l2` path is
//! walked from the strongest penalty down, every fold's fit warm-started
//! from its previous solution, stopping once the out-of-fold loss has
//! clearly turned.

use linfa::dataset::DatasetBase;
use linfa::prelude::*;
use rayon::prelude::*;

use super::design::{Counts, Design};
use super::logistic::LogisticParams;
use super::sigmoid;
use super::split::stratified_folds;
use super::{CvPoint, L2Rule};
use crate::error::{Error, Result};
use crate::metrics::{weighted_auc, weighted_log_loss};

/// The splits of a cross-validation as counts: won and total weight per
/// pattern of every block of rows, and which blocks train and which one
/// tests each split.
pub(crate) struct Folds {
    blocks: Vec<Counts>,
    splits: Vec<(Vec<usize>, usize)>,
    /// Times the rows were cut into folds (each row is tested this often).
    repeats: usize,
}

/// Rows below which random folds are cut several times over: the
/// out-of-fold loss of a few hundred deals moves with how they happen to
/// be cut, so it is averaged over `ceil(REPEAT_BELOW / rows)` cuts (at most
/// [`MAX_REPEATS`]).
pub(crate) const REPEAT_BELOW: usize = 1_600;
/// Most cuts of the rows into random folds.
pub(crate) const MAX_REPEATS: usize = 40;

impl Folds {
    /// `k` stratified random folds (seeded): each fold is predicted by a
    /// model trained on the others. Fewer than [`REPEAT_BELOW`] rows are cut
    /// into `k` folds several times over (seeds `seed`, `seed + 1`, ...), every
    /// cut's folds predicted by the others of the same cut.
    pub(crate) fn random(
        design: &Design,
        won: &[bool],
        weights: Option<&[f64]>,
        k: usize,
        seed: u64,
    ) -> Folds {
        let n = won.len().max(1);
        let repeats = REPEAT_BELOW.div_ceil(n).clamp(1, MAX_REPEATS);
        let mut blocks = Vec::with_capacity(k * repeats);
        let mut splits = Vec::with_capacity(k * repeats);
        for rep in 0..repeats {
            let block = stratified_folds(won, k, seed.wrapping_add(rep as u64));
            let first = blocks.len();
            blocks.extend(design.block_counts(won, weights, &block, k));
            splits.extend((0..k).map(|test| {
                (
                    (0..k).filter(|&b| b != test).map(|b| first + b).collect(),
                    first + test,
                )
            }));
        }
        Folds {
            blocks,
            splits,
            repeats,
        }
    }

    /// Forward chaining: the rows in time `order` cut into `k + 1` blocks;
    /// block `i` is predicted by a model trained on the blocks before it.
    pub(crate) fn time_ordered(
        design: &Design,
        won: &[bool],
        weights: Option<&[f64]>,
        order: &[usize],
        k: usize,
    ) -> Folds {
        let blocks = k + 1;
        let n = order.len();
        let mut block = vec![0; n];
        for i in 0..blocks {
            for &r in &order[i * n / blocks..(i + 1) * n / blocks] {
                block[r] = i;
            }
        }
        Folds {
            blocks: design.block_counts(won, weights, &block, blocks),
            splits: (1..blocks).map(|i| ((0..i).collect(), i)).collect(),
            repeats: 1,
        }
    }

    /// `k` folds given as the counts of each block (one block per fold):
    /// each is predicted by a model trained on the others.
    pub(crate) fn from_blocks(blocks: Vec<Counts>) -> Folds {
        let k = blocks.len();
        Folds {
            blocks,
            splits: (0..k)
                .map(|test| ((0..k).filter(|&b| b != test).collect(), test))
                .collect(),
            repeats: 1,
        }
    }

    /// Times the rows were cut into folds.
    pub(crate) fn repeats(&self) -> usize {
        self.repeats
    }

    /// Splits (models trained and tested): `k` per cut for random folds,
    /// `k` for forward chaining over `k + 1` blocks.
    pub(crate) fn n_splits(&self) -> usize {
        self.splits.len()
    }

    fn training(&self, split: usize) -> Counts {
        let (train, _) = &self.splits[split];
        let mut counts = Counts::zeros(self.blocks[0].total.len());
        for &b in train {
            counts.add(&self.blocks[b]);
        }
        counts
    }

    fn test(&self, split: usize) -> &Counts {
        &self.blocks[self.splits[split].1]
    }
}

/// How the path is fitted.
pub(crate) struct PathOptions<'a> {
    /// Candidates, any order (walked strongest first, duplicates once).
    pub grid: &'a [f64],
    pub max_iterations: u64,
    pub tolerance: f64,
    pub prior_mean: Option<&'a [f64]>,
}

/// What the cross-validation measured.
pub(crate) struct PathResult {
    /// One point per candidate fitted, strongest penalty first, then the
    /// intercept-only model (`l2: None`).
    pub points: Vec<CvPoint>,
    /// Candidates not fitted because the loss had clearly turned.
    pub not_tried: Vec<f64>,
    /// Log loss of predicting the win rate of all the evaluated rows.
    pub base_log_loss: f64,
    /// Fits that stopped at the iteration limit.
    pub unconverged: usize,
    /// Each point's log loss on every split's test fold, in the order of
    /// `points`: for comparing candidates fold by fold ([`paired_error`]).
    pub fold_losses: Vec<Vec<f64>>,
}

/// The standard error of the difference of two candidates' out-of-fold
/// log losses, fold by fold on the same folds (repeated cuts count as one
/// cut's folds): what one candidate's lead over another must exceed to be
/// told apart. Folds that all candidates find hard or easy cancel out, so it
/// is smaller than either candidate's own standard error.
pub(crate) fn paired_error(a: &[f64], b: &[f64], repeats: usize) -> f64 {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let k = d.len() as f64;
    if k < 2.0 {
        return f64::INFINITY;
    }
    let mean = d.iter().sum::<f64>() / k;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
    (var / (k / repeats.max(1) as f64)).sqrt()
}

/// Out-of-fold log loss (pooled and per fold) and AUC of one candidate,
/// from every split's predicted probability per pattern.
fn point(l2: Option<f64>, folds: &Folds, predictions: &[Vec<f64>]) -> (CvPoint, Vec<f64>) {
    let mut items = Vec::new();
    let mut losses = Vec::with_capacity(predictions.len());
    for (s, p) in predictions.iter().enumerate() {
        let test = folds.test(s);
        let fold: Vec<(f64, f64, f64)> = (0..p.len())
            .filter(|&i| test.total[i] > 0.0)
            .map(|i| (p[i], test.won[i], test.total[i] - test.won[i]))
            .collect();
        losses.push(weighted_log_loss(&fold));
        items.extend(fold);
    }
    let k = losses.len() as f64;
    let mean = losses.iter().sum::<f64>() / k;
    let var = losses.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (k - 1.0);
    // Repeated cuts test every row more than once: the error is that of
    // one cut's folds.
    let independent = k / folds.repeats as f64;
    let p = CvPoint {
        l2,
        log_loss: weighted_log_loss(&items),
        standard_error: (var / independent).sqrt(),
        auc: weighted_auc(&items),
    };
    (p, losses)
}

/// Cross-validates every candidate `l2` (and the intercept-only model).
pub(crate) fn cross_validate(
    design: &Design,
    folds: &Folds,
    options: &PathOptions,
) -> Result<PathResult> {
    let n_splits = folds.splits.len();
    let training: Vec<Counts> = (0..n_splits).map(|s| folds.training(s)).collect();
    for t in &training {
        let (won, total) = (t.sum_won(), t.sum_total());
        if won <= 0.0 || won >= total {
            return Err(Error::NotEnoughOutcomes {
                won: won as usize,
                lost: (total - won) as usize,
                required_won: 1,
                required_lost: 1,
            });
        }
    }
    let mut grid = options.grid.to_vec();
    grid.sort_by(|a, b| b.total_cmp(a));
    grid.dedup();
    // Intercept only: every test row gets its training rows' win rate.
    let rates: Vec<Vec<f64>> = training
        .iter()
        .map(|t| vec![t.sum_won() / t.sum_total(); design.n_patterns()])
        .collect();
    let (intercept_only, intercept_losses) = point(None, folds, &rates);
    let base = {
        let (mut won, mut total) = (0.0, 0.0);
        for s in 0..n_splits {
            won += folds.test(s).sum_won();
            total += folds.test(s).sum_total();
        }
        let rate = won / total;
        weighted_log_loss(&[(rate, won, total - won)])
    };
    let mut states: Vec<Option<(Vec<f64>, f64)>> = vec![None; n_splits];
    let mut points: Vec<CvPoint> = Vec::with_capacity(grid.len() + 1);
    let mut fold_losses: Vec<Vec<f64>> = Vec::with_capacity(grid.len() + 1);
    let mut unconverged = 0;
    let mut tried = 0;
    for &l2 in &grid {
        let fits: Vec<Result<(Vec<f64>, f64, bool)>> = training
            .par_iter()
            .zip(states.par_iter())
            .map(|(counts, init)| {
                let mut params = LogisticParams::new()
                    .l2(l2)
                    .max_iterations(options.max_iterations)
                    .tolerance(options.tolerance);
                if let Some(m) = options.prior_mean {
                    params = params.prior_mean(m.to_vec());
                }
                if let Some((w, b)) = init {
                    params = params.initial(w.clone(), *b);
                }
                let fit = params.fit(&DatasetBase::new(design, counts.clone()))?;
                Ok((fit.weights, fit.intercept, fit.converged))
            })
            .collect();
        let mut predictions = Vec::with_capacity(n_splits);
        for (s, fit) in fits.into_iter().enumerate() {
            let (w, b, converged) = fit?;
            unconverged += usize::from(!converged);
            predictions.push(design.logits(&w, b).into_iter().map(sigmoid).collect());
            states[s] = Some((w, b));
        }
        let (p, losses) = point(Some(l2), folds, &predictions);
        points.push(p);
        fold_losses.push(losses);
        tried += 1;
        if turned(&points) {
            break;
        }
    }
    points.push(intercept_only);
    fold_losses.push(intercept_losses);
    Ok(PathResult {
        points,
        not_tried: grid[tried..].to_vec(),
        base_log_loss: base,
        unconverged,
        fold_losses,
    })
}

/// The loss has clearly turned: the last two candidates each did worse than
/// the one before, and the last is more than a standard error worse than the
/// best so far, so neither rule would pick a weaker penalty unless the curve
/// fell again.
fn turned(points: &[CvPoint]) -> bool {
    let n = points.len();
    if n < 3 {
        return false;
    }
    let best = points
        .iter()
        .min_by(|a, b| a.log_loss.total_cmp(&b.log_loss))
        .copied()
        .unwrap_or(points[0]);
    let (a, b, c) = (
        points[n - 3].log_loss,
        points[n - 2].log_loss,
        points[n - 1].log_loss,
    );
    c > b && b > a && c > best.log_loss + best.standard_error
}

/// The candidate a rule picks from cross-validation results.
pub(crate) fn choose(grid: &[CvPoint], rule: L2Rule) -> CvPoint {
    let best = grid
        .iter()
        .copied()
        .fold(None::<CvPoint>, |best, p| match best {
            Some(b) if b.log_loss <= p.log_loss => Some(b),
            _ => Some(p),
        })
        .expect("grid is not empty");
    match rule {
        L2Rule::MinLogLoss => best,
        L2Rule::OneStandardError => {
            let limit = best.log_loss + best.standard_error;
            // Simplest first: intercept-only, then the strongest penalty down.
            let simplest_first = grid.iter().rev().take(1).chain(grid.iter());
            simplest_first
                .copied()
                .find(|p| p.log_loss <= limit)
                .unwrap_or(best)
        }
    }
}
