//! Guest SDKs for JavaScript and Python: their example connectors, built by
//! `scripts/build-guests` (npm + componentize-js, a venv + componentize-py), installed as
//! custom connectors and run through the public API against the Test Mode simulators
//! (`"sandbox": "korona"` / `"stripe"` in their config points them there).

use crate::on_both_databases;
use crate::support::{Backend, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;

const JS_POS: &str = "example_js_pos.wasm";
const PYTHON_PSP: &str = "example_python_psp.wasm";

/// Runs `scripts/build-guests` once per test binary (it skips what is up to date) and
/// returns the directory holding the guest components.
fn guests() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../guests");
            let output = std::process::Command::new(root.join("scripts/build-guests"))
                .current_dir(&root)
                .env("BEEP_GUESTS_DIR", &dir)
                .output()
                .map_err(|e| format!("running scripts/build-guests: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "scripts/build-guests failed ({}):\n{}\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            Ok(dir)
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn server_with_guests(backend: Backend) -> Server {
    let dir = guests();
    Server::start_with(
        backend,
        Options {
            install_files: vec![dir.join(JS_POS), dir.join(PYTHON_PSP)],
            ..Default::default()
        },
    )
    .await
}

/// Korona's demo account through the JavaScript example: 42 products, 5 categories;
/// a sale pushed once.
async fn javascript_pos_syncs_korona(backend: Backend) {
    let server = server_with_guests(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, mut credentials) = server.sandbox(&m, "korona").await;
    credentials["sandbox"] = json!("korona");

    let (status, connectors) = server.get(&m.key, "/api/v1/connectors").await;
    assert_eq!(status, StatusCode::OK, "{connectors}");
    let listed = connectors.to_string();
    assert!(
        listed.contains("example-js-pos") && listed.contains("example-python-psp"),
        "{connectors}"
    );

    let sync = json!({"system": "custom", "connectorId": "example-js-pos", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", sync.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(
        body["synced"],
        json!({"products": 42, "categories": 5, "priceUpdates": 0}),
        "{body}"
    );
    let (_, products) = server
        .get(
            &m.key,
            &format!("/api/v1/products?storeId={store}&limit=1000"),
        )
        .await;
    assert_eq!(products["total"], 42, "{products}");
    let first = &products["products"][0];
    assert!(
        first["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{first}"
    );
    assert_eq!(first["price"]["currency"], "EUR", "{first}");
    assert!(first["price"]["amount"].as_i64().unwrap() > 0, "{first}");

    // Bad credentials: the vendor's 401 arrives as the contract's `unauthorized`.
    let mut wrong = credentials.clone();
    wrong["password"] = json!("wrong");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "custom", "connectorId": "example-js-pos", "storeId": store, "credentials": wrong}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized", "{body}");

    // A sale goes to Korona once.
    let sale = json!({
        "storeId": store,
        "receiptNumber": "JS-1",
        "currency": "EUR",
        "lines": [{"sku": "1001", "name": "Club-Mate 0.5l", "quantity": 2, "unitPrice": 189, "taxRateBps": 1900}],
        "payments": [{"method": "card", "amount": 378}]
    });
    let (status, body) = server.post(&m.key, "/api/v1/sales", sale).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let push = json!({"system": "custom", "connectorId": "example-js-pos", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 1}), "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "{body}");
    let hooks = format!(
        "{}/_sim/accounts/demo/receipts",
        base.trim_end_matches("/web/api/v3")
    );
    let receipts: Value = server.sim_get(&hooks).await;
    assert_eq!(receipts.as_array().unwrap().len(), 1, "{receipts}");
}

on_both_databases!(javascript_pos_syncs_korona);
