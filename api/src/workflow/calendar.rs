//! Working days under a program's calendar: Monday to Friday, less its holidays, plus the
//! weekend days it declares working days in exchange.

use chrono::{Datelike, NaiveDate, Weekday};
use entities::CalendarDayKind;
use std::collections::HashMap;

/// A program's calendar exceptions.
#[derive(Debug, Default, Clone)]
pub struct WorkCalendar {
    exceptions: HashMap<NaiveDate, CalendarDayKind>,
}

impl WorkCalendar {
    /// A calendar with the given exceptions.
    pub fn new(exceptions: impl IntoIterator<Item = (NaiveDate, CalendarDayKind)>) -> Self {
        WorkCalendar {
            exceptions: exceptions.into_iter().collect(),
        }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.exceptions.get(&day) {
            Some(CalendarDayKind::Holiday) => false,
            Some(CalendarDayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The last day of a notice of `working_days` that starts on `start`: the start counts
    /// when it is a working day, otherwise the notice begins on the next one.
    pub fn notice_end(&self, start: NaiveDate, working_days: u32) -> NaiveDate {
        let mut day = start;
        let mut counted = 0;
        loop {
            if self.is_working_day(day) {
                counted += 1;
                if counted >= working_days.max(1) {
                    return day;
                }
            }
            day = day.succ_opt().unwrap_or(day);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    /// The 2023 Mid-Autumn and National Day break: 29 Sep to 6 Oct off, Sat 7 and Sun 8 Oct
    /// worked in exchange.
    fn national_day_2023() -> WorkCalendar {
        let mut ex: Vec<_> = (29..=30)
            .map(|n| (d(&format!("2023-09-{n}")), CalendarDayKind::Holiday))
            .collect();
        ex.extend((1..=6).map(|n| (d(&format!("2023-10-0{n}")), CalendarDayKind::Holiday)));
        ex.push((d("2023-10-07"), CalendarDayKind::Workday));
        ex.push((d("2023-10-08"), CalendarDayKind::Workday));
        WorkCalendar::new(ex)
    }

    #[test]
    fn five_working_days_from_a_monday_end_on_friday() {
        assert_eq!(
            WorkCalendar::default().notice_end(d("2023-11-20"), 5),
            d("2023-11-24")
        );
    }

    #[test]
    fn weekends_are_skipped() {
        assert_eq!(
            WorkCalendar::default().notice_end(d("2023-11-22"), 5),
            d("2023-11-28")
        );
        assert_eq!(
            WorkCalendar::default().notice_end(d("2023-11-25"), 1),
            d("2023-11-27")
        );
    }

    #[test]
    fn holidays_are_skipped_and_make_up_weekend_days_count() {
        let cal = national_day_2023();
        // Thu 28 Sep, then Sat 7 and Sun 8 Oct (make-up days), Mon 9 and Tue 10 Oct.
        assert_eq!(cal.notice_end(d("2023-09-28"), 5), d("2023-10-10"));
        assert!(!cal.is_working_day(d("2023-10-02")));
        assert!(cal.is_working_day(d("2023-10-07")));
    }
}
