//! The cost model behind `MAX_COMPLEXITY`: a query costs about as many rows and fields as it can
//! return. A scalar field costs 1. A connection multiplies what each of its nodes selects by its
//! `first` or `last` (20 when neither is given), so nested connections multiply. A list without
//! paging (a pilot's plans, an indicator's actuals, statistics groups) multiplies by
//! [`LIST_ESTIMATE`]. A query over the ceiling is refused before anything runs.

use crate::paging::{DEFAULT_PAGE, MAX_PAGE};

/// The rows an unpaged list is assumed to hold.
pub const LIST_ESTIMATE: usize = 10;

/// The cost of a connection whose nodes cost `child` each.
pub fn connection(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let rows = first
        .or(last)
        .map_or(DEFAULT_PAGE, |n| n.clamp(0, MAX_PAGE as i32) as u64) as usize;
    1usize.saturating_add(rows.saturating_mul(child))
}

/// The cost of an unpaged list whose items cost `child` each.
pub fn list(child: usize) -> usize {
    1usize.saturating_add(LIST_ESTIMATE.saturating_mul(child))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_connections_multiply() {
        // pilots(first: 100) { history(first: 100) { 5 fields } }
        let history = connection(Some(100), None, 5);
        assert_eq!(history, 501);
        assert_eq!(connection(Some(100), None, history), 50_101);
        assert_eq!(connection(None, None, 3), 61, "20 rows by default");
        assert_eq!(connection(None, Some(5), 3), 16);
        assert_eq!(list(4), 41);
    }
}
