//! Many replicas, as an operator runs them: the real `beep` binary, three `beep serve`
//! processes on one PostgreSQL database sharing one `beep sandbox`, one of them killed
//! with SIGKILL while it holds a job. Every job finishes exactly once, no receipt reaches
//! the POS twice, no payment is charged twice, and every event is delivered with one id.
//! The same scenario runs on a single SQLite process, killed and restarted.

use crate::support::{postgres_url, wait_until};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BEEP: &str = env!("CARGO_BIN_EXE_beep");
const PAYMENTS: usize = 200;
const SALES: usize = 20;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Process {
    child: tokio::process::Child,
    url: String,
}

fn spawn(dir: &Path, name: &str, args: &[String]) -> tokio::process::Child {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    tokio::process::Command::new(BEEP)
        .args(args)
        .env("BEEP_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {BEEP}: {e}"))
}

async fn healthy(http: &reqwest::Client, url: &str) -> bool {
    http.get(format!("{url}/health"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

struct Cluster {
    dir: tempfile::TempDir,
    db: String,
    key: String,
    sandbox: String,
    _sandbox: tokio::process::Child,
    replicas: Vec<Process>,
    http: reqwest::Client,
}

impl Cluster {
    async fn start(db: String, replicas: usize) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let port = free_port();
        let sandbox_child = spawn(
            dir.path(),
            "sandbox",
            &[
                "sandbox".into(),
                "--listen".into(),
                format!("127.0.0.1:{port}"),
            ],
        );
        let sandbox = format!("http://127.0.0.1:{port}");
        wait_until("the shared sandbox listens", || async {
            http.get(format!("{sandbox}/echo/ping"))
                .send()
                .await
                .is_ok()
        })
        .await;
        let mut cluster = Cluster {
            key: beep_host::crypto::generate_key(),
            db,
            sandbox,
            _sandbox: sandbox_child,
            replicas: Vec::new(),
            http,
            dir,
        };
        for n in 0..replicas {
            let replica = cluster.serve(&format!("replica-{n}"), None).await;
            cluster.replicas.push(replica);
        }
        cluster
    }

    /// A `beep serve` on the shared database, key and sandbox (on `port`, or a free one).
    async fn serve(&self, name: &str, port: Option<u16>) -> Process {
        let port = port.unwrap_or_else(free_port);
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("beep-cache");
        let args: Vec<String> = [
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
            &self.db,
            "--master-key",
            &self.key,
            "--sandbox-shared",
            &self.sandbox,
            "--cache-dir",
            &cache.display().to_string(),
            "--workers",
            "2",
            "--job-lease-ms",
            "2000",
            "--call-deadline-ms",
            "3000",
            "--rate-limit",
            "100000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let child = spawn(self.dir.path(), name, &args);
        let url = format!("http://127.0.0.1:{port}");
        wait_until(&format!("{name} answers /health"), || async {
            healthy(&self.http, &url).await
        })
        .await;
        Process { child, url }
    }

    /// The end of every process's log, for a failure message.
    fn logs(&self) -> String {
        let mut out = String::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            out += &format!("--- {}\n", entry.path().display());
            for line in tail.into_iter().rev() {
                out += line;
                out += "\n";
            }
        }
        out
    }

    /// A new merchant: its test key and its id (which names its Test Mode partition).
    async fn merchant(&self) -> (String, String) {
        let out = tokio::process::Command::new(BEEP)
            .args([
                "merchant",
                "create",
                "--name",
                "Replica GmbH",
                "--plan",
                "GROW",
                "--db",
            ])
            .arg(&self.db)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let created: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            created["testKey"].as_str().unwrap().to_string(),
            created["merchantId"].as_str().unwrap().to_string(),
        )
    }

    async fn call(
        &self,
        replica: usize,
        method: reqwest::Method,
        key: &str,
        path: &str,
        body: Option<Value>,
        idem: Option<&str>,
    ) -> Result<(u16, Value), reqwest::Error> {
        let url = &self.replicas[replica % self.replicas.len()].url;
        let mut req = self
            .http
            .request(method, format!("{url}{path}"))
            .bearer_auth(key);
        if let Some(idem) = idem {
            req = req.header("Idempotency-Key", idem);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await.unwrap_or(Value::Null)))
    }

    async fn post(&self, replica: usize, key: &str, path: &str, body: Value) -> (u16, Value) {
        self.call(replica, reqwest::Method::POST, key, path, Some(body), None)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    async fn get(&self, replica: usize, key: &str, path: &str) -> Value {
        let (status, body) = self
            .call(replica, reqwest::Method::GET, key, path, None, None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// A `/_sim/` hook of `merchant`'s own simulators in the shared sandbox.
    async fn sim(&self, merchant: &str, path: &str) -> Value {
        self.http
            .get(format!("{}/m/{merchant}{path}", self.sandbox))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// A payment sent to one replica and, when that replica is gone or busy with the same
/// key, retried on the others with the same Idempotency-Key, as a client would.
async fn pay(
    cluster: &Cluster,
    alive: &Mutex<BTreeSet<usize>>,
    key: &str,
    store: &str,
    n: usize,
) -> Value {
    let idem = format!("replica-pay-{n}");
    let body = json!({"storeId": store, "amount": 100 + n as i64, "currency": "EUR",
                      "reference": format!("R-{n}"), "paymentMethod": "pm_card_visa"});
    for attempt in 0..120 {
        let replica = {
            let alive = alive.lock().unwrap();
            let up: Vec<usize> = alive.iter().copied().collect();
            up[(n + attempt) % up.len()]
        };
        match cluster
            .call(
                replica,
                reqwest::Method::POST,
                key,
                "/api/v1/processPayment",
                Some(body.clone()),
                Some(&idem),
            )
            .await
        {
            Ok((200, answer)) => return answer,
            // The key is held by a request that died with its replica: its lease runs out.
            Ok((409 | 429, _)) | Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            Ok((status, answer)) => {
                panic!("payment {n}: {status} {answer}\n{}", cluster.logs())
            }
        }
    }
    panic!("payment {n} never went through");
}

/// Where BEEP! receives events: every delivery, by event id.
#[derive(Default)]
struct Inbox {
    ids: Mutex<BTreeMap<String, usize>>,
}

async fn inbox() -> (String, Arc<Inbox>) {
    let inbox = Arc::new(Inbox::default());
    let state = inbox.clone();
    let app = axum::Router::new().route(
        "/events",
        axum::routing::post(move |body: String| {
            let state = state.clone();
            async move {
                let event: Value = serde_json::from_str(&body).unwrap();
                *state
                    .ids
                    .lock()
                    .unwrap()
                    .entry(event["id"].as_str().unwrap().to_string())
                    .or_default() += 1;
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

async fn scenario(db: String, replicas: usize) {
    let mut cluster = Cluster::start(db.clone(), replicas).await;
    use futures::StreamExt;
    let (key, merchant) = cluster.merchant().await;
    let (events_url, inbox) = inbox().await;
    let (status, body) = cluster
        .post(
            0,
            &key,
            "/api/v1/eventEndpoints",
            json!({"url": events_url, "events": ["*"]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = cluster
        .post(0, &key, "/api/v1/stores", json!({"name": "Filiale Mitte"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let store = body["storeId"].as_str().unwrap().to_string();
    let listing = cluster.get(1, &key, "/api/v1/sandbox").await;
    let credentials = |system: &str| {
        listing["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["system"] == system)
            .unwrap()["credentials"]
            .clone()
    };
    for n in 0..SALES {
        let (status, body) = cluster
            .post(
                n,
                &key,
                "/api/v1/sales",
                json!({"storeId": store, "receiptNumber": format!("S-{n}"), "currency": "EUR",
                       "lines": [{"sku": "1001", "name": "Club-Mate", "quantity": 1, "unitPrice": 189, "taxRateBps": 1900}],
                       "payments": [{"method": "card", "amount": 189}]}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = cluster
        .post(
            1,
            &key,
            "/api/v1/connections",
            json!({"storeId": store, "kind": "pos", "system": "korona", "credentials": credentials("korona"),
                   "schedule": {"syncEverySeconds": 1, "pushEverySeconds": 1}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let connection = body["connectionId"].as_str().unwrap().to_string();
    let (status, body) = cluster
        .post(
            2,
            &key,
            "/api/v1/configurePSP",
            json!({"provider": "stripe", "storeId": store, "config": credentials("stripe")}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Payments spread over every replica, 16 at a time; meanwhile one replica is
    // killed while it holds a job (SQLite: the only one, then restarted).
    let alive = Arc::new(Mutex::new((0..replicas).collect::<BTreeSet<usize>>()));
    let cluster_ref = &cluster;
    let payments = futures::stream::iter(0..PAYMENTS)
        .map(|n| {
            let alive = alive.clone();
            let key = key.clone();
            let store = store.clone();
            async move { pay(cluster_ref, &alive, &key, &store, n).await }
        })
        .buffer_unordered(16);
    let pool = beep_host::db::Db::connect(&db).await.unwrap();
    let victim_pid = cluster.replicas[0].child.id().unwrap();
    let signal = |sig: &str| {
        let _ = std::process::Command::new("kill")
            .args([sig, &victim_pid.to_string()])
            .status();
    };
    let running_of_victim = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT id FROM jobs WHERE state = 'running' AND lease_owner LIKE $1 LIMIT 1",
        )
        .bind(format!("{victim_pid}-%"))
        .fetch_optional(&pool.pool)
        .await
        .unwrap()
    };
    let killer = async {
        // A running job leased by the victim (its lease names its pid). A push job takes
        // milliseconds, so the victim is frozen first and the job looked up again: only a
        // job it still holds while frozen is one that someone else must take over.
        let job: String = wait_until_some("the victim holds a running job", || async {
            running_of_victim().await?;
            signal("-STOP");
            tokio::time::sleep(Duration::from_millis(50)).await;
            let held = running_of_victim().await;
            if held.is_none() {
                signal("-CONT");
            }
            held
        })
        .await;
        signal("-9");
        if replicas > 1 {
            alive.lock().unwrap().remove(&0);
        }
        job
    };
    let (answers, (taken_over, restarted)) =
        tokio::join!(payments.collect::<Vec<Value>>(), async {
            let job = killer.await;
            // The only process (SQLite): start it again on its port, database and key.
            let restarted = if replicas == 1 {
                let port: u16 = cluster_ref.replicas[0]
                    .url
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                Some(cluster_ref.serve("replica-0-restarted", Some(port)).await)
            } else {
                None
            };
            (job, restarted)
        });
    if let Some(replica) = restarted {
        cluster.replicas[0] = replica;
    }

    // No payment charged twice: one intent per payment, each answered with one id.
    let intents = cluster.sim(&merchant, "/stripe/_sim/payment_intents").await;
    let intents = intents.as_array().unwrap();
    let distinct: BTreeSet<&str> = intents
        .iter()
        .map(|i| i["metadata"]["beep_payment_id"].as_str().unwrap())
        .collect();
    assert_eq!(intents.len(), PAYMENTS, "one charge per payment");
    assert_eq!(distinct.len(), PAYMENTS);
    let answered: BTreeSet<&str> = answers
        .iter()
        .map(|a| a["paymentId"].as_str().unwrap())
        .collect();
    assert_eq!(answered, distinct, "every answer names the one charge");

    // A refund through another replica than the payment's: the shared sandbox knows it.
    let first = answers[0]["paymentId"].as_str().unwrap();
    let (status, body) = cluster
        .call(
            replicas - 1,
            reqwest::Method::POST,
            &key,
            "/api/v1/refundPayment",
            Some(json!({"storeId": store, "paymentId": first})),
            Some("replica-refund"),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");

    // The job the victim held was taken over and finished once.
    let last = cluster.replicas.len() - 1;
    wait_until("the taken-over job finishes", || async {
        let job = cluster
            .get(last, &key, &format!("/api/v1/jobs/{taken_over}"))
            .await;
        job["job"]["state"] == "succeeded" || job["job"]["state"] == "failed"
    })
    .await;
    let job = cluster
        .get(last, &key, &format!("/api/v1/jobs/{taken_over}"))
        .await;
    assert!(job["job"]["attempts"].as_i64().unwrap() >= 2, "{job}");

    // Every sale reached the POS exactly once; every job settled.
    wait_until("every sale is delivered", || async {
        let sales = cluster
            .get(
                last,
                &key,
                &format!("/api/v1/sales?storeId={store}&limit=100"),
            )
            .await;
        sales["sales"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["deliveries"][0]["status"] == "sent")
    })
    .await;
    let receipts = cluster
        .sim(&merchant, "/korona/_sim/accounts/demo/receipts")
        .await;
    let numbers: Vec<&str> = receipts
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap_or_else(|| panic!("{r}")))
        .collect();
    let unique: BTreeSet<&&str> = numbers.iter().collect();
    assert_eq!(numbers.len(), SALES, "no receipt twice: {numbers:?}");
    assert_eq!(unique.len(), SALES);
    let (status, _) = cluster
        .call(
            last,
            reqwest::Method::PATCH,
            &key,
            &format!("/api/v1/connections/{connection}"),
            Some(json!({"paused": true})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    wait_until("no job is left running or queued", || async {
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE state IN ('running', 'queued') AND operation <> 'checkPayment'",
        )
        .fetch_one(&pool.pool)
        .await
        .unwrap();
        open == 0
    })
    .await;

    // Every event delivered at least once, under one id.
    wait_until("every event is delivered", || async {
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM event_deliveries WHERE state <> 'delivered'")
                .fetch_one(&pool.pool)
                .await
                .unwrap();
        pending == 0
    })
    .await;
    let recorded: BTreeSet<String> = sqlx::query_scalar("SELECT id FROM events")
        .fetch_all(&pool.pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let received: BTreeSet<String> = inbox.ids.lock().unwrap().keys().cloned().collect();
    assert_eq!(received, recorded, "every event arrived, none invented");
    assert!(recorded.len() >= PAYMENTS, "{} events", recorded.len());
}

async fn wait_until_some<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..30_000 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("{what}: never");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_on_postgres_lose_nothing_when_one_is_killed() {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = postgres_url();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::Executor::execute(&mut conn, format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let sep = if admin.contains('?') { '&' } else { '?' };
    scenario(
        format!("{admin}{sep}options=-c%20search_path%3D{schema}"),
        3,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_sqlite_process_loses_nothing_when_killed_and_restarted() {
    let dir = tempfile::tempdir().unwrap();
    scenario(
        format!("sqlite://{}", dir.path().join("beep.db").display()),
        1,
    )
    .await;
}
