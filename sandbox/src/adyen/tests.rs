use super::http::route;
use super::*;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    idem: Option<&str>,
    body: Value,
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("host", "sim.test");
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    if let Some(i) = idem {
        req = req.header("idempotency-key", i);
    }
    let text = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(text)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        headers,
        body,
    }
}

const K: Option<&str> = Some(SANDBOX_API_KEY);

fn pay(token: &str, value: i64, currency: &str) -> Value {
    json!({
        "amount": {"value": value, "currency": currency},
        "merchantAccount": SANDBOX_MERCHANT_ACCOUNT,
        "reference": "pay_1",
        "paymentMethod": {"type": "scheme", "storedPaymentMethodId": token},
        "returnUrl": "https://shop.example/done",
        "shopperInteraction": "ContAuth",
        "recurringProcessingModel": "CardOnFile",
    })
}

fn refund(value: i64) -> Value {
    json!({
        "amount": {"value": value, "currency": "EUR"},
        "merchantAccount": SANDBOX_MERCHANT_ACCOUNT,
        "reference": "rf_1",
        "merchantRefundReason": "CUSTOMER REQUEST",
    })
}

fn app() -> (Arc<AdyenSim>, Router) {
    let sim = AdyenSim::new();
    (sim.clone(), router(sim))
}

#[tokio::test]
async fn authorised_payment_and_its_notification() {
    let (sim, app) = app();
    let a = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        Some("k1"),
        pay("adyen_test_authorised", 1999, "EUR"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["resultCode"], "Authorised");
    assert_eq!(a.body["merchantReference"], "pay_1");
    assert_eq!(a.body["amount"], json!({"currency": "EUR", "value": 1999}));
    let psp = a.body["pspReference"].as_str().unwrap();
    assert_eq!(psp.len(), 16);
    assert_eq!(a.headers.get("idempotency-key").unwrap(), "k1");
    assert_eq!(a.headers.get("pspreference").unwrap(), psp);
    let payments = sim.payments();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["capturedValue"], 1999);

    let n = sim.notifications();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0]["eventCode"], "AUTHORISATION");
    assert_eq!(n[0]["success"], "true");
    assert_eq!(n[0]["pspReference"], psp);
    let sig = n[0]["additionalData"]["hmacSignature"].as_str().unwrap();
    assert_eq!(sig, sign_notification(SANDBOX_HMAC_KEY, &n[0]));

    // The hook serves ready-to-post bodies, beside the API as well.
    let hook = call(
        &app,
        "GET",
        "/v71/_sim/notifications?eventCode=AUTHORISATION",
        None,
        None,
        Value::Null,
    )
    .await;
    assert_eq!(hook.status, 200);
    assert_eq!(hook.body[0]["live"], "false");
    assert_eq!(
        hook.body[0]["notificationItems"][0]["NotificationRequestItem"],
        n[0]
    );
    let none = call(
        &app,
        "GET",
        "/_sim/notifications?eventCode=REFUND",
        None,
        None,
        Value::Null,
    )
    .await;
    assert_eq!(none.body, json!([]));
    let methods = call(
        &app,
        "POST",
        "/v71/paymentMethods",
        K,
        None,
        json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
    )
    .await;
    assert_eq!(methods.status, 200);
    assert_eq!(methods.body["paymentMethods"][0]["type"], "scheme");
}

#[tokio::test]
async fn result_codes_by_test_token() {
    let (sim, app) = app();
    let r = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_refused", 500, "EUR"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["resultCode"], "Refused");
    assert_eq!(r.body["refusalReason"], "Refused");
    assert_eq!(r.body["refusalReasonCode"], "2");
    let n = sim.notifications();
    assert_eq!(n[0]["success"], "false");
    assert_eq!(n[0]["reason"], "Refused");

    for (token, code) in [
        ("adyen_test_pending", "Pending"),
        ("adyen_test_received", "Received"),
        ("adyen_test_cancelled", "Cancelled"),
        ("adyen_test_error", "Error"),
    ] {
        let r = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay(token, 500, "EUR"),
        )
        .await;
        assert_eq!(r.body["resultCode"], code, "{token}");
    }
    let e = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_error", 500, "EUR"),
    )
    .await;
    assert_eq!(e.body["refusalReason"], "Acquirer Error");

    let u = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("pm_unknown", 500, "EUR"),
    )
    .await;
    assert_eq!(u.status, 422);
    assert_eq!(u.body["errorCode"], "803");
    assert_eq!(u.body["errorType"], "validation");
    assert_eq!(u.body["status"], 422);

    // Test-mode encrypted placeholders of the card components.
    let mut card = pay("x", 1000, "USD");
    card["paymentMethod"] = json!({"type": "scheme", "encryptedCardNumber": "test_4111111111111111",
            "encryptedExpiryMonth": "test_03", "encryptedExpiryYear": "test_2030", "encryptedSecurityCode": "test_737"});
    let c = call(&app, "POST", "/v71/payments", K, None, card.clone()).await;
    assert_eq!(c.body["resultCode"], "Authorised");
    card["paymentMethod"]["encryptedCardNumber"] = json!("test_5454545454545454");
    let c = call(&app, "POST", "/v71/payments", K, None, card).await;
    assert_eq!(c.body["resultCode"], "RedirectShopper");
}

#[tokio::test]
async fn three_d_secure_redirect_and_details() {
    let (sim, app) = app();
    let a = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_3ds", 1000, "EUR"),
    )
    .await;
    assert_eq!(a.body["resultCode"], "RedirectShopper");
    assert_eq!(a.body["action"]["type"], "redirect");
    assert_eq!(a.body["action"]["method"], "GET");
    let url = a.body["action"]["url"].as_str().unwrap();
    assert!(
        url.starts_with("http://sim.test/v71/_sim/authenticate/"),
        "{url}"
    );
    assert!(
        sim.notifications().is_empty(),
        "no outcome before the shopper acts"
    );

    let path = &url["http://sim.test".len()..];
    let done = call(&app, "GET", path, None, None, Value::Null).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let loc = done.headers.get("location").unwrap().to_str().unwrap();
    assert!(
        loc.starts_with("https://shop.example/done?redirectResult="),
        "{loc}"
    );
    let token = form_urlencoded::parse(loc.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "redirectResult")
        .unwrap()
        .1
        .into_owned();
    let d = call(
        &app,
        "POST",
        "/v71/payments/details",
        K,
        None,
        json!({"details": {"redirectResult": token}}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["resultCode"], "Authorised");
    assert_eq!(d.body["pspReference"], a.body["pspReference"]);
    let n = sim.notifications();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0]["eventCode"], "AUTHORISATION");
    assert_eq!(n[0]["success"], "true");
    // A finished payment cannot be authenticated again.
    let again = call(&app, "GET", path, None, None, Value::Null).await;
    assert_eq!(again.status, 400);

    let c = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_3ds2_challenge", 1000, "EUR"),
    )
    .await;
    assert_eq!(c.body["resultCode"], "ChallengeShopper");
    assert_eq!(c.body["action"]["type"], "threeDS2");
    assert!(c.body["action"]["url"].is_string());
    let i = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_3ds2_identify", 1000, "EUR"),
    )
    .await;
    assert_eq!(i.body["resultCode"], "IdentifyShopper");
    assert!(i.body.get("pspReference").is_none());
    assert!(i.body["action"].get("url").is_none());
}

#[tokio::test]
async fn refunds_are_received_and_decided_by_notification() {
    let (sim, app) = app();
    let a = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_authorised", 1000, "EUR"),
    )
    .await;
    let psp = a.body["pspReference"].as_str().unwrap().to_string();
    let path = format!("/v71/payments/{psp}/refunds");
    let r1 = call(&app, "POST", &path, K, Some("r1"), refund(600)).await;
    assert_eq!(r1.status, 201, "{}", r1.body);
    assert_eq!(r1.body["status"], "received");
    assert_eq!(r1.body["paymentPspReference"], psp.as_str());
    assert_eq!(r1.body["amount"], json!({"currency": "EUR", "value": 600}));
    assert_eq!(r1.body["reference"], "rf_1");
    assert_eq!(r1.body["merchantRefundReason"], "CUSTOMER REQUEST");
    let rpsp = r1.body["pspReference"].as_str().unwrap().to_string();
    assert_ne!(rpsp, psp);
    // Replayed, not refunded twice.
    let again = call(&app, "POST", &path, K, Some("r1"), refund(600)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, r1.body);
    // More than is left: received, then a failed REFUND notification.
    let r2 = call(&app, "POST", &path, K, Some("r2"), refund(500)).await;
    assert_eq!(r2.status, 201);
    let r3 = call(&app, "POST", &path, K, Some("r3"), refund(400)).await;
    assert_eq!(r3.status, 201);

    let refunds: Vec<Value> = sim
        .notifications()
        .into_iter()
        .filter(|n| n["eventCode"] == "REFUND")
        .collect();
    assert_eq!(refunds.len(), 3);
    assert_eq!(refunds[0]["pspReference"], rpsp.as_str());
    assert_eq!(refunds[0]["originalReference"], psp.as_str());
    assert_eq!(refunds[0]["merchantReference"], "rf_1");
    assert_eq!(refunds[0]["success"], "true");
    assert_eq!(refunds[1]["success"], "false");
    assert_eq!(refunds[1]["reason"], "Insufficient balance on payment");
    assert_eq!(refunds[2]["success"], "true");
    for n in &refunds {
        assert_eq!(
            n["additionalData"]["hmacSignature"].as_str().unwrap(),
            sign_notification(SANDBOX_HMAC_KEY, n)
        );
    }
    assert_eq!(sim.refunds().len(), 3);
    assert_eq!(sim.payments()[0]["refundedValue"], 1000);

    // A later REFUND_FAILED gives the amount back.
    let f = call(
        &app,
        "POST",
        &format!("/_sim/refund_failed/{rpsp}"),
        None,
        None,
        Value::Null,
    )
    .await;
    assert_eq!(f.status, 200, "{}", f.body);
    let last = sim.notifications().pop().unwrap();
    assert_eq!(last["eventCode"], "REFUND_FAILED");
    assert_eq!(last["pspReference"], rpsp.as_str());
    assert_eq!(sim.payments()[0]["refundedValue"], 400);

    // Validation: unknown payment, zero amount, another currency, bad reason.
    let u = call(
        &app,
        "POST",
        "/v71/payments/0000000000000000/refunds",
        K,
        None,
        refund(1),
    )
    .await;
    assert_eq!(u.status, 422);
    assert_eq!(u.body["errorCode"], "167");
    let z = call(&app, "POST", &path, K, None, refund(0)).await;
    assert_eq!(z.body["errorCode"], "137");
    let mut other = refund(1);
    other["amount"]["currency"] = json!("USD");
    let c = call(&app, "POST", &path, K, None, other).await;
    assert_eq!(c.status, 422);
    let mut reason = refund(1);
    reason["merchantRefundReason"] = json!("because");
    let b = call(&app, "POST", &path, K, None, reason).await;
    assert_eq!(b.status, 422);
}

#[tokio::test]
async fn minor_units_pass_through() {
    let (sim, app) = app();
    let j = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_authorised", 1000, "JPY"),
    )
    .await;
    assert_eq!(j.body["amount"], json!({"currency": "JPY", "value": 1000}));
    let k = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_authorised", 1000, "KWD"),
    )
    .await;
    assert_eq!(k.body["amount"], json!({"currency": "KWD", "value": 1000}));
    assert_eq!(sim.payments().len(), 2);
    let x = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        None,
        pay("adyen_test_authorised", 1000, "XYZ"),
    )
    .await;
    assert_eq!(x.body["errorCode"], "138");
}

#[tokio::test]
async fn captures_cancels_and_reversals() {
    let (sim, app) = app();
    let mut manual = pay("adyen_test_authorised", 1000, "EUR");
    manual["captureDelayHours"] = json!(24);
    let a = call(&app, "POST", "/v71/payments", K, None, manual.clone()).await;
    let psp = a.body["pspReference"].as_str().unwrap().to_string();
    let c = call(&app, "POST", &format!("/v71/payments/{psp}/captures"), K, None,
            json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT, "amount": {"currency": "EUR", "value": 1000}})).await;
    assert_eq!(c.status, 201);
    assert_eq!(sim.notifications().last().unwrap()["eventCode"], "CAPTURE");
    assert_eq!(sim.payments()[0]["capturedValue"], 1000);

    let b = call(&app, "POST", "/v71/payments", K, None, manual).await;
    let psp_b = b.body["pspReference"].as_str().unwrap().to_string();
    let x = call(
        &app,
        "POST",
        &format!("/v71/payments/{psp_b}/cancels"),
        K,
        None,
        json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT, "reference": "cancel-1"}),
    )
    .await;
    assert_eq!(x.status, 201, "{}", x.body);
    assert_eq!(x.body["status"], "received");
    let n = sim.notifications().pop().unwrap();
    assert_eq!(n["eventCode"], "CANCELLATION");
    assert_eq!(n["success"], "true");
    assert_eq!(n["originalReference"], psp_b.as_str());

    // Reversal of a captured payment refunds what is left.
    let r = call(
        &app,
        "POST",
        &format!("/v71/payments/{psp}/reversals"),
        K,
        None,
        json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
    )
    .await;
    assert_eq!(r.status, 201);
    let n = sim.notifications().pop().unwrap();
    assert_eq!(n["eventCode"], "CANCEL_OR_REFUND");
    assert_eq!(n["additionalData"]["modification.action"], "refund");
    assert_eq!(n["amount"]["value"], 1000);
}

#[tokio::test]
async fn authentication_and_validation() {
    let (_sim, app) = app();
    let body = pay("adyen_test_authorised", 100, "EUR");
    let a = call(&app, "POST", "/v71/payments", None, None, body.clone()).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.body,
        json!({"status": 401, "errorCode": "000",
            "message": "HTTP Status Response - Unauthorized", "errorType": "security"})
    );
    let a = call(
        &app,
        "POST",
        "/v71/paymentMethods",
        Some("AQE_wrong"),
        None,
        json!({}),
    )
    .await;
    assert_eq!(a.status, 401);

    let mut m = body.clone();
    m["merchantAccount"] = json!("SomeoneElse");
    let f = call(&app, "POST", "/v71/payments", K, None, m).await;
    assert_eq!(f.status, 403);
    assert_eq!(f.body["errorCode"], "901");
    assert_eq!(f.body["message"], "Invalid Merchant Account");
    assert!(f.body["pspReference"].is_string());

    let mut r = body.clone();
    r.as_object_mut().unwrap().remove("returnUrl");
    let v = call(&app, "POST", "/v71/payments", K, None, r).await;
    assert_eq!(v.status, 422);
    assert_eq!(v.body["errorCode"], "14_030");
    assert_eq!(v.body["message"], "Return URL is missing.");
    let mut r = body.clone();
    r.as_object_mut().unwrap().remove("amount");
    assert_eq!(
        call(&app, "POST", "/v71/payments", K, None, r).await.body["errorCode"],
        "100"
    );
    let mut r = body.clone();
    r.as_object_mut().unwrap().remove("reference");
    assert_eq!(
        call(&app, "POST", "/v71/payments", K, None, r).await.body["errorCode"],
        "130"
    );
    let mut r = body.clone();
    r["metadata"] = json!({"aVeryLongMetadataKeyName": "x"});
    assert_eq!(
        call(&app, "POST", "/v71/payments", K, None, r).await.body["errorCode"],
        "177"
    );

    let req = Request::builder()
        .method("POST")
        .uri("/v71/payments")
        .header("x-api-key", SANDBOX_API_KEY)
        .body(Body::from("{\"amount\":"))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 400);
    let u = call(&app, "GET", "/v71/payments", K, None, Value::Null).await;
    assert_eq!(u.status, 404);
    let long = "k".repeat(65);
    let l = call(&app, "POST", "/v71/payments", K, Some(&long), body).await;
    assert_eq!(l.status, 400);
}

#[tokio::test]
async fn idempotency_replays_and_refuses_other_bodies() {
    let (sim, app) = app();
    let body = pay("adyen_test_authorised", 1000, "EUR");
    let a = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        Some("beep-payment-1"),
        body.clone(),
    )
    .await;
    let b = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        Some("beep-payment-1"),
        body.clone(),
    )
    .await;
    assert_eq!(b.status, 200);
    assert_eq!(a.body, b.body);
    assert_eq!(sim.payments().len(), 1);
    assert_eq!(sim.notifications().len(), 1);
    let mut other = body.clone();
    other["amount"]["value"] = json!(2000);
    let c = call(
        &app,
        "POST",
        "/v71/payments",
        K,
        Some("beep-payment-1"),
        other,
    )
    .await;
    assert_eq!(c.status, 422);
    assert_eq!(c.body["errorCode"], "704");
    assert!(c.headers.get("transient-error").is_none());
    assert_eq!(sim.payments().len(), 1);
    // A validation error is not stored: the key stays usable.
    let mut bad = body.clone();
    bad.as_object_mut().unwrap().remove("returnUrl");
    let v = call(&app, "POST", "/v71/payments", K, Some("k2"), bad).await;
    assert_eq!(v.status, 422);
    let ok = call(&app, "POST", "/v71/payments", K, Some("k2"), body).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn concurrent_request_with_key_in_flight_is_transient_704() {
    let (sim, app) = app();
    let d = call(
        &app,
        "POST",
        "/_sim/delay",
        None,
        None,
        json!({"ms": 300, "stage": "processing"}),
    )
    .await;
    assert_eq!(d.status, 200);
    let app2 = app.clone();
    let body = pay("adyen_test_authorised", 1000, "EUR");
    let b2 = body.clone();
    let first =
        tokio::spawn(async move { call(&app2, "POST", "/v71/payments", K, Some("f1"), b2).await });
    tokio::time::sleep(Duration::from_millis(80)).await;
    let second = call(&app, "POST", "/v71/payments", K, Some("f1"), body.clone()).await;
    assert_eq!(second.status, 422, "{}", second.body);
    assert_eq!(second.body["errorCode"], "704");
    assert_eq!(second.headers.get("transient-error").unwrap(), "true");
    let first = first.await.unwrap();
    assert_eq!(first.status, 200);
    let third = call(&app, "POST", "/v71/payments", K, Some("f1"), body).await;
    assert_eq!(third.body["pspReference"], first.body["pspReference"]);
    assert_eq!(sim.payments().len(), 1);
}

#[tokio::test]
async fn injected_failures_and_reset() {
    let (sim, app) = app();
    let f = call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        None,
        json!({"status": 500, "times": 2}),
    )
    .await;
    assert_eq!(f.status, 200);
    let body = pay("adyen_test_authorised", 1000, "EUR");
    for _ in 0..2 {
        let a = call(&app, "POST", "/v71/payments", K, Some("x"), body.clone()).await;
        assert_eq!(a.status, 500);
        assert_eq!(a.body["errorType"], "internal");
    }
    let a = call(&app, "POST", "/v71/payments", K, Some("x"), body.clone()).await;
    assert_eq!(a.status, 200);
    assert_eq!(sim.payments().len(), 1);
    // A failure after the fact: Adyen charged, the caller saw a 503; the retry
    // under the same key replays the payment.
    call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        None,
        json!({"status": 503, "after": true}),
    )
    .await;
    let lost = call(&app, "POST", "/v71/payments", K, Some("y"), body.clone()).await;
    assert_eq!(lost.status, 503);
    assert_eq!(sim.payments().len(), 2);
    let retry = call(&app, "POST", "/v71/payments", K, Some("y"), body).await;
    assert_eq!(retry.status, 200);
    assert_eq!(
        retry.body["pspReference"],
        sim.payments()[1]["pspReference"]
    );
    assert_eq!(sim.payments().len(), 2);
    call(
        &app,
        "POST",
        "/v71/_sim/fail",
        None,
        None,
        json!({"status": 429, "retryAfter": 3}),
    )
    .await;
    let r = call(
        &app,
        "POST",
        "/v71/paymentMethods",
        K,
        None,
        json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
    )
    .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers.get("retry-after").unwrap(), "3");
    let bad = call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        None,
        json!({"status": 200}),
    )
    .await;
    assert_eq!(bad.status, 400);
    let z = call(&app, "POST", "/_sim/reset", None, None, Value::Null).await;
    assert_eq!(z.status, StatusCode::NO_CONTENT);
    assert!(sim.payments().is_empty() && sim.notifications().is_empty());
    let again = call(
        &app,
        "POST",
        "/v71/paymentMethods",
        K,
        None,
        json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
    )
    .await;
    assert_eq!(again.status, 200);
}

#[test]
fn notifications_sign_like_adyen() {
    // Adyen's published example (the key and signature of its HMAC docs and libraries).
    let item = json!({
        "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="},
        "amount": {"value": 1130, "currency": "EUR"},
        "pspReference": "7914073381342284",
        "eventCode": "AUTHORISATION",
        "merchantAccountCode": "TestMerchant",
        "merchantReference": "TestPayment-1407325143704",
        "paymentMethod": "visa",
        "success": "true",
    });
    assert_eq!(
        signing_string(&item),
        "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
    );
    assert_eq!(
        sign_notification(
            "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
            &item
        ),
        "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
    );
    assert_eq!(SANDBOX_HMAC_KEY.len(), 64);
    assert!(hex::decode(SANDBOX_HMAC_KEY).is_ok());
}

#[test]
fn dates_and_references() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00+00:00");
    assert_eq!(rfc3339(1_782_907_200), "2026-07-01T12:00:00+00:00");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00+00:00");
    let psp = new_psp();
    assert_eq!(psp.len(), 16);
    assert!(
        psp.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    assert!(
        matches!(route(&Method::POST, "/v71/payments/ABC/refunds"), Some(Endpoint::Modify("refund", p)) if p == "ABC")
    );
    assert!(route(&Method::POST, "/v71/payments/ABC/other").is_none());
    assert!(route(&Method::POST, "/v70/payments").is_none());
}
