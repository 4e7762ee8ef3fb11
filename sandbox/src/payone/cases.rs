//! Commerce cases and their checkouts: create, search, retrieve.

use super::errors::{bad_request, not_found};
use super::http::{parse_amount, parse_json};
use super::model::{Case, Checkout, amount_json, case_json, checkout_json};
use super::{PayoneSim, now_rfc3339, uuid};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) async fn create_case(State(sim): State<Arc<PayoneSim>>, body: Bytes) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let reference = body["merchantReference"].as_str().map(str::to_string);
    if reference.as_ref().is_some_and(|r| r.chars().count() > 40) {
        return bad_request(
            "INVALID_VALUE",
            "merchantReference is longer than 40 characters",
            "merchantReference",
        );
    }
    let checkout = &body["checkout"];
    let (amount, currency) =
        match parse_amount(&checkout["amountOfMoney"], "checkout.amountOfMoney", false) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let now = now_rfc3339();
    let case = Case {
        id: uuid(),
        merchant_reference: reference,
        created: now.clone(),
        checkouts: vec![Checkout {
            id: uuid(),
            amount,
            currency,
            merchant_reference: checkout["references"]["merchantReference"]
                .as_str()
                .map(str::to_string),
            created: now,
            executions: Vec::new(),
        }],
    };
    let c = &case.checkouts[0];
    let answer = json!({
        "commerceCaseId": case.id,
        "merchantReference": case.merchant_reference,
        "checkout": {
            "checkoutId": c.id,
            "amountOfMoney": amount_json(c.amount, &c.currency),
            "references": {"merchantReference": c.merchant_reference},
            "checkoutStatus": "OPEN",
            "statusOutput": checkout_json(&case, c)["statusOutput"],
            "creationDateTime": c.created,
            "allowedPaymentActions": ["PAYMENT_EXECUTION"],
        },
        "creationDateTime": case.created,
    });
    sim.lock().cases.push(case);
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

pub(super) async fn list_cases(
    State(sim): State<Arc<PayoneSim>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let reference = q.get("merchantReference");
    let id = q.get("commerceCaseId");
    let offset: usize = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let size: usize = q.get("size").and_then(|v| v.parse().ok()).unwrap_or(50);
    let state = sim.lock();
    if reference.is_none() && id.is_none() {
        // "An empty list will be returned if no criteria was provided."
        return axum::Json(json!([])).into_response();
    }
    let found: Vec<Value> = state
        .cases
        .iter()
        .rev() // descending creation time
        .filter(|c| reference.is_none_or(|r| c.merchant_reference.as_ref() == Some(r)))
        .filter(|c| id.is_none_or(|i| &c.id == i))
        .skip(offset)
        .take(size)
        .map(case_json)
        .collect();
    axum::Json(Value::Array(found)).into_response()
}

pub(super) async fn get_case(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc)): Path<(String, String)>,
) -> Response {
    let state = sim.lock();
    match state.cases.iter().find(|c| c.id == cc) {
        Some(c) => axum::Json(case_json(c)).into_response(),
        None => not_found("Commerce Case"),
    }
}

pub(super) async fn get_checkout(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc, co)): Path<(String, String, String)>,
) -> Response {
    let state = sim.lock();
    let Some(case) = state.cases.iter().find(|c| c.id == cc) else {
        return not_found("Commerce Case");
    };
    match case.checkouts.iter().find(|c| c.id == co) {
        Some(c) => axum::Json(checkout_json(case, c)).into_response(),
        None => not_found("Checkout"),
    }
}
