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

use beep_sdk::error::{internal, invalid_config, unauthorized};
use beep_sdk::http::segment;
use beep_sdk::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_BASE_URL: &str = "https://api.unzer.com/v1";
const DEFAULT_HOST: &str = "https://api.unzer.com";
/// Unzer requires a `returnUrl` on every charge (the shopper comes back here after 3-D
/// Secure or a redirect method). Without one from the request or the config, the shopper
/// lands on this reserved, never-resolving address (RFC 2606 `.invalid`).
pub const FALLBACK_RETURN_URL: &str = "https://beep.invalid/unzer/return";

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

impl beep_sdk::psp::Describe for Unzer {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "unzer".into(),
            kind: ConnectorKind::Psp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["unzer".into()],
            hosts: vec![DEFAULT_HOST.into()],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

// ---- config -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnzerConfig {
    pub private_key: String,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub return_url: Option<String>,
}

fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

impl UnzerConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: UnzerConfig = parse_config(config)?;
        let key = cfg.private_key.as_str();
        let prefixed = ["s-priv-", "p-priv-"]
            .iter()
            .any(|p| key.len() > p.len() && key.starts_with(p));
        if !prefixed
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid_config(
                "privateKey must be an Unzer private key (s-priv-… or p-priv-…)",
            ));
        }
        for (name, url) in [("baseUrl", &cfg.base_url), ("returnUrl", &cfg.return_url)] {
            if url.as_deref().is_some_and(|u| !is_http_url(u)) {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        Ok(cfg)
    }

    pub fn base(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    fn get_url(&self, url: String) -> Request {
        Request::get(url)
            .basic_auth(&self.private_key, "")
            .header("accept", "application/json")
    }

    fn get(&self, path: &str) -> Request {
        self.get_url(self.url(path))
    }

    fn post(&self, path: &str, body: &Value) -> Result<Request, ConnectorError> {
        Request::post(self.url(path))
            .basic_auth(&self.private_key, "")
            .header("accept", "application/json")
            .json(body)
    }
}

// ---- amounts ------------------------------------------------------------------------------

/// BEEP! minor units → Unzer's decimal JSON number in major units, exact: the number's
/// text is the currency's decimal (`1999 EUR` → `19.99`, `1000 JPY` → `1000`,
/// `1234 KWD` → `1.234`). Integral amounts are written as integers.
pub fn amount_number(money: &Money) -> Result<Value, ConnectorError> {
    let exp = beep_sdk::money::exponent(&money.currency)
        .ok_or_else(|| invalid_config(format!("unknown currency {:?}", money.currency)))?;
    let factor = 10i64.pow(exp as u32);
    if money.amount % factor == 0 {
        return Ok(json!(money.amount / factor));
    }
    let f = beep_sdk::money::to_major_f64(money)?;
    // Exact below 2^53 minor units: the shortest text of the nearest double is the decimal.
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| internal(format!("amount {} not representable", money.amount)))
}

/// Unzer's amount (a string such as `"12.3400"` or a number) → minor units, exactly.
pub fn parse_amount(value: &Value, currency: &str) -> Result<i64, ConnectorError> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(internal(format!("Unzer answered an amount {other}"))),
    };
    beep_sdk::money::from_major_str(&text, currency)
        .map_err(|_| internal(format!("Unzer answered an amount {text:?} {currency}")))
}

// ---- references -------------------------------------------------------------------------

/// `paymentId/chargeId`, BEEP!'s provider reference of an Unzer charge.
pub fn payment_reference(payment_id: &str, charge_id: &str) -> String {
    format!("{payment_id}/{charge_id}")
}

/// Splits `paymentId/chargeId` (a bare `s-pay-…` has no charge).
pub fn split_reference(reference: &str) -> Result<(&str, Option<&str>), ConnectorError> {
    let (payment, charge) = match reference.split_once('/') {
        Some((p, c)) => (p, Some(c)),
        None => (reference, None),
    };
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !ok(payment) || charge.is_some_and(|c| !ok(c)) {
        return Err(invalid_config(format!(
            "not an Unzer reference (paymentId/chargeId): {reference:?}"
        )));
    }
    Ok((payment, charge))
}

// ---- requests -----------------------------------------------------------------------------

/// `POST /v1/payments/charges`.
pub fn charge_body(cfg: &UnzerConfig, req: &PaymentRequest) -> Result<Value, ConnectorError> {
    let type_id = req.payment_method.trim();
    if type_id.is_empty() {
        return Err(invalid_config(
            "paymentMethod must be an Unzer payment type id (s-crd-…, s-ppl-…)",
        ));
    }
    let return_url = req
        .return_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .or(cfg.return_url.as_deref())
        .unwrap_or(FALLBACK_RETURN_URL);
    // BEEP!'s reference goes into `paymentReference` (shown to the merchant); Unzer's
    // charge has no free-text description field, so `description` is not sent.
    Ok(json!({
        "amount": amount_number(&req.amount)?,
        "currency": req.amount.currency.to_ascii_uppercase(),
        "orderId": req.id,
        "returnUrl": return_url,
        "paymentReference": req.reference,
        "resources": {"typeId": type_id},
    }))
}

/// `POST /v1/payments/{paymentId}/charges/{chargeId}/cancels`.
pub fn cancel_body(req: &RefundRequest) -> Result<Value, ConnectorError> {
    let mut body = json!({
        "amount": amount_number(&req.amount)?,
        // Unzer shows it in the merchant's portal: BEEP!'s refund id finds it again.
        "paymentReference": req.id,
    });
    if let Some(r) = req.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        body["reasonCode"] = json!(reason_code(r));
    }
    Ok(body)
}

/// Unzer's cancel `reasonCode`: CANCEL, RETURN or CREDIT.
fn reason_code(reason: &str) -> &'static str {
    match reason.to_ascii_lowercase().as_str() {
        "return" | "returned" => "RETURN",
        "credit" => "CREDIT",
        _ => "CANCEL",
    }
}

// ---- responses ----------------------------------------------------------------------------

/// `state.name` of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Pending,
    Completed,
    Canceled,
    Partly,
    PaymentReview,
    Chargeback,
    #[serde(other)]
    Unknown,
}

/// A transaction's outcome: `isSuccess` / `isPending` / `isError` on the object, or
/// `status` in a payment's `transactions` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxStatus {
    Success,
    Pending,
    Error,
    #[serde(other)]
    Unknown,
}

/// Everything that decides BEEP!'s status of an Unzer payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnzerState {
    /// The payment's state; `None` when only the charge answer is known.
    pub payment: Option<PaymentState>,
    /// The (latest) charge's outcome.
    pub charge: Option<TxStatus>,
    /// Whether the charge waits for the shopper at a `redirectUrl` (3-D Secure).
    pub redirect: bool,
}

impl From<UnzerState> for PaymentStatus {
    fn from(s: UnzerState) -> Self {
        use PaymentStatus as P;
        match (s.payment, s.charge) {
            (_, Some(TxStatus::Error)) => P::Failed,
            (Some(PaymentState::Completed), _) => P::Succeeded,
            (Some(PaymentState::Canceled), _) => P::Canceled,
            // Part of the amount is charged: held, not settled in full.
            (Some(PaymentState::Partly), _) => P::Authorized,
            // The money went back to the shopper's bank after the charge succeeded.
            (Some(PaymentState::Chargeback), _) => P::Failed,
            (Some(PaymentState::PaymentReview), _) => P::Pending,
            (_, Some(TxStatus::Pending)) if s.redirect => P::RequiresAction,
            (None, Some(TxStatus::Success)) => P::Succeeded,
            _ => P::Pending,
        }
    }
}

impl From<TxStatus> for RefundStatus {
    fn from(s: TxStatus) -> Self {
        match s {
            TxStatus::Success => RefundStatus::Succeeded,
            TxStatus::Error => RefundStatus::Failed,
            TxStatus::Pending | TxStatus::Unknown => RefundStatus::Pending,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    #[serde(default)]
    pub payment_id: Option<String>,
    #[serde(default)]
    pub type_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Message {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub merchant: Option<String>,
    #[serde(default)]
    pub customer: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorItem {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub merchant_message: Option<String>,
    #[serde(default)]
    pub customer_message: Option<String>,
}

/// A transaction (charge or cancel) as Unzer answers it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub is_success: bool,
    #[serde(default)]
    pub is_pending: bool,
    #[serde(default)]
    pub is_error: bool,
    #[serde(default)]
    pub amount: Option<Value>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub resources: Resources,
    #[serde(default)]
    pub message: Option<Message>,
    #[serde(default)]
    pub errors: Vec<ApiErrorItem>,
}

impl Transaction {
    pub fn status(&self) -> TxStatus {
        if self.is_error {
            TxStatus::Error
        } else if self.is_success {
            TxStatus::Success
        } else if self.is_pending {
            TxStatus::Pending
        } else {
            TxStatus::Unknown
        }
    }

    /// Unzer's code and merchant text of a failed transaction.
    fn failure(&self) -> (Option<String>, Option<String>) {
        let e = self.errors.first();
        let code = e
            .and_then(|e| e.code.clone())
            .or_else(|| self.message.as_ref().and_then(|m| m.code.clone()));
        let text = e
            .and_then(|e| e.merchant_message.clone())
            .or_else(|| self.message.as_ref().and_then(|m| m.merchant.clone()));
        (code, text)
    }
}

#[derive(Debug, Deserialize)]
pub struct StateObj {
    pub name: PaymentState,
}

#[derive(Debug, Deserialize)]
pub struct PaymentAmount {
    pub total: Value,
    #[serde(default)]
    pub charged: Option<Value>,
}

/// An entry of a payment's `transactions`.
#[derive(Debug, Deserialize)]
pub struct TxEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: TxStatus,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub amount: Option<Value>,
}

impl TxEntry {
    /// The last path segment of the transaction's URL (`s-chg-1`, `s-cnl-1`).
    pub fn id(&self) -> Option<&str> {
        self.url
            .as_deref()?
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
    }
}

/// `GET /v1/payments/{id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnzerPayment {
    pub id: String,
    pub state: StateObj,
    pub amount: PaymentAmount,
    pub currency: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub transactions: Vec<TxEntry>,
}

impl UnzerPayment {
    pub fn last_charge(&self) -> Option<&TxEntry> {
        self.transactions.iter().rev().find(|t| t.kind == "charge")
    }

    pub fn cancels(&self) -> impl Iterator<Item = &TxEntry> {
        self.transactions
            .iter()
            .filter(|t| t.kind.starts_with("cancel"))
    }
}

/// Unzer's error body: `{"isError": true, "errors": [{code, merchantMessage, customerMessage}]}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<ApiErrorItem>,
}

// ---- mapping ------------------------------------------------------------------------------

/// The answer to `POST /v1/payments/charges` as a BEEP! payment.
pub fn payment_from_charge(c: &Transaction, money: &Money) -> Result<Payment, ConnectorError> {
    let payment_id = c
        .resources
        .payment_id
        .as_deref()
        .ok_or_else(|| internal("Unzer's charge names no resources.paymentId"))?;
    let charge_id =
        c.id.as_deref()
            .ok_or_else(|| internal("Unzer's charge has no id"))?;
    let status = PaymentStatus::from(UnzerState {
        payment: None,
        charge: Some(c.status()),
        redirect: c.redirect_url.as_deref().is_some_and(|u| !u.is_empty()),
    });
    let amount = match (&c.amount, &c.currency) {
        (Some(a), Some(cur)) => beep_sdk::money::money(parse_amount(a, cur)?, cur),
        _ => money.clone(),
    };
    let (failure_code, failure_message) = match status {
        PaymentStatus::Failed => c.failure(),
        _ => (None, None),
    };
    Ok(Payment {
        provider_reference: payment_reference(payment_id, charge_id),
        status,
        captured: (status == PaymentStatus::Succeeded).then(|| amount.clone()),
        amount,
        failure_code,
        failure_message,
        action_url: match status {
            PaymentStatus::RequiresAction => c.redirect_url.clone(),
            _ => None,
        },
    })
}

/// A payment as `GET /v1/payments/{id}` reports it. `charge` is the latest charge when
/// fetched (for its `redirectUrl` and failure message).
pub fn payment_from(
    p: &UnzerPayment,
    charge: Option<&Transaction>,
) -> Result<Payment, ConnectorError> {
    let last = p.last_charge();
    let charge_status = charge.map(|c| c.status()).or(last.map(|t| t.status));
    let redirect = charge
        .and_then(|c| c.redirect_url.as_deref())
        .is_some_and(|u| !u.is_empty());
    let status = PaymentStatus::from(UnzerState {
        payment: Some(p.state.name),
        charge: charge_status,
        redirect,
    });
    let amount = beep_sdk::money::money(parse_amount(&p.amount.total, &p.currency)?, &p.currency);
    let captured = match &p.amount.charged {
        Some(c) => Some(beep_sdk::money::money(
            parse_amount(c, &p.currency)?,
            &p.currency,
        )),
        None => None,
    };
    let (failure_code, failure_message) = match status {
        PaymentStatus::Failed if p.state.name == PaymentState::Chargeback => (
            Some("chargeback".to_string()),
            Some("the shopper's bank charged the payment back".to_string()),
        ),
        PaymentStatus::Failed => charge.map(|c| c.failure()).unwrap_or((None, None)),
        _ => (None, None),
    };
    let charge_id = charge
        .and_then(|c| c.id.as_deref())
        .or_else(|| last.and_then(|t| t.id()));
    let provider_reference = match charge_id {
        Some(c) => payment_reference(&p.id, c),
        None => p.id.clone(),
    };
    Ok(Payment {
        provider_reference,
        status,
        amount,
        captured,
        failure_code,
        failure_message,
        action_url: match status {
            PaymentStatus::RequiresAction => charge.and_then(|c| c.redirect_url.clone()),
            _ => None,
        },
    })
}

/// The answer to a cancel (refund) as a BEEP! refund.
pub fn refund_from_cancel(
    c: &Transaction,
    payment_ref: &str,
    requested: &Money,
) -> Result<Refund, ConnectorError> {
    let id =
        c.id.as_deref()
            .ok_or_else(|| internal("Unzer's cancel has no id"))?;
    let status = RefundStatus::from(c.status());
    let amount = match (&c.amount, &c.currency) {
        (Some(a), Some(cur)) => beep_sdk::money::money(parse_amount(a, cur)?, cur),
        (Some(a), None) => {
            beep_sdk::money::money(parse_amount(a, &requested.currency)?, &requested.currency)
        }
        _ => requested.clone(),
    };
    Ok(Refund {
        provider_reference: format!("{payment_ref}/{id}"),
        payment_provider_reference: Some(payment_ref.to_string()),
        status,
        amount,
        failure_message: match status {
            RefundStatus::Failed => c.failure().1,
            _ => None,
        },
    })
}

// ---- webhooks -----------------------------------------------------------------------------

/// An Unzer webhook: `{"event": "payment.completed", "publicKey", "retrieveUrl", "paymentId"?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody {
    pub event: String,
    pub retrieve_url: String,
    #[serde(default)]
    pub payment_id: Option<String>,
}

pub fn parse_webhook_body(body: &[u8]) -> Result<WebhookBody, ConnectorError> {
    serde_json::from_slice(body).map_err(|e| unauthorized(format!("not an Unzer webhook: {e}")))
}

/// The payment id of a `retrieveUrl`, which must lie under the configured base URL
/// (`{base}/payments/{paymentId}` or one of its transactions). Anything else is refused:
/// a webhook never makes the connector fetch an arbitrary URL with the merchant's key.
pub fn retrieve_payment_id<'a>(base: &str, url: &'a str) -> Result<&'a str, ConnectorError> {
    let refuse = || {
        unauthorized(format!(
            "retrieveUrl {:?} is not an Unzer payment under {base}",
            url.chars().take(120).collect::<String>()
        ))
    };
    let prefix = format!("{}/payments/", base.trim_end_matches('/'));
    let rest = url.strip_prefix(&prefix).ok_or_else(refuse)?;
    if rest.contains(['?', '#', '@', '%', '\\']) {
        return Err(refuse());
    }
    let mut parts = rest.split('/');
    let id = parts.next().unwrap_or("");
    let valid = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !valid(id) || !parts.all(valid) {
        return Err(refuse());
    }
    Ok(id)
}

/// The webhook as a BEEP! event, from the payment as Unzer reports it now. Unzer sends no
/// event id: the id is the observed state (`s-pay-1:completed`, plus the newest cancel
/// `:s-cnl-1:success`), so each distinct state applies once.
pub fn webhook_event_from(
    event: &str,
    p: &UnzerPayment,
    charge: Option<&Transaction>,
) -> Result<WebhookEvent, ConnectorError> {
    let payment = payment_from(p, charge)?;
    let state = state_name(p.state.name);
    let charge_state = p.last_charge().map(|c| tx_name(c.status)).unwrap_or("none");
    let cancel = p.cancels().last();
    let refund = match cancel {
        Some(c) => {
            let charge_ref = payment.provider_reference.clone();
            let amount = match &c.amount {
                Some(a) => beep_sdk::money::money(parse_amount(a, &p.currency)?, &p.currency),
                None => beep_sdk::money::money(0, &p.currency),
            };
            Some(Refund {
                provider_reference: format!("{charge_ref}/{}", c.id().unwrap_or("")),
                payment_provider_reference: Some(charge_ref),
                status: RefundStatus::from(c.status),
                amount,
                failure_message: None,
            })
        }
        None => None,
    };
    let mut id = format!("{}:{state}:{charge_state}", p.id);
    if let Some(c) = cancel {
        id.push_str(&format!(":{}:{}", c.id().unwrap_or(""), tx_name(c.status)));
    }
    Ok(WebhookEvent {
        id,
        event_type: event.to_string(),
        payment: Some(payment),
        refund,
    })
}

fn state_name(s: PaymentState) -> &'static str {
    match s {
        PaymentState::Pending => "pending",
        PaymentState::Completed => "completed",
        PaymentState::Canceled => "canceled",
        PaymentState::Partly => "partly",
        PaymentState::PaymentReview => "payment_review",
        PaymentState::Chargeback => "chargeback",
        PaymentState::Unknown => "unknown",
    }
}

fn tx_name(s: TxStatus) -> &'static str {
    match s {
        TxStatus::Success => "success",
        TxStatus::Pending => "pending",
        TxStatus::Error => "error",
        TxStatus::Unknown => "unknown",
    }
}

// ---- errors -------------------------------------------------------------------------------

/// Unzer's own words for a failed request: the first error's `merchantMessage` and code.
fn error_message(resp: &Response) -> Option<String> {
    let e: ErrorBody = resp.json().ok()?;
    let first = e.errors.first()?;
    let text = first
        .merchant_message
        .clone()
        .or_else(|| first.customer_message.clone())?;
    Some(match &first.code {
        Some(code) => format!("{text} ({code})"),
        None => text,
    })
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(error_message)
}

// ---- operations ---------------------------------------------------------------------------

/// `GET /v1/payments/{paymentId or orderId}`.
fn fetch_payment(cfg: &UnzerConfig, id: &str) -> Result<UnzerPayment, ConnectorError> {
    check(cfg.get(&format!("/payments/{}", segment(id))).send()?)?.json()
}

/// The payment's charge `charge_id` (or its latest), fetched when its details matter:
/// a pending charge's `redirectUrl`, a failed charge's message.
fn fetch_charge_if_needed(
    cfg: &UnzerConfig,
    p: &UnzerPayment,
    charge_id: Option<&str>,
) -> Result<Option<Transaction>, ConnectorError> {
    let Some(last) = p.last_charge() else {
        return Ok(None);
    };
    if !matches!(last.status, TxStatus::Pending | TxStatus::Error) {
        return Ok(None);
    }
    let Some(id) = charge_id.or(last.id()) else {
        return Ok(None);
    };
    let path = format!("/payments/{}/charges/{}", segment(&p.id), segment(id));
    Ok(Some(check(cfg.get(&path).send()?)?.json()?))
}

impl beep_sdk::psp::Psp for Unzer {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        // An authenticated read: the key pair and its enabled payment types.
        check(cfg.get("/keypair").send()?)?;
        Ok(())
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        let body = charge_body(&cfg, &request)?;
        let resp = cfg.post("/payments/charges", &body)?.send()?;
        // A declined charge is still a charge of a payment: Unzer answers the transaction
        // with isError and its errors, whatever the HTTP status.
        if !resp.is_success()
            && resp.status < 500
            && let Ok(tx) = resp.json::<Transaction>()
            && tx.is_error
            && tx.id.is_some()
            && tx.resources.payment_id.is_some()
        {
            return payment_from_charge(&tx, &request.amount);
        }
        let tx: Transaction = check(resp)?.json()?;
        payment_from_charge(&tx, &request.amount)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        let (id, charge_id) = match lookup.provider_reference.as_deref() {
            Some(reference) => split_reference(reference)?,
            // After an unknown outcome: Unzer resolves a payment by its orderId, which is
            // BEEP!'s payment id.
            None => (lookup.payment_id.as_str(), None),
        };
        let p = fetch_payment(&cfg, id)?;
        let charge = fetch_charge_if_needed(&cfg, &p, charge_id)?;
        payment_from(&p, charge.as_ref())
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        let (payment_id, charge_id) = split_reference(&request.payment_provider_reference)?;
        let charge_id = match charge_id {
            Some(c) => c.to_string(),
            None => fetch_payment(&cfg, payment_id)?
                .last_charge()
                .and_then(|c| c.id().map(str::to_string))
                .ok_or_else(|| invalid_config("the Unzer payment has no charge to refund"))?,
        };
        let path = format!(
            "/payments/{}/charges/{}/cancels",
            segment(payment_id),
            segment(&charge_id)
        );
        let resp = cfg.post(&path, &cancel_body(&request)?)?.send()?;
        let tx: Transaction = check(resp)?.json()?;
        refund_from_cancel(
            &tx,
            &payment_reference(payment_id, &charge_id),
            &request.amount,
        )
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = UnzerConfig::parse(&config)?;
        let hook = parse_webhook_body(&request.body)?;
        let id = retrieve_payment_id(cfg.base(), &hook.retrieve_url)?;
        if hook.payment_id.as_deref().is_some_and(|p| p != id) {
            return Err(unauthorized("paymentId and retrieveUrl disagree"));
        }
        // The verification: only a payment Unzer shows to this merchant's key counts.
        let p = fetch_payment(&cfg, id).map_err(|e| match e {
            ConnectorError::NotFound(m) => unauthorized(format!("unknown payment {id}: {m}")),
            other => other,
        })?;
        let charge = fetch_charge_if_needed(&cfg, &p, None)?;
        webhook_event_from(&hook.event, &p, charge.as_ref())
    }
}

beep_sdk::export_psp!(Unzer);

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::money::money;

    fn cfg() -> UnzerConfig {
        UnzerConfig::parse(r#"{"privateKey":"s-priv-2a10BeepSandbox"}"#).unwrap()
    }

    #[test]
    fn describe_names_unzer() {
        use beep_sdk::psp::Describe;
        let info = Unzer::describe();
        assert_eq!(info.name, "unzer");
        assert_eq!(info.kind, ConnectorKind::Psp);
        assert_eq!(info.systems, vec!["unzer".to_string()]);
        assert_eq!(info.hosts, vec!["https://api.unzer.com".to_string()]);
        let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["required"], json!(["privateKey"]));
    }

    #[test]
    fn config_checks_the_key() {
        assert!(UnzerConfig::parse(r#"{"privateKey":"p-priv-abc"}"#).is_ok());
        for bad in [
            r#"{"privateKey":"s-pub-abc"}"#,
            r#"{"privateKey":"sk_test_1"}"#,
            r#"{"privateKey":"s-priv-"}"#,
            r#"{"privateKey":"s-priv-a:b"}"#,
            r#"{"privateKey":"s-priv-a","baseUrl":"ftp://x"}"#,
            r#"{}"#,
        ] {
            assert!(
                matches!(
                    UnzerConfig::parse(bad),
                    Err(ConnectorError::InvalidConfig(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(cfg().base(), "https://api.unzer.com/v1");
        let c = UnzerConfig::parse(r#"{"privateKey":"s-priv-a","baseUrl":"http://h/unzer/v1/"}"#)
            .unwrap();
        assert_eq!(c.base(), "http://h/unzer/v1");
    }

    #[test]
    fn amounts_are_exact_decimal_numbers() {
        let cases = [
            (1999, "EUR", "19.99"),
            (1000, "EUR", "10"),
            (5, "EUR", "0.05"),
            (1, "EUR", "0.01"),
            (123456789012, "EUR", "1234567890.12"),
            (1000, "JPY", "1000"),
            (1, "JPY", "1"),
            (1234, "KWD", "1.234"),
            (1, "KWD", "0.001"),
            (1000, "KWD", "1"),
            (10, "KWD", "0.01"),
        ];
        for (minor, currency, text) in cases {
            let n = amount_number(&money(minor, currency)).unwrap();
            assert_eq!(n.to_string(), text, "{minor} {currency}");
            // Read back from the number and from Unzer's four-decimal strings.
            assert_eq!(parse_amount(&n, currency).unwrap(), minor);
            let four = format!(
                "{}{}",
                beep_sdk::money::to_major_string(&money(minor, currency)).unwrap(),
                match beep_sdk::money::exponent(currency).unwrap() {
                    0 => ".0000",
                    2 => "00",
                    3 => "0",
                    _ => "",
                }
            );
            assert_eq!(
                parse_amount(&json!(four), currency).unwrap(),
                minor,
                "{four}"
            );
        }
        // Every cent of a range round-trips through the JSON number text.
        for minor in 0..3000 {
            let m = money(minor, "EUR");
            let text = amount_number(&m).unwrap().to_string();
            assert_eq!(
                beep_sdk::money::from_major_str(&text, "EUR").unwrap(),
                minor
            );
        }
        assert!(amount_number(&money(1, "XXX")).is_err());
        assert!(parse_amount(&json!("1.5"), "JPY").is_err());
        assert!(parse_amount(&json!(true), "EUR").is_err());
    }

    #[test]
    fn status_mapping() {
        use PaymentState as S;
        use PaymentStatus as P;
        use TxStatus as T;
        let table = [
            (Some(S::Completed), Some(T::Success), false, P::Succeeded),
            (Some(S::Pending), Some(T::Pending), true, P::RequiresAction),
            (Some(S::Pending), Some(T::Pending), false, P::Pending),
            (Some(S::Pending), None, false, P::Pending),
            (Some(S::Pending), Some(T::Error), false, P::Failed),
            (Some(S::Canceled), Some(T::Error), false, P::Failed),
            (Some(S::Canceled), Some(T::Success), false, P::Canceled),
            (Some(S::Canceled), None, false, P::Canceled),
            (Some(S::Partly), Some(T::Success), false, P::Authorized),
            (Some(S::PaymentReview), Some(T::Pending), false, P::Pending),
            (Some(S::Chargeback), Some(T::Success), false, P::Failed),
            (Some(S::Unknown), None, false, P::Pending),
            (None, Some(T::Success), false, P::Succeeded),
            (None, Some(T::Pending), true, P::RequiresAction),
            (None, Some(T::Pending), false, P::Pending),
            (None, Some(T::Error), true, P::Failed),
        ];
        for (payment, charge, redirect, want) in table {
            assert_eq!(
                PaymentStatus::from(UnzerState {
                    payment,
                    charge,
                    redirect
                }),
                want,
                "{payment:?} {charge:?} {redirect}"
            );
        }
        for (name, state) in [
            ("pending", S::Pending),
            ("completed", S::Completed),
            ("canceled", S::Canceled),
            ("partly", S::Partly),
            ("payment_review", S::PaymentReview),
            ("chargeback", S::Chargeback),
            ("create", S::Unknown),
        ] {
            assert_eq!(serde_json::from_value::<S>(json!(name)).unwrap(), state);
        }
        assert_eq!(RefundStatus::from(T::Success), RefundStatus::Succeeded);
        assert_eq!(RefundStatus::from(T::Pending), RefundStatus::Pending);
        assert_eq!(RefundStatus::from(T::Error), RefundStatus::Failed);
    }

    fn request(method: &str) -> PaymentRequest {
        PaymentRequest {
            id: "pay_123".into(),
            amount: money(1234, "EUR"),
            reference: "order-9".into(),
            payment_method: method.into(),
            description: None,
            return_url: None,
        }
    }

    #[test]
    fn charge_body_uses_the_type_id_and_orderid() {
        let body = charge_body(&cfg(), &request("s-crd-abc")).unwrap();
        assert_eq!(
            body,
            json!({"amount": 12.34, "currency": "EUR", "orderId": "pay_123",
                "returnUrl": FALLBACK_RETURN_URL, "paymentReference": "order-9",
                "resources": {"typeId": "s-crd-abc"}})
        );
        assert_eq!(
            serde_json::to_string(&body["amount"]).unwrap(),
            "12.34",
            "a JSON number, not a string"
        );
        let mut r = request("s-crd-abc");
        r.return_url = Some("https://shop.example/back".into());
        assert_eq!(
            charge_body(&cfg(), &r).unwrap()["returnUrl"],
            "https://shop.example/back"
        );
        assert!(charge_body(&cfg(), &request(" ")).is_err());
        let refund = RefundRequest {
            id: "ref_1".into(),
            payment_provider_reference: "s-pay-1/s-chg-1".into(),
            amount: money(1000, "JPY"),
            reason: Some("requested_by_customer".into()),
        };
        assert_eq!(
            cancel_body(&refund).unwrap(),
            json!({"amount": 1000, "paymentReference": "ref_1", "reasonCode": "CANCEL"})
        );
    }

    #[test]
    fn references_split() {
        assert_eq!(
            split_reference("s-pay-1/s-chg-1").unwrap(),
            ("s-pay-1", Some("s-chg-1"))
        );
        assert_eq!(split_reference("s-pay-1").unwrap(), ("s-pay-1", None));
        assert!(split_reference("s-pay-1/../x").is_err());
        assert!(split_reference("").is_err());
    }

    #[test]
    fn charges_map_to_payments() {
        let ok: Transaction = serde_json::from_value(json!({
            "id": "s-chg-1", "isSuccess": true, "isPending": false, "isError": false,
            "amount": "12.3400", "currency": "EUR",
            "resources": {"paymentId": "s-pay-7", "typeId": "s-crd-success"}
        }))
        .unwrap();
        let p = payment_from_charge(&ok, &money(1234, "EUR")).unwrap();
        assert_eq!(p.provider_reference, "s-pay-7/s-chg-1");
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert_eq!((p.amount.amount, p.captured.unwrap().amount), (1234, 1234));

        let tds: Transaction = serde_json::from_value(json!({
            "id": "s-chg-1", "isSuccess": false, "isPending": true, "isError": false,
            "redirectUrl": "https://sim/3ds", "amount": "12.3400", "currency": "EUR",
            "resources": {"paymentId": "s-pay-8"}
        }))
        .unwrap();
        let p = payment_from_charge(&tds, &money(1234, "EUR")).unwrap();
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        assert_eq!(p.action_url.as_deref(), Some("https://sim/3ds"));

        let declined: Transaction = serde_json::from_value(json!({
            "id": "s-chg-1", "isSuccess": false, "isPending": false, "isError": true,
            "resources": {"paymentId": "s-pay-9"},
            "errors": [{"code": "COR.100.100.101", "merchantMessage": "card declined",
                "customerMessage": "Please use another card"}]
        }))
        .unwrap();
        let p = payment_from_charge(&declined, &money(1234, "EUR")).unwrap();
        assert_eq!(p.status, PaymentStatus::Failed);
        assert_eq!(p.failure_code.as_deref(), Some("COR.100.100.101"));
        assert_eq!(p.failure_message.as_deref(), Some("card declined"));
        assert!(p.captured.is_none());
    }

    fn unzer_payment(state: &str, charge: &str, cancels: &[(&str, &str)]) -> UnzerPayment {
        let mut txs = vec![json!({"type": "charge", "status": charge,
            "url": "https://api.unzer.com/v1/payments/s-pay-1/charges/s-chg-1", "amount": "10.0000"})];
        for (id, status) in cancels {
            txs.push(json!({"type": "cancel-charge", "status": status,
                "url": format!("https://api.unzer.com/v1/payments/s-pay-1/charges/s-chg-1/cancels/{id}"),
                "amount": "2.5000"}));
        }
        serde_json::from_value(json!({
            "id": "s-pay-1", "state": {"id": 1, "name": state},
            "amount": {"total": "10.0000", "charged": "10.0000", "canceled": "0.0000", "remaining": "0.0000"},
            "currency": "EUR", "orderId": "pay_1", "transactions": txs
        }))
        .unwrap()
    }

    #[test]
    fn payments_and_webhooks_map() {
        let p = payment_from(&unzer_payment("completed", "success", &[]), None).unwrap();
        assert_eq!(p.provider_reference, "s-pay-1/s-chg-1");
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert_eq!(p.captured.unwrap().amount, 1000);

        let ev = webhook_event_from(
            "payment.completed",
            &unzer_payment("completed", "success", &[("s-cnl-1", "success")]),
            None,
        )
        .unwrap();
        assert_eq!(ev.id, "s-pay-1:completed:success:s-cnl-1:success");
        assert_eq!(ev.event_type, "payment.completed");
        let r = ev.refund.unwrap();
        assert_eq!(r.provider_reference, "s-pay-1/s-chg-1/s-cnl-1");
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.amount.amount, 250);
    }

    #[test]
    fn retrieve_urls_stay_under_the_base() {
        let base = "http://127.0.0.1:9/unzer/v1";
        assert_eq!(
            retrieve_payment_id(base, "http://127.0.0.1:9/unzer/v1/payments/s-pay-1").unwrap(),
            "s-pay-1"
        );
        assert_eq!(
            retrieve_payment_id(
                base,
                "http://127.0.0.1:9/unzer/v1/payments/s-pay-1/charges/s-chg-1"
            )
            .unwrap(),
            "s-pay-1"
        );
        for bad in [
            "https://evil.example/v1/payments/s-pay-1",
            "http://127.0.0.1:9/unzer/v1/payments/",
            "http://127.0.0.1:9/unzer/v1/payments/../keypair",
            "http://127.0.0.1:9/unzer/v1/payments/s-pay-1/../../x",
            "http://127.0.0.1:9/unzer/v1/payments/s-pay-1?x=1",
            "http://127.0.0.1:9/unzer/v1/payments/s-pay-1%2F..",
            "http://127.0.0.1:9/unzer/v1/keypair",
            "http://127.0.0.1:9/unzer/v1/paymentsX/s-pay-1",
            "http://127.0.0.1:9.evil.example/unzer/v1/payments/s-pay-1",
        ] {
            assert!(
                matches!(
                    retrieve_payment_id(base, bad),
                    Err(ConnectorError::Unauthorized(_))
                ),
                "{bad}"
            );
        }
        assert!(parse_webhook_body(b"id=tr_1").is_err());
        let hook = parse_webhook_body(
            br#"{"event":"payment.completed","publicKey":"s-pub-1","retrieveUrl":"u","paymentId":"s-pay-1"}"#,
        )
        .unwrap();
        assert_eq!(hook.retrieve_url, "u");
    }
}
