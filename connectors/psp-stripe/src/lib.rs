//! Stripe PSP connector: a translation table between the BEEP! contract and Stripe's
//! PaymentIntents / Refunds API (API version 2023-08-16, the version of
//! `vendor-specs/stripe.spec3.yaml`; pinned with the `Stripe-Version` header).
//!
//! - Config, request building (form bodies with bracket nesting), response parsing
//!   (serde structs of Stripe's objects) and status mapping are plain functions,
//!   unit-tested natively.
//! - Idempotency keys derive from BEEP!'s own ids (`beep-payment-{id}`,
//!   `beep-refund-{id}`): a retry after a timeout replays Stripe's stored answer instead
//!   of charging twice.
//! - Payouts are listed with the balance transactions each paid out (`payouts`).

mod client;
mod config;
mod mapping;
mod model;
mod payouts;
#[cfg(test)]
mod tests;

pub use config::*;
pub use mapping::*;
pub use model::*;

use beep_sdk::error::{internal, invalid_config, unauthorized};
use beep_sdk::http::segment;
use beep_sdk::prelude::*;
use client::{
    cancel_intent, capture_intent, check, create_payment_intent, noted, search_by_payment_id,
};

/// Stripe's libraries reject signatures older than five minutes.
const WEBHOOK_TOLERANCE_SECS: u64 = 300;

/// The connector (its trait impls are the component's exports).
pub struct Stripe;

// ---- describe -----------------------------------------------------------------------------

beep_sdk::describe!(psp Stripe {
    name: "stripe",
    systems: ["stripe"],
    hosts: [DEFAULT_BASE_URL],
    schema: CONFIG_SCHEMA,
});

// ---- operations ---------------------------------------------------------------------------

impl beep_sdk::psp::Psp for Stripe {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = StripeConfig::parse(&config)?;
        check(cfg.get("/v1/balance").send()?)?;
        Ok(())
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = StripeConfig::parse(&config)?;
        create_payment_intent(&cfg, &request, Capture::Automatic)
    }

    fn authorize_payment(
        config: String,
        request: PaymentRequest,
    ) -> Result<Payment, ConnectorError> {
        let cfg = StripeConfig::parse(&config)?;
        create_payment_intent(&cfg, &request, Capture::Manual)
    }

    fn capture_payment(config: String, request: CaptureRequest) -> Result<Payment, ConnectorError> {
        capture_intent(&StripeConfig::parse(&config)?, &request)
    }

    fn cancel_payment(config: String, request: CancelRequest) -> Result<Payment, ConnectorError> {
        cancel_intent(&StripeConfig::parse(&config)?, &request)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = StripeConfig::parse(&config)?;
        match lookup
            .provider_reference
            .as_deref()
            .filter(|r| !r.is_empty())
        {
            Some(reference) => {
                let path = format!("/v1/payment_intents/{}", segment(reference));
                let pi: StripePaymentIntent = check(cfg.get(&path).send()?)?.json()?;
                Ok(payment_from(pi, None))
            }
            // After a timeout that left no reference. Stripe's search index lags writes
            // (usually under a minute): a miss right after a timeout is not proof that
            // nothing was charged; retrying create-payment (same idempotency key) is.
            None => search_by_payment_id(&cfg, &lookup.payment_id),
        }
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = StripeConfig::parse(&config)?;
        let body = beep_sdk::form::to_pairs(&RefundRequestBody::from_request(&request)?)?;
        let resp = cfg
            .post("/v1/refunds", &body, &refund_idempotency_key(&request.id))
            .send()?;
        let refund: StripeRefund = check(noted(resp, "refund"))?.json()?;
        Ok(refund_from(refund))
    }

    fn fetch_payouts(
        config: String,
        cursor: Option<String>,
    ) -> Result<PayoutsPage, ConnectorError> {
        payouts::fetch(&StripeConfig::parse(&config)?, cursor.as_deref())
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = StripeConfig::parse(&config)?;
        let secret = cfg
            .webhook_secret
            .as_deref()
            .ok_or_else(|| invalid_config("webhookSecret is not configured"))?;
        let header = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("stripe-signature"))
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| unauthorized("invalid webhook signature"))?;
        verify_signature(
            secret,
            header,
            &request.body,
            request.received_at,
            WEBHOOK_TOLERANCE_SECS,
        )?;
        let event: StripeEvent = serde_json::from_slice(&request.body)
            .map_err(|e| internal(format!("webhook body: {e}")))?;
        webhook_event_from(event)
    }
}

beep_sdk::export_psp!(Stripe);
