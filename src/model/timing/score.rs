//! Scoring with a time model: each lead's age at the scoring date from its
//! created column, and its [`super::Outlook`] as output columns.

use serde::{Deserialize, Serialize};

use super::Timing;
use crate::data::columns::{Columns, OutValues};
use crate::data::Table;
use crate::error::{Error, Result, RowError};
use crate::model::{Model, Scores};
use crate::util::time::{date_from_days, now_rfc3339, parse_timestamp, DATE_GRAMMAR};

/// What a time model says of a batch of leads, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingScores {
    /// The horizons, in days (as [`Timing::horizons_days`]).
    pub horizons_days: Vec<u32>,
    /// Per horizon, per lead: the chance of winning within it.
    pub win_within: Vec<Vec<f64>>,
    /// Per lead: the chance of ever winning.
    pub win_eventually: Vec<f64>,
    /// Per lead: the median close date (`YYYY-MM-DD`), `None` when more
    /// than ten years away.
    pub expected_close: Vec<Option<String>>,
}

impl TimingScores {
    /// No leads: the shape of the output for these horizons.
    pub fn empty(horizons_days: &[u32]) -> TimingScores {
        TimingScores {
            horizons_days: horizons_days.to_vec(),
            win_within: vec![Vec::new(); horizons_days.len()],
            win_eventually: Vec::new(),
            expected_close: Vec::new(),
        }
    }

    /// The scores of some rows, in the order given.
    pub fn take(&self, rows: &[usize]) -> TimingScores {
        TimingScores {
            horizons_days: self.horizons_days.clone(),
            win_within: self
                .win_within
                .iter()
                .map(|v| rows.iter().map(|&r| v[r]).collect())
                .collect(),
            win_eventually: rows.iter().map(|&r| self.win_eventually[r]).collect(),
            expected_close: rows
                .iter()
                .map(|&r| self.expected_close[r].clone())
                .collect(),
        }
    }

    /// What the model says of the lead of index `r`.
    pub fn lead(&self, r: usize) -> LeadOutlook {
        LeadOutlook {
            horizons_days: self.horizons_days.clone(),
            win_within: self.win_within.iter().map(|v| v[r]).collect(),
            win_eventually: self.win_eventually[r],
            expected_close: self.expected_close[r].clone(),
        }
    }

    /// Every lead's value of one chance, when the scores hold it.
    pub fn chance(&self, c: Chance) -> Option<&[f64]> {
        match c {
            Chance::WinEventually => Some(&self.win_eventually),
            Chance::WinWithin(h) => self
                .horizons_days
                .iter()
                .position(|&x| x == h)
                .map(|i| self.win_within[i].as_slice()),
        }
    }

    /// The output columns: `win_within_<H>d` for each horizon,
    /// `win_eventually` and `expected_close`.
    pub fn into_columns(self) -> Columns {
        let mut cols: Columns = self
            .horizons_days
            .iter()
            .zip(self.win_within)
            .map(|(&h, v)| (Timing::horizon_column(h), OutValues::Float(v)))
            .collect();
        cols.push((
            "win_eventually".into(),
            OutValues::Float(self.win_eventually),
        ));
        cols.push((
            "expected_close".into(),
            OutValues::Text(self.expected_close),
        ));
        cols
    }
}

/// What a time model says of one lead at the scoring date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadOutlook {
    /// The horizons, in days (as [`Timing::horizons_days`]).
    pub horizons_days: Vec<u32>,
    /// The chance of winning within each horizon.
    pub win_within: Vec<f64>,
    /// The chance of ever winning.
    pub win_eventually: f64,
    /// The median close date (`YYYY-MM-DD`), `None` when more than ten
    /// years away.
    pub expected_close: Option<String>,
}

impl LeadOutlook {
    /// The lead's value of one chance, when the model has it.
    pub fn chance(&self, c: Chance) -> Option<f64> {
        match c {
            Chance::WinEventually => Some(self.win_eventually),
            Chance::WinWithin(h) => self
                .horizons_days
                .iter()
                .position(|&x| x == h)
                .map(|i| self.win_within[i]),
        }
    }
}

/// One of a time model's chances, by its output column's name:
/// `win_within_<H>d` or `win_eventually`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chance {
    /// The chance of ever winning.
    WinEventually,
    /// The chance of winning within this many days.
    WinWithin(u32),
}

impl Chance {
    /// Reads `win_eventually` or `win_within_<H>d` (`H` a whole number of
    /// days above 0); `None` for anything else.
    pub fn parse(name: &str) -> Option<Chance> {
        let name = name.trim();
        if name == "win_eventually" {
            return Some(Chance::WinEventually);
        }
        let days = name.strip_prefix("win_within_")?.strip_suffix('d')?;
        if days.is_empty() || !days.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        days.parse().ok().filter(|&d| d > 0).map(Chance::WinWithin)
    }

    /// The output column's name.
    pub fn name(&self) -> String {
        match self {
            Chance::WinEventually => "win_eventually".into(),
            Chance::WinWithin(h) => Timing::horizon_column(*h),
        }
    }

    /// Whether a time model gives this chance (a horizon it was trained
    /// for, or the chance of ever winning).
    pub fn given_by(&self, t: &Timing) -> bool {
        match self {
            Chance::WinEventually => true,
            Chance::WinWithin(h) => t.horizons_days.contains(h),
        }
    }
}

impl std::fmt::Display for Chance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for Chance {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// Seconds since 1970 of a scoring date in the one date grammar; `None`
/// means now.
pub(crate) fn scoring_date(as_of: Option<&str>) -> Result<i64> {
    let text = as_of.map_or_else(now_rfc3339, str::to_string);
    parse_timestamp(&text).ok_or_else(|| Error::InvalidParameter {
        name: "as_of".into(),
        value: text,
        reason: format!("not a date or date-time ({DATE_GRAMMAR})"),
    })
}

impl Model {
    /// The time model, when the model learned when deals close
    /// ([`crate::ModelParams::created`]).
    pub fn timing(&self) -> Option<&Timing> {
        self.timing.as_ref()
    }

    /// This model, scoring as of `date` (the one date grammar) instead of
    /// now: every score, explanation and qualification of a model with a
    /// time to close then gives each lead's chances as of that date. A
    /// model of closed deals alone scores the same whatever the date. The
    /// date is not part of the model file or its fingerprint.
    ///
    /// ```
    /// use leadscore::{synthetic, Model};
    /// let deals = synthetic::pipeline(3_000, 5, "2025-06-30").unwrap().table;
    /// let model = Model::params().target("stage").positive(["Won"]).negative(["Lost"])
    ///     .open(["Open"]).created("created_at").closed("closed_at")
    ///     .as_of_date("2025-06-30").id("deal_id").ignore(["deal_value"]).l2(3.0)
    ///     .fit(&deals).unwrap();
    /// let then = model.as_of("2025-06-30").unwrap();
    /// let later = model.as_of("2025-09-30").unwrap();
    /// let a = then.score(&deals).unwrap().probability;
    /// assert_eq!(a, model.score_as_of(&deals, "2025-06-30").unwrap().probability);
    /// // Leads three months older have other chances (those already deep
    /// // in the baseline's last stretch keep theirs).
    /// assert_ne!(a, later.score(&deals).unwrap().probability);
    /// assert_eq!(then.fingerprint(), model.fingerprint());
    /// ```
    pub fn as_of(&self, date: &str) -> Result<Model> {
        let at = scoring_date(Some(date))?;
        let mut m = self.clone();
        m.scoring_at = Some(at);
        Ok(m)
    }

    /// Seconds since 1970 of the scoring date: `as_of` when given, else
    /// the date set by [`Model::as_of`], else now.
    pub(crate) fn scoring_time(&self, as_of: Option<&str>) -> Result<i64> {
        match (as_of, self.scoring_at) {
            (None, Some(t)) => Ok(t),
            (d, _) => scoring_date(d),
        }
    }

    /// Scores leads as of a scoring date (the one date grammar): as
    /// [`Model::score`], and for a model with a time to close each lead's
    /// chances within the horizons, of ever winning (also its
    /// `probability`) and its median close date, given it has been open
    /// since its created date. A lead without a created date, or created
    /// after the scoring date, is an error naming row, column and value.
    pub fn score_as_of(&self, leads: &Table, as_of: &str) -> Result<Scores> {
        self.score_at(leads, scoring_date(Some(as_of))?)
    }

    /// [`Model::score_as_of`] at `at` (seconds since 1970).
    pub(crate) fn score_at(&self, leads: &Table, at: i64) -> Result<Scores> {
        let (slots, unseen) = self.slots(leads)?;
        let activity = self.activity(leads)?;
        let mut scores = self.scores_of(leads, &slots, &activity, unseen);
        if self.timing.is_some() {
            let logits = self.logits(&slots, &activity, leads.n_rows());
            let (t, errors) = self.outlooks_checked(leads, &slots, &logits, at)?;
            crate::error::fail_on_rows(errors)?;
            scores.set_timing(t);
        }
        Ok(scores)
    }

    /// For a model with a time to close: the outlook of every lead at
    /// `at` (seconds since 1970), and every bad created cell (such a row
    /// gets the outlook of a lead created at `at` and must not be used).
    pub(crate) fn outlooks_checked(
        &self,
        leads: &Table,
        slots: &[Vec<u32>],
        logits: &[f64],
        at: i64,
    ) -> Result<(TimingScores, Vec<RowError>)> {
        let Some(t) = &self.timing else {
            return Err(Error::Internal {
                what: "outlooks of a model without a time model".into(),
            });
        };
        let created = leads.require(&t.created)?;
        let n = leads.n_rows();
        let mut errors = Vec::new();
        let mut out = TimingScores {
            horizons_days: t.horizons_days.clone(),
            win_within: vec![Vec::with_capacity(n); t.horizons_days.len()],
            win_eventually: Vec::with_capacity(n),
            expected_close: Vec::with_capacity(n),
        };
        for r in 0..n {
            let text = created.text(r);
            let since = match text.as_deref().map(str::trim) {
                None | Some("") => Err("the date the lead was created is missing".to_string()),
                Some(s) => match parse_timestamp(s) {
                    None => Err(format!("not a date or date-time ({DATE_GRAMMAR})")),
                    Some(c) if c > at => Err(format!(
                        "created after the scoring date ({})",
                        crate::util::time::format_timestamp(at)
                    )),
                    Some(c) => Ok(c),
                },
            };
            let age = match since {
                Ok(c) => (at - c) as f64 / 86_400.0,
                Err(reason) => {
                    errors.push(RowError {
                        row: leads.first_row() + r,
                        column: t.created.clone(),
                        value: text.map(|s| s.into_owned()).unwrap_or_default(),
                        reason,
                    });
                    0.0
                }
            };
            let lost = t.lost_log_odds(slots.iter().map(|s| s[r] as usize));
            let o = t.outlook(logits[r], lost, age);
            for (v, p) in out.win_within.iter_mut().zip(o.win_within) {
                v.push(p);
            }
            out.win_eventually.push(o.win_eventually);
            out.expected_close.push(
                o.median_days_to_close.map(|d| {
                    date_from_days(((at as f64 + d * 86_400.0) / 86_400.0).floor() as i64)
                }),
            );
        }
        Ok((out, errors))
    }
}

impl Scores {
    /// Adds a time model's outlooks; `probability` becomes the chance of
    /// ever winning.
    pub(crate) fn set_timing(&mut self, t: TimingScores) {
        self.probability.clone_from(&t.win_eventually);
        self.timing = Some(t);
    }
}
