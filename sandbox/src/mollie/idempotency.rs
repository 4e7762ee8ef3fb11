//! Idempotency keys: replaying stored answers and guarding keys in flight.

use super::errors::Outcome;
use super::{IDEMPOTENCY_TTL, MollieSim};
use axum::http::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

pub(super) struct IdemEntry {
    endpoint: String,
    body: Value,
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

impl MollieSim {
    pub(super) fn idem_begin(
        &self,
        api_key: &str,
        key: &str,
        endpoint: &str,
        body: &Value,
    ) -> IdemBegin {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        if let Some(e) = st.idempotency.get(&slot)
            && e.created.elapsed() < IDEMPOTENCY_TTL
        {
            if e.endpoint != endpoint || e.body != *body {
                return IdemBegin::Mismatch;
            }
            return match &e.answer {
                None => IdemBegin::InFlight,
                Some((s, b)) => IdemBegin::Replay(*s, b.clone()),
            };
        }
        st.idempotency.insert(
            slot,
            IdemEntry {
                endpoint: endpoint.to_string(),
                body: body.clone(),
                created: Instant::now(),
                answer: None,
            },
        );
        IdemBegin::Fresh
    }

    /// Stores the answer of a request that took effect, or frees the key.
    pub(super) fn idem_finish(&self, api_key: &str, key: &str, outcome: Option<&Outcome>) {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        match outcome {
            Some(o) if o.status.is_success() => {
                if let Some(e) = st.idempotency.get_mut(&slot) {
                    e.answer = Some((o.status, o.body.clone()));
                }
            }
            _ => {
                if st
                    .idempotency
                    .get(&slot)
                    .is_some_and(|e| e.answer.is_none())
                {
                    st.idempotency.remove(&slot);
                }
            }
        }
    }
}

/// Frees an in-flight idempotency key if the request is dropped before it finishes.
pub(super) struct IdemGuard {
    pub(super) sim: Arc<MollieSim>,
    pub(super) api_key: String,
    pub(super) key: String,
    pub(super) finished: bool,
}

impl Drop for IdemGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.sim.idem_finish(&self.api_key, &self.key, None);
        }
    }
}
