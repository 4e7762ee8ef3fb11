//! SAP Business One (Service Layer) through the public API: ERP sync (full, incremental by
//! `UpdateDate`, paged, rate limited, bad password), sales and their stock changes,
//! payments (incoming payments) and refunds (outgoing payments) pushed exactly once, and
//! every call logging out of its session.

use crate::on_both_databases;
use crate::support::system::{self, Sync, by_id, list};
use crate::support::{Backend, Merchant, Server};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "sap").await
}

const SYSTEM: Sync = Sync::erp("sap");

/// The simulator's hook URL (the hooks sit beside /b1s/v1).
fn hook(base: &str, path: &str) -> String {
    format!("{}/_sim/{path}", base.trim_end_matches("/b1s/v1"))
}

/// Every call logged out: no session left open at the Service Layer.
async fn assert_logged_out(server: &Server, base: &str) {
    let sessions = server.sim_get(&hook(base, "sessions")).await;
    assert_eq!(sessions["active"], 0, "{sessions}");
    assert!(sessions["logins"].as_u64().unwrap() > 0, "{sessions}");
}

async fn full_then_incremental(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "sap");
    assert_eq!(body["full"], true);
    assert_eq!(
        body["synced"],
        json!({"inventory": 30, "orders": 2, "suppliers": 3}),
        "30 inventory items (not BEEP-SALE), suppliers only (no customers, no lead): {body}"
    );
    assert_logged_out(&server, &base).await;

    let inventory = list(&server, &m, "inventory", &store).await;
    assert_eq!(inventory.len(), 30);
    let a2 = by_id(&inventory, "A0002");
    assert_eq!(a2["sku"], "A0002");
    assert_eq!(a2["quantity"], 25.0, "both warehouses");
    assert_eq!(a2["unit"], "Stk");
    assert_eq!(by_id(&inventory, "A0003")["unit"], "kg");
    assert!(inventory.iter().all(|i| i["externalId"] != "BEEP-SALE"));

    let orders = list(&server, &m, "orders", &store).await;
    assert_eq!(orders.len(), 2);
    let po = by_id(&orders, "1");
    assert_eq!(po["number"], "1001");
    assert_eq!(po["supplierId"], "V10000");
    assert_eq!(po["status"], "open");
    assert_eq!(po["total"], json!({"amount": 19560, "currency": "EUR"}));
    let lines = po["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["productId"], "A0001");
    assert_eq!(lines[0]["quantity"], 240.0);
    assert_eq!(
        lines[0]["unitPrice"],
        json!({"amount": 45, "currency": "EUR"})
    );
    assert_eq!(by_id(&orders, "2")["status"], "closed");

    let suppliers = list(&server, &m, "suppliers", &store).await;
    assert_eq!(suppliers.len(), 3);
    let nord = by_id(&suppliers, "V10000");
    assert_eq!(nord["name"], "Getränke Großhandel Nord GmbH");
    assert_eq!(nord["email"], "bestellung@getraenke-nord.example");
    assert_eq!(nord["vatId"], "DE811907980");
    assert_eq!(by_id(&suppliers, "V10001")["email"], Value::Null);
    assert!(suppliers.iter().all(|s| s["externalId"] != "C-BEEP"));

    // Incremental: `UpdateDate ge` the highest date seen, so only the last day's
    // objects come again.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"inventory": 1, "orders": 1, "suppliers": 1}),
        "{body}"
    );

    // A stock change upstream moves the item's UpdateDate to today.
    server
        .sim_post(&hook(&base, "items/A0001/stock"), json!({"quantity": 12}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"]["inventory"], 2,
        "A0030 (last date) and A0001: {body}"
    );
    let inventory = list(&server, &m, "inventory", &store).await;
    assert_eq!(inventory.len(), 30);
    assert_eq!(by_id(&inventory, "A0001")["quantity"], 12.0);
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["inventory"], 1, "only today's: {body}");
    assert_logged_out(&server, &base).await;

    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    assert!(
        !audit
            .to_string()
            .contains(credentials["password"].as_str().unwrap())
    );
}

async fn a_large_inventory_pages(backend: Backend) {
    let (server, m, store, base, mut credentials) = setup(backend).await;
    credentials["companyDb"] = json!("gen-12000");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 12000, "orders": 2, "suppliers": 3}),
        "{body}"
    );
    assert_eq!(
        body["pages"], 4,
        "2 calls of items (20 pages of 500 each), 1 of orders, 1 of suppliers"
    );
    assert_logged_out(&server, &base).await;
}

async fn rate_limits_are_waited_out(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 429, "times": 2}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2);
    assert_eq!(
        body["synced"],
        json!({"inventory": 30, "orders": 2, "suppliers": 3})
    );
    assert_logged_out(&server, &base).await;
}

async fn a_bad_password_is_422_with_saps_message(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["password"] = json!("wrong-pass-123");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Login failed"),
        "{body}"
    );
    assert!(!body.to_string().contains("wrong-pass-123"));
}

fn sale(receipt: &str, store: &str) -> Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"sku": "A0004", "name": "Vollmilch 1 l #4", "quantity": 2, "unitPrice": 129, "taxRateBps": 700},
            {"sku": "A0005", "name": "Laugenbrezel #5", "quantity": 1, "unitPrice": 89, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 347, "reference": "pi_test"}]
    })
}

async fn documents(server: &Server, base: &str) -> Value {
    server.sim_get(&hook(base, "documents")).await
}

async fn sales_are_booked_exactly_once(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    let mut sale_ids = vec![];
    for n in 1..=3 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&format!("R-{n}"), &store))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        sale_ids.push(body["saleId"].as_str().unwrap().to_string());
    }

    let push = json!({"system": "sap", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 3, "{body}");
    let booked = documents(&server, &base).await;
    let invoices = booked["Invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 3, "{invoices:?}");
    for (invoice, id) in invoices.iter().zip(&sale_ids) {
        assert_eq!(invoice["NumAtCard"], format!("BEEP-{id}"));
        assert_eq!(invoice["CardCode"], "C-BEEP");
        assert_eq!(invoice["DocCurrency"], "EUR");
        assert_eq!(invoice["DocumentLines"][0]["ItemCode"], "BEEP-SALE");
        assert_eq!(invoice["DocumentLines"][0]["PriceAfterVAT"], 3.47);
    }
    let issues = booked["InventoryGenExits"].as_array().unwrap();
    assert_eq!(issues.len(), 3, "one goods issue per sale: {issues:?}");
    for (issue, id) in issues.iter().zip(&sale_ids) {
        assert_eq!(issue["Comments"], format!("BEEP-{id}"));
        assert_eq!(
            issue["DocumentLines"],
            json!([{"ItemCode": "A0004", "Quantity": 2.0}, {"ItemCode": "A0005", "Quantity": 1.0}])
        );
    }
    assert_eq!(booked["sessions"], 0, "both push calls logged out");

    // Pushed twice: nothing new.
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    let booked = documents(&server, &base).await;
    assert_eq!(booked["Invoices"].as_array().unwrap().len(), 3);
    assert_eq!(booked["InventoryGenExits"].as_array().unwrap().len(), 3);

    // A 500 on the first request of the next push (its login): the sale stays pending,
    // then is booked once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-4", &store))
        .await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 500, "times": 1}))
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 1, "{body}");
    let booked = documents(&server, &base).await;
    for kind in ["Invoices", "InventoryGenExits"] {
        let field = if kind == "Invoices" {
            "NumAtCard"
        } else {
            "Comments"
        };
        let mut refs: Vec<&str> = booked[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d[field].as_str().unwrap())
            .collect();
        assert_eq!(refs.len(), 4, "{kind}");
        refs.sort();
        refs.dedup();
        assert_eq!(refs.len(), 4, "{kind}: each sale booked once");
    }
    assert_logged_out(&server, &base).await;
}

/// Sets up Stripe (Test Mode) as the store's PSP.
pub(crate) async fn use_stripe(server: &Server, m: &Merchant, store: &str) {
    let (_, stripe) = server.sandbox(m, "stripe").await;
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "stripe", "storeId": store, "config": stripe}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A succeeded payment through BEEP!'s PSP: its BEEP! id.
pub(crate) async fn psp_payment(
    server: &Server,
    m: &Merchant,
    store: &str,
    key: &str,
    amount: i64,
    currency: &str,
) -> String {
    let (status, payment) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            key,
            json!({"storeId": store, "amount": amount, "currency": currency, "reference": key, "paymentMethod": "pm_card_visa"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{payment}");
    assert_eq!(payment["status"], "succeeded", "{payment}");
    payment["paymentId"].as_str().unwrap().to_string()
}

/// A succeeded (partial) refund of a payment: its BEEP! id.
pub(crate) async fn psp_refund(
    server: &Server,
    m: &Merchant,
    store: &str,
    payment_id: &str,
    key: &str,
    amount: i64,
) -> String {
    let (status, refund) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            key,
            json!({"storeId": store, "paymentId": payment_id, "amount": amount}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{refund}");
    assert_eq!(refund["status"], "succeeded", "{refund}");
    refund["refundId"].as_str().unwrap().to_string()
}

fn remarks(docs: &Value) -> Vec<String> {
    let mut refs: Vec<String> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["Remarks"].as_str().unwrap().to_string())
        .collect();
    refs.sort();
    refs
}

async fn payments_and_refunds_are_booked_exactly_once(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    use_stripe(&server, &m, &store).await;
    let paid = psp_payment(&server, &m, &store, "pay-1", 347, "EUR").await;
    let refunded = psp_refund(&server, &m, &store, &paid, "ref-1", 120).await;

    let push = json!({"system": "sap", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 2, "stockChanges": 0}),
        "{body}"
    );
    let booked = documents(&server, &base).await;
    let incoming = booked["IncomingPayments"].as_array().unwrap();
    assert_eq!(incoming.len(), 1, "{incoming:?}");
    let payment = &incoming[0];
    assert_eq!(payment["Remarks"], format!("BEEP-{paid}"));
    assert_eq!(payment["DocType"], "rCustomer");
    assert_eq!(payment["CardCode"], "C-BEEP");
    assert_eq!(payment["DocCurrency"], "EUR");
    assert_eq!(payment["TransferAccount"], "1360");
    assert_eq!(payment["TransferSum"], 3.47);
    assert!(
        payment["JournalRemarks"]
            .as_str()
            .unwrap()
            .starts_with("BEEP! payment pi_"),
        "the PSP's reference: {payment}"
    );
    let outgoing = booked["VendorPayments"].as_array().unwrap();
    assert_eq!(outgoing.len(), 1, "{outgoing:?}");
    let refund = &outgoing[0];
    assert_eq!(refund["Remarks"], format!("BEEP-{refunded}"));
    assert_eq!(refund["DocType"], "rCustomer", "money back to the customer");
    assert_eq!(refund["TransferSum"], 1.2, "the partial refund");
    assert!(booked["Invoices"].as_array().unwrap().is_empty());

    // Pushed twice: nothing new.
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    assert_eq!(body["duplicates"], 0, "not even sent again: {body}");

    // Amounts in major units with the currency's exponent: ¥1500 is 1500, 12.340 KWD
    // is 12.34.
    let yen = psp_payment(&server, &m, &store, "pay-jpy", 1500, "JPY").await;
    let dinar = psp_payment(&server, &m, &store, "pay-kwd", 12340, "KWD").await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 2, "{body}");
    let booked = documents(&server, &base).await;
    let incoming = booked["IncomingPayments"].as_array().unwrap();
    let of = |id: &str| {
        incoming
            .iter()
            .find(|d| d["Remarks"] == format!("BEEP-{id}"))
            .unwrap_or_else(|| panic!("no payment {id}: {incoming:?}"))
            .clone()
    };
    assert_eq!(of(&yen)["TransferSum"], 1500.0);
    assert_eq!(of(&yen)["DocCurrency"], "JPY");
    assert_eq!(of(&dinar)["TransferSum"], 12.34);
    assert_eq!(of(&dinar)["DocCurrency"], "KWD");

    // A 500 before anything is written (the login): the refund stays pending, then is
    // booked once.
    let second = psp_refund(&server, &m, &store, &paid, "ref-2", 100).await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 500, "times": 1}))
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(
        status,
        StatusCode::BAD_GATEWAY,
        "nothing got through: {body}"
    );
    assert_eq!(body["error"]["code"], "vendor_error", "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 1, "{body}");

    // Worse: SAP books the payment but its answer is lost (a 500 after the write). The
    // resend finds it by its Remarks and books nothing twice.
    let lost = psp_payment(&server, &m, &store, "pay-2", 1999, "EUR").await;
    server
        .sim_post(
            &hook(&base, "fail"),
            json!({"status": 500, "times": 1, "afterWrite": true}),
        )
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(
        status,
        StatusCode::BAD_GATEWAY,
        "the answer was lost: {body}"
    );
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    assert_eq!(body["duplicates"], 1, "recognised upstream: {body}");

    let booked = documents(&server, &base).await;
    let mut expected = vec![
        format!("BEEP-{paid}"),
        format!("BEEP-{yen}"),
        format!("BEEP-{dinar}"),
        format!("BEEP-{lost}"),
    ];
    expected.sort();
    assert_eq!(
        remarks(&booked["IncomingPayments"]),
        expected,
        "each payment once"
    );
    let mut expected = vec![format!("BEEP-{refunded}"), format!("BEEP-{second}")];
    expected.sort();
    assert_eq!(
        remarks(&booked["VendorPayments"]),
        expected,
        "each refund once"
    );
    assert_logged_out(&server, &base).await;
}

on_both_databases!(
    full_then_incremental,
    a_large_inventory_pages,
    rate_limits_are_waited_out,
    a_bad_password_is_422_with_saps_message,
    sales_are_booked_exactly_once,
    payments_and_refunds_are_booked_exactly_once,
);
