//! Exact L2-regularised logistic regression on a sparse [`Design`]:
//! per-pattern won and total weights (so per-row weights come for free), an
//! optional offset per pattern and an optional prior mean per weight.
//!
//! It minimises
//!
//! ```text
//! Σ_patterns [ total · ln(1 + e^η) − won · η ]  +  l2/2 · ‖w − w0‖²,
//! η = offset + intercept + Σ_columns w[attribute]
//! ```
//!
//! (the intercept is not penalised; `w0` is the prior mean, 0 by default),
//! by Newton's method on the small dense Hessian (one pass over the patterns
//! per iteration computes the gradient and the Hessian together, the line
//! search reuses the step's change of log-odds). It is shaped the linfa way:
//! [`LogisticParams`] → checked [`LogisticValidParams`] (`ParamGuard`) →
//! `Fit` on a `DatasetBase` of the design and its [`Counts`].
//!
//! ```
//! use leadscore::model::design::Design;
//! use leadscore::model::logistic::LogisticParams;
//! use linfa::prelude::*;
//! // One column of two attributes: 3 of 4 won with the first, 1 of 4 with the second.
//! let slots = vec![vec![0, 0, 0, 0, 1, 1, 1, 1]];
//! let won = [true, true, true, false, true, false, false, false];
//! let design = Design::from_slots(&slots, &[2], None).unwrap();
//! let counts = design.counts(&won, None, 0..8);
//! let fit = LogisticParams::new()
//!     .l2(1e-6)
//!     .fit(&DatasetBase::new(&design, counts))
//!     .unwrap();
//! // With almost no penalty the fit reproduces the win rates: logit(3/4) - logit(1/4).
//! let gap = fit.weights[0] - fit.weights[1];
//! assert!((gap - 2.0 * 3f64.ln()).abs() < 1e-4);
//! assert!(fit.converged);
//! ```

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use linfa::ParamGuard;
use rayon::prelude::*;

use super::design::{Counts, Design};
use super::sigmoid;
use crate::error::{Error, Result};

/// Most weights (attributes plus the intercept) the exact solver takes: its
/// Hessian is dense, `n²` numbers.
pub const MAX_ATTRIBUTES: usize = 8_192;

/// Parameters of a fit, unchecked; see the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticParams(LogisticValidParams);

/// Checked parameters of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticValidParams {
    l2: f64,
    prior_mean: Option<Vec<f64>>,
    max_iterations: u64,
    tolerance: f64,
    initial: Option<(Vec<f64>, f64)>,
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    /// One weight (log-odds) per attribute of the design.
    pub weights: Vec<f64>,
    /// The intercept (log-odds).
    pub intercept: f64,
    /// Newton iterations taken.
    pub iterations: u64,
    /// Whether the last step moved no weight by more than the tolerance.
    pub converged: bool,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams::new()
    }
}

impl LogisticParams {
    /// Defaults: `l2 = 1`, prior mean 0, at most 100 iterations, tolerance 1e-8.
    pub fn new() -> Self {
        LogisticParams(LogisticValidParams {
            l2: 1.0,
            prior_mean: None,
            max_iterations: 100,
            tolerance: 1e-8,
            initial: None,
        })
    }

    /// The penalty (`1/C` in scikit-learn's terms); must be positive.
    pub fn l2(mut self, l2: f64) -> Self {
        self.0.l2 = l2;
        self
    }

    /// The prior mean `w0` of each weight (one per attribute of the design).
    pub fn prior_mean(mut self, mean: Vec<f64>) -> Self {
        self.0.prior_mean = Some(mean);
        self
    }

    /// Most Newton iterations (each one pass over the patterns).
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.0.max_iterations = n;
        self
    }

    /// The fit has converged when a full Newton step moves no weight (nor
    /// the intercept) by more than this, in log-odds.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.0.tolerance = tolerance;
        self
    }

    /// Starts from these weights and intercept instead of the prior mean
    /// and the win rate (a warm start along a path of penalties).
    pub fn initial(mut self, weights: Vec<f64>, intercept: f64) -> Self {
        self.0.initial = Some((weights, intercept));
        self
    }
}

impl ParamGuard for LogisticParams {
    type Checked = LogisticValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&LogisticValidParams> {
        let p = &self.0;
        let invalid = |name: &str, value: String, reason: &str| {
            Err(Error::InvalidParameter {
                name: name.into(),
                value,
                reason: reason.into(),
            })
        };
        if !(p.l2.is_finite() && p.l2 > 0.0) {
            return invalid("l2", p.l2.to_string(), "must be a positive number");
        }
        if !(p.tolerance.is_finite() && p.tolerance > 0.0) {
            return invalid("tolerance", p.tolerance.to_string(), "must be positive");
        }
        if p.max_iterations == 0 {
            return invalid("max_iterations", "0".into(), "must be at least 1");
        }
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        if let Some(m) = p.prior_mean.as_deref().filter(|m| !finite(m)) {
            let bad = m
                .iter()
                .find(|x| !x.is_finite())
                .copied()
                .unwrap_or(f64::NAN);
            return invalid("prior_mean", bad.to_string(), "must be finite");
        }
        if let Some((w, b)) = &p.initial {
            if !(finite(w) && b.is_finite()) {
                return invalid("initial", "(not finite)".into(), "must be finite");
            }
        }
        Ok(p)
    }

    fn check(self) -> Result<LogisticValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl Fit<&Design, Counts, Error> for LogisticValidParams {
    type Object = LogisticFit;

    /// Fits the design's patterns to their counts.
    fn fit(&self, dataset: &DatasetBase<&Design, Counts>) -> Result<LogisticFit> {
        newton(self, dataset.records, &dataset.targets)
    }
}

impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Self {
        Error::Training {
            reason: e.to_string(),
        }
    }
}

/// `ln(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// Negative log-likelihood of the counts at log-odds `eta`.
fn deviance(eta: &[f64], counts: &Counts) -> f64 {
    eta.iter()
        .zip(counts.total.iter().zip(&counts.won))
        .map(|(&z, (&t, &y))| {
            if t > 0.0 {
                t * softplus(z) - y * z
            } else {
                0.0
            }
        })
        .sum()
}

fn penalty(w: &[f64], mean: Option<&[f64]>, l2: f64) -> f64 {
    let sq: f64 = match mean {
        Some(m) => w.iter().zip(m).map(|(a, b)| (a - b) * (a - b)).sum(),
        None => w.iter().map(|a| a * a).sum(),
    };
    0.5 * l2 * sq
}

fn check_counts(design: &Design, counts: &Counts) -> Result<()> {
    let training = |reason: String| Err(Error::Training { reason });
    if counts.total.len() != design.n_patterns() || counts.won.len() != design.n_patterns() {
        return training("counts and design of different sizes".into());
    }
    for (&w, &t) in counts.won.iter().zip(&counts.total) {
        if !(w.is_finite() && t.is_finite() && w >= 0.0 && w <= t) {
            return training(format!("won weight {w} of total {t} is not a valid count"));
        }
    }
    let (won, total) = (counts.sum_won(), counts.sum_total());
    if !(won > 0.0 && won < total) {
        return training(format!(
            "the rows need both outcomes (won weight {won} of {total})"
        ));
    }
    Ok(())
}

/// Newton's method with a backtracking line search.
fn newton(params: &LogisticValidParams, design: &Design, counts: &Counts) -> Result<LogisticFit> {
    check_counts(design, counts)?;
    let p = design.n_attributes();
    let dim = p + 1;
    if dim > MAX_ATTRIBUTES {
        return Err(Error::Training {
            reason: format!(
                "{p} attributes are more than the exact solver takes ({MAX_ATTRIBUTES}); pool rare values or use fewer ranges"
            ),
        });
    }
    let mean = params.prior_mean.as_deref();
    if mean.is_some_and(|m| m.len() != p) {
        return Err(Error::InvalidParameter {
            name: "prior_mean".into(),
            value: format!("{} values", mean.map_or(0, <[f64]>::len)),
            reason: format!("needs one per attribute ({p})"),
        });
    }
    let (mut w, mut b) = match &params.initial {
        Some((w, b)) if w.len() == p => (w.clone(), *b),
        Some((w, _)) => {
            return Err(Error::InvalidParameter {
                name: "initial".into(),
                value: format!("{} weights", w.len()),
                reason: format!("needs one per attribute ({p})"),
            })
        }
        None => {
            let rate = counts.sum_won() / counts.sum_total();
            let w = mean.map_or_else(|| vec![0.0; p], <[f64]>::to_vec);
            (w, (rate / (1.0 - rate)).ln())
        }
    };
    let l2 = params.l2;
    let mut eta = design.logits(&w, b);
    let mut f = deviance(&eta, counts) + penalty(&w, mean, l2);
    let mut iterations = 0;
    let mut converged = false;
    while iterations < params.max_iterations {
        iterations += 1;
        let (mut g, mut h) = gradient_hessian(design, counts, &eta, dim);
        for a in 0..p {
            g[a] += l2 * (w[a] - mean.map_or(0.0, |m| m[a]));
            h[a * dim + a] += l2;
        }
        let d = solve(h, &g, dim)?;
        let largest = d.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        // The step's change of log-odds per pattern (offsets excluded).
        let deta = design.linear(&d[..p], d[p]);
        let slope: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
        let mut s = 1.0;
        let (next_eta, next_f) = loop {
            let trial: Vec<f64> = eta.iter().zip(&deta).map(|(z, dz)| z + s * dz).collect();
            let tw: Vec<f64> = w.iter().zip(&d).map(|(a, b)| a + s * b).collect();
            let tf = deviance(&trial, counts) + penalty(&tw, mean, l2);
            let flat = (tf - f).abs() <= 1e-12 * f.abs().max(1.0);
            if tf <= f + 1e-4 * s * slope || flat || largest <= params.tolerance || s < 1e-12 {
                break (trial, tf);
            }
            s *= 0.5;
        };
        for (a, da) in w.iter_mut().zip(&d) {
            *a += s * da;
        }
        b += s * d[p];
        eta = next_eta;
        f = next_f;
        if !f.is_finite() {
            return Err(Error::Training {
                reason: "the fit diverged (a non-finite loss)".into(),
            });
        }
        if s == 1.0 && largest <= params.tolerance {
            converged = true;
            break;
        }
    }
    Ok(LogisticFit {
        weights: w,
        intercept: b,
        iterations,
        converged,
    })
}

/// The variances of some weights of a fit (its penalised Hessian's inverse,
/// diagonal entries `indices`): the curvature behind a weight's interval.
pub(crate) fn weight_variances(
    design: &Design,
    counts: &Counts,
    weights: &[f64],
    intercept: f64,
    l2: f64,
    indices: &[usize],
) -> Result<Vec<f64>> {
    let p = design.n_attributes();
    let dim = p + 1;
    if dim > MAX_ATTRIBUTES || weights.len() != p {
        return Err(Error::Internal {
            what: format!("variances of {} weights on {p} attributes", weights.len()),
        });
    }
    let eta = design.logits(weights, intercept);
    let (_, mut h) = gradient_hessian(design, counts, &eta, dim);
    for a in 0..p {
        h[a * dim + a] += l2;
    }
    // One factorisation, then H x = e_i for each (substitute takes −g).
    let l = factor(h, dim)?;
    Ok(indices
        .iter()
        .map(|&i| {
            let mut g = vec![0.0; dim];
            g[i] = -1.0;
            substitute(&l, &g, dim)[i]
        })
        .collect())
}

/// Patterns per parallel chunk of the gradient and Hessian pass.
const CHUNK: usize = 16_384;

/// The loss's gradient and Hessian (lower triangle, row-major `dim × dim`,
/// the intercept last) at log-odds `eta`, penalty excluded.
fn gradient_hessian(
    design: &Design,
    counts: &Counts,
    eta: &[f64],
    dim: usize,
) -> (Vec<f64>, Vec<f64>) {
    let accumulate = |range: std::ops::Range<usize>| {
        let mut g = vec![0.0; dim];
        let mut h = vec![0.0; dim * dim];
        let b = dim - 1;
        let first_numeric = design.n_attributes() - design.n_numeric();
        for i in range {
            let t = counts.total[i];
            if t == 0.0 {
                continue;
            }
            let pr = sigmoid(eta[i]);
            let r = t * pr - counts.won[i];
            let q = t * pr * (1.0 - pr);
            let attrs = design.pattern(i);
            for (k, &a) in attrs.iter().enumerate() {
                let a = a as usize;
                g[a] += r;
                let row = a * dim;
                // Attributes of a pattern increase with the column, so
                // the earlier ones are below the diagonal of row `a`.
                for &c in &attrs[..k] {
                    h[row + c as usize] += q;
                }
                h[row + a] += q;
                h[b * dim + a] += q;
            }
            // Numeric columns come after every attribute, before the intercept.
            let xs = design.numbers(i);
            for (k, &x) in xs.iter().enumerate() {
                if x == 0.0 {
                    continue;
                }
                let a = first_numeric + k;
                let row = a * dim;
                g[a] += r * x;
                for &c in attrs {
                    h[row + c as usize] += q * x;
                }
                for (k2, &x2) in xs[..=k].iter().enumerate() {
                    h[row + first_numeric + k2] += q * x * x2;
                }
                h[b * dim + a] += q * x;
            }
            g[b] += r;
            h[b * dim + b] += q;
        }
        (g, h)
    };
    let n = design.n_patterns();
    let cols = design.width() + design.n_numeric();
    let work = n * cols * cols;
    if work < 4_000_000 || rayon::current_num_threads() < 2 {
        return accumulate(0..n);
    }
    let chunks: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(CHUNK)
        .map(|s| s..(s + CHUNK).min(n))
        .collect();
    chunks
        .into_par_iter()
        .map(accumulate)
        .reduce_with(|(mut g1, mut h1), (g2, h2)| {
            g1.iter_mut().zip(&g2).for_each(|(a, b)| *a += b);
            h1.iter_mut().zip(&h2).for_each(|(a, b)| *a += b);
            (g1, h1)
        })
        .unwrap_or_else(|| (vec![0.0; dim], vec![0.0; dim * dim]))
}

/// Solves `H d = −g` by Cholesky (lower triangle of `h`), with a growing
/// ridge when `H` is not numerically positive definite.
fn solve(h: Vec<f64>, g: &[f64], dim: usize) -> Result<Vec<f64>> {
    let l = factor(h, dim)?;
    Ok(substitute(&l, g, dim))
}

/// The Cholesky factor of `h` (lower triangle), with a growing ridge when
/// it is not numerically positive definite.
fn factor(h: Vec<f64>, dim: usize) -> Result<Vec<f64>> {
    let scale = (0..dim).fold(0.0f64, |m, i| m.max(h[i * dim + i]));
    let mut ridge = 0.0;
    for _ in 0..8 {
        let mut l = h.clone();
        if ridge > 0.0 {
            for i in 0..dim {
                l[i * dim + i] += ridge;
            }
        }
        if cholesky(&mut l, dim) {
            return Ok(l);
        }
        ridge = if ridge == 0.0 {
            1e-10 * scale.max(1.0)
        } else {
            ridge * 100.0
        };
    }
    Err(Error::Training {
        reason: "the Hessian is not positive definite".into(),
    })
}

/// `x` with `L Lᵀ x = −g`, for the Cholesky factor `l`: forward then back
/// substitution.
fn substitute(l: &[f64], g: &[f64], dim: usize) -> Vec<f64> {
    let mut x: Vec<f64> = g.iter().map(|v| -v).collect();
    for i in 0..dim {
        let row = &l[i * dim..i * dim + i];
        let s: f64 = row.iter().zip(&x[..i]).map(|(a, b)| a * b).sum();
        x[i] = (x[i] - s) / l[i * dim + i];
    }
    for i in (0..dim).rev() {
        let mut s = x[i];
        for k in i + 1..dim {
            s -= l[k * dim + i] * x[k];
        }
        x[i] = s / l[i * dim + i];
    }
    x
}

/// In-place Cholesky factorisation of the lower triangle; false when the
/// matrix is not positive definite.
fn cholesky(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let s: f64 = a[j * n..j * n + j].iter().map(|x| x * x).sum();
        let d = a[j * n + j] - s;
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        let (head, tail) = a.split_at_mut((j + 1) * n);
        let lj = &head[j * n..j * n + j];
        for i in j + 1..n {
            let start = (i - j - 1) * n;
            let row_i = &mut tail[start..start + j + 1];
            let s: f64 = row_i[..j].iter().zip(lj).map(|(x, y)| x * y).sum();
            row_i[j] = (row_i[j] - s) / d;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_small_system() {
        // H = [[4, 2], [2, 3]] (lower triangle filled), g = [-2, -1]: H d = [2, 1].
        let h = vec![4.0, 0.0, 2.0, 3.0];
        let d = solve(h, &[-2.0, -1.0], 2).unwrap();
        assert!((4.0 * d[0] + 2.0 * d[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * d[0] + 3.0 * d[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_prior_mean_pulls_unseen_attributes_and_weights_merge_like_rows() {
        // Attribute 2 has no rows: its weight is its prior mean exactly.
        let slots = vec![vec![0, 0, 1, 1, 0]];
        let won = [true, false, false, false, true];
        let d = Design::from_slots(&slots, &[3], None).unwrap();
        let fit = LogisticParams::new()
            .l2(2.0)
            .prior_mean(vec![0.5, -0.5, 1.5])
            .fit(&DatasetBase::new(&d, d.counts(&won, None, 0..5)))
            .unwrap();
        assert!((fit.weights[2] - 1.5).abs() < 1e-12);
        // Row 4 repeated by a weight of 2 instead of twice: the same fit.
        let weighted = d.counts(&won, Some(&[1.0, 1.0, 1.0, 1.0, 2.0]), 0..5);
        let twice = Design::from_slots(&[vec![0, 0, 1, 1, 0, 0]], &[3], None).unwrap();
        let won6 = [true, false, false, false, true, true];
        let params = LogisticParams::new().l2(0.3);
        let a = params.clone().fit(&DatasetBase::new(&d, weighted)).unwrap();
        let b = params
            .fit(&DatasetBase::new(&twice, twice.counts(&won6, None, 0..6)))
            .unwrap();
        for (x, y) in a.weights.iter().zip(&b.weights) {
            assert!((x - y).abs() < 1e-10);
        }
        assert!((a.intercept - b.intercept).abs() < 1e-10);
    }

    #[test]
    fn a_numeric_column_fits_like_the_attribute_it_encodes() {
        // x = 1 wins 5 of 8, x = 0 wins 2 of 8, beside a two-attribute column.
        let x: Vec<f64> = (0..16).map(|i| f64::from(u8::from(i >= 8))).collect();
        let won = [1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0].map(|w| w == 1);
        let other: Vec<u32> = (0..16).map(|i| i % 2).collect();
        let slots_x: Vec<u32> = x.iter().map(|&v| v as u32).collect();
        let numeric =
            Design::from_columns(std::slice::from_ref(&other), &[2], &[x.to_vec()], None).unwrap();
        let one_hot = Design::from_slots(&[other, slots_x], &[2, 2], None).unwrap();
        let fit = |d: &Design| {
            LogisticParams::new()
                .l2(1e-7)
                .fit(&DatasetBase::new(d, d.counts(&won, None, 0..16)))
                .unwrap()
        };
        let (a, b) = (fit(&numeric), fit(&one_hot));
        assert!(a.converged && b.converged);
        assert!((a.weights[2] - (b.weights[3] - b.weights[2])).abs() < 1e-4);
        assert!(a.weights[2] > 1.0);
        // Doubling the values halves the weight.
        let twice: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let d2 = Design::from_columns(&[], &[], &[twice], None).unwrap();
        let d1 = Design::from_columns(&[], &[], &[x.to_vec()], None).unwrap();
        assert!((fit(&d1).weights[0] - 2.0 * fit(&d2).weights[0]).abs() < 1e-4);
    }

    #[test]
    fn one_outcome_only_and_bad_parameters_are_errors() {
        let d = Design::from_slots(&[vec![0, 1]], &[2], None).unwrap();
        let all_won = d.counts(&[true, true], None, 0..2);
        assert!(LogisticParams::new()
            .fit(&DatasetBase::new(&d, all_won.clone()))
            .is_err());
        assert!(LogisticParams::new()
            .l2(0.0)
            .fit(&DatasetBase::new(&d, all_won))
            .is_err());
    }
}
