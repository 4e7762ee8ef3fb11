//! Live-mode egress rules and Test Mode's vendor URLs. The attacks themselves are in
//! hostile.rs.

use crate::on_both_databases;
use crate::support::{Backend, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::json;

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
    let store = server.live_store(&m).await;
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
            .any(|d| d.contains("localhost resolves to a non-public address")),
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

/// Connectors that speak to the merchant's own server (generic, casio) declare no hosts:
/// live, the store's baseUrl is their grant, and the address rules still hold.
async fn merchant_servers_are_granted_by_base_url(backend: Backend) {
    let server = Server::start_live(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.live_store(&m).await;
    let sync = |system: &str, credentials: serde_json::Value| json!({"system": system, "storeId": store, "credentials": credentials});

    let (status, body) = server
        .post(
            &m.live_key,
            "/api/v1/syncPOS",
            sync("generic", json!({"token": "t"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("baseUrl"),
        "{body}"
    );

    for (system, credentials, reason) in [
        (
            "generic",
            json!({"token": "t", "baseUrl": "https://localhost:9/beep/v1"}),
            "localhost resolves to a non-public address",
        ),
        (
            "generic",
            json!({"token": "t", "baseUrl": "http://pos.example.com/beep/v1"}),
            "HTTPS only",
        ),
        (
            "casio",
            json!({"bridgeToken": "t", "baseUrl": "https://10.1.2.3/casio-bridge/v1"}),
            "10.1.2.3",
        ),
    ] {
        let (status, body) = server
            .post(
                &m.live_key,
                "/api/v1/syncPOS",
                sync(system, credentials.clone()),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_GATEWAY,
            "{system} {credentials}: {body}"
        );
        assert_eq!(body["error"]["code"], "egress_denied", "{body}");
        let (_, audit) = server
            .get(
                &m.live_key,
                &format!("/api/v1/audit/egress?storeId={store}"),
            )
            .await;
        assert!(
            audit["calls"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["denied"].as_str().is_some_and(|d| d.contains(reason))),
            "{reason}: {audit}"
        );
    }
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

/// wasi:http's request options are honoured by the egress hook: a guest that asks for
/// a first-byte or between-bytes timeout gets a timed-out request it can handle, well
/// inside its call's budget; what it asks never outlasts that budget.
async fn request_timeouts_are_honoured_within_the_budget(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            install: vec!["component-hostile"],
            budgets: beep_host::runtime::Budgets {
                deadline: std::time::Duration::from_secs(3),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let fetch = |credentials: serde_json::Value| {
        let mut credentials = credentials;
        credentials["attack"] = json!("fetch");
        json!({"system": "custom", "connectorId": "test-hostile", "storeId": store, "credentials": credentials})
    };
    let cases = [
        // The answer would come after 20 s: the guest waits 200 ms for its headers.
        (
            json!({"path": "/slow/20000", "firstByteMs": 200}),
            502,
            "vendor_unreachable",
        ),
        // One piece of body, then silence: the guest waits 200 ms between pieces.
        (
            json!({"path": "/stall", "betweenBytesMs": 200}),
            502,
            "vendor_unreachable",
        ),
        // Asking for a minute does not buy more than the call's 3 s.
        (
            json!({"path": "/slow/20000", "firstByteMs": 60000}),
            504,
            "deadline_exceeded",
        ),
        (
            json!({"path": "/stall", "betweenBytesMs": 60000}),
            504,
            "deadline_exceeded",
        ),
    ];
    for (credentials, status, code) in cases {
        let (got, body) = server
            .post(&m.key, "/api/v1/syncPOS", fetch(credentials.clone()))
            .await;
        assert_eq!(got.as_u16(), status, "{credentials}: {body}");
        assert_eq!(body["error"]["code"], code, "{credentials}: {body}");
        if status == 502 {
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains("timed out") || message.contains("read timeout"),
                "{credentials}: {message}"
            );
        }
    }
}

/// Test merchants do not share simulators: each one's calls reach its own partition, so a
/// connector granted "the Stripe simulator" sees its merchant's payments and nobody
/// else's, and cannot reach the shared simulators or another merchant's.
async fn test_merchants_do_not_share_simulators(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            install: vec!["component-hostile"],
            ..Default::default()
        },
    )
    .await;
    let (a, b) = (
        server.merchant(Plan::Grow).await,
        server.merchant(Plan::Grow).await,
    );
    let mut stores = Vec::new();
    for (m, payments) in [(&a, 3), (&b, 1)] {
        let store = server.store(m).await;
        server.configure_sandbox_psp(m, &store, "stripe").await;
        for i in 0..payments {
            let (status, body) = server
                .post_idem(
                    &m.key,
                    "/api/v1/processPayment",
                    &format!("pay-{i}"),
                    json!({"storeId": store, "amount": 500, "currency": "EUR", "reference": "r", "paymentMethod": "pm_card_visa"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        stores.push(store);
    }
    let (a_stripe, _) = server.sandbox(&a, "stripe").await;
    let (b_stripe, _) = server.sandbox(&b, "stripe").await;
    assert_ne!(a_stripe, b_stripe, "each merchant has its own simulator");

    // B's connector, standing in for Stripe, lists what its simulator holds.
    let peek = |credentials: serde_json::Value| {
        let mut credentials = credentials;
        credentials["attack"] = json!("peek");
        credentials["sandbox"] = json!("stripe");
        json!({"system": "custom", "connectorId": "test-hostile", "storeId": stores[1], "credentials": credentials})
    };
    let (status, body) = server
        .post(
            &b.key,
            "/api/v1/syncPOS",
            peek(json!({"path": "/_sim/payment_intents"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"]["products"], 1,
        "B sees its one payment, none of A's three: {body}"
    );

    // Neither A's simulators nor the shared ones are within B's reach.
    let shared = server.app.sandbox.url("stripe").unwrap();
    for target in [
        format!("{a_stripe}/_sim/payment_intents"),
        format!("{shared}/_sim/payment_intents"),
        format!("{b_stripe}/../../{}/stripe/_sim/payment_intents", a.id),
    ] {
        let (status, body) = server
            .post(&b.key, "/api/v1/syncPOS", peek(json!({"target": target})))
            .await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{target}: {body}");
        assert_eq!(body["error"]["code"], "egress_denied", "{target}: {body}");
    }

    // A's simulator holds A's three payments, and nothing is recorded unasked.
    let intents = server
        .sim_get(&format!("{a_stripe}/_sim/payment_intents"))
        .await;
    assert_eq!(intents.as_array().unwrap().len(), 3, "{intents}");
    assert!(server.app.sandbox.recorded("stripe").is_empty());
}

on_both_databases!(
    live_mode_egress_is_public_https_only,
    merchant_servers_are_granted_by_base_url,
    sandbox_urls_can_point_elsewhere,
    request_timeouts_are_honoured_within_the_budget,
    test_merchants_do_not_share_simulators
);
