//! The starter policy: a commented policy document suggested from a model,
//! and the points a model can give (range and top-share thresholds).

use super::Policy;
use crate::model::encoding::Encoding;
use crate::model::timing::Chance;
use crate::model::{Model, ScorecardRow};

/// The lowest and highest points the model can give a lead.
pub fn points_range(model: &Model) -> (f64, f64) {
    let card = model.scorecard();
    let (mut lo, mut hi) = (card.base_points, card.base_points);
    for f in model.features() {
        let pts: Vec<f64> = card.column(&f.column).iter().map(|r| r.points).collect();
        lo += pts.iter().copied().fold(f64::INFINITY, f64::min);
        hi += pts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    }
    (lo, hi)
}

/// Points reached by the given top shares of leads like the model's
/// training deals: for each share `s`, the points `x` such that a share `s`
/// of such leads score at least `x`.
///
/// The distribution is the one implied by how often each attribute occurred
/// in training (`training_rows` of every feature), treating columns as
/// independent: the points of every column are convolved on a 0.1-point
/// grid (finer never matters for a threshold). Used by `policy init` to
/// suggest tier thresholds.
pub(crate) fn training_points_quantiles(model: &Model, top_shares: &[f64]) -> Vec<f64> {
    if let Some(t) = &model.summary().top_share_points {
        // The training deals' own points: exact shares.
        return top_shares
            .iter()
            .map(|s| t[((s * 1000.0).round() as usize).min(t.len() - 1)])
            .collect();
    }
    let card = model.scorecard();
    let (lo, hi) = points_range(model);
    let step = ((hi - lo) / 20_000.0).max(0.1);
    let mut dist = vec![1.0f64];
    for f in model.features() {
        let rows: Vec<&ScorecardRow> = card.column(&f.column);
        let total: u64 = rows.iter().map(|r| r.training_rows).sum();
        if total == 0 {
            continue;
        }
        let min = rows.iter().map(|r| r.points).fold(f64::INFINITY, f64::min);
        let bins: Vec<(usize, f64)> = rows
            .iter()
            .filter(|r| r.training_rows > 0)
            .map(|r| {
                (
                    ((r.points - min) / step).round() as usize,
                    r.training_rows as f64 / total as f64,
                )
            })
            .collect();
        let width = bins.iter().map(|b| b.0).max().unwrap_or(0);
        let mut next = vec![0.0; dist.len() + width];
        for (k, &p) in dist.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for &(b, q) in &bins {
                next[k + b] += p * q;
            }
        }
        dist = next;
    }
    top_shares
        .iter()
        .map(|&s| {
            let mut acc = 0.0;
            for k in (0..dist.len()).rev() {
                acc += dist[k];
                if acc >= s - 1e-12 {
                    return lo + k as f64 * step;
                }
            }
            lo
        })
        .collect()
}

/// Column names `policy init` recognises as created-at and deal value.
pub(crate) const CREATED_NAMES: [&str; 5] = [
    "created_at",
    "created",
    "created_date",
    "createdate",
    "lead_created_at",
];
pub(crate) const VALUE_NAMES: [&str; 5] = [
    "deal_value",
    "amount",
    "deal_amount",
    "value",
    "expected_value",
];

impl Policy {
    /// A commented starter policy for `model`, as TOML text: tiers with
    /// thresholds suggested from the model's points (or, with `capacity`, a
    /// capacity tier of that many leads per week), a catch-all nurture tier,
    /// the created-at and deal-value columns when the model knows columns of
    /// the usual names, and example rules to adapt. It is a valid policy for
    /// the model.
    pub fn starter(model: &Model, capacity: Option<u32>) -> String {
        let (lo, hi) = points_range(model);
        let mut out = header(model, lo, hi);
        out.push_str(&leads_section(model));
        if let Some(n) = capacity {
            out.push_str(&capacity_section(n));
        }
        out.push_str(&tiers_section(
            &thresholds(model, lo, hi),
            capacity.is_some(),
        ));
        out.push_str(&rules_section(model));
        out
    }
}

/// Suggested tier thresholds: the points of the top 5 %, 20 % and 50 % of
/// leads like the training deals, as whole points, strictly decreasing,
/// inside the model's range.
fn thresholds(model: &Model, lo: f64, hi: f64) -> Vec<f64> {
    let mut t: Vec<f64> = Vec::new();
    let exact = model.summary().top_share_points.is_some();
    for x in training_points_quantiles(model, &[0.05, 0.20, 0.50]) {
        // The training deals' own cut points are kept to the hundredth (the
        // share they cut is exact); the estimate is rounded to whole points.
        let (mut v, gap) = if exact {
            (x, 0.01)
        } else {
            (x.floor().min(hi.floor()), 1.0)
        };
        if let Some(prev) = t.last() {
            v = v.min(prev - gap);
        }
        if v > lo {
            t.push(v);
        }
    }
    t
}

fn header(model: &Model, lo: f64, hi: f64) -> String {
    let s = model.summary();
    format!(
        "\
# Lead qualification policy: which leads go to sales, which to the SDRs,
# which to marketing nurture, and how fast each must be contacted.
# Starter written by `leadscore policy init`; edit it, then run
#   leadscore policy check THIS_FILE --model MODEL.json
# Model {} (trained on {} deals: {} won, {} lost).
#
# How the suggested thresholds were found: {}
# The model gives between {lo:.1} and {hi:.1} points.

# Document type and version: leave as is.
format = \"leadscore.policy\"
format_version = \"1.1\"
# Your name and version for this policy; every decision records the version.
name = \"Starter qualification policy\"
version = \"1\"
{}
",
        model.fingerprint(),
        s.rows,
        s.won,
        s.lost,
        if s.top_share_points.is_some() {
            "they are the points of the\n# training deals' own top 5 %, 20 % and 50 % (each tier holds that share of\n# leads like them)."
        } else {
            "the model's points for each\n# attribute were combined with how often that attribute occurred among the\n# training deals (columns taken as independent); the thresholds are the\n# points reached by the top 5 %, 20 % and 50 % of that spread."
        },
        rank_by_line(model),
    )
}

/// For a model of the time to close: `rank_by` its first horizon, with what
/// it does.
fn rank_by_line(model: &Model) -> String {
    let Some(t) = model.timing() else {
        return String::new();
    };
    let h = t.horizons_days.first().copied().unwrap_or(90);
    format!(
        "\
# The model learned when deals close: leads are ranked inside a tier, and
# top_share and capacity tiers cut, by the chance of winning within {h} days
# as of the scoring date (qualify --as-of). min_points tiers compare points.
# Also possible: \"points\", \"win_eventually\", or another trained horizon.
rank_by = \"{}\"
",
        Chance::WinWithin(h).name()
    )
}

/// The `[leads]` table: created-at and deal-value columns when the model
/// knows a column of a usual name, else commented out.
fn leads_section(model: &Model) -> String {
    let s = model.summary();
    let known: Vec<&str> = model
        .feature_columns()
        .into_iter()
        .chain(model.id_column())
        .chain(s.columns_excluded.iter().map(|c| c.as_str()))
        .collect();
    let line = |names: &[&str], key: &str, fallback: &str| match names
        .iter()
        .find(|n| known.contains(n))
    {
        Some(c) => format!("{key} = {c:?}"),
        None => format!("# {key} = {fallback:?}"),
    };
    format!(
        "\
# Lead columns the policy reads besides the model's.
[leads]
# When the lead was created (YYYY-MM-DD or 2024-05-01T09:30:00Z): SLAs count from it.
{}
# Expected deal value: leads in a tier are worked by P(win) x value.
{}

",
        line(&CREATED_NAMES, "created_at", "created_at"),
        line(&VALUE_NAMES, "deal_value", "deal_value")
    )
}

fn capacity_section(n: u32) -> String {
    format!(
        "\
# Sales capacity per period: reps x leads_per_rep leads go to sales, the best first.
# You asked for {n} leads per period; split it as your team is (e.g. 5 reps x 40).
[capacity]
reps = 1
leads_per_rep = {}
period = \"1w\"

",
        n.max(1)
    )
}

/// The tiers: a capacity tier and an SDR tier, or up to three point tiers,
/// then the catch-all nurture tier.
fn tiers_section(t: &[f64], capacity: bool) -> String {
    let mut out = String::from(
        "\
# Tiers, best first: a lead takes the first tier whose condition it meets.
# Conditions: min_points = N, top_share = 0.05 (top 5 % of the leads qualified
# together), capacity = true, or none (every other lead; the last tier).
# route: sales, sdr, nurture or disqualified. owner: the team. sla: time to
# first contact (15m, 4h, 2d, 1w).
",
    );
    let mut tiers: Vec<(String, &str, &str, &str, &str)> = Vec::new();
    if capacity {
        tiers.push((
            "capacity = true".into(),
            "The best leads, as many as sales can take",
            "sales",
            "Account Executives",
            "4h",
        ));
        if let Some(x) = t.get(2).or(t.last()) {
            tiers.push((
                format!("min_points = {x}"),
                "Promising: the SDRs qualify them by phone",
                "sdr",
                "SDR team",
                "2d",
            ));
        }
    } else {
        let specs = [
            (
                "Top 5 %: ready for a sales conversation",
                "sales",
                "Account Executives",
                "4h",
            ),
            (
                "Top 20 %: worth a fast sales call",
                "sales",
                "Account Executives",
                "1d",
            ),
            (
                "Top 50 %: the SDRs qualify them by phone",
                "sdr",
                "SDR team",
                "2d",
            ),
        ];
        for (x, (about, route, owner, sla)) in t.iter().zip(specs) {
            tiers.push((format!("min_points = {x}"), about, route, owner, sla));
        }
    }
    let names = ["A", "B", "C", "D", "E"];
    for (i, (cond, about, route, owner, sla)) in tiers.iter().enumerate() {
        out.push_str(&format!(
            "\n# {about}.\n[[tier]]\nname = {:?}\n{cond}\nroute = {route:?}\nowner = {owner:?}\nsla = {sla:?}\n",
            names[i]
        ));
    }
    out.push_str(&format!(
        "\n# Every other lead: marketing keeps in touch.\n[[tier]]\nname = {:?}\nroute = \"nurture\"\nowner = \"Marketing\"\nsla = \"1w\"\n\n",
        names[tiers.len()]
    ));
    out
}

/// Commented example rules, chosen from the training deals so that each is
/// one the data supports, with the figures behind it in a comment:
///
/// - a must-have on the categorical column whose values that win at least
///   as often as average hold the most won deals for the fewest leads
///   (`in` those values);
/// - a disqualify rule on the value with the lowest win rate among those
///   with negative points and a win rate below average.
///
/// Only values with at least [`MIN_EXAMPLE_DEALS`] training deals (and 1 %
/// of them) are considered; where none qualifies, the comment says so.
fn rules_section(model: &Model) -> String {
    let mut out = String::from(
        "\
# Must-have rules: a lead failing one never goes to sales, whatever its points;
# it takes the best tier below that does not route to sales.
# Disqualify rules: a lead matching one is disqualified.
# Operators: in, not_in (lists), ==, !=, >=, >, <=, <. missing = \"fail\" or
# \"pass\" says what an empty value does (default: fail for must-have, pass
# for disqualify). A column the model does not know needs external = true.
# Examples from the training deals, to adapt and uncomment:
",
    );
    let card = model.scorecard();
    let (deals, won) = model.features().first().map_or((0, 0), |f| {
        card.column(&f.column)
            .iter()
            .fold((0u64, 0u64), |(n, w), r| {
                (n + r.training_rows, w + r.training_won)
            })
    });
    if deals == 0 || won == 0 {
        out.push_str("# (the training deals are too few to suggest a rule)\n");
        return out;
    }
    let overall = won as f64 / deals as f64;
    let min_deals = MIN_EXAMPLE_DEALS.max(deals / 100);
    // Categorical values with enough deals, per column.
    let values = |column: &str| -> Vec<ScorecardRow> {
        card.column(column)
            .into_iter()
            .filter(|r| !r.attribute.starts_with('(') && r.training_rows >= min_deals)
            .cloned()
            .collect()
    };
    let rate = |r: &ScorecardRow| r.training_won as f64 / r.training_rows as f64;
    let categorical: Vec<&str> = model
        .features()
        .iter()
        .filter(|f| matches!(&f.encoding, Encoding::Categorical { .. }))
        .map(|f| f.column.as_str())
        .collect();

    // The must-have: won share minus lead share of the values at or above
    // the average win rate, best column first.
    let mut best: Option<(f64, &str, Vec<ScorecardRow>)> = None;
    for &column in &categorical {
        let keep: Vec<ScorecardRow> = values(column)
            .into_iter()
            .filter(|r| rate(r) >= overall)
            .collect();
        if keep.is_empty() || keep.len() > MAX_EXAMPLE_VALUES {
            continue;
        }
        let kept_won: u64 = keep.iter().map(|r| r.training_won).sum();
        let kept: u64 = keep.iter().map(|r| r.training_rows).sum();
        let gain = kept_won as f64 / won as f64 - kept as f64 / deals as f64;
        if gain > 0.0 && best.as_ref().is_none_or(|b| gain > b.0) {
            best = Some((gain, column, keep));
        }
    }
    match best {
        Some((_, column, keep)) => {
            let kept_won: u64 = keep.iter().map(|r| r.training_won).sum();
            let kept: u64 = keep.iter().map(|r| r.training_rows).sum();
            let list: Vec<String> = keep.iter().map(|r| format!("{:?}", r.attribute)).collect();
            out.push_str(&format!(
                "#\n# These values of {column} win at least as often as the average lead ({}):\n# they hold {} of the won training deals and {} of all ({} of {} deals);\n# leads without them would never reach sales ({} of the won deals).\n# [[must_have]]\n# name = \"Target {column}\"\n# column = {column:?}\n# in = [{}]\n# missing = \"fail\"\n",
                percent(overall),
                percent(kept_won as f64 / won as f64),
                percent(kept as f64 / deals as f64),
                kept,
                deals,
                percent(1.0 - kept_won as f64 / won as f64),
                list.join(", ")
            ));
        }
        None => out.push_str(
            "#\n# (no categorical column has a few values that hold most won deals: no must-have suggested)\n",
        ),
    }

    // The disqualify rule: the lowest win rate among values with negative
    // points and a win rate below average.
    let worst = categorical
        .iter()
        .flat_map(|&c| values(c))
        .filter(|r| r.points < 0.0 && rate(r) < overall)
        .min_by(|a, b| {
            rate(a)
                .total_cmp(&rate(b))
                .then(a.points.total_cmp(&b.points))
        });
    match worst {
        Some(r) => out.push_str(&format!(
            "#\n# {} = {:?}: {} of its {} training deals won, against {} overall ({:+.1} points);\n# disqualifying them would give up {} won deals, {} of all won.\n# [[disqualify]]\n# name = {:?}\n# column = {:?}\n# in = [{:?}]\n",
            r.column,
            r.attribute,
            percent(rate(&r)),
            r.training_rows,
            percent(overall),
            r.points,
            r.training_won,
            percent(r.training_won as f64 / won as f64),
            format!("{} is {}", r.column, r.attribute),
            r.column,
            r.attribute
        )),
        None => out.push_str(
            "#\n# (no value wins clearly less often than average with points against it: no disqualify rule suggested)\n",
        ),
    }
    out
}

/// Training deals a value needs before an example rule names it.
const MIN_EXAMPLE_DEALS: u64 = 30;

/// The most values an example must-have lists.
const MAX_EXAMPLE_VALUES: usize = 8;

/// A share as a percentage with one decimal: `38.5 %`.
fn percent(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}
