//! Test harness: a real server (in this process, on a loopback port) over a fresh
//! SQLite file or a fresh PostgreSQL schema, spoken to over real HTTP.

#![allow(dead_code)]

pub mod psp;
pub mod system;

use beep_host::app::{App, Settings};
use beep_host::db::merchants::{self, Plan};
use beep_host::runtime::Budgets;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// PostgreSQL for the tests: CI's is at 127.0.0.1:5432, database `test`, trust auth.
pub fn postgres_url() -> String {
    std::env::var("BEEP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Test components (hostile, no-op), built by host/build.rs.
pub fn wasm(name: &str) -> PathBuf {
    PathBuf::from(env!("BEEP_WASM_DIR")).join(format!("{}.wasm", name.replace('-', "_")))
}

pub struct Server {
    pub url: String,
    pub db_url: String,
    pub app: Arc<App>,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
    schema: Option<String>,
}

/// What `Server::populated_store` made.
pub struct Populated {
    pub store: String,
    pub sync_run: String,
    pub payment: String,
    pub korona: Value,
}

/// The operator token every test server is started with (`/metrics`).
pub const OPERATOR_TOKEN: &str = "operator-token-for-tests";

pub struct Merchant {
    pub id: String,
    pub key: String,
    pub live_key: String,
}

#[derive(Default)]
pub struct Options {
    pub budgets: Budgets,
    pub install: Vec<&'static str>,
    /// Components from anywhere else (e.g. guests built into target/guests), installed
    /// under their file name.
    pub install_files: Vec<PathBuf>,
    /// Accept live keys (with a fresh master key).
    pub live: bool,
    pub sandbox_urls: std::collections::BTreeMap<String, String>,
    /// Reuse another server's database (a restart), with this master key and these
    /// retired keys.
    pub reuse_db: Option<String>,
    pub master_key: Option<String>,
    pub retired_keys: Vec<String>,
    pub rate_limit: Option<beep_host::ratelimit::Limit>,
    pub listener: Option<beep_host::listener::Limits>,
    pub calls_per_merchant: Option<usize>,
    pub compile_deadline: Option<Duration>,
    pub upload_quota: Option<beep_host::uploads::Quota>,
    /// Any other setting.
    pub tune: Option<fn(&mut Settings)>,
}

impl Server {
    pub async fn start(backend: Backend) -> Server {
        Server::start_with(backend, Options::default()).await
    }

    /// A server that accepts live keys too.
    pub async fn start_live(backend: Backend) -> Server {
        Server::start_with(
            backend,
            Options {
                live: true,
                ..Default::default()
            },
        )
        .await
    }

    pub async fn start_with(backend: Backend, options: Options) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (db_url, schema) = match (options.reuse_db.clone(), backend) {
            (Some(url), _) => (url, None),
            (None, backend) => match backend {
                Backend::Sqlite => (
                    format!("sqlite://{}", dir.path().join("beep.db").display()),
                    None,
                ),
                Backend::Postgres => {
                    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                    let admin = postgres_url();
                    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is needed for these tests (.ci/run starts it): {e}"));
                    sqlx::Executor::execute(&mut conn, format!("CREATE SCHEMA {schema}").as_str())
                        .await
                        .unwrap();
                    let sep = if admin.contains('?') { '&' } else { '?' };
                    (
                        format!("{admin}{sep}options=-c%20search_path%3D{schema}"),
                        Some(schema),
                    )
                }
            },
        };
        let connectors_dir = dir.path().join("connectors");
        std::fs::create_dir_all(&connectors_dir).unwrap();
        for name in &options.install {
            std::fs::copy(wasm(name), connectors_dir.join(format!("{name}.wasm"))).unwrap();
        }
        for path in &options.install_files {
            std::fs::copy(path, connectors_dir.join(path.file_name().unwrap()))
                .unwrap_or_else(|e| panic!("installing {}: {e}", path.display()));
        }
        let mut settings = Settings::for_db(&db_url);
        let db_url = db_url.clone();
        settings.master_key_file = Some(dir.path().join("master.key"));
        settings.cache_dir = Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("beep-cache"));
        settings.connectors_dir = Some(connectors_dir);
        settings.budgets = options.budgets;
        settings.sandbox_urls = options.sandbox_urls;
        if let Some(limit) = options.rate_limit {
            settings.rate_limit = limit;
        }
        if let Some(limits) = options.listener {
            settings.listener = limits;
        }
        if let Some(n) = options.calls_per_merchant {
            settings.calls_per_merchant = n;
        }
        if let Some(d) = options.compile_deadline {
            settings.compile_deadline = d;
        }
        if let Some(q) = options.upload_quota {
            settings.upload_quota = q;
        }
        settings.operator_token = Some(OPERATOR_TOKEN.into());
        // A pending payment's re-check would race tests that watch a payment stay
        // pending; the suite that tests re-checks shortens it.
        settings.payment_check_base_ms = 600_000;
        if let Some(tune) = options.tune {
            tune(&mut settings);
        }
        settings.master_key = options.master_key.clone();
        settings.retired_keys = options.retired_keys.clone();
        if options.live {
            settings.live = true;
            settings
                .master_key
                .get_or_insert_with(beep_host::crypto::generate_key);
        }
        let app = App::start(settings).await.expect("server starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(beep_host::serve(app.clone(), listener));
        Server {
            url,
            db_url,
            app,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
            dir,
            schema,
        }
    }

    /// The master key file this server was started with (unless given a key).
    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("master.key")
    }

    pub async fn merchant(&self, plan: Plan) -> Merchant {
        let m = merchants::create(&self.app.db, "Test GmbH", plan)
            .await
            .unwrap();
        Merchant {
            id: m.merchant_id,
            key: m.test_key,
            live_key: m.live_key,
        }
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        key: Option<&str>,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(reqwest::Method::POST, Some(key), path, Some(&body), &[])
            .await
    }

    pub async fn post_idem(
        &self,
        key: &str,
        path: &str,
        idem: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.request(
            reqwest::Method::POST,
            Some(key),
            path,
            Some(&body),
            &[("Idempotency-Key", idem)],
        )
        .await
    }

    pub async fn get(&self, key: &str, path: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::GET, Some(key), path, None, &[])
            .await
    }

    pub async fn store(&self, m: &Merchant) -> String {
        let (status, body) = self
            .post(&m.key, "/api/v1/stores", json!({"name": "Filiale Mitte"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["storeId"].as_str().unwrap().to_string()
    }

    /// A live-mode store of `m` (the server must accept live keys).
    pub async fn live_store(&self, m: &Merchant) -> String {
        let (status, body) = self
            .post(&m.live_key, "/api/v1/stores", json!({"name": "Live"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["storeId"].as_str().unwrap().to_string()
    }

    /// A store of `m` with something in it: a synced Korona catalogue (one sync run) and a
    /// Stripe payment. Answers the store, the run and the payment ids and Korona's
    /// credentials.
    pub async fn populated_store(&self, m: &Merchant) -> Populated {
        let store = self.store(m).await;
        let (_, korona) = self.sandbox(m, "korona").await;
        let (status, synced) = self
            .post(
                &m.key,
                "/api/v1/syncPOS",
                json!({"system": "korona", "storeId": store, "credentials": korona}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{synced}");
        self.configure_sandbox_psp(m, &store, "stripe").await;
        let (status, paid) = self
            .post_idem(
                &m.key,
                "/api/v1/processPayment",
                &format!("populate-{store}"),
                json!({"storeId": store, "amount": 1250, "currency": "EUR", "reference": "P-1", "paymentMethod": "pm_card_visa"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{paid}");
        Populated {
            sync_run: synced["syncRunId"].as_str().unwrap().to_string(),
            payment: paid["paymentId"].as_str().unwrap().to_string(),
            store,
            korona,
        }
    }

    /// `configurePSP` of `provider` for `store` with its Test Mode credentials.
    pub async fn configure_sandbox_psp(&self, m: &Merchant, store: &str, provider: &str) {
        let (_, config) = self.sandbox(m, provider).await;
        let (status, body) = self
            .post(
                &m.key,
                "/api/v1/configurePSP",
                json!({"provider": provider, "storeId": store, "config": config}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// An anonymous notification to `provider`'s webhook address of `store`.
    pub async fn webhook(&self, provider: &str, store: &str, body: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}/api/v1/webhooks/{provider}/{store}", self.url))
            .body(body.to_string())
            .send()
            .await
            .expect("request reaches the server");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// `POST /api/v1/connectors`: a manifest and a component, as multipart.
    pub async fn upload(&self, key: &str, manifest: Value, bytes: Vec<u8>) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("manifest", manifest.to_string())
            .part(
                "component",
                reqwest::multipart::Part::bytes(bytes).file_name("connector.wasm"),
            );
        let resp = self
            .http
            .post(format!("{}/api/v1/connectors", self.url))
            .bearer_auth(key)
            .multipart(form)
            .send()
            .await
            .expect("request reaches the server");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// `GET /metrics` as the operator: the exposition text.
    pub async fn metrics(&self) -> String {
        let resp = self
            .http
            .get(format!("{}/metrics", self.url))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .expect("request reaches the server");
        assert_eq!(resp.status(), StatusCode::OK, "/metrics as the operator");
        resp.text().await.unwrap()
    }

    /// The Test Mode entry of `system`: its baseUrl and working credentials.
    pub async fn sandbox(&self, m: &Merchant, system: &str) -> (String, Value) {
        let (status, body) = self.get(&m.key, "/api/v1/sandbox").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let vendor = body["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["system"] == system)
            .unwrap()
            .clone();
        (
            vendor["baseUrl"].as_str().unwrap().to_string(),
            vendor["credentials"].clone(),
        )
    }

    /// The simulator's own test hooks live beside its API.
    pub async fn sim_get(&self, url: &str) -> Value {
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn sim_post(&self, url: &str, body: Value) -> Value {
        let resp = self.http.post(url).json(&body).send().await.unwrap();
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Drop the test's schema; a panicking test may leave one behind, which
        // .ci/run sweeps.
        if let Some(schema) = self.schema.take() {
            let url = postgres_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(mut conn) =
                        <sqlx::PgConnection as sqlx::Connection>::connect(&url).await
                    {
                        let _ = sqlx::Executor::execute(
                            &mut conn,
                            format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str(),
                        )
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            }
        )*
    };
}

/// Keeps the outer cargo's wrappers and flags (clippy, the test profile's rustflags, the
/// jobserver) out of a nested cargo build, as host/build.rs does for the components.
pub fn without_outer_cargo_env(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for var in [
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Polls `probe` every 50 ms until it holds; panics naming `what` after 60 s.
pub async fn wait_until<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..1200 {
        if probe().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 60 s");
}
