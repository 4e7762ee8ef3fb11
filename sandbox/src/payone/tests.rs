use super::*;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use tower::ServiceExt;

fn signed(method: &str, path: &str, body: Option<Value>, secret: &str, date: &str) -> Request {
    let mut b = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("date", date)
        .header("host", "127.0.0.1:1");
    let mut headers = HeaderMap::new();
    headers.insert(header::DATE, date.parse().unwrap());
    if body.is_some() {
        b = b.header("content-type", "application/json");
        headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    }
    let sig = sign(secret, &string_to_sign(method, &headers, path));
    b.header(
        "authorization",
        format!("GCS v1HMAC:{SANDBOX_API_KEY}:{sig}"),
    )
    .body(match body {
        Some(v) => Body::from(v.to_string()),
        None => Body::empty(),
    })
    .unwrap()
}

fn now() -> String {
    http_date(now_secs())
}

async fn call(app: &Router, req: Request) -> (StatusCode, Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn cases_path() -> String {
    format!("/v1/{SANDBOX_MERCHANT_ID}/commerce-cases")
}

async fn new_case(app: &Router, amount: i64, currency: &str, reference: &str) -> (String, String) {
    let (status, body) = call(
            app,
            signed(
                "POST",
                &cases_path(),
                Some(json!({"merchantReference": reference, "checkout": {"amountOfMoney": {"amount": amount, "currencyCode": currency}}})),
                SANDBOX_API_SECRET,
                &now(),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["commerceCaseId"].as_str().unwrap().to_string(),
        body["checkout"]["checkoutId"].as_str().unwrap().to_string(),
    )
}

async fn execute(
    app: &Router,
    cc: &str,
    co: &str,
    token: &str,
    amount: i64,
    currency: &str,
) -> (StatusCode, Value) {
    call(
            app,
            signed(
                "POST",
                &format!("{}/{cc}/checkouts/{co}/payment-executions", cases_path()),
                Some(json!({
                    "paymentMethodSpecificInput": {"cardPaymentMethodSpecificInput": {"paymentProcessingToken": token, "authorizationMode": "SALE"}},
                    "paymentExecutionSpecificInput": {"amountOfMoney": {"amount": amount, "currencyCode": currency}, "paymentReferences": {"merchantReference": "p1"}}
                })),
                SANDBOX_API_SECRET,
                &now(),
            ),
        )
        .await
}

#[test]
fn dates_round_trip() {
    assert_eq!(http_date(784887151), "Tue, 15 Nov 1994 08:12:31 GMT");
    assert_eq!(
        parse_http_date("Tue, 15 Nov 1994 08:12:31 GMT"),
        Some(784887151)
    );
    assert_eq!(parse_http_date("1994-11-15"), None);
    let mut h = HeaderMap::new();
    h.insert(
        header::DATE,
        "Tue, 15 Nov 1994 08:12:31 GMT".parse().unwrap(),
    );
    h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    // The same vector the connector checks (computed independently with Python).
    assert_eq!(
        sign(
            "sim-secret",
            &string_to_sign("POST", &h, "/v1/M1/commerce-cases")
        ),
        "txMsNQTKcAUC1PamwEmeeRmNe+yXlWsuVoJsubXO/e4="
    );
}

#[tokio::test]
async fn signatures_are_verified() {
    let app = router(PayoneSim::new());
    let path = format!("{}?merchantReference=x", cases_path());
    let (status, body) = call(&app, signed("GET", &path, None, SANDBOX_API_SECRET, &now())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!([]));
    let (status, body) = call(&app, signed("GET", &path, None, "wrong", &now())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["id"], "AUTHENTICATION_FAILED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("signature")
    );
    let stale = http_date(now_secs() - 16 * 60);
    let (status, body) = call(&app, signed("GET", &path, None, SANDBOX_API_SECRET, &stale)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("15 minutes")
    );
    let req = axum::http::Request::builder()
        .uri(&path)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, req).await.0, StatusCode::UNAUTHORIZED);
    let other = "/v1/other/commerce-cases?merchantReference=x";
    let (status, _) = call(&app, signed("GET", other, None, SANDBOX_API_SECRET, &now())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn outcomes_and_refunds() {
    let app = router(PayoneSim::new());
    let (cc, co) = new_case(&app, 1999, "EUR", "pay-1").await;
    let (status, body) = execute(&app, &cc, &co, "payone_test_ok", 1999, "EUR").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["payment"]["status"], "CAPTURED");
    assert_eq!(
        body["payment"]["statusOutput"]["statusCategory"],
        "COMPLETED"
    );
    let pe = body["paymentExecutionId"].as_str().unwrap().to_string();
    // Found again by merchantReference.
    let (_, found) = call(
        &app,
        signed(
            "GET",
            &format!("{}?merchantReference=pay-1", cases_path()),
            None,
            SANDBOX_API_SECRET,
            &now(),
        ),
    )
    .await;
    assert_eq!(
        found[0]["checkouts"][0]["paymentExecutions"][0]["paymentExecutionId"],
        pe.as_str()
    );

    let refund = |amount: i64, reference: &str| {
        signed(
            "POST",
            &format!(
                "{}/{cc}/checkouts/{co}/payment-executions/{pe}/refund",
                cases_path()
            ),
            Some(
                json!({"amountOfMoney": {"amount": amount, "currencyCode": "EUR"}, "references": {"merchantReference": reference}}),
            ),
            SANDBOX_API_SECRET,
            &now(),
        )
    };
    let (status, body) = call(&app, refund(1000, "r1")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "REFUNDED");
    let (status, _) = call(&app, refund(500, "r1")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = call(&app, refund(1000, "r2")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["id"], "REFUND_AMOUNT_EXCEEDED");
    let (status, _) = call(&app, refund(999, "r3")).await;
    assert_eq!(status, StatusCode::CREATED);

    let (cc, co) = new_case(&app, 500, "EUR", "pay-2").await;
    let (status, body) = execute(&app, &cc, &co, "payone_test_declined", 500, "EUR").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(body["errors"][0]["id"], "CARD_DECLINED");
    let (cc, co) = new_case(&app, 500, "EUR", "pay-3").await;
    let (status, body) = execute(&app, &cc, &co, "payone_test_3ds", 500, "EUR").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["payment"]["status"], "REDIRECTED");
    let url = body["merchantAction"]["redirectData"]["redirectURL"]
        .as_str()
        .unwrap();
    assert!(url.starts_with("http://127.0.0.1:1/_sim/3ds/"), "{url}");
    let (cc, co) = new_case(&app, 100000, "JPY", "pay-4").await;
    let (status, _) = execute(&app, &cc, &co, "payone_test_pending", 100050, "JPY").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = execute(&app, &cc, &co, "payone_test_pending", 100000, "JPY").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["payment"]["status"], "AUTHORIZATION_REQUESTED");
    let (status, _) = execute(&app, &cc, &co, "bogus", 1, "JPY").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let req = axum::http::Request::builder()
        .uri("/_sim/payments")
        .body(Body::empty())
        .unwrap();
    let (_, list) = call(&app, req).await;
    assert_eq!(list.as_array().unwrap().len(), 4);
    let req = axum::http::Request::builder()
        .uri("/_sim/refunds")
        .body(Body::empty())
        .unwrap();
    let (_, list) = call(&app, req).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn fail_plans() {
    let app = router(PayoneSim::new());
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/_sim/fail")
        .body(Body::from(r#"{"status":503,"times":1,"after":true}"#))
        .unwrap();
    assert_eq!(call(&app, req).await.0, StatusCode::OK);
    let (status, _) = call(
            &app,
            signed(
                "POST",
                &cases_path(),
                Some(json!({"merchantReference": "x", "checkout": {"amountOfMoney": {"amount": 1, "currencyCode": "EUR"}}})),
                SANDBOX_API_SECRET,
                &now(),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // It executed all the same.
    let (_, found) = call(
        &app,
        signed(
            "GET",
            &format!("{}?merchantReference=x", cases_path()),
            None,
            SANDBOX_API_SECRET,
            &now(),
        ),
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
}
