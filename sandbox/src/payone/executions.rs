//! Payment executions: create (the test tokens' outcomes), then capture, cancel, refund.

use super::errors::{bad_request, error, not_found};
use super::http::{base_url, parse_amount, parse_json};
use super::model::{Execution, amount_json, event, payment_response_json};
use super::{PayoneSim, SimState, now_rfc3339, uuid};
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn create_execution(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc, co)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let card = &body["paymentMethodSpecificInput"]["cardPaymentMethodSpecificInput"];
    let Some(token) = card["paymentProcessingToken"].as_str().map(str::to_string) else {
        return bad_request(
            "MISSING_VALUE",
            "paymentProcessingToken is missing",
            "paymentMethodSpecificInput.cardPaymentMethodSpecificInput.paymentProcessingToken",
        );
    };
    let pre_auth = card["authorizationMode"].as_str() == Some("PRE_AUTHORIZATION")
        || card["authorizationMode"].is_null();
    let specific = &body["paymentExecutionSpecificInput"];
    if !specific["paymentReferences"].is_object() {
        return bad_request(
            "MISSING_VALUE",
            "paymentReferences is required",
            "paymentExecutionSpecificInput.paymentReferences",
        );
    }
    let reference = specific["paymentReferences"]["merchantReference"]
        .as_str()
        .map(str::to_string);
    if reference.as_ref().is_some_and(|r| r.chars().count() > 20) {
        return bad_request(
            "INVALID_VALUE",
            "merchantReference is longer than 20 characters",
            "paymentExecutionSpecificInput.paymentReferences.merchantReference",
        );
    }
    let base = base_url(&headers, &uri);
    let mut state = sim.lock();
    state.next_payment += 1;
    let payment_id = format!("{}_1", 3066019730u64 + state.next_payment);
    let Some(case) = state.cases.iter_mut().find(|c| c.id == cc) else {
        return not_found("Commerce Case");
    };
    let Some(checkout) = case.checkouts.iter_mut().find(|c| c.id == co) else {
        return not_found("Checkout");
    };
    let (amount, currency) = if specific["amountOfMoney"].is_null() {
        (checkout.amount, checkout.currency.clone())
    } else {
        match parse_amount(
            &specific["amountOfMoney"],
            "paymentExecutionSpecificInput.amountOfMoney",
            true,
        ) {
            Ok(a) => a,
            Err(r) => return r,
        }
    };
    if currency != checkout.currency {
        return bad_request(
            "INVALID_VALUE",
            "The currency differs from the Checkout's currency",
            "paymentExecutionSpecificInput.amountOfMoney.currencyCode",
        );
    }
    let taken: i64 = checkout
        .executions
        .iter()
        .filter(|e| !matches!(e.status, "REJECTED" | "CANCELLED"))
        .map(|e| e.amount)
        .sum();
    if taken + amount > checkout.amount {
        return bad_request(
            "AMOUNT_EXCEEDS_CHECKOUT",
            "The amount of the payment exceeds the Checkout amount",
            "paymentExecutionSpecificInput.amountOfMoney.amount",
        );
    }
    let (status, category, kind) = match token.as_str() {
        "payone_test_ok" if pre_auth => ("PENDING_CAPTURE", "PENDING_MERCHANT", "RESERVATION"),
        "payone_test_ok" => ("CAPTURED", "COMPLETED", "SALE"),
        "payone_test_declined" => ("REJECTED", "UNSUCCESSFUL", "SALE"),
        "payone_test_3ds" => ("REDIRECTED", "PENDING_PAYMENT", "SALE"),
        "payone_test_pending" => (
            "AUTHORIZATION_REQUESTED",
            "PENDING_CONNECT_OR_3RD_PARTY",
            "SALE",
        ),
        _ => {
            return bad_request(
                "INVALID_PAYMENT_PROCESSING_TOKEN",
                "The paymentProcessingToken is unknown or expired",
                "paymentMethodSpecificInput.cardPaymentMethodSpecificInput.paymentProcessingToken",
            );
        }
    };
    let exec = Execution {
        id: uuid(),
        payment_id,
        token,
        amount,
        currency: currency.clone(),
        merchant_reference: reference.clone(),
        status,
        category,
        captured: if status == "CAPTURED" { amount } else { 0 },
        refunded: 0,
        return_url: card["returnUrl"].as_str().map(str::to_string),
        events: vec![event(kind, amount, &currency, status, reference.as_deref())],
        created: now_rfc3339(),
    };
    let mut answer = json!({
        "paymentExecutionId": exec.id,
        "payment": payment_response_json(&exec),
        "creationOutput": {"externalReference": exec.payment_id},
    });
    if status == "REDIRECTED" {
        answer["merchantAction"] = json!({
            "actionType": "REDIRECT",
            "redirectData": {"redirectURL": format!("{base}/_sim/3ds/{}", exec.id)},
        });
    }
    checkout.executions.push(exec);
    if status == "REJECTED" {
        // A decline: 402 with the platform's error (the execution stays, REJECTED).
        return error(
            StatusCode::PAYMENT_REQUIRED,
            "30511001",
            "CARD_DECLINED",
            "The card was declined by the issuer",
            None,
        );
    }
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

pub(super) async fn modify_execution(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc, co, pe, action)): Path<(String, String, String, String, String)>,
    body: Bytes,
) -> Response {
    let body = if body.is_empty() {
        json!({})
    } else {
        match parse_json(&body) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
    let mut state = sim.lock();
    let SimState { cases, refunds, .. } = &mut *state;
    let Some(case) = cases.iter_mut().find(|c| c.id == cc) else {
        return not_found("Commerce Case");
    };
    let case_reference = case.merchant_reference.clone();
    let Some(checkout) = case.checkouts.iter_mut().find(|c| c.id == co) else {
        return not_found("Checkout");
    };
    let used_references: Vec<String> = checkout
        .executions
        .iter()
        .flat_map(|e| e.events.iter())
        .filter(|ev| matches!(ev["type"].as_str(), Some("REFUND" | "CAPTURE")))
        .filter_map(|ev| ev["merchantReference"].as_str().map(str::to_string))
        .collect();
    let Some(exec) = checkout.executions.iter_mut().find(|e| e.id == pe) else {
        return not_found("Payment Execution");
    };
    match action.as_str() {
        "capture" => {
            if exec.status != "PENDING_CAPTURE" {
                return error(
                    StatusCode::NOT_FOUND,
                    "40400002",
                    "INVALID_STATUS",
                    &format!("The payment cannot be captured in status {}", exec.status),
                    None,
                );
            }
            let amount = body["amount"].as_i64().unwrap_or(exec.amount);
            if amount < 1 || amount > exec.amount {
                return bad_request(
                    "INVALID_VALUE",
                    "The capture amount exceeds the authorized amount",
                    "amount",
                );
            }
            exec.status = "CAPTURED";
            exec.category = "COMPLETED";
            exec.captured = amount;
            let reference = body["references"]["merchantReference"].as_str();
            exec.events.push(event(
                "CAPTURE",
                amount,
                &exec.currency.clone(),
                "CAPTURED",
                reference,
            ));
            let answer = json!({
                "id": exec.payment_id,
                "status": exec.status,
                "statusOutput": payment_response_json(exec)["statusOutput"],
                "captureOutput": {"amountOfMoney": amount_json(amount, &exec.currency), "paymentMethod": "card"},
            });
            (StatusCode::CREATED, axum::Json(answer)).into_response()
        }
        "cancel" => {
            if !matches!(
                exec.status,
                "PENDING_CAPTURE" | "REDIRECTED" | "AUTHORIZATION_REQUESTED"
            ) {
                return error(
                    StatusCode::CONFLICT,
                    "40900001",
                    "PAYMENT_CLOSED",
                    "Cancellation is not allowed because payment is closed",
                    None,
                );
            }
            exec.status = "CANCELLED";
            exec.category = "UNSUCCESSFUL";
            let currency = exec.currency.clone();
            exec.events
                .push(event("REVERSAL", exec.amount, &currency, "CANCELLED", None));
            let answer = json!({"payment": payment_response_json(exec)});
            (StatusCode::OK, axum::Json(answer)).into_response()
        }
        "refund" => {
            let (amount, currency) =
                match parse_amount(&body["amountOfMoney"], "amountOfMoney", true) {
                    Ok(a) => a,
                    Err(r) => return r,
                };
            let reference = body["references"]["merchantReference"]
                .as_str()
                .map(str::to_string);
            if let Some(r) = &reference {
                if r.chars().count() > 20 {
                    return bad_request(
                        "INVALID_VALUE",
                        "merchantReference is longer than 20 characters",
                        "references.merchantReference",
                    );
                }
                if used_references.contains(r) {
                    return error(
                        StatusCode::CONFLICT,
                        "40900002",
                        "DUPLICATE_MERCHANT_REFERENCE",
                        "The merchantReference was already used in this Checkout",
                        None,
                    );
                }
            }
            if currency != exec.currency {
                return bad_request(
                    "INVALID_VALUE",
                    "The currency differs from the payment's currency",
                    "amountOfMoney.currencyCode",
                );
            }
            if exec.captured == 0 {
                return error(
                    StatusCode::NOT_FOUND,
                    "40400003",
                    "INVALID_STATUS",
                    &format!("The payment cannot be refunded in status {}", exec.status),
                    None,
                );
            }
            let left = exec.captured - exec.refunded;
            if amount > left {
                return bad_request(
                    "REFUND_AMOUNT_EXCEEDED",
                    &format!(
                        "The refund amount exceeds the refundable amount ({left} {currency} in cents left)"
                    ),
                    "amountOfMoney.amount",
                );
            }
            exec.refunded += amount;
            let n = exec.events.iter().filter(|e| e["type"] == "REFUND").count() + 2;
            let id = format!("{}_{n}", exec.payment_id.trim_end_matches("_1"));
            let ev = event(
                "REFUND",
                amount,
                &currency,
                "REFUNDED",
                reference.as_deref(),
            );
            exec.events.push(ev.clone());
            let reason = body["return"]["returnReason"].as_str();
            refunds.push(json!({
                "id": id,
                "paymentEventId": ev["paymentEventId"],
                "commerceCaseId": cc,
                "checkoutId": co,
                "paymentExecutionId": pe,
                "caseMerchantReference": case_reference,
                "amountOfMoney": amount_json(amount, &currency),
                "merchantReference": reference,
                "returnReason": reason,
                "status": "REFUNDED",
            }));
            let answer = json!({
                "id": id,
                "status": "REFUNDED",
                "statusOutput": {"statusCategory": "REFUNDED", "isRefundable": exec.captured > exec.refunded},
                "refundOutput": {
                    "amountOfMoney": amount_json(amount, &currency),
                    "references": {"merchantReference": reference},
                    "paymentMethod": "card",
                },
            });
            (StatusCode::CREATED, axum::Json(answer)).into_response()
        }
        _ => not_found("Operation"),
    }
}
