//! Custom connectors uploaded through the API: checked before they are stored,
//! deduplicated by SHA-256, private to their merchant, granted only approved hosts.

use crate::on_both_databases;
use crate::support::{Backend, Server, wasm};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn noop_manifest(version: &str) -> Value {
    json!({"name": "test-noop", "version": version, "kind": "pos", "hosts": []})
}

async fn uploads_are_checked_private_and_versioned(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let noop = std::fs::read(wasm("component-noop")).unwrap();

    let (status, body) = server
        .upload(&m.key, noop_manifest("0.1.0"), noop.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let first = body["connector"].clone();
    assert_eq!(first["contract"], "beep:connector@0.2.0");
    assert_eq!(first["kind"], "pos");
    let (_, list) = server.get(&m.key, "/api/v1/connectors").await;
    for contract in ["beep:connector@0.2.0", "beep:connector@0.1.0"] {
        assert!(
            list["served"]
                .as_array()
                .unwrap()
                .contains(&json!(contract)),
            "{list}"
        );
    }
    assert!(
        list["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["source"] == "uploaded" && c["name"] == "test-noop")
    );

    // Used like a bundled connector.
    let sync = json!({"system": "custom", "connectorId": "test-noop", "storeId": store, "credentials": {}});
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", sync.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The same version again is a conflict; a new version of the same bytes is stored once.
    let (status, body) = server
        .upload(&m.key, noop_manifest("0.1.0"), noop.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "version_exists");
    let (status, body) = server
        .upload(&m.key, noop_manifest("0.2.0"), noop.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["connector"]["sha256"], first["sha256"]);
    let components: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM components")
            .fetch_one(&server.app.db.pool)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(components, 1, "identical uploads are deduplicated");

    // Invisible and unusable to another merchant.
    let other = server.merchant(Plan::Grow).await;
    let other_store = server.store(&other).await;
    let (status, body) = server.post(&other.key, "/api/v1/syncPOS", json!({"system": "custom", "connectorId": "test-noop", "storeId": other_store, "credentials": {}})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "unknown_connector");
    let id = first["connectorId"].as_str().unwrap();
    let (status, _) = server
        .get(&other.key, &format!("/api/v1/connectors/{id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = server.get(&other.key, "/api/v1/connectors").await;
    assert!(
        !list["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["source"] == "uploaded")
    );

    // A store using a version keeps it from being deleted; an unused one can go.
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "custom", "connectorId": id, "storeId": store, "credentials": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server
        .request(
            reqwest::Method::DELETE,
            Some(&m.key),
            &format!("/api/v1/connectors/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "connector_in_use");
    let (status, body) = server
        .request(
            reqwest::Method::DELETE,
            Some(&m.key),
            "/api/v1/connectors/test-noop@0.2.0",
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn bad_uploads_say_what_is_wrong(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let noop = std::fs::read(wasm("component-noop")).unwrap();
    let core_module = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let foreign_import = wat::parse_str(
        r#"(component (import "evil:secrets/vault@1.0.0" (instance (export "steal" (func)))))"#,
    )
    .unwrap();
    let no_world = wat::parse_str("(component)").unwrap();
    type Case = (
        &'static str,
        Value,
        Vec<u8>,
        StatusCode,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "garbage",
            noop_manifest("1.0.0"),
            b"not wasm at all".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_component",
            "header",
        ),
        (
            "core module",
            noop_manifest("1.0.0"),
            core_module,
            StatusCode::BAD_REQUEST,
            "invalid_component",
            "core module",
        ),
        (
            "truncated",
            noop_manifest("1.0.0"),
            noop[..noop.len() / 2].to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_component",
            "",
        ),
        (
            "foreign import",
            noop_manifest("1.0.0"),
            foreign_import,
            StatusCode::BAD_REQUEST,
            "unsatisfiable_import",
            "evil:secrets/vault",
        ),
        (
            "no world",
            noop_manifest("1.0.0"),
            no_world,
            StatusCode::BAD_REQUEST,
            "wrong_world",
            "exactly one",
        ),
        (
            "wrong kind",
            json!({"name": "test-noop", "version": "1.0.0", "kind": "psp"}),
            noop.clone(),
            StatusCode::BAD_REQUEST,
            "wrong_world",
            "pos",
        ),
        (
            "wrong name",
            json!({"name": "other", "version": "1.0.0", "kind": "pos"}),
            noop.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_component",
            "describe()",
        ),
        (
            "bad version",
            json!({"name": "test-noop", "version": "one", "kind": "pos"}),
            noop.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_manifest",
            "semantic",
        ),
        (
            "bad host",
            json!({"name": "test-noop", "version": "1.0.0", "kind": "pos", "hosts": ["ftp://x"]}),
            noop.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_manifest",
            "hosts",
        ),
        (
            "unrequested approval",
            json!({"name": "test-noop", "version": "1.0.0", "kind": "pos", "approveHosts": ["https://x.example"]}),
            noop.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_manifest",
            "approveHosts",
        ),
        (
            "bundled name",
            json!({"name": "korona", "version": "1.0.0", "kind": "pos"}),
            noop.clone(),
            StatusCode::CONFLICT,
            "name_taken",
            "korona",
        ),
    ];
    for (what, manifest, bytes, status, code, mentions) in cases {
        let (got, body) = server.upload(&m.key, manifest, bytes).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(mentions),
            "{what}: {body}"
        );
    }
    let resp = server
        .http
        .post(format!("{}/api/v1/connectors", server.url))
        .bearer_auth(&m.key)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (_, list) = server.get(&m.key, "/api/v1/connectors").await;
    assert!(
        !list["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["source"] == "uploaded"),
        "nothing was stored"
    );
}

/// Requested hosts become the grant only once approved.
async fn grants_follow_approval(backend: Backend) {
    let server = Server::start_live(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let (_, body) = server
        .post(&m.live_key, "/api/v1/stores", json!({"name": "Live"}))
        .await;
    let store = body["storeId"].as_str().unwrap().to_string();
    let manifest = json!({"name": "test-hostile", "version": "1.0.0", "kind": "pos", "hosts": ["https://example.com", "https://localhost"]});
    let (status, body) = server
        .upload(
            &m.live_key,
            manifest,
            std::fs::read(wasm("component-hostile")).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["connector"]["approvedHosts"], json!([]));

    let attack = json!({"system": "custom", "connectorId": "test-hostile", "storeId": store, "credentials": {"attack": "egress", "target": "https://localhost/"}});
    let (status, body) = server
        .post(&m.live_key, "/api/v1/syncPOS", attack.clone())
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outside the connector's grant"),
        "{body}"
    );

    let (status, body) = server
        .post(
            &m.live_key,
            "/api/v1/connectors/test-hostile/grants",
            json!({"approve": ["https://localhost"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["connector"]["approvedHosts"],
        json!(["https://localhost"])
    );
    // Granted now, so the request gets as far as resolution — where live mode refuses loopback.
    let (status, body) = server
        .post(&m.live_key, "/api/v1/syncPOS", attack.clone())
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("resolves to a non-public address"),
        "{body}"
    );

    let (status, body) = server
        .post(
            &m.live_key,
            "/api/v1/connectors/test-hostile/grants",
            json!({"approve": ["https://evil.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = server
        .post(
            &m.live_key,
            "/api/v1/connectors/test-hostile/grants",
            json!({"revoke": ["https://localhost"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = server.post(&m.live_key, "/api/v1/syncPOS", attack).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outside the connector's grant"),
        "{body}"
    );
}

on_both_databases!(
    uploads_are_checked_private_and_versioned,
    bad_uploads_say_what_is_wrong,
    grants_follow_approval
);

/// A component built against the frozen released contract (wit/released/0.1.0) loads,
/// reports its contract, and syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_contract_components_keep_working() {
    let server = Server::start(Backend::Sqlite).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let manifest = json!({"name": "test-contract-0-1-0", "version": "0.1.0", "kind": "pos"});
    let (status, body) = server
        .upload(
            &m.key,
            manifest,
            std::fs::read(wasm("component-contract-0-1-0")).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["connector"]["contract"], "beep:connector@0.1.0");
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", json!({"system": "custom", "connectorId": "test-contract-0-1-0", "storeId": store, "credentials": {}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 1);
}

/// A PSP built against 0.1.0 (no manual capture) still takes payments; a manual capture
/// asked of it is answered `unsupported`, naming the contract to rebuild against.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_psp_components_pay_and_refuse_manual_capture() {
    let server = Server::start(Backend::Sqlite).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let manifest =
        json!({"name": "test-contract-0-1-0-psp", "version": "0.1.0", "kind": "psp", "hosts": []});
    let (status, body) = server
        .upload(
            &m.key,
            manifest,
            std::fs::read(wasm("component-contract-0-1-0-psp")).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["connector"]["contract"], "beep:connector@0.1.0");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "custom", "connectorId": "test-contract-0-1-0-psp", "storeId": store, "config": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pay = |capture: &str| {
        json!({"storeId": store, "amount": 700, "currency": "EUR", "reference": "r-1",
            "paymentMethod": "tok", "capture": capture})
    };
    let (status, paid) = server
        .post_idem(&m.key, "/api/v1/processPayment", "k-auto", pay("automatic"))
        .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "succeeded");
    assert_eq!(paid["capturedAmount"], 700);
    let (status, body) = server
        .post_idem(&m.key, "/api/v1/processPayment", "k-manual", pay("manual"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unsupported", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("beep:connector@0.1.0") && message.contains("authorize-payment"),
        "{body}"
    );
}
