//! Training time on synthetic deals: the whole fit with a fixed l2 and with
//! l2 chosen by 5-fold cross-validation, and the exact solver alone on the
//! deals' sparse design.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use leadscore::model::logistic::LogisticParams;
use linfa::prelude::*;

fn fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    for n in [1_000, 10_000, 100_000] {
        let deals = common::deals(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("fixed_l2", n), &deals, |b, deals| {
            b.iter(|| common::params().l2(3.0).fit(deals).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("cv_l2", n), &deals, |b, deals| {
            b.iter(|| common::params().fit(deals).unwrap())
        });
    }
    group.finish();
}

fn solver(c: &mut Criterion) {
    let mut group = c.benchmark_group("solver");
    for n in [10_000, 100_000] {
        let deals = common::deals(n);
        let model = common::params().l2(3.0).fit(&deals).unwrap();
        let design = model.design(&deals).unwrap();
        let outcome = deals.require("outcome").unwrap();
        let won: Vec<bool> = (0..n)
            .map(|r| outcome.text(r).as_deref() == Some("Won"))
            .collect();
        let counts = design.counts(&won, None, 0..n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("newton_l2_3", n), |b| {
            b.iter(|| {
                LogisticParams::new()
                    .l2(3.0)
                    .fit(&DatasetBase::new(&design, counts.clone()))
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = fit, solver
}
criterion_main!(benches);
