//! The `/_sim/` test hooks (not sevdesk; no auth).

use crate::kit::time::now_secs as now;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::answers::{bad_request, error, ok};
use super::model::{Account, CommWay, Failure};
use super::parts::part_not_found;
use super::views::{transaction_view, voucher_pos_view, voucher_view};
use super::{CONTACT_ID_BASE, ORDER_ID_BASE, SevdeskSim};

/// `GET /_sim/vouchers`: every voucher booked through the API, with its positions.
pub(super) async fn hook_vouchers(
    State(sim): State<Arc<SevdeskSim>>,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.hook(raw.as_deref(), |a| {
        let all: Vec<Value> = a
            .vouchers
            .iter()
            .map(|v| {
                let mut view = voucher_view(v);
                view["positions"] = v.positions.iter().map(|p| voucher_pos_view(v, p)).collect();
                view
            })
            .collect();
        ok(Value::Array(all))
    })
}

/// `GET /_sim/transactions`: every check account transaction booked through the API.
pub(super) async fn hook_transactions(
    State(sim): State<Arc<SevdeskSim>>,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.hook(raw.as_deref(), |a| {
        ok(Value::Array(
            a.transactions
                .iter()
                .map(|t| transaction_view(t, false))
                .collect(),
        ))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FailRequest {
    status: u16,
    times: u32,
    #[serde(default)]
    after_write: bool,
}

/// `POST /_sim/fail`: the next `times` API requests answer `status` (429 with
/// `Retry-After: 1`, 500 or 503). With `afterWrite`, only writes fail, and only after
/// they took effect: the answer is lost, not the booking.
pub(super) async fn hook_fail(
    State(sim): State<Arc<SevdeskSim>>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(&e.to_string()),
    };
    let status = match req.status {
        429 => StatusCode::TOO_MANY_REQUESTS,
        500 => StatusCode::INTERNAL_SERVER_ERROR,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => return bad_request("status must be 429, 500 or 503"),
    };
    sim.hook(raw.as_deref(), |a| {
        a.failure = (req.times > 0).then_some(Failure {
            status,
            remaining: req.times,
            after_write: req.after_write,
        });
        ok(json!({"status": req.status, "times": req.times, "afterWrite": req.after_write}))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StockChange {
    quantity: f64,
}

/// `POST /_sim/parts/{id}/stock` `{"quantity": n}`: sets a part's stock upstream, as a
/// booking in sevdesk would; the part's `update` moves to now.
pub(super) async fn hook_part_stock(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let change: StockChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    if !change.quantity.is_finite() {
        return bad_request("quantity must be a number");
    }
    sim.hook(raw.as_deref(), |a| {
        let Some(i) = a.part_index(&id) else {
            return part_not_found(&id);
        };
        let p = &mut a.parts[i];
        p.stock = change.quantity;
        p.update = now().max(p.update + 1);
        ok(serde_json::to_value(a.part_view(i, false)).expect("serialisable"))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactChange {
    name: Option<String>,
    email: Option<String>,
}

/// `POST /_sim/contacts/{id}` `{"name"?, "email"?}`: edits a contact upstream (its main
/// email communication way for `email`); the contact's `update` moves to now.
pub(super) async fn hook_contact(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let change: ContactChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    sim.hook(raw.as_deref(), |a| {
        let Some(i) = Account::index(&id, CONTACT_ID_BASE, a.contacts.len()) else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Contact with id {id} not found"),
            );
        };
        if let Some(email) = change.email {
            match a
                .comm_ways
                .iter_mut()
                .find(|w| w.contact == i && w.kind == "EMAIL" && w.main)
            {
                Some(w) => w.value = email,
                None => a.comm_ways.push(CommWay {
                    contact: i,
                    kind: "EMAIL",
                    value: email,
                    main: true,
                }),
            }
        }
        let c = &mut a.contacts[i];
        if let Some(name) = change.name {
            if c.name.is_some() {
                c.name = Some(name);
            } else {
                c.familyname = Some(name);
            }
        }
        c.update = now().max(c.update + 1);
        ok(a.contact_view(i))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderChange {
    status: Option<u32>,
}

/// `POST /_sim/orders/{id}` `{"status"?}`: changes an order upstream; its `update` moves
/// to now.
pub(super) async fn hook_order(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let change: OrderChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    if change
        .status
        .is_some_and(|s| ![100, 200, 300, 500, 750, 1000].contains(&s))
    {
        return bad_request("status must be 100, 200, 300, 500, 750 or 1000");
    }
    sim.hook(raw.as_deref(), |a| {
        let Some(i) = Account::index(&id, ORDER_ID_BASE, a.orders.len()) else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Order with id {id} not found"),
            );
        };
        let o = &mut a.orders[i];
        if let Some(status) = change.status {
            o.status = status;
        }
        o.update = now().max(o.update + 1);
        ok(a.order_view(i, false))
    })
}

/// `GET /_sim/requests`: the number of API requests served (a bare JSON number),
/// injected failures included.
pub(super) async fn hook_requests(
    State(sim): State<Arc<SevdeskSim>>,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.hook(raw.as_deref(), |a| ok(json!(a.requests)))
}
