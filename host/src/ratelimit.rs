//! Request limits (governor's GCRA), in memory. A replica limits what it serves; with
//! several replicas the effective limit is the sum.
//!
//! Two limiters, so that no caller can grow them without bound:
//! - per API key, for keys that authenticated (one bucket per real key);
//! - per client address, for attempts with well-formed keys that do not exist: past
//!   its burst, an address is refused (429) before the database is asked again.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed at once after a quiet spell.
    pub burst: f64,
}

/// Webhook notifications one client address may send: a burst of 100, then 20/s.
const WEBHOOKS_PER_ADDRESS: Limit = Limit {
    per_second: 20.0,
    burst: 100.0,
};

/// Webhook notifications one store may receive: a burst of 100, then 20/s (each may
/// run its connector and re-fetch from the vendor with the merchant's key).
const WEBHOOKS_PER_STORE: Limit = Limit {
    per_second: 20.0,
    burst: 100.0,
};

/// Unknown keys an address may try: a burst of 20, then one a second.
const UNKNOWN_KEYS: Limit = Limit {
    per_second: 1.0,
    burst: 20.0,
};

fn quota(limit: Limit) -> Quota {
    let burst = NonZeroU32::new(limit.burst.max(1.0) as u32).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs_f64(1.0 / limit.per_second.max(1e-3));
    Quota::with_period(period)
        .expect("a positive period")
        .allow_burst(burst)
}

pub struct Limiter {
    keys: DefaultKeyedRateLimiter<String>,
    unknown: DefaultKeyedRateLimiter<IpAddr>,
    /// Webhooks, per client address (checked first) and per existing store.
    webhook_addresses: DefaultKeyedRateLimiter<IpAddr>,
    webhook_stores: DefaultKeyedRateLimiter<String>,
    /// Addresses refused until then (only those that ran out: bounded by attackers).
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    clock: DefaultClock,
}

/// Seconds until a request would be allowed (at least 1).
fn retry_after(wait: Duration) -> u32 {
    wait.as_secs_f64().ceil().max(1.0) as u32
}

impl Limiter {
    pub fn new(limit: Limit) -> Limiter {
        Limiter {
            keys: RateLimiter::keyed(quota(limit)),
            unknown: RateLimiter::keyed(quota(UNKNOWN_KEYS)),
            webhook_addresses: RateLimiter::keyed(quota(WEBHOOKS_PER_ADDRESS)),
            webhook_stores: RateLimiter::keyed(quota(WEBHOOKS_PER_STORE)),
            blocked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request for an authenticated key (by its hash); when the key is over
    /// its limit, the seconds until it is not.
    pub fn check(&self, key_hash: &str) -> Result<(), u32> {
        self.shrink();
        self.take(&self.keys, &key_hash.to_string())
    }

    /// One cell of `key`'s bucket in `limiter`, or the seconds until there is one.
    fn take<K>(&self, limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), u32>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        limiter
            .check_key(key)
            .map_err(|not_until| retry_after(not_until.wait_time_from(self.clock.now())))
    }

    /// One webhook from `address`; when it sends too many, the seconds to wait.
    pub fn webhook_from(&self, address: IpAddr) -> Result<(), u32> {
        self.shrink();
        self.take(&self.webhook_addresses, &address)
    }

    /// One webhook for an existing store (never keyed by an unchecked path segment).
    pub fn webhook_for(&self, store_id: &str) -> Result<(), u32> {
        self.take(&self.webhook_stores, &store_id.to_string())
    }

    /// While `address` is refused for trying too many unknown keys: the seconds left.
    pub fn address_blocked(&self, address: IpAddr) -> Option<u32> {
        let now = Instant::now();
        let blocked = self.blocked.lock().unwrap();
        blocked
            .get(&address)
            .filter(|until| **until > now)
            .map(|until| retry_after(*until - now))
    }

    /// Counts an attempt with a key that does not exist against its address; past the
    /// address's burst it is refused until its bucket has a cell again.
    pub fn unknown_key(&self, address: IpAddr) {
        if let Err(not_until) = self.unknown.check_key(&address) {
            let wait = not_until.wait_time_from(self.clock.now());
            let mut blocked = self.blocked.lock().unwrap();
            if blocked.len() > 10_000 {
                let now = Instant::now();
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(address, Instant::now() + wait);
        }
        self.shrink();
    }

    /// How many buckets are held (for tests: bounded by real keys and addresses).
    pub fn tracked(&self) -> usize {
        self.keys.len() + self.unknown.len() + self.blocked.lock().unwrap().len()
    }

    /// Forgets buckets that are full again, now and then.
    fn shrink(&self) {
        if self.keys.len() + self.unknown.len() + self.webhook_addresses.len() > 10_000 {
            self.keys.retain_recent();
            self.unknown.retain_recent();
            self.webhook_addresses.retain_recent();
            self.webhook_stores.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_limits_per_key() {
        let l = Limiter::new(Limit {
            per_second: 1.0,
            burst: 3.0,
        });
        assert!(l.check("a").is_ok());
        assert!(l.check("a").is_ok());
        assert!(l.check("a").is_ok());
        assert_eq!(l.check("a"), Err(1));
        assert!(l.check("b").is_ok(), "keys are independent");
    }

    #[test]
    fn unknown_keys_block_their_address_only() {
        let l = Limiter::new(Limit {
            per_second: 100.0,
            burst: 100.0,
        });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let mut allowed = 0;
        for _ in 0..100 {
            if l.address_blocked(a).is_none() {
                allowed += 1;
                l.unknown_key(a);
            }
        }
        // The burst, and the attempt that found it spent.
        assert!(allowed <= UNKNOWN_KEYS.burst as usize + 1, "{allowed}");
        assert!(l.address_blocked(a).is_some());
        assert!(l.address_blocked(b).is_none());
    }
}
