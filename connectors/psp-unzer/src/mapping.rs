//! BEEP! ↔ Unzer: amounts, references, request bodies, statuses, payments, refunds,
//! webhooks and error bodies.

use crate::FALLBACK_RETURN_URL;
use crate::config::UnzerConfig;
use crate::model::{
    ErrorBody, PaymentState, Transaction, TxStatus, UnzerPayment, UnzerState, WebhookBody,
};
use beep_sdk::error::{internal, invalid_config, unauthorized};
use beep_sdk::prelude::*;
use serde_json::{Value, json};

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

/// `POST /v1/payments/{paymentId}/charges` (charging an authorization) or
/// `…/authorize/cancels` (releasing it): an amount, and BEEP!'s id to find it again.
pub fn hold_body(amount: &Money, beep_id: &str) -> Result<Value, ConnectorError> {
    Ok(json!({
        "amount": amount_number(amount)?,
        "paymentReference": beep_id,
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

// ---- statuses -----------------------------------------------------------------------------

impl From<UnzerState> for PaymentStatus {
    fn from(s: UnzerState) -> Self {
        use PaymentStatus as P;
        match (s.payment, s.charge) {
            (_, Some(TxStatus::Error)) => P::Failed,
            (Some(PaymentState::Pending), _) if s.held => P::Authorized,
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
        held: false,
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
    let authorization = p.authorization();
    // Before any charge, the authorization is the transaction that tells the outcome.
    let charge_status = charge
        .map(|c| c.status())
        .or(last.map(|t| t.status))
        .or(authorization.map(|a| a.status));
    let held = last.is_none() && authorization.is_some_and(|a| a.status == TxStatus::Success);
    let redirect = charge
        .and_then(|c| c.redirect_url.as_deref())
        .is_some_and(|u| !u.is_empty());
    let status = PaymentStatus::from(UnzerState {
        payment: Some(p.state.name),
        charge: charge_status,
        redirect,
        held,
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
    // Unzer books a chargeback as a transaction of the payment (a debit, with no defence
    // in its API): a lost dispute on the charge BEEP! knows.
    let dispute = match p.transactions.iter().rev().find(|t| t.kind == "chargeback") {
        Some(cb) => {
            let cb_id = cb.id().unwrap_or("chargeback");
            id.push_str(&format!(":{cb_id}"));
            let amount = match &cb.amount {
                Some(a) => beep_sdk::money::money(parse_amount(a, &p.currency)?, &p.currency),
                None => payment.amount.clone(),
            };
            Some(Dispute {
                provider_reference: format!("{}/{cb_id}", p.id),
                payment_provider_reference: payment.provider_reference.clone(),
                status: DisputeStatus::Lost,
                amount,
                reason: None,
                respond_by: None,
            })
        }
        None => None,
    };
    Ok(WebhookEvent {
        id,
        event_type: event.to_string(),
        payment: Some(payment),
        refund,
        dispute,
        payout: None,
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
pub(crate) fn error_message(resp: &Response) -> Option<String> {
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
