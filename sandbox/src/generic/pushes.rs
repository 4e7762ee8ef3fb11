//! `PUT /sales|transactions|stock-changes/{id}`: what the connectors push, validated,
//! created once and recognised when resent.

use super::GenericSim;
use super::auth::{authorized, unauthorized};
use super::errors::error;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Push {
    Sale,
    Transaction,
    StockChange,
}

fn money_ok(v: &Value) -> bool {
    v["amount"].is_i64()
        && v["currency"]
            .as_str()
            .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
}

/// What is wrong with a pushed body, if anything.
fn invalid(kind: Push, id: &str, body: &Value) -> Option<String> {
    if body["id"].as_str() != Some(id) {
        return Some("id must equal the path's id".into());
    }
    let ts = |k: &str| {
        body[k]
            .as_str()
            .and_then(beep_sdk::generic::rfc3339_nanos)
            .is_some()
    };
    match kind {
        Push::Sale => {
            if !body["receiptNumber"].is_string() {
                return Some("receiptNumber is required".into());
            }
            if !money_ok(&body["total"]) {
                return Some("total must be a money object".into());
            }
            let Some(lines) = body["lines"].as_array() else {
                return Some("lines is required".into());
            };
            if lines.iter().any(|l| {
                !l["quantity"].is_number() || !money_ok(&l["unitPrice"]) || !l["name"].is_string()
            }) {
                return Some("every line needs name, quantity and unitPrice".into());
            }
            (!ts("createdAt")).then(|| "createdAt must be RFC 3339".into())
        }
        Push::Transaction => {
            if !matches!(
                body["kind"].as_str(),
                Some("sale" | "payment" | "refund" | "chargeback" | "fee" | "payout")
            ) {
                return Some(
                    "kind must be sale, payment, refund, chargeback, fee or payout".into(),
                );
            }
            if !money_ok(&body["amount"]) {
                return Some("amount must be a money object".into());
            }
            (!ts("occurredAt")).then(|| "occurredAt must be RFC 3339".into())
        }
        Push::StockChange => {
            if !body["quantityDelta"].is_number() || !body["reason"].is_string() {
                return Some("quantityDelta and reason are required".into());
            }
            (!ts("occurredAt")).then(|| "occurredAt must be RFC 3339".into())
        }
    }
}

/// `PUT /sales|transactions|stock-changes/{id}`: created once, recognised when resent.
pub(super) async fn put_item(
    sim: Arc<GenericSim>,
    kind: Push,
    id: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_json", &e.to_string()),
    };
    if let Some(why) = invalid(kind, &id, &body) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", &why);
    }
    let mut s = sim.lock();
    if let Some(r) = s.fail_before() {
        return r;
    }
    let prefix = match kind {
        Push::Sale => "sale",
        Push::Transaction => "txn",
        Push::StockChange => "stk",
    };
    let list = match kind {
        Push::Sale => &s.sales,
        Push::Transaction => &s.transactions,
        Push::StockChange => &s.stock_changes,
    };
    if let Some(pos) = list.iter().position(|v| v["id"] == id.as_str()) {
        let external = format!("{prefix}-{}", pos + 1);
        return (
            StatusCode::OK,
            axum::Json(json!({"id": id, "externalId": external})),
        )
            .into_response();
    }
    let external = format!("{prefix}-{}", list.len() + 1);
    match kind {
        Push::Sale => s.sales.push(body),
        Push::Transaction => s.transactions.push(body),
        Push::StockChange => {
            let delta = body["quantityDelta"].as_f64().unwrap_or(0.0);
            s.tick += 1;
            let tick = s.tick;
            if let Some(r) = s.inventory.iter_mut().find(|r| {
                body["productId"].as_str() == Some(r.id.as_str())
                    || (body["sku"].is_string() && body["sku"] == r.data["sku"])
            }) {
                let q = r.data["quantity"].as_f64().unwrap_or(0.0) + delta;
                r.data["quantity"] = json!(q);
                r.tick = tick;
            }
            s.stock_changes.push(body);
        }
    }
    if let Some(r) = s.lost() {
        return r;
    }
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "externalId": external})),
    )
        .into_response()
}
