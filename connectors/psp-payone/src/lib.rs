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

use base64::Engine as _;
use beep_sdk::error::{internal, invalid_config, not_found, unauthorized};
use beep_sdk::prelude::*;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

pub const DEFAULT_BASE_URL: &str = "https://api.commerce.payone.com";
pub const PREPROD_BASE_URL: &str = "https://api.preprod.commerce.payone.com";
/// `PaymentReferences.merchantReference` holds at most 20 characters.
const SHORT_REFERENCE: usize = 20;
/// `CreateCommerceCaseRequest.merchantReference` holds at most 40 characters.
const CASE_REFERENCE_MAX: usize = 40;

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

impl beep_sdk::psp::Describe for Payone {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "payone".into(),
            kind: ConnectorKind::Psp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["payone".into()],
            hosts: vec![DEFAULT_BASE_URL.into(), PREPROD_BASE_URL.into()],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

// ---- config and signing -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoneConfig {
    pub api_key: beep_sdk::config::Secret,
    pub api_secret: beep_sdk::config::Secret,
    pub merchant_id: String,
    #[serde(default)]
    pub base_url: Option<String>,
}

fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

impl PayoneConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: PayoneConfig = parse_config(config)?;
        if cfg.api_key.trim().is_empty() || cfg.api_key.contains(':') {
            return Err(invalid_config("apiKey must be a PCP API key id"));
        }
        if cfg.api_secret.is_empty() {
            return Err(invalid_config("apiSecret must not be empty"));
        }
        if !is_safe_segment(&cfg.merchant_id) {
            return Err(invalid_config("merchantId must be a PCP merchant id"));
        }
        if let Some(u) = &cfg.base_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(invalid_config("baseUrl must be an http(s) URL"));
        }
        Ok(cfg)
    }

    fn url(&self, path: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        format!(
            "{}/v1/{}{path}",
            base.trim_end_matches('/'),
            self.merchant_id
        )
    }

    /// Adds `Date` and the GCS v1HMAC `Authorization` to a finished request.
    fn sign(&self, req: Request, date: &str) -> Request {
        let method = match req.method {
            beep_sdk::http::Method::Get => "GET",
            beep_sdk::http::Method::Post => "POST",
            beep_sdk::http::Method::Put => "PUT",
            beep_sdk::http::Method::Patch => "PATCH",
            beep_sdk::http::Method::Delete => "DELETE",
        };
        let content_type = req
            .headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let path = path_and_query(&req.url);
        let signature = signature(
            &self.api_secret,
            &string_to_sign(method, &content_type, date, &path),
        );
        req.header("date", date).header(
            "authorization",
            format!("GCS v1HMAC:{}:{signature}", self.api_key.expose()),
        )
    }

    fn send(&self, req: Request) -> Result<Response, ConnectorError> {
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        self.sign(req.header("accept", "application/json"), &date)
            .send()
    }
}

/// The path and query of an absolute URL (`/` when it has none).
pub fn path_and_query(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('?') => format!("/{}", &rest[i..]),
        Some(i) => rest[i..].to_string(),
        None => "/".into(),
    }
}

/// PCP's canonical request (no `X-GCS-*` headers are sent, so none are canonicalised).
pub fn string_to_sign(method: &str, content_type: &str, date: &str, path: &str) -> String {
    format!("{method}\n{content_type}\n{date}\n{path}\n")
}

pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

// ---- amounts ------------------------------------------------------------------------------

/// `AmountOfMoney`: an integer with two implied decimals, whatever the currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountOfMoney {
    pub amount: i64,
    pub currency_code: String,
}

impl AmountOfMoney {
    pub fn from_money(money: &Money) -> Result<Self, ConnectorError> {
        let currency = money.currency.to_ascii_uppercase();
        let exp = beep_sdk::money::exponent(&currency)
            .ok_or_else(|| invalid_config(format!("unknown currency {currency:?}")))?;
        let amount = if exp <= 2 {
            money
                .amount
                .checked_mul(10i64.pow(2 - exp as u32))
                .ok_or_else(|| invalid_config("amount too large"))?
        } else {
            let div = 10i64.pow(exp as u32 - 2);
            if money.amount % div != 0 {
                return Err(invalid_config(format!(
                    "PAYONE amounts carry two decimals: {} minor units of {currency} cannot be expressed",
                    money.amount
                )));
            }
            money.amount / div
        };
        Ok(AmountOfMoney {
            amount,
            currency_code: currency,
        })
    }

    pub fn to_money(&self) -> Result<Money, ConnectorError> {
        let exp = beep_sdk::money::exponent(&self.currency_code).ok_or_else(|| {
            internal(format!(
                "PAYONE answered a currency {:?}",
                self.currency_code
            ))
        })?;
        let amount = if exp <= 2 {
            let div = 10i64.pow(2 - exp as u32);
            if self.amount % div != 0 {
                return Err(internal(format!("PAYONE answered an amount {self:?}")));
            }
            self.amount / div
        } else {
            self.amount * 10i64.pow(exp as u32 - 2)
        };
        Ok(beep_sdk::money::money(amount, &self.currency_code))
    }
}

/// A `PaymentReferences.merchantReference` (20 characters at most) derived from a BEEP!
/// id: the last 20 alphanumerics (of a UUIDv7, its random part).
pub fn short_reference(id: &str) -> String {
    let chars: Vec<char> = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    chars[chars.len().saturating_sub(SHORT_REFERENCE)..]
        .iter()
        .collect()
}

// ---- requests -----------------------------------------------------------------------------

pub fn create_case_body(req: &PaymentRequest) -> Result<Value, ConnectorError> {
    if req.id.chars().count() > CASE_REFERENCE_MAX {
        return Err(internal("payment id longer than PCP's merchantReference"));
    }
    let amount = AmountOfMoney::from_money(&req.amount)?;
    Ok(serde_json::json!({
        "merchantReference": req.id,
        "checkout": {
            "amountOfMoney": amount,
            "references": {"merchantReference": req.id},
        }
    }))
}

pub fn execution_body(req: &PaymentRequest) -> Result<Value, ConnectorError> {
    let amount = AmountOfMoney::from_money(&req.amount)?;
    let mut card = serde_json::json!({
        "paymentProcessingToken": req.payment_method.trim(),
        "authorizationMode": "SALE",
    });
    if let Some(url) = req.return_url.as_deref().filter(|u| !u.trim().is_empty()) {
        card["returnUrl"] = Value::String(url.to_string());
    }
    Ok(serde_json::json!({
        "paymentMethodSpecificInput": {"cardPaymentMethodSpecificInput": card},
        "paymentExecutionSpecificInput": {
            "amountOfMoney": amount,
            "paymentReferences": {"merchantReference": short_reference(&req.id)},
        }
    }))
}

pub fn refund_body(req: &RefundRequest) -> Result<Value, ConnectorError> {
    let mut body = serde_json::json!({
        "amountOfMoney": AmountOfMoney::from_money(&req.amount)?,
        "references": {"merchantReference": short_reference(&req.id)},
    });
    if let Some(reason) = req
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        body["return"] =
            serde_json::json!({"returnReason": reason.chars().take(255).collect::<String>()});
    }
    Ok(body)
}

// ---- responses and status -----------------------------------------------------------------

/// `StatusValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PcpStatus {
    Created,
    Cancelled,
    Rejected,
    RejectedCapture,
    Redirected,
    PendingPayment,
    PendingCompletion,
    PendingCapture,
    AuthorizationRequested,
    CaptureRequested,
    Captured,
    Reversed,
    RefundRequested,
    Refunded,
    RejectedRefund,
    CancellationRequested,
    Paused,
    Chargebacked,
    ChargebackReversed,
    #[serde(other)]
    Other,
}

/// `StatusCategoryValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusCategory {
    Created,
    Unsuccessful,
    PendingPayment,
    PendingMerchant,
    PendingConnectOr3rdParty,
    Completed,
    Reversed,
    Refunded,
    #[serde(other)]
    Other,
}

/// What PCP says about a payment: the `StatusValue` and, when it gave one, the
/// `statusOutput.statusCategory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcpState {
    pub status: Option<PcpStatus>,
    pub category: Option<StatusCategory>,
}

impl From<PcpState> for PaymentStatus {
    fn from(s: PcpState) -> Self {
        use PcpStatus as S;
        match s.status {
            Some(S::Created | S::PendingPayment | S::AuthorizationRequested) => {
                PaymentStatus::Pending
            }
            Some(S::Redirected) => PaymentStatus::RequiresAction,
            Some(S::PendingCompletion | S::PendingCapture | S::CaptureRequested | S::Paused) => {
                PaymentStatus::Authorized
            }
            Some(
                S::Captured
                | S::RefundRequested
                | S::Refunded
                | S::RejectedRefund
                | S::Chargebacked
                | S::ChargebackReversed,
            ) => PaymentStatus::Succeeded,
            Some(S::Rejected | S::RejectedCapture) => PaymentStatus::Failed,
            Some(S::Cancelled | S::Reversed | S::CancellationRequested) => PaymentStatus::Canceled,
            Some(S::Other) | None => match s.category {
                Some(StatusCategory::Completed | StatusCategory::Refunded) => {
                    PaymentStatus::Succeeded
                }
                Some(StatusCategory::PendingMerchant) => PaymentStatus::Authorized,
                Some(StatusCategory::Unsuccessful) => PaymentStatus::Failed,
                Some(StatusCategory::Reversed) => PaymentStatus::Canceled,
                _ => PaymentStatus::Pending,
            },
        }
    }
}

impl From<PcpState> for RefundStatus {
    fn from(s: PcpState) -> Self {
        match (s.status, s.category) {
            (Some(PcpStatus::Refunded), _) | (None, Some(StatusCategory::Refunded)) => {
                RefundStatus::Succeeded
            }
            (Some(PcpStatus::RejectedRefund | PcpStatus::Rejected), _)
            | (None, Some(StatusCategory::Unsuccessful)) => RefundStatus::Failed,
            _ => RefundStatus::Pending,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusOutput {
    #[serde(default)]
    pub status_category: Option<StatusCategory>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOutput {
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResponse {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<PcpStatus>,
    #[serde(default)]
    pub status_output: Option<StatusOutput>,
    #[serde(default)]
    pub payment_output: Option<PaymentOutput>,
}

#[derive(Debug, Deserialize)]
pub struct RedirectData {
    #[serde(rename = "redirectURL", default)]
    pub redirect_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantAction {
    #[serde(default)]
    pub action_type: Option<String>,
    #[serde(default)]
    pub redirect_data: Option<RedirectData>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentResponse {
    #[serde(default)]
    pub payment_execution_id: Option<String>,
    #[serde(default)]
    pub payment: Option<PaymentResponse>,
    #[serde(default)]
    pub merchant_action: Option<MerchantAction>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckoutResponse {
    pub checkout_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCommerceCaseResponse {
    pub commerce_case_id: String,
    pub checkout: CreateCheckoutResponse,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentEvent {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
    #[serde(default)]
    pub payment_status: Option<PcpStatus>,
    #[serde(default)]
    pub merchant_reference: Option<String>,
    #[serde(default)]
    pub payment_event_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentExecution {
    pub payment_execution_id: String,
    #[serde(default)]
    pub events: Vec<PaymentEvent>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutResponse {
    #[serde(default)]
    pub commerce_case_id: Option<String>,
    pub checkout_id: String,
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
    #[serde(default)]
    pub payment_executions: Vec<PaymentExecution>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommerceCaseResponse {
    pub commerce_case_id: String,
    #[serde(default)]
    pub merchant_reference: Option<String>,
    #[serde(default)]
    pub checkouts: Vec<CheckoutResponse>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundOutput {
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundPaymentResponse {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<PcpStatus>,
    #[serde(default)]
    pub status_output: Option<StatusOutput>,
    #[serde(default)]
    pub refund_output: Option<RefundOutput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub property_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// `{commerceCaseId}/{checkoutId}/{paymentExecutionId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub commerce_case_id: String,
    pub checkout_id: String,
    pub payment_execution_id: Option<String>,
}

impl Reference {
    pub fn parse(text: &str) -> Result<Self, ConnectorError> {
        let parts: Vec<&str> = text.split('/').collect();
        let bad = || not_found(format!("{text:?} is not a PAYONE payment reference"));
        if !parts.iter().all(|p| is_safe_segment(p)) {
            return Err(bad());
        }
        match parts.as_slice() {
            [cc, co] => Ok(Reference {
                commerce_case_id: cc.to_string(),
                checkout_id: co.to_string(),
                payment_execution_id: None,
            }),
            [cc, co, pe] => Ok(Reference {
                commerce_case_id: cc.to_string(),
                checkout_id: co.to_string(),
                payment_execution_id: Some(pe.to_string()),
            }),
            _ => Err(bad()),
        }
    }

    pub fn to_text(&self) -> String {
        match &self.payment_execution_id {
            Some(pe) => format!("{}/{}/{pe}", self.commerce_case_id, self.checkout_id),
            None => format!("{}/{}", self.commerce_case_id, self.checkout_id),
        }
    }

    fn checkout_path(&self) -> String {
        format!(
            "/commerce-cases/{}/checkouts/{}",
            self.commerce_case_id, self.checkout_id
        )
    }
}

fn is_payment_event(e: &PaymentEvent) -> bool {
    !matches!(
        e.kind.as_deref(),
        Some("REFUND" | "CHARGEBACK" | "CHARGEBACK_REVERSAL" | "CREDIT_NOTE" | "DEBIT_NOTE")
    )
}

/// A BEEP! payment from an execution as a Checkout lists it: the state of its latest
/// payment event, captured = the CAPTURED SALE/CAPTURE events.
pub fn payment_from_execution(
    cc: &str,
    checkout: &CheckoutResponse,
    pe: &PaymentExecution,
    fallback_amount: Option<&Money>,
) -> Result<Payment, ConnectorError> {
    let last = pe.events.iter().rev().find(|e| is_payment_event(e));
    let state = PcpState {
        status: last.and_then(|e| e.payment_status),
        category: None,
    };
    let status = PaymentStatus::from(state);
    let amount = match (
        pe.events.first().and_then(|e| e.amount_of_money.as_ref()),
        &checkout.amount_of_money,
    ) {
        (Some(a), _) | (None, Some(a)) => a.to_money()?,
        (None, None) => fallback_amount
            .cloned()
            .ok_or_else(|| internal("PAYONE answered an execution without an amount"))?,
    };
    let mut captured = 0i64;
    for e in &pe.events {
        if matches!(e.kind.as_deref(), Some("SALE" | "CAPTURE"))
            && e.payment_status == Some(PcpStatus::Captured)
            && let Some(a) = &e.amount_of_money
        {
            captured += a.to_money()?.amount;
        }
    }
    let captured = (captured > 0 || status == PaymentStatus::Succeeded)
        .then(|| beep_sdk::money::money(captured, &amount.currency));
    let (failure_code, failure_message) = failure_of(status, last.and_then(|e| e.payment_status));
    Ok(Payment {
        provider_reference: Reference {
            commerce_case_id: cc.to_string(),
            checkout_id: checkout.checkout_id.clone(),
            payment_execution_id: Some(pe.payment_execution_id.clone()),
        }
        .to_text(),
        status,
        amount,
        captured,
        failure_code,
        failure_message,
        action_url: None,
    })
}

fn failure_of(status: PaymentStatus, pcp: Option<PcpStatus>) -> (Option<String>, Option<String>) {
    match status {
        PaymentStatus::Failed => (
            Some("rejected".into()),
            Some(format!(
                "PAYONE rejected the payment ({})",
                pcp.map(|s| format!("{s:?}")).unwrap_or_default()
            )),
        ),
        PaymentStatus::Canceled => (Some("canceled".into()), None),
        _ => (None, None),
    }
}

/// A BEEP! payment from the answer to `POST …/payment-executions`.
pub fn payment_from_created(
    reference: &Reference,
    resp: &CreatePaymentResponse,
    requested: &Money,
) -> Result<Payment, ConnectorError> {
    let p = resp.payment.as_ref();
    let state = PcpState {
        status: p.and_then(|p| p.status),
        category: p
            .and_then(|p| p.status_output.as_ref())
            .and_then(|s| s.status_category),
    };
    let status = PaymentStatus::from(state);
    let amount = match p
        .and_then(|p| p.payment_output.as_ref())
        .and_then(|o| o.amount_of_money.as_ref())
    {
        Some(a) => a.to_money()?,
        None => requested.clone(),
    };
    let captured = (status == PaymentStatus::Succeeded).then(|| amount.clone());
    let action_url = match status {
        PaymentStatus::RequiresAction => resp
            .merchant_action
            .as_ref()
            .and_then(|a| a.redirect_data.as_ref())
            .and_then(|r| r.redirect_url.clone()),
        _ => None,
    };
    let (failure_code, failure_message) = failure_of(status, state.status);
    Ok(Payment {
        provider_reference: Reference {
            payment_execution_id: resp.payment_execution_id.clone(),
            ..reference.clone()
        }
        .to_text(),
        status,
        amount,
        captured,
        failure_code,
        failure_message,
        action_url,
    })
}

pub fn refund_from_response(
    r: &RefundPaymentResponse,
    payment_reference: &str,
    requested: &Money,
) -> Result<Refund, ConnectorError> {
    let state = PcpState {
        status: r.status,
        category: r.status_output.as_ref().and_then(|s| s.status_category),
    };
    let status = RefundStatus::from(state);
    let amount = match r
        .refund_output
        .as_ref()
        .and_then(|o| o.amount_of_money.as_ref())
    {
        Some(a) => a.to_money()?,
        None => requested.clone(),
    };
    Ok(Refund {
        provider_reference: r
            .id
            .clone()
            .ok_or_else(|| internal("PAYONE answered a refund without an id"))?,
        payment_provider_reference: Some(payment_reference.to_string()),
        status,
        amount,
        failure_message: (status == RefundStatus::Failed)
            .then(|| "PAYONE rejected the refund".to_string()),
    })
}

pub fn refund_from_event(
    e: &PaymentEvent,
    payment_reference: &str,
) -> Result<Refund, ConnectorError> {
    let status = RefundStatus::from(PcpState {
        status: e.payment_status,
        category: None,
    });
    Ok(Refund {
        provider_reference: e
            .payment_event_id
            .clone()
            .ok_or_else(|| internal("PAYONE listed a refund without an id"))?,
        payment_provider_reference: Some(payment_reference.to_string()),
        status,
        amount: e
            .amount_of_money
            .as_ref()
            .ok_or_else(|| internal("PAYONE listed a refund without an amount"))?
            .to_money()?,
        failure_message: (status == RefundStatus::Failed)
            .then(|| "PAYONE rejected the refund".to_string()),
    })
}

// ---- errors -------------------------------------------------------------------------------

pub fn error_of(resp: &Response) -> Option<(String, String)> {
    let e: ErrorResponse = serde_json::from_slice(&resp.body).ok()?;
    let first = e.errors.into_iter().next()?;
    let code = first
        .id
        .clone()
        .or(first.error_code.clone())
        .unwrap_or_default();
    let mut message = first.message.or(first.id).or(first.error_code)?;
    if let Some(p) = first.property_name
        && !message.contains(&p)
    {
        message = format!("{message} (property: {p})");
    }
    Some((code, message))
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| error_of(r).map(|(_, m)| m))
}

// ---- calls --------------------------------------------------------------------------------

fn fetch_checkout(cfg: &PayoneConfig, r: &Reference) -> Result<CheckoutResponse, ConnectorError> {
    let resp = cfg.send(Request::get(cfg.url(&r.checkout_path())))?;
    check(resp)?.json()
}

fn find_case(
    cfg: &PayoneConfig,
    payment_id: &str,
) -> Result<Option<CommerceCaseResponse>, ConnectorError> {
    let req = Request::get(cfg.url("/commerce-cases")).query(&[("merchantReference", payment_id)]);
    let cases: Vec<CommerceCaseResponse> = check(cfg.send(req)?)?.json()?;
    Ok(cases
        .into_iter()
        .find(|c| c.merchant_reference.as_deref() == Some(payment_id)))
}

/// The payment of a case: its first checkout's latest execution.
fn payment_of_case(case: &CommerceCaseResponse) -> Option<Result<Payment, ConnectorError>> {
    let checkout = case.checkouts.first()?;
    let pe = checkout.payment_executions.last()?;
    Some(payment_from_execution(
        &case.commerce_case_id,
        checkout,
        pe,
        None,
    ))
}

impl beep_sdk::psp::Psp for Payone {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        let req = Request::get(cfg.url("/commerce-cases")).query(&[("offset", "0"), ("size", "1")]);
        check(cfg.send(req)?)?;
        Ok(())
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        let case_body = create_case_body(&request)?;
        let exec_body = execution_body(&request)?;
        // An earlier attempt may have created the case (and even executed the payment).
        let reference = match find_case(&cfg, &request.id)? {
            Some(case) => {
                if let Some(p) = payment_of_case(&case) {
                    beep_sdk::log::info("PAYONE already holds this payment: reconciled");
                    return p;
                }
                match case.checkouts.first() {
                    Some(co) => Reference {
                        commerce_case_id: case.commerce_case_id.clone(),
                        checkout_id: co.checkout_id.clone(),
                        payment_execution_id: None,
                    },
                    None => return Err(internal("PAYONE commerce case without a checkout")),
                }
            }
            None => {
                let req = Request::post(cfg.url("/commerce-cases")).json(&case_body)?;
                let created: CreateCommerceCaseResponse = check(cfg.send(req)?)?.json()?;
                Reference {
                    commerce_case_id: created.commerce_case_id,
                    checkout_id: created.checkout.checkout_id,
                    payment_execution_id: None,
                }
            }
        };
        let path = format!("{}/payment-executions", reference.checkout_path());
        let resp = cfg.send(Request::post(cfg.url(&path)).json(&exec_body)?)?;
        if resp.status == 402 {
            // Declined by the acquirer: the execution exists, REJECTED.
            let (code, message) = error_of(&resp)
                .unwrap_or_else(|| ("declined".into(), "the payment was declined".into()));
            let checkout = fetch_checkout(&cfg, &reference)?;
            let mut payment = match checkout.payment_executions.last() {
                Some(pe) => payment_from_execution(
                    &reference.commerce_case_id,
                    &checkout,
                    pe,
                    Some(&request.amount),
                )?,
                None => Payment {
                    provider_reference: reference.to_text(),
                    status: PaymentStatus::Failed,
                    amount: request.amount.clone(),
                    captured: None,
                    failure_code: None,
                    failure_message: None,
                    action_url: None,
                },
            };
            payment.status = PaymentStatus::Failed;
            payment.captured = None;
            payment.failure_code = Some(code);
            payment.failure_message = Some(message);
            return Ok(payment);
        }
        let created: CreatePaymentResponse = check(resp)?.json()?;
        payment_from_created(&reference, &created, &request.amount)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        match lookup.provider_reference.as_deref() {
            Some(text) => {
                let r = Reference::parse(text)?;
                let checkout = fetch_checkout(&cfg, &r)?;
                let pe = match &r.payment_execution_id {
                    Some(id) => checkout
                        .payment_executions
                        .iter()
                        .find(|p| &p.payment_execution_id == id),
                    None => checkout.payment_executions.last(),
                }
                .ok_or_else(|| not_found(format!("PAYONE has no payment execution {text}")))?;
                payment_from_execution(&r.commerce_case_id, &checkout, pe, None)
            }
            None => {
                let case = find_case(&cfg, &lookup.payment_id)?.ok_or_else(|| {
                    not_found(format!(
                        "PAYONE has no commerce case with merchantReference {}",
                        lookup.payment_id
                    ))
                })?;
                payment_of_case(&case).unwrap_or_else(|| {
                    Err(not_found(format!(
                        "the commerce case of {} holds no payment execution",
                        lookup.payment_id
                    )))
                })
            }
        }
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        let r = Reference::parse(&request.payment_provider_reference)?;
        let pe = r
            .payment_execution_id
            .clone()
            .ok_or_else(|| not_found("the payment reference names no payment execution"))?;
        let body = refund_body(&request)?;
        let path = format!("{}/payment-executions/{pe}/refund", r.checkout_path());
        let resp = cfg.send(Request::post(cfg.url(&path)).json(&body)?)?;
        if resp.status == 409 {
            // PCP refuses a second refund with the same merchantReference: an earlier
            // attempt went through. Answer from its event.
            let wanted = short_reference(&request.id);
            let checkout = fetch_checkout(&cfg, &r)?;
            let event = checkout
                .payment_executions
                .iter()
                .find(|p| p.payment_execution_id == pe)
                .and_then(|p| {
                    p.events.iter().find(|e| {
                        e.kind.as_deref() == Some("REFUND")
                            && e.merchant_reference.as_deref() == Some(wanted.as_str())
                    })
                });
            return match event {
                Some(e) => refund_from_event(e, &request.payment_provider_reference),
                None => Err(check(resp).err().unwrap_or_else(|| internal("409"))),
            };
        }
        let created: RefundPaymentResponse = check(resp)?.json()?;
        refund_from_response(
            &created,
            &request.payment_provider_reference,
            &request.amount,
        )
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = PayoneConfig::parse(&config)?;
        let r = webhook_reference(&request.body)?;
        let checkout = fetch_checkout(&cfg, &r).map_err(|e| match e {
            ConnectorError::NotFound(m) => unauthorized(format!("unknown payment: {m}")),
            other => other,
        })?;
        let pe = checkout
            .payment_executions
            .iter()
            .find(|p| Some(&p.payment_execution_id) == r.payment_execution_id.as_ref())
            .ok_or_else(|| unauthorized("PAYONE does not know this payment execution"))?;
        webhook_event_from(&r.commerce_case_id, &checkout, pe)
    }
}

/// The ids a notification names (top level, or under `payment` / `paymentExecution`).
pub fn webhook_reference(body: &[u8]) -> Result<Reference, ConnectorError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|_| unauthorized("webhook body is not JSON"))?;
    let find = |name: &str| -> Option<String> {
        [&v, &v["payment"], &v["paymentExecution"]]
            .iter()
            .find_map(|o| o.get(name).and_then(Value::as_str).map(str::to_string))
    };
    let (Some(cc), Some(co), Some(pe)) = (
        find("commerceCaseId"),
        find("checkoutId"),
        find("paymentExecutionId"),
    ) else {
        return Err(unauthorized(
            "webhook names no commerceCaseId/checkoutId/paymentExecutionId",
        ));
    };
    Reference::parse(&format!("{cc}/{co}/{pe}")).map_err(|_| unauthorized("malformed ids"))
}

pub fn webhook_event_from(
    cc: &str,
    checkout: &CheckoutResponse,
    pe: &PaymentExecution,
) -> Result<WebhookEvent, ConnectorError> {
    let payment = payment_from_execution(cc, checkout, pe, None)?;
    let status = payment_status_name(payment.status);
    let last_refund = pe
        .events
        .iter()
        .rev()
        .find(|e| e.kind.as_deref() == Some("REFUND"));
    let (id, event_type, refund) = match last_refund {
        Some(e) => {
            let refund = refund_from_event(e, &payment.provider_reference)?;
            let rs = refund_status_name(refund.status);
            (
                format!(
                    "{}:{status}:{}:{rs}",
                    pe.payment_execution_id, refund.provider_reference
                ),
                format!("refund.{rs}"),
                Some(refund),
            )
        }
        None => (
            format!("{}:{status}", pe.payment_execution_id),
            format!("payment.{status}"),
            None,
        ),
    };
    Ok(WebhookEvent {
        id,
        event_type,
        payment: Some(payment),
        refund,
    })
}

fn payment_status_name(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Pending => "pending",
        PaymentStatus::RequiresAction => "requires_action",
        PaymentStatus::Authorized => "authorized",
        PaymentStatus::Succeeded => "succeeded",
        PaymentStatus::Failed => "failed",
        PaymentStatus::Canceled => "canceled",
    }
}

fn refund_status_name(s: RefundStatus) -> &'static str {
    match s {
        RefundStatus::Pending => "pending",
        RefundStatus::Succeeded => "succeeded",
        RefundStatus::Failed => "failed",
    }
}

beep_sdk::export_psp!(Payone);

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::money::money;
    use serde_json::json;

    fn mm(m: &Money) -> (i64, String) {
        (m.amount, m.currency.clone())
    }

    #[test]
    fn signature_matches_an_independent_vector() {
        // Computed with Python's hmac/hashlib/base64, not with this code.
        let s = string_to_sign(
            "POST",
            "application/json",
            "Tue, 15 Nov 1994 08:12:31 GMT",
            "/v1/M1/commerce-cases",
        );
        assert_eq!(
            s,
            "POST\napplication/json\nTue, 15 Nov 1994 08:12:31 GMT\n/v1/M1/commerce-cases\n"
        );
        assert_eq!(
            signature("sim-secret", &s),
            "txMsNQTKcAUC1PamwEmeeRmNe+yXlWsuVoJsubXO/e4="
        );
        // A GET: empty content type, the base URL's prefix and the query are signed.
        let cfg = PayoneConfig::parse(
            r#"{"apiKey":"K1","apiSecret":"sim-secret","merchantId":"M1","baseUrl":"http://127.0.0.1:9/payone/"}"#,
        )
        .unwrap();
        let req = Request::get(cfg.url("/commerce-cases")).query(&[("merchantReference", "abc")]);
        let signed = cfg.sign(req, "Tue, 15 Nov 1994 08:12:31 GMT");
        let auth = signed
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap();
        assert_eq!(
            auth.1,
            "GCS v1HMAC:K1:Ej3fDhETWCaAuFK5kO7K1K7knS46KmAecLG9rI7Q5uE="
        );
        assert!(
            signed
                .headers
                .contains(&("date".into(), "Tue, 15 Nov 1994 08:12:31 GMT".into()))
        );
        assert_eq!(path_and_query("https://h.example"), "/");
        assert_eq!(path_and_query("https://h.example?a=1"), "/?a=1");
    }

    #[test]
    fn amounts_have_two_implied_decimals() {
        let a = AmountOfMoney::from_money(&money(1999, "EUR")).unwrap();
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            json!({"amount": 1999, "currencyCode": "EUR"})
        );
        let a = AmountOfMoney::from_money(&money(1000, "JPY")).unwrap();
        assert_eq!(a.amount, 100000);
        assert_eq!(mm(&a.to_money().unwrap()), (1000, "JPY".into()));
        let a = AmountOfMoney::from_money(&money(1230, "KWD")).unwrap();
        assert_eq!(a.amount, 123);
        assert_eq!(mm(&a.to_money().unwrap()), (1230, "KWD".into()));
        assert!(matches!(
            AmountOfMoney::from_money(&money(1234, "KWD")),
            Err(ConnectorError::InvalidConfig(_))
        ));
        assert!(AmountOfMoney::from_money(&money(1, "XXX")).is_err());
        assert!(
            AmountOfMoney {
                amount: 150,
                currency_code: "JPY".into()
            }
            .to_money()
            .is_err()
        );
    }

    #[test]
    fn statuses_map() {
        let p = |s: &str| {
            PaymentStatus::from(PcpState {
                status: serde_json::from_value(json!(s)).ok(),
                category: None,
            })
        };
        assert_eq!(p("CAPTURED"), PaymentStatus::Succeeded);
        assert_eq!(p("REFUNDED"), PaymentStatus::Succeeded);
        assert_eq!(p("PENDING_CAPTURE"), PaymentStatus::Authorized);
        assert_eq!(p("REDIRECTED"), PaymentStatus::RequiresAction);
        assert_eq!(p("AUTHORIZATION_REQUESTED"), PaymentStatus::Pending);
        assert_eq!(p("CREATED"), PaymentStatus::Pending);
        assert_eq!(p("REJECTED"), PaymentStatus::Failed);
        assert_eq!(p("CANCELLED"), PaymentStatus::Canceled);
        assert_eq!(p("REVERSED"), PaymentStatus::Canceled);
        let c = |s: &str| {
            PaymentStatus::from(PcpState {
                status: Some(PcpStatus::Other),
                category: serde_json::from_value(json!(s)).ok(),
            })
        };
        assert_eq!(c("COMPLETED"), PaymentStatus::Succeeded);
        assert_eq!(c("PENDING_MERCHANT"), PaymentStatus::Authorized);
        assert_eq!(c("UNSUCCESSFUL"), PaymentStatus::Failed);
        assert_eq!(c("PENDING_CONNECT_OR_3RD_PARTY"), PaymentStatus::Pending);
        let r = |s: PcpStatus| {
            RefundStatus::from(PcpState {
                status: Some(s),
                category: None,
            })
        };
        assert_eq!(r(PcpStatus::Refunded), RefundStatus::Succeeded);
        assert_eq!(r(PcpStatus::RefundRequested), RefundStatus::Pending);
        assert_eq!(r(PcpStatus::RejectedRefund), RefundStatus::Failed);
    }

    fn payment_request(token: &str) -> PaymentRequest {
        PaymentRequest {
            id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
            amount: money(1000, "JPY"),
            reference: "order-1".into(),
            payment_method: token.into(),
            description: None,
            return_url: Some("https://shop.example/r".into()),
        }
    }

    #[test]
    fn request_bodies() {
        let req = payment_request("payone_test_ok");
        assert_eq!(
            create_case_body(&req).unwrap(),
            json!({"merchantReference": req.id, "checkout": {
                "amountOfMoney": {"amount": 100000, "currencyCode": "JPY"},
                "references": {"merchantReference": req.id}}})
        );
        let body = execution_body(&req).unwrap();
        assert_eq!(
            body["paymentMethodSpecificInput"]["cardPaymentMethodSpecificInput"],
            json!({"paymentProcessingToken": "payone_test_ok", "authorizationMode": "SALE", "returnUrl": "https://shop.example/r"})
        );
        assert_eq!(
            body["paymentExecutionSpecificInput"]["paymentReferences"]["merchantReference"],
            "774bbcceb302099a8057"
        );
        assert_eq!(short_reference("abc"), "abc");
        let refund = refund_body(&RefundRequest {
            id: "rf-1".into(),
            payment_provider_reference: "a/b/c".into(),
            amount: money(500, "EUR"),
            reason: Some(" damaged ".into()),
        })
        .unwrap();
        assert_eq!(
            refund,
            json!({"amountOfMoney": {"amount": 500, "currencyCode": "EUR"},
                   "references": {"merchantReference": "rf1"},
                   "return": {"returnReason": "damaged"}})
        );
    }

    #[test]
    fn created_payments_map() {
        let r = Reference::parse("cc1/co1").unwrap();
        let resp: CreatePaymentResponse = serde_json::from_value(json!({
            "paymentExecutionId": "pe1",
            "payment": {"id": "PP1", "status": "CAPTURED",
                "statusOutput": {"statusCategory": "COMPLETED", "isAuthorized": true},
                "paymentOutput": {"amountOfMoney": {"amount": 100000, "currencyCode": "JPY"}}}
        }))
        .unwrap();
        let p = payment_from_created(&r, &resp, &money(1, "EUR")).unwrap();
        assert_eq!(p.provider_reference, "cc1/co1/pe1");
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert_eq!(mm(&p.amount), (1000, "JPY".into()));
        assert_eq!(p.captured.as_ref().map(mm), Some((1000, "JPY".into())));
        let resp: CreatePaymentResponse = serde_json::from_value(json!({
            "paymentExecutionId": "pe2",
            "payment": {"id": "PP2", "status": "REDIRECTED", "statusOutput": {"statusCategory": "PENDING_PAYMENT"}},
            "merchantAction": {"actionType": "REDIRECT", "redirectData": {"redirectURL": "https://acs.example/3ds"}}
        }))
        .unwrap();
        let p = payment_from_created(&r, &resp, &money(500, "EUR")).unwrap();
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        assert_eq!(p.action_url.as_deref(), Some("https://acs.example/3ds"));
        assert_eq!(mm(&p.amount), (500, "EUR".into()));
        assert!(p.captured.is_none());
    }

    #[test]
    fn executions_and_refunds_map() {
        let checkout: CheckoutResponse = serde_json::from_value(json!({
            "commerceCaseId": "cc1", "checkoutId": "co1",
            "amountOfMoney": {"amount": 1999, "currencyCode": "EUR"},
            "paymentExecutions": [{"paymentExecutionId": "pe1", "events": [
                {"type": "SALE", "amountOfMoney": {"amount": 1999, "currencyCode": "EUR"}, "paymentStatus": "CAPTURED", "paymentEventId": "ev1"},
                {"type": "REFUND", "amountOfMoney": {"amount": 500, "currencyCode": "EUR"}, "paymentStatus": "REFUNDED", "merchantReference": "rf1", "paymentEventId": "ev2"}
            ]}]
        }))
        .unwrap();
        let pe = &checkout.payment_executions[0];
        let p = payment_from_execution("cc1", &checkout, pe, None).unwrap();
        assert_eq!(p.provider_reference, "cc1/co1/pe1");
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert_eq!(p.captured.as_ref().map(mm), Some((1999, "EUR".into())));
        let e = webhook_event_from("cc1", &checkout, pe).unwrap();
        assert_eq!(e.id, "pe1:succeeded:ev2:succeeded");
        assert_eq!(e.event_type, "refund.succeeded");
        assert_eq!(e.refund.unwrap().amount.amount, 500);

        let resp: RefundPaymentResponse = serde_json::from_value(json!({
            "id": "PP1_1", "status": "REFUNDED", "statusOutput": {"statusCategory": "REFUNDED"},
            "refundOutput": {"amountOfMoney": {"amount": 1230, "currencyCode": "KWD"}}
        }))
        .unwrap();
        let r = refund_from_response(&resp, "cc1/co1/pe1", &money(1, "EUR")).unwrap();
        assert_eq!(r.provider_reference, "PP1_1");
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(mm(&r.amount), (12300, "KWD".into()));
    }

    #[test]
    fn references_and_webhooks() {
        assert_eq!(Reference::parse("a/b/c").unwrap().to_text(), "a/b/c");
        assert!(Reference::parse("a").is_err());
        assert!(Reference::parse("a/../c").is_ok());
        assert!(Reference::parse("a/b c/d").is_err());
        assert!(Reference::parse("a//d").is_err());
        let r = webhook_reference(
            br#"{"payment":{"commerceCaseId":"cc","checkoutId":"co","paymentExecutionId":"pe"}}"#,
        )
        .unwrap();
        assert_eq!(r.to_text(), "cc/co/pe");
        assert!(matches!(
            webhook_reference(b"id=1"),
            Err(ConnectorError::Unauthorized(_))
        ));
    }

    #[test]
    fn errors_carry_payones_words() {
        let resp = Response {
            status: 401,
            headers: vec![],
            body: br#"{"errorId":"x","errors":[{"errorCode":"40100001","category":"DIRECT_PLATFORM_ERROR","httpStatusCode":401,"id":"AUTHENTICATION_FAILED","message":"Authentication failed: signature mismatch"}]}"#.to_vec(),
        };
        match check(resp) {
            Err(ConnectorError::Unauthorized(m)) => {
                assert_eq!(m, "Authentication failed: signature mismatch")
            }
            other => panic!("{other:?}"),
        }
        let resp = Response {
            status: 400,
            headers: vec![],
            body: br#"{"errors":[{"id":"INVALID_VALUE","message":"amount too high","propertyName":"amountOfMoney.amount"}]}"#.to_vec(),
        };
        match check(resp) {
            Err(ConnectorError::Upstream(e)) => {
                assert_eq!(e.status, 400);
                assert_eq!(
                    e.message,
                    "amount too high (property: amountOfMoney.amount)"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn config_is_checked() {
        for bad in [
            r#"{}"#,
            r#"{"apiKey":"k","apiSecret":"","merchantId":"m"}"#,
            r#"{"apiKey":"k:x","apiSecret":"s","merchantId":"m"}"#,
            r#"{"apiKey":"k","apiSecret":"s","merchantId":"m/x"}"#,
            r#"{"apiKey":"k","apiSecret":"s","merchantId":"m","baseUrl":"ftp://x"}"#,
        ] {
            assert!(
                matches!(
                    PayoneConfig::parse(bad),
                    Err(ConnectorError::InvalidConfig(_))
                ),
                "{bad}"
            );
        }
        let cfg =
            PayoneConfig::parse(r#"{"apiKey":"k","apiSecret":"s","merchantId":"m"}"#).unwrap();
        assert_eq!(
            cfg.url("/commerce-cases"),
            "https://api.commerce.payone.com/v1/m/commerce-cases"
        );
    }
}
