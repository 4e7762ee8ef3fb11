//! Korona through the public API: catalogue sync (full, incremental, resumed, rate
//! limited) and sales pushed exactly once.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::system::{self, Sync};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "korona").await
}

const SYSTEM: Sync = Sync::pos("korona");

/// The simulator's hook URL for an account (the hooks sit beside /web/api/v3).
fn hooks(base: &str, account: &str) -> String {
    format!(
        "{}/_sim/accounts/{account}",
        base.trim_end_matches("/web/api/v3")
    )
}

async fn full_then_incremental(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["system"], "korona");
    assert_eq!(
        body["synced"],
        json!({"products": 42, "categories": 5, "priceUpdates": 8}),
        "{body}"
    );
    assert_eq!(body["full"], true, "the first run is a full run");

    let (_, products) = server
        .get(
            &m.key,
            &format!("/api/v1/products?storeId={store}&limit=1000"),
        )
        .await;
    assert_eq!(products["total"], 42);
    let items = products["products"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|p| p["system"] == "korona" && p["active"] == true)
    );
    let first = &items[0];
    assert!(
        first["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{first}"
    );
    assert_eq!(first["price"]["currency"], "EUR", "{first}");
    assert!(first["price"]["amount"].as_i64().unwrap() > 0, "{first}");
    let (_, categories) = server
        .get(&m.key, &format!("/api/v1/categories?storeId={store}"))
        .await;
    assert_eq!(categories["categories"].as_array().unwrap().len(), 5);

    // Nothing changed upstream: the incremental run fetches nothing.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"products": 0, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );

    // One product changes upstream: the next run brings exactly that one.
    let sku = first["sku"]
        .as_str()
        .expect("korona products carry their number as sku");
    server
        .sim_post(
            &format!("{}/products/{sku}", hooks(&base, "demo")),
            json!({"name": "Renamed upstream", "price": 9.99}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 1, "{body}");
    let (_, products) = server
        .get(
            &m.key,
            &format!("/api/v1/products?storeId={store}&limit=1000"),
        )
        .await;
    let changed = products["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == sku)
        .unwrap()
        .clone();
    assert_eq!(changed["name"], "Renamed upstream");
    assert_eq!(changed["price"], json!({"amount": 999, "currency": "EUR"}));

    // The runs are recorded and readable.
    let run_id = body["syncRunId"].as_str().unwrap();
    let (status, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(run["syncRun"]["status"], "complete");
    let (_, runs) = server
        .get(&m.key, &format!("/api/v1/syncRuns?storeId={store}"))
        .await;
    assert_eq!(runs["syncRuns"].as_array().unwrap().len(), 3);

    // A full run re-reads everything.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 42);
    assert_eq!(body["deactivated"], 0);

    let metrics = server.metrics().await;
    assert!(
        metrics.contains(
            "beep_connector_calls_total{connector=\"korona\",operation=\"fetch-catalog\"}"
        ),
        "{metrics}"
    );

    // The egress audit shows the calls, without credentials or query strings.
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let calls = audit["calls"].as_array().unwrap();
    assert!(!calls.is_empty());
    // Korona answers an empty page with 204 No Content, as its spec documents.
    assert!(
        calls.iter().all(|c| c["connector"] == "korona"
            && (c["status"] == 200 || c["status"] == 204)
            && c["denied"].is_null()),
        "{audit}"
    );
    assert!(
        calls
            .iter()
            .all(|c| !c["path"].as_str().unwrap().contains('?'))
    );
    let text = audit.to_string();
    assert!(!text.contains(credentials["password"].as_str().unwrap()));
}

async fn large_catalogue_pages_and_resumes(backend: Backend) {
    let (server, m, store, base, mut credentials) = setup(backend).await;
    credentials["accountId"] = json!("gen-2500");
    // The vendor fails three times in a row: more than a run retries, so it stops
    // incomplete, with its cursor saved.
    server
        .sim_post(
            &format!("{}/fail", hooks(&base, "gen-2500")),
            json!({"status": 503, "times": 3}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_error");
    let run_id = body["error"]["syncRunId"].as_str().unwrap().to_string();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "incomplete", "{run}");
    assert_eq!(run["syncRun"]["errorClass"], "transient");

    // The next call resumes the same run and completes it.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["syncRunId"], run_id.as_str());
    assert_eq!(body["resumed"], true);
    assert_eq!(body["synced"]["products"], 2500);
    assert!(body["pages"].as_i64().unwrap() >= 3, "{body}");
    let (_, products) = server
        .get(&m.key, &format!("/api/v1/products?storeId={store}&limit=1"))
        .await;
    assert_eq!(products["total"], 2500);
}

async fn rate_limits_are_waited_out(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server
        .sim_post(
            &format!("{}/fail", hooks(&base, "demo")),
            json!({"status": 429, "times": 2, "code": "TOO_MANY_PARALLEL_UPDATE_REQUESTS"}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2);
    assert_eq!(body["synced"]["products"], 42);
    // The 429s are in the audit too.
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    assert_eq!(
        audit["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == 429)
            .count(),
        2
    );
}

async fn bad_credentials_are_422_with_the_vendors_reason(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["password"] = json!("wrong");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    let run_id = body["error"]["syncRunId"].as_str().unwrap();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "failed");
    assert_eq!(run["syncRun"]["errorClass"], "config");
    assert!(
        !run.to_string().contains("wrong"),
        "no credentials in run records"
    );
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
        assert_eq!(body["total"], 473);
    }
    // The same receipt twice is refused.
    let (status, body) = server
        .post(&m.key, "/api/v1/sales", sale("R-1", &store))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "duplicate_receipt");

    let push = json!({"system": "korona", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 3}));
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "nothing is sent twice");

    let receipts = server
        .sim_get(&format!("{}/receipts", hooks(&base, "demo")))
        .await;
    assert_eq!(receipts.as_array().unwrap().len(), 3, "{receipts}");

    // A vendor outage leaves the sale pending; the next push delivers it once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-4", &store))
        .await;
    server
        .sim_post(
            &format!("{}/fail", hooks(&base, "demo")),
            json!({"status": 500, "times": 1}),
        )
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 1}));
    let receipts = server
        .sim_get(&format!("{}/receipts", hooks(&base, "demo")))
        .await;
    assert_eq!(receipts.as_array().unwrap().len(), 4);

    let (_, sales) = server
        .get(&m.key, &format!("/api/v1/sales?storeId={store}"))
        .await;
    let sales = sales["sales"].as_array().unwrap();
    assert_eq!(sales.len(), 4);
    assert!(
        sales.iter().all(|s| s["deliveries"][0]["status"] == "sent"),
        "{sales:?}"
    );
}

on_both_databases!(
    full_then_incremental,
    large_catalogue_pages_and_resumes,
    rate_limits_are_waited_out,
    bad_credentials_are_422_with_the_vendors_reason,
    sales_are_pushed_exactly_once,
);
