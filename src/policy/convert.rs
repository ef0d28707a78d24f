//! From the parsed document to a [`Policy`]: every field checked, every
//! problem named with its line and field.

use toml::Spanned;

use super::document::{number, scalar, show, Problems, RawOp, RawPolicy, RawRule};
use super::rules::{Condition, Missing, Rule, RuleKind, Scalar};
use super::{Capacity, LeadColumns, Policy, Route, Sla, Tier, TierCondition};
use crate::error::PolicyProblem;
use crate::model::timing::Chance;

fn convert_rule(raw: &Spanned<RawRule>, field: &str, kind: RuleKind, p: &mut Problems) -> Rule {
    let r = raw.get_ref();
    let line = p.at(raw);
    let name = r.name.get_ref().trim().to_string();
    if name.is_empty() {
        p.error(
            p.at(&r.name),
            format!("{field}.name"),
            "a rule needs a name",
        );
    }
    let column = r.column.get_ref().trim().to_string();
    if column.is_empty() {
        p.error(
            p.at(&r.column),
            format!("{field}.column"),
            "a rule needs a column",
        );
    }
    let list_of = |v: &Spanned<Vec<toml::Value>>, key: &str, p: &mut Problems| -> Vec<Scalar> {
        let mut out = Vec::new();
        for x in v.get_ref() {
            match scalar(x) {
                Some(s) => out.push(s),
                None => p.error(
                    p.at(v),
                    format!("{field}.{key}"),
                    format!(
                        "{} is not a text or a number (write true/false in quotes)",
                        show(x)
                    ),
                ),
            }
        }
        if v.get_ref().is_empty() {
            p.error(p.at(v), format!("{field}.{key}"), "the list is empty");
        }
        out
    };
    let given = [r.in_list.is_some(), r.not_in.is_some(), r.op.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    let placeholder = Condition::In(Vec::new());
    let condition = if given != 1 {
        p.error(
            line,
            field.to_string(),
            format!(
                "rule {name:?} needs exactly one of `in = [...]`, `not_in = [...]` or `op` with `value`, found {given}"
            ),
        );
        placeholder
    } else if let Some(v) = &r.in_list {
        if r.value.is_some() {
            p.error(
                p.at(v),
                format!("{field}.value"),
                "`value` goes with `op`, not with `in`",
            );
        }
        Condition::In(list_of(v, "in", p))
    } else if let Some(v) = &r.not_in {
        if r.value.is_some() {
            p.error(
                p.at(v),
                format!("{field}.value"),
                "`value` goes with `op`, not with `not_in`",
            );
        }
        Condition::NotIn(list_of(v, "not_in", p))
    } else {
        let op = r.op.as_ref().map(|o| *o.get_ref()).unwrap_or(RawOp::In);
        match &r.value {
            None => {
                p.error(
                    line,
                    format!("{field}.value"),
                    format!("rule {name:?} has `op` but no `value`"),
                );
                placeholder
            }
            Some(v) => {
                let value_line = p.at(v);
                let vf = format!("{field}.value");
                match op {
                    RawOp::In | RawOp::NotIn => match v.get_ref() {
                        toml::Value::Array(items) => {
                            let mut out = Vec::new();
                            for x in items {
                                match scalar(x) {
                                    Some(s) => out.push(s),
                                    None => p.error(
                                        value_line,
                                        vf.clone(),
                                        format!("{} is not a text or a number", show(x)),
                                    ),
                                }
                            }
                            if items.is_empty() {
                                p.error(value_line, vf.clone(), "the list is empty");
                            }
                            if op == RawOp::In {
                                Condition::In(out)
                            } else {
                                Condition::NotIn(out)
                            }
                        }
                        other => {
                            p.error(
                                value_line,
                                vf,
                                format!("`in` and `not_in` need a list, found {}", show(other)),
                            );
                            placeholder
                        }
                    },
                    RawOp::Eq | RawOp::Ne => match scalar(v.get_ref()) {
                        Some(s) if op == RawOp::Eq => Condition::Eq(s),
                        Some(s) => Condition::Ne(s),
                        None => {
                            p.error(
                                value_line,
                                vf,
                                format!(
                                    "{} is not a text or a number (write true/false in quotes)",
                                    show(v.get_ref())
                                ),
                            );
                            placeholder
                        }
                    },
                    RawOp::Ge | RawOp::Gt | RawOp::Le | RawOp::Lt => match number(v.get_ref()) {
                        Some(x) => match op {
                            RawOp::Ge => Condition::Ge(x),
                            RawOp::Gt => Condition::Gt(x),
                            RawOp::Le => Condition::Le(x),
                            _ => Condition::Lt(x),
                        },
                        None => {
                            p.error(
                                value_line,
                                vf,
                                format!(
                                    "{} is not a number; >, >=, < and <= compare numbers",
                                    show(v.get_ref())
                                ),
                            );
                            placeholder
                        }
                    },
                }
            }
        }
    };
    Rule {
        name,
        column,
        condition,
        missing: r.missing.unwrap_or(match kind {
            RuleKind::MustHave => Missing::Fail,
            RuleKind::Disqualify => Missing::Pass,
        }),
        external: r.external,
        line,
        description: r.description.clone(),
    }
}

pub(crate) fn convert(raw: RawPolicy, text: &str) -> (Policy, Vec<PolicyProblem>) {
    let mut p = Problems {
        text,
        list: Vec::new(),
    };
    let version = raw.version.get_ref().trim().to_string();
    if version.is_empty() {
        p.error(
            p.at(&raw.version),
            "version",
            "the policy needs a version (e.g. \"1\" or \"2024-06\")",
        );
    }
    let rank_by = match &raw.rank_by {
        Some(r) if r.get_ref().trim() != "points" => {
            let c = Chance::parse(r.get_ref());
            if c.is_none() {
                p.error(
                    p.at(r),
                    "rank_by",
                    format!(
                        "{:?} is not what leads can be ranked by: use \"points\", \"win_eventually\" or \"win_within_<H>d\" (a horizon the model was trained for, e.g. \"win_within_90d\")",
                        r.get_ref()
                    ),
                );
            }
            c
        }
        _ => None,
    };
    let mut leads = LeadColumns::default();
    if let Some(l) = &raw.leads {
        for (value, key, slot) in [
            (&l.created_at, "created_at", &mut leads.created_at),
            (&l.deal_value, "deal_value", &mut leads.deal_value),
        ] {
            if let Some(v) = value {
                if v.get_ref().trim().is_empty() {
                    p.error(p.at(v), format!("leads.{key}"), "the column name is empty");
                } else {
                    *slot = Some(v.get_ref().trim().to_string());
                }
            }
        }
        if let Some(v) = &l.default_deal_value {
            if v.get_ref().is_finite() {
                leads.default_deal_value = Some(*v.get_ref());
            } else {
                p.error(
                    p.at(v),
                    "leads.default_deal_value",
                    "must be a finite number",
                );
            }
        }
    }
    let mut tiers = Vec::new();
    for (i, t) in raw.tiers.iter().enumerate() {
        let field = format!("tier[{}]", i + 1);
        let r = t.get_ref();
        let line = p.at(t);
        let name = r.name.get_ref().trim().to_string();
        if name.is_empty() {
            p.error(
                p.at(&r.name),
                format!("{field}.name"),
                "a tier needs a name",
            );
        }
        let mut conditions = Vec::new();
        if let Some(m) = &r.min_points {
            if m.get_ref().is_finite() {
                conditions.push(TierCondition::MinPoints(*m.get_ref()));
            } else {
                p.error(
                    p.at(m),
                    format!("{field}.min_points"),
                    "must be a finite number",
                );
            }
        }
        if let Some(s) = &r.top_share {
            let x = *s.get_ref();
            if x > 0.0 && x <= 1.0 {
                conditions.push(TierCondition::TopShare(x));
            } else {
                p.error(
                    p.at(s),
                    format!("{field}.top_share"),
                    format!(
                        "{x} is not a share: use a number above 0 and at most 1 (0.05 = top 5 %)"
                    ),
                );
            }
        }
        if let Some(c) = &r.capacity {
            if *c.get_ref() {
                conditions.push(TierCondition::Capacity);
            }
        }
        if conditions.len() > 1 {
            p.error(
                line,
                field.clone(),
                format!("tier {name:?} has {} conditions; use one of min_points, top_share or capacity (none makes a catch-all)", conditions.len()),
            );
        }
        let sla = match &r.sla {
            Some(s) => match Sla::parse(s.get_ref()) {
                Some(x) => Some(x),
                None => {
                    p.error(
                        p.at(s),
                        format!("{field}.sla"),
                        format!(
                            "{:?} is not a time to first contact: use a whole number and m, h, d or w (15m, 4h, 2d, 1w)",
                            s.get_ref()
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        let route = *r.route.get_ref();
        let owner = r
            .owner
            .as_ref()
            .map(|o| o.get_ref().trim().to_string())
            .filter(|o| !o.is_empty());
        if matches!(route, Route::Sales | Route::Sdr) {
            if owner.is_none() {
                p.error(
                    line,
                    format!("{field}.owner"),
                    format!("tier {name:?} routes to {route}: name the owner team so the hand-off is written down"),
                );
            }
            if r.sla.is_none() {
                p.error(
                    line,
                    format!("{field}.sla"),
                    format!("tier {name:?} routes to {route}: give an sla (time to first contact, e.g. \"4h\")"),
                );
            }
        }
        tiers.push(Tier {
            name,
            condition: conditions
                .first()
                .copied()
                .unwrap_or(TierCondition::CatchAll),
            route,
            owner,
            sla,
            line,
            description: r.description.clone(),
        });
    }
    let must_have = raw
        .must_have
        .iter()
        .enumerate()
        .map(|(i, r)| {
            convert_rule(
                r,
                &format!("must_have[{}]", i + 1),
                RuleKind::MustHave,
                &mut p,
            )
        })
        .collect();
    let disqualify = raw
        .disqualify
        .iter()
        .enumerate()
        .map(|(i, r)| {
            convert_rule(
                r,
                &format!("disqualify[{}]", i + 1),
                RuleKind::Disqualify,
                &mut p,
            )
        })
        .collect();
    let capacity = raw.capacity.as_ref().map(|c| {
        let r = c.get_ref();
        let mut count = |v: &Spanned<i64>, key: &str| -> u32 {
            match u32::try_from(*v.get_ref()) {
                Ok(n) if n >= 1 => n,
                _ => {
                    p.error(
                        p.at(v),
                        format!("capacity.{key}"),
                        format!("{} is not a whole number of at least 1", v.get_ref()),
                    );
                    1
                }
            }
        };
        let reps = count(&r.reps, "reps");
        let leads_per_rep = count(&r.leads_per_rep, "leads_per_rep");
        let period = r.period.as_ref().and_then(|s| {
            let parsed = Sla::parse(s.get_ref());
            if parsed.is_none() {
                p.error(
                    p.at(s),
                    "capacity.period",
                    format!(
                        "{:?} is not a period: use a whole number and m, h, d or w (1d, 1w)",
                        s.get_ref()
                    ),
                );
            }
            parsed
        });
        Capacity {
            reps,
            leads_per_rep,
            period,
            line: p.at(c),
        }
    });
    let mut policy = Policy {
        name: raw.name,
        version,
        rank_by,
        rank_by_line: raw.rank_by.as_ref().and_then(|r| p.at(r)),
        leads,
        tiers,
        must_have,
        disqualify,
        capacity,
        description: raw.description,
        fingerprint: String::new(),
        cuts: None,
    };
    policy.fingerprint = crate::util::fingerprint::fingerprint(&policy);
    (policy, p.list)
}
