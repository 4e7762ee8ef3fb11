//! Vendor-spec conformance: every request a PSP connector sends to its simulator is
//! checked against that vendor's published OpenAPI description, with a maintained
//! validator (openapi-core, see tests/conformance/).

use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::json;
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

/// A PSP, the test token that succeeds there, its spec, and the server base path the
/// spec's paths sit under (stripped from recorded paths before matching).
struct Psp {
    vendor: &'static str,
    token: &'static str,
    spec: &'static str,
    base: &'static str,
}

const PSPS: &[Psp] = &[
    Psp {
        vendor: "stripe",
        token: "pm_card_visa",
        spec: spec!("stripe.spec3.yaml"),
        base: "",
    },
    Psp {
        vendor: "adyen",
        token: "adyen_test_authorised",
        spec: spec!("adyen.checkout-v71.json"),
        base: "/v71",
    },
    Psp {
        vendor: "mollie",
        token: "mollie_test_paid",
        spec: spec!("mollie.yaml"),
        base: "",
    },
    Psp {
        vendor: "sumup",
        token: "sumup_test_paid",
        spec: spec!("sumup.json"),
        base: "",
    },
    Psp {
        vendor: "payone",
        token: "payone_test_ok",
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

/// configurePSP, a payment, a partial refund: what every connector must do.
async fn flows(server: &Server, psp: &Psp) {
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (_, mut config) = server.sandbox(&m, psp.vendor).await;
    if psp.vendor == "mollie" {
        config["webhookUrl"] = json!(format!("{}/api/v1/webhooks/mollie/{store}", server.url));
    }
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
            json!({"storeId": store, "amount": 1999, "currency": "EUR", "reference": "order-1", "paymentMethod": psp.token}),
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
}

#[tokio::test]
async fn psp_requests_follow_the_vendor_specs() {
    let python = python();
    let validator = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/validate.py"
    );
    let server = Server::start(Backend::Sqlite).await;
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
