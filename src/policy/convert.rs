//! From the parsed document to a [`Policy`]: every field checked, every
//! problem named with its line and field.

use toml::Spanned;

use super::document::{
    number, scalar, show, Field, Problems, RawCapacity, RawLeads, RawOp, RawPolicy, RawRule,
    RawTier,
};
use super::rules::{Condition, Missing, Rule, RuleKind, Scalar};
use super::{Capacity, LeadColumns, Policy, Route, Sla, Tier, TierCondition};
use crate::model::timing::Chance;

/// The trimmed text of a name-like field, and a problem when it is absent
/// or empty (`needs`: "a rule needs a name"). A value of the wrong type is
/// reported already; it reads as empty.
fn required_text(
    f: &Field<String>,
    line: Option<usize>,
    field: String,
    needs: &str,
    p: &mut Problems,
) -> String {
    match f {
        Field::Given(s) => {
            let t = s.get_ref().trim().to_string();
            if t.is_empty() {
                p.error(p.at(s), field, needs);
            }
            t
        }
        Field::Absent => {
            p.error(line, field, needs);
            String::new()
        }
        Field::Invalid => String::new(),
    }
}

fn convert_rule(raw: &Spanned<RawRule>, field: &str, kind: RuleKind, p: &mut Problems) -> Rule {
    let r = raw.get_ref();
    let line = p.at(raw);
    let name = required_text(
        &r.name,
        line,
        format!("{field}.name"),
        "a rule needs a name",
        p,
    );
    let column = required_text(
        &r.column,
        line,
        format!("{field}.column"),
        "a rule needs a column",
        p,
    );
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
    let given = [
        r.in_list.is_present(),
        r.not_in.is_present(),
        r.op.is_present(),
    ]
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
    } else if r.in_list.is_present() || r.not_in.is_present() {
        let (list, key) = if r.in_list.is_present() {
            (&r.in_list, "in")
        } else {
            (&r.not_in, "not_in")
        };
        if r.value.is_present() {
            p.error(
                list.given().map_or(line, |v| p.at(v)),
                format!("{field}.value"),
                format!("`value` goes with `op`, not with `{key}`"),
            );
        }
        match list.given() {
            Some(v) if key == "in" => Condition::In(list_of(v, key, p)),
            Some(v) => Condition::NotIn(list_of(v, key, p)),
            None => placeholder,
        }
    } else {
        let op = r.op.given().map(|o| *o.get_ref());
        match (&r.value, op) {
            (Field::Absent, _) => {
                p.error(
                    line,
                    format!("{field}.value"),
                    format!("rule {name:?} has `op` but no `value`"),
                );
                placeholder
            }
            // The operator or the value could not be read (reported).
            (Field::Invalid, _) | (_, None) => placeholder,
            (Field::Given(v), Some(op)) => {
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
        missing: r.missing.given().map_or(
            match kind {
                RuleKind::MustHave => Missing::Fail,
                RuleKind::Disqualify => Missing::Pass,
            },
            |m| *m.get_ref(),
        ),
        external: r.external.given().is_some_and(|e| *e.get_ref()),
        line,
        description: r.description.given().map(|d| d.get_ref().clone()),
    }
}

/// The tier's condition: `None` when a condition field could not be read
/// (the tier is then left out of the judgement of the tiers' order).
fn tier_conditions(r: &RawTier, field: &str, p: &mut Problems) -> Option<Vec<TierCondition>> {
    let mut readable = true;
    let mut conditions = Vec::new();
    match &r.min_points {
        Field::Given(m) if m.get_ref().is_finite() => {
            conditions.push(TierCondition::MinPoints(*m.get_ref()))
        }
        Field::Given(m) => {
            p.error(
                p.at(m),
                format!("{field}.min_points"),
                format!("{} is not a finite number", m.get_ref()),
            );
            readable = false;
        }
        Field::Invalid => readable = false,
        Field::Absent => {}
    }
    match &r.top_share {
        Field::Given(s) if *s.get_ref() > 0.0 && *s.get_ref() <= 1.0 => {
            conditions.push(TierCondition::TopShare(*s.get_ref()))
        }
        Field::Given(s) => {
            p.error(
                p.at(s),
                format!("{field}.top_share"),
                format!(
                    "{} is not a share: use a number above 0 and at most 1 (0.05 = top 5 %)",
                    s.get_ref()
                ),
            );
            readable = false;
        }
        Field::Invalid => readable = false,
        Field::Absent => {}
    }
    match &r.capacity {
        Field::Given(c) if *c.get_ref() => conditions.push(TierCondition::Capacity),
        Field::Invalid => readable = false,
        _ => {}
    }
    readable.then_some(conditions)
}

fn convert_tier(i: usize, t: &Spanned<RawTier>, p: &mut Problems) -> Tier {
    let field = format!("tier[{}]", i + 1);
    let r = t.get_ref();
    let line = p.at(t);
    let name = required_text(
        &r.name,
        line,
        format!("{field}.name"),
        "a tier needs a name",
        p,
    );
    let conditions = match tier_conditions(r, &field, p) {
        Some(c) => c,
        None => {
            p.unreadable_tiers.push(i);
            Vec::new()
        }
    };
    if conditions.len() > 1 {
        p.error(
            line,
            field.clone(),
            format!("tier {name:?} has {} conditions; use one of min_points, top_share or capacity (none makes a catch-all)", conditions.len()),
        );
    }
    let sla = r.sla.given().and_then(|s| {
        let parsed = Sla::parse(s.get_ref());
        if parsed.is_none() {
            p.error(
                p.at(s),
                format!("{field}.sla"),
                format!(
                    "{:?} is not a time to first contact: use a whole number and m, h, d or w (15m, 4h, 2d, 1w)",
                    s.get_ref()
                ),
            );
        }
        parsed
    });
    let route = match &r.route {
        Field::Given(x) => Some(*x.get_ref()),
        Field::Absent => {
            p.error(
                line,
                format!("{field}.route"),
                format!("tier {name:?} has no route: add route = \"sales\", \"sdr\", \"nurture\" or \"disqualified\""),
            );
            None
        }
        Field::Invalid => None,
    };
    let owner = r
        .owner
        .given()
        .map(|o| o.get_ref().trim().to_string())
        .filter(|o| !o.is_empty());
    if let Some(route @ (Route::Sales | Route::Sdr)) = route {
        if owner.is_none() && !matches!(r.owner, Field::Invalid) {
            p.error(
                line,
                format!("{field}.owner"),
                format!("tier {name:?} routes to {route}: name the owner team so the hand-off is written down"),
            );
        }
        if !r.sla.is_present() {
            p.error(
                line,
                format!("{field}.sla"),
                format!("tier {name:?} routes to {route}: give an sla (time to first contact, e.g. \"4h\")"),
            );
        }
    }
    Tier {
        name,
        condition: conditions
            .first()
            .copied()
            .unwrap_or(TierCondition::CatchAll),
        // A tier without a readable route is refused (reported above);
        // nurture stands in for it, which no other check objects to.
        route: route.unwrap_or(Route::Nurture),
        owner,
        sla,
        line,
        description: r.description.given().map(|d| d.get_ref().clone()),
    }
}

/// `[capacity]`: reps and leads per rep, each a whole number of at least 1.
fn convert_capacity(c: &Spanned<RawCapacity>, p: &mut Problems) -> Capacity {
    let r = c.get_ref();
    let line = p.at(c);
    let mut count = |v: &Field<i64>, key: &str, what: &str| -> u32 {
        match v {
            Field::Given(v) => match u32::try_from(*v.get_ref()) {
                Ok(n) if n >= 1 => n,
                _ => {
                    p.error(
                        p.at(v),
                        format!("capacity.{key}"),
                        format!("{} is not a whole number of at least 1", v.get_ref()),
                    );
                    1
                }
            },
            Field::Absent => {
                p.error(
                    line,
                    format!("capacity.{key}"),
                    format!("[capacity] needs {key} ({what}, a whole number of at least 1)"),
                );
                1
            }
            Field::Invalid => 1,
        }
    };
    let reps = count(&r.reps, "reps", "sales reps");
    let leads_per_rep = count(
        &r.leads_per_rep,
        "leads_per_rep",
        "leads one rep can work per period",
    );
    let period = r.period.given().and_then(|s| {
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
        line,
    }
}

/// `[leads]`: the created-at and deal-value columns, the default deal value.
fn convert_leads(l: &RawLeads, p: &mut Problems) -> LeadColumns {
    let mut leads = LeadColumns::default();
    for (value, key, slot) in [
        (&l.created_at, "created_at", &mut leads.created_at),
        (&l.deal_value, "deal_value", &mut leads.deal_value),
    ] {
        if let Some(v) = value.given() {
            if v.get_ref().trim().is_empty() {
                p.error(p.at(v), format!("leads.{key}"), "the column name is empty");
            } else {
                *slot = Some(v.get_ref().trim().to_string());
            }
        }
    }
    if let Some(v) = l.default_deal_value.given() {
        if v.get_ref().is_finite() {
            leads.default_deal_value = Some(*v.get_ref());
        } else {
            p.error(
                p.at(v),
                "leads.default_deal_value",
                format!("{} is not a finite number", v.get_ref()),
            );
        }
    }
    leads
}

/// Checks every field of the read document and builds the policy. Every
/// problem goes to `p`; where a field could not be read the policy holds a
/// placeholder (it is refused then, being in error).
pub(crate) fn convert(raw: RawPolicy, p: &mut Problems) -> Policy {
    let version = match &raw.version {
        Field::Given(v) => v.get_ref().trim().to_string(),
        _ => String::new(),
    };
    if version.is_empty() && !matches!(raw.version, Field::Invalid) {
        p.error(
            raw.version.given().and_then(|v| p.at(v)),
            "version",
            "the policy needs a version (e.g. \"1\" or \"2024-06\")",
        );
    }
    let rank_by = match raw.rank_by.given() {
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
    let leads = raw
        .leads
        .as_ref()
        .map(|l| convert_leads(l, p))
        .unwrap_or_default();
    let tiers = raw
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| convert_tier(i, t, p))
        .collect();
    let must_have = raw
        .must_have
        .iter()
        .enumerate()
        .map(|(i, r)| convert_rule(r, &format!("must_have[{}]", i + 1), RuleKind::MustHave, p))
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
                p,
            )
        })
        .collect();
    let capacity = raw.capacity.as_ref().map(|c| convert_capacity(c, p));
    let mut policy = Policy {
        name: raw.name.given().map(|n| n.get_ref().clone()),
        version,
        rank_by,
        rank_by_line: raw.rank_by.given().and_then(|r| p.at(r)),
        leads,
        tiers,
        must_have,
        disqualify,
        capacity,
        description: raw.description.given().map(|d| d.get_ref().clone()),
        fingerprint: String::new(),
        cuts: None,
    };
    policy.fingerprint = crate::util::fingerprint::fingerprint(&policy);
    policy
}
