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

use base64::Engine as _;
use beep_sdk::error::{internal, invalid_config, not_found, unauthorized, unsupported};
use beep_sdk::http::segment;
use beep_sdk::prelude::*;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Adyen's test endpoint of Checkout v71.
pub const DEFAULT_BASE_URL: &str = "https://checkout-test.adyen.com/v71";
/// Adyen requires a `returnUrl` on every `/payments` request (`PaymentRequest.required`);
/// card-on-file payments never redirect, so when neither the request nor the config has
/// one, this placeholder (an `.invalid` host, RFC 2606) satisfies the field.
pub const FALLBACK_RETURN_URL: &str = "https://return.beep.invalid/adyen";
/// `Idempotency-Key` holds at most 64 characters at Adyen.
const IDEMPOTENCY_KEY_MAX: usize = 64;

/// The connector (its trait impls are the component's exports).
pub struct Adyen;

// ---- describe -----------------------------------------------------------------------------

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Adyen",
  "type": "object",
  "required": ["apiKey", "merchantAccount"],
  "properties": {
    "apiKey": {
      "type": "string",
      "minLength": 1,
      "description": "API key of a web service user (Customer Area > Developers > API credentials)"
    },
    "merchantAccount": {
      "type": "string",
      "minLength": 1,
      "description": "The merchant account that processes the payments"
    },
    "hmacKey": {
      "type": "string",
      "pattern": "^([0-9A-Fa-f]{2})+$",
      "description": "HMAC key (hex) of the standard webhook; needed for webhooks"
    },
    "livePrefix": {
      "type": "string",
      "pattern": "^[A-Za-z0-9-]+$",
      "description": "Live endpoint prefix: https://{livePrefix}-checkout-live.adyenpayments.com/checkout/v71"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://checkout-test.adyen.com/v71",
      "description": "Checkout API base URL; Test Mode points it at the simulator"
    },
    "returnUrl": {
      "type": "string",
      "description": "Where shoppers return after a redirect when a payment names no returnUrl"
    }
  }
}"#;

impl beep_sdk::psp::Describe for Adyen {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "adyen".into(),
            kind: ConnectorKind::Psp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["adyen".into()],
            hosts: vec![
                "https://checkout-test.adyen.com".into(),
                "https://*.adyenpayments.com".into(),
            ],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

// ---- config -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenConfig {
    pub api_key: beep_sdk::config::Secret,
    pub merchant_account: String,
    #[serde(default)]
    pub hmac_key: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub live_prefix: Option<String>,
    #[serde(default)]
    pub return_url: Option<String>,
}

impl AdyenConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: AdyenConfig = parse_config(config)?;
        if cfg.api_key.trim().is_empty() {
            return Err(invalid_config("apiKey must not be empty"));
        }
        if cfg.merchant_account.trim().is_empty() {
            return Err(invalid_config("merchantAccount must not be empty"));
        }
        if let Some(key) = &cfg.hmac_key
            && hex::decode(key).map_or(true, |k| k.is_empty())
        {
            return Err(invalid_config(
                "hmacKey must be the hex HMAC key of the webhook (Customer Area)",
            ));
        }
        if cfg
            .base_url
            .as_deref()
            .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return Err(invalid_config("baseUrl must be an http(s) URL"));
        }
        if let Some(prefix) = &cfg.live_prefix
            && (prefix.is_empty()
                || !prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(invalid_config(
                "livePrefix must be the prefix of the live endpoint (letters, digits, '-')",
            ));
        }
        Ok(cfg)
    }

    /// The Checkout API base URL, without a trailing slash.
    pub fn base(&self) -> String {
        match (&self.base_url, &self.live_prefix) {
            (Some(url), _) => url.trim_end_matches('/').to_string(),
            (None, Some(prefix)) => {
                format!("https://{prefix}-checkout-live.adyenpayments.com/checkout/v71")
            }
            (None, None) => DEFAULT_BASE_URL.to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    fn post<T: Serialize>(
        &self,
        path: &str,
        body: &T,
        idempotency_key: Option<&str>,
    ) -> Result<Request, ConnectorError> {
        let mut req = Request::post(self.url(path)).header("x-api-key", self.api_key.expose());
        if let Some(key) = idempotency_key {
            req = req.header("idempotency-key", key);
        }
        req.json(body)
    }
}

// ---- amounts ------------------------------------------------------------------------------

/// Where Adyen's decimals differ from ISO 4217 (docs.adyen.com/development-resources/
/// currency-codes): CLP and ISK take 2 decimals at Adyen, CVE and IDR none.
const ADYEN_EXPONENTS: &[(&str, u32)] = &[("CLP", 2), ("CVE", 0), ("IDR", 0), ("ISK", 2)];

fn iso_exponent(currency: &str) -> Result<u32, ConnectorError> {
    beep_sdk::money::exponent(currency)
        .map(u32::from)
        .ok_or_else(|| invalid_config(format!("unknown currency {currency:?}")))
}

/// The number of decimals of Adyen's `value` for a currency.
pub fn adyen_exponent(currency: &str) -> Result<u32, ConnectorError> {
    let code = currency.to_ascii_uppercase();
    match ADYEN_EXPONENTS.iter().find(|(c, _)| *c == code) {
        Some((_, e)) => Ok(*e),
        None => iso_exponent(&code),
    }
}

/// Adyen's `amount` object: `value` in Adyen's minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdyenAmount {
    pub currency: String,
    pub value: i64,
}

/// BEEP! minor units (ISO exponent) → Adyen's amount. Identical except for CLP and ISK
/// (×100) and CVE and IDR (÷100, whole units only).
pub fn to_adyen_amount(money: &Money) -> Result<AdyenAmount, ConnectorError> {
    let currency = money.currency.to_ascii_uppercase();
    let iso = iso_exponent(&currency)?;
    let adyen = adyen_exponent(&currency)?;
    let value = if adyen >= iso {
        money
            .amount
            .checked_mul(10i64.pow(adyen - iso))
            .ok_or_else(|| unsupported("amount too large for Adyen"))?
    } else {
        let factor = 10i64.pow(iso - adyen);
        if money.amount % factor != 0 {
            return Err(unsupported(format!(
                "Adyen takes {currency} in whole units only"
            )));
        }
        money.amount / factor
    };
    Ok(AdyenAmount { currency, value })
}

/// Adyen's amount → BEEP! money.
pub fn from_adyen_amount(amount: &AdyenAmount) -> Money {
    let code = amount.currency.to_ascii_uppercase();
    let value = match (iso_exponent(&code), adyen_exponent(&code)) {
        (Ok(iso), Ok(adyen)) if adyen > iso => amount.value / 10i64.pow(adyen - iso),
        (Ok(iso), Ok(adyen)) if adyen < iso => amount.value.saturating_mul(10i64.pow(iso - adyen)),
        _ => amount.value,
    };
    Money {
        amount: value,
        currency: code,
    }
}

// ---- requests -----------------------------------------------------------------------------

/// `Idempotency-Key` from a prefix and BEEP!'s id; an id too long for Adyen's 64
/// characters is replaced by its SHA-256 (hex, truncated), still deterministic.
pub fn idempotency_key(prefix: &str, id: &str) -> String {
    let key = format!("{prefix}{id}");
    if key.len() <= IDEMPOTENCY_KEY_MAX {
        return key;
    }
    let digest = hex::encode(Sha256::digest(id.as_bytes()));
    format!("{prefix}{}", &digest[..IDEMPOTENCY_KEY_MAX - prefix.len()])
}

pub fn payment_idempotency_key(payment_id: &str) -> String {
    idempotency_key("beep-payment-", payment_id)
}

pub fn refund_idempotency_key(refund_id: &str) -> String {
    idempotency_key("beep-refund-", refund_id)
}

/// The BEEP! token as Adyen's `paymentMethod`, plus a `shopperReference` if the token
/// carries one (see the module docs).
#[derive(Debug, PartialEq)]
pub struct MethodOf {
    pub payment_method: Value,
    pub shopper_reference: Option<String>,
    /// A stored (card-on-file) payment method: sent as `ContAuth`/`CardOnFile`.
    pub stored: bool,
}

pub fn payment_method_of(token: &str) -> Result<MethodOf, ConnectorError> {
    let token = token.trim();
    if !token.starts_with('{') {
        return Ok(MethodOf {
            payment_method: serde_json::json!({"type": "scheme", "storedPaymentMethodId": token}),
            shopper_reference: None,
            stored: true,
        });
    }
    let bad = |why: &str| unsupported(format!("paymentMethod token: {why}"));
    let object: Map<String, Value> =
        serde_json::from_str(token).map_err(|e| bad(&format!("not a JSON object ({e})")))?;
    let (method, shopper_reference) = match object.get("paymentMethod") {
        Some(Value::Object(inner)) => {
            let shopper = match object.get("shopperReference") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(_) => return Err(bad("shopperReference must be a non-empty string")),
            };
            (inner.clone(), shopper)
        }
        Some(_) => return Err(bad("paymentMethod must be an object")),
        None => (object, None),
    };
    let stored = method
        .get("storedPaymentMethodId")
        .is_some_and(Value::is_string);
    if !stored && !method.get("type").is_some_and(Value::is_string) {
        return Err(bad("an Adyen paymentMethod needs a type"));
    }
    Ok(MethodOf {
        payment_method: Value::Object(method),
        shopper_reference,
        stored,
    })
}

/// `POST /payments`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequestBody {
    pub amount: AdyenAmount,
    pub merchant_account: String,
    /// BEEP!'s payment id: unique per payment, and what notifications carry back as
    /// `merchantReference`.
    pub reference: String,
    /// The merchant's own order reference (BEEP!'s `reference`).
    pub merchant_order_reference: String,
    pub payment_method: Value,
    pub return_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shopper_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shopper_interaction: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_processing_model: Option<&'static str>,
    /// 0: capture immediately (BEEP! uses automatic capture).
    pub capture_delay_hours: u32,
    /// At most 20 keys of ≤ 20 characters, values of ≤ 80 characters.
    pub metadata: BTreeMap<&'static str, String>,
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl PaymentRequestBody {
    pub fn new(cfg: &AdyenConfig, req: &PaymentRequest) -> Result<Self, ConnectorError> {
        let method = payment_method_of(&req.payment_method)?;
        let return_url = req
            .return_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .or(cfg.return_url.as_deref().filter(|u| !u.is_empty()))
            .unwrap_or(FALLBACK_RETURN_URL)
            .to_string();
        let mut metadata = BTreeMap::new();
        metadata.insert("beepPaymentId", truncate(&req.id, 80));
        metadata.insert("beepReference", truncate(&req.reference, 80));
        if let Some(d) = req.description.as_deref().filter(|d| !d.is_empty()) {
            metadata.insert("beepDescription", truncate(d, 80));
        }
        Ok(PaymentRequestBody {
            amount: to_adyen_amount(&req.amount)?,
            merchant_account: cfg.merchant_account.clone(),
            reference: req.id.clone(),
            merchant_order_reference: req.reference.clone(),
            payment_method: method.payment_method,
            return_url,
            shopper_reference: method.shopper_reference,
            shopper_interaction: method.stored.then_some("ContAuth"),
            recurring_processing_model: method.stored.then_some("CardOnFile"),
            capture_delay_hours: 0,
            metadata,
        })
    }
}

/// `POST /payments/{pspReference}/refunds`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequestBody {
    pub amount: AdyenAmount,
    pub merchant_account: String,
    /// BEEP!'s refund id (the notification's `merchantReference`).
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_refund_reason: Option<&'static str>,
}

/// BEEP!'s free-text reason as one of Adyen's `merchantRefundReason` values.
pub fn refund_reason(reason: Option<&str>) -> Option<&'static str> {
    let text = reason.map(str::trim).filter(|r| !r.is_empty())?;
    let norm = text.to_ascii_lowercase().replace(['_', '-'], " ");
    Some(match norm.as_str() {
        "fraud" | "fraudulent" => "FRAUD",
        "customer request" | "requested by customer" | "customer" => "CUSTOMER REQUEST",
        "return" | "returned" | "returned goods" => "RETURN",
        "duplicate" => "DUPLICATE",
        _ => "OTHER",
    })
}

impl RefundRequestBody {
    pub fn new(cfg: &AdyenConfig, req: &RefundRequest) -> Result<Self, ConnectorError> {
        Ok(RefundRequestBody {
            amount: to_adyen_amount(&req.amount)?,
            merchant_account: cfg.merchant_account.clone(),
            reference: req.id.clone(),
            merchant_refund_reason: refund_reason(req.reason.as_deref()),
        })
    }
}

// ---- responses ----------------------------------------------------------------------------

/// `PaymentResponse.resultCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum AdyenResultCode {
    Authorised,
    Refused,
    Error,
    Cancelled,
    Pending,
    Received,
    RedirectShopper,
    IdentifyShopper,
    ChallengeShopper,
    PresentToShopper,
    PartiallyAuthorised,
    AuthenticationFinished,
    AuthenticationNotRequired,
    Success,
    #[serde(other)]
    Unknown,
}

impl From<AdyenResultCode> for PaymentStatus {
    fn from(code: AdyenResultCode) -> Self {
        use AdyenResultCode as A;
        match code {
            // Automatic capture (`captureDelayHours: 0`): authorised is as good as paid.
            A::Authorised | A::Success => PaymentStatus::Succeeded,
            A::Pending | A::Received => PaymentStatus::Pending,
            A::RedirectShopper | A::IdentifyShopper | A::ChallengeShopper | A::PresentToShopper => {
                PaymentStatus::RequiresAction
            }
            A::Refused | A::Error => PaymentStatus::Failed,
            A::Cancelled => PaymentStatus::Canceled,
            // BEEP! never asks for partial authorisation or authentication-only flows;
            // should Adyen answer so anyway, the payment is not done: leave it pending
            // for the merchant rather than call it paid or failed.
            A::PartiallyAuthorised
            | A::AuthenticationFinished
            | A::AuthenticationNotRequired
            | A::Unknown => PaymentStatus::Pending,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenAction {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// `PaymentResponse` (the fields BEEP! uses).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenPaymentResponse {
    #[serde(default)]
    pub psp_reference: Option<String>,
    #[serde(default)]
    pub result_code: Option<AdyenResultCode>,
    #[serde(default)]
    pub action: Option<AdyenAction>,
    #[serde(default)]
    pub refusal_reason: Option<String>,
    #[serde(default)]
    pub refusal_reason_code: Option<String>,
    #[serde(default)]
    pub amount: Option<AdyenAmount>,
    #[serde(default)]
    pub merchant_reference: Option<String>,
}

/// `PaymentRefundResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenRefundResponse {
    pub psp_reference: String,
    #[serde(default)]
    pub payment_psp_reference: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub amount: Option<AdyenAmount>,
}

/// `ServiceError`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenServiceError {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub psp_reference: Option<String>,
}

// ---- mapping ------------------------------------------------------------------------------

/// A `/payments` answer as a BEEP! payment. `requested` is the amount asked for (Adyen
/// echoes it only sometimes); `fallback_reference` names the payment when Adyen gives no
/// `pspReference` yet (3-D Secure 2 `IdentifyShopper`).
pub fn payment_from(
    resp: AdyenPaymentResponse,
    requested: &Money,
    fallback_reference: &str,
) -> Payment {
    let code = resp.result_code.unwrap_or(AdyenResultCode::Unknown);
    let status = PaymentStatus::from(code);
    let amount = resp
        .amount
        .as_ref()
        .map(from_adyen_amount)
        .unwrap_or_else(|| requested.clone());
    let (failure_code, failure_message) = match status {
        PaymentStatus::Failed => (
            resp.refusal_reason_code
                .clone()
                .or_else(|| Some(format!("{code:?}").to_ascii_lowercase())),
            resp.refusal_reason.clone(),
        ),
        _ => (None, None),
    };
    let captured = match status {
        PaymentStatus::Succeeded => Some(amount.clone()),
        PaymentStatus::Failed | PaymentStatus::Canceled => Some(Money {
            amount: 0,
            currency: amount.currency.clone(),
        }),
        _ => None,
    };
    let action_url = match status {
        PaymentStatus::RequiresAction => resp
            .action
            .as_ref()
            .and_then(|a| a.url.clone())
            .filter(|u| !u.is_empty()),
        _ => None,
    };
    Payment {
        provider_reference: resp
            .psp_reference
            .or(resp.merchant_reference)
            .unwrap_or_else(|| fallback_reference.to_string()),
        status,
        amount,
        captured,
        failure_code,
        failure_message,
        action_url,
    }
}

/// A refund request's answer: always `received`, i.e. pending until the notification.
pub fn refund_from(resp: AdyenRefundResponse, requested: &RefundRequest) -> Refund {
    Refund {
        amount: resp
            .amount
            .as_ref()
            .map(from_adyen_amount)
            .unwrap_or_else(|| requested.amount.clone()),
        provider_reference: resp.psp_reference,
        payment_provider_reference: resp
            .payment_psp_reference
            .or_else(|| Some(requested.payment_provider_reference.clone())),
        status: RefundStatus::Pending,
        failure_message: None,
    }
}

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

// ---- webhooks -----------------------------------------------------------------------------

/// The text Adyen signs for a notification item:
/// `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`,
/// absent fields empty, values as sent (no escaping).
pub fn signing_string(item: &Value) -> String {
    fn text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
    [
        text(&item["pspReference"]),
        text(&item["originalReference"]),
        text(&item["merchantAccountCode"]),
        text(&item["merchantReference"]),
        text(&item["amount"]["value"]),
        text(&item["amount"]["currency"]),
        text(&item["eventCode"]),
        text(&item["success"]),
    ]
    .join(":")
}

/// Verifies `additionalData.hmacSignature` of one notification item: base64 of
/// HMAC-SHA256 over [`signing_string`] keyed with the hex-decoded key, compared in
/// constant time.
pub fn verify_item(hmac_key_hex: &str, item: &Value) -> Result<(), ConnectorError> {
    let bad = || unauthorized("invalid webhook signature");
    let key = hex::decode(hmac_key_hex).map_err(|_| invalid_config("hmacKey is not hex"))?;
    let signature = item["additionalData"]["hmacSignature"]
        .as_str()
        .ok_or_else(bad)?;
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| bad())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| invalid_config("hmacKey"))?;
    mac.update(signing_string(item).as_bytes());
    mac.verify_slice(&given).map_err(|_| bad())
}

/// The items of a standard notification body (`notificationItems[].NotificationRequestItem`).
pub fn notification_items(body: &[u8]) -> Result<Vec<Value>, ConnectorError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| internal(format!("webhook body: {e}")))?;
    let items: Vec<Value> = value["notificationItems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["NotificationRequestItem"].clone())
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() || items.iter().any(|i| !i.is_object()) {
        return Err(internal(
            "webhook body: no notificationItems[].NotificationRequestItem",
        ));
    }
    Ok(items)
}

/// A `NotificationRequestItem` (the fields BEEP! uses).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationItem {
    pub psp_reference: String,
    #[serde(default)]
    pub original_reference: Option<String>,
    #[serde(default)]
    pub merchant_account_code: Option<String>,
    #[serde(default)]
    pub merchant_reference: Option<String>,
    pub event_code: String,
    #[serde(default)]
    pub amount: Option<AdyenAmount>,
    /// "true" or "false" (a string in Adyen's JSON).
    #[serde(deserialize_with = "string_or_bool")]
    pub success: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub additional_data: Option<Map<String, Value>>,
}

fn string_or_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Bool(b) => Ok(b),
        Value::String(s) => Ok(s.eq_ignore_ascii_case("true")),
        other => Err(serde::de::Error::custom(format!(
            "success: expected \"true\" or \"false\", got {other}"
        ))),
    }
}

/// A verified notification item as BEEP!'s webhook event. Events of other merchant
/// accounts (a company-level webhook) and of types BEEP! does not use come back with
/// neither payment nor refund, so the host acknowledges them and changes nothing.
pub fn webhook_event_from(item: NotificationItem, merchant_account: &str) -> WebhookEvent {
    let id = format!(
        "{}:{}:{}",
        item.psp_reference, item.event_code, item.success
    );
    let event_type = item.event_code.clone();
    let amount = item.amount.as_ref().map(from_adyen_amount);
    let ours = item
        .merchant_account_code
        .as_deref()
        .is_none_or(|m| m == merchant_account);
    let mut event = WebhookEvent {
        id,
        event_type,
        payment: None,
        refund: None,
    };
    let (Some(amount), true) = (amount, ours) else {
        return event;
    };
    let failure = || {
        Some(
            item.reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("{} failed", item.event_code)),
        )
    };
    let payment =
        |reference: &str, status: PaymentStatus, failure_message: Option<String>| Payment {
            provider_reference: reference.to_string(),
            status,
            captured: match status {
                PaymentStatus::Succeeded => Some(amount.clone()),
                _ => None,
            },
            amount: amount.clone(),
            failure_code: None,
            failure_message,
            action_url: None,
        };
    let refund = |status: RefundStatus, failure_message: Option<String>| Refund {
        provider_reference: item.psp_reference.clone(),
        payment_provider_reference: item.original_reference.clone(),
        status,
        amount: amount.clone(),
        failure_message,
    };
    let action = item
        .additional_data
        .as_ref()
        .and_then(|d| d.get("modification.action"))
        .and_then(Value::as_str);
    match item.event_code.as_str() {
        // Automatic capture: a successful authorisation is a succeeded payment.
        "AUTHORISATION" if item.success => {
            event.payment = Some(payment(&item.psp_reference, PaymentStatus::Succeeded, None))
        }
        "AUTHORISATION" => {
            event.payment = Some(payment(
                &item.psp_reference,
                PaymentStatus::Failed,
                failure(),
            ))
        }
        "REFUND" if item.success => event.refund = Some(refund(RefundStatus::Succeeded, None)),
        "REFUND" => event.refund = Some(refund(RefundStatus::Failed, failure())),
        // The scheme rejected a refund after Adyen reported it, or the shopper's bank
        // sent the money back: either way the refund did not reach the shopper.
        "REFUND_FAILED" | "REFUNDED_REVERSED" => {
            event.refund = Some(refund(RefundStatus::Failed, failure()))
        }
        "CANCELLATION" if item.success => {
            let reference = item
                .original_reference
                .as_deref()
                .unwrap_or(&item.psp_reference);
            event.payment = Some(payment(reference, PaymentStatus::Canceled, None))
        }
        "CANCEL_OR_REFUND" if item.success && action == Some("cancel") => {
            let reference = item
                .original_reference
                .as_deref()
                .unwrap_or(&item.psp_reference);
            event.payment = Some(payment(reference, PaymentStatus::Canceled, None))
        }
        _ => {}
    }
    event
}

// ---- operations ---------------------------------------------------------------------------

impl beep_sdk::psp::Psp for Adyen {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = AdyenConfig::parse(&config)?;
        let body = serde_json::json!({ "merchantAccount": cfg.merchant_account });
        check(cfg.post("/paymentMethods", &body, None)?.send()?)?;
        Ok(())
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = AdyenConfig::parse(&config)?;
        let body = PaymentRequestBody::new(&cfg, &request)?;
        let key = payment_idempotency_key(&request.id);
        let resp = check(cfg.post("/payments", &body, Some(&key))?.send()?)?;
        let answer: AdyenPaymentResponse = resp.json()?;
        Ok(payment_from(answer, &request.amount, &request.id))
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
        let body = RefundRequestBody::new(&cfg, &request)?;
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
        Ok(refund_from(answer, &request))
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
        Ok(webhook_event_from(item, &cfg.merchant_account))
    }
}

beep_sdk::export_psp!(Adyen);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn money(amount: i64, currency: &str) -> Money {
        beep_sdk::money::money(amount, currency)
    }

    /// `Money` (generated) has no `PartialEq`.
    fn mm(m: &Money) -> (i64, String) {
        (m.amount, m.currency.clone())
    }

    fn cfg() -> AdyenConfig {
        AdyenConfig::parse(
            r#"{"apiKey":"AQE_test","merchantAccount":"BeepECOM","hmacKey":"44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"}"#,
        )
        .unwrap()
    }

    /// Adyen's published HMAC example (docs and every Adyen library's tests).
    const DOC_KEY: &str = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";

    fn doc_item() -> Value {
        json!({
            "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="},
            "amount": {"value": 1130, "currency": "EUR"},
            "pspReference": "7914073381342284",
            "eventCode": "AUTHORISATION",
            "eventDate": "2019-05-06T17:15:34.121+02:00",
            "merchantAccountCode": "TestMerchant",
            "merchantReference": "TestPayment-1407325143704",
            "operations": ["CANCEL", "CAPTURE", "REFUND"],
            "paymentMethod": "visa",
            "success": "true"
        })
    }

    fn sign(key: &str, item: &Value) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&hex::decode(key).unwrap()).unwrap();
        mac.update(signing_string(item).as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    #[test]
    fn describes_itself() {
        use beep_sdk::psp::Describe;
        let info = Adyen::describe();
        assert_eq!(info.name, "adyen");
        assert!(matches!(info.kind, ConnectorKind::Psp));
        assert_eq!(info.systems, vec!["adyen".to_string()]);
        assert_eq!(
            info.hosts,
            vec![
                "https://checkout-test.adyen.com".to_string(),
                "https://*.adyenpayments.com".to_string()
            ]
        );
        let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["required"], json!(["apiKey", "merchantAccount"]));
    }

    #[test]
    fn config_and_urls() {
        assert_eq!(
            cfg().url("/payments"),
            "https://checkout-test.adyen.com/v71/payments"
        );
        let live = AdyenConfig::parse(
            r#"{"apiKey":"k","merchantAccount":"m","livePrefix":"1797a841fbb37ca7-AdyenDemo"}"#,
        )
        .unwrap();
        assert_eq!(
            live.url("/payments"),
            "https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71/payments"
        );
        let sim = AdyenConfig::parse(
            r#"{"apiKey":"k","merchantAccount":"m","livePrefix":"x","baseUrl":"http://127.0.0.1:9/adyen/v71/"}"#,
        )
        .unwrap();
        assert_eq!(
            sim.url("/payments"),
            "http://127.0.0.1:9/adyen/v71/payments"
        );
        for bad in [
            r#"{}"#,
            r#"{"apiKey":"k"}"#,
            r#"{"apiKey":"","merchantAccount":"m"}"#,
            r#"{"apiKey":"k","merchantAccount":" "}"#,
            r#"{"apiKey":"k","merchantAccount":"m","hmacKey":"xyz"}"#,
            r#"{"apiKey":"k","merchantAccount":"m","hmacKey":""}"#,
            r#"{"apiKey":"k","merchantAccount":"m","baseUrl":"ftp://x"}"#,
            r#"{"apiKey":"k","merchantAccount":"m","livePrefix":"a.evil.com/"}"#,
        ] {
            assert!(
                matches!(
                    AdyenConfig::parse(bad),
                    Err(ConnectorError::InvalidConfig(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn result_codes_map_to_the_contract() {
        use PaymentStatus as P;
        let table = [
            ("Authorised", P::Succeeded),
            ("Pending", P::Pending),
            ("Received", P::Pending),
            ("RedirectShopper", P::RequiresAction),
            ("IdentifyShopper", P::RequiresAction),
            ("ChallengeShopper", P::RequiresAction),
            ("PresentToShopper", P::RequiresAction),
            ("Refused", P::Failed),
            ("Error", P::Failed),
            ("Cancelled", P::Canceled),
            ("PartiallyAuthorised", P::Pending),
            ("AuthenticationFinished", P::Pending),
            ("SomethingNew", P::Pending),
        ];
        for (adyen, beep) in table {
            let code: AdyenResultCode = serde_json::from_value(json!(adyen)).unwrap();
            assert_eq!(PaymentStatus::from(code), beep, "{adyen}");
        }
    }

    #[test]
    fn amounts_follow_adyen_decimals() {
        let a = |m: i64, c: &str| to_adyen_amount(&money(m, c)).unwrap();
        assert_eq!(
            a(1999, "EUR"),
            AdyenAmount {
                currency: "EUR".into(),
                value: 1999
            }
        );
        // JPY has no decimals: ¥1000 is 1000.
        assert_eq!(a(1000, "JPY").value, 1000);
        // KWD and BHD have three: 1.000 KWD is 1000, 12.345 BHD is 12345.
        assert_eq!(
            a(1000, "KWD"),
            AdyenAmount {
                currency: "KWD".into(),
                value: 1000
            }
        );
        assert_eq!(
            a(12345, "bhd"),
            AdyenAmount {
                currency: "BHD".into(),
                value: 12345
            }
        );
        // Where Adyen differs from ISO 4217.
        assert_eq!(a(5, "ISK").value, 500);
        assert_eq!(a(700, "CLP").value, 70000);
        assert_eq!(a(150000, "IDR").value, 1500);
        assert!(to_adyen_amount(&money(150050, "IDR")).is_err());
        assert!(to_adyen_amount(&money(1, "XXX")).is_err());
        let back = |v: i64, c: &str| {
            mm(&from_adyen_amount(&AdyenAmount {
                currency: c.into(),
                value: v,
            }))
        };
        assert_eq!(back(1000, "KWD"), (1000, "KWD".into()));
        assert_eq!(back(1000, "JPY"), (1000, "JPY".into()));
        assert_eq!(back(500, "ISK"), (5, "ISK".into()));
        assert_eq!(back(1500, "IDR"), (150000, "IDR".into()));
        assert_eq!(back(1999, "eur"), (1999, "EUR".into()));
    }

    fn request(token: &str, return_url: Option<&str>) -> PaymentRequest {
        PaymentRequest {
            id: "0190c2a4-5b8e-7c3d-9f00-112233445566".into(),
            amount: money(1999, "EUR"),
            reference: "order-9".into(),
            payment_method: token.into(),
            description: Some("Scan & Go".into()),
            return_url: return_url.map(String::from),
        }
    }

    #[test]
    fn payment_body_for_a_stored_token() {
        let body = PaymentRequestBody::new(&cfg(), &request("8416038790273850", None)).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "amount": {"currency": "EUR", "value": 1999},
                "merchantAccount": "BeepECOM",
                "reference": "0190c2a4-5b8e-7c3d-9f00-112233445566",
                "merchantOrderReference": "order-9",
                "paymentMethod": {"type": "scheme", "storedPaymentMethodId": "8416038790273850"},
                "returnUrl": FALLBACK_RETURN_URL,
                "shopperInteraction": "ContAuth",
                "recurringProcessingModel": "CardOnFile",
                "captureDelayHours": 0,
                "metadata": {
                    "beepDescription": "Scan & Go",
                    "beepPaymentId": "0190c2a4-5b8e-7c3d-9f00-112233445566",
                    "beepReference": "order-9"
                }
            })
        );
        let mut c = cfg();
        c.return_url = Some("https://shop.example/back".into());
        let body = PaymentRequestBody::new(&c, &request("t", None)).unwrap();
        assert_eq!(body.return_url, "https://shop.example/back");
        let body =
            PaymentRequestBody::new(&c, &request("t", Some("https://app.example/r"))).unwrap();
        assert_eq!(body.return_url, "https://app.example/r");
    }

    #[test]
    fn payment_methods_from_json_tokens() {
        let card = r#"{"type":"scheme","encryptedCardNumber":"test_4111111111111111","encryptedExpiryMonth":"test_03","encryptedExpiryYear":"test_2030","encryptedSecurityCode":"test_737"}"#;
        let m = payment_method_of(card).unwrap();
        assert_eq!(
            m.payment_method["encryptedCardNumber"],
            "test_4111111111111111"
        );
        assert!(!m.stored && m.shopper_reference.is_none());
        let body = PaymentRequestBody::new(&cfg(), &request(card, None)).unwrap();
        let v = serde_json::to_value(&body).unwrap();
        assert!(v.get("shopperInteraction").is_none());
        assert!(v.get("recurringProcessingModel").is_none());

        let wrapped = r#"{"paymentMethod":{"type":"scheme","storedPaymentMethodId":"841"},"shopperReference":"shopper-7"}"#;
        let m = payment_method_of(wrapped).unwrap();
        assert_eq!(
            m.payment_method,
            json!({"type":"scheme","storedPaymentMethodId":"841"})
        );
        assert_eq!(m.shopper_reference.as_deref(), Some("shopper-7"));
        assert!(m.stored);
        let v =
            serde_json::to_value(PaymentRequestBody::new(&cfg(), &request(wrapped, None)).unwrap())
                .unwrap();
        assert_eq!(v["shopperReference"], "shopper-7");
        assert_eq!(v["shopperInteraction"], "ContAuth");

        assert_eq!(
            payment_method_of(" adyen_test_authorised ")
                .unwrap()
                .payment_method,
            json!({"type": "scheme", "storedPaymentMethodId": "adyen_test_authorised"})
        );
        for bad in [
            r#"{"#,
            r#"{"foo":1}"#,
            r#"{"paymentMethod":"x"}"#,
            r#"{"paymentMethod":{"type":"scheme"},"shopperReference":5}"#,
        ] {
            assert!(
                matches!(payment_method_of(bad), Err(ConnectorError::Unsupported(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn idempotency_keys_derive_from_our_ids() {
        assert_eq!(payment_idempotency_key("pay_1"), "beep-payment-pay_1");
        assert_eq!(refund_idempotency_key("rf_1"), "beep-refund-rf_1");
        let uuid = "0190c2a4-5b8e-7c3d-9f00-112233445566";
        assert_eq!(
            payment_idempotency_key(uuid),
            format!("beep-payment-{uuid}")
        );
        let long = "x".repeat(80);
        let k = payment_idempotency_key(&long);
        assert_eq!(k.len(), 64);
        assert!(k.starts_with("beep-payment-"));
        assert_eq!(k, payment_idempotency_key(&long), "deterministic");
        assert_ne!(k, payment_idempotency_key(&"y".repeat(80)));
    }

    #[test]
    fn refund_body_and_reasons() {
        let req = RefundRequest {
            id: "rf_1".into(),
            payment_provider_reference: "993617894903480A".into(),
            amount: money(2500, "EUR"),
            reason: Some("requested_by_customer".into()),
        };
        assert_eq!(
            serde_json::to_value(RefundRequestBody::new(&cfg(), &req).unwrap()).unwrap(),
            json!({"amount": {"currency": "EUR", "value": 2500}, "merchantAccount": "BeepECOM",
                   "reference": "rf_1", "merchantRefundReason": "CUSTOMER REQUEST"})
        );
        assert_eq!(refund_reason(Some("fraudulent")), Some("FRAUD"));
        assert_eq!(refund_reason(Some("Returned goods")), Some("RETURN"));
        assert_eq!(refund_reason(Some("duplicate")), Some("DUPLICATE"));
        assert_eq!(refund_reason(Some("damaged item")), Some("OTHER"));
        assert_eq!(refund_reason(Some("  ")), None);
        assert_eq!(refund_reason(None), None);
        let v = serde_json::to_value(
            RefundRequestBody::new(
                &cfg(),
                &RefundRequest {
                    reason: None,
                    ..req
                },
            )
            .unwrap(),
        )
        .unwrap();
        assert!(v.get("merchantRefundReason").is_none());

        // The spec's example answer.
        let resp: AdyenRefundResponse = serde_json::from_value(json!({
            "merchantAccount": "YOUR_MERCHANT_ACCOUNT", "paymentPspReference": "993617894903480A",
            "reference": "YOUR_UNIQUE_REFERENCE", "pspReference": "993617894906488A",
            "status": "received", "amount": {"currency": "EUR", "value": 2500}
        }))
        .unwrap();
        let req = RefundRequest {
            id: "rf_1".into(),
            payment_provider_reference: "993617894903480A".into(),
            amount: money(2500, "EUR"),
            reason: None,
        };
        let r = refund_from(resp, &req);
        assert_eq!(r.provider_reference, "993617894906488A");
        assert_eq!(
            r.payment_provider_reference.as_deref(),
            Some("993617894903480A")
        );
        assert_eq!(r.status, RefundStatus::Pending);
        assert_eq!(mm(&r.amount), (2500, "EUR".into()));
    }

    #[test]
    fn payment_answers_map() {
        // The spec's `card-direct-200` example.
        let resp: AdyenPaymentResponse = serde_json::from_value(json!({
            "additionalData": {"authCode": "044925"}, "pspReference": "993617895204576J",
            "resultCode": "Authorised", "merchantReference": "string"
        }))
        .unwrap();
        let p = payment_from(resp, &money(1000, "USD"), "pay_1");
        assert_eq!(p.provider_reference, "993617895204576J");
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert_eq!(mm(&p.amount), (1000, "USD".into()));
        assert_eq!(p.captured.as_ref().map(mm), Some((1000, "USD".into())));
        assert_eq!(
            (p.failure_code, p.failure_message, p.action_url),
            (None, None, None)
        );

        let resp: AdyenPaymentResponse = serde_json::from_value(json!({
            "pspReference": "8816", "resultCode": "Refused", "refusalReason": "Not enough balance",
            "refusalReasonCode": "12", "amount": {"currency": "EUR", "value": 500}
        }))
        .unwrap();
        let p = payment_from(resp, &money(500, "EUR"), "pay_1");
        assert_eq!(p.status, PaymentStatus::Failed);
        assert_eq!(p.failure_code.as_deref(), Some("12"));
        assert_eq!(p.failure_message.as_deref(), Some("Not enough balance"));
        assert_eq!(p.captured.as_ref().map(mm), Some((0, "EUR".into())));

        let resp: AdyenPaymentResponse = serde_json::from_value(json!({
            "pspReference": "8817", "resultCode": "Error", "refusalReason": "Acquirer Error"
        }))
        .unwrap();
        let p = payment_from(resp, &money(500, "EUR"), "pay_1");
        assert_eq!(p.failure_code.as_deref(), Some("error"));
        assert_eq!(p.failure_message.as_deref(), Some("Acquirer Error"));

        // The spec's `card-3d-secure-redirect-200` example.
        let resp: AdyenPaymentResponse = serde_json::from_value(json!({
            "pspReference": "JLCMPCQ8HXSKGK82", "resultCode": "RedirectShopper",
            "action": {"paymentMethodType": "scheme", "url": "https://checkoutshopper-test.adyen.com/checkoutshopper/threeDS/redirect...",
                       "method": "GET", "type": "redirect"}
        }))
        .unwrap();
        let p = payment_from(resp, &money(500, "EUR"), "pay_1");
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        assert!(
            p.action_url
                .unwrap()
                .starts_with("https://checkoutshopper-test.adyen.com/")
        );
        assert!(p.captured.is_none());

        // The spec's `card-3d-secure-2-web-200` example: no url, no pspReference yet.
        let resp: AdyenPaymentResponse = serde_json::from_value(json!({
            "resultCode": "IdentifyShopper",
            "action": {"paymentData": "Ab02b4c0!…", "paymentMethodType": "scheme", "subtype": "fingerprint",
                       "token": "eyJ0…", "type": "threeDS2"}
        }))
        .unwrap();
        let p = payment_from(resp, &money(500, "EUR"), "pay_1");
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        assert_eq!(p.action_url, None);
        assert_eq!(p.provider_reference, "pay_1");

        let resp: AdyenPaymentResponse =
            serde_json::from_value(json!({"pspReference": "1", "resultCode": "Cancelled"}))
                .unwrap();
        let p = payment_from(resp, &money(500, "EUR"), "pay_1");
        assert_eq!(p.status, PaymentStatus::Canceled);
        assert_eq!(p.failure_code, None);
    }

    fn response(status: u16, headers: Vec<(&str, &str)>, body: Value) -> Response {
        Response {
            status,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string().into_bytes(),
        }
    }

    #[test]
    fn errors_carry_adyens_words() {
        let r = response(
            401,
            vec![],
            json!({"status": 401, "errorCode": "000",
            "message": "HTTP Status Response - Unauthorized", "errorType": "security"}),
        );
        match check(r) {
            Err(ConnectorError::Unauthorized(m)) => {
                assert_eq!(m, "HTTP Status Response - Unauthorized")
            }
            other => panic!("{other:?}"),
        }
        let r = response(
            403,
            vec![],
            json!({"status": 403, "errorCode": "901",
            "message": "Invalid Merchant Account", "errorType": "security", "pspReference": "881611827877203B"}),
        );
        match check(r) {
            Err(ConnectorError::Forbidden(m)) => assert_eq!(m, "Invalid Merchant Account (901)"),
            other => panic!("{other:?}"),
        }
        let r = response(
            422,
            vec![],
            json!({"status": 422, "errorCode": "14_030",
            "message": "Return URL is missing.", "errorType": "validation"}),
        );
        match check(r) {
            Err(ConnectorError::Upstream(e)) => {
                assert_eq!(e.status, 422);
                assert_eq!(e.message, "Return URL is missing. (14_030)");
            }
            other => panic!("{other:?}"),
        }
        let r = response(
            422,
            vec![("Transient-Error", "true")],
            json!({"status": 422,
            "errorCode": "704", "message": "request already processed or in progress", "errorType": "validation"}),
        );
        assert!(matches!(
            check(r),
            Err(ConnectorError::RateLimited(Some(1)))
        ));
        let r = response(429, vec![("Retry-After", "7")], json!({}));
        assert!(matches!(
            check(r),
            Err(ConnectorError::RateLimited(Some(7)))
        ));
        let r = response(
            500,
            vec![],
            json!({"status": 500, "errorCode": "905",
            "message": "Payment details are not supported", "errorType": "configuration"}),
        );
        match check(r) {
            Err(ConnectorError::Upstream(e)) => assert_eq!(
                (e.status, e.message.as_str()),
                (500, "Payment details are not supported (905)")
            ),
            other => panic!("{other:?}"),
        }
        let r = Response {
            status: 502,
            headers: vec![],
            body: b"Bad gateway".to_vec(),
        };
        assert!(
            matches!(check(r), Err(ConnectorError::Upstream(e)) if e.status == 502 && e.message == "Bad gateway")
        );
        assert!(check(response(200, vec![], json!({}))).is_ok());
    }

    #[test]
    fn webhook_signatures_are_verified() {
        let item = doc_item();
        assert_eq!(
            signing_string(&item),
            "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
        );
        assert_eq!(
            sign(DOC_KEY, &item),
            "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
        );
        assert!(verify_item(DOC_KEY, &item).is_ok());
        // Lower-case hex is the same key.
        assert!(verify_item(&DOC_KEY.to_ascii_lowercase(), &item).is_ok());
        let unauthorized = |r: Result<(), ConnectorError>| matches!(r, Err(ConnectorError::Unauthorized(m)) if m == "invalid webhook signature");
        for (field, value) in [
            ("amount", json!({"value": 1131, "currency": "EUR"})),
            ("success", json!("false")),
            ("eventCode", json!("REFUND")),
            ("originalReference", json!("1")),
            ("pspReference", json!("7914073381342285")),
        ] {
            let mut tampered = item.clone();
            tampered[field] = value;
            assert!(unauthorized(verify_item(DOC_KEY, &tampered)), "{field}");
        }
        let other_key = "00".repeat(32);
        assert!(unauthorized(verify_item(&other_key, &item)));
        let mut unsigned = item.clone();
        unsigned["additionalData"] = json!({});
        assert!(unauthorized(verify_item(DOC_KEY, &unsigned)));
        let mut garbage = item.clone();
        garbage["additionalData"]["hmacSignature"] = json!("not base64!");
        assert!(unauthorized(verify_item(DOC_KEY, &garbage)));
    }

    fn body_of(items: &[Value]) -> Vec<u8> {
        let items: Vec<Value> = items
            .iter()
            .map(|i| json!({"NotificationRequestItem": i}))
            .collect();
        json!({"live": "false", "notificationItems": items})
            .to_string()
            .into_bytes()
    }

    fn webhook(cfg: &str, body: Vec<u8>) -> Result<WebhookEvent, ConnectorError> {
        <Adyen as beep_sdk::psp::Psp>::parse_webhook(
            cfg.to_string(),
            WebhookRequest {
                headers: vec![],
                body,
                received_at: 0,
            },
        )
    }

    const WEBHOOK_CFG: &str = r#"{"apiKey":"k","merchantAccount":"TestMerchant","hmacKey":"44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"}"#;

    #[test]
    fn webhook_bodies_are_parsed_and_verified() {
        let e = webhook(WEBHOOK_CFG, body_of(&[doc_item()])).unwrap();
        assert_eq!(e.id, "7914073381342284:AUTHORISATION:true");
        assert_eq!(e.event_type, "AUTHORISATION");
        let p = e.payment.unwrap();
        assert_eq!(p.provider_reference, "7914073381342284");
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert_eq!(mm(&p.amount), (1130, "EUR".into()));

        // One forged item spoils the whole notification.
        let mut forged = doc_item();
        forged["pspReference"] = json!("9999999999999999");
        assert!(matches!(
            webhook(WEBHOOK_CFG, body_of(&[doc_item(), forged])),
            Err(ConnectorError::Unauthorized(_))
        ));
        assert!(matches!(
            webhook(WEBHOOK_CFG, b"not json".to_vec()),
            Err(ConnectorError::Internal(_))
        ));
        assert!(matches!(
            webhook(WEBHOOK_CFG, br#"{"notificationItems":[]}"#.to_vec()),
            Err(ConnectorError::Internal(_))
        ));
        let no_key = r#"{"apiKey":"k","merchantAccount":"TestMerchant"}"#;
        assert!(matches!(
            webhook(no_key, body_of(&[doc_item()])),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }

    fn signed(mut item: Value) -> Value {
        item["additionalData"] = json!({});
        let sig = sign(DOC_KEY, &item);
        item["additionalData"]["hmacSignature"] = json!(sig);
        item
    }

    #[test]
    fn notifications_map_to_events() {
        let refund = |success: &str, code: &str| {
            signed(json!({
                "amount": {"currency": "KWD", "value": 1500}, "eventCode": code,
                "merchantAccountCode": "TestMerchant", "merchantReference": "rf_1",
                "originalReference": "8816178952045761", "pspReference": "8826178952045762",
                "reason": if success == "true" { "" } else { "Insufficient balance on payment" },
                "success": success
            }))
        };
        let e = webhook(WEBHOOK_CFG, body_of(&[refund("true", "REFUND")])).unwrap();
        assert_eq!(e.id, "8826178952045762:REFUND:true");
        let r = e.refund.unwrap();
        assert_eq!(r.provider_reference, "8826178952045762");
        assert_eq!(
            r.payment_provider_reference.as_deref(),
            Some("8816178952045761")
        );
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(mm(&r.amount), (1500, "KWD".into()));
        assert_eq!(r.failure_message, None);

        let e = webhook(WEBHOOK_CFG, body_of(&[refund("false", "REFUND")])).unwrap();
        assert_eq!(e.id, "8826178952045762:REFUND:false");
        let r = e.refund.unwrap();
        assert_eq!(r.status, RefundStatus::Failed);
        assert_eq!(
            r.failure_message.as_deref(),
            Some("Insufficient balance on payment")
        );

        let e = webhook(WEBHOOK_CFG, body_of(&[refund("true", "REFUND_FAILED")])).unwrap();
        assert_eq!(e.refund.unwrap().status, RefundStatus::Failed);

        let refused = signed(json!({
            "amount": {"currency": "JPY", "value": 1000}, "eventCode": "AUTHORISATION",
            "merchantAccountCode": "TestMerchant", "merchantReference": "pay_1",
            "pspReference": "8836178952045763", "reason": "Refused", "success": "false"
        }));
        let p = webhook(WEBHOOK_CFG, body_of(&[refused]))
            .unwrap()
            .payment
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Failed);
        assert_eq!(p.failure_message.as_deref(), Some("Refused"));
        assert_eq!(mm(&p.amount), (1000, "JPY".into()));

        let cancel = signed(json!({
            "amount": {"currency": "EUR", "value": 1000}, "eventCode": "CANCELLATION",
            "merchantAccountCode": "TestMerchant", "merchantReference": "pay_1",
            "originalReference": "8846178952045764", "pspReference": "8856178952045765", "success": "true"
        }));
        let p = webhook(WEBHOOK_CFG, body_of(std::slice::from_ref(&cancel)))
            .unwrap()
            .payment
            .unwrap();
        assert_eq!(p.provider_reference, "8846178952045764");
        assert_eq!(p.status, PaymentStatus::Canceled);

        let mut failed_cancel = cancel.clone();
        failed_cancel["success"] = json!("false");
        let failed_cancel = signed(failed_cancel);
        let e = webhook(WEBHOOK_CFG, body_of(&[failed_cancel])).unwrap();
        assert!(e.payment.is_none() && e.refund.is_none());

        // Other merchant accounts and event types are acknowledged and change nothing.
        let mut foreign = cancel;
        foreign["merchantAccountCode"] = json!("SomeoneElse");
        let e = webhook(WEBHOOK_CFG, body_of(&[signed(foreign)])).unwrap();
        assert!(e.payment.is_none() && e.refund.is_none());
        let report = signed(json!({
            "amount": {"currency": "EUR", "value": 0}, "eventCode": "REPORT_AVAILABLE",
            "merchantAccountCode": "TestMerchant", "merchantReference": "",
            "pspReference": "settlement_detail_report_2026_07_01.csv", "success": "true"
        }));
        let e = webhook(WEBHOOK_CFG, body_of(&[report])).unwrap();
        assert_eq!(e.event_type, "REPORT_AVAILABLE");
        assert!(e.payment.is_none() && e.refund.is_none());
    }

    #[test]
    fn lookups_are_not_found() {
        let lookup = PaymentLookup {
            payment_id: "pay_1".into(),
            provider_reference: None,
        };
        assert!(matches!(
            <Adyen as beep_sdk::psp::Psp>::get_payment(WEBHOOK_CFG.into(), lookup),
            Err(ConnectorError::NotFound(_))
        ));
        assert_eq!(segment("8816/1"), "8816%2F1");
    }
}
