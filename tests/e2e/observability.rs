//! What an on-call engineer reads: a connector's own log lines per sync run and per
//! payment through the API (another merchant is refused), and `/metrics` with
//! request latency, error answers by code and the job queue's depth and age.

use crate::on_both_databases;
use crate::support::psp::{PspStore, psp};
use crate::support::system::Sync;
use crate::support::{Backend, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn messages(page: &Value) -> Vec<String> {
    page["logs"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|l| format!("{} {} {}", l["operation"], l["level"], l["message"]))
        .collect()
}

async fn connector_logs_are_read_back_per_run_and_per_payment(backend: Backend) {
    let shop = PspStore::start_as(backend, psp("stripe"), Options::default(), Plan::Grow).await;
    let (server, m, store) = (&shop.server, &shop.m, &shop.store);

    // lexoffice has no stock levels and says so in its log while syncing.
    let (_, credentials) = server.sandbox(m, "lexoffice").await;
    let (status, run) = Sync::erp("lexoffice")
        .sync(server, m, store, &credentials, true)
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let run_id = run["syncRunId"].as_str().unwrap();
    let path = format!("/api/v1/syncRuns/{run_id}/logs");
    let (status, page) = server.get(&m.key, &path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let lines = messages(&page);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"warn\"") && l.contains("lexoffice keeps no stock levels")),
        "{lines:?}"
    );
    assert!(
        page["logs"][0]["connector"]
            .as_str()
            .unwrap()
            .contains("lexoffice"),
        "{page}"
    );
    assert!(
        !page
            .to_string()
            .contains(credentials["apiKey"].as_str().unwrap())
    );

    // Stripe notes its Request-Id for the payment and for its refund.
    let paid = shop
        .paid("obs-pay-1", shop.order(1250, "EUR", "pm_card_visa"))
        .await;
    let payment = paid["paymentId"].as_str().unwrap();
    let (status, refunded) = shop.refund("obs-refund-1", payment, 250).await;
    assert_eq!(status, StatusCode::OK, "{refunded}");
    let path = format!("/api/v1/payments/{payment}/logs");
    let (status, page) = server.get(&m.key, &path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let lines = messages(&page);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("\"create-payment\" \"info\" \"Stripe create payment: request req_")
            && lines[0].ends_with("answered 200\""),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("\"refund-payment\" \"info\" \"Stripe refund: request req_"),
        "{lines:?}"
    );

    // Page by page: one line, then the next after it, then nothing.
    let (_, first) = server.get(&m.key, &format!("{path}?limit=1")).await;
    assert_eq!(messages(&first), lines[..1]);
    let after = first["nextAfter"].as_i64().expect("a next page");
    let (_, second) = server
        .get(&m.key, &format!("{path}?limit=1&after={after}"))
        .await;
    assert_eq!(messages(&second), lines[1..]);
    let after = second["nextAfter"].as_i64().unwrap();
    let (_, rest) = server.get(&m.key, &format!("{path}?after={after}")).await;
    assert_eq!(messages(&rest), Vec::<String>::new());
    assert!(rest.get("nextAfter").is_none(), "{rest}");

    // Another merchant reads neither (refused as for every other read of that store).
    let other = server.merchant(Plan::Grow).await;
    for path in [
        format!("/api/v1/syncRuns/{run_id}/logs"),
        format!("/api/v1/payments/{payment}/logs"),
    ] {
        let (status, body) = server.get(&other.key, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(body["error"]["code"], "store_forbidden");
        assert!(body.get("logs").is_none(), "{body}");
    }
    let (status, body) = server.get(&m.key, "/api/v1/payments/nope/logs").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "unknown_payment");
}

/// A metric's value on the exposition line that starts with `series`.
fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{metrics}"))
}

async fn metrics_show_latency_error_codes_and_the_queue(backend: Backend) {
    // No workers: a queued job stays queued, as when every worker is busy.
    let server = Server::start_with(
        backend,
        Options {
            tune: Some(|s| s.workers = 0),
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (_, credentials) = server.sandbox(&m, "korona").await;

    let (status, refused) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"system": "korona", "storeId": "no-such-store", "credentials": credentials}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{refused}");
    let code = refused["error"]["code"].as_str().unwrap();

    let (status, queued) = server
        .post(
            &m.key,
            "/api/v1/syncPOS?async=true",
            json!({"system": "korona", "storeId": store, "credentials": credentials}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let metrics = server.metrics().await;
    assert_eq!(
        value(
            &metrics,
            &format!("beep_http_errors_total{{route=\"/api/v1/syncPOS\",code=\"{code}\"}}")
        ),
        1.0
    );
    assert_eq!(
        value(
            &metrics,
            "beep_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/syncPOS\"}"
        ),
        2.0
    );
    assert!(
        value(
            &metrics,
            "beep_http_request_duration_seconds_sum{method=\"POST\",route=\"/api/v1/syncPOS\"}"
        ) > 0.0
    );
    assert_eq!(
        value(&metrics, "beep_jobs_waiting{operation=\"syncPOS\"}"),
        1.0
    );
    let waited = value(
        &metrics,
        "beep_jobs_oldest_wait_seconds{operation=\"syncPOS\"}",
    );
    assert!((1.0..600.0).contains(&waited), "{waited}");
    // No ids in any label: the store and the job are nowhere in the exposition.
    assert!(!metrics.contains(&store));
    assert!(!metrics.contains(queued["jobId"].as_str().unwrap()));
}

on_both_databases!(
    connector_logs_are_read_back_per_run_and_per_payment,
    metrics_show_latency_error_codes_and_the_queue,
);
