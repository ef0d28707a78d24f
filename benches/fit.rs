//! Training time on synthetic deals: with a fixed l2 and with l2 chosen by
//! 5-fold cross-validation.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    for n in [1_000, 10_000, 50_000] {
        let deals = common::deals(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("fixed_l2", n), &deals, |b, deals| {
            b.iter(|| common::params().l2(3.0).fit(deals).unwrap())
        });
        if n <= 10_000 {
            group.bench_with_input(BenchmarkId::new("cv_l2", n), &deals, |b, deals| {
                b.iter(|| common::params().fit(deals).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = fit
}
criterion_main!(benches);
