//! lexoffice through the public API: ERP sync (suppliers, purchase vouchers as orders, no
//! stock), the 2 requests a second limit waited out, a bad key, sales and refunds booked
//! exactly once as bookkeeping vouchers, and payments refused (lexoffice records none).

use crate::on_both_databases;
use crate::sap::{psp_payment, psp_refund, use_stripe};
use crate::support::system::{self, Sync, by_id, list};
use crate::support::{Backend, Server};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(backend: Backend) -> system::Setup {
    system::setup(backend, "lexoffice").await
}

const SYSTEM: Sync = Sync::erp("lexoffice");

/// The simulator's hook URL (the hooks sit beside /v1, at the origin root).
fn hook(base: &str, path: &str) -> String {
    let origin = base.trim_end_matches('/').trim_end_matches("/v1");
    format!("{origin}/_sim/{path}")
}

const NORD: &str = "000000c0-0000-4000-8000-000000000001";
const BAECKEREI: &str = "000000c0-0000-4000-8000-000000000002";

async fn sync_reads_suppliers_and_purchase_vouchers(backend: Backend) {
    let (server, m, store, _, credentials) = setup(backend).await;

    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "lexoffice");
    assert_eq!(
        body["synced"],
        json!({"inventory": 0, "orders": 3, "suppliers": 3}),
        "no stock in lexoffice; 3 purchase invoices; 3 vendor contacts: {body}"
    );

    let suppliers = list(&server, &m, "suppliers", &store).await;
    assert_eq!(suppliers.len(), 3, "customers are not suppliers");
    let nord = by_id(&suppliers, NORD);
    assert_eq!(nord["name"], "Getränke Großhandel Nord GmbH");
    assert_eq!(nord["email"], "bestellung@getraenke-nord.example");
    assert_eq!(nord["vatId"], "DE811907980");
    assert_eq!(by_id(&suppliers, BAECKEREI)["email"], Value::Null);

    let orders = list(&server, &m, "orders", &store).await;
    assert_eq!(orders.len(), 3);
    let po = by_id(&orders, "000000e0-0000-4000-8000-000000000001");
    assert_eq!(po["number"], "ER-2024-0101");
    assert_eq!(po["supplierId"], NORD);
    assert_eq!(po["status"], "open");
    assert_eq!(po["total"], json!({"amount": 19560, "currency": "EUR"}));
    assert_eq!(list(&server, &m, "inventory", &store).await.len(), 0);

    // Again: the same counts, nothing doubled.
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 0, "orders": 3, "suppliers": 3})
    );
    assert_eq!(list(&server, &m, "suppliers", &store).await.len(), 3);

    let (_, audit) = server
        .get(
            &m.key,
            &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
        )
        .await;
    assert!(
        !audit
            .to_string()
            .contains(credentials["apiKey"].as_str().unwrap())
    );
}

async fn the_rate_limit_is_waited_out(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    // One request at a time, one a second: the sync's second request (suppliers after
    // orders) is answered 429 by the token bucket, Retry-After 1.
    server
        .sim_post(
            &hook(&base, "ratelimit"),
            json!({"perSecond": 1, "burst": 1}),
        )
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["rateLimitWaits"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(
        body["synced"],
        json!({"inventory": 0, "orders": 3, "suppliers": 3})
    );

    // And injected 429s: each waited out.
    server
        .sim_post(
            &hook(&base, "ratelimit"),
            json!({"perSecond": 100, "burst": 100}),
        )
        .await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 429, "times": 2}))
        .await;
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rateLimitWaits"], 2, "{body}");
}

async fn a_bad_key_is_422_with_lexoffices_message(backend: Backend) {
    let (server, m, store, _, mut credentials) = setup(backend).await;
    credentials["apiKey"] = json!("lexoffice_wrong_key");
    let (status, body) = SYSTEM.sync(&server, &m, &store, &credentials, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unauthorized"),
        "{body}"
    );
    assert!(!body.to_string().contains("lexoffice_wrong_key"));
}

fn sale(receipt: &str, store: &str) -> Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"sku": "LX-1004", "name": "Vollmilch 1 l", "quantity": 2, "unitPrice": 129, "taxRateBps": 700},
            {"sku": "LX-1005", "name": "Laugenbrezel", "quantity": 1, "unitPrice": 89, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 347, "reference": "pi_test"}]
    })
}

async fn vouchers(server: &Server, base: &str) -> Vec<Value> {
    server.sim_get(&hook(base, "vouchers")).await["vouchers"]
        .as_array()
        .unwrap()
        .clone()
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

    let push = json!({"system": "lexoffice", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 3, "{body}");
    assert_eq!(body["pushed"]["stockChanges"], 0, "{body}");
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "each sale's stock changes: {body}");
    assert!(
        rejected
            .iter()
            .all(|r| r["reason"].as_str().unwrap().contains("no stock")),
        "{body}"
    );
    let booked = vouchers(&server, &base).await;
    assert_eq!(booked.len(), 3, "{booked:?}");
    for v in &booked {
        let number = v["voucherNumber"].as_str().unwrap();
        assert!(
            sale_ids.iter().any(|id| number == format!("BEEP-{id}")),
            "{v}"
        );
        assert_eq!(v["type"], "salesinvoice");
        assert_eq!(v["taxType"], "gross");
        assert_eq!(v["totalGrossAmount"], json!(3.47));
        assert_eq!(v["voucherItems"][0]["amount"], json!(3.47));
        assert_eq!(v["useCollectiveContact"], true);
    }

    // Pushed twice: nothing new.
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    assert_eq!(vouchers(&server, &base).await.len(), 3);

    // A 500 on the first request of the next push: the sale stays pending (nothing got
    // through, so the request fails), then is booked once.
    server
        .post(&m.key, "/api/v1/sales", sale("R-4", &store))
        .await;
    server
        .sim_post(&hook(&base, "fail"), json!({"status": 500, "times": 1}))
        .await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert_eq!(vouchers(&server, &base).await.len(), 3);
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 1, "{body}");
    let booked = vouchers(&server, &base).await;
    let mut numbers: Vec<&str> = booked
        .iter()
        .map(|v| v["voucherNumber"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 4);
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 4, "each sale booked once");
}

/// A Stripe payment and its partial refunds: each refund is one sales credit note; the
/// payment is refused once (lexoffice's API cannot record money received) and settled,
/// not resent.
async fn refunds_are_credit_notes_booked_once_payments_are_refused(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    use_stripe(&server, &m, &store).await;
    let paid = psp_payment(&server, &m, &store, "pay-1", 347, "EUR").await;
    let refunded = psp_refund(&server, &m, &store, &paid, "ref-1", 120).await;

    let push = json!({"system": "lexoffice", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 1, "the refund: {body}");
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{body}");
    assert_eq!(rejected[0]["id"], paid.as_str());
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("cannot record a payment"),
        "{body}"
    );
    let booked = vouchers(&server, &base).await;
    assert_eq!(booked.len(), 1, "{booked:?}");
    let note = &booked[0];
    assert_eq!(note["type"], "salescreditnote");
    assert_eq!(note["voucherNumber"], format!("BEEP-{refunded}"));
    assert_eq!(note["totalGrossAmount"], json!(1.2), "the partial refund");
    assert_eq!(note["voucherItems"][0]["amount"], json!(1.2));
    assert_eq!(note["taxType"], "gross");

    // Pushed twice: nothing new, and the refused payment is not tried again.
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 0, "{body}");
    assert_eq!(body["rejected"], json!([]), "{body}");
    assert_eq!(vouchers(&server, &base).await.len(), 1);

    // A 500 on the first request: the refund stays pending, then is booked once.
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
    assert_eq!(vouchers(&server, &base).await.len(), 1);
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 1, "{body}");

    // Worse: lexoffice stores the credit note but its answer is lost. The resend finds
    // it through /voucherlist by its number and books nothing twice.
    let third = psp_refund(&server, &m, &store, &paid, "ref-3", 50).await;
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

    let booked = vouchers(&server, &base).await;
    let mut numbers: Vec<String> = booked
        .iter()
        .map(|v| v["voucherNumber"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    let mut expected: Vec<String> = [&refunded, &second, &third]
        .iter()
        .map(|id| format!("BEEP-{id}"))
        .collect();
    expected.sort();
    assert_eq!(numbers, expected, "each refund booked once");
    let amounts: Vec<f64> = booked
        .iter()
        .map(|v| v["totalGrossAmount"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts, [1.2, 1.0, 0.5]);
}

/// Under a tight limit a push waits out each 429 itself (`std::thread::sleep` over wasi
/// clocks inside the component) instead of giving up.
async fn pushes_wait_out_the_limit_themselves(backend: Backend) {
    let (server, m, store, base, credentials) = setup(backend).await;
    for n in 1..=2 {
        server
            .post(&m.key, "/api/v1/sales", sale(&format!("R-{n}"), &store))
            .await;
    }
    server
        .sim_post(
            &hook(&base, "ratelimit"),
            json!({"perSecond": 2, "burst": 1}),
        )
        .await;
    let push = json!({"system": "lexoffice", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToERP", push).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["transactions"], 2, "{body}");
    assert_eq!(body["pending"], 0, "{body}");
    assert_eq!(vouchers(&server, &base).await.len(), 2);
}

on_both_databases!(
    pushes_wait_out_the_limit_themselves,
    sync_reads_suppliers_and_purchase_vouchers,
    the_rate_limit_is_waited_out,
    a_bad_key_is_422_with_lexoffices_message,
    sales_are_booked_exactly_once,
    refunds_are_credit_notes_booked_once_payments_are_refused,
);
