use super::*;
use crate::client::*;
use crate::config::*;
use crate::mapping::*;

use beep_sdk::http::{Request, Response};
use beep_sdk::money;
use beep_sdk::types::{PushOutcome, TransactionKind};
use serde_json::{Value, json};

use beep_sdk::transport::{Scripted as Fake, answer};

/// The Service Layer paths requested, in order, without query strings.
fn paths(fake: &Fake) -> Vec<String> {
    fake.sent
        .iter()
        .map(|r| {
            let path = r.url.split("/b1s/v1/").nth(1).unwrap_or(&r.url);
            path.split('?').next().unwrap().to_string()
        })
        .collect()
}

fn login_ok(session: &str) -> Response {
    Response {
        status: 200,
        headers: vec![
            (
                "set-cookie".into(),
                format!("B1SESSION={session};HttpOnly;"),
            ),
            ("set-cookie".into(), "ROUTEID=.node1; path=/b1s".into()),
        ],
        body: json!({"SessionId": session, "Version": "1000190", "SessionTimeout": 30})
            .to_string()
            .into_bytes(),
    }
}

fn logout_ok() -> Response {
    Response {
        status: 204,
        headers: vec![],
        body: vec![],
    }
}

fn header<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn cfg() -> Config {
    Config::parse(
        r#"{"companyDb":"SBODEMODE","userName":"manager","password":"pw","baseUrl":"https://acme.sap-b1.cloud:50000/b1s/v1/","cardCode":"C-BEEP","saleItemCode":"BEEP-SALE"}"#,
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

fn change(id: &str, sku: &str, delta: f64) -> StockChange {
    StockChange {
        id: id.into(),
        product_id: None,
        sku: Some(sku.into()),
        quantity_delta: delta,
        reason: "sale R-1".into(),
        occurred_at: "2026-06-15T10:00:00Z".into(),
    }
}

#[test]
fn config_is_checked() {
    assert_eq!(
        cfg().url("Items"),
        "https://acme.sap-b1.cloud:50000/b1s/v1/Items"
    );
    let c = Config::parse(
        r#"{"companyDb":"X","userName":"u","password":"p","baseUrl":"https://h.b1cloud.com:50000"}"#,
    )
    .unwrap();
    assert_eq!(c.url("Login"), "https://h.b1cloud.com:50000/b1s/v1/Login");
    for bad in [
        r#"{"companyDb":"X","userName":"u","password":"p"}"#,
        r#"{"companyDb":"","userName":"u","password":"p","baseUrl":"https://h"}"#,
        r#"{"companyDb":"X","userName":"u","password":"","baseUrl":"https://h"}"#,
        r#"{"companyDb":"X","userName":"u","password":"p","baseUrl":"ftp://h"}"#,
        r#"{"companyDb":"X","userName":"u","password":"p","baseUrl":"https://h","currency":"XYZ"}"#,
        r#"{"companyDb":"X","userName":"u","password":"p","baseUrl":"https://h","salesDocument":"Quotations"}"#,
    ] {
        assert!(
            matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
            "{bad}"
        );
    }
}

#[test]
fn hosts_are_origins_the_grant_parser_accepts() {
    for h in HOSTS {
        let (scheme, rest) = h.split_once("://").unwrap();
        assert_eq!(scheme, "https");
        let host = rest.split(':').next().unwrap();
        assert!(host.starts_with("*.") && host[2..].contains('.'), "{h}");
        assert!(!rest.contains('/'), "{h}");
    }
}

#[test]
fn next_links_resolve_at_the_configured_root() {
    let base = "https://h:50000/b1s/v1";
    assert_eq!(
        resolve_link(base, "Items?$skip=20").unwrap(),
        "https://h:50000/b1s/v1/Items?$skip=20"
    );
    assert_eq!(
        resolve_link(base, "/b1s/v1/Items?$skip=20").unwrap(),
        "https://h:50000/b1s/v1/Items?$skip=20"
    );
    assert_eq!(
        resolve_link(base, "https://other:50000/b1s/v1/Items?$skip=40").unwrap(),
        "https://h:50000/b1s/v1/Items?$skip=40",
        "never another origin"
    );
    let proxied = "http://127.0.0.1:9/sap/b1s/v1";
    assert_eq!(
        resolve_link(proxied, "/b1s/v1/Items?$skip=20").unwrap(),
        "http://127.0.0.1:9/sap/b1s/v1/Items?$skip=20"
    );
    assert_eq!(
        odata::next_link(&json!({"@odata.nextLink": "Items?$skip=2"})),
        Some("Items?$skip=2")
    );
    assert_eq!(
        odata::next_link(&json!({"odata.nextLink": "/b1s/v1/Items?$skip=2"})),
        Some("/b1s/v1/Items?$skip=2")
    );
    assert_eq!(odata::next_link(&json!({"value": []})), None);
}

#[test]
fn queries_encode_spaces_as_percent_20() {
    let q = encode_query(&[
        ("$select", "ItemCode,ItemName".into()),
        ("$filter", "CardType eq 'cSupplier' and A ge '1'".into()),
    ]);
    assert_eq!(
        q,
        "$select=ItemCode,ItemName&$filter=CardType%20eq%20'cSupplier'%20and%20A%20ge%20'1'"
    );
}

#[test]
fn cookies_come_from_set_cookie_or_the_session_id() {
    let headers = vec![
        (
            "Set-Cookie".to_string(),
            "B1SESSION=abc-1;HttpOnly;".to_string(),
        ),
        (
            "set-cookie".to_string(),
            "ROUTEID=.node2; path=/b1s".to_string(),
        ),
    ];
    assert_eq!(
        session_cookie(&headers, None).unwrap(),
        "B1SESSION=abc-1; ROUTEID=.node2"
    );
    assert_eq!(session_cookie(&[], Some("xyz")).unwrap(), "B1SESSION=xyz");
    assert_eq!(session_cookie(&[], None), None);
    let joined = vec![(
        "set-cookie".to_string(),
        "B1SESSION=k; HttpOnly, ROUTEID=.n1; path=/b1s".to_string(),
    )];
    assert_eq!(
        session_cookie(&joined, None).unwrap(),
        "B1SESSION=k; ROUTEID=.n1"
    );
}

#[test]
fn sap_error_bodies_give_the_message() {
    let v1 = br#"{"error":{"code":301,"message":{"lang":"en-us","value":"Invalid session."}}}"#;
    assert_eq!(error_message(v1).unwrap(), "Invalid session. (code 301)");
    let v2 = br#"{"error":{"code":"-304","message":"Login failed"}}"#;
    assert_eq!(error_message(v2).unwrap(), "Login failed (code -304)");
    assert_eq!(error_message(b"Bad Gateway").unwrap(), "Bad Gateway");
}

fn item(code: &str, date: &str) -> Value {
    json!({
        "ItemCode": code, "ItemName": format!("Item {code}"), "QuantityOnStock": 15.0,
        "InventoryUOM": "Stk", "UpdateDate": date,
        "ItemWarehouseInfoCollection": [
            {"WarehouseCode": "01", "InStock": 10.0},
            {"WarehouseCode": "02", "InStock": 5.0}
        ]
    })
}

#[test]
fn inventory_pages_through_next_links_in_one_session() {
    let mut api = Fake::new(vec![
        login_ok("s1"),
        answer(
            200,
            json!({"value": [item("A1", "2024-10-01"), item("A2", "2024-10-07")],
                   "@odata.nextLink": "Items?$select=ItemCode&$skip=2"}),
        ),
        answer(200, json!({"value": [item("A3", "2024-10-03T00:00:00Z")]})),
        logout_ok(),
    ]);
    let page = fetch_inventory(&cfg(), &mut api, None).unwrap();
    assert_eq!(paths(&api), ["Login", "Items", "Items", "Logout"]);
    let login = &api.sent[0];
    let body: Value = serde_json::from_slice(&login.body).unwrap();
    assert_eq!(
        body,
        json!({"CompanyDB": "SBODEMODE", "UserName": "manager", "Password": "pw"})
    );
    for r in &api.sent[1..] {
        assert_eq!(header(r, "cookie"), Some("B1SESSION=s1; ROUTEID=.node1"));
    }
    assert_eq!(
        header(&api.sent[1], "prefer"),
        Some(format!("odata.maxpagesize={PAGE_SIZE}").as_str())
    );
    assert!(
        api.sent[1]
            .url
            .contains("$filter=InventoryItem%20eq%20'tYES'"),
        "{}",
        api.sent[1].url
    );
    assert!(!api.sent[1].url.contains("UpdateDate%20ge"));
    assert!(
        api.sent[2]
            .url
            .ends_with("/b1s/v1/Items?$select=ItemCode&$skip=2")
    );
    assert!(!page.has_more);
    assert_eq!(page.levels.len(), 3);
    assert_eq!(page.levels[0].external_id, "A1");
    assert_eq!(page.levels[0].sku.as_deref(), Some("A1"));
    assert_eq!(page.levels[0].quantity, 15.0);
    assert_eq!(page.levels[0].warehouse_id, None);
    assert_eq!(page.levels[0].unit.as_deref(), Some("Stk"));
    let cursor = page.next_cursor.unwrap();
    assert_eq!(cursor, r#"{"since":"2024-10-07"}"#);

    // The next run reads only what changed since.
    let mut api = Fake::new(vec![
        login_ok("s2"),
        answer(200, json!({"value": []})),
        logout_ok(),
    ]);
    let page = fetch_inventory(&cfg(), &mut api, Some(&cursor)).unwrap();
    assert!(
        api.sent[1]
            .url
            .contains("InventoryItem%20eq%20'tYES'%20and%20UpdateDate%20ge%20'2024-10-07'"),
        "{}",
        api.sent[1].url
    );
    assert_eq!(
        page.next_cursor.as_deref(),
        Some(r#"{"since":"2024-10-07"}"#)
    );
}

#[test]
fn a_configured_warehouse_reads_its_stock() {
    let c = Config::parse(
        r#"{"companyDb":"X","userName":"u","password":"p","baseUrl":"https://h","warehouse":"02"}"#,
    )
    .unwrap();
    let level = stock_level(&item("A1", "2024-10-01"), c.warehouse()).unwrap();
    assert_eq!(level.quantity, 5.0);
    assert_eq!(level.warehouse_id.as_deref(), Some("02"));
    assert_eq!(
        stock_level(&item("A1", "x"), Some("99")).unwrap().quantity,
        0.0
    );
}

#[test]
fn the_page_budget_leaves_a_cursor() {
    let mut answers = vec![login_ok("s")];
    for n in 0..PAGES_PER_CALL {
        answers.push(answer(
            200,
            json!({"value": [item(&format!("I{n}"), "2024-01-01")],
                   "odata.nextLink": format!("/b1s/v1/Items?$skip={}", n + 1)}),
        ));
    }
    answers.push(logout_ok());
    let mut api = Fake::new(answers);
    let page = fetch_inventory(&cfg(), &mut api, None).unwrap();
    assert!(page.has_more);
    assert_eq!(api.sent.len(), PAGES_PER_CALL + 2);
    let cursor = page.next_cursor.unwrap();
    let st: ReadCursor = serde_json::from_str(&cursor).unwrap();
    assert_eq!(
        st.next.as_deref(),
        Some(
            format!("https://acme.sap-b1.cloud:50000/b1s/v1/Items?$skip={PAGES_PER_CALL}").as_str()
        )
    );
    assert_eq!(st.max.as_deref(), Some("2024-01-01"));
    let mut api = Fake::new(vec![
        login_ok("s"),
        answer(200, json!({"value": []})),
        logout_ok(),
    ]);
    let page = fetch_inventory(&cfg(), &mut api, Some(&cursor)).unwrap();
    assert!(
        api.sent[1]
            .url
            .ends_with(&format!("Items?$skip={PAGES_PER_CALL}"))
    );
    assert_eq!(
        page.next_cursor.as_deref(),
        Some(r#"{"since":"2024-01-01"}"#)
    );
}

#[test]
fn logout_follows_an_error() {
    let mut api = Fake::new(vec![
        login_ok("s"),
        answer(
            500,
            json!({"error": {"code": -1, "message": {"lang": "en-us", "value": "boom"}}}),
        ),
        logout_ok(),
    ]);
    match fetch_suppliers(&cfg(), &mut api, None) {
        Err(ConnectorError::Upstream(u)) => {
            assert_eq!(u.status, 500);
            assert!(u.message.contains("boom"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(paths(&api), ["Login", "BusinessPartners", "Logout"]);
    assert_eq!(
        header(&api.sent[2], "cookie"),
        Some("B1SESSION=s; ROUTEID=.node1")
    );
}

#[test]
fn an_expired_session_logs_in_again_once() {
    let invalid =
        json!({"error": {"code": 301, "message": {"lang": "en-us", "value": "Invalid session."}}});
    let mut api = Fake::new(vec![
        login_ok("old"),
        answer(401, invalid.clone()),
        login_ok("new"),
        answer(
            200,
            json!({"value": [
                {"CardCode": "S1", "CardName": "Nord GmbH", "CardType": "cSupplier",
                 "EmailAddress": "a@b.example", "FederalTaxID": "DE1", "UpdateDate": "2024-09-01"},
                {"CardCode": "C1", "CardName": "Kunde", "CardType": "cCustomer"}
            ]}),
        ),
        logout_ok(),
    ]);
    let page = fetch_suppliers(&cfg(), &mut api, None).unwrap();
    assert_eq!(
        paths(&api),
        [
            "Login",
            "BusinessPartners",
            "Login",
            "BusinessPartners",
            "Logout"
        ]
    );
    assert_eq!(
        header(&api.sent[3], "cookie"),
        Some("B1SESSION=new; ROUTEID=.node1")
    );
    assert_eq!(page.suppliers.len(), 1, "customers are no suppliers");
    let s = &page.suppliers[0];
    assert_eq!(s.external_id, "S1");
    assert_eq!(s.name, "Nord GmbH");
    assert_eq!(s.email.as_deref(), Some("a@b.example"));
    assert_eq!(s.vat_id.as_deref(), Some("DE1"));
    assert!(api.sent[1].url.contains("CardType%20eq%20'cSupplier'"));

    // Still invalid after a fresh login: the error stands, and the call logs out.
    let mut api = Fake::new(vec![
        login_ok("a"),
        answer(401, invalid.clone()),
        login_ok("b"),
        answer(401, invalid),
        logout_ok(),
    ]);
    match fetch_suppliers(&cfg(), &mut api, None) {
        Err(ConnectorError::Unauthorized(m)) => assert!(m.contains("Invalid session."), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(paths(&api).last().unwrap(), "Logout");
}

#[test]
fn a_failed_login_is_unauthorized_with_saps_words() {
    let mut api = Fake::new(vec![answer(
        401,
        json!({"error": {"code": -304, "message": {"lang": "en-us", "value": "Login failed"}}}),
    )]);
    match fetch_orders(&cfg(), &mut api, None) {
        Err(ConnectorError::Unauthorized(m)) => assert!(m.contains("Login failed"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(api.sent.len(), 1, "no session, so no logout");
}

#[test]
fn purchase_orders_map_money_and_lines() {
    let doc = json!({
        "DocEntry": 17, "DocNum": 1017, "CardCode": "S1", "DocDate": "2024-10-02",
        "DocTotal": 195.6, "DocCurrency": "EUR", "DocumentStatus": "bost_Open",
        "Cancelled": "tNO",
        "DocumentLines": [
            {"ItemCode": "A1", "ItemDescription": "Wasser", "Quantity": 240.0,
             "Price": 0.45, "Currency": "EUR"},
            {"ItemCode": "A2", "Quantity": 2.0}
        ]
    });
    let po = purchase_order(&doc, "EUR").unwrap().unwrap();
    assert_eq!(po.external_id, "17");
    assert_eq!(po.number.as_deref(), Some("1017"));
    assert_eq!(po.supplier_id.as_deref(), Some("S1"));
    assert_eq!(po.status, "open");
    assert_eq!(
        format!("{:?}", po.total),
        format!("{:?}", Some(money::money(19560, "EUR")))
    );
    assert_eq!(po.ordered_at.as_deref(), Some("2024-10-02"));
    assert_eq!(po.lines.len(), 2);
    assert_eq!(
        format!("{:?}", po.lines[0].unit_price),
        format!("{:?}", Some(money::money(45, "EUR")))
    );
    assert_eq!(po.lines[0].description.as_deref(), Some("Wasser"));
    assert!(po.lines[1].unit_price.is_none());

    let usd = json!({"DocEntry": 2, "DocTotal": 90.0, "DocTotalFc": 100.0,
                     "DocCurrency": "USD", "DocumentStatus": "bost_Close"});
    let po = purchase_order(&usd, "EUR").unwrap().unwrap();
    assert_eq!(
        format!("{:?}", po.total),
        format!("{:?}", Some(money::money(10000, "USD")))
    );
    assert_eq!(po.status, "closed");
    let yen = json!({"DocEntry": 3, "DocTotal": 1200.0, "DocCurrency": "€", "Cancelled": "tYES"});
    let po = purchase_order(&yen, "JPY").unwrap().unwrap();
    assert_eq!(
        format!("{:?}", po.total),
        format!("{:?}", Some(money::money(120000, "EUR")))
    );
    assert_eq!(po.status, "cancelled");
}

#[test]
fn sales_are_searched_then_created_with_num_at_card() {
    let mut api = Fake::new(vec![
        login_ok("s"),
        answer(200, json!({"value": []})),
        answer(201, json!({"DocEntry": 501, "DocNum": 9001})),
        answer(
            200,
            json!({"value": [{"DocEntry": 400, "NumAtCard": "BEEP-t2"}]}),
        ),
        answer(200, json!({"value": []})),
        logout_ok(),
    ]);
    let txs = vec![
        tx("t1", TransactionKind::Sale),
        tx("t2", TransactionKind::Sale),
        tx("p1", TransactionKind::Payment),
    ];
    let results = push_transactions(&cfg(), &mut api, &txs).unwrap();
    assert_eq!(
        paths(&api),
        ["Login", "Invoices", "Invoices", "Invoices", "Logout"]
    );
    assert!(
        api.sent[1]
            .url
            .contains("$filter=NumAtCard%20eq%20'BEEP-t1'"),
        "{}",
        api.sent[1].url
    );
    let body: Value = serde_json::from_slice(&api.sent[2].body).unwrap();
    assert_eq!(body["NumAtCard"], "BEEP-t1");
    assert_eq!(body["CardCode"], "C-BEEP");
    assert_eq!(body["DocDate"], "2026-06-15");
    assert_eq!(body["DocCurrency"], "EUR");
    assert_eq!(body["DocumentLines"][0]["ItemCode"], "BEEP-SALE");
    assert_eq!(body["DocumentLines"][0]["PriceAfterVAT"], 3.47);
    assert_eq!(
        format!("{:?}", results[0].outcome),
        format!("{:?}", PushOutcome::Created(Some("501".into())))
    );
    assert_eq!(
        format!("{:?}", results[1].outcome),
        format!("{:?}", PushOutcome::Duplicate(Some("400".into())))
    );
    assert!(
        matches!(
            results[2].outcome,
            PushOutcome::Rejected(ConnectorError::InvalidConfig(_))
        ),
        "no paymentAccount: the payment is refused, the sales went through: {:?}",
        results[2].outcome
    );
}

fn money_cfg() -> Config {
    Config::parse(
        r#"{"companyDb":"SBODEMODE","userName":"manager","password":"pw","baseUrl":"https://acme.sap-b1.cloud:50000/b1s/v1","cardCode":"C-BEEP","saleItemCode":"BEEP-SALE","paymentAccount":"1360"}"#,
    )
    .unwrap()
}

#[test]
fn payments_are_incoming_and_refunds_outgoing_payments_searched_by_remarks() {
    let mut api = Fake::new(vec![
        login_ok("s"),
        answer(200, json!({"value": []})),
        answer(201, json!({"DocEntry": 71, "DocNum": 5071})),
        answer(200, json!({"value": []})),
        answer(201, json!({"DocEntry": 72, "DocNum": 5072})),
        answer(
            200,
            json!({"value": [{"DocEntry": 12, "Remarks": "BEEP-p2"}]}),
        ),
        logout_ok(),
    ]);
    let mut payment = tx("p1", TransactionKind::Payment);
    payment.reference = Some("pi_3Nabc".into());
    let mut refund = tx("r1", TransactionKind::Refund);
    refund.amount = money::money(120, "EUR");
    refund.reference = Some("re_3Nxyz".into());
    let txs = vec![payment, refund, tx("p2", TransactionKind::Payment)];
    let results = push_transactions(&money_cfg(), &mut api, &txs).unwrap();
    assert_eq!(
        paths(&api),
        [
            "Login",
            "IncomingPayments",
            "IncomingPayments",
            "VendorPayments",
            "VendorPayments",
            "IncomingPayments",
            "Logout"
        ]
    );
    assert!(
        api.sent[1].url.contains("$filter=Remarks%20eq%20'BEEP-p1'"),
        "{}",
        api.sent[1].url
    );
    let body: Value = serde_json::from_slice(&api.sent[2].body).unwrap();
    assert_eq!(
        body,
        json!({
            "DocType": "rCustomer",
            "CardCode": "C-BEEP",
            "DocDate": "2026-06-15",
            "DocCurrency": "EUR",
            "TransferAccount": "1360",
            "TransferSum": 3.47,
            "TransferDate": "2026-06-15",
            "Remarks": "BEEP-p1",
            "JournalRemarks": "BEEP! payment pi_3Nabc",
        })
    );
    assert!(api.sent[3].url.contains("$filter=Remarks%20eq%20'BEEP-r1'"));
    let body: Value = serde_json::from_slice(&api.sent[4].body).unwrap();
    assert_eq!(body["DocType"], "rCustomer", "money back to the customer");
    assert_eq!(body["TransferSum"], 1.2);
    assert_eq!(body["Remarks"], "BEEP-r1");
    assert_eq!(body["JournalRemarks"], "BEEP! refund re_3Nxyz");
    let outcomes: Vec<String> = results.iter().map(|r| format!("{:?}", r.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            format!("{:?}", PushOutcome::Created(Some("71".into()))),
            format!("{:?}", PushOutcome::Created(Some("72".into()))),
            format!("{:?}", PushOutcome::Duplicate(Some("12".into()))),
        ]
    );
}

#[test]
fn payment_sums_follow_the_currency_exponent() {
    for (minor, currency, major) in [
        (1500, "JPY", 1500.0),
        (12345, "KWD", 12.345),
        (5, "EUR", 0.05),
    ] {
        let mut t = tx("p", TransactionKind::Payment);
        t.amount = money::money(minor, currency);
        let doc = payment_document(&t, "C-BEEP", "1360").unwrap();
        assert_eq!(doc["TransferSum"], major, "{currency}");
        assert_eq!(doc["DocCurrency"], currency);
    }
    let mut nothing = tx("p", TransactionKind::Refund);
    nothing.amount = money::money(0, "EUR");
    assert!(matches!(
        payment_document(&nothing, "C-BEEP", "1360"),
        Err(ConnectorError::InvalidConfig(_))
    ));
    let long = Transaction {
        reference: Some("x".repeat(80)),
        ..tx("p", TransactionKind::Payment)
    };
    let doc = payment_document(&long, "C-BEEP", "1360").unwrap();
    assert_eq!(doc["JournalRemarks"].as_str().unwrap().chars().count(), 50);
}

#[test]
fn a_payment_whose_answer_was_lost_is_found_on_the_resend() {
    // First call: SAP books the payment but the answer is a 500 (the call fails, nothing
    // else got through). The resend finds it by its remarks and books nothing.
    let mut api = Fake::new(vec![
        login_ok("s"),
        answer(200, json!({"value": []})),
        answer(
            500,
            json!({"error": {"code": -1, "message": {"lang": "en-us", "value": "Internal Server Error"}}}),
        ),
        logout_ok(),
        login_ok("s2"),
        answer(
            200,
            json!({"value": [{"DocEntry": 71, "Remarks": "BEEP-p1"}]}),
        ),
        logout_ok(),
    ]);
    let txs = [tx("p1", TransactionKind::Payment)];
    let err = push_transactions(&money_cfg(), &mut api, &txs).unwrap_err();
    assert!(matches!(err, ConnectorError::Upstream(ref u) if u.status == 500));
    let results = push_transactions(&money_cfg(), &mut api, &txs).unwrap();
    assert_eq!(
        format!("{:?}", results[0].outcome),
        format!("{:?}", PushOutcome::Duplicate(Some("71".into())))
    );
    assert_eq!(
        paths(&api)
            .iter()
            .filter(|p| *p == "IncomingPayments")
            .count(),
        3,
        "search, create, search: one payment"
    );
}

#[test]
fn pushes_stay_inside_the_request_budget() {
    let n = MAX_ITEMS_PER_CALL + 5;
    let txs: Vec<Transaction> = (0..n)
        .map(|i| tx(&format!("t{i}"), TransactionKind::Sale))
        .collect();
    let mut answers = vec![login_ok("s")];
    for i in 0..MAX_ITEMS_PER_CALL {
        answers.push(answer(200, json!({"value": []})));
        answers.push(answer(201, json!({"DocEntry": i})));
    }
    answers.push(logout_ok());
    let mut api = Fake::new(answers);
    let results = push_transactions(&cfg(), &mut api, &txs).unwrap();
    assert!(api.sent.len() <= 100);
    assert_eq!(results.len(), n);
    assert!(results[MAX_ITEMS_PER_CALL..].iter().all(|r| matches!(
        r.outcome,
        PushOutcome::Rejected(ConnectorError::RateLimited(None))
    )));
}

#[test]
fn a_transient_failure_first_fails_the_call_and_logs_out() {
    let mut api = Fake::new(vec![
        login_ok("s"),
        answer(503, json!({"error": {"code": -1, "message": "busy"}})),
        logout_ok(),
    ]);
    let err = push_transactions(&cfg(), &mut api, &[tx("t1", TransactionKind::Sale)]).unwrap_err();
    assert!(
        matches!(err, ConnectorError::Upstream(ref u) if u.status == 503),
        "{err:?}"
    );
    assert_eq!(paths(&api).last().unwrap(), "Logout");
}

#[test]
fn a_sales_stock_changes_are_one_goods_issue() {
    let mut api = Fake::new(vec![
        login_ok("s"),
        answer(200, json!({"value": []})),
        answer(201, json!({"DocEntry": 77})),
        answer(
            200,
            json!({"value": [{"DocEntry": 12, "Comments": "BEEP-s2"}]}),
        ),
        logout_ok(),
    ]);
    let changes = vec![
        change("s1:0", "A1", -2.0),
        change("s1:1", "A2", -1.0),
        change("s2:0", "A1", -1.0),
    ];
    let results = push_stock_changes(&cfg(), &mut api, &changes).unwrap();
    assert_eq!(
        paths(&api),
        [
            "Login",
            "InventoryGenExits",
            "InventoryGenExits",
            "InventoryGenExits",
            "Logout"
        ]
    );
    assert!(api.sent[1].url.contains("Comments%20eq%20'BEEP-s1'"));
    let body: Value = serde_json::from_slice(&api.sent[2].body).unwrap();
    assert_eq!(body["Comments"], "BEEP-s1");
    assert_eq!(
        body["DocumentLines"],
        json!([{"ItemCode": "A1", "Quantity": 2.0}, {"ItemCode": "A2", "Quantity": 1.0}])
    );
    assert_eq!(results.len(), 3);
    assert_eq!(
        format!("{:?}", results[0].outcome),
        format!("{:?}", PushOutcome::Created(Some("77".into())))
    );
    assert_eq!(
        format!("{:?}", results[1].outcome),
        format!("{:?}", PushOutcome::Created(Some("77".into())))
    );
    assert_eq!(
        format!("{:?}", results[2].outcome),
        format!("{:?}", PushOutcome::Duplicate(Some("12".into())))
    );
}

#[test]
fn a_positive_change_is_a_goods_receipt() {
    let changes = [change("s1:0", "A1", -1.0), change("s1:1", "A2", 3.0)];
    let groups = stock_groups(&changes);
    assert_eq!(groups.len(), 2);
    assert!(!groups[0].1 && groups[1].1);
    let doc = stock_document("s1", &groups[1].2, Some("02")).unwrap();
    assert_eq!(
        doc["DocumentLines"],
        json!([{"ItemCode": "A2", "Quantity": 3.0, "WarehouseCode": "02"}])
    );
    assert_eq!(doc["JournalMemo"], "sale R-1");
    assert_eq!(sale_of("abc:3"), "abc");
    assert_eq!(sale_of("abc"), "abc");
}
