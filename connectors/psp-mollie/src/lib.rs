//! Mollie PSP connector: a translation table between the BEEP! contract and Mollie's
//! Payments / Refunds API v2 (`vendor-specs/mollie.yaml`, mollie/openapi at cfbba47b87).
//!
//! - Config, request building (JSON bodies), response parsing (serde structs of Mollie's
//!   HAL objects) and status mapping are plain functions, unit-tested natively.
//! - Amounts are `{"currency": "EUR", "value": "10.00"}`: a major-unit string with the
//!   currency's exact ISO 4217 decimals (JPY `"1000"`, KWD `"1.000"`).
//! - Idempotency keys derive from BEEP!'s own ids (`beep-payment-{id}`,
//!   `beep-refund-{id}`): a retry after a timeout replays Mollie's stored answer
//!   (`Idempotent-Replayed: true`) instead of creating a second payment or refund.
//! - Webhooks carry only `id=tr_…`: `parse-webhook` verifies by fetching the payment with
//!   the merchant's key and reports its current state.
//! - The BEEP! `paymentMethod` token picks Mollie's method: `tkn_…` (a Mollie Components
//!   card token) is a card payment, `term_…` a point-of-sale terminal, `checkout` leaves
//!   the choice to the shopper on Mollie's hosted page, anything else is sent as `method`
//!   (`ideal`, `creditcard`, … and in Test Mode the simulator's `mollie_test_*` outcomes).

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

use beep_sdk::error::unauthorized;
use beep_sdk::http::segment;
use beep_sdk::prelude::*;
use client::{check, fetch_payment, search_by_payment_id};

/// The connector (its trait impls are the component's exports).
pub struct Mollie;

// ---- describe -----------------------------------------------------------------------------

beep_sdk::describe!(psp Mollie {
    name: "mollie",
    systems: ["mollie"],
    hosts: [DEFAULT_BASE_URL],
    schema: CONFIG_SCHEMA,
});

// ---- operations ---------------------------------------------------------------------------

impl beep_sdk::psp::Psp for Mollie {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = MollieConfig::parse(&config)?;
        // An authenticated read: the methods enabled for the key's profile.
        let resp = cfg.get("/v2/methods").query(&cfg.scope_query()).send()?;
        check(resp)?;
        Ok(())
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        client::create_payment(&MollieConfig::parse(&config)?, &request, false)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = MollieConfig::parse(&config)?;
        let p = match lookup.provider_reference.as_deref() {
            Some(reference) => fetch_payment(&cfg, reference, false)?,
            None => search_by_payment_id(&cfg, &lookup.payment_id)?,
        };
        payment_from(&p)
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = MollieConfig::parse(&config)?;
        let body = CreateRefund::from_request(&cfg, &request)?;
        let path = format!(
            "/v2/payments/{}/refunds",
            segment(&request.payment_provider_reference)
        );
        let resp = cfg
            .post(&path, &body, &refund_idempotency_key(&request.id))?
            .send()?;
        let r: MollieRefund = check(resp)?.json()?;
        refund_from(&r, &request.payment_provider_reference)
    }

    fn authorize_payment(
        config: String,
        request: PaymentRequest,
    ) -> Result<Payment, ConnectorError> {
        client::create_payment(&MollieConfig::parse(&config)?, &request, true)
    }

    fn capture_payment(config: String, request: CaptureRequest) -> Result<Payment, ConnectorError> {
        client::capture_payment(&MollieConfig::parse(&config)?, &request)
    }

    fn cancel_payment(config: String, request: CancelRequest) -> Result<Payment, ConnectorError> {
        client::release_authorization(&MollieConfig::parse(&config)?, &request)
    }

    fn fetch_payouts(
        config: String,
        cursor: Option<String>,
    ) -> Result<PayoutsPage, ConnectorError> {
        payouts::fetch(&MollieConfig::parse(&config)?, cursor.as_deref())
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = MollieConfig::parse(&config)?;
        let id = webhook_payment_id(&request.body)?;
        // The verification: only a payment Mollie shows to this merchant's key counts.
        let p = fetch_payment(&cfg, &id, true).map_err(|e| match e {
            ConnectorError::NotFound(m) => unauthorized(format!("unknown payment {id}: {m}")),
            other => other,
        })?;
        webhook_event_from(&p)
    }
}

beep_sdk::export_psp!(Mollie);
