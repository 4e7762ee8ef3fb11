//! Preparing a connector call for a store (connector, grant, config) and recording
//! what it did. Shared by sync and payments.

use crate::app::App;
use crate::connectors::{Entry, Resolve, Source, kind_name};
use crate::db;
use crate::db::merchants::Caller;
use crate::error::Failure;
use crate::policy::{self, Declared, Environment, Installation};
use crate::runtime::bindings::types::ConnectorKind;
use crate::runtime::{CallContext, CallError, CallReport};

/// One connector, ready to be called for one store.
pub struct Target {
    pub entry: Entry,
    pub ctx: CallContext,
    /// The config JSON the connector receives (credentials plus, in Test Mode, `baseUrl`).
    pub config: String,
    /// One of the merchant's concurrent operations, held while the target lives.
    _slot: tokio::sync::OwnedSemaphorePermit,
}

/// Connector operations each merchant may run at once, so that one merchant cannot
/// take the whole instance pool. One semaphore per merchant seen (bounded by merchants).
#[derive(Default)]
pub struct Slots {
    by_merchant:
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Semaphore>>>,
}

/// How long an operation waits for one of its merchant's slots before it is refused.
pub const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Slots {
    async fn take(
        &self,
        merchant_id: &str,
        limit: usize,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, Failure> {
        let semaphore = self
            .by_merchant
            .lock()
            .unwrap()
            .entry(merchant_id.to_string())
            .or_insert_with(|| std::sync::Arc::new(tokio::sync::Semaphore::new(limit)))
            .clone();
        match tokio::time::timeout(SLOT_WAIT, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Failure::Busy { limit }),
        }
    }
}

/// How a `custom` connector is named: by the caller (an id, `name@version` or `name`),
/// or by the pin a store's configuration keeps (exactly that upload, never a newer one).
#[derive(Clone, Copy)]
enum Lookup {
    Reference,
    Pinned,
}

pub async fn prepare(
    app: &App,
    caller: &Caller,
    kind: ConnectorKind,
    system: &str,
    connector_id: Option<&str>,
    credentials: &serde_json::Value,
) -> Result<Target, Failure> {
    let entry = resolve(app, caller, kind, system, connector_id, Lookup::Reference).await?;
    target(app, caller, entry, credentials).await
}

/// Like [`prepare`], for the connector a store's configuration pinned.
pub async fn prepare_pinned(
    app: &App,
    caller: &Caller,
    kind: ConnectorKind,
    system: &str,
    pin: Option<&str>,
    credentials: &serde_json::Value,
) -> Result<Target, Failure> {
    let entry = resolve(app, caller, kind, system, pin, Lookup::Pinned).await?;
    target(app, caller, entry, credentials).await
}

async fn target(
    app: &App,
    caller: &Caller,
    entry: Entry,
    credentials: &serde_json::Value,
) -> Result<Target, Failure> {
    let slot = app
        .slots
        .take(&caller.merchant_id, app.settings.calls_per_merchant)
        .await?;
    let refused = |e: policy::Refused| Failure::invalid("invalid_credentials", e.0);
    let installation = Installation::of(credentials).map_err(refused)?;
    let environment = Environment::of(caller.mode, &caller.merchant_id, &app.sandbox);
    let reach =
        policy::reach(&Declared::of(&entry), &installation, environment).map_err(refused)?;
    Ok(Target {
        config: reach.config(credentials),
        ctx: CallContext {
            grant: reach.grant,
            budgets: app.settings.budgets.clone(),
        },
        entry,
        _slot: slot,
    })
}

/// Bundled connectors by system; `custom` ones by the operator's id or, for this
/// merchant and the caller's mode only, an uploaded connector's id, `name@version` or
/// `name` (latest).
async fn resolve(
    app: &App,
    caller: &Caller,
    kind: ConnectorKind,
    system: &str,
    connector_id: Option<&str>,
    lookup: Lookup,
) -> Result<Entry, Failure> {
    let resolved = match (system, connector_id) {
        ("custom", Some(id)) => match app.registry.installed(id) {
            Some(entry) => Ok(entry),
            None => {
                let (merchant, mode) = (&caller.merchant_id, caller.mode);
                let row = match lookup {
                    Lookup::Reference => db::connectors::find(&app.db, merchant, mode, id).await?,
                    Lookup::Pinned => db::connectors::by_id(&app.db, merchant, mode, id).await?,
                };
                let row = row.ok_or_else(|| {
                    Failure::not_found("unknown_connector", format!("unknown connector {id:?}"))
                })?;
                let connector = app
                    .registry
                    .uploaded(&app.runtime, &row.sha256, async || {
                        db::connectors::component_bytes(&app.db, &row.sha256)
                            .await?
                            .ok_or_else(|| anyhow::anyhow!("component {} is missing", row.sha256))
                    })
                    .await?;
                Ok(Entry {
                    id: format!("{}@{}", row.name, row.version),
                    source: Source::Uploaded,
                    connector,
                    hosts: row.approved_hosts,
                    pin: row.connector_id,
                })
            }
        },
        _ => app.registry.resolve(kind, system, connector_id),
    };
    let entry = resolved.map_err(|e: Resolve| match e {
        Resolve::ConnectorIdRequired => Failure::invalid("connector_id_required", e.to_string()),
        Resolve::WrongKind { .. } => Failure::invalid("wrong_connector_kind", e.to_string()),
        Resolve::UnknownSystem(_) => Failure::not_found("unknown_system", e.to_string()),
        Resolve::UnknownConnector(_) => Failure::not_found("unknown_connector", e.to_string()),
    });
    let entry = match entry {
        Ok(entry) => entry,
        Err(f) => return Err(f),
    };
    if entry.connector.kind() != kind {
        return Err(Failure::invalid(
            "wrong_connector_kind",
            format!(
                "connector {:?} is a {} connector, not {}",
                entry.id,
                kind_name(entry.connector.kind()),
                kind_name(kind)
            ),
        ));
    }
    Ok(entry)
}

/// Writes the call's outbound requests to the egress audit and its logs to tracing.
pub async fn record(
    app: &App,
    caller: &Caller,
    store_id: Option<&str>,
    target: &Target,
    operation: &str,
    report: &CallReport,
) {
    record_about(app, caller, store_id, target, operation, report, None).await
}

/// [`record`], and the connector's log lines kept under the sync run or payment the
/// call was about (read back through the API).
pub async fn record_about(
    app: &App,
    caller: &Caller,
    store_id: Option<&str>,
    target: &Target,
    operation: &str,
    report: &CallReport,
    about: Option<db::call_logs::About<'_>>,
) {
    let subject = db::audit::Subject {
        merchant_id: &caller.merchant_id,
        mode: caller.mode,
        store_id,
        connector: &target.entry.id,
        operation,
    };
    let (outbound, denied) = report.counts();
    app.metrics.call(crate::metrics::CallFigures {
        connector: &target.entry.id,
        operation,
        outbound,
        denied,
        elapsed: report.elapsed,
        failure: report.failure,
    });
    if let Err(e) = db::audit::record(&app.db, &subject, &report.outbound, report.omitted).await {
        tracing::error!("writing the egress audit failed: {e:#}");
    }
    for line in &report.logs {
        tracing::debug!(connector = %target.entry.id, operation, level = line.level, "{}", line.message);
    }
    if let Some(about) = about
        && let Err(e) = db::call_logs::record(&app.db, about, &subject, &report.logs).await
    {
        tracing::error!("keeping the connector's log lines failed: {e:#}");
    }
}

pub fn call_failure(target: &Target, error: CallError) -> Failure {
    Failure::Call {
        connector: target.entry.id.clone(),
        error,
        sync_run_id: None,
    }
}
