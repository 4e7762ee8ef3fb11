//! Casio registers through a BEEP! Casio bridge (docs/casio-bridge.md), through the public
//! API: the PLU file synced (full, unchanged, changed, deleted, forced full), sales
//! written to the electronic journal exactly once under retries, bad tokens, and the
//! bridge's 429.

use crate::on_both_databases;
use crate::support::system::{self, Sync, products};
use crate::support::{Backend, Server};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "casio").await
}

const SYSTEM: Sync = Sync::pos("casio");

fn plu<'a>(list: &'a [Value], number: &str) -> &'a Value {
    list.iter()
        .find(|p| p["externalId"] == number)
        .unwrap_or_else(|| panic!("no PLU {number}: {list:?}"))
}

async fn plu_file_full_unchanged_changed_and_removed(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server.app.sandbox.record();

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "casio");
    assert_eq!(body["full"], true);
    assert_eq!(
        body["synced"],
        json!({"products": 30, "categories": 4, "priceUpdates": 0}),
        "{body}"
    );
    let list = products(&server, &m, &store).await;
    assert_eq!(list.len(), 30);
    assert!(
        list.iter()
            .all(|p| p["system"] == "casio" && p["active"] == true)
    );
    let water = plu(&list, "4006381333931");
    assert_eq!(water["name"], "MINERALWASSER 0,5L");
    assert_eq!(water["sku"], "4006381333931");
    assert_eq!(water["gtins"], json!(["4006381333931"]));
    assert_eq!(water["price"], json!({"amount": 180, "currency": "EUR"}));
    assert_eq!(water["taxRateBps"], 1900);
    assert_eq!(water["categoryId"], "02");
    let brezel = plu(&list, "101");
    assert_eq!(brezel["name"], "BREZEL");
    assert_eq!(brezel["price"]["amount"], 95);
    assert_eq!(brezel["taxRateBps"], 700);
    assert_eq!(brezel["gtins"], json!([]));
    assert_eq!(plu(&list, "202")["name"], "\"BIO\" KEKSE");
    let (_, categories) = server
        .get(&m.key, &format!("/api/v1/categories?storeId={store}"))
        .await;
    let categories = categories["categories"].as_array().unwrap();
    assert_eq!(categories.len(), 4);
    assert!(
        categories
            .iter()
            .any(|c| c["externalId"] == "04" && c["name"] == "SNACKS, SUESSES"),
        "{categories:?}"
    );

    // Unchanged file: the bridge answers 304, nothing is re-imported.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(
        body["synced"],
        json!({"products": 0, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );

    // One PLU repriced, one new: only those two.
    server
        .sim_post(
            &format!("{base}/_sim/plu/1"),
            json!({"descriptor": "ESPRESSO GROSS", "price": 290}),
        )
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/plu/300"),
            json!({"descriptor": "HAFERMILCH", "price": 50, "dept": "01", "tax": 1}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"products": 2, "categories": 0, "priceUpdates": 0}),
        "{body}"
    );
    let list = products(&server, &m, &store).await;
    assert_eq!(list.len(), 31);
    assert_eq!(plu(&list, "1")["name"], "ESPRESSO GROSS");
    assert_eq!(plu(&list, "1")["price"]["amount"], 290);
    assert_eq!(plu(&list, "300")["price"]["amount"], 50);

    // A PLU deleted at the register: the delta marks it inactive.
    server
        .sim_post(&format!("{base}/_sim/plu/102/delete"), json!({}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synced"]["products"], 1, "{body}");
    assert_eq!(
        plu(&products(&server, &m, &store).await, "102")["active"],
        false
    );

    // Another one deleted, then a forced full run: the whole file, and what is not in it
    // is deactivated.
    server
        .sim_post(&format!("{base}/_sim/plu/103/delete"), json!({}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["full"], true);
    assert_eq!(
        body["synced"],
        json!({"products": 29, "categories": 4, "priceUpdates": 0}),
        "{body}"
    );
    assert_eq!(body["deactivated"], 1, "{body}");
    let list = products(&server, &m, &store).await;
    assert_eq!(plu(&list, "103")["active"], false);
    assert_eq!(list.iter().filter(|p| p["active"] == true).count(), 29);

    // The conditional requests are in the recording; the audit shows no token.
    let recorded = server.app.sandbox.recorded("casio");
    assert!(
        recorded
            .iter()
            .any(|r| r.path == "/plu" && r.query.starts_with("since="))
    );
    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    let calls = audit["calls"].as_array().unwrap();
    assert!(calls.iter().any(|c| c["status"] == 304), "{audit}");
    assert!(
        !audit
            .to_string()
            .contains(credentials["bridgeToken"].as_str().unwrap())
    );
}

fn sale(store: &str, receipt: &str) -> Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"sku": "1", "name": "ESPRESSO", "quantity": 2, "unitPrice": 220, "taxRateBps": 1900},
            {"sku": "101", "name": "BREZEL", "quantity": 1, "unitPrice": 95, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 535, "reference": "pi_test"}]
    })
}

async fn journal(server: &Server, base: &str) -> Vec<Value> {
    server
        .sim_get(&format!("{base}/_sim/journal"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn sales_reach_the_journal_exactly_once(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    for n in 1..=3 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&store, &format!("R-{n}")))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let push = json!({"system": "casio", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 3}), "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "nothing is sent twice");
    let entries = journal(&server, &base).await;
    assert_eq!(entries.len(), 3);
    let first = &entries[0]["entry"];
    assert_eq!(first["receiptNumber"], "R-1");
    assert_eq!(first["total"], 535);
    assert_eq!(first["decimals"], 2);
    assert_eq!(
        first["lines"][0],
        json!({"plu": "1", "descriptor": "ESPRESSO", "quantity": 2.0, "price": 220, "amount": 440, "taxTable": 1})
    );
    assert_eq!(first["lines"][1]["taxTable"], 2);
    assert_eq!(first["payments"][0]["media"], "CHARGE");
    assert_eq!(entries[0]["saleId"], first["saleId"]);

    // The entry is written but the bridge's answer is lost: the push fails, the retry
    // meets a 409 and records the sale as delivered; the journal holds it once.
    server
        .post(&m.key, "/api/v1/sales", sale(&store, "R-4"))
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 500, "times": 1, "after": true, "method": "PUT"}),
        )
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(journal(&server, &base).await.len(), 4);
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "{body}");
    assert_eq!(body["duplicates"], 1, "{body}");
    assert_eq!(journal(&server, &base).await.len(), 4);

    // The bridge fails before writing: the retry writes it.
    server
        .post(&m.key, "/api/v1/sales", sale(&store, "R-5"))
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 503, "times": 1, "method": "PUT"}),
        )
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 1}), "{body}");
    let entries = journal(&server, &base).await;
    assert_eq!(entries.len(), 5);
    let ids: std::collections::BTreeSet<&str> = entries
        .iter()
        .map(|e| e["saleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "each sale once");

    // A tax rate no tax table of the register has: rejected, not retried, not written.
    let mut odd = sale(&store, "R-6");
    odd["lines"][1]["taxRateBps"] = json!(1000);
    server.post(&m.key, "/api/v1/sales", odd).await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "{body}");
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{body}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("no tax table"),
        "{body}"
    );
    assert_eq!(journal(&server, &base).await.len(), 5);

    let (_, sales) = server
        .get(&m.key, &format!("/api/v1/sales?storeId={store}"))
        .await;
    let sales = sales["sales"].as_array().unwrap();
    assert_eq!(sales.len(), 6);
    assert_eq!(
        sales
            .iter()
            .filter(|s| s["deliveries"][0]["status"] == "sent")
            .count(),
        5,
        "{sales:?}"
    );
}

async fn bad_token_is_422_with_the_bridges_reason(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["bridgeToken"] = json!("not-the-token");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Bridge-Token is missing or not this bridge's token"),
        "{body}"
    );
    assert!(!body.to_string().contains("not-the-token"));
    let run_id = body["error"]["syncRunId"].as_str().unwrap();
    let (_, run) = server
        .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
        .await;
    assert_eq!(run["syncRun"]["status"], "failed");
    assert_eq!(run["syncRun"]["errorClass"], "config");
}

async fn a_busy_bridge_is_waited_out(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 429, "times": 2, "retryAfter": 1}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2, "{body}");
    assert_eq!(body["synced"]["products"], 30);

    // A push that meets a busy bridge answers 429 and delivers on the next try.
    server
        .post(&m.key, "/api/v1/sales", sale(&store, "R-1"))
        .await;
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 429, "times": 1, "retryAfter": 7}),
        )
        .await;
    let push = json!({"system": "casio", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 1}));
    assert_eq!(journal(&server, &base).await.len(), 1);
}

on_both_databases!(
    plu_file_full_unchanged_changed_and_removed,
    sales_reach_the_journal_exactly_once,
    bad_token_is_422_with_the_bridges_reason,
    a_busy_bridge_is_waited_out,
);
