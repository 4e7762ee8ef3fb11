//! POS and ERP connectors' requests against their vendors' specs.

use super::python;
use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

// ---- POS and ERP ------------------------------------------------------------------------

/// Which sync API a POS or ERP connector is driven through.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// `syncPOS` / `pushToPOS`
    Pos,
    /// `syncERP` / `pushToERP` (payments are pushed too, so a Stripe payment is made)
    Erp,
}

/// A POS or ERP system: its Test Mode simulator, its spec, and the simulator hooks that
/// make the flows in [`drive`] send every request shape the connector has.
struct System {
    vendor: &'static str,
    kind: Kind,
    spec: &'static str,
    /// As [`Psp::base`]: the spec's server base path, stripped from recorded paths.
    base: &'static str,
    /// The simulator's hook root (`…/_sim`) from the vendor's Test Mode baseUrl.
    hooks: fn(&str) -> String,
    /// Upstream changes made between the full and the incremental sync:
    /// (path under the hook root, JSON body).
    changes: &'static [(&'static str, &'static str)],
    /// Failures armed before a push (path under the hook root, JSON body); each push
    /// is followed by a retry that must deliver the sale exactly once.
    outages: &'static [(&'static str, &'static str)],
    /// The SKUs the test sales sell (the ERPs book stock changes by them).
    skus: [&'static str; 2],
    /// Query parameters the connector sends that the spec's operation does not declare
    /// (validate.py allowance A14: not validated), as validate.py names them
    /// ("GET /Part limit"), each with where the vendor documents it. Exactly these must
    /// be reported: a new one fails the test until it is listed here with its reason.
    undeclared: &'static [(&'static str, &'static str)],
    /// Requests to operations the spec does not describe ("POST /api/register_sales"),
    /// with the reason and what checks them instead (validate.py A6 or A10). Exactly
    /// these must be reported.
    outside_spec: &'static [(&'static str, &'static str)],
    /// The credential (name, value) that makes the simulator serve a large generated
    /// catalogue, so that every paged list is read past its first page.
    large: (&'static str, &'static str),
}

/// sevdesk's list parameters, documented once in the spec's introduction.
const SEVDESK_PAGING: &str = "sevdesk.yaml info.description, 'Pagination' and 'Embedding \
    resources': limit, offset and embed apply to every list";

/// Hook roots: most simulators keep `/_sim` beside the API's base path.
fn hooks_beside(base: &str, api: &str) -> String {
    let base = base.trim_end_matches('/');
    format!("{}/_sim", base.strip_suffix(api).unwrap_or(base))
}

const SYSTEMS: &[System] = &[
    System {
        vendor: "korona",
        kind: Kind::Pos,
        spec: spec!("korona.swagger.json"),
        base: "/web/api/v3",
        hooks: |base| format!("{}/accounts/demo", hooks_beside(base, "/web/api/v3")),
        changes: &[(
            "products/1003",
            r#"{"name": "Renamed upstream", "price": 9.99}"#,
        )],
        outages: &[("fail", r#"{"status": 500, "times": 1}"#)],
        skus: ["1001", "1002"],
        undeclared: &[],
        outside_spec: &[],
        large: ("accountId", "gen-2500"),
    },
    System {
        vendor: "lightspeed",
        kind: Kind::Pos,
        spec: spec!("lightspeed-x.json"),
        base: "/api/2.0",
        hooks: |base| hooks_beside(base, ""),
        changes: &[(
            "products/1003",
            r#"{"name": "Renamed upstream", "price": 9.99}"#,
        )],
        outages: &[("fail", r#"{"status": 500, "times": 1}"#)],
        skus: ["1001", "1002"],
        undeclared: &[],
        outside_spec: &[(
            "POST /api/register_sales",
            "Lightspeed writes sales only through API 0.9's register_sales, which \
             lightspeed-x.json (API 2.0) omits; checked against the example request of \
             lightspeed-x.postman.json instead (validate.py A10)",
        )],
        large: ("token", "lsx_sandbox_gen-2500"),
    },
    System {
        vendor: "sevdesk",
        kind: Kind::Erp,
        spec: spec!("sevdesk.yaml"),
        base: "/api/v1",
        hooks: |base| hooks_beside(base, "/api/v1"),
        changes: &[
            ("parts/1001/stock", r#"{"quantity": 12}"#),
            (
                "contacts/2002",
                r#"{"email": "bestellung@sonnenschein.example"}"#,
            ),
            ("orders/3002", r#"{"status": 1000}"#),
        ],
        outages: &[
            ("fail", r#"{"status": 500, "times": 1}"#),
            // The voucher is booked but the answer is lost: the resend looks it up.
            ("fail", r#"{"status": 500, "times": 1, "afterWrite": true}"#),
        ],
        skus: ["ART-1001", "ART-1013"],
        undeclared: &[
            ("GET /Part limit", SEVDESK_PAGING),
            ("GET /Part offset", SEVDESK_PAGING),
            ("GET /Part embed", SEVDESK_PAGING),
            ("GET /Order limit", SEVDESK_PAGING),
            ("GET /Order offset", SEVDESK_PAGING),
            ("GET /Order embed", SEVDESK_PAGING),
            ("GET /Contact limit", SEVDESK_PAGING),
            ("GET /Contact offset", SEVDESK_PAGING),
            ("GET /Voucher limit", SEVDESK_PAGING),
            ("GET /CheckAccountTransaction limit", SEVDESK_PAGING),
            (
                "GET /Contact category[id]",
                "the Contact tag's filter table: category[id]={id}&category[objectName]=Category",
            ),
            (
                "GET /Contact category[objectName]",
                "the Contact tag's filter table: category[id]={id}&category[objectName]=Category",
            ),
            (
                "GET /Contact updateAfter",
                "the Contact tag's filter table: updateAfter={timestamp}",
            ),
            (
                "GET /Order updateAfter",
                "the Order tag's filter table: updateAfter={timestamp}",
            ),
        ],
        outside_spec: &[],
        large: ("apiToken", "gen-2500"),
    },
    System {
        vendor: "xentral",
        kind: Kind::Erp,
        spec: spec!("xentral.json"),
        base: "",
        hooks: |base| hooks_beside(base, ""),
        changes: &[("products/1/stock", r#"{"quantity": 12}"#)],
        outages: &[("fail", r#"{"status": 500, "times": 1}"#)],
        skus: ["XP-1004", "XP-1005"],
        undeclared: &[],
        outside_spec: &[],
        large: ("token", "gen-4500"),
    },
];

/// A sale of the system's two SKUs: the first line also names the vendor's product id
/// (as synced), the second only its SKU, so that both ways of naming a product are sent.
fn sale_of(system: &System, store: &str, receipt: &str, product_id: &str) -> serde_json::Value {
    json!({
        "storeId": store,
        "receiptNumber": receipt,
        "currency": "EUR",
        "lines": [
            {"productId": product_id, "sku": system.skus[0], "name": "Erstes", "quantity": 2, "unitPrice": 129, "taxRateBps": 1900},
            {"sku": system.skus[1], "name": "Zweites", "quantity": 1, "unitPrice": 89, "taxRateBps": 700}
        ],
        "payments": [{"method": "card", "amount": 347, "reference": "pi_test"}]
    })
}

/// A full sync, upstream changes, an incremental sync, a forced full sync; sales (and
/// for an ERP a payment and a partial refund) pushed, then once per outage a push that
/// fails and its retry; last a full sync of a large generated catalogue.
async fn drive(server: &Server, system: &System) {
    let vendor = system.vendor;
    let (sync, push) = match system.kind {
        Kind::Pos => ("/api/v1/syncPOS", "/api/v1/pushToPOS"),
        Kind::Erp => ("/api/v1/syncERP", "/api/v1/pushToERP"),
    };
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, credentials) = server.sandbox(&m, vendor).await;
    let hooks = (system.hooks)(&base);
    let run = |full: bool| json!({"system": vendor, "storeId": store, "credentials": credentials, "full": full});

    let (status, first) = server.post(&m.key, sync, run(false)).await;
    assert_eq!(status, StatusCode::OK, "{vendor}: {first}");
    assert_eq!(
        first["full"], true,
        "{vendor}: the first run is full: {first}"
    );
    for (path, body) in system.changes {
        server
            .sim_post(
                &format!("{hooks}/{path}"),
                serde_json::from_str(body).unwrap(),
            )
            .await;
    }
    let (status, incremental) = server.post(&m.key, sync, run(false)).await;
    assert_eq!(status, StatusCode::OK, "{vendor}: {incremental}");
    assert_eq!(incremental["full"], false, "{vendor}: {incremental}");
    let (status, full) = server.post(&m.key, sync, run(true)).await;
    assert_eq!(status, StatusCode::OK, "{vendor}: {full}");
    let (what, list) = match system.kind {
        Kind::Pos => ("products", "/api/v1/products"),
        Kind::Erp => ("inventory", "/api/v1/inventory"),
    };
    let (_, synced) = server
        .get(&m.key, &format!("{list}?storeId={store}&limit=1000"))
        .await;
    let product_id = synced[what]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == system.skus[0])
        .unwrap_or_else(|| panic!("{vendor}: {} not synced: {synced}", system.skus[0]))
        ["externalId"]
        .as_str()
        .unwrap()
        .to_string();

    if system.kind == Kind::Erp {
        let (_, stripe) = server.sandbox(&m, "stripe").await;
        let (status, body) = server
            .post(
                &m.key,
                "/api/v1/configurePSP",
                json!({"provider": "stripe", "storeId": store, "config": stripe}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{vendor}: {body}");
        let (status, paid) = server
            .post_idem(
                &m.key,
                "/api/v1/processPayment",
                "pay-1",
                json!({"storeId": store, "amount": 347, "currency": "EUR", "reference": "R-1", "paymentMethod": "pm_card_visa"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{vendor}: {paid}");
        let (status, refund) = server
            .post_idem(
                &m.key,
                "/api/v1/refundPayment",
                "refund-1",
                json!({"storeId": store, "paymentId": paid["paymentId"], "amount": 120}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{vendor}: {refund}");
    }
    for receipt in ["R-1", "R-2"] {
        let (status, body) = server
            .post(
                &m.key,
                "/api/v1/sales",
                sale_of(system, &store, receipt, &product_id),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{vendor}: {body}");
    }
    let (status, pushed) = server.post(&m.key, push, run(false)).await;
    assert_eq!(status, StatusCode::OK, "{vendor}: {pushed}");
    for (n, (path, body)) in system.outages.iter().enumerate() {
        let receipt = format!("R-outage-{n}");
        let (status, body_) = server
            .post(
                &m.key,
                "/api/v1/sales",
                sale_of(system, &store, &receipt, &product_id),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{vendor}: {body_}");
        server
            .sim_post(
                &format!("{hooks}/{path}"),
                serde_json::from_str(body).unwrap(),
            )
            .await;
        // The failed push answers 502 (POS) or leaves the sale pending (ERP).
        let _ = server.post(&m.key, push, run(false)).await;
        let (status, retried) = server.post(&m.key, push, run(false)).await;
        assert_eq!(status, StatusCode::OK, "{vendor}: {retried}");
    }
    let (_, sales) = server
        .get(&m.key, &format!("/api/v1/sales?storeId={store}"))
        .await;
    let sales = sales["sales"].as_array().unwrap();
    assert_eq!(sales.len(), 2 + system.outages.len(), "{vendor}");
    assert!(
        sales.iter().all(|s| s["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "sent")),
        "{vendor}: every sale delivered: {sales:?}"
    );

    // A large catalogue, into a store of its own: the later pages of every paged list.
    let (key, value) = system.large;
    let mut large = credentials.clone();
    large[key] = json!(value);
    let store = server.store(&m).await;
    let (status, body) = server
        .post(
            &m.key,
            sync,
            json!({"system": vendor, "storeId": store, "credentials": large, "full": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{vendor}: {body}");
    assert!(body["pages"].as_i64().unwrap() > 1, "{vendor}: {body}");
}

/// Runs validate.py over `vendor`'s recorded requests; Err holds the violations.
pub(super) fn validate(
    python: &str,
    dir: &Path,
    vendor: &str,
    spec: &str,
    base: &str,
    recorded: &[beep_sandbox::RecordedRequest],
) -> Result<String, String> {
    let validator = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/validate.py"
    );
    let file = dir.join(format!("{vendor}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(recorded).unwrap()).unwrap();
    if let Some(keep) = std::env::var_os("BEEP_CONFORMANCE_KEEP") {
        std::fs::copy(&file, Path::new(&keep).join(format!("{vendor}.json"))).unwrap();
    }
    let out = Command::new(python)
        .args([validator, spec, base])
        .arg(&file)
        .output()
        .unwrap();
    let notes = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if out.status.success() {
        Ok(notes)
    } else {
        Err(format!(
            "{vendor} ({} requests):\n{}\n{notes}",
            recorded.len(),
            String::from_utf8_lossy(&out.stdout)
        ))
    }
}

#[tokio::test]
async fn pos_and_erp_requests_follow_the_vendor_specs() {
    let python = python();
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for system in SYSTEMS {
        assert!(
            Path::new(system.spec).exists(),
            "missing spec {}",
            system.spec
        );
        drive(&server, system).await;
        let recorded = server.app.sandbox.recorded(system.vendor);
        assert!(!recorded.is_empty(), "{}: nothing recorded", system.vendor);
        match validate(
            &python,
            dir.path(),
            system.vendor,
            system.spec,
            system.base,
            &recorded,
        ) {
            // The per-vendor summary and any A6/A10/A14 notes (see validate.py).
            Ok(notes) => {
                println!("{}: {notes}", system.vendor);
                let reported: BTreeSet<&str> = notes
                    .lines()
                    .filter_map(|l| l.strip_prefix("undeclared query parameter: "))
                    .collect();
                let listed: BTreeSet<&str> = system.undeclared.iter().map(|(p, _)| *p).collect();
                if reported != listed {
                    failures.push(format!(
                        "{}: undeclared query parameters sent but not listed: {:?}; listed but not sent: {:?}",
                        system.vendor,
                        reported.difference(&listed).collect::<Vec<_>>(),
                        listed.difference(&reported).collect::<Vec<_>>(),
                    ));
                }
                // "#15 POST /api/register_sales: not in the spec, … allowance A10"
                let outside: BTreeSet<&str> = notes
                    .lines()
                    .filter(|l| l.ends_with("allowance A10") || l.contains("allowance A6:"))
                    .filter_map(|l| l.split_once(' ')?.1.split_once(": "))
                    .map(|(request, _)| request.split('?').next().unwrap())
                    .collect();
                let listed: BTreeSet<&str> = system.outside_spec.iter().map(|(r, _)| *r).collect();
                if outside != listed {
                    failures.push(format!(
                        "{}: requests outside the spec: {outside:?}, listed: {listed:?}",
                        system.vendor
                    ));
                }
            }
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
