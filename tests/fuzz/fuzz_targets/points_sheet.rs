//! cargo-fuzz entry of the `points_sheet` fuzz target (written in `../targets.rs`,
//! which also runs on stable through `tests/fuzz.rs`):
//!
//! ```sh
//! cargo +nightly fuzz run --fuzz-dir tests/fuzz points_sheet -- -max_total_time=30
//! ```
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::points_sheet(data));
