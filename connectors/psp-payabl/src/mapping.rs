//! BEEP! ↔ payabl: Latin-1, form encoding and the signature, request parameters,
//! statuses, answers and callbacks.

use crate::config::PayablConfig;
use crate::model::{Answer, PayablRefundStatus, PayablStatus, codes};
use beep_sdk::error::{internal, invalid_config, unauthorized};
use beep_sdk::prelude::*;
use sha1::{Digest, Sha1};

/// payabl's `payment_method` for card payments (a token stands for the card).
const PAYMENT_METHOD_CARD: &str = "1";
/// Longest `description` sent (chosen: payabl truncates free text on statements).
const MAX_DESCRIPTION: usize = 255;

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

pub(crate) fn latin1_to_string(bytes: &[u8]) -> String {
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

/// `payment_capture` of a hold: at most its amount (payabl releases the rest).
pub fn capture_params(
    cfg: &PayablConfig,
    request: &CaptureRequest,
) -> Result<Params, ConnectorError> {
    strict_latin1("payment reference", &request.payment_provider_reference)?;
    let mut p = Params::new();
    p.insert("merchantid", cfg.merchant_id.clone());
    p.insert("transactionid", request.payment_provider_reference.clone());
    p.insert("amount", money::to_major_string(&request.amount)?);
    p.insert("currency", request.amount.currency.to_ascii_uppercase());
    Ok(p)
}

/// `payment_reversal` of a hold.
pub fn reversal_params(
    cfg: &PayablConfig,
    request: &CancelRequest,
) -> Result<Params, ConnectorError> {
    strict_latin1("payment reference", &request.payment_provider_reference)?;
    let mut p = Params::new();
    p.insert("merchantid", cfg.merchant_id.clone());
    p.insert("transactionid", request.payment_provider_reference.clone());
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
            dispute: None,
            payout: None,
        })
    } else {
        Ok(WebhookEvent {
            id,
            event_type: format!("payment.{status}"),
            payment: Some(payment_from(&a)?),
            refund: None,
            dispute: None,
            payout: None,
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
