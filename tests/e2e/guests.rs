//! Guest SDKs for JavaScript and Python: their example connectors, built by
//! `scripts/build-guests` (npm + componentize-js, a venv + componentize-py), installed as
//! custom connectors and run through the public API against the Test Mode simulators
//! (`"sandbox": "korona"` / `"stripe"` in their config points them there).

use crate::on_both_databases;
use crate::support::{Backend, Options, Server};
use beep_host::db::merchants::Plan;
use beep_host::runtime::grant::{AddressPolicy, Grant, Origin};
use beep_host::runtime::{Budgets, CallContext, Runtime};
use beep_sandbox::Sandbox;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const JS_POS: &str = "example_js_pos.wasm";
const PYTHON_PSP: &str = "example_python_psp.wasm";

/// Runs `scripts/build-guests` once per test binary (it skips what is up to date) and
/// returns the directory holding the guest components.
fn guests() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| build_guests(&[]))
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn build_guests(args: &[&str]) -> Result<PathBuf, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../guests");
    let output = std::process::Command::new(root.join("scripts/build-guests"))
        .args(args)
        .current_dir(&root)
        .env("BEEP_GUESTS_DIR", &dir)
        .output()
        .map_err(|e| format!("running scripts/build-guests: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "scripts/build-guests failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(dir)
}

/// A server with one guest component installed (each server compiles what it installs,
/// or loads it from the shared compiled cache).
async fn server_with_guest(backend: Backend, file: &str) -> Server {
    Server::start_with(
        backend,
        Options {
            install_files: vec![guests().join(file)],
            ..Default::default()
        },
    )
    .await
}

/// Korona's demo account through the JavaScript example: 42 products, 5 categories;
/// a sale pushed once.
async fn javascript_pos_syncs_korona(backend: Backend) {
    let server = server_with_guest(backend, JS_POS).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, mut credentials) = server.sandbox(&m, "korona").await;
    credentials["sandbox"] = json!("korona");

    let (status, connectors) = server.get(&m.key, "/api/v1/connectors").await;
    assert_eq!(status, StatusCode::OK, "{connectors}");
    assert!(
        connectors.to_string().contains("example-js-pos"),
        "{connectors}"
    );

    let sync = json!({"system": "custom", "connectorId": "example-js-pos", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", sync.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(
        body["synced"],
        json!({"products": 42, "categories": 5, "priceUpdates": 0}),
        "{body}"
    );
    let (_, products) = server
        .get(
            &m.key,
            &format!("/api/v1/products?storeId={store}&limit=1000"),
        )
        .await;
    assert_eq!(products["total"], 42, "{products}");
    let first = &products["products"][0];
    assert!(
        first["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{first}"
    );
    assert_eq!(first["price"]["currency"], "EUR", "{first}");
    assert!(first["price"]["amount"].as_i64().unwrap() > 0, "{first}");

    // Bad credentials: the vendor's 401 arrives as the contract's `unauthorized`.
    let mut wrong = credentials.clone();
    wrong["password"] = json!("wrong");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "custom", "connectorId": "example-js-pos", "storeId": store, "credentials": wrong}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized", "{body}");

    // A sale goes to Korona once.
    let sale = json!({
        "storeId": store,
        "receiptNumber": "JS-1",
        "currency": "EUR",
        "lines": [{"sku": "1001", "name": "Club-Mate 0.5l", "quantity": 2, "unitPrice": 189, "taxRateBps": 1900}],
        "payments": [{"method": "card", "amount": 378}]
    });
    let (status, body) = server.post(&m.key, "/api/v1/sales", sale).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let push = json!({"system": "custom", "connectorId": "example-js-pos", "storeId": store, "credentials": credentials});
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 1}), "{body}");
    let (status, body) = server.post(&m.key, "/api/v1/pushToPOS", push).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"], json!({"sales": 0}), "{body}");
    let hooks = format!(
        "{}/_sim/accounts/demo/receipts",
        base.trim_end_matches("/web/api/v3")
    );
    let receipts: Value = server.sim_get(&hooks).await;
    assert_eq!(receipts.as_array().unwrap().len(), 1, "{receipts}");
}

/// Stripe through the Python example: configuration validated (and refused with Stripe's
/// words), a payment, its replay, a partial refund and one past the captured amount.
async fn python_psp_pays_and_refunds_with_stripe(backend: Backend) {
    let server = server_with_guest(backend, PYTHON_PSP).await;
    let m = server.merchant(Plan::Start).await;
    let store = server.store(&m).await;
    let (base, mut config) = server.sandbox(&m, "stripe").await;
    config["sandbox"] = json!("stripe");

    let mut wrong = config.clone();
    wrong["secretKey"] = json!("sk_test_wrong");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "custom", "connectorId": "example-python-psp", "storeId": store, "config": wrong}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "vendor_unauthorized", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid API Key"),
        "{body}"
    );

    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/configurePSP",
            json!({"provider": "custom", "connectorId": "example-python-psp", "storeId": store, "config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["connectorId"], "example-python-psp", "{body}");

    let pay = json!({"storeId": store, "amount": 1999, "currency": "EUR", "reference": "order-py", "paymentMethod": "pm_card_visa"});
    let (status, paid) = server
        .post_idem(&m.key, "/api/v1/processPayment", "py-pay-1", pay.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["success"], true, "{paid}");
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert!(
        paid["providerReference"]
            .as_str()
            .is_some_and(|r| r.starts_with("pi_")),
        "{paid}"
    );
    let payment_id = paid["paymentId"].as_str().unwrap().to_string();
    let (status, again) = server
        .post_idem(&m.key, "/api/v1/processPayment", "py-pay-1", pay)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, paid, "a replay answers the same");
    let intents = server
        .sim_get(&format!("{base}/_sim/payment_intents"))
        .await;
    assert_eq!(intents.as_array().unwrap().len(), 1, "{intents}");
    assert_eq!(
        intents[0]["metadata"]["beep_payment_id"],
        payment_id.as_str(),
        "{intents}"
    );

    let refund = |amount: i64| json!({"storeId": store, "paymentId": payment_id, "amount": amount, "reason": "requested_by_customer"});
    let (status, r1) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "py-r1", refund(500))
        .await;
    assert_eq!(status, StatusCode::OK, "{r1}");
    assert_eq!(r1["status"], "succeeded", "{r1}");
    assert_eq!(r1["refundedAmount"], 500, "{r1}");
    let (status, body) = server
        .post_idem(&m.key, "/api/v1/refundPayment", "py-r2", refund(1500))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let refunds = server.sim_get(&format!("{base}/_sim/refunds")).await;
    assert_eq!(refunds.as_array().unwrap().len(), 1, "{refunds}");
}

on_both_databases!(
    javascript_pos_syncs_korona,
    python_psp_pays_and_refunds_with_stripe
);

/// The templates build and load: the host accepts them as connectors of their world.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_build_and_load() {
    let dir = build_guests(&["--templates"]).unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start_with(
        Backend::Sqlite,
        Options {
            install_files: vec![
                dir.join("template_js_pos.wasm"),
                dir.join("template_python_pos.wasm"),
            ],
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let (status, connectors) = server.get(&m.key, "/api/v1/connectors").await;
    assert_eq!(status, StatusCode::OK, "{connectors}");
    let listed = connectors.to_string();
    assert!(
        listed.contains("acme-pos") && listed.contains("acme-pos-py"),
        "{connectors}"
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Size, compile time, warm-cache load and per-call times of the guest components,
/// measured through the host runtime. Not a test of speed (nothing is asserted on time):
///
/// ```text
/// cargo test -p beep-host --test e2e guests::figures -- --ignored --nocapture
/// ```
///
/// A debug host instantiates slower than a release one (Cranelift itself is optimised
/// in the dev profile, see Cargo.toml); `--release` gives release figures.
/// `BEEP_EXTRA_GUEST=/path/x.wasm` measures one more POS component against Korona.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, run by hand with --ignored --nocapture"]
async fn figures() {
    let dir = guests();
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), None, &Default::default())
        .await
        .unwrap();
    let ctx = |vendor: &str| CallContext {
        grant: Grant {
            origins: vec![Origin::parse(&sandbox.url(vendor).unwrap()).unwrap()],
            https_only: false,
            addresses: AddressPolicy::Any,
        },
        budgets: Budgets::default(),
    };
    let config = |vendor: &str, mut credentials: Value| {
        credentials["baseUrl"] = json!(sandbox.url(vendor).unwrap());
        credentials.to_string()
    };
    let mut guests = vec![
        (dir.join(JS_POS), "korona"),
        (dir.join(PYTHON_PSP), "stripe"),
    ];
    if let Ok(extra) = std::env::var("BEEP_EXTRA_GUEST") {
        guests.push((PathBuf::from(extra), "korona"));
    }
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    for (path, vendor) in guests {
        let bytes = std::fs::read(&path).unwrap();
        let cache = tempfile::tempdir().unwrap();

        // Cold: compile (Cranelift) + describe(), then the compiled artifact is cached.
        let runtime = Runtime::new(Some(cache.path().to_path_buf())).unwrap();
        let started = Instant::now();
        let connector = runtime
            .load(&bytes)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let compile = started.elapsed();
        // Warm: a fresh runtime (a restarted server) loading from the compiled cache.
        let runtime = Runtime::new(Some(cache.path().to_path_buf())).unwrap();
        let started = Instant::now();
        let connector2 = runtime.load(&bytes).await.unwrap();
        let warm = started.elapsed();
        drop(connector);
        let connector = connector2;

        // describe(): a fresh instance from the pool and a call without I/O.
        let deny = CallContext {
            grant: Grant::deny_all(),
            budgets: Budgets::default(),
        };
        let mut describe = Vec::new();
        for _ in 0..30 {
            let started = Instant::now();
            let (info, _) = runtime.describe(&connector, &deny).await;
            info.unwrap();
            describe.push(started.elapsed());
        }

        // The real thing against the simulator: one page of Korona's catalogue (two
        // requests, 42 products) or Stripe's balance (one request).
        let ctx = ctx(vendor);
        let mut calls = Vec::new();
        let mut first = None;
        for i in 0..20 {
            let started = Instant::now();
            let requests = match vendor {
                "korona" => {
                    let cfg = config(vendor, beep_sandbox::korona::sandbox_credentials());
                    let (page, report) = runtime.fetch_catalog(&connector, &ctx, &cfg, None).await;
                    let page = page.unwrap_or_else(|e| {
                        let logs: Vec<_> = report.logs.iter().map(|l| &l.message).collect();
                        panic!("{e}\nlogs: {logs:#?}")
                    });
                    assert_eq!(page.products.len(), 42);
                    if i == 0 {
                        for line in &report.logs {
                            println!("    log: {}", line.message);
                        }
                    }
                    report.outbound.len()
                }
                _ => {
                    let cfg = config(vendor, beep_sandbox::stripe::sandbox_credentials());
                    let (ok, report) = runtime.validate_config(&connector, &ctx, &cfg).await;
                    ok.unwrap_or_else(|e| {
                        let logs: Vec<_> = report.logs.iter().map(|l| &l.message).collect();
                        panic!("{e}\nlogs: {logs:#?}")
                    });
                    report.outbound.len()
                }
            };
            let elapsed = started.elapsed();
            if i == 0 {
                first = Some((elapsed, requests));
            } else {
                calls.push(elapsed);
            }
        }
        let (first, requests) = first.unwrap();
        println!(
            "{} ({profile} host): {:.1} MiB; compile+describe {:.2} s; load from compiled cache {:.0} ms; \
             describe() median {:.2} ms; {} ({requests} request(s)) first {:.1} ms, then median {:.1} ms",
            path.file_name().unwrap().to_string_lossy(),
            bytes.len() as f64 / (1 << 20) as f64,
            compile.as_secs_f64(),
            warm.as_secs_f64() * 1e3,
            median(describe).as_secs_f64() * 1e3,
            if vendor == "korona" {
                "fetch-catalog"
            } else {
                "validate-config"
            },
            first.as_secs_f64() * 1e3,
            median(calls).as_secs_f64() * 1e3,
        );
    }
}
