//! `beep`: the BEEP! Connect server and its operator commands.

use beep_host::app::{App, Settings};
use beep_host::db::{Db, merchants};
use beep_host::runtime::Budgets;
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "beep",
    version,
    about = "BEEP! Connect: sync BEEP! with a merchant's POS, ERP and PSP"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// SQLite file in the working directory unless told otherwise.
const DEFAULT_DB: &str = "sqlite://beep.db";

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (Test Mode simulators included).
    Serve(Box<ServeArgs>),
    /// Merchant administration.
    Merchant {
        #[command(subcommand)]
        command: MerchantCommand,
    },
    /// Print a fresh master key (base64) for BEEP_MASTER_KEY or a key file.
    Keygen,
    /// Run only the Test Mode simulators, for replicas to share
    /// (`beep serve --sandbox-shared http://ADDR`).
    Sandbox {
        #[arg(long, env = "BEEP_SANDBOX_LISTEN", default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
    },
    /// Partner tools: scaffold, check, run and upload connectors.
    Connector {
        #[command(subcommand)]
        command: ConnectorCommand,
    },
}

#[derive(Subcommand)]
enum ConnectorCommand {
    /// Scaffold a connector project that builds as generated.
    New {
        name: String,
        #[arg(long, value_parser = ["pos", "erp", "psp"])]
        kind: String,
        #[arg(long, value_parser = ["rust", "js", "python"], default_value = "rust")]
        lang: String,
        /// Where to create it (default: ./NAME).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Run the upload checks locally; prints world, contract, imports, requested hosts, size.
    Check { file: PathBuf },
    /// Invoke one operation and print its result and every outbound call.
    Run {
        file: PathBuf,
        /// describe, fetch-catalog, push-sales, fetch-inventory, …, create-payment, …
        operation: String,
        /// The config object (JSON); baseUrl is set from --sandbox or --url.
        #[arg(long, default_value = "{}")]
        config: String,
        #[arg(long)]
        cursor: Option<String>,
        /// The operation's argument (JSON), e.g. a payment request.
        #[arg(long)]
        input: Option<String>,
        /// Run against a built-in Test Mode simulator (korona, stripe, echo, …).
        #[arg(long, conflicts_with = "url")]
        sandbox: Option<String>,
        /// Run against this base URL (the only origin the component may reach).
        #[arg(long)]
        url: Option<String>,
    },
    /// Upload a component to a BEEP! Connect server.
    Upload {
        file: PathBuf,
        #[arg(long, env = "BEEP_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
        #[arg(long, env = "BEEP_API_KEY", hide_env_values = true)]
        key: String,
        /// Defaults to what the component's describe() says.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        version: Option<String>,
        /// Hosts to request (default: the component's declared hosts).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// Requested hosts to approve right away.
        #[arg(long = "approve")]
        approve: Vec<String>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080", env = "BEEP_LISTEN")]
    listen: SocketAddr,
    /// sqlite://FILE or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
    db: String,
    /// Accept live keys (needs a master key).
    #[arg(long, env = "BEEP_LIVE")]
    live: bool,
    /// The master key, base64 (32 bytes).
    #[arg(long, env = "BEEP_MASTER_KEY", hide_env_values = true)]
    master_key: Option<String>,
    /// A file holding the master key (created in Test Mode if missing).
    #[arg(long, env = "BEEP_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// Retired master keys, comma separated: they still open old ciphertexts.
    #[arg(
        long,
        env = "BEEP_RETIRED_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    retired_keys: Vec<String>,
    /// Where the Test Mode simulators listen.
    #[arg(long, env = "BEEP_SANDBOX_LISTEN", default_value = "127.0.0.1:0")]
    sandbox_listen: SocketAddr,
    /// Point a vendor's Test Mode at another URL: VENDOR=URL (repeatable). Also
    /// BEEP_SANDBOX_<VENDOR>_URL, e.g. BEEP_SANDBOX_KORONA_URL.
    #[arg(long = "sandbox-url", value_name = "VENDOR=URL")]
    sandbox_urls: Vec<String>,
    /// Use the simulators of a `beep sandbox` process at this URL for every vendor:
    /// replicas in Test Mode must share one simulator set (a payment made through one
    /// replica is then known to the others).
    #[arg(long, env = "BEEP_SANDBOX_SHARED", value_name = "URL")]
    sandbox_shared: Option<String>,
    /// Compiled-component cache.
    #[arg(long, env = "BEEP_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Extra connector components (*.wasm) to install, usable as system "custom".
    #[arg(long, env = "BEEP_CONNECTORS_DIR")]
    connectors_dir: Option<PathBuf>,
    /// Per-call wall-clock deadline, in milliseconds.
    #[arg(long, env = "BEEP_CALL_DEADLINE_MS", default_value_t = 30_000)]
    call_deadline_ms: u64,
    /// Per-call linear-memory cap, in MiB.
    #[arg(long, env = "BEEP_CALL_MEMORY_MIB", default_value_t = 128)]
    call_memory_mib: usize,
    /// Per-call outbound request budget.
    #[arg(long, env = "BEEP_CALL_MAX_REQUESTS", default_value_t = 100)]
    call_max_requests: u32,
    /// Per-response body cap, in KiB.
    #[arg(long, env = "BEEP_CALL_MAX_RESPONSE_KIB", default_value_t = 16 * 1024)]
    call_max_response_kib: u64,
    /// Requests per second per API key (sustained); bursts of twice that.
    #[arg(long, env = "BEEP_RATE_LIMIT", default_value_t = 100.0)]
    rate_limit: f64,
    /// After how long a running sync without a heartbeat is taken to be dead, in ms.
    #[arg(
        long,
        env = "BEEP_SYNC_STALE_MS",
        default_value_t = 60_000,
        hide = true
    )]
    sync_stale_ms: i64,
    /// After how long an unfinished outbox delivery may be resent, in ms.
    #[arg(
        long,
        env = "BEEP_OUTBOX_LEASE_MS",
        default_value_t = 60_000,
        hide = true
    )]
    outbox_lease_ms: i64,
    /// Per-call log cap, in KiB.
    #[arg(long, env = "BEEP_CALL_MAX_LOG_KIB", default_value_t = 64)]
    call_max_log_kib: usize,
    /// The operator's token for GET /metrics (sent as Bearer); without one, /metrics
    /// answers 403.
    #[arg(long, env = "BEEP_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// Connector operations one merchant may run at once; more answer 429.
    #[arg(long, env = "BEEP_CALLS_PER_MERCHANT", default_value_t = 64)]
    calls_per_merchant: usize,
    /// Seconds compiling one uploaded component may take.
    #[arg(long, env = "BEEP_COMPILE_DEADLINE_SECS", default_value_t = 120)]
    compile_deadline_secs: u64,
    /// Uploaded connectors one merchant may keep (both modes together).
    #[arg(long, env = "BEEP_UPLOAD_QUOTA_CONNECTORS", default_value_t = 100)]
    upload_quota_connectors: i64,
    /// MiB of uploaded components one merchant may keep.
    #[arg(long, env = "BEEP_UPLOAD_QUOTA_MIB", default_value_t = 512)]
    upload_quota_mib: i64,
    /// Open API connections at most; more are closed as they arrive.
    #[arg(long, env = "BEEP_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "BEEP_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,
    /// Seconds a request body may pause.
    #[arg(long, env = "BEEP_BODY_IDLE_TIMEOUT_SECS", default_value_t = 15)]
    body_idle_timeout_secs: u64,
    /// Seconds a whole request body may take.
    #[arg(long, env = "BEEP_BODY_DEADLINE_SECS", default_value_t = 120)]
    body_deadline_secs: u64,
    /// Job workers (scheduled and queued syncs, pushes, payment re-checks); 0 makes an
    /// API-only replica. Default: two per core.
    #[arg(long, env = "BEEP_WORKERS")]
    workers: Option<usize>,
    /// After how long a job whose worker stopped heartbeating is taken over, in ms.
    #[arg(long, env = "BEEP_JOB_LEASE_MS", default_value_t = 30_000, hide = true)]
    job_lease_ms: i64,
    /// The first re-check of a pending payment waits this long (ms); each next twice as long.
    #[arg(
        long,
        env = "BEEP_PAYMENT_CHECK_MS",
        default_value_t = 5_000,
        hide = true
    )]
    payment_check_ms: i64,
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Create a merchant; prints {"merchantId","testKey","liveKey"} once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["START", "GROW", "PRIME"], ignore_case = true)]
        plan: String,
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        db: String,
    },
}

fn print(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

async fn connector(command: ConnectorCommand) -> anyhow::Result<()> {
    use beep_host::partner;
    match command {
        ConnectorCommand::New {
            name,
            kind,
            lang,
            dir,
        } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
            match lang.as_str() {
                "rust" => partner::new_rust(&dir, &name, &kind)?,
                other => partner::new_from_template(&dir, &name, &kind, other)?,
            }
            eprintln!("created {} ({lang} {kind} connector)", dir.display());
            Ok(())
        }
        ConnectorCommand::Check { file } => match partner::check(&file).await {
            Ok(report) => print(&report),
            Err(e) => {
                print(&serde_json::json!({"ok": false, "error": e.to_string()}))?;
                std::process::exit(1);
            }
        },
        ConnectorCommand::Run {
            file,
            operation,
            config,
            cursor,
            input,
            sandbox,
            url,
        } => {
            let upstream = match (sandbox, url) {
                (Some(vendor), _) => partner::Upstream::Sandbox(vendor),
                (None, Some(url)) => partner::Upstream::Url(url),
                (None, None) => partner::Upstream::Sandbox("echo".into()),
            };
            let out = partner::run(
                &file,
                &operation,
                &config,
                cursor.as_deref(),
                input.as_deref(),
                upstream,
            )
            .await?;
            let failed = !out["error"].is_null();
            print(&out)?;
            if failed {
                std::process::exit(1);
            }
            Ok(())
        }
        ConnectorCommand::Upload {
            file,
            server,
            key,
            name,
            version,
            hosts,
            approve,
        } => {
            let described = partner::check(&file).await?;
            let hosts = if hosts.is_empty() {
                described["requestedHosts"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|h| h.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                hosts
            };
            let manifest = serde_json::json!({
                "name": name.unwrap_or_else(|| described["name"].as_str().unwrap_or_default().to_string()),
                "version": version.unwrap_or_else(|| described["version"].as_str().unwrap_or_default().to_string()),
                "kind": described["kind"],
                "hosts": hosts,
                "approveHosts": approve,
            });
            let (status, body) = partner::upload(&server, &key, &file, &manifest).await?;
            print(&body)?;
            if !(200..300).contains(&status) {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

fn default_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("beep-connect"))
        .unwrap_or_else(|| PathBuf::from(".beep-cache"))
}

fn sandbox_overrides(flags: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut urls = BTreeMap::new();
    for vendor in beep_sandbox::VENDORS {
        let var = format!("BEEP_SANDBOX_{}_URL", vendor.name.to_ascii_uppercase());
        if let Ok(url) = std::env::var(&var) {
            urls.insert(vendor.name.to_string(), url);
        }
    }
    for flag in flags {
        let (vendor, url) = flag
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--sandbox-url takes VENDOR=URL, got {flag:?}"))?;
        urls.insert(vendor.to_string(), url.to_string());
    }
    Ok(urls)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let defaults = Settings::for_db(&args.db);
    let settings = Settings {
        workers: args.workers.unwrap_or_else(beep_host::app::default_workers),
        job_lease_ms: args.job_lease_ms,
        payment_check_base_ms: args.payment_check_ms,
        ..defaults
    };
    let settings = Settings {
        db_url: args.db,
        live: args.live,
        master_key: args.master_key,
        master_key_file: args.master_key_file,
        retired_keys: args.retired_keys,
        sandbox_addr: args.sandbox_listen,
        sandbox_shared: args.sandbox_shared,
        sandbox_urls: sandbox_overrides(&args.sandbox_urls)?,
        cache_dir: Some(args.cache_dir.unwrap_or_else(default_cache_dir)),
        connectors_dir: args.connectors_dir,
        budgets: Budgets {
            deadline: Duration::from_millis(args.call_deadline_ms),
            memory_bytes: args.call_memory_mib << 20,
            max_requests: args.call_max_requests,
            max_response_bytes: args.call_max_response_kib << 10,
            max_log_bytes: args.call_max_log_kib << 10,
        },
        sync_stale_after_ms: args.sync_stale_ms,
        outbox_lease_ms: args.outbox_lease_ms,
        rate_limit: beep_host::ratelimit::Limit {
            per_second: args.rate_limit,
            burst: args.rate_limit * 2.0,
        },
        operator_token: args.operator_token,
        calls_per_merchant: args.calls_per_merchant,
        compile_deadline: Duration::from_secs(args.compile_deadline_secs),
        upload_quota: beep_host::uploads::Quota {
            connectors: args.upload_quota_connectors,
            bytes: args.upload_quota_mib << 20,
        },
        listener: beep_host::listener::Limits {
            max_connections: args.max_connections,
            header_timeout: Duration::from_secs(args.header_timeout_secs),
            body_idle_timeout: Duration::from_secs(args.body_idle_timeout_secs),
            body_deadline: Duration::from_secs(args.body_deadline_secs),
        },
        ..settings
    };
    let started = std::time::Instant::now();
    let app = App::start(settings).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(
        "BEEP! Connect listening on http://{} ({} connectors, Test Mode simulators on {}, ready in {} ms)",
        listener.local_addr()?,
        app.registry.entries().count(),
        app.sandbox.addr,
        started.elapsed().as_millis()
    );
    beep_host::serve(app, listener).await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};
    // The log leaves the trace spans (`beep_host::telemetry`) alone: without an exporter
    // no layer wants them, so requests, connector calls and vendor requests create none.
    let log_filter = EnvFilter::try_from_env("BEEP_LOG")
        .unwrap_or_else(|_| "info".into())
        .add_directive("beep_host::telemetry=off".parse()?);
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(log_filter);
    // Traces only when an OTLP endpoint is configured; they carry BEEP!'s own spans
    // whatever BEEP_LOG says.
    let traces = match beep_host::telemetry::configured() {
        true => Some(beep_host::telemetry::provider()?),
        false => None,
    };
    let export = traces
        .as_ref()
        .map(|p| beep_host::telemetry::layer(p).with_filter(EnvFilter::new("beep_host=info")));
    tracing_subscriber::registry().with(log).with(export).init();
    let result = run(Cli::parse().command).await;
    if let Some(provider) = traces {
        // Sends the spans still batched.
        let _ = provider.shutdown();
    }
    result
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(*args).await,
        Command::Merchant {
            command: MerchantCommand::Create { name, plan, db },
        } => {
            let db = Db::connect(&db).await?;
            let plan = merchants::Plan::parse(&plan).expect("clap checked the plan");
            let created = merchants::create(&db, &name, plan).await?;
            println!("{}", serde_json::to_string(&created)?);
            Ok(())
        }
        Command::Connector { command } => connector(command).await,
        Command::Keygen => {
            println!("{}", beep_host::crypto::generate_key());
            Ok(())
        }
        Command::Sandbox { listen } => {
            let sandbox =
                beep_sandbox::Sandbox::start(listen, None, &std::collections::BTreeMap::new())
                    .await?;
            tracing::info!(
                "Test Mode simulators on http://{}: start replicas with --sandbox-shared http://{}",
                sandbox.addr,
                sandbox.addr
            );
            tokio::signal::ctrl_c().await?;
            Ok(())
        }
    }
}
