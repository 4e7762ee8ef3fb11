//! Mollie as only Mollie does it: test methods and real ones, hosted checkouts, amounts
//! as strings, refunds Mollie executes later, its own refusals, and webhooks that carry
//! only the payment id. The scenarios every provider shares are in `payments.rs`.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::psp::{PspStore, psp};
use reqwest::StatusCode;
use serde_json::json;

const FORM: &str = "application/x-www-form-urlencoded";

async fn outcomes_follow_the_test_method(backend: Backend) {
    let s = PspStore::start(backend, psp("mollie")).await;
    let paid = s.paid("p1", s.order(1999, "EUR", "mollie_test_paid")).await;
    assert_eq!(paid["status"], "succeeded");
    assert!(
        paid["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("tr_")
    );
    assert!(paid["actionUrl"].is_null());

    let answers = s
        .expect_outcomes(&[
            ("mollie_test_failed", "failed", Some("card_declined")),
            (
                "mollie_test_failed_insufficient_funds",
                "failed",
                Some("insufficient_funds"),
            ),
            ("mollie_test_expired", "failed", Some("expired")),
            ("mollie_test_canceled", "canceled", None),
            ("mollie_test_authorized", "authorized", None),
            ("mollie_test_pending", "pending", None),
        ])
        .await;
    assert_eq!(answers[0]["failureMessage"], "Your card was declined.");

    // Open with a hosted checkout: the shopper must act there.
    let (_, open) = s.pay_with("o1", 2500, "mollie_test_open").await;
    assert_eq!(open["status"], "requires_action");
    let action = open["actionUrl"].as_str().unwrap();
    assert!(action.starts_with(&format!("{}/_sim/checkout/tr_", s.base)));
    // A real Mollie method leaves the choice to the hosted page too.
    let ideal = s.paid("i1", s.order(900, "EUR", "ideal")).await;
    assert_eq!(ideal["status"], "requires_action");
    // A terminal payment waits without a page.
    let terminal = s.paid("t1", s.order(900, "EUR", "term_Beep1")).await;
    assert_eq!(terminal["status"], "pending");
    assert!(terminal["actionUrl"].is_null());

    // What Mollie saw: amounts as strings, the redirect, the metadata, the webhook.
    let at_mollie = s.at_vendor("payments").await;
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
    assert_eq!(at_mollie[7]["redirectUrl"], "https://shop.example/return");
    assert_eq!(
        at_mollie[0]["webhookUrl"],
        format!("{}/api/v1/webhooks/mollie/{}", s.server.url, s.store)
    );

    // Zero-decimal yen: 1000 means ¥1000 and Mollie sees "1000".
    let yen = s.paid("j1", s.order(1000, "JPY", "mollie_test_paid")).await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);
    assert_eq!(yen["currency"], "JPY");
    assert_eq!(
        s.at_vendor("payments").await[10]["amount"],
        json!({"value": "1000", "currency": "JPY"})
    );
    // Mollie takes no three-decimal currency: refused before anything is sent, and the
    // same answer again under the same key.
    let sent = s.outbound_requests().await;
    let (status, body) = s
        .process("kwd", s.order(1234, "KWD", "mollie_test_paid"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unsupported_currency");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Mollie takes no payments in KWD"),
        "{body}"
    );
    let (_, again) = s
        .process("kwd", s.order(1234, "KWD", "mollie_test_paid"))
        .await;
    assert_eq!(again, body);
    assert_eq!(s.outbound_requests().await, sent, "nothing reached Mollie");
    // An unknown method is Mollie's 422 too.
    let (status, body) = s.process("btc", s.order(100, "EUR", "bitcoin")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("method")
    );
}

/// Mollie executes refunds later (pending until its webhook), books them with BEEP!'s
/// refund id, and refuses itself past what is left.
async fn refunds_wait_for_mollie(backend: Backend) {
    let s = PspStore::start(backend, psp("mollie")).await;
    let paid = s
        .paid("pay", s.order(1999, "EUR", "mollie_test_paid"))
        .await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let tr = paid["providerReference"].as_str().unwrap().to_string();
    let answers = s
        .refund_parts(&payment_id, &[Some(500), Some(1000), None])
        .await;
    for refund in &answers {
        assert_eq!(refund["status"], "pending");
        assert!(
            refund["providerReference"]
                .as_str()
                .unwrap()
                .starts_with("re_")
        );
    }
    assert_eq!(answers[2]["amount"], 499);
    let refunds = s.at_vendor("refunds").await;
    assert_eq!(refunds.len(), 3);
    assert_eq!(refunds[0]["amount"]["value"], "5.00");
    assert_eq!(refunds[0]["description"], "requested_by_customer");
    assert_eq!(
        refunds[0]["metadata"]["beep_refund_id"],
        answers[0]["refundId"]
    );
    assert!(refunds.iter().all(|r| r["paymentId"] == tr.as_str()));
    let at_mollie = s.at_vendor("payments").await;
    assert_eq!(at_mollie[0]["amountRemaining"]["value"], "0.00");
    let d = s.detail(&payment_id).await;
    assert_eq!(d["refunds"].as_array().unwrap().len(), 3);
    assert_eq!(d["payment"]["refundedAmount"], 1999);

    // Refunded elsewhere (the dashboard): Mollie's 422 reaches the merchant and BEEP!'s
    // reservation is given back.
    let other = s
        .paid("pay-2", s.order(1000, "EUR", "mollie_test_paid"))
        .await;
    let other_id = other["paymentId"].as_str().unwrap().to_string();
    let other_tr = other["providerReference"].as_str().unwrap();
    let resp = s
        .server
        .http
        .post(format!("{}/v2/payments/{other_tr}/refunds", s.base))
        .bearer_auth(s.config["apiKey"].as_str().unwrap())
        .json(&json!({"amount": {"currency": "EUR", "value": "8.00"}, "description": "dashboard"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (status, body) = s.refund("r5", &other_id, 500).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("2.00 EUR remaining"), "{body}");
    assert_eq!(s.payment(&other_id).await["refundedAmount"], 0);
    let (status, body) = s.refund("r6", &other_id, 200).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refundedAmount"], 200);

    // Only paid payments are refunded.
    let open = s
        .paid("pay-3", s.order(1000, "EUR", "mollie_test_open"))
        .await;
    let (status, body) = s
        .refund_with("r7", json!({"paymentId": open["paymentId"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_refundable");
}

/// The shopper completes the hosted checkout later: Mollie's webhook carries only the id,
/// BEEP! re-fetches the payment (the verification) and applies each state once.
async fn webhooks_refetch_the_payment(backend: Backend) {
    let s = PspStore::start(backend, psp("mollie")).await;
    let (_, open) = s.pay_with("open-1", 2500, "mollie_test_open").await;
    assert_eq!(open["status"], "requires_action");
    let payment_id = open["paymentId"].as_str().unwrap().to_string();
    let tr = open["providerReference"].as_str().unwrap().to_string();
    let hook_url = format!("{}/api/v1/webhooks/mollie/{}", s.server.url, s.store);

    // Before anything happened a webhook changes nothing (the state is still open).
    let (status, body) = s.deliver(FORM, &format!("id={tr}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"], json!([]), "{body}");

    // The shopper pays on the hosted page (the action URL; no redirect follow).
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let action = open["actionUrl"].as_str().unwrap();
    let resp = no_redirect
        .get(format!("{action}?status=paid"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        "https://shop.example/return"
    );
    let events = s.at_vendor(&format!("events?paymentId={tr}")).await;
    let event = events
        .last()
        .expect("Mollie would call the webhook")
        .clone();
    assert_eq!(event["status"], "paid");
    assert_eq!(event["webhookUrl"], hook_url.as_str());

    // An id Mollie does not know for this key is refused and changes nothing.
    let (status, body) = s.deliver(FORM, "id=tr_forged1234").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "webhook_unverified");
    let (status, _) = s.deliver(FORM, "nothing=here").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(s.payment(&payment_id).await["status"], "requires_action");

    let webhook_body = event["body"].as_str().unwrap();
    let (status, body) = s.deliver(FORM, webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
    assert_eq!(s.payment(&payment_id).await["status"], "succeeded");
    // Mollie retries webhooks: the same state applies once.
    let (status, body) = s.deliver(FORM, webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);

    // A refund is pending until Mollie executes it; its webhook (to the payment's URL,
    // with the payment id) settles it.
    let (status, r) = s.refund("refund-1", &payment_id, 1000).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "pending");
    let re = r["providerReference"].as_str().unwrap();
    let settle = format!("{}/refunds/{re}/status", s.hooks());
    s.server
        .sim_post(&settle, json!({"status": "refunded"}))
        .await;
    let (status, body) = s.deliver(FORM, &format!("id={tr}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["refundId"], r["refundId"], "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded");
    let d = s.detail(&payment_id).await;
    assert_eq!(d["refunds"][0]["status"], "succeeded");
    assert_eq!(d["payment"]["refundedAmount"], 1000);

    // A failed payment reported later (the bank refused it) moves an open payment to
    // failed, with Mollie's reason.
    let pending = s
        .paid("open-2", s.order(300, "EUR", "mollie_test_open"))
        .await;
    let tr2 = pending["providerReference"].as_str().unwrap();
    let fail = format!("{}/payments/{tr2}/status", s.hooks());
    let failed = json!({"status": "failed", "failureReason": "insufficient_funds"});
    s.server.sim_post(&fail, failed).await;
    let (status, body) = s.deliver(FORM, &format!("id={tr2}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "failed", "{body}");
    let failed = s.payment(pending["paymentId"].as_str().unwrap()).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failureCode"], "insufficient_funds");
}

on_both_databases!(
    outcomes_follow_the_test_method,
    refunds_wait_for_mollie,
    webhooks_refetch_the_payment,
);
