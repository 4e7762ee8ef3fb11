//! payabl over HTTP: the signed gateway call, error answers and the operations' calls.

use crate::config::PayablConfig;
use crate::mapping::{
    Params, capture_params, latin1_to_string, payment_from, payment_params, refund_from,
    refund_params, reversal_params, signed_body, status_params, webhook_event_from,
};
use crate::model::{Answer, codes};
use beep_sdk::error::unauthorized;
use beep_sdk::prelude::*;

// ---- calls --------------------------------------------------------------------------------

impl PayablConfig {
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

// ---- operations ---------------------------------------------------------------------------

fn query(cfg: &PayablConfig, lookup: &PaymentLookup) -> Result<Payment, ConnectorError> {
    let a = cfg.call("payment_status", status_params(cfg, lookup))?;
    if let Some(e) = a.error() {
        return Err(e);
    }
    payment_from(&a)
}

pub(crate) fn validate_config(cfg: &PayablConfig) -> Result<(), ConnectorError> {
    // A signed read: an unknown orderid is "not found" only when the merchant id and
    // the signature are right.
    let lookup = PaymentLookup {
        payment_id: "beep-config-check".into(),
        provider_reference: None,
    };
    match query(cfg, &lookup) {
        Ok(_) | Err(ConnectorError::NotFound(_)) => Ok(()),
        Err(ConnectorError::Unauthorized(m)) => Err(unauthorized(m)),
        Err(e) => Err(e),
    }
}

/// `hold`: a preauthorisation, captured later (as every payment is when the store's
/// config says `preauthorize`).
pub(crate) fn create_payment(
    cfg: &PayablConfig,
    request: PaymentRequest,
    hold: bool,
) -> Result<Payment, ConnectorError> {
    let operation = if hold || cfg.preauthorize {
        "payment_preauthorize"
    } else {
        "payment_authorize"
    };
    let a = cfg.call(operation, payment_params(cfg, &request)?)?;
    if a.errorcode() == codes::DUPLICATE_ORDER {
        // An earlier attempt created it (its answer was lost): report that one.
        beep_sdk::log::info("payabl already has this orderid: answering from payment_status");
        let lookup = PaymentLookup {
            payment_id: request.id.clone(),
            provider_reference: None,
        };
        return query(cfg, &lookup);
    }
    if let Some(e) = a.error() {
        return Err(e);
    }
    payment_from(&a)
}

/// A capture or reversal of a hold. Repeated after a lost answer, payabl refuses it for
/// the state the first one left (2008): the transaction's state then answers.
fn settle_hold(
    cfg: &PayablConfig,
    operation: &str,
    params: Params,
    reference: &str,
) -> Result<Payment, ConnectorError> {
    let a = cfg.call(operation, params)?;
    if a.errorcode() == codes::WRONG_STATE {
        let lookup = PaymentLookup {
            payment_id: String::new(),
            provider_reference: Some(reference.to_string()),
        };
        let payment = query(cfg, &lookup)?;
        let wanted = match operation {
            "payment_capture" => PaymentStatus::Succeeded,
            _ => PaymentStatus::Canceled,
        };
        if payment.status == wanted {
            return Ok(payment);
        }
    }
    if let Some(e) = a.error() {
        return Err(e);
    }
    payment_from(&a)
}

pub(crate) fn capture_payment(
    cfg: &PayablConfig,
    request: CaptureRequest,
) -> Result<Payment, ConnectorError> {
    let params = capture_params(cfg, &request)?;
    settle_hold(
        cfg,
        "payment_capture",
        params,
        &request.payment_provider_reference,
    )
}

pub(crate) fn cancel_payment(
    cfg: &PayablConfig,
    request: CancelRequest,
) -> Result<Payment, ConnectorError> {
    let params = reversal_params(cfg, &request)?;
    settle_hold(
        cfg,
        "payment_reversal",
        params,
        &request.payment_provider_reference,
    )
}

pub(crate) fn get_payment(
    cfg: &PayablConfig,
    lookup: PaymentLookup,
) -> Result<Payment, ConnectorError> {
    query(cfg, &lookup)
}

pub(crate) fn refund_payment(
    cfg: &PayablConfig,
    request: RefundRequest,
) -> Result<Refund, ConnectorError> {
    let a = cfg.call("payment_refund", refund_params(cfg, &request)?)?;
    if let Some(e) = a.error() {
        return Err(e);
    }
    refund_from(&a, Some(&request.payment_provider_reference))
}

pub(crate) fn parse_webhook(
    cfg: &PayablConfig,
    request: WebhookRequest,
) -> Result<WebhookEvent, ConnectorError> {
    webhook_event_from(cfg, &request.body)
}
