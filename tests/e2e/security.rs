//! The security review's findings, one test each, written to fail before the fix:
//! test keys reaching live connectors, free denied requests, and `/metrics` abuse.

use crate::on_both_databases;
use crate::support::{Backend, Options, Server, wasm};
use beep_host::db::merchants::Plan;
use beep_host::runtime::Budgets;
use beep_host::runtime::egress::MAX_AUDITED_PER_CALL;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn upload_probe(
    server: &Server,
    key: &str,
    component: &str,
    version: &str,
    hosts: &[&str],
) -> String {
    let bytes = std::fs::read(wasm(component)).unwrap();
    let manifest = json!({"name": "test-psp-probe", "version": version, "kind": "psp",
        "hosts": hosts, "approveHosts": hosts});
    let (status, body) = server.upload(key, manifest, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{component}@{version}: {body}");
    body["connector"]["connectorId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Finding 1: with only a leaked test key nothing of live mode can be changed, run or
/// read, and a live store runs the exact upload it was configured with.
async fn test_keys_never_reach_live_connectors(backend: Backend) {
    let server = Server::start_live(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let live = server.live_store(&m).await;
    let live_probe = upload_probe(&server, &m.live_key, "component-psp-probe", "1.0.0", &[]).await;
    // Configured by name: the configuration still pins this very upload.
    let (status, body) = server
        .post(
            &m.live_key,
            "/api/v1/configurePSP",
            json!({"provider": "custom", "connectorId": "test-psp-probe", "storeId": live,
                "config": {"apiKey": "live-secret-of-the-merchant"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["connectorId"], "test-psp-probe@1.0.0");
    let (status, body) = server.webhook("custom", &live, "evt-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["eventId"], "honest-evt-1");

    // The attacker holds the test key: a newer version of the same name, approved for
    // its own host, and the same name@version as the live one (another mode's).
    upload_probe(
        &server,
        &m.key,
        "component-psp-thief",
        "9.0.0",
        &["https://thief.example"],
    )
    .await;

    // The live connector is invisible and untouchable with the test key.
    for (method, path) in [
        (Method::GET, format!("/api/v1/connectors/{live_probe}")),
        (
            Method::GET,
            "/api/v1/connectors/test-psp-probe@1.0.0".into(),
        ),
        (Method::DELETE, format!("/api/v1/connectors/{live_probe}")),
    ] {
        let (status, body) = server
            .request(method.clone(), Some(&m.key), &path, None, &[])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert!(!body.to_string().contains(&live), "{body}");
    }
    let (status, body) = server
        .post(
            &m.key,
            &format!("/api/v1/connectors/{live_probe}/grants"),
            json!({"approve": ["https://thief.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, listing) = server.get(&m.key, "/api/v1/connectors").await;
    assert!(!listing.to_string().contains(&live_probe), "{listing}");
    // The same name@version in test mode is the attacker's own: deleting it names no
    // live store.
    upload_probe(&server, &m.key, "component-psp-thief", "1.0.0", &[]).await;
    let (status, body) = server
        .request(
            Method::DELETE,
            Some(&m.key),
            "/api/v1/connectors/test-psp-probe@1.0.0",
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Anonymous webhooks for the live store still run the pinned honest upload: the
    // thief never receives the live configuration.
    let (status, body) = server.webhook("custom", &live, "evt-2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["eventId"], "honest-evt-2", "{body}");
    // A newer live upload does not take over either: upgrades are explicit.
    upload_probe(&server, &m.live_key, "component-psp-thief", "2.0.0", &[]).await;
    let (_, body) = server.webhook("custom", &live, "evt-3").await;
    assert_eq!(body["eventId"], "honest-evt-3", "{body}");
    // ... and deleting the pinned one is refused, naming only the live store.
    let (status, body) = server
        .request(
            Method::DELETE,
            Some(&m.live_key),
            &format!("/api/v1/connectors/{live_probe}"),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains(&live), "{body}");

    // Nothing reached the thief's host, and the test key reads no live audit row.
    let (_, audit) = server
        .get(&m.live_key, "/api/v1/audit/egress?limit=1000")
        .await;
    assert!(!audit.to_string().contains("thief.example"), "{audit}");
    let (status, audit) = server.get(&m.key, "/api/v1/audit/egress?limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert!(!audit.to_string().contains(&live), "{audit}");

    // Unknown store, a store without a PSP and another provider answer alike.
    let test_store = server.store(&m).await;
    let mut answers = Vec::new();
    for path in [
        "/api/v1/webhooks/custom/no-such-store".to_string(),
        format!("/api/v1/webhooks/custom/{test_store}"),
        format!("/api/v1/webhooks/stripe/{live}"),
    ] {
        let resp = server
            .http
            .post(format!("{}{path}", server.url))
            .body("{}")
            .send()
            .await
            .unwrap();
        answers.push((resp.status(), resp.text().await.unwrap()));
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND, "{answers:?}");
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "webhook answers differ: {answers:?}"
    );
}

/// Finding 2: a guest knocking on a denied host spends its request budget like any
/// other request, the call ends, and the audit keeps a bounded number of rows.
async fn denied_requests_spend_the_budget(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            budgets: Budgets {
                deadline: Duration::from_secs(10),
                max_requests: 1000,
                ..Budgets::default()
            },
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let bytes = std::fs::read(wasm("component-hostile-denied-loop")).unwrap();
    let manifest = json!({"name": "hostile-denied-loop", "version": "0.1.0", "kind": "pos"});
    let (status, body) = server.upload(&m.key, manifest, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["connector"]["connectorId"].as_str().unwrap();
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "custom", "connectorId": id, "storeId": store, "credentials": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "request_budget_exceeded", "{body}");

    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let rows = audit["calls"].as_array().unwrap();
    // One row per kept request and one summary of the rest; the budget of 1,000 is
    // far past the cap, so the summary must be there.
    assert_eq!(rows.len(), MAX_AUDITED_PER_CALL + 1, "{audit}");
    let summary = rows
        .iter()
        .find(|r| r["host"] == "*")
        .unwrap_or_else(|| panic!("no summary row: {audit}"));
    let text = summary["denied"].as_str().unwrap();
    let omitted: u64 = text.split(' ').next().unwrap().parse().unwrap();
    assert!(
        omitted as usize >= 1000 - MAX_AUDITED_PER_CALL,
        "{omitted} omitted: {text}"
    );
    assert!(
        rows.iter()
            .filter(|r| r["host"] != "*")
            .all(|r| r["denied"].is_string()),
        "{audit}"
    );
    // The metrics count every request, the unrecorded ones too.
    let metrics = server.metrics().await;
    let denied: f64 = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix("beep_connector_egress_denied_total{connector=\"hostile-denied-loop@0.1.0\",operation=\"fetch-catalog\"} ")
        })
        .unwrap_or_else(|| panic!("{metrics}"))
        .parse()
        .unwrap();
    assert!(denied > 1000.0, "{denied}");
}

/// Finding 3: `/metrics` is the operator's, its labels stay bounded whatever methods
/// callers invent, and a hostile version string never reaches the exposition.
async fn metrics_stay_bounded_parseable_and_private(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    // Hostile version strings are refused at upload.
    let noop = std::fs::read(wasm("component-noop")).unwrap();
    for version in ["1.0.0-\"}\nbeep_fake 1", "1.0.0-a\\b", "1.0.0-x y"] {
        let manifest = json!({"name": "test-noop", "version": version, "kind": "pos"});
        let (status, body) = server.upload(&m.key, manifest, noop.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{version:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_manifest", "{body}");
    }
    // 10,000 requests with invented methods, 50 at a time.
    let client = reqwest::Client::new();
    for batch in 0..200 {
        let sends = (0..50).map(|i| {
            let method = Method::from_bytes(format!("X{batch}M{i}").as_bytes()).unwrap();
            client
                .request(method, format!("{}/api/v1/stores/{batch}-{i}", server.url))
                .send()
        });
        for answer in futures::future::join_all(sends).await {
            answer.expect("the server answers");
        }
    }

    // Not for merchants, nor for anyone without the operator's token.
    for key in [None, Some(m.key.as_str()), Some("wrong-token")] {
        let mut req = client.get(format!("{}/metrics", server.url));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        let status = req.send().await.unwrap().status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?}");
    }
    let text = server.metrics().await;
    let samples = parse_exposition(&text);
    let http: Vec<&Value> = samples
        .iter()
        .filter(|s| s["name"] == "beep_http_requests_total")
        .collect();
    let known = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "other",
    ];
    for s in &http {
        let method = s["labels"]["method"].as_str().unwrap_or_default();
        assert!(known.contains(&method), "unbounded method label {method:?}");
    }
    let other: f64 = http
        .iter()
        .filter(|s| s["labels"]["method"] == "other")
        .map(|s| s["value"].as_f64().unwrap())
        .sum();
    assert_eq!(
        other, 10_000.0,
        "every invented method counted as other: {text}"
    );
    assert!(http.len() < 20, "{} http series", http.len());
    assert!(!text.contains("beep_fake"), "{text}");
}

/// Idempotency keys are remembered for 24 hours, as Stripe's are: within them a key
/// replays its payment, after them it makes a new one.
async fn idempotency_keys_expire_after_a_day(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    server.configure_sandbox_psp(&m, &store, "stripe").await;
    let pay = json!({"storeId": store, "amount": 500, "currency": "EUR", "reference": "R-1", "paymentMethod": "pm_card_visa"});
    let (_, first) = server
        .post_idem(&m.key, "/api/v1/processPayment", "day-key", pay.clone())
        .await;
    let (_, replay) = server
        .post_idem(&m.key, "/api/v1/processPayment", "day-key", pay.clone())
        .await;
    assert_eq!(first["paymentId"], replay["paymentId"], "{replay}");
    // A day and a second later (the row aged in place).
    let aged = beep_host::db::payments::KEY_RETENTION_MS + 1_000;
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1 WHERE idem_key = $2")
        .bind(aged)
        .bind("day-key")
        .execute(&server.app.db.pool)
        .await
        .unwrap();
    let (status, later) = server
        .post_idem(&m.key, "/api/v1/processPayment", "day-key", pay)
        .await;
    assert_eq!(status, StatusCode::OK, "{later}");
    assert_ne!(first["paymentId"], later["paymentId"], "{later}");
}

/// The samples of an exposition, as the official Prometheus client's parser reads them
/// (tests/metrics/parse.py); panics if it does not parse.
fn parse_exposition(text: &str) -> Vec<Value> {
    use std::io::Write as _;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/metrics-env");
    let out = std::process::Command::new("bash")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "metrics-env failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut child = std::process::Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/metrics/parse.py"
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the exposition does not parse: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

on_both_databases!(
    test_keys_never_reach_live_connectors,
    denied_requests_spend_the_budget,
    metrics_stay_bounded_parseable_and_private,
    idempotency_keys_expire_after_a_day,
);
