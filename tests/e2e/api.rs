//! The API's front door: keys, plans, tenancy, error shapes, and the CLI contract.

use crate::on_both_databases;
use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

async fn auth_plans_and_tenancy(backend: Backend) {
    let server = Server::start(backend).await;
    let grow = server.merchant(Plan::Grow).await;
    let start = server.merchant(Plan::Start).await;
    let store = server.store(&grow).await;
    let (_, credentials) = server.sandbox(&grow, "korona").await;
    let sync = json!({"system": "korona", "storeId": store, "credentials": credentials});

    let (status, body) = server
        .request(Method::POST, None, "/api/v1/syncPOS", Some(&sync), &[])
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = server
        .post("beep_test_not-a-key", "/api/v1/syncPOS", sync.clone())
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = server
        .post("sk_live_whatever", "/api/v1/stores", json!({"name": "x"}))
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");

    // Live keys are refused while the server runs Test Mode only.
    let (status, body) = server.get(&grow.live_key, "/api/v1/stores").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "live_mode_disabled");

    // START may not sync, and nobody may touch another merchant's store.
    let start_store = server.store(&start).await;
    let (status, body) = server
        .post(
            &start.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": start_store, "credentials": credentials}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "plan_required");
    let (status, body) = server
        .post(
            &start.key,
            "/api/v1/pushToPOS",
            json!({"system": "korona", "storeId": start_store, "credentials": credentials}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "plan_required");
    let other = server.merchant(Plan::Prime).await;
    let (status, body) = server
        .post(&other.key, "/api/v1/syncPOS", sync.clone())
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "store_forbidden");
    for path in [
        format!("/api/v1/stores/{store}"),
        format!("/api/v1/products?storeId={store}"),
        format!("/api/v1/categories?storeId={store}"),
        format!("/api/v1/syncRuns?storeId={store}"),
        format!("/api/v1/payments?storeId={store}"),
        format!("/api/v1/sales?storeId={store}"),
        format!("/api/v1/audit/egress?storeId={store}"),
    ] {
        let (status, body) = server.get(&other.key, &path).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "store_forbidden");
    }
    let (status, body) = server.post(&other.key, "/api/v1/sales", json!({"storeId": store, "receiptNumber": "1", "currency": "EUR", "lines": [{"name": "x", "quantity": 1, "unitPrice": 1}]})).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "store_forbidden");
    // A sync run of another merchant is not readable either.
    let (status, body) = server
        .post(&grow.key, "/api/v1/syncPOS", sync.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let run = body["syncRunId"].as_str().unwrap();
    let (status, _) = server
        .get(&other.key, &format!("/api/v1/syncRuns/{run}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, stores) = server.get(&other.key, "/api/v1/stores").await;
    assert_eq!(stores["stores"].as_array().unwrap().len(), 0);
}

async fn bad_input_is_a_clear_400(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;

    let resp = server
        .http
        .post(format!("{}/api/v1/syncPOS", server.url))
        .bearer_auth(&m.key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_request");

    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"storeId": store, "credentials": {}}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("system"),
        "{body}"
    );
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": store, "credentials": "text"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "nope", "storeId": store, "credentials": {}}),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "unknown_system");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": "no-such-store", "credentials": {}}),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "unknown_store");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": store, "credentials": {"accountId": "demo"}}),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_config",
    );
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "custom", "storeId": store, "credentials": {}}),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "connector_id_required",
    );
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncERP",
            json!({"system": "no-such-erp", "storeId": store, "credentials": {}}),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "unknown_system");
    let (status, body) = server.get(&m.key, "/api/v1/products").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_query");
    let (status, body) = server.get(&m.key, "/api/v1/nothing-here").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/sales",
            json!({"storeId": store, "receiptNumber": "1", "currency": "EUR", "lines": []}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "no_lines");
    // The server answers before reading an oversized body and closes that connection, so
    // send it on a connection of its own.
    let big = "x".repeat(2 << 20);
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/stores", server.url))
        .bearer_auth(&m.key)
        .json(&json!({"name": big}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );

    let (status, health) = server
        .request(Method::GET, None, "/health", None, &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    let metrics = server.metrics().await;
    assert!(
        metrics.contains(
            "beep_http_requests_total{method=\"POST\",route=\"/api/v1/syncPOS\",status=\"400\"}"
        ),
        "{metrics}"
    );
    let (_, connectors) = server.get(&m.key, "/api/v1/connectors").await;
    let names: Vec<&str> = connectors["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["connectorId"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"korona") && names.contains(&"stripe"),
        "{names:?}"
    );
}

on_both_databases!(auth_plans_and_tenancy, bad_input_is_a_clear_400);

/// The automation contract: `beep merchant create` prints one JSON object and
/// `beep serve --listen --db` answers on the given address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let beep = env!("CARGO_BIN_EXE_beep");
    let created = crate::crash::create_merchant(&db, "Kiosk am Markt");
    let key = created["testKey"].as_str().unwrap().to_string();
    assert!(key.starts_with("beep_test_"));
    assert!(
        created["liveKey"]
            .as_str()
            .unwrap()
            .starts_with("beep_live_")
    );
    assert!(created["merchantId"].as_str().is_some());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(beep)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
            &db,
        ])
        .env(
            "BEEP_CACHE_DIR",
            std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("beep-cache"),
        )
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut answered = None;
    for _ in 0..300 {
        if let Ok(resp) = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            answered = Some(resp.status());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let created_store = client
        .post(format!("http://127.0.0.1:{port}/api/v1/stores"))
        .bearer_auth(&key)
        .json(&json!({"name": "Markt"}))
        .send()
        .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        answered,
        Some(StatusCode::OK),
        "beep serve answered /health"
    );
    let created_store = created_store.unwrap();
    assert_eq!(created_store.status(), StatusCode::CREATED);
    assert!(
        dir.path().join("beep-master.key").exists(),
        "Test Mode creates its key file beside the database"
    );
}

#[tokio::test]
async fn live_mode_refuses_to_start_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = beep_host::app::Settings::for_db(&format!(
        "sqlite://{}",
        dir.path().join("x.db").display()
    ));
    settings.live = true;
    let err = beep_host::app::App::start(settings)
        .await
        .err()
        .expect("refuses to start");
    assert!(err.to_string().contains("master key"), "{err}");
}

/// Each key has its own request budget; over it, 429 with Retry-After, and other keys
/// are not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_key_rate_limits() {
    let limit = beep_host::ratelimit::Limit {
        per_second: 2.0,
        burst: 5.0,
    };
    let server = crate::support::Server::start_with(
        Backend::Sqlite,
        crate::support::Options {
            rate_limit: Some(limit),
            ..Default::default()
        },
    )
    .await;
    let noisy = server.merchant(Plan::Grow).await;
    let quiet = server.merchant(Plan::Grow).await;
    let mut limited = 0;
    for _ in 0..20 {
        let resp = server
            .http
            .get(format!("{}/api/v1/stores", server.url))
            .bearer_auth(&noisy.key)
            .send()
            .await
            .unwrap();
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(resp.headers().get("retry-after").is_some());
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
            limited += 1;
        }
    }
    assert!(limited >= 10, "{limited} of 20 were limited");
    let (status, _) = server.get(&quiet.key, "/api/v1/stores").await;
    assert_eq!(status, StatusCode::OK, "another key is unaffected");
}
