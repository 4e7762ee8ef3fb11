//! Vendor-spec conformance: every request a PSP connector sends to its simulator is
//! checked against that vendor's published OpenAPI description, with a maintained
//! validator (openapi-core, see tests/conformance/).

use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

macro_rules! spec {
    ($file:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vendor-specs/",
            $file
        )
    };
}

/// A PSP's published spec and the server base path the spec's paths sit under (stripped
/// from recorded paths before matching); its tokens come from the shared PSP table.
struct Psp {
    vendor: &'static str,
    /// The `/_sim/fail` hook body of the vendor's e2e outage test.
    outage: &'static str,
    spec: &'static str,
    base: &'static str,
}

const PSPS: &[Psp] = &[
    Psp {
        vendor: "stripe",
        outage: r#"{"status": 500, "times": 2}"#,
        spec: spec!("stripe.spec3.yaml"),
        base: "",
    },
    Psp {
        vendor: "adyen",
        outage: r#"{"status": 503, "times": 1, "after": true}"#,
        spec: spec!("adyen.checkout-v71.json"),
        base: "/v71",
    },
    Psp {
        vendor: "mollie",
        outage: r#"{"status": 502, "times": 1, "after": true}"#,
        spec: spec!("mollie.yaml"),
        base: "",
    },
    Psp {
        vendor: "sumup",
        outage: r#"{"status": 500, "times": 1, "after": true, "method": "POST"}"#,
        spec: spec!("sumup.json"),
        base: "",
    },
    Psp {
        vendor: "payone",
        outage: r#"{"status": 502, "times": 1, "after": true, "path": "payment-executions"}"#,
        spec: spec!("payone-pcp.yaml"),
        base: "",
    },
];

fn python() -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/conformance-env");
    let out = Command::new("bash").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "conformance-env failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// configurePSP, a payment, a partial refund: what every connector must do; then a
/// decline, a 3-D Secure payment, a reconciliation after an outage, and a webhook.
async fn flows(server: &Server, psp: &Psp) {
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let shared = crate::support::psp::psp(psp.vendor);
    let (base, mut config) = server.sandbox(&m, psp.vendor).await;
    (shared.config)(server, &store, &mut config);
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": psp.vendor, "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", psp.vendor);
    let (status, paid) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "pay-1",
            json!({"storeId": store, "amount": 1999, "currency": "EUR", "reference": "order-1", "paymentMethod": shared.approve}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {paid}", psp.vendor);
    let payment_id = paid["paymentId"].as_str().unwrap();
    let (status, refund) = server
        .post_idem(
            &m.key,
            "/api/v1/refundPayment",
            "refund-1",
            json!({"storeId": store, "paymentId": payment_id, "amount": 500, "reason": "requested_by_customer"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {refund}", psp.vendor);

    // Manual capture: authorise, capture part; authorise, void.
    if shared.holds {
        for (key, ending) in [("auth-capture", "capture"), ("auth-void", "cancel")] {
            let (status, held) = server
                .post_idem(
                    &m.key,
                    "/api/v1/processPayment",
                    key,
                    json!({"storeId": store, "amount": 1500, "currency": "EUR", "reference": key,
                        "paymentMethod": shared.approve, "capture": "manual"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{}: {held}", psp.vendor);
            assert_eq!(held["status"], "authorized", "{}: {held}", psp.vendor);
            let id = held["paymentId"].as_str().unwrap();
            let (path, body) = match ending {
                "capture" => (
                    "/api/v1/capturePayment",
                    json!({"storeId": store, "paymentId": id, "amount": 1000}),
                ),
                _ => (
                    "/api/v1/cancelPayment",
                    json!({"storeId": store, "paymentId": id}),
                ),
            };
            let (status, ended) = server
                .post_idem(&m.key, path, &format!("{key}-end"), body)
                .await;
            assert_eq!(status, StatusCode::OK, "{}: {ended}", psp.vendor);
        }
    }

    // A declined payment.
    let (status, declined) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "pay-declined",
            json!({"storeId": store, "amount": 500, "currency": "EUR", "reference": "order-2", "paymentMethod": shared.decline}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {declined}", psp.vendor);
    assert_eq!(declined["status"], "failed", "{}: {declined}", psp.vendor);

    // A payment that needs 3-D Secure (an action at the vendor).
    let (status, action) = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "pay-action",
            json!({"storeId": store, "amount": 2500, "currency": "EUR", "reference": "order-3",
                "paymentMethod": shared.action, "returnUrl": "https://shop.example/return"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {action}", psp.vendor);
    assert_eq!(
        action["status"], "requires_action",
        "{}: {action}",
        psp.vendor
    );

    // An outage (the vendor's answer lost, or a 500 before acting), then the retry under
    // the same Idempotency-Key, which makes the connector look the payment up.
    let hook: serde_json::Value = serde_json::from_str(psp.outage).unwrap();
    server.sim_post(&format!("{base}/_sim/fail"), hook).await;
    let outage = json!({"storeId": store, "amount": 700, "currency": "EUR", "reference": "order-4", "paymentMethod": shared.approve});
    let _ = server
        .post_idem(
            &m.key,
            "/api/v1/processPayment",
            "pay-outage",
            outage.clone(),
        )
        .await;
    let (status, resumed) = server
        .post_idem(&m.key, "/api/v1/processPayment", "pay-outage", outage)
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {resumed}", psp.vendor);
    assert_eq!(resumed["status"], "succeeded", "{}: {resumed}", psp.vendor);

    // A webhook, posted as the vendor would, so parse-webhook's re-fetches are recorded.
    match psp.vendor {
        "stripe" => {
            let intent = action["providerReference"].as_str().unwrap();
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(format!("{base}/_sim/authenticate/{intent}"))
                .send()
                .await
                .unwrap();
            let events = server
                .sim_get(&format!("{base}/_sim/events?type=payment_intent.succeeded"))
                .await;
            let payload = events.as_array().unwrap().last().unwrap().to_string();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let signature = beep_sandbox::stripe::sign_webhook(
                beep_sandbox::stripe::SANDBOX_WEBHOOK_SECRET,
                now,
                &payload,
            );
            let resp = server
                .http
                .post(format!("{}/api/v1/webhooks/stripe/{store}", server.url))
                .header("Stripe-Signature", signature)
                .header("content-type", "application/json")
                .body(payload)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "stripe webhook");
        }
        "mollie" => {
            let tr = action["providerReference"].as_str().unwrap();
            let resp = server
                .http
                .post(format!("{}/api/v1/webhooks/mollie/{store}", server.url))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("id={tr}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "mollie webhook");
        }
        "adyen" => {
            let psp_ref = refund["providerReference"].as_str().unwrap();
            let found = server
                .sim_get(&format!(
                    "{base}/_sim/notifications?eventCode=REFUND&pspReference={psp_ref}"
                ))
                .await;
            let genuine = found.as_array().unwrap().last().unwrap().clone();
            let (status, body) = server
                .request(
                    reqwest::Method::POST,
                    None,
                    &format!("/api/v1/webhooks/adyen/{store}"),
                    Some(&genuine),
                    &[],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "adyen webhook: {body}");
        }
        _ => {}
    }
}

#[tokio::test]
async fn psp_requests_follow_the_vendor_specs() {
    let python = python();
    let validator = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/validate.py"
    );
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for psp in PSPS {
        assert!(Path::new(psp.spec).exists(), "missing spec {}", psp.spec);
        flows(&server, psp).await;
        let recorded = server.app.sandbox.recorded(psp.vendor);
        assert!(!recorded.is_empty(), "{}: nothing recorded", psp.vendor);
        let file = dir.path().join(format!("{}.json", psp.vendor));
        std::fs::write(&file, serde_json::to_vec_pretty(&recorded).unwrap()).unwrap();
        if let Some(keep) = std::env::var_os("BEEP_CONFORMANCE_KEEP") {
            std::fs::copy(&file, Path::new(&keep).join(format!("{}.json", psp.vendor))).unwrap();
        }
        let out = Command::new(&python)
            .args([validator, psp.spec, psp.base])
            .arg(&file)
            .output()
            .unwrap();
        // The per-vendor summary and any A6 notes (see validate.py).
        println!(
            "{}: {}",
            psp.vendor,
            String::from_utf8_lossy(&out.stderr).trim()
        );
        if !out.status.success() {
            failures.push(format!(
                "{} ({} requests):\n{}",
                psp.vendor,
                recorded.len(),
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

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
fn validate(
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

// ---- Vectron (Swagger 2.0, validated by tests/conformance/swagger2.py) -------------------

/// Every request shape the Vectron connector sends — login (good and bad credentials),
/// sites, the first and the following transaction pages, data entries, a rate-limited
/// retry — checked against vectron.swagger.json (validate.py allowance A11).
#[tokio::test]
async fn vectron_requests_follow_the_vendor_spec() {
    let python = python();
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, credentials) = server.sandbox(&m, "vectron").await;
    let hooks = format!("{}/_sim", base.trim_end_matches("/business-data-api"));
    let site = beep_sandbox::vectron::SITE_ID;
    let sync = |credentials: &serde_json::Value, full: bool| json!({"system": "vectron", "storeId": store, "credentials": credentials, "full": full});

    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&credentials, false))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server
        .sim_post(
            &format!("{hooks}/sites/{site}/products/103"),
            json!({"name": "Renamed upstream", "price": 1.99}),
        )
        .await;
    server
        .sim_post(
            &format!("{hooks}/sites/{site}/data-entries"),
            json!({"managedArticleNo": 6, "name": "Strohhalme", "price": 2.49}),
        )
        .await;
    server
        .sim_post(
            &format!("{hooks}/fail"),
            json!({"status": 429, "times": 1, "retryAfter": 1}),
        )
        .await;
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&credentials, false))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Without siteId the connector picks the operator's only site.
    let mut no_site = credentials.clone();
    no_site.as_object_mut().unwrap().remove("siteId");
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&no_site, true))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut wrong = credentials.clone();
    wrong["password"] = json!("wrong");
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", sync(&wrong, false))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let recorded = server.app.sandbox.recorded("vectron");
    for (method, suffix) in [
        ("POST", "/v1/login"),
        ("GET", "/sites"),
        ("GET", "/transactions"),
        ("GET", "/data-entries"),
    ] {
        assert!(
            recorded
                .iter()
                .any(|r| r.method == method && r.path.ends_with(suffix)),
            "vectron: no {method} …{suffix} recorded"
        );
    }
    assert!(
        recorded
            .iter()
            .any(|r| r.path.ends_with("/transactions") && r.query.starts_with("id=")),
        "vectron: no keyset page recorded"
    );

    let dir = tempfile::tempdir().unwrap();
    let notes = validate(
        &python,
        dir.path(),
        "vectron",
        spec!("vectron.swagger.json"),
        "/business-data-api",
        &recorded,
    )
    .unwrap_or_else(|report| panic!("{report}"));
    println!("vectron: {notes}");
    assert!(
        !notes.contains("undeclared query parameter"),
        "vectron: the connector sends only the spec's parameters: {notes}"
    );
}

/// The generic connectors against the BEEP! Generic protocol's own OpenAPI document
/// (docs/generic-protocol.openapi.yaml): every native-protocol request of a POS sync
/// (paged, then incremental), a sales push, an ERP sync and an ERP push. The legacy shop's
/// requests (under /legacy, read through a mapping) are not the protocol and are left out.
#[tokio::test]
async fn generic_requests_follow_the_generic_protocol() {
    let python = python();
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (_, mut pos) = server.sandbox(&m, "generic").await;
    pos["pageSize"] = json!(10);
    for _ in 0..2 {
        let (status, body) = server
            .post(
                &m.key,
                "/api/v1/syncPOS",
                json!({"system": "generic", "storeId": store, "credentials": pos}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/sales",
            json!({"storeId": store, "receiptNumber": "R-1", "currency": "EUR",
                "lines": [{"sku": "SKU-1001", "name": "Club-Mate 0,5 l", "quantity": 2, "unitPrice": 189, "taxRateBps": 1900}],
                "payments": [{"method": "card", "amount": 378}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, erp) = server.sandbox(&m, "generic").await;
    for (path, credentials) in [
        ("/api/v1/pushToPOS", &pos),
        ("/api/v1/syncERP", &erp),
        ("/api/v1/syncERP", &erp),
        ("/api/v1/pushToERP", &erp),
    ] {
        let (status, body) = server
            .post(
                &m.key,
                path,
                json!({"system": "generic", "storeId": store, "credentials": credentials}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let recorded: Vec<_> = server
        .app
        .sandbox
        .recorded("generic")
        .into_iter()
        .filter(|r| !r.path.starts_with("/legacy/"))
        .collect();
    for path in [
        "/products",
        "/inventory",
        "/sales/",
        "/transactions/",
        "/stock-changes/",
    ] {
        assert!(
            recorded.iter().any(|r| r.path.starts_with(path)),
            "generic: no {path} request recorded"
        );
    }
    assert!(recorded.iter().any(|r| r.query.contains("cursor=")));
    assert!(recorded.iter().any(|r| r.query.contains("updatedSince=")));

    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/generic-protocol.openapi.yaml"
    );
    let dir = tempfile::tempdir().unwrap();
    match validate(&python, dir.path(), "generic", spec, "", &recorded) {
        Ok(notes) => println!("generic: {notes}"),
        Err(report) => panic!("{report}"),
    }
}

// ---- SumUp POS side and the Casio bridge --------------------------------------------------

/// The SumUp POS connector's requests (transaction history paged by `oldest_ref` and
/// `oldest_time`, transaction reads) against sumup.json; the Casio connector's (register,
/// PLU file full and conditional, journal writes with a lost answer) against BEEP!'s own
/// docs/casio-bridge.openapi.yaml.
#[tokio::test]
async fn sumup_pos_and_casio_requests_follow_their_specs() {
    let python = python();
    let server = Server::start(Backend::Sqlite).await;
    server.app.sandbox.record();
    let dir = tempfile::tempdir().unwrap();
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;

    // SumUp: small pages from a start time, a new sale, incremental, forced full.
    let (base, mut credentials) = server.sandbox(&m, "sumup").await;
    credentials["pageSize"] = json!(7);
    credentials["since"] = json!("2026-11-01T00:00:00Z");
    let run = |full: bool| json!({"system": "sumup", "storeId": store, "credentials": credentials, "full": full});
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(false)).await;
    assert_eq!(status, StatusCode::OK, "sumup-pos: {body}");
    server
        .sim_post(
            &format!("{base}/_sim/pos/sales"),
            json!({"lines": [{"name": "Espresso", "price": 2.8, "vatRate": 0.19}]}),
        )
        .await;
    for full in [false, true] {
        let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(full)).await;
        assert_eq!(status, StatusCode::OK, "sumup-pos: {body}");
    }
    let recorded = server.app.sandbox.recorded("sumup");
    assert!(
        recorded.iter().any(|r| r.query.contains("oldest_ref="))
            && recorded.iter().any(|r| r.query.contains("oldest_time=")),
        "sumup-pos: {recorded:?}"
    );

    // Casio: full, changed, unchanged, sales with one lost answer.
    let (base, credentials) = server.sandbox(&m, "casio").await;
    let run = |full: bool| json!({"system": "casio", "storeId": store, "credentials": credentials, "full": full});
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(false)).await;
    assert_eq!(status, StatusCode::OK, "casio: {body}");
    server
        .sim_post(&format!("{base}/_sim/plu/1"), json!({"price": 290}))
        .await;
    for _ in 0..2 {
        let (status, body) = server.post(&m.key, "/api/v1/syncPOS", run(false)).await;
        assert_eq!(status, StatusCode::OK, "casio: {body}");
    }
    for receipt in ["R-1", "R-2"] {
        let (status, body) = server
            .post(
                &m.key,
                "/api/v1/sales",
                json!({"storeId": store, "receiptNumber": receipt, "currency": "EUR",
                    "lines": [{"sku": "1", "name": "ESPRESSO", "quantity": 2, "unitPrice": 220, "taxRateBps": 1900},
                              {"name": "OFFENER POSTEN", "quantity": 1, "unitPrice": 95, "taxRateBps": 700}],
                    "payments": [{"method": "cash", "amount": 535}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "casio: {body}");
    }
    server
        .sim_post(
            &format!("{base}/_sim/fail"),
            json!({"status": 500, "after": true, "method": "PUT"}),
        )
        .await;
    let _ = server.post(&m.key, "/api/v1/pushToPOS", run(false)).await;
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", run(false)).await;
    assert_eq!(status, StatusCode::OK, "casio: {body}");
    assert_eq!(body["duplicates"], 1, "casio: {body}");

    let casio_spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/casio-bridge.openapi.yaml"
    );
    let mut failures = Vec::new();
    for (vendor, spec) in [("sumup", spec!("sumup.json")), ("casio", casio_spec)] {
        let recorded = server.app.sandbox.recorded(vendor);
        assert!(!recorded.is_empty(), "{vendor}: nothing recorded");
        match validate(&python, dir.path(), vendor, spec, "", &recorded) {
            Ok(notes) => println!("{vendor}: {notes}"),
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
