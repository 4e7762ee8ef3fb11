use super::model::{ean13, net};
use super::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
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
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&b).unwrap()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let resp = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, value)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    let (s, _, v) = send(app, "GET", uri, Some(TOKEN), None).await;
    (s, v)
}

fn app() -> Router {
    router(LightspeedSim::new())
}

#[test]
fn ean_and_net_prices() {
    assert_eq!(ean13(400_638_133_393), "4006381333931");
    assert_eq!(net(119, 1900), 1.0);
    assert_eq!(net(189, 1900), 1.58824);
}

#[tokio::test]
async fn demo_shapes_and_version_paging() {
    let app = app();
    let (s, v) = get(&app, "/api/2.0/products").await;
    assert_eq!(s, StatusCode::OK);
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 36);
    assert_eq!(data[0]["sku"], "1001");
    assert_eq!(data[0]["name"], "Club-Mate 0.5l");
    assert_eq!(data[0]["price_including_tax"], 1.89);
    assert_eq!(data[0]["price_excluding_tax"], 1.58824);
    assert_eq!(data[0]["product_codes"][0]["type"], "EAN");
    assert_eq!(v["version"], json!({"min": 1001, "max": 1036}));

    let (_, v) = get(&app, "/api/2.0/products?page_size=10").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 10);
    assert_eq!(v["version"]["max"], 1010);
    let (_, v) = get(&app, "/api/2.0/products?page_size=10&after=1030").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 6);
    let (_, v) = get(&app, "/api/2.0/products?after=1036").await;
    assert_eq!(v["data"], json!([]));
    assert_eq!(v["version"], Value::Null);
    let (_, v) = get(&app, "/api/2.0/products?after=1000&before=1003").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    let (_, v) = get(&app, "/api/2.0/products?sku=1002&after=99999").await;
    assert_eq!(v["data"][0]["name"], "Brezel");
    let (s, _) = get(&app, "/api/2.0/products?page_size=x").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (_, v) = get(&app, "/api/2.0/price_book_products").await;
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 8);
    assert_eq!(data[0]["default_display_price"], 1.69);
    assert_eq!(data[0]["price_book_id"], PRICE_BOOK_ID);
    assert_eq!(v["version"], json!({"min": 1037, "max": 1044}));

    let (_, v) = get(&app, "/api/2.0/product_categories").await;
    let cats = v["data"]["categories"].as_array().unwrap();
    let names: Vec<&str> = cats.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bakery", "Drinks", "Soft Drinks", "Snacks"]);
    assert_eq!(cats[2]["parent_category_id"], cats[1]["id"]);
    assert_eq!(cats[1]["leaf_category"], false);
    assert_eq!(v["page_info"]["has_next"], false);
    let (_, v) = get(&app, "/api/2.0/product_categories?page_size=3").await;
    assert_eq!(v["page_info"]["has_next"], true);
    let last = v["page_info"]["last_seen"].as_str().unwrap().to_string();
    let (_, v) = get(&app, &format!("/api/2.0/product_categories?after={last}")).await;
    assert_eq!(v["data"]["categories"][0]["name"], "Snacks");
    assert_eq!(v["page_info"]["has_next"], false);
}

#[tokio::test]
async fn auth_failures_and_changes() {
    let app = app();
    let (s, _, v) = send(&app, "GET", "/api/2.0/products", Some("nope"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v, json!({"error": "Access token is not valid"}));
    let (s, _, _) = send(&app, "GET", "/api/2.0/products", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    send(
        &app,
        "POST",
        "/_sim/fail",
        None,
        Some(json!({"status": 429, "times": 2})),
    )
    .await;
    for _ in 0..2 {
        let (s, h, _) = send(&app, "GET", "/api/2.0/products", Some(TOKEN), None).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(h[header::RETRY_AFTER], "1");
    }
    let (s, _) = get(&app, "/api/2.0/products").await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, n) = send(&app, "GET", "/_sim/requests", None, None).await;
    assert_eq!(n, 5);

    let (s, _, v) = send(
        &app,
        "POST",
        "/_sim/products/1003",
        None,
        Some(json!({"name": "Renamed", "price": 1.5})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["version"], 1045);
    let (_, v) = get(&app, "/api/2.0/products?after=1044").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["name"], "Renamed");
    assert_eq!(v["data"][0]["price_including_tax"], 1.5);
}

#[tokio::test]
async fn generated_stores() {
    let app = app();
    let token = format!("{GEN_TOKEN_PREFIX}2500");
    let (_, _, v) = send(
        &app,
        "GET",
        "/api/2.0/products?page_size=1000&after=2000",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 1000);
    assert_eq!(v["version"], json!({"min": 2001, "max": 3000}));
    let (_, _, v) = send(
        &app,
        "GET",
        "/api/2.0/products?after=3000",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 500);
    let (s, _, _) = send(
        &app,
        "GET",
        "/api/2.0/products",
        Some(&format!("{GEN_TOKEN_PREFIX}0")),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

fn sale(source_id: &str, product_id: &str) -> Value {
    json!({
        "register_id": REGISTER_ID,
        "sale_date": "2026-06-01T12:00:00Z",
        "status": "CLOSED",
        "source_id": source_id,
        "invoice_number": "R-1",
        "register_sale_products": [{"product_id": product_id, "quantity": 2, "price": 1.58824, "tax": 0.30176}],
        "register_sale_payments": [{"retailer_payment_type_id": PAYMENT_TYPE_CARD, "amount": 3.78, "payment_date": "2026-06-01T12:00:00Z"}],
    })
}

#[tokio::test]
async fn register_sales_are_stored_once() {
    let app = app();
    let product = uid(5, 1);
    let (s, _, v) = send(
        &app,
        "POST",
        "/api/register_sales",
        Some(TOKEN),
        Some(sale("beep-1", &product)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["register_sale"]["id"].clone();
    assert_eq!(v["register_sale"]["totals"]["total_price"], 3.17648);
    let (s, _, v) = send(
        &app,
        "POST",
        "/api/register_sales",
        Some(TOKEN),
        Some(sale("beep-1", &product)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["register_sale"]["id"], id);
    let (s, _, v) = send(
        &app,
        "POST",
        "/api/register_sales",
        Some(TOKEN),
        Some(sale("beep-2", "nope")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["details"].as_str().unwrap().contains("product_id"));
    let mut bad = sale("beep-3", &product);
    bad["register_id"] = json!("x");
    let (s, _, _) = send(&app, "POST", "/api/register_sales", Some(TOKEN), Some(bad)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = send(
        &app,
        "POST",
        "/api/register_sales",
        Some("nope"),
        Some(sale("beep-4", &product)),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, _, all) = send(&app, "GET", "/_sim/sales", None, None).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["source_id"], "beep-1");
}
