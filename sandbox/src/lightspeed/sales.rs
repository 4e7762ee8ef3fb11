//! Register sales: `POST /api/register_sales` (API 0.9).

use super::errors::bad_request;
use super::model::Shop;
use super::{LightspeedSim, PAYMENT_TYPE_CARD, PAYMENT_TYPE_CASH, REGISTER_ID, uid};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

const SALE_STATUSES: [&str; 7] = [
    "SAVED",
    "CLOSED",
    "ONACCOUNT",
    "ONACCOUNT_CLOSED",
    "LAYBY",
    "LAYBY_CLOSED",
    "VOIDED",
];

fn number(v: &Value, field: &str) -> Result<f64, String> {
    v.get(field)
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{field} must be a number"))
}

/// Checks a register sale and completes it as Lightspeed stores it (ids, totals).
fn validate_sale(shop: &Shop, body: &Value, id: String) -> Result<Value, String> {
    let register = body.get("register_id").and_then(Value::as_str);
    if register != Some(REGISTER_ID) {
        return Err(format!(
            "register_id {register:?} is not a register of this store"
        ));
    }
    let status = body
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("SAVED");
    if !SALE_STATUSES.contains(&status) {
        return Err(format!("status {status:?} is not a register sale status"));
    }
    let lines = body
        .get("register_sale_products")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or("register_sale_products must list at least one product")?;
    let (mut total_price, mut total_tax) = (0.0, 0.0);
    let mut stored_lines = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let product = line.get("product_id").and_then(Value::as_str).unwrap_or("");
        if !shop.products.iter().any(|p| p.id == product) {
            return Err(format!("product_id {product:?} not found"));
        }
        let quantity = number(line, "quantity")?;
        let price = number(line, "price")?;
        let tax = line.get("tax").and_then(Value::as_f64).unwrap_or(0.0);
        total_price += quantity * price;
        total_tax += quantity * tax;
        let mut stored = line.clone();
        stored["id"] = json!(format!("{id}-p{}", n + 1));
        stored["status"] = json!(
            line.get("status")
                .and_then(Value::as_str)
                .unwrap_or("CONFIRMED")
        );
        stored_lines.push(stored);
    }
    let payments = body
        .get("register_sale_payments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut total_payment = 0.0;
    for p in &payments {
        let kind = p.get("retailer_payment_type_id").and_then(Value::as_str);
        if kind != Some(PAYMENT_TYPE_CARD) && kind != Some(PAYMENT_TYPE_CASH) {
            return Err(format!("retailer_payment_type_id {kind:?} not found"));
        }
        total_payment += number(p, "amount")?;
    }
    let round = |v: f64| (v * 100_000.0).round() / 100_000.0;
    let mut sale = body.clone();
    sale["id"] = json!(id);
    sale["status"] = json!(status);
    sale["register_sale_products"] = json!(stored_lines);
    sale["register_sale_payments"] = json!(payments);
    sale["totals"] = json!({
        "total_price": round(total_price),
        "total_tax": round(total_tax),
        "total_payment": round(total_payment),
        "total_to_pay": round(total_price + total_tax - total_payment),
    });
    Ok(sale)
}

/// `POST /api/register_sales` (API 0.9). Spec silent on resends: a sale whose `source_id`
/// the store already holds is not created again; the answer is `200` with the stored
/// sale (the endpoint is "create or update"; nothing changes), where a new sale is `201`.
pub(super) async fn post_register_sale(
    State(sim): State<Arc<LightspeedSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, |shop| {
        let body: Value = match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => return bad_request("the body must be a register sale object"),
            Err(e) => return bad_request(&format!("malformed JSON: {e}")),
        };
        let source_id = body
            .get("source_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        if let Some(source_id) = source_id
            && let Some(existing) = shop
                .sales
                .iter()
                .find(|s| s["source_id"].as_str() == Some(source_id))
        {
            return (
                StatusCode::OK,
                axum::Json(json!({"register_sale": existing})),
            )
                .into_response();
        }
        let id = uid(0xd, shop.sales.len() as u64 + 1);
        match validate_sale(shop, &body, id) {
            Ok(sale) => {
                shop.sales.push(sale.clone());
                (
                    StatusCode::CREATED,
                    axum::Json(json!({"register_sale": sale})),
                )
                    .into_response()
            }
            Err(details) => bad_request(&details),
        }
    })
}
