//! Whether a region is on track for a target: its latest actual value against the straight
//! path from the target's baseline to the value set for the next target year.

use entities::Direction;
use rust_decimal::Decimal;

/// A target's path: where it starts (baseline year and value, when the plan gives one) and
/// the values it sets by year.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub direction: Direction,
    pub baseline: Option<(i32, Decimal)>,
    /// Values by year, any order.
    pub values: Vec<(i32, Decimal)>,
}

impl Path {
    /// The value the path expects in `year`: on the straight line from the previous point
    /// (the baseline or the previous target year) to the next target year; the last value
    /// after the last target year. `None` before the first target year when there is no
    /// baseline to start the line from.
    pub fn expected(&self, year: i32) -> Option<Decimal> {
        let mut points: Vec<(i32, Decimal)> = self.values.clone();
        points.sort_by_key(|(y, _)| *y);
        let (&(last_year, last_value), _) = points.split_last()?;
        if year >= last_year {
            return Some(last_value);
        }
        let next = points.iter().position(|(y, _)| *y >= year)?;
        let (to_year, to_value) = points[next];
        if to_year == year {
            return Some(to_value);
        }
        let (from_year, from_value) = match next {
            0 => self.baseline.filter(|(y, _)| *y < to_year)?,
            i => points[i - 1],
        };
        if year <= from_year {
            return Some(from_value);
        }
        let span = Decimal::from(to_year - from_year);
        let done = Decimal::from(year - from_year);
        Some(
            (from_value + (to_value - from_value) * done / span)
                .round_dp(4)
                .normalize(),
        )
    }

    /// Whether `actual` in `year` is at or beyond the path's expectation, in the target's
    /// direction; `None` when the path expects nothing yet.
    pub fn on_track(&self, year: i32, actual: Decimal) -> Option<bool> {
        let expected = self.expected(year)?;
        Some(match self.direction {
            Direction::Increase => actual >= expected,
            Direction::Decrease => actual <= expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    /// Dezhou: energy use per unit of GDP down more than 16 % on 2020 by 2025.
    fn intensity() -> Path {
        Path {
            direction: Direction::Increase,
            baseline: Some((2020, dec("0"))),
            values: vec![(2025, dec("16"))],
        }
    }

    #[test]
    fn the_path_is_a_straight_line_from_the_baseline() {
        let p = intensity();
        assert_eq!(p.expected(2020), Some(dec("0")));
        assert_eq!(p.expected(2023), Some(dec("9.6")));
        assert_eq!(p.expected(2025), Some(dec("16")));
        assert_eq!(p.expected(2027), Some(dec("16")));
        assert_eq!(p.on_track(2023, dec("9.6")), Some(true));
        assert_eq!(p.on_track(2023, dec("9.5")), Some(false));
    }

    #[test]
    fn between_target_years_the_line_runs_from_one_target_to_the_next() {
        // Non-fossil share: about 13 % by 2025, about 18 % by 2030, no baseline given.
        let p = Path {
            direction: Direction::Increase,
            baseline: None,
            values: vec![(2030, dec("18")), (2025, dec("13"))],
        };
        assert_eq!(
            p.expected(2024),
            None,
            "no line before the first target year"
        );
        assert_eq!(p.on_track(2024, dec("12")), None);
        assert_eq!(p.expected(2025), Some(dec("13")));
        assert_eq!(p.expected(2027), Some(dec("15")));
        assert_eq!(p.on_track(2027, dec("14.9")), Some(false));
    }

    #[test]
    fn a_decreasing_target_is_met_at_or_below_the_line() {
        // Coal use of power units: about 295 g/kWh by 2025, from 305 in 2020 (illustrative).
        let p = Path {
            direction: Direction::Decrease,
            baseline: Some((2020, dec("305"))),
            values: vec![(2025, dec("295"))],
        };
        assert_eq!(p.expected(2022), Some(dec("301")));
        assert_eq!(p.on_track(2022, dec("301")), Some(true));
        assert_eq!(p.on_track(2022, dec("301.5")), Some(false));
        assert_eq!(
            Path {
                values: vec![],
                ..p
            }
            .expected(2022),
            None
        );
    }
}
