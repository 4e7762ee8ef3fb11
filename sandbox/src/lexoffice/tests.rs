use super::*;
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

fn app() -> Router {
    router(LexofficeSim::new())
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, value)
}

async fn api(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (s, _, v) = send(app, method, uri, body, Some(SANDBOX_KEY)).await;
    (s, v)
}

/// Lifts the limit so a test can make many requests.
async fn unlimited(app: &Router) {
    let (s, _, _) = send(
        app,
        "POST",
        "/_sim/ratelimit",
        Some(json!({"perSecond": 1000, "burst": 1000})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

fn voucher(number: &str) -> Value {
    json!({
        "type": "salesinvoice",
        "voucherNumber": number,
        "voucherDate": "2026-06-15",
        "totalGrossAmount": 3.47,
        "totalTaxAmount": 0.55,
        "taxType": "gross",
        "useCollectiveContact": true,
        "voucherItems": [{"amount": 3.47, "taxAmount": 0.55, "taxRatePercent": 19,
                          "categoryId": "8f8664a8-fd86-11e1-a21f-0800200c9a66"}],
    })
}

#[tokio::test]
async fn articles_page_the_spring_way() {
    let app = app();
    let (s, v) = api(&app, "GET", "/v1/articles?page=0&size=10", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["content"].as_array().unwrap().len(), 10);
    assert_eq!(v["totalElements"], 25);
    assert_eq!(v["totalPages"], 3);
    assert_eq!(v["first"], true);
    assert_eq!(v["last"], false);
    let a = &v["content"][0];
    assert_eq!(a["articleNumber"], "LX-1001");
    assert_eq!(a["type"], "PRODUCT");
    assert_eq!(a["price"]["netPrice"], 0.99);
    assert_eq!(a["price"]["grossPrice"], 1.06);
    assert_eq!(a["price"]["taxRate"], 7);
    assert!(a.get("stock").is_none());
    let (_, v) = api(&app, "GET", "/v1/articles?page=2&size=10", None).await;
    assert_eq!(v["content"].as_array().unwrap().len(), 5);
    assert_eq!(v["last"], true);
    assert_eq!(v["number"], 2);
    let id = v["content"][4]["id"].as_str().unwrap().to_string();
    let (s, a) = api(&app, "GET", &format!("/v1/articles/{id}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a["type"], "SERVICE");
    let (s, v) = api(&app, "GET", "/v1/articles?size=251", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["IssueList"][0]["source"], "size");
    let (s, _) = api(&app, "GET", "/v1/articles/nope", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn contacts_filter_by_role() {
    let app = app();
    let (_, v) = api(&app, "GET", "/v1/contacts?vendor=true", None).await;
    let content = v["content"].as_array().unwrap();
    assert_eq!(content.len(), 3);
    assert_eq!(
        content[0]["company"]["name"],
        "Getränke Großhandel Nord GmbH"
    );
    assert_eq!(content[0]["company"]["vatRegistrationId"], "DE811907980");
    assert_eq!(
        content[0]["emailAddresses"]["business"][0],
        "bestellung@getraenke-nord.example"
    );
    assert!(content[0]["roles"]["vendor"].is_object());
    let (_, v) = api(&app, "GET", "/v1/contacts?customer=true", None).await;
    assert_eq!(v["totalElements"], 3);
    let (_, v) = api(&app, "GET", "/v1/contacts", None).await;
    assert_eq!(v["totalElements"], 5);
    assert_eq!(v["content"][3]["person"]["lastName"], "Mustermann");
}

#[tokio::test]
async fn auth_is_a_bearer_key() {
    let app = app();
    let (s, _, v) = send(&app, "GET", "/v1/contacts", None, Some("wrong")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v, json!({"message": "Unauthorized"}));
    let (s, _, _) = send(&app, "GET", "/v1/contacts", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn vouchers_are_stored_duplicates_too_and_listed() {
    let app = app();
    let (s, v) = api(&app, "POST", "/v1/vouchers", Some(voucher("BEEP-1"))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert!(v["resourceUri"].as_str().unwrap().ends_with(&id));
    let (s, _) = api(&app, "POST", "/v1/vouchers", Some(voucher("BEEP-1"))).await;
    assert_eq!(s, StatusCode::CREATED, "lexoffice allows a repeated number");
    let (_, v) = api(
            &app,
            "GET",
            "/v1/voucherlist?voucherType=salesinvoice,salescreditnote&voucherStatus=any&voucherNumber=BEEP-1",
            None,
        )
        .await;
    assert_eq!(v["totalElements"], 2);
    assert_eq!(v["content"][0]["id"], id.as_str());
    assert_eq!(v["content"][0]["totalAmount"], 3.47);
    let (_, v) = api(
        &app,
        "GET",
        "/v1/voucherlist?voucherType=salesinvoice&voucherStatus=any&voucherNumber=BEEP-2",
        None,
    )
    .await;
    assert_eq!(v["totalElements"], 0);
    let (s, v) = api(&app, "GET", &format!("/v1/vouchers/{id}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["voucherItems"][0]["taxRatePercent"], 19);
    let (_, _, v) = send(&app, "GET", "/_sim/vouchers", None, None).await;
    assert_eq!(v["vouchers"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_vouchers_are_406_with_an_issue_list() {
    let app = app();
    let mut bad = voucher("");
    bad["voucherItems"][0]["amount"] = json!(1.0);
    let (s, v) = api(&app, "POST", "/v1/vouchers", Some(bad)).await;
    assert_eq!(s, StatusCode::NOT_ACCEPTABLE, "{v}");
    let sources: Vec<&str> = v["IssueList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["voucherNumber", "totalGrossAmount"]);
    let (s, _) = api(&app, "GET", "/v1/voucherlist?voucherType=any", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "voucherStatus is required");
}

#[tokio::test]
async fn purchase_invoices_are_listed() {
    let app = app();
    let (_, v) = api(
        &app,
        "GET",
        "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=any&page=0&size=100",
        None,
    )
    .await;
    let content = v["content"].as_array().unwrap();
    assert_eq!(content.len(), 3);
    assert_eq!(content[0]["voucherNumber"], "ER-2024-0101");
    assert_eq!(content[0]["totalAmount"], 195.6);
    assert_eq!(content[0]["contactId"], uuid(0xc0, 1).as_str());
    let (_, v) = api(
        &app,
        "GET",
        "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=open",
        None,
    )
    .await;
    assert_eq!(v["totalElements"], 1);
}

#[tokio::test]
async fn the_limit_is_a_token_bucket_per_key() {
    let app = app();
    for i in 0..BURST as usize {
        let (s, _) = api(&app, "GET", "/v1/contacts", None).await;
        assert_eq!(s, StatusCode::OK, "request {i}");
    }
    let (s, h, v) = send(&app, "GET", "/v1/contacts", None, Some(SANDBOX_KEY)).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h[header::RETRY_AFTER], "1");
    assert_eq!(v["message"], "Rate limit exceeded");
    // A wrong key is refused before it costs anything.
    let (s, _, _) = send(&app, "GET", "/v1/contacts", None, Some("x")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let (s, _) = api(&app, "GET", "/v1/contacts", None).await;
    assert_eq!(s, StatusCode::OK, "a token is back after half a second");
    // Configurable: one at a time, one a second.
    let (s, _, _) = send(
        &app,
        "POST",
        "/_sim/ratelimit",
        Some(json!({"perSecond": 1, "burst": 1})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api(&app, "GET", "/v1/contacts", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api(&app, "GET", "/v1/contacts", None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn injected_failures_answer_then_stop() {
    let app = app();
    unlimited(&app).await;
    send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 500, "times": 1})),
        None,
    )
    .await;
    let (s, v) = api(&app, "GET", "/v1/contacts", None).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v["status"], 500);
    let (s, _) = api(&app, "GET", "/v1/contacts", None).await;
    assert_eq!(s, StatusCode::OK);
    send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 429, "times": 1})),
        None,
    )
    .await;
    let (s, h, _) = send(&app, "GET", "/v1/contacts", None, Some(SANDBOX_KEY)).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h[header::RETRY_AFTER], "1");
    let (s, _, _) = send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 200})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_lost_answer_still_stores_the_voucher() {
    let app = app();
    unlimited(&app).await;
    send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 500, "times": 1, "afterWrite": true})),
        None,
    )
    .await;
    let (s, _) = api(&app, "GET", "/v1/contacts", None).await;
    assert_eq!(s, StatusCode::OK, "reads are not hit");
    let (s, _) = api(&app, "POST", "/v1/vouchers", Some(voucher("BEEP-r1"))).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (s, _) = api(&app, "POST", "/v1/vouchers", Some(voucher("BEEP-r2"))).await;
    assert_eq!(s, StatusCode::CREATED, "one failure only");
    let (_, _, all) = send(&app, "GET", "/_sim/vouchers", None, None).await;
    let numbers: Vec<&str> = all["vouchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["voucherNumber"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["BEEP-r1", "BEEP-r2"]);
}
