//! `/_sim/delay`: hold the next API requests for a while, either after the vendor acted
//! (the caller times out on a done payment) or while the idempotency key is in flight (a
//! concurrent retry meets the vendor's "in progress" answer).

use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Delay {
    pub ms: u64,
    #[serde(default = "one")]
    pub times: u32,
    /// `response` (default): execute, store, then hold the answer back. `processing`: hold
    /// the request while its idempotency key is in flight.
    #[serde(default)]
    pub stage: DelayStage,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DelayStage {
    #[default]
    Response,
    Processing,
}

fn one() -> u32 {
    1
}

/// A simulator's armed delay, if any (kept inside the simulator's own state lock).
#[derive(Debug, Default)]
pub struct DelaySlot(Option<Delay>);

impl DelaySlot {
    /// Arms `delay` (`times: 0` disarms) and answers what was armed.
    pub fn arm(&mut self, delay: Delay) -> Response {
        self.0 = (delay.times > 0).then_some(delay);
        axum::Json(json!({ "ms": delay.ms, "times": delay.times })).into_response()
    }

    /// The delay for this request, if one is armed; counts it.
    pub fn take(&mut self) -> Option<Delay> {
        let delay = self.0?;
        self.0 = (delay.times > 1).then_some(Delay {
            times: delay.times - 1,
            ..delay
        });
        Some(delay)
    }
}
