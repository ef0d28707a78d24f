//! The starter policy: a commented policy document suggested from a model,
//! and the points a model can give (range and top-share thresholds).

use super::Policy;
use crate::model::encoding::Encoding;
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
        starter_policy(model, capacity)
    }
}

fn starter_policy(model: &Model, capacity: Option<u32>) -> String {
    let s = model.summary();
    let known: Vec<&str> = model
        .feature_columns()
        .into_iter()
        .chain(model.id_column())
        .chain(s.columns_excluded.iter().map(|c| c.as_str()))
        .collect();
    let find = |names: &[&str]| {
        names
            .iter()
            .find(|n| known.contains(n))
            .map(|n| n.to_string())
    };
    let created = find(&CREATED_NAMES);
    let value = find(&VALUE_NAMES);
    let (lo, hi) = points_range(model);
    let q = training_points_quantiles(model, &[0.05, 0.20, 0.50]);
    // Whole points, strictly decreasing, inside the model's range.
    let mut t: Vec<f64> = Vec::new();
    for x in q {
        let mut v = x.floor().min(hi.floor());
        if let Some(prev) = t.last() {
            v = v.min(prev - 1.0);
        }
        if v > lo {
            t.push(v);
        }
    }
    let mut out = String::new();
    let w = |out: &mut String, s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    w(
        &mut out,
        "# Lead qualification policy: which leads go to sales, which to the SDRs,",
    );
    w(
        &mut out,
        "# which to marketing nurture, and how fast each must be contacted.",
    );
    w(
        &mut out,
        "# Starter written by `leadscore policy init`; edit it, then run",
    );
    w(
        &mut out,
        "#   leadscore policy check THIS_FILE --model MODEL.json",
    );
    w(
        &mut out,
        &format!(
            "# Model {} (trained on {} deals: {} won, {} lost).",
            model.fingerprint(),
            s.rows,
            s.won,
            s.lost
        ),
    );
    w(&mut out, "#");
    w(
        &mut out,
        "# How the suggested thresholds were found: the model's points for each",
    );
    w(
        &mut out,
        "# attribute were combined with how often that attribute occurred among the",
    );
    w(
        &mut out,
        "# training deals (columns taken as independent), giving the spread of points",
    );
    w(
        &mut out,
        "# a typical lead gets. The thresholds are the points reached by the top 5 %,",
    );
    w(
        &mut out,
        &format!(
            "# 20 % and 50 % of that spread. The model gives between {lo:.1} and {hi:.1} points."
        ),
    );
    w(&mut out, "");
    w(&mut out, "# Document type and version: leave as is.");
    w(&mut out, "format = \"leadscore.policy\"");
    w(&mut out, "format_version = \"1.0\"");
    w(
        &mut out,
        "# Your name and version for this policy; every decision records the version.",
    );
    w(&mut out, "name = \"Starter qualification policy\"");
    w(&mut out, "version = \"1\"");
    w(&mut out, "");
    w(
        &mut out,
        "# Lead columns the policy reads besides the model's.",
    );
    w(&mut out, "[leads]");
    w(
        &mut out,
        "# When the lead was created (YYYY-MM-DD or 2024-05-01T09:30:00Z): SLAs count from it.",
    );
    match &created {
        Some(c) => w(&mut out, &format!("created_at = {c:?}")),
        None => w(&mut out, "# created_at = \"created_at\""),
    }
    w(
        &mut out,
        "# Expected deal value: leads in a tier are worked by P(win) x value.",
    );
    match &value {
        Some(c) => w(&mut out, &format!("deal_value = {c:?}")),
        None => w(&mut out, "# deal_value = \"deal_value\""),
    }
    w(&mut out, "");
    if let Some(n) = capacity {
        w(
            &mut out,
            "# Sales capacity per period: reps x leads_per_rep leads go to sales, the best first.",
        );
        w(
            &mut out,
            &format!("# You asked for {n} leads per period; split it as your team is (e.g. 5 reps x 40)."),
        );
        w(&mut out, "[capacity]");
        w(&mut out, "reps = 1");
        w(&mut out, &format!("leads_per_rep = {}", n.max(1)));
        w(&mut out, "period = \"1w\"");
        w(&mut out, "");
    }
    w(
        &mut out,
        "# Tiers, best first: a lead takes the first tier whose condition it meets.",
    );
    w(
        &mut out,
        "# Conditions: min_points = N, top_share = 0.05 (top 5 % of the leads qualified",
    );
    w(
        &mut out,
        "# together), capacity = true, or none (every other lead; the last tier).",
    );
    w(
        &mut out,
        "# route: sales, sdr, nurture or disqualified. owner: the team. sla: time to",
    );
    w(&mut out, "# first contact (15m, 4h, 2d, 1w).");
    let mut tiers: Vec<(String, String, &str, &str, &str)> = Vec::new();
    let names = ["A", "B", "C", "D", "E"];
    if capacity.is_some() {
        tiers.push((
            "capacity = true".into(),
            "The best leads, as many as sales can take".into(),
            "sales",
            "Account Executives",
            "4h",
        ));
        if let Some(x) = t.get(2).or(t.last()) {
            tiers.push((
                format!("min_points = {x}"),
                "Promising: the SDRs qualify them by phone".into(),
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
            tiers.push((format!("min_points = {x}"), about.into(), route, owner, sla));
        }
    }
    for (i, (cond, about, route, owner, sla)) in tiers.iter().enumerate() {
        w(&mut out, "");
        w(&mut out, &format!("# {about}."));
        w(&mut out, "[[tier]]");
        w(&mut out, &format!("name = {:?}", names[i]));
        w(&mut out, cond);
        w(&mut out, &format!("route = {route:?}"));
        w(&mut out, &format!("owner = {owner:?}"));
        w(&mut out, &format!("sla = {sla:?}"));
    }
    w(&mut out, "");
    w(&mut out, "# Every other lead: marketing keeps in touch.");
    w(&mut out, "[[tier]]");
    w(&mut out, &format!("name = {:?}", names[tiers.len()]));
    w(&mut out, "route = \"nurture\"");
    w(&mut out, "owner = \"Marketing\"");
    w(&mut out, "sla = \"1w\"");
    w(&mut out, "");
    w(
        &mut out,
        "# Must-have rules: a lead failing one never goes to sales, whatever its points;",
    );
    w(
        &mut out,
        "# it takes the best tier below that does not route to sales.",
    );
    w(
        &mut out,
        "# Disqualify rules: a lead matching one is disqualified.",
    );
    w(
        &mut out,
        "# Operators: in, not_in (lists), ==, !=, >=, >, <=, <. missing = \"fail\" or",
    );
    w(
        &mut out,
        "# \"pass\" says what an empty value does (default: fail for must-have, pass",
    );
    w(
        &mut out,
        "# for disqualify). A column the model does not know needs external = true.",
    );
    w(&mut out, "# Examples, to adapt and uncomment:");
    let mut example = false;
    for f in model.features() {
        match &f.encoding {
            Encoding::Categorical { levels } if !example && !levels.is_empty() => {
                let shown: Vec<String> = levels.iter().take(3).map(|l| format!("{l:?}")).collect();
                w(&mut out, "#");
                w(&mut out, "# [[must_have]]");
                w(&mut out, &format!("# name = \"Target {}\"", f.column));
                w(&mut out, &format!("# column = {:?}", f.column));
                w(&mut out, &format!("# in = [{}]", shown.join(", ")));
                w(&mut out, "# missing = \"fail\"");
                example = true;
            }
            _ => {}
        }
    }
    if let Some(f) = model
        .features()
        .iter()
        .find(|f| matches!(f.encoding, Encoding::Numeric { .. }))
    {
        w(&mut out, "#");
        w(&mut out, "# [[disqualify]]");
        w(&mut out, &format!("# name = \"No {}\"", f.column));
        w(&mut out, &format!("# column = {:?}", f.column));
        w(&mut out, "# op = \"<=\"");
        w(&mut out, "# value = 0");
        w(&mut out, "# missing = \"pass\"");
    }
    out
}
