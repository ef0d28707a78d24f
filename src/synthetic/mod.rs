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
    let text = |n: usize| Vec::<Option<String>>::with_capacity(n);
    let (mut id, mut industry_c, mut country_c, mut seniority_c) =
        (text(n), text(n), text(n), text(n));
    let (mut webinar_c, mut demo_c, mut source_c, mut channel_c) =
        (text(n), text(n), text(n), text(n));
    let (mut campaign_c, mut created_c, mut closed_c, mut outcome_c) =
        (text(n), text(n), text(n), text(n));
    let mut employees_c = Vec::with_capacity(n);
    let mut visits_c = Vec::with_capacity(n);
    let mut clicks_c = Vec::with_capacity(n);
    let mut value_c = Vec::with_capacity(n);
    let start = 19_723; // 2024-01-01
    for i in 0..n {
        let mut z = INTERCEPT;
        let employees = (4.5 + 1.8 * normal(&mut rng)).exp().round().max(1.0);
        z += employees_effect(employees);
        let employees_missing = rng.gen::<f64>() < 0.04;
        let (industry, e) = pick(&mut rng, &INDUSTRY);
        let industry_missing = rng.gen::<f64>() < 0.06;
        if !industry_missing {
            z += e;
        }
        let (country, e) = pick(&mut rng, &COUNTRY);
        z += e;
        let (seniority, e) = pick(&mut rng, &SENIORITY);
        z += e;
        let (webinar, e) = pick(&mut rng, &WEBINAR);
        z += e;
        let visits = poisson(&mut rng, 1.5);
        z += 0.3 * f64::from(visits.min(4));
        let (demo, e) = pick(&mut rng, &DEMO);
        z += e;
        let clicks = poisson(&mut rng, 3.0);
        z += 0.08 * f64::from(clicks.min(10));
        let (source, e) = pick(&mut rng, &SOURCE);
        z += e;
        let (channel, e) = pick(&mut rng, &CHANNEL);
        z += e;
        let (campaign, e) = pick(&mut rng, &CAMPAIGN);
        z += e;
        let draw = rng.gen::<f64>();
        let value = (employees.ln() * 0.5 + 8.0 + 0.6 * normal(&mut rng))
            .exp()
            .round();
        let created = start + rng.gen_range(0..540);
        let won = draw < crate::model::sigmoid(z + extra(i, created));
        let closed = created + rng.gen_range(14..150);

        id.push(Some(format!("D{:06}", i + 1)));
        employees_c.push((!employees_missing).then_some(employees));
        industry_c.push((!industry_missing).then(|| industry.to_string()));
        country_c.push(Some(country.to_string()));
        seniority_c.push(Some(seniority.to_string()));
        webinar_c.push(Some(webinar.to_string()));
        visits_c.push(Some(f64::from(visits)));
        demo_c.push(Some(demo.to_string()));
        clicks_c.push(Some(f64::from(clicks)));
        source_c.push(Some(source.to_string()));
        channel_c.push(Some(channel.to_string()));
        campaign_c.push(Some(campaign.to_string()));
        value_c.push(Some(value));
        created_c.push(Some(date_from_days(created)));
        closed_c.push(Some(date_from_days(closed)));
        outcome_c.push(Some(if won { "Won" } else { "Lost" }.to_string()));
    }
    let table = Table::from_columns(vec![
        ("deal_id".into(), Values::Text(id)),
        ("employees".into(), Values::Number(employees_c)),
        ("industry".into(), Values::Text(industry_c)),
        ("country".into(), Values::Text(country_c)),
        ("job_seniority".into(), Values::Text(seniority_c)),
        ("webinar_attended".into(), Values::Text(webinar_c)),
        ("pricing_page_visits".into(), Values::Number(visits_c)),
        ("demo_requested".into(), Values::Text(demo_c)),
        ("email_clicks".into(), Values::Number(clicks_c)),
        ("lead_source".into(), Values::Text(source_c)),
        ("channel".into(), Values::Text(channel_c)),
        ("campaign".into(), Values::Text(campaign_c)),
        ("deal_value".into(), Values::Number(value_c)),
        ("created_at".into(), Values::Text(created_c)),
        ("closed_at".into(), Values::Text(closed_c)),
        ("outcome".into(), Values::Text(outcome_c)),
    ])
    .expect("synthetic columns are consistent");
    SyntheticDeals {
        table,
        effects: true_effects(),
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
