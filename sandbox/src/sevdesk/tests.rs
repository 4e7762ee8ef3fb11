use super::answers::dec;
use super::vouchers::parse_date;
use super::*;
use crate::kit::time::now_secs as now;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, token);
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
        &format!("/api/v1/{path}"),
        None,
        Some(DEMO_TOKEN),
    )
    .await;
    (s, v)
}

async fn post_api(app: &Router, path: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = send(
        app,
        "POST",
        &format!("/api/v1/{path}"),
        Some(body),
        Some(DEMO_TOKEN),
    )
    .await;
    (s, v)
}

fn app() -> Router {
    router(SevdeskSim::new())
}

fn sale_voucher(description: &str, gross: f64) -> Value {
    json!({
        "voucher": {
            "objectName": "Voucher", "mapAll": true, "voucherDate": "15.06.2026",
            "supplier": null, "supplierName": "BEEP! Kunde", "description": description,
            "status": 100, "taxRule": {"id": "1", "objectName": "TaxRule"},
            "creditDebit": "D", "voucherType": "VOU", "currency": "EUR"
        },
        "voucherPosSave": [{
            "objectName": "VoucherPos", "mapAll": true,
            "accountDatev": {"id": REVENUE_ACCOUNT_DATEV_ID, "objectName": "AccountDatev"},
            "taxRate": 19, "net": false, "sumGross": gross, "comment": "BEEP! sale"
        }],
        "voucherPosDelete": null
    })
}

#[test]
fn dates_and_decimals() {
    assert_eq!(format_time(0), "1970-01-01T00:00:00+00:00");
    assert_eq!(format_time(DEMO_CREATED), "2024-01-02T09:00:00+00:00");
    assert_eq!(unix_date(2024, 2, 29), Some(1_709_164_800));
    assert_eq!(parse_date(&json!("29.02.2024")), Some(1_709_164_800));
    assert_eq!(
        parse_date(&json!("2024-02-29T10:00:00+01:00")),
        Some(1_709_164_800)
    );
    assert_eq!(parse_date(&json!(1_709_164_800)), Some(1_709_164_800));
    assert_eq!(parse_date(&json!("yesterday")), None);
    assert_eq!(dec(119.0), "119");
    assert_eq!(dec(4.73), "4.73");
    assert_eq!(dec(0.1 + 0.2), "0.3");
}

#[tokio::test]
async fn auth_is_a_bare_token() {
    let app = app();
    let (s, _, v) = send(&app, "GET", "/api/v1/Part", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["message"], "Authentication required");
    assert!(v["error"]["exceptionUUID"].is_string());
    let (s, _, _) = send(
        &app,
        "GET",
        "/api/v1/Part",
        None,
        Some("0123456789abcdef0123456789abcdef"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let bearer = format!("Bearer {DEMO_TOKEN}");
    let (s, _, _) = send(&app, "GET", "/api/v1/Part", None, Some(&bearer)).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "sevdesk takes the token without a scheme"
    );
    let (s, _, v) = send(&app, "GET", "/api/v1/Part?limit=1", None, Some(DEMO_TOKEN)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["objects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn parts_page_with_limit_and_offset() {
    let app = app();
    let (s, v) = get_api(&app, "Part?limit=1000&countAll=true").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], "32");
    let parts = v["objects"].as_array().unwrap();
    assert_eq!(parts.len(), 32);
    assert_eq!(
        parts.iter().filter(|p| p["stockEnabled"] == true).count(),
        30
    );
    let p = &parts[0];
    assert_eq!(p["id"], 1001);
    assert_eq!(p["objectName"], "Part");
    assert_eq!(p["partNumber"], "ART-1001");
    assert_eq!(p["name"], "Mineralwasser still 0,5 l");
    assert_eq!(p["stock"], 240.0);
    assert_eq!(p["taxRate"], 19.0);
    assert_eq!(p["priceGross"], 1.29);
    assert_eq!(p["unity"], json!({"id": 1, "objectName": "Unity"}));
    assert_eq!(p["update"], "2024-01-02T09:00:00+00:00");

    let (_, v) = get_api(&app, "Part?limit=10&offset=30").await;
    let parts = v["objects"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["partNumber"], "SRV-1");
    assert!(v.get("total").is_none());
    let (_, v) = get_api(&app, "Part?offset=100").await;
    assert_eq!(v["objects"], json!([]));
    let (_, v) = get_api(&app, "Part").await;
    assert_eq!(
        v["objects"].as_array().unwrap().len(),
        32,
        "default limit {DEFAULT_LIMIT}"
    );
    for bad in ["limit=0", "limit=1001", "limit=x", "offset=-1"] {
        let (s, v) = get_api(&app, &format!("Part?{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(v["error"]["message"].is_string());
    }
    let (_, v) = get_api(&app, "Part?partNumber=ART-1005&embed=unity").await;
    assert_eq!(v["objects"][0]["name"], "Cola 0,33 l");
    assert_eq!(v["objects"][0]["unity"]["translationCode"], "UNITY_PIECE");
}

#[tokio::test]
async fn stock_is_read_and_written() {
    let app = app();
    let (s, v) = get_api(&app, "Part/1017/getStock").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({"objects": 8.5}));
    let (s, v) = get_api(&app, "Part/99999/getStock").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not found")
    );

    let (s, _, v) = send(
        &app,
        "PUT",
        "/api/v1/Part/1017",
        Some(json!({"stock": 6.5})),
        Some(DEMO_TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["stock"], 6.5);
    assert_ne!(v["update"], "2024-01-02T09:16:00+00:00");
    let (_, v) = get_api(&app, "Part/1017").await;
    assert_eq!(v["objects"][0]["stock"], 6.5);
    let (s, _, _) = send(
        &app,
        "PUT",
        "/api/v1/Part/1017",
        Some(json!({"stock": "x"})),
        Some(DEMO_TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The hook changes stock upstream and moves `update`.
    let (s, _, v) = send(
        &app,
        "POST",
        "/_sim/parts/1001/stock",
        Some(json!({"quantity": 12})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["stock"], 12.0);
    let (_, v) = get_api(&app, "Part/1001/getStock").await;
    assert_eq!(v["objects"], 12.0);
}

#[tokio::test]
async fn suppliers_are_contacts_of_category_2() {
    let app = app();
    let (_, v) = get_api(
        &app,
        "Contact?depth=1&category[id]=2&category[objectName]=Category",
    )
    .await;
    let suppliers = v["objects"].as_array().unwrap();
    assert_eq!(suppliers.len(), 4);
    assert!(suppliers.iter().all(|c| c["category"]["id"] == "2"));
    assert_eq!(suppliers[0]["name"], "Getränke Großhandel Nord GmbH");
    assert_eq!(suppliers[0]["vatNumber"], "DE811907980");
    assert_eq!(suppliers[3]["surename"], "Jonas");
    assert_eq!(suppliers[3]["familyname"], "Weber");
    // Without depth=1 only organisations.
    let (_, v) = get_api(&app, "Contact?category[id]=2").await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 3);
    let (_, v) = get_api(&app, "Contact?depth=1").await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 8);

    let id = suppliers[0]["id"].as_str().unwrap();
    let (_, v) = get_api(
        &app,
        &format!("CommunicationWay?contact[id]={id}&contact[objectName]=Contact&type=EMAIL"),
    )
    .await;
    assert_eq!(
        v["objects"][0]["value"],
        "bestellung@getraenke-nord.example"
    );
    assert_eq!(v["objects"][0]["main"], "1");

    // updateAfter: strictly later updates only (the last supplier was entered at
    // DEMO_CREATED + 3600 + 3 * 60).
    let last = DEMO_CREATED + 3600 + 180;
    let (_, v) = get_api(
        &app,
        &format!("Contact?depth=1&category[id]=2&updateAfter={last}"),
    )
    .await;
    assert_eq!(v["objects"], json!([]));
    send(
        &app,
        "POST",
        &format!("/_sim/contacts/{id}"),
        Some(json!({"email": "neu@example.org"})),
        None,
    )
    .await;
    let (_, v) = get_api(
        &app,
        &format!("Contact?depth=1&category[id]=2&updateAfter={last}"),
    )
    .await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 1);
    assert_eq!(v["objects"][0]["id"], id);
    let (s, _) = get_api(&app, "Contact?updateAfter=yesterday").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn orders_embed_contacts_and_list_positions() {
    let app = app();
    let (_, v) = get_api(&app, "Order?embed=contact&limit=100").await;
    let orders = v["objects"].as_array().unwrap();
    assert_eq!(orders.len(), 5);
    let to_suppliers: Vec<&Value> = orders
        .iter()
        .filter(|o| o["contact"]["category"]["id"] == "2")
        .collect();
    assert_eq!(to_suppliers.len(), 3);
    let first = to_suppliers[0];
    assert_eq!(first["orderNumber"], "AB-1001");
    assert_eq!(first["orderType"], "AB");
    assert_eq!(first["status"], "200");
    assert_eq!(first["currency"], "EUR");
    let (_, v) = get_api(&app, "Order?orderType=AN").await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["objects"][0]["contact"],
        json!({"id": "2005", "objectName": "Contact"})
    );
    let (s, _) = get_api(&app, "Order?orderType=PO").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let id = first["id"].as_str().unwrap();
    let (s, v) = get_api(&app, &format!("Order/{id}/getPositions?embed=part")).await;
    assert_eq!(s, StatusCode::OK);
    let lines = v["objects"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["part"]["partNumber"], "ART-1001");
    assert_eq!(lines[0]["quantity"], "240");
    assert_eq!(lines[0]["order"]["id"], id);
    let (_, v) = get_api(
        &app,
        &format!("OrderPos?order[id]={id}&order[objectName]=Order"),
    )
    .await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 3);

    // An order changed upstream moves past updateAfter.
    let cutoff = now() - 1;
    let (_, v) = get_api(&app, &format!("Order?updateAfter={cutoff}")).await;
    assert_eq!(v["objects"], json!([]));
    let (s, _, _) = send(
        &app,
        "POST",
        &format!("/_sim/orders/{id}"),
        Some(json!({"status": 1000})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = get_api(&app, &format!("Order?updateAfter={cutoff}")).await;
    assert_eq!(v["objects"][0]["status"], "1000");
}

#[tokio::test]
async fn vouchers_are_validated_stored_and_searchable() {
    let app = app();
    let (s, v) = post_api(
        &app,
        "Voucher/Factory/saveVoucher",
        sale_voucher("BEEP-tx-1", 4.73),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["voucher"]["id"], "5001");
    assert_eq!(v["voucher"]["sumGross"], "4.73");
    assert_eq!(v["voucher"]["sumNet"], "3.97");
    assert_eq!(v["voucher"]["description"], "BEEP-tx-1");
    assert_eq!(
        v["voucherPos"][0]["accountDatev"]["id"],
        REVENUE_ACCOUNT_DATEV_ID.to_string()
    );

    // No deduplication upstream: the same body twice is booked twice.
    let (s, _) = post_api(
        &app,
        "Voucher/Factory/saveVoucher",
        sale_voucher("BEEP-tx-1", 4.73),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    post_api(
        &app,
        "Voucher/Factory/saveVoucher",
        sale_voucher("BEEP-tx-10", 1.0),
    )
    .await;
    let (_, v) = get_api(&app, "Voucher?descriptionLike=beep-tx-1").await;
    assert_eq!(
        v["objects"].as_array().unwrap().len(),
        3,
        "LIKE matches substrings"
    );
    let (_, v) = get_api(&app, "Voucher?descriptionLike=BEEP-tx-10").await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 1);
    let (_, _, hooks) = send(&app, "GET", "/_sim/vouchers", None, None).await;
    assert_eq!(hooks.as_array().unwrap().len(), 3);
    assert_eq!(hooks[0]["positions"][0]["sumGross"], "4.73");

    // Validation errors are 422 with sevdesk's error body.
    let mut bad = sale_voucher("x", 1.0);
    bad["voucherPosSave"][0]["accountDatev"]["id"] = json!(1);
    let (s, v) = post_api(&app, "Voucher/Factory/saveVoucher", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AccountDatev")
    );
    let mut bad = sale_voucher("x", 1.0);
    bad["voucher"]["currency"] = json!("USD");
    let (s, _) = post_api(&app, "Voucher/Factory/saveVoucher", bad.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    bad["voucher"]["propertyForeignCurrencyDeadline"] = json!("15.06.2026");
    let (s, _) = post_api(&app, "Voucher/Factory/saveVoucher", bad).await;
    assert_eq!(s, StatusCode::CREATED);
    for (field, value) in [
        ("creditDebit", json!("X")),
        ("voucherDate", json!("soon")),
        ("supplierName", json!(null)),
        ("taxRule", json!(null)),
    ] {
        let mut bad = sale_voucher("x", 1.0);
        bad["voucher"][field] = value;
        let (s, _) = post_api(&app, "Voucher/Factory/saveVoucher", bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
    }
}

#[tokio::test]
async fn check_account_transactions_are_searchable_by_purpose() {
    let app = app();
    let body = json!({
        "valueDate": "2026-06-15T10:00:00+00:00", "entryDate": "2026-06-15T10:00:00+00:00",
        "paymtPurpose": "BEEP-pay-1", "amount": 4.73, "payeePayerName": "Stripe",
        "checkAccount": {"id": CHECK_ACCOUNT_ID, "objectName": "CheckAccount"}, "status": 100
    });
    let (s, v) = post_api(&app, "CheckAccountTransaction", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["amount"], "4.73");
    assert_eq!(v["paymtPurpose"], "BEEP-pay-1");
    let (_, v) = get_api(&app, "CheckAccountTransaction?paymtPurpose=BEEP-pay-1").await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 1);
    let (_, v) = get_api(&app, "CheckAccountTransaction?paymtPurpose=BEEP-pay").await;
    assert_eq!(v["objects"], json!([]), "an exact match");
    let mut bad = body.clone();
    bad["checkAccount"]["id"] = json!(1);
    assert_eq!(
        post_api(&app, "CheckAccountTransaction", bad).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut bad = body;
    bad["status"] = json!(200);
    assert_eq!(
        post_api(&app, "CheckAccountTransaction", bad).await.0,
        StatusCode::BAD_REQUEST
    );
    let (_, _, hooks) = send(&app, "GET", "/_sim/transactions", None, None).await;
    assert_eq!(hooks.as_array().unwrap().len(), 1);
    let (_, v) = get_api(&app, "CheckAccount").await;
    assert_eq!(v["objects"][0]["id"], CHECK_ACCOUNT_ID.to_string());
}

#[tokio::test]
async fn failures_are_injected() {
    let app = app();
    let (s, _, _) = send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 429, "times": 2})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for _ in 0..2 {
        let (s, h, v) = send(&app, "GET", "/api/v1/Part", None, Some(DEMO_TOKEN)).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(h[header::RETRY_AFTER], "1");
        assert!(v["error"]["message"].is_string());
    }
    assert_eq!(get_api(&app, "Part").await.0, StatusCode::OK);

    send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 503, "times": 1})),
        None,
    )
    .await;
    assert_eq!(
        get_api(&app, "Part").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );

    // afterWrite: reads pass, the write takes effect, its answer is a 500.
    send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 500, "times": 1, "afterWrite": true})),
        None,
    )
    .await;
    assert_eq!(get_api(&app, "Voucher").await.0, StatusCode::OK);
    let (s, _) = post_api(
        &app,
        "Voucher/Factory/saveVoucher",
        sale_voucher("BEEP-lost", 2.0),
    )
    .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (_, v) = get_api(&app, "Voucher?descriptionLike=BEEP-lost").await;
    assert_eq!(
        v["objects"].as_array().unwrap().len(),
        1,
        "booked despite the 500"
    );

    let (s, _, _) = send(
        &app,
        "POST",
        "/_sim/fail",
        Some(json!({"status": 418, "times": 1})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, _, n) = send(&app, "GET", "/_sim/requests", None, None).await;
    assert_eq!(n, json!(7));
}

#[tokio::test]
async fn generated_accounts_page_in_constant_time() {
    let app = app();
    let token = "gen-100000";
    let (s, _, v) = send(
        &app,
        "GET",
        "/api/v1/Part?limit=1000&offset=99500&countAll=true",
        None,
        Some(token),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], "100000");
    let parts = v["objects"].as_array().unwrap();
    assert_eq!(parts.len(), 500);
    assert_eq!(parts[499]["partNumber"], "GEN-100000");
    assert_eq!(parts[499]["id"], 101_000);
    let (s, _, v) = send(
        &app,
        "GET",
        "/api/v1/Contact?depth=1&category[id]=2",
        None,
        Some(token),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["objects"].as_array().unwrap().len(), 4);
    let (s, _, _) = send(&app, "GET", "/api/v1/Part", None, Some("gen-0")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = send(&app, "GET", "/api/v1/Part", None, Some("gen-1000001")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Hooks address a generated account by its token.
    let (s, _, v) = send(
        &app,
        "POST",
        "/_sim/parts/101000/stock?token=gen-100000",
        Some(json!({"quantity": 1})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn unknown_routes_are_404_with_an_error_body() {
    let app = app();
    let (s, _, v) = send(&app, "GET", "/api/v1/Nope", None, Some(DEMO_TOKEN)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["error"]["message"].is_string());
}

#[test]
fn sandbox_credentials_name_the_demo_account() {
    let c = sandbox_credentials();
    assert_eq!(c["apiToken"], DEMO_TOKEN);
    assert_eq!(c["checkAccountId"], CHECK_ACCOUNT_ID.to_string());
}
