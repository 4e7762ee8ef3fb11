use super::*;

use beep_sdk::transport::{Scripted as Fake, answer};

fn too_many() -> Response {
    Response {
        status: 429,
        headers: vec![("Retry-After".into(), "1".into())],
        body: br#"{"status":429,"error":"Too Many Requests","message":"Rate limit exceeded"}"#
            .to_vec(),
    }
}

fn page(content: Value, number: u64, total_pages: u64) -> Response {
    answer(
        200,
        json!({
            "content": content,
            "first": number == 0,
            "last": number + 1 >= total_pages,
            "totalPages": total_pages,
            "totalElements": 0,
            "numberOfElements": content.as_array().map_or(0, Vec::len),
            "size": PAGE_SIZE,
            "number": number,
        }),
    )
}

fn cfg() -> Config {
    Config::parse(r#"{"apiKey":"k3y","baseUrl":"http://127.0.0.1:9/lexoffice/v1/"}"#).unwrap()
}

fn tx(id: &str, kind: TransactionKind, amount: i64) -> Transaction {
    Transaction {
        id: id.into(),
        kind,
        amount: money::money(amount, "EUR"),
        reference: Some("R-1".into()),
        sale_id: None,
        payment_method: None,
        occurred_at: "2026-06-15T10:00:00Z".into(),
    }
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn config_is_checked() {
    assert_eq!(
        cfg().url("contacts"),
        "http://127.0.0.1:9/lexoffice/v1/contacts"
    );
    let c = Config::parse(r#"{"apiKey":"x"}"#).unwrap();
    assert_eq!(c.url("articles"), "https://api.lexoffice.io/v1/articles");
    let c = Config::parse(r#"{"apiKey":"x","baseUrl":"https://api.lexoffice.io"}"#).unwrap();
    assert_eq!(c.url("vouchers"), "https://api.lexoffice.io/v1/vouchers");
    assert_eq!(c.tax_rate(), 19.0);
    assert_eq!(c.category(), REVENUE_CATEGORY);
    for bad in [
        r#"{}"#,
        r#"{"apiKey":""}"#,
        r#"{"apiKey":"a b"}"#,
        r#"{"apiKey":"x","baseUrl":"ftp://a"}"#,
        r#"{"apiKey":"x","taxRatePercent":120}"#,
        r#"{"apiKey":"x","categoryId":" "}"#,
    ] {
        assert!(
            matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
            "{bad}"
        );
    }
}

#[test]
fn error_messages_are_lexoffices() {
    assert_eq!(
        error_message(br#"{"message":"Unauthorized"}"#).unwrap(),
        "Unauthorized"
    );
    assert_eq!(
        error_message(
            br#"{"requestId":"r","IssueList":[{"i18nKey":"missing_entity","source":"voucherNumber","type":"validation_failure"}]}"#
        )
        .unwrap(),
        "voucherNumber: missing_entity"
    );
    assert_eq!(
        error_message(br#"{"error":"Not Found"}"#).unwrap(),
        "Not Found"
    );
    assert_eq!(error_message(b"oops").unwrap(), "oops");
    assert!(error_message(b"").is_none());
    match check(answer(401, json!({"message": "Unauthorized"}))) {
        Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Unauthorized"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spring_pages_say_whether_more_follow() {
    let p: model::Page<Value> =
        serde_json::from_value(json!({"content": [1], "last": false})).unwrap();
    assert!(p.has_next(0, 100));
    let p: model::Page<Value> =
        serde_json::from_value(json!({"content": [1], "totalPages": 3, "number": 2})).unwrap();
    assert!(!p.has_next(2, 100));
    let p: model::Page<Value> =
        serde_json::from_value(json!({"content": [1], "totalPages": 3, "number": 1})).unwrap();
    assert!(p.has_next(1, 100));
    let p: model::Page<Value> = serde_json::from_value(json!({"content": [1, 2]})).unwrap();
    assert!(p.has_next(0, 2));
    assert!(!p.has_next(0, 3));
}

#[test]
fn suppliers_page_through_vendor_contacts() {
    let c1 = json!({
        "id": "c1", "roles": {"vendor": {"number": 70001}},
        "company": {"name": "Getränke Nord GmbH", "vatRegistrationId": "DE811907980",
                    "contactPersons": [{"primary": true, "emailAddress": "einkauf@nord.example"}]},
        "archived": false,
    });
    let c2 = json!({
        "id": "c2", "person": {"firstName": "Erika", "lastName": "Muster"},
        "emailAddresses": {"business": ["erika@muster.example"]},
    });
    let c3 = json!({"id": "c3", "company": {"name": "Alt"}, "archived": true});
    let mut api = Fake::new(vec![page(json!([c1, c2]), 0, 2), page(json!([c3]), 1, 2)]);
    let out = fetch_suppliers(&cfg(), &mut api, None).unwrap();
    assert!(!out.has_more);
    assert_eq!(out.suppliers.len(), 2, "archived contacts are skipped");
    let s = &out.suppliers[0];
    assert_eq!(s.external_id, "c1");
    assert_eq!(s.name, "Getränke Nord GmbH");
    assert_eq!(s.email.as_deref(), Some("einkauf@nord.example"));
    assert_eq!(s.vat_id.as_deref(), Some("DE811907980"));
    let s = &out.suppliers[1];
    assert_eq!(s.name, "Erika Muster");
    assert_eq!(s.email.as_deref(), Some("erika@muster.example"));
    assert_eq!(s.vat_id, None);
    assert_eq!(
        api.sent[0].url,
        "http://127.0.0.1:9/lexoffice/v1/contacts?vendor=true&page=0&size=100"
    );
    assert!(api.sent[1].url.ends_with("page=1&size=100"));
    assert_eq!(header(&api.sent[0], "authorization"), Some("Bearer k3y"));
}

#[test]
fn reads_stop_after_some_pages_with_a_cursor() {
    let answers = (0..PAGES_PER_CALL as u64)
        .map(|n| page(json!([{"id": format!("c{n}")}]), n, 50))
        .collect();
    let mut api = Fake::new(answers);
    let out = fetch_suppliers(&cfg(), &mut api, None).unwrap();
    assert!(out.has_more);
    assert_eq!(out.suppliers.len(), PAGES_PER_CALL);
    let next = out.next_cursor.unwrap();
    let mut api = Fake::new(vec![page(json!([]), 10, 11)]);
    let out = fetch_suppliers(&cfg(), &mut api, Some(&next)).unwrap();
    assert!(!out.has_more);
    assert!(api.sent[0].url.contains("page=10&"));
}

#[test]
fn a_429_on_read_is_the_hosts_to_wait_out() {
    let mut api = Fake::new(vec![too_many()]);
    assert!(matches!(
        fetch_suppliers(&cfg(), &mut api, None),
        Err(ConnectorError::RateLimited(Some(1)))
    ));
    assert!(api.pauses.is_empty());
}

#[test]
fn purchase_vouchers_are_the_orders() {
    let v = json!({
        "id": "v1", "voucherType": "purchaseinvoice", "voucherStatus": "open",
        "voucherNumber": "ER-2024-001", "voucherDate": "2024-11-04T00:00:00.000+01:00",
        "contactId": "c1", "totalAmount": 195.6, "openAmount": 195.6, "currency": "EUR",
    });
    let mut api = Fake::new(vec![page(json!([v]), 0, 1)]);
    let out = fetch_orders(&cfg(), &mut api, None).unwrap();
    assert!(!out.has_more);
    let o = &out.orders[0];
    assert_eq!(o.external_id, "v1");
    assert_eq!(o.number.as_deref(), Some("ER-2024-001"));
    assert_eq!(o.supplier_id.as_deref(), Some("c1"));
    assert_eq!(o.status, "open");
    let total = o.total.as_ref().unwrap();
    assert_eq!((total.amount, total.currency.as_str()), (19560, "EUR"));
    assert!(o.lines.is_empty());
    assert!(
        api.sent[0]
            .url
            .contains("voucherlist?voucherType=purchaseinvoice&voucherStatus=any&page=0")
    );
}

#[test]
fn inventory_is_empty_without_a_request() {
    let page = fetch_inventory();
    assert!(page.levels.is_empty());
    assert!(!page.has_more);
    assert!(page.next_cursor.is_none());
}

#[test]
fn vouchers_carry_the_reference_and_gross_amounts() {
    let v = voucher(&cfg(), &tx("s1", TransactionKind::Sale, 347)).unwrap();
    assert_eq!(v["type"], "salesinvoice");
    assert_eq!(v["voucherNumber"], "BEEP-s1");
    assert_eq!(v["voucherDate"], "2026-06-15");
    assert_eq!(v["taxType"], "gross");
    assert_eq!(v["totalGrossAmount"], json!(3.47));
    assert_eq!(v["totalTaxAmount"], json!(0.55), "19 % of 3.47 gross");
    let item = &v["voucherItems"][0];
    assert_eq!(item["amount"], json!(3.47));
    assert_eq!(item["taxAmount"], json!(0.55));
    assert_eq!(item["taxRatePercent"], json!(19));
    assert_eq!(item["categoryId"], REVENUE_CATEGORY);
    let c = Config::parse(r#"{"apiKey":"k","taxRatePercent":7}"#).unwrap();
    let v = voucher(&c, &tx("r1", TransactionKind::Refund, -1000)).unwrap();
    assert_eq!(v["type"], "salescreditnote");
    assert_eq!(v["totalGrossAmount"], json!(10.0));
    assert_eq!(v["totalTaxAmount"], json!(0.65));
    let mut usd = tx("s2", TransactionKind::Sale, 100);
    usd.amount.currency = "USD".into();
    assert!(matches!(
        voucher(&cfg(), &usd),
        Err(ConnectorError::InvalidConfig(_))
    ));
    assert_eq!(tax_of_gross(119, 19.0), 19);
    assert_eq!(tax_of_gross(100, 0.0), 0);
}

#[test]
fn a_sale_is_looked_up_then_created_and_a_resend_is_a_duplicate() {
    let mut api = Fake::new(vec![
        page(json!([]), 0, 0),
        answer(
            201,
            json!({"id": "new-1", "resourceUri": "x", "version": 1}),
        ),
        page(
            json!([{"id": "old-2", "voucherNumber": "BEEP-s2", "voucherType": "salesinvoice"}]),
            0,
            1,
        ),
    ]);
    let out = push_transactions(
        &cfg(),
        &mut api,
        &[
            tx("s1", TransactionKind::Sale, 347),
            tx("s2", TransactionKind::Sale, 100),
            tx("p1", TransactionKind::Payment, 347),
        ],
    )
    .unwrap();
    assert!(matches!(&out[0].outcome, PushOutcome::Created(Some(id)) if id == "new-1"));
    assert!(matches!(&out[1].outcome, PushOutcome::Duplicate(Some(id)) if id == "old-2"));
    assert!(matches!(
        out[2].outcome,
        PushOutcome::Rejected(ConnectorError::Unsupported(_))
    ));
    assert_eq!(api.sent.len(), 3);
    assert!(
        api.sent[0].url.contains(
            "voucherlist?voucherType=salesinvoice&voucherStatus=any&voucherNumber=BEEP-s1"
        )
    );
    let body: Value = serde_json::from_slice(&api.sent[1].body).unwrap();
    assert_eq!(body["voucherNumber"], "BEEP-s1");
    assert!(api.sent[1].url.ends_with("/v1/vouchers"));
}

#[test]
fn a_partial_refund_is_a_credit_note_found_again_after_a_lost_answer() {
    let mut api = Fake::new(vec![
        // First push: not there yet, the voucher is stored but the answer is a 500.
        page(json!([]), 0, 0),
        answer(
            500,
            json!({"status": 500, "error": "Internal Server Error"}),
        ),
        // The resend finds it by its number.
        page(
            json!([{"id": "cn-1", "voucherNumber": "BEEP-r1", "voucherType": "salescreditnote"}]),
            0,
            1,
        ),
    ]);
    let refund = [tx("r1", TransactionKind::Refund, 120)];
    assert!(matches!(
        push_transactions(&cfg(), &mut api, &refund),
        Err(ConnectorError::Upstream(ref u)) if u.status == 500
    ));
    let out = push_transactions(&cfg(), &mut api, &refund).unwrap();
    assert!(matches!(&out[0].outcome, PushOutcome::Duplicate(Some(id)) if id == "cn-1"));
    assert!(api.sent[0].url.contains(
        "voucherlist?voucherType=salescreditnote&voucherStatus=any&voucherNumber=BEEP-r1"
    ));
    let body: Value = serde_json::from_slice(&api.sent[1].body).unwrap();
    assert_eq!(body["type"], "salescreditnote");
    assert_eq!(body["voucherNumber"], "BEEP-r1");
    assert_eq!(
        body["totalGrossAmount"],
        json!(1.2),
        "120 cents, exponent 2"
    );
    assert_eq!(body["voucherItems"][0]["amount"], json!(1.2));
    assert_eq!(api.sent.len(), 3, "one voucher written");

    // Payments and foreign currencies are refused one by one; the rest goes through.
    let mut api = Fake::new(vec![
        page(json!([]), 0, 0),
        answer(201, json!({"id": "cn-2"})),
    ]);
    let mut yen = tx("r2", TransactionKind::Refund, 500);
    yen.amount = money::money(500, "JPY");
    let out = push_transactions(
        &cfg(),
        &mut api,
        &[
            tx("p1", TransactionKind::Payment, 347),
            yen,
            tx("r3", TransactionKind::Refund, 99),
        ],
    )
    .unwrap();
    assert!(matches!(
        &out[0].outcome,
        PushOutcome::Rejected(ConnectorError::Unsupported(m)) if m.contains("bank")
    ));
    assert!(matches!(
        out[1].outcome,
        PushOutcome::Rejected(ConnectorError::InvalidConfig(_))
    ));
    assert!(matches!(&out[2].outcome, PushOutcome::Created(Some(id)) if id == "cn-2"));
    assert_eq!(api.sent.len(), 2, "the payment cost no request");
}

#[test]
fn pushes_wait_out_a_429_and_retry() {
    let mut api = Fake::new(vec![
        too_many(),
        page(json!([]), 0, 0),
        answer(201, json!({"id": "v9"})),
    ]);
    let out = push_transactions(&cfg(), &mut api, &[tx("s1", TransactionKind::Sale, 347)]).unwrap();
    assert!(matches!(&out[0].outcome, PushOutcome::Created(Some(id)) if id == "v9"));
    assert_eq!(api.pauses, vec![1]);
}

#[test]
fn a_429_without_time_to_wait_stops_the_push() {
    let mut api = Fake::new(vec![
        page(json!([]), 0, 0),
        answer(201, json!({"id": "v1"})),
        too_many(),
    ]);
    api.can_pause = false;
    let out = push_transactions(
        &cfg(),
        &mut api,
        &[
            tx("s1", TransactionKind::Sale, 1),
            tx("s2", TransactionKind::Sale, 2),
            tx("s3", TransactionKind::Sale, 3),
        ],
    )
    .unwrap();
    assert!(matches!(out[0].outcome, PushOutcome::Created(_)));
    for r in &out[1..] {
        assert!(matches!(
            r.outcome,
            PushOutcome::Rejected(ConnectorError::RateLimited(Some(1)))
        ));
    }
    // Nothing through: the call's error.
    let mut api = Fake::new(vec![answer(500, json!({"message": "boom"}))]);
    assert!(matches!(
        push_transactions(&cfg(), &mut api, &[tx("s1", TransactionKind::Sale, 1)]),
        Err(ConnectorError::Upstream(_))
    ));
    let mut api = Fake::new(vec![answer(401, json!({"message": "Unauthorized"}))]);
    assert!(matches!(
        push_transactions(&cfg(), &mut api, &[tx("s1", TransactionKind::Sale, 1)]),
        Err(ConnectorError::Unauthorized(_))
    ));
}

#[test]
fn pushes_are_capped_per_call() {
    let mut answers = vec![];
    for i in 0..MAX_ITEMS_PER_CALL {
        answers.push(page(json!([]), 0, 0));
        answers.push(answer(201, json!({"id": format!("v{i}")})));
    }
    let mut api = Fake::new(answers);
    let txs: Vec<_> = (0..MAX_ITEMS_PER_CALL + 5)
        .map(|i| tx(&format!("s{i}"), TransactionKind::Sale, 100))
        .collect();
    let out = push_transactions(&cfg(), &mut api, &txs).unwrap();
    assert_eq!(out.len(), txs.len());
    assert_eq!(api.sent.len(), 2 * MAX_ITEMS_PER_CALL);
    assert!(out[MAX_ITEMS_PER_CALL..].iter().all(|r| matches!(
        r.outcome,
        PushOutcome::Rejected(ConnectorError::RateLimited(None))
    )));
}

#[test]
fn stock_changes_are_rejected_as_unsupported() {
    let out = push_stock_changes(&[StockChange {
        id: "s1:0".into(),
        product_id: None,
        sku: Some("A-1".into()),
        quantity_delta: -2.0,
        reason: "sale".into(),
        occurred_at: "2026-06-15T10:00:00Z".into(),
    }]);
    assert_eq!(out[0].id, "s1:0");
    assert!(matches!(
        out[0].outcome,
        PushOutcome::Rejected(ConnectorError::Unsupported(_))
    ));
}
