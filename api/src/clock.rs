//! "Now", from a clock the tests control, so windows and notice periods can be tested on their
//! exact boundaries. Times are kept to the microsecond, the precision both databases store.

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use std::sync::{Arc, Mutex};

/// The day `month`/`day` of the year after `year`, when a year's report falls due (a day
/// that does not exist is never due).
pub fn due_next_year(year: i32, month: i32, day: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, month as u32, day as u32).unwrap_or(NaiveDate::MAX)
}

/// The calendar date in China (UTC+8) at an instant: windows, notices and deadlines are
/// Chinese calendar dates.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    // China keeps UTC+8 all year (no daylight saving).
    (t + TimeDelta::hours(8)).date_naive()
}

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, truncated to microseconds.
    fn now(&self) -> DateTime<Utc>;

    /// What an operator must know about a clock that is not the system's (shown on `/readyz`).
    fn sandbox_note(&self) -> Option<String> {
        None
    }
}

fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

/// A training or conformance clock: "now" is the RFC 3339 instant written in a file, read
/// again on every call, so an operator moves a sandbox through windows and notices by editing
/// one line. A file that cannot be read or parsed keeps the last good instant (with a warning).
/// Only the domain reads it: token lifetimes keep the real clock.
#[derive(Debug)]
pub struct FileClock {
    path: std::path::PathBuf,
    last: Mutex<DateTime<Utc>>,
}

impl FileClock {
    /// A clock reading `path`, which must already hold a valid instant.
    pub fn open(path: &std::path::Path) -> Result<Self, String> {
        let first = Self::read(path)?;
        Ok(FileClock {
            path: path.to_owned(),
            last: Mutex::new(first),
        })
    }

    fn read(path: &std::path::Path) -> Result<DateTime<Utc>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the clock file {}: {e}", path.display()))?;
        DateTime::parse_from_rfc3339(text.trim())
            .map(|t| to_micros(t.with_timezone(&Utc)))
            .map_err(|e| {
                format!(
                    "the clock file {} must hold one RFC 3339 instant such as 2024-03-01T10:00:00+08:00: {e}",
                    path.display()
                )
            })
    }
}

impl Clock for FileClock {
    fn now(&self) -> DateTime<Utc> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match Self::read(&self.path) {
            Ok(t) => *last = t,
            Err(e) => tracing::warn!(error = %e, kept = %*last, "sandbox clock file unreadable"),
        }
        *last
    }

    fn sandbox_note(&self) -> Option<String> {
        Some(format!(
            "SANDBOX: the domain clock is read from {} and stands at {}",
            self.path.display(),
            self.now().to_rfc3339()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_file_clock_reads_its_file_on_every_call_and_keeps_the_last_good_instant() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("now");
        assert!(FileClock::open(&path).is_err(), "no file, no clock");
        std::fs::write(&path, "yesterday").expect("write");
        assert!(FileClock::open(&path).is_err(), "not an instant");
        std::fs::write(&path, "2024-03-01T10:00:00+08:00\n").expect("write");
        let clock = FileClock::open(&path).expect("clock");
        assert_eq!(clock.now().to_rfc3339(), "2024-03-01T02:00:00+00:00");
        std::fs::write(&path, "2025-12-31T23:59:59Z").expect("write");
        assert_eq!(china_date(clock.now()).to_string(), "2026-01-01");
        std::fs::write(&path, "garbage").expect("write");
        assert_eq!(clock.now().to_rfc3339(), "2025-12-31T23:59:59+00:00");
        assert!(clock.sandbox_note().expect("note").contains("SANDBOX"));
        assert!(SystemClock.sandbox_note().is_none());
    }

    #[test]
    fn the_china_date_turns_at_16_00_utc() {
        let before = Utc
            .with_ymd_and_hms(2023, 10, 31, 15, 59, 59)
            .single()
            .expect("time");
        let after = Utc
            .with_ymd_and_hms(2023, 10, 31, 16, 0, 0)
            .single()
            .expect("time");
        assert_eq!(china_date(before).to_string(), "2023-10-31");
        assert_eq!(china_date(after).to_string(), "2023-11-01");
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_micros(Utc::now())
    }
}

/// A clock that stands still until it is set or advanced.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<DateTime<Utc>>>);

impl FixedClock {
    /// A clock showing `t`.
    pub fn at(t: DateTime<Utc>) -> Self {
        FixedClock(Arc::new(Mutex::new(to_micros(t))))
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = to_micros(t);
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: TimeDelta) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += d;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
