use super::seed::FIRST_INVOICE_AT;
use super::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("X-API-Token", t);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&b).unwrap()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, value)
}

async fn token(app: &Router) -> String {
    let (status, _, v) = send(
        app,
        "POST",
        "/business-data-api/v1/login",
        None,
        Some(json!({"login": PARTNER_LOGIN, "password": PARTNER_PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["token"].as_str().unwrap().to_string()
}

#[test]
fn timestamps() {
    assert_eq!(format_rfc3339(FIRST_INVOICE_AT), "2026-01-05T07:00:00Z");
    assert_eq!(format_rfc3339(1_767_335_400), "2026-01-02T06:30:00Z");
}

#[tokio::test]
async fn login_is_required_and_wrong_credentials_are_401() {
    let app = router(VectronSim::new());
    let (status, _, v) = send(
        &app,
        "POST",
        "/business-data-api/v1/login",
        None,
        Some(json!({"login": PARTNER_LOGIN, "password": "nope"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["message"], "Bad credentials");
    let sites = format!("/business-data-api/v3/operator/{OPERATOR_ID}/sites");
    let (status, _, _) = send(&app, "GET", &sites, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = send(&app, "GET", &sites, Some("forged"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let t = token(&app).await;
    let (status, _, v) = send(&app, "GET", &sites, Some(&t), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v[0]["siteId"], SITE_ID);
    let other = format!("/business-data-api/v3/operator/{}/sites", uuid(0x0b, 9));
    assert_eq!(
        send(&app, "GET", &other, Some(&t), None).await.0,
        StatusCode::FORBIDDEN
    );
    let bad = "/business-data-api/v3/operator/not-a-uuid/sites";
    assert_eq!(
        send(&app, "GET", bad, Some(&t), None).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn transactions_page_by_invoice_id_and_carry_every_plu() {
    let app = router(VectronSim::new());
    let t = token(&app).await;
    let base = format!("/business-data-api/v3/site/{SITE_ID}/transactions");
    let mut after: Option<String> = None;
    let mut pages = 0;
    let mut plus = HashSet::new();
    let mut numbers = Vec::new();
    loop {
        let uri = match &after {
            Some(id) => format!("{base}?id={id}"),
            None => base.clone(),
        };
        let (status, _, v) = send(&app, "GET", &uri, Some(&t), None).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let page = v.as_array().unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= PAGE_SIZE);
        pages += 1;
        for inv in page {
            numbers.push(inv["invoiceNumber"].as_i64().unwrap());
            for p in inv["products"].as_array().unwrap() {
                plus.insert(p["number"].as_str().unwrap().to_string());
            }
        }
        after = page.last().unwrap()["invoiceId"]
            .as_str()
            .map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(numbers, (1..=SEED_INVOICES as i64).collect::<Vec<_>>());
    assert_eq!(plus.len(), 40);

    // A changed PLU arrives with one new invoice after the last one.
    let (status, _, v) = send(
        &app,
        "POST",
        &format!("/_sim/sites/{SITE_ID}/products/103"),
        None,
        Some(json!({"name": "Croissant XL", "price": 1.99})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["invoiceNumber"], 251);
    let (_, _, v) = send(
        &app,
        "GET",
        &format!("{base}?id={}", after.unwrap()),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["products"][0]["name"], "Croissant XL");
    assert_eq!(v[0]["items"][0]["price"], 1.99);
    let (status, _, _) = send(
        &app,
        "GET",
        &format!("{base}?id={}", uuid(0x1a, 9999)),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn failures_and_retention() {
    let app = router(VectronSim::new());
    let (status, _, _) = send(
        &app,
        "POST",
        "/_sim/fail",
        None,
        Some(json!({"status": 429, "times": 1, "retryAfter": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, _) = send(
        &app,
        "POST",
        "/business-data-api/v1/login",
        None,
        Some(json!({"login": PARTNER_LOGIN, "password": PARTNER_PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "2");
    let t = token(&app).await;
    let (_, _, v) = send(
        &app,
        "POST",
        &format!("/_sim/sites/{SITE_ID}/retention"),
        None,
        Some(json!({"keepFrom": 4})),
    )
    .await;
    assert_eq!(v["dropped"], 3);
    let (_, _, v) = send(
        &app,
        "GET",
        &format!("/business-data-api/v3/site/{SITE_ID}/transactions"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(v[0]["invoiceNumber"], 4);
    let (_, _, v) = send(
        &app,
        "GET",
        &format!("/business-data-api/v3/site/{SITE_ID}/data-entries"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1]["managedArticles"][0]["price"], 1.19);
}
