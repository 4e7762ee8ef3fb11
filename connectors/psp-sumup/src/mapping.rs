//! BEEP! ↔ SumUp: amounts, the checkout body, status mapping, payments, refund references
//! and webhook events.

use crate::config::SumupConfig;
use crate::model::*;
use beep_sdk::error::{internal, unauthorized};
use beep_sdk::prelude::*;

/// `checkout_reference.maxLength`.
const MAX_REFERENCE: usize = 90;

// ---- amounts ------------------------------------------------------------------------------

/// What SumUp takes: its spec's `Currency` enum (no JPY, no three-decimal currency); it
/// states no minimum amount.
pub const ACCEPTED: beep_sdk::money::Accepted = beep_sdk::money::Accepted {
    vendor: "SumUp",
    currencies: &[
        "BGN", "BRL", "CHF", "CLP", "COP", "CZK", "DKK", "EUR", "GBP", "HRK", "HUF", "NOK", "PLN",
        "RON", "SEK", "USD",
    ],
    minimums: &[],
};

/// BEEP! minor units → SumUp's major-unit number (exact below 2^53 minor units).
pub fn to_sumup_amount(money: &Money) -> Result<f64, ConnectorError> {
    beep_sdk::money::to_major_f64(money)
}

pub fn from_sumup_amount(value: f64, currency: &str) -> Result<Money, ConnectorError> {
    let minor = beep_sdk::money::from_major_f64(value, currency)
        .map_err(|_| internal(format!("SumUp answered an amount {value} {currency}")))?;
    Ok(beep_sdk::money::money(minor, currency))
}

// ---- requests -----------------------------------------------------------------------------

impl<'a> CreateCheckout<'a> {
    pub fn from_request(
        cfg: &'a SumupConfig,
        req: &'a PaymentRequest,
    ) -> Result<Self, ConnectorError> {
        ACCEPTED.check(&req.amount)?;
        if req.id.is_empty() || req.id.len() > MAX_REFERENCE {
            return Err(internal(format!(
                "payment id {:?} does not fit SumUp's checkout_reference",
                req.id
            )));
        }
        let description = match req.description.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() && d != req.reference => format!("{} {d}", req.reference),
            _ => req.reference.clone(),
        };
        Ok(CreateCheckout {
            checkout_reference: &req.id,
            amount: to_sumup_amount(&req.amount)?,
            currency: req.amount.currency.to_ascii_uppercase(),
            merchant_code: &cfg.merchant_code,
            description,
            return_url: cfg.return_url.as_deref(),
            redirect_url: req.return_url.as_deref().filter(|u| !u.trim().is_empty()),
        })
    }
}

// ---- status -------------------------------------------------------------------------------

/// What decides a BEEP! status: the checkout's status, its latest transaction's, and
/// whether SumUp asked for a 3-D Secure step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumupState {
    pub checkout: CheckoutStatus,
    pub transaction: Option<TransactionStatus>,
    pub next_step: bool,
}

impl From<SumupState> for PaymentStatus {
    fn from(s: SumupState) -> Self {
        use CheckoutStatus as C;
        use TransactionStatus as T;
        if s.next_step {
            return PaymentStatus::RequiresAction;
        }
        match (s.checkout, s.transaction) {
            // SumUp captures immediately: a successful (or later refunded) payment is done.
            (C::Paid, _) | (_, Some(T::Successful | T::Refunded)) => PaymentStatus::Succeeded,
            (_, Some(T::Cancelled)) => PaymentStatus::Canceled,
            (C::Failed | C::Expired, _) | (_, Some(T::Failed)) => PaymentStatus::Failed,
            (C::Pending | C::Unknown, _) => PaymentStatus::Pending,
        }
    }
}

// ---- mapping ------------------------------------------------------------------------------

fn checkout_status_name(s: CheckoutStatus) -> &'static str {
    match s {
        CheckoutStatus::Pending => "PENDING",
        CheckoutStatus::Failed => "FAILED",
        CheckoutStatus::Paid => "PAID",
        CheckoutStatus::Expired => "EXPIRED",
        CheckoutStatus::Unknown => "UNKNOWN",
    }
}

/// A SumUp checkout as a BEEP! payment; `action_url` is the 3-D Secure step, if SumUp
/// just asked for one.
pub fn payment_from(
    c: &SumupCheckout,
    action_url: Option<String>,
) -> Result<Payment, ConnectorError> {
    let tx = c.latest_transaction().and_then(|t| t.status);
    let status = PaymentStatus::from(SumupState {
        checkout: c.status,
        transaction: tx,
        next_step: action_url.is_some(),
    });
    let amount = from_sumup_amount(c.amount, &c.currency)?;
    let captured = (status == PaymentStatus::Succeeded).then(|| amount.clone());
    let (failure_code, failure_message) = match status {
        PaymentStatus::Failed | PaymentStatus::Canceled => {
            let (code, msg) = match (c.status, tx) {
                (CheckoutStatus::Expired, _) => {
                    ("expired", "the checkout expired before it was paid")
                }
                (_, Some(TransactionStatus::Cancelled)) => {
                    ("cancelled", "SumUp reports the transaction as CANCELLED")
                }
                _ => ("failed", "SumUp reports the payment as FAILED"),
            };
            (Some(code.to_string()), Some(msg.to_string()))
        }
        _ => (None, None),
    };
    let action_url = match status {
        PaymentStatus::RequiresAction => action_url,
        _ => None,
    };
    Ok(Payment {
        provider_reference: c.id.clone(),
        status,
        amount,
        captured,
        failure_code,
        failure_message,
        action_url,
    })
}

pub fn refund_reference(transaction_id: &str, refund_id: &str) -> String {
    format!("{transaction_id}:{refund_id}")
}

/// The checkout id of a SumUp webhook body.
pub fn webhook_checkout_id(body: &[u8]) -> Result<String, ConnectorError> {
    let b: WebhookBody = serde_json::from_slice(body)
        .map_err(|_| unauthorized("webhook body is not a SumUp event"))?;
    let valid = !b.id.is_empty()
        && b.id.len() <= 64
        && b.id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if !valid || b.event_type.is_empty() {
        return Err(unauthorized("webhook body carries no checkout id"));
    }
    Ok(b.id)
}

/// The webhook as a BEEP! event, from the checkout as SumUp reports it now. SumUp sends no
/// event id: the observed state is the event id, so each state applies once.
pub fn webhook_event_from(c: &SumupCheckout) -> Result<WebhookEvent, ConnectorError> {
    let payment = payment_from(c, None)?;
    let status = checkout_status_name(c.status);
    Ok(WebhookEvent {
        id: format!("{}:{status}", c.id),
        event_type: format!("checkout.{}", status.to_ascii_lowercase()),
        payment: Some(payment),
        refund: None,
        dispute: None,
        payout: None,
    })
}
