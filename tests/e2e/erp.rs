//! ERP runs and the ERP outbox through the public API, with a fixture connector:
//! three streams in one run, paging, read-back, and transactions pushed once.

use crate::on_both_databases;
use crate::support::{Backend, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::json;

async fn erp_streams_and_pushes(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            install: vec!["component-erp-fixture"],
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Prime).await;
    let store = server.store(&m).await;
    let body =
        json!({"system": "custom", "connectorId": "test-erp", "storeId": store, "credentials": {}});

    let (status, out) = server.post(&m.key, "/api/v1/syncERP", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        out["synced"],
        json!({"inventory": 25, "orders": 2, "suppliers": 3})
    );
    assert_eq!(
        out["pages"], 5,
        "3 inventory pages, 1 of orders, 1 of suppliers"
    );
    let (_, inventory) = server
        .get(
            &m.key,
            &format!("/api/v1/inventory?storeId={store}&limit=100"),
        )
        .await;
    assert_eq!(inventory["total"], 25);
    let item = inventory["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["externalId"] == "item-3")
        .unwrap()
        .clone();
    assert_eq!(item["quantity"], 3.5);
    assert_eq!(item["warehouseId"], "main");
    let (_, orders) = server
        .get(&m.key, &format!("/api/v1/orders?storeId={store}"))
        .await;
    assert_eq!(orders["total"], 2);
    assert_eq!(orders["orders"][0]["lines"][0]["quantity"], 24.0);
    assert_eq!(orders["orders"][0]["total"]["currency"], "EUR");
    let (_, suppliers) = server
        .get(&m.key, &format!("/api/v1/suppliers?storeId={store}"))
        .await;
    assert_eq!(suppliers["total"], 3);

    // Sales become transactions and stock changes, each pushed once.
    for n in 1..=2 {
        let sale = json!({"storeId": store, "receiptNumber": format!("E-{n}"), "currency": "EUR",
            "lines": [{"sku": "SKU-1", "name": "Club-Mate", "quantity": 2, "unitPrice": 189}, {"sku": "SKU-2", "name": "Brezel", "quantity": 1, "unitPrice": 95}]});
        let (status, _) = server.post(&m.key, "/api/v1/sales", sale).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, out) = server.post(&m.key, "/api/v1/pushToERP", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["pushed"], json!({"transactions": 2, "stockChanges": 2}));
    let (status, out) = server.post(&m.key, "/api/v1/pushToERP", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        out["pushed"],
        json!({"transactions": 0, "stockChanges": 0}),
        "nothing twice"
    );
    let (_, sales) = server
        .get(&m.key, &format!("/api/v1/sales?storeId={store}"))
        .await;
    for sale in sales["sales"].as_array().unwrap() {
        let targets: Vec<&str> = sale["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["target"].as_str().unwrap())
            .collect();
        assert_eq!(targets, ["erp:custom:stock", "erp:custom:transactions"]);
    }
    // The START plan may not.
    let start = server.merchant(Plan::Start).await;
    let start_store = server.store(&start).await;
    let (status, _) = server.post(&start.key, "/api/v1/syncERP", json!({"system": "custom", "connectorId": "test-erp", "storeId": start_store, "credentials": {}})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(erp_streams_and_pushes);
