//! SumUp PSP connector: a translation table between the BEEP! contract and SumUp's
//! Checkouts and Transactions API (`vendor-specs/sumup.json`, sumup/sumup-rs at 058533c621).
//!
//! - A payment is a SumUp checkout: `POST /v0.1/checkouts` with `checkout_reference` =
//!   BEEP!'s payment id, then processing it with `PUT /v0.1/checkouts/{id}`
//!   `{"payment_type":"card","token":…}`. The spec at 058533c621 omits the processing
//!   operation; its shape follows SumUp's public docs (`200` with the checkout, or `202`
//!   with `next_step` when the shopper must pass 3-D Secure).
//! - SumUp has no idempotency header. The checkout reference is unique per merchant:
//!   a retry's create answers `409 DUPLICATED_CHECKOUT`, and the connector then fetches
//!   that checkout (`GET /v0.1/checkouts?checkout_reference=`) and processes it only if it
//!   was never processed — never a second checkout, never a second charge.
//! - Amounts are JSON numbers in major units, converted exactly with the currency's
//!   ISO 4217 exponent (`beep_sdk::money::to_major_f64` / `from_major_f64`).
//! - Refunds go to the checkout's successful transaction:
//!   `POST /v1.0/merchants/{merchant_code}/payments/{transaction_id}/refunds {amount}`;
//!   SumUp answers `201 {}` (no refund id), so the refund's reference is
//!   `{transaction_id}:{BEEP! refund id}` and its status is succeeded.
//! - Webhooks (the checkout's `return_url`) carry `{"event_type","id"}` only: the
//!   connector re-fetches the checkout with the merchant's key (the verification) and
//!   reports its state.

mod client;
mod config;
mod mapping;
mod model;
mod payouts;
#[cfg(test)]
mod tests;

pub use client::error_message;
pub use config::*;
pub use mapping::*;
pub use model::*;

use beep_sdk::error::{internal, unauthorized};
use beep_sdk::prelude::*;
use client::{check, fetch_checkout, find_by_reference, is_duplicate, process};

/// The connector (its trait impls are the component's exports).
pub struct Sumup;

// ---- describe -----------------------------------------------------------------------------

beep_sdk::describe!(psp Sumup {
    name: "sumup",
    systems: ["sumup"],
    hosts: [DEFAULT_BASE_URL],
    schema: CONFIG_SCHEMA,
});

/// SumUp's online Checkouts API charges a checkout when it is processed: there is no
/// separate authorisation to capture or void (no capture, pre-authorisation or
/// cancellation endpoint in `vendor-specs/sumup.json`; `DELETE /v0.1/checkouts/{id}`
/// only deactivates an unpaid checkout).
const NO_MANUAL_CAPTURE: &str = "SumUp's Checkouts API has no separate authorisation and capture: a checkout is charged when it is processed, so it cannot hold an amount to capture or void later";

// ---- operations ---------------------------------------------------------------------------

impl beep_sdk::psp::Psp for Sumup {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        client::check_merchant(&cfg)
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let body = CreateCheckout::from_request(&cfg, &request)?;
        let resp = cfg.send_json(beep_sdk::http::Method::Post, "/v0.1/checkouts", &body)?;
        let checkout: SumupCheckout = if is_duplicate(&resp) {
            // An earlier attempt created it: continue with that one, never a second.
            beep_sdk::log::info("SumUp already has this checkout_reference: resuming it");
            find_by_reference(&cfg, &request.id)?.ok_or_else(|| {
                internal("SumUp reports a duplicate checkout_reference but lists none")
            })?
        } else {
            check(resp)?.json()?
        };
        if checkout.unprocessed() {
            process(&cfg, &checkout, &request.payment_method)
        } else {
            // Already processed by an earlier attempt: report, never charge again.
            payment_from(&checkout, None)
        }
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let checkout = match lookup.provider_reference.as_deref() {
            Some(reference) => fetch_checkout(&cfg, reference)?,
            None => client::find_processed(&cfg, &lookup.payment_id)?,
        };
        payment_from(&checkout, None)
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let checkout = fetch_checkout(&cfg, &request.payment_provider_reference)?;
        let tx = checkout.paid_transaction().ok_or_else(|| {
            beep_sdk::error::upstream(
                409,
                format!(
                    "SumUp checkout {} has no successful transaction to refund",
                    checkout.id
                ),
            )
        })?;
        client::refund_transaction(&cfg, tx, &request.amount)?;
        Ok(Refund {
            provider_reference: refund_reference(tx, &request.id),
            payment_provider_reference: Some(checkout.id.clone()),
            status: RefundStatus::Succeeded,
            amount: request.amount,
            failure_message: None,
        })
    }

    fn authorize_payment(
        _config: String,
        _request: PaymentRequest,
    ) -> Result<Payment, ConnectorError> {
        Err(beep_sdk::error::unsupported(NO_MANUAL_CAPTURE))
    }

    fn capture_payment(
        _config: String,
        _request: CaptureRequest,
    ) -> Result<Payment, ConnectorError> {
        Err(beep_sdk::error::unsupported(NO_MANUAL_CAPTURE))
    }

    fn cancel_payment(_config: String, _request: CancelRequest) -> Result<Payment, ConnectorError> {
        Err(beep_sdk::error::unsupported(NO_MANUAL_CAPTURE))
    }

    fn fetch_payouts(
        config: String,
        cursor: Option<String>,
    ) -> Result<PayoutsPage, ConnectorError> {
        payouts::fetch(&SumupConfig::parse(&config)?, cursor.as_deref())
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let id = webhook_checkout_id(&request.body)?;
        // The verification: only a checkout SumUp shows to this merchant's key counts.
        let c = fetch_checkout(&cfg, &id).map_err(|e| match e {
            ConnectorError::NotFound(m) => unauthorized(format!("unknown checkout {id}: {m}")),
            other => other,
        })?;
        webhook_event_from(&c)
    }
}

beep_sdk::export_psp!(Sumup);
