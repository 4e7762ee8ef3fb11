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

use beep_sdk::error::{internal, invalid_config, not_found, unauthorized, upstream};
use beep_sdk::prelude::*;
use serde::Deserialize;
use sha1::{Digest, Sha1};

pub const SANDBOX_BASE_URL: &str = "https://sandbox.payabl.com";
pub const LIVE_BASE_URL: &str = "https://pay.payabl.com";
/// Path of the gateway's operations below the origin.
const GATEWAY_PATH: &str = "/pay/backoffice";
/// payabl's `payment_method` for card payments (a token stands for the card).
const PAYMENT_METHOD_CARD: &str = "1";
/// Longest `description` sent (chosen: payabl truncates free text on statements).
const MAX_DESCRIPTION: usize = 255;

pub mod codes {
    pub const OK: &str = "0";
    pub const INVALID_SIGNATURE: &str = "2001";
    pub const UNKNOWN_MERCHANT: &str = "2002";
    pub const INVALID_PARAMETER: &str = "2003";
    pub const DUPLICATE_ORDER: &str = "2004";
    pub const DECLINED: &str = "2005";
    pub const AMOUNT_EXCEEDED: &str = "2006";
    pub const NOT_FOUND: &str = "2007";
    pub const WRONG_STATE: &str = "2008";
    pub const CURRENCY: &str = "2009";
}

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

impl beep_sdk::psp::Describe for Payabl {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "payabl".into(),
            kind: ConnectorKind::Psp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["payabl".into()],
            hosts: vec![SANDBOX_BASE_URL.into(), LIVE_BASE_URL.into()],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

// ---- config -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayablConfig {
    pub merchant_id: String,
    pub secret: beep_sdk::config::Secret,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub notification_url: Option<String>,
    #[serde(default)]
    pub preauthorize: bool,
}

impl PayablConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: PayablConfig = parse_config(config)?;
        if cfg.merchant_id.trim().is_empty() {
            return Err(invalid_config("merchantId must not be empty"));
        }
        if cfg.secret.is_empty() {
            return Err(invalid_config("secret must not be empty"));
        }
        strict_latin1("merchantId", &cfg.merchant_id)?;
        strict_latin1("secret", &cfg.secret)?;
        for (name, url) in [
            ("baseUrl", cfg.base_url.as_deref()),
            ("notificationUrl", cfg.notification_url.as_deref()),
        ] {
            if let Some(u) = url
                && !(u.starts_with("https://") || u.starts_with("http://"))
            {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        if let Some(u) = &cfg.notification_url {
            strict_latin1("notificationUrl", u)?;
        }
        Ok(cfg)
    }

    fn url(&self, operation: &str) -> String {
        let base = self
            .base_url
            .as_deref()
            .unwrap_or(SANDBOX_BASE_URL)
            .trim_end_matches('/');
        format!("{base}{GATEWAY_PATH}/{operation}")
    }

    /// Signs `params` and posts them (Latin-1 form body) to `operation`.
    fn call(&self, operation: &str, params: Params) -> Result<Answer, ConnectorError> {
        let body = signed_body(params, &self.secret)?;
        let resp = Request::post(self.url(operation))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=ISO-8859-1",
            )
            .bytes(body)
            .send()?;
        if !resp.is_success() {
            let text = latin1_to_string(&resp.body);
            let message = Answer::parse(&resp.body)
                .get("errormessage")
                .map(str::to_string)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| text.chars().take(200).collect());
            return resp
                .error_for_status_with(|_| Some(message))
                .map(|_| Answer::default());
        }
        Ok(Answer::parse(&resp.body))
    }
}

// ---- Latin-1, form encoding, signature ----------------------------------------------------

/// Refuses a value payabl could not receive exactly.
pub fn strict_latin1(field: &str, value: &str) -> Result<(), ConnectorError> {
    match value.chars().find(|c| (*c as u32) > 0xFF) {
        Some(c) => Err(invalid_config(format!(
            "{field} contains {c:?}, which is outside ISO-8859-1 (Latin-1): payabl accepts Latin-1 only"
        ))),
        None => Ok(()),
    }
}

/// Free text in Latin-1: common typographic characters become their ASCII spelling,
/// anything else outside Latin-1 becomes `?`.
pub fn to_latin1_lossy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c as u32) <= 0xFF {
            out.push(c);
            continue;
        }
        let replacement = match c {
            '€' => "EUR",
            '‘' | '’' | '‚' | '′' => "'",
            '“' | '”' | '„' | '″' => "\"",
            '–' | '—' | '‐' | '‑' | '−' => "-",
            '…' => "...",
            '•' => "*",
            '™' => "TM",
            '\u{2009}' | '\u{202F}' | '\u{2002}' | '\u{2003}' => " ",
            'Œ' => "OE",
            'œ' => "oe",
            'Š' => "S",
            'š' => "s",
            'Ž' => "Z",
            'ž' => "z",
            'Ÿ' => "Y",
            'ł' => "l",
            'Ł' => "L",
            'ő' => "o",
            'Ő' => "O",
            'ű' => "u",
            'Ű' => "U",
            'č' | 'ć' => "c",
            'Č' | 'Ć' => "C",
            'ř' => "r",
            'Ř' => "R",
            'ę' => "e",
            'ą' => "a",
            'ś' => "s",
            'ń' => "n",
            'ź' | 'ż' => "z",
            _ => "?",
        };
        out.push_str(replacement);
    }
    out
}

/// Parameter name → value, kept sorted by name (the signature's order).
pub type Params = std::collections::BTreeMap<&'static str, String>;

/// The signature: SHA-1 hex of the values in the order of their sorted names, then the
/// secret. Values are hashed as Latin-1 bytes.
pub fn signature<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    secret: &str,
) -> Result<String, ConnectorError> {
    let mut sorted: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, _)| *k != "signature")
        .collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha1::new();
    for (name, value) in sorted {
        hasher.update(latin1_bytes(name, value)?);
    }
    hasher.update(latin1_bytes("secret", secret)?);
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn latin1_bytes(field: &str, value: &str) -> Result<Vec<u8>, ConnectorError> {
    value
        .chars()
        .map(|c| {
            u8::try_from(c as u32)
                .map_err(|_| invalid_config(format!("{field} contains {c:?}, outside ISO-8859-1")))
        })
        .collect()
}

fn latin1_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| *b as char).collect()
}

/// Percent-encodes Latin-1 bytes the way HTML forms do (`+` for space).
fn encode_component(value: &[u8], out: &mut String) {
    for &b in value {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// A signed, Latin-1, URL-encoded body.
pub fn signed_body(mut params: Params, secret: &str) -> Result<Vec<u8>, ConnectorError> {
    params.remove("signature");
    let sig = signature(params.iter().map(|(k, v)| (*k, v.as_str())), secret)?;
    params.insert("signature", sig);
    let mut out = String::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(name.as_bytes(), &mut out);
        out.push('=');
        encode_component(&latin1_bytes(name, value)?, &mut out);
    }
    Ok(out.into_bytes())
}

/// Decodes a Latin-1 URL-encoded `k=v&…` text (an answer or a callback body).
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(part: &[u8]) -> String {
        let mut bytes = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => bytes.push(b' '),
                b'%' if i + 2 < part.len() => {
                    let hexpair = std::str::from_utf8(&part[i + 1..i + 3]).ok();
                    match hexpair.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(b) => {
                            bytes.push(b);
                            i += 2;
                        }
                        None => bytes.push(b'%'),
                    }
                }
                b => bytes.push(b),
            }
            i += 1;
        }
        latin1_to_string(&bytes)
    }
    body.split(|b| *b == b'&')
        .map(|pair| {
            let trimmed: &[u8] = pair
                .strip_suffix(b"\r\n")
                .or_else(|| pair.strip_suffix(b"\n"))
                .unwrap_or(pair);
            trimmed
        })
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&pair[..i]), decode(&pair[i + 1..])),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// A parsed answer or callback.
#[derive(Debug, Default, Clone)]
pub struct Answer(pub Vec<(String, String)>);

impl Answer {
    pub fn parse(body: &[u8]) -> Self {
        Answer(parse_form(body))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .map(str::trim)
    }

    fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub fn errorcode(&self) -> &str {
        self.non_empty("errorcode").unwrap_or(codes::OK)
    }

    pub fn message(&self) -> String {
        self.non_empty("errormessage")
            .map(str::to_string)
            .unwrap_or_else(|| format!("payabl errorcode {}", self.errorcode()))
    }

    /// An error answer as the contract's error (`None` for `0` and for a decline, which
    /// is a failed payment rather than a failed call).
    pub fn error(&self) -> Option<ConnectorError> {
        let message = self.message();
        match self.errorcode() {
            codes::OK | codes::DECLINED => None,
            codes::INVALID_SIGNATURE | codes::UNKNOWN_MERCHANT => Some(unauthorized(message)),
            codes::NOT_FOUND => Some(not_found(message)),
            _ => Some(upstream(
                422,
                format!("{message} (payabl errorcode {})", self.errorcode()),
            )),
        }
    }
}

// ---- requests -----------------------------------------------------------------------------

pub fn payment_params(
    cfg: &PayablConfig,
    request: &PaymentRequest,
) -> Result<Params, ConnectorError> {
    strict_latin1("paymentMethod", &request.payment_method)?;
    strict_latin1("payment id", &request.id)?;
    let amount = money::to_major_string(&request.amount)?;
    if request.amount.amount <= 0 {
        return Err(invalid_config("amount must be positive"));
    }
    let mut p = Params::new();
    p.insert("merchantid", cfg.merchant_id.clone());
    p.insert("amount", amount);
    p.insert("currency", request.amount.currency.to_ascii_uppercase());
    p.insert("orderid", request.id.clone());
    p.insert("payment_method", PAYMENT_METHOD_CARD.into());
    p.insert("token", request.payment_method.clone());
    let text = request
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or(&request.reference);
    let text: String = to_latin1_lossy(text)
        .chars()
        .take(MAX_DESCRIPTION)
        .collect();
    p.insert("description", text);
    if let Some(url) = &request.return_url {
        strict_latin1("returnUrl", url)?;
        p.insert("url_return", url.clone());
    }
    if let Some(url) = &cfg.notification_url {
        p.insert("notification_url", url.clone());
    }
    Ok(p)
}

pub fn refund_params(
    cfg: &PayablConfig,
    request: &RefundRequest,
) -> Result<Params, ConnectorError> {
    strict_latin1("payment reference", &request.payment_provider_reference)?;
    strict_latin1("refund id", &request.id)?;
    let mut p = Params::new();
    p.insert("merchantid", cfg.merchant_id.clone());
    p.insert("transactionid", request.payment_provider_reference.clone());
    p.insert("amount", money::to_major_string(&request.amount)?);
    p.insert("currency", request.amount.currency.to_ascii_uppercase());
    p.insert("reference", request.id.clone());
    if let Some(reason) = &request.reason {
        let text: String = to_latin1_lossy(reason)
            .chars()
            .take(MAX_DESCRIPTION)
            .collect();
        p.insert("description", text);
    }
    if let Some(url) = &cfg.notification_url {
        p.insert("notification_url", url.clone());
    }
    Ok(p)
}

/// `payment_status` by transaction id or by BEEP!'s payment id (`orderid`).
pub fn status_params(cfg: &PayablConfig, lookup: &PaymentLookup) -> Params {
    let mut p = Params::new();
    p.insert("merchantid", cfg.merchant_id.clone());
    match &lookup.provider_reference {
        Some(t) => p.insert("transactionid", t.clone()),
        None => p.insert("orderid", lookup.payment_id.clone()),
    };
    p
}

// ---- statuses -----------------------------------------------------------------------------

/// payabl's transaction `status` values (chosen spellings, payabl's states).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayablStatus {
    /// Accepted, outcome not known yet (e.g. waiting for the acquirer).
    Pending,
    /// The shopper must complete 3-D Secure at `url_3ds`.
    Pending3ds,
    /// Preauthorised (a hold), not captured.
    Authorized,
    /// Sold / captured.
    Captured,
    Declined,
    Error,
    /// A preauthorisation released (reversal).
    Voided,
    Other(String),
}

impl PayablStatus {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "pending" => Self::Pending,
            "pending_3ds" => Self::Pending3ds,
            "authorized" => Self::Authorized,
            "captured" => Self::Captured,
            "declined" => Self::Declined,
            "error" => Self::Error,
            "voided" => Self::Voided,
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<PayablStatus> for PaymentStatus {
    fn from(s: PayablStatus) -> Self {
        match s {
            PayablStatus::Pending => PaymentStatus::Pending,
            PayablStatus::Pending3ds => PaymentStatus::RequiresAction,
            PayablStatus::Authorized => PaymentStatus::Authorized,
            PayablStatus::Captured => PaymentStatus::Succeeded,
            PayablStatus::Declined | PayablStatus::Error => PaymentStatus::Failed,
            PayablStatus::Voided => PaymentStatus::Canceled,
            // Unknown states are not final: BEEP! asks again later.
            PayablStatus::Other(_) => PaymentStatus::Pending,
        }
    }
}

/// payabl's refund `status` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayablRefundStatus {
    Pending,
    Refunded,
    Failed,
}

impl PayablRefundStatus {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "refunded" | "captured" => Self::Refunded,
            "failed" | "declined" | "error" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

impl From<PayablRefundStatus> for RefundStatus {
    fn from(s: PayablRefundStatus) -> Self {
        match s {
            PayablRefundStatus::Pending => RefundStatus::Pending,
            PayablRefundStatus::Refunded => RefundStatus::Succeeded,
            PayablRefundStatus::Failed => RefundStatus::Failed,
        }
    }
}

// ---- answers → contract -------------------------------------------------------------------

fn amount_of(a: &Answer, key: &str, currency: &str) -> Result<Option<Money>, ConnectorError> {
    match a.non_empty(key) {
        Some(v) => Ok(Some(money::money(
            money::from_major_str(v, currency)
                .map_err(|_| internal(format!("payabl {key} {v:?} is not a {currency} amount")))?,
            currency,
        ))),
        None => Ok(None),
    }
}

/// A payment from a payment answer, a `payment_status` answer or a payment callback.
pub fn payment_from(a: &Answer) -> Result<Payment, ConnectorError> {
    let reference = a.non_empty("transactionid").ok_or_else(|| {
        internal(format!(
            "payabl answer without transactionid: {}",
            a.message()
        ))
    })?;
    let currency = a
        .non_empty("currency")
        .ok_or_else(|| internal("payabl answer without currency"))?
        .to_ascii_uppercase();
    let amount = amount_of(a, "amount", &currency)?
        .ok_or_else(|| internal("payabl answer without amount"))?;
    let mut status: PaymentStatus = match a.non_empty("status") {
        Some(s) => PayablStatus::parse(s).into(),
        None if a.errorcode() == codes::DECLINED => PaymentStatus::Failed,
        None => PaymentStatus::Pending,
    };
    if a.errorcode() == codes::DECLINED {
        status = PaymentStatus::Failed;
    }
    let action_url = a.non_empty("url_3ds").map(str::to_string);
    if status == PaymentStatus::Pending && action_url.is_some() {
        status = PaymentStatus::RequiresAction;
    }
    let failed = status == PaymentStatus::Failed;
    let captured = match amount_of(a, "captured_amount", &currency)? {
        Some(c) => Some(c),
        None if status == PaymentStatus::Succeeded => Some(amount.clone()),
        None => None,
    };
    Ok(Payment {
        provider_reference: reference.to_string(),
        status,
        amount,
        captured,
        failure_code: failed.then(|| a.errorcode().to_string()),
        failure_message: failed.then(|| a.message()),
        action_url: if status == PaymentStatus::RequiresAction {
            action_url
        } else {
            None
        },
    })
}

/// A refund from a `payment_refund` answer or a refund callback.
pub fn refund_from(a: &Answer, payment_reference: Option<&str>) -> Result<Refund, ConnectorError> {
    let reference = a
        .non_empty("transactionid")
        .ok_or_else(|| internal("payabl refund answer without transactionid"))?;
    let currency = a
        .non_empty("currency")
        .ok_or_else(|| internal("payabl refund answer without currency"))?
        .to_ascii_uppercase();
    let amount = amount_of(a, "amount", &currency)?
        .ok_or_else(|| internal("payabl refund answer without amount"))?;
    let status: RefundStatus = PayablRefundStatus::parse(a.get("status").unwrap_or("")).into();
    Ok(Refund {
        provider_reference: reference.to_string(),
        payment_provider_reference: a
            .non_empty("base_transactionid")
            .or(payment_reference)
            .map(str::to_string),
        status,
        amount,
        failure_message: (status == RefundStatus::Failed).then(|| a.message()),
    })
}

/// Verifies a callback's signature and merchant, and normalises it.
pub fn webhook_event_from(cfg: &PayablConfig, body: &[u8]) -> Result<WebhookEvent, ConnectorError> {
    let a = Answer::parse(body);
    let given = a
        .non_empty("signature")
        .ok_or_else(|| unauthorized("payabl callback without signature"))?;
    let expected = signature(
        a.0.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &cfg.secret,
    )?;
    if !constant_time_eq(given.to_ascii_lowercase().as_bytes(), expected.as_bytes()) {
        return Err(unauthorized("payabl callback signature does not match"));
    }
    if a.get("merchantid") != Some(cfg.merchant_id.as_str()) {
        return Err(unauthorized("payabl callback for another merchant"));
    }
    let transaction = a
        .non_empty("transactionid")
        .ok_or_else(|| invalid_config("payabl callback without transactionid"))?;
    let status = a.get("status").unwrap_or("").to_ascii_lowercase();
    let is_refund = a
        .get("type")
        .is_some_and(|t| t.eq_ignore_ascii_case("refund"));
    let id = format!("{transaction}:{status}");
    if is_refund {
        Ok(WebhookEvent {
            id,
            event_type: format!("refund.{status}"),
            payment: None,
            refund: Some(refund_from(&a, None)?),
        })
    } else {
        Ok(WebhookEvent {
            id,
            event_type: format!("payment.{status}"),
            payment: Some(payment_from(&a)?),
            refund: None,
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---- operations ---------------------------------------------------------------------------

fn query(cfg: &PayablConfig, lookup: &PaymentLookup) -> Result<Payment, ConnectorError> {
    let a = cfg.call("payment_status", status_params(cfg, lookup))?;
    if let Some(e) = a.error() {
        return Err(e);
    }
    payment_from(&a)
}

impl beep_sdk::psp::Psp for Payabl {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        // A signed read: an unknown orderid is "not found" only when the merchant id and
        // the signature are right.
        let lookup = PaymentLookup {
            payment_id: "beep-config-check".into(),
            provider_reference: None,
        };
        match query(&cfg, &lookup) {
            Ok(_) | Err(ConnectorError::NotFound(_)) => Ok(()),
            Err(ConnectorError::Unauthorized(m)) => Err(unauthorized(m)),
            Err(e) => Err(e),
        }
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        let operation = if cfg.preauthorize {
            "payment_preauthorize"
        } else {
            "payment_authorize"
        };
        let a = cfg.call(operation, payment_params(&cfg, &request)?)?;
        if a.errorcode() == codes::DUPLICATE_ORDER {
            // An earlier attempt created it (its answer was lost): report that one.
            beep_sdk::log::info("payabl already has this orderid: answering from payment_status");
            let lookup = PaymentLookup {
                payment_id: request.id.clone(),
                provider_reference: None,
            };
            return query(&cfg, &lookup);
        }
        if let Some(e) = a.error() {
            return Err(e);
        }
        payment_from(&a)
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        query(&cfg, &lookup)
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        let a = cfg.call("payment_refund", refund_params(&cfg, &request)?)?;
        if let Some(e) = a.error() {
            return Err(e);
        }
        refund_from(&a, Some(&request.payment_provider_reference))
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = PayablConfig::parse(&config)?;
        webhook_event_from(&cfg, &request.body)
    }
}

beep_sdk::export_psp!(Payabl);

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::money::money;
    use beep_sdk::psp::Describe;

    fn cfg() -> PayablConfig {
        PayablConfig::parse(
            r#"{"merchantId":"beep_sandbox","secret":"payabl_sandbox_secret_0001","notificationUrl":"https://beep.example/api/v1/webhooks/payabl/st_1"}"#,
        )
        .unwrap()
    }

    fn request(amount: i64, currency: &str) -> PaymentRequest {
        PaymentRequest {
            id: "pay_123".into(),
            amount: money(amount, currency),
            reference: "order-1".into(),
            payment_method: "payabl_test_ok".into(),
            description: Some("Café Müller".into()),
            return_url: None,
        }
    }

    #[test]
    fn describe_names_payabl() {
        let info = Payabl::describe();
        assert_eq!(info.name, "payabl");
        assert_eq!(info.kind, ConnectorKind::Psp);
        assert_eq!(info.systems, vec!["payabl"]);
        assert_eq!(
            info.hosts,
            vec!["https://sandbox.payabl.com", "https://pay.payabl.com"]
        );
        serde_json::from_str::<serde_json::Value>(&info.config_schema).unwrap();
    }

    /// Vector computed independently with Python:
    /// `hashlib.sha1("10.00EURCafé Müllerbeep_sandboxpay_1231payabl_test_okpayabl_sandbox_secret_0001".encode("latin-1")).hexdigest()`
    /// (values in the order amount, currency, description, merchantid, orderid,
    /// payment_method, token).
    #[test]
    fn signature_matches_an_independent_vector() {
        let mut cfg = cfg();
        cfg.notification_url = None;
        let params = payment_params(&cfg, &request(1000, "EUR")).unwrap();
        let sig = signature(
            params.iter().map(|(k, v)| (*k, v.as_str())),
            "payabl_sandbox_secret_0001",
        )
        .unwrap();
        assert_eq!(sig, "ae578b2f6995c5d1dab3207b730e98a0a11affae");
        // The order is the NAMES' order, whatever order they come in.
        let shuffled = [("b", "2"), ("signature", "ignored"), ("a", "1")];
        let sorted = [("a", "1"), ("b", "2")];
        assert_eq!(
            signature(shuffled, "s").unwrap(),
            signature(sorted, "s").unwrap()
        );
        // SHA-1("abc") with an empty secret: the FIPS 180 test vector.
        assert_eq!(
            signature([("x", "abc")], "").unwrap(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn bodies_are_latin1_and_signed() {
        let mut cfg = cfg();
        cfg.notification_url = None;
        let params = payment_params(&cfg, &request(1000, "EUR")).unwrap();
        let body = String::from_utf8(signed_body(params, &cfg.secret).unwrap()).unwrap();
        assert_eq!(
            body,
            "amount=10.00&currency=EUR&description=Caf%E9+M%FCller&merchantid=beep_sandbox\
             &orderid=pay_123&payment_method=1&signature=ae578b2f6995c5d1dab3207b730e98a0a11affae\
             &token=payabl_test_ok"
        );
        // What payabl receives decodes back to the same Latin-1 text.
        let a = Answer::parse(body.as_bytes());
        assert_eq!(a.get("description"), Some("Café Müller"));
        assert_eq!(
            signature(
                a.0.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &cfg.secret
            )
            .unwrap(),
            a.get("signature").unwrap()
        );
    }

    #[test]
    fn latin1_only() {
        assert_eq!(
            to_latin1_lossy("Café – 5 € „gut“ 😀"),
            "Café - 5 EUR \"gut\" ?"
        );
        assert_eq!(to_latin1_lossy("Łódź"), "Lódz");
        let mut r = request(100, "EUR");
        r.description = Some("Kaffee ☕".into());
        let p = payment_params(&cfg(), &r).unwrap();
        assert_eq!(p["description"], "Kaffee ?");
        r.payment_method = "tok_☕".into();
        assert!(matches!(
            payment_params(&cfg(), &r),
            Err(ConnectorError::InvalidConfig(m)) if m.contains("Latin-1")
        ));
        assert!(matches!(
            PayablConfig::parse(r#"{"merchantId":"m","secret":"geheim€"}"#),
            Err(ConnectorError::InvalidConfig(m)) if m.contains("secret")
        ));
        assert!(signature([("a", "€")], "s").is_err());
    }

    #[test]
    fn config_is_checked() {
        assert!(PayablConfig::parse(r#"{"merchantId":"m"}"#).is_err());
        assert!(PayablConfig::parse(r#"{"merchantId":"","secret":"s"}"#).is_err());
        assert!(
            PayablConfig::parse(r#"{"merchantId":"m","secret":"s","baseUrl":"ftp://x"}"#).is_err()
        );
        let c = PayablConfig::parse(r#"{"merchantId":"m","secret":"s"}"#).unwrap();
        assert_eq!(
            c.url("payment_authorize"),
            "https://sandbox.payabl.com/pay/backoffice/payment_authorize"
        );
        let c = PayablConfig::parse(
            r#"{"merchantId":"m","secret":"s","baseUrl":"http://127.0.0.1:9/payabl/"}"#,
        )
        .unwrap();
        assert_eq!(
            c.url("payment_status"),
            "http://127.0.0.1:9/payabl/pay/backoffice/payment_status"
        );
    }

    #[test]
    fn amounts_use_the_currency_exponent() {
        let p = payment_params(&cfg(), &request(1000, "JPY")).unwrap();
        assert_eq!(p["amount"], "1000");
        let p = payment_params(&cfg(), &request(1234, "KWD")).unwrap();
        assert_eq!(p["amount"], "1.234");
        let p = payment_params(&cfg(), &request(1999, "eur")).unwrap();
        assert_eq!(
            (p["amount"].as_str(), p["currency"].as_str()),
            ("19.99", "EUR")
        );
        assert!(payment_params(&cfg(), &request(100, "XYZ")).is_err());
        assert!(payment_params(&cfg(), &request(0, "EUR")).is_err());
        let a =
            Answer::parse(b"errorcode=0&transactionid=7&status=captured&amount=1.234&currency=KWD");
        let p = payment_from(&a).unwrap();
        assert_eq!((p.amount.amount, p.amount.currency.as_str()), (1234, "KWD"));
        let a =
            Answer::parse(b"errorcode=0&transactionid=7&status=captured&amount=1000&currency=JPY");
        assert_eq!(payment_from(&a).unwrap().amount.amount, 1000);
    }

    #[test]
    fn status_mapping() {
        let cases = [
            ("pending", PaymentStatus::Pending),
            ("pending_3ds", PaymentStatus::RequiresAction),
            ("authorized", PaymentStatus::Authorized),
            ("captured", PaymentStatus::Succeeded),
            ("declined", PaymentStatus::Failed),
            ("error", PaymentStatus::Failed),
            ("voided", PaymentStatus::Canceled),
            ("something_new", PaymentStatus::Pending),
        ];
        for (s, expected) in cases {
            assert_eq!(PaymentStatus::from(PayablStatus::parse(s)), expected, "{s}");
        }
        for (s, expected) in [
            ("refunded", RefundStatus::Succeeded),
            ("pending", RefundStatus::Pending),
            ("failed", RefundStatus::Failed),
        ] {
            assert_eq!(RefundStatus::from(PayablRefundStatus::parse(s)), expected);
        }
    }

    #[test]
    fn answers_map() {
        let a = Answer::parse(
            b"transactionid=100001&orderid=pay_1&errorcode=0&errormessage=&status=pending_3ds\
              &amount=10.00&currency=EUR&url_3ds=https%3A%2F%2Fsandbox.payabl.com%2F3ds%2F100001",
        );
        let p = payment_from(&a).unwrap();
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        assert_eq!(
            p.action_url.as_deref(),
            Some("https://sandbox.payabl.com/3ds/100001")
        );
        assert_eq!(p.provider_reference, "100001");

        let a = Answer::parse(
            b"transactionid=100002&errorcode=2005&errormessage=Transaction+declined&status=declined&amount=5.00&currency=EUR",
        );
        assert!(a.error().is_none());
        let p = payment_from(&a).unwrap();
        assert_eq!(p.status, PaymentStatus::Failed);
        assert_eq!(p.failure_code.as_deref(), Some("2005"));
        assert_eq!(p.failure_message.as_deref(), Some("Transaction declined"));

        let a = Answer::parse(b"errorcode=2001&errormessage=Invalid+signature");
        assert!(
            matches!(a.error(), Some(ConnectorError::Unauthorized(m)) if m == "Invalid signature")
        );
        let a = Answer::parse(b"errorcode=2007&errormessage=Transaction+not+found");
        assert!(matches!(a.error(), Some(ConnectorError::NotFound(_))));
        let a = Answer::parse(b"errorcode=2006&errormessage=Amount+exceeds+the+refundable+amount");
        assert!(matches!(a.error(), Some(ConnectorError::Upstream(u)) if u.status == 422));

        let a = Answer::parse(
            b"transactionid=100003&base_transactionid=100001&errorcode=0&status=refunded&amount=2.50&currency=EUR",
        );
        let r = refund_from(&a, Some("100001")).unwrap();
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.amount.amount, 250);
        assert_eq!(r.payment_provider_reference.as_deref(), Some("100001"));
    }

    #[test]
    fn callbacks_are_verified() {
        let cfg = cfg();
        let mut p = Params::new();
        p.insert("merchantid", "beep_sandbox".into());
        p.insert("transactionid", "100001".into());
        p.insert("orderid", "pay_1".into());
        p.insert("status", "captured".into());
        p.insert("errorcode", "0".into());
        p.insert("amount", "10.00".into());
        p.insert("currency", "EUR".into());
        p.insert("type", "payment".into());
        let body = signed_body(p.clone(), &cfg.secret).unwrap();
        let e = webhook_event_from(&cfg, &body).unwrap();
        assert_eq!(e.id, "100001:captured");
        assert_eq!(e.payment.unwrap().status, PaymentStatus::Succeeded);

        let tampered = String::from_utf8(body.clone())
            .unwrap()
            .replace("10.00", "99.00");
        assert!(matches!(
            webhook_event_from(&cfg, tampered.as_bytes()),
            Err(ConnectorError::Unauthorized(_))
        ));
        let wrong_secret = signed_body(p.clone(), "other").unwrap();
        assert!(webhook_event_from(&cfg, &wrong_secret).is_err());
        assert!(webhook_event_from(&cfg, b"transactionid=1&status=captured").is_err());

        p.insert("type", "refund".into());
        p.insert("status", "refunded".into());
        p.insert("transactionid", "100002".into());
        p.insert("base_transactionid", "100001".into());
        let e = webhook_event_from(&cfg, &signed_body(p, &cfg.secret).unwrap()).unwrap();
        let r = e.refund.unwrap();
        assert_eq!(e.id, "100002:refunded");
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.payment_provider_reference.as_deref(), Some("100001"));
    }

    #[test]
    fn lookups_use_orderid_without_a_reference() {
        let p = status_params(
            &cfg(),
            &PaymentLookup {
                payment_id: "pay_9".into(),
                provider_reference: None,
            },
        );
        assert_eq!(p.get("orderid").map(String::as_str), Some("pay_9"));
        assert!(!p.contains_key("transactionid"));
        let p = status_params(
            &cfg(),
            &PaymentLookup {
                payment_id: "pay_9".into(),
                provider_reference: Some("100001".into()),
            },
        );
        assert_eq!(p.get("transactionid").map(String::as_str), Some("100001"));
    }
}
