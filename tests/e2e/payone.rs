//! PAYONE Commerce Platform as only PAYONE does it: references of three parts, its
//! decline codes and words, two implied decimals for every currency (yen too), and refunds
//! with a return reason. The scenarios every provider shares are in `payments.rs`.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::psp::{PspStore, psp};
use reqwest::StatusCode;
use serde_json::json;

async fn outcomes_follow_the_token(backend: Backend) {
    let s = PspStore::start(backend, psp("payone")).await;
    let ok = s.paid("ok", s.order(1999, "EUR", "payone_test_ok")).await;
    assert_eq!(ok["status"], "succeeded", "{ok}");
    let reference = ok["providerReference"].as_str().unwrap();
    assert_eq!(reference.split('/').count(), 3);
    let answers = s
        .expect_outcomes(&[
            ("payone_test_declined", "failed", Some("CARD_DECLINED")),
            ("payone_test_3ds", "requires_action", None),
            ("payone_test_pending", "pending", None),
        ])
        .await;
    assert_eq!(
        answers[0]["failureMessage"],
        "The card was declined by the issuer"
    );
    let three_ds = answers[1]["actionUrl"].as_str().unwrap();
    assert!(three_ds.starts_with(&format!("{}/_sim/3ds/", s.base)));
    // Yen: BEEP!'s 1000 is ¥1000, PCP's two implied decimals make it 100000.
    let yen = s.paid("yen", s.order(1000, "JPY", "payone_test_ok")).await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);
    let sim = s.at_vendor("payments").await;
    assert_eq!(sim.len(), 5);
    assert_eq!(
        sim[4]["amountOfMoney"],
        json!({"amount": 100000, "currencyCode": "JPY"})
    );
    assert_eq!(sim[0]["caseMerchantReference"], ok["paymentId"]);
    // An unknown token is PCP's 400, in its words.
    let (status, body) = s.process("bogus", s.order(100, "EUR", "tok_unknown")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("paymentProcessingToken"), "{body}");
}

/// Refunds as PCP books them: minor units with the currency code, BEEP!'s reason as the
/// return reason, the payment's refunded total kept by PAYONE.
async fn refunds_carry_the_return_reason(backend: Backend) {
    let s = PspStore::start(backend, psp("payone")).await;
    let paid = s.paid("k1", s.order(1999, "EUR", "payone_test_ok")).await;
    let payment_id = paid["paymentId"].as_str().unwrap();
    let answers = s
        .refund_parts(payment_id, &[Some(500), Some(1000), None])
        .await;
    assert_eq!(answers[0]["status"], "succeeded");
    assert_eq!(answers[2]["amount"], 499);
    let refunds = s.at_vendor("refunds").await;
    assert_eq!(refunds.len(), 3);
    assert_eq!(
        refunds[0]["amountOfMoney"],
        json!({"amount": 500, "currencyCode": "EUR"})
    );
    assert_eq!(refunds[0]["returnReason"], "requested_by_customer");
    assert_eq!(s.at_vendor("payments").await[0]["refunded"], 1999);
}

on_both_databases!(outcomes_follow_the_token, refunds_carry_the_return_reason);
