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
        }
    }
}

pub struct App {
    pub settings: Settings,
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
        let runtime = Runtime::new(settings.cache_dir.clone())?;
        let registry = Registry::load(&runtime, settings.connectors_dir.as_deref()).await?;
        let sandbox = Sandbox::start(settings.sandbox_addr, &settings.sandbox_urls).await?;
        let limiter = crate::ratelimit::Limiter::new(settings.rate_limit);
        Ok(Arc::new(App {
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
