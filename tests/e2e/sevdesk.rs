//! sevdesk through the public API: ERP sync (full, incremental, paged, rate limited, bad
//! token) and transactions and stock changes pushed exactly once.

use crate::on_both_databases;
use crate::support::system::{self, Sync, by_id, list};
use crate::support::{Backend, Server};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "sevdesk").await
}

const SYSTEM: Sync = Sync::erp("sevdesk");

/// The simulator's hook URL (the hooks sit beside /api/v1).
fn hook(base: &str, path: &str) -> String {
    format!("{}/_sim/{path}", base.trim_end_matches("/api/v1"))
}

async fn full_then_incremental(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "sevdesk");
    assert_eq!(body["full"], true);
    assert_eq!(
        body["synced"],
        json!({"inventory": 30, "orders": 3, "suppliers": 4}),
        "30 stock-tracked parts (not the 2 services), orders to suppliers only, supplier contacts only: {body}"
    );

    let inventory = list(&server, &m, "inventory", &store).await;
    assert_eq!(inventory.len(), 30);
    assert!(inventory.iter().all(|i| i["system"] == "sevdesk"));
    let water = by_id(&inventory, "1001");
    assert_eq!(water["sku"], "ART-1001");
    assert_eq!(water["quantity"], 240.0);
    assert_eq!(water["unit"], "pc");
    assert_eq!(water["warehouseId"], Value::Null);
    assert_eq!(by_id(&inventory, "1017")["quantity"], 8.5);
    assert_eq!(by_id(&inventory, "1017")["unit"], "kg");

    let orders = list(&server, &m, "orders", &store).await;
    assert_eq!(orders.len(), 3);
    let po = by_id(&orders, "3001");
    assert_eq!(po["number"], "AB-1001");
    assert_eq!(po["supplierId"], "2001");
    assert_eq!(po["status"], "sent");
    assert_eq!(po["total"]["currency"], "EUR");
    assert!(po["total"]["amount"].as_i64().unwrap() > 0, "{po}");
    let lines = po["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["sku"], "ART-1001");
    assert_eq!(lines[0]["productId"], "1001");
    assert_eq!(lines[0]["quantity"], 240.0);
    assert!(
        orders
            .iter()
            .all(|o| o["externalId"] != "3004" && o["externalId"] != "3005")
    );

    let suppliers = list(&server, &m, "suppliers", &store).await;
    assert_eq!(suppliers.len(), 4);
    let nord = by_id(&suppliers, "2001");
    assert_eq!(nord["name"], "Getränke Großhandel Nord GmbH");
    assert_eq!(nord["email"], "bestellung@getraenke-nord.example");
    assert_eq!(nord["vatId"], "DE811907980");
    assert_eq!(by_id(&suppliers, "2003")["email"], Value::Null);
    let farmer = by_id(&suppliers, "2004");
    assert_eq!(farmer["name"], "Jonas Weber", "a person is a supplier too");
    assert_eq!(farmer["email"], "hof.weber@example.org");

    // Nothing changed: suppliers and orders come incrementally (updateAfter) and bring
    // nothing; sevdesk has no change filter for parts, so the inventory is read again.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"inventory": 30, "orders": 0, "suppliers": 0}),
        "{body}"
    );

    // Changes upstream: a stock level, a supplier's e-mail address, an order's status.
    server
        .sim_post(&hook(&base, "parts/1001/stock"), json!({"quantity": 12}))
        .await;
    server
        .sim_post(
            &hook(&base, "contacts/2002"),
            json!({"email": "bestellung@sonnenschein.example"}),
        )
        .await;
    server
        .sim_post(&hook(&base, "orders/3002"), json!({"status": 1000}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 30, "orders": 1, "suppliers": 1}),
        "{body}"
    );
    let inventory = list(&server, &m, "inventory", &store).await;
    assert_eq!(by_id(&inventory, "1001")["quantity"], 12.0);
    let suppliers = list(&server, &m, "suppliers", &store).await;
    assert_eq!(
        by_id(&suppliers, "2002")["email"],
        "bestellung@sonnenschein.example"
    );
    let orders = list(&server, &m, "orders", &store).await;
    assert_eq!(by_id(&orders, "3002")["status"], "invoiced");

    // The egress audit shows the calls, without the token.
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let calls = audit["calls"].as_array().unwrap();
    assert!(!calls.is_empty());
    assert!(
        calls
            .iter()
            .all(|c| c["connector"] == "sevdesk" && c["status"] == 200 && c["denied"].is_null()),
        "{audit}"
    );
    assert!(
        !audit
            .to_string()
            .contains(credentials["apiToken"].as_str().unwrap())
    );
}

async fn a_large_inventory_pages(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["apiToken"] = json!("gen-2500");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 2500, "orders": 3, "suppliers": 4}),
        "{body}"
    );
    assert_eq!(
        body["pages"], 5,
        "3 pages of parts, 1 of orders, 1 of suppliers"
    );
    let (_, inventory) = server
        .get(
            &m.key,
            &format!("/api/v1/inventory?storeId={store}&limit=1"),
        )
        .await;
    assert_eq!(inventory["total"], 2500);
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
        json!({"inventory": 30, "orders": 3, "suppliers": 4})
    );
}

async fn a_bad_token_is_422_with_sevdesks_message(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["apiToken"] = json!("0123456789abcdef0123456789abcdef");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Authentication required"),
        "{body}"
    );
    let run_id = body["error"]["syncRunId"].as_str().unwrap();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "failed");
    assert_eq!(run["syncRun"]["errorClass"], "config");
    assert!(
        !run.to_string().contains("0123456789abcdef"),
        "no token in run records"
    );
}

fn sale(receipt: &str, store: &str) -> Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"sku": "ART-1001", "name": "Mineralwasser still 0,5 l", "quantity": 2, "unitPrice": 129, "taxRateBps": 1900},
            {"sku": "ART-1013", "name": "Laugenbrezel", "quantity": 1, "unitPrice": 89, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 347, "reference": "pi_test"}]
    })
}

async fn stock_of(server: &Server, base: &str, credentials: &Value, part: &str) -> f64 {
    let resp = server
        .http
        .get(format!("{base}/Part/{part}/getStock"))
        .header("Authorization", credentials["apiToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    body["objects"].as_f64().unwrap()
}

async fn transactions_are_booked_exactly_once(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    let water = stock_of(&server, &base, &credentials, "1001").await;
    let pretzels = stock_of(&server, &base, &credentials, "1013").await;

    // A Stripe payment through BEEP!.
    server.configure_sandbox_psp(&m, &store, "stripe").await;
    let (status, payment) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "pay-1",
            json!({"storeId": store, "amount": 347, "currency": "EUR", "reference": "R-1", "paymentMethod": "pm_card_visa"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{payment}");
    assert_eq!(payment["status"], "succeeded", "{payment}");

    let mut sale_ids = vec![];
    for n in 1..=3 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&format!("R-{n}"), &store))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        sale_ids.push(body["saleId"].as_str().unwrap().to_string());
    }

    let push = json!({"system": "sevdesk", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 4, "stockChanges": 3}),
        "3 sales and 1 payment; the stock changes of 3 sales: {body}"
    );
    let vouchers = server.sim_get(&hook(&base, "vouchers")).await;
    let vouchers = vouchers.as_array().unwrap();
    assert_eq!(vouchers.len(), 3, "{vouchers:?}");
    for id in &sale_ids {
        let v = vouchers
            .iter()
            .find(|v| v["description"] == format!("BEEP-{id}"))
            .unwrap_or_else(|| panic!("no voucher for sale {id}: {vouchers:?}"));
        assert_eq!(v["creditDebit"], "D");
        assert_eq!(v["sumGross"], "3.47");
        assert_eq!(
            v["positions"][0]["accountDatev"]["id"],
            credentials["accountDatevId"]
        );
    }
    let transactions = server.sim_get(&hook(&base, "transactions")).await;
    let transactions = transactions.as_array().unwrap();
    assert_eq!(transactions.len(), 1, "{transactions:?}");
    assert_eq!(transactions[0]["amount"], "3.47");
    assert_eq!(
        transactions[0]["paymtPurpose"],
        format!("BEEP-{}", payment["paymentId"].as_str().unwrap())
    );
    assert_eq!(
        stock_of(&server, &base, &credentials, "1001").await,
        water - 6.0
    );
    assert_eq!(
        stock_of(&server, &base, &credentials, "1013").await,
        pretzels - 3.0
    );

    // Pushed twice: nothing new.
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 0, "stockChanges": 0})
    );

    // sevdesk fails the first request of the next push: the sale stays pending and the
    // next push books it once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-4", &store))
        .await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 500, "times": 1}))
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the stock changes got through: {body}"
    );
    assert_eq!(
        body["pushed"],
        json!({"transactions": 0, "stockChanges": 1}),
        "{body}"
    );
    assert_eq!(body["pending"], 1, "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 1, "stockChanges": 0}),
        "{body}"
    );

    // Worse: sevdesk books the voucher of R-5 but its answer is a 500. The resend finds
    // the voucher by its reference and books nothing twice.
    server
        .post(&m.key, "/api/v1/sales", sale("R-5", &store))
        .await;
    server
        .sim_post(
            &hook(&base, "fail"),
            json!({"status": 500, "times": 1, "afterWrite": true}),
        )
        .await;
    let (_, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    assert_eq!(body["duplicates"], 1, "recognised upstream: {body}");

    let vouchers = server.sim_get(&hook(&base, "vouchers")).await;
    let vouchers = vouchers.as_array().unwrap();
    assert_eq!(vouchers.len(), 5, "one voucher per sale: {vouchers:?}");
    let mut descriptions: Vec<&str> = vouchers
        .iter()
        .map(|v| v["description"].as_str().unwrap())
        .collect();
    descriptions.sort();
    descriptions.dedup();
    assert_eq!(descriptions.len(), 5, "each booked once");
    let transactions = server.sim_get(&hook(&base, "transactions")).await;
    assert_eq!(transactions.as_array().unwrap().len(), 1);
    assert_eq!(
        stock_of(&server, &base, &credentials, "1001").await,
        water - 10.0,
        "five sales of two bottles"
    );

    let (_, sales) = server
        .get(&m.key, &format!("/api/v1/sales?storeId={store}"))
        .await;
    for sale in sales["sales"].as_array().unwrap() {
        assert!(
            sale["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["status"] == "sent"),
            "{sale}"
        );
    }
}

on_both_databases!(
    full_then_incremental,
    a_large_inventory_pages,
    rate_limits_are_waited_out,
    a_bad_token_is_422_with_sevdesks_message,
    transactions_are_booked_exactly_once,
);
