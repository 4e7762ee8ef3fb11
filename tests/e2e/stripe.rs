//! Stripe as only Stripe does it: `pi_` intents keyed by BEEP!'s payment id, its decline
//! codes, signed webhooks with replay protection, and what the API refuses before Stripe
//! is asked. The scenarios every provider shares are in `payments.rs`.

use crate::on_both_databases;
use crate::support::psp::{self, PspStore};
use crate::support::{Backend, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn payments_and_refunds(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("stripe")).await;
    let paid = s.paid("pay", s.order(1999, "EUR", "pm_card_visa")).await;
    assert_eq!(paid["status"], "succeeded");
    assert!(
        paid["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    // The key Stripe saw derives from our payment id.
    let intents = s.at_vendor("payment_intents").await;
    assert_eq!(
        intents[0]["metadata"]["beep_payment_id"],
        payment_id.as_str(),
        "{intents:?}"
    );

    let answers = s
        .refund_parts(&payment_id, &[Some(500), Some(1000), None])
        .await;
    assert_eq!(answers[0]["status"], "succeeded");
    assert_eq!(answers[2]["amount"], 499);
    assert_eq!(s.at_vendor("refunds").await.len(), 3);
    assert_eq!(
        s.detail(&payment_id).await["refunds"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let (_, list) = s
        .server
        .get(&s.m.key, &format!("/api/v1/payments?storeId={}", s.store))
        .await;
    assert_eq!(list["payments"].as_array().unwrap().len(), 1);
}

async fn declines_and_actions_and_currencies(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("stripe")).await;
    // Stripe's decline_code for pm_card_chargeDeclined.
    s.expect_outcomes(&[("pm_card_chargeDeclined", "failed", Some("generic_decline"))])
        .await;

    // Zero-decimal yen: 1000 means ¥1000.
    let yen = s.paid("j1", s.order(1000, "JPY", "pm_card_visa")).await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);
    assert_eq!(yen["currency"], "JPY");

    // Card numbers and bad input never reach the provider.
    for (key, amount, currency, token, code) in [
        (
            "c1",
            500,
            "EUR",
            "4242 4242 4242 4242",
            "card_number_not_allowed",
        ),
        ("c2", 500, "EURO", "pm_card_visa", "invalid_currency"),
        ("c3", 0, "EUR", "pm_card_visa", "invalid_amount"),
    ] {
        let (status, body) = s.process(key, s.order(amount, currency, token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    let (status, body) = s
        .server
        .post(
            &s.m.key,
            "/api/v1/processPayment",
            s.order(500, "EUR", "pm_card_visa"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_required");
}

on_both_databases!(payments_and_refunds, declines_and_actions_and_currencies,);

/// 3-D Secure completes later: Stripe tells us by a signed webhook, applied once.
async fn webhooks_complete_actions(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("stripe")).await;
    let (status, body) = s
        .pay_with("3ds", 2500, "pm_card_threeDSecure2Required")
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
        .get(format!("{}/authenticate/{intent}", s.hooks()))
        .send()
        .await
        .unwrap();
    let events = s.at_vendor("events?type=payment_intent.succeeded").await;
    let event = events.last().expect("Stripe recorded the event").clone();
    let payload = event.to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let secret = beep_sandbox::stripe::SANDBOX_WEBHOOK_SECRET;
    let url = format!("/api/v1/webhooks/stripe/{}", s.store);
    let post = |signature: String| {
        let (server, url, event) = (&s.server, url.clone(), event.clone());
        async move {
            let headers = [("stripe-signature", signature.as_str())];
            server
                .request(reqwest::Method::POST, None, &url, Some(&event), &headers)
                .await
        }
    };

    // A forged signature is refused and changes nothing.
    let forged = beep_sandbox::stripe::sign_webhook("whsec_not_the_secret", now, &payload);
    let (status, body) = post(forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "webhook_unverified");
    assert_eq!(s.payment(&payment_id).await["status"], "requires_action");
    // A stale timestamp is refused too (replay protection).
    let stale = beep_sandbox::stripe::sign_webhook(secret, now - 3600, &payload);
    let (status, _) = post(stale).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = s.deliver_stripe(&event).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
    assert_eq!(s.payment(&payment_id).await["status"], "succeeded");
    // The same event again changes nothing more.
    let (status, body) = s.deliver_stripe(&event).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);
}

on_both_databases!(webhooks_complete_actions);

/// A payment of 10 EUR with Stripe's approving test card.
fn visa(store: &str) -> Value {
    json!({"storeId": store, "amount": 1000, "currency": "EUR", "reference": "order-1",
        "paymentMethod": "pm_card_visa"})
}

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
        .post_idem(&m.key, "/api/v1/processPayment", "rot-1", visa(&store))
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
        .post_idem(&m.key, "/api/v1/processPayment", "rot-2", visa(&store))
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
