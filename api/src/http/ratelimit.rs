//! Rate limiting: a token bucket per token subject (authenticated budget) and per client
//! address (anonymous budget, which also pays for failed authentication). A refused request
//! is told when to retry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per minute for one key; the bucket holds a minute's worth.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub per_minute: u32,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Who is being counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A verified token's `sub`.
    Subject(String),
    /// A client address, for requests without a valid token.
    Address(String),
}

/// Buckets for every key seen recently.
#[derive(Debug)]
pub struct RateLimiter {
    authenticated: Budget,
    anonymous: Budget,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

/// Buckets idle this long are full again and may be forgotten.
const IDLE: Duration = Duration::from_secs(120);
/// Above this many keys, idle buckets are swept.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    /// A limiter with the two budgets.
    pub fn new(authenticated: Budget, anonymous: Budget) -> Self {
        RateLimiter {
            authenticated,
            anonymous,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// A limiter with the configured budgets.
    pub fn from_limits(limits: &crate::config::Limits) -> Self {
        Self::new(
            Budget {
                per_minute: limits.rate_per_minute,
            },
            Budget {
                per_minute: limits.anonymous_rate_per_minute,
            },
        )
    }

    /// Takes one token for `key` at `now`; `Err(seconds)` to wait when none is left.
    pub fn check_at(&self, key: Key, now: Instant) -> Result<(), u64> {
        let budget = match key {
            Key::Subject(_) => self.authenticated,
            Key::Address(_) => self.anonymous,
        };
        let capacity = f64::from(budget.per_minute.max(1));
        let rate = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| now.duration_since(b.last) < IDLE);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    /// Takes one token for `key` now.
    pub fn check(&self, key: Key) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_refills_at_its_rate() {
        let limiter = RateLimiter::new(Budget { per_minute: 60 }, Budget { per_minute: 2 });
        let t0 = Instant::now();
        let anon = || Key::Address("10.0.0.1".into());
        assert!(limiter.check_at(anon(), t0).is_ok());
        assert!(limiter.check_at(anon(), t0).is_ok());
        assert_eq!(
            limiter.check_at(anon(), t0),
            Err(30),
            "2 per minute: the next token in 30 s"
        );
        assert!(
            limiter
                .check_at(anon(), t0 + Duration::from_secs(30))
                .is_ok()
        );
        assert!(
            limiter.check_at(Key::Subject("u".into()), t0).is_ok(),
            "budgets are separate"
        );
    }
}
