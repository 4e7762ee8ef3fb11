//! Stripe through the public API: configuration, payments, refunds, idempotency.

use crate::on_both_databases;
use crate::support::psp::{self, PspStore};
use crate::support::{Backend, Merchant, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> (Server, Merchant, String, String) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, config) = server.sandbox(&m, "stripe").await;
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "stripe", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body
            .to_string()
            .contains(config["secretKey"].as_str().unwrap()),
        "config is never echoed"
    );
    (server, m, store, base)
}

fn payment(store: &str, amount: i64, currency: &str, method: &str) -> Value {
    json!({"storeId": store, "amount": amount, "currency": currency, "reference": "order-1", "paymentMethod": method})
}

async fn payments_and_refunds(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;

    let (status, paid) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 1999, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["success"], true);
    assert_eq!(paid["status"], "succeeded");
    assert_eq!(paid["provider"], "stripe");
    assert!(
        paid["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();

    // A replay answers the same, and nothing new is charged.
    let (status, again) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 1999, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, paid);
    // The same key with another body is a conflict.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "order-1-pay",
            payment(&store, 2000, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    let intents = server
        .sim_get(&format!("{base}/_sim/payment_intents"))
        .await;
    assert_eq!(intents.as_array().unwrap().len(), 1);
    // The key Stripe saw derives from our payment id.
    assert_eq!(
        intents[0]["metadata"]["beep_payment_id"],
        payment_id.as_str(),
        "{intents}"
    );

    // Two partial refunds, then one that would exceed the captured amount.
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
    assert_eq!(refunds.as_array().unwrap().len(), 3);

    let (status, detail) = server
        .get(&m.key, &format!("/api/v1/payments/{payment_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["refunds"].as_array().unwrap().len(), 3);
    let (_, list) = server
        .get(&m.key, &format!("/api/v1/payments?storeId={store}"))
        .await;
    assert_eq!(list["payments"].as_array().unwrap().len(), 1);
}

async fn declines_and_actions_and_currencies(backend: Backend) {
    let (server, m, store, _) = setup(backend).await;
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "d1",
            payment(&store, 500, "EUR", "pm_card_chargeDeclined"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "failed");
    assert_eq!(
        body["failureCode"], "generic_decline",
        "Stripe's decline_code for pm_card_chargeDeclined"
    );

    // Stripe gives a redirect URL for 3-D Secure when it knows where to send the shopper back.
    let mut three_ds = payment(&store, 500, "EUR", "pm_card_threeDSecure2Required");
    three_ds["returnUrl"] = json!("https://shop.example/return");
    let (status, body) = server
        .post_idem(&m.key, "/api/v1/processPayment", "a1", three_ds)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requires_action");
    assert!(
        body["actionUrl"]
            .as_str()
            .is_some_and(|u| u.starts_with("http")),
        "{body}"
    );

    // Zero-decimal yen: 1000 means ¥1000.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "j1",
            payment(&store, 1000, "JPY", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "succeeded");
    assert_eq!(body["amount"], 1000);
    assert_eq!(body["currency"], "JPY");

    // Card numbers and bad input never reach the provider.
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "c1",
            payment(&store, 500, "EUR", "4242 4242 4242 4242"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "card_number_not_allowed");
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "c2",
            payment(&store, 500, "EURO", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "c3",
            payment(&store, 0, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/processPayment",
            payment(&store, 500, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_required");
}

on_both_databases!(payments_and_refunds, declines_and_actions_and_currencies,);

/// 3-D Secure completes later: Stripe tells us by a signed webhook, applied once.
async fn webhooks_complete_actions(backend: Backend) {
    let (server, m, store, base) = setup(backend).await;
    let mut three_ds = payment(&store, 2500, "EUR", "pm_card_threeDSecure2Required");
    three_ds["returnUrl"] = json!("https://shop.example/return");
    let (status, body) = server
        .post_idem(&m.key, "/api/v1/processPayment", "3ds", three_ds)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requires_action");
    let payment_id = body["paymentId"].as_str().unwrap().to_string();
    let intent = body["providerReference"].as_str().unwrap().to_string();

    // The shopper authenticates at Stripe (no redirect follow: we only need the state change).
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    no_redirect
        .get(format!("{base}/_sim/authenticate/{intent}"))
        .send()
        .await
        .unwrap();
    let events = server
        .sim_get(&format!("{base}/_sim/events?type=payment_intent.succeeded"))
        .await;
    let event = events
        .as_array()
        .unwrap()
        .last()
        .expect("Stripe recorded the event")
        .clone();
    let payload = event.to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let secret = beep_sandbox::stripe::SANDBOX_WEBHOOK_SECRET;
    let url = format!("{}/api/v1/webhooks/stripe/{store}", server.url);
    let post = |signature: String, payload: String| {
        let http = server.http.clone();
        let url = url.clone();
        async move {
            let resp = http
                .post(url)
                .header("Stripe-Signature", signature)
                .header("content-type", "application/json")
                .body(payload)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap())
        }
    };

    // A forged signature is refused and changes nothing.
    let forged = beep_sandbox::stripe::sign_webhook("whsec_not_the_secret", now, &payload);
    let (status, body) = post(forged, payload.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "webhook_unverified");
    let (_, detail) = server
        .get(&m.key, &format!("/api/v1/payments/{payment_id}"))
        .await;
    assert_eq!(detail["payment"]["status"], "requires_action");
    // A stale timestamp is refused too (replay protection).
    let stale = beep_sandbox::stripe::sign_webhook(secret, now - 3600, &payload);
    let (status, _) = post(stale, payload.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let signature = beep_sandbox::stripe::sign_webhook(secret, now, &payload);
    let (status, body) = post(signature.clone(), payload.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
    let (_, detail) = server
        .get(&m.key, &format!("/api/v1/payments/{payment_id}"))
        .await;
    assert_eq!(detail["payment"]["status"], "succeeded");
    // The same event again changes nothing more.
    let (status, body) = post(signature, payload).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);
}

on_both_databases!(webhooks_complete_actions);

/// Credentials are sealed at rest; after a key rotation old ciphertexts still open and
/// are re-sealed with the new key on their next use.
async fn credentials_survive_key_rotation(backend: Backend) {
    use beep_host::crypto::generate_key;
    use sqlx::Row;
    let (old, new) = (generate_key(), generate_key());
    let first = Server::start_with(
        backend,
        Options {
            master_key: Some(old.clone()),
            ..Default::default()
        },
    )
    .await;
    let m = first.merchant(Plan::Start).await;
    let store = first.store(&m).await;
    let (_, config) = first.sandbox(&m, "stripe").await;
    let secret = config["secretKey"].as_str().unwrap().to_string();
    let (status, body) = first
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "stripe", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sealed = |server: &Server| {
        let db = server.app.db.pool.clone();
        let store = store.clone();
        async move {
            sqlx::query("SELECT config FROM psp_configs WHERE store_id = $1")
                .bind(store)
                .fetch_one(&db)
                .await
                .unwrap()
                .get::<String, _>(0)
        }
    };
    let before = sealed(&first).await;
    assert!(!before.contains(&secret), "sealed at rest");

    // Restart with a new key and the old one retired: payments still work, and the
    // configuration is re-sealed with the new key.
    let options = |key: &str, retired: Vec<String>| Options {
        reuse_db: Some(first.db_url.clone()),
        master_key: Some(key.to_string()),
        retired_keys: retired,
        ..Default::default()
    };
    let second = Server::start_with(backend, options(&new, vec![old.clone()])).await;
    let (status, body) = second
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "rot-1",
            payment(&store, 1000, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = sealed(&second).await;
    assert_ne!(
        after.split('.').nth(1),
        before.split('.').nth(1),
        "re-sealed under the new key"
    );
    // Without the old key, it still opens: it was re-sealed.
    let third = Server::start_with(backend, options(&new, vec![])).await;
    let (status, body) = third
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "rot-2",
            payment(&store, 1000, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

on_both_databases!(credentials_survive_key_rotation);

/// A read of an open payment asks Stripe once it is a re-check period old: with no
/// worker running and no webhook delivered, `GET /payments/{id}` still learns that the
/// shopper finished 3-D Secure. A fresh one is answered from what BEEP! knows.
async fn reads_refresh_open_payments(backend: Backend) {
    fn no_workers(s: &mut beep_host::app::Settings) {
        s.workers = 0;
        s.payment_check_base_ms = 300;
    }
    let options = Options {
        tune: Some(no_workers),
        ..Default::default()
    };
    let s = PspStore::start_with(backend, psp::psp("stripe"), options).await;
    let (status, body) = s
        .pay_with("3ds", 2500, "pm_card_threeDSecure2Required")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requires_action", "{body}");
    let payment_id = body["paymentId"].as_str().unwrap().to_string();
    let intent = body["providerReference"].as_str().unwrap();
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    no_redirect
        .get(format!("{}/authenticate/{intent}", s.hooks()))
        .send()
        .await
        .unwrap();
    // Fresh: what BEEP! knows.
    assert_eq!(s.payment(&payment_id).await["status"], "requires_action");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let shown = s.payment(&payment_id).await;
    assert_eq!(shown["status"], "succeeded", "{shown}");
    assert_eq!(shown["capturedAmount"], 2500, "{shown}");
}

on_both_databases!(reads_refresh_open_payments);
