use super::*;

use beep_sdk::transport::{Scripted as Fake, answer};

fn cfg() -> Config {
    Config::parse(
        r#"{"token":"t0k","baseUrl":"https://acme.xentral.biz/","customerId":7,"projectId":"1","productId":"40","paymentMethodId":"3","shippingMethodId":"2","warehouseId":"1","storageLocationId":"11"}"#,
    )
    .unwrap()
}

fn tx(id: &str, kind: TransactionKind) -> Transaction {
    Transaction {
        id: id.into(),
        kind,
        amount: money::money(347, "EUR"),
        reference: Some("R-1".into()),
        sale_id: None,
        payment_method: None,
        occurred_at: "2026-06-15T10:00:00Z".into(),
    }
}

#[test]
fn config_is_checked() {
    assert_eq!(
        cfg().url("products"),
        "https://acme.xentral.biz/api/v1/products"
    );
    let c =
        Config::parse(r#"{"token":"x","baseUrl":"http://127.0.0.1:9/xentral/api/v1"}"#).unwrap();
    assert_eq!(
        c.url("suppliers"),
        "http://127.0.0.1:9/xentral/api/v1/suppliers"
    );
    for bad in [
        r#"{"token":"x"}"#,
        r#"{"token":"","baseUrl":"https://a.xentral.biz"}"#,
        r#"{"token":"x","baseUrl":"ftp://a"}"#,
        r#"{"token":"x","baseUrl":"https://a.xentral.biz","currency":"JPY"}"#,
        r#"{"token":"x","baseUrl":"https://a.xentral.biz","customerId":"abc"}"#,
    ] {
        assert!(
            matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
            "{bad}"
        );
    }
}

#[test]
fn amounts_become_minor_units() {
    let m = |a: &str, c: &str| model::Money {
        amount: a.into(),
        currency: c.into(),
    };
    assert_eq!(money_of(&m("190.20", "EUR")).unwrap().amount, 19020);
    assert_eq!(money_of(&m("0.4500", "EUR")).unwrap().amount, 45);
    assert_eq!(money_of(&m("1.005", "chf")).unwrap().currency, "CHF");
    assert!(money_of(&m("abc", "EUR")).is_err());
}

#[test]
fn errors_carry_xentrals_words() {
    assert_eq!(error_message(b"Unauthorized").unwrap(), "Unauthorized");
    let problem = json!({"type": "https://api.xentral.biz/problems/request-validation", "title": "Request payload validation failed.", "messages": ["customer.id: customer not found"]});
    assert_eq!(
        error_message(problem.to_string().as_bytes()).unwrap(),
        "Request payload validation failed.: customer.id: customer not found"
    );
    let resp = Response {
        status: 429,
        headers: vec![("retry-after".into(), "1".into())],
        body: b"Too many API calls made.".to_vec(),
    };
    assert!(matches!(
        check(resp),
        Err(ConnectorError::RateLimited(Some(1)))
    ));
    match check(answer(401, json!("x"))).map(|_| ()) {
        Err(ConnectorError::Unauthorized(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn inventory_pages_and_skips_non_stock_items() {
    let product = |id: usize, stock: bool| json!({"id": id.to_string(), "number": format!("XP-{id}"), "stockCount": 3.5, "isStockItem": stock, "unit": {"name": "Stk"}, "updatedAt": "2024-11-04T08:30:00+00:00"});
    let full: Vec<Value> = (1..=50).map(|i| product(i, i != 2)).collect();
    let last: Vec<Value> = (51..=60).map(|i| product(i, true)).collect();
    let mut fake = Fake::new(vec![
        answer(
            200,
            json!({"data": full, "extra": {"totalCount": 60, "page": {"number": 1, "size": 50}}}),
        ),
        answer(
            200,
            json!({"data": last, "extra": {"totalCount": 60, "page": {"number": 2, "size": 50}}}),
        ),
    ]);
    let page = fetch_inventory(&cfg(), &mut fake, None).unwrap();
    assert_eq!(page.levels.len(), 59);
    assert!(!page.has_more);
    assert_eq!(
        page.next_cursor, None,
        "no change filter: the next run is full"
    );
    let l = &page.levels[0];
    assert_eq!(l.external_id, "1");
    assert_eq!(l.sku.as_deref(), Some("XP-1"));
    assert_eq!(l.quantity, 3.5);
    assert_eq!(l.unit.as_deref(), Some("Stk"));
    assert_eq!(l.warehouse_id, None);
    assert_eq!(
        fake.sent[1].url,
        "https://acme.xentral.biz/api/v1/products?page%5Bnumber%5D=2&page%5Bsize%5D=50"
    );
    assert_eq!(
        fake.sent[0].headers[0],
        ("authorization".to_string(), "Bearer t0k".to_string())
    );
}

#[test]
fn inventory_stops_after_its_pages_per_call() {
    let full: Vec<Value> = (1..=50)
        .map(|i| json!({"id": i.to_string(), "stockCount": 1}))
        .collect();
    let answers = (0..PAGES_PER_CALL)
        .map(|_| answer(200, json!({"data": full, "extra": {"totalCount": 100000}})))
        .collect();
    let mut fake = Fake::new(answers);
    let page = fetch_inventory(&cfg(), &mut fake, Some(r#"{"page":3}"#)).unwrap();
    assert!(page.has_more);
    assert_eq!(page.levels.len(), 50 * PAGES_PER_CALL);
    assert_eq!(
        page.next_cursor.as_deref(),
        Some(format!(r#"{{"page":{}}}"#, 3 + PAGES_PER_CALL).as_str())
    );
    assert!(fake.sent[0].url.contains("page%5Bnumber%5D=3&"));
}

#[test]
fn purchase_orders_come_with_positions() {
    let mut fake = Fake::new(vec![
        answer(
            200,
            json!({"data": [{"id": "1", "status": "sent"}], "extra": {"totalCount": 1}}),
        ),
        answer(
            200,
            json!({"data": {
                "id": "1", "date": "2024-11-01", "status": "sent", "documentNumber": "BE-200001",
                "supplier": {"id": "1"}, "financials": {"total": {"amount": "195.60", "currency": "EUR"}},
                "positions": [{"product": {"id": "3"}, "name": "Kaffee", "quantity": 10, "price": {"amount": "12.90", "currency": "EUR"}}]
            }}),
        ),
    ]);
    let page = fetch_orders(&cfg(), &mut fake, None).unwrap();
    assert!(!page.has_more);
    let o = &page.orders[0];
    assert_eq!(o.number.as_deref(), Some("BE-200001"));
    assert_eq!(o.supplier_id.as_deref(), Some("1"));
    assert_eq!(o.total.as_ref().unwrap().amount, 19560);
    assert_eq!(o.ordered_at.as_deref(), Some("2024-11-01"));
    assert_eq!(o.lines[0].product_id.as_deref(), Some("3"));
    assert_eq!(o.lines[0].quantity, 10.0);
    assert_eq!(o.lines[0].unit_price.as_ref().unwrap().amount, 1290);
    assert!(fake.sent[1].url.ends_with("/api/v1/purchaseOrders/1"));
}

#[test]
fn suppliers_map_empty_fields_to_none() {
    let mut fake = Fake::new(vec![answer(
        200,
        json!({"data": [
            {"id": "1", "general": {"name": "Nord GmbH", "email": "a@b.example", "vatNumber": "DE1"}},
            {"id": "2", "general": {"name": "Sonnenschein", "email": "", "vatNumber": ""}}
        ], "extra": {"totalCount": 2}}),
    )]);
    let page = fetch_suppliers(&cfg(), &mut fake, None).unwrap();
    assert_eq!(page.suppliers[0].vat_id.as_deref(), Some("DE1"));
    assert_eq!(page.suppliers[1].email, None);
    assert_eq!(page.suppliers[1].vat_id, None);
}

#[test]
fn a_sale_is_searched_then_imported() {
    let mut fake = Fake::new(vec![
        answer(200, json!({"data": [], "extra": {"totalCount": 0}})),
        Response {
            status: 201,
            headers: vec![(
                "Location".into(),
                "https://acme.xentral.biz/api/v1/salesOrders/17".into(),
            )],
            body: vec![],
        },
    ]);
    let out = push_transactions(&cfg(), &mut fake, &[tx("s1", TransactionKind::Sale)]).unwrap();
    assert!(matches!(&out[0].outcome, PushOutcome::Created(Some(id)) if id == "17"));
    assert!(fake.sent[0].url.contains(
        "filter%5B0%5D%5Bkey%5D=externalOrderId&filter%5B0%5D%5Bop%5D=equals&filter%5B0%5D%5Bvalue%5D=BEEP-s1"
    ));
    let body: Value = serde_json::from_slice(&fake.sent[1].body).unwrap();
    assert_eq!(body["externalOrderId"], "BEEP-s1");
    assert_eq!(body["externalOrderNumber"], "R-1");
    assert_eq!(body["date"], "2026-06-15");
    assert_eq!(body["customer"]["id"], "7");
    assert_eq!(body["positions"][0]["product"]["id"], "40");
    assert_eq!(
        body["positions"][0]["price"],
        json!({"amount": "3.47", "currency": "EUR"})
    );
    // Required by the spec's import schema.
    assert_eq!(
        body["financials"],
        json!({"paymentMethod": {"id": "3"}, "currency": "EUR"})
    );
    assert_eq!(body["delivery"], json!({"shippingMethod": {"id": "2"}}));
}

#[test]
fn a_resent_sale_is_a_duplicate() {
    let mut fake = Fake::new(vec![answer(
        200,
        json!({"data": [{"id": "5", "externalOrderId": "BEEP-s1"}]}),
    )]);
    let out = push_transactions(&cfg(), &mut fake, &[tx("s1", TransactionKind::Sale)]).unwrap();
    assert!(matches!(&out[0].outcome, PushOutcome::Duplicate(Some(id)) if id == "5"));
    assert_eq!(fake.sent.len(), 1);
}

#[test]
fn payments_and_refunds_are_unsupported_and_the_rest_waits() {
    let mut fake = Fake::new(vec![]);
    let out = push_transactions(
        &cfg(),
        &mut fake,
        &[
            tx("p", TransactionKind::Payment),
            tx("r", TransactionKind::Refund),
        ],
    )
    .unwrap();
    assert!(matches!(
        &out[0].outcome,
        PushOutcome::Rejected(ConnectorError::Unsupported(m)) if m.contains("books a payment")
    ));
    assert!(matches!(
        &out[1].outcome,
        PushOutcome::Rejected(ConnectorError::Unsupported(m)) if m.contains("takes no amount")
    ));
    assert!(fake.sent.is_empty());

    let many: Vec<Transaction> = (0..60)
        .map(|i| tx(&format!("p{i}"), TransactionKind::Payment))
        .collect();
    let out = push_transactions(&cfg(), &mut fake, &many).unwrap();
    assert!(matches!(
        out[MAX_ITEMS_PER_CALL].outcome,
        PushOutcome::Rejected(ConnectorError::RateLimited(None))
    ));
}

#[test]
fn a_server_error_first_fails_the_call() {
    let mut fake = Fake::new(vec![answer(500, json!("boom"))]);
    let err = push_transactions(&cfg(), &mut fake, &[tx("s1", TransactionKind::Sale)]);
    assert!(matches!(err, Err(ConnectorError::Upstream(u)) if u.status == 500));
    let c = Config::parse(r#"{"token":"x","baseUrl":"https://a.xentral.biz"}"#).unwrap();
    assert!(matches!(
        push_transactions(
            &c,
            &mut Fake::new(vec![]),
            &[tx("s1", TransactionKind::Sale)]
        ),
        Err(ConnectorError::InvalidConfig(_))
    ));
}

#[test]
fn stock_changes_book_in_and_out_by_sku() {
    let change = |id: &str, sku: Option<&str>, product: Option<&str>, delta: f64| StockChange {
        id: id.into(),
        product_id: product.map(String::from),
        sku: sku.map(String::from),
        quantity_delta: delta,
        reason: "sale".into(),
        occurred_at: "2026-06-15T10:00:00Z".into(),
    };
    let mut fake = Fake::new(vec![
        answer(204, json!(null)),
        answer(200, json!({"data": {"id": "3", "number": "XP-1003"}})),
        answer(201, json!(null)),
    ]);
    let out = push_stock_changes(
        &cfg(),
        &mut fake,
        &[
            change("s:0", Some("XP-1001"), None, -2.0),
            change("s:1", None, Some("3"), 1.5),
            change("s:2", Some("XP-1"), None, 0.0),
        ],
    )
    .unwrap();
    assert!(
        out.iter()
            .all(|r| matches!(r.outcome, PushOutcome::Created(_)))
    );
    assert_eq!(fake.sent[0].method, beep_sdk::http::Method::Patch);
    assert!(
        fake.sent[0]
            .url
            .ends_with("/api/v1/warehouses/1/storageLocations/11/items")
    );
    let body: Value = serde_json::from_slice(&fake.sent[0].body).unwrap();
    assert_eq!(body["product"]["sku"], "XP-1001");
    assert_eq!(body["quantity"], 2.0);
    assert!(fake.sent[1].url.ends_with("/api/v1/products/3"));
    assert_eq!(fake.sent[2].method, beep_sdk::http::Method::Post);
    let body: Value = serde_json::from_slice(&fake.sent[2].body).unwrap();
    assert_eq!(body["product"]["sku"], "XP-1003");
    assert_eq!(fake.sent.len(), 3, "a zero change costs nothing");
}

#[test]
fn describe_names_the_instance_hosts() {
    use beep_sdk::erp::Describe;
    let info = Xentral::describe();
    assert_eq!(info.name, "xentral");
    assert_eq!(info.hosts, vec!["https://*.xentral.biz".to_string()]);
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(schema["required"], json!(["token", "baseUrl"]));
}
