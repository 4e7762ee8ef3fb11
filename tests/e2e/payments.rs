//! What every payment provider must do, run per provider on both databases: its
//! credentials checked with the vendor in the vendor's words, a payment once per
//! Idempotency-Key, declines and 3-D Secure as answers, partial and several refunds never
//! past what was captured, one vendor payment for twenty concurrent requests, and no
//! payment lost or doubled when the vendor fails or its answer is lost. A provider's own
//! module (`stripe.rs`, `adyen.rs`, …) holds only what is special about it (its webhooks,
//! currencies, test tokens beyond these).

use crate::for_each_psp;
use crate::on_both_databases;
use crate::support::psp::{Psp, PspStore};
use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A wrong credential is refused by the vendor (422, its words, never echoed), a
/// malformed one before anything is sent; no payment before configuration.
async fn credentials_are_checked_with_the_vendor(backend: Backend, psp: Psp) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (_, good) = server.sandbox(&m, psp.provider).await;
    let configure =
        |config: Value| json!({"provider": psp.provider, "storeId": store, "config": config});

    let (field, wrong, words) = psp.wrong_credential;
    let mut bad = good.clone();
    bad[field] = json!(wrong);
    let (status, body) = server
        .post(&m.key, "/api/v1/configurePSP", configure(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(words), "{}: {body}", psp.provider);
    assert!(
        !body.to_string().contains(wrong),
        "the credential is masked: {body}"
    );

    let (field, malformed) = psp.malformed;
    let mut bad = good.clone();
    bad[field] = json!(malformed);
    server.app.sandbox.record();
    let before = server.app.sandbox.recorded(psp.provider).len();
    let (status, body) = server
        .post(&m.key, "/api/v1/configurePSP", configure(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config", "{body}");
    assert_eq!(
        server.app.sandbox.recorded(psp.provider).len(),
        before,
        "nothing sent"
    );

    let pay = json!({"storeId": store, "amount": 100, "currency": "EUR", "reference": "r",
        "paymentMethod": psp.approve});
    let (status, body) = server
        .post_idem(&m.key, "/api/v1/processPayment", "k1", pay)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "psp_not_configured");

    let unknown = json!({"provider": "paypal", "storeId": store, "config": {}});
    let (status, body) = server.post(&m.key, "/api/v1/configurePSP", unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "unknown_system");

    let (status, body) = server
        .post(&m.key, "/api/v1/configurePSP", configure(good.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["configured"], true);
    for secret in good.as_object().unwrap().values().filter_map(Value::as_str) {
        if secret.len() >= 8 {
            assert!(
                !body.to_string().contains(secret),
                "config is never echoed: {body}"
            );
        }
    }
}

/// A payment happens once per Idempotency-Key: a replay answers the same, the same key
/// with another request is a conflict.
async fn pays_once_per_key(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let (status, paid) = s.pay_with("order-1", 1999, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["success"], true);
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert_eq!(paid["provider"], s.psp.provider);
    assert_eq!(paid["capturedAmount"], 1999, "{paid}");
    assert!(
        paid["providerReference"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    let (status, again) = s.pay_with("order-1", 1999, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, paid, "a replay answers the same");
    let (status, body) = s.pay_with("order-1", 2000, s.psp.approve).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(
        s.held_at_vendor().await.len(),
        1,
        "one payment at {}",
        s.psp.provider
    );
    assert_eq!(
        s.payment(paid["paymentId"].as_str().unwrap()).await["status"],
        "succeeded"
    );
}

/// A decline is an answer (`failed`, with the vendor's code), not an error; a payment
/// that needs the shopper is `requires_action` with where to send them.
async fn declines_and_actions_are_answers(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let (status, declined) = s.pay_with("declined", 500, s.psp.decline).await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(declined["status"], "failed", "{declined}");
    assert!(declined["failureCode"].as_str().is_some(), "{declined}");
    assert_eq!(declined["capturedAmount"], 0);
    let (status, body) = s
        .refund(
            "refund-declined",
            declined["paymentId"].as_str().unwrap(),
            100,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_refundable");

    let (status, action) = s.pay_with("action", 2500, s.psp.action).await;
    assert_eq!(status, StatusCode::OK, "{action}");
    assert_eq!(action["status"], "requires_action", "{action}");
    assert!(
        action["actionUrl"]
            .as_str()
            .is_some_and(|u| u.starts_with("http")),
        "{action}"
    );
}

/// Partial and several refunds, never past what was captured, also for the last cent.
async fn refunds_never_pass_what_was_captured(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let (status, paid) = s.pay_with("order-1", 1000, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let payment = paid["paymentId"].as_str().unwrap().to_string();
    let mut answers = Vec::new();
    for key in ["refund-1", "refund-2"] {
        let (status, refund) = s.refund(key, &payment, 300).await;
        assert_eq!(status, StatusCode::OK, "{refund}");
        assert_ne!(refund["status"], "failed", "{refund}");
        assert_eq!(refund["amount"], 300);
        answers.push(refund);
    }
    assert_eq!(answers[1]["refundedAmount"], 600, "{}", answers[1]);
    let (status, again) = s.refund("refund-1", &payment, 300).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        again, answers[0],
        "a replay answers the same, refunding nothing more"
    );
    let (status, body) = s.refund("refund-3", &payment, 401).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "refund_exceeds_captured");
    let (status, last) = s.refund("refund-4", &payment, 400).await;
    assert_eq!(status, StatusCode::OK, "{last}");
    assert_eq!(last["refundedAmount"], 1000, "{last}");
    let (status, body) = s.refund("refund-5", &payment, 1).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// Twenty requests with one Idempotency-Key at once: one payment at the vendor; every
/// answer is that payment or "in use, retry".
async fn concurrent_requests_pay_once(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let answers =
        futures::future::join_all((0..20).map(|_| s.pay_with("order-1", 700, s.psp.approve))).await;
    let mut paid = None;
    for (status, body) in &answers {
        match *status {
            StatusCode::OK => {
                paid.get_or_insert_with(|| body.clone());
                assert_eq!(Some(body), paid.as_ref());
            }
            StatusCode::CONFLICT => {
                assert_eq!(body["error"]["code"], "idempotency_key_in_use", "{body}")
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let (status, last) = s.pay_with("order-1", 700, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{last}");
    assert_eq!(last["status"], "succeeded");
    assert_eq!(
        s.held_at_vendor().await.len(),
        1,
        "one payment at {}",
        s.psp.provider
    );
}

/// The vendor down before it acts: the payment fails over (502) and a retry under the
/// same key pays once. The vendor's answer lost after it acted: the retry finds that
/// payment instead of paying again.
async fn outages_lose_and_double_nothing(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    s.server
        .app
        .sandbox
        .interrupt(s.psp.provider, s.psp.create_path, 1);
    let (status, body) = s.pay_with("order-1", 900, s.psp.approve).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_error", "{body}");
    let mut answer = s.pay_with("order-1", 900, s.psp.approve).await;
    for _ in 0..2 {
        if answer.0 == StatusCode::OK {
            break;
        }
        answer = s.pay_with("order-1", 900, s.psp.approve).await;
    }
    let (status, paid) = answer;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert_eq!(
        s.held_at_vendor().await.len(),
        1,
        "not doubled at {}",
        s.psp.provider
    );

    let Some(lost) = s.psp.lost_answer else {
        return;
    };
    let hook: Value = serde_json::from_str(lost).unwrap();
    s.server
        .sim_post(&format!("{}/fail", s.hooks()), hook)
        .await;
    let (_, first) = s.pay_with("order-2", 800, s.psp.approve).await;
    let (status, resumed) = s.pay_with("order-2", 800, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{first} then {resumed}");
    assert_eq!(resumed["status"], "succeeded", "{resumed}");
    assert_eq!(
        s.held_at_vendor().await.len(),
        2,
        "not doubled at {}",
        s.psp.provider
    );
}

/// `GET /api/v1/sandbox` lists the provider's test tokens, at least one that pays, one
/// that declines and one that needs the shopper; each ends in the status it says.
async fn listed_test_tokens_do_what_they_say(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let (status, listing) = s.server.get(&s.m.key, "/api/v1/sandbox").await;
    assert_eq!(status, StatusCode::OK, "{listing}");
    let vendor = listing["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["system"] == s.psp.provider && v["kind"] == "psp")
        .expect("the provider is listed")
        .clone();
    let tokens = vendor["testTokens"].as_array().expect("tokens listed");
    for outcome in ["succeeded", "failed", "requires_action"] {
        assert!(
            tokens.iter().any(|t| t["outcome"] == outcome),
            "{}: no {outcome} token in {tokens:?}",
            s.psp.provider
        );
    }
    for t in tokens {
        let token = t["token"].as_str().unwrap();
        assert!(!t["what"].as_str().unwrap().is_empty());
        let (status, paid) = s.pay_with(&format!("token-{token}"), 700, token).await;
        assert_eq!(status, StatusCode::OK, "{token}: {paid}");
        assert_eq!(paid["status"], t["outcome"], "{token}: {paid}");
        if paid["status"] == "failed" {
            assert!(paid["failureCode"].is_string(), "{token}: {paid}");
        }
    }
}

/// The README's five minutes: a payment and a refund with Stripe and with Mollie, each
/// configured with the credentials `GET /api/v1/sandbox` lists, as the README sends them.
async fn readme_payments_and_refunds(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Start).await;
    let (_, listing) = server.get(&m.key, "/api/v1/sandbox").await;
    let credentials = |system: &str| {
        let vendors = listing["vendors"].as_array().unwrap();
        vendors.iter().find(|v| v["system"] == system).unwrap()["credentials"].clone()
    };
    for (n, provider, token, refund_status) in [
        (1001, "stripe", "pm_card_visa", "succeeded"),
        (1002, "mollie", "mollie_test_paid", "pending"),
    ] {
        let store = server.store(&m).await;
        let config =
            json!({"provider": provider, "storeId": store, "config": credentials(provider)});
        let (status, body) = server.post(&m.key, "/api/v1/configurePSP", config).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let order = json!({"storeId": store, "amount": 1999, "currency": "EUR",
            "reference": format!("order-{n}"), "paymentMethod": token});
        let (status, paid) = server
            .post_idem(
                &m.key,
                "/api/v1/processPayment",
                &format!("order-{n}"),
                order,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{paid}");
        assert_eq!(paid["status"], "succeeded", "{provider}: {paid}");
        let refund = json!({"storeId": store, "paymentId": paid["paymentId"], "amount": 500});
        let (status, refunded) = server
            .post_idem(
                &m.key,
                "/api/v1/refundPayment",
                &format!("refund-{n}"),
                refund,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{refunded}");
        assert_eq!(refunded["status"], refund_status, "{provider}: {refunded}");
        assert_eq!(refunded["refundedAmount"], 500);
    }
}

on_both_databases!(readme_payments_and_refunds);

for_each_psp!(listed_test_tokens_do_what_they_say: stripe, adyen, mollie, payone, unzer, payabl, sumup);
for_each_psp!(credentials_are_checked_with_the_vendor: stripe, adyen, mollie, payone, unzer, payabl, sumup);
for_each_psp!(pays_once_per_key: stripe, adyen, mollie, payone, unzer, payabl, sumup);
for_each_psp!(declines_and_actions_are_answers: stripe, adyen, mollie, payone, unzer, payabl, sumup);
for_each_psp!(refunds_never_pass_what_was_captured: stripe, adyen, mollie, payone, unzer, payabl, sumup);
for_each_psp!(concurrent_requests_pay_once: stripe, adyen, mollie, payone, unzer, payabl, sumup);
for_each_psp!(outages_lose_and_double_nothing: stripe, adyen, mollie, payone, unzer, payabl, sumup);
