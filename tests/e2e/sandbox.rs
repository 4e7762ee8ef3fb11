//! The sandbox holds: misbehaving components fail their own call with their own error,
//! are audited, and the server keeps answering everyone else.

use crate::on_both_databases;
use crate::support::{Backend, Options, Server};
use beep_host::db::merchants::Plan;
use beep_host::runtime::Budgets;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

async fn hostile_components_are_contained(backend: Backend) {
    let budgets = Budgets {
        deadline: Duration::from_secs(2),
        memory_bytes: 32 << 20,
        max_requests: 20,
        max_response_bytes: 1 << 20,
        max_log_bytes: 16 << 10,
    };
    let server = Server::start_with(
        backend,
        Options {
            budgets,
            install: vec!["component-hostile"],
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (_, korona) = server.sandbox(&m, "korona").await;

    let attack = |name: &str, extra: serde_json::Value| {
        let mut credentials = json!({"attack": name});
        if let Some(obj) = extra.as_object() {
            for (k, v) in obj {
                credentials[k] = v.clone();
            }
        }
        json!({"system": "custom", "connectorId": "test-hostile", "storeId": store, "credentials": credentials})
    };

    // A well-behaved call through the same component works.
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", attack("ok", json!({})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let cases = [
        (
            "loop",
            json!({}),
            StatusCode::GATEWAY_TIMEOUT,
            "deadline_exceeded",
        ),
        (
            "memory",
            json!({}),
            StatusCode::BAD_GATEWAY,
            "memory_budget_exceeded",
        ),
        (
            "recursion",
            json!({}),
            StatusCode::BAD_GATEWAY,
            "connector_trapped",
        ),
        (
            "panic",
            json!({}),
            StatusCode::BAD_GATEWAY,
            "connector_trapped",
        ),
        (
            "egress",
            json!({}),
            StatusCode::BAD_GATEWAY,
            "egress_denied",
        ),
        (
            "egress",
            json!({"target": "http://169.254.169.254/latest/meta-data/"}),
            StatusCode::BAD_GATEWAY,
            "egress_denied",
        ),
        (
            "egress",
            json!({"target": "http://127.0.0.1:5432/"}),
            StatusCode::BAD_GATEWAY,
            "egress_denied",
        ),
        (
            "storm",
            json!({}),
            StatusCode::BAD_GATEWAY,
            "request_budget_exceeded",
        ),
        (
            "log",
            json!({}),
            StatusCode::BAD_GATEWAY,
            "log_budget_exceeded",
        ),
        (
            "huge",
            json!({}),
            StatusCode::BAD_GATEWAY,
            "memory_budget_exceeded",
        ),
    ];
    for (name, extra, expected_status, expected_code) in cases {
        // Another tenant's work proceeds while the attack runs.
        let attack_body = attack(name, extra.clone());
        let attacker = server.post(&m.key, "/api/v1/syncPOS", attack_body);
        let bystander = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let started = Instant::now();
            let (status, _) = server
                .request(reqwest::Method::GET, None, "/health", None, &[])
                .await;
            (status, started.elapsed())
        };
        let ((status, body), (health, latency)) = tokio::join!(attacker, bystander);
        assert_eq!(status, expected_status, "{name} {extra}: {body}");
        assert_eq!(
            body["error"]["code"], expected_code,
            "{name} {extra}: {body}"
        );
        assert_eq!(health, StatusCode::OK);
        assert!(
            latency < Duration::from_secs(1),
            "{name}: /health took {latency:?} during the attack"
        );
    }

    // Denied requests are audited with their reason.
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let denied: Vec<&str> = audit["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["denied"].as_str())
        .collect();
    assert!(
        denied
            .iter()
            .any(|d| d.contains("example.com") && d.contains("outside the connector's grant")),
        "{denied:?}"
    );
    assert!(
        denied.iter().any(|d| d.contains("169.254.169.254")),
        "{denied:?}"
    );
    assert!(
        denied.iter().any(|d| d.contains("request budget")),
        "{denied:?}"
    );

    // And the real connectors still work for this store afterwards.
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": store, "credentials": korona}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 42);
}

on_both_databases!(hostile_components_are_contained);

/// Live mode: HTTPS only, declared hosts only, and no internal address even when a
/// granted name resolves to one.
async fn live_mode_egress_is_public_https_only(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            install: vec!["component-hostile"],
            live: true,
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let (status, body) = server
        .post(&m.live_key, "/api/v1/stores", json!({"name": "Live"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let store = body["storeId"].as_str().unwrap().to_string();
    let attack = |target: &str| json!({"system": "custom", "connectorId": "test-hostile", "storeId": store, "credentials": {"attack": "egress", "target": target}});

    for target in [
        "https://localhost/",
        "http://example.com/",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/",
    ] {
        let (status, body) = server
            .post(&m.live_key, "/api/v1/syncPOS", attack(target))
            .await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{target}: {body}");
        assert_eq!(body["error"]["code"], "egress_denied", "{target}: {body}");
    }
    let (_, audit) = server
        .get(
            &m.live_key,
            &format!("/api/v1/audit/egress?storeId={store}"),
        )
        .await;
    let denied: Vec<&str> = audit["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["denied"].as_str())
        .collect();
    assert!(
        denied
            .iter()
            .any(|d| d.contains("localhost resolves to") && d.contains("loopback")),
        "{denied:?}"
    );
    assert!(
        denied.iter().any(|d| d.contains("HTTPS only")),
        "{denied:?}"
    );
    assert_eq!(denied.len(), 4, "{denied:?}");

    // A store's baseUrl must lie inside the connector's declared hosts.
    let korona = json!({"system": "korona", "storeId": store, "credentials": {"accountId": "a", "username": "u", "password": "p", "baseUrl": "https://evil.example.com/web/api/v3"}});
    let (status, body) = server.post(&m.live_key, "/api/v1/syncPOS", korona).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_credentials");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not one of the hosts"),
        "{body}"
    );
    // Test keys never see live stores.
    let (status, _) = server.get(&m.key, &format!("/api/v1/stores/{store}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Test Mode can be pointed at another server speaking the vendor's API: here the
/// simulators of a second BEEP! server stand in for an external mock.
async fn sandbox_urls_can_point_elsewhere(backend: Backend) {
    let upstream = Server::start(backend).await;
    let upstream_merchant = upstream.merchant(Plan::Grow).await;
    let (korona_url, credentials) = upstream.sandbox(&upstream_merchant, "korona").await;
    let mut urls = std::collections::BTreeMap::new();
    urls.insert("korona".to_string(), korona_url.clone());
    let server = Server::start_with(
        backend,
        Options {
            sandbox_urls: urls,
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (listed, _) = server.sandbox(&m, "korona").await;
    assert_eq!(listed, korona_url);
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": store, "credentials": credentials}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let requests = upstream
        .sim_get(&format!(
            "{}/_sim/accounts/demo/requests",
            korona_url.trim_end_matches("/web/api/v3")
        ))
        .await;
    assert!(
        requests.as_u64().unwrap() > 0,
        "the other server's simulator answered"
    );
}

on_both_databases!(
    live_mode_egress_is_public_https_only,
    sandbox_urls_can_point_elsewhere
);
