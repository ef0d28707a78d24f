//! The figures of a tally: per group, the touches against the SLA, the win
//! rates, and the within-SLA against after-SLA difference stratified by
//! points band.

use std::collections::BTreeMap;

use super::tally::{Lead, Names, Outcome, NONE, NO_TIME, NO_TOUCH};
use super::{
    GroupKey, GroupOutcome, GroupStats, Grouping, NoDeal, OutcomeTally, Outcomes, ProblemCount,
    Problems, Rejection, SpeedEffect, TouchHours,
};
use crate::metrics::{percentile, wilson};
use crate::util::time::date_from_days;

/// Won, lost or not known, with leads without a deal counted as `no_deal`
/// says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    Won,
    Lost,
    Unknown,
}

fn known(lead: &Lead, no_deal: NoDeal) -> Known {
    match (lead.outcome, no_deal) {
        (Outcome::Won, _) => Known::Won,
        (Outcome::Lost, _) | (Outcome::None, NoDeal::Lost) => Known::Lost,
        _ => Known::Unknown,
    }
}

fn rate(won: usize, closed: usize) -> Option<f64> {
    (closed > 0).then(|| won as f64 / closed as f64)
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// The quantiles of points that cut `bands` bands.
fn band_edges(points: &[f64], bands: usize) -> Vec<f64> {
    let s = sorted(points.to_vec());
    (1..bands)
        .map(|k| percentile(&s, k as f64 / bands as f64))
        .collect()
}

fn band_of(edges: &[f64], p: f64) -> usize {
    edges.iter().filter(|&&e| p > e).count()
}

/// The Mantel–Haenszel risk difference of within-SLA against after-SLA
/// leads over points bands, with the Greenland–Robins variance (strata of
/// many leads). `leads`: (points, within, won).
fn speed_effect(leads: &[(f64, bool, bool)], bands: usize) -> Option<SpeedEffect> {
    let points: Vec<f64> = leads.iter().map(|l| l.0).collect();
    let edges = band_edges(&points, bands);
    // Per band: within leads, within won, late leads, late won.
    let mut t = vec![[0f64; 4]; bands];
    for &(p, within, won) in leads {
        let b = &mut t[band_of(&edges, p)];
        let k = if within { 0 } else { 2 };
        b[k] += 1.0;
        b[k + 1] += f64::from(u8::from(won));
    }
    let (mut num, mut wsum, mut var, mut used, mut n_used) = (0.0, 0.0, 0.0, 0, 0);
    for &[n1, a, n0, c] in &t {
        if n1 == 0.0 || n0 == 0.0 {
            continue;
        }
        let n = n1 + n0;
        let w = n1 * n0 / n;
        let (p1, p0) = (a / n1, c / n0);
        num += w * (p1 - p0);
        wsum += w;
        var +=
            w * w * (p1 * (1.0 - p1) / (n1 - 1.0).max(1.0) + p0 * (1.0 - p0) / (n0 - 1.0).max(1.0));
        used += 1;
        n_used += (n1 + n0) as usize;
    }
    if used == 0 {
        return None;
    }
    let difference = num / wsum;
    let se = var.sqrt() / wsum;
    let z = 1.959_963_984_540_054;
    let (n1, a, n0, c) = t.iter().fold((0.0, 0.0, 0.0, 0.0), |s, b| {
        (s.0 + b[0], s.1 + b[1], s.2 + b[2], s.3 + b[3])
    });
    Some(SpeedEffect {
        difference,
        low: difference - z * se,
        high: difference + z * se,
        crude_difference: a / n1 - c / n0,
        bands: used,
        leads: n_used,
    })
}

/// The SLA the leads share, in hours.
fn shared_sla(t: &OutcomeTally, leads: &[&Lead]) -> Option<f64> {
    let mut sla = None;
    for l in leads.iter().filter(|l| l.due != NO_TIME) {
        if t.mixed_sla.contains(&l.tier) {
            return None;
        }
        let s = *t.tier_sla.get(&l.tier)?;
        match sla {
            None => sla = Some(s),
            Some(x) if x != s => return None,
            _ => {}
        }
    }
    sla.map(|s| s as f64 / 3600.0)
}

fn group_stats(t: &OutcomeTally, leads: &[&Lead]) -> GroupStats {
    let no_deal = t.options.no_deal;
    let touched = |l: &Lead| l.first_touch != NO_TOUCH;
    let mut hours = Vec::new();
    let (mut n_touched, mut with_sla, mut within) = (0, 0, 0);
    let (mut won, mut lost) = (0, 0);
    // Won and closed: within the SLA, after it, never touched.
    let mut by_speed = [[0usize; 2]; 3];
    let mut effect = Vec::new();
    let (mut rejected, mut points_sum) = (0, 0.0);
    for &l in leads {
        points_sum += l.points;
        rejected += usize::from(l.reason != NONE);
        let k = known(l, no_deal);
        won += usize::from(k == Known::Won);
        lost += usize::from(k == Known::Lost);
        if touched(l) {
            n_touched += 1;
            if l.created != NO_TIME {
                hours.push((l.first_touch - l.created) as f64 / 3600.0);
            }
        }
        if l.due != NO_TIME {
            with_sla += 1;
            let on_time = touched(l) && l.first_touch <= l.due;
            within += usize::from(on_time);
            let speed = match (touched(l), on_time) {
                (false, _) => 2,
                (true, true) => 0,
                (true, false) => 1,
            };
            if k != Known::Unknown {
                by_speed[speed][0] += usize::from(k == Known::Won);
                by_speed[speed][1] += 1;
                if speed < 2 {
                    effect.push((l.points, on_time, k == Known::Won));
                }
            }
        }
    }
    let hours = sorted(hours);
    let q = |x: f64| (!hours.is_empty()).then(|| percentile(&hours, x));
    let (lo, hi) = wilson(won, won + lost);
    let closed = won + lost;
    GroupStats {
        leads: leads.len(),
        touched: n_touched,
        with_sla,
        within_sla: rate(within, with_sla),
        sla_hours: shared_sla(t, leads),
        median_hours_to_touch: q(0.5),
        p95_hours_to_touch: q(0.95),
        hours_to_touch: (!hours.is_empty()).then(|| TouchHours {
            p10: percentile(&hours, 0.10),
            p25: percentile(&hours, 0.25),
            p50: percentile(&hours, 0.50),
            p75: percentile(&hours, 0.75),
            p90: percentile(&hours, 0.90),
            p95: percentile(&hours, 0.95),
        }),
        won,
        lost,
        open: leads.len() - closed,
        win_rate: rate(won, closed),
        win_rate_low: (closed > 0).then_some(lo),
        win_rate_high: (closed > 0).then_some(hi),
        win_rate_within_sla: rate(by_speed[0][0], by_speed[0][1]),
        win_rate_after_sla: rate(by_speed[1][0], by_speed[1][1]),
        win_rate_untouched: rate(by_speed[2][0], by_speed[2][1]),
        closed_within_sla: by_speed[0][1],
        closed_after_sla: by_speed[1][1],
        speed_effect: speed_effect(&effect, t.options.bands),
        rejected,
        mean_points: (!leads.is_empty()).then(|| points_sum / leads.len() as f64),
    }
}

/// The name of a lead's group under a grouping.
fn group_name(t: &OutcomeTally, by: Grouping, l: &Lead) -> String {
    let name = |names: &Names, i: u32, none: &str| names.name(i).unwrap_or(none).to_string();
    match by {
        Grouping::Tier => name(&t.tiers, l.tier, "(no tier)"),
        Grouping::Route => name(&t.routes, l.route, "(no route)"),
        Grouping::Owner if t.touches_have_owner() => {
            if l.first_touch == NO_TOUCH {
                "(not touched)".into()
            } else {
                name(&t.owners, l.touch_owner, "(no owner)")
            }
        }
        Grouping::Owner => name(&t.owners, l.owner, "(no owner)"),
        Grouping::Month if l.created == NO_TIME => "(no date)".into(),
        Grouping::Month => date_from_days(l.created.div_euclid(86_400))[..7].to_string(),
    }
}

fn groups(t: &OutcomeTally, by: Grouping) -> Vec<GroupOutcome> {
    let mut order: Vec<String> = Vec::new();
    let mut members: BTreeMap<String, Vec<&Lead>> = BTreeMap::new();
    for l in &t.leads {
        let g = group_name(t, by, l);
        let m = members.entry(g.clone()).or_insert_with(|| {
            order.push(g);
            Vec::new()
        });
        m.push(l);
    }
    if by != Grouping::Tier {
        // Months in time order, routes and owners by name; leads without
        // one ("(no date)", "(not touched)") last.
        order.sort_by_key(|m| (m.starts_with('('), m.clone()));
    }
    let mut out: Vec<GroupOutcome> = order
        .into_iter()
        .map(|g| {
            let stats = group_stats(t, &members[&g]);
            GroupOutcome {
                key: GroupKey::new(by, g),
                stats,
            }
        })
        .collect();
    if by == Grouping::Tier {
        // The best tier first: the decisions do not carry the policy's order.
        out.sort_by(|a, b| {
            let m = |g: &GroupOutcome| g.stats.mean_points.unwrap_or(f64::NEG_INFINITY);
            m(b).total_cmp(&m(a))
        });
    }
    out
}

fn rejections(t: &OutcomeTally) -> Vec<Rejection> {
    let no_deal = t.options.no_deal;
    let mut out = Vec::new();
    for (ti, tier) in t.tiers.names.iter().enumerate() {
        let in_tier: Vec<&Lead> = t.leads.iter().filter(|l| l.tier == ti as u32).collect();
        let kept = sorted(
            in_tier
                .iter()
                .filter(|l| l.reason == NONE)
                .map(|l| l.points)
                .collect(),
        );
        let median = (!kept.is_empty()).then(|| percentile(&kept, 0.5));
        let mut by_reason: BTreeMap<u32, Vec<&Lead>> = BTreeMap::new();
        for l in in_tier.iter().filter(|l| l.reason != NONE) {
            by_reason.entry(l.reason).or_default().push(l);
        }
        for (reason, leads) in by_reason {
            let n = leads.len();
            out.push(Rejection {
                tier: tier.clone(),
                reason: t.reasons.name(reason).unwrap_or_default().to_string(),
                leads: n,
                mean_points: leads.iter().map(|l| l.points).sum::<f64>() / n as f64,
                tier_median_points: median,
                model_agreed: median
                    .map(|m| leads.iter().filter(|l| l.points < m).count() as f64 / n as f64),
                won: leads
                    .iter()
                    .filter(|l| known(l, no_deal) == Known::Won)
                    .count(),
                lost: leads
                    .iter()
                    .filter(|l| known(l, no_deal) == Known::Lost)
                    .count(),
            });
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.leads));
    out
}

pub(super) fn finish(t: OutcomeTally) -> Outcomes {
    let wanted = |g: Grouping| t.options.by.contains(&g).then(|| groups(&t, g));
    let all: Vec<&Lead> = t.leads.iter().collect();
    let counts: Vec<ProblemCount> = t
        .ledger
        .counts
        .iter()
        .map(|(&(file, problem), &rows)| ProblemCount {
            file,
            problem: problem.to_string(),
            rows,
        })
        .collect();
    Outcomes {
        rows: t.ledger.rows,
        leads: t.leads.len(),
        tiers: groups(&t, Grouping::Tier),
        routes: wanted(Grouping::Route),
        owners: wanted(Grouping::Owner),
        months: wanted(Grouping::Month),
        all: GroupOutcome {
            key: GroupKey::All { all: "all".into() },
            stats: group_stats(&t, &all),
        },
        rejections: rejections(&t),
        problems: Problems {
            rows: counts.iter().map(|c| c.rows).sum(),
            counts,
            examples: t.ledger.examples.clone(),
        },
        no_deal: t.options.no_deal,
        bands: t.options.bands,
    }
}
