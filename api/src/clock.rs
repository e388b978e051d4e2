//! "Now", from a clock the tests control, so windows and notice periods can be tested on their
//! exact boundaries. Times are kept to the microsecond, the precision both databases store.

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use std::sync::{Arc, Mutex};

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
}

fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
