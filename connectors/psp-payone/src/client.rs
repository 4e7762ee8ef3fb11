//! PCP over HTTP: request signing, error checking, the lookups and the operations' calls.

use crate::config::PayoneConfig;
use crate::mapping::{
    Reference, capture_body, create_case_body, error_of, execution_body, path_and_query,
    payment_from_created, payment_from_execution, refund_body, refund_from_event,
    refund_from_response, short_reference, signature, string_to_sign, webhook_event_from,
    webhook_reference,
};
use crate::model::{
    CheckoutResponse, CommerceCaseResponse, CreateCommerceCaseResponse, CreatePaymentResponse,
    RefundPaymentResponse,
};
use beep_sdk::error::{internal, not_found, unauthorized};
use beep_sdk::prelude::*;
use serde_json::Value;

// ---- signing ------------------------------------------------------------------------------

impl PayoneConfig {
    /// Adds `Date` and the GCS v1HMAC `Authorization` to a finished request.
    pub(crate) fn sign(&self, req: Request, date: &str) -> Request {
        let method = match req.method {
            beep_sdk::http::Method::Get => "GET",
            beep_sdk::http::Method::Post => "POST",
            beep_sdk::http::Method::Put => "PUT",
            beep_sdk::http::Method::Patch => "PATCH",
            beep_sdk::http::Method::Delete => "DELETE",
        };
        let content_type = req
            .headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let path = path_and_query(&req.url);
        let signature = signature(
            &self.api_secret,
            &string_to_sign(method, &content_type, date, &path),
        );
        req.header("date", date).header(
            "authorization",
            format!("GCS v1HMAC:{}:{signature}", self.api_key.expose()),
        )
    }

    fn send(&self, req: Request) -> Result<Response, ConnectorError> {
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        self.sign(req.header("accept", "application/json"), &date)
            .send()
    }
}

// ---- errors -------------------------------------------------------------------------------

pub(crate) fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| error_of(r).map(|(_, m)| m))
}

// ---- calls --------------------------------------------------------------------------------

fn fetch_checkout(cfg: &PayoneConfig, r: &Reference) -> Result<CheckoutResponse, ConnectorError> {
    let resp = cfg.send(Request::get(cfg.url(&r.checkout_path())))?;
    check(resp)?.json()
}

fn find_case(
    cfg: &PayoneConfig,
    payment_id: &str,
) -> Result<Option<CommerceCaseResponse>, ConnectorError> {
    let req = Request::get(cfg.url("/commerce-cases")).query(&[("merchantReference", payment_id)]);
    let cases: Vec<CommerceCaseResponse> = check(cfg.send(req)?)?.json()?;
    Ok(cases
        .into_iter()
        .find(|c| c.merchant_reference.as_deref() == Some(payment_id)))
}

/// The payment of a case: its first checkout's latest execution.
fn payment_of_case(case: &CommerceCaseResponse) -> Option<Result<Payment, ConnectorError>> {
    let checkout = case.checkouts.first()?;
    let pe = checkout.payment_executions.last()?;
    Some(payment_from_execution(
        &case.commerce_case_id,
        checkout,
        pe,
        None,
    ))
}

// ---- operations ---------------------------------------------------------------------------

pub(crate) fn validate_config(cfg: &PayoneConfig) -> Result<(), ConnectorError> {
    let req = Request::get(cfg.url("/commerce-cases")).query(&[("offset", "0"), ("size", "1")]);
    check(cfg.send(req)?)?;
    Ok(())
}

/// `manual`: a pre-authorisation, captured later.
pub(crate) fn create_payment(
    cfg: &PayoneConfig,
    request: PaymentRequest,
    manual: bool,
) -> Result<Payment, ConnectorError> {
    let case_body = create_case_body(&request)?;
    let exec_body = execution_body(&request, manual)?;
    // An earlier attempt may have created the case (and even executed the payment).
    let reference = match find_case(cfg, &request.id)? {
        Some(case) => {
            if let Some(p) = payment_of_case(&case) {
                beep_sdk::log::info("PAYONE already holds this payment: reconciled");
                return p;
            }
            match case.checkouts.first() {
                Some(co) => Reference {
                    commerce_case_id: case.commerce_case_id.clone(),
                    checkout_id: co.checkout_id.clone(),
                    payment_execution_id: None,
                },
                None => return Err(internal("PAYONE commerce case without a checkout")),
            }
        }
        None => {
            let req = Request::post(cfg.url("/commerce-cases")).json(&case_body)?;
            let created: CreateCommerceCaseResponse = check(cfg.send(req)?)?.json()?;
            Reference {
                commerce_case_id: created.commerce_case_id,
                checkout_id: created.checkout.checkout_id,
                payment_execution_id: None,
            }
        }
    };
    let path = format!("{}/payment-executions", reference.checkout_path());
    let resp = cfg.send(Request::post(cfg.url(&path)).json(&exec_body)?)?;
    if resp.status == 402 {
        // Declined by the acquirer: the execution exists, REJECTED.
        let (code, message) = error_of(&resp)
            .unwrap_or_else(|| ("declined".into(), "the payment was declined".into()));
        let checkout = fetch_checkout(cfg, &reference)?;
        let mut payment = match checkout.payment_executions.last() {
            Some(pe) => payment_from_execution(
                &reference.commerce_case_id,
                &checkout,
                pe,
                Some(&request.amount),
            )?,
            None => Payment {
                provider_reference: reference.to_text(),
                status: PaymentStatus::Failed,
                amount: request.amount.clone(),
                captured: None,
                failure_code: None,
                failure_message: None,
                action_url: None,
            },
        };
        payment.status = PaymentStatus::Failed;
        payment.captured = None;
        payment.failure_code = Some(code);
        payment.failure_message = Some(message);
        return Ok(payment);
    }
    let created: CreatePaymentResponse = check(resp)?.json()?;
    payment_from_created(&reference, &created, &request.amount)
}

pub(crate) fn get_payment(
    cfg: &PayoneConfig,
    lookup: PaymentLookup,
) -> Result<Payment, ConnectorError> {
    match lookup.provider_reference.as_deref() {
        Some(text) => {
            let r = Reference::parse(text)?;
            let checkout = fetch_checkout(cfg, &r)?;
            let pe = match &r.payment_execution_id {
                Some(id) => checkout
                    .payment_executions
                    .iter()
                    .find(|p| &p.payment_execution_id == id),
                None => checkout.payment_executions.last(),
            }
            .ok_or_else(|| not_found(format!("PAYONE has no payment execution {text}")))?;
            payment_from_execution(&r.commerce_case_id, &checkout, pe, None)
        }
        None => {
            let case = find_case(cfg, &lookup.payment_id)?.ok_or_else(|| {
                not_found(format!(
                    "PAYONE has no commerce case with merchantReference {}",
                    lookup.payment_id
                ))
            })?;
            payment_of_case(&case).unwrap_or_else(|| {
                Err(not_found(format!(
                    "the commerce case of {} holds no payment execution",
                    lookup.payment_id
                )))
            })
        }
    }
}

/// `…/capture` (or `…/cancel`) of the execution a reference names, then the execution
/// as the Checkout lists it.
fn modify(
    cfg: &PayoneConfig,
    reference: &str,
    action: &str,
    body: &Value,
) -> Result<Payment, ConnectorError> {
    let r = Reference::parse(reference)?;
    let pe = r
        .payment_execution_id
        .clone()
        .ok_or_else(|| not_found("the payment reference names no payment execution"))?;
    let path = format!("{}/payment-executions/{pe}/{action}", r.checkout_path());
    check(cfg.send(Request::post(cfg.url(&path)).json(body)?)?)?;
    get_payment(
        cfg,
        PaymentLookup {
            payment_id: String::new(),
            provider_reference: Some(reference.to_string()),
        },
    )
}

pub(crate) fn capture_payment(
    cfg: &PayoneConfig,
    request: CaptureRequest,
) -> Result<Payment, ConnectorError> {
    let body = capture_body(&request)?;
    modify(cfg, &request.payment_provider_reference, "capture", &body)
}

pub(crate) fn cancel_payment(
    cfg: &PayoneConfig,
    request: CancelRequest,
) -> Result<Payment, ConnectorError> {
    let body = serde_json::json!({});
    modify(cfg, &request.payment_provider_reference, "cancel", &body)
}

pub(crate) fn refund_payment(
    cfg: &PayoneConfig,
    request: RefundRequest,
) -> Result<Refund, ConnectorError> {
    let r = Reference::parse(&request.payment_provider_reference)?;
    let pe = r
        .payment_execution_id
        .clone()
        .ok_or_else(|| not_found("the payment reference names no payment execution"))?;
    let body = refund_body(&request)?;
    let path = format!("{}/payment-executions/{pe}/refund", r.checkout_path());
    let resp = cfg.send(Request::post(cfg.url(&path)).json(&body)?)?;
    if resp.status == 409 {
        // PCP refuses a second refund with the same merchantReference: an earlier
        // attempt went through. Answer from its event.
        let wanted = short_reference(&request.id);
        let checkout = fetch_checkout(cfg, &r)?;
        let event = checkout
            .payment_executions
            .iter()
            .find(|p| p.payment_execution_id == pe)
            .and_then(|p| {
                p.events.iter().find(|e| {
                    e.kind.as_deref() == Some("REFUND")
                        && e.merchant_reference.as_deref() == Some(wanted.as_str())
                })
            });
        return match event {
            Some(e) => refund_from_event(e, &request.payment_provider_reference),
            None => Err(check(resp).err().unwrap_or_else(|| internal("409"))),
        };
    }
    let created: RefundPaymentResponse = check(resp)?.json()?;
    refund_from_response(
        &created,
        &request.payment_provider_reference,
        &request.amount,
    )
}

pub(crate) fn parse_webhook(
    cfg: &PayoneConfig,
    request: WebhookRequest,
) -> Result<WebhookEvent, ConnectorError> {
    let r = webhook_reference(&request.body)?;
    let checkout = fetch_checkout(cfg, &r).map_err(|e| match e {
        ConnectorError::NotFound(m) => unauthorized(format!("unknown payment: {m}")),
        other => other,
    })?;
    let pe = checkout
        .payment_executions
        .iter()
        .find(|p| Some(&p.payment_execution_id) == r.payment_execution_id.as_ref())
        .ok_or_else(|| unauthorized("PAYONE does not know this payment execution"))?;
    webhook_event_from(&r.commerce_case_id, &checkout, pe)
}
