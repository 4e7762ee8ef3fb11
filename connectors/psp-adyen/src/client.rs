//! Adyen over HTTP: its error answers as the contract's errors, and the refund request.

use crate::config::AdyenConfig;
use crate::mapping::{refund_from, refund_idempotency_key};
use crate::model::*;
use beep_sdk::http::segment;
use beep_sdk::prelude::*;

// ---- errors -------------------------------------------------------------------------------

/// Adyen's answer to a failed request as the contract's error, with Adyen's own words
/// (`Invalid Merchant Account (901)`).
pub fn check(resp: Response) -> Result<Response, ConnectorError> {
    if resp.is_success() {
        return Ok(resp);
    }
    let err: Option<AdyenServiceError> = resp.json().ok();
    let message = err.as_ref().map(|e| {
        let message = e.message.clone().unwrap_or_default();
        match &e.error_code {
            Some(code) if resp.status != 401 && !code.is_empty() => format!("{message} ({code})"),
            _ => message,
        }
    });
    // A transient error (Adyen marks it `Transient-Error: true`; 704 "request already
    // processed or in progress" while the same Idempotency-Key is still executing) is
    // no answer yet: ask to retry later rather than report a refusal.
    let transient = resp
        .header("transient-error")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if transient {
        return Err(ConnectorError::RateLimited(Some(
            resp.retry_after().unwrap_or(1),
        )));
    }
    resp.error_for_status_with(|_| message)
}

// ---- operations ---------------------------------------------------------------------------

pub(crate) fn refund_payment(
    cfg: &AdyenConfig,
    request: &RefundRequest,
) -> Result<Refund, ConnectorError> {
    let body = RefundRequestBody::new(cfg, request)?;
    let path = format!(
        "/payments/{}/refunds",
        segment(&request.payment_provider_reference)
    );
    let key = refund_idempotency_key(&request.id);
    let resp = check(cfg.post(&path, &body, Some(&key))?.send()?)?;
    let answer: AdyenRefundResponse = resp.json()?;
    if answer.status.as_deref().is_some_and(|s| s != "received") {
        beep_sdk::log::warn(&format!(
            "unexpected refund status {:?} for {}",
            answer.status, answer.psp_reference
        ));
    }
    Ok(refund_from(answer, request))
}
