//! Unzer over HTTP: authenticated requests, error checking, the lookups and the operations'
//! calls.

use crate::config::UnzerConfig;
use crate::mapping::{
    cancel_body, charge_body, error_message, hold_body, parse_amount, parse_webhook_body,
    payment_from, payment_from_charge, payment_reference, refund_from_cancel, retrieve_payment_id,
    split_reference, webhook_event_from,
};
use crate::model::{PaymentState, Transaction, TxStatus, UnzerPayment};
use beep_sdk::error::{invalid_config, unauthorized};
use beep_sdk::http::segment;
use beep_sdk::prelude::{
    CancelRequest, CaptureRequest, ConnectorError, Payment, PaymentLookup, PaymentRequest,
    PaymentStatus, Refund, RefundRequest, Request, Response, WebhookEvent, WebhookRequest,
};
use serde_json::Value;

// ---- requests -----------------------------------------------------------------------------

impl UnzerConfig {
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

// ---- errors -------------------------------------------------------------------------------

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

pub(crate) fn validate_config(cfg: &UnzerConfig) -> Result<(), ConnectorError> {
    // An authenticated read: the key pair and its enabled payment types.
    check(cfg.get("/keypair").send()?)?;
    Ok(())
}

/// A charge (`POST /payments/charges`) or, `hold`, an authorization
/// (`POST /payments/authorize`, the same request): charged later by `capture`.
pub(crate) fn create_payment(
    cfg: &UnzerConfig,
    request: PaymentRequest,
    hold: bool,
) -> Result<Payment, ConnectorError> {
    let body = charge_body(cfg, &request)?;
    let path = if hold {
        "/payments/authorize"
    } else {
        "/payments/charges"
    };
    let resp = cfg.post(path, &body)?.send()?;
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
    let payment = payment_from_charge(&tx, &request.amount)?;
    Ok(match (hold, payment.status) {
        // The authorization succeeded: a hold, not money yet; its reference is the
        // payment (charges come later).
        (true, PaymentStatus::Succeeded) => Payment {
            provider_reference: tx.resources.payment_id.clone().unwrap_or_default(),
            status: PaymentStatus::Authorized,
            captured: None,
            ..payment
        },
        _ => payment,
    })
}

/// Charges an authorization, then releases what the capture leaves (Unzer would hold
/// it until it expires). Unzer takes no idempotency key: a retry first reads what is
/// charged already and charges only what is missing.
pub(crate) fn capture_payment(
    cfg: &UnzerConfig,
    request: CaptureRequest,
) -> Result<Payment, ConnectorError> {
    let (id, _) = split_reference(&request.payment_provider_reference)?;
    let p = fetch_payment(cfg, id)?;
    let charged = match &p.amount.charged {
        Some(c) => parse_amount(c, &p.currency)?,
        None => 0,
    };
    let missing = request.amount.amount - charged;
    if missing > 0 {
        let amount = beep_sdk::money::money(missing, &request.amount.currency);
        let path = format!("/payments/{}/charges", segment(id));
        check(cfg.post(&path, &hold_body(&amount, &request.id)?)?.send()?)?;
    }
    let left = request.authorized.amount - request.amount.amount;
    let p = fetch_payment(cfg, id)?;
    if left > 0 && p.state.name == PaymentState::Pending {
        let amount = beep_sdk::money::money(left, &request.amount.currency);
        let path = format!("/payments/{}/authorize/cancels", segment(id));
        check(cfg.post(&path, &hold_body(&amount, &request.id)?)?.send()?)?;
    }
    payment_from(&fetch_payment(cfg, id)?, None)
}

/// Releases an authorization in full (`…/authorize/cancels` without an amount).
pub(crate) fn cancel_payment(
    cfg: &UnzerConfig,
    request: CancelRequest,
) -> Result<Payment, ConnectorError> {
    let (id, _) = split_reference(&request.payment_provider_reference)?;
    let p = fetch_payment(cfg, id)?;
    if p.state.name == PaymentState::Pending {
        let path = format!("/payments/{}/authorize/cancels", segment(id));
        let body = serde_json::json!({"paymentReference": request.id});
        check(cfg.post(&path, &body)?.send()?)?;
    }
    payment_from(&fetch_payment(cfg, id)?, None)
}

pub(crate) fn get_payment(
    cfg: &UnzerConfig,
    lookup: PaymentLookup,
) -> Result<Payment, ConnectorError> {
    let (id, charge_id) = match lookup.provider_reference.as_deref() {
        Some(reference) => split_reference(reference)?,
        // After an unknown outcome: Unzer resolves a payment by its orderId, which is
        // BEEP!'s payment id.
        None => (lookup.payment_id.as_str(), None),
    };
    let p = fetch_payment(cfg, id)?;
    let charge = fetch_charge_if_needed(cfg, &p, charge_id)?;
    payment_from(&p, charge.as_ref())
}

pub(crate) fn refund_payment(
    cfg: &UnzerConfig,
    request: RefundRequest,
) -> Result<Refund, ConnectorError> {
    let (payment_id, charge_id) = split_reference(&request.payment_provider_reference)?;
    let charge_id = match charge_id {
        Some(c) => c.to_string(),
        None => fetch_payment(cfg, payment_id)?
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

pub(crate) fn parse_webhook(
    cfg: &UnzerConfig,
    request: WebhookRequest,
) -> Result<WebhookEvent, ConnectorError> {
    let hook = parse_webhook_body(&request.body)?;
    let id = retrieve_payment_id(cfg.base(), &hook.retrieve_url)?;
    if hook.payment_id.as_deref().is_some_and(|p| p != id) {
        return Err(unauthorized("paymentId and retrieveUrl disagree"));
    }
    // The verification: only a payment Unzer shows to this merchant's key counts.
    let p = fetch_payment(cfg, id).map_err(|e| match e {
        ConnectorError::NotFound(m) => unauthorized(format!("unknown payment {id}: {m}")),
        other => other,
    })?;
    let charge = fetch_charge_if_needed(cfg, &p, None)?;
    webhook_event_from(&hook.event, &p, charge.as_ref())
}
