//! Disputes (chargebacks) reach BEEP! as one normalised record, whatever the provider
//! calls them: `GET /api/v1/disputes`, a `dispute.updated` event per change, each vendor
//! notification applied once.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::psp::{self, PspStore};
use reqwest::StatusCode;
use serde_json::Value;

/// Stripe's events of one type for one payment intent, as the simulator recorded them.
async fn stripe_events(s: &PspStore, kind: &str) -> Vec<Value> {
    let events = s
        .server
        .sim_get(&format!("{}/events?type={kind}", s.hooks()))
        .await;
    events.as_array().cloned().unwrap_or_default()
}

async fn disputes(s: &PspStore) -> Vec<Value> {
    let path = format!("/api/v1/disputes?storeId={}", s.store);
    let (status, body) = s.server.get(&s.m.key, &path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["disputes"].as_array().unwrap().clone()
}

async fn dispute_events(s: &PspStore) -> Vec<Value> {
    let (status, body) = s
        .server
        .get(&s.m.key, "/api/v1/events?type=dispute.updated")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["events"].as_array().unwrap().clone()
}

/// Stripe's `pm_card_createDispute` pays, then is disputed as fraudulent: the dispute is
/// recorded once however often Stripe repeats it, and its decision moves it.
async fn stripe_disputes_are_recorded_once_and_followed(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("stripe")).await;
    let (status, paid) = s.pay_with("order-1", 4200, "pm_card_createDispute").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "succeeded");
    let payment_id = paid["paymentId"].as_str().unwrap();

    let created = stripe_events(&s, "charge.dispute.created").await;
    assert_eq!(created.len(), 1, "{created:?}");
    let (status, body) = s.deliver_stripe(&created[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "needs_response", "{body}");
    // The same event again, and another that says nothing new: no change, no event.
    let (_, again) = s.deliver_stripe(&created[0]).await;
    assert_eq!(again["duplicate"], true, "{again}");
    let withdrawn = stripe_events(&s, "charge.dispute.funds_withdrawn").await;
    let (status, body) = s.deliver_stripe(&withdrawn[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"], serde_json::json!([]), "{body}");

    let listed = disputes(&s).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let d = &listed[0];
    assert_eq!(d["paymentId"], payment_id);
    assert_eq!(d["provider"], "stripe");
    assert_eq!(d["status"], "needs_response");
    assert_eq!(d["amount"], 4200);
    assert_eq!(d["currency"], "EUR");
    assert_eq!(d["reason"], "fraudulent");
    assert!(
        d["respondBy"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{d}"
    );
    assert!(d["providerReference"].as_str().unwrap().starts_with("dp_"));
    assert_eq!(dispute_events(&s).await.len(), 1);

    // The scheme decides for the shopper.
    let dp = d["providerReference"].as_str().unwrap();
    let url = format!("{}/disputes/{dp}/close?result=lost", s.hooks());
    let resp = s.server.http.post(url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let closed = stripe_events(&s, "charge.dispute.closed").await;
    let (status, body) = s.deliver_stripe(&closed[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "lost", "{body}");
    let listed = disputes(&s).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "lost");
    let events = dispute_events(&s).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["data"]["status"], "lost", "newest first");
    assert_eq!(events[0]["data"]["disputeId"], listed[0]["disputeId"]);

    // Another merchant sees none of it.
    let other = s
        .server
        .merchant(beep_host::db::merchants::Plan::Start)
        .await;
    let path = format!("/api/v1/disputes?storeId={}", s.store);
    let (status, body) = s.server.get(&other.key, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "store_forbidden");
}

on_both_databases!(stripe_disputes_are_recorded_once_and_followed);

/// Adyen sends a notification per stage of a dispute: they move one record, on the
/// payment the notifications name.
async fn adyen_dispute_stages_move_one_record(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("adyen")).await;
    let (status, paid) = s.pay_with("order-1", 3100, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let psp_ref = paid["providerReference"].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    for (stage, want) in [
        ("NOTIFICATION_OF_CHARGEBACK", "needs_response"),
        ("CHARGEBACK", "lost"),
        ("CHARGEBACK_REVERSED", "won"),
    ] {
        let url = format!("{}/dispute/{psp_ref}?stage={stage}", s.hooks());
        let resp = s.server.http.post(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{stage}");
        let query = format!("eventCode={stage}&originalReference={psp_ref}");
        let found = s
            .server
            .sim_get(&format!("{}/notifications?{query}", s.hooks()))
            .await;
        let notification = found.as_array().unwrap().last().unwrap().clone();
        let path = format!("/api/v1/webhooks/adyen/{}", s.store);
        let (status, body) = s
            .server
            .request(reqwest::Method::POST, None, &path, Some(&notification), &[])
            .await;
        assert_eq!(status, StatusCode::OK, "{stage}: {body}");
        assert_eq!(body["applied"][0]["status"], want, "{stage}: {body}");
        let listed = disputes(&s).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["status"], want);
        assert_eq!(listed[0]["amount"], 3100);
        assert_eq!(listed[0]["paymentId"], paid["paymentId"]);
        assert!(listed[0]["respondBy"].as_str().is_some(), "{}", listed[0]);
        seen.push(listed[0]["disputeId"].clone());
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "one record: {seen:?}"
    );
    assert_eq!(dispute_events(&s).await.len(), 3);
}

on_both_databases!(adyen_dispute_stages_move_one_record);

/// Mollie's webhook carries only the payment id: the re-fetch finds the chargeback (lost
/// at once, Mollie debits it), and later its reversal (won).
async fn mollie_chargebacks_are_found_on_re_fetch(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("mollie")).await;
    let (status, paid) = s.pay_with("order-1", 2700, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let tr = paid["providerReference"].as_str().unwrap().to_string();
    let form = "application/x-www-form-urlencoded";
    let body = format!("id={tr}");
    let deliver = || s.deliver(form, &body);
    for (query, want) in [("", "lost"), ("?reverse=true", "won")] {
        let url = format!("{}/payments/{tr}/chargeback{query}", s.hooks());
        let resp = s.server.http.post(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let (status, body) = deliver().await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let applied = body["applied"].as_array().unwrap();
        assert!(applied.iter().any(|a| a["status"] == want), "{body}");
        let listed = disputes(&s).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["status"], want);
        assert_eq!(listed[0]["amount"], 2700);
        assert_eq!(listed[0]["reason"], "Account blocked");
        // Mollie calls again: nothing new.
        let (_, again) = deliver().await;
        assert_eq!(again["duplicate"], true, "{again}");
    }
    assert_eq!(dispute_events(&s).await.len(), 2);
}

on_both_databases!(mollie_chargebacks_are_found_on_re_fetch);

/// Unzer books a chargeback as a transaction of the payment and calls the webhook: the
/// re-fetch finds it, a lost dispute on the charge.
async fn unzer_chargebacks_are_found_on_re_fetch(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("unzer")).await;
    let (status, paid) = s.pay_with("order-1", 1500, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let reference = paid["providerReference"].as_str().unwrap().to_string();
    let payment = reference.split('/').next().unwrap().to_string();
    let url = format!("{}/payments/{payment}/chargeback", s.hooks());
    let resp = s.server.http.post(url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let events = s
        .server
        .sim_get(&format!("{}/events?paymentId={payment}", s.hooks()))
        .await;
    let hook = events
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["event"] == "chargeback")
        .expect("Unzer would call the webhook")
        .clone();
    let body = hook["body"].as_str().unwrap();
    let (status, answer) = s.deliver("application/json", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(
        answer["applied"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["status"] == "lost"),
        "{answer}"
    );
    let (_, again) = s.deliver("application/json", body).await;
    assert_eq!(again["duplicate"], true, "{again}");
    let listed = disputes(&s).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "lost");
    assert_eq!(listed[0]["amount"], 1500);
    assert_eq!(listed[0]["paymentId"], paid["paymentId"]);
    assert_eq!(
        s.payment(paid["paymentId"].as_str().unwrap()).await["status"],
        "succeeded"
    );
    assert_eq!(dispute_events(&s).await.len(), 1);
}

/// PAYONE lists a chargeback and its reversal as payment events of the execution; the
/// notification's re-fetch follows them on one record.
async fn payone_chargebacks_and_reversals_move_one_record(backend: Backend) {
    let s = PspStore::start(backend, psp::psp("payone")).await;
    let (status, paid) = s.pay_with("order-1", 2200, s.psp.approve).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let reference = paid["providerReference"].as_str().unwrap().to_string();
    let ids: Vec<&str> = reference.split('/').collect();
    let notification = serde_json::json!({
        "commerceCaseId": ids[0], "checkoutId": ids[1], "paymentExecutionId": ids[2],
    })
    .to_string();
    for (query, want) in [("", "lost"), ("?reverse=true", "won")] {
        let url = format!("{}/executions/{}/chargeback{query}", s.hooks(), ids[2]);
        let resp = s.server.http.post(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let (status, answer) = s.deliver("application/json", &notification).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert!(
            answer["applied"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["status"] == want),
            "{answer}"
        );
        let listed = disputes(&s).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["status"], want);
        assert_eq!(listed[0]["amount"], 2200);
    }
    assert_eq!(dispute_events(&s).await.len(), 2);
}

on_both_databases!(
    unzer_chargebacks_are_found_on_re_fetch,
    payone_chargebacks_and_reversals_move_one_record
);
