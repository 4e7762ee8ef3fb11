//! SumUp as only SumUp does it: a merchant code the key must belong to, checkouts
//! processed with a token, decimal amounts, its currency list, refunds it refuses itself,
//! and outages reconciled by `checkout_reference` instead of a second checkout. The
//! scenarios every provider shares are in `payments.rs`.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::psp::{PspStore, psp};
use reqwest::StatusCode;
use serde_json::json;

async fn the_merchant_code_is_checked(backend: Backend) {
    let s = PspStore::start(backend, psp("sumup")).await;
    // A merchant code the key does not belong to.
    let mut other = s.config.clone();
    other["merchantCode"] = json!("MCOTHER");
    let (status, body) = s.configure(other).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config");
    // No merchant code at all: refused before anything is sent.
    let (status, body) = s.configure(json!({"apiKey": "sup_sk_x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config");
}

async fn outcomes_follow_the_token(backend: Backend) {
    let s = PspStore::start(backend, psp("sumup")).await;
    let paid = s.paid("p1", s.order(1999, "EUR", "sumup_test_paid")).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert!(paid["actionUrl"].is_null());
    s.expect_outcomes(&[
        ("sumup_test_failed", "failed", Some("failed")),
        ("sumup_test_cancelled", "canceled", None),
        ("sumup_test_pending", "pending", None),
    ])
    .await;
    let (_, three_ds) = s.pay_with("3ds", 2500, "sumup_test_3ds").await;
    assert_eq!(three_ds["status"], "requires_action");
    let action = three_ds["actionUrl"].as_str().unwrap();
    assert!(action.starts_with(&format!("{}/_sim/3ds/", s.base)));

    // What SumUp saw: decimal amounts, BEEP!'s payment id as the reference, the redirect.
    let at_sumup = s.at_vendor("checkouts").await;
    assert_eq!(at_sumup.len(), 5);
    assert_eq!(at_sumup[0]["amount"], json!(19.99));
    assert_eq!(at_sumup[0]["currency"], "EUR");
    assert_eq!(at_sumup[0]["checkout_reference"], paid["paymentId"]);
    assert_eq!(at_sumup[0]["merchant_code"], "MCBEEP01");
    assert_eq!(at_sumup[0]["description"], "order-1");
    assert_eq!(paid["providerReference"], at_sumup[0]["id"]);
    assert_eq!(at_sumup[4]["redirect_url"], "https://shop.example/return");

    // Zero decimals: CLP 1000 is 1000 pesos and SumUp sees 1000.
    let clp = s.paid("clp", s.order(1000, "CLP", "sumup_test_paid")).await;
    assert_eq!(clp["status"], "succeeded");
    assert_eq!(clp["amount"], 1000);
    assert_eq!(s.at_vendor("checkouts").await[5]["amount"], json!(1000.0));
    // SumUp's currency list has no JPY and no KWD: refused before anything is sent.
    let sent = s.outbound_requests().await;
    for (key, currency) in [("jpy", "JPY"), ("kwd", "KWD")] {
        let (status, body) = s
            .process(key, s.order(1000, currency, "sumup_test_paid"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "unsupported_currency", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("SumUp takes no payments in {currency}"))
                && message.contains("EUR"),
            "{body}"
        );
    }
    assert_eq!(s.outbound_requests().await, sent, "nothing reached SumUp");
    assert_eq!(s.at_vendor("checkouts").await.len(), 6);
}

/// Refunds as SumUp books them (decimal amounts), and SumUp's own refusal past what is
/// left when the rest was refunded elsewhere (its dashboard).
async fn refunds_are_sumups_to_refuse(backend: Backend) {
    let s = PspStore::start(backend, psp("sumup")).await;
    let paid = s.paid("pay", s.order(1999, "EUR", "sumup_test_paid")).await;
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    s.refund_parts(&payment_id, &[Some(500), Some(1000), None])
        .await;
    let amounts: Vec<f64> = s
        .at_vendor("refunds")
        .await
        .iter()
        .map(|r| r["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts, vec![5.0, 10.0, 4.99]);
    let checkouts = s.at_vendor("checkouts").await;
    assert_eq!(checkouts[0]["transactions"][0]["status"], "REFUNDED");

    let other = s
        .paid("pay-2", s.order(1000, "EUR", "sumup_test_paid"))
        .await;
    let other_id = other["paymentId"].as_str().unwrap().to_string();
    let tx = s.at_vendor("checkouts").await[1]["transaction_id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = s
        .server
        .http
        .post(format!(
            "{}/v1.0/merchants/MCBEEP01/payments/{tx}/refunds",
            s.base
        ))
        .bearer_auth(s.config["apiKey"].as_str().unwrap())
        .json(&json!({"amount": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (status, body) = s.refund("r5", &other_id, 500).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_rejected");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Amount exceeds the refundable amount"));
    let (status, body) = s.refund("r6", &other_id, 200).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refundedAmount"], 200);
}

async fn vendor_outage_is_reconciled(backend: Backend) {
    let s = PspStore::start(backend, psp("sumup")).await;
    let fail = format!("{}/fail", s.hooks());
    // SumUp creates the checkout but the answer is lost: BEEP! finds it by reference,
    // sees it was never processed and reports the outage.
    let lost = json!({"status": 500, "times": 1, "after": true, "method": "POST"});
    s.server.sim_post(&fail, lost).await;
    let order = s.order(700, "EUR", "sumup_test_paid");
    let (status, body) = s.process("outage", order.clone()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_error");
    // The retry meets SumUp's DUPLICATED_CHECKOUT and processes the same checkout.
    let body = s.paid("outage", order).await;
    assert_eq!(body["status"], "succeeded");
    let at_sumup = s.at_vendor("checkouts").await;
    assert_eq!(at_sumup.len(), 1, "{at_sumup:?}");
    assert_eq!(at_sumup[0]["status"], "PAID");
    assert_eq!(body["providerReference"], at_sumup[0]["id"]);

    // The charge happens but its answer is lost (a 502 from a proxy): BEEP! finds the
    // paid checkout by its reference instead of charging again.
    let lost = json!({"status": 502, "times": 1, "after": true, "method": "PUT"});
    s.server.sim_post(&fail, lost).await;
    let body = s
        .paid("lost-answer", s.order(800, "EUR", "sumup_test_paid"))
        .await;
    assert_eq!(body["status"], "succeeded");
    let at_sumup = s.at_vendor("checkouts").await;
    assert_eq!(at_sumup.len(), 2, "{at_sumup:?}");
    assert_eq!(body["providerReference"], at_sumup[1]["id"]);
}

on_both_databases!(
    the_merchant_code_is_checked,
    outcomes_follow_the_token,
    refunds_are_sumups_to_refuse,
    vendor_outage_is_reconciled,
);
