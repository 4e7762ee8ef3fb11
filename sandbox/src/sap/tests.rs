use super::documents::today;
use super::query::{Clause, parse_filter};
use super::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn post_json(uri: &str, cookie: Option<&str>, body: Value) -> Request<Body> {
    let mut b = Request::post(uri).header("content-type", "application/json");
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn get_req(uri: &str, cookie: &str, page: Option<usize>) -> Request<Body> {
    let mut b = Request::get(uri).header("cookie", cookie);
    if let Some(n) = page {
        b = b.header("prefer", format!("odata.maxpagesize={n}"));
    }
    b.body(Body::empty()).unwrap()
}

async fn login_as(app: &Router, db: &str) -> String {
    let (status, headers, body) = call(
        app,
        post_json(
            "/b1s/v1/Login",
            None,
            json!({"CompanyDB": db, "UserName": USER, "Password": PASSWORD}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookies: Vec<&str> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 2);
    assert!(cookies[0].starts_with(&format!(
        "B1SESSION={}",
        body["SessionId"].as_str().unwrap()
    )));
    assert!(cookies[1].starts_with("ROUTEID="));
    assert_eq!(body["SessionTimeout"], 30);
    format!(
        "B1SESSION={}; ROUTEID=.node1",
        body["SessionId"].as_str().unwrap()
    )
}

#[tokio::test]
async fn sessions_log_in_expire_and_log_out() {
    let sim = SapSim::new();
    let app = router(sim.clone());
    let (status, _, body) = call(
        &app,
        post_json(
            "/b1s/v1/Login",
            None,
            json!({"CompanyDB": COMPANY_DB, "UserName": USER, "Password": "wrong"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"]["value"], "Login failed");

    let (status, _, body) = call(&app, get_req("/b1s/v1/Items", "", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"]["value"], "Invalid session.");
    assert_eq!(body["error"]["message"]["lang"], "en-us");

    let cookie = login_as(&app, COMPANY_DB).await;
    assert_eq!(sim.active_sessions(), 1);
    let (status, _, _) = call(&app, get_req("/b1s/v1/Items", &cookie, None)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(&app, post_json("/b1s/v1/Logout", Some(&cookie), json!({}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(sim.active_sessions(), 0);
    let (status, _, _) = call(&app, get_req("/b1s/v1/Items", &cookie, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let cookie = login_as(&app, COMPANY_DB).await;
    call(&app, post_json("/_sim/expire-sessions", None, json!({}))).await;
    let (status, _, body) = call(&app, get_req("/b1s/v1/Items", &cookie, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], 301);
    let (_, _, body) = call(
        &app,
        Request::get("/_sim/sessions").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(body, json!({"active": 0, "logins": 2}));
}

#[tokio::test]
async fn items_page_with_next_links_and_filters() {
    let app = router(SapSim::new());
    let cookie = login_as(&app, COMPANY_DB).await;
    let uri = "/b1s/v1/Items?$select=ItemCode,UpdateDate&$filter=InventoryItem%20eq%20'tYES'";
    let (status, _, body) = call(&app, get_req(uri, &cookie, Some(12))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let value = body["value"].as_array().unwrap();
    assert_eq!(value.len(), 12);
    assert_eq!(
        value[0],
        json!({"ItemCode": "A0001", "UpdateDate": "2024-10-01"})
    );
    let mut link = body["@odata.nextLink"].as_str().unwrap().to_string();
    assert!(
        link.starts_with("Items?$select=ItemCode,UpdateDate&$filter="),
        "{link}"
    );
    let mut seen = value.len();
    while !link.is_empty() {
        let (_, _, body) = call(&app, get_req(&format!("/b1s/v1/{link}"), &cookie, Some(12))).await;
        seen += body["value"].as_array().unwrap().len();
        link = body["@odata.nextLink"].as_str().unwrap_or("").to_string();
    }
    assert_eq!(seen, 30, "BEEP-SALE is no inventory item");

    // SAP's default page is 20; UpdateDate ge reads what changed.
    let (_, _, body) = call(&app, get_req("/b1s/v1/Items", &cookie, None)).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 20);
    let uri =
        "/b1s/v1/Items?$filter=UpdateDate%20ge%20'2024-10-28'%20and%20InventoryItem%20eq%20'tYES'";
    let (_, _, body) = call(&app, get_req(uri, &cookie, Some(100))).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 3);
    assert!(body.get("@odata.nextLink").is_none());
    let (status, _, body) = call(
        &app,
        get_req("/b1s/v1/Items?$filter=ItemCode%20like%20'x'", &cookie, None),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let uri = "/b1s/v1/BusinessPartners?$filter=CardType%20eq%20'cSupplier'";
    let (_, _, body) = call(&app, get_req(uri, &cookie, None)).await;
    let codes: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["CardCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["V10000", "V10001", "V10002"]);
    let (_, _, body) = call(&app, get_req("/b1s/v1/PurchaseOrders", &cookie, None)).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["value"][0]["DocumentLines"].as_array().unwrap().len(),
        3
    );
}

#[tokio::test]
async fn generated_companies_slice_pages() {
    let app = router(SapSim::new());
    let cookie = login_as(&app, "gen-100000").await;
    let uri = "/b1s/v1/Items?$filter=InventoryItem%20eq%20'tYES'&$skip=99990";
    let (_, _, body) = call(&app, get_req(uri, &cookie, Some(500))).await;
    let value = body["value"].as_array().unwrap();
    assert_eq!(value.len(), 10);
    assert_eq!(value[9]["ItemCode"], "G0100000");
    assert!(body.get("@odata.nextLink").is_none());
    let uri = "/b1s/v1/Items?$filter=UpdateDate%20ge%20'2025-01-01'";
    let (_, _, body) = call(&app, get_req(uri, &cookie, Some(500))).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 0);
    let uri = "/b1s/v1/Items?$top=3";
    let (_, _, body) = call(&app, get_req(uri, &cookie, Some(2))).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
    assert_eq!(body["@odata.nextLink"], "Items?$top=1&$skip=2");
}

#[tokio::test]
async fn documents_are_stored_searchable_and_move_stock() {
    let sim = SapSim::new();
    let app = router(sim.clone());
    let cookie = login_as(&app, COMPANY_DB).await;
    let invoice = json!({
        "CardCode": CUSTOMER, "NumAtCard": "BEEP-1", "DocCurrency": "EUR",
        "DocumentLines": [{"ItemCode": SALE_ITEM, "Quantity": 1, "PriceAfterVAT": 3.47}],
    });
    for _ in 0..2 {
        let (status, _, body) = call(
            &app,
            post_json("/b1s/v1/Invoices", Some(&cookie), invoice.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(body["DocEntry"].as_u64().is_some());
    }
    let (status, _, body) = call(
            &app,
            post_json("/b1s/v1/Invoices", Some(&cookie), json!({"CardCode": "V10000", "DocumentLines": [{"ItemCode": SALE_ITEM, "Quantity": 1}]})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a supplier is no customer: {body}"
    );
    let uri =
        "/b1s/v1/Invoices?$select=DocEntry,NumAtCard&$filter=NumAtCard%20eq%20'BEEP-1'&$top=1";
    let (_, _, body) = call(&app, get_req(uri, &cookie, None)).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    assert!(body.get("@odata.nextLink").is_none());

    let exit =
        json!({"Comments": "BEEP-s1", "DocumentLines": [{"ItemCode": "A0002", "Quantity": 2}]});
    let (status, _, body) = call(
        &app,
        post_json("/b1s/v1/InventoryGenExits", Some(&cookie), exit),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, _, body) = call(
        &app,
        get_req(
            "/b1s/v1/Items?$filter=ItemCode%20eq%20'A0002'",
            &cookie,
            None,
        ),
    )
    .await;
    assert_eq!(body["value"][0]["QuantityOnStock"], 23.0);
    assert_eq!(
        body["value"][0]["ItemWarehouseInfoCollection"][0]["InStock"],
        18.0
    );
    let bad_item = json!({"Comments": "x", "DocumentLines": [{"ItemCode": "NOPE", "Quantity": 1}]});
    let (status, _, _) = call(
        &app,
        post_json("/b1s/v1/InventoryGenEntries", Some(&cookie), bad_item),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, _, docs) = call(
        &app,
        Request::get("/_sim/documents").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        docs["Invoices"].as_array().unwrap().len(),
        2,
        "duplicates stay visible"
    );
    assert_eq!(docs["InventoryGenExits"].as_array().unwrap().len(), 1);
    assert_eq!(docs["sessions"], 1);
}

#[tokio::test]
async fn hooks_fail_and_move_stock() {
    let app = router(SapSim::new());
    call(
        &app,
        post_json("/_sim/fail", None, json!({"status": 429, "times": 2})),
    )
    .await;
    for _ in 0..2 {
        let (status, headers, _) = call(
            &app,
            post_json(
                "/b1s/v1/Login",
                None,
                json!({"CompanyDB": COMPANY_DB, "UserName": USER, "Password": PASSWORD}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "1");
    }
    let cookie = login_as(&app, COMPANY_DB).await;
    call(
        &app,
        post_json("/_sim/fail", None, json!({"status": 503, "times": 1})),
    )
    .await;
    let (status, _, _) = call(&app, get_req("/b1s/v1/Items", &cookie, None)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    let (status, _, _) = call(
        &app,
        post_json("/_sim/items/A0001/stock", None, json!({"quantity": 12})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let uri = format!("/b1s/v1/Items?$filter=UpdateDate%20ge%20'{}'", today());
    let (_, _, body) = call(&app, get_req(&uri, &cookie, None)).await;
    let value = body["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    assert_eq!(value[0]["ItemCode"], "A0001");
    assert_eq!(value[0]["QuantityOnStock"], 12.0);
}

#[tokio::test]
async fn payments_are_checked_booked_and_answers_can_be_lost() {
    let app = router(SapSim::new());
    let cookie = login_as(&app, COMPANY_DB).await;
    let payment = json!({
        "DocType": "rCustomer", "CardCode": CUSTOMER, "DocCurrency": "EUR",
        "TransferAccount": PAYMENT_ACCOUNT, "TransferSum": 3.47, "Remarks": "BEEP-p1",
    });
    for (entity, body, why) in [
        ("IncomingPayments", json!({"TransferSum": 0.0}), "nothing"),
        (
            "IncomingPayments",
            json!({"TransferAccount": "9999"}),
            "no such account",
        ),
        (
            "IncomingPayments",
            json!({"TransferAccount": null}),
            "no account",
        ),
        (
            "VendorPayments",
            json!({"CardCode": "V10000"}),
            "a supplier as customer",
        ),
        (
            "IncomingPayments",
            json!({"DocType": "rSupplier"}),
            "a customer as supplier",
        ),
    ] {
        let mut doc = payment.clone();
        for (k, v) in body.as_object().unwrap() {
            doc[k] = v.clone();
        }
        let uri = format!("/b1s/v1/{entity}");
        let (status, _, answer) = call(&app, post_json(&uri, Some(&cookie), doc)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
        assert!(answer["error"]["message"]["value"].is_string());
    }
    call(
        &app,
        post_json(
            "/_sim/fail",
            None,
            json!({"status": 500, "times": 1, "afterWrite": true}),
        ),
    )
    .await;
    let (status, _, _) = call(&app, get_req("/b1s/v1/IncomingPayments", &cookie, None)).await;
    assert_eq!(status, StatusCode::OK, "reads are not hit by afterWrite");
    let (status, _, _) = call(
        &app,
        post_json("/b1s/v1/IncomingPayments", Some(&cookie), payment.clone()),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "the answer is lost"
    );
    let (status, _, refund) = call(
        &app,
        post_json("/b1s/v1/VendorPayments", Some(&cookie), payment.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{refund}");
    let uri = "/b1s/v1/IncomingPayments?$filter=Remarks%20eq%20'BEEP-p1'";
    let (_, _, found) = call(&app, get_req(uri, &cookie, None)).await;
    assert_eq!(
        found["value"].as_array().unwrap().len(),
        1,
        "booked despite the 500"
    );
    let (_, _, docs) = call(
        &app,
        Request::get("/_sim/documents").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(docs["VendorPayments"].as_array().unwrap().len(), 1);
}

#[test]
fn filters_parse_minimally() {
    assert_eq!(
        parse_filter("NumAtCard eq 'O''Brien' and DocTotal ge 3").unwrap(),
        vec![
            Clause {
                field: "NumAtCard".into(),
                op: "eq".into(),
                value: json!("O'Brien")
            },
            Clause {
                field: "DocTotal".into(),
                op: "ge".into(),
                value: json!(3.0)
            },
        ]
    );
    assert!(parse_filter("A eq 'x").is_err());
    assert!(parse_filter("A eq 'x' or B eq 'y'").is_err());
    assert!(today().len() == 10 && today().starts_with("20"));
}
