//! Unzer PSP connector: a translation table between the BEEP! contract and Unzer's payment
//! API (`https://api.unzer.com/v1`). No published OpenAPI description exists; this follows
//! Unzer's public API reference (docs.unzer.com) as of writing.
//!
//! - Auth: HTTP Basic with the private key (`s-priv-…` sandbox, `p-priv-…` live) as the
//!   user name and an empty password.
//! - Payment types (`s-crd-…` cards, `s-ppl-…` PayPal, …) are created by the shop's
//!   front end with the public key (`POST /v1/types/card`); BEEP! passes such a type id as
//!   its `paymentMethod` token and the connector charges it directly:
//!   `POST /v1/payments/charges` with `resources.typeId`.
//! - Amounts are decimal JSON numbers in major units (`12.34`, JPY `1000`, KWD `1.234`),
//!   written exactly from BEEP!'s minor units; Unzer answers them as strings with four
//!   decimals (`"12.3400"`), read back exactly.
//! - `orderId` is BEEP!'s payment id, unique per payment. Unzer has no idempotency header:
//!   after an unknown outcome BEEP! reconciles with `GET /v1/payments/{orderId}` (Unzer
//!   resolves a payment by its id or its orderId) instead of charging again.
//! - Refund = cancel of the charge (`POST /v1/payments/{paymentId}/charges/{chargeId}/cancels`
//!   with `amount`), so the provider reference is `paymentId/chargeId`.
//! - Webhooks carry a `retrieveUrl`; `parse-webhook` re-fetches it with the merchant's key
//!   (only if it lies under the configured `baseUrl`) and reports the payment's state.

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

const DEFAULT_BASE_URL: &str = "https://api.unzer.com/v1";
const DEFAULT_HOST: &str = "https://api.unzer.com";
/// Unzer requires a `returnUrl` on every charge (the shopper comes back here after 3-D
/// Secure or a redirect method). Without one from the request or the config, the shopper
/// lands on this reserved, never-resolving address (RFC 2606 `.invalid`).
pub const FALLBACK_RETURN_URL: &str = "https://beep.invalid/unzer/return";

/// Why `fetch-payouts` answers `unsupported`.
const NO_PAYOUTS: &str = "Unzer's payment API lists no settlements or payouts (they reach the merchant as bank statements and Unzer Insights reports)";

/// The connector (its trait impls are the component's exports).
pub struct Unzer;

// ---- describe -----------------------------------------------------------------------------

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Unzer",
  "type": "object",
  "required": ["privateKey"],
  "properties": {
    "privateKey": {
      "type": "string",
      "pattern": "^[sp]-priv-[A-Za-z0-9_-]+$",
      "description": "Private key: s-priv-… (sandbox) or p-priv-… (live)"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://api.unzer.com/v1",
      "description": "API base URL including /v1; Test Mode points it at the simulator"
    },
    "returnUrl": {
      "type": "string",
      "format": "uri",
      "description": "Where Unzer sends the shopper after 3-D Secure when a payment has no returnUrl"
    }
  }
}"#;

beep_sdk::describe!(psp Unzer {
    name: "unzer",
    systems: ["unzer"],
    hosts: [DEFAULT_HOST],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::psp::Psp for Unzer {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        client::validate_config(&cfg)
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        client::create_payment(&cfg, request, false)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        client::get_payment(&cfg, lookup)
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        client::refund_payment(&cfg, request)
    }

    fn authorize_payment(
        config: String,
        request: PaymentRequest,
    ) -> Result<Payment, ConnectorError> {
        client::create_payment(&UnzerConfig::parse(&config)?, request, true)
    }

    fn capture_payment(config: String, request: CaptureRequest) -> Result<Payment, ConnectorError> {
        client::capture_payment(&UnzerConfig::parse(&config)?, request)
    }

    fn cancel_payment(config: String, request: CancelRequest) -> Result<Payment, ConnectorError> {
        client::cancel_payment(&UnzerConfig::parse(&config)?, request)
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
        let cfg = UnzerConfig::parse(&config)?;
        client::parse_webhook(&cfg, request)
    }
}

beep_sdk::export_psp!(Unzer);

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;
