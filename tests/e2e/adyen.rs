//! Adyen (Checkout API v71) as only Adyen does it: the merchant account the key must
//! reach, its refusal reasons, 3-D Secure and Drop-in objects, its own currency decimals,
//! refunds pending until its REFUND notification, and HMAC-signed notifications. The
//! scenarios every provider shares are in `payments.rs`.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::psp::{PspStore, psp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The connector's placeholder (`psp_adyen::FALLBACK_RETURN_URL`).
const FALLBACK_RETURN_URL: &str = "https://return.beep.invalid/adyen";

/// Posts a notification to the store's Adyen webhook, as Adyen would (no BEEP! key).
async fn deliver(s: &PspStore, notification: &Value) -> (StatusCode, Value) {
    s.deliver("application/json", &notification.to_string())
        .await
}

/// The simulator's signed notification(s) of `event` for `psp_reference`.
async fn notifications(s: &PspStore, event: &str, psp_reference: &str) -> Vec<Value> {
    let query = format!("notifications?eventCode={event}&pspReference={psp_reference}");
    s.at_vendor(&query).await
}

/// The last payment the simulator holds.
async fn last_at_adyen(s: &PspStore) -> Value {
    s.at_vendor("payments").await.last().unwrap().clone()
}

async fn the_merchant_account_is_checked(backend: Backend) {
    let s = PspStore::start(backend, psp("adyen")).await;
    assert!(s.base.ends_with("/adyen/v71"), "{}", s.base);
    let mut bad_account = s.config.clone();
    bad_account["merchantAccount"] = json!("NotOurAccount");
    let (status, body) = s.configure(bad_account).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_forbidden");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Invalid Merchant Account"), "{body}");
    let (status, body) = s.configure(json!({"apiKey": "k"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config");
}

/// What Adyen is sent for a payment, and refunds pending until Adyen decides.
async fn payments_and_refunds(backend: Backend) {
    let s = PspStore::start(backend, psp("adyen")).await;
    let paid = s
        .paid("pay", s.order(1999, "EUR", "adyen_test_authorised"))
        .await;
    assert_eq!(paid["status"], "succeeded", "automatic capture: {paid}");
    let psp_reference = paid["providerReference"].as_str().unwrap();
    assert_eq!(psp_reference.len(), 16, "{psp_reference}");
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let at_adyen = s.at_vendor("payments").await;
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

    // Refunds are pending until Adyen's REFUND notification.
    let answers = s
        .refund_parts(&payment_id, &[Some(500), Some(1000), None])
        .await;
    for refund in &answers {
        assert_eq!(refund["status"], "pending", "{refund}");
        assert_eq!(refund["providerReference"].as_str().unwrap().len(), 16);
    }
    assert_eq!(answers[2]["amount"], 499);
    let refunds = s.at_vendor("refunds").await;
    assert_eq!(refunds.len(), 3, "{refunds:?}");
    assert!(refunds.iter().all(|r| r["success"] == true), "{refunds:?}");
    assert_eq!(refunds[0]["reference"], answers[0]["refundId"]);
    assert_eq!(refunds[0]["merchantRefundReason"], "CUSTOMER REQUEST");
    assert_eq!(refunds[0]["pspReference"], answers[0]["providerReference"]);
    let total: i64 = refunds
        .iter()
        .map(|r| r["amount"]["value"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 1999);
    let detail = s.detail(&payment_id).await;
    let rows = detail["refunds"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["status"] == "pending"), "{detail}");
}

async fn declines_actions_and_currencies(backend: Backend) {
    let s = PspStore::start(backend, psp("adyen")).await;
    let answers = s
        .expect_outcomes(&[
            ("adyen_test_refused", "failed", Some("2")),
            ("adyen_test_insufficient_funds", "failed", None),
            ("adyen_test_error", "failed", None),
            ("adyen_test_cancelled", "canceled", None),
            ("adyen_test_pending", "pending", None),
            ("adyen_test_3ds2_challenge", "requires_action", None),
        ])
        .await;
    let messages: Vec<&Value> = answers[..3].iter().map(|a| &a["failureMessage"]).collect();
    assert_eq!(
        messages,
        [
            &json!("Refused"),
            &json!("Not enough balance"),
            &json!("Acquirer Error")
        ]
    );
    assert!(answers[5]["actionUrl"].is_string(), "{}", answers[5]);
    assert_eq!(
        last_at_adyen(&s).await["returnUrl"],
        FALLBACK_RETURN_URL,
        "Adyen requires a returnUrl; without one the connector sends its placeholder"
    );
    // 3-D Secure: the shopper is sent to action.url.
    let (_, action) = s.pay_with("a1", 500, "adyen_test_3ds").await;
    assert_eq!(action["status"], "requires_action");
    let url = action["actionUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/authenticate/", s.hooks())));

    // Minor units pass through with the currency's ISO exponent: ¥1000 is 1000,
    // 1.000 KWD is 1000, 12.345 BHD is 12345.
    for (amount, currency) in [(1000, "JPY"), (1000, "KWD"), (12345, "BHD")] {
        let order = s.order(amount, currency, "adyen_test_authorised");
        let paid = s.paid(currency, order).await;
        assert_eq!(paid["status"], "succeeded", "{paid}");
        assert_eq!(paid["amount"], amount);
        assert_eq!(paid["currency"], currency);
        assert_eq!(
            last_at_adyen(&s).await["amount"],
            json!({"currency": currency, "value": amount})
        );
    }
    // Where Adyen's decimals differ from ISO 4217 (IDR: none at Adyen).
    let order = s.order(1_500_000, "IDR", "adyen_test_authorised");
    let idr = s.paid("i1", order).await;
    assert_eq!(idr["amount"], 1_500_000);
    assert_eq!(
        last_at_adyen(&s).await["amount"],
        json!({"currency": "IDR", "value": 15000})
    );

    // A Drop-in paymentMethod object (test-mode encrypted placeholders) works as a token.
    let card = json!({"type": "scheme", "encryptedCardNumber": "test_4111111111111111",
        "encryptedExpiryMonth": "test_03", "encryptedExpiryYear": "test_2030",
        "encryptedSecurityCode": "test_737"})
    .to_string();
    let paid = s.paid("e1", s.order(700, "EUR", &card)).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    // An unknown stored token is Adyen's 422, final.
    let (status, body) = s.process("u1", s.order(700, "EUR", "no_such_token")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("PaymentDetail not found (803)"), "{body}");
}

/// Adyen decides refunds (and 3-D Secure) later and says so in signed notifications;
/// BEEP! applies each once.
async fn notifications_settle_refunds_and_actions(backend: Backend) {
    let s = PspStore::start(backend, psp("adyen")).await;
    let paid = s
        .paid("n-pay", s.order(3000, "EUR", "adyen_test_authorised"))
        .await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let (_, r1) = s.refund("n-r1", &payment_id, 1000).await;
    let (_, r2) = s.refund("n-r2", &payment_id, 500).await;
    assert_eq!(r1["status"], "pending");
    assert_eq!(r2["refundedAmount"], 1500);
    let r1_psp = r1["providerReference"].as_str().unwrap();
    let r2_psp = r2["providerReference"].as_str().unwrap();

    let found = notifications(&s, "REFUND", r1_psp).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let genuine = found[0].clone();
    let item = &genuine["notificationItems"][0]["NotificationRequestItem"];
    assert_eq!(item["originalReference"], paid["providerReference"]);
    assert_eq!(item["merchantReference"], r1["refundId"]);

    // A tampered notification is refused and changes nothing.
    let mut tampered = genuine.clone();
    tampered["notificationItems"][0]["NotificationRequestItem"]["amount"]["value"] = json!(3000);
    let (status, body) = deliver(&s, &tampered).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "webhook_unverified");
    let mut forged = genuine.clone();
    forged["notificationItems"][0]["NotificationRequestItem"]["additionalData"]["hmacSignature"] = json!(
        beep_sandbox::adyen::sign_notification(&"00".repeat(32), item)
    );
    let (status, _) = deliver(&s, &forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let d = s.detail(&payment_id).await;
    let refunds = d["refunds"].as_array().unwrap();
    assert!(refunds.iter().all(|r| r["status"] == "pending"), "{d}");

    // The genuine one settles the refund, once.
    let (status, body) = deliver(&s, &genuine).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["eventId"], format!("{r1_psp}:REFUND:true"));
    assert_eq!(body["applied"][0]["refundId"], r1["refundId"]);
    assert_eq!(body["applied"][0]["status"], "succeeded");
    let (status, body) = deliver(&s, &genuine).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);
    let status_of = |d: &Value, id: &Value| {
        let refunds = d["refunds"].as_array().unwrap();
        refunds.iter().find(|r| r["refundId"] == *id).unwrap()["status"].clone()
    };
    let d = s.detail(&payment_id).await;
    assert_eq!(status_of(&d, &r1["refundId"]), "succeeded");
    assert_eq!(status_of(&d, &r2["refundId"]), "pending");
    assert_eq!(d["payment"]["refundedAmount"], 1500);

    // The scheme rejects the second refund (REFUND_FAILED before BEEP! heard REFUND):
    // it fails and its amount is free again.
    let reject = format!("{}/refund_failed/{r2_psp}", s.hooks());
    s.server.sim_post(&reject, json!({})).await;
    let failed = notifications(&s, "REFUND_FAILED", r2_psp).await;
    assert_eq!(failed.len(), 1);
    let (status, body) = deliver(&s, &failed[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "failed");
    let d = s.detail(&payment_id).await;
    assert_eq!(status_of(&d, &r2["refundId"]), "failed");
    assert_eq!(d["payment"]["refundedAmount"], 1000);
    // Its late REFUND success changes nothing: the refund is final.
    let late = notifications(&s, "REFUND", r2_psp).await;
    let (status, body) = deliver(&s, &late[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"], json!([]));
    assert_eq!(s.payment(&payment_id).await["refundedAmount"], 1000);

    // 3-D Secure completes at Adyen; the AUTHORISATION notification settles the payment.
    let action = s
        .paid("n-3ds", s.order(2500, "EUR", "adyen_test_3ds"))
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
    let psp_reference = action["providerReference"].as_str().unwrap();
    let auth = notifications(&s, "AUTHORISATION", psp_reference).await;
    assert_eq!(auth.len(), 1);
    let (status, body) = deliver(&s, &auth[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded");
    let settled = s.payment(action["paymentId"].as_str().unwrap()).await;
    assert_eq!(settled["status"], "succeeded");
    // Webhooks for another store's provider are refused.
    let (status, _) = s
        .server
        .webhook("stripe", &s.store, &auth[0].to_string())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_databases!(
    the_merchant_account_is_checked,
    payments_and_refunds,
    declines_actions_and_currencies,
    notifications_settle_refunds_and_actions,
);
