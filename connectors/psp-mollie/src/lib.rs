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

use beep_sdk::error::{internal, invalid_config, not_found, unauthorized};
use beep_sdk::http::segment;
use beep_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const DEFAULT_BASE_URL: &str = "https://api.mollie.com";
/// Mollie requires a `redirectUrl` for every payment that may send the shopper to a
/// hosted page (all but point-of-sale). Without one from the request or the config, the
/// shopper lands on this reserved, never-resolving address (RFC 2606 `.invalid`): an app
/// that embeds Mollie's checkout in a web view recognises it and closes the view, and no
/// third party learns the payment id.
pub const FALLBACK_REDIRECT_URL: &str = "https://beep.invalid/mollie/return";
/// Mollie's list endpoints return at most 250 items per page.
const SEARCH_PAGE_SIZE: u32 = 250;
/// How many pages of the newest payments `get-payment` scans for BEEP!'s payment id.
const SEARCH_MAX_PAGES: u32 = 4;
/// Mollie's `description` holds at most 255 characters.
const MAX_DESCRIPTION: usize = 255;

/// The connector (its trait impls are the component's exports).
pub struct Mollie;

// ---- describe -----------------------------------------------------------------------------

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Mollie",
  "type": "object",
  "required": ["apiKey"],
  "properties": {
    "apiKey": {
      "type": "string",
      "pattern": "^(test_|live_|access_)[A-Za-z0-9_]+$",
      "description": "Website profile API key (test_…/live_…) or an organization access token (access_…)"
    },
    "profileId": {
      "type": "string",
      "pattern": "^pfl_",
      "description": "Website profile (pfl_…); required with an access token, not sent with an API key (the key belongs to one profile)"
    },
    "testmode": {
      "type": "boolean",
      "default": false,
      "description": "With an access token only: create and read test-mode payments"
    },
    "redirectUrl": {
      "type": "string",
      "format": "uri",
      "description": "Where Mollie sends the shopper after the hosted checkout when a payment has no returnUrl"
    },
    "webhookUrl": {
      "type": "string",
      "format": "uri",
      "description": "BEEP!'s webhook for this store (…/api/v1/webhooks/mollie/{storeId}); Mollie calls it on every status change"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://api.mollie.com",
      "description": "API origin; Test Mode points it at the simulator"
    }
  }
}"#;

impl beep_sdk::psp::Describe for Mollie {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "mollie".into(),
            kind: ConnectorKind::Psp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["mollie".into()],
            hosts: vec![DEFAULT_BASE_URL.into()],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

// ---- config -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MollieConfig {
    pub api_key: beep_sdk::config::Secret,
    #[serde(default)]
    pub profile_id: Option<String>,
    #[serde(default)]
    pub testmode: Option<bool>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

impl MollieConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: MollieConfig = parse_config(config)?;
        let key = cfg.api_key.expose();
        let prefixed = ["test_", "live_", "access_"]
            .iter()
            .any(|p| key.len() > p.len() && key.starts_with(p));
        if !prefixed || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(invalid_config(
                "apiKey must be a Mollie API key (test_… or live_…) or an organization access token (access_…)",
            ));
        }
        if cfg.is_access_token() && cfg.profile_id.is_none() {
            return Err(invalid_config(
                "profileId (pfl_…) is required with an organization access token",
            ));
        }
        if cfg
            .profile_id
            .as_deref()
            .is_some_and(|p| !p.starts_with("pfl_"))
        {
            return Err(invalid_config("profileId must start with pfl_"));
        }
        for (name, url) in [
            ("baseUrl", &cfg.base_url),
            ("redirectUrl", &cfg.redirect_url),
            ("webhookUrl", &cfg.webhook_url),
        ] {
            if url.as_deref().is_some_and(|u| !is_http_url(u)) {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        Ok(cfg)
    }

    /// Organization access tokens (and OAuth) act across profiles: they name the profile
    /// and the mode in every request. API keys belong to one profile and one mode.
    fn is_access_token(&self) -> bool {
        self.api_key.starts_with("access_")
    }

    /// `profileId` and `testmode` as an access token needs them (nothing for an API key,
    /// where Mollie wants neither).
    fn scope(&self) -> (Option<&str>, Option<bool>) {
        if self.is_access_token() {
            (
                self.profile_id.as_deref(),
                self.testmode.filter(|t| *t).map(|_| true),
            )
        } else {
            (None, None)
        }
    }

    /// Query parameters that scope a read to the profile and mode.
    fn scope_query(&self) -> Vec<(&'static str, String)> {
        let (profile, testmode) = self.scope();
        let mut q = Vec::new();
        if let Some(p) = profile {
            q.push(("profileId", p.to_string()));
        }
        if testmode == Some(true) {
            q.push(("testmode", "true".to_string()));
        }
        q
    }

    fn url(&self, path: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        format!("{}{path}", base.trim_end_matches('/'))
    }

    fn get(&self, path: &str) -> Request {
        Request::get(self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/hal+json")
    }

    fn post<T: Serialize>(
        &self,
        path: &str,
        body: &T,
        idempotency_key: &str,
    ) -> Result<Request, ConnectorError> {
        Request::post(self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/hal+json")
            .header("idempotency-key", idempotency_key)
            .json(body)
    }
}

// ---- amounts ------------------------------------------------------------------------------

/// `{"currency": "EUR", "value": "10.00"}` (`components.schemas.amount`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MollieAmount {
    pub currency: String,
    pub value: String,
}

impl MollieAmount {
    /// BEEP! minor units → Mollie's major-unit string with the currency's exact decimals.
    /// Currencies Mollie does not take (KWD, …) convert all the same: Mollie's answer is
    /// the authority on what it accepts.
    pub fn from_money(money: &Money) -> Result<Self, ConnectorError> {
        Ok(MollieAmount {
            currency: money.currency.to_ascii_uppercase(),
            value: beep_sdk::money::to_major_string(money)?,
        })
    }

    pub fn to_money(&self) -> Result<Money, ConnectorError> {
        let amount = beep_sdk::money::from_major_str(&self.value, &self.currency)
            .map_err(|_| internal(format!("Mollie answered an amount {self:?}")))?;
        Ok(beep_sdk::money::money(amount, &self.currency))
    }
}

// ---- requests -----------------------------------------------------------------------------

/// What the BEEP! `paymentMethod` token asks Mollie for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodChoice<'a> {
    /// The shopper chooses on Mollie's hosted checkout.
    Any,
    /// One Mollie method (`ideal`, `creditcard`, …, or a Test Mode `mollie_test_*`).
    Method(&'a str),
    /// A Mollie Components card token (`tkn_…`): a card payment without the card form.
    CardToken(&'a str),
    /// A point-of-sale terminal (`term_…`): the shopper pays on the terminal.
    Terminal(&'a str),
}

pub fn method_choice(token: &str) -> MethodChoice<'_> {
    let token = token.trim();
    if token.starts_with("tkn_") {
        MethodChoice::CardToken(token)
    } else if token.starts_with("term_") {
        MethodChoice::Terminal(token)
    } else if token.is_empty() || token == "checkout" {
        MethodChoice::Any
    } else {
        MethodChoice::Method(token)
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PaymentMetadata<'a> {
    pub beep_payment_id: &'a str,
    pub beep_reference: &'a str,
}

/// `POST /v2/payments` (`components.schemas.payment-request`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePayment<'a> {
    pub amount: MollieAmount,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<&'a str>,
    pub metadata: PaymentMetadata<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub testmode: Option<bool>,
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl<'a> CreatePayment<'a> {
    pub fn from_request(
        cfg: &'a MollieConfig,
        req: &'a PaymentRequest,
    ) -> Result<Self, ConnectorError> {
        let (method, card_token, terminal_id) = match method_choice(&req.payment_method) {
            MethodChoice::Any => (None, None, None),
            MethodChoice::Method(m) => (Some(m), None, None),
            MethodChoice::CardToken(t) => (Some("creditcard"), Some(t), None),
            MethodChoice::Terminal(t) => (Some("pointofsale"), None, Some(t)),
        };
        // Point-of-sale payments complete on the terminal: no shopper redirect.
        let redirect_url = match terminal_id {
            Some(_) => None,
            None => Some(
                req.return_url
                    .as_deref()
                    .filter(|u| !u.trim().is_empty())
                    .or(cfg.redirect_url.as_deref())
                    .unwrap_or(FALLBACK_REDIRECT_URL),
            ),
        };
        // The shopper sees the description on the statement: the order reference first,
        // then BEEP!'s description if there is one.
        let description = match req.description.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() && d != req.reference => format!("{} {d}", req.reference),
            _ => req.reference.clone(),
        };
        let (profile_id, testmode) = cfg.scope();
        Ok(CreatePayment {
            amount: MollieAmount::from_money(&req.amount)?,
            description: truncate(&description, MAX_DESCRIPTION),
            redirect_url,
            webhook_url: cfg.webhook_url.as_deref(),
            method,
            card_token,
            terminal_id,
            metadata: PaymentMetadata {
                beep_payment_id: &req.id,
                beep_reference: &req.reference,
            },
            profile_id,
            testmode,
        })
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RefundMetadata<'a> {
    pub beep_refund_id: &'a str,
}

/// `POST /v2/payments/{id}/refunds` (`components.schemas.refund-request`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRefund<'a> {
    pub amount: MollieAmount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub metadata: RefundMetadata<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub testmode: Option<bool>,
}

impl<'a> CreateRefund<'a> {
    pub fn from_request(
        cfg: &MollieConfig,
        req: &'a RefundRequest,
    ) -> Result<Self, ConnectorError> {
        Ok(CreateRefund {
            amount: MollieAmount::from_money(&req.amount)?,
            description: req
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| truncate(r, MAX_DESCRIPTION)),
            metadata: RefundMetadata {
                beep_refund_id: &req.id,
            },
            testmode: cfg.scope().1,
        })
    }
}

pub fn payment_idempotency_key(payment_id: &str) -> String {
    format!("beep-payment-{payment_id}")
}

pub fn refund_idempotency_key(refund_id: &str) -> String {
    format!("beep-refund-{refund_id}")
}

// ---- responses ----------------------------------------------------------------------------

/// `payment.status` (`components.schemas.payment-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MollieStatus {
    Open,
    Pending,
    Authorized,
    Paid,
    Canceled,
    Expired,
    Failed,
    #[serde(other)]
    Unknown,
}

/// A payment's status together with what decides `open`: whether Mollie offers a
/// checkout link for the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MollieState {
    pub status: MollieStatus,
    pub has_checkout: bool,
}

impl From<MollieState> for PaymentStatus {
    fn from(s: MollieState) -> Self {
        match s.status {
            // The shopper has to act on Mollie's page; without a page (point-of-sale,
            // bank transfer) the payment simply waits.
            MollieStatus::Open if s.has_checkout => PaymentStatus::RequiresAction,
            MollieStatus::Open => PaymentStatus::Pending,
            MollieStatus::Pending => PaymentStatus::Pending,
            MollieStatus::Authorized => PaymentStatus::Authorized,
            MollieStatus::Paid => PaymentStatus::Succeeded,
            MollieStatus::Failed | MollieStatus::Expired => PaymentStatus::Failed,
            MollieStatus::Canceled => PaymentStatus::Canceled,
            MollieStatus::Unknown => PaymentStatus::Pending,
        }
    }
}

/// `refund.status` (`components.schemas.refund-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MollieRefundStatus {
    Queued,
    Pending,
    Processing,
    Refunded,
    Failed,
    Canceled,
    #[serde(other)]
    Unknown,
}

impl From<MollieRefundStatus> for RefundStatus {
    fn from(s: MollieRefundStatus) -> Self {
        match s {
            MollieRefundStatus::Refunded => RefundStatus::Succeeded,
            MollieRefundStatus::Failed | MollieRefundStatus::Canceled => RefundStatus::Failed,
            MollieRefundStatus::Queued
            | MollieRefundStatus::Pending
            | MollieRefundStatus::Processing
            | MollieRefundStatus::Unknown => RefundStatus::Pending,
        }
    }
}

/// A HAL link (`components.schemas.url`).
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentLinks {
    #[serde(default)]
    pub checkout: Option<Link>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDetails {
    #[serde(default)]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
}

/// `components.schemas.status-reason` (point-of-sale payments).
#[derive(Debug, Deserialize)]
pub struct StatusReason {
    pub code: String,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentEmbedded {
    #[serde(default)]
    pub refunds: Vec<MollieRefund>,
}

/// The payment object (`components.schemas.payment-response`), the fields BEEP! uses.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MolliePayment {
    pub id: String,
    pub amount: MollieAmount,
    pub status: MollieStatus,
    #[serde(default)]
    pub amount_captured: Option<MollieAmount>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub details: Option<PaymentDetails>,
    #[serde(default)]
    pub status_reason: Option<StatusReason>,
    #[serde(rename = "_links", default)]
    pub links: PaymentLinks,
    #[serde(rename = "_embedded", default)]
    pub embedded: Option<PaymentEmbedded>,
}

impl MolliePayment {
    /// BEEP!'s payment id from the metadata this connector wrote.
    pub fn beep_payment_id(&self) -> Option<&str> {
        self.metadata.as_ref()?.get("beep_payment_id")?.as_str()
    }
}

/// The refund object (`components.schemas.entity-refund-response`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MollieRefund {
    pub id: String,
    pub amount: MollieAmount,
    pub status: MollieRefundStatus,
    #[serde(default)]
    pub payment_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PaymentList {
    #[serde(rename = "_embedded", default)]
    pub embedded: PaymentListEmbedded,
    #[serde(rename = "_links", default)]
    pub links: ListLinks,
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentListEmbedded {
    #[serde(default)]
    pub payments: Vec<MolliePayment>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListLinks {
    #[serde(default)]
    pub next: Option<Link>,
}

/// Mollie's error object (`components.schemas.error-response`).
#[derive(Debug, Deserialize)]
pub struct MollieError {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
}

// ---- mapping ------------------------------------------------------------------------------

/// A Mollie payment as a BEEP! payment.
pub fn payment_from(p: &MolliePayment) -> Result<Payment, ConnectorError> {
    let status = PaymentStatus::from(MollieState {
        status: p.status,
        has_checkout: p.links.checkout.is_some(),
    });
    let amount = p.amount.to_money()?;
    let captured = match (&p.amount_captured, p.status) {
        (Some(c), _) => Some(c.to_money()?),
        // Paid is captured in full (automatic capture).
        (None, MollieStatus::Paid) => Some(amount.clone()),
        (None, _) => None,
    };
    let (failure_code, failure_message) = match p.status {
        MollieStatus::Failed | MollieStatus::Canceled | MollieStatus::Expired => {
            let details = p.details.as_ref();
            let code = details
                .and_then(|d| d.failure_reason.clone())
                .or_else(|| p.status_reason.as_ref().map(|r| r.code.clone()))
                .or_else(|| (p.status == MollieStatus::Expired).then(|| "expired".into()));
            let message = details
                .and_then(|d| d.failure_message.clone())
                .or_else(|| p.status_reason.as_ref().and_then(|r| r.message.clone()))
                .or_else(|| {
                    (p.status == MollieStatus::Expired)
                        .then(|| "the shopper did not complete the payment in time".into())
                });
            (code, message)
        }
        _ => (None, None),
    };
    let action_url = match status {
        PaymentStatus::RequiresAction => p.links.checkout.as_ref().map(|l| l.href.clone()),
        _ => None,
    };
    Ok(Payment {
        provider_reference: p.id.clone(),
        status,
        amount,
        captured,
        failure_code,
        failure_message,
        action_url,
    })
}

pub fn refund_from(r: &MollieRefund, payment_reference: &str) -> Result<Refund, ConnectorError> {
    let status = RefundStatus::from(r.status);
    let failure_message = match r.status {
        MollieRefundStatus::Failed => Some("Mollie could not execute the refund".to_string()),
        MollieRefundStatus::Canceled => Some("the refund was canceled at Mollie".to_string()),
        _ => None,
    };
    Ok(Refund {
        provider_reference: r.id.clone(),
        payment_provider_reference: Some(
            r.payment_id
                .clone()
                .unwrap_or_else(|| payment_reference.to_string()),
        ),
        status,
        amount: r.amount.to_money()?,
        failure_message,
    })
}

/// The payment id of a Mollie webhook: a form body `id=tr_…`.
pub fn webhook_payment_id(body: &[u8]) -> Result<String, ConnectorError> {
    let text = std::str::from_utf8(body).map_err(|_| unauthorized("webhook body is not text"))?;
    let id = text
        .trim()
        .split('&')
        .find_map(|pair| pair.strip_prefix("id="))
        .ok_or_else(|| unauthorized("webhook body carries no id"))?;
    // Mollie's ids are `tr_` and alphanumerics: nothing to percent-decode.
    let valid =
        id.len() > 3 && id.starts_with("tr_") && id[3..].bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(unauthorized(format!(
            "webhook id {:?} is not a Mollie payment id",
            truncate(id, 40)
        )));
    }
    Ok(id.to_string())
}

/// The webhook as a BEEP! event, from the payment as Mollie reports it now (fetched with
/// `embed=refunds`).
///
/// Mollie calls the same webhook for the payment's own changes and for its refunds', and
/// sends no event id: the event id is the observed state (`tr_…:paid`, plus the newest
/// settled refund `:re_…:refunded`), so each distinct state applies once. The contract
/// carries one refund per event: the newest refund in a final state is reported.
pub fn webhook_event_from(p: &MolliePayment) -> Result<WebhookEvent, ConnectorError> {
    let payment = payment_from(p)?;
    let status = status_name(p.status);
    let settled = p.embedded.as_ref().and_then(|e| {
        e.refunds.iter().rev().find(|r| {
            matches!(
                r.status,
                MollieRefundStatus::Refunded
                    | MollieRefundStatus::Failed
                    | MollieRefundStatus::Canceled
            )
        })
    });
    let (id, event_type, refund) = match settled {
        Some(r) => {
            let r_status = refund_status_name(r.status);
            (
                format!("{}:{status}:{}:{r_status}", p.id, r.id),
                format!("refund.{r_status}"),
                Some(refund_from(r, &p.id)?),
            )
        }
        None => (
            format!("{}:{status}", p.id),
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

fn status_name(s: MollieStatus) -> &'static str {
    match s {
        MollieStatus::Open => "open",
        MollieStatus::Pending => "pending",
        MollieStatus::Authorized => "authorized",
        MollieStatus::Paid => "paid",
        MollieStatus::Canceled => "canceled",
        MollieStatus::Expired => "expired",
        MollieStatus::Failed => "failed",
        MollieStatus::Unknown => "unknown",
    }
}

fn refund_status_name(s: MollieRefundStatus) -> &'static str {
    match s {
        MollieRefundStatus::Queued => "queued",
        MollieRefundStatus::Pending => "pending",
        MollieRefundStatus::Processing => "processing",
        MollieRefundStatus::Refunded => "refunded",
        MollieRefundStatus::Failed => "failed",
        MollieRefundStatus::Canceled => "canceled",
        MollieRefundStatus::Unknown => "unknown",
    }
}

// ---- errors -------------------------------------------------------------------------------

/// Mollie's own words for a failed request: `detail`, naming the `field` when there is one
/// (`The 'description' field is missing (field: description)`).
fn error_message(resp: &Response) -> Option<String> {
    let e: MollieError = resp.json().ok()?;
    let text = e.detail.or(e.title)?;
    Some(match e.field {
        Some(f) if !text.contains(&f) => format!("{text} (field: {f})"),
        _ => text,
    })
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    // 409: the same idempotency key is still being processed (or, for refunds without
    // a key, a duplicate in short succession). The outcome is not known yet: "try again
    // shortly" is what Mollie means, so it is reported as a rate limit of one second.
    if resp.status == 409 {
        return Err(ConnectorError::RateLimited(Some(
            resp.retry_after().unwrap_or(1),
        )));
    }
    resp.error_for_status_with(error_message)
}

// ---- operations ---------------------------------------------------------------------------

fn fetch_payment(
    cfg: &MollieConfig,
    id: &str,
    embed_refunds: bool,
) -> Result<MolliePayment, ConnectorError> {
    let mut query = cfg.scope_query();
    query.retain(|(k, _)| *k == "testmode");
    if embed_refunds {
        query.push(("embed", "refunds".into()));
    }
    let resp = cfg
        .get(&format!("/v2/payments/{}", segment(id)))
        .query(&query)
        .send()?;
    check(resp)?.json()
}

/// Mollie cannot search payments by metadata: the newest payments are listed
/// (`SEARCH_MAX_PAGES` × 250) and their `metadata.beep_payment_id` compared. A payment
/// BEEP! just tried to create is among the newest; an older one is reported not found.
fn search_by_payment_id(
    cfg: &MollieConfig,
    payment_id: &str,
) -> Result<MolliePayment, ConnectorError> {
    let mut from: Option<String> = None;
    for _ in 0..SEARCH_MAX_PAGES {
        let mut query = cfg.scope_query();
        query.push(("limit", SEARCH_PAGE_SIZE.to_string()));
        if let Some(f) = &from {
            query.push(("from", f.clone()));
        }
        let resp = cfg.get("/v2/payments").query(&query).send()?;
        let list: PaymentList = check(resp)?.json()?;
        let next = list.links.next.as_ref().and_then(|l| next_from(&l.href));
        // Should there be several (there are not, with the idempotency key), a paid one
        // wins, else the newest (Mollie lists newest first).
        let mut found: Vec<MolliePayment> = list
            .embedded
            .payments
            .into_iter()
            .filter(|p| p.beep_payment_id() == Some(payment_id))
            .collect();
        if !found.is_empty() {
            let pick = found
                .iter()
                .position(|p| p.status == MollieStatus::Paid)
                .unwrap_or(0);
            return Ok(found.swap_remove(pick));
        }
        match next {
            Some(f) => from = Some(f),
            None => break,
        }
    }
    Err(not_found(format!(
        "Mollie cannot search by metadata; none of its newest {} payments has metadata beep_payment_id={payment_id}",
        SEARCH_PAGE_SIZE * SEARCH_MAX_PAGES
    )))
}

/// The `from` cursor of a `_links.next` URL.
fn next_from(href: &str) -> Option<String> {
    let query = href.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("from="))
        .map(str::to_string)
}

impl beep_sdk::psp::Psp for Mollie {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = MollieConfig::parse(&config)?;
        // An authenticated read: the methods enabled for the key's profile.
        let resp = cfg.get("/v2/methods").query(&cfg.scope_query()).send()?;
        check(resp)?;
        Ok(())
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = MollieConfig::parse(&config)?;
        let body = CreatePayment::from_request(&cfg, &request)?;
        let resp = cfg
            .post("/v2/payments", &body, &payment_idempotency_key(&request.id))?
            .send()?;
        if resp.header("idempotent-replayed").is_some() {
            beep_sdk::log::info("Mollie replayed the payment of an earlier attempt");
        }
        let p: MolliePayment = check(resp)?.json()?;
        payment_from(&p)
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

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::money::money;
    use serde_json::json;

    fn mm(m: &Money) -> (i64, String) {
        (m.amount, m.currency.clone())
    }

    fn cfg() -> MollieConfig {
        MollieConfig::parse(r#"{"apiKey":"test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"}"#).unwrap()
    }

    fn payment_request(method: &str, return_url: Option<&str>) -> PaymentRequest {
        PaymentRequest {
            id: "pay_123".into(),
            amount: money(1999, "EUR"),
            reference: "order-9".into(),
            payment_method: method.into(),
            description: None,
            return_url: return_url.map(String::from),
        }
    }

    fn payment(value: serde_json::Value) -> MolliePayment {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn describe_names_mollie() {
        use beep_sdk::psp::Describe;
        let info = Mollie::describe();
        assert_eq!(info.name, "mollie");
        assert_eq!(info.kind, ConnectorKind::Psp);
        assert_eq!(info.systems, vec!["mollie".to_string()]);
        assert_eq!(info.hosts, vec!["https://api.mollie.com".to_string()]);
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["required"], json!(["apiKey"]));
    }

    #[test]
    fn status_mapping() {
        use PaymentStatus as P;
        let table = [
            ("open", true, P::RequiresAction),
            ("open", false, P::Pending),
            ("pending", true, P::Pending),
            ("pending", false, P::Pending),
            ("authorized", false, P::Authorized),
            ("paid", false, P::Succeeded),
            ("failed", false, P::Failed),
            ("expired", false, P::Failed),
            ("canceled", false, P::Canceled),
            ("something_new", false, P::Pending),
        ];
        for (mollie, has_checkout, beep) in table {
            let status: MollieStatus = serde_json::from_value(json!(mollie)).unwrap();
            assert_eq!(
                PaymentStatus::from(MollieState {
                    status,
                    has_checkout
                }),
                beep,
                "{mollie} checkout={has_checkout}"
            );
        }
        use RefundStatus as R;
        let table = [
            ("queued", R::Pending),
            ("pending", R::Pending),
            ("processing", R::Pending),
            ("refunded", R::Succeeded),
            ("failed", R::Failed),
            ("canceled", R::Failed),
            ("something_new", R::Pending),
        ];
        for (mollie, beep) in table {
            let s: MollieRefundStatus = serde_json::from_value(json!(mollie)).unwrap();
            assert_eq!(RefundStatus::from(s), beep, "{mollie}");
        }
    }

    #[test]
    fn amounts_are_major_unit_strings_with_exact_decimals() {
        let cases = [
            (1000, "EUR", "10.00"),
            (5, "EUR", "0.05"),
            (1000, "JPY", "1000"),
            (1500, "ISK", "1500"),
            // Mollie does not take KWD (nor any three-decimal currency); the conversion
            // is exact all the same and Mollie's 422 is the answer.
            (1234, "KWD", "1.234"),
            (1, "KWD", "0.001"),
        ];
        for (minor, currency, value) in cases {
            let a = MollieAmount::from_money(&money(minor, currency)).unwrap();
            assert_eq!(a.value, value, "{minor} {currency}");
            assert_eq!(a.currency, currency);
            let back = a.to_money().unwrap();
            assert_eq!((back.amount, back.currency.as_str()), (minor, currency));
        }
        assert!(MollieAmount::from_money(&money(1, "XXX")).is_err());
        let bad = MollieAmount {
            currency: "JPY".into(),
            value: "1.5".into(),
        };
        assert!(matches!(bad.to_money(), Err(ConnectorError::Internal(_))));
    }

    #[test]
    fn payment_methods_come_from_the_token() {
        assert_eq!(method_choice("checkout"), MethodChoice::Any);
        assert_eq!(method_choice("ideal"), MethodChoice::Method("ideal"));
        assert_eq!(
            method_choice("mollie_test_paid"),
            MethodChoice::Method("mollie_test_paid")
        );
        assert_eq!(method_choice("tkn_abc"), MethodChoice::CardToken("tkn_abc"));
        assert_eq!(method_choice("term_1"), MethodChoice::Terminal("term_1"));
    }

    #[test]
    fn create_payment_body() {
        let cfg = cfg();
        let req = PaymentRequest {
            description: Some("Scan & Go".into()),
            ..payment_request("mollie_test_paid", Some("https://shop.example/back"))
        };
        let body = serde_json::to_value(CreatePayment::from_request(&cfg, &req).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "amount": {"currency": "EUR", "value": "19.99"},
                "description": "order-9 Scan & Go",
                "redirectUrl": "https://shop.example/back",
                "method": "mollie_test_paid",
                "metadata": {"beep_payment_id": "pay_123", "beep_reference": "order-9"},
            })
        );
        assert_eq!(payment_idempotency_key("pay_123"), "beep-payment-pay_123");
        assert_eq!(refund_idempotency_key("rf_1"), "beep-refund-rf_1");

        // Redirect fallbacks: the config's, then the reserved address.
        let req = payment_request("checkout", None);
        let body = serde_json::to_value(CreatePayment::from_request(&cfg, &req).unwrap()).unwrap();
        assert_eq!(body["redirectUrl"], FALLBACK_REDIRECT_URL);
        assert!(body.get("method").is_none());
        assert_eq!(body["description"], "order-9");
        let with = MollieConfig::parse(
            r#"{"apiKey":"test_x1","redirectUrl":"https://shop.example/thanks","webhookUrl":"https://beep.example/api/v1/webhooks/mollie/s1"}"#,
        )
        .unwrap();
        let body = serde_json::to_value(CreatePayment::from_request(&with, &req).unwrap()).unwrap();
        assert_eq!(body["redirectUrl"], "https://shop.example/thanks");
        assert_eq!(
            body["webhookUrl"],
            "https://beep.example/api/v1/webhooks/mollie/s1"
        );

        // Tokens.
        let req = payment_request("tkn_abc", None);
        let body = serde_json::to_value(CreatePayment::from_request(&cfg, &req).unwrap()).unwrap();
        assert_eq!(body["method"], "creditcard");
        assert_eq!(body["cardToken"], "tkn_abc");
        let req = payment_request("term_7", Some("https://ignored.example"));
        let body = serde_json::to_value(CreatePayment::from_request(&cfg, &req).unwrap()).unwrap();
        assert_eq!(body["method"], "pointofsale");
        assert_eq!(body["terminalId"], "term_7");
        assert!(body.get("redirectUrl").is_none());

        // Long references are cut to Mollie's 255 characters.
        let mut req = payment_request("ideal", None);
        req.reference = "r".repeat(300);
        let body = CreatePayment::from_request(&cfg, &req).unwrap();
        assert_eq!(body.description.chars().count(), 255);

        // JPY has no decimals.
        let req = PaymentRequest {
            amount: money(1000, "JPY"),
            ..payment_request("mollie_test_paid", None)
        };
        let body = serde_json::to_value(CreatePayment::from_request(&cfg, &req).unwrap()).unwrap();
        assert_eq!(body["amount"], json!({"currency": "JPY", "value": "1000"}));
    }

    #[test]
    fn access_tokens_name_profile_and_mode() {
        assert!(matches!(
            MollieConfig::parse(r#"{"apiKey":"access_abc"}"#),
            Err(ConnectorError::InvalidConfig(_))
        ));
        let cfg = MollieConfig::parse(
            r#"{"apiKey":"access_abc","profileId":"pfl_QkEhN94Ba","testmode":true}"#,
        )
        .unwrap();
        let req = payment_request("ideal", None);
        let body = serde_json::to_value(CreatePayment::from_request(&cfg, &req).unwrap()).unwrap();
        assert_eq!(body["profileId"], "pfl_QkEhN94Ba");
        assert_eq!(body["testmode"], true);
        assert_eq!(
            cfg.scope_query(),
            vec![
                ("profileId", "pfl_QkEhN94Ba".to_string()),
                ("testmode", "true".to_string())
            ]
        );
        // An API key belongs to one profile: Mollie wants neither.
        let cfg =
            MollieConfig::parse(r#"{"apiKey":"live_abc","profileId":"pfl_QkEhN94Ba"}"#).unwrap();
        let body = serde_json::to_value(CreatePayment::from_request(&cfg, &req).unwrap()).unwrap();
        assert!(body.get("profileId").is_none() && body.get("testmode").is_none());
        assert!(cfg.scope_query().is_empty());
    }

    #[test]
    fn refund_body() {
        let req = RefundRequest {
            id: "rf_1".into(),
            payment_provider_reference: "tr_1".into(),
            amount: money(500, "EUR"),
            reason: Some("  damaged item ".into()),
        };
        let body = serde_json::to_value(CreateRefund::from_request(&cfg(), &req).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "amount": {"currency": "EUR", "value": "5.00"},
                "description": "damaged item",
                "metadata": {"beep_refund_id": "rf_1"},
            })
        );
        let req = RefundRequest {
            reason: None,
            ..req
        };
        let body = serde_json::to_value(CreateRefund::from_request(&cfg(), &req).unwrap()).unwrap();
        assert!(body.get("description").is_none());
    }

    #[test]
    fn paid_payment_maps() {
        let p = payment(json!({
            "resource": "payment", "id": "tr_1", "mode": "test",
            "amount": {"value": "19.99", "currency": "EUR"},
            "amountRefunded": {"value": "0.00", "currency": "EUR"},
            "amountRemaining": {"value": "19.99", "currency": "EUR"},
            "description": "order-9", "method": "creditcard", "status": "paid",
            "metadata": {"beep_payment_id": "pay_123", "beep_reference": "order-9"},
            "paidAt": "2024-03-20T09:28:37+00:00", "profileId": "pfl_1",
            "_links": {"self": {"href": "https://api.mollie.com/v2/payments/tr_1", "type": "application/hal+json"},
                       "dashboard": {"href": "https://my.mollie.com/x", "type": "text/html"}}
        }));
        assert_eq!(p.beep_payment_id(), Some("pay_123"));
        let b = payment_from(&p).unwrap();
        assert_eq!(b.provider_reference, "tr_1");
        assert_eq!(b.status, PaymentStatus::Succeeded);
        assert_eq!(mm(&b.amount), mm(&money(1999, "EUR")));
        assert_eq!(b.captured.as_ref().map(mm), Some(mm(&money(1999, "EUR"))));
        assert_eq!(b.failure_code, None);
        assert_eq!(b.action_url, None);
    }

    #[test]
    fn open_payment_requires_the_checkout() {
        let p = payment(json!({
            "id": "tr_2", "amount": {"value": "1000", "currency": "JPY"}, "status": "open",
            "metadata": null,
            "_links": {"checkout": {"href": "https://www.mollie.com/checkout/select-method/2", "type": "text/html"}}
        }));
        let b = payment_from(&p).unwrap();
        assert_eq!(b.status, PaymentStatus::RequiresAction);
        assert_eq!(
            b.action_url.as_deref(),
            Some("https://www.mollie.com/checkout/select-method/2")
        );
        assert_eq!(mm(&b.amount), mm(&money(1000, "JPY")));
        assert!(b.captured.is_none());
        assert_eq!(p.beep_payment_id(), None);
        // Without a checkout (a terminal payment) it just waits.
        let p = payment(json!({
            "id": "tr_3", "amount": {"value": "1.00", "currency": "EUR"}, "status": "open",
            "_links": {}
        }));
        let b = payment_from(&p).unwrap();
        assert_eq!(b.status, PaymentStatus::Pending);
        assert_eq!(b.action_url, None);
    }

    #[test]
    fn failures_carry_mollies_reason() {
        let p = payment(json!({
            "id": "tr_4", "amount": {"value": "5.00", "currency": "EUR"}, "status": "failed",
            "details": {"cardNumber": "6787", "failureReason": "insufficient_funds",
                        "failureMessage": "The card has insufficient funds."},
            "_links": {}
        }));
        let b = payment_from(&p).unwrap();
        assert_eq!(b.status, PaymentStatus::Failed);
        assert_eq!(b.failure_code.as_deref(), Some("insufficient_funds"));
        assert_eq!(
            b.failure_message.as_deref(),
            Some("The card has insufficient funds.")
        );
        let p = payment(json!({
            "id": "tr_5", "amount": {"value": "5.00", "currency": "EUR"}, "status": "failed",
            "statusReason": {"code": "approval_declined", "message": "Declined by the terminal"},
            "_links": {}
        }));
        let b = payment_from(&p).unwrap();
        assert_eq!(b.failure_code.as_deref(), Some("approval_declined"));
        let p = payment(json!({
            "id": "tr_6", "amount": {"value": "5.00", "currency": "EUR"}, "status": "expired",
            "_links": {}
        }));
        let b = payment_from(&p).unwrap();
        assert_eq!(b.status, PaymentStatus::Failed);
        assert_eq!(b.failure_code.as_deref(), Some("expired"));
        let p = payment(json!({
            "id": "tr_7", "amount": {"value": "5.00", "currency": "EUR"}, "status": "authorized",
            "amountCaptured": {"value": "0.00", "currency": "EUR"}, "_links": {}
        }));
        let b = payment_from(&p).unwrap();
        assert_eq!(b.status, PaymentStatus::Authorized);
        assert_eq!(b.captured.as_ref().map(mm), Some(mm(&money(0, "EUR"))));
    }

    #[test]
    fn refunds_map() {
        let r: MollieRefund = serde_json::from_value(json!({
            "resource": "refund", "id": "re_1", "mode": "test", "description": "r",
            "amount": {"value": "5.95", "currency": "EUR"}, "status": "pending",
            "metadata": {"beep_refund_id": "rf_1"}, "paymentId": "tr_1",
            "createdAt": "2023-03-14T17:09:02+00:00"
        }))
        .unwrap();
        let b = refund_from(&r, "tr_x").unwrap();
        assert_eq!(b.provider_reference, "re_1");
        assert_eq!(b.payment_provider_reference.as_deref(), Some("tr_1"));
        assert_eq!(b.status, RefundStatus::Pending);
        assert_eq!(mm(&b.amount), mm(&money(595, "EUR")));
        assert_eq!(b.failure_message, None);
        let r: MollieRefund = serde_json::from_value(json!({
            "id": "re_2", "amount": {"value": "1.000", "currency": "KWD"}, "status": "failed"
        }))
        .unwrap();
        let b = refund_from(&r, "tr_x").unwrap();
        assert_eq!(b.payment_provider_reference.as_deref(), Some("tr_x"));
        assert_eq!(b.status, RefundStatus::Failed);
        assert_eq!(mm(&b.amount), mm(&money(1000, "KWD")));
        assert!(b.failure_message.is_some());
    }

    #[test]
    fn webhooks_carry_only_the_id() {
        assert_eq!(
            webhook_payment_id(b"id=tr_d0b0E3EA3v").unwrap(),
            "tr_d0b0E3EA3v"
        );
        assert_eq!(
            webhook_payment_id(b"testByMerchant=1&id=tr_abc\n").unwrap(),
            "tr_abc"
        );
        for bad in [
            &b""[..],
            b"id=",
            b"id=re_abc",
            b"id=tr_a%27b",
            b"{\"id\":\"tr_1\"}",
        ] {
            assert!(
                matches!(
                    webhook_payment_id(bad),
                    Err(ConnectorError::Unauthorized(_))
                ),
                "{bad:?}"
            );
        }

        let p = payment(json!({
            "id": "tr_1", "amount": {"value": "10.00", "currency": "EUR"}, "status": "paid",
            "_links": {}, "_embedded": {"refunds": [
                {"id": "re_1", "amount": {"value": "1.00", "currency": "EUR"}, "status": "refunded", "paymentId": "tr_1"},
                {"id": "re_2", "amount": {"value": "2.00", "currency": "EUR"}, "status": "pending", "paymentId": "tr_1"}
            ]}
        }));
        let e = webhook_event_from(&p).unwrap();
        assert_eq!(e.id, "tr_1:paid:re_1:refunded");
        assert_eq!(e.event_type, "refund.refunded");
        assert_eq!(e.payment.unwrap().status, PaymentStatus::Succeeded);
        let r = e.refund.unwrap();
        assert_eq!(r.provider_reference, "re_1");
        assert_eq!(r.status, RefundStatus::Succeeded);

        let p = payment(json!({
            "id": "tr_2", "amount": {"value": "10.00", "currency": "EUR"}, "status": "failed",
            "_links": {}
        }));
        let e = webhook_event_from(&p).unwrap();
        assert_eq!(e.id, "tr_2:failed");
        assert_eq!(e.event_type, "payment.failed");
        assert!(e.refund.is_none());
    }

    #[test]
    fn errors_carry_mollies_detail() {
        let resp = Response {
            status: 401,
            headers: vec![],
            body: br#"{"status":401,"title":"Unauthorized Request","detail":"Missing authentication, or failed to authenticate","_links":{"documentation":{"href":"https://docs.mollie.com/overview/authentication","type":"text/html"}}}"#.to_vec(),
        };
        match check(resp) {
            Err(ConnectorError::Unauthorized(m)) => {
                assert_eq!(m, "Missing authentication, or failed to authenticate")
            }
            other => panic!("{other:?}"),
        }
        let resp = Response {
            status: 422,
            headers: vec![],
            body: br#"{"status":422,"title":"Unprocessable Entity","detail":"The currency 'KWD' is not supported","field":"amount.currency","_links":{}}"#.to_vec(),
        };
        match check(resp) {
            Err(ConnectorError::Upstream(e)) => {
                assert_eq!(e.status, 422);
                assert_eq!(
                    e.message,
                    "The currency 'KWD' is not supported (field: amount.currency)"
                );
            }
            other => panic!("{other:?}"),
        }
        let resp = Response {
            status: 422,
            headers: vec![],
            body: br#"{"status":422,"title":"Unprocessable Entity","detail":"The 'description' field is missing","field":"description"}"#.to_vec(),
        };
        match check(resp) {
            Err(ConnectorError::Upstream(e)) => {
                assert_eq!(e.message, "The 'description' field is missing")
            }
            other => panic!("{other:?}"),
        }
        let resp = Response {
            status: 409,
            headers: vec![],
            body: br#"{"status":409,"title":"Conflict","detail":"busy"}"#.to_vec(),
        };
        assert!(matches!(
            check(resp),
            Err(ConnectorError::RateLimited(Some(1)))
        ));
        let resp = Response {
            status: 404,
            headers: vec![],
            body: br#"{"status":404,"title":"Not Found","detail":"No payment exists with token tr_x."}"#.to_vec(),
        };
        assert!(matches!(check(resp), Err(ConnectorError::NotFound(_))));
        let resp = Response {
            status: 503,
            headers: vec![],
            body: b"<html>bad gateway</html>".to_vec(),
        };
        assert!(matches!(
            check(resp),
            Err(ConnectorError::Upstream(ref e)) if e.status == 503
        ));
    }

    #[test]
    fn config_is_checked() {
        let cfg = MollieConfig::parse(
            r#"{"apiKey":"test_abc","baseUrl":"http://127.0.0.1:9/mollie/","unknownField":1}"#,
        )
        .unwrap();
        assert_eq!(
            cfg.url("/v2/methods"),
            "http://127.0.0.1:9/mollie/v2/methods"
        );
        let cfg = MollieConfig::parse(r#"{"apiKey":"live_abc"}"#).unwrap();
        assert_eq!(
            cfg.url("/v2/payments"),
            "https://api.mollie.com/v2/payments"
        );
        for bad in [
            r#"{}"#,
            r#"{"apiKey":"sk_test_abc"}"#,
            r#"{"apiKey":"test_"}"#,
            r#"{"apiKey":"test_a b"}"#,
            r#"{"apiKey":"test_abc","baseUrl":"ftp://x"}"#,
            r#"{"apiKey":"test_abc","redirectUrl":"shop"}"#,
            r#"{"apiKey":"test_abc","profileId":"abc"}"#,
        ] {
            assert!(
                matches!(
                    MollieConfig::parse(bad),
                    Err(ConnectorError::InvalidConfig(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn paging_and_segments() {
        assert_eq!(
            next_from("https://api.mollie.com/v2/payments?from=tr_8WhJKGmgBy&limit=250"),
            Some("tr_8WhJKGmgBy".into())
        );
        assert_eq!(next_from("https://api.mollie.com/v2/payments"), None);
        assert_eq!(segment("tr_1"), "tr_1");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        let list: PaymentList = serde_json::from_value(json!({
            "count": 1,
            "_embedded": {"payments": [{"id": "tr_1", "amount": {"value": "1.00", "currency": "EUR"},
                "status": "paid", "metadata": {"beep_payment_id": "pay_1"}, "_links": {}}]},
            "_links": {"self": {"href": "x", "type": "application/hal+json"}, "previous": null, "next": null,
                       "documentation": {"href": "y", "type": "text/html"}}
        }))
        .unwrap();
        assert!(list.links.next.is_none());
        assert_eq!(list.embedded.payments[0].beep_payment_id(), Some("pay_1"));
    }
}
