//! Scoring throughput: `Model::score` on in-memory tables, the CSV path
//! (parse + score) that `leadscore score` runs per batch, and one lead at a
//! time (`Model::score_one`, `explain_one` and `Qualifier::decide_one`, a
//! web form's path).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn score(c: &mut Criterion) {
    let model = common::params().l2(3.0).fit(&common::deals(5_000)).unwrap();
    let mut group = c.benchmark_group("score");
    for n in [10_000, 100_000, 1_000_000] {
        let leads = leadscore::synthetic::deals(n, 7).table;
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("table", n), &leads, |b, leads| {
            b.iter(|| model.score(leads).unwrap())
        });
        if n <= 100_000 {
            let mut csv = Vec::new();
            leads.write_csv(&mut csv).unwrap();
            group.bench_with_input(BenchmarkId::new("csv", n), &csv, |b, csv| {
                b.iter(|| {
                    let table = leadscore::Table::from_csv_reader(csv.as_slice()).unwrap();
                    model.score(&table).unwrap()
                })
            });
        }
    }
    group.finish();
}

fn score_one(c: &mut Criterion) {
    use leadscore::data::lead::Lead;
    let model = common::params().l2(3.0).fit(&common::deals(5_000)).unwrap();
    let leads = leadscore::synthetic::deals(1, 7).table;
    let lead: Lead = leads
        .column_names()
        .iter()
        .map(|c| (c.clone(), leads.cell(0, c).unwrap().map(|s| s.into_owned())))
        .collect();
    c.bench_function("score_one", |b| b.iter(|| model.score_one(&lead).unwrap()));
    c.bench_function("explain_one", |b| {
        b.iter(|| model.explain_one(&lead, 3).unwrap())
    });
    // The example policy (capacity tier, rules, deal value, SLAs) against
    // cuts frozen from 5 000 leads.
    let policy_file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policy.toml");
    let policy = leadscore::Policy::load(policy_file).unwrap();
    let reference = leadscore::synthetic::deals(5_000, 8).table;
    let cuts = policy.freeze(&model, &reference).unwrap();
    let qualifier =
        leadscore::Qualifier::new(model.clone(), policy.with_cuts(cuts).unwrap()).unwrap();
    c.bench_function("decide_one", |b| {
        b.iter(|| qualifier.decide_one(&lead).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = score, score_one
}
criterion_main!(benches);
