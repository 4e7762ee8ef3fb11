//! PSP connectors' requests against their vendors' specs.

use super::python;
use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::process::Command;

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

/// configurePSP, a payment, a partial refund: what every connector must do; then a
/// decline, a 3-D Secure payment, a reconciliation after an outage, and a webhook.
async fn flows(server: &Server, psp: &Psp) {
    // GROW: the payout sync is a sync.
    let m = server.merchant(Plan::Grow).await;
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

    // Payouts, where the vendor lists them: the vendor pays out, then two syncs (the
    // second resumes from the first one's cursor).
    let payout_hook = match psp.vendor {
        "stripe" | "sumup" => Some("payouts"),
        "mollie" => Some("settlements"),
        _ => None,
    };
    if let Some(hook) = payout_hook {
        server
            .sim_post(&format!("{base}/_sim/{hook}"), json!({}))
            .await;
        for round in 1..=2 {
            let (status, body) = server
                .post(&m.key, "/api/v1/syncPayouts", json!({"storeId": store}))
                .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{} payouts {round}: {body}",
                psp.vendor
            );
        }
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
