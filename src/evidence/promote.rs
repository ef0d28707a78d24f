//! The gate before a retrained model goes live: both models scored on the
//! same recent closed deals (out of time: deals neither was trained on),
//! side by side, and the candidate promoted only when it passes the
//! [`Gate`].
//!
//! ```
//! use leadscore::evidence::promote::{compare, Gate, PromotionOptions};
//! use leadscore::{synthetic, Model};
//! let params = Model::params().target("outcome").id("deal_id")
//!     .ignore(["created_at", "closed_at"]).l2(3.0);
//! let active = params.clone().fit(&synthetic::deals(2_000, 1).table).unwrap();
//! let candidate = params.fit(&synthetic::deals(2_000, 2).table).unwrap();
//! let recent = synthetic::deals(1_500, 3).table;
//! let p = compare(&active, &candidate, &recent, &PromotionOptions::default()).unwrap();
//! assert!(p.passed, "{p}");
//! assert!(p.candidate.auc.value > 0.7 && p.auc_ratio > 0.95);
//! ```

use std::fmt;
use std::path::Path;

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::diff::{diff, PointsMove};
use super::evaluate::{Evaluation, EvaluationOptions};
use super::policy_metrics::policy_metrics_of;
use crate::data::{Table, Target};
use crate::error::{Error, Result};
use crate::metrics::{as_f64, auc, log_loss, percentile, Estimate};
use crate::model::Model;
use crate::policy::Policy;

/// What a candidate must reach on the recent deals. Read from TOML with
/// [`Gate::from_toml`]; every field is optional there.
///
/// ```toml
/// min_auc_ratio = 0.95          # AUC at least 95 % of the active model's
/// max_log_loss_increase = 0.01  # instead of "within the active model's interval"
/// max_calibration_error = 0.05
/// min_deals = 200
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Gate {
    /// The candidate's AUC must be at least this share of the active
    /// model's (default 0.95).
    pub min_auc_ratio: f64,
    /// The candidate's log loss may exceed the active model's by at most
    /// this much; when not set (default), it must not exceed the upper end
    /// of the active model's 95 % interval.
    pub max_log_loss_increase: Option<f64>,
    /// The candidate's expected calibration error must not exceed this
    /// (default: not checked).
    pub max_calibration_error: Option<f64>,
    /// Fewest recent deals to judge by (default 100), with at least 10 won
    /// and 10 lost.
    pub min_deals: usize,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate {
            min_auc_ratio: 0.95,
            max_log_loss_increase: None,
            max_calibration_error: None,
            min_deals: 100,
        }
    }
}

impl Gate {
    /// Reads a gate from TOML text (`path` names it in errors).
    pub fn from_toml(text: &str, path: &Path) -> Result<Gate> {
        let gate: Gate =
            toml::from_str(text).map_err(|e| crate::policy::toml_error(text, path, e))?;
        gate.check()?;
        Ok(gate)
    }

    /// Reads a gate file.
    pub fn load(path: impl AsRef<Path>) -> Result<Gate> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Gate::from_toml(&text, path)
    }

    /// Checks the gate: a ratio in (0, 1.5], non-negative limits.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, v: f64, reason: &str| {
            Err(Error::InvalidParameter {
                name: name.into(),
                value: v.to_string(),
                reason: reason.into(),
            })
        };
        if !(self.min_auc_ratio > 0.0 && self.min_auc_ratio <= 1.5) {
            return bad(
                "min_auc_ratio",
                self.min_auc_ratio,
                "a share of the active model's AUC, above 0 and at most 1.5",
            );
        }
        for (name, v) in [
            ("max_log_loss_increase", self.max_log_loss_increase),
            ("max_calibration_error", self.max_calibration_error),
        ] {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                return bad(name, v, "a limit of 0 or more");
            }
        }
        Ok(())
    }
}

/// How the models are compared.
#[derive(Debug, Clone, Default)]
pub struct PromotionOptions {
    /// The outcome column of the recent deals (default: the active
    /// model's).
    pub target: Option<String>,
    /// Won values (default: the active model's).
    pub positive: Vec<String>,
    /// Lost values (default: the active model's).
    pub negative: Vec<String>,
    /// A qualification policy: the lift of the leads it routes to sales
    /// (else of each model's top 20 % of the deals).
    pub policy: Option<Policy>,
    /// The gate.
    pub gate: Gate,
    /// Seed of the bootstrap (200 paired resamples).
    pub seed: u64,
}

/// One model on the recent deals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOnRecent {
    /// The model's fingerprint.
    pub fingerprint: String,
    /// When it was trained.
    pub created_at: String,
    /// AUC with its 95 % bootstrap interval.
    pub auc: Estimate,
    /// Log loss with its interval.
    pub log_loss: Estimate,
    /// Brier score with its interval.
    pub brier: Estimate,
    /// Expected calibration error.
    pub calibration_error: f64,
    /// Win rate of the deals at the cut over the win rate of all (none
    /// when no deal is at the cut: a points policy made for another
    /// model's points may cut none of this one's).
    pub lift: Option<f64>,
    /// The deals at the cut.
    pub at_cut: usize,
}

/// One check of the gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateCheck {
    /// What is checked, with the figures.
    pub check: String,
    /// Whether the candidate passed it.
    pub passed: bool,
}

/// Both models on the recent deals, and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Promotion {
    /// Recent deals.
    pub deals: usize,
    /// Won among them.
    pub won: usize,
    /// Where the lift is measured.
    pub cut: String,
    /// The model live now.
    pub active: ModelOnRecent,
    /// The retrained model.
    pub candidate: ModelOnRecent,
    /// Candidate's AUC over the active model's.
    pub auc_ratio: f64,
    /// Candidate's log loss minus the active model's, with the 95 %
    /// interval of paired resamples of the same deals.
    pub log_loss_change: Estimate,
    /// The gate applied.
    pub gate: Gate,
    /// Every check, in order.
    pub checks: Vec<GateCheck>,
    /// Whether every check passed.
    pub passed: bool,
    /// Attributes in both models whose points moved most (up to 10).
    pub moved: Vec<PointsMove>,
    /// Attributes only the candidate has.
    pub added: usize,
    /// Attributes only the active model has.
    pub removed: usize,
}

impl Promotion {
    /// Why the candidate was refused (empty when it passed).
    pub fn reasons(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.check.clone())
            .collect()
    }
}

const RESAMPLES: usize = 200;

fn on_recent(
    model: &Model,
    recent: &Table,
    y: &[bool],
    policy: Option<&Policy>,
    seed: u64,
) -> Result<(ModelOnRecent, Vec<f64>)> {
    // With a policy, the qualification scores the deals once for both the
    // figures and the lift at the policy's cut.
    let qualification = policy.map(|p| p.qualify_batch(model, recent)).transpose()?;
    let (probability, points) = match &qualification {
        Some(q) => q
            .decisions
            .iter()
            .map(|d| (d.probability, d.points))
            .unzip(),
        None => {
            let s = model.score(recent)?;
            (s.probability, s.points)
        }
    };
    let s = model.summary();
    let options = EvaluationOptions {
        bootstrap: RESAMPLES,
        bootstrap_seed: seed,
        ..Default::default()
    };
    let e = Evaluation::from_predictions(
        y,
        &probability,
        &points,
        s.won as f64 / s.rows.max(1) as f64,
        "recent deals",
        s.rows,
        &options,
    );
    let rate = y.iter().filter(|w| **w).count() as f64 / y.len().max(1) as f64;
    let (lift, at_cut) = match policy.zip(qualification.as_ref()) {
        Some((p, q)) => {
            let m = policy_metrics_of(p, q, y);
            (
                m.qualified_won as f64 / m.qualified.max(1) as f64 / rate,
                m.qualified,
            )
        }
        None => {
            let mut order: Vec<usize> = (0..y.len()).collect();
            order.sort_by(|&a, &b| probability[b].total_cmp(&probability[a]));
            let top = (y.len() as f64 * 0.2).ceil() as usize;
            let won = order[..top].iter().filter(|&&i| y[i]).count();
            (won as f64 / top.max(1) as f64 / rate, top)
        }
    };
    Ok((
        ModelOnRecent {
            fingerprint: model.fingerprint(),
            created_at: model.created_at().to_string(),
            auc: e.auc,
            log_loss: e.log_loss,
            brier: e.brier,
            calibration_error: e.expected_calibration_error,
            lift: (at_cut > 0 && lift.is_finite()).then_some(lift),
            at_cut,
        },
        probability,
    ))
}

/// Scores `active` and `candidate` on the recent closed deals `recent` and
/// applies the gate (see the [module docs](self)).
pub fn compare(
    active: &Model,
    candidate: &Model,
    recent: &Table,
    options: &PromotionOptions,
) -> Result<Promotion> {
    options.gate.check()?;
    let t = active.target();
    let column = options.target.clone().unwrap_or_else(|| t.column.clone());
    let (positive, negative) = if options.positive.is_empty() && options.negative.is_empty() {
        (t.won.clone(), t.lost.clone())
    } else {
        (options.positive.clone(), options.negative.clone())
    };
    let (_, y) = Target::resolve(recent, &column, &positive, &negative)?;
    let policy = options.policy.as_ref();
    let (a, pa) = on_recent(active, recent, &y, policy, options.seed)?;
    let (c, pc) = on_recent(candidate, recent, &y, policy, options.seed)?;
    // Paired resamples: the same deals for both models.
    let yf = as_f64(&y);
    let n = y.len();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(options.seed);
    let mut changes = Vec::with_capacity(RESAMPLES);
    let resamples = if n > 0 { RESAMPLES } else { 0 };
    for _ in 0..resamples {
        let idx: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
        let ys: Vec<f64> = idx.iter().map(|&i| yf[i]).collect();
        let pick = |p: &[f64]| -> Vec<f64> { idx.iter().map(|&i| p[i]).collect() };
        changes.push(log_loss(&ys, &pick(&pc)) - log_loss(&ys, &pick(&pa)));
    }
    changes.sort_by(|x, y| x.total_cmp(y));
    let log_loss_change = Estimate {
        value: log_loss(&yf, &pc) - log_loss(&yf, &pa),
        low: percentile(&changes, 0.025),
        high: percentile(&changes, 0.975),
    };
    let auc_ratio = auc(&yf, &pc) / auc(&yf, &pa);
    let won = y.iter().filter(|w| **w).count();
    let gate = &options.gate;
    let mut checks = Vec::new();
    let enough = n >= gate.min_deals && won >= 10 && n - won >= 10;
    checks.push(GateCheck {
        check: format!(
            "{n} recent deals ({won} won, {} lost): at least {} with 10 won and 10 lost",
            n - won,
            gate.min_deals
        ),
        passed: enough,
    });
    checks.push(GateCheck {
        check: format!(
            "AUC {:.4} is {:.1} % of the active model's {:.4} (at least {:.1} %)",
            c.auc.value,
            100.0 * auc_ratio,
            a.auc.value,
            100.0 * gate.min_auc_ratio
        ),
        passed: auc_ratio >= gate.min_auc_ratio,
    });
    checks.push(match gate.max_log_loss_increase {
        Some(max) => GateCheck {
            check: format!(
                "log loss {:.4} against the active model's {:.4}: {:+.4} (at most {max:+.4})",
                c.log_loss.value, a.log_loss.value, log_loss_change.value
            ),
            passed: log_loss_change.value <= max,
        },
        None => GateCheck {
            check: format!(
                "log loss {:.4} within the active model's {:.4} (95 %: up to {:.4})",
                c.log_loss.value, a.log_loss.value, a.log_loss.high
            ),
            passed: c.log_loss.value <= a.log_loss.high,
        },
    });
    // Out of time: the recent deals must not be either model's training deals.
    let share = |m: &Model| {
        m.summary()
            .training_rows
            .as_ref()
            .and_then(|k| k.overlap(recent))
            .map(|o| o.training_share)
    };
    let shown =
        |x: Option<f64>| x.map_or("not known".to_string(), |x| format!("{:.0} %", 100.0 * x));
    let (sa, sc) = (share(active), share(candidate));
    checks.push(GateCheck {
        check: format!(
            "recent deals that were training deals: active model {}, candidate {} (under {:.0} %)",
            shown(sa),
            shown(sc),
            100.0 * crate::evidence::report::OPTIMISTIC_SHARE
        ),
        passed: [sa, sc]
            .iter()
            .all(|x| x.is_none_or(|x| x < crate::evidence::report::OPTIMISTIC_SHARE)),
    });
    if let Some(max) = gate.max_calibration_error {
        checks.push(GateCheck {
            check: format!(
                "expected calibration error {:.4} (at most {max:.4})",
                c.calibration_error
            ),
            passed: c.calibration_error <= max,
        });
    }
    let d = diff(active, candidate);
    Ok(Promotion {
        deals: n,
        won,
        cut: match policy {
            Some(p) => format!("the leads policy version {} routes to sales", p.version()),
            None => "each model's top 20 % of the deals".into(),
        },
        passed: checks.iter().all(|c| c.passed),
        active: a,
        candidate: c,
        auc_ratio,
        log_loss_change,
        gate: gate.clone(),
        checks,
        moved: d.moved.into_iter().take(10).collect(),
        added: d.added.len(),
        removed: d.removed.len(),
    })
}

impl fmt::Display for Promotion {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, c) = (&self.active, &self.candidate);
        writeln!(
            out,
            "{}: the candidate {}.\n",
            if self.passed { "PROMOTE" } else { "REFUSE" },
            if self.passed {
                "passes the gate"
            } else {
                "does not pass the gate"
            }
        )?;
        writeln!(
            out,
            "On {} recent deals ({} won); lift at {}.\n",
            self.deals, self.won, self.cut
        )?;
        let est = |e: &Estimate| format!("{:.4} ({:.4} to {:.4})", e.value, e.low, e.high);
        let lift = |m: &ModelOnRecent| match m.lift {
            Some(l) => format!("{l:.2} ({} deals)", m.at_cut),
            None => format!("- ({} deals)", m.at_cut),
        };
        writeln!(out, "  {:<20} {:<28} {:<28}", "", "active", "candidate")?;
        writeln!(
            out,
            "  {:<20} {:<28} {:<28}",
            "model", a.fingerprint, c.fingerprint
        )?;
        writeln!(
            out,
            "  {:<20} {:<28} {:<28}",
            "trained", a.created_at, c.created_at
        )?;
        writeln!(
            out,
            "  {:<20} {:<28} {:<28}",
            "AUC",
            est(&a.auc),
            est(&c.auc)
        )?;
        writeln!(
            out,
            "  {:<20} {:<28} {:<28}",
            "log loss",
            est(&a.log_loss),
            est(&c.log_loss)
        )?;
        writeln!(
            out,
            "  {:<20} {:<28} {:<28}",
            "Brier",
            est(&a.brier),
            est(&c.brier)
        )?;
        writeln!(
            out,
            "  {:<20} {:<28.4} {:<28.4}",
            "calibration error", a.calibration_error, c.calibration_error
        )?;
        writeln!(
            out,
            "  {:<20} {:<28} {:<28}",
            "lift at the cut",
            lift(a),
            lift(c)
        )?;
        writeln!(
            out,
            "\nLog loss change {:+.4} (95 %, paired: {:+.4} to {:+.4}).\n\nGate:",
            self.log_loss_change.value, self.log_loss_change.low, self.log_loss_change.high
        )?;
        for check in &self.checks {
            writeln!(
                out,
                "  [{}] {}",
                if check.passed { "pass" } else { "FAIL" },
                check.check
            )?;
        }
        if !self.moved.is_empty() {
            writeln!(
                out,
                "\nPoints that moved most ({} attributes added, {} removed):",
                self.added, self.removed
            )?;
            for m in &self.moved {
                writeln!(
                    out,
                    "  {} = {}: {:+.1} -> {:+.1} ({:+.1})",
                    m.column, m.attribute, m.old_points, m.new_points, m.change
                )?;
            }
        }
        Ok(())
    }
}
