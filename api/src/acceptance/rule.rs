//! The acceptance rule: PASS iff every CONSTRAINT indicator is met, and the REFERENCE
//! indicators met are at least `ratio` of all REFERENCE indicators and at least `min_count`.

use entities::IndicatorCategory;
use rust_decimal::Decimal;

/// The numbers behind a verdict, stored with the acceptance record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub constraint_met: i32,
    pub constraint_total: i32,
    pub reference_met: i32,
    pub reference_total: i32,
    pub required_ratio: Decimal,
    pub required_min_count: i32,
    pub passes: bool,
}

/// Applies the rule to `(category, met)` pairs with exact arithmetic.
pub fn evaluate(
    indicators: impl IntoIterator<Item = (IndicatorCategory, bool)>,
    required_ratio: Decimal,
    required_min_count: i32,
) -> Verdict {
    let (mut cm, mut ct, mut rm, mut rt) = (0, 0, 0, 0);
    for (category, met) in indicators {
        match category {
            IndicatorCategory::Constraint => {
                ct += 1;
                cm += i32::from(met);
            }
            IndicatorCategory::Reference => {
                rt += 1;
                rm += i32::from(met);
            }
        }
    }
    let passes = cm == ct
        && Decimal::from(rm) >= required_ratio * Decimal::from(rt)
        && rm >= required_min_count;
    Verdict {
        constraint_met: cm,
        constraint_total: ct,
        reference_met: rm,
        reference_total: rt,
        required_ratio,
        required_min_count,
        passes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IndicatorCategory::{Constraint, Reference};
    use rust_decimal::dec;

    fn set(
        constraints: (usize, usize),
        references: (usize, usize),
    ) -> Vec<(IndicatorCategory, bool)> {
        let mut v = Vec::new();
        v.extend((0..constraints.1).map(|i| (Constraint, i < constraints.0)));
        v.extend((0..references.1).map(|i| (Reference, i < references.0)));
        v
    }

    #[test]
    fn shandong_park_with_8_of_11_passes() {
        let v = evaluate(set((3, 3), (8, 11)), dec!(0.70), 8);
        assert!(v.passes);
        assert_eq!((v.reference_met, v.reference_total), (8, 11));
    }

    #[test]
    fn exactly_seventy_percent_passes_and_just_under_fails() {
        assert!(evaluate(set((1, 1), (7, 10)), dec!(0.70), 5).passes);
        assert!(!evaluate(set((1, 1), (6, 10)), dec!(0.70), 5).passes);
        // 69.99...%: 7 of 10.0001 is impossible in counts, so check 0.7 × 11 = 7.7 → 7 fails.
        assert!(!evaluate(set((1, 1), (7, 11)), dec!(0.70), 5).passes);
    }

    #[test]
    fn the_minimum_count_binds_even_at_full_ratio() {
        assert!(evaluate(set((1, 1), (5, 5)), dec!(0.70), 5).passes);
        assert!(!evaluate(set((1, 1), (4, 4)), dec!(0.70), 5).passes);
    }

    #[test]
    fn one_unmet_constraint_fails() {
        let v = evaluate(set((2, 3), (11, 11)), dec!(0.70), 8);
        assert!(!v.passes);
        assert_eq!((v.constraint_met, v.constraint_total), (2, 3));
    }
}
