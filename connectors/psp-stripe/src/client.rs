//! Stripe over HTTP: its error answers as the contract's errors, the search by BEEP!'s
//! payment id and the creation of a payment (a decline is an answer, not an error).

use crate::config::StripeConfig;
use crate::mapping::{
    Capture, cancel_idempotency_key, capture_idempotency_key, payment_from,
    payment_idempotency_key, search_query, to_stripe_amount,
};
use crate::model::*;
use beep_sdk::error::not_found;
use beep_sdk::http::segment;
use beep_sdk::prelude::*;

// ---- the call's log ---------------------------------------------------------------------

/// Notes Stripe's `Request-Id` in the call's log (what Stripe's support asks for, read
/// back per payment through the API), and whether Stripe replayed an earlier answer.
pub(crate) fn noted(resp: Response, what: &str) -> Response {
    if let Some(id) = resp.header("request-id") {
        let replayed = if resp.header("idempotent-replayed").is_some() {
            " (replayed by Stripe)"
        } else {
            ""
        };
        beep_sdk::log::info(&format!(
            "Stripe {what}: request {id} answered {}{replayed}",
            resp.status
        ));
    }
    resp
}

// ---- errors -------------------------------------------------------------------------------

/// Stripe's own words for a failed request: the error's message, with its code when it
/// has one (`No such PaymentMethod: 'pm_x' (resource_missing)`).
fn error_message(resp: &Response) -> Option<String> {
    let body: StripeErrorBody = resp.json().ok()?;
    let message = body.error.message.unwrap_or_default();
    Some(match body.error.code {
        Some(code) if resp.status != 401 => format!("{message} ({code})"),
        _ => message,
    })
}

pub(crate) fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(error_message)
}

// ---- operations ---------------------------------------------------------------------------

pub(crate) fn search_by_payment_id(
    cfg: &StripeConfig,
    payment_id: &str,
) -> Result<Payment, ConnectorError> {
    let resp = cfg
        .get("/v1/payment_intents/search")
        .query(&[
            ("query", search_query(payment_id).as_str()),
            ("limit", "10"),
        ])
        .send()?;
    let result: SearchResult = check(resp)?.json()?;
    // With the idempotency key there is one intent per BEEP! payment; should there be
    // more, a succeeded one wins, else the newest (Stripe lists newest first).
    let mut data = result.data;
    let pick = data
        .iter()
        .position(|pi| pi.status == StripeStatus::Succeeded)
        .unwrap_or(0);
    if data.is_empty() {
        return Err(not_found(format!(
            "no Stripe PaymentIntent has metadata beep_payment_id={payment_id}"
        )));
    }
    Ok(payment_from(data.swap_remove(pick), None))
}

pub(crate) fn create_payment_intent(
    cfg: &StripeConfig,
    request: &PaymentRequest,
    capture: Capture,
) -> Result<Payment, ConnectorError> {
    let body = beep_sdk::form::to_pairs(&PaymentIntentRequest::from_request(request, capture)?)?;
    let resp = cfg
        .post(
            "/v1/payment_intents",
            &body,
            &payment_idempotency_key(&request.id),
        )
        .send()?;
    let resp = noted(resp, "create payment");
    // A decline is an answer, not a connector error: 402 card_error carries the
    // intent (now `requires_payment_method`).
    if resp.status == 402
        && let Ok(StripeErrorBody { mut error }) = resp.json::<StripeErrorBody>()
    {
        return match error.payment_intent.take() {
            Some(pi) => Ok(payment_from(*pi, Some(&error))),
            None => search_by_payment_id(cfg, &request.id).map(|mut p| {
                p.status = PaymentStatus::Failed;
                p.failure_code = error.decline_code.or(error.code);
                p.failure_message = error.message;
                p
            }),
        };
    }
    let pi: StripePaymentIntent = check(resp)?.json()?;
    Ok(payment_from(pi, None))
}

/// Captures a `requires_capture` intent; Stripe releases what is not captured.
pub(crate) fn capture_intent(
    cfg: &StripeConfig,
    request: &CaptureRequest,
) -> Result<Payment, ConnectorError> {
    let body = CaptureBody {
        amount_to_capture: to_stripe_amount(&request.amount)?,
    };
    let key = capture_idempotency_key(&request.id);
    end_hold(
        cfg,
        &request.payment_provider_reference,
        "capture",
        &body,
        &key,
    )
}

/// Cancels an uncaptured intent, releasing the hold.
pub(crate) fn cancel_intent(
    cfg: &StripeConfig,
    request: &CancelRequest,
) -> Result<Payment, ConnectorError> {
    let body = CancelBody {
        cancellation_reason: "abandoned",
    };
    let key = cancel_idempotency_key(&request.id);
    end_hold(
        cfg,
        &request.payment_provider_reference,
        "cancel",
        &body,
        &key,
    )
}

/// `POST /v1/payment_intents/{intent}/{action}` (capture or cancel) and the intent after.
fn end_hold<T: serde::Serialize>(
    cfg: &StripeConfig,
    intent: &str,
    action: &str,
    body: &T,
    idempotency_key: &str,
) -> Result<Payment, ConnectorError> {
    let form = beep_sdk::form::to_pairs(body)?;
    let path = format!("/v1/payment_intents/{}/{action}", segment(intent));
    let resp = cfg.post(&path, &form, idempotency_key).send()?;
    let resp = noted(resp, action);
    let pi: StripePaymentIntent = check(resp)?.json()?;
    Ok(payment_from(pi, None))
}
