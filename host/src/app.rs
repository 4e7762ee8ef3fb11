//! The application: settings, and the shared state every request sees.

use crate::connectors::Registry;
use crate::crypto::Sealer;
use crate::db::Db;
use crate::runtime::{Budgets, Runtime};
use anyhow::Context as _;
use beep_sandbox::Sandbox;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Settings {
    pub db_url: String,
    /// Accept live keys. Requires a master key that is not auto-generated.
    pub live: bool,
    /// Base64 master key (BEEP_MASTER_KEY), or a key file; in Test-Mode-only servers a
    /// key file is created beside the database when neither is given.
    pub master_key: Option<String>,
    pub master_key_file: Option<PathBuf>,
    /// Retired keys that still open old ciphertexts (rotation).
    pub retired_keys: Vec<String>,
    pub sandbox_addr: SocketAddr,
    /// A shared `beep sandbox` process's URL, used instead of this process's simulators.
    pub sandbox_shared: Option<String>,
    /// Vendors pointed at an external mock server instead of a simulator.
    pub sandbox_urls: BTreeMap<String, String>,
    pub cache_dir: Option<PathBuf>,
    pub connectors_dir: Option<PathBuf>,
    pub budgets: Budgets,
    /// Requests per second and burst, per API key.
    pub rate_limit: crate::ratelimit::Limit,
    /// A running sync whose heartbeat is older than this is taken to be dead (resumable).
    pub sync_stale_after_ms: i64,
    /// An outbox claim older than this is taken to be dead (the item may be resent).
    pub outbox_lease_ms: i64,
    /// The operator's bearer token for `/metrics`; none: `/metrics` is refused.
    pub operator_token: Option<String>,
    /// What a client may hold of the listener: connections, header and body time.
    pub listener: crate::listener::Limits,
    /// Connector operations (a sync, a push, a payment) one merchant may run at once.
    pub calls_per_merchant: usize,
    /// How long compiling one uploaded component may take.
    pub compile_deadline: std::time::Duration,
    /// What one merchant may keep uploaded: connectors and bytes.
    pub upload_quota: crate::uploads::Quota,
    /// Job workers in this process (0: an API-only replica).
    pub workers: usize,
    /// How long a claimed job stays its worker's without a heartbeat.
    pub job_lease_ms: i64,
    /// Runs in a row refused for configuration (credentials, account) before a
    /// scheduled connection is disabled.
    pub disable_after_config_failures: i64,
    /// The first re-check of a pending payment waits this long; each next one twice as long.
    pub payment_check_base_ms: i64,
    /// Re-checks of a pending payment before it ends `failed`.
    pub payment_checks: u32,
    /// The shortest schedule period a connection may have, per mode.
    pub schedule_floor_test_secs: i64,
    pub schedule_floor_live_secs: i64,
}

impl Settings {
    pub fn for_db(db_url: &str) -> Settings {
        Settings {
            db_url: db_url.to_string(),
            live: false,
            master_key: None,
            master_key_file: None,
            retired_keys: Vec::new(),
            sandbox_addr: "127.0.0.1:0".parse().unwrap(),
            sandbox_shared: None,
            sandbox_urls: BTreeMap::new(),
            cache_dir: None,
            connectors_dir: None,
            budgets: Budgets::default(),
            rate_limit: crate::ratelimit::Limit {
                per_second: 100.0,
                burst: 200.0,
            },
            sync_stale_after_ms: 60_000,
            outbox_lease_ms: 60_000,
            operator_token: None,
            listener: Default::default(),
            calls_per_merchant: 64,
            compile_deadline: crate::runtime::COMPILE_DEADLINE,
            upload_quota: Default::default(),
            workers: default_workers(),
            job_lease_ms: 30_000,
            disable_after_config_failures: 3,
            payment_check_base_ms: 5_000,
            payment_checks: 10,
            schedule_floor_test_secs: 1,
            schedule_floor_live_secs: 60,
        }
    }
}

/// Workers fitting the machine: jobs mostly wait on vendors, so two per core.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

pub struct App {
    pub settings: Settings,
    /// This process, as job leases name it.
    pub instance: String,
    /// Wakes this process's idle workers when it queues a job.
    pub wake_workers: tokio::sync::Notify,
    /// Wakes this process's event deliverer when it records an event.
    pub wake_deliveries: tokio::sync::Notify,
    pub db: Db,
    pub runtime: Arc<Runtime>,
    pub registry: Registry,
    pub sealer: Sealer,
    pub sandbox: Sandbox,
    pub limiter: crate::ratelimit::Limiter,
    pub metrics: crate::metrics::Metrics,
    pub slots: crate::calls::Slots,
}

impl App {
    pub async fn start(settings: Settings) -> anyhow::Result<Arc<App>> {
        let sealer = match (&settings.master_key, &settings.master_key_file) {
            (Some(key), _) => {
                Sealer::new(key, &settings.retired_keys).context("BEEP_MASTER_KEY")?
            }
            (None, Some(path)) if path.exists() => {
                Sealer::from_file_or_create(path, &settings.retired_keys)?
            }
            _ if settings.live => anyhow::bail!(
                "live mode needs a master key: set BEEP_MASTER_KEY or --master-key-file (generate one with `beep keygen`)"
            ),
            (None, path) => {
                let path = path
                    .clone()
                    .unwrap_or_else(|| default_key_path(&settings.db_url));
                tracing::info!("Test Mode: using the key file {}", path.display());
                Sealer::from_file_or_create(&path, &settings.retired_keys)?
            }
        };
        let db = Db::connect(&settings.db_url).await?;
        // A replica started with another key (e.g. its own Test Mode key file) would
        // answer 500 to every call that opens a secret another replica sealed.
        let missing: Vec<String> = crate::db::sealing_key_ids(&db)
            .await?
            .into_iter()
            .filter(|id| !sealer.knows(id))
            .collect();
        if !missing.is_empty() {
            anyhow::bail!(
                "the database holds secrets sealed with key {} which this server does not have (its key is {}): \
                 start every replica with the same master key (BEEP_MASTER_KEY or --master-key-file), \
                 and list keys it replaced in BEEP_RETIRED_KEYS",
                missing.join(", "),
                sealer.current_key_id()
            );
        }
        let runtime = Runtime::new(settings.cache_dir.clone())?;
        let registry = Registry::load(&runtime, settings.connectors_dir.as_deref()).await?;
        let sandbox = Sandbox::start(
            settings.sandbox_addr,
            settings.sandbox_shared.as_deref(),
            &settings.sandbox_urls,
        )
        .await?;
        let limiter = crate::ratelimit::Limiter::new(settings.rate_limit);
        Ok(Arc::new(App {
            instance: format!("{}-{}", std::process::id(), &crate::db::new_id()[24..]),
            wake_workers: tokio::sync::Notify::new(),
            wake_deliveries: tokio::sync::Notify::new(),
            limiter,
            metrics: Default::default(),
            slots: Default::default(),
            settings,
            db,
            runtime,
            registry,
            sealer,
            sandbox,
        }))
    }
}

/// `beep-master.key` beside a SQLite file, or in the working directory.
fn default_key_path(db_url: &str) -> PathBuf {
    let file = db_url
        .strip_prefix("sqlite://")
        .or_else(|| db_url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .filter(|p| !p.is_empty() && *p != ":memory:");
    match file.and_then(|f| PathBuf::from(f).parent().map(PathBuf::from)) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join("beep-master.key"),
        _ => PathBuf::from("beep-master.key"),
    }
}
