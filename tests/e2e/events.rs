//! Events to BEEP!: endpoints subscribe, deliveries are signed (Stripe's scheme),
//! retried with backoff while the endpoint fails, listed with every attempt, and sent
//! again on request with the same id.

use crate::on_both_databases;
use crate::support::{Backend, Server};
use axum::extract::State;
use axum::http::HeaderMap;
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What BEEP!'s side receives; answers 500 to the first `fail` deliveries.
#[derive(Default)]
struct Inbox {
    received: Mutex<Vec<(HeaderMap, String)>>,
    fail: Mutex<u32>,
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: String) -> StatusCode {
    inbox.received.lock().unwrap().push((headers, body));
    let mut fail = inbox.fail.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn receiver() -> (String, Arc<Inbox>) {
    let inbox = Arc::new(Inbox::default());
    let app = axum::Router::new()
        .route("/hooks", axum::routing::post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

/// The received events of one type, verified against the secret.
fn verified(inbox: &Inbox, secret: &str, kind: &str) -> Vec<Value> {
    inbox
        .received
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(headers, body)| {
            let event: Value = serde_json::from_str(body).unwrap();
            if event["type"] != kind {
                return None;
            }
            let header = headers["beep-signature"].to_str().unwrap();
            let t: i64 = header
                .split(',')
                .find_map(|p| p.strip_prefix("t="))
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(
                header,
                beep_host::events::signature(secret, t, body),
                "signed as t.body with the endpoint's secret"
            );
            Some(event)
        })
        .collect()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

async fn events_are_signed_retried_listed_and_redelivered(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let other = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (url, inbox) = receiver().await;

    for (body, code) in [
        (
            json!({"url": "ftp://beep.example/", "events": ["sync.completed"]}),
            "invalid_url",
        ),
        (
            json!({"url": url, "events": ["sync.done"]}),
            "unknown_event_type",
        ),
        (json!({"url": url, "events": []}), "invalid_request"),
    ] {
        let (status, answer) = server.post(&m.key, "/api/v1/eventEndpoints", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    let (status, created) = server
        .post(
            &m.key,
            "/api/v1/eventEndpoints",
            json!({"url": url, "events": ["sync.completed", "payment.updated"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    let (_, listed) = server.get(&m.key, "/api/v1/eventEndpoints").await;
    assert_eq!(listed["endpoints"].as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once"
    );

    // A sync completes: BEEP! hears of it, signed.
    let (_, korona) = server.sandbox(&m, "korona").await;
    let (status, synced) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": store, "credentials": korona}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    wait_for("sync.completed delivered", || {
        !verified(&inbox, &secret, "sync.completed").is_empty()
    })
    .await;
    let event = &verified(&inbox, &secret, "sync.completed")[0];
    assert!(event["id"].as_str().unwrap().starts_with("evt_"), "{event}");
    assert!(event["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(event["data"]["storeId"], store.as_str());
    assert_eq!(event["data"]["result"]["syncRunId"], synced["syncRunId"]);
    assert_eq!(event["data"]["result"]["synced"]["products"], 42);

    // The endpoint fails twice: the payment's event arrives on the third attempt.
    *inbox.fail.lock().unwrap() = 2;
    server.configure_sandbox_psp(&m, &store, "stripe").await;
    let (status, paid) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "evt-pay",
            json!({"storeId": store, "amount": 990, "currency": "EUR", "reference": "E-1", "paymentMethod": "pm_card_visa"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    wait_for("payment.updated delivered after two failures", || {
        verified(&inbox, &secret, "payment.updated").len() == 3
    })
    .await;
    let attempts = verified(&inbox, &secret, "payment.updated");
    assert!(
        attempts.iter().all(|e| e["id"] == attempts[0]["id"]),
        "one id for every attempt"
    );
    assert_eq!(attempts[0]["data"]["paymentId"], paid["paymentId"]);
    assert_eq!(attempts[0]["data"]["status"], "succeeded");
    let event_id = attempts[0]["id"].as_str().unwrap().to_string();
    let mut listed = Value::Null;
    for _ in 0..100 {
        let (_, body) = server
            .get(&m.key, "/api/v1/events?type=payment.updated")
            .await;
        if body["events"][0]["deliveries"][0]["state"] == "delivered" {
            listed = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivery = &listed["events"][0]["deliveries"][0];
    assert_eq!(delivery["state"], "delivered", "{listed}");
    let tries = delivery["attempts"].as_array().unwrap();
    assert_eq!(tries.len(), 3, "{delivery}");
    assert_eq!(tries[0]["status"], 500);
    assert_eq!(tries[2]["status"], 200);

    // Redelivered on request, with the same id.
    let (status, body) = server
        .post(
            &m.key,
            &format!("/api/v1/events/{event_id}/redeliver"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    wait_for("the redelivery", || {
        verified(&inbox, &secret, "payment.updated").len() == 4
    })
    .await;
    assert_eq!(
        verified(&inbox, &secret, "payment.updated")[3]["id"],
        event_id.as_str()
    );

    // Another merchant neither sees nor redelivers it; events it did not subscribe to
    // are recorded but not sent.
    let (status, _) = server
        .get(&other.key, &format!("/api/v1/events/{event_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server
        .post(
            &other.key,
            &format!("/api/v1/events/{event_id}/redeliver"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, theirs) = server.get(&other.key, "/api/v1/events").await;
    assert_eq!(theirs["events"].as_array().unwrap().len(), 0, "{theirs}");
}

async fn live_endpoints_must_be_public_https(backend: Backend) {
    let server = Server::start_live(backend).await;
    let m = server.merchant(Plan::Grow).await;
    for url in [
        "http://beep.example/hooks",
        "https://127.0.0.1/hooks",
        "https://10.0.0.7/hooks",
        "https://169.254.169.254/latest",
    ] {
        let (status, body) = server
            .post(
                &m.live_key,
                "/api/v1/eventEndpoints",
                json!({"url": url, "events": ["*"]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_eq!(body["error"]["code"], "invalid_url");
    }
    let (status, body) = server
        .post(
            &m.live_key,
            "/api/v1/eventEndpoints",
            json!({"url": "https://beep.example/hooks", "events": ["*"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A test key does not see the live endpoint.
    let (_, listed) = server.get(&m.key, "/api/v1/eventEndpoints").await;
    assert_eq!(listed["endpoints"].as_array().unwrap().len(), 0);
}

on_both_databases!(
    events_are_signed_retried_listed_and_redelivered,
    live_endpoints_must_be_public_https,
);
