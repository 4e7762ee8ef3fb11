//! The BEEP! Generic protocol through the public API: POS sync from a native protocol
//! server (full, incremental, removal on a full run, rate limited) and from a "legacy
//! shop" JSON API through a field mapping (KWD major-unit prices), sales pushed exactly
//! once, ERP sync and push both ways, bad mappings and tokens as 422.

use crate::on_both_databases;
use crate::support::system::{self, Sync, by_id, list};
use crate::support::{Backend, Server};
use beep_sandbox::generic::{DEMO_PRODUCTS, LEGACY_ITEMS, LEGACY_KEY};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend, vendor: &str) -> system::Setup {
    let setup = system::setup(backend, vendor).await;
    // The tests count the requests the simulator received.
    setup.0.app.sandbox.record();
    setup
}

const POS: Sync = Sync::pos("generic");
const ERP: Sync = Sync::erp("generic");

/// The protocol list requests the simulator received for `path` (`/products`, …).
fn list_requests(server: &Server, path: &str) -> Vec<String> {
    server
        .app
        .sandbox
        .recorded("generic")
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .map(|r| r.query)
        .collect()
}

/// An outage in the middle of a full sync stops the run incomplete after its first
/// pages; the next call resumes at the saved cursor, and every product arrives once.
async fn an_interrupted_run_resumes(backend: Backend) {
    let (server, m, store, base, mut credentials) = setup(backend, "generic").await;
    credentials["pageSize"] = json!(10);
    // Categories, prices and the first product page pass; three failures then outlast
    // the driver's two retries of the second product page.
    let before = list_requests(&server, "/products").len();
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 503, "times": 3, "after": 3}),
        )
        .await;
    let (status, body) = POS.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let run_id = body["error"]["syncRunId"].as_str().unwrap().to_string();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "incomplete", "{run}");
    assert_eq!(run["syncRun"]["errorClass"], "transient", "{run}");
    let saved_pages = run["syncRun"]["pages"].as_i64().unwrap();
    assert!(saved_pages >= 1, "{run}");

    let (status, body) = POS.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["resumed"], true, "{body}");
    assert_eq!(body["syncRunId"], run_id.as_str(), "{body}");
    assert_eq!(
        list(&server, &m, "products", &store).await.len(),
        DEMO_PRODUCTS
    );
    // The resumed run did not start over: it read the product pages after the saved
    // cursor (3 pages of 10 in all, plus the failed attempts).
    let product_reads = list_requests(&server, "/products").len() - before;
    assert!(product_reads <= 3 + 3, "{product_reads} product reads");
}

async fn native_pos_sync(backend: Backend) {
    let (server, m, store, base, mut credentials) = setup(backend, "generic").await;
    credentials["pageSize"] = json!(10);

    let (status, body) = POS.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "generic");
    assert_eq!(body["full"], true);
    assert_eq!(
        body["synced"],
        json!({"products": DEMO_PRODUCTS, "categories": 3, "priceUpdates": 2}),
        "{body}"
    );
    assert!(
        body["pages"].as_i64().unwrap() >= 4,
        "3 pages of products: {body}"
    );

    let products = list(&server, &m, "products", &store).await;
    assert_eq!(products.len(), DEMO_PRODUCTS);
    let mate = by_id(&products, "P-1001");
    assert_eq!(mate["system"], "generic");
    assert_eq!(mate["name"], "Club-Mate 0,5 l");
    assert_eq!(mate["sku"], "SKU-1001");
    assert_eq!(mate["price"], json!({"amount": 189, "currency": "EUR"}));
    assert_eq!(mate["taxRateBps"], 1900);
    assert_eq!(mate["gtins"], json!(["4000000001001"]));
    assert_eq!(mate["categoryId"], "cat-1");
    assert!(products.iter().all(|p| p["active"] == true));
    let categories = list(&server, &m, "categories", &store).await;
    assert_eq!(categories.len(), 3);
    assert_eq!(by_id(&categories, "cat-3")["parentId"], "cat-2");
    let first_run = list_requests(&server, "/products");
    assert_eq!(first_run.len(), 3, "{first_run:?}");
    assert!(first_run.iter().all(|q| !q.contains("updatedSince")));
    assert!(first_run[1].contains("cursor="), "{first_run:?}");

    // Nothing changed: the incremental run asks for changes only and gets none.
    let (status, body) = POS.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"products": 0, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );
    let requests = list_requests(&server, "/products");
    assert_eq!(requests.len(), 4);
    assert!(requests[3].contains("updatedSince="), "{requests:?}");

    // One product changes upstream (and a 429 on the way): exactly that one comes.
    server
        .sim_post(
            &format!("{base}/_sim/products/P-1003"),
            json!({"name": "Apfelschorle 1 l", "price": 249}),
        )
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 429, "times": 1}),
        )
        .await;
    let (status, body) = POS.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 1, "{body}");
    assert_eq!(body["synced"]["products"], 1, "{body}");
    let products = list(&server, &m, "products", &store).await;
    let changed = by_id(&products, "P-1003");
    assert_eq!(changed["name"], "Apfelschorle 1 l");
    assert_eq!(changed["price"], json!({"amount": 249, "currency": "EUR"}));

    // A product disappears upstream: an incremental run cannot tell, a full run
    // deactivates it.
    server
        .sim_post(&format!("{base}/_sim/products/P-1024/remove"), json!({}))
        .await;
    let (status, body) = POS.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 0, "{body}");
    let (status, body) = POS.sync(&server, &m, &store, &credentials, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], true);
    assert_eq!(body["synced"]["products"], DEMO_PRODUCTS - 1, "{body}");
    assert_eq!(body["deactivated"], 1, "{body}");
    let products = list(&server, &m, "products", &store).await;
    assert_eq!(by_id(&products, "P-1024")["active"], false);
    assert_eq!(by_id(&products, "P-1023")["active"], true);

    // No token in the egress audit.
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    assert!(!audit["calls"].as_array().unwrap().is_empty());
    assert!(
        !audit
            .to_string()
            .contains(credentials["token"].as_str().unwrap())
    );
}

/// The legacy shop's items and groups, mapped to the protocol.
fn legacy_credentials(paging: Value) -> Value {
    json!({
        "token": LEGACY_KEY,
        "tokenHeader": "X-Api-Key",
        "currency": "KWD",
        "pageSize": 5,
        "mapping": {
            "products": {
                "path": "/legacy/api/items",
                "items": "/data",
                "fields": {
                    "id": "/item_no", "sku": "/item_no", "name": "/title",
                    "price": "/pricing/gross", "currency": "/pricing/currency",
                    "taxRate": "/vat_percent", "gtins": "/barcode",
                    "categoryId": "/group/id", "active": "/enabled"
                },
                "paging": paging,
                "priceFormat": "major"
            },
            "categories": {
                "path": "/legacy/api/groups",
                "items": "/groups",
                "fields": {"id": "/gid", "name": "/label"}
            }
        }
    })
}

async fn legacy_shop_through_a_mapping(backend: Backend) {
    let (server, m, store, _, _) = setup(backend, "generic").await;
    let credentials = legacy_credentials(
        json!({"style": "page", "param": "page", "sizeParam": "limit", "total": "/meta/total"}),
    );
    let (status, body) = POS.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"products": LEGACY_ITEMS, "categories": 2, "priceUpdates": 0}),
        "{body}"
    );
    let products = list(&server, &m, "products", &store).await;
    assert_eq!(products.len(), LEGACY_ITEMS);
    let first = by_id(&products, "L-001");
    assert_eq!(first["name"], "Legacy item 1");
    assert_eq!(
        first["price"],
        json!({"amount": 1250, "currency": "KWD"}),
        "\"1.250\" KWD has three decimals"
    );
    assert_eq!(first["taxRateBps"], 500);
    assert_eq!(first["gtins"], json!(["6280000000001"]));
    assert_eq!(first["categoryId"], "10");
    assert_eq!(
        by_id(&products, "L-002")["price"],
        json!({"amount": 2500, "currency": "KWD"}),
        "a JSON number 2.5"
    );
    assert_eq!(by_id(&products, "L-003")["price"]["amount"], 1252);
    assert_eq!(by_id(&products, "L-012")["active"], false);
    let categories = list(&server, &m, "categories", &store).await;
    assert_eq!(by_id(&categories, "20")["name"], "Coffee");
    let pages: Vec<String> = server
        .app
        .sandbox
        .recorded("generic")
        .into_iter()
        .filter(|r| r.path == "/legacy/api/items")
        .map(|r| r.query)
        .collect();
    assert_eq!(
        pages,
        ["limit=5&page=1", "limit=5&page=2", "limit=5&page=3"]
    );

    // The same shop followed by its Link headers, in another store.
    let other = server.store(&m).await;
    let credentials = legacy_credentials(json!({"style": "link", "sizeParam": "limit"}));
    let (status, body) = POS.sync(&server, &m, &other, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], LEGACY_ITEMS, "{body}");
    let products = list(&server, &m, "products", &other).await;
    assert_eq!(by_id(&products, "L-001")["price"]["amount"], 1250);
}

async fn bad_mapping_and_bad_token_are_422(backend: Backend) {
    let (server, m, store, _, credentials) = setup(backend, "generic").await;
    let mut bad = legacy_credentials(json!({"style": "page", "sizeParam": "limit"}));
    bad["mapping"]["products"]["fields"]["price"] = json!("pricing/gross");
    let (status, body) = POS.sync(&server, &m, &store, &bad, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("mapping.products.fields.price") && message.contains("pricing/gross"),
        "{message}"
    );
    // Nothing was sent upstream for it.
    assert!(server.app.sandbox.recorded("generic").is_empty());

    let mut wrong = credentials.clone();
    wrong["token"] = json!("not-the-token");
    let (status, body) = POS.sync(&server, &m, &store, &wrong, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invalid bearer token"),
        "{body}"
    );
    assert!(!body.to_string().contains("not-the-token"));
    let (status, body) = ERP.sync(&server, &m, &store, &wrong, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized", "{body}");
}

fn sale(receipt: &str, store: &str) -> Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"sku": "SKU-1001", "name": "Club-Mate 0,5 l", "quantity": 2, "unitPrice": 189, "taxRateBps": 1900},
            {"sku": "SKU-1002", "name": "Laugenbrezel", "quantity": 1, "unitPrice": 95, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 473, "reference": "pi_test"}]
    })
}

async fn sales_are_pushed_exactly_once(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend, "generic").await;
    let mut ids = vec![];
    for n in 1..=3 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&format!("R-{n}"), &store))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["saleId"].as_str().unwrap().to_string());
    }
    let push = json!({"system": "generic", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 3}), "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "nothing is sent twice");

    let sales = server.sim_get(&format!("{base}/_sim/sales")).await;
    let sales = sales.as_array().unwrap();
    assert_eq!(sales.len(), 3);
    let first = sales.iter().find(|s| s["id"] == ids[0].as_str()).unwrap();
    assert_eq!(first["receiptNumber"], "R-1");
    assert_eq!(first["total"], json!({"amount": 473, "currency": "EUR"}));
    assert_eq!(first["lines"][0]["sku"], "SKU-1001");
    assert_eq!(
        first["lines"][0]["total"],
        json!({"amount": 378, "currency": "EUR"})
    );
    assert_eq!(first["payments"][0]["method"], "card");

    // The server stores R-4 but its answer is a 500: the sale stays pending, and the
    // resend is recognised by the sale's id (200), so it exists once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-4", &store))
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 500, "times": 1, "afterWrite": true}),
        )
        .await;
    let (_, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(body["pushed"], json!({"sales": 0}), "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicates"], 1, "recognised upstream: {body}");
    let sales = server.sim_get(&format!("{base}/_sim/sales")).await;
    let mut receipts: Vec<&str> = sales
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["receiptNumber"].as_str().unwrap())
        .collect();
    receipts.sort();
    assert_eq!(receipts, ["R-1", "R-2", "R-3", "R-4"], "each once");
    let (_, listed) = server
        .get(&m.key, &format!("/api/v1/sales?storeId={store}"))
        .await;
    assert!(
        listed["sales"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["deliveries"][0]["status"] == "sent"),
        "{listed}"
    );
}

async fn erp_both_ways(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend, "generic").await;
    let (status, body) = ERP.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 10, "orders": 2, "suppliers": 3}),
        "{body}"
    );
    let inventory = list(&server, &m, "inventory", &store).await;
    let mate = by_id(&inventory, "P-1001");
    assert_eq!(mate["sku"], "SKU-1001");
    assert_eq!(mate["quantity"], 50.0);
    assert_eq!(mate["warehouseId"], "main");
    let orders = list(&server, &m, "orders", &store).await;
    let po = by_id(&orders, "PO-1");
    assert_eq!(po["supplierId"], "S-1");
    assert_eq!(po["status"], "sent");
    assert_eq!(po["total"], json!({"amount": 12000, "currency": "EUR"}));
    assert_eq!(po["lines"].as_array().unwrap().len(), 2);
    assert_eq!(po["lines"][0]["quantity"], 48.0);
    let suppliers = list(&server, &m, "suppliers", &store).await;
    assert_eq!(by_id(&suppliers, "S-1")["vatId"], "DE811907980");
    assert_eq!(by_id(&suppliers, "S-3")["email"], Value::Null);

    let (status, body) = ERP.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 0, "orders": 0, "suppliers": 0}),
        "{body}"
    );

    // Two sales go to the ERP: their transactions and stock changes, once each.
    for n in 1..=2 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&format!("R-{n}"), &store))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let push = json!({"system": "generic", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 2, "stockChanges": 2}),
        "{body}"
    );
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pushed"],
        json!({"transactions": 0, "stockChanges": 0}),
        "{body}"
    );
    let transactions = server.sim_get(&format!("{base}/_sim/transactions")).await;
    let transactions = transactions.as_array().unwrap();
    assert_eq!(transactions.len(), 2);
    assert!(
        transactions.iter().all(
            |t| t["kind"] == "sale" && t["amount"] == json!({"amount": 473, "currency": "EUR"})
        )
    );
    let changes = server.sim_get(&format!("{base}/_sim/stock-changes")).await;
    assert_eq!(changes.as_array().unwrap().len(), 4, "two lines per sale");
    let level = server
        .sim_get(&format!("{base}/_sim/inventory/P-1001"))
        .await;
    assert_eq!(level["quantity"], 46.0, "two sales of two bottles");

    // The stock changes moved two levels upstream: the next sync brings just those.
    let (status, body) = ERP.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 2, "orders": 0, "suppliers": 0}),
        "{body}"
    );
    let inventory = list(&server, &m, "inventory", &store).await;
    assert_eq!(by_id(&inventory, "P-1001")["quantity"], 46.0);

    // The ERP books R-3's transaction but its answer is a 500: it stays pending, and the
    // resend is recognised by its id, so it is booked once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-3", &store))
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 500, "times": 1, "afterWrite": true}),
        )
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
    assert_eq!(body["duplicates"], 1, "recognised upstream: {body}");
    let transactions = server.sim_get(&format!("{base}/_sim/transactions")).await;
    let mut ids: Vec<&str> = transactions
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "one booking per sale: {transactions}");
    assert_eq!(transactions.as_array().unwrap().len(), 3);

    // The legacy shop's stock, read through a mapping with offset paging.
    let other = server.store(&m).await;
    let mapped = json!({
        "token": LEGACY_KEY, "tokenHeader": "X-Api-Key", "pageSize": 3,
        "mapping": {"inventory": {
            "path": "/legacy/api/stock", "items": "/rows",
            "fields": {"id": "/article", "sku": "/article", "quantity": "/on_hand", "warehouseId": "/store"},
            "paging": {"style": "offset", "sizeParam": "limit", "total": "/total"}}}
    });
    let (status, body) = ERP.sync(&server, &m, &other, &mapped, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 7, "orders": 0, "suppliers": 0}),
        "{body}"
    );
    let inventory = list(&server, &m, "inventory", &other).await;
    assert_eq!(by_id(&inventory, "L-003")["quantity"], 30.0);
    assert_eq!(by_id(&inventory, "L-003")["warehouseId"], "kuwait-city");
}

on_both_databases!(
    native_pos_sync,
    an_interrupted_run_resumes,
    legacy_shop_through_a_mapping,
    bad_mapping_and_bad_token_are_422,
    sales_are_pushed_exactly_once,
    erp_both_ways,
);
