//! PAYONE Commerce Platform (PCP) PSP connector: a translation table between the BEEP!
//! contract and PCP's Commerce Case / Checkout / Payment Execution API
//! (`vendor-specs/payone-pcp.yaml`, PAYONE-GmbH/PCP-ServerSDK-java at d6458b861f).
//!
//! - Every request is signed the way PAYONE's server SDKs sign it:
//!   `Authorization: GCS v1HMAC:{apiKey}:{base64 HMAC-SHA256(apiSecret, stringToSign)}`
//!   with `stringToSign = METHOD \n Content-Type \n Date \n canonical X-GCS headers \n? path[?query] \n`
//!   (the Content-Type line is empty for a GET; this connector sends no `X-GCS-*`
//!   headers, so that part is empty; the path is the URL's whole path, including a
//!   base URL's path prefix). `Date` is RFC 1123 (`Tue, 15 Nov 1994 08:12:31 GMT`).
//! - Amounts are `{"amount", "currencyCode"}` where the spec says the amount is "in cents
//!   and always having 2 decimals" ("single digit currencies are presumed to have 2
//!   digits"): the connector converts BEEP!'s minor units to that fixed two-decimal
//!   scale (JPY ¥1000 → 100000, KWD 1.230 → 123; a KWD amount with a third decimal
//!   cannot be expressed and is refused before anything is sent).
//! - A payment is a Commerce Case (merchantReference = BEEP!'s payment id) with one
//!   Checkout, then one Payment Execution (`authorizationMode` SALE, the BEEP! token as
//!   `paymentProcessingToken`). PCP has no idempotency header: create-payment first
//!   looks the case up by merchantReference and reuses it (and its execution, if one
//!   exists), so a retry after a timeout never executes a second payment. The provider
//!   reference is `{commerceCaseId}/{checkoutId}/{paymentExecutionId}`.
//! - Refunds carry a 20-character merchantReference derived from BEEP!'s refund id (PCP
//!   requires it to be unique per Checkout); a replay that PCP refuses as a duplicate is
//!   answered from the execution's REFUND event with that reference.
//! - Webhooks: the spec defines no notification format. `parse-webhook` takes any JSON
//!   naming `commerceCaseId`, `checkoutId` and `paymentExecutionId` (top level or under
//!   `payment`/`paymentExecution`), re-fetches the Checkout with the merchant's
//!   credentials (the verification) and reports the execution's current state.

mod client;
mod config;
mod mapping;
mod model;

use beep_sdk::prelude::{
    CancelRequest, CaptureRequest, ConnectorError, Payment, PaymentLookup, PaymentRequest,
    PayoutsPage, Refund, RefundRequest, WebhookEvent, WebhookRequest,
};

pub use config::*;
pub use mapping::*;
pub use model::*;

pub const DEFAULT_BASE_URL: &str = "https://api.commerce.payone.com";
pub const PREPROD_BASE_URL: &str = "https://api.preprod.commerce.payone.com";

/// Why `fetch-payouts` answers `unsupported`.
const NO_PAYOUTS: &str =
    "PAYONE Commerce Platform lists no settlements: its /payouts pay a shopper, not the merchant";

pub struct Payone;

// ---- describe -----------------------------------------------------------------------------

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "PAYONE Commerce Platform",
  "type": "object",
  "required": ["apiKey", "apiSecret", "merchantId"],
  "properties": {
    "apiKey": {"type": "string", "description": "API key id (the Authorization header names it)"},
    "apiSecret": {"type": "string", "description": "API secret: the HMAC-SHA256 key that signs each request"},
    "merchantId": {"type": "string", "description": "PCP merchant id (the first path segment after /v1/)"},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://api.commerce.payone.com",
      "description": "API origin: https://api.commerce.payone.com or https://api.preprod.commerce.payone.com; Test Mode points it at the simulator"}
  }
}"#;

beep_sdk::describe!(psp Payone {
    name: "payone",
    systems: ["payone"],
    hosts: [DEFAULT_BASE_URL, PREPROD_BASE_URL],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::psp::Psp for Payone {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        client::validate_config(&cfg)
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        client::create_payment(&cfg, request, false)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        client::get_payment(&cfg, lookup)
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        client::refund_payment(&cfg, request)
    }

    fn authorize_payment(
        config: String,
        request: PaymentRequest,
    ) -> Result<Payment, ConnectorError> {
        client::create_payment(&PayoneConfig::parse(&config)?, request, true)
    }

    fn capture_payment(config: String, request: CaptureRequest) -> Result<Payment, ConnectorError> {
        client::capture_payment(&PayoneConfig::parse(&config)?, request)
    }

    fn cancel_payment(config: String, request: CancelRequest) -> Result<Payment, ConnectorError> {
        client::cancel_payment(&PayoneConfig::parse(&config)?, request)
    }

    fn fetch_payouts(
        _config: String,
        _cursor: Option<String>,
    ) -> Result<PayoutsPage, ConnectorError> {
        Err(beep_sdk::error::unsupported(NO_PAYOUTS))
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        client::parse_webhook(&cfg, request)
    }
}

beep_sdk::export_psp!(Payone);

#[cfg(test)]
mod tests;
