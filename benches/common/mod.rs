//! Shared set-up of the criterion benches: synthetic deals and a small config
//! for a 2-core machine.
#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use leadscore::{synthetic, Model, ModelParams, Table};

/// Criterion settings that keep a full run to a few minutes.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

/// Synthetic deals of `n` rows (seed 42).
pub fn deals(n: usize) -> Table {
    synthetic::deals(n, 42).table
}

/// Training parameters of the synthetic deals.
pub fn params() -> ModelParams {
    Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at"])
}
