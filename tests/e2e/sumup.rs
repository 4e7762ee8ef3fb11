//! SumUp through the public API: configuration, checkouts processed with a token (paid,
//! failed, 3-D Secure, pending), decimal amounts, refunds, idempotency and outages that
//! are reconciled by `checkout_reference` instead of a second checkout.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A store with SumUp configured against the simulator; returns the simulator's base URL.
async fn setup(backend: Backend) -> (Server, Merchant, String, String) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, config) = server.sandbox(&m, "sumup").await;
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "sumup", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["provider"], "sumup");
    assert!(
        !body
            .to_string()
            .contains(config["apiKey"].as_str().unwrap()),
        "config is never echoed"
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

async fn checkouts(server: &Server, base: &str) -> Vec<Value> {
    server
        .sim_get(&format!("{base}/_sim/checkouts"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn configuration_is_validated(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (_, good) = server.sandbox(&m, "sumup").await;

    // A key SumUp does not know: its 401, in its words.
    let mut bad = good.clone();
    bad["apiKey"] = json!("sup_sk_wrongwrongwrong");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "sumup", "storeId": store, "config": bad}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unauthorized."),
        "{body}"
    );
    // A merchant code the key does not belong to.
    let mut other = good.clone();
    other["merchantCode"] = json!("MCOTHER");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "sumup", "storeId": store, "config": other}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config");
    // No merchant code at all: refused before anything is sent.
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "sumup", "storeId": store, "config": {"apiKey": "sup_sk_x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config");

    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "sumup", "storeId": store, "config": good}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["configured"], true);
}

async fn outcomes_follow_the_token(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;

    let paid = pay(
        &server,
        &m,
        "p1",
        payment(&store, 1999, "EUR", "sumup_test_paid"),
    )
    .await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert_eq!(paid["provider"], "sumup");
    assert!(paid["actionUrl"].is_null());

    let failed = pay(
        &server,
        &m,
        "f1",
        payment(&store, 500, "EUR", "sumup_test_failed"),
    )
    .await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failureCode"], "failed");
    let cancelled = pay(
        &server,
        &m,
        "c1",
        payment(&store, 500, "EUR", "sumup_test_cancelled"),
    )
    .await;
    assert_eq!(cancelled["status"], "canceled");
    let pending = pay(
        &server,
        &m,
        "pe1",
        payment(&store, 500, "EUR", "sumup_test_pending"),
    )
    .await;
    assert_eq!(pending["status"], "pending");

    let mut three_ds = payment(&store, 2500, "EUR", "sumup_test_3ds");
    three_ds["returnUrl"] = json!("https://shop.example/return");
    let three_ds = pay(&server, &m, "3ds", three_ds).await;
    assert_eq!(three_ds["status"], "requires_action");
    let action = three_ds["actionUrl"].as_str().unwrap();
    assert!(
        action.starts_with(&format!("{base}/_sim/3ds/")),
        "{three_ds}"
    );

    // What SumUp saw: decimal amounts, BEEP!'s payment id as the reference, the redirect.
    let at_sumup = checkouts(&server, &base).await;
    assert_eq!(at_sumup.len(), 5);
    assert_eq!(at_sumup[0]["amount"], json!(19.99));
    assert_eq!(at_sumup[0]["currency"], "EUR");
    assert_eq!(at_sumup[0]["checkout_reference"], paid["paymentId"]);
    assert_eq!(at_sumup[0]["merchant_code"], "MCBEEP01");
    assert_eq!(at_sumup[0]["description"], "order-1");
    assert_eq!(paid["providerReference"], at_sumup[0]["id"]);
    assert_eq!(at_sumup[4]["redirect_url"], "https://shop.example/return");

    // Zero decimals: CLP 1000 is 1000 pesos and SumUp sees 1000.
    let clp = pay(
        &server,
        &m,
        "clp",
        payment(&store, 1000, "CLP", "sumup_test_paid"),
    )
    .await;
    assert_eq!(clp["status"], "succeeded");
    assert_eq!(clp["amount"], 1000);
    assert_eq!(checkouts(&server, &base).await[5]["amount"], json!(1000.0));
    // SumUp's currency list has no JPY: its refusal is final, in its words.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "jpy",
            payment(&store, 1000, "JPY", "sumup_test_paid"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Currency JPY is not supported"),
        "{body}"
    );
    assert_eq!(checkouts(&server, &base).await.len(), 6);
}

async fn idempotency_and_refunds(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let paid = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "sumup_test_paid"),
    )
    .await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let again = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "sumup_test_paid"),
    )
    .await;
    assert_eq!(again, paid);
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 2000, "EUR", "sumup_test_paid"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(checkouts(&server, &base).await.len(), 1);

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
    let amounts: Vec<f64> = refunds
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts, vec![5.0, 10.0, 4.99]);
    assert_eq!(
        checkouts(&server, &base).await[0]["transactions"][0]["status"],
        "REFUNDED"
    );

    // SumUp itself refuses past what is left (refunded elsewhere, e.g. its dashboard).
    let other = pay(
        &server,
        &m,
        "order-2-pay",
        payment(&store, 1000, "EUR", "sumup_test_paid"),
    )
    .await;
    let other_id = other["paymentId"].as_str().unwrap().to_string();
    let tx = checkouts(&server, &base).await[1]["transaction_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, credentials) = server.sandbox(&m, "sumup").await;
    let resp = server
        .http
        .post(format!(
            "{base}/v1.0/merchants/MCBEEP01/payments/{tx}/refunds"
        ))
        .bearer_auth(credentials["apiKey"].as_str().unwrap())
        .json(&json!({"amount": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
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
            .contains("Amount exceeds the refundable amount"),
        "{body}"
    );
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            "r6",
            json!({"storeId": store, "paymentId": other_id, "amount": 200}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refundedAmount"], 200);
}

async fn vendor_outage_is_reconciled(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    // SumUp creates the checkout but the answer is lost: BEEP! finds it by reference,
    // sees it was never processed and reports the outage.
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 500, "times": 1, "after": true, "method": "POST"}),
        )
        .await;
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "outage",
            payment(&store, 700, "EUR", "sumup_test_paid"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_error");
    assert_eq!(checkouts(&server, &base).await.len(), 1);
    // The retry meets SumUp's DUPLICATED_CHECKOUT and processes the same checkout.
    let body = pay(
        &server,
        &m,
        "outage",
        payment(&store, 700, "EUR", "sumup_test_paid"),
    )
    .await;
    assert_eq!(body["status"], "succeeded");
    let at_sumup = checkouts(&server, &base).await;
    assert_eq!(at_sumup.len(), 1, "{at_sumup:?}");
    assert_eq!(at_sumup[0]["status"], "PAID");
    assert_eq!(body["providerReference"], at_sumup[0]["id"]);

    // The charge happens but its answer is lost (a 502 from a proxy): BEEP! finds the
    // paid checkout by its reference instead of charging again.
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 502, "times": 1, "after": true, "method": "PUT"}),
        )
        .await;
    let body = pay(
        &server,
        &m,
        "lost-answer",
        payment(&store, 800, "EUR", "sumup_test_paid"),
    )
    .await;
    assert_eq!(body["status"], "succeeded");
    let at_sumup = checkouts(&server, &base).await;
    assert_eq!(at_sumup.len(), 2, "{at_sumup:?}");
    assert_eq!(body["providerReference"], at_sumup[1]["id"]);
}

on_both_databases!(
    configuration_is_validated,
    outcomes_follow_the_token,
    idempotency_and_refunds,
    vendor_outage_is_reconciled,
);
