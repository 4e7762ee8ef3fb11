//! BEEP! ↔ Mollie: amounts, request bodies, idempotency keys, status mapping, payments,
//! refunds and webhook events.

use crate::config::MollieConfig;
use crate::model::*;
use beep_sdk::error::{internal, unauthorized};
use beep_sdk::prelude::*;

/// Mollie requires a `redirectUrl` for every payment that may send the shopper to a
/// hosted page (all but point-of-sale). Without one from the request or the config, the
/// shopper lands on this reserved, never-resolving address (RFC 2606 `.invalid`): an app
/// that embeds Mollie's checkout in a web view recognises it and closes the view, and no
/// third party learns the payment id.
pub const FALLBACK_REDIRECT_URL: &str = "https://beep.invalid/mollie/return";
/// Mollie's `description` holds at most 255 characters.
const MAX_DESCRIPTION: usize = 255;

// ---- amounts ------------------------------------------------------------------------------

/// Mollie's payment currencies (docs.mollie.com/docs/multicurrency; the spec's
/// `currencies` enum lists settlement currencies only). Where copies of the page differ
/// (BGN, RUB) the currency is kept: the list only spares a request Mollie would refuse,
/// and per-method limits stay Mollie's to answer. Minimums are per method (cards:
/// 0.01), so none is checked here.
pub const ACCEPTED: beep_sdk::money::Accepted = beep_sdk::money::Accepted {
    vendor: "Mollie",
    currencies: &[
        "AED", "AUD", "BGN", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS",
        "ISK", "JPY", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "RUB", "SEK", "SGD", "THB",
        "TWD", "USD", "ZAR",
    ],
    minimums: &[],
};

impl MollieAmount {
    /// BEEP! minor units → Mollie's major-unit string with the currency's exact decimals.
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

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl<'a> CreatePayment<'a> {
    /// `manual`: the payment is only authorised (Mollie holds card payments so).
    pub fn from_request(
        cfg: &'a MollieConfig,
        req: &'a PaymentRequest,
        manual: bool,
    ) -> Result<Self, ConnectorError> {
        ACCEPTED.check(&req.amount)?;
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
            capture_mode: manual.then_some("manual"),
            profile_id,
            testmode,
        })
    }
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

impl<'a> CreateCapture<'a> {
    pub fn from_request(
        cfg: &MollieConfig,
        req: &'a CaptureRequest,
    ) -> Result<Self, ConnectorError> {
        Ok(CreateCapture {
            amount: MollieAmount::from_money(&req.amount)?,
            description: format!("Capture {}", req.payment_id),
            metadata: CaptureMetadata {
                beep_capture_id: &req.id,
            },
            testmode: cfg.scope().1,
        })
    }
}

pub fn capture_idempotency_key(capture_id: &str) -> String {
    format!("beep-capture-{capture_id}")
}

pub fn release_idempotency_key(cancel_id: &str) -> String {
    format!("beep-cancel-{cancel_id}")
}

pub fn refund_idempotency_key(refund_id: &str) -> String {
    format!("beep-refund-{refund_id}")
}

// ---- status -------------------------------------------------------------------------------

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
    let embedded = p.embedded.as_ref();
    let settled = embedded.and_then(|e| {
        e.refunds.iter().rev().find(|r| {
            matches!(
                r.status,
                MollieRefundStatus::Refunded
                    | MollieRefundStatus::Failed
                    | MollieRefundStatus::Canceled
            )
        })
    });
    // Mollie calls the payment's webhook for every change: the event names the payment's
    // state, its latest settled refund and its latest chargeback, so that each new state
    // of any of them is a new event.
    let mut id = format!("{}:{status}", p.id);
    let mut event_type = format!("payment.{status}");
    let refund = match settled {
        Some(r) => {
            let r_status = refund_status_name(r.status);
            id.push_str(&format!(":{}:{r_status}", r.id));
            event_type = format!("refund.{r_status}");
            Some(refund_from(r, &p.id)?)
        }
        None => None,
    };
    let dispute = match embedded.and_then(|e| e.chargebacks.last()) {
        Some(c) => {
            let reversed = c.reversed_at.is_some();
            let stage = if reversed { "reversed" } else { "charged_back" };
            id.push_str(&format!(":{}:{stage}", c.id));
            event_type = format!("chargeback.{stage}");
            Some(dispute_from(c, &p.id)?)
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

/// A Mollie chargeback as a dispute: Mollie debits it at once, so it is lost until
/// reversed.
pub fn dispute_from(c: &MollieChargeback, payment_id: &str) -> Result<Dispute, ConnectorError> {
    Ok(Dispute {
        provider_reference: c.id.clone(),
        payment_provider_reference: payment_id.to_string(),
        status: if c.reversed_at.is_some() {
            DisputeStatus::Won
        } else {
            DisputeStatus::Lost
        },
        amount: c.amount.to_money()?,
        reason: c
            .reason
            .as_ref()
            .map(|r| r.description.clone().unwrap_or_else(|| r.code.clone())),
        respond_by: None,
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
