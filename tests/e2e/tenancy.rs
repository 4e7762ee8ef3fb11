//! Every route, enumerated from the API's own OpenAPI document, called with no key and
//! with another merchant's key against merchant A's store, sync run, payment and
//! connector. Nothing may answer with A's data or change it.

use crate::on_both_databases;
use crate::support::{Backend, Server, wasm};
use beep_host::api::ApiDoc;
use beep_host::db::merchants::Plan;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use utoipa::OpenApi;

/// Routes answered without a key, and why.
const PUBLIC: &[(&str, &str)] = &[
    (
        "/health",
        "load balancers probe it; it shows no merchant data",
    ),
    ("/api/v1/openapi.json", "the API's description"),
    (
        "/api/v1/webhooks/{provider}/{store_id}",
        "vendors call it without a BEEP! key; the connector verifies each notification",
    ),
];

/// Merchant A's ids, substituted into paths and bodies.
struct Ids {
    store: String,
    run: String,
    payment: String,
    connector: String,
    connection: String,
    job: String,
    endpoint: String,
    event: String,
    credentials: Value,
}

fn path_of(template: &str, ids: &Ids) -> String {
    template
        .replace("{store_id}", &ids.store)
        .replace("{run_id}", &ids.run)
        .replace("{payment_id}", &ids.payment)
        .replace("{connector_id}", &ids.connector)
        .replace("{connection_id}", &ids.connection)
        .replace("{job_id}", &ids.job)
        .replace("{endpoint_id}", &ids.endpoint)
        .replace("{event_id}", &ids.event)
        .replace("{provider}", "stripe")
}

/// A request body aimed at A's store (where the route takes one).
fn body_for(template: &str, ids: &Ids) -> Option<Value> {
    let store = &ids.store;
    Some(match template {
        "/api/v1/syncPOS" | "/api/v1/pushToPOS" => {
            json!({"system": "korona", "storeId": store, "credentials": ids.credentials})
        }
        "/api/v1/syncERP" | "/api/v1/pushToERP" => {
            json!({"system": "sevdesk", "storeId": store, "credentials": {"apiToken": "x"}})
        }
        "/api/v1/configurePSP" => {
            json!({"provider": "stripe", "storeId": store, "config": {"secretKey": "sk_test_x"}})
        }
        "/api/v1/processPayment" => {
            json!({"storeId": store, "amount": 100, "currency": "EUR", "reference": "r", "paymentMethod": "pm_card_visa"})
        }
        "/api/v1/syncPayouts" => json!({"storeId": store}),
        "/api/v1/refundPayment" | "/api/v1/capturePayment" | "/api/v1/cancelPayment" => {
            json!({"storeId": store, "paymentId": ids.payment})
        }
        "/api/v1/sales" => json!({"storeId": store, "receiptNumber": "B-1", "currency": "EUR",
            "lines": [{"name": "x", "quantity": 1.0, "unitPrice": 100}]}),
        "/api/v1/stores" => json!({"name": "B's store"}),
        "/api/v1/connectors/{connector_id}/grants" => json!({"approve": ["https://evil.example"]}),
        "/api/v1/connections" => json!({"storeId": store, "kind": "pos", "system": "korona",
            "credentials": ids.credentials, "schedule": {"syncEverySeconds": 60}}),
        "/api/v1/connections/{connection_id}" => {
            json!({"paused": true, "schedule": {"syncEverySeconds": 60}})
        }
        "/api/v1/eventEndpoints" => json!({"url": "http://127.0.0.1:9/b", "events": ["*"]}),
        _ => return None,
    })
}

/// Everything A can read about itself; must be identical before and after B's attempts.
async fn snapshot(server: &Server, key: &str, ids: &Ids) -> Value {
    let mut all = serde_json::Map::new();
    for path in [
        "/api/v1/stores".to_string(),
        format!("/api/v1/products?storeId={}", ids.store),
        format!("/api/v1/categories?storeId={}", ids.store),
        format!("/api/v1/sales?storeId={}", ids.store),
        format!("/api/v1/syncRuns?storeId={}", ids.store),
        format!("/api/v1/payments/{}", ids.payment),
        format!("/api/v1/payments/{}/logs", ids.payment),
        format!("/api/v1/syncRuns/{}/logs", ids.run),
        format!("/api/v1/connectors/{}", ids.connector),
        format!("/api/v1/connections/{}", ids.connection),
        format!("/api/v1/jobs/{}", ids.job),
    ] {
        let (status, body) = server.get(key, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        all.insert(path, body);
    }
    Value::Object(all)
}

async fn every_route_refuses_no_key_and_other_merchants(backend: Backend) {
    let server = Server::start(backend).await;
    let a = server.merchant(Plan::Grow).await;
    let b = server.merchant(Plan::Prime).await;
    // A's event endpoint (nothing listens there: deliveries keep failing, which is fine).
    let (status, endpoint) = server
        .post(
            &a.key,
            "/api/v1/eventEndpoints",
            json!({"url": "http://127.0.0.1:9/a", "events": ["*"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    let endpoint = endpoint["endpointId"].as_str().unwrap().to_string();
    let populated = server.populated_store(&a).await;
    let (_, events) = server.get(&a.key, "/api/v1/events").await;
    let event = events["events"][0]["id"].as_str().unwrap().to_string();
    let (_, uploaded) = server
        .upload(
            &a.key,
            json!({"name": "test-noop", "version": "1.0.0", "kind": "pos", "hosts": []}),
            std::fs::read(wasm("component-noop")).unwrap(),
        )
        .await;
    // A's connection (its sync left one, keeping no credentials; this one keeps them)
    // and a job of it.
    let (status, connected) = server
        .post(
            &a.key,
            "/api/v1/connections",
            json!({"storeId": populated.store, "kind": "erp", "system": "sevdesk",
                   "credentials": server.sandbox(&a, "sevdesk").await.1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{connected}");
    let connection = connected["connectionId"].as_str().unwrap().to_string();
    let (status, jobs) = server
        .get(&a.key, &format!("/api/v1/jobs?storeId={}", populated.store))
        .await;
    assert_eq!(status, StatusCode::OK, "{jobs}");
    let job = jobs["jobs"][0]["jobId"].as_str().unwrap().to_string();
    let ids = Ids {
        endpoint,
        event,
        connection,
        job,
        store: populated.store,
        run: populated.sync_run,
        payment: populated.payment,
        connector: uploaded["connector"]["connectorId"]
            .as_str()
            .unwrap_or_else(|| panic!("{uploaded}"))
            .into(),
        credentials: populated.korona,
    };
    let before = snapshot(&server, &a.key, &ids).await;

    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let path = path_of(template, &ids);
            let query = format!("?storeId={}", ids.store);
            let url = if method == Method::GET && !path.contains(&ids.store) {
                format!("{path}{query}")
            } else {
                path.clone()
            };
            let public = PUBLIC.iter().any(|(p, _)| p == template);
            if template == "/api/v1/keys/rotate" {
                // B may rotate only its own key (the route names no other); no key is
                // refused. Rotating B's key here would lock the rest of the loop out.
                let (status, _) = server.request(method, None, &url, None, &[]).await;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{template}");
                checked += 1;
                continue;
            }
            if template == "/api/v1/connectors" && method == Method::POST {
                // B uploading its own component is allowed; the listing check below
                // shows it never becomes A's. No key is still refused.
                let (status, _) = server.request(method, None, &url, None, &[]).await;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{template}");
                checked += 1;
                continue;
            }
            let body = body_for(template, &ids);
            let idem = [("Idempotency-Key", "b-attempt")];

            // No key.
            let (status, answer) = server
                .request(method.clone(), None, &url, body.as_ref(), &idem)
                .await;
            if public {
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{method} {template}");
            } else {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {template} without a key: {answer}"
                );
            }

            // Another merchant's key.
            let (status, answer) = server
                .request(method.clone(), Some(&b.key), &url, body.as_ref(), &idem)
                .await;
            let text = answer.to_string();
            for id in [
                &ids.store,
                &ids.run,
                &ids.payment,
                &ids.connector,
                &ids.connection,
                &ids.job,
                &ids.endpoint,
                &ids.event,
            ] {
                if !path.contains(id.as_str())
                    && !body
                        .as_ref()
                        .is_some_and(|b| b.to_string().contains(id.as_str()))
                {
                    assert!(
                        !text.contains(id.as_str()),
                        "{method} {template} leaks A's {id}: {text}"
                    );
                }
            }
            let own_scope = matches!(
                template.as_str(),
                "/api/v1/stores"
                    | "/api/v1/connectors"
                    | "/api/v1/sandbox"
                    | "/api/v1/eventEndpoints"
                    | "/api/v1/events"
            ) || public;
            if template == "/metrics" {
                // The operator's, not a merchant's: a merchant key is no operator token.
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{template}: {answer}");
                checked += 1;
                continue;
            }
            if !own_scope {
                assert!(
                    status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                    "{method} {template} with another merchant's key answered {status}: {answer}"
                );
                if status == StatusCode::FORBIDDEN {
                    assert_eq!(answer["error"]["code"], "store_forbidden", "{answer}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} operations checked");
    assert_eq!(
        snapshot(&server, &a.key, &ids).await,
        before,
        "another merchant changed A's data"
    );
    // B sees none of A's stores or connectors in its own listings.
    for path in [
        "/api/v1/stores",
        "/api/v1/connectors",
        "/api/v1/audit/egress",
        "/api/v1/eventEndpoints",
        "/api/v1/events",
        "/api/v1/connections",
        "/api/v1/jobs",
    ] {
        let (status, body) = server.get(&b.key, path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(!body.to_string().contains(&ids.store), "{path}: {body}");
        for id in [
            &ids.connector,
            &ids.connection,
            &ids.job,
            &ids.endpoint,
            &ids.event,
        ] {
            assert!(!body.to_string().contains(id.as_str()), "{path}: {body}");
        }
    }
}

on_both_databases!(every_route_refuses_no_key_and_other_merchants);
