//! `…/pointsOfSale/{posId}/receipts`: batch upload and reads.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::answers::{ApiError, bad_request, error, not_found};
use super::lists::{parse_list_query, request_url, result_list, select, serialize_rows};
use super::model::{Account, StoredReceipt};
use super::{KoronaSim, MAX_RECEIPT_BATCH};

/// `AddOrUpdateResult` of the spec.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct AddOrUpdateResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
    status: String,
    action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

fn item_error(
    id: Option<String>,
    number: Option<String>,
    code: &str,
    message: &str,
) -> AddOrUpdateResult {
    AddOrUpdateResult {
        id,
        number,
        revision: None,
        href: None,
        status: "ERROR".into(),
        action: "NONE".into(),
        message: Some(format!("{code}: {message}")),
    }
}

fn find_pos(account: &Account, pos_id: &str) -> Result<usize, ApiError> {
    let Ok(uuid) = uuid::Uuid::parse_str(pos_id) else {
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "MALFORMED_MODEL_ID_OR_NUMBER",
            message: format!("{pos_id} is not a valid id"),
        });
    };
    let id = uuid.hyphenated().to_string();
    account
        .points_of_sale
        .iter()
        .position(|p| p.base.id == id)
        .ok_or_else(|| ApiError {
            status: StatusCode::NOT_FOUND,
            code: "MODEL_ID_NOT_FOUND",
            message: format!("point of sale {pos_id} not found"),
        })
}

fn reference(v: &Value) -> (Option<&str>, Option<&str>) {
    (
        v.get("id").and_then(Value::as_str),
        v.get("number").and_then(Value::as_str),
    )
}

/// Adds one receipt of a batch. Duplicate behaviour (spec silent): a receipt whose `id`
/// already exists is not stored again and is answered `status: OK, action: NONE` with the
/// existing object's id, number and revision (an idempotent skip, so a resend is safe); a
/// new id with a receipt `number` already used on that point of sale is a per-item
/// `ERROR` `NUMBER_ALREADY_IN_USE`.
fn add_receipt(
    account: &mut Account,
    pos: usize,
    receipt: Value,
    href_base: &str,
) -> AddOrUpdateResult {
    let Value::Object(mut obj) = receipt else {
        return item_error(
            None,
            None,
            "SUBMITTED_DATA_NOT_WELLFORMED",
            "a receipt must be an object",
        );
    };
    let number = obj
        .get("number")
        .and_then(Value::as_str)
        .map(str::to_string);
    let id = match obj.get("id") {
        None | Some(Value::Null) => uuid::Uuid::new_v4().hyphenated().to_string(),
        Some(Value::String(s)) => match uuid::Uuid::parse_str(s) {
            Ok(u) => u.hyphenated().to_string(),
            Err(_) => {
                return item_error(
                    Some(s.clone()),
                    number,
                    "MALFORMED_MODEL_ID_OR_NUMBER",
                    "id must be a uuid",
                );
            }
        },
        Some(_) => {
            return item_error(
                None,
                number,
                "INVALID_MODEL_PROPERTY",
                "id must be a string",
            );
        }
    };
    let href = format!("{href_base}/{id}");
    if let Some(&existing) = account.receipt_by_id.get(&id) {
        let r = &account.receipts[existing];
        return AddOrUpdateResult {
            id: Some(id),
            number: Some(r.number.clone()),
            revision: Some(r.revision),
            href: Some(href),
            status: "OK".into(),
            action: "NONE".into(),
            message: None,
        };
    }
    let number = match number {
        Some(n) => n,
        // Spec silent: a receipt without a number gets the point of sale's next one.
        None => (account.receipts.iter().filter(|r| r.pos == pos).count() + 1).to_string(),
    };
    if account
        .receipts
        .iter()
        .any(|r| r.pos == pos && r.number == number)
    {
        return item_error(
            Some(id),
            Some(number.clone()),
            "NUMBER_ALREADY_IN_USE",
            &format!("receipt number {number} already in use on this point of sale"),
        );
    }
    // Items must be a list, and every referenced product must exist.
    match obj.get("items") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                if !item.is_object() {
                    return item_error(
                        Some(id),
                        Some(number),
                        "INVALID_MODEL_PROPERTY",
                        "items must be objects",
                    );
                }
                if let Some(product) = item.get("product").filter(|p| !p.is_null()) {
                    let (pid, pnumber) = reference(product);
                    if (pid.is_some() || pnumber.is_some())
                        && account.find_product(pid, pnumber).is_none()
                    {
                        return item_error(
                            Some(id),
                            Some(number),
                            "UNRESOLVED_RELATION",
                            &format!("product {} not found", pid.or(pnumber).unwrap_or_default()),
                        );
                    }
                }
            }
        }
        Some(_) => {
            return item_error(
                Some(id),
                Some(number),
                "INVALID_MODEL_PROPERTY",
                "items must be an array",
            );
        }
    }
    let revision = account.next_revision();
    let p = &account.points_of_sale[pos].base;
    obj.insert("id".into(), Value::String(id.clone()));
    obj.insert("number".into(), Value::String(number.clone()));
    obj.insert("revision".into(), json!(revision));
    obj.insert("active".into(), Value::Bool(true));
    obj.insert(
        "pointOfSale".into(),
        json!({"id": p.id, "number": p.number, "name": p.name}),
    );
    let idx = account.receipts.len();
    account.receipts.push(StoredReceipt {
        pos,
        number: number.clone(),
        revision,
        body: Value::Object(obj),
    });
    account.receipt_by_id.insert(id.clone(), idx);
    account.t_receipts.push(revision, idx);
    AddOrUpdateResult {
        id: Some(id),
        number: Some(number),
        revision: Some(revision),
        href: Some(href),
        status: "OK".into(),
        action: "ADDED".into(),
        message: None,
    }
}

pub(super) async fn post_receipts(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, pos_id)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let pos = match find_pos(account, &pos_id) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let coupling = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "couplingId")
            .map(|(_, v)| v.into_owned());
        // The spec marks couplingId as required on this operation.
        let Some(coupling) = coupling else {
            return bad_request(
                "MISSING_QUERY_PARAMETER",
                "query parameter couplingId is required",
            );
        };
        if coupling != account.points_of_sale[pos].coupling_id {
            return error(
                StatusCode::FORBIDDEN,
                Some("POINT_OF_SALE_COUPLED_WITH_OTHER_DEVICE"),
                "point of sale is coupled with another device",
            );
        }
        let Ok(Value::Array(receipts)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request(
                "SUBMITTED_DATA_NOT_WELLFORMED",
                "the body must be a JSON array of receipts",
            );
        };
        if receipts.is_empty() || receipts.len() > MAX_RECEIPT_BATCH {
            return bad_request(
                "BATCH_SIZE_OUT_OF_RANGE",
                &format!("a batch holds 1 to {MAX_RECEIPT_BATCH} receipts"),
            );
        }
        let href_base = request_url(&headers, &uri);
        let results: Vec<AddOrUpdateResult> = receipts
            .into_iter()
            .map(|r| add_receipt(account, pos, r, &href_base))
            .collect();
        (StatusCode::OK, axum::Json(results)).into_response()
    })
}

pub(super) async fn get_receipts(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, pos_id)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let pos = match find_pos(account, &pos_id) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let q = match parse_list_query(raw.as_deref()) {
            Ok(q) => q,
            Err(e) => return e.into_response(),
        };
        let receipts = &account.receipts;
        let number = q.number.as_deref();
        let (idx, total) = select(
            &account.t_receipts.order,
            &q,
            |i| receipts[i].pos == pos && number.is_none_or(|n| receipts[i].number == n),
            true,
        );
        let body = serialize_rows(idx.iter().map(|&i| &receipts[i].body));
        let url = request_url(&headers, &uri);
        result_list(
            &q,
            total,
            account.t_receipts.max_revision(),
            body,
            idx.len(),
            &url,
        )
    })
}

pub(super) async fn get_receipt(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, pos_id, receipt_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let pos = match find_pos(account, &pos_id) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let id = receipt_id.to_ascii_lowercase();
        match account
            .receipt_by_id
            .get(&id)
            .map(|&i| &account.receipts[i])
        {
            Some(r) if r.pos == pos => (StatusCode::OK, axum::Json(r.body.clone())).into_response(),
            _ => not_found(
                "MODEL_ID_NOT_FOUND",
                &format!("receipt {receipt_id} not found"),
            ),
        }
    })
}
