//! Reading the policy document's tables and fields one by one from the
//! parsed TOML, each problem of shape or type reported with its line and
//! field (unknown fields with a "did you mean"), the rest read on.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::document::{Field, Problems, RawCapacity, RawLeads, RawOp, RawPolicy, RawRule, RawTier};
use super::rules::Missing;
use super::Route;
use crate::error::display_value;

/// The fields of each table, in the order the messages list them.
const TOP_FIELDS: [&str; 10] = [
    "format",
    "format_version",
    "name",
    "description",
    "version",
    "rank_by",
    "leads",
    "tier",
    "must_have",
    "disqualify",
];
const TOP_TABLES: [&str; 1] = ["capacity"];
const LEADS_FIELDS: [&str; 3] = ["created_at", "deal_value", "default_deal_value"];
const TIER_FIELDS: [&str; 8] = [
    "name",
    "description",
    "min_points",
    "top_share",
    "capacity",
    "route",
    "owner",
    "sla",
];
const RULE_FIELDS: [&str; 9] = [
    "name",
    "description",
    "column",
    "in",
    "not_in",
    "op",
    "value",
    "missing",
    "external",
];
const CAPACITY_FIELDS: [&str; 3] = ["reps", "leads_per_rep", "period"];

/// The routes as written, for `route`.
const ROUTES: [(&str, Route); 4] = [
    ("sales", Route::Sales),
    ("sdr", Route::Sdr),
    ("nurture", Route::Nurture),
    ("disqualified", Route::Disqualified),
];
const OPS: [(&str, RawOp); 8] = [
    ("in", RawOp::In),
    ("not_in", RawOp::NotIn),
    ("==", RawOp::Eq),
    ("!=", RawOp::Ne),
    (">=", RawOp::Ge),
    (">", RawOp::Gt),
    ("<=", RawOp::Le),
    ("<", RawOp::Lt),
];
const MISSING: [(&str, Missing); 2] = [("fail", Missing::Fail), ("pass", Missing::Pass)];

/// One table of the document being read, with its field path (`""` at
/// the top, `tier[2]`, `leads`) for messages.
struct TableIn<'a, 'i> {
    table: &'a DeTable<'i>,
    path: String,
}

impl<'a, 'i> TableIn<'a, 'i> {
    /// The field path of `key` in this table.
    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table.get(key)
    }
}

/// The value as the messages show it: `text "4h"`, `the number 4`, ...
pub(super) fn describe(v: &DeValue) -> String {
    match v {
        DeValue::String(s) => format!("text {}", display_value(s)),
        DeValue::Integer(i) => format!("the number {i}"),
        DeValue::Float(x) => format!("the number {x}"),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "a list".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// A TOML number as `f64`: `None` for another value or an integer out of
/// range (a float too large to hold is infinite, and refused later).
fn float_of(v: &DeValue) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(x) => x.as_str().parse().ok(),
        _ => None,
    }
}

/// The document's value as a [`toml::Value`] (for rule values); `None` for
/// an integer out of range.
fn to_value(v: &DeValue) -> Option<toml::Value> {
    Some(match v {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        DeValue::Integer(i) => {
            toml::Value::Integer(i64::from_str_radix(i.as_str(), i.radix()).ok()?)
        }
        DeValue::Float(x) => toml::Value::Float(x.as_str().parse().ok()?),
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(items) => toml::Value::Array(
            items
                .iter()
                .map(|x| to_value(x.get_ref()))
                .collect::<Option<_>>()?,
        ),
        DeValue::Table(t) => toml::Value::Table(
            t.iter()
                .map(|(k, x)| Some((k.get_ref().to_string(), to_value(x.get_ref())?)))
                .collect::<Option<_>>()?,
        ),
    })
}

/// Edits (insertions, deletions, substitutions) from `a` to `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// ` (did you mean "x"?)` when one of `names` is a small typo away.
fn did_you_mean(given: &str, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| (edit_distance(&given.to_lowercase(), n), n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map_or_else(String::new, |(_, n)| format!(" (did you mean `{n}`?)"))
}

impl Problems<'_> {
    /// Reports every field of `t` that is not one of `known`, in line order.
    fn unknown_fields(&mut self, t: &TableIn, what: &str, known: &[&str]) {
        let mut keys: Vec<(&str, Range<usize>)> = t
            .table
            .iter()
            .map(|(k, _)| (k.get_ref().as_ref(), k.span()))
            .filter(|(name, _)| !known.contains(name))
            .collect();
        keys.sort_by_key(|(_, span)| span.start);
        for (name, span) in keys {
            self.error(
                self.line(&span),
                t.field(name),
                format!(
                    "unknown field `{name}`{}; {what} has the fields {}",
                    did_you_mean(name, known),
                    known.join(", ")
                ),
            );
        }
    }

    /// Reports a value of the wrong type: what was expected and what was found.
    fn wrong_type(&mut self, t: &TableIn, key: &str, v: &Spanned<DeValue>, expected: &str) {
        let hint = match v.get_ref() {
            DeValue::String(s)
                if expected.contains("number") && s.trim().parse::<f64>().is_ok() =>
            {
                format!(" (write {} without quotes)", s.trim())
            }
            DeValue::String(s) if expected == "true or false" => {
                match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "y" | "1" | "on" => " (write true without quotes)".to_string(),
                    "false" | "no" | "n" | "0" | "off" => {
                        " (write false without quotes)".to_string()
                    }
                    _ => " (write true or false without quotes)".to_string(),
                }
            }
            DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_)
                if expected.starts_with("text") =>
            {
                " (write it in quotes)".to_string()
            }
            _ => String::new(),
        };
        self.error(
            self.at(v),
            t.field(key),
            format!("expected {expected}, found {}{hint}", describe(v.get_ref())),
        );
    }

    /// A text field.
    fn text(&mut self, t: &TableIn, key: &str) -> Field<String> {
        match t.get(key) {
            None => Field::Absent,
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Field::Given(Spanned::new(v.span(), s.to_string())),
                _ => {
                    self.wrong_type(t, key, v, "text (in quotes)");
                    Field::Invalid
                }
            },
        }
    }

    /// A number field (a whole number reads as a number too).
    fn number(&mut self, t: &TableIn, key: &str) -> Field<f64> {
        match t.get(key) {
            None => Field::Absent,
            Some(v) => match float_of(v.get_ref()) {
                Some(x) => Field::Given(Spanned::new(v.span(), x)),
                None => {
                    self.wrong_type(t, key, v, "a number");
                    Field::Invalid
                }
            },
        }
    }

    /// A whole-number field.
    fn integer(&mut self, t: &TableIn, key: &str) -> Field<i64> {
        let Some(v) = t.get(key) else {
            return Field::Absent;
        };
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match n {
            Some(n) => Field::Given(Spanned::new(v.span(), n)),
            None => {
                self.wrong_type(t, key, v, "a whole number");
                Field::Invalid
            }
        }
    }

    /// A `true` / `false` field.
    fn boolean(&mut self, t: &TableIn, key: &str) -> Field<bool> {
        match t.get(key) {
            None => Field::Absent,
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => Field::Given(Spanned::new(v.span(), *b)),
                _ => {
                    self.wrong_type(t, key, v, "true or false");
                    Field::Invalid
                }
            },
        }
    }

    /// A field of any value (checked by the caller).
    fn any(&mut self, t: &TableIn, key: &str) -> Field<toml::Value> {
        let Some(v) = t.get(key) else {
            return Field::Absent;
        };
        match to_value(v.get_ref()) {
            Some(x) => Field::Given(Spanned::new(v.span(), x)),
            None => {
                self.wrong_type(t, key, v, "a text or a number that fits in 64 bits");
                Field::Invalid
            }
        }
    }

    /// A list field (its items checked by the caller).
    fn list(&mut self, t: &TableIn, key: &str) -> Field<Vec<toml::Value>> {
        match self.any(t, key) {
            Field::Given(v) => {
                let span = v.span();
                match v.into_inner() {
                    toml::Value::Array(items) => Field::Given(Spanned::new(span, items)),
                    _ => {
                        if let Some(raw) = t.get(key) {
                            self.wrong_type(t, key, raw, "a list, e.g. [\"a\", \"b\"]");
                        }
                        Field::Invalid
                    }
                }
            }
            Field::Absent => Field::Absent,
            Field::Invalid => Field::Invalid,
        }
    }

    /// A text field that must be one of `options` (as written).
    fn choice<T: Copy>(
        &mut self,
        t: &TableIn,
        key: &str,
        what: &str,
        options: &[(&str, T)],
    ) -> Field<T> {
        let s = match self.text(t, key) {
            Field::Given(s) => s,
            Field::Absent => return Field::Absent,
            Field::Invalid => return Field::Invalid,
        };
        match options
            .iter()
            .find(|(name, _)| *name == s.get_ref().as_str())
        {
            Some((_, x)) => Field::Given(Spanned::new(s.span(), *x)),
            None => {
                let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                let shown: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
                self.error(
                    self.at(&s),
                    t.field(key),
                    format!(
                        "{} is not {what}{}: use one of {}",
                        display_value(s.get_ref()),
                        did_you_mean(s.get_ref(), &names),
                        shown.join(", ")
                    ),
                );
                Field::Invalid
            }
        }
    }

    /// A table field (`[leads]`, `[capacity]`), with its span.
    fn table<'a, 'i>(
        &mut self,
        t: &TableIn<'a, 'i>,
        key: &str,
    ) -> Option<(Range<usize>, TableIn<'a, 'i>)> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Table(inner) => Some((
                v.span(),
                TableIn {
                    table: inner,
                    path: t.field(key),
                },
            )),
            _ => {
                self.wrong_type(t, key, v, &format!("a table ([{key}])"));
                None
            }
        }
    }

    /// An array-of-tables field (`[[tier]]`), each table with its span.
    fn tables<'a, 'i>(
        &mut self,
        t: &TableIn<'a, 'i>,
        key: &str,
    ) -> Vec<(Range<usize>, TableIn<'a, 'i>)> {
        let Some(v) = t.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            let hint = format!("tables, each headed [[{key}]] (two brackets)");
            self.wrong_type(t, key, v, &hint);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{}]", t.field(key), i + 1);
            match item.get_ref() {
                DeValue::Table(inner) => out.push((item.span(), TableIn { table: inner, path })),
                other => self.error(
                    self.at(item),
                    path,
                    format!("expected a table ([[{key}]]), found {}", describe(other)),
                ),
            }
        }
        out
    }

    fn read_tier(&mut self, t: &TableIn) -> RawTier {
        self.unknown_fields(t, "a [[tier]]", &TIER_FIELDS);
        RawTier {
            name: self.text(t, "name"),
            description: self.text(t, "description"),
            min_points: self.number(t, "min_points"),
            top_share: self.number(t, "top_share"),
            capacity: self.boolean(t, "capacity"),
            route: self.choice(t, "route", "a route", &ROUTES),
            owner: self.text(t, "owner"),
            sla: self.text(t, "sla"),
        }
    }

    fn read_rule(&mut self, t: &TableIn, what: &str) -> RawRule {
        self.unknown_fields(t, what, &RULE_FIELDS);
        RawRule {
            name: self.text(t, "name"),
            description: self.text(t, "description"),
            column: self.text(t, "column"),
            in_list: self.list(t, "in"),
            not_in: self.list(t, "not_in"),
            op: self.choice(t, "op", "an operator", &OPS),
            value: self.any(t, "value"),
            missing: self.choice(t, "missing", "what a missing value does", &MISSING),
            external: self.boolean(t, "external"),
        }
    }

    /// Reads the whole document: every table and field, every problem of
    /// shape and type reported.
    pub(super) fn read_policy(&mut self, root: &DeTable) -> RawPolicy {
        let top = TableIn {
            table: root,
            path: String::new(),
        };
        let known: Vec<&str> = TOP_FIELDS.iter().chain(&TOP_TABLES).copied().collect();
        self.unknown_fields(&top, "a policy", &known);
        // The envelope was checked already; a version written as a number
        // is reported here.
        let _ = self.text(&top, "format");
        let _ = self.text(&top, "format_version");
        let leads = self.table(&top, "leads").map(|(_, t)| {
            self.unknown_fields(&t, "[leads]", &LEADS_FIELDS);
            RawLeads {
                created_at: self.text(&t, "created_at"),
                deal_value: self.text(&t, "deal_value"),
                default_deal_value: self.number(&t, "default_deal_value"),
            }
        });
        let mut tiers = Vec::new();
        for (span, t) in self.tables(&top, "tier") {
            tiers.push(Spanned::new(span, self.read_tier(&t)));
        }
        let mut rules = |key: &str, what: &str| {
            let mut out = Vec::new();
            for (span, t) in self.tables(&top, key) {
                out.push(Spanned::new(span, self.read_rule(&t, what)));
            }
            out
        };
        let must_have = rules("must_have", "a [[must_have]] rule");
        let disqualify = rules("disqualify", "a [[disqualify]] rule");
        let capacity = self.table(&top, "capacity").map(|(span, t)| {
            self.unknown_fields(&t, "[capacity]", &CAPACITY_FIELDS);
            let c = RawCapacity {
                reps: self.integer(&t, "reps"),
                leads_per_rep: self.integer(&t, "leads_per_rep"),
                period: self.text(&t, "period"),
            };
            Spanned::new(span, c)
        });
        RawPolicy {
            name: self.text(&top, "name"),
            description: self.text(&top, "description"),
            version: self.text(&top, "version"),
            rank_by: self.text(&top, "rank_by"),
            leads,
            tiers,
            must_have,
            disqualify,
            capacity,
        }
    }
}
