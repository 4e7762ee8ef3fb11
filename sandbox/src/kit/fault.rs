//! The one fault mechanism of the simulators. A test arms a [`Fault`] (through a
//! vendor's `POST /_sim/fail`, or [`crate::Sandbox::interrupt`] for any vendor) and the
//! simulator takes it at the point it names: before a request is handled, or after a
//! write was stored (the answer is lost, the write is not). What a fault answers is the
//! vendor's own error body; when and how often it fires is decided here.

use axum::http::{Method, StatusCode};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// One armed fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub status: StatusCode,
    /// How many requests it answers.
    pub times: u32,
    /// Requests handled normally first: an outage in the middle of a run.
    pub skip: u32,
    /// Fires after the write is stored instead of before the request.
    pub after_write: bool,
    /// Only requests with this method (`POST`), when set.
    pub method: Option<String>,
    /// Only requests whose path and query contain this, when set.
    pub path: Option<String>,
    /// A `Retry-After` to send, when the vendor sends one for this status.
    pub retry_after: Option<u32>,
}

/// Where a simulator asks for its fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    BeforeRequest,
    AfterWrite,
}

impl Fault {
    /// `status` for the next `times` requests, before they are handled.
    pub fn new(status: StatusCode, times: u32) -> Fault {
        Fault {
            status,
            times,
            skip: 0,
            after_write: false,
            method: None,
            path: None,
            retry_after: None,
        }
    }

    /// Reads a `/_sim/fail` body: `{"status", "times"?: 1, "after"?, "afterWrite"?,
    /// "method"?, "path"?, "retryAfter"?}`. `after` is a count of requests to skip, or
    /// (as some simulators documented it first) `true` for after the write.
    pub fn parse(body: &[u8]) -> Result<Fault, String> {
        let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
        let status = v["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .filter(|s| s.is_client_error() || s.is_server_error())
            .ok_or("status must be 400..=599")?;
        let count = |key: &str, default: u32| -> Result<u32, String> {
            match &v[key] {
                Value::Null => Ok(default),
                n => n
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or(format!("{key} must be a count")),
            }
        };
        let text = |key: &str| v[key].as_str().map(str::to_string);
        let (skip, after_true) = match &v["after"] {
            Value::Bool(b) => (0, *b),
            _ => (count("after", 0)?, false),
        };
        Ok(Fault {
            status,
            times: count("times", 1)?,
            skip,
            after_write: after_true || v["afterWrite"].as_bool().unwrap_or(false),
            method: text("method"),
            path: text("path"),
            retry_after: match &v["retryAfter"] {
                Value::Null => None,
                _ => Some(count("retryAfter", 0)?),
            },
        })
    }

    fn applies(&self, stage: Stage, method: &Method, target: &str) -> bool {
        (self.after_write == (stage == Stage::AfterWrite))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self.path.as_deref().is_none_or(|p| target.contains(p))
    }
}

/// A simulator's armed fault, if any (kept inside the simulator's own state lock).
#[derive(Debug, Default)]
pub struct FaultSlot(Option<Fault>);

impl FaultSlot {
    /// Arms `fault`, replacing any other; `times: 0` disarms.
    pub fn arm(&mut self, fault: Fault) {
        self.0 = (fault.times > 0).then_some(fault);
    }

    pub fn clear(&mut self) {
        self.0 = None;
    }

    /// The fault due at `stage` for this request (`target` is its path and query), if
    /// any; a request the fault skips or answers is counted.
    pub fn take(&mut self, stage: Stage, method: &Method, target: &str) -> Option<Fault> {
        let fault = self.0.as_mut()?;
        if !fault.applies(stage, method, target) {
            return None;
        }
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        let taken = fault.clone();
        fault.times -= 1;
        if fault.times == 0 {
            self.0 = None;
        }
        Some(taken)
    }

    /// The next fault for this request whatever its stage, for simulators that take it
    /// once up front and apply it before or after their write (`fault.after_write`).
    pub fn next(&mut self, method: &Method, target: &str) -> Option<Fault> {
        let stage = match &self.0 {
            Some(f) if f.after_write => Stage::AfterWrite,
            _ => Stage::BeforeRequest,
        };
        self.take(stage, method, target)
    }

    /// Like [`FaultSlot::take`] for a fault that names no method or path.
    pub fn take_at(&mut self, stage: Stage) -> Option<Fault> {
        self.take(stage, &Method::GET, "")
    }
}

/// A simulator's `POST /_sim/fail`: arms the fault `body` describes (400 when it does not
/// parse) and answers what was armed.
pub fn arm(slot: &mut FaultSlot, body: &[u8]) -> axum::response::Response {
    use axum::response::IntoResponse;
    match Fault::parse(body) {
        Ok(fault) => {
            let armed = serde_json::json!({
                "status": fault.status.as_u16(), "times": fault.times, "skip": fault.skip,
                "after": fault.after_write, "afterWrite": fault.after_write,
                "method": fault.method, "path": fault.path, "retryAfter": fault.retry_after,
            });
            slot.arm(fault);
            axum::Json(armed).into_response()
        }
        Err(why) => (StatusCode::BAD_REQUEST, why).into_response(),
    }
}

/// A fault slot shared with a router layer: how [`crate::Sandbox::interrupt`] arms an
/// outage on any simulator, answered by the recording layer before the vendor sees it.
pub type Outage = Arc<Mutex<FaultSlot>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_times_after_skipping() {
        let mut slot = FaultSlot::default();
        slot.arm(Fault::parse(br#"{"status":503,"times":2,"after":1}"#).unwrap());
        let at = |slot: &mut FaultSlot| slot.take(Stage::BeforeRequest, &Method::GET, "/x");
        assert_eq!(at(&mut slot), None, "skipped");
        assert_eq!(
            at(&mut slot).unwrap().status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(at(&mut slot).is_some());
        assert_eq!(at(&mut slot), None, "spent");
    }

    #[test]
    fn stage_method_and_path_select_requests() {
        let mut slot = FaultSlot::default();
        slot.arm(
            Fault::parse(br#"{"status":500,"after":true,"method":"post","path":"/refunds"}"#)
                .unwrap(),
        );
        assert_eq!(
            slot.take(Stage::BeforeRequest, &Method::POST, "/refunds"),
            None
        );
        assert_eq!(slot.take(Stage::AfterWrite, &Method::GET, "/refunds"), None);
        assert_eq!(
            slot.take(Stage::AfterWrite, &Method::POST, "/payments"),
            None
        );
        assert!(
            slot.take(Stage::AfterWrite, &Method::POST, "/v1/refunds?x")
                .is_some()
        );
    }

    #[test]
    fn bodies_are_checked() {
        assert!(Fault::parse(br#"{"status":200}"#).is_err());
        assert!(Fault::parse(br#"{"status":503,"times":-1}"#).is_err());
        assert!(Fault::parse(b"nope").is_err());
        let f = Fault::parse(br#"{"status":429,"retryAfter":3,"afterWrite":true}"#).unwrap();
        assert_eq!((f.times, f.retry_after, f.after_write), (1, Some(3), true));
        let mut slot = FaultSlot::default();
        slot.arm(Fault::parse(br#"{"status":503,"times":0}"#).unwrap());
        assert_eq!(slot.take_at(Stage::BeforeRequest), None, "times 0 disarms");
    }
}
