//! payabl. as only payabl does it: signed requests, its decline codes and words, Latin-1
//! text, major-unit amounts, refunds tied to the base transaction, and signed callbacks
//! to `notification_url`. The scenarios every provider shares are in `payments.rs`.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::psp::{PspStore, psp};
use reqwest::StatusCode;
use serde_json::json;

const FORM: &str = "application/x-www-form-urlencoded";

async fn outcomes_follow_the_token(backend: Backend) {
    let s = PspStore::start(backend, psp("payabl")).await;

    let mut ok = s.order(1999, "EUR", "payabl_test_ok");
    ok["description"] = json!("Café – Müller 5 €");
    let paid = s.paid("p1", ok).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert!(paid["actionUrl"].is_null());

    let answers = s
        .expect_outcomes(&[
            ("payabl_test_declined", "failed", Some("2005")),
            ("payabl_test_3ds", "requires_action", None),
            ("payabl_test_pending", "pending", None),
        ])
        .await;
    assert_eq!(answers[0]["failureMessage"], "Transaction declined");
    let three_ds = answers[1]["actionUrl"].as_str().unwrap();
    assert!(three_ds.starts_with(&format!("{}/_sim/3ds/", s.base)));

    // Zero-decimal yen: 1000 means ¥1000 and payabl sees "1000".
    let yen = s.paid("j1", s.order(1000, "JPY", "payabl_test_ok")).await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);

    // What payabl saw: BEEP!'s payment id as orderid, major-unit amounts, Latin-1 text.
    let at_payabl = s.at_vendor("transactions").await;
    assert_eq!(at_payabl.len(), 5);
    assert_eq!(at_payabl[0]["orderid"], paid["paymentId"]);
    assert_eq!(at_payabl[0]["transactionid"], paid["providerReference"]);
    assert_eq!(at_payabl[0]["amount"], "19.99");
    assert_eq!(at_payabl[0]["currency"], "EUR");
    assert_eq!(at_payabl[0]["description"], "Café - Müller 5 EUR");
    assert_eq!(
        at_payabl[0]["notification_url"],
        format!("{}/api/v1/webhooks/payabl/{}", s.server.url, s.store)
    );
    assert_eq!(at_payabl[4]["amount"], "1000");
    assert_eq!(at_payabl[4]["currency"], "JPY");

    // An unknown token is payabl's refusal, final and in its words.
    let (status, body) = s.pay_with("bad-token", 100, "tok_unknown").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Invalid token"), "{body}");
}

/// Refunds as payabl books them: decimal amounts against the base transaction, BEEP!'s
/// refund id as the reference; a refund without an amount refunds what is left.
async fn refunds_follow_the_base_transaction(backend: Backend) {
    let s = PspStore::start(backend, psp("payabl")).await;
    let paid = s.paid("pay", s.order(1999, "EUR", "payabl_test_ok")).await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let tx = paid["providerReference"].as_str().unwrap().to_string();

    let answers = s
        .refund_parts(&payment_id, &[Some(500), Some(1000), None])
        .await;
    assert_eq!(answers[2]["amount"], 499);
    assert_eq!(answers[2]["refundedAmount"], 1999);

    let refunds = s.at_vendor("refunds").await;
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
    assert_eq!(refunds[0]["reference"], answers[0]["refundId"]);
    assert_eq!(
        s.at_vendor("transactions").await[0]["refunded_amount"],
        "19.99"
    );
}

/// 3-D Secure completes later: payabl's signed callback reaches BEEP!'s webhook and is
/// applied once; a tampered one changes nothing.
async fn signed_callbacks_apply_once(backend: Backend) {
    let s = PspStore::start(backend, psp("payabl")).await;
    let open = s
        .paid("3ds-1", s.order(2500, "EUR", "payabl_test_3ds"))
        .await;
    assert_eq!(open["status"], "requires_action");
    let payment_id = open["paymentId"].as_str().unwrap().to_string();
    let tx = open["providerReference"].as_str().unwrap().to_string();

    // The shopper passes 3-D Secure.
    let resp = s
        .server
        .http
        .get(format!("{}?result=ok", open["actionUrl"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let callbacks = s.at_vendor(&format!("callbacks?transactionid={tx}")).await;
    let last = callbacks.last().unwrap().clone();
    assert_eq!(last["status"], "captured");
    assert_eq!(
        last["notificationUrl"],
        format!("{}/api/v1/webhooks/payabl/{}", s.server.url, s.store)
    );
    let body = last["body"].as_str().unwrap();

    // Tampered (another amount): the signature fails, nothing changes.
    let tampered = body.replace("amount=25.00", "amount=2.50");
    assert_ne!(tampered, body);
    let (status, answer) = s.deliver(FORM, &tampered).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "webhook_unverified");
    assert_eq!(s.payment(&payment_id).await["status"], "requires_action");

    let (status, answer) = s.deliver(FORM, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["applied"][0]["status"], "succeeded", "{answer}");
    assert_eq!(s.payment(&payment_id).await["status"], "succeeded");
    // payabl repeats callbacks: the same one applies once.
    let (status, answer) = s.deliver(FORM, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["duplicate"], true);
}

on_both_databases!(
    outcomes_follow_the_token,
    refunds_follow_the_base_transaction,
    signed_callbacks_apply_once,
);
