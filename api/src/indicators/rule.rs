//! When an indicator is met: its latest actual value has reached the target in the
//! indicator's direction. No actual yet means not met.

use entities::Direction;
use rust_decimal::Decimal;

/// Whether `latest` reaches `target` moving in `direction`.
pub fn is_met(direction: Direction, target: Decimal, latest: Option<Decimal>) -> bool {
    match (direction, latest) {
        (_, None) => false,
        (Direction::Decrease, Some(v)) => v <= target,
        (Direction::Increase, Some(v)) => v >= target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn a_decrease_target_is_met_at_or_below_it() {
        assert!(is_met(Direction::Decrease, dec!(-14.5), Some(dec!(-14.5))));
        assert!(is_met(Direction::Decrease, dec!(-14.5), Some(dec!(-16))));
        assert!(!is_met(Direction::Decrease, dec!(-14.5), Some(dec!(-14.4))));
    }

    #[test]
    fn an_increase_target_is_met_at_or_above_it() {
        assert!(is_met(Direction::Increase, dec!(20), Some(dec!(20.0))));
        assert!(!is_met(Direction::Increase, dec!(20), Some(dec!(19.99))));
    }

    #[test]
    fn nothing_reported_is_not_met() {
        assert!(!is_met(Direction::Increase, dec!(0), None));
    }
}
