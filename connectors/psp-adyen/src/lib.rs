//! Adyen PSP connector: a translation table between the BEEP! contract and Adyen's
//! Checkout API v71 (`vendor-specs/adyen.checkout-v71.json`): `POST /payments`,
//! `POST /payments/{pspReference}/refunds`, `POST /paymentMethods`, and standard webhook
//! notifications signed with HMAC-SHA256.
//!
//! - Config, request building, response parsing and status mapping are plain functions,
//!   unit-tested natively.
//! - URLs: `baseUrl` (Test Mode sets it to the simulator) wins; else `livePrefix` gives
//!   `https://{livePrefix}-checkout-live.adyenpayments.com/checkout/v71`; else Adyen's test
//!   endpoint `https://checkout-test.adyen.com/v71`.
//! - Idempotency keys derive from BEEP!'s own ids (`beep-payment-{id}`,
//!   `beep-refund-{id}`, at most 64 characters as Adyen requires): a retry after a
//!   timeout replays Adyen's stored answer instead of charging twice.
//! - Capture is automatic: every payment is sent with `captureDelayHours: 0`, so
//!   `Authorised` means the money will be captured and maps to `succeeded`.
//! - Refunds are asynchronous at Adyen: the API answers `status: "received"` (BEEP!
//!   `pending`), the outcome arrives as a `REFUND` (or `REFUND_FAILED`) notification.
//!
//! The BEEP! `paymentMethod` token becomes Adyen's `paymentMethod` object:
//!
//! | token | `paymentMethod` sent |
//! | --- | --- |
//! | a plain string, e.g. `8416038790273850` | `{"type":"scheme","storedPaymentMethodId":token}` with `shopperInteraction: ContAuth`, `recurringProcessingModel: CardOnFile` |
//! | a JSON object with `type` (Drop-in's `state.data.paymentMethod`, e.g. encrypted card fields) | that object as is |
//! | `{"paymentMethod":{…},"shopperReference":"…"}` | the inner object, plus `shopperReference` (Adyen needs it with a stored token) |
//!
//! A JSON object that holds a `storedPaymentMethodId` is also sent as a card-on-file
//! payment. Raw card numbers never reach a connector (the host refuses them).

mod client;
mod config;
mod mapping;
mod model;
mod settlement;
#[cfg(test)]
mod tests;

pub use client::check;
pub use config::*;
pub use mapping::*;
pub use model::*;

use beep_sdk::error::{internal, invalid_config, not_found};
use beep_sdk::prelude::*;

/// Why `fetch-payouts` answers `unsupported`.
const NO_PAYOUTS: &str = "Adyen's Checkout API lists no settlements: each settlement batch arrives as a REPORT_AVAILABLE webhook, which BEEP! reads as the payout";

/// The connector (its trait impls are the component's exports).
pub struct Adyen;

// ---- describe -----------------------------------------------------------------------------

beep_sdk::describe!(psp Adyen {
    name: "adyen",
    systems: ["adyen"],
    hosts: [
        "https://checkout-test.adyen.com",
        "https://*.adyenpayments.com",
        // Settlement detail reports (REPORT_AVAILABLE webhooks).
        "https://ca-test.adyen.com",
        "https://ca-live.adyen.com",
    ],
    schema: CONFIG_SCHEMA,
});

// ---- operations ---------------------------------------------------------------------------

impl beep_sdk::psp::Psp for Adyen {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = AdyenConfig::parse(&config)?;
        let body = serde_json::json!({ "merchantAccount": cfg.merchant_account });
        check(cfg.post("/paymentMethods", &body, None)?.send()?)?;
        Ok(())
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        client::create_payment(&AdyenConfig::parse(&config)?, &request, false)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        AdyenConfig::parse(&config)?;
        // Checkout v71 has no way to read a payment back, neither by pspReference nor by
        // our `reference`: Adyen reports outcomes by webhook only. Not found is the
        // honest answer; BEEP! then retries create-payment under the same
        // Idempotency-Key, which replays Adyen's stored answer instead of charging
        // again.
        Err(not_found(match lookup.provider_reference {
            Some(r) if !r.is_empty() => format!(
                "Adyen Checkout has no payment lookup (pspReference {r}); its status arrives by webhook"
            ),
            _ => format!(
                "Adyen Checkout has no payment lookup by reference ({})",
                lookup.payment_id
            ),
        }))
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = AdyenConfig::parse(&config)?;
        client::refund_payment(&cfg, &request)
    }

    fn authorize_payment(
        config: String,
        request: PaymentRequest,
    ) -> Result<Payment, ConnectorError> {
        client::create_payment(&AdyenConfig::parse(&config)?, &request, true)
    }

    fn capture_payment(config: String, request: CaptureRequest) -> Result<Payment, ConnectorError> {
        client::capture_payment(&AdyenConfig::parse(&config)?, &request)
    }

    fn cancel_payment(config: String, request: CancelRequest) -> Result<Payment, ConnectorError> {
        client::cancel_payment(&AdyenConfig::parse(&config)?, &request)
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
        let cfg = AdyenConfig::parse(&config)?;
        let key = cfg
            .hmac_key
            .as_deref()
            .ok_or_else(|| invalid_config("hmacKey is not configured"))?;
        let items = notification_items(&request.body)?;
        // Every item must be signed; Adyen sends one item per notification, so the
        // first is the event.
        for item in &items {
            verify_item(key, item)?;
        }
        if items.len() > 1 {
            beep_sdk::log::warn(&format!(
                "notification with {} items: only the first is applied",
                items.len()
            ));
        }
        let item: NotificationItem = serde_json::from_value(items[0].clone())
            .map_err(|e| internal(format!("notification item: {e}")))?;
        if settlement::is_settlement_report(&item.event_code, &item.psp_reference) {
            let ours = item
                .merchant_account_code
                .as_deref()
                .is_none_or(|m| m == cfg.merchant_account);
            let url = item.reason.as_deref().unwrap_or_default();
            let payout = match ours {
                true => {
                    let url = settlement::report_url(&cfg, url)?;
                    let resp = Request::get(url)
                        .header("x-api-key", cfg.api_key.expose())
                        .send()?
                        .error_for_status_with(|_| None)?;
                    settlement::payout_from_report(&resp.text())?
                }
                false => None,
            };
            let mut event = webhook_event_from(item, &cfg.merchant_account);
            event.payout = payout;
            return Ok(event);
        }
        Ok(webhook_event_from(item, &cfg.merchant_account))
    }
}

beep_sdk::export_psp!(Adyen);
