//! Vectron (Swagger 2.0), the generic protocol, SumUp's POS side and the Casio bridge.

use super::python;
use super::systems::validate;
use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::json;

// ---- Vectron (Swagger 2.0, validated by tests/conformance/swagger2.py) -------------------

/// Every request shape the Vectron connector sends — login (good and bad credentials),
/// sites, the first and the following transaction pages, data entries, a rate-limited
/// retry — checked against vectron.swagger.json (validate.py allowance A11).
#[tokio::test]
async fn vectron_requests_follow_the_vendor_spec() {
    let python = python();
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, credentials) = server.sandbox(&m, "vectron").await;
    let hooks = format!("{}/_sim", base.trim_end_matches("/business-data-api"));
    let site = beep_sandbox::vectron::SITE_ID;
    let sync = |credentials: &serde_json::Value, full: bool| json!({"system": "vectron", "storeId": store, "credentials": credentials, "full": full});

    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&credentials, false))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server
        .sim_post(
            &format!("{hooks}/sites/{site}/products/103"),
            json!({"name": "Renamed upstream", "price": 1.99}),
        )
        .await;
    server
        .sim_post(
            &format!("{hooks}/sites/{site}/data-entries"),
            json!({"managedArticleNo": 6, "name": "Strohhalme", "price": 2.49}),
        )
        .await;
    server
        .sim_post(
            &format!("{hooks}/fail"),
            json!({"status": 429, "times": 1, "retryAfter": 1}),
        )
        .await;
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&credentials, false))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Without siteId the connector picks the operator's only site.
    let mut no_site = credentials.clone();
    no_site.as_object_mut().unwrap().remove("siteId");
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&no_site, true))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut wrong = credentials.clone();
    wrong["password"] = json!("wrong");
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&wrong, false))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let recorded = server.app.sandbox.recorded("vectron");
    for (method, suffix) in [
        ("POST", "/v1/login"),
        ("GET", "/sites"),
        ("GET", "/transactions"),
        ("GET", "/data-entries"),
    ] {
        assert!(
            recorded
                .iter()
                .any(|r| r.method == method && r.path.ends_with(suffix)),
            "vectron: no {method} …{suffix} recorded"
        );
    }
    assert!(
        recorded
            .iter()
            .any(|r| r.path.ends_with("/transactions") && r.query.starts_with("id=")),
        "vectron: no keyset page recorded"
    );

    let dir = tempfile::tempdir().unwrap();
    let notes = validate(
        &python,
        dir.path(),
        "vectron",
        spec!("vectron.swagger.json"),
        "/business-data-api",
        &recorded,
    )
    .unwrap_or_else(|report| panic!("{report}"));
    println!("vectron: {notes}");
    assert!(
        !notes.contains("undeclared query parameter"),
        "vectron: the connector sends only the spec's parameters: {notes}"
    );
}

/// The generic connectors against the BEEP! Generic protocol's own OpenAPI document
/// (docs/generic-protocol.openapi.yaml): every native-protocol request of a POS sync
/// (paged, then incremental), a sales push, an ERP sync and an ERP push. The legacy shop's
/// requests (under /legacy, read through a mapping) are not the protocol and are left out.
#[tokio::test]
async fn generic_requests_follow_the_generic_protocol() {
    let python = python();
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (_, mut pos) = server.sandbox(&m, "generic").await;
    pos["pageSize"] = json!(10);
    for _ in 0..2 {
        let (status, body) = server
            .post(
                &m.key,
                "/api/v1/syncPOS",
                json!({"system": "generic", "storeId": store, "credentials": pos}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/sales",
            json!({"storeId": store, "receiptNumber": "R-1", "currency": "EUR",
                "lines": [{"sku": "SKU-1001", "name": "Club-Mate 0,5 l", "quantity": 2, "unitPrice": 189, "taxRateBps": 1900}],
                "payments": [{"method": "card", "amount": 378}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, erp) = server.sandbox(&m, "generic").await;
    for (path, credentials) in [
        ("/api/v1/pushToPOS", &pos),
        ("/api/v1/syncERP", &erp),
        ("/api/v1/syncERP", &erp),
        ("/api/v1/pushToERP", &erp),
    ] {
        let (status, body) = server
            .post(
                &m.key,
                path,
                json!({"system": "generic", "storeId": store, "credentials": credentials}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let recorded: Vec<_> = server
        .app
        .sandbox
        .recorded("generic")
        .into_iter()
        .filter(|r| !r.path.starts_with("/legacy/"))
        .collect();
    for path in [
        "/products",
        "/inventory",
        "/sales/",
        "/transactions/",
        "/stock-changes/",
    ] {
        assert!(
            recorded.iter().any(|r| r.path.starts_with(path)),
            "generic: no {path} request recorded"
        );
    }
    assert!(recorded.iter().any(|r| r.query.contains("cursor=")));
    assert!(recorded.iter().any(|r| r.query.contains("updatedSince=")));

    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/generic-protocol.openapi.yaml"
    );
    let dir = tempfile::tempdir().unwrap();
    match validate(&python, dir.path(), "generic", spec, "", &recorded) {
        Ok(notes) => println!("generic: {notes}"),
        Err(report) => panic!("{report}"),
    }
}

// ---- SumUp POS side and the Casio bridge --------------------------------------------------

/// The SumUp POS connector's requests (transaction history paged by `oldest_ref` and
/// `oldest_time`, transaction reads) against sumup.json; the Casio connector's (register,
/// PLU file full and conditional, journal writes with a lost answer) against BEEP!'s own
/// docs/casio-bridge.openapi.yaml.
#[tokio::test]
async fn sumup_pos_and_casio_requests_follow_their_specs() {
    let python = python();
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let dir = tempfile::tempdir().unwrap();
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;

    // SumUp: small pages from a start time, a new sale, incremental, forced full.
    let (base, mut credentials) = server.sandbox(&m, "sumup").await;
    credentials["pageSize"] = json!(7);
    credentials["since"] = json!("2026-11-01T00:00:00Z");
    let run = |full: bool| json!({"system": "sumup", "storeId": store, "credentials": credentials, "full": full});
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(false)).await;
    assert_eq!(status, StatusCode::OK, "sumup-pos: {body}");
    server
        .sim_post(
            &format!("{base}/_sim/pos/sales"),
            json!({"lines": [{"name": "Espresso", "price": 2.8, "vatRate": 0.19}]}),
        )
        .await;
    for full in [false, true] {
        let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(full)).await;
        assert_eq!(status, StatusCode::OK, "sumup-pos: {body}");
    }
    let recorded = server.app.sandbox.recorded("sumup");
    assert!(
        recorded.iter().any(|r| r.query.contains("oldest_ref="))
            && recorded.iter().any(|r| r.query.contains("oldest_time=")),
        "sumup-pos: {recorded:?}"
    );

    // Casio: full, changed, unchanged, sales with one lost answer.
    let (base, credentials) = server.sandbox(&m, "casio").await;
    let run = |full: bool| json!({"system": "casio", "storeId": store, "credentials": credentials, "full": full});
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(false)).await;
    assert_eq!(status, StatusCode::OK, "casio: {body}");
    server
        .sim_post(&format!("{base}/_sim/plu/1"), json!({"price": 290}))
        .await;
    for _ in 0..2 {
        let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(false)).await;
        assert_eq!(status, StatusCode::OK, "casio: {body}");
    }
    for receipt in ["R-1", "R-2"] {
        let (status, body) = server
            .post(
                &m.key,
                "/api/v1/sales",
                json!({"storeId": store, "receiptNumber": receipt, "currency": "EUR",
                    "lines": [{"sku": "1", "name": "ESPRESSO", "quantity": 2, "unitPrice": 220, "taxRateBps": 1900},
                              {"name": "OFFENER POSTEN", "quantity": 1, "unitPrice": 95, "taxRateBps": 700}],
                    "payments": [{"method": "cash", "amount": 535}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "casio: {body}");
    }
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 500, "after": true, "method": "PUT"}),
        )
        .await;
    let _ = server.post(&m.key, "/api/v1/pushToPOS", run(false)).await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", run(false)).await;
    assert_eq!(status, StatusCode::OK, "casio: {body}");
    assert_eq!(body["duplicates"], 1, "casio: {body}");

    let casio_spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/casio-bridge.openapi.yaml"
    );
    let mut failures = Vec::new();
    for (vendor, spec) in [("sumup", spec!("sumup.json")), ("casio", casio_spec)] {
        let recorded = server.app.sandbox.recorded(vendor);
        assert!(!recorded.is_empty(), "{vendor}: nothing recorded");
        match validate(&python, dir.path(), vendor, spec, "", &recorded) {
            Ok(notes) => println!("{vendor}: {notes}"),
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
