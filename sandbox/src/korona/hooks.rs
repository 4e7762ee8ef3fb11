//! The `/_sim/accounts/{accountId}/` test hooks (not Korona; no auth).

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::answers::{bad_request, cents, not_found};
use super::model::{Account, Failure};
use super::{BASE_VALID_FROM, KoronaSim, format_rfc3339};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductChange {
    name: Option<String>,
    price: Option<f64>,
}

/// `POST /_sim/accounts/{accountId}/products/{number}`: renames and/or reprices a product.
/// The product gets a new revision; a changed price also becomes a new standalone price
/// object (standard price group, valid from now) with its own revision, as a price change
/// entered in the back office would.
pub(super) async fn hook_change_product(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, number)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let change: ProductChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request("SUBMITTED_DATA_NOT_WELLFORMED", &e.to_string()),
    };
    sim.hook(&account_id, |account| {
        let Some(idx) = account.find_product(None, Some(&number)) else {
            return not_found("NUMBER_NOT_FOUND", &format!("product {number} not found"));
        };
        let mut price_revision = None;
        if let Some(price) = change.price {
            if !price.is_finite() {
                return bad_request("INVALID_MODEL_PROPERTY", "price must be a number");
            }
            let new_cents = (price * 100.0).round() as i64;
            if new_cents != current_price(account, idx) {
                account.push_price(idx, 0, new_cents, &format_rfc3339(SystemTime::now()));
                price_revision = Some(account.revision);
            }
        }
        if let Some(name) = change.name {
            account.products[idx].name = name;
        }
        let old = account.products[idx].revision;
        let new = account.next_revision();
        account.products[idx].revision = new;
        account.t_products.bump(old, new);
        let p = &account.products[idx];
        (
            StatusCode::OK,
            axum::Json(json!({
                "id": p.id,
                "number": p.number,
                "name": p.name,
                "price": cents(current_price(account, idx)),
                "revision": new,
                "priceRevision": price_revision,
            })),
        )
            .into_response()
    })
}

/// The product's standard price in effect now (latest `validFrom` not in the future).
fn current_price(account: &Account, product: usize) -> i64 {
    let now = format_rfc3339(SystemTime::now());
    let p = &account.products[product];
    let mut best = (BASE_VALID_FROM.to_string(), p.base_price);
    for &i in &p.prices {
        let price = &account.prices[i];
        // All our validFrom values are UTC "…Z" strings: they compare as text.
        if price.price_group == 0 && price.valid_from <= now && price.valid_from >= best.0 {
            best = (price.valid_from.clone(), price.value);
        }
    }
    best.1
}

#[derive(Deserialize)]
struct FailRequest {
    status: u16,
    times: u32,
    code: Option<String>,
}

/// `POST /_sim/accounts/{accountId}/fail`: the next `times` API requests of the account
/// answer `status` (429, 500 or 503 with Korona's error body; 401 as for revoked
/// credentials).
pub(super) async fn hook_fail(
    State(sim): State<Arc<KoronaSim>>,
    Path(account_id): Path<String>,
    body: Bytes,
) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request("SUBMITTED_DATA_NOT_WELLFORMED", &e.to_string()),
    };
    let status = match req.status {
        401 => StatusCode::UNAUTHORIZED,
        429 => StatusCode::TOO_MANY_REQUESTS,
        500 => StatusCode::INTERNAL_SERVER_ERROR,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => {
            return bad_request(
                "INVALID_MODEL_PROPERTY",
                "status must be 401, 429, 500 or 503",
            );
        }
    };
    if let Some(code) = &req.code
        && status == StatusCode::TOO_MANY_REQUESTS
        && code != "DAILY_LIMIT_EXCEEDED"
        && code != "TOO_MANY_PARALLEL_UPDATE_REQUESTS"
    {
        return bad_request(
            "INVALID_MODEL_PROPERTY",
            "code must be DAILY_LIMIT_EXCEEDED or TOO_MANY_PARALLEL_UPDATE_REQUESTS",
        );
    }
    sim.hook(&account_id, |account| {
        account.failure = (req.times > 0).then(|| Failure {
            status,
            code: req.code.clone(),
            remaining: req.times,
        });
        (
            StatusCode::OK,
            axum::Json(json!({"status": req.status, "times": req.times})),
        )
            .into_response()
    })
}

/// `GET /_sim/accounts/{accountId}/receipts`: every receipt stored, in arrival order.
pub(super) async fn hook_receipts(
    State(sim): State<Arc<KoronaSim>>,
    Path(account_id): Path<String>,
) -> Response {
    sim.hook(&account_id, |account| {
        let all: Vec<&Value> = account.receipts.iter().map(|r| &r.body).collect();
        (StatusCode::OK, axum::Json(all)).into_response()
    })
}

/// `GET /_sim/accounts/{accountId}/requests`: the number of API requests served (a bare
/// JSON number), injected failures and auth failures included.
pub(super) async fn hook_requests(
    State(sim): State<Arc<KoronaSim>>,
    Path(account_id): Path<String>,
) -> Response {
    sim.hook(&account_id, |account| {
        (StatusCode::OK, axum::Json(account.requests)).into_response()
    })
}
