//! Unzer as only Unzer does it: charges of payment types, references of payment and
//! charge, decimal amounts with four places, refunds as cancels, its own refusals, and
//! webhooks whose retrieveUrl is re-fetched. The scenarios every provider shares are in
//! `payments.rs`.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::psp::{PspStore, psp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const JSON: &str = "application/json";

/// Unzer's payment id (`s-pay-…`), the first part of BEEP!'s provider reference.
fn unzer_payment(paid: &Value) -> String {
    let reference = paid["providerReference"].as_str().unwrap();
    reference.split('/').next().unwrap().to_string()
}

async fn outcomes_follow_the_payment_type(backend: Backend) {
    let s = PspStore::start(backend, psp("unzer")).await;
    let ok = s.paid("s1", s.order(1234, "EUR", "s-crd-success")).await;
    assert_eq!(ok["status"], "succeeded", "{ok}");
    let reference = ok["providerReference"].as_str().unwrap();
    assert!(reference.starts_with("s-pay-"), "{ok}");
    assert!(reference.ends_with("/s-chg-1"), "{ok}");
    assert!(ok["actionUrl"].is_null());

    let answers = s
        .expect_outcomes(&[
            ("s-crd-declined", "failed", Some("COR.100.100.101")),
            ("s-crd-pending", "pending", None),
            ("s-crd-3ds", "requires_action", None),
        ])
        .await;
    let message = answers[0]["failureMessage"].as_str().unwrap();
    assert!(message.contains("declined"), "{}", answers[0]);
    assert!(answers[1]["actionUrl"].is_null());
    let three_ds = &answers[2];
    let action = three_ds["actionUrl"].as_str().unwrap();
    assert!(action.starts_with(&format!("{}/3ds/s-pay-", s.hooks())));
    // Reading it back (get-payment by reference) keeps the action URL.
    let read = s.payment(three_ds["paymentId"].as_str().unwrap()).await;
    assert_eq!(read["status"], "requires_action");

    // Zero-decimal yen: 1000 means ¥1000 and Unzer sees 1000.
    let yen = s.paid("j1", s.order(1000, "JPY", "s-crd-success")).await;
    assert_eq!(yen["status"], "succeeded");
    assert_eq!(yen["amount"], 1000);
    assert_eq!(yen["currency"], "JPY");

    // An unknown payment type is Unzer's refusal, final and in its words.
    let (status, body) = s.process("x1", s.order(100, "EUR", "tok_visa")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("API.320.200.138"), "{body}");

    // What Unzer saw: decimal amounts, BEEP!'s payment id as orderId, the type id.
    let at_unzer = s.at_vendor("payments").await;
    assert_eq!(at_unzer.len(), 5, "{at_unzer:?}");
    assert_eq!(at_unzer[0]["amount"]["total"], "12.3400");
    assert_eq!(at_unzer[0]["orderId"], ok["paymentId"]);
    assert_eq!(at_unzer[0]["resources"]["typeId"], "s-crd-success");
    assert_eq!(at_unzer[0]["paymentReference"], "order-1");
    assert_eq!(at_unzer[4]["amount"]["total"], "1000.0000");
    assert_eq!(at_unzer[4]["currency"], "JPY");
}

/// 3-D Secure finishes later: Unzer's webhook carries a retrieveUrl that BEEP! re-fetches
/// (only under the configured base URL) and applies once.
async fn webhooks_refetch_the_retrieve_url(backend: Backend) {
    let s = PspStore::start(backend, psp("unzer")).await;
    let sim = s.hooks().trim_end_matches("/_sim").to_string();
    let tds = s.paid("t1", s.order(2500, "EUR", "s-crd-3ds")).await;
    assert_eq!(tds["status"], "requires_action");
    let payment_id = tds["paymentId"].as_str().unwrap().to_string();
    let pay_id = unzer_payment(&tds);
    let events_of = |id: &str| format!("events?paymentId={id}");

    // Before the shopper acts, the creation event changes nothing.
    let events = s.at_vendor(&events_of(&pay_id)).await;
    let first = events[0]["body"].as_str().unwrap().to_string();
    let (status, body) = s.deliver(JSON, &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"], json!([]), "{body}");

    let complete = format!("{}/payments/{pay_id}/complete", s.hooks());
    let done = s.server.sim_post(&complete, json!({})).await;
    assert_eq!(done["state"]["name"], "completed");
    let events = s.at_vendor(&events_of(&pay_id)).await;
    let event = events.last().unwrap().clone();
    assert_eq!(event["event"], "payment.completed");
    let webhook_body = event["body"].as_str().unwrap().to_string();

    // A retrieveUrl elsewhere (or a forged id) is never followed and changes nothing.
    for forged in [
        json!({"event": "payment.completed", "retrieveUrl": format!("https://evil.example/v1/payments/{pay_id}"), "paymentId": pay_id}),
        json!({"event": "payment.completed", "retrieveUrl": format!("{}/echo/v1/payments/{pay_id}", s.server.url), "paymentId": pay_id}),
        json!({"event": "payment.completed", "retrieveUrl": format!("{sim}/v1/payments/s-pay-999999"), "paymentId": "s-pay-999999"}),
        json!({"event": "payment.completed", "retrieveUrl": format!("{sim}/v1/payments/{pay_id}/../../_sim/payments")}),
    ] {
        let (status, body) = s.deliver(JSON, &forged.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{forged}: {body}");
        assert_eq!(body["error"]["code"], "webhook_unverified");
    }
    let (status, _) = s.deliver(JSON, "id=tr_123").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(s.payment(&payment_id).await["status"], "requires_action");

    let (status, body) = s.deliver(JSON, &webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
    assert_eq!(s.payment(&payment_id).await["status"], "succeeded");
    // Unzer retries webhooks: the same state applies once.
    let (status, body) = s.deliver(JSON, &webhook_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], true);

    // A 3-D Secure failure reported by webhook fails the payment.
    let other = s.paid("t2", s.order(300, "EUR", "s-crd-3ds")).await;
    let other_pay = unzer_payment(&other);
    let complete = format!("{}/payments/{other_pay}/complete", s.hooks());
    s.server
        .sim_post(&complete, json!({"result": "error"}))
        .await;
    let events = s.at_vendor(&events_of(&other_pay)).await;
    let last = events.last().unwrap()["body"].as_str().unwrap().to_string();
    let (status, body) = s.deliver(JSON, &last).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "failed", "{body}");
    let failed = s.payment(other["paymentId"].as_str().unwrap()).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failureCode"], "COR.300.100.100");
}

/// Refunds are cancels of the charge, with four-place decimal amounts and BEEP!'s refund
/// id as the payment reference; Unzer refuses itself past what is left.
async fn refunds_cancel_the_charge(backend: Backend) {
    let s = PspStore::start(backend, psp("unzer")).await;
    let paid = s.paid("pay", s.order(1999, "EUR", "s-crd-success")).await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let answers = s
        .refund_parts(&payment_id, &[Some(500), Some(1000), None])
        .await;
    let first = answers[0]["providerReference"].as_str().unwrap();
    assert!(first.ends_with("/s-chg-1/s-cnl-1"), "{}", answers[0]);
    assert_eq!(answers[2]["amount"], 499);
    let cancels = s.at_vendor("cancels").await;
    let amounts: Vec<&str> = cancels
        .iter()
        .map(|c| c["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, vec!["5.0000", "10.0000", "4.9900"]);
    assert_eq!(cancels[0]["paymentReference"], answers[0]["refundId"]);
    assert_eq!(cancels[0]["reasonCode"], "CANCEL");
    let at_unzer = &s.at_vendor("payments").await[0];
    assert_eq!(at_unzer["amount"]["canceled"], "19.9900");
    assert_eq!(at_unzer["state"]["name"], "canceled");
    let d = s.detail(&payment_id).await;
    assert_eq!(d["refunds"].as_array().unwrap().len(), 3);
    assert_eq!(d["payment"]["refundedAmount"], 1999);

    // Canceled elsewhere (its portal): Unzer's refusal, and nothing reserved stays.
    let other = s.paid("pay-2", s.order(1000, "EUR", "s-crd-success")).await;
    let other_id = other["paymentId"].as_str().unwrap().to_string();
    let charge = other["providerReference"]
        .as_str()
        .unwrap()
        .replace('/', "/charges/");
    let resp = s
        .server
        .http
        .post(format!("{}/payments/{charge}/cancels", s.base))
        .basic_auth(s.config["privateKey"].as_str().unwrap(), Some(""))
        .json(&json!({"amount": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, body) = s.refund("r5", &other_id, 500).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("2.0000 EUR remaining"), "{body}");
    assert_eq!(s.payment(&other_id).await["refundedAmount"], 0);
}

on_both_databases!(
    outcomes_follow_the_payment_type,
    webhooks_refetch_the_retrieve_url,
    refunds_cancel_the_charge,
);
