//! Per-caller rate limiting, costed like the complexity of what is asked: a token bucket per
//! caller (its token's subject, or its address when anonymous).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Buckets kept before full (idle) ones are dropped.
const MAX_BUCKETS: usize = 10_000;

/// What the limiter decided for one operation, also returned in response headers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    /// The bucket's size: the most one caller may spend at once.
    pub limit: u64,
    /// What is left after this operation.
    pub remaining: u64,
    /// What this operation cost.
    pub cost: u64,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
    /// Seconds until this operation could run (when refused).
    pub retry_after_secs: u64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by caller.
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Operations refused so far (for the metrics).
    rejections: AtomicU64,
}

impl RateLimiter {
    /// A limiter refilling `per_sec` points a second up to `burst`; `None` when `per_sec` is 0
    /// (limiting off).
    pub fn new(per_sec: u64, burst: u64) -> Option<Self> {
        (per_sec > 0).then(|| Self {
            per_sec: per_sec as f64,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
            rejections: AtomicU64::new(0),
        })
    }

    /// Charges `cost` to `caller` now.
    pub fn charge(&self, caller: &str, cost: u64) -> Decision {
        let decision = self.charge_at(caller, cost, Instant::now());
        if !decision.allowed {
            self.rejections.fetch_add(1, Ordering::Relaxed);
        }
        decision
    }

    /// How many operations were refused since the server started.
    pub fn rejections(&self) -> u64 {
        self.rejections.load(Ordering::Relaxed)
    }

    fn charge_at(&self, caller: &str, cost: u64, now: Instant) -> Decision {
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_BUCKETS {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < burst);
        }
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket { tokens: self.burst, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_sec).min(self.burst);
        bucket.at = now;
        let cost_f = cost as f64;
        let allowed = cost_f <= bucket.tokens;
        if allowed {
            bucket.tokens -= cost_f;
        }
        let missing = (cost_f.min(self.burst) - bucket.tokens).max(0.0);
        Decision {
            allowed,
            limit: self.burst as u64,
            remaining: bucket.tokens.floor() as u64,
            cost,
            reset_secs: ((self.burst - bucket.tokens) / self.per_sec).ceil() as u64,
            retry_after_secs: if allowed { 0 } else { (missing / self.per_sec).ceil().max(1.0) as u64 },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_empties_and_refills() {
        let limiter = RateLimiter::new(100, 1_000).expect("on");
        let t0 = Instant::now();
        let d = limiter.charge_at("alice", 600, t0);
        assert!(d.allowed);
        assert_eq!(d.remaining, 400);
        let d = limiter.charge_at("alice", 600, t0);
        assert!(!d.allowed, "not enough left");
        assert_eq!(d.retry_after_secs, 2, "200 missing at 100 a second");
        assert!(limiter.charge_at("bob", 600, t0).allowed, "callers have their own buckets");
        assert!(limiter.charge_at("alice", 600, t0 + Duration::from_secs(2)).allowed, "refilled");
    }

    #[test]
    fn zero_turns_limiting_off() {
        assert!(RateLimiter::new(0, 1_000).is_none());
    }
}
