//! Benchmarks (not tests): `cargo bench -p beep-host --bench runtime`.
//!
//! Prints: the cost of one connector call (fresh instance from the pool plus a trivial
//! export), and syncPOS throughput from the Korona simulator into SQLite for 10,000
//! and 100,000 products. Goals are in DESIGN.md §7.

use beep_host::app::{App, Settings};
use beep_host::db::merchants::{self, Plan};
use beep_host::runtime::grant::Grant;
use beep_host::runtime::{Budgets, CallContext, Runtime};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn call_cost() {
    let runtime = Runtime::new(None).unwrap();
    let bytes =
        std::fs::read(PathBuf::from(env!("BEEP_WASM_DIR")).join("component_noop.wasm")).unwrap();
    let connector = runtime.load(&bytes).await.unwrap();
    let ctx = CallContext {
        grant: Grant::deny_all(),
        budgets: Budgets::default(),
    };
    for _ in 0..200 {
        runtime
            .fetch_catalog(&connector, &ctx, "{}", None)
            .await
            .0
            .unwrap();
    }
    let mut samples = Vec::with_capacity(5000);
    for _ in 0..5000 {
        let started = Instant::now();
        runtime
            .fetch_catalog(&connector, &ctx, "{}", None)
            .await
            .0
            .unwrap();
        samples.push(started.elapsed());
    }
    samples.sort();
    println!(
        "connector call (fresh instance + trivial export): median {:.1} µs, p99 {:.1} µs  [goal: median ≤ 10 µs]",
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6
    );
}

async fn sync_throughput(products: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_db(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    settings.master_key_file = Some(dir.path().join("key"));
    settings.cache_dir = Some(dir.path().join("cache"));
    let app = App::start(settings).await.unwrap();
    let m = merchants::create(&app.db, "Bench", Plan::Prime)
        .await
        .unwrap();
    let caller = merchants::authenticate(&app.db, &m.test_key)
        .await
        .unwrap()
        .unwrap();
    let store = merchants::create_store(&app.db, &caller, "Bench")
        .await
        .unwrap();
    let mut credentials = (beep_sandbox::VENDORS[0].credentials)();
    credentials["accountId"] = serde_json::json!(format!("gen-{products}"));
    // Warm the simulator's generated account so its one-off build is not measured.
    let _ = beep_host::sync::sync_pos(
        &app,
        &caller,
        beep_host::sync::SyncRequest {
            job_id: None,
            store_id: "warm-up",
            system: "korona",
            connector_id: None,
            credentials: &credentials,
            full: true,
        },
    )
    .await;
    let started = Instant::now();
    let summary = beep_host::sync::sync_pos(
        &app,
        &caller,
        beep_host::sync::SyncRequest {
            job_id: None,
            store_id: &store.store_id,
            system: "korona",
            connector_id: None,
            credentials: &credentials,
            full: true,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("sync failed: {e:?}"));
    let elapsed = started.elapsed();
    let synced = summary.synced["products"].as_i64().unwrap();
    assert_eq!(synced as usize, products);
    println!(
        "syncPOS korona → SQLite: {products} products in {:.2} s = {:.0} products/s ({} pages)  [goal: ≥ 100,000/s]",
        elapsed.as_secs_f64(),
        products as f64 / elapsed.as_secs_f64(),
        summary.pages
    );
}

/// processPayment through the HTTP API at 64 concurrent requests, against the same
/// requests sent straight to the Stripe simulator: the difference is what BEEP! adds
/// (auth, idempotency records, the component call, the audit, the database).
async fn payment_overhead() {
    const N: usize = 2000;
    const CONCURRENCY: usize = 64;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_db(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    settings.master_key_file = Some(dir.path().join("key"));
    settings.cache_dir = Some(dir.path().join("cache"));
    // A load test, not an abuse case: lift the per-key rate limit.
    settings.rate_limit = beep_host::ratelimit::Limit {
        per_second: 1e9,
        burst: 1e9,
    };
    let app = App::start(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(beep_host::serve(app.clone(), listener));
    let m = merchants::create(&app.db, "Bench", Plan::Prime)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let store: serde_json::Value = http
        .post(format!("{url}/api/v1/stores"))
        .bearer_auth(&m.test_key)
        .json(&serde_json::json!({"name": "b"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let store = store["storeId"].as_str().unwrap().to_string();
    // The merchant's own Stripe simulator, the one its payments reach.
    let stripe = app.sandbox.url_for("stripe", Some(&m.merchant_id)).unwrap();
    let config = beep_sandbox::stripe::sandbox_credentials();
    let r = http
        .post(format!("{url}/api/v1/configurePSP"))
        .bearer_auth(&m.test_key)
        .json(&serde_json::json!({"provider": "stripe", "storeId": store, "config": config}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let secret = config["secretKey"].as_str().unwrap().to_string();

    async fn measure<F, Fut>(n: usize, concurrency: usize, one: F) -> Vec<Duration>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = ()>,
    {
        use futures::StreamExt;
        let mut samples: Vec<Duration> = futures::stream::iter(0..n)
            .map(|i| {
                let fut = one(i);
                async move {
                    let started = Instant::now();
                    fut.await;
                    started.elapsed()
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        samples.sort();
        samples
    }
    let api = measure(N, CONCURRENCY, |i| {
        let (http, url, key, store) = (http.clone(), url.clone(), m.test_key.clone(), store.clone());
        async move {
            let body = serde_json::json!({"storeId": store, "amount": 1000 + i, "currency": "EUR", "reference": format!("o-{i}"), "paymentMethod": "pm_card_visa"});
            let r = http.post(format!("{url}/api/v1/processPayment")).bearer_auth(key).header("Idempotency-Key", format!("bench-{i}")).json(&body).send().await.unwrap();
            assert!(r.status().is_success(), "{}", r.status());
        }
    })
    .await;
    let direct = measure(N, CONCURRENCY, |i| {
        let (http, stripe, secret) = (http.clone(), stripe.clone(), secret.clone());
        async move {
            let form = [
                ("amount", (1000 + i).to_string()),
                ("currency", "eur".into()),
                ("payment_method", "pm_card_visa".into()),
                ("confirm", "true".into()),
                ("automatic_payment_methods[enabled]", "true".into()),
                ("automatic_payment_methods[allow_redirects]", "never".into()),
            ];
            let r = http
                .post(format!("{stripe}/v1/payment_intents"))
                .bearer_auth(secret)
                .header("Idempotency-Key", format!("direct-{i}"))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.status());
        }
    })
    .await;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "processPayment at {CONCURRENCY} concurrent ({N} payments): p50 {:.2} ms, p99 {:.2} ms; the simulator alone: p50 {:.2} ms, p99 {:.2} ms; added by BEEP!: p50 {:.2} ms, p99 {:.2} ms  [goal: p99 ≤ 1 ms added]",
        ms(percentile(&api, 0.5)),
        ms(percentile(&api, 0.99)),
        ms(percentile(&direct, 0.5)),
        ms(percentile(&direct, 0.99)),
        ms(percentile(&api, 0.5)) - ms(percentile(&direct, 0.5)),
        ms(percentile(&api, 0.99)) - ms(percentile(&direct, 0.99)),
    );
}

/// syncERP of an inventory of `items` parts from the sevdesk simulator into SQLite.
async fn erp_throughput(items: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_db(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    settings.master_key_file = Some(dir.path().join("key"));
    settings.cache_dir = Some(dir.path().join("cache"));
    let app = App::start(settings).await.unwrap();
    let m = merchants::create(&app.db, "Bench", Plan::Prime)
        .await
        .unwrap();
    let caller = merchants::authenticate(&app.db, &m.test_key)
        .await
        .unwrap()
        .unwrap();
    let store = merchants::create_store(&app.db, &caller, "Bench")
        .await
        .unwrap();
    let mut credentials = beep_sandbox::sevdesk::sandbox_credentials();
    credentials["apiToken"] = serde_json::json!(format!("gen-{items}"));
    let request = |store_id| beep_host::sync::SyncRequest {
        job_id: None,
        store_id,
        system: "sevdesk",
        connector_id: None,
        credentials: &credentials,
        full: true,
    };
    // Warm the simulator's generated account so its one-off build is not measured.
    let _ = beep_host::sync::sync_erp(&app, &caller, request("warm-up")).await;
    let started = Instant::now();
    let summary = beep_host::sync::sync_erp(&app, &caller, request(&store.store_id))
        .await
        .unwrap_or_else(|e| panic!("sync failed: {e:?}"));
    let elapsed = started.elapsed();
    let synced = summary.synced["inventory"].as_i64().unwrap();
    println!(
        "syncERP sevdesk → SQLite: {synced} stock levels in {:.2} s = {:.0} items/s ({} pages)",
        elapsed.as_secs_f64(),
        synced as f64 / elapsed.as_secs_f64(),
        summary.pages
    );
}

/// A fresh PostgreSQL schema (CI's database) for the queue figures.
async fn postgres_schema() -> String {
    let admin = std::env::var("BEEP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::Executor::execute(&mut conn, format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let sep = if admin.contains('?') { '&' } else { '?' };
    format!("{admin}{sep}options=-c%20search_path%3D{schema}")
}

/// Jobs claimed per second by `replicas` in-process replicas (two workers each) on one
/// PostgreSQL database, the time from a job's due moment to its start when jobs arrive
/// one by one from elsewhere (no local wake-up: the poll interval bounds it), and the
/// time from an event to its delivery.
async fn queue_figures(replicas: usize) {
    let db_url = postgres_schema().await;
    let dir = tempfile::tempdir().unwrap();
    let key = beep_host::crypto::generate_key();
    let mut apps = Vec::new();
    for _ in 0..replicas {
        let mut settings = Settings::for_db(&db_url);
        settings.master_key = Some(key.clone());
        settings.cache_dir = Some(dir.path().join("cache"));
        settings.workers = 2;
        let app = App::start(settings).await.unwrap();
        beep_host::jobs::worker::start(&app);
        beep_host::events::deliver::start(&app);
        apps.push(app);
    }
    let app = &apps[0];
    let m = merchants::create(&app.db, "Bench", Plan::Grow)
        .await
        .unwrap();
    let caller = merchants::authenticate(&app.db, &m.test_key)
        .await
        .unwrap()
        .unwrap();
    let store = merchants::create_store(&app.db, &caller, "Bench")
        .await
        .unwrap();
    let job = |due_at| beep_host::db::jobs::NewJob {
        caller: &caller,
        store_id: &store.store_id,
        connection_id: None,
        kind: "sync",
        // Not an operation: a worker claims it and settles it at once, so what is
        // measured is the queue (claim, lease, settle), not a connector.
        operation: "bench",
        payload: "{}".into(),
        due_at,
        held_by: None,
    };
    let count = |state: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM jobs WHERE state = $1")
                .bind(state)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // Throughput: a queue of 3,000 due jobs.
    let n = 3_000;
    let now = beep_host::db::now_ms();
    let mut tx = app.db.pool.begin().await.unwrap();
    for _ in 0..n {
        beep_host::db::jobs::insert(&mut *tx, &beep_host::db::jobs::new_job_id(), &job(now))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let started = Instant::now();
    for a in &apps {
        a.wake_workers.notify_waiters();
    }
    while count("failed").await < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    // Latency: jobs arriving one at a time, each due when written.
    for _ in 0..200 {
        beep_host::db::jobs::insert(
            &app.db.pool,
            &beep_host::db::jobs::new_job_id(),
            &job(beep_host::db::now_ms()),
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    while count("failed").await < n + 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut waits: Vec<i64> = sqlx::query_scalar(
        "SELECT started_at - due_at FROM jobs ORDER BY created_at DESC LIMIT 200",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    waits.sort();
    // Events: one every 15 ms to a loopback endpoint.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let app = axum::Router::new().route("/events", axum::routing::post(|| async { "ok" }));
        axum::serve(listener, app).await
    });
    beep_host::db::events::add_endpoint(
        &app.db,
        &caller,
        "we_bench",
        &url,
        &["*".into()],
        &app.sealer.seal(b"whsec_bench", "event-endpoint:we_bench"),
    )
    .await
    .unwrap();
    for n in 0..200 {
        beep_host::events::emit(
            app,
            &caller.merchant_id,
            caller.mode,
            "sync.completed",
            serde_json::json!({"n": n}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let mut delivered: Vec<i64> = Vec::new();
    for _ in 0..600 {
        delivered = sqlx::query_scalar(
            "SELECT d.delivered_at - e.created_at FROM event_deliveries d JOIN events e ON e.id = d.event_id WHERE d.state = 'delivered'",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        if delivered.len() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    delivered.sort();
    let p = |v: &[i64], q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "job queue, {replicas} replica(s) × 2 workers on PostgreSQL: {rate:.0} jobs/s claimed and settled; due → start p50 {} ms, p99 {} ms (jobs from elsewhere: bounded by the 250 ms poll); event → delivered p50 {} ms, p99 {} ms ({} of 200)",
        p(&waits, 0.5),
        p(&waits, 0.99),
        p(&delivered, 0.5),
        p(&delivered, 0.99),
        delivered.len()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing and we
    // must not spend a minute there.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // `cargo bench -p beep-host --bench runtime -- call` runs only the matching parts.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    rt.block_on(async {
        if wanted("call") {
            call_cost().await;
        }
        if wanted("payment") {
            payment_overhead().await;
        }
        if wanted("sync") {
            sync_throughput(10_000).await;
            sync_throughput(100_000).await;
        }
        if wanted("erp") {
            erp_throughput(100_000).await;
        }
        if wanted("queue") {
            queue_figures(1).await;
            queue_figures(3).await;
        }
    });
}
