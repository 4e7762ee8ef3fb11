//! payabl. PSP connector: a translation table between the BEEP! contract and payabl's
//! server-to-server gateway (`https://sandbox.payabl.com/pay/backoffice/…`, live
//! `https://pay.payabl.com/pay/backoffice/…`). No published machine-readable spec exists
//! (see `vendor-specs/README.md`); the shapes below follow the README's row and payabl's
//! public gateway documentation. Names the docs do not pin down are this connector's
//! choice and are marked "(chosen)"; the simulator (`sandbox/src/payabl/mod.rs`) answers
//! the same way.
//!
//! - Every operation is a `POST` of `application/x-www-form-urlencoded` parameters
//!   **in ISO-8859-1 (Latin-1)**: each value is percent-encoded byte by byte from its
//!   Latin-1 form (`ü` → `%FC`, never UTF-8's `%C3%BC`). Free text (`description`) is
//!   transliterated to Latin-1 before it is sent (`€` → `EUR`, typographic quotes and
//!   dashes → ASCII, anything else outside Latin-1 → `?`); credentials, tokens and URLs
//!   with characters outside Latin-1 are refused as `invalid-config` before anything is
//!   sent (they cannot be signed the way payabl verifies).
//! - `signature` = lower-case hex SHA-1 of the parameter VALUES concatenated in the
//!   order of the parameter NAMES sorted alphabetically (byte order), followed by the
//!   merchant secret; `signature` itself is not part of it. The same rule signs payabl's
//!   callbacks to `notification_url`, which `parse-webhook` verifies.
//! - Operations: `payment_authorize` (a direct sale, the default),
//!   `payment_preauthorize` (config `"preauthorize": true`: a hold only), `payment_refund`
//!   and `payment_status` (chosen name: the transaction query by `transactionid` or by
//!   `orderid`). `payment_capture` exists at payabl (and in the simulator) but the BEEP!
//!   contract has no capture operation, so the connector never calls it.
//! - Answers are URL-encoded `key=value` pairs (also Latin-1): `errorcode` (`0` = ok),
//!   `errormessage`, `transactionid`, `orderid`, `status`, `amount`, `currency`,
//!   `url_3ds` (3-D Secure redirect), `captured_amount`, `refunded_amount`, and for a
//!   refund `base_transactionid`.
//! - Error codes (chosen numbers, payabl's meaning): 2001 invalid signature, 2002 unknown
//!   merchant (both `unauthorized`), 2003 missing/invalid parameter, 2004 duplicate
//!   `orderid`, 2005 declined (a failed payment, not an error), 2006 amount exceeds what
//!   can be refunded, 2007 transaction not found, 2008 wrong state, 2009 currency not
//!   supported (all others `upstream(422, …)`).
//! - Amounts are decimal major-unit strings with the currency's exact ISO 4217 decimals
//!   (`"10.00"` EUR, `"1000"` JPY, `"1.000"` KWD), converted with `beep_sdk::money`.
//! - Reconciliation: BEEP!'s payment id is sent as `orderid`. payabl refuses a second
//!   transaction with the same `orderid` (2004); the connector then answers with the
//!   existing transaction (`payment_status` by `orderid`), and `get-payment` without a
//!   provider reference looks the payment up by `orderid` too: a timeout never leads to a
//!   second authorisation. Refunds carry BEEP!'s refund id as `reference` (chosen name).

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

pub const SANDBOX_BASE_URL: &str = "https://sandbox.payabl.com";
pub const LIVE_BASE_URL: &str = "https://pay.payabl.com";

/// Why `fetch-payouts` answers `unsupported`.
const NO_PAYOUTS: &str =
    "payabl's gateway API lists no settlements (they reach the merchant as back-office reports)";

/// The connector (its trait impls are the component's exports).
pub struct Payabl;

// ---- describe -----------------------------------------------------------------------------

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "payabl.",
  "type": "object",
  "required": ["merchantId", "secret"],
  "properties": {
    "merchantId": {"type": "string", "description": "payabl merchant id (parameter merchantid)"},
    "secret": {"type": "string", "description": "Merchant secret: appended to the sorted parameter values before SHA-1 (never sent)"},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://sandbox.payabl.com",
      "description": "Gateway origin: https://sandbox.payabl.com or https://pay.payabl.com; Test Mode points it at the simulator"},
    "notificationUrl": {"type": "string", "format": "uri",
      "description": "BEEP!'s webhook for this store (…/api/v1/webhooks/payabl/{storeId}), sent as notification_url"},
    "preauthorize": {"type": "boolean", "default": false,
      "description": "Authorise only (payment_preauthorize) instead of a direct sale (payment_authorize)"}
  }
}"#;

beep_sdk::describe!(psp Payabl {
    name: "payabl",
    systems: ["payabl"],
    hosts: [SANDBOX_BASE_URL, LIVE_BASE_URL],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::psp::Psp for Payabl {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        client::validate_config(&cfg)
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        client::create_payment(&cfg, request, false)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        client::get_payment(&cfg, lookup)
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        client::refund_payment(&cfg, request)
    }

    fn authorize_payment(
        config: String,
        request: PaymentRequest,
    ) -> Result<Payment, ConnectorError> {
        client::create_payment(&PayablConfig::parse(&config)?, request, true)
    }

    fn capture_payment(config: String, request: CaptureRequest) -> Result<Payment, ConnectorError> {
        client::capture_payment(&PayablConfig::parse(&config)?, request)
    }

    fn cancel_payment(config: String, request: CancelRequest) -> Result<Payment, ConnectorError> {
        client::cancel_payment(&PayablConfig::parse(&config)?, request)
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
        let cfg = PayablConfig::parse(&config)?;
        client::parse_webhook(&cfg, request)
    }
}

beep_sdk::export_psp!(Payabl);

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;
