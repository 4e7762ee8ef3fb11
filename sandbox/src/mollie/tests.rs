use super::params::parse_form;
use super::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
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
    body: Option<Value>,
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "sim.test");
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    if let Some(i) = idem {
        req = req.header("idempotency-key", i);
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

const K: Option<&str> = Some(SANDBOX_API_KEY);

fn app() -> (Arc<MollieSim>, Router) {
    let sim = MollieSim::new();
    (sim.clone(), router(sim))
}

fn pay(value: &str, currency: &str, method: &str) -> Value {
    json!({
        "amount": {"currency": currency, "value": value},
        "description": "order-1",
        "redirectUrl": "https://shop.example/return",
        "webhookUrl": "https://beep.example/webhooks/mollie/store-1",
        "method": method,
        "metadata": {"beep_payment_id": "pay_1", "beep_reference": "order-1"},
    })
}

#[tokio::test]
async fn create_get_and_list() {
    let (sim, app) = app();
    let a = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        Some("k1"),
        Some(pay("10.00", "EUR", "mollie_test_paid")),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(
        a.headers.get("content-type").unwrap(),
        "application/hal+json"
    );
    let p = &a.body;
    let id = p["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("tr_"));
    assert_eq!(p["resource"], "payment");
    assert_eq!(p["mode"], "test");
    assert_eq!(p["status"], "paid");
    assert_eq!(p["amount"], json!({"value": "10.00", "currency": "EUR"}));
    assert_eq!(p["amountRemaining"]["value"], "10.00");
    assert_eq!(p["amountRefunded"]["value"], "0.00");
    assert_eq!(p["method"], "creditcard");
    assert_eq!(p["metadata"]["beep_payment_id"], "pay_1");
    assert!(p["paidAt"].as_str().unwrap().ends_with("+00:00"));
    assert!(p.get("isCancelable").is_none());
    assert!(p["_links"]["checkout"].is_null());
    assert_eq!(
        p["_links"]["self"]["href"],
        format!("http://sim.test/v2/payments/{id}")
    );

    let g = call(&app, "GET", &format!("/v2/payments/{id}"), K, None, None).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body, a.body);

    let m = call(&app, "GET", "/v2/payments/tr_missing", K, None, None).await;
    assert_eq!(m.status, 404);
    assert_eq!(m.body["title"], "Not Found");
    assert_eq!(m.body["detail"], "No payment exists with token tr_missing.");

    for i in 0..4 {
        let a = call(
            &app,
            "POST",
            "/v2/payments",
            K,
            Some(&format!("more-{i}")),
            Some(pay("1.00", "EUR", "mollie_test_open")),
        )
        .await;
        assert_eq!(a.status, 201);
    }
    let l = call(&app, "GET", "/v2/payments?limit=2", K, None, None).await;
    assert_eq!(l.status, 200, "{}", l.body);
    assert_eq!(l.body["count"], 2);
    let page = l.body["_embedded"]["payments"].as_array().unwrap();
    assert_eq!(page[0]["id"], sim.payments("")[4]["id"], "newest first");
    let next = l.body["_links"]["next"]["href"].as_str().unwrap();
    let next = next.strip_prefix("http://sim.test").unwrap();
    let l2 = call(&app, "GET", next, K, None, None).await;
    assert_eq!(l2.body["count"], 2);
    let l3 = call(
        &app,
        "GET",
        l2.body["_links"]["next"]["href"]
            .as_str()
            .unwrap()
            .strip_prefix("http://sim.test")
            .unwrap(),
        K,
        None,
        None,
    )
    .await;
    assert_eq!(l3.body["count"], 1);
    assert_eq!(l3.body["_embedded"]["payments"][0]["id"], id.as_str());
    assert!(l3.body["_links"]["next"].is_null());
    let bad = call(&app, "GET", "/v2/payments?from=tr_nope", K, None, None).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["field"], "from");
    let bad = call(&app, "GET", "/v2/payments?limit=251", K, None, None).await;
    assert_eq!(bad.status, 400);

    let methods = call(&app, "GET", "/v2/methods", K, None, None).await;
    assert_eq!(methods.status, 200);
    assert!(methods.body["count"].as_u64().unwrap() > 0);
    assert_eq!(
        methods.body["_embedded"]["methods"][0]["resource"],
        "method"
    );
}

#[tokio::test]
async fn authentication_is_required() {
    let (_, app) = app();
    for key in [
        None,
        Some("test_wrongwrongwrongwrongwrongwrong00"),
        Some("live_BeepSandboxMollieKey0000000000"),
    ] {
        let a = call(&app, "GET", "/v2/methods", key, None, None).await;
        assert_eq!(a.status, 401);
        assert_eq!(a.body["status"], 401);
        assert_eq!(a.body["title"], "Unauthorized Request");
        assert_eq!(
            a.body["detail"],
            "Missing authentication, or failed to authenticate"
        );
        assert!(a.body["_links"]["documentation"]["href"].is_string());
    }
    // The test hooks need no key.
    let a = call(&app, "GET", "/_sim/payments", None, None, None).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn outcomes_follow_the_test_method() {
    let (sim, app) = app();
    let mut statuses = Vec::new();
    for (method, status) in [
        ("mollie_test_paid", "paid"),
        ("mollie_test_failed", "failed"),
        ("mollie_test_failed_insufficient_funds", "failed"),
        ("mollie_test_open", "open"),
        ("mollie_test_pending", "pending"),
        ("mollie_test_authorized", "authorized"),
        ("mollie_test_canceled", "canceled"),
        ("mollie_test_expired", "expired"),
        ("ideal", "open"),
    ] {
        let a = call(
            &app,
            "POST",
            "/v2/payments",
            K,
            None,
            Some(pay("5.00", "EUR", method)),
        )
        .await;
        assert_eq!(a.status, 201, "{method}: {}", a.body);
        assert_eq!(a.body["status"], status, "{method}");
        statuses.push(a.body);
    }
    assert_eq!(statuses[1]["details"]["failureReason"], "card_declined");
    assert_eq!(
        statuses[1]["details"]["failureMessage"],
        "Your card was declined."
    );
    assert_eq!(
        statuses[2]["details"]["failureReason"],
        "insufficient_funds"
    );
    let open = &statuses[3];
    let checkout = open["_links"]["checkout"]["href"].as_str().unwrap();
    assert!(checkout.starts_with("http://sim.test/_sim/checkout/tr_"));
    assert_eq!(open["_links"]["checkout"]["type"], "text/html");
    assert_eq!(open["isCancelable"], true);
    assert!(open["expiresAt"].is_string());
    assert!(open["method"].is_null());
    assert_eq!(statuses[8]["method"], "ideal");
    assert!(statuses[8]["_links"]["checkout"].is_object());

    // Card tokens pay at once; point-of-sale waits for the terminal without a checkout.
    let mut body = pay("5.00", "EUR", "creditcard");
    body["cardToken"] = json!("tkn_12345");
    let a = call(&app, "POST", "/v2/payments", K, None, Some(body)).await;
    assert_eq!(a.body["status"], "paid", "{}", a.body);
    let mut body = pay("5.00", "EUR", "pointofsale");
    body["terminalId"] = json!("term_1");
    body.as_object_mut().unwrap().remove("redirectUrl");
    let a = call(&app, "POST", "/v2/payments", K, None, Some(body)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["status"], "open");
    assert!(a.body["_links"]["checkout"].is_null());
    // Manual capture holds the money.
    let mut body = pay("5.00", "EUR", "mollie_test_paid");
    body["captureMode"] = json!("manual");
    let a = call(&app, "POST", "/v2/payments", K, None, Some(body)).await;
    assert_eq!(a.body["status"], "authorized");

    // A webhook-worthy event for every payment that left `open` (no call for `open`).
    let events = sim.events();
    assert_eq!(events.len(), 9, "{events:?}");
    assert_eq!(
        events[0]["body"],
        format!("id={}", statuses[0]["id"].as_str().unwrap())
    );
    assert_eq!(
        events[0]["webhookUrl"],
        "https://beep.example/webhooks/mollie/store-1"
    );
}

#[tokio::test]
async fn amounts_carry_exact_decimals() {
    let (_, app) = app();
    for (value, currency) in [("1000", "JPY"), ("10.00", "EUR"), ("1500", "ISK")] {
        let a = call(
            &app,
            "POST",
            "/v2/payments",
            K,
            None,
            Some(pay(value, currency, "mollie_test_paid")),
        )
        .await;
        assert_eq!(a.status, 201, "{value} {currency}: {}", a.body);
        assert_eq!(a.body["amount"]["value"], value);
    }
    for (value, currency, field) in [
        ("10.0", "EUR", "amount.value"),
        ("10", "EUR", "amount.value"),
        ("10.000", "EUR", "amount.value"),
        ("1000.00", "JPY", "amount.value"),
        ("1,00", "EUR", "amount.value"),
        ("-1.00", "EUR", "amount.value"),
        ("1.000", "KWD", "amount.currency"),
        ("1.00", "eur", "amount.currency"),
        ("0.00", "EUR", "amount"),
        ("1000000.01", "EUR", "amount"),
    ] {
        let a = call(
            &app,
            "POST",
            "/v2/payments",
            K,
            None,
            Some(pay(value, currency, "mollie_test_paid")),
        )
        .await;
        assert_eq!(a.status, 422, "{value} {currency}: {}", a.body);
        assert_eq!(a.body["title"], "Unprocessable Entity");
        assert_eq!(a.body["field"], field, "{value} {currency}: {}", a.body);
    }
    let a = call(
            &app,
            "POST",
            "/v2/payments",
            K,
            None,
            Some(json!({"amount": {"currency": "EUR", "value": 10}, "description": "x", "redirectUrl": "https://x.example"})),
        )
        .await;
    assert_eq!(a.status, 422);
}

#[tokio::test]
async fn validation_names_the_field() {
    let (sim, app) = app();
    let mut cases = Vec::new();
    let mut b = pay("1.00", "EUR", "mollie_test_paid");
    b.as_object_mut().unwrap().remove("description");
    cases.push((b, "description", "The 'description' field is missing"));
    let mut b = pay("1.00", "EUR", "mollie_test_paid");
    b.as_object_mut().unwrap().remove("amount");
    cases.push((b, "amount", "The 'amount' field is missing"));
    let mut b = pay("1.00", "EUR", "mollie_test_paid");
    b.as_object_mut().unwrap().remove("redirectUrl");
    cases.push((b, "redirectUrl", "The 'redirectUrl' field is missing"));
    let b = pay("1.00", "EUR", "bitcoin");
    cases.push((b, "method", "The payment method 'bitcoin' is invalid"));
    let mut b = pay("1.00", "EUR", "mollie_test_paid");
    b["webhookUrl"] = json!("not a url");
    cases.push((b, "webhookUrl", "The webhookUrl 'not a url' is invalid"));
    let mut b = pay("1.00", "EUR", "mollie_test_paid");
    b["metadata"] = json!({"big": "x".repeat(2000)});
    cases.push((
        b,
        "metadata",
        "The metadata exceeds the maximum size of 1024 bytes",
    ));
    for (body, field, detail) in cases {
        let a = call(&app, "POST", "/v2/payments", K, None, Some(body)).await;
        assert_eq!(a.status, 422, "{}", a.body);
        assert_eq!(a.body["field"], field);
        assert_eq!(a.body["detail"], detail);
    }
    assert!(sim.payments("").is_empty());

    // Mollie's curl examples send forms.
    let req = Request::builder()
        .method("POST")
        .uri("/v2/payments")
        .header("authorization", format!("Bearer {SANDBOX_API_KEY}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "amount[currency]=EUR&amount[value]=10.00&description=Order+%2312345\
                 &redirectUrl=https://webshop.example.org/order/12345/&method=mollie_test_paid",
        ))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(sim.payments("")[0]["description"], "Order #12345");
    let req = Request::builder()
        .method("POST")
        .uri("/v2/payments")
        .header("authorization", format!("Bearer {SANDBOX_API_KEY}"))
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn idempotency_replays_and_refuses() {
    let (sim, app) = app();
    let body = pay("10.00", "EUR", "mollie_test_paid");
    let a = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        Some("same"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(a.status, 201);
    assert!(a.headers.get("idempotent-replayed").is_none());
    let b = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        Some("same"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(b.status, 201);
    assert_eq!(b.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(b.body, a.body);
    assert_eq!(sim.payments("").len(), 1);
    let c = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        Some("same"),
        Some(pay("11.00", "EUR", "mollie_test_paid")),
    )
    .await;
    assert_eq!(c.status, 422, "{}", c.body);
    assert_eq!(sim.payments("").len(), 1);
    // A refused request is not stored: corrected, it may use its key.
    let mut bad = body.clone();
    bad["method"] = json!("bitcoin");
    let d = call(&app, "POST", "/v2/payments", K, Some("k2"), Some(bad)).await;
    assert_eq!(d.status, 422);
    let d = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        Some("k2"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(d.status, 201);
    assert!(d.headers.get("idempotent-replayed").is_none());

    // A repeat while the first is still executing is a 409; then it replays.
    call(
        &app,
        "POST",
        "/_sim/delay",
        None,
        None,
        Some(json!({"ms": 300, "stage": "processing"})),
    )
    .await;
    let first = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        Some("slow"),
        Some(body.clone()),
    );
    let second = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        call(
            &app,
            "POST",
            "/v2/payments",
            K,
            Some("slow"),
            Some(body.clone()),
        )
        .await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 409, "{}", second.body);
    assert_eq!(second.body["title"], "Conflict");
    let third = call(&app, "POST", "/v2/payments", K, Some("slow"), Some(body)).await;
    assert_eq!(third.status, 201);
    assert_eq!(third.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(third.body["id"], first.body["id"]);
    assert_eq!(sim.payments("").len(), 3);
}

#[tokio::test]
async fn refunds_never_exceed_the_paid_amount() {
    let (sim, app) = app();
    let p = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        None,
        Some(pay("10.00", "EUR", "mollie_test_paid")),
    )
    .await;
    let id = p.body["id"].as_str().unwrap().to_string();
    let path = format!("/v2/payments/{id}/refunds");
    let refund = |v: &str| json!({"amount": {"currency": "EUR", "value": v}, "description": "r"});
    let r1 = call(&app, "POST", &path, K, Some("r1"), Some(refund("4.00"))).await;
    assert_eq!(r1.status, 201, "{}", r1.body);
    assert!(r1.body["id"].as_str().unwrap().starts_with("re_"));
    assert_eq!(r1.body["status"], "pending");
    assert_eq!(r1.body["paymentId"], id.as_str());
    assert_eq!(r1.body["amount"]["value"], "4.00");
    let again = call(&app, "POST", &path, K, Some("r1"), Some(refund("4.00"))).await;
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let r2 = call(&app, "POST", &path, K, Some("r2"), Some(refund("6.00"))).await;
    assert_eq!(r2.status, 201);
    let over = call(&app, "POST", &path, K, Some("r3"), Some(refund("0.01"))).await;
    assert_eq!(over.status, 422, "{}", over.body);
    assert_eq!(over.body["field"], "amount");
    assert!(over.body["detail"].as_str().unwrap().contains("0.00 EUR"));
    let g = call(&app, "GET", &format!("/v2/payments/{id}"), K, None, None).await;
    assert_eq!(g.body["amountRefunded"]["value"], "10.00");
    assert_eq!(g.body["amountRemaining"]["value"], "0.00");
    assert!(g.body["_links"]["refunds"]["href"].is_string());
    let e = call(
        &app,
        "GET",
        &format!("/v2/payments/{id}?embed=refunds"),
        K,
        None,
        None,
    )
    .await;
    assert_eq!(e.body["_embedded"]["refunds"].as_array().unwrap().len(), 2);

    // A failed refund gives its amount back.
    let rid = r2.body["id"].as_str().unwrap();
    let hook = call(
        &app,
        "POST",
        &format!("/_sim/refunds/{rid}/status"),
        None,
        None,
        Some(json!({"status": "failed"})),
    )
    .await;
    assert_eq!(hook.status, 200, "{}", hook.body);
    assert_eq!(hook.body["status"], "failed");
    let r4 = call(&app, "POST", &path, K, Some("r4"), Some(refund("6.00"))).await;
    assert_eq!(r4.status, 201, "{}", r4.body);
    let got = call(
        &app,
        "GET",
        &format!("{path}/{}", r4.body["id"].as_str().unwrap()),
        K,
        None,
        None,
    )
    .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, r4.body);
    let list = call(&app, "GET", &path, K, None, None).await;
    assert_eq!(list.body["count"], 3);
    let missing = call(&app, "GET", &format!("{path}/re_nope"), K, None, None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(sim.refunds("").len(), 3);

    // Wrong currency, unpaid payments, duplicates without a key.
    let c = call(
        &app,
        "POST",
        &path,
        K,
        None,
        Some(json!({"amount": {"currency": "USD", "value": "1.00"}})),
    )
    .await;
    assert_eq!(c.status, 422);
    let open = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        None,
        Some(pay("10.00", "EUR", "mollie_test_open")),
    )
    .await;
    let open_id = open.body["id"].as_str().unwrap();
    let r = call(
        &app,
        "POST",
        &format!("/v2/payments/{open_id}/refunds"),
        K,
        None,
        Some(refund("1.00")),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let paid = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        None,
        Some(pay("10.00", "EUR", "mollie_test_paid")),
    )
    .await;
    let p2 = format!("/v2/payments/{}/refunds", paid.body["id"].as_str().unwrap());
    assert_eq!(
        call(&app, "POST", &p2, K, None, Some(refund("1.00")))
            .await
            .status,
        201
    );
    let dup = call(&app, "POST", &p2, K, None, Some(refund("1.00"))).await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.body["detail"], "A duplicate refund has been detected");
}

#[tokio::test]
async fn status_changes_record_webhooks() {
    let (sim, app) = app();
    let p = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        None,
        Some(pay("10.00", "EUR", "mollie_test_open")),
    )
    .await;
    let id = p.body["id"].as_str().unwrap().to_string();
    assert!(sim.events().is_empty());
    let a = call(
        &app,
        "POST",
        &format!("/_sim/payments/{id}/status"),
        None,
        None,
        Some(json!({"status": "paid"})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "paid");
    assert!(a.body["_links"]["checkout"].is_null());
    assert_eq!(a.body["method"], "creditcard");
    let events = sim.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["status"], "paid");
    assert_eq!(events[0]["body"], format!("id={id}"));
    // Paid is final.
    let again = call(
        &app,
        "POST",
        &format!("/_sim/payments/{id}/status"),
        None,
        None,
        Some(json!({"status": "failed"})),
    )
    .await;
    assert_eq!(again.status, 409);
    let unknown = call(
        &app,
        "POST",
        "/_sim/payments/tr_nope/status",
        None,
        None,
        Some(json!({"status": "paid"})),
    )
    .await;
    assert_eq!(unknown.status, 404);
    let events = call(
        &app,
        "GET",
        &format!("/_sim/events?paymentId={id}"),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(events.body.as_array().unwrap().len(), 1);

    // The checkout stand-in applies the shopper's choice and redirects.
    let p = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        None,
        Some(pay("10.00", "EUR", "mollie_test_open")),
    )
    .await;
    let id = p.body["id"].as_str().unwrap().to_string();
    let c = call(
        &app,
        "GET",
        &format!("/_sim/checkout/{id}?status=failed"),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(c.status, 303);
    assert_eq!(
        c.headers.get("location").unwrap(),
        "https://shop.example/return"
    );
    let g = call(&app, "GET", &format!("/v2/payments/{id}"), K, None, None).await;
    assert_eq!(g.body["status"], "failed");
    assert_eq!(g.body["details"]["failureReason"], "card_declined");
    let c = call(
        &app,
        "GET",
        &format!("/_sim/checkout/{id}"),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(c.status, 409);
}

#[tokio::test]
async fn injected_failures() {
    let (sim, app) = app();
    let f = call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        None,
        Some(json!({"status": 503, "times": 2})),
    )
    .await;
    assert_eq!(f.status, 200);
    for _ in 0..2 {
        let a = call(&app, "GET", "/v2/methods", K, None, None).await;
        assert_eq!(a.status, 503);
        assert_eq!(a.body["title"], "Service Unavailable");
    }
    assert_eq!(
        call(&app, "GET", "/v2/methods", K, None, None).await.status,
        200
    );

    // `after`: the payment is created, the caller sees a 502, the key replays it.
    call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        None,
        Some(json!({"status": 502, "after": true})),
    )
    .await;
    let body = pay("3.00", "EUR", "mollie_test_paid");
    let a = call(
        &app,
        "POST",
        "/v2/payments",
        K,
        Some("x"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(a.status, 502);
    assert_eq!(sim.payments("").len(), 1);
    let b = call(&app, "POST", "/v2/payments", K, Some("x"), Some(body)).await;
    assert_eq!(b.status, 201);
    assert_eq!(b.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(sim.payments("").len(), 1);

    call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        None,
        Some(json!({"status": 429, "retryAfter": 3})),
    )
    .await;
    let a = call(&app, "GET", "/v2/methods", K, None, None).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers.get("retry-after").unwrap(), "3");

    let r = call(&app, "POST", "/_sim/reset", None, None, None).await;
    assert_eq!(r.status, 204);
    assert!(sim.payments("").is_empty());
    assert_eq!(
        call(&app, "GET", "/v2/methods", K, None, None).await.status,
        200
    );
}

#[test]
fn timestamps_are_iso_8601() {
    assert_eq!(iso(0), "1970-01-01T00:00:00+00:00");
    assert_eq!(iso(1_710_926_017), "2024-03-20T09:13:37+00:00");
    assert_eq!(iso(951_782_400), "2000-02-29T00:00:00+00:00");
}

#[test]
fn forms_nest_with_brackets() {
    let m = parse_form(b"amount[currency]=EUR&amount[value]=1.00&method[]=ideal&method[]=creditcard&description=a+b")
            .unwrap();
    assert_eq!(
        Value::Object(m),
        json!({"amount": {"currency": "EUR", "value": "1.00"}, "method": ["ideal", "creditcard"], "description": "a b"})
    );
    assert!(parse_form(b"a=1&a[b]=2").is_err());
}
