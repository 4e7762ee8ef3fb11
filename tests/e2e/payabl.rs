//! payabl. through the public API: configuration (signed requests), payments (sale,
//! declined, 3-D Secure, pending), Latin-1 text, refunds, idempotency, outages reconciled
//! by `orderid`, and signed callbacks to `notification_url`.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A store with payabl configured against the simulator; returns the simulator's base URL.
async fn setup(backend: Backend) -> (Server, Merchant, String, String) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, mut config) = server.sandbox(&m, "payabl").await;
    config["notificationUrl"] = json!(format!("{}/api/v1/webhooks/payabl/{store}", server.url));
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "payabl", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["provider"], "payabl");
    assert!(
        !body
            .to_string()
            .contains(config["secret"].as_str().unwrap()),
        "the secret is never echoed"
    );
    (server, m, store, base)
}

fn payment(store: &str, amount: i64, currency: &str, token: &str) -> Value {
    json!({"storeId": store, "amount": amount, "currency": currency, "reference": "order-1", "paymentMethod": token})
}

async fn pay(server: &Server, m: &Merchant, key: &str, body: Value) -> Value {
    let (status, paid) = server
        .post_idem(&m.key, "/api/v1/processPayment", key, body)
        .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    paid
}

async fn transactions(server: &Server, base: &str) -> Vec<Value> {
    server
        .sim_get(&format!("{base}/_sim/transactions"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

/// Delivers a payabl callback (form-encoded, no BEEP! key) to `url`.
async fn deliver(server: &Server, url: &str, body: &str) -> (StatusCode, Value) {
    let resp = server
        .http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn outcomes_follow_the_token(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;

    let mut ok = payment(&store, 1999, "EUR", "payabl_test_ok");
    ok["description"] = json!("Café – Müller 5 €");
    let paid = pay(&server, &m, "p1", ok).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert_eq!(paid["provider"], "payabl");
    assert!(paid["actionUrl"].is_null());

    let declined = pay(
        &server,
        &m,
        "d1",
        payment(&store, 500, "EUR", "payabl_test_declined"),
    )
    .await;
    assert_eq!(declined["status"], "failed");
    assert_eq!(declined["failureCode"], "2005");
    assert_eq!(declined["failureMessage"], "Transaction declined");

    let three_ds = pay(
        &server,
        &m,
        "3ds",
        payment(&store, 2500, "EUR", "payabl_test_3ds"),
    )
    .await;
    assert_eq!(three_ds["status"], "requires_action");
    assert!(
        three_ds["actionUrl"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/_sim/3ds/")),
        "{three_ds}"
    );

    let pending = pay(
        &server,
        &m,
        "pe1",
        payment(&store, 500, "EUR", "payabl_test_pending"),
    )
    .await;
    assert_eq!(pending["status"], "pending");

    // Zero-decimal yen: 1000 means ¥1000 and payabl sees "1000".
    let yen = pay(
        &server,
        &m,
        "j1",
        payment(&store, 1000, "JPY", "payabl_test_ok"),
    )
    .await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);

    // What payabl saw: BEEP!'s payment id as orderid, major-unit amounts, Latin-1 text.
    let at_payabl = transactions(&server, &base).await;
    assert_eq!(at_payabl.len(), 5);
    assert_eq!(at_payabl[0]["orderid"], paid["paymentId"]);
    assert_eq!(at_payabl[0]["transactionid"], paid["providerReference"]);
    assert_eq!(at_payabl[0]["amount"], "19.99");
    assert_eq!(at_payabl[0]["currency"], "EUR");
    assert_eq!(at_payabl[0]["description"], "Café - Müller 5 EUR");
    assert_eq!(
        at_payabl[0]["notification_url"],
        format!("{}/api/v1/webhooks/payabl/{store}", server.url)
    );
    assert_eq!(at_payabl[4]["amount"], "1000");
    assert_eq!(at_payabl[4]["currency"], "JPY");

    // An unknown token is payabl's refusal, final and in its words.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "bad-token",
            payment(&store, 100, "EUR", "tok_unknown"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid token"),
        "{body}"
    );
}

async fn idempotency_and_refunds(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let paid = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "payabl_test_ok"),
    )
    .await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let tx = paid["providerReference"].as_str().unwrap().to_string();

    let again = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "payabl_test_ok"),
    )
    .await;
    assert_eq!(again, paid);
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 2000, "EUR", "payabl_test_ok"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(transactions(&server, &base).await.len(), 1);

    // Several partial refunds, never past the captured amount.
    let refund = |amount: i64| json!({"storeId": store, "paymentId": payment_id, "amount": amount, "reason": "requested_by_customer"});
    let (status, r1) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r1", refund(500))
        .await;
    assert_eq!(status, StatusCode::OK, "{r1}");
    assert_eq!(r1["status"], "succeeded");
    assert_eq!(r1["refundedAmount"], 500);
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

    let refunds = server.sim_get(&format!("{base}/_sim/refunds")).await;
    let refunds = refunds.as_array().unwrap();
    let amounts: Vec<&str> = refunds
        .iter()
        .map(|r| r["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, vec!["5.00", "10.00", "4.99"]);
    assert!(
        refunds
            .iter()
            .all(|r| r["base_transactionid"] == tx.as_str())
    );
    assert_eq!(refunds[0]["reference"], r1["refundId"]);
    assert_eq!(
        transactions(&server, &base).await[0]["refunded_amount"],
        "19.99"
    );

    // A declined payment is not refundable.
    let declined = pay(
        &server,
        &m,
        "order-2-pay",
        payment(&store, 1000, "EUR", "payabl_test_declined"),
    )
    .await;
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            "r5",
            json!({"storeId": store, "paymentId": declined["paymentId"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// 3-D Secure completes later: payabl's signed callback reaches BEEP!'s webhook and is
/// applied once; a tampered one changes nothing.
async fn signed_callbacks_apply_once(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let open = pay(
        &server,
        &m,
        "3ds-1",
        payment(&store, 2500, "EUR", "payabl_test_3ds"),
    )
    .await;
    assert_eq!(open["status"], "requires_action");
    let payment_id = open["paymentId"].as_str().unwrap().to_string();
    let tx = open["providerReference"].as_str().unwrap().to_string();

    // The shopper passes 3-D Secure.
    let resp = server
        .http
        .get(format!("{}?result=ok", open["actionUrl"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let callbacks = server
        .sim_get(&format!("{base}/_sim/callbacks?transactionid={tx}"))
        .await;
    let last = callbacks.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "captured");
    let hook_url = last["notificationUrl"].as_str().unwrap().to_string();
    assert_eq!(
        hook_url,
        format!("{}/api/v1/webhooks/payabl/{store}", server.url)
    );
    let body = last["body"].as_str().unwrap();

    // Tampered (another amount): the signature fails, nothing changes.
    let tampered = body.replace("amount=25.00", "amount=2.50");
    assert_ne!(tampered, body);
    let (status, answer) = deliver(&server, &hook_url, &tampered).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "webhook_unverified");
    let (_, d) = server
        .get(&m.key, &format!("/api/v1/payments/{payment_id}"))
        .await;
    assert_eq!(d["payment"]["status"], "requires_action");

    let (status, answer) = deliver(&server, &hook_url, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["applied"][0]["status"], "succeeded", "{answer}");
    let (_, d) = server
        .get(&m.key, &format!("/api/v1/payments/{payment_id}"))
        .await;
    assert_eq!(d["payment"]["status"], "succeeded");
    // payabl repeats callbacks: the same one applies once.
    let (status, answer) = deliver(&server, &hook_url, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["duplicate"], true);
}

on_both_databases!(
    outcomes_follow_the_token,
    idempotency_and_refunds,
    signed_callbacks_apply_once,
);
