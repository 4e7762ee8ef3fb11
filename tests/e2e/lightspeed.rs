//! Lightspeed Retail X-Series through the public API: catalogue sync (full, incremental,
//! rate limited, bad token) and sales pushed exactly once.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::system::{self, Sync, products};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "lightspeed").await
}

const SYSTEM: Sync = Sync::pos("lightspeed");

async fn full_then_incremental(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "lightspeed");
    assert_eq!(
        body["synced"],
        json!({"products": 36, "categories": 4, "priceUpdates": 8}),
        "{body}"
    );

    let items = products(&server, &m, &store).await;
    assert_eq!(items.len(), 36);
    let mate = items.iter().find(|p| p["sku"] == "1001").unwrap();
    assert_eq!(mate["name"], "Club-Mate 0.5l", "{mate}");
    assert_eq!(mate["price"], json!({"amount": 189, "currency": "EUR"}));
    assert_eq!(mate["taxRateBps"], 1900, "{mate}");
    assert_eq!(mate["active"], true);
    let brezel = items.iter().find(|p| p["sku"] == "1002").unwrap();
    assert_eq!(brezel["taxRateBps"], 700, "{brezel}");
    let (_, categories) = server
        .get(&m.key, &format!("/api/v1/categories?storeId={store}"))
        .await;
    assert_eq!(categories["categories"].as_array().unwrap().len(), 4);

    // Nothing changed upstream: nothing arrives.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"products": 0, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );

    // One product changes upstream: the next run brings exactly that one.
    server
        .sim_post(
            &format!("{base}/_sim/products/1003"),
            json!({"name": "Renamed upstream", "price": 9.99}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"products": 1, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );
    let items = products(&server, &m, &store).await;
    let changed = items.iter().find(|p| p["sku"] == "1003").unwrap();
    assert_eq!(changed["name"], "Renamed upstream");
    assert_eq!(changed["price"], json!({"amount": 999, "currency": "EUR"}));

    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let text = audit.to_string();
    assert!(!text.contains(credentials["token"].as_str().unwrap()));
}

async fn rate_limits_are_waited_out(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 429, "times": 2}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2);
    assert_eq!(body["synced"]["products"], 36);
}

async fn bad_token_is_422_with_the_vendors_reason(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["token"] = json!("wrong-token");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Access token is not valid"),
        "{body}"
    );
    assert!(!body.to_string().contains("wrong-token"));
}

fn sale(receipt: &str, store: &str) -> Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"sku": "1001", "name": "Club-Mate 0.5l", "quantity": 2, "unitPrice": 189, "taxRateBps": 1900},
            {"sku": "1002", "name": "Brezel", "quantity": 1, "unitPrice": 95, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 473, "reference": "pi_test"}]
    })
}

async fn sales_are_pushed_exactly_once(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    for n in 1..=3 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&format!("R-{n}"), &store))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let push = json!({"system": "lightspeed", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 3}), "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "nothing is sent twice");

    let sales = server.sim_get(&format!("{base}/_sim/sales")).await;
    let sales = sales.as_array().unwrap();
    assert_eq!(sales.len(), 3, "{sales:?}");
    let first = &sales[0];
    assert_eq!(first["status"], "CLOSED");
    assert_eq!(first["invoice_number"], "R-1");
    assert_eq!(first["register_sale_products"].as_array().unwrap().len(), 2);
    assert_eq!(first["register_sale_payments"][0]["amount"], 4.73);

    // A vendor outage leaves the sale pending; the next push delivers it once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-4", &store))
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 500, "times": 1}),
        )
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 1}), "{body}");
    let sales = server.sim_get(&format!("{base}/_sim/sales")).await;
    let sales = sales.as_array().unwrap();
    assert_eq!(sales.len(), 4);
    let mut ids: Vec<&str> = sales
        .iter()
        .map(|s| s["source_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each sale stored once");
}

on_both_databases!(
    full_then_incremental,
    rate_limits_are_waited_out,
    bad_token_is_422_with_the_vendors_reason,
    sales_are_pushed_exactly_once,
);
