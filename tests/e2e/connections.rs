//! Connections set up once, jobs, schedules and workers: credentials checked with the
//! vendor and kept sealed, seed endpoints by connectionId, `?async=true`, scheduled
//! syncs and pushes, pause/resume, repeated refusals disabling a connection, pending
//! payments re-checked until final or bounded.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn setup(backend: Backend) -> (Server, Merchant, String, String, Value) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, credentials) = server.sandbox(&m, "korona").await;
    (server, m, store, base, credentials)
}

fn hooks(base: &str) -> String {
    format!(
        "{}/_sim/accounts/demo",
        base.trim_end_matches("/web/api/v3")
    )
}

async fn connect(server: &Server, m: &Merchant, body: Value) -> (StatusCode, Value) {
    server.post(&m.key, "/api/v1/connections", body).await
}

/// Polls `path` until `done` holds (or panics after 30 s with the last answer).
async fn until(server: &Server, m: &Merchant, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        let (status, body) = server.get(&m.key, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        if done(&body) {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never got there: {last}");
}

fn sale(receipt: &str, store: &str) -> Value {
    json!({
        "storeId": store, "receiptNumber": receipt, "currency": "EUR",
        "lines": [{"sku": "1001", "name": "Club-Mate 0.5l", "quantity": 1, "unitPrice": 189, "taxRateBps": 1900}],
        "payments": [{"method": "card", "amount": 189}]
    })
}

async fn a_connection_replaces_credentials_in_every_call(backend: Backend) {
    let (server, m, store, _, credentials) = setup(backend).await;
    let secret = credentials["password"].as_str().unwrap().to_string();

    // Wrong credentials: the vendor's refusal, nothing kept.
    let mut wrong = credentials.clone();
    wrong["password"] = json!("wrong");
    let (status, body) = connect(
        &server,
        &m,
        json!({"storeId": store, "kind": "pos", "system": "korona", "credentials": wrong}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "credentials_rejected");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("korona"),
        "{body}"
    );
    assert!(!body.to_string().contains("wrong"), "{body}");

    let (status, body) = connect(
        &server,
        &m,
        json!({"storeId": store, "kind": "pos", "system": "korona", "credentials": credentials}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["connectionId"].as_str().unwrap().to_string();
    assert_eq!(body["connection"]["credentialsStored"], true);
    assert_eq!(body["connection"]["status"], "active");
    assert!(
        !body.to_string().contains(&secret),
        "credentials are never echoed: {body}"
    );

    // One connection per store, kind and system.
    let (status, body) = connect(
        &server,
        &m,
        json!({"storeId": store, "kind": "pos", "system": "korona", "credentials": credentials}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "connection_exists");
    assert!(body["error"]["message"].as_str().unwrap().contains(&id));

    // The seed endpoint by connectionId answers exactly as with credentials.
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", json!({"connectionId": id}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["system"], "korona");
    assert_eq!(
        body["synced"],
        json!({"products": 42, "categories": 5, "priceUpdates": 8})
    );
    // Every sync is a job: this one ran in the request and is settled with its answer.
    let (_, jobs) = server
        .get(&m.key, &format!("/api/v1/jobs?connectionId={id}"))
        .await;
    let job = &jobs["jobs"][0];
    assert_eq!(job["operation"], "syncPOS");
    assert_eq!(job["state"], "succeeded");
    assert_eq!(job["statusCode"], 200);
    assert_eq!(job["result"]["syncRunId"], body["syncRunId"]);
    assert_eq!(job["progress"]["pages"], body["pages"]);

    // Listing and reading never show credentials; the stored ciphertext is not them.
    let (_, list) = server
        .get(&m.key, &format!("/api/v1/connections?storeId={store}"))
        .await;
    assert_eq!(list["connections"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["connections"][0]["lastJob"]["state"], "succeeded");
    assert!(!list.to_string().contains(&secret));
    let (_, found) = server
        .get(&m.key, &format!("/api/v1/connections/{id}"))
        .await;
    assert_eq!(found["connection"]["system"], "korona");
    let sealed: String = sqlx::query_scalar("SELECT credentials FROM connections WHERE id = $1")
        .bind(&id)
        .fetch_one(&server.app.db.pool)
        .await
        .unwrap();
    assert!(!sealed.contains(&secret), "credentials are sealed at rest");

    // Asynchronously: 202 with the job, which a worker runs.
    let (status, queued) = server
        .post(
            &m.key,
            "/api/v1/syncPOS?async=true",
            json!({"connectionId": id, "full": true}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    let job_id = queued["jobId"].as_str().unwrap();
    let done = until(&server, &m, &format!("/api/v1/jobs/{job_id}"), |j| {
        j["job"]["state"] == "succeeded"
    })
    .await;
    assert_eq!(done["job"]["result"]["full"], true, "{done}");
    assert_eq!(done["job"]["result"]["synced"]["products"], 42);
    // Prefer: respond-async does the same, here with the request's own credentials
    // (kept sealed only until the job settles).
    let (status, queued) = server
        .request(
            reqwest::Method::POST,
            Some(&m.key),
            "/api/v1/pushToPOS",
            Some(&json!({"system": "korona", "storeId": store, "credentials": credentials})),
            &[("Prefer", "respond-async")],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    let job_id = queued["jobId"].as_str().unwrap();
    let done = until(&server, &m, &format!("/api/v1/jobs/{job_id}"), |j| {
        j["job"]["state"] == "succeeded"
    })
    .await;
    assert_eq!(done["job"]["result"]["pushed"], json!({"sales": 0}));
    let payload: String = sqlx::query_scalar("SELECT payload FROM jobs WHERE id = $1")
        .bind(job_id)
        .fetch_one(&server.app.db.pool)
        .await
        .unwrap();
    assert!(
        !payload.contains("sealed"),
        "a settled job keeps no credentials: {payload}"
    );

    // Rotating to wrong credentials is refused and changes nothing.
    let (status, body) = server
        .request(
            reqwest::Method::PATCH,
            Some(&m.key),
            &format!("/api/v1/connections/{id}"),
            Some(&json!({"credentials": wrong})),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = server
        .post(&m.key, "/api/v1/syncPOS", json!({"connectionId": id}))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Deleted: gone, and its id unknown.
    let (status, _) = server
        .request(
            reqwest::Method::DELETE,
            Some(&m.key),
            &format!("/api/v1/connections/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = server
        .post(&m.key, "/api/v1/syncPOS", json!({"connectionId": id}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "unknown_connection");
}

async fn clear_failures(backend: Backend) {
    let server = Server::start_live(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let other = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (_, credentials) = server.sandbox(&m, "korona").await;
    let (status, body) = connect(
        &server,
        &m,
        json!({"storeId": store, "kind": "pos", "system": "korona", "credentials": credentials}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["connectionId"].as_str().unwrap().to_string();

    let cases = [
        (
            json!({"storeId": store, "kind": "erp", "system": "korona", "credentials": credentials}),
            StatusCode::BAD_REQUEST,
            "system_kind_mismatch",
        ),
        (
            json!({"storeId": store, "kind": "till", "system": "stripe", "credentials": {}}),
            StatusCode::BAD_REQUEST,
            "invalid_kind",
        ),
        (
            // A PSP connection's credentials are checked with the vendor too.
            json!({"storeId": store, "kind": "psp", "system": "stripe", "credentials": {}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "credentials_rejected",
        ),
        (
            json!({"storeId": store, "kind": "psp", "system": "korona", "credentials": {}}),
            StatusCode::BAD_REQUEST,
            "system_kind_mismatch",
        ),
        (
            json!({"storeId": store, "kind": "pos", "system": "nope", "credentials": {}}),
            StatusCode::NOT_FOUND,
            "unknown_system",
        ),
        (
            json!({"storeId": store, "kind": "pos", "system": "korona", "credentials": "x"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = connect(&server, &m, body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
    }

    // A live schedule below the floor names the field.
    let live_store = server.live_store(&m).await;
    let (status, body) = server
        .post(
            &m.live_key,
            "/api/v1/connections",
            json!({"storeId": live_store, "kind": "pos", "system": "korona",
                   "credentials": credentials, "schedule": {"syncEverySeconds": 10}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "schedule_too_short");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("schedule.syncEverySeconds"),
        "{body}"
    );

    // Unknown, another merchant's, and the other mode's: not there.
    for (key, path) in [
        (&m.key, "/api/v1/connections/conn_nope".to_string()),
        (&other.key, format!("/api/v1/connections/{id}")),
        (&m.live_key, format!("/api/v1/connections/{id}")),
    ] {
        let (status, body) = server.get(key, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"]["code"], "unknown_connection");
    }
    let (status, body) = server
        .post(&other.key, "/api/v1/syncPOS", json!({"connectionId": id}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // A POS connection does not run an ERP sync; credentials and a connection together
    // are ambiguous.
    let (status, body) = server
        .post(&m.key, "/api/v1/syncERP", json!({"connectionId": id}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "wrong_connection_kind");
    let (status, body) = server
        .post(
            &m.key,
            "/api/v1/syncPOS",
            json!({"connectionId": id, "credentials": credentials}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = server.get(&other.key, "/api/v1/jobs/job_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

fn fast_schedules(s: &mut beep_host::app::Settings) {
    s.disable_after_config_failures = 2;
}

async fn schedules_sync_push_pause_and_disable(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            tune: Some(fast_schedules),
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, credentials) = server.sandbox(&m, "korona").await;
    for n in 1..=2 {
        let (status, body) = server
            .post(&m.key, "/api/v1/sales", sale(&format!("S-{n}"), &store))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = connect(
        &server,
        &m,
        json!({"storeId": store, "kind": "pos", "system": "korona", "credentials": credentials,
               "schedule": {"syncEverySeconds": 1, "pushEverySeconds": 1}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["connectionId"].as_str().unwrap().to_string();

    // Nobody POSTs: the schedule syncs the catalogue and pushes the sales.
    until(
        &server,
        &m,
        &format!("/api/v1/products?storeId={store}"),
        |p| p["total"] == 42,
    )
    .await;
    until(
        &server,
        &m,
        &format!("/api/v1/sales?storeId={store}"),
        |s| {
            s["sales"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["deliveries"][0]["status"] == "sent")
        },
    )
    .await;
    let receipts = server.sim_get(&format!("{}/receipts", hooks(&base))).await;
    assert_eq!(
        receipts.as_array().unwrap().len(),
        2,
        "each sale once: {receipts}"
    );
    // Runs keep coming, one at a time per operation.
    let jobs = until(
        &server,
        &m,
        &format!("/api/v1/jobs?connectionId={id}"),
        |j| {
            j["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|j| j["operation"] == "syncPOS" && j["state"] == "succeeded")
                .count()
                >= 2
        },
    )
    .await;
    let open = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| {
            j["operation"] == "syncPOS" && (j["state"] == "queued" || j["state"] == "running")
        })
        .count();
    assert!(open <= 1, "{jobs}");

    // Paused: no new jobs.
    let patch = |body: Value| {
        let path = format!("/api/v1/connections/{id}");
        let server = &server;
        let key = m.key.clone();
        async move {
            server
                .request(reqwest::Method::PATCH, Some(&key), &path, Some(&body), &[])
                .await
        }
    };
    let (status, body) = patch(json!({"paused": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["connection"]["status"], "paused");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let count = |j: &Value| j["jobs"].as_array().unwrap().len();
    let (_, before) = server
        .get(&m.key, &format!("/api/v1/jobs?connectionId={id}"))
        .await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let (_, after) = server
        .get(&m.key, &format!("/api/v1/jobs?connectionId={id}"))
        .await;
    assert_eq!(
        count(&before),
        count(&after),
        "a paused connection makes no jobs"
    );

    // The vendor refuses the credentials from now on: after two refused runs the
    // connection is disabled and says why; resuming re-enables it.
    server
        .sim_post(
            &format!("{}/fail", hooks(&base)),
            json!({"status": 401, "times": 1000}),
        )
        .await;
    let (status, _) = patch(json!({"paused": false, "schedule": {"syncEverySeconds": 1}})).await;
    assert_eq!(status, StatusCode::OK);
    let disabled = until(&server, &m, &format!("/api/v1/connections/{id}"), |c| {
        c["connection"]["status"] == "disabled"
    })
    .await;
    let reason = disabled["connection"]["disabledReason"].as_str().unwrap();
    assert!(reason.contains("2 runs in a row"), "{reason}");
    assert_eq!(disabled["connection"]["lastJob"]["state"], "failed");
    server
        .sim_post(
            &format!("{}/fail", hooks(&base)),
            json!({"status": 401, "times": 0}),
        )
        .await;
    let (status, body) = patch(json!({"paused": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["connection"]["status"], "active");
}

fn quick_payment_checks(s: &mut beep_host::app::Settings) {
    s.payment_check_base_ms = 100;
    s.payment_checks = 4;
}

async fn pending_payments_are_rechecked(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            tune: Some(quick_payment_checks),
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    server.configure_sandbox_psp(&m, &store, "stripe").await;
    let (base, _) = server.sandbox(&m, "stripe").await;
    let pay = |idem: &'static str| {
        let server = &server;
        let key = m.key.clone();
        let store = store.clone();
        async move {
            server
                .post_idem(
                    &key,
                    "/api/v1/processPayment",
                    idem,
                    json!({"storeId": store, "amount": 700, "currency": "EUR", "reference": idem,
                           "paymentMethod": "pm_card_threeDSecure2Required",
                           "returnUrl": "https://shop.example/return"}),
                )
                .await
        }
    };
    // Authenticated at the vendor, no webhook: the re-check finds it succeeded.
    let (status, body) = pay("recheck-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requires_action");
    let payment = body["paymentId"].as_str().unwrap().to_string();
    let intent = body["providerReference"].as_str().unwrap();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/_sim/authenticate/{intent}"))
        .send()
        .await
        .unwrap();
    until(&server, &m, &format!("/api/v1/payments/{payment}"), |p| {
        p["payment"]["status"] == "succeeded"
    })
    .await;

    // Never authenticated: after the bound of checks it ends failed, saying why.
    let (_, body) = pay("recheck-2").await;
    let payment = body["paymentId"].as_str().unwrap().to_string();
    let ended = until(&server, &m, &format!("/api/v1/payments/{payment}"), |p| {
        p["payment"]["status"] == "failed"
    })
    .await;
    assert_eq!(
        ended["payment"]["failureCode"], "pending_expired",
        "{ended}"
    );
    let (_, jobs) = server
        .get(&m.key, &format!("/api/v1/jobs?storeId={store}"))
        .await;
    let checks: Vec<&Value> = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["operation"] == "checkPayment")
        .collect();
    assert_eq!(checks.len(), 2, "one job per payment: {jobs}");
    assert!(checks.iter().all(|j| j["state"] == "succeeded"), "{jobs}");
}

/// Replicas share one database: one started with another master key (its own Test
/// Mode key file, say) refuses to start, naming the keys, instead of answering 500 to
/// every call that opens another replica's secrets.
async fn a_replica_without_the_key_refuses_to_start(backend: Backend) {
    let first = Server::start(backend).await;
    let m = first.merchant(Plan::Grow).await;
    let store = first.store(&m).await;
    first.configure_sandbox_psp(&m, &store, "stripe").await;
    let theirs = first.app.sealer.current_key_id().to_string();
    let settings = |key: String, retired: Vec<String>| {
        let mut s = beep_host::app::Settings::for_db(&first.db_url);
        s.master_key = Some(key);
        s.retired_keys = retired;
        s.workers = 0;
        s.cache_dir =
            Some(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("beep-cache"));
        s
    };
    let other_key = beep_host::crypto::generate_key();
    let refused = beep_host::app::App::start(settings(other_key.clone(), vec![]))
        .await
        .err()
        .expect("a replica without the key does not start")
        .to_string();
    assert!(refused.contains(&theirs), "{refused}");
    assert!(refused.contains("BEEP_MASTER_KEY"), "{refused}");
    // With the first replica's key it starts.
    let key_file = std::fs::read_to_string(first.key_file()).unwrap();
    assert!(
        beep_host::app::App::start(settings(key_file.trim().to_string(), vec![]))
            .await
            .is_ok()
    );
}

on_both_databases!(
    a_replica_without_the_key_refuses_to_start,
    a_connection_replaces_credentials_in_every_call,
    clear_failures,
    schedules_sync_push_pause_and_disable,
    pending_payments_are_rechecked,
);
