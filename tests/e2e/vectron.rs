//! Vectron through the public API: catalogue sync from the business-data API (full,
//! incremental by invoice keyset and data-entry timestamp, full runs deactivating PLUs
//! no retained invoice names, rate limits), bad credentials, and sales refused because
//! Vectron's published API is read-only.

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::system::{self, Sync, products};
use beep_sandbox::vectron::{DISCONTINUED_PLU, SITE_ID};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "vectron").await
}

const SYSTEM: Sync = Sync::pos("vectron");

/// 40 PLUs and 5 managed articles; 3 main groups and 6 product groups.
const PRODUCTS: i64 = 45;
const CATEGORIES: usize = 9;

/// The simulator's hooks sit beside /business-data-api.
fn hooks(base: &str) -> String {
    format!("{}/_sim", base.trim_end_matches("/business-data-api"))
}

fn by_sku<'a>(products: &'a [Value], sku: &str) -> &'a Value {
    products
        .iter()
        .find(|p| p["sku"] == sku)
        .unwrap_or_else(|| panic!("no product with sku {sku}"))
}

async fn full_then_incremental(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server.app.sandbox.record();

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "vectron");
    assert_eq!(body["full"], true, "the first run is a full run");
    // Three pages of invoices name every PLU again: the counts are records written.
    assert!(
        body["synced"]["products"].as_i64().unwrap() >= PRODUCTS,
        "{body}"
    );
    assert_eq!(body["synced"]["priceUpdates"], 0, "{body}");
    assert!(body["pages"].as_i64().unwrap() >= 4, "{body}");

    let items = products(&server, &m, &store).await;
    assert_eq!(items.len() as i64, PRODUCTS);
    assert!(
        items
            .iter()
            .all(|p| p["system"] == "vectron" && p["active"] == true)
    );
    // PLU 101: the first Backwaren PLU, 0.95 EUR at 7 %.
    let brezel = by_sku(&items, "101");
    assert_eq!(brezel["name"], "Brezel", "{brezel}");
    assert_eq!(brezel["price"], json!({"amount": 95, "currency": "EUR"}));
    assert_eq!(brezel["taxRateBps"], 700);
    // PLU 123: Cola 0,33l in Kaltgetränke, 1.50 EUR + 2 × 0.20 at 19 %.
    let cola = by_sku(&items, "123");
    assert_eq!(cola["name"], "Cola 0,33l", "{cola}");
    assert_eq!(cola["price"]["amount"], 190, "{cola}");
    assert_eq!(cola["taxRateBps"], 1900);
    // Managed articles from data entries: the latest entry's price wins.
    let milk = items
        .iter()
        .find(|p| p["externalId"] == "managed-article:2")
        .expect("managed article 2");
    assert_eq!(milk["name"], "Milch 1l");
    assert_eq!(milk["price"], json!({"amount": 119, "currency": "EUR"}));
    assert!(milk["sku"].is_null());

    let (_, categories) = server
        .get(&m.key, &format!("/api/v1/categories?storeId={store}"))
        .await;
    let categories = categories["categories"].as_array().unwrap();
    assert_eq!(categories.len(), CATEGORIES, "{categories:?}");
    let group = categories
        .iter()
        .find(|c| c["externalId"] == cola["categoryId"])
        .expect("the PLU's product group");
    assert_eq!(group["name"], "Kaltgetränke");
    let main = categories
        .iter()
        .find(|c| c["externalId"] == group["parentId"])
        .expect("the product group's main group");
    assert_eq!(main["name"], "Getränke");
    assert!(main["parentId"].is_null());

    // Nothing changed upstream: the incremental run asks only for invoices after the
    // last one read, and brings nothing.
    let before = server.app.sandbox.recorded("vectron").len();
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"products": 0, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );
    let recorded = server.app.sandbox.recorded("vectron");
    let transactions: Vec<_> = recorded[before..]
        .iter()
        .filter(|r| r.path.ends_with("/transactions"))
        .collect();
    assert_eq!(transactions.len(), 1, "{recorded:?}");
    assert!(
        transactions[0].query.starts_with("id="),
        "{:?}",
        transactions[0]
    );

    // A PLU changes at the register and is sold: the next run brings exactly that one
    // (with its group and main group).
    server
        .sim_post(
            &format!("{}/sites/{SITE_ID}/products/103", hooks(&base)),
            json!({"name": "Croissant XL", "price": 1.99}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"products": 1, "categories": 2, "priceUpdates": 0}),
        "{body}"
    );
    let items = products(&server, &m, &store).await;
    let changed = by_sku(&items, "103");
    assert_eq!(changed["name"], "Croissant XL");
    assert_eq!(changed["price"], json!({"amount": 199, "currency": "EUR"}));
    assert_eq!(items.len() as i64, PRODUCTS);

    // A new data entry: only its managed article arrives.
    server
        .sim_post(
            &format!("{}/sites/{SITE_ID}/data-entries", hooks(&base)),
            json!({"managedArticleNo": 6, "name": "Strohhalme (100 Stk)", "price": 2.49}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 1, "{body}");
    let items = products(&server, &m, &store).await;
    assert_eq!(items.len() as i64, PRODUCTS + 1);

    // The egress audit shows the calls, no credentials, no token.
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let calls = audit["calls"].as_array().unwrap();
    assert!(
        calls
            .iter()
            .all(|c| c["connector"] == "vectron" && c["status"] == 200),
        "{audit}"
    );
    let text = audit.to_string();
    assert!(!text.contains(credentials["password"].as_str().unwrap()));
    assert!(!text.contains("vsim-"), "no API token in the audit");
}

async fn full_run_deactivates_plus_no_invoice_names(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let discontinued = DISCONTINUED_PLU.to_string();
    let items = products(&server, &m, &store).await;
    assert_eq!(by_sku(&items, &discontinued)["active"], true);

    // The only invoices that sold the discontinued PLU age out of the cloud.
    let dropped = server
        .sim_post(
            &format!("{}/sites/{SITE_ID}/retention", hooks(&base)),
            json!({"keepFrom": 4}),
        )
        .await;
    assert_eq!(dropped["dropped"], 3);
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], true);
    assert_eq!(body["deactivated"], 1, "{body}");
    let items = products(&server, &m, &store).await;
    assert_eq!(items.len() as i64, PRODUCTS, "deactivated, not deleted");
    assert_eq!(by_sku(&items, &discontinued)["active"], false);
    assert_eq!(
        items.iter().filter(|p| p["active"] == true).count() as i64,
        PRODUCTS - 1
    );
}

async fn rate_limits_are_waited_out(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server
        .sim_post(
            &format!("{}/fail", hooks(&base)),
            json!({"status": 429, "times": 2, "retryAfter": 1}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2, "{body}");
    assert_eq!(products(&server, &m, &store).await.len() as i64, PRODUCTS);
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    assert_eq!(
        audit["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == 429)
            .count(),
        2
    );
}

/// An outage in the middle of a full sync stops the run incomplete after its first page;
/// the next call resumes it there and the catalogue ends up complete, each page once.
async fn an_interrupted_run_resumes(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    // Page 1 is a login, the sites and a transactions read; then three failures
    // outlast the driver's two retries of page 2.
    server
        .sim_post(
            &format!("{}/fail", hooks(&base)),
            json!({"status": 503, "times": 3, "after": 3}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let run_id = body["error"]["syncRunId"].as_str().unwrap().to_string();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "incomplete", "{run}");
    assert_eq!(run["syncRun"]["errorClass"], "transient", "{run}");
    assert_eq!(run["syncRun"]["pages"], 1, "{run}");

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["resumed"], true, "{body}");
    assert_eq!(body["syncRunId"], run_id.as_str(), "{body}");
    assert_eq!(products(&server, &m, &store).await.len() as i64, PRODUCTS);
}

async fn bad_credentials_are_422_with_the_vendors_reason(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["password"] = json!("wrong-secret");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Bad credentials"),
        "{body}"
    );
    let run_id = body["error"]["syncRunId"].as_str().unwrap();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "failed");
    assert_eq!(run["syncRun"]["errorClass"], "config");
    assert!(!run.to_string().contains("wrong-secret"));
    assert!(!body.to_string().contains("wrong-secret"));
}

async fn sales_cannot_be_pushed(backend: Backend) {
    let (server, m, store, _, credentials) = setup(backend).await;
    server.app.sandbox.record();
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/sales",
            json!({
                "storeId": store,
                "receiptNumber": "R-1",
                "currency": "EUR",
                "lines": [{"sku": "101", "name": "Brezel", "quantity": 2, "unitPrice": 95, "taxRateBps": 700}],
                "payments": [{"method": "card", "amount": 190, "reference": "pi_test"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let before = server.app.sandbox.recorded("vectron").len();

    let push = json!({"system": "vectron", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["error"]["code"], "unsupported");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("vectron cannot do this: Vectron's published API is read-only"),
        "{message}"
    );
    assert_eq!(
        server.app.sandbox.recorded("vectron").len(),
        before,
        "nothing was sent to Vectron"
    );
    // The sale is not lost: it stays pending, with the reason.
    let (_, sales) = server
        .get(&m.key, &format!("/api/v1/sales?storeId={store}"))
        .await;
    let sale = &sales["sales"][0];
    assert_eq!(sale["deliveries"][0]["status"], "pending", "{sale}");
}

on_both_databases!(
    full_then_incremental,
    full_run_deactivates_plus_no_invoice_names,
    rate_limits_are_waited_out,
    an_interrupted_run_resumes,
    bad_credentials_are_422_with_the_vendors_reason,
    sales_cannot_be_pushed,
);
