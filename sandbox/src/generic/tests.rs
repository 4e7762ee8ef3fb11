use super::*;
use tower::ServiceExt;

async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    auth: bool,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    if auth {
        req = req.header("authorization", format!("Bearer {DEMO_TOKEN}"));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let resp = router
        .clone()
        .oneshot(
            req.header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn lists_page_by_cursor_and_filter_by_updated_since() {
    let r = router(GenericSim::new());
    let (status, _) = call(&r, "GET", "/products", false, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, page) = call(&r, "GET", "/products?limit=10", true, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"].as_array().unwrap().len(), 10);
    let next = page["next"].as_str().unwrap().to_string();
    let (_, page2) = call(
        &r,
        "GET",
        &format!("/products?limit=20&cursor={next}"),
        true,
        None,
    )
    .await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 14);
    assert!(page2["next"].is_null());
    let last = page2["data"][13]["updatedAt"].as_str().unwrap().to_string();
    let (_, none) = call(
        &r,
        "GET",
        &format!("/products?updatedSince={last}"),
        true,
        None,
    )
    .await;
    assert_eq!(none["data"], json!([]));
    let (status, _) = call(&r, "GET", "/products?cursor=garbage", true, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn puts_apply_once() {
    let r = router(GenericSim::new());
    let sale = json!({"id": "s1", "receiptNumber": "R-1", "total": eur(100), "lines": [
            {"name": "x", "quantity": 1, "unitPrice": eur(100), "total": eur(100)}], "payments": [],
            "createdAt": "2026-01-01T10:00:00Z"});
    let (status, body) = call(&r, "PUT", "/sales/s1", true, Some(sale.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = call(&r, "PUT", "/sales/s1", true, Some(sale.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&r, "PUT", "/sales/s2", true, Some(sale)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, sales) = call(&r, "GET", "/_sim/sales", false, None).await;
    assert_eq!(sales.as_array().unwrap().len(), 1);
}
