//! An interrupted run resumes, for every POS and ERP whose catalogue or ERP data spans
//! several pages: an outage at a later page (armed on the simulator, so the connector
//! sees its vendor answer 503) outlasts the driver's retries and stops the run
//! incomplete; the next call resumes that run at its saved cursor, and the store ends up
//! with exactly what an uninterrupted run brings. (Korona, Vectron, SumUp and the generic
//! POS have their own resume tests beside their other ones; Casio's PLU file is one page.)

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A system, the simulator it reaches, and a request of a later page (or a later
/// stream) to fail.
struct Interruption {
    system: &'static str,
    erp: bool,
    vendor: &'static str,
    at: &'static str,
}

const SYSTEMS: &[Interruption] = &[
    Interruption {
        system: "lightspeed",
        erp: false,
        vendor: "lightspeed",
        at: "/price_book_products",
    },
    Interruption {
        system: "sevdesk",
        erp: true,
        vendor: "sevdesk",
        at: "/Order",
    },
    Interruption {
        system: "xentral",
        erp: true,
        vendor: "xentral",
        at: "/purchaseOrders",
    },
    Interruption {
        system: "sap",
        erp: true,
        vendor: "sap",
        at: "/PurchaseOrders",
    },
    Interruption {
        system: "lexoffice",
        erp: true,
        vendor: "lexoffice",
        at: "voucherType=purchaseinvoice",
    },
    Interruption {
        system: "generic",
        erp: true,
        vendor: "generic",
        at: "/orders",
    },
];

async fn sync(
    server: &Server,
    m: &Merchant,
    s: &Interruption,
    store: &str,
    credentials: &Value,
) -> (StatusCode, Value) {
    let path = if s.erp {
        "/api/v1/syncERP"
    } else {
        "/api/v1/syncPOS"
    };
    server
        .post(
            &m.key,
            path,
            json!({"system": s.system, "storeId": store, "credentials": credentials}),
        )
        .await
}

/// What the store holds, list by list.
async fn holdings(server: &Server, m: &Merchant, s: &Interruption, store: &str) -> Value {
    let lists: &[&str] = if s.erp {
        &["inventory", "orders", "suppliers"]
    } else {
        &["products", "categories"]
    };
    let mut out = serde_json::Map::new();
    for list in lists {
        let (status, body) = server
            .get(
                &m.key,
                &format!("/api/v1/{list}?storeId={store}&limit=1000"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Everything but when BEEP! wrote it.
        let mut items = body[*list].clone();
        for item in items.as_array_mut().unwrap() {
            item.as_object_mut().unwrap().remove("updatedAt");
        }
        out.insert(list.to_string(), items);
    }
    Value::Object(out)
}

async fn interrupted_runs_resume(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    for s in SYSTEMS {
        let (_, credentials) = server.sandbox(&m, s.vendor).await;

        // The reference: an uninterrupted full run.
        let clean = server.store(&m).await;
        let (status, body) = sync(&server, &m, s, &clean, &credentials).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", s.system);
        let expected = holdings(&server, &m, s, &clean).await;

        let store = server.store(&m).await;
        server.app.sandbox.interrupt(s.vendor, s.at, 3);
        let (status, body) = sync(&server, &m, s, &store, &credentials).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{}: {body}", s.system);
        let run_id = body["error"]["syncRunId"].as_str().unwrap().to_string();
        let (_, run) = server
            .get(&m.key, &format!("/api/v1/syncRuns/{run_id}"))
            .await;
        assert_eq!(
            run["syncRun"]["status"], "incomplete",
            "{}: {run}",
            s.system
        );
        assert_eq!(
            run["syncRun"]["errorClass"], "transient",
            "{}: {run}",
            s.system
        );
        assert!(
            run["syncRun"]["pages"].as_i64().unwrap() >= 1,
            "{}: the outage came after a saved page: {run}",
            s.system
        );

        let (status, body) = sync(&server, &m, s, &store, &credentials).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", s.system);
        assert_eq!(body["resumed"], true, "{}: {body}", s.system);
        assert_eq!(body["syncRunId"], run_id.as_str(), "{}: {body}", s.system);
        assert_eq!(
            holdings(&server, &m, s, &store).await,
            expected,
            "{}: the resumed run brought what an uninterrupted one does",
            s.system
        );
    }
}

on_both_databases!(interrupted_runs_resume);
