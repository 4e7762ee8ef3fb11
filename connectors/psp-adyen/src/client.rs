//! Adyen over HTTP: its error answers as the contract's errors, and the refund request.

use crate::config::AdyenConfig;
use crate::mapping::{
    cancel_idempotency_key, capture_idempotency_key, held, modified, payment_from,
    payment_idempotency_key, refund_from, refund_idempotency_key,
};
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

/// `manual`: authorise only; Adyen's answer is then a hold (`authorized`).
pub(crate) fn create_payment(
    cfg: &AdyenConfig,
    request: &PaymentRequest,
    manual: bool,
) -> Result<Payment, ConnectorError> {
    let body = PaymentRequestBody::new(cfg, request, manual)?;
    let key = payment_idempotency_key(&request.id);
    let resp = check(cfg.post("/payments", &body, Some(&key))?.send()?)?;
    let answer: AdyenPaymentResponse = resp.json()?;
    let payment = payment_from(answer, &request.amount, &request.id);
    Ok(if manual { held(payment) } else { payment })
}

pub(crate) fn capture_payment(
    cfg: &AdyenConfig,
    request: &CaptureRequest,
) -> Result<Payment, ConnectorError> {
    let body = CaptureRequestBody::new(cfg, request)?;
    let reference = &request.payment_provider_reference;
    let path = format!("/payments/{}/captures", segment(reference));
    let key = capture_idempotency_key(&request.id);
    let resp = check(cfg.post(&path, &body, Some(&key))?.send()?)?;
    let answer: AdyenModificationResponse = resp.json()?;
    Ok(modified(
        answer,
        reference,
        &request.authorized,
        Some(&request.amount),
    ))
}

pub(crate) fn cancel_payment(
    cfg: &AdyenConfig,
    request: &CancelRequest,
) -> Result<Payment, ConnectorError> {
    let body = CancelRequestBody {
        merchant_account: cfg.merchant_account.clone(),
        reference: request.id.clone(),
    };
    let reference = &request.payment_provider_reference;
    let path = format!("/payments/{}/cancels", segment(reference));
    let key = cancel_idempotency_key(&request.id);
    let resp = check(cfg.post(&path, &body, Some(&key))?.send()?)?;
    let answer: AdyenModificationResponse = resp.json()?;
    Ok(modified(answer, reference, &request.authorized, None))
}
