//! The one date and time grammar of leadscore, on `jiff`'s calendar.
//!
//! Every date or date-time that leadscore reads (a time column for
//! cross-validation in time order, a policy's created-at column, the
//! leakage audit's date columns) is one of:
//!
//! - `YYYY-MM-DD`: midnight UTC of that day;
//! - `YYYY-MM-DDThh:mm`, `YYYY-MM-DDThh:mm:ss` or with fractional seconds
//!   (`T`, `t` or one space between date and time), followed by `Z` or an
//!   offset `±hh:mm`, or by nothing (then UTC);
//! - `M/D/YYYY` (month first, as US CRM exports write it), optionally
//!   followed by a space and `hh:mm` or `hh:mm:ss` (UTC).
//!
//! Month and day may have one or two digits; the date must exist (no
//! 30 February). Surrounding spaces are ignored. Times are written back as
//! RFC 3339 UTC, to the second.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
use jiff::Timestamp;

/// The grammar, in words, for error messages.
pub(crate) const DATE_GRAMMAR: &str =
    "YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss][Z|±hh:mm] or M/D/YYYY [hh:mm[:ss]]";

/// Seconds since 1970-01-01T00:00:00Z of a date or date-time in the grammar
/// of this module, `None` for anything else.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date_part, rest) = match t.find(['T', 't', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let us = date_part.contains('/');
    let date = if us {
        let mut it = date_part.split('/');
        let (m, d, y) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 {
            return None;
        }
        civil_date(y, m, d)?
    } else {
        let mut it = date_part.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 {
            return None;
        }
        civil_date(y, m, d)?
    };
    let (time, offset) = match rest {
        None => (Time::midnight(), Offset::UTC),
        Some(r) => {
            // M/D/YYYY takes a time after a space only, and no offset.
            if us && !t[date_part.len()..].starts_with(' ') {
                return None;
            }
            let (clock, offset) = split_offset(r)?;
            if us && offset.is_some() {
                return None;
            }
            (clock_time(clock)?, offset.unwrap_or(Offset::UTC))
        }
    };
    let ts = offset.to_timestamp(DateTime::from_parts(date, time)).ok()?;
    Some(ts.as_second())
}

fn digits(s: &str, max: usize) -> Option<i64> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn civil_date(y: &str, m: &str, d: &str) -> Option<Date> {
    let y = i16::try_from(digits(y, 4)?).ok()?;
    let m = i8::try_from(digits(m, 2)?).ok()?;
    let d = i8::try_from(digits(d, 2)?).ok()?;
    Date::new(y, m, d).ok()
}

/// `hh:mm[:ss[.fff]]` and what follows it: `Z`, `±hh:mm` or nothing.
fn split_offset(r: &str) -> Option<(&str, Option<Offset>)> {
    if let Some(clock) = r.strip_suffix(['Z', 'z']) {
        return Some((clock, Some(Offset::UTC)));
    }
    match r.rfind(['+', '-']) {
        Some(i) => {
            let (clock, off) = (&r[..i], &r[i..]);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let (h, m) = off[1..].split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m) = (digits(h, 2)?, digits(m, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = i32::try_from(sign * (h * 3600 + m * 60)).ok()?;
            Some((clock, Some(Offset::from_seconds(seconds).ok()?)))
        }
        None => Some((r, None)),
    }
}

fn clock_time(clock: &str) -> Option<Time> {
    let mut it = clock.split(':');
    let h = digits(it.next()?, 2)?;
    let m = digits(it.next()?, 2)?;
    let s = match it.next() {
        None => 0,
        Some(s) => {
            let whole = match s.split_once('.') {
                Some((w, frac)) => {
                    digits(frac, 9)?;
                    w
                }
                None => s,
            };
            if whole.len() != 2 {
                return None;
            }
            // A leap second reads as the last second of its minute.
            digits(whole, 2)?.min(59)
        }
    };
    if it.next().is_some() {
        return None;
    }
    Time::new(
        i8::try_from(h).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(s).ok()?,
        0,
    )
    .ok()
}

/// RFC 3339 UTC, to the second, of seconds since 1970-01-01T00:00:00Z.
pub(crate) fn format_timestamp(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => Offset::UTC
            .to_datetime(ts)
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        Err(_) => String::new(),
    }
}

/// The current time as RFC 3339 UTC, to the second.
pub(crate) fn now_rfc3339() -> String {
    format_timestamp(Timestamp::now().as_second())
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
pub(crate) fn date_from_days(days: i64) -> String {
    format_timestamp(days * 86_400)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_grammar_for_dates_and_times() {
        assert_eq!(parse_timestamp("1970-01-01"), Some(0));
        assert_eq!(parse_timestamp("2024-02-29"), Some(19_782 * 86_400));
        assert_eq!(parse_timestamp("2/29/2024"), Some(19_782 * 86_400));
        assert_eq!(parse_timestamp(" 2024-2-9 "), parse_timestamp("2/9/2024"));
        assert_eq!(parse_timestamp("2024-02-30"), None);
        assert_eq!(parse_timestamp("2023-02-29"), None);
        let t = |s| parse_timestamp(s).map(format_timestamp);
        assert_eq!(
            t("2024-03-01T10:30:00Z").as_deref(),
            Some("2024-03-01T10:30:00Z")
        );
        assert_eq!(
            t("2024-03-01T10:30:00+02:00").as_deref(),
            Some("2024-03-01T08:30:00Z")
        );
        assert_eq!(
            t("2024-03-01 10:30:00.250Z").as_deref(),
            Some("2024-03-01T10:30:00Z")
        );
        assert_eq!(
            t("2024-03-01T10:30").as_deref(),
            Some("2024-03-01T10:30:00Z")
        );
        assert_eq!(t("3/1/2024 10:30").as_deref(), Some("2024-03-01T10:30:00Z"));
        for bad in [
            "yesterday",
            "2024-03-01T25:00:00Z",
            "2024-03-01X",
            "24-03-01",
            "2024-03-01T10",
            "3/1/2024T10:30",
            "3/1/2024 10:30Z",
            "2024-03-01T10:30:00+2:00",
            "13/1/2024",
            "",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(date_from_days(19_782), "2024-02-29");
        assert_eq!(date_from_days(-1), "1969-12-31");
        assert_eq!(now_rfc3339().len(), 20);
    }
}
