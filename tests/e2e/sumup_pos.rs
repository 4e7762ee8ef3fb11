//! SumUp's POS side through the public API: the items sold through SumUp synced from the
//! transaction history (full, incremental, forced full with deactivation, paged, rate
//! limited), bad credentials, and pushToPOS refused as unsupported (SumUp cannot record a
//! sale made elsewhere).

use crate::on_both_databases;
use crate::support::Backend;
use crate::support::system::{self, Sync, products};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The POS side uses the same SumUp simulator and credentials as the PSP side.
async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "sumup").await
}

const SYSTEM: Sync = Sync::pos("sumup");

fn named<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no product {name}: {list:?}"))
}

async fn sold_items_full_incremental_and_deactivation(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;

    // 24 seeded sales of 12 distinct items, one history page (pageSize 25).
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "sumup");
    assert_eq!(body["full"], true);
    assert_eq!(
        body["synced"],
        json!({"products": 12, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );
    let list = products(&server, &m, &store).await;
    assert_eq!(list.len(), 12);
    assert!(
        list.iter()
            .all(|p| p["system"] == "sumup" && p["active"] == true && p["sku"].is_null())
    );
    let espresso = named(&list, "Espresso");
    assert_eq!(espresso["externalId"], "Espresso");
    assert_eq!(espresso["price"], json!({"amount": 250, "currency": "EUR"}));
    assert_eq!(espresso["taxRateBps"], 1900);
    assert_eq!(espresso["gtins"], json!([]));
    let croissant = named(&list, "Croissant");
    assert_eq!(croissant["price"]["amount"], 190);
    assert_eq!(croissant["taxRateBps"], 700);
    assert_eq!(named(&list, "Geschenkgutschein")["taxRateBps"], 0);

    // Nothing sold since: nothing re-imported.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"products": 0, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );

    // A new sale at the till: a new price for Espresso and a new item; exactly those two.
    server
        .sim_post(
            &format!("{base}/_sim/pos/sales"),
            json!({"lines": [
                {"name": "Espresso", "price": 2.8, "vatRate": 0.19, "quantity": 2},
                {"name": "Hafermilch", "price": 0.5, "vatRate": 0.19}
            ]}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 2, "{body}");
    let list = products(&server, &m, &store).await;
    assert_eq!(list.len(), 13);
    assert_eq!(named(&list, "Espresso")["price"]["amount"], 280);
    assert_eq!(named(&list, "Hafermilch")["price"]["amount"], 50);

    // The voucher's only sale is refunded: a forced full run no longer sees it.
    server
        .sim_post(
            &format!("{base}/_sim/pos/transactions/TPOS000024/refund"),
            json!({}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], true);
    assert_eq!(body["synced"]["products"], 12, "{body}");
    assert_eq!(body["deactivated"], 1, "{body}");
    let list = products(&server, &m, &store).await;
    assert_eq!(named(&list, "Geschenkgutschein")["active"], false);
    assert_eq!(list.iter().filter(|p| p["active"] == true).count(), 12);

    // The requests were the POS side's only, and carried no credentials in the audit.
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let calls = audit["calls"].as_array().unwrap();
    assert!(
        calls.iter().all(|c| c["connector"] == "sumup-pos"
            && c["path"]
                .as_str()
                .unwrap()
                .starts_with(&format!("/m/{}/sumup/v2.1/merchants/", m.id))),
        "{audit}"
    );
    assert!(
        !audit
            .to_string()
            .contains(credentials["apiKey"].as_str().unwrap())
    );
}

async fn small_pages_and_rate_limits(backend: Backend) {
    let (server, m, store, base, mut credentials) = setup(backend).await;
    credentials["pageSize"] = json!(5);
    // SumUp's spec documents no 429, but a gateway answers one: it is waited out.
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 429, "times": 2, "method": "GET"}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2, "{body}");
    assert_eq!(body["pages"], 5, "24 sales in pages of 5: {body}");
    assert!(body["synced"]["products"].as_i64().unwrap() >= 12, "{body}");
    assert_eq!(products(&server, &m, &store).await.len(), 12);

    // An outage longer than the retries stops the run incomplete; the next call resumes.
    server
        .sim_post(
            &format!("{base}/_sim/pos/sales"),
            json!({"lines": [{"name": "Espresso", "price": 2.6, "vatRate": 0.19}]}),
        )
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 503, "times": 3}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["resumed"], true, "{body}");
    assert_eq!(body["synced"]["products"], 1, "{body}");
    let list = products(&server, &m, &store).await;
    assert_eq!(named(&list, "Espresso")["price"]["amount"], 260);
}

async fn bad_credentials_are_422_with_the_vendors_reason(backend: Backend) {
    let (server, m, store, _, credentials) = setup(backend).await;
    let mut wrong_key = credentials.clone();
    wrong_key["apiKey"] = json!("sup_sk_wrong");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &wrong_key, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unauthorized."),
        "{body}"
    );
    assert!(!body.to_string().contains("sup_sk_wrong"));
    let run_id = body["error"]["syncRunId"].as_str().unwrap();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "failed");
    assert_eq!(run["syncRun"]["errorClass"], "config");

    let mut wrong_merchant = credentials.clone();
    wrong_merchant["merchantCode"] = json!("MNOTOURS1");
    let (status, body) = SYSTEM
        .sync(&server, &m, &store, &wrong_merchant, false)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_config");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("MNOTOURS1") && message.contains("does not exist"),
        "{body}"
    );
}

async fn sales_cannot_be_pushed_to_sumup(backend: Backend) {
    let (server, m, store, _, credentials) = setup(backend).await;
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/sales",
            json!({"storeId": store, "receiptNumber": "R-1", "currency": "EUR",
                "lines": [{"name": "Espresso", "quantity": 1, "unitPrice": 250, "taxRateBps": 1900}],
                "payments": [{"method": "card", "amount": 250}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let push = json!({"system": "sumup", "storeId": store, "credentials": credentials});
    for _ in 0..2 {
        let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "unsupported", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("no operation to record a sale"),
            "{body}"
        );
    }
    // Nothing reached SumUp.
    assert!(
        server
            .app
            .sandbox
            .recorded("sumup")
            .iter()
            .all(|r| r.method == "GET"),
    );
}

on_both_databases!(
    sold_items_full_incremental_and_deactivation,
    small_pages_and_rate_limits,
    bad_credentials_are_422_with_the_vendors_reason,
    sales_cannot_be_pushed_to_sumup,
);
