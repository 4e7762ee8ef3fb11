//! Idempotency keys: replaying stored answers and guarding keys in flight.

use super::errors::Outcome;
use super::{AdyenSim, IDEMPOTENCY_TTL};
use axum::http::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

pub(super) struct IdemEntry {
    fingerprint: String,
    created: Instant,
    /// `None` while the first request is still executing.
    answer: Option<(StatusCode, Value)>,
}

pub(super) enum IdemBegin {
    Fresh,
    Replay(StatusCode, Value),
    InFlight,
    Mismatch,
}

impl AdyenSim {
    pub(super) fn idem_begin(&self, key: &str, fingerprint: &str) -> IdemBegin {
        let mut st = self.lock();
        if let Some(e) = st.idempotency.get(key)
            && e.created.elapsed() < IDEMPOTENCY_TTL
        {
            if e.fingerprint != fingerprint {
                return IdemBegin::Mismatch;
            }
            return match &e.answer {
                None => IdemBegin::InFlight,
                Some((s, b)) => IdemBegin::Replay(*s, b.clone()),
            };
        }
        st.idempotency.insert(
            key.to_string(),
            IdemEntry {
                fingerprint: fingerprint.to_string(),
                created: Instant::now(),
                answer: None,
            },
        );
        IdemBegin::Fresh
    }

    pub(super) fn idem_finish(&self, key: &str, outcome: Option<&Outcome>) {
        let mut st = self.lock();
        match outcome {
            Some(o) if o.status.is_success() => {
                if let Some(e) = st.idempotency.get_mut(key) {
                    e.answer = Some((o.status, o.body.clone()));
                }
            }
            _ => {
                if st.idempotency.get(key).is_some_and(|e| e.answer.is_none()) {
                    st.idempotency.remove(key);
                }
            }
        }
    }
}

/// Frees an in-flight idempotency key if the request is dropped before it finishes.
pub(super) struct IdemGuard {
    pub(super) sim: Arc<AdyenSim>,
    pub(super) key: String,
    pub(super) finished: bool,
}

impl Drop for IdemGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.sim.idem_finish(&self.key, None);
        }
    }
}
