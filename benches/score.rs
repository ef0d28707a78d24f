//! Scoring throughput: `Model::score` on in-memory tables, and the CSV path
//! (parse + score) that `leadscore score` runs per batch.

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

criterion_group! {
    name = benches;
    config = common::config();
    targets = score
}
criterion_main!(benches);
