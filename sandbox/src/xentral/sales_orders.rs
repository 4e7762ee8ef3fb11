//! Sales orders: list and search, retrieve, and `salesOrder.import`.

use super::errors::{not_found, problem};
use super::http::{ok, parse_json, query};
use super::paging::{filter_equals, list, page, slice_of};
use super::{CUSTOMER_ID, PAYMENT_METHOD_ID, PROJECT_ID, SHIPPING_METHOD_ID, SimState, XentralSim};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn get_sales_orders(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |st, _| {
        let q = query(raw.as_deref());
        let p = match page(&q) {
            Ok(p) => p,
            Err(r) => return r.into_response(),
        };
        let mut all: Vec<Value> = st.sales_orders.clone();
        for key in ["externalOrderId", "externalOrderNumber", "documentNumber"] {
            match filter_equals(&q, key) {
                Ok(Some(v)) => all.retain(|o| o[key] == v.as_str()),
                Ok(None) => {}
                Err(r) => return r.into_response(),
            }
        }
        list(slice_of(&all, &p), all.len(), &p)
    })
}

pub(super) async fn get_sales_order(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st, _| {
        match st.sales_orders.iter().find(|o| o["id"] == id.as_str()) {
            Some(o) => ok(json!({"data": o})),
            None => not_found(),
        }
    })
}

/// The spec's `salesOrder.import` body: required `date`, `customer.id`, `project.id`,
/// `delivery`, `positions[]` (`product.id`, `quantity`, `price` optional).
fn validate_import(st: &SimState, body: &Value) -> Result<(), String> {
    let date = body["date"].as_str().unwrap_or("");
    if date.len() != 10 || date.as_bytes()[4] != b'-' || date.as_bytes()[7] != b'-' {
        return Err("date: This value is not a valid date.".into());
    }
    if body["customer"]["id"] != CUSTOMER_ID {
        return Err("customer.id: customer not found".into());
    }
    if body["project"]["id"] != PROJECT_ID {
        return Err("project.id: project not found".into());
    }
    // The spec's import schema requires financials (paymentMethod, currency) and
    // delivery.shippingMethod.
    if !body["financials"].is_object() {
        return Err("financials: This value should not be blank.".into());
    }
    if body["financials"]["paymentMethod"]["id"] != PAYMENT_METHOD_ID {
        return Err("financials.paymentMethod.id: payment method not found".into());
    }
    if !["EUR", "PLN", "CHF", "USD", "GBP"]
        .contains(&body["financials"]["currency"].as_str().unwrap_or(""))
    {
        return Err("financials.currency: This value is not a valid currency.".into());
    }
    if !body["delivery"].is_object() {
        return Err("delivery: This value should not be blank.".into());
    }
    if body["delivery"]["shippingMethod"]["id"] != SHIPPING_METHOD_ID {
        return Err("delivery.shippingMethod.id: shipping method not found".into());
    }
    let positions = body["positions"]
        .as_array()
        .filter(|p| !p.is_empty())
        .ok_or("positions: This value should not be blank.")?;
    for pos in positions {
        let known = pos["product"]["id"]
            .as_str()
            .and_then(|id| id.parse::<usize>().ok())
            .is_some_and(|id| st.products.iter().any(|p| p.id == id));
        if !known {
            return Err("positions.product.id: product not found".into());
        }
        if !pos["quantity"].is_number() {
            return Err("positions.quantity: This value should be a number.".into());
        }
        if let Some(price) = pos.get("price") {
            let amount_ok = price["amount"]
                .as_str()
                .is_some_and(|a| a.parse::<f64>().is_ok());
            if !amount_ok
                || !["EUR", "PLN", "CHF", "USD", "GBP"]
                    .contains(&price["currency"].as_str().unwrap_or(""))
            {
                return Err("positions.price: not a money object".into());
            }
        }
    }
    Ok(())
}

pub(super) async fn import_sales_order(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, |st, _| {
        let body = match parse_json(&body) {
            Ok(b) => b,
            Err(r) => return r.into_response(),
        };
        if let Err(m) = validate_import(st, &body) {
            return problem(
                StatusCode::BAD_REQUEST,
                "request-validation",
                "Request payload validation failed.",
                vec![m],
            );
        }
        let id = (st.sales_orders.len() + 1).to_string();
        let total: f64 = body["positions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                p["quantity"].as_f64().unwrap_or(0.0)
                    * p["price"]["amount"]
                        .as_str()
                        .and_then(|a| a.parse::<f64>().ok())
                        .unwrap_or(0.0)
            })
            .sum();
        let mut order = body.clone();
        order["id"] = json!(id);
        order["documentNumber"] = json!(format!("AU-{}", 300000 + st.sales_orders.len() + 1));
        order["status"] = json!("created");
        order["total"] = json!((total * 100.0).round() / 100.0);
        st.sales_orders.push(order);
        (
            StatusCode::CREATED,
            [
                (
                    header::LOCATION,
                    format!("https://demo.xentral.biz/api/v1/salesOrders/{id}"),
                ),
                (header::CONTENT_TYPE, "text/html".to_string()),
            ],
            "",
        )
            .into_response()
    })
}
