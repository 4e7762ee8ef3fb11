//! Payouts and fees into the ERP: a test day per provider that lists settlements — a
//! few payments, a refund, a chargeback where the simulator can dispute — is paid out by
//! the vendor, read by `syncPayouts` and booked by `pushToERP`, so that in the ERP the
//! day's payments − refunds − fees − chargebacks = its payouts. A payout not yet paid is
//! kept and followed, never booked; nothing is read or booked twice.

use crate::support::Backend;
use crate::support::psp::{self, PspStore};
use crate::{for_each_psp, on_both_databases};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

async fn start(backend: Backend, provider: &str) -> PspStore {
    let options = crate::support::Options::default();
    PspStore::start_as(backend, psp::psp(provider), options, Plan::Grow).await
}

async fn sync_payouts(s: &PspStore) -> Value {
    let (status, body) = s
        .server
        .post(&s.m.key, "/api/v1/syncPayouts", json!({"storeId": s.store}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn payouts(s: &PspStore) -> Vec<Value> {
    let path = format!("/api/v1/payouts?storeId={}", s.store);
    let (status, body) = s.server.get(&s.m.key, &path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["payouts"].as_array().unwrap().clone()
}

/// `pushToERP` to the generic ERP's simulator; answers what it now holds, summed by kind.
async fn push_to_erp(s: &PspStore) -> (Value, BTreeMap<String, i64>) {
    let (base, credentials) = s.server.sandbox(&s.m, "generic").await;
    let body = json!({"system": "generic", "storeId": s.store, "credentials": credentials});
    let (status, out) = s.server.post(&s.m.key, "/api/v1/pushToERP", body).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let held = s.server.sim_get(&format!("{base}/_sim/transactions")).await;
    let mut by_kind = BTreeMap::new();
    for t in held.as_array().unwrap() {
        assert_eq!(t["amount"]["currency"], "EUR", "{t}");
        *by_kind
            .entry(t["kind"].as_str().unwrap().to_string())
            .or_default() += t["amount"]["amount"].as_i64().unwrap();
    }
    (out, by_kind)
}

/// Pays `amount` (automatic capture) with the provider's approving token.
async fn pay(s: &PspStore, key: &str, amount: i64) -> Value {
    let (status, paid) = s.pay(key, amount, "EUR", "automatic").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "succeeded", "{paid}");
    paid
}

/// The vendor takes a paid payment back; BEEP! hears of it as the vendor tells it.
async fn charge_back(s: &PspStore, amount: i64) {
    match s.psp.provider {
        "stripe" => {
            let (status, paid) = s
                .pay_with("disputed", amount, "pm_card_createDispute")
                .await;
            assert_eq!(status, StatusCode::OK, "{paid}");
            let intent = paid["providerReference"].as_str().unwrap();
            let events = s.server.sim_get(&format!("{}/events", s.hooks())).await;
            let created = events
                .as_array()
                .unwrap()
                .iter()
                .find(|e| {
                    e["type"] == "charge.dispute.created"
                        && e["data"]["object"]["payment_intent"] == intent
                })
                .expect("Stripe disputes pm_card_createDispute")
                .clone();
            let (status, body) = s.deliver_stripe(&created).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        "mollie" => {
            let paid = pay(s, "disputed", amount).await;
            let tr = paid["providerReference"].as_str().unwrap();
            let url = format!("{}/payments/{tr}/chargeback", s.hooks());
            let resp = s.server.http.post(url).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            let form = "application/x-www-form-urlencoded";
            let (status, body) = s.deliver(form, &format!("id={tr}")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        other => panic!("the {other} simulator disputes nothing"),
    }
}

/// Mollie refunds a while after it accepts a refund, then calls the payment's webhook.
async fn refund_completes(s: &PspStore, refund: &Value, tr: &str) {
    assert_eq!(refund["status"], "pending", "{refund}");
    let re = refund["providerReference"].as_str().unwrap();
    let url = format!("{}/refunds/{re}/status", s.hooks());
    s.server.sim_post(&url, json!({"status": "refunded"})).await;
    let form = "application/x-www-form-urlencoded";
    let (status, body) = s.deliver(form, &format!("id={tr}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
}

/// The vendor pays out what it owes; answers its ids of the payouts made, with the
/// status they start in.
async fn vendor_pays_out(s: &PspStore) -> (Vec<String>, &'static str) {
    let hook = match s.psp.provider {
        "mollie" => "settlements",
        _ => "payouts",
    };
    let made = s
        .server
        .sim_post(&format!("{}/{hook}", s.hooks()), json!({}))
        .await;
    let made = made.as_array().unwrap().clone();
    let ids = made
        .iter()
        .map(|p| match s.psp.provider {
            "sumup" => p["reference"].as_str().unwrap().to_string(),
            _ => p["id"].as_str().unwrap().to_string(),
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let first = match s.psp.provider {
        "stripe" | "mollie" => "in_transit",
        _ => "paid",
    };
    (ids, first)
}

/// The bank confirms the payout.
async fn payout_lands(s: &PspStore, id: &str) {
    let url = match s.psp.provider {
        "stripe" => format!("{}/payouts/{id}/land?result=paid", s.hooks()),
        "mollie" => format!("{}/settlements/{id}/paidout", s.hooks()),
        _ => return,
    };
    s.server.sim_post(&url, json!({})).await;
}

/// One test day, from the payments to the ERP's books.
async fn a_test_day_reconciles(backend: Backend, psp: psp::Psp) {
    let s = start(backend, psp.provider).await;
    let disputes = matches!(s.psp.provider, "stripe" | "mollie");
    let mut paid = Vec::new();
    for (n, amount) in [1_000, 2_550, 4_733].into_iter().enumerate() {
        paid.push(pay(&s, &format!("sale-{n}"), amount).await);
    }
    let second = paid[1]["paymentId"].as_str().unwrap();
    let (status, refund) = s.refund("refund-1", second, 500).await;
    assert_eq!(status, StatusCode::OK, "{refund}");
    if s.psp.provider == "mollie" {
        refund_completes(&s, &refund, paid[1]["providerReference"].as_str().unwrap()).await;
    } else {
        assert_eq!(refund["status"], "succeeded", "{refund}");
    }
    if disputes {
        charge_back(&s, 2_000).await;
    }

    // Nothing is paid out yet: nothing to list, nothing booked but the payments.
    let first = sync_payouts(&s).await;
    assert_eq!(first["changed"], json!([]), "{first}");
    let (ids, starts) = vendor_pays_out(&s).await;
    assert_eq!(ids.len(), 1, "one payout in EUR: {ids:?}");
    let synced = sync_payouts(&s).await;
    let changed = synced["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{synced}");
    let payout = changed[0].clone();
    assert_eq!(payout["providerReference"], ids[0].as_str());
    assert_eq!(payout["status"], starts, "{payout}");
    let parts = |p: &Value, k: &str| p[k].as_i64().unwrap();
    assert_eq!(
        parts(&payout, "sales")
            - parts(&payout, "refunds")
            - parts(&payout, "chargebacks")
            - parts(&payout, "fees")
            + parts(&payout, "adjustments"),
        parts(&payout, "amount"),
        "{payout}"
    );
    let sales: i64 = if disputes {
        1_000 + 2_550 + 4_733 + 2_000
    } else {
        1_000 + 2_550 + 4_733
    };
    assert_eq!(parts(&payout, "sales"), sales, "{payout}");
    assert_eq!(parts(&payout, "refunds"), 500, "{payout}");
    assert_eq!(
        parts(&payout, "chargebacks"),
        if disputes { 2_000 } else { 0 }
    );
    assert_eq!(parts(&payout, "adjustments"), 0, "{payout}");
    assert!(parts(&payout, "fees") > 0, "{payout}");

    if starts != "paid" {
        // In transit: kept, said once, not booked.
        let (_, books) = push_to_erp(&s).await;
        assert!(!books.contains_key("payout"), "{books:?}");
        let again = sync_payouts(&s).await;
        assert_eq!(again["changed"], json!([]), "unchanged: {again}");
        payout_lands(&s, &ids[0]).await;
        let landed = sync_payouts(&s).await;
        assert_eq!(landed["changed"][0]["status"], "paid", "{landed}");
    }
    let listed = payouts(&s).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "paid");

    let (out, books) = push_to_erp(&s).await;
    let got = |k: &str| books.get(k).copied().unwrap_or(0);
    assert_eq!(got("payout"), parts(&payout, "amount"), "{books:?} {out}");
    assert_eq!(got("fee"), parts(&payout, "fees"), "{books:?}");
    assert_eq!(
        got("chargeback"),
        if disputes { 2_000 } else { 0 },
        "{books:?}"
    );
    assert_eq!(got("refund"), 500, "{books:?}");
    assert_eq!(
        got("payment") - got("refund") - got("fee") - got("chargeback"),
        got("payout"),
        "the day reconciles in the ERP: {books:?}"
    );

    // Once each: neither the vendor's listing nor the ERP sees anything twice.
    assert_eq!(sync_payouts(&s).await["changed"], json!([]));
    let (again, books_again) = push_to_erp(&s).await;
    assert_eq!(again["pushed"]["transactions"], 0, "{again}");
    assert_eq!(books_again, books);
    let (status, events) = s
        .server
        .get(&s.m.key, "/api/v1/events?type=payout.updated")
        .await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let expected = if starts == "paid" { 1 } else { 2 };
    assert_eq!(
        events["events"].as_array().unwrap().len(),
        expected,
        "{events}"
    );
}

for_each_psp!(a_test_day_reconciles: stripe, mollie, sumup);

/// A provider whose API lists no settlements says so, naming why.
async fn providers_without_a_settlement_api_say_why(backend: Backend) {
    for provider in ["adyen", "payone", "unzer", "payabl"] {
        let s = start(backend, provider).await;
        let (status, body) = s
            .server
            .post(&s.m.key, "/api/v1/syncPayouts", json!({"storeId": s.store}))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{provider}: {body}"
        );
        assert_eq!(body["error"]["code"], "unsupported", "{provider}: {body}");
    }
}

on_both_databases!(providers_without_a_settlement_api_say_why);

/// What each ERP makes of a paid payout, its fee and a chargeback: SAP books journal
/// entries (fee to 4970, payout to the bank 1200, both from the clearing account) and the
/// chargeback as an outgoing payment; sevdesk moves its clearing check account; the
/// generic ERP takes them as they are; lexoffice and xentral, whose APIs cannot book a
/// bank movement, refuse them by name and keep booking the rest.
async fn payouts_reach_every_erp(backend: Backend) {
    let s = start(backend, "stripe").await;
    pay(&s, "sale-1", 4_733).await;
    charge_back(&s, 2_000).await;
    let (ids, _) = vendor_pays_out(&s).await;
    payout_lands(&s, &ids[0]).await;
    sync_payouts(&s).await;
    let payout = payouts(&s).await[0].clone();
    let payout_id = payout["payoutId"].as_str().unwrap().to_string();
    for system in ["sap", "sevdesk", "generic", "lexoffice", "xentral"] {
        let (base, credentials) = s.server.sandbox(&s.m, system).await;
        // The simulators' hooks sit at their root, beside the API's versioned path.
        let base = base.trim_end_matches("/b1s/v1").trim_end_matches("/api/v1");
        let body = json!({"system": system, "storeId": s.store, "credentials": credentials});
        let (status, out) = s.server.post(&s.m.key, "/api/v1/pushToERP", body).await;
        assert_eq!(status, StatusCode::OK, "{system}: {out}");
        let rejected: Vec<&str> = out["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let moved_money = !rejected.iter().any(|id| *id == payout_id);
        match system {
            "sap" => {
                assert!(moved_money, "{out}");
                let docs = s.server.sim_get(&format!("{base}/_sim/documents")).await;
                let journal = docs["JournalEntries"].as_array().unwrap();
                assert_eq!(journal.len(), 2, "a fee and a payout: {docs}");
                let lines = |i: usize| journal[i]["JournalEntryLines"].clone();
                let accounts: Vec<(Value, Value)> = (0..2)
                    .map(|i| {
                        (
                            lines(i)[0]["AccountCode"].clone(),
                            lines(i)[1]["AccountCode"].clone(),
                        )
                    })
                    .collect();
                assert!(
                    accounts.contains(&(json!("1200"), json!("1360"))),
                    "{accounts:?}"
                );
                assert!(
                    accounts.contains(&(json!("4970"), json!("1360"))),
                    "{accounts:?}"
                );
                let outgoing = docs["VendorPayments"].as_array().unwrap();
                assert!(
                    outgoing.iter().any(|d| d["TransferSum"] == json!(20.0)),
                    "the chargeback leaves the clearing account: {docs}"
                );
            }
            "sevdesk" => {
                assert!(moved_money, "{out}");
                let booked = s.server.sim_get(&format!("{base}/_sim/transactions")).await;
                let amounts: Vec<f64> = booked
                    .as_array()
                    .unwrap()
                    .iter()
                    // sevdesk writes amounts as strings.
                    .map(|t| match &t["amount"] {
                        Value::String(a) => a.parse().unwrap(),
                        other => other.as_f64().unwrap(),
                    })
                    .collect();
                let payout_amount = payout["amount"].as_f64().unwrap() / 100.0;
                assert!(amounts.contains(&-20.0), "the chargeback: {amounts:?}");
                assert!(amounts.contains(&-payout_amount), "the payout: {amounts:?}");
            }
            "generic" => assert!(moved_money && rejected.is_empty(), "{out}"),
            _ => {
                assert!(!moved_money, "{system}: {out}");
                let reasons: Vec<&str> = out["rejected"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["reason"].as_str().unwrap())
                    .collect();
                assert!(
                    reasons.iter().any(|r| r.contains("bank")),
                    "{system} says why: {reasons:?}"
                );
            }
        }
    }
}

on_both_databases!(payouts_reach_every_erp);

/// A PSP connection (kind `psp`) keeps the payouts current on its own: its sync schedule
/// lists them; it has nothing to push.
async fn a_psp_connection_syncs_payouts_on_schedule(backend: Backend) {
    let s = start(backend, "stripe").await;
    pay(&s, "sale-1", 1_000).await;
    let (ids, _) = vendor_pays_out(&s).await;
    payout_lands(&s, &ids[0]).await;
    let connect = |schedule: Value| {
        let body = json!({"storeId": s.store, "kind": "psp", "system": "stripe",
            "credentials": s.config, "schedule": schedule});
        s.server.post(&s.m.key, "/api/v1/connections", body)
    };
    let (status, body) = connect(json!({"pushEverySeconds": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "schedule_not_applicable", "{body}");
    let (status, body) = connect(json!({"syncEverySeconds": 1})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["connectionId"].as_str().unwrap().to_string();
    crate::support::wait_until("the scheduled payout sync", || async {
        payouts(&s)
            .await
            .first()
            .is_some_and(|p| p["status"] == "paid")
    })
    .await;
    let (status, jobs) = s
        .server
        .get(&s.m.key, &format!("/api/v1/jobs?connectionId={id}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{jobs}");
    assert!(
        jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["operation"] == "syncPayouts" && j["state"] == "succeeded"),
        "{jobs}"
    );
    // syncPayouts names the connection as well as the store.
    let (status, body) = s
        .server
        .post(&s.m.key, "/api/v1/syncPayouts", json!({"connectionId": id}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changed"], json!([]), "{body}");
}

on_both_databases!(a_psp_connection_syncs_payouts_on_schedule);

/// An ERP component built against 0.1.0 knows no chargeback, fee or payout: those are
/// answered `rejected` by the host, naming the contract to rebuild against, without
/// reaching it; the payment goes through as before.
async fn released_erp_components_are_spared_the_new_kinds(backend: Backend) {
    let s = start(backend, "stripe").await;
    let manifest =
        json!({"name": "test-contract-0-1-0-erp", "version": "0.1.0", "kind": "erp", "hosts": []});
    let wasm = std::fs::read(crate::support::wasm("component-contract-0-1-0-erp")).unwrap();
    let (status, body) = s.server.upload(&s.m.key, manifest, wasm).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["connector"]["contract"], "beep:connector@0.1.0");
    pay(&s, "sale-1", 4_733).await;
    charge_back(&s, 2_000).await;
    let (ids, _) = vendor_pays_out(&s).await;
    payout_lands(&s, &ids[0]).await;
    sync_payouts(&s).await;
    let body = json!({"system": "custom", "connectorId": "test-contract-0-1-0-erp",
        "storeId": s.store, "credentials": {}});
    let (status, out) = s.server.post(&s.m.key, "/api/v1/pushToERP", body).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["pushed"]["transactions"], 2, "the two payments: {out}");
    let rejected = out["rejected"].as_array().unwrap();
    assert_eq!(
        rejected.len(),
        2,
        "the chargeback, the payout with its fee: {out}"
    );
    for r in rejected {
        let reason = r["reason"].as_str().unwrap();
        assert!(
            reason.contains("beep:connector@0.1.0") && reason.contains("rebuild"),
            "{reason}"
        );
    }
}

on_both_databases!(released_erp_components_are_spared_the_new_kinds);

/// Adyen's signed notifications matching `query`, ready to post, oldest first.
async fn adyen_notifications(s: &PspStore, query: &str) -> Vec<Value> {
    let url = format!("{}/notifications?{query}", s.hooks());
    s.server.sim_get(&url).await.as_array().unwrap().clone()
}

async fn deliver_adyen(s: &PspStore, notification: &Value) -> Value {
    let path = format!("/api/v1/webhooks/adyen/{}", s.store);
    let (status, body) = s
        .server
        .request(reqwest::Method::POST, None, &path, Some(notification), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Adyen announces each settlement batch by webhook (`REPORT_AVAILABLE`); the connector
/// reads the batch's settlement detail report as the payout, and the day reconciles in
/// the ERP as with the providers that list their payouts.
async fn adyen_settlement_reports_reconcile(backend: Backend) {
    let s = start(backend, "adyen").await;
    let mut paid = Vec::new();
    for (n, amount) in [1_000, 2_550, 4_733, 2_000].into_iter().enumerate() {
        paid.push(pay(&s, &format!("sale-{n}"), amount).await);
    }
    let reference = |i: usize| paid[i]["providerReference"].as_str().unwrap().to_string();
    let (status, refund) = s
        .refund("refund-1", paid[1]["paymentId"].as_str().unwrap(), 500)
        .await;
    assert_eq!(status, StatusCode::OK, "{refund}");
    let query = format!("eventCode=REFUND&originalReference={}", reference(1));
    let refunded = adyen_notifications(&s, &query).await;
    let body = deliver_adyen(&s, refunded.last().unwrap()).await;
    assert_eq!(body["applied"][0]["status"], "succeeded", "{body}");
    let url = format!("{}/dispute/{}?stage=CHARGEBACK", s.hooks(), reference(3));
    assert_eq!(
        s.server.http.post(url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let query = format!("eventCode=CHARGEBACK&originalReference={}", reference(3));
    let charged_back = adyen_notifications(&s, &query).await;
    deliver_adyen(&s, charged_back.last().unwrap()).await;

    // The batch closes: its report is announced, read once, kept as a paid payout.
    s.server
        .sim_post(&format!("{}/settle", s.hooks()), json!({}))
        .await;
    let report = adyen_notifications(&s, "eventCode=REPORT_AVAILABLE").await;
    assert_eq!(report.len(), 1, "{report:?}");
    let body = deliver_adyen(&s, &report[0]).await;
    assert_eq!(body["applied"][0]["status"], "paid", "{body}");
    let again = deliver_adyen(&s, &report[0]).await;
    assert_eq!(again["duplicate"], true, "{again}");
    let listed = payouts(&s).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let p = &listed[0];
    let part = |k: &str| p[k].as_i64().unwrap();
    assert_eq!(part("sales"), 1_000 + 2_550 + 4_733 + 2_000, "{p}");
    assert_eq!((part("refunds"), part("chargebacks")), (500, 2_000), "{p}");
    assert_eq!(part("adjustments"), 0, "{p}");
    assert!(part("fees") > 0, "{p}");

    let (_, books) = push_to_erp(&s).await;
    let got = |k: &str| books.get(k).copied().unwrap_or(0);
    assert_eq!(got("payout"), part("amount"), "{books:?}");
    assert_eq!(got("fee"), part("fees"), "{books:?}");
    assert_eq!(
        got("payment") - got("refund") - got("fee") - got("chargeback"),
        got("payout"),
        "the day reconciles in the ERP: {books:?}"
    );
}

on_both_databases!(adyen_settlement_reports_reconcile);
