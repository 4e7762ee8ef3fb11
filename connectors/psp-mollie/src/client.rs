//! The HTTP work: Mollie's error answers, fetching a payment and searching for one by
//! BEEP!'s payment id.

use crate::config::MollieConfig;
use crate::mapping::{
    capture_idempotency_key, payment_from, payment_idempotency_key, release_idempotency_key,
};
use crate::model::*;
use beep_sdk::error::not_found;
use beep_sdk::http::segment;
use beep_sdk::prelude::*;

/// Mollie's list endpoints return at most 250 items per page.
const SEARCH_PAGE_SIZE: u32 = 250;
/// How many pages of the newest payments `get-payment` scans for BEEP!'s payment id.
const SEARCH_MAX_PAGES: u32 = 4;

// ---- errors -------------------------------------------------------------------------------

/// Mollie's own words for a failed request: `detail`, naming the `field` when there is one
/// (`The 'description' field is missing (field: description)`).
fn error_message(resp: &Response) -> Option<String> {
    let e: MollieError = resp.json().ok()?;
    let text = e.detail.or(e.title)?;
    Some(match e.field {
        Some(f) if !text.contains(&f) => format!("{text} (field: {f})"),
        _ => text,
    })
}

pub(crate) fn check(resp: Response) -> Result<Response, ConnectorError> {
    // 409: the same idempotency key is still being processed (or, for refunds without
    // a key, a duplicate in short succession). The outcome is not known yet: "try again
    // shortly" is what Mollie means, so it is reported as a rate limit of one second.
    if resp.status == 409 {
        return Err(ConnectorError::RateLimited(Some(
            resp.retry_after().unwrap_or(1),
        )));
    }
    resp.error_for_status_with(error_message)
}

// ---- operations ---------------------------------------------------------------------------

pub(crate) fn fetch_payment(
    cfg: &MollieConfig,
    id: &str,
    embed_refunds: bool,
) -> Result<MolliePayment, ConnectorError> {
    let mut query = cfg.scope_query();
    query.retain(|(k, _)| *k == "testmode");
    if embed_refunds {
        // A webhook's re-fetch: what changed may be a refund or a chargeback.
        query.push(("embed", "refunds,chargebacks".into()));
    }
    let resp = cfg
        .get(&format!("/v2/payments/{}", segment(id)))
        .query(&query)
        .send()?;
    check(resp)?.json()
}

/// Mollie cannot search payments by metadata: the newest payments are listed
/// (`SEARCH_MAX_PAGES` × 250) and their `metadata.beep_payment_id` compared. A payment
/// BEEP! just tried to create is among the newest; an older one is reported not found.
pub(crate) fn search_by_payment_id(
    cfg: &MollieConfig,
    payment_id: &str,
) -> Result<MolliePayment, ConnectorError> {
    let mut from: Option<String> = None;
    for _ in 0..SEARCH_MAX_PAGES {
        let mut query = cfg.scope_query();
        query.push(("limit", SEARCH_PAGE_SIZE.to_string()));
        if let Some(f) = &from {
            query.push(("from", f.clone()));
        }
        let resp = cfg.get("/v2/payments").query(&query).send()?;
        let list: PaymentList = check(resp)?.json()?;
        let next = list.links.next.as_ref().and_then(|l| next_from(&l.href));
        // Should there be several (there are not, with the idempotency key), a paid one
        // wins, else the newest (Mollie lists newest first).
        let mut found: Vec<MolliePayment> = list
            .embedded
            .payments
            .into_iter()
            .filter(|p| p.beep_payment_id() == Some(payment_id))
            .collect();
        if !found.is_empty() {
            let pick = found
                .iter()
                .position(|p| p.status == MollieStatus::Paid)
                .unwrap_or(0);
            return Ok(found.swap_remove(pick));
        }
        match next {
            Some(f) => from = Some(f),
            None => break,
        }
    }
    Err(not_found(format!(
        "Mollie cannot search by metadata; none of its newest {} payments has metadata beep_payment_id={payment_id}",
        SEARCH_PAGE_SIZE * SEARCH_MAX_PAGES
    )))
}

/// The `from` cursor of a `_links.next` URL.
pub(crate) fn next_from(href: &str) -> Option<String> {
    let query = href.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("from="))
        .map(str::to_string)
}

/// Creates a payment; `manual` only authorises it.
pub(crate) fn create_payment(
    cfg: &MollieConfig,
    request: &PaymentRequest,
    manual: bool,
) -> Result<Payment, ConnectorError> {
    let body = CreatePayment::from_request(cfg, request, manual)?;
    let resp = cfg
        .post("/v2/payments", &body, &payment_idempotency_key(&request.id))?
        .send()?;
    if resp.header("idempotent-replayed").is_some() {
        beep_sdk::log::info("Mollie replayed the payment of an earlier attempt");
    }
    let p: MolliePayment = check(resp)?.json()?;
    payment_from(&p)
}

/// Captures an authorised payment (the rest of the hold is released), then reads the
/// payment back: the capture object does not say how the payment stands.
pub(crate) fn capture_payment(
    cfg: &MollieConfig,
    request: &CaptureRequest,
) -> Result<Payment, ConnectorError> {
    let reference = &request.payment_provider_reference;
    let path = format!("/v2/payments/{}/captures", segment(reference));
    let body = CreateCapture::from_request(cfg, request)?;
    let key = capture_idempotency_key(&request.id);
    check(cfg.post(&path, &body, &key)?.send()?)?;
    payment_from(&fetch_payment(cfg, reference, false)?)
}

/// Releases an authorisation (Mollie answers 202 and processes it), then reads the
/// payment back.
pub(crate) fn release_authorization(
    cfg: &MollieConfig,
    request: &CancelRequest,
) -> Result<Payment, ConnectorError> {
    let reference = &request.payment_provider_reference;
    let path = format!("/v2/payments/{}/release-authorization", segment(reference));
    let (profile_id, testmode) = cfg.scope();
    let body = ReleaseAuthorization {
        profile_id,
        testmode,
    };
    let key = release_idempotency_key(&request.id);
    check(cfg.post(&path, &body, &key)?.send()?)?;
    payment_from(&fetch_payment(cfg, reference, false)?)
}
