#![doc = include_str!("../README.md")]

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod audit;
pub mod batch;
pub mod diff;
pub mod drift;
pub mod encoding;
pub mod error;
pub mod evaluation;
pub mod explanation;
pub mod handset;
pub mod io;
pub mod model;
pub mod qualification;
pub mod report;
pub mod schema;
pub mod scorecard;
pub mod synthetic;
pub mod table;
pub mod training;

pub use encoding::{Encoding, EncodingOptions};
pub use error::{Error, PolicyProblem, Result, RowError, Severity};
pub use explanation::{Contribution, Explanation};
pub use model::{Model, Scale, Scores, TrainingSummary};
pub use ndarray;
pub use qualification::{Assessment, Decision, LeadFacts, Plan, Policy, Route, Rule, Sla, Tier};
pub use schema::{ColumnKind, Schema, Target};
pub use scorecard::{Scorecard, ScorecardRow};
pub use table::{Table, Values};
pub use training::ModelParams;

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The current time as RFC 3339 UTC, to the second.
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(super::civil_from_days(19_782), (2024, 2, 29));
        for d in [-1000, 0, 19_723, 19_782, 20_000] {
            let (y, m, dd) = super::civil_from_days(d);
            assert_eq!(super::days_from_civil(y, m, dd), d);
        }
    }
}
