//! xentral through the public API: ERP sync (counts, fields, re-read, rate limited, bad
//! token), sales pushed exactly once, payments and refunds refused once (xentral's API
//! books neither).

use crate::on_both_databases;
use crate::sap::{psp_payment, psp_refund, use_stripe};
use crate::support::system::{self, Sync, by_id, list};
use crate::support::{Backend, Server};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "xentral").await
}

const SYSTEM: Sync = Sync::erp("xentral");

/// The simulator's hook URL (the hooks sit beside /api/v1, at the instance root).
fn hook(base: &str, path: &str) -> String {
    format!("{}/_sim/{path}", base.trim_end_matches('/'))
}

async fn sync_reads_everything_and_again(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "xentral");
    assert_eq!(
        body["synced"],
        json!({"inventory": 38, "orders": 2, "suppliers": 3}),
        "38 stock items (not the 2 other products): {body}"
    );

    let inventory = list(&server, &m, "inventory", &store).await;
    assert_eq!(inventory.len(), 38);
    let p2 = by_id(&inventory, "2");
    assert_eq!(p2["sku"], "XP-1002");
    assert_eq!(p2["quantity"], 25.0, "both warehouses");
    assert_eq!(p2["unit"], "Stk");
    assert!(inventory.iter().all(|i| i["externalId"] != "40"));

    let orders = list(&server, &m, "orders", &store).await;
    let po = by_id(&orders, "1");
    assert_eq!(po["number"], "BE-200001");
    assert_eq!(po["supplierId"], "1");
    assert_eq!(po["status"], "sent");
    assert_eq!(po["total"], json!({"amount": 19560, "currency": "EUR"}));
    let lines = po["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["productId"], "1");
    assert_eq!(lines[0]["quantity"], 240.0);
    assert_eq!(lines[0]["unitPrice"]["amount"], 45);

    let suppliers = list(&server, &m, "suppliers", &store).await;
    assert_eq!(suppliers.len(), 3);
    let nord = by_id(&suppliers, "1");
    assert_eq!(nord["name"], "Getränke Großhandel Nord GmbH");
    assert_eq!(nord["email"], "bestellung@getraenke-nord.example");
    assert_eq!(nord["vatId"], "DE811907980");
    assert_eq!(by_id(&suppliers, "2")["email"], Value::Null);

    // xentral documents no change filter that covers stock bookings (nor any for
    // suppliers): every run reads everything, and sees a stock change.
    server
        .sim_post(&hook(&base, "products/1/stock"), json!({"quantity": 12}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 38, "orders": 2, "suppliers": 3}),
        "{body}"
    );
    let inventory = list(&server, &m, "inventory", &store).await;
    assert_eq!(by_id(&inventory, "1")["quantity"], 12.0);
    assert_eq!(list(&server, &m, "inventory", &store).await.len(), 38);

    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    assert!(
        !audit
            .to_string()
            .contains(credentials["token"].as_str().unwrap())
    );
}

async fn a_large_inventory_pages(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["token"] = json!("gen-4500");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 4500, "orders": 2, "suppliers": 3}),
        "{body}"
    );
    assert_eq!(
        body["pages"], 5,
        "3 calls of products (40 pages of 50 each), 1 of orders, 1 of suppliers"
    );
}

async fn rate_limits_are_waited_out(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 429, "times": 2}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2);
    assert_eq!(
        body["synced"],
        json!({"inventory": 38, "orders": 2, "suppliers": 3})
    );
}

async fn a_bad_token_is_422_with_xentrals_message(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["token"] = json!("xpat_wrong_token");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unauthorized"),
        "{body}"
    );
    assert!(!body.to_string().contains("xpat_wrong_token"));
}

fn sale(receipt: &str, store: &str) -> Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"sku": "XP-1004", "name": "Vollmilch 1 l", "quantity": 2, "unitPrice": 129, "taxRateBps": 700},
            {"sku": "XP-1005", "name": "Laugenbrezel", "quantity": 1, "unitPrice": 89, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 347, "reference": "pi_test"}]
    })
}

async fn pushed(server: &Server, base: &str) -> Value {
    server.sim_get(&hook(base, "pushed")).await
}

async fn sales_are_booked_exactly_once(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    let mut sale_ids = vec![];
    for n in 1..=3 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&format!("R-{n}"), &store))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        sale_ids.push(body["saleId"].as_str().unwrap().to_string());
    }

    let push = json!({"system": "xentral", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 3, "{body}");
    let booked = pushed(&server, &base).await;
    let orders = booked["salesOrders"].as_array().unwrap();
    assert_eq!(orders.len(), 3, "{orders:?}");
    for order in orders {
        assert!(
            sale_ids.iter().any(|id| order["externalOrderId"]
                .as_str()
                .unwrap()
                .ends_with(id.as_str())),
            "{order}"
        );
        assert_eq!(order["customer"]["id"], credentials["customerId"]);
        assert_eq!(
            order["positions"][0]["price"],
            json!({"amount": "3.47", "currency": "EUR"})
        );
    }
    let moves = booked["stockMovements"].as_array().unwrap();
    assert_eq!(moves.len(), 6, "two lines of three sales: {moves:?}");
    assert!(
        moves
            .iter()
            .any(|mv| mv["sku"] == "XP-1004" && mv["quantity"] == -2.0)
    );

    // Pushed twice: nothing new.
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    assert_eq!(
        pushed(&server, &base).await["salesOrders"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A 500 on the first request of the next push: the sale stays pending, then is
    // booked once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-4", &store))
        .await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 500, "times": 1}))
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 1, "{body}");
    let booked = pushed(&server, &base).await;
    let mut refs: Vec<&str> = booked["salesOrders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["externalOrderId"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 4);
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 4, "each sale booked once");
}

/// xentral's API can book neither (see the connector's doc): a payment and its partial
/// refund are refused once each, with the reason, next to a sale that is booked, and
/// are not resent by later pushes.
async fn payments_and_refunds_are_refused_once_with_the_reason(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    use_stripe(&server, &m, &store).await;
    let paid = psp_payment(&server, &m, &store, "pay-1", 347, "EUR").await;
    let refunded = psp_refund(&server, &m, &store, &paid, "ref-1", 120).await;
    let (status, body) = server
        .post(&m.key, "/api/v1/sales", sale("R-1", &store))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let push = json!({"system": "xentral", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 1, "stockChanges": 1}),
        "the sale and its stock changes: {body}"
    );
    assert_eq!(body["pending"], 0, "{body}");
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{body}");
    let reason = |id: &str| {
        rejected
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not rejected: {body}"))["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(reason(&paid).contains("books a payment"), "{body}");
    assert!(reason(&refunded).contains("credit note"), "{body}");
    let booked = pushed(&server, &base).await;
    assert_eq!(booked["salesOrders"].as_array().unwrap().len(), 1);

    // Settled: later pushes neither resend nor report them.
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 0, "stockChanges": 0})
    );
    assert_eq!(body["rejected"], json!([]), "{body}");
    assert_eq!(body["pending"], 0, "{body}");
}

on_both_databases!(
    sync_reads_everything_and_again,
    a_large_inventory_pages,
    rate_limits_are_waited_out,
    a_bad_token_is_422_with_xentrals_message,
    sales_are_booked_exactly_once,
    payments_and_refunds_are_refused_once_with_the_reason,
);
