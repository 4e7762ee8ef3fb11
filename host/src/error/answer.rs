//! What a failure answers: `{"success":false,"error":{"code","message"}}` with the
//! fitting status (DESIGN.md §4). Kept beside `Failure` (not in `api`) because payments
//! store the answer of a refused key for idempotent replays.

use super::Failure;
use crate::runtime::bindings::types::ConnectorError;
use crate::runtime::{CallError, Exhausted};
use serde_json::Value;

/// Status and body of a failure (also stored for idempotent replays).
pub fn error_answer(failure: &Failure) -> (u16, Value) {
    let (status, code, message, sync_run_id) = describe(failure);
    let body = ErrorBody {
        success: false,
        error: ErrorDetail {
            code,
            message,
            sync_run_id,
        },
    };
    (
        status,
        serde_json::to_value(body).expect("errors serialize"),
    )
}

/// Every failure's body.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Always false.
    pub success: bool,
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// Stable, machine-readable (`unknown_store`, `vendor_unauthorized`, …).
    pub code: String,
    /// For people; never contains credentials.
    pub message: String,
    /// The sync run a failed sync recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_run_id: Option<String>,
}

fn describe(failure: &Failure) -> (u16, String, String, Option<String>) {
    match failure {
        Failure::Invalid { code, message } => (400, code.to_string(), message.clone(), None),
        Failure::TooMany { retry_after } => (
            429,
            "rate_limited".into(),
            format!("too many requests; retry in {retry_after} s"),
            None,
        ),
        Failure::Busy { limit } => (
            429,
            "too_many_calls".into(),
            format!("this merchant already runs {limit} connector calls at once; retry shortly"),
            None,
        ),
        Failure::TooLarge(message) => (413, "body_too_large".into(), message.clone(), None),
        Failure::Unauthenticated(message) => (401, "unauthorized".into(), message.clone(), None),
        Failure::NotFound { code, message } => (404, code.to_string(), message.clone(), None),
        Failure::Forbidden { code, message } => (403, code.to_string(), message.clone(), None),
        Failure::Conflict { code, message, .. } => (409, code.to_string(), message.clone(), None),
        Failure::Rejected { code, message } => (422, code.to_string(), message.clone(), None),
        Failure::Internal(e) => {
            tracing::error!("internal error: {e:#}");
            (
                500,
                "internal".into(),
                "internal error; it has been logged".into(),
                None,
            )
        }
        Failure::Call {
            connector,
            error,
            sync_run_id,
        } => {
            let (status, code, message) = call_status(connector, error);
            (status, code, message, sync_run_id.clone())
        }
    }
}

fn call_status(connector: &str, error: &CallError) -> (u16, String, String) {
    use ConnectorError as E;
    match error {
        CallError::Connector(e) => match e {
            E::Unauthorized(m) => (
                422,
                "vendor_unauthorized".into(),
                format!("{connector} rejected the credentials: {m}"),
            ),
            E::Forbidden(m) => (
                422,
                "vendor_forbidden".into(),
                format!("{connector} refused access: {m}"),
            ),
            E::InvalidConfig(m) => (422, "invalid_config".into(), format!("{connector}: {m}")),
            E::NotFound(m) => (
                422,
                "vendor_not_found".into(),
                format!("{connector} does not know it: {m}"),
            ),
            E::Unsupported(m) => (
                422,
                "unsupported".into(),
                format!("{connector} cannot do this: {m}"),
            ),
            E::UnsupportedCurrency(m) => (
                422,
                "unsupported_currency".into(),
                format!("{connector}: {m}"),
            ),
            E::AmountBelowMinimum(m) => (
                422,
                "amount_below_minimum".into(),
                format!("{connector}: {m}"),
            ),
            E::RateLimited(_) => (
                429,
                "rate_limited".into(),
                format!("{connector} is rate limiting; retry later"),
            ),
            E::Upstream(u) if u.status < 500 => (
                422,
                "vendor_rejected".into(),
                format!("{connector} answered {}: {}", u.status, u.message),
            ),
            E::Upstream(u) => (
                502,
                "vendor_error".into(),
                format!("{connector} answered {}: {}", u.status, u.message),
            ),
            E::Network(m) => (
                502,
                "vendor_unreachable".into(),
                format!("{connector} could not be reached: {m}"),
            ),
            E::Internal(m) => (
                502,
                "connector_error".into(),
                format!("{connector} failed: {m}"),
            ),
        },
        CallError::Budget(Exhausted::Deadline) => {
            (504, error.code().into(), format!("{connector}: {error}"))
        }
        CallError::Internal(_) => (500, "internal".into(), format!("{connector}: {error}")),
        _ => (502, error.code().into(), format!("{connector}: {error}")),
    }
}

/// The `Retry-After` a failure carries, in seconds.
pub fn retry_after(failure: &Failure) -> Option<u32> {
    match failure {
        Failure::Conflict { retry_after, .. } => *retry_after,
        Failure::TooMany { retry_after } => Some(*retry_after),
        Failure::Busy { .. } => Some(1),
        Failure::Call {
            error: CallError::Connector(ConnectorError::RateLimited(after)),
            ..
        } => Some(after.unwrap_or(1)),
        _ => None,
    }
}
