//! Preparing a connector call for a store (connector, grant, config) and recording
//! what it did. Shared by sync and payments.

use crate::app::App;
use crate::connectors::{Entry, Resolve, grant_for};
use crate::db;
use crate::db::merchants::Caller;
use crate::error::Failure;
use crate::runtime::bindings::types::ConnectorKind;
use crate::runtime::{CallContext, CallError, CallReport};

/// One connector, ready to be called for one store.
pub struct Target {
    pub entry: Entry,
    pub ctx: CallContext,
    /// The config JSON the connector receives (credentials plus, in Test Mode, `baseUrl`).
    pub config: String,
}

pub fn prepare(
    app: &App,
    caller: &Caller,
    kind: ConnectorKind,
    system: &str,
    connector_id: Option<&str>,
    credentials: &serde_json::Value,
) -> Result<Target, Failure> {
    let entry = app
        .registry
        .resolve(kind, system, connector_id)
        .map_err(|e| match e {
            Resolve::ConnectorIdRequired => {
                Failure::invalid("connector_id_required", e.to_string())
            }
            Resolve::WrongKind { .. } => Failure::invalid("wrong_connector_kind", e.to_string()),
            Resolve::UnknownSystem(_) => Failure::not_found("unknown_system", e.to_string()),
            Resolve::UnknownConnector(_) => Failure::not_found("unknown_connector", e.to_string()),
        })?;
    let mut config = credentials.clone();
    let grant = grant_for(&entry, caller.mode, &app.sandbox, &mut config)
        .map_err(|e| Failure::invalid("invalid_credentials", e.0))?;
    Ok(Target {
        ctx: CallContext {
            grant,
            budgets: app.settings.budgets.clone(),
        },
        config: config.to_string(),
        entry,
    })
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
    let subject = db::audit::Subject {
        merchant_id: &caller.merchant_id,
        store_id,
        connector: &target.entry.id,
        operation,
    };
    if let Err(e) = db::audit::record(&app.db, &subject, &report.outbound).await {
        tracing::error!("writing the egress audit failed: {e:#}");
    }
    for line in &report.logs {
        tracing::debug!(connector = %target.entry.id, operation, level = line.level, "{}", line.message);
    }
}

pub fn call_failure(target: &Target, error: CallError) -> Failure {
    Failure::Call {
        connector: target.entry.id.clone(),
        error,
        sync_run_id: None,
    }
}
