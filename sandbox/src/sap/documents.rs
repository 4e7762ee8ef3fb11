//! `POST /b1s/v1/{entity}`: booking sales documents, goods issues and receipts (which
//! move stock) and payments.

use super::auth::company;
use super::errors::{bad, invalid_session, sap_error, take_failure, take_failure_at};
use super::{BOOKED, Company, GL_ACCOUNTS, PAYMENT_ACCOUNTS, SALE_ITEM, SapSim, SimState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(super) fn today() -> String {
    crate::kit::time::utc(crate::kit::time::now_secs(), crate::kit::time::DATE)
}

/// Moves the stock of a demo item in a warehouse.
pub(super) fn move_stock(item: &mut Value, warehouse: &str, delta: f64) -> bool {
    let Some(list) = item["ItemWarehouseInfoCollection"].as_array_mut() else {
        return false;
    };
    let Some(w) = list.iter_mut().find(|w| w["WarehouseCode"] == warehouse) else {
        return false;
    };
    w["InStock"] = json!(w["InStock"].as_f64().unwrap_or(0.0) + delta);
    let total: f64 = list
        .iter()
        .map(|w| w["InStock"].as_f64().unwrap_or(0.0))
        .sum();
    item["QuantityOnStock"] = json!(total);
    true
}

pub(super) async fn create(
    State(sim): State<Arc<SapSim>>,
    Path(entity): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = take_failure(&mut st) {
        return resp;
    }
    let Some(company) = company(&st, &headers) else {
        return invalid_session();
    };
    let Some(&entity) = BOOKED.iter().find(|e| **e == entity) else {
        return sap_error(
            StatusCode::METHOD_NOT_ALLOWED,
            -1,
            &format!("Creating '{entity}' is not supported by the simulator"),
        );
    };
    let Ok(Value::Object(mut doc)) = serde_json::from_slice::<Value>(&body) else {
        return bad("Invalid JSON body");
    };
    let lines = doc
        .get("DocumentLines")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let payment = matches!(entity, "IncomingPayments" | "VendorPayments");
    let journal = entity == "JournalEntries";
    if journal && let Err(message) = check_journal_entry(&doc) {
        return sap_error(StatusCode::BAD_REQUEST, -10, &message);
    }
    if !payment && !journal && lines.is_empty() {
        return bad("Document must contain at least one row");
    }
    let known = |st: &SimState, code: &str| match company {
        Company::Demo => st.items.iter().any(|i| i["ItemCode"] == code),
        Company::Generated(n) => {
            code == SALE_ITEM
                || code
                    .strip_prefix('G')
                    .and_then(|d| d.parse::<usize>().ok())
                    .is_some_and(|i| (1..=n).contains(&i))
        }
    };
    for l in &lines {
        let code = l["ItemCode"].as_str().unwrap_or("");
        if !known(&st, code) {
            return sap_error(
                StatusCode::BAD_REQUEST,
                -10,
                &format!("Item '{code}' does not exist"),
            );
        }
        if !l["Quantity"].as_f64().is_some_and(|q| q > 0.0) {
            return bad("Quantity must be greater than zero");
        }
    }
    if matches!(entity, "Invoices" | "Orders") {
        let card = doc.get("CardCode").and_then(Value::as_str).unwrap_or("");
        if !st
            .partners
            .iter()
            .any(|p| p["CardCode"] == card && p["CardType"] == "cCustomer")
        {
            return sap_error(
                StatusCode::BAD_REQUEST,
                -10,
                &format!("Invalid BP code '{card}'"),
            );
        }
    }
    if payment && let Err(message) = check_payment(&st, &doc) {
        return sap_error(StatusCode::BAD_REQUEST, -10, &message);
    }
    let sign = match entity {
        "InventoryGenExits" => -1.0,
        "InventoryGenEntries" => 1.0,
        _ => 0.0,
    };
    if sign != 0.0 && company == Company::Demo {
        for l in &lines {
            let code = l["ItemCode"].as_str().unwrap_or("");
            if let Some(item) = st.items.iter_mut().find(|i| i["ItemCode"] == code) {
                let w = l["WarehouseCode"]
                    .as_str()
                    .or(item["DefaultWarehouse"].as_str())
                    .unwrap_or("01")
                    .to_string();
                if !move_stock(item, &w, sign * l["Quantity"].as_f64().unwrap_or(0.0)) {
                    return sap_error(
                        StatusCode::BAD_REQUEST,
                        -10,
                        &format!("Warehouse '{w}' is not defined for item '{code}'"),
                    );
                }
            }
        }
    }
    let entry = st.next_entry;
    st.next_entry += 1;
    doc.insert("DocEntry".into(), json!(entry));
    doc.insert("DocNum".into(), json!(entry + 5000));
    doc.entry("DocDate").or_insert_with(|| json!(today()));
    doc.insert("UpdateDate".into(), json!(today()));
    let doc = Value::Object(doc);
    st.booked.entry(entity).or_default().push(doc.clone());
    if let Some(resp) = take_failure_at(&mut st, true) {
        return resp;
    }
    (StatusCode::CREATED, axum::Json(doc)).into_response()
}

/// What B1 checks of a journal entry: lines on existing accounts, balanced.
fn check_journal_entry(doc: &Map<String, Value>) -> Result<(), String> {
    let lines = doc
        .get("JournalEntryLines")
        .and_then(Value::as_array)
        .filter(|l| l.len() >= 2)
        .ok_or("A journal entry needs at least two lines")?;
    let (mut debit, mut credit) = (0.0, 0.0);
    for l in lines {
        let account = l["AccountCode"].as_str().unwrap_or("");
        if !GL_ACCOUNTS.contains(&account) {
            return Err(format!("Invalid account code '{account}'"));
        }
        let (d, c) = (
            l["Debit"].as_f64().unwrap_or(0.0),
            l["Credit"].as_f64().unwrap_or(0.0),
        );
        if d < 0.0 || c < 0.0 {
            return Err("Debit and credit amounts must not be negative".into());
        }
        debit += d;
        credit += c;
    }
    if (debit - credit).abs() > 0.005 {
        return Err(format!(
            "Unbalanced transaction: debit {debit:.2}, credit {credit:.2}"
        ));
    }
    if debit <= 0.0 {
        return Err("A journal entry must post an amount".into());
    }
    Ok(())
}

/// What B1 checks of a payment the simulator models: the business partner matches the
/// `DocType`, the sum is positive, a transfer names an existing G/L account.
fn check_payment(st: &SimState, doc: &Map<String, Value>) -> Result<(), String> {
    let error = |message: &str| Err(message.to_string());
    let card = doc.get("CardCode").and_then(Value::as_str).unwrap_or("");
    let card_type = match doc
        .get("DocType")
        .and_then(Value::as_str)
        .unwrap_or("rCustomer")
    {
        "rCustomer" => "cCustomer",
        "rSupplier" => "cSupplier",
        other => {
            return error(&format!(
                "DocType '{other}' is not supported by the simulator"
            ));
        }
    };
    if !st
        .partners
        .iter()
        .any(|p| p["CardCode"] == card && p["CardType"] == card_type)
    {
        return error(&format!("Invalid BP code '{card}'"));
    }
    let sum = |k: &str| doc.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    if sum("TransferSum") < 0.0 || sum("CashSum") < 0.0 {
        return error("Payment amounts must not be negative");
    }
    if sum("TransferSum") + sum("CashSum") <= 0.0 {
        return error("Total payment amount must be greater than zero");
    }
    if sum("TransferSum") > 0.0 {
        let account = doc
            .get("TransferAccount")
            .and_then(Value::as_str)
            .unwrap_or("");
        if account.is_empty() {
            return error("Enter a G/L account for the bank transfer");
        }
        if !PAYMENT_ACCOUNTS.contains(&account) {
            return error(&format!("Invalid account code '{account}'"));
        }
    }
    Ok(())
}
