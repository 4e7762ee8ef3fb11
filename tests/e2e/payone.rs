//! PAYONE Commerce Platform through the public API: configuration (signed requests),
//! payments by test token, refunds, idempotency and outages reconciled by the case's
//! merchantReference.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> (Server, Merchant, String, String) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, config) = server.sandbox(&m, "payone").await;
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "payone", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body
            .to_string()
            .contains(config["apiSecret"].as_str().unwrap())
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

async fn at_payone(server: &Server, base: &str) -> Vec<Value> {
    server
        .sim_get(&format!("{base}/_sim/payments"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn outcomes_follow_the_token(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let ok = pay(
        &server,
        &m,
        "ok",
        payment(&store, 1999, "EUR", "payone_test_ok"),
    )
    .await;
    assert_eq!(ok["status"], "succeeded", "{ok}");
    assert_eq!(ok["provider"], "payone");
    assert_eq!(
        ok["providerReference"].as_str().unwrap().split('/').count(),
        3
    );
    let declined = pay(
        &server,
        &m,
        "declined",
        payment(&store, 500, "EUR", "payone_test_declined"),
    )
    .await;
    assert_eq!(declined["status"], "failed", "{declined}");
    assert_eq!(declined["failureCode"], "CARD_DECLINED");
    assert_eq!(
        declined["failureMessage"],
        "The card was declined by the issuer"
    );
    let tds = pay(
        &server,
        &m,
        "3ds",
        payment(&store, 700, "EUR", "payone_test_3ds"),
    )
    .await;
    assert_eq!(tds["status"], "requires_action", "{tds}");
    assert!(
        tds["actionUrl"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/_sim/3ds/")),
        "{tds}"
    );
    let pending = pay(
        &server,
        &m,
        "pending",
        payment(&store, 300, "EUR", "payone_test_pending"),
    )
    .await;
    assert_eq!(pending["status"], "pending", "{pending}");
    // Yen: BEEP!'s 1000 is ¥1000, PCP's two implied decimals make it 100000.
    let yen = pay(
        &server,
        &m,
        "yen",
        payment(&store, 1000, "JPY", "payone_test_ok"),
    )
    .await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);
    let sim = at_payone(&server, &base).await;
    assert_eq!(sim.len(), 5);
    assert_eq!(
        sim[4]["amountOfMoney"],
        json!({"amount": 100000, "currencyCode": "JPY"})
    );
    assert_eq!(sim[0]["caseMerchantReference"], ok["paymentId"]);
    // An unknown token is PCP's 400, in its words.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "bogus",
            payment(&store, 100, "EUR", "tok_unknown"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("paymentProcessingToken"),
        "{body}"
    );
}

async fn idempotency_and_refunds(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let paid = pay(
        &server,
        &m,
        "k1",
        payment(&store, 1999, "EUR", "payone_test_ok"),
    )
    .await;
    let again = pay(
        &server,
        &m,
        "k1",
        payment(&store, 1999, "EUR", "payone_test_ok"),
    )
    .await;
    assert_eq!(again, paid);
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "k1",
            payment(&store, 2000, "EUR", "payone_test_ok"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(at_payone(&server, &base).await.len(), 1);

    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
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
    assert_eq!(refunds.len(), 3);
    assert_eq!(
        refunds[0]["amountOfMoney"],
        json!({"amount": 500, "currencyCode": "EUR"})
    );
    assert_eq!(refunds[0]["returnReason"], "requested_by_customer");
    let sim = at_payone(&server, &base).await;
    assert_eq!(sim[0]["refunded"], 1999);
}

on_both_databases!(outcomes_follow_the_token, idempotency_and_refunds,);
