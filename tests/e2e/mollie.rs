//! Mollie through the public API: configuration, payments (paid, failed, open with a
//! checkout), refunds, idempotency, outages, and webhooks that carry only the payment id.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A store with Mollie configured against the simulator; returns the simulator's base URL.
async fn setup(backend: Backend) -> (Server, Merchant, String, String) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, mut config) = server.sandbox(&m, "mollie").await;
    // Mollie calls this store's BEEP! webhook on every status change.
    config["webhookUrl"] = json!(format!("{}/api/v1/webhooks/mollie/{store}", server.url));
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "mollie", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["provider"], "mollie");
    assert!(
        !body
            .to_string()
            .contains(config["apiKey"].as_str().unwrap()),
        "config is never echoed"
    );
    (server, m, store, base)
}

fn payment(store: &str, amount: i64, currency: &str, method: &str) -> Value {
    json!({"storeId": store, "amount": amount, "currency": currency, "reference": "order-1", "paymentMethod": method})
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

/// Delivers a Mollie webhook (`id=tr_…`, form-encoded, no BEEP! key) to `url`.
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

/// The simulator's webhook-worthy events of one payment.
async fn events(server: &Server, base: &str, payment: &str) -> Vec<Value> {
    server
        .sim_get(&format!("{base}/_sim/events?paymentId={payment}"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn outcomes_follow_the_test_method(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;

    let paid = pay(
        &server,
        &m,
        "p1",
        payment(&store, 1999, "EUR", "mollie_test_paid"),
    )
    .await;
    assert_eq!(paid["success"], true);
    assert_eq!(paid["status"], "succeeded");
    assert_eq!(paid["provider"], "mollie");
    assert!(
        paid["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("tr_")
    );
    assert!(paid["actionUrl"].is_null());

    let failed = pay(
        &server,
        &m,
        "f1",
        payment(&store, 500, "EUR", "mollie_test_failed"),
    )
    .await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failureCode"], "card_declined");
    assert_eq!(failed["failureMessage"], "Your card was declined.");
    let failed = pay(
        &server,
        &m,
        "f2",
        payment(&store, 500, "EUR", "mollie_test_failed_insufficient_funds"),
    )
    .await;
    assert_eq!(failed["failureCode"], "insufficient_funds");
    let expired = pay(
        &server,
        &m,
        "e1",
        payment(&store, 500, "EUR", "mollie_test_expired"),
    )
    .await;
    assert_eq!(expired["status"], "failed");
    assert_eq!(expired["failureCode"], "expired");
    let canceled = pay(
        &server,
        &m,
        "c1",
        payment(&store, 500, "EUR", "mollie_test_canceled"),
    )
    .await;
    assert_eq!(canceled["status"], "canceled");
    let authorized = pay(
        &server,
        &m,
        "a1",
        payment(&store, 500, "EUR", "mollie_test_authorized"),
    )
    .await;
    assert_eq!(authorized["status"], "authorized");
    let pending = pay(
        &server,
        &m,
        "pe1",
        payment(&store, 500, "EUR", "mollie_test_pending"),
    )
    .await;
    assert_eq!(pending["status"], "pending");

    // Open with a hosted checkout: the shopper must act there.
    let mut open = payment(&store, 2500, "EUR", "mollie_test_open");
    open["returnUrl"] = json!("https://shop.example/return");
    let open = pay(&server, &m, "o1", open).await;
    assert_eq!(open["status"], "requires_action");
    let action = open["actionUrl"].as_str().unwrap();
    assert!(
        action.starts_with(&format!("{base}/_sim/checkout/tr_")),
        "{open}"
    );
    // A real Mollie method leaves the choice to the hosted page too.
    let ideal = pay(&server, &m, "i1", payment(&store, 900, "EUR", "ideal")).await;
    assert_eq!(ideal["status"], "requires_action");
    // A terminal payment waits without a page.
    let terminal = pay(&server, &m, "t1", payment(&store, 900, "EUR", "term_Beep1")).await;
    assert_eq!(terminal["status"], "pending");
    assert!(terminal["actionUrl"].is_null());

    // What Mollie saw: amounts as strings, the redirect, the metadata, the webhook.
    let at_mollie = server.sim_get(&format!("{base}/_sim/payments")).await;
    let at_mollie = at_mollie.as_array().unwrap();
    assert_eq!(at_mollie.len(), 10);
    assert_eq!(
        at_mollie[0]["amount"],
        json!({"value": "19.99", "currency": "EUR"})
    );
    assert_eq!(
        at_mollie[0]["metadata"]["beep_payment_id"],
        paid["paymentId"]
    );
    assert_eq!(at_mollie[0]["description"], "order-1");
    assert_eq!(
        at_mollie[7]["redirectUrl"], "https://shop.example/return",
        "{}",
        at_mollie[7]
    );
    assert_eq!(
        at_mollie[0]["webhookUrl"],
        format!("{}/api/v1/webhooks/mollie/{store}", server.url)
    );

    // Zero-decimal yen: 1000 means ¥1000 and Mollie sees "1000".
    let yen = pay(
        &server,
        &m,
        "j1",
        payment(&store, 1000, "JPY", "mollie_test_paid"),
    )
    .await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);
    assert_eq!(yen["currency"], "JPY");
    let at_mollie = server.sim_get(&format!("{base}/_sim/payments")).await;
    assert_eq!(
        at_mollie[10]["amount"],
        json!({"value": "1000", "currency": "JPY"})
    );
    // Mollie takes no three-decimal currency: its refusal is final, in its words.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "kwd",
            payment(&store, 1234, "KWD", "mollie_test_paid"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("The currency 'KWD' is not supported"),
        "{body}"
    );
    // An unknown method is Mollie's 422 too.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "btc",
            payment(&store, 100, "EUR", "bitcoin"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("method"),
        "{body}"
    );
}

async fn idempotency_and_refunds(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let paid = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "mollie_test_paid"),
    )
    .await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let tr = paid["providerReference"].as_str().unwrap().to_string();

    // A replay answers the same, and nothing new is created.
    let again = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "mollie_test_paid"),
    )
    .await;
    assert_eq!(again, paid);
    // The same key with another body is a conflict.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 2000, "EUR", "mollie_test_paid"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    let at_mollie = server.sim_get(&format!("{base}/_sim/payments")).await;
    assert_eq!(at_mollie.as_array().unwrap().len(), 1);
    assert_eq!(
        at_mollie[0]["metadata"]["beep_payment_id"],
        payment_id.as_str()
    );

    // Two partial refunds, then one that would exceed the captured amount. Mollie
    // executes refunds later: they are pending until its webhook says otherwise.
    let refund = |amount: i64| json!({"storeId": store, "paymentId": payment_id, "amount": amount, "reason": "requested_by_customer"});
    let (status, r1) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r1", refund(500))
        .await;
    assert_eq!(status, StatusCode::OK, "{r1}");
    assert_eq!(r1["status"], "pending");
    assert_eq!(r1["refundedAmount"], 500);
    assert!(r1["providerReference"].as_str().unwrap().starts_with("re_"));
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
    // Replaying a refund key does not refund twice.
    let (status, again) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r1", refund(500))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, r1);
    // The rest, without an amount.
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
    assert_eq!(refunds[0]["amount"]["value"], "5.00");
    assert_eq!(refunds[0]["description"], "requested_by_customer");
    assert_eq!(refunds[0]["metadata"]["beep_refund_id"], r1["refundId"]);
    assert!(refunds.iter().all(|r| r["paymentId"] == tr.as_str()));
    let payment_at_mollie = &server.sim_get(&format!("{base}/_sim/payments")).await[0];
    assert_eq!(payment_at_mollie["amountRemaining"]["value"], "0.00");

    let d = detail(&server, &m, &payment_id).await;
    assert_eq!(d["refunds"].as_array().unwrap().len(), 3);
    assert_eq!(d["payment"]["refundedAmount"], 1999);

    // Mollie itself refuses past what is left (refunded elsewhere, e.g. its dashboard):
    // its 422 reaches the merchant and BEEP!'s reservation is given back.
    let other = pay(
        &server,
        &m,
        "order-2-pay",
        payment(&store, 1000, "EUR", "mollie_test_paid"),
    )
    .await;
    let other_id = other["paymentId"].as_str().unwrap().to_string();
    let other_tr = other["providerReference"].as_str().unwrap();
    let (_, credentials) = server.sandbox(&m, "mollie").await;
    let resp = server
        .http
        .post(format!("{base}/v2/payments/{other_tr}/refunds"))
        .bearer_auth(credentials["apiKey"].as_str().unwrap())
        .json(&json!({"amount": {"currency": "EUR", "value": "8.00"}, "description": "dashboard"}))
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
            .contains("2.00 EUR remaining"),
        "{body}"
    );
    let d = detail(&server, &m, &other_id).await;
    assert_eq!(d["payment"]["refundedAmount"], 0);
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

    // Only paid payments are refunded.
    let open = pay(
        &server,
        &m,
        "order-3-pay",
        payment(&store, 1000, "EUR", "mollie_test_open"),
    )
    .await;
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            "r7",
            json!({"storeId": store, "paymentId": open["paymentId"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_refundable");
}

/// The shopper completes the hosted checkout later: Mollie's webhook carries only the id,
/// BEEP! re-fetches the payment (the verification) and applies each state once.
async fn webhooks_refetch_the_payment(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let mut open = payment(&store, 2500, "EUR", "mollie_test_open");
    open["returnUrl"] = json!("https://shop.example/return");
    let open = pay(&server, &m, "open-1", open).await;
    assert_eq!(open["status"], "requires_action");
    let payment_id = open["paymentId"].as_str().unwrap().to_string();
    let tr = open["providerReference"].as_str().unwrap().to_string();
    let hook_url = format!("{}/api/v1/webhooks/mollie/{store}", server.url);

    // Before anything happened a webhook changes nothing (the state is still open).
    let (status, body) = deliver(&server, &hook_url, &format!("id={tr}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"], json!([]), "{body}");

    // The shopper pays on the hosted page (the action URL; no redirect follow).
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirect
        .get(format!(
            "{}?status=paid",
            open["actionUrl"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        "https://shop.example/return"
    );
    let evs = events(&server, &base, &tr).await;
    let event = evs.last().expect("Mollie would call the webhook").clone();
    assert_eq!(event["status"], "paid");
    assert_eq!(event["webhookUrl"], hook_url.as_str());

    // An id Mollie does not know for this key is refused and changes nothing.
    let (status, body) = deliver(&server, &hook_url, "id=tr_forged1234").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "webhook_unverified");
    let (status, _) = deliver(&server, &hook_url, "nothing=here").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail(&server, &m, &payment_id).await["payment"]["status"],
        "requires_action"
    );

    let webhook_body = event["body"].as_str().unwrap();
    let (status, body) =
        deliver(&server, event["webhookUrl"].as_str().unwrap(), webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
    let d = detail(&server, &m, &payment_id).await;
    assert_eq!(d["payment"]["status"], "succeeded");
    // Mollie retries webhooks: the same state applies once.
    let (status, body) = deliver(&server, &hook_url, webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);

    // A refund is pending until Mollie executes it; its webhook (to the payment's URL,
    // with the payment id) settles it.
    let (status, r) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            "refund-1",
            json!({"storeId": store, "paymentId": payment_id, "amount": 1000}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "pending");
    let re = r["providerReference"].as_str().unwrap();
    server
        .sim_post(
            &format!("{base}/_sim/refunds/{re}/status"),
            json!({"status": "refunded"}),
        )
        .await;
    let (status, body) = deliver(&server, &hook_url, &format!("id={tr}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["refundId"], r["refundId"], "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded");
    let d = detail(&server, &m, &payment_id).await;
    assert_eq!(d["refunds"][0]["status"], "succeeded");
    assert_eq!(d["payment"]["refundedAmount"], 1000);

    // A failed payment reported later (the bank refused it) moves an open payment to
    // failed, with Mollie's reason.
    let pending = pay(
        &server,
        &m,
        "open-2",
        payment(&store, 300, "EUR", "mollie_test_open"),
    )
    .await;
    let tr2 = pending["providerReference"].as_str().unwrap();
    server
        .sim_post(
            &format!("{base}/_sim/payments/{tr2}/status"),
            json!({"status": "failed", "failureReason": "insufficient_funds"}),
        )
        .await;
    let (status, body) = deliver(&server, &hook_url, &format!("id={tr2}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "failed", "{body}");
    let d = detail(&server, &m, pending["paymentId"].as_str().unwrap()).await;
    assert_eq!(d["payment"]["status"], "failed");
    assert_eq!(d["payment"]["failureCode"], "insufficient_funds");
}

on_both_databases!(
    outcomes_follow_the_test_method,
    idempotency_and_refunds,
    webhooks_refetch_the_payment,
);
