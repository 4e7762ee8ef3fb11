//! Idempotency keys: replaying saved answers and guarding keys in flight.

use super::errors::Outcome;
use super::{IDEMPOTENCY_TTL, StripeSim};
use axum::http::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

pub(super) struct IdemEntry {
    endpoint: String,
    fingerprint: String,
    created: Instant,
    /// `None` while the first request is still executing.
    answer: Option<(StatusCode, Value, String)>,
}

pub(super) enum IdemBegin {
    Fresh,
    Replay(StatusCode, Value, String),
    InFlight,
    Mismatch(String),
}

impl StripeSim {
    pub(super) fn idem_begin(
        &self,
        api_key: &str,
        key: &str,
        endpoint: &str,
        fingerprint: &str,
    ) -> IdemBegin {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        if let Some(e) = st.idempotency.get(&slot)
            && e.created.elapsed() < IDEMPOTENCY_TTL
        {
            if e.endpoint != endpoint {
                return IdemBegin::Mismatch(format!(
                    "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{}' vs '{}'). Try using a key other than '{key}' if you meant to execute a different request.",
                    e.endpoint, endpoint
                ));
            }
            if e.fingerprint != fingerprint {
                return IdemBegin::Mismatch(format!(
                    "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                ));
            }
            return match &e.answer {
                None => IdemBegin::InFlight,
                Some((s, b, r)) => IdemBegin::Replay(*s, b.clone(), r.clone()),
            };
        }
        st.idempotency.insert(
            slot,
            IdemEntry {
                endpoint: endpoint.to_string(),
                fingerprint: fingerprint.to_string(),
                created: Instant::now(),
                answer: None,
            },
        );
        IdemBegin::Fresh
    }

    pub(super) fn idem_finish(&self, api_key: &str, key: &str, outcome: Option<(&Outcome, &str)>) {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        match outcome {
            Some((o, request_id)) if o.save => {
                if let Some(e) = st.idempotency.get_mut(&slot) {
                    e.answer = Some((o.status, o.body.clone(), request_id.to_string()));
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
    pub(super) sim: Arc<StripeSim>,
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
