//! Manual capture, for every provider whose API holds an authorisation: scan-and-go
//! authorises when the basket opens, captures the final amount at the exit, and voids
//! an abandoned basket. Each scenario runs per provider on both databases.

use crate::for_each_psp;
use crate::support::Backend;
use crate::support::psp::{Psp, PspStore};
use reqwest::StatusCode;
use serde_json::json;

/// Authorise 10.00, capture 6.00 (the rest released), refund at most what was captured.
async fn partial_capture_bounds_refunds(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let payment = s.authorize("basket-1", 1000).await;

    // Nothing captured yet: nothing to refund.
    let (status, body) = s.refund("early-refund", &payment, 100).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_refundable", "{body}");

    let (status, captured) = s.capture("exit-1", &payment, Some(600)).await;
    assert_eq!(status, StatusCode::OK, "{captured}");
    assert_eq!(captured["status"], "succeeded", "{captured}");
    assert_eq!(captured["capturedAmount"], 600, "{captured}");
    assert_eq!(captured["amount"], 1000, "{captured}");
    assert_eq!(s.payment(&payment).await["capturedAmount"], 600);

    // A replay answers the same; a second capture is refused.
    let (status, again) = s.capture("exit-1", &payment, Some(600)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, captured);
    let (status, body) = s.capture("exit-2", &payment, Some(100)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_capturable", "{body}");

    // Refunds: 4.00 then 2.00 fit the 6.00 captured; one cent more does not.
    let (status, body) = s.refund("refund-1", &payment, 400).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.refund("refund-2", &payment, 201).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "refund_exceeds_captured", "{body}");
    let (status, body) = s.refund("refund-3", &payment, 200).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refundedAmount"], 600, "{body}");
}

/// An abandoned basket: the authorisation is voided and can be neither captured nor
/// refunded afterwards.
async fn void_releases_the_hold(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let payment = s.authorize("basket-1", 2500).await;
    let (status, voided) = s.cancel("abandon-1", &payment).await;
    assert_eq!(status, StatusCode::OK, "{voided}");
    assert_eq!(voided["status"], "canceled", "{voided}");
    assert_eq!(voided["capturedAmount"], 0, "{voided}");
    let (status, again) = s.cancel("abandon-1", &payment).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, voided);

    let (status, body) = s.capture("exit-1", &payment, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_capturable", "{body}");
    let (status, body) = s.refund("refund-1", &payment, 100).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_refundable", "{body}");
    assert_eq!(s.payment(&payment).await["status"], "canceled");
}

/// More than was authorised is refused before the vendor is asked; an automatic payment
/// has nothing to capture or void.
async fn capture_past_authorised_is_refused(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    s.server.app.sandbox.record();
    let payment = s.authorize("basket-1", 1000).await;
    // Money moves only under an Idempotency-Key.
    let body = json!({"storeId": s.store, "paymentId": payment});
    for path in ["/api/v1/capturePayment", "/api/v1/cancelPayment"] {
        let (status, answer) = s.server.post(&s.m.key, path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["code"], "idempotency_key_required");
    }
    let (status, body) = s.capture("exit-1", &payment, Some(1001)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["code"], "capture_exceeds_authorized",
        "{body}"
    );
    assert_eq!(s.captures_at_vendor(), 0);
    // Still authorised: the whole amount can be captured (the default).
    let (status, body) = s.capture("exit-2", &payment, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["capturedAmount"], 1000, "{body}");

    let (status, paid) = s.pay("automatic-1", 500, "EUR", "automatic").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert_eq!(paid["capturedAmount"], 500, "{paid}");
    let id = paid["paymentId"].as_str().unwrap();
    let (status, body) = s.capture("exit-3", id, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_capturable", "{body}");
    let (status, body) = s.cancel("abandon-3", id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_cancelable", "{body}");
}

/// Twenty exit gates retrying the same capture at once: one capture at the vendor, and
/// every answer is that capture or "in use, retry".
async fn concurrent_captures_capture_once(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    s.server.app.sandbox.record();
    let payment = s.authorize("basket-1", 1500).await;
    let answers =
        futures::future::join_all((0..20).map(|_| s.capture("exit-1", &payment, Some(1200)))).await;
    let mut ok = None;
    for (status, body) in &answers {
        match *status {
            StatusCode::OK => {
                assert_eq!(body["capturedAmount"], 1200, "{body}");
                ok.get_or_insert_with(|| body.clone());
                assert_eq!(Some(body), ok.as_ref());
            }
            StatusCode::CONFLICT => {
                assert_eq!(body["error"]["code"], "idempotency_key_in_use", "{body}")
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let (status, last) = s.capture("exit-1", &payment, Some(1200)).await;
    assert_eq!(status, StatusCode::OK, "{last}");
    assert_eq!(last["capturedAmount"], 1200);
    assert_eq!(
        s.captures_at_vendor(),
        1,
        "one capture reached {}",
        s.psp.provider
    );
}

/// An authorisation outliving its store's hold window is voided by a job, and an event
/// says so; one captured in time is left alone.
async fn holds_expire_after_the_stores_window(backend: Backend, psp: Psp) {
    let s = PspStore::start(backend, psp).await;
    let (status, body) = s.set_hold(0).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_hold");
    let (status, body) = s.set_hold(1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["holdSeconds"], 1);

    let kept = s.authorize("basket-kept", 800).await;
    let (status, body) = s.capture("exit-kept", &kept, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let abandoned = s.authorize("basket-abandoned", 900).await;
    // The void first, then the event that says so.
    crate::support::wait_until(
        "the abandoned basket's hold is voided and said so",
        || async {
            let (_, events) = s
                .server
                .get(
                    &s.m.key,
                    "/api/v1/events?type=payment.authorization_expired",
                )
                .await;
            s.payment(&abandoned).await["status"] == "canceled"
                && events["events"].as_array().is_some_and(|e| !e.is_empty())
        },
    )
    .await;
    let (status, events) = s
        .server
        .get(
            &s.m.key,
            "/api/v1/events?type=payment.authorization_expired",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"]["paymentId"], abandoned.as_str());
    assert_eq!(events[0]["data"]["payment"]["status"], "canceled");

    let (status, body) = s.capture("exit-late", &abandoned, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "payment_not_capturable");
    let shown = s.payment(&kept).await;
    assert_eq!(shown["status"], "succeeded", "{shown}");
    assert_eq!(shown["capturedAmount"], 800);
}

for_each_psp!(holds_expire_after_the_stores_window: stripe, adyen, mollie, payone, unzer, payabl);
for_each_psp!(partial_capture_bounds_refunds: stripe, adyen, mollie, payone, unzer, payabl);
for_each_psp!(void_releases_the_hold: stripe, adyen, mollie, payone, unzer, payabl);
for_each_psp!(capture_past_authorised_is_refused: stripe, adyen, mollie, payone, unzer, payabl);
for_each_psp!(concurrent_captures_capture_once: stripe, adyen, mollie, payone, unzer, payabl);

/// SumUp's Checkouts API charges when a checkout is processed: a manual capture is
/// refused with the reason, and nothing is held at SumUp.
async fn sumup_cannot_hold_an_authorisation(backend: Backend) {
    let s = PspStore::start(backend, crate::support::psp::psp("sumup")).await;
    s.server.app.sandbox.record();
    let (status, body) = s.pay("basket-1", 1000, "EUR", "manual").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unsupported", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no separate authorisation and capture"),
        "{body}"
    );
    assert!(
        s.server.app.sandbox.recorded("sumup").is_empty(),
        "nothing reached SumUp"
    );
    // A replay refuses the same way.
    let (status, again) = s.pay("basket-1", 1000, "EUR", "manual").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again, body);
}

crate::on_both_databases!(sumup_cannot_hold_an_authorisation);

/// Adyen reports outcomes by webhook: the AUTHORISATION of a manual-capture payment keeps
/// it a hold (its metadata says so), and the CAPTURE notification confirms the capture.
async fn adyen_webhooks_tell_a_hold_from_a_capture(backend: Backend) {
    let s = PspStore::start(backend, crate::support::psp::manual_capture("adyen")).await;
    let payment = s.authorize("basket-1", 1000).await;
    let psp = s.payment(&payment).await["providerReference"]
        .as_str()
        .unwrap()
        .to_string();
    let auth =
        adyen_notifications(&s, &format!("eventCode=AUTHORISATION&pspReference={psp}")).await;
    assert_eq!(auth.len(), 1, "{auth:?}");
    let (status, body) = adyen_deliver(&s, &auth[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s.payment(&payment).await["status"], "authorized");

    let (status, captured) = s.capture("exit-1", &payment, Some(700)).await;
    assert_eq!(status, StatusCode::OK, "{captured}");
    let capture =
        adyen_notifications(&s, &format!("eventCode=CAPTURE&originalReference={psp}")).await;
    assert_eq!(capture.len(), 1, "{capture:?}");
    let (status, body) = adyen_deliver(&s, &capture[0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let shown = s.payment(&payment).await;
    assert_eq!(shown["status"], "succeeded");
    assert_eq!(shown["capturedAmount"], 700);
}

async fn adyen_notifications(s: &PspStore, query: &str) -> Vec<serde_json::Value> {
    let url = format!("{}/_sim/notifications?{query}", s.base);
    s.server.sim_get(&url).await.as_array().unwrap().clone()
}

async fn adyen_deliver(s: &PspStore, body: &serde_json::Value) -> (StatusCode, serde_json::Value) {
    let url = format!("/api/v1/webhooks/adyen/{}", s.store);
    s.server
        .request(reqwest::Method::POST, None, &url, Some(body), &[])
        .await
}

crate::on_both_databases!(adyen_webhooks_tell_a_hold_from_a_capture);
