//! BEEP! ↔ PCP: the signature's canonical text, amounts, references, request bodies,
//! statuses, payments, refunds, error bodies and webhooks.

use crate::config::is_safe_segment;
use crate::model::{
    AmountOfMoney, CheckoutResponse, CreatePaymentResponse, ErrorResponse, PaymentEvent,
    PaymentExecution, PcpState, PcpStatus, RefundPaymentResponse, StatusCategory,
};
use base64::Engine as _;
use beep_sdk::error::{internal, invalid_config, not_found, unauthorized};
use beep_sdk::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// `PaymentReferences.merchantReference` holds at most 20 characters.
const SHORT_REFERENCE: usize = 20;
/// `CreateCommerceCaseRequest.merchantReference` holds at most 40 characters.
const CASE_REFERENCE_MAX: usize = 40;

// ---- signing ------------------------------------------------------------------------------

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

/// `manual`: a PRE_AUTHORIZATION, held until `…/capture` or `…/cancel`.
pub fn execution_body(req: &PaymentRequest, manual: bool) -> Result<Value, ConnectorError> {
    let amount = AmountOfMoney::from_money(&req.amount)?;
    let mut card = serde_json::json!({
        "paymentProcessingToken": req.payment_method.trim(),
        "authorizationMode": if manual { "PRE_AUTHORIZATION" } else { "SALE" },
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

/// `CapturePaymentRequest`: final, so that PCP cancels what a partial capture leaves.
pub fn capture_body(req: &CaptureRequest) -> Result<Value, ConnectorError> {
    Ok(serde_json::json!({
        "amount": AmountOfMoney::from_money(&req.amount)?.amount,
        "isFinal": true,
        "references": {"merchantReference": short_reference(&req.id)},
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

// ---- statuses -----------------------------------------------------------------------------

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

// ---- references, payments and refunds ------------------------------------------------------

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

    pub(crate) fn checkout_path(&self) -> String {
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

// ---- webhooks -----------------------------------------------------------------------------

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
    // A chargeback is a payment event of the execution; its reversal another. One
    // dispute per execution, at the stage of the latest.
    let stage = pe.events.iter().rev().find(|e| {
        matches!(
            e.kind.as_deref(),
            Some("CHARGEBACK" | "CHARGEBACK_REVERSAL")
        )
    });
    let mut id = id;
    let dispute = match stage {
        Some(e) => {
            let reversed = e.kind.as_deref() == Some("CHARGEBACK_REVERSAL");
            id.push_str(if reversed {
                ":chargeback_reversed"
            } else {
                ":chargebacked"
            });
            Some(Dispute {
                provider_reference: format!("{}:chargeback", pe.payment_execution_id),
                payment_provider_reference: payment.provider_reference.clone(),
                status: if reversed {
                    DisputeStatus::Won
                } else {
                    DisputeStatus::Lost
                },
                amount: match &e.amount_of_money {
                    Some(a) => a.to_money()?,
                    None => payment.amount.clone(),
                },
                reason: None,
                respond_by: None,
            })
        }
        None => None,
    };
    Ok(WebhookEvent {
        id,
        event_type,
        payment: Some(payment),
        refund,
        dispute,
        payout: None,
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
