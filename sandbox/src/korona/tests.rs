use super::model::{TAG_PRODUCT, ean13, uid};
use super::*;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn auth() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"))
    )
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    with_auth: bool,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "sim.test");
    if with_auth {
        req = req.header(header::AUTHORIZATION, auth());
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
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, value)
}

async fn get_api(app: &Router, path: &str) -> (StatusCode, Value) {
    let (s, _, v) = send(
        app,
        "GET",
        &format!("/web/api/v3/accounts/{path}"),
        None,
        true,
    )
    .await;
    (s, v)
}

fn app() -> Router {
    router(KoronaSim::new())
}

#[test]
fn ean_check_digits_and_dates() {
    assert_eq!(ean13(400_638_133_393), "4006381333931");
    assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    let t = UNIX_EPOCH + std::time::Duration::from_secs(1_709_251_199); // leap year
    assert_eq!(format_rfc3339(t), "2024-02-29T23:59:59Z");
}

#[tokio::test]
async fn demo_counts_and_shapes() {
    let app = app();
    let (s, v) = get_api(&app, "demo/products?size=1000").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["resultsTotal"], 42);
    assert_eq!(v["results"].as_array().unwrap().len(), 42);
    let p = &v["results"][0];
    assert_eq!(p["number"], "1001");
    assert_eq!(p["name"], "Still Water 0.5 l");
    assert_eq!(p["commodityGroup"]["name"], "Beverages");
    assert_eq!(p["sector"]["number"], "1");
    assert_eq!(p["prices"][0]["value"], 1.29);
    assert_eq!(p["codes"][0]["productCode"].as_str().unwrap().len(), 13);
    assert!(p["revision"].as_u64().unwrap() > 0);

    let (_, v) = get_api(&app, "demo/commodityGroups").await;
    assert_eq!(v["resultsTotal"], 5);
    assert_eq!(v["results"][4]["parentCommodityGroup"]["name"], "Beverages");
    let (_, v) = get_api(&app, "demo/prices?size=100").await;
    assert_eq!(v["resultsTotal"], 8);
    assert_eq!(v["results"][0]["product"]["number"], "1035");
    let (_, v) = get_api(&app, "demo/sectors").await;
    assert_eq!(v["resultsTotal"], 2);
    let (_, v) = get_api(&app, "demo/salesTaxes").await;
    assert_eq!(v["results"][0]["rates"][0]["rate"], 19.0);
    let (_, v) = get_api(&app, "demo/pointsOfSale").await;
    assert_eq!(v["results"][0]["id"], POINT_OF_SALE_ID);
}

#[tokio::test]
async fn paging_follows_the_spec() {
    let app = app();
    let (s, v) = get_api(&app, "demo/products?size=10&page=1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["currentPage"], 1);
    assert_eq!(v["pagesTotal"], 5);
    assert_eq!(v["resultsOfPage"], 10);
    assert_eq!(v["resultsTotal"], 42);
    assert!(v["links"]["next"].as_str().unwrap().contains("page=2"));
    assert!(v["links"].get("previous").is_none());
    let max = v["maxRevision"].as_u64().unwrap();

    let (_, v) = get_api(&app, "demo/products?size=10&page=5").await;
    assert_eq!(v["resultsOfPage"], 2);
    assert_eq!(v["results"][1]["number"], "1042");
    assert_eq!(v["maxRevision"].as_u64().unwrap(), max);
    assert!(v["links"].get("next").is_none());
    assert!(v["links"]["previous"].as_str().unwrap().contains("page=4"));

    // Past the last page, and an empty list: 204 without a body.
    let (s, v) = get_api(&app, "demo/products?size=10&page=6").await;
    assert_eq!((s, v), (StatusCode::NO_CONTENT, Value::Null));

    // Default size, maximum size, invalid values.
    let (_, v) = get_api(&app, "demo/products").await;
    assert_eq!(v["resultsOfPage"], DEFAULT_PAGE_SIZE);
    let (s, _) = get_api(&app, &format!("demo/products?size={MAX_PAGE_SIZE}")).await;
    assert_eq!(s, StatusCode::OK);
    for bad in [
        "size=1001",
        "size=0",
        "page=0",
        "page=x",
        "revision=abc",
        "sort=name",
    ] {
        let (s, v) = get_api(&app, &format!("demo/products?{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(v["code"], "INVALID_QUERY_PARAMETER");
    }
    // Descending order and the number filter.
    let (_, v) = get_api(&app, "demo/products?sort=-revision&size=1").await;
    assert_eq!(v["results"][0]["number"], "1042");
    let (_, v) = get_api(&app, "demo/products?number=1007").await;
    assert_eq!(v["resultsTotal"], 1);
    assert_eq!(v["results"][0]["name"], "Energy Drink 0.25 l");
}

#[tokio::test]
async fn revision_filter_returns_only_newer_objects() {
    let app = app();
    let (_, v) = get_api(&app, "demo/products?size=1").await;
    let products_max = v["maxRevision"].as_u64().unwrap();
    let (_, v) = get_api(&app, "demo/prices?size=1").await;
    let prices_max = v["maxRevision"].as_u64().unwrap();
    // Nothing newer yet.
    let (s, _) = get_api(&app, &format!("demo/products?revision={products_max}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // `revision` is exclusive: the last product itself is not newer than its own revision.
    let (_, v) = get_api(
        &app,
        &format!("demo/products?revision={}", products_max - 1),
    )
    .await;
    assert_eq!(v["resultsTotal"], 1);

    // Rename one product: exactly that one comes back, no price change.
    let (s, _, v) = send(
        &app,
        "POST",
        "/_sim/accounts/demo/products/1003",
        Some(json!({"name": "Cola Zero 0.33 l"})),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let renamed = v["revision"].as_u64().unwrap();
    assert!(renamed > products_max);
    assert!(v["priceRevision"].is_null());
    let (_, v) = get_api(&app, &format!("demo/products?revision={products_max}")).await;
    assert_eq!(v["resultsTotal"], 1);
    assert_eq!(v["results"][0]["name"], "Cola Zero 0.33 l");
    assert_eq!(v["maxRevision"].as_u64().unwrap(), renamed);
    let (s, _) = get_api(&app, &format!("demo/prices?revision={prices_max}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // Reprice it: the product again, plus one new price object.
    let (_, _, v) = send(
        &app,
        "POST",
        "/_sim/accounts/demo/products/1003",
        Some(json!({"price": 2.49})),
        false,
    )
    .await;
    assert_eq!(v["price"], 2.49);
    let (_, v) = get_api(&app, &format!("demo/products?revision={renamed}")).await;
    assert_eq!(v["resultsTotal"], 1);
    let prices = v["results"][0]["prices"].as_array().unwrap();
    assert_eq!(prices.last().unwrap()["value"], 2.49);
    let (_, v) = get_api(&app, &format!("demo/prices?revision={prices_max}")).await;
    assert_eq!(v["resultsTotal"], 1);
    assert_eq!(v["results"][0]["value"], 2.49);
    assert_eq!(v["results"][0]["product"]["number"], "1003");
    assert_eq!(v["results"][0]["priceGroup"]["name"], "Standard");

    // The same price again is no price change.
    let (_, _, v) = send(
        &app,
        "POST",
        "/_sim/accounts/demo/products/1003",
        Some(json!({"price": 2.49})),
        false,
    )
    .await;
    assert!(v["priceRevision"].is_null());

    // The full list still has 42 products, the changed one now last in revision order.
    let (_, v) = get_api(&app, "demo/products?size=1000").await;
    assert_eq!(v["resultsTotal"], 42);
    assert_eq!(v["results"][41]["number"], "1003");

    let (s, _, _) = send(
        &app,
        "POST",
        "/_sim/accounts/demo/products/9999",
        Some(json!({"name": "x"})),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn receipt(id: &str, number: &str) -> Value {
    json!({
        "id": id,
        "number": number,
        "bookingTime": "2024-05-01T10:00:00Z",
        "items": [{
            "product": {"id": uid(TAG_PRODUCT, 1)},
            "quantity": 2,
            "total": {"base": 2.58, "gross": 2.58, "net": 2.17, "taxPayments": [{"amount": 0.41, "taxRate": 19, "included": true}]}
        }],
        "payments": [{"amount": 2.58, "paymentMethod": {"name": "card"}}],
        "externalReferences": {"beep": id},
    })
}

#[tokio::test]
async fn receipts_are_stored_once() {
    let app = app();
    let url = format!(
        "/web/api/v3/accounts/demo/pointsOfSale/{POINT_OF_SALE_ID}/receipts?couplingId={COUPLING_ID}"
    );
    let a = "11111111-1111-4111-8111-111111111111";
    let b = "22222222-2222-4222-8222-222222222222";
    let (s, _, v) = send(
        &app,
        "POST",
        &url,
        Some(json!([receipt(a, "B-1"), receipt(b, "B-2")])),
        true,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["status"], "OK");
    assert_eq!(v[0]["action"], "ADDED");
    assert_eq!(v[0]["id"], a);
    assert_eq!(v[1]["action"], "ADDED");
    let first_revision = v[0]["revision"].clone();

    // A resend: nothing new, answered as an idempotent no-op with the existing object.
    let c = "33333333-3333-4333-8333-333333333333";
    let (s, _, v) = send(
        &app,
        "POST",
        &url,
        Some(json!([receipt(a, "B-1"), receipt(c, "B-3")])),
        true,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (v[0]["status"].as_str(), v[0]["action"].as_str()),
        (Some("OK"), Some("NONE"))
    );
    assert_eq!(v[0]["revision"], first_revision);
    assert_eq!(v[1]["action"], "ADDED");

    // A new id with a used number is an error for that item only.
    let d = "44444444-4444-4444-8444-444444444444";
    let (_, _, v) = send(&app, "POST", &url, Some(json!([receipt(d, "B-2")])), true).await;
    assert_eq!(v[0]["status"], "ERROR");
    assert!(
        v[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("NUMBER_ALREADY_IN_USE")
    );

    // Unknown product.
    let mut bad = receipt(d, "B-4");
    bad["items"][0]["product"]["id"] = json!(uid(TAG_PRODUCT, 999));
    let (_, _, v) = send(&app, "POST", &url, Some(json!([bad])), true).await;
    assert!(
        v[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("UNRESOLVED_RELATION")
    );

    let (_, _, v) = send(&app, "GET", "/_sim/accounts/demo/receipts", None, false).await;
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["pointOfSale"]["id"], POINT_OF_SALE_ID);

    // Read back through the API.
    let (s, v) = get_api(
        &app,
        &format!("demo/pointsOfSale/{POINT_OF_SALE_ID}/receipts"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["resultsTotal"], 3);
    let (s, v) = get_api(
        &app,
        &format!("demo/pointsOfSale/{POINT_OF_SALE_ID}/receipts/{a}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["number"], "B-1");

    // Whole-request errors.
    let base = format!("/web/api/v3/accounts/demo/pointsOfSale/{POINT_OF_SALE_ID}/receipts");
    let (s, _, v) = send(&app, "POST", &base, Some(json!([receipt(d, "B-5")])), true).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("MISSING_QUERY_PARAMETER"))
    );
    let (s, _, v) = send(
        &app,
        "POST",
        &format!("{base}?couplingId=other"),
        Some(json!([receipt(d, "B-5")])),
        true,
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("POINT_OF_SALE_COUPLED_WITH_OTHER_DEVICE")
        )
    );
    let (s, _, v) = send(&app, "POST", &url, Some(json!({"not": "an array"})), true).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("SUBMITTED_DATA_NOT_WELLFORMED")
        )
    );
    let (s, _, v) = send(&app, "POST", &url, Some(json!([])), true).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("BATCH_SIZE_OUT_OF_RANGE"))
    );
    let other_pos = "00000007-0000-4000-8000-000000000002";
    let (s, _, _) = send(
        &app,
        "POST",
        &format!("/web/api/v3/accounts/demo/pointsOfSale/{other_pos}/receipts?couplingId=x"),
        Some(json!([receipt(d, "B-5")])),
        true,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn auth_accounts_and_injected_failures() {
    let app = app();
    let (s, h, v) = send(
        &app,
        "GET",
        "/web/api/v3/accounts/demo/products",
        None,
        false,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(h.contains_key(header::WWW_AUTHENTICATE));
    assert!(v["message"].is_string());
    let req = Request::builder()
        .uri("/web/api/v3/accounts/demo/products")
        .header(header::AUTHORIZATION, "Basic YmVlcDp3cm9uZw==") // beep:wrong
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let (s, v) = get_api(&app, "nobody/products").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ACCOUNT_NOT_FOUND"))
    );
    let (s, _) = get_api(&app, "gen-0/products").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, _, _) = send(
        &app,
        "POST",
        "/_sim/accounts/demo/fail",
        Some(json!({"status": 429, "times": 2})),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for _ in 0..2 {
        let (s, h, v) = send(
            &app,
            "GET",
            "/web/api/v3/accounts/demo/products",
            None,
            true,
        )
        .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(h[header::RETRY_AFTER], "1");
        assert_eq!(v["code"], "TOO_MANY_PARALLEL_UPDATE_REQUESTS");
    }
    let (s, _) = get_api(&app, "demo/products").await;
    assert_eq!(s, StatusCode::OK);

    send(
        &app,
        "POST",
        "/_sim/accounts/demo/fail",
        Some(json!({"status": 429, "times": 1, "code": "DAILY_LIMIT_EXCEEDED"})),
        false,
    )
    .await;
    let (s, v) = get_api(&app, "demo/products").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("DAILY_LIMIT_EXCEEDED"))
    );
    send(
        &app,
        "POST",
        "/_sim/accounts/demo/fail",
        Some(json!({"status": 503, "times": 1})),
        false,
    )
    .await;
    let (s, _) = get_api(&app, "demo/products").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, _, _) = send(
        &app,
        "POST",
        "/_sim/accounts/demo/fail",
        Some(json!({"status": 404, "times": 1})),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // 2 unauthenticated + 2 × 429 + 1 OK + 1 × 429 + 1 × 503 reached the demo account.
    let (_, _, v) = send(&app, "GET", "/_sim/accounts/demo/requests", None, false).await;
    assert_eq!(v, json!(7));
}

#[tokio::test]
async fn generated_accounts_page_by_revision() {
    let app = app();
    let (s, v) = get_api(&app, "gen-100000/products?size=1000&page=100").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["resultsTotal"], 100_000);
    assert_eq!(v["pagesTotal"], 100);
    assert_eq!(v["results"][999]["number"], "100000");

    // Keyset paging: always page 1, `revision` = the last revision seen.
    let mut revision = 0u64;
    let mut seen = 0usize;
    loop {
        let (s, v) = get_api(
            &app,
            &format!("gen-2500/products?size=1000&sort=revision&revision={revision}"),
        )
        .await;
        if s == StatusCode::NO_CONTENT {
            break;
        }
        let results = v["results"].as_array().unwrap();
        seen += results.len();
        revision = results.last().unwrap()["revision"].as_u64().unwrap();
        if v["pagesTotal"] == 1 {
            break;
        }
    }
    assert_eq!(seen, 2500);
    let (_, v) = get_api(&app, "gen-2500/commodityGroups").await;
    assert_eq!(v["resultsTotal"], 5);
    let (s, _) = get_api(&app, "gen-2500/prices").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}
