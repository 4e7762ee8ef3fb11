use super::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;

fn app() -> Router {
    router(XentralSim::new())
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
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
    let (s, _, v) = send(app, method, uri, body, Some(DEMO_TOKEN)).await;
    (s, v)
}

#[tokio::test]
async fn products_page_with_stock_over_two_warehouses() {
    let app = app();
    let (s, v) = api(
        &app,
        "GET",
        "/api/v1/products?page[number]=1&page[size]=50",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"].as_array().unwrap().len(), 40);
    assert_eq!(v["extra"]["totalCount"], 40);
    assert_eq!(v["data"][1]["number"], "XP-1002");
    assert_eq!(v["data"][1]["stockCount"], 25.0, "20 + 5");
    assert_eq!(v["data"][39]["isStockItem"], false);
    let (_, v) = api(
        &app,
        "GET",
        "/api/v1/products?page%5Bnumber%5D=4&page%5Bsize%5D=10",
        None,
    )
    .await;
    assert_eq!(v["data"][0]["id"], "31");
    let (s, _) = api(&app, "GET", "/api/v1/products?page[size]=51", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, v) = api(&app, "GET", "/api/v1/products/2/storageLocations", None).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    let (_, v) = api(
        &app,
        "GET",
        "/api/v1/products?filter[0][key]=number&filter[0][op]=equals&filter[0][value]=XP-1003",
        None,
    )
    .await;
    assert_eq!(v["data"][0]["id"], "3");
}

#[tokio::test]
async fn generated_instances_slice_pages() {
    let app = app();
    let (s, _, v) = send(
        &app,
        "GET",
        "/api/v1/products?page[number]=2000&page[size]=50",
        None,
        Some("gen-100000"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["extra"]["totalCount"], 100_000);
    assert_eq!(v["data"].as_array().unwrap().len(), 50);
    assert_eq!(v["data"][49]["id"], "100000");
    let (_, _, v) = send(
        &app,
        "GET",
        "/api/v1/products?page[number]=2001&page[size]=50",
        None,
        Some("gen-100000"),
    )
    .await;
    assert_eq!(v["data"], json!([]));
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let app = app();
    let (s, _, v) = send(&app, "GET", "/api/v1/products", None, Some("nope")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v, "Unauthorized");
    let (s, _, _) = send(&app, "GET", "/api/v1/products", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn suppliers_and_purchase_orders() {
    let app = app();
    let (_, v) = api(
        &app,
        "GET",
        "/api/v1/suppliers?page[number]=1&page[size]=50",
        None,
    )
    .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 3);
    assert_eq!(v["data"][0]["general"]["vatNumber"], "DE811907980");
    let (_, v) = api(&app, "GET", "/api/v1/purchaseOrders", None).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert!(v["data"][0].get("positions").is_none());
    let (_, v) = api(&app, "GET", "/api/v1/purchaseOrders/1", None).await;
    assert_eq!(v["data"]["positions"].as_array().unwrap().len(), 3);
    assert_eq!(v["data"]["positions"][0]["price"]["amount"], "0.45");
    assert_eq!(v["data"]["financials"]["total"]["amount"], "195.60");
    let (s, _) = api(&app, "GET", "/api/v1/purchaseOrders/9", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn import(ext: &str) -> Value {
    json!({
        "date": "2026-06-15", "externalOrderId": ext,
        "customer": {"id": CUSTOMER_ID}, "project": {"id": PROJECT_ID},
        "financials": {"paymentMethod": {"id": PAYMENT_METHOD_ID}, "currency": "EUR"},
        "delivery": {"shippingMethod": {"id": SHIPPING_METHOD_ID}},
        "positions": [{"product": {"id": SALE_PRODUCT_ID}, "quantity": 1, "price": {"amount": "3.47", "currency": "EUR"}}],
    })
}

#[tokio::test]
async fn sales_orders_are_imported_and_searchable() {
    let app = app();
    let (s, h, _) = send(
        &app,
        "POST",
        "/api/v1/salesOrders/actions/import",
        Some(import("BEEP-1")),
        Some(DEMO_TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("/api/v1/salesOrders/1")
    );
    send(
        &app,
        "POST",
        "/api/v1/salesOrders/actions/import",
        Some(import("BEEP-1")),
        Some(DEMO_TOKEN),
    )
    .await;
    let q = "/api/v1/salesOrders?filter[0][key]=externalOrderId&filter[0][op]=equals&filter[0][value]=BEEP-1";
    let (_, v) = api(&app, "GET", q, None).await;
    assert_eq!(
        v["data"].as_array().unwrap().len(),
        2,
        "duplicates are kept"
    );
    assert_eq!(v["data"][0]["total"], 3.47);
    let (_, v) = api(&app, "GET", &q.replace("BEEP-1", "BEEP-2"), None).await;
    assert_eq!(v["data"], json!([]));
    let mut bad = import("x");
    bad["customer"]["id"] = json!("999");
    let (s, v) = api(
        &app,
        "POST",
        "/api/v1/salesOrders/actions/import",
        Some(bad),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["messages"][0].as_str().unwrap().contains("customer"));
    let (_, _, pushed) = send(&app, "GET", "/_sim/pushed", None, None).await;
    assert_eq!(pushed["salesOrders"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn stock_is_booked_in_and_out() {
    let app = app();
    let items = "/api/v1/warehouses/1/storageLocations/11/items";
    let (s, _) = api(
        &app,
        "PATCH",
        items,
        Some(json!({"product": {"sku": "XP-1001"}, "quantity": 4, "reason": "BEEP-x"})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = api(
        &app,
        "POST",
        items,
        Some(json!({"product": {"sku": "XP-1001"}, "quantity": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = api(&app, "GET", "/api/v1/products/1", None).await;
    assert_eq!(v["data"]["stockCount"], 7.0);
    let (s, _) = api(
        &app,
        "PATCH",
        items,
        Some(json!({"product": {"sku": "XP-1001"}, "quantity": 100})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = api(
        &app,
        "POST",
        items,
        Some(json!({"product": {"sku": "nope"}, "quantity": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(
        &app,
        "POST",
        "/api/v1/warehouses/1/storageLocations/21/items",
        Some(json!({"product": {"sku": "XP-1001"}, "quantity": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, _, pushed) = send(&app, "GET", "/_sim/pushed", None, None).await;
    assert_eq!(pushed["stockMovements"][0]["quantity"], -4.0);
    send(
        &app,
        "POST",
        "/_sim/products/1/stock",
        Some(json!({"quantity": 12})),
        None,
    )
    .await;
    let (_, v) = api(&app, "GET", "/api/v1/products/1", None).await;
    assert_eq!(v["data"]["stockCount"], 12.0);
}

#[tokio::test]
async fn failures_are_injected() {
    let app = app();
    send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 429, "times": 2})),
        None,
    )
    .await;
    for _ in 0..2 {
        let (s, h, v) = send(&app, "GET", "/api/v1/products", None, Some(DEMO_TOKEN)).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(h[header::RETRY_AFTER], "1");
        assert_eq!(v, "Too many API calls made.");
    }
    assert_eq!(
        api(&app, "GET", "/api/v1/products", None).await.0,
        StatusCode::OK
    );
    send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 500, "times": 1})),
        None,
    )
    .await;
    assert_eq!(
        api(&app, "GET", "/api/v1/products", None).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        api(&app, "GET", "/api/v1/products", None).await.0,
        StatusCode::OK
    );
}
