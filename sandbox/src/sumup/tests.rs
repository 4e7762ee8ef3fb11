use super::*;
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt as _;

const K: Option<&str> = Some(SANDBOX_API_KEY);

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "127.0.0.1:9");
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
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
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn app() -> (Arc<SumupSim>, Router) {
    let sim = SumupSim::new();
    (sim.clone(), router(sim))
}

fn checkout(reference: &str, amount: Value, currency: &str) -> Value {
    json!({"checkout_reference": reference, "amount": amount, "currency": currency,
               "merchant_code": SANDBOX_MERCHANT_CODE, "description": "order-1",
               "redirect_url": "https://shop.example/back"})
}

async fn paid(app: &Router, reference: &str, amount: Value) -> Value {
    let (s, c) = call(
        app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout(reference, amount, "EUR")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap();
    let (s, c) = call(
        app,
        "PUT",
        &format!("/v0.1/checkouts/{id}"),
        K,
        Some(json!({"payment_type": "card", "token": "sumup_test_paid"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    c
}

#[tokio::test]
async fn auth_and_merchant() {
    let (_, app) = app();
    let (s, b) = call(&app, "GET", "/v1/merchants/MCBEEP01", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(b["detail"], "Unauthorized.");
    assert_eq!(
        b["type"],
        "https://developer.sumup.com/problem/unauthorized"
    );
    let (s, _) = call(
        &app,
        "GET",
        "/v1/merchants/MCBEEP01",
        Some("sup_sk_wrong"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, b) = call(&app, "GET", "/v1/merchants/MCBEEP01", K, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["merchant_code"], "MCBEEP01");
    let (s, _) = call(&app, "GET", "/v1/merchants/MCOTHER", K, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn checkouts_are_created_once_per_reference() {
    let (sim, app) = app();
    let (s, c) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("pay_1", json!(10.1), "EUR")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["status"], "PENDING");
    assert_eq!(c["amount"], 10.1);
    assert_eq!(c["transactions"], json!([]));
    let (s, e) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("pay_1", json!(5), "EUR")),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(e["error_code"], "DUPLICATED_CHECKOUT");
    let (s, list) = call(
        &app,
        "GET",
        "/v0.1/checkouts?checkout_reference=pay_1",
        K,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], c["id"]);
    let (_, list) = call(
        &app,
        "GET",
        "/v0.1/checkouts?checkout_reference=nope",
        K,
        None,
    )
    .await;
    assert_eq!(list, json!([]));
    assert_eq!(sim.checkouts().len(), 1);

    // Validation in SumUp's words.
    let (s, e) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(json!({"checkout_reference": "x", "amount": 1, "currency": "EUR"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        e,
        json!({"error_code": "MISSING", "message": "Validation error", "param": "merchant_code"})
    );
    let (s, e) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("jpy", json!(1000), "JPY")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["message"], "Currency JPY is not supported");
    let (s, e) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("clp", json!(1000.5), "CLP")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["param"], "amount");
    let (s, c) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("clp2", json!(1000), "CLP")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(c["amount"], 1000.0);
    let (s, _) = call(&app, "GET", "/v0.1/checkouts/nope", K, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn outcomes_follow_the_token() {
    let (_, app) = app();
    let c = paid(&app, "p", json!(19.99)).await;
    assert_eq!(c["status"], "PAID");
    assert_eq!(c["transactions"][0]["status"], "SUCCESSFUL");
    assert_eq!(c["transaction_id"], c["transactions"][0]["id"]);
    let id = c["id"].as_str().unwrap();
    // Not twice.
    let (s, e) = call(
        &app,
        "PUT",
        &format!("/v0.1/checkouts/{id}"),
        K,
        Some(json!({"payment_type": "card", "token": "sumup_test_paid"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error_code"], "CHECKOUT_PROCESSED");

    for (token, status, tx) in [
        ("sumup_test_failed", "FAILED", "FAILED"),
        ("sumup_test_pending", "PENDING", "PENDING"),
        ("sumup_test_cancelled", "FAILED", "CANCELLED"),
    ] {
        let (_, c) = call(
            &app,
            "POST",
            "/v0.1/checkouts",
            K,
            Some(checkout(token, json!(1), "EUR")),
        )
        .await;
        let (s, c) = call(
            &app,
            "PUT",
            &format!("/v0.1/checkouts/{}", c["id"].as_str().unwrap()),
            K,
            Some(json!({"payment_type": "card", "token": token})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (
                c["status"].as_str().unwrap(),
                c["transactions"][0]["status"].as_str().unwrap()
            ),
            (status, tx)
        );
    }

    let (_, c) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("3ds", json!(1), "EUR")),
    )
    .await;
    let id = c["id"].as_str().unwrap().to_string();
    let (s, a) = call(
        &app,
        "PUT",
        &format!("/v0.1/checkouts/{id}"),
        K,
        Some(json!({"payment_type": "card", "token": "sumup_test_3ds"})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let url = a["next_step"]["url"].as_str().unwrap();
    assert_eq!(url, format!("http://127.0.0.1:9/_sim/3ds/{id}"));
    assert_eq!(a["next_step"]["redirect_url"], "https://shop.example/back");
    let req = Request::builder()
        .uri(format!("/_sim/3ds/{id}?status=paid"))
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, c) = call(&app, "GET", &format!("/v0.1/checkouts/{id}"), K, None).await;
    assert_eq!(c["status"], "PAID");

    let (_, c) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("bad", json!(1), "EUR")),
    )
    .await;
    let (s, e) = call(
        &app,
        "PUT",
        &format!("/v0.1/checkouts/{}", c["id"].as_str().unwrap()),
        K,
        Some(json!({"payment_type": "card", "token": "tok_unknown"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["param"], "token");
}

#[tokio::test]
async fn refunds_never_exceed_the_payment() {
    let (sim, app) = app();
    let c = paid(&app, "p", json!(10)).await;
    let tx = c["transaction_id"].as_str().unwrap();
    let url = format!("/v1.0/merchants/MCBEEP01/payments/{tx}/refunds");
    let (s, b) = call(&app, "POST", &url, K, Some(json!({"amount": 4.5}))).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(b, json!({}));
    let (s, b) = call(&app, "POST", &url, K, Some(json!({"amount": 6}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["errors"][0]["code"], "INVALID_AMOUNT");
    assert_eq!(b["errors"][0]["max_refundable_amount"], 5.5);
    let (s, _) = call(&app, "POST", &url, K, Some(json!({"amount": 0}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = call(&app, "POST", &url, K, None).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, b) = call(&app, "POST", &url, K, Some(json!({"amount": 1}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let r = sim.refunds();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1]["amount"], 5.5);
    assert_eq!(sim.checkouts()[0]["transactions"][0]["status"], "REFUNDED");
    let (s, _) = call(
        &app,
        "POST",
        "/v1.0/merchants/MCBEEP01/payments/nope/refunds",
        K,
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn injected_failures() {
    let (sim, app) = app();
    let req = Request::builder()
        .method("POST")
        .uri("/_sim/fail")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"status":503,"times":1,"after":true,"method":"POST"}"#,
        ))
        .unwrap();
    assert!(
        app.clone()
            .oneshot(req)
            .await
            .unwrap()
            .status()
            .is_success()
    );
    // A GET does not consume a POST failure.
    let (s, _) = call(&app, "GET", "/v0.1/checkouts", K, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("x", json!(1), "EUR")),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(b["status"], 503);
    // `after`: the checkout exists although the answer was lost.
    assert_eq!(sim.checkouts().len(), 1);
    let (s, _) = call(
        &app,
        "POST",
        "/v0.1/checkouts",
        K,
        Some(checkout("y", json!(1), "EUR")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
}
