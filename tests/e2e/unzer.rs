//! Unzer through the public API: configuration, charges of payment types (success,
//! declined, 3-D Secure, pending), refunds as cancels, idempotency, outages reconciled by
//! orderId, and webhooks whose retrieveUrl is re-fetched.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A store with Unzer configured against the simulator; returns the API base URL
/// (`…/unzer/v1`) and the simulator's hook origin (`…/unzer`).
async fn setup(backend: Backend) -> (Server, Merchant, String, String, String) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, config) = server.sandbox(&m, "unzer").await;
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "unzer", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["provider"], "unzer");
    assert!(
        !body
            .to_string()
            .contains(config["privateKey"].as_str().unwrap()),
        "config is never echoed"
    );
    let sim = base.trim_end_matches("/v1").to_string();
    (server, m, store, base, sim)
}

fn payment(store: &str, amount: i64, currency: &str, type_id: &str) -> Value {
    json!({"storeId": store, "amount": amount, "currency": currency, "reference": "order-1", "paymentMethod": type_id})
}

async fn pay(server: &Server, m: &Merchant, key: &str, body: Value) -> Value {
    let (status, paid) = server
        .post_idem(&m.key, "/api/v1/processPayment", key, body)
        .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    paid
}

async fn detail(server: &Server, m: &Merchant, payment_id: &str) -> Value {
    let (status, detail) = server
        .get(&m.key, &format!("/api/v1/payments/{payment_id}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    detail
}

async fn sim_list(server: &Server, sim: &str, what: &str) -> Vec<Value> {
    server
        .sim_get(&format!("{sim}/_sim/{what}"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

/// Delivers an Unzer webhook (JSON, no BEEP! key) to the store's webhook URL.
async fn deliver(server: &Server, store: &str, body: &str) -> (StatusCode, Value) {
    let resp = server
        .http
        .post(format!("{}/api/v1/webhooks/unzer/{store}", server.url))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn outcomes_follow_the_payment_type(backend: Backend) {
    let (server, m, store, _base, sim) = setup(backend).await;

    let ok = pay(
        &server,
        &m,
        "s1",
        payment(&store, 1234, "EUR", "s-crd-success"),
    )
    .await;
    assert_eq!(ok["status"], "succeeded", "{ok}");
    assert_eq!(ok["provider"], "unzer");
    let reference = ok["providerReference"].as_str().unwrap();
    assert!(reference.starts_with("s-pay-"), "{ok}");
    assert!(reference.ends_with("/s-chg-1"), "{ok}");
    assert!(ok["actionUrl"].is_null());

    let declined = pay(
        &server,
        &m,
        "d1",
        payment(&store, 500, "EUR", "s-crd-declined"),
    )
    .await;
    assert_eq!(declined["status"], "failed");
    assert_eq!(declined["failureCode"], "COR.100.100.101");
    assert!(
        declined["failureMessage"]
            .as_str()
            .unwrap()
            .contains("declined"),
        "{declined}"
    );

    let pending = pay(
        &server,
        &m,
        "p1",
        payment(&store, 500, "EUR", "s-crd-pending"),
    )
    .await;
    assert_eq!(pending["status"], "pending");
    assert!(pending["actionUrl"].is_null());

    let tds = pay(&server, &m, "t1", payment(&store, 2500, "EUR", "s-crd-3ds")).await;
    assert_eq!(tds["status"], "requires_action");
    assert!(
        tds["actionUrl"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{sim}/_sim/3ds/s-pay-")),
        "{tds}"
    );
    // Reading it back (get-payment by reference) keeps the action URL.
    let d = detail(&server, &m, tds["paymentId"].as_str().unwrap()).await;
    assert_eq!(d["payment"]["status"], "requires_action");

    // Zero-decimal yen: 1000 means ¥1000 and Unzer sees 1000.
    let yen = pay(
        &server,
        &m,
        "j1",
        payment(&store, 1000, "JPY", "s-crd-success"),
    )
    .await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);
    assert_eq!(yen["currency"], "JPY");

    // An unknown payment type is Unzer's refusal, final and in its words.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "x1",
            payment(&store, 100, "EUR", "tok_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("API.320.200.138"),
        "{body}"
    );

    // What Unzer saw: decimal amounts, BEEP!'s payment id as orderId, the type id.
    let at_unzer = sim_list(&server, &sim, "payments").await;
    assert_eq!(at_unzer.len(), 5, "{at_unzer:?}");
    assert_eq!(at_unzer[0]["amount"]["total"], "12.3400");
    assert_eq!(at_unzer[0]["orderId"], ok["paymentId"]);
    assert_eq!(at_unzer[0]["resources"]["typeId"], "s-crd-success");
    assert_eq!(at_unzer[0]["paymentReference"], "order-1");
    assert_eq!(at_unzer[4]["amount"]["total"], "1000.0000");
    assert_eq!(at_unzer[4]["currency"], "JPY");
}

/// 3-D Secure finishes later: Unzer's webhook carries a retrieveUrl that BEEP! re-fetches
/// (only under the configured base URL) and applies once.
async fn webhooks_refetch_the_retrieve_url(backend: Backend) {
    let (server, m, store, _base, sim) = setup(backend).await;
    let tds = pay(&server, &m, "t1", payment(&store, 2500, "EUR", "s-crd-3ds")).await;
    assert_eq!(tds["status"], "requires_action");
    let payment_id = tds["paymentId"].as_str().unwrap().to_string();
    let pay_id = tds["providerReference"]
        .as_str()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();

    // Before the shopper acts, the creation event changes nothing.
    let events = sim_list(&server, &sim, &format!("events?paymentId={pay_id}")).await;
    let first = events[0]["body"].as_str().unwrap().to_string();
    let (status, body) = deliver(&server, &store, &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"], json!([]), "{body}");

    let done = server
        .sim_post(&format!("{sim}/_sim/payments/{pay_id}/complete"), json!({}))
        .await;
    assert_eq!(done["state"]["name"], "completed");
    let events = sim_list(&server, &sim, &format!("events?paymentId={pay_id}")).await;
    let event = events.last().unwrap().clone();
    assert_eq!(event["event"], "payment.completed");
    let webhook_body = event["body"].as_str().unwrap().to_string();

    // A retrieveUrl elsewhere (or a forged id) is never followed and changes nothing.
    for forged in [
        json!({"event": "payment.completed", "retrieveUrl": format!("https://evil.example/v1/payments/{pay_id}"), "paymentId": pay_id}),
        json!({"event": "payment.completed", "retrieveUrl": format!("{}/echo/v1/payments/{pay_id}", server.url), "paymentId": pay_id}),
        json!({"event": "payment.completed", "retrieveUrl": format!("{sim}/v1/payments/s-pay-999999"), "paymentId": "s-pay-999999"}),
        json!({"event": "payment.completed", "retrieveUrl": format!("{sim}/v1/payments/{pay_id}/../../_sim/payments")}),
    ] {
        let (status, body) = deliver(&server, &store, &forged.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{forged}: {body}");
        assert_eq!(body["error"]["code"], "webhook_unverified");
    }
    let (status, _) = deliver(&server, &store, "id=tr_123").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail(&server, &m, &payment_id).await["payment"]["status"],
        "requires_action"
    );

    let (status, body) = deliver(&server, &store, &webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
    assert_eq!(
        detail(&server, &m, &payment_id).await["payment"]["status"],
        "succeeded"
    );
    // Unzer retries webhooks: the same state applies once.
    let (status, body) = deliver(&server, &store, &webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);

    // A 3-D Secure failure reported by webhook fails the payment.
    let other = pay(&server, &m, "t2", payment(&store, 300, "EUR", "s-crd-3ds")).await;
    let other_pay = other["providerReference"]
        .as_str()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    server
        .sim_post(
            &format!("{sim}/_sim/payments/{other_pay}/complete"),
            json!({"result": "error"}),
        )
        .await;
    let events = sim_list(&server, &sim, &format!("events?paymentId={other_pay}")).await;
    let (status, body) = deliver(
        &server,
        &store,
        events.last().unwrap()["body"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "failed", "{body}");
    let d = detail(&server, &m, other["paymentId"].as_str().unwrap()).await;
    assert_eq!(d["payment"]["status"], "failed");
    assert_eq!(d["payment"]["failureCode"], "COR.300.100.100");
}

async fn idempotency_and_refunds(backend: Backend) {
    let (server, m, store, _base, sim) = setup(backend).await;
    let paid = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "s-crd-success"),
    )
    .await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();

    // A replay answers the same, and nothing new is charged.
    let again = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "s-crd-success"),
    )
    .await;
    assert_eq!(again, paid);
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 2000, "EUR", "s-crd-success"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(sim_list(&server, &sim, "payments").await.len(), 1);

    // Partial refunds (cancels of the charge), never past what was charged.
    let refund = |amount: i64| json!({"storeId": store, "paymentId": payment_id, "amount": amount, "reason": "requested_by_customer"});
    let (status, r1) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r1", refund(500))
        .await;
    assert_eq!(status, StatusCode::OK, "{r1}");
    assert_eq!(r1["status"], "succeeded");
    assert_eq!(r1["refundedAmount"], 500);
    assert!(
        r1["providerReference"]
            .as_str()
            .unwrap()
            .ends_with("/s-chg-1/s-cnl-1"),
        "{r1}"
    );
    let (status, r2) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r2", refund(1000))
        .await;
    assert_eq!(status, StatusCode::OK, "{r2}");
    assert_eq!(r2["refundedAmount"], 1500);
    let (status, body) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r3", refund(500))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "refund_exceeds_captured");
    let (status, again) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r1", refund(500))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, r1);
    let (status, r4) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            "r4",
            json!({"storeId": store, "paymentId": payment_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r4}");
    assert_eq!(r4["amount"], 499);
    assert_eq!(r4["refundedAmount"], 1999);
    let cancels = sim_list(&server, &sim, "cancels").await;
    let amounts: Vec<&str> = cancels
        .iter()
        .map(|c| c["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, vec!["5.0000", "10.0000", "4.9900"]);
    assert_eq!(cancels[0]["paymentReference"], r1["refundId"]);
    assert_eq!(cancels[0]["reasonCode"], "CANCEL");
    let at_unzer = &sim_list(&server, &sim, "payments").await[0];
    assert_eq!(at_unzer["amount"]["canceled"], "19.9900");
    assert_eq!(at_unzer["state"]["name"], "canceled");
    let d = detail(&server, &m, &payment_id).await;
    assert_eq!(d["refunds"].as_array().unwrap().len(), 3);
    assert_eq!(d["payment"]["refundedAmount"], 1999);

    // Unzer itself refuses past what is left (canceled elsewhere, e.g. its portal).
    let other = pay(
        &server,
        &m,
        "order-2-pay",
        payment(&store, 1000, "EUR", "s-crd-success"),
    )
    .await;
    let other_id = other["paymentId"].as_str().unwrap().to_string();
    let (_, credentials) = server.sandbox(&m, "unzer").await;
    let resp = server
        .http
        .post(format!(
            "{sim}/v1/payments/{}/cancels",
            other["providerReference"]
                .as_str()
                .unwrap()
                .replace('/', "/charges/")
        ))
        .basic_auth(credentials["privateKey"].as_str().unwrap(), Some(""))
        .json(&json!({"amount": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            "r5",
            json!({"storeId": store, "paymentId": other_id, "amount": 500}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2.0000 EUR remaining"),
        "{body}"
    );
    assert_eq!(
        detail(&server, &m, &other_id).await["payment"]["refundedAmount"],
        0
    );
}

on_both_databases!(
    outcomes_follow_the_payment_type,
    webhooks_refetch_the_retrieve_url,
    idempotency_and_refunds,
);
