//! What one client or merchant may hold of the server (security review, findings 6, 8
//! and 9, and key rotation): slow clients are cut off, unknown keys are refused per
//! address before the database is asked, a merchant's concurrent connector calls are
//! capped, and a key can be rotated. Each while a bystander keeps being served.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Options, Server, wasm};
use beep_host::db::merchants::Plan;
use beep_host::listener::Limits;
use beep_host::runtime::Budgets;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn limits() -> Limits {
    Limits {
        max_connections: 4000,
        header_timeout: Duration::from_secs(1),
        body_idle_timeout: Duration::from_secs(1),
        body_deadline: Duration::from_secs(3),
    }
}

async fn bystander_reads(server: &Server, m: &Merchant, store: &str, n: usize) -> Vec<Duration> {
    let mut seen = Vec::new();
    for _ in 0..n {
        let started = Instant::now();
        let (status, body) = server
            .get(&m.key, &format!("/api/v1/products?storeId={store}&limit=5"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    seen.sort();
    seen
}

/// Reads until the server closes the connection; answers how long that took.
async fn until_closed(mut stream: tokio::net::TcpStream) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => return Duration::from_secs(20),
        }
    }
}

async fn slow_clients_are_cut_off(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            listener: Some(limits()),
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let address = server.url.trim_start_matches("http://").to_string();

    // 2,000 connections that send half a request's headers and then nothing.
    let mut slow = Vec::new();
    for i in 0..2000 {
        let Ok(mut stream) = tokio::net::TcpStream::connect(&address).await else {
            continue;
        };
        let _ = stream
            .write_all(format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow-{i}: ").as_bytes())
            .await;
        slow.push(stream);
    }
    // A 65 MiB upload that stops after its first kilobyte.
    let mut upload = tokio::net::TcpStream::connect(&address).await.unwrap();
    upload
        .write_all(
            format!(
                "POST /api/v1/connectors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n--b\r\n",
                m.key,
                65 << 20
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    upload.write_all(&[b'x'; 1024]).await.unwrap();

    // The bystander is served all the while; the slow ones are cut after the header
    // timeout, the stalled upload after the body's idle timeout.
    let reads = bystander_reads(&server, &m, &store, 50).await;
    let closes = futures::future::join_all(slow.into_iter().map(until_closed)).await;
    let upload_closed = until_closed(upload).await;
    let worst = closes.iter().max().copied().unwrap();
    println!(
        "slow clients ({backend:?}): {} half-sent headers, all closed within {:.0} ms; stalled upload closed after {:.0} ms more; bystander p50 {:.1} ms, max {:.1} ms",
        closes.len(),
        worst.as_secs_f64() * 1e3,
        upload_closed.as_secs_f64() * 1e3,
        reads[reads.len() / 2].as_secs_f64() * 1e3,
        reads.last().unwrap().as_secs_f64() * 1e3,
    );
    assert_eq!(closes.len(), 2000);
    // The header timeout is 1 s; the reads above took at least a second already.
    assert!(
        worst < Duration::from_secs(5),
        "a slow client held on {worst:?}"
    );
    assert!(
        upload_closed < Duration::from_secs(5),
        "the stalled upload held on {upload_closed:?}"
    );
    assert!(
        *reads.last().unwrap() < Duration::from_secs(1),
        "the bystander waited {:?}",
        reads.last().unwrap()
    );
    // And the server still answers.
    let (status, _) = server.get(&m.key, "/api/v1/stores").await;
    assert_eq!(status, StatusCode::OK);

    // Over the connection cap, a connection is closed as it arrives.
    let capped = Server::start_with(
        backend,
        Options {
            listener: Some(Limits {
                max_connections: 5,
                header_timeout: Duration::from_secs(3),
                ..limits()
            }),
            ..Default::default()
        },
    )
    .await;
    let address = capped.url.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..5 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let extra = tokio::net::TcpStream::connect(&address).await.unwrap();
    let refused = until_closed(extra).await;
    assert!(
        refused < Duration::from_secs(1),
        "over the cap, held {refused:?}"
    );
    let closes = futures::future::join_all(held.into_iter().map(until_closed)).await;
    assert!(
        closes.iter().all(|c| *c > Duration::from_secs(1)),
        "{closes:?}"
    );
}

async fn unknown_keys_are_refused_per_address(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    // Malformed keys never reach the database or the limiter.
    let (status, body) = server.get("beep_test_short", "/api/v1/stores").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Well-formed random keys from one address: a burst, then 429 before the database.
    let mut statuses = Vec::new();
    for i in 0..3_000 {
        let key = format!("beep_test_{:0>32}", i);
        statuses.push(server.get(&key, "/api/v1/stores").await.0);
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let unknown = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(refused + unknown, 3_000);
    assert!(unknown < 100, "{unknown} unknown keys reached the database");
    assert!(
        server.app.limiter.tracked() < 10,
        "{} buckets",
        server.app.limiter.tracked()
    );
    // Another address is not refused for them.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let stores = |key: String| {
        let request = other
            .get(format!("{}/api/v1/stores", server.url))
            .bearer_auth(key);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(stores(m.key.clone()).await, StatusCode::OK);

    // Rotation: the new key works, the old one no longer does.
    let resp = other
        .post(format!("{}/api/v1/keys/rotate", server.url))
        .bearer_auth(&m.key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: serde_json::Value = resp.json().await.unwrap();
    let new_key = body["key"].as_str().unwrap().to_string();
    assert!(new_key.starts_with("beep_test_"), "{body}");
    assert_eq!(body["mode"], "test");
    assert_eq!(stores(m.key.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(stores(new_key).await, StatusCode::OK);
}

async fn a_merchants_concurrent_calls_are_capped(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            calls_per_merchant: Some(2),
            budgets: Budgets {
                deadline: Duration::from_secs(2),
                ..Budgets::default()
            },
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(server.store(&m).await);
    }
    let bytes = std::fs::read(wasm("component-hostile-slow-upstream")).unwrap();
    let manifest = json!({"name": "hostile-slow-upstream", "version": "0.1.0", "kind": "pos"});
    let (status, body) = server.upload(&m.key, manifest, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["connector"]["connectorId"]
        .as_str()
        .unwrap()
        .to_string();
    let bystander = server.merchant(Plan::Grow).await;
    let bystander_store = server.store(&bystander).await;
    let (_, korona) = server.sandbox(&bystander, "korona").await;

    // Four slow syncs at once (four stores): two run (each a 2 s deadline, retried),
    // two wait for a slot and are refused; another merchant syncs meanwhile.
    let slow = futures::future::join_all(stores.iter().map(|store| {
        let call =
            json!({"system": "custom", "connectorId": id, "storeId": store, "credentials": {}});
        server.post(&m.key, "/api/v1/syncPOS", call)
    }));
    let other = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        server
            .post(
                &bystander.key,
                "/api/v1/syncPOS",
                json!({"system": "korona", "storeId": bystander_store, "credentials": korona}),
            )
            .await
    };
    let (answers, (status, body)) = tokio::join!(slow, other);
    assert_eq!(status, StatusCode::OK, "the bystander: {body}");
    let busy: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(busy.len(), 2, "{answers:?}");
    for (_, body) in &busy {
        assert_eq!(body["error"]["code"], "too_many_calls", "{body}");
    }
    assert_eq!(
        answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::GATEWAY_TIMEOUT)
            .count(),
        2,
        "{answers:?}"
    );
}

/// Clients bound to loopback addresses 127.0.0.1 ..= 127.0.0.`n`.
fn clients(n: u8) -> Vec<reqwest::Client> {
    (1..=n)
        .map(|last| {
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 0, last]))
                .build()
                .unwrap()
        })
        .collect()
}

/// A webhook through `client`: its status.
async fn webhook_from(server: &Server, client: &reqwest::Client, store: &str) -> StatusCode {
    client
        .post(format!("{}/api/v1/webhooks/stripe/{store}", server.url))
        .body("{}")
        .send()
        .await
        .unwrap()
        .status()
}

async fn webhooks_are_limited_per_address_and_store(backend: Backend) {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let (busy, quiet) = (server.store(&m).await, server.store(&m).await);
    let clients = clients(6);
    // One address probing made-up stores: refused past its burst (100, then 20/s),
    // before any lookup.
    let mut statuses = Vec::new();
    for i in 0..400 {
        statuses.push(webhook_from(&server, &clients[0], &format!("probe-{i}")).await);
    }
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(limited >= 100, "{limited} of 400 limited");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS || *s == StatusCode::NOT_FOUND)
    );
    // One store flooded from several addresses: refused past its burst; another store
    // is not.
    let mut limited = 0;
    for i in 0..400 {
        let client = &clients[1 + i % 4];
        if webhook_from(&server, client, &busy).await == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(limited >= 100, "{limited} of 400 limited");
    assert_eq!(
        webhook_from(&server, &clients[5], &quiet).await,
        StatusCode::NOT_FOUND
    );
}

/// A component that is costly to compile: thousands of long functions. `salt` makes
/// its bytes (and so its cache entry) new for each run.
fn compile_bomb(salt: i32) -> Vec<u8> {
    let mut wat = String::from("(component (core module\n");
    for f in 0..3000 {
        wat.push_str(&format!(
            "(func (export \"f{f}\") (param i32) (result i32) local.get 0\n"
        ));
        for i in 0..300 {
            wat.push_str(&format!(
                "i32.const {} i32.add local.get 0 i32.mul\n",
                salt ^ (f * 300 + i)
            ));
        }
        wat.push_str(")\n");
    }
    wat.push_str("))");
    wat::parse_str(&wat).unwrap()
}

async fn uploads_are_bounded(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            compile_deadline: Some(Duration::from_millis(500)),
            upload_quota: Some(beep_host::uploads::Quota {
                connectors: 2,
                bytes: 64 << 20,
            }),
            ..Default::default()
        },
    )
    .await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;

    // Two connectors fit the quota, a third does not.
    let noop = std::fs::read(wasm("component-noop")).unwrap();
    for version in ["1.0.0", "1.0.1"] {
        let manifest = json!({"name": "test-noop", "version": version, "kind": "pos"});
        let (status, body) = server.upload(&m.key, manifest, noop.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let third = json!({"name": "test-noop", "version": "1.0.2", "kind": "pos"});
    let (status, body) = server.upload(&m.key, third.clone(), noop.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "quota_exceeded", "{body}");

    // Another merchant's compile bomb is refused past the compile deadline, while
    // the first merchant keeps being served (compiles run off the executor).
    let bomber = server.merchant(Plan::Grow).await;
    let salt = uuid::Uuid::new_v4().as_u128() as i32;
    let manifest = json!({"name": "test-noop", "version": "1.0.0", "kind": "pos"});
    let upload = server.upload(&bomber.key, manifest, compile_bomb(salt));
    let reads = bystander_reads(&server, &m, &store, 30);
    let ((status, body), reads) = tokio::join!(upload, reads);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "compile_budget_exceeded", "{body}");
    assert!(
        *reads.last().unwrap() < Duration::from_secs(1),
        "the bystander waited {:?} behind a compile",
        reads.last().unwrap()
    );

    // Deleting frees the quota and, once no connector uses them, the component's
    // bytes; a cached component uploads again without waiting for the bomb's compile.
    for version in ["1.0.0", "1.0.1"] {
        let (status, body) = server
            .request(
                reqwest::Method::DELETE,
                Some(&m.key),
                &format!("/api/v1/connectors/test-noop@{version}"),
                None,
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let sha = hex_sha256(&noop);
    assert!(
        beep_host::db::connectors::component_bytes(&server.app.db, &sha)
            .await
            .unwrap()
            .is_none(),
        "an unreferenced component is kept"
    );
    let (status, body) = server.upload(&m.key, third, noop).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

on_both_databases!(
    webhooks_are_limited_per_address_and_store,
    uploads_are_bounded,
    slow_clients_are_cut_off,
    unknown_keys_are_refused_per_address,
    a_merchants_concurrent_calls_are_capped,
);
