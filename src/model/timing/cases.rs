//! Every deal's state on the as-of date: won, lost or still open, and for
//! how many whole periods; the deals as they stood on a past date for a
//! backtest. Every bad cell is an error naming row, column and value.

use super::fit::TimingOptions;
use super::TimingDeals;
use crate::data::{Table, Target};
use crate::error::{Error, Result, RowErrors};
use crate::model::ModelParams;
use crate::util::time::{date_from_days, format_timestamp, parse_timestamp, DATE_GRAMMAR};

/// A deal's state at the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Won,
    Lost,
    Open,
}

/// One deal kept for training: its row in the table, its state and the
/// whole periods it was open before it closed (in the period after them)
/// or before the as-of date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Case {
    pub(crate) row: usize,
    pub(crate) state: State,
    pub(crate) periods: u64,
    /// How the file says it ended (`Open` while it has not), and when.
    pub(crate) final_state: State,
    pub(crate) closed_at: Option<i64>,
}

pub(crate) const SECONDS_PER_DAY: f64 = 86_400.0;

impl ModelParams {
    /// The won and lost values ([`Target::named`], the open values aside).
    pub(crate) fn timing_target(
        &self,
        deals: &Table,
        column: &str,
        open: &[String],
    ) -> Result<Target> {
        Target::named(deals, column, &self.positive, &self.negative, open)
    }
}

/// Reads every deal's outcome, created and closed dates: the as-of date
/// (named, or the latest date in the two columns), the deals kept (created
/// on or before it, a created date known) with their state and periods,
/// and the counts. Every bad cell is an error naming row, column and value.
pub(crate) fn read_cases(
    deals: &Table,
    target: &Target,
    options: &TimingOptions,
    created: &str,
    closed: &str,
    period_days: u32,
) -> Result<(String, Vec<Case>, TimingDeals)> {
    let outcomes = deals.require(&target.column)?;
    let created_values = deals.require(created)?;
    let closed_values = deals.require(closed)?;
    let first = deals.first_row();
    let mut errors = RowErrors::default();
    let n = deals.n_rows();
    let mut rows = Vec::with_capacity(n);
    let mut latest: Option<i64> = None;
    let date = |values: &crate::data::Values, r: usize, column: &str, errors: &mut RowErrors| {
        let text = values.text(r)?;
        if text.trim().is_empty() {
            return None;
        }
        match parse_timestamp(&text) {
            Some(t) => Some(t),
            None => {
                errors.push(
                    first + r,
                    column,
                    &text,
                    format!("not a date or date-time ({DATE_GRAMMAR})"),
                );
                None
            }
        }
    };
    for r in 0..n {
        let state = match outcomes.text(r) {
            None => {
                errors.push(first + r, &target.column, "", "the outcome is missing");
                continue;
            }
            Some(v) if options.open.iter().any(|o| o == v.as_ref()) => State::Open,
            Some(v) => match target.outcome(&v) {
                Some(true) => State::Won,
                Some(false) => State::Lost,
                None => {
                    errors.push(
                        first + r,
                        &target.column,
                        &v,
                        format!(
                            "not a known outcome (won: {}; lost: {}; open: {})",
                            target.won.join("/"),
                            target.lost.join("/"),
                            options.open.join("/")
                        ),
                    );
                    continue;
                }
            },
        };
        let c = date(created_values, r, created, &mut errors);
        let d = if state == State::Open {
            None
        } else {
            date(closed_values, r, closed, &mut errors)
        };
        if state != State::Open {
            match (c, d) {
                (None, _) if created_values.text(r).is_none_or(|t| t.trim().is_empty()) => {
                    errors.push(
                        first + r,
                        created,
                        "",
                        "a closed deal needs the date it was created",
                    );
                    continue;
                }
                (_, None) if closed_values.text(r).is_none_or(|t| t.trim().is_empty()) => {
                    errors.push(first + r, closed, "", "a closed deal needs its close date");
                    continue;
                }
                (Some(c), Some(d)) if d < c => {
                    let text = closed_values
                        .text(r)
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    errors.push(
                        first + r,
                        closed,
                        &text,
                        format!("closed before it was created ({})", format_timestamp(c)),
                    );
                    continue;
                }
                _ => {}
            }
        }
        for t in [c, d].into_iter().flatten() {
            latest = Some(latest.map_or(t, |l| l.max(t)));
        }
        rows.push((r, state, c, d));
    }
    errors.into_result()?;
    let as_of_text = match &options.as_of {
        Some(text) => {
            parse_timestamp(text).ok_or_else(|| Error::InvalidParameter {
                name: "as_of".into(),
                value: text.clone(),
                reason: format!("not a date or date-time ({DATE_GRAMMAR})"),
            })?;
            text.trim().to_string()
        }
        None => match latest {
            // A date stays a date.
            Some(t) if t.rem_euclid(86_400) == 0 => date_from_days(t.div_euclid(86_400)),
            Some(t) => format_timestamp(t),
            None => {
                return Err(Error::InvalidParameter {
                    name: "as_of".into(),
                    value: String::new(),
                    reason: "the deals hold no date to train as of".into(),
                })
            }
        },
    };
    let as_of = parse_timestamp(&as_of_text).unwrap_or_default();
    let period = f64::from(period_days) * SECONDS_PER_DAY;
    let mut counts = TimingDeals {
        won: 0,
        lost: 0,
        open: 0,
        open_without_created: 0,
        created_after_as_of: 0,
    };
    let mut cases = Vec::with_capacity(rows.len());
    for (row, state_in_file, c, d) in rows {
        let state = state_in_file;
        let Some(c) = c else {
            counts.open += 1;
            counts.open_without_created += 1;
            continue;
        };
        if c > as_of {
            counts.created_after_as_of += 1;
            continue;
        }
        // A deal closed after the as-of date was open that day.
        let (state, end) = match (state, d) {
            (State::Open, _) => (State::Open, as_of),
            (s, Some(d)) if d <= as_of => (s, d),
            _ => (State::Open, as_of),
        };
        match state {
            State::Won => counts.won += 1,
            State::Lost => counts.lost += 1,
            State::Open => counts.open += 1,
        }
        cases.push(Case {
            row,
            state,
            periods: ((end - c) as f64 / period).floor() as u64,
            final_state: if d.is_some() {
                state_in_file
            } else {
                State::Open
            },
            closed_at: d,
        });
    }
    Ok((as_of_text, cases, counts))
}
/// The deals as they stood on a date, and how each of the ones open then
/// ended in the file: what a backtest scores and checks.
#[derive(Debug, Clone)]
pub(crate) struct DealsAsOf {
    /// Rows (of the table) of the deals closed on or before the date.
    pub(crate) closed_rows: Vec<usize>,
    /// Rows of the deals open on the date (created on or before it, with a
    /// created date).
    pub(crate) open_rows: Vec<usize>,
    /// For each open row: when it closed won, if it did (in the file).
    pub(crate) won_at: Vec<Option<i64>>,
    /// The latest created or close date in the file.
    pub(crate) latest: i64,
}

impl ModelParams {
    /// The deals as they stood on `as_of` (the time options' columns and
    /// open values; every bad cell an error naming row, column and value).
    pub(crate) fn deals_as_of(&self, deals: &Table, as_of: &str) -> Result<DealsAsOf> {
        let mut options = self.timing.clone().unwrap_or_default();
        let target_column = self.check()?;
        let created = options.created.clone().unwrap_or_default();
        let closed = options.closed.clone().unwrap_or_default();
        let target = self.timing_target(deals, &target_column, &options.open)?;
        // The file's latest date first, then the deals on the date asked.
        options.as_of = None;
        let (latest, _, _) = read_cases(deals, &target, &options, &created, &closed, 1)?;
        options.as_of = Some(as_of.to_string());
        let (_, cases, _) = read_cases(deals, &target, &options, &created, &closed, 1)?;
        let mut out = DealsAsOf {
            closed_rows: Vec::new(),
            open_rows: Vec::new(),
            won_at: Vec::new(),
            latest: parse_timestamp(&latest).unwrap_or_default(),
        };
        for c in cases {
            if c.state == State::Open {
                out.open_rows.push(c.row);
                out.won_at
                    .push(c.closed_at.filter(|_| c.final_state == State::Won));
            } else {
                out.closed_rows.push(c.row);
            }
        }
        Ok(out)
    }
}
