//! Seeded synthetic B2B deals with known true effects, for tests, examples,
//! benchmarks and the quickstart.
//!
//! Each deal's log-odds of winning is an intercept plus the sum of the true
//! effects of its attributes ([`SyntheticDeals::effects`]); the outcome is
//! drawn from that probability. Columns:
//!
//! | column | kind | true effect |
//! |---|---|---|
//! | `deal_id` | id | none |
//! | `employees` | numeric, 4 % missing | step by company size |
//! | `industry` | categorical, 6 % missing | per level |
//! | `country` | categorical | per level |
//! | `job_seniority` | categorical | per level |
//! | `webinar_attended` | yes/no | per level |
//! | `pricing_page_visits` | numeric | +0.3 per visit up to 4 |
//! | `demo_requested` | yes/no | per level |
//! | `email_clicks` | numeric | +0.08 per click up to 10 |
//! | `lead_source` | categorical | per level |
//! | `channel` | categorical | per level |
//! | `campaign` | categorical | per level |
//! | `deal_value` | numeric | none |
//! | `created_at`, `closed_at` | dates (`YYYY-MM-DD`) | none |
//! | `outcome` | `Won` / `Lost` | the target |

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::data::{Table, Values};
use crate::util::time::date_from_days;

pub mod events;
pub mod pipeline;
pub mod touches;
pub use pipeline::{pipeline, SyntheticPipeline};

/// The true effect (log-odds) of one categorical value, relative to the
/// column's reference value (whose effect is 0).
#[derive(Debug, Clone, PartialEq)]
pub struct TrueEffect {
    /// Column name.
    pub column: &'static str,
    /// The value.
    pub value: &'static str,
    /// Its true effect on the log-odds of winning.
    pub effect: f64,
}

/// Synthetic deals and the effects that generated them.
#[derive(Debug, Clone)]
pub struct SyntheticDeals {
    /// One row per deal; see the module docs for the columns.
    pub table: Table,
    /// True effects of every categorical value (the first value listed for
    /// each column is its reference, effect 0).
    pub effects: Vec<TrueEffect>,
}

const INDUSTRY: [(&str, f64, f64); 6] = [
    ("Software", 0.0, 0.30),
    ("Finance", -0.2, 0.15),
    ("Healthcare", -0.4, 0.15),
    ("Manufacturing", -0.6, 0.15),
    ("Retail", -0.9, 0.15),
    ("Education", -1.3, 0.10),
];
const COUNTRY: [(&str, f64, f64); 6] = [
    ("United States", 0.0, 0.40),
    ("United Kingdom", -0.1, 0.15),
    ("Germany", -0.2, 0.15),
    ("France", -0.35, 0.10),
    ("Brazil", -0.6, 0.10),
    ("India", -0.8, 0.10),
];
const SENIORITY: [(&str, f64, f64); 6] = [
    ("Manager", 0.0, 0.30),
    ("VP", 0.8, 0.10),
    ("C-level", 0.6, 0.08),
    ("Director", 0.4, 0.17),
    ("Individual Contributor", -0.5, 0.30),
    ("Student", -1.6, 0.05),
];
const WEBINAR: [(&str, f64, f64); 2] = [("no", 0.0, 0.7), ("yes", 0.5, 0.3)];
const DEMO: [(&str, f64, f64); 2] = [("no", 0.0, 0.8), ("yes", 1.2, 0.2)];
const SOURCE: [(&str, f64, f64); 6] = [
    ("Paid Search", 0.0, 0.25),
    ("Referral", 0.7, 0.10),
    ("Event", 0.35, 0.15),
    ("Organic Search", 0.2, 0.20),
    ("Outbound", -0.45, 0.20),
    ("Purchased List", -1.1, 0.10),
];
const CHANNEL: [(&str, f64, f64); 4] = [
    ("Web", 0.0, 0.45),
    ("Email", -0.15, 0.25),
    ("Phone", 0.25, 0.15),
    ("Partner", 0.45, 0.15),
];
const CAMPAIGN: [(&str, f64, f64); 5] = [
    ("Spring Launch", 0.0, 0.25),
    ("ROI Calculator", 0.3, 0.20),
    ("Industry Report", -0.1, 0.20),
    ("Free Trial", 0.15, 0.20),
    ("Brand Awareness", -0.5, 0.15),
];
const INTERCEPT: f64 = -1.6;

/// A value, its true effect and its share of deals.
type Level = (&'static str, f64, f64);

fn pick(rng: &mut Xoshiro256PlusPlus, levels: &[(&'static str, f64, f64)]) -> (&'static str, f64) {
    let u: f64 = rng.gen();
    let mut acc = 0.0;
    for &(name, effect, p) in levels {
        acc += p;
        if u < acc {
            return (name, effect);
        }
    }
    let last = levels[levels.len() - 1];
    (last.0, last.1)
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

pub(crate) fn poisson(rng: &mut Xoshiro256PlusPlus, mean: f64) -> u32 {
    let l = (-mean).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.gen::<f64>();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

/// Company-size step effect.
fn employees_effect(employees: f64) -> f64 {
    if employees < 50.0 {
        -0.6
    } else if employees < 500.0 {
        0.0
    } else if employees < 5000.0 {
        0.35
    } else {
        0.5
    }
}

/// Generates `n` deals from `seed`: the same seed always gives the same deals.
///
/// ```
/// let deals = leadscore::synthetic::deals(500, 42);
/// assert_eq!(deals.table.n_rows(), 500);
/// assert!(deals.table.column("outcome").is_some());
/// ```
pub fn deals(n: usize, seed: u64) -> SyntheticDeals {
    generate(n, seed, &mut |_, _| 0.0)
}

/// [`deals`], with `extra(i, created)` added to the log-odds of deal `i`
/// (0-based) created on day `created` (days since 1970) before its outcome
/// is drawn. `extra` draws from a generator of its own, so the deals'
/// columns are those of [`deals`] with the same seed.
fn generate(n: usize, seed: u64, extra: &mut dyn FnMut(usize, i64) -> f64) -> SyntheticDeals {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut columns = DealColumns::with_capacity(n);
    let start = 19_723; // 2024-01-01
    for i in 0..n {
        let a = Attributes::draw(&mut rng);
        let draw = rng.gen::<f64>();
        let value = a.deal_value(&mut rng);
        let created = start + rng.gen_range(0..540);
        let won = draw < crate::model::sigmoid(INTERCEPT + a.effect + extra(i, created));
        let closed = created + rng.gen_range(14..150);
        columns.push(
            format!("D{:06}", i + 1),
            &a,
            value,
            created,
            Some(closed),
            if won { "Won" } else { "Lost" },
        );
    }
    SyntheticDeals {
        table: columns.into_table("outcome"),
        effects: true_effects(),
    }
}

/// One deal's attributes, drawn in a fixed order from the generator, and
/// the sum of their true effects (log-odds, no intercept).
pub(crate) struct Attributes {
    employees: f64,
    employees_missing: bool,
    industry: &'static str,
    industry_missing: bool,
    country: &'static str,
    pub(crate) seniority: &'static str,
    webinar: &'static str,
    visits: u32,
    demo: &'static str,
    clicks: u32,
    pub(crate) source: &'static str,
    pub(crate) channel: &'static str,
    campaign: &'static str,
    /// Sum of the attributes' true effects.
    pub(crate) effect: f64,
}

impl Attributes {
    pub(crate) fn draw(rng: &mut Xoshiro256PlusPlus) -> Attributes {
        let mut z = 0.0;
        let employees = (4.5 + 1.8 * normal(rng)).exp().round().max(1.0);
        z += employees_effect(employees);
        let employees_missing = rng.gen::<f64>() < 0.04;
        let (industry, e) = pick(rng, &INDUSTRY);
        let industry_missing = rng.gen::<f64>() < 0.06;
        if !industry_missing {
            z += e;
        }
        let (country, e) = pick(rng, &COUNTRY);
        z += e;
        let (seniority, e) = pick(rng, &SENIORITY);
        z += e;
        let (webinar, e) = pick(rng, &WEBINAR);
        z += e;
        let visits = poisson(rng, 1.5);
        z += 0.3 * f64::from(visits.min(4));
        let (demo, e) = pick(rng, &DEMO);
        z += e;
        let clicks = poisson(rng, 3.0);
        z += 0.08 * f64::from(clicks.min(10));
        let (source, e) = pick(rng, &SOURCE);
        z += e;
        let (channel, e) = pick(rng, &CHANNEL);
        z += e;
        let (campaign, e) = pick(rng, &CAMPAIGN);
        z += e;
        Attributes {
            employees,
            employees_missing,
            industry,
            industry_missing,
            country,
            seniority,
            webinar,
            visits,
            demo,
            clicks,
            source,
            channel,
            campaign,
            effect: z,
        }
    }

    /// The deal's value, drawn after the attributes (no effect).
    pub(crate) fn deal_value(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        (self.employees.ln() * 0.5 + 8.0 + 0.6 * normal(rng))
            .exp()
            .round()
    }
}

/// The columns of synthetic deals, filled deal by deal.
pub(crate) struct DealColumns {
    text: [Vec<Option<String>>; 12],
    numbers: [Vec<Option<f64>>; 4],
}

impl DealColumns {
    pub(crate) fn with_capacity(n: usize) -> DealColumns {
        DealColumns {
            text: std::array::from_fn(|_| Vec::with_capacity(n)),
            numbers: std::array::from_fn(|_| Vec::with_capacity(n)),
        }
    }

    /// One deal: its id, attributes, value, created and closed days (days
    /// since 1970; no closed day while open) and outcome.
    pub(crate) fn push(
        &mut self,
        id: String,
        a: &Attributes,
        value: f64,
        created: i64,
        closed: Option<i64>,
        outcome: &str,
    ) {
        let t = &mut self.text;
        t[0].push(Some(id));
        t[1].push((!a.industry_missing).then(|| a.industry.to_string()));
        t[2].push(Some(a.country.to_string()));
        t[3].push(Some(a.seniority.to_string()));
        t[4].push(Some(a.webinar.to_string()));
        t[5].push(Some(a.demo.to_string()));
        t[6].push(Some(a.source.to_string()));
        t[7].push(Some(a.channel.to_string()));
        t[8].push(Some(a.campaign.to_string()));
        t[9].push(Some(date_from_days(created)));
        t[10].push(closed.map(date_from_days));
        t[11].push(Some(outcome.to_string()));
        let x = &mut self.numbers;
        x[0].push((!a.employees_missing).then_some(a.employees));
        x[1].push(Some(f64::from(a.visits)));
        x[2].push(Some(f64::from(a.clicks)));
        x[3].push(Some(value));
    }

    /// The table, the outcome in column `outcome`.
    pub(crate) fn into_table(self, outcome: &str) -> Table {
        let [id, industry, country, seniority, webinar, demo, source, channel, campaign, created, closed, stage] =
            self.text;
        let [employees, visits, clicks, value] = self.numbers;
        Table::from_columns(vec![
            ("deal_id".into(), Values::Text(id)),
            ("employees".into(), Values::Number(employees)),
            ("industry".into(), Values::Text(industry)),
            ("country".into(), Values::Text(country)),
            ("job_seniority".into(), Values::Text(seniority)),
            ("webinar_attended".into(), Values::Text(webinar)),
            ("pricing_page_visits".into(), Values::Number(visits)),
            ("demo_requested".into(), Values::Text(demo)),
            ("email_clicks".into(), Values::Number(clicks)),
            ("lead_source".into(), Values::Text(source)),
            ("channel".into(), Values::Text(channel)),
            ("campaign".into(), Values::Text(campaign)),
            ("deal_value".into(), Values::Number(value)),
            ("created_at".into(), Values::Text(created)),
            ("closed_at".into(), Values::Text(closed)),
            (outcome.into(), Values::Text(stage)),
        ])
        .expect("synthetic columns are consistent")
    }
}

/// The true effect of every categorical value of [`deals`].
pub fn true_effects() -> Vec<TrueEffect> {
    let groups: [(&'static str, &[Level]); 8] = [
        ("industry", &INDUSTRY),
        ("country", &COUNTRY),
        ("job_seniority", &SENIORITY),
        ("webinar_attended", &WEBINAR),
        ("demo_requested", &DEMO),
        ("lead_source", &SOURCE),
        ("channel", &CHANNEL),
        ("campaign", &CAMPAIGN),
    ];
    groups
        .iter()
        .flat_map(|(column, levels)| {
            levels.iter().map(move |&(value, effect, _)| TrueEffect {
                column,
                value,
                effect,
            })
        })
        .collect()
}
