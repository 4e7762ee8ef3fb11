//! Crash safety: SIGKILL the server in the middle of a sync and in the middle of a push,
//! restart it, and show the run resumes and the push completes with nothing lost and
//! nothing duplicated upstream. The vendor (a second server's Korona simulator) lives
//! in its own process, so it outlives the crash.

use crate::on_both_databases;
use crate::support::{Backend, postgres_url};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn spawn(args: &[&str], env: &[(&str, &str)], cwd: &std::path::Path) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_beep"));
    cmd.args(args).current_dir(cwd).env(
        "BEEP_CACHE_DIR",
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("beep-cache"),
    );
    for (k, v) in env {
        cmd.env(k, v);
    }
    Proc(cmd.spawn().unwrap())
}

pub(crate) async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if http
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not come up");
}

/// A GROW merchant made with `beep merchant create`: the one JSON object it prints.
pub(crate) fn create_merchant(db: &str, name: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_beep"))
        .args([
            "merchant", "create", "--name", name, "--plan", "GROW", "--db", db,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

async fn database(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("crash.db").display()),
        Backend::Postgres => {
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let admin = postgres_url();
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap();
            sqlx::Executor::execute(&mut conn, format!("CREATE SCHEMA {schema}").as_str())
                .await
                .unwrap();
            let sep = if admin.contains('?') { '&' } else { '?' };
            format!("{admin}{sep}options=-c%20search_path%3D{schema}")
        }
    }
}

async fn crash_mid_sync_and_mid_push(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();

    // The vendor: another server whose simulators stay up throughout.
    let (vendor_port, vendor_sandbox) = (free_port(), free_port());
    let vendor_db = format!("sqlite://{}", dir.path().join("vendor.db").display());
    let _vendor = spawn(
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{vendor_port}"),
            "--db",
            &vendor_db,
            "--sandbox-listen",
            &format!("127.0.0.1:{vendor_sandbox}"),
        ],
        &[],
        dir.path(),
    );
    wait_healthy(&http, &format!("http://127.0.0.1:{vendor_port}")).await;
    let korona = format!("http://127.0.0.1:{vendor_sandbox}/korona/web/api/v3");
    // Pushes go to the demo account (its products exist for the receipts' lines).
    let hooks = format!("http://127.0.0.1:{vendor_sandbox}/korona/_sim/accounts/demo");

    let db = database(backend, dir.path()).await;
    let key = create_merchant(&db, "Crash")["testKey"]
        .as_str()
        .unwrap()
        .to_string();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let master = beep_host::crypto::generate_key();
    let sandbox_flag = format!("korona={korona}");
    let listen = format!("127.0.0.1:{port}");
    let server_args = [
        "serve",
        "--listen",
        &listen,
        "--db",
        &db,
        "--sandbox-url",
        &sandbox_flag,
    ];
    // The test records hundreds of sales quickly: lift the per-key rate limit.
    let env = [
        ("BEEP_MASTER_KEY", master.as_str()),
        ("BEEP_SYNC_STALE_MS", "1000"),
        ("BEEP_OUTBOX_LEASE_MS", "1000"),
        ("BEEP_RATE_LIMIT", "100000"),
    ];
    let mut server = spawn(&server_args, &env, dir.path());
    wait_healthy(&http, &base).await;

    let post = |path: &'static str, body: Value| {
        let (http, base, key) = (http.clone(), base.clone(), key.clone());
        async move {
            let resp = http
                .post(format!("{base}{path}"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await?;
            let status = resp.status();
            Ok::<_, reqwest::Error>((status, resp.json::<Value>().await.unwrap_or(Value::Null)))
        }
    };
    let (_, store) = post("/api/v1/stores", json!({"name": "s"})).await.unwrap();
    let store = store["storeId"].as_str().unwrap().to_string();
    let credentials = json!({"accountId": "gen-50000", "username": "beep", "password": "sandbox",
        "pointOfSaleId": beep_sandbox::korona::POINT_OF_SALE_ID, "couplingId": beep_sandbox::korona::COUPLING_ID});
    let sync_body = json!({"system": "korona", "storeId": store, "credentials": credentials});

    // --- kill in the middle of a sync -------------------------------------------------
    let sync = tokio::spawn(post("/api/v1/syncPOS", sync_body.clone()));
    let runs_url = format!("{base}/api/v1/syncRuns?storeId={store}");
    let run_id = loop {
        let runs: Value = http
            .get(&runs_url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let first = runs["syncRuns"].as_array().and_then(|r| r.first());
        if let Some(run) = first.filter(|run| run["pages"].as_i64().unwrap_or(0) >= 2) {
            assert_eq!(run["status"], "running", "killed mid-run: {run}");
            break run["syncRunId"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    assert!(
        sync.await.unwrap().is_err(),
        "the request died with the server"
    );

    let mut server = spawn(&server_args, &env, dir.path());
    wait_healthy(&http, &base).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = post("/api/v1/syncPOS", sync_body.clone()).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["syncRunId"],
        run_id.as_str(),
        "the interrupted run resumed"
    );
    assert_eq!(body["resumed"], true);
    assert_eq!(
        body["synced"]["products"], 50000,
        "each page counted once: {body}"
    );
    let products: Value = http
        .get(format!("{base}/api/v1/products?storeId={store}&limit=1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(products["total"], 50000);

    // --- kill in the middle of a push -------------------------------------------------
    const SALES: usize = 250;
    for n in 0..SALES {
        let sale = json!({"storeId": store, "receiptNumber": format!("C-{n}"), "currency": "EUR",
            "lines": [{"sku": "1001", "name": "Demo product", "quantity": 1, "unitPrice": 100}]});
        let (status, body) = post("/api/v1/sales", sale).await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let mut demo = credentials.clone();
    demo["accountId"] = json!("demo");
    let push_body = json!({"system": "korona", "storeId": store, "credentials": demo});
    let push = tokio::spawn(post("/api/v1/pushToPOS", push_body.clone()));
    let mut received_at_kill = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && !push.is_finished() {
        received_at_kill = http
            .get(format!("{hooks}/receipts"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .map_or(0, |a| a.len());
        if received_at_kill > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let _ = push.await;

    let _server = spawn(&server_args, &env, dir.path());
    wait_healthy(&http, &base).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = post("/api/v1/pushToPOS", push_body.clone()).await.unwrap();
    assert_eq!(
        status,
        StatusCode::OK,
        "{body} (received before the kill: {received_at_kill})"
    );
    let (status, body) = post("/api/v1/pushToPOS", push_body).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pushed"]["sales"], 0, "nothing left to send");

    let receipts: Value = http
        .get(format!("{hooks}/receipts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let receipts = receipts.as_array().unwrap();
    assert_eq!(
        receipts.len(),
        SALES,
        "every sale arrived exactly once (received {received_at_kill} before the kill)"
    );
    let mut ids: Vec<&str> = receipts.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), SALES, "no receipt twice");
    let sales: Value = http
        .get(format!("{base}/api/v1/sales?storeId={store}&limit=1000"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        sales["sales"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["deliveries"][0]["status"] == "sent"),
        "all delivered"
    );
}

on_both_databases!(crash_mid_sync_and_mid_push);
