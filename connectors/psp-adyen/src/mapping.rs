//! BEEP! ⇄ Adyen: amounts (Adyen's currency decimals), idempotency keys, payment method
//! tokens, request bodies, result codes, payments, refunds, and webhook notifications
//! (signatures and events).

use crate::config::AdyenConfig;
use crate::model::*;
use base64::Engine as _;
use beep_sdk::error::{internal, invalid_config, unauthorized, unsupported};
use beep_sdk::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Adyen requires a `returnUrl` on every `/payments` request (`PaymentRequest.required`);
/// card-on-file payments never redirect, so when neither the request nor the config has
/// one, this placeholder (an `.invalid` host, RFC 2606) satisfies the field.
pub const FALLBACK_RETURN_URL: &str = "https://return.beep.invalid/adyen";
/// `Idempotency-Key` holds at most 64 characters at Adyen.
const IDEMPOTENCY_KEY_MAX: usize = 64;

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
/// carries one (see the crate docs).
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

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The metadata key that marks a manual-capture payment.
pub const MANUAL_CAPTURE_KEY: &str = "beepCapture";

impl PaymentRequestBody {
    /// `manual`: authorise only (`additionalData.manualCapture`), captured later.
    pub fn new(
        cfg: &AdyenConfig,
        req: &PaymentRequest,
        manual: bool,
    ) -> Result<Self, ConnectorError> {
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
        // Adyen echoes metadata in the AUTHORISATION webhook: it tells a hold from a
        // payment Adyen captures by itself.
        if manual {
            metadata.insert(MANUAL_CAPTURE_KEY, "manual".into());
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
            capture_delay_hours: (!manual).then_some(0),
            additional_data: manual.then(|| BTreeMap::from([("manualCapture", "true")])),
            metadata,
        })
    }
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

impl CaptureRequestBody {
    pub fn new(cfg: &AdyenConfig, req: &CaptureRequest) -> Result<Self, ConnectorError> {
        Ok(CaptureRequestBody {
            amount: to_adyen_amount(&req.amount)?,
            merchant_account: cfg.merchant_account.clone(),
            reference: req.id.clone(),
        })
    }
}

pub fn capture_idempotency_key(capture_id: &str) -> String {
    idempotency_key("capture", capture_id)
}

pub fn cancel_idempotency_key(cancel_id: &str) -> String {
    idempotency_key("cancel", cancel_id)
}

/// A manual-capture payment's `/payments` answer: Adyen's `Authorised` is a hold, not
/// money yet.
pub fn held(mut payment: Payment) -> Payment {
    if payment.status == PaymentStatus::Succeeded {
        payment.status = PaymentStatus::Authorized;
        payment.captured = None;
    }
    payment
}

/// A capture or cancel Adyen has `received`: the payment as it will stand (Adyen
/// confirms by notification; a failed CAPTURE or CANCELLATION arrives the same way).
pub fn modified(
    resp: AdyenModificationResponse,
    payment_reference: &str,
    authorized: &Money,
    captured: Option<&Money>,
) -> Payment {
    if resp.status.as_deref().is_some_and(|s| s != "received") {
        beep_sdk::log::warn(&format!(
            "unexpected modification status {:?} for {}",
            resp.status, resp.psp_reference
        ));
    }
    Payment {
        provider_reference: resp
            .payment_psp_reference
            .unwrap_or_else(|| payment_reference.to_string()),
        status: match captured {
            Some(_) => PaymentStatus::Succeeded,
            None => PaymentStatus::Canceled,
        },
        amount: authorized.clone(),
        captured: captured.cloned(),
        failure_code: None,
        failure_message: None,
        action_url: None,
    }
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

// ---- result codes -------------------------------------------------------------------------

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
        dispute: None,
        payout: None,
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
        // Automatic capture: a successful authorisation is a succeeded payment. A
        // manual one (its metadata says so) is a hold, captured by a later CAPTURE.
        "AUTHORISATION" if item.success => {
            let held = item
                .additional_data
                .as_ref()
                .and_then(|d| d.get(&format!("metadata.{MANUAL_CAPTURE_KEY}")))
                .and_then(Value::as_str)
                == Some("manual");
            let status = if held {
                PaymentStatus::Authorized
            } else {
                PaymentStatus::Succeeded
            };
            event.payment = Some(payment(&item.psp_reference, status, None))
        }
        "CAPTURE" if item.success => {
            let reference = item
                .original_reference
                .as_deref()
                .unwrap_or(&item.psp_reference);
            event.payment = Some(payment(reference, PaymentStatus::Succeeded, None))
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
        code => {
            if let (Some(status), Some(original)) =
                (dispute_stage(code), item.original_reference.as_deref())
            {
                let extra = |key: &str| {
                    item.additional_data
                        .as_ref()
                        .and_then(|d| d.get(key))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                let status = extra("disputeStatus")
                    .as_deref()
                    .and_then(dispute_status_of)
                    .unwrap_or(status);
                event.dispute = Some(Dispute {
                    // One dispute per payment: its stages arrive under their own
                    // pspReferences, all naming the payment.
                    provider_reference: format!("{original}:dispute"),
                    payment_provider_reference: original.to_string(),
                    status,
                    amount,
                    reason: item
                        .reason
                        .clone()
                        .filter(|r| !r.is_empty())
                        .or(extra("chargebackReasonCode")),
                    respond_by: extra("defensePeriodEndsAt"),
                });
            }
        }
    }
    event
}

/// Adyen's dispute notifications, stage by stage (docs.adyen.com, "Dispute
/// notifications"): a request for information is a warning; a notification of
/// chargeback opens the defence period; a chargeback debits the funds (pending a
/// defence); reversal wins; a second chargeback or a lost pre-arbitration loses.
pub fn dispute_stage(event_code: &str) -> Option<DisputeStatus> {
    Some(match event_code {
        "REQUEST_FOR_INFORMATION" => DisputeStatus::Warning,
        "NOTIFICATION_OF_CHARGEBACK" => DisputeStatus::NeedsResponse,
        // Debited: lost unless defended (then `additionalData.disputeStatus` says so).
        "CHARGEBACK" | "SECOND_CHARGEBACK" | "PREARBITRATION_LOST" => DisputeStatus::Lost,
        "CHARGEBACK_REVERSED" | "PREARBITRATION_WON" => DisputeStatus::Won,
        _ => return None,
    })
}

/// `additionalData.disputeStatus` where Adyen sends it: the defence's state, more precise
/// than the stage.
fn dispute_status_of(text: &str) -> Option<DisputeStatus> {
    Some(match text {
        "Pending" | "Responded" => DisputeStatus::UnderReview,
        "Undefended" => DisputeStatus::NeedsResponse,
        "Won" => DisputeStatus::Won,
        "Lost" | "Accepted" | "Expired" => DisputeStatus::Lost,
        _ => return None,
    })
}
