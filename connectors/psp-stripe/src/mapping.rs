//! BEEP! ⇄ Stripe: amounts (Stripe's currency exponents), request bodies, idempotency
//! keys, statuses, payments, refunds and webhook events, and webhook signatures.

use crate::model::*;
use beep_sdk::error::{internal, invalid_config, unauthorized, unsupported};
use beep_sdk::prelude::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;

// ---- amounts ------------------------------------------------------------------------------

/// Stripe's zero-decimal currencies (docs.stripe.com/currencies#zero-decimal). They differ
/// from ISO 4217 for MGA (ISO: 2 decimals).
const STRIPE_ZERO_DECIMAL: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];
const STRIPE_THREE_DECIMAL: &[&str] = &["BHD", "JOD", "KWD", "OMR", "TND"];

/// The exponent of Stripe's `amount` for a currency. ISK is two-decimal at Stripe for
/// backwards compatibility (ISO: 0), so 5 ISK is `amount=500`.
fn stripe_exponent(currency: &str) -> u32 {
    let code = currency.to_ascii_uppercase();
    if STRIPE_ZERO_DECIMAL.contains(&code.as_str()) {
        0
    } else if STRIPE_THREE_DECIMAL.contains(&code.as_str()) {
        3
    } else {
        2
    }
}

/// BEEP! minor units (ISO exponent) → Stripe's `amount`. Identical except for ISK (×100)
/// and MGA (÷100, whole ariary only).
pub fn to_stripe_amount(money: &Money) -> Result<i64, ConnectorError> {
    let iso = beep_sdk::money::exponent(&money.currency)
        .ok_or_else(|| invalid_config(format!("unknown currency {:?}", money.currency)))?
        as u32;
    let stripe = stripe_exponent(&money.currency);
    if stripe >= iso {
        money
            .amount
            .checked_mul(10i64.pow(stripe - iso))
            .ok_or_else(|| unsupported("amount too large for Stripe"))
    } else {
        let factor = 10i64.pow(iso - stripe);
        if money.amount % factor != 0 {
            return Err(unsupported(format!(
                "Stripe takes {} in whole units only",
                money.currency
            )));
        }
        Ok(money.amount / factor)
    }
}

/// Stripe's `amount` and `currency` (lower case) → BEEP! money.
pub fn from_stripe_amount(amount: i64, currency: &str) -> Money {
    let code = currency.to_ascii_uppercase();
    let stripe = stripe_exponent(&code);
    let minor = match beep_sdk::money::exponent(&code).map(u32::from) {
        Some(iso) if stripe > iso => amount / 10i64.pow(stripe - iso),
        Some(iso) if stripe < iso => amount.saturating_mul(10i64.pow(iso - stripe)),
        _ => amount,
    };
    Money {
        amount: minor,
        currency: code,
    }
}

// ---- requests -----------------------------------------------------------------------------

/// Whether a new intent captures at once or only authorises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    Automatic,
    Manual,
}

impl<'a> PaymentIntentRequest<'a> {
    pub fn from_request(req: &'a PaymentRequest, capture: Capture) -> Result<Self, ConnectorError> {
        let return_url = req.return_url.as_deref().filter(|u| !u.is_empty());
        Ok(PaymentIntentRequest {
            amount: to_stripe_amount(&req.amount)?,
            currency: req.amount.currency.to_ascii_lowercase(),
            payment_method: &req.payment_method,
            confirm: true,
            capture_method: (capture == Capture::Manual).then_some("manual"),
            metadata: [
                ("beep_payment_id", req.id.as_str()),
                ("beep_reference", req.reference.as_str()),
            ]
            .into_iter()
            .collect(),
            description: req.description.as_deref().filter(|d| !d.is_empty()),
            return_url,
            automatic_payment_methods: return_url.is_none().then_some(AutomaticPaymentMethods {
                enabled: true,
                allow_redirects: "never",
            }),
        })
    }
}

impl<'a> RefundRequestBody<'a> {
    pub fn from_request(req: &'a RefundRequest) -> Result<Self, ConnectorError> {
        let mut metadata = BTreeMap::new();
        metadata.insert("beep_refund_id", req.id.clone());
        let text = req
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(text) = text {
            // Stripe metadata values hold at most 500 characters.
            metadata.insert("beep_reason", text.chars().take(500).collect());
        }
        let reason =
            text.and_then(
                |t| match t.to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
                    "duplicate" => Some("duplicate"),
                    "fraudulent" => Some("fraudulent"),
                    "requested_by_customer" => Some("requested_by_customer"),
                    _ => None,
                },
            );
        Ok(RefundRequestBody {
            payment_intent: &req.payment_provider_reference,
            amount: to_stripe_amount(&req.amount)?,
            reason,
            metadata,
        })
    }
}

pub fn payment_idempotency_key(payment_id: &str) -> String {
    format!("beep-payment-{payment_id}")
}

pub fn capture_idempotency_key(capture_id: &str) -> String {
    format!("beep-capture-{capture_id}")
}

pub fn cancel_idempotency_key(cancel_id: &str) -> String {
    format!("beep-cancel-{cancel_id}")
}

pub fn refund_idempotency_key(refund_id: &str) -> String {
    format!("beep-refund-{refund_id}")
}

/// `metadata['beep_payment_id']:'…'` in Stripe's search query language.
pub fn search_query(payment_id: &str) -> String {
    let escaped = payment_id.replace('\\', "\\\\").replace('\'', "\\'");
    format!("metadata['beep_payment_id']:'{escaped}'")
}

// ---- statuses -----------------------------------------------------------------------------

impl From<StripeStatus> for PaymentStatus {
    fn from(s: StripeStatus) -> Self {
        match s {
            StripeStatus::Succeeded => PaymentStatus::Succeeded,
            StripeStatus::RequiresCapture => PaymentStatus::Authorized,
            StripeStatus::RequiresAction => PaymentStatus::RequiresAction,
            StripeStatus::Processing => PaymentStatus::Pending,
            StripeStatus::RequiresConfirmation => PaymentStatus::Pending,
            // BEEP! always confirms on creation: an intent back at
            // `requires_payment_method` is a failed attempt (declined or failed 3DS).
            StripeStatus::RequiresPaymentMethod => PaymentStatus::Failed,
            StripeStatus::Canceled => PaymentStatus::Canceled,
            StripeStatus::Unknown => PaymentStatus::Pending,
        }
    }
}

impl From<StripeRefundStatus> for RefundStatus {
    fn from(s: StripeRefundStatus) -> Self {
        match s {
            StripeRefundStatus::Succeeded => RefundStatus::Succeeded,
            StripeRefundStatus::Failed | StripeRefundStatus::Canceled => RefundStatus::Failed,
            StripeRefundStatus::Pending
            | StripeRefundStatus::RequiresAction
            | StripeRefundStatus::Unknown => RefundStatus::Pending,
        }
    }
}

// ---- mapping ------------------------------------------------------------------------------

/// A PaymentIntent as a BEEP! payment. `failure` (the error of a declined confirmation)
/// takes precedence over the intent's `last_payment_error`.
pub fn payment_from(pi: StripePaymentIntent, failure: Option<&StripeError>) -> Payment {
    let status = PaymentStatus::from(pi.status);
    let failure = failure.or(pi.last_payment_error.as_ref());
    let (failure_code, failure_message) = match (status, failure) {
        (PaymentStatus::Failed | PaymentStatus::Canceled, Some(e)) => (
            e.decline_code.clone().or_else(|| e.code.clone()),
            e.message.clone(),
        ),
        _ => (None, None),
    };
    let action_url = match status {
        PaymentStatus::RequiresAction => pi
            .next_action
            .as_ref()
            .and_then(|a| a.redirect_to_url.as_ref())
            .and_then(|r| r.url.clone()),
        _ => None,
    };
    Payment {
        amount: from_stripe_amount(pi.amount, &pi.currency),
        captured: Some(from_stripe_amount(pi.amount_received, &pi.currency)),
        provider_reference: pi.id,
        status,
        failure_code,
        failure_message,
        action_url,
    }
}

pub fn refund_from(r: StripeRefund) -> Refund {
    Refund {
        amount: from_stripe_amount(r.amount, &r.currency),
        provider_reference: r.id,
        payment_provider_reference: r.payment_intent,
        status: r.status.map_or(RefundStatus::Pending, RefundStatus::from),
        failure_message: r.failure_reason,
    }
}

/// A charge (the object of `charge.*` events) as the payment it belongs to.
pub fn payment_from_charge(c: StripeCharge) -> Payment {
    let status = match c.status.as_str() {
        "succeeded" if c.captured => PaymentStatus::Succeeded,
        "succeeded" => PaymentStatus::Authorized,
        "failed" => PaymentStatus::Failed,
        _ => PaymentStatus::Pending,
    };
    Payment {
        amount: from_stripe_amount(c.amount, &c.currency),
        captured: Some(from_stripe_amount(c.amount_captured, &c.currency)),
        provider_reference: c.payment_intent.unwrap_or(c.id),
        status,
        failure_code: c.failure_code,
        failure_message: c.failure_message,
        action_url: None,
    }
}

/// A verified event as BEEP!'s webhook event. Events without a payment or refund (or
/// of types BEEP! does not use) come back with neither, so the host acknowledges them.
pub fn webhook_event_from(event: StripeEvent) -> Result<WebhookEvent, ConnectorError> {
    let object = event.data.object;
    let parse = |what: &str| internal(format!("webhook {what} in {}", event.kind));
    if event.kind.starts_with("charge.dispute.") {
        let d: StripeDispute = serde_json::from_value(object).map_err(|e| parse(&e.to_string()))?;
        return Ok(WebhookEvent {
            id: event.id,
            event_type: event.kind,
            payment: None,
            refund: None,
            dispute: Some(dispute_from(d)),
            payout: None,
        });
    }
    let (payment, refund) = match event.kind.as_str() {
        k if k.starts_with("payment_intent.") => {
            let pi: StripePaymentIntent =
                serde_json::from_value(object).map_err(|e| parse(&e.to_string()))?;
            (Some(payment_from(pi, None)), None)
        }
        "charge.refunded" | "charge.succeeded" | "charge.failed" | "charge.captured" => {
            let c: StripeCharge =
                serde_json::from_value(object).map_err(|e| parse(&e.to_string()))?;
            (Some(payment_from_charge(c)), None)
        }
        "charge.refund.updated" | "refund.created" | "refund.updated" | "refund.failed" => {
            let r: StripeRefund =
                serde_json::from_value(object).map_err(|e| parse(&e.to_string()))?;
            (None, Some(refund_from(r)))
        }
        _ => (None, None),
    };
    Ok(WebhookEvent {
        id: event.id,
        event_type: event.kind,
        payment,
        refund,
        dispute: None,
        payout: None,
    })
}

impl From<StripeDisputeStatus> for DisputeStatus {
    fn from(s: StripeDisputeStatus) -> Self {
        match s {
            // An inquiry: no money has moved; closed, it is over for the merchant.
            StripeDisputeStatus::WarningNeedsResponse | StripeDisputeStatus::WarningUnderReview => {
                DisputeStatus::Warning
            }
            StripeDisputeStatus::WarningClosed | StripeDisputeStatus::Won => DisputeStatus::Won,
            StripeDisputeStatus::NeedsResponse => DisputeStatus::NeedsResponse,
            StripeDisputeStatus::UnderReview | StripeDisputeStatus::Unknown => {
                DisputeStatus::UnderReview
            }
            StripeDisputeStatus::Lost => DisputeStatus::Lost,
        }
    }
}

/// A Stripe dispute as BEEP!'s: on the payment intent BEEP! knows (the charge for a
/// charge made without one).
pub fn dispute_from(d: StripeDispute) -> Dispute {
    Dispute {
        provider_reference: d.id,
        payment_provider_reference: d.payment_intent.unwrap_or(d.charge),
        status: DisputeStatus::from(d.status),
        amount: from_stripe_amount(d.amount, &d.currency),
        reason: d.reason,
        respond_by: d
            .evidence_details
            .and_then(|e| e.due_by)
            .and_then(beep_sdk::time::rfc3339),
    }
}

// ---- webhook signatures -------------------------------------------------------------------

/// Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`): one `v1` must be the
/// HMAC-SHA256 (hex) of `"{t}.{payload}"` keyed with the endpoint secret (compared in
/// constant time), and `t` within `tolerance` seconds of `now`.
pub fn verify_signature(
    secret: &str,
    header: &str,
    payload: &[u8],
    now: u64,
    tolerance: u64,
) -> Result<(), ConnectorError> {
    let bad = || unauthorized("invalid webhook signature");
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.trim().parse::<u64>().ok(),
            Some(("v1", v)) => signatures.push(v.trim()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(bad)?;
    if signatures.is_empty() {
        return Err(bad());
    }
    if now.abs_diff(timestamp) > tolerance {
        return Err(unauthorized(
            "webhook signature timestamp outside the tolerance",
        ));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| invalid_config("webhookSecret"))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    let valid = signatures
        .iter()
        .any(|sig| hex::decode(sig).is_ok_and(|bytes| mac.clone().verify_slice(&bytes).is_ok()));
    if valid { Ok(()) } else { Err(bad()) }
}
