//! The HTTP work: SumUp's error answers, fetching, finding and processing checkouts,
//! proving the merchant code and refunding a transaction.

use crate::config::SumupConfig;
use crate::mapping::{payment_from, to_sumup_amount};
use crate::model::*;
use beep_sdk::error::{invalid_config, not_found};
use beep_sdk::http::segment;
use beep_sdk::prelude::*;

// ---- errors -------------------------------------------------------------------------------

/// SumUp's own words: `message` (with `error_code` and `param`), or a problem's `detail`
/// (with its first sub-error).
pub fn error_message(resp: &Response) -> Option<String> {
    let e: SumupError = resp.json().ok()?;
    if let Some(message) = e.message {
        let mut text = message;
        match (e.error_code, e.param) {
            (Some(code), Some(param)) => text = format!("{text} ({code}: {param})"),
            (Some(code), None) => text = format!("{text} ({code})"),
            (None, Some(param)) => text = format!("{text} ({param})"),
            (None, None) => {}
        }
        return Some(text);
    }
    let mut text = e.detail.or(e.title)?;
    if let Some(d) = e.errors.into_iter().find_map(|i| i.detail) {
        text = format!("{text} {d}");
    }
    Some(text)
}

pub(crate) fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(error_message)
}

pub(crate) fn is_duplicate(resp: &Response) -> bool {
    resp.status == 409
        && resp
            .json::<SumupError>()
            .ok()
            .and_then(|e| e.error_code)
            .is_some_and(|c| c == "DUPLICATED_CHECKOUT")
}

// ---- operations ---------------------------------------------------------------------------

pub(crate) fn fetch_checkout(cfg: &SumupConfig, id: &str) -> Result<SumupCheckout, ConnectorError> {
    let resp = cfg
        .get(&format!("/v0.1/checkouts/{}", segment(id)))
        .send()?;
    check(resp)?.json()
}

pub(crate) fn find_by_reference(
    cfg: &SumupConfig,
    reference: &str,
) -> Result<Option<SumupCheckout>, ConnectorError> {
    let resp = cfg
        .get("/v0.1/checkouts")
        .query(&[("checkout_reference", reference)])
        .send()?;
    let list: Vec<SumupCheckout> = check(resp)?.json()?;
    Ok(list.into_iter().find(|c| {
        c.checkout_reference
            .as_deref()
            .is_none_or(|r| r == reference)
    }))
}

/// Processes a checkout with the BEEP! token; `202` is the 3-D Secure step.
pub(crate) fn process(
    cfg: &SumupConfig,
    checkout: &SumupCheckout,
    token: &str,
) -> Result<Payment, ConnectorError> {
    let body = ProcessCheckout {
        payment_type: "card",
        token,
    };
    let resp = cfg.send_json(
        beep_sdk::http::Method::Put,
        &format!("/v0.1/checkouts/{}", segment(&checkout.id)),
        &body,
    )?;
    let resp = check(resp)?;
    if resp.status == 202 {
        let accepted: Accepted = resp.json()?;
        return payment_from(checkout, Some(accepted.next_step.url));
    }
    let processed: SumupCheckout = resp.json()?;
    payment_from(&processed, None)
}

/// An authenticated read that also proves the merchant code.
pub(crate) fn check_merchant(cfg: &SumupConfig) -> Result<(), ConnectorError> {
    let resp = cfg
        .get(&format!("/v1/merchants/{}", segment(&cfg.merchant_code)))
        .send()?;
    match check(resp) {
        Ok(_) => Ok(()),
        Err(ConnectorError::NotFound(m)) => Err(invalid_config(format!(
            "merchantCode {}: {m}",
            cfg.merchant_code
        ))),
        Err(e) => Err(e),
    }
}

/// The checkout BEEP!'s payment id names, if it was processed.
pub(crate) fn find_processed(
    cfg: &SumupConfig,
    payment_id: &str,
) -> Result<SumupCheckout, ConnectorError> {
    let found = find_by_reference(cfg, payment_id)?.ok_or_else(|| {
        not_found(format!(
            "SumUp has no checkout with checkout_reference {}",
            payment_id
        ))
    })?;
    // Created but never processed: no payment attempt happened, so it is not
    // a payment yet. A retry's create finds it (409) and processes it.
    if found.unprocessed() {
        return Err(not_found(format!(
            "SumUp checkout {} was created but never processed",
            found.id
        )));
    }
    Ok(found)
}

/// Refunds `amount` of the successful transaction `tx`.
pub(crate) fn refund_transaction(
    cfg: &SumupConfig,
    tx: &str,
    amount: &Money,
) -> Result<(), ConnectorError> {
    let body = CreateRefund {
        amount: to_sumup_amount(amount)?,
    };
    let path = format!(
        "/v1.0/merchants/{}/payments/{}/refunds",
        segment(&cfg.merchant_code),
        segment(tx)
    );
    let resp = cfg.send_json(beep_sdk::http::Method::Post, &path, &body)?;
    check(resp)?;
    Ok(())
}
