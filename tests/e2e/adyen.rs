//! Adyen (Checkout API v71) through the public API: configuration, payments, refunds
//! (asynchronous: pending until Adyen's REFUND notification), idempotency, webhooks.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> (Server, Merchant, String, String) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, config) = server.sandbox(&m, "adyen").await;
    assert!(base.ends_with("/adyen/v71"), "{base}");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "adyen", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for secret in ["apiKey", "hmacKey"] {
        assert!(
            !body.to_string().contains(config[secret].as_str().unwrap()),
            "{secret} is never echoed"
        );
    }
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

/// Posts a notification body to BEEP!'s webhook endpoint, as Adyen would (no BEEP! key).
async fn deliver(server: &Server, store: &str, body: &Value) -> (StatusCode, Value) {
    server
        .request(
            reqwest::Method::POST,
            None,
            &format!("/api/v1/webhooks/adyen/{store}"),
            Some(body),
            &[],
        )
        .await
}

/// The simulator's signed notification(s) matching a query, e.g. `eventCode=REFUND`.
async fn notifications(server: &Server, base: &str, query: &str) -> Vec<Value> {
    server
        .sim_get(&format!("{base}/_sim/notifications?{query}"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn detail(server: &Server, m: &Merchant, payment_id: &str) -> Value {
    let (status, detail) = server
        .get(&m.key, &format!("/api/v1/payments/{payment_id}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    detail
}

async fn configuration_is_validated(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (_, good) = server.sandbox(&m, "adyen").await;

    let mut bad_key = good.clone();
    bad_key["apiKey"] = json!("AQE_not_a_valid_key_0123456789");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "adyen", "storeId": store, "config": bad_key}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HTTP Status Response - Unauthorized"),
        "{body}"
    );
    assert!(!body.to_string().contains("AQE_not_a_valid_key"), "{body}");

    let mut bad_account = good.clone();
    bad_account["merchantAccount"] = json!("NotOurAccount");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "adyen", "storeId": store, "config": bad_account}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid Merchant Account"),
        "{body}"
    );

    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "adyen", "storeId": store, "config": {"apiKey": "k"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config");

    // Nothing was stored by the failed attempts.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "k1",
            payment(&store, 100, "EUR", "adyen_test_authorised"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "psp_not_configured");

    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "adyen", "storeId": store, "config": good}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["configured"], true);
}

async fn payments_and_refunds(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;

    let paid = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "adyen_test_authorised"),
    )
    .await;
    assert_eq!(paid["success"], true);
    assert_eq!(paid["status"], "succeeded", "automatic capture: {paid}");
    assert_eq!(paid["provider"], "adyen");
    let psp = paid["providerReference"].as_str().unwrap().to_string();
    assert_eq!(psp.len(), 16, "{psp}");
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();

    // A replay answers the same, and nothing new is charged.
    let again = pay(
        &server,
        &m,
        "order-1-pay",
        payment(&store, 1999, "EUR", "adyen_test_authorised"),
    )
    .await;
    assert_eq!(again, paid);
    // The same key with another body is a conflict.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 2000, "EUR", "adyen_test_authorised"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    let at_adyen = server.sim_get(&format!("{base}/_sim/payments")).await;
    let at_adyen = at_adyen.as_array().unwrap();
    assert_eq!(at_adyen.len(), 1, "{at_adyen:?}");
    // Adyen's reference is our payment id; the merchant's reference rides along.
    assert_eq!(at_adyen[0]["reference"], payment_id.as_str());
    assert_eq!(at_adyen[0]["merchantOrderReference"], "order-1");
    assert_eq!(
        at_adyen[0]["storedPaymentMethodId"],
        "adyen_test_authorised"
    );
    assert_eq!(
        at_adyen[0]["amount"],
        json!({"currency": "EUR", "value": 1999})
    );

    // Partial refunds are pending until Adyen's REFUND notification; the reservation
    // still keeps them from summing past the captured amount.
    let refund = |amount: i64| json!({"storeId": store, "paymentId": payment_id, "amount": amount, "reason": "requested_by_customer"});
    let (status, r1) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r1", refund(500))
        .await;
    assert_eq!(status, StatusCode::OK, "{r1}");
    assert_eq!(r1["status"], "pending");
    assert_eq!(r1["refundedAmount"], 500);
    assert_eq!(r1["providerReference"].as_str().unwrap().len(), 16);
    let (status, r2) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "r2", refund(1000))
        .await;
    assert_eq!(status, StatusCode::OK, "{r2}");
    assert_eq!(r2["status"], "pending");
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
    assert_eq!(refunds.len(), 3, "{refunds:?}");
    assert!(refunds.iter().all(|r| r["success"] == true), "{refunds:?}");
    assert_eq!(refunds[0]["reference"], r1["refundId"]);
    assert_eq!(refunds[0]["merchantRefundReason"], "CUSTOMER REQUEST");
    assert_eq!(refunds[0]["pspReference"], r1["providerReference"]);
    let total: i64 = refunds
        .iter()
        .map(|r| r["amount"]["value"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 1999);

    let detail = detail(&server, &m, &payment_id).await;
    let rows = detail["refunds"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["status"] == "pending"), "{detail}");
}

async fn declines_actions_and_currencies(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;

    let refused = pay(
        &server,
        &m,
        "d1",
        payment(&store, 500, "EUR", "adyen_test_refused"),
    )
    .await;
    assert_eq!(refused["status"], "failed");
    assert_eq!(refused["failureCode"], "2", "Adyen's refusalReasonCode");
    assert_eq!(refused["failureMessage"], "Refused");
    let broke = pay(
        &server,
        &m,
        "d2",
        payment(&store, 500, "EUR", "adyen_test_insufficient_funds"),
    )
    .await;
    assert_eq!(broke["status"], "failed");
    assert_eq!(broke["failureMessage"], "Not enough balance");
    let error = pay(
        &server,
        &m,
        "d3",
        payment(&store, 500, "EUR", "adyen_test_error"),
    )
    .await;
    assert_eq!(error["status"], "failed");
    assert_eq!(error["failureMessage"], "Acquirer Error");
    let cancelled = pay(
        &server,
        &m,
        "d4",
        payment(&store, 500, "EUR", "adyen_test_cancelled"),
    )
    .await;
    assert_eq!(cancelled["status"], "canceled");
    let pending = pay(
        &server,
        &m,
        "p1",
        payment(&store, 500, "EUR", "adyen_test_pending"),
    )
    .await;
    assert_eq!(pending["status"], "pending");

    // 3-D Secure: the shopper is sent to action.url.
    let mut three_ds = payment(&store, 500, "EUR", "adyen_test_3ds");
    three_ds["returnUrl"] = json!("https://shop.example/return");
    let action = pay(&server, &m, "a1", three_ds).await;
    assert_eq!(action["status"], "requires_action");
    let url = action["actionUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{base}/_sim/authenticate/")),
        "{url}"
    );
    let challenge = pay(
        &server,
        &m,
        "a2",
        payment(&store, 500, "EUR", "adyen_test_3ds2_challenge"),
    )
    .await;
    assert_eq!(challenge["status"], "requires_action");
    assert!(challenge["actionUrl"].is_string(), "{challenge}");
    let at_adyen = server.sim_get(&format!("{base}/_sim/payments")).await;
    let last = at_adyen.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["returnUrl"], FALLBACK_RETURN_URL,
        "Adyen requires a returnUrl; without one the connector sends its placeholder"
    );

    // Minor units pass through with the currency's ISO exponent: ¥1000 is 1000,
    // 1.000 KWD is 1000, 12.345 BHD is 12345.
    for (key, amount, currency) in [
        ("j1", 1000, "JPY"),
        ("k1", 1000, "KWD"),
        ("b1", 12345, "BHD"),
    ] {
        let paid = pay(
            &server,
            &m,
            key,
            payment(&store, amount, currency, "adyen_test_authorised"),
        )
        .await;
        assert_eq!(paid["status"], "succeeded", "{paid}");
        assert_eq!(paid["amount"], amount);
        assert_eq!(paid["currency"], currency);
        let at_adyen = server.sim_get(&format!("{base}/_sim/payments")).await;
        let last = at_adyen.as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            last["amount"],
            json!({"currency": currency, "value": amount})
        );
    }
    // Where Adyen's decimals differ from ISO 4217 (IDR: none at Adyen).
    let idr = pay(
        &server,
        &m,
        "i1",
        payment(&store, 1_500_000, "IDR", "adyen_test_authorised"),
    )
    .await;
    assert_eq!(idr["amount"], 1_500_000);
    let at_adyen = server.sim_get(&format!("{base}/_sim/payments")).await;
    let last = at_adyen.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["amount"], json!({"currency": "IDR", "value": 15000}));

    // A Drop-in paymentMethod object (test-mode encrypted placeholders) works as a token.
    let card = json!({"type": "scheme", "encryptedCardNumber": "test_4111111111111111",
        "encryptedExpiryMonth": "test_03", "encryptedExpiryYear": "test_2030",
        "encryptedSecurityCode": "test_737"})
    .to_string();
    let paid = pay(&server, &m, "e1", payment(&store, 700, "EUR", &card)).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    // An unknown stored token is Adyen's 422, final.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "u1",
            payment(&store, 700, "EUR", "no_such_token"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PaymentDetail not found (803)"),
        "{body}"
    );
}

/// The connector's placeholder (`psp_adyen::FALLBACK_RETURN_URL`).
const FALLBACK_RETURN_URL: &str = "https://return.beep.invalid/adyen";

/// Adyen decides refunds (and 3-D Secure) later and says so in signed notifications;
/// BEEP! applies each once.
async fn notifications_settle_refunds_and_actions(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let paid = pay(
        &server,
        &m,
        "n-pay",
        payment(&store, 3000, "EUR", "adyen_test_authorised"),
    )
    .await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let refund = |amount: i64| json!({"storeId": store, "paymentId": payment_id, "amount": amount});
    let (_, r1) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "n-r1", refund(1000))
        .await;
    let (_, r2) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "n-r2", refund(500))
        .await;
    assert_eq!(r1["status"], "pending");
    assert_eq!(r2["refundedAmount"], 1500);
    let r1_psp = r1["providerReference"].as_str().unwrap();
    let r2_psp = r2["providerReference"].as_str().unwrap();

    let found = notifications(
        &server,
        &base,
        &format!("eventCode=REFUND&pspReference={r1_psp}"),
    )
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    let genuine = found[0].clone();
    let item = &genuine["notificationItems"][0]["NotificationRequestItem"];
    assert_eq!(item["originalReference"], paid["providerReference"]);
    assert_eq!(item["merchantReference"], r1["refundId"]);

    // A tampered notification is refused and changes nothing.
    let mut tampered = genuine.clone();
    tampered["notificationItems"][0]["NotificationRequestItem"]["amount"]["value"] = json!(3000);
    let (status, body) = deliver(&server, &store, &tampered).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "webhook_unverified");
    let mut forged = genuine.clone();
    forged["notificationItems"][0]["NotificationRequestItem"]["additionalData"]["hmacSignature"] = json!(
        beep_sandbox::adyen::sign_notification(&"00".repeat(32), item)
    );
    let (status, _) = deliver(&server, &store, &forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let d = detail(&server, &m, &payment_id).await;
    assert!(
        d["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "pending"),
        "{d}"
    );

    // The genuine one settles the refund, once.
    let (status, body) = deliver(&server, &store, &genuine).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["eventId"], format!("{r1_psp}:REFUND:true"));
    assert_eq!(body["applied"][0]["refundId"], r1["refundId"]);
    assert_eq!(body["applied"][0]["status"], "succeeded");
    let (status, body) = deliver(&server, &store, &genuine).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);
    let d = detail(&server, &m, &payment_id).await;
    let status_of = |d: &Value, id: &Value| {
        d["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["refundId"] == *id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&d, &r1["refundId"]), "succeeded");
    assert_eq!(status_of(&d, &r2["refundId"]), "pending");
    assert_eq!(d["payment"]["refundedAmount"], 1500);

    // The scheme rejects the second refund (REFUND_FAILED before BEEP! heard REFUND):
    // it fails and its amount is free again.
    server
        .sim_post(&format!("{base}/_sim/refund_failed/{r2_psp}"), json!({}))
        .await;
    let failed = notifications(
        &server,
        &base,
        &format!("eventCode=REFUND_FAILED&pspReference={r2_psp}"),
    )
    .await;
    assert_eq!(failed.len(), 1);
    let (status, body) = deliver(&server, &store, &failed[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "failed");
    let d = detail(&server, &m, &payment_id).await;
    assert_eq!(status_of(&d, &r2["refundId"]), "failed");
    assert_eq!(d["payment"]["refundedAmount"], 1000);
    // Its late REFUND success changes nothing: the refund is final.
    let late = notifications(
        &server,
        &base,
        &format!("eventCode=REFUND&pspReference={r2_psp}"),
    )
    .await;
    let (status, body) = deliver(&server, &store, &late[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"], json!([]));
    assert_eq!(
        detail(&server, &m, &payment_id).await["payment"]["refundedAmount"],
        1000
    );

    // 3-D Secure completes at Adyen; the AUTHORISATION notification settles the payment.
    let action = pay(
        &server,
        &m,
        "n-3ds",
        payment(&store, 2500, "EUR", "adyen_test_3ds"),
    )
    .await;
    assert_eq!(action["status"], "requires_action");
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirect
        .get(action["actionUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let psp = action["providerReference"].as_str().unwrap();
    let auth = notifications(
        &server,
        &base,
        &format!("eventCode=AUTHORISATION&pspReference={psp}"),
    )
    .await;
    assert_eq!(auth.len(), 1);
    let (status, body) = deliver(&server, &store, &auth[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded");
    let d = detail(&server, &m, action["paymentId"].as_str().unwrap()).await;
    assert_eq!(d["payment"]["status"], "succeeded");
    // Webhooks for another store's provider are refused.
    let (status, _) = server
        .request(
            reqwest::Method::POST,
            None,
            &format!("/api/v1/webhooks/stripe/{store}"),
            Some(&auth[0]),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_databases!(
    configuration_is_validated,
    payments_and_refunds,
    declines_actions_and_currencies,
    notifications_settle_refunds_and_actions,
);
