//! Connections set up once: credentials checked with the vendor (one read) and kept
//! sealed, a schedule that the workers follow, pause and resume.

use crate::app::App;
use crate::calls;
use crate::db::{
    self,
    connections::{Access, Connection, Created, NewConnection},
    merchants::{Caller, Mode},
};
use crate::error::Failure;
use crate::jobs;
use crate::runtime::CallError;
use crate::runtime::bindings::types::{ConnectorError, ConnectorKind};
use crate::sync::Stream;
use serde_json::Value;

/// How often a connection syncs and pushes on its own (seconds; none: only on request).
#[derive(Clone, Copy, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    pub sync_every_seconds: Option<i64>,
    pub push_every_seconds: Option<i64>,
}

pub struct NewInput<'a> {
    pub store_id: &'a str,
    pub kind: &'a str,
    pub system: &'a str,
    pub connector_id: Option<&'a str>,
    pub credentials: &'a Value,
    pub schedule: Schedule,
}

pub fn connector_kind(kind: &str) -> Result<ConnectorKind, Failure> {
    match kind {
        "pos" => Ok(ConnectorKind::Pos),
        "erp" => Ok(ConnectorKind::Erp),
        "psp" => Ok(ConnectorKind::Psp),
        other => Err(Failure::invalid(
            "invalid_kind",
            format!("kind must be \"pos\", \"erp\" or \"psp\", not {other:?}"),
        )),
    }
}

/// Refuses a schedule shorter than the mode's floor, naming the field, and a push
/// schedule for a PSP (a PSP's sync lists its payouts; nothing is pushed to it).
pub fn check_schedule(
    app: &App,
    caller: &Caller,
    kind: &str,
    schedule: &Schedule,
) -> Result<(), Failure> {
    if kind == "psp" && schedule.push_every_seconds.is_some() {
        return Err(Failure::invalid(
            "schedule_not_applicable",
            "schedule.pushEverySeconds: nothing is pushed to a PSP; its syncEverySeconds lists payouts",
        ));
    }
    let floor = match caller.mode {
        Mode::Live => app.settings.schedule_floor_live_secs,
        Mode::Test => app.settings.schedule_floor_test_secs,
    };
    for (field, value) in [
        ("schedule.syncEverySeconds", schedule.sync_every_seconds),
        ("schedule.pushEverySeconds", schedule.push_every_seconds),
    ] {
        if let Some(v) = value
            && v < floor
        {
            return Err(Failure::invalid(
                "schedule_too_short",
                format!(
                    "{field} is {v}; in {} mode it must be at least {floor} seconds",
                    caller.mode.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the credentials with the vendor by one read (the first catalogue or inventory
/// page); answers the connector's pin. A refusal by the vendor is 422 with its reason.
async fn validate(
    app: &App,
    caller: &Caller,
    kind: ConnectorKind,
    system: &str,
    connector_id: Option<&str>,
    credentials: &Value,
) -> Result<String, Failure> {
    let others = [ConnectorKind::Pos, ConnectorKind::Erp, ConnectorKind::Psp];
    if system != "custom"
        && app.registry.resolve(kind, system, None).is_err()
        && let Some(other) = others
            .into_iter()
            .find(|&o| o != kind && app.registry.resolve(o, system, None).is_ok())
    {
        return Err(Failure::invalid(
            "system_kind_mismatch",
            format!(
                "{system} is a {} system; it has no {} connector",
                crate::connectors::kind_name(other),
                crate::connectors::kind_name(kind)
            ),
        ));
    }
    let target = calls::prepare(app, caller, kind, system, connector_id, credentials).await?;
    let result = match kind {
        ConnectorKind::Psp => {
            let (result, report) = app
                .runtime
                .validate_config(&target.entry.connector, &target.ctx, &target.config)
                .await;
            calls::record(app, caller, None, &target, "validate-config", &report).await;
            result
        }
        _ => {
            let stream = match kind {
                ConnectorKind::Pos => Stream::Catalog,
                _ => Stream::Inventory,
            };
            let (result, report) = stream.fetch(app, &target, None).await;
            calls::record(app, caller, None, &target, stream.operation(), &report).await;
            result.map(|_| ())
        }
    };
    use ConnectorError as E;
    match result {
        Ok(_) => Ok(target.entry.pin.clone()),
        Err(CallError::Connector(
            e @ (E::Unauthorized(_) | E::Forbidden(_) | E::InvalidConfig(_) | E::NotFound(_)),
        )) => Err(Failure::rejected(
            "credentials_rejected",
            format!("{system} refused these credentials: {e}"),
        )),
        Err(e) => Err(calls::call_failure(&target, e)),
    }
}

pub async fn create(
    app: &App,
    caller: &Caller,
    input: NewInput<'_>,
) -> Result<Connection, Failure> {
    let kind = connector_kind(input.kind)?;
    check_schedule(app, caller, input.kind, &input.schedule)?;
    let pin = validate(
        app,
        caller,
        kind,
        input.system,
        input.connector_id,
        input.credentials,
    )
    .await?;
    let existing = db::connections::list(
        &app.db,
        &caller.merchant_id,
        caller.mode,
        Some(input.store_id),
    )
    .await?
    .into_iter()
    .find(|c| c.kind == input.kind && c.system == input.system);
    let id = match existing {
        Some(c) if c.credentials.is_some() => return Err(exists(&c.connection_id)),
        Some(c) => c.connection_id,
        None => db::connections::new_connection_id(),
    };
    let sealed = jobs::seal_connection_credentials(app, &id, input.credentials);
    let created = db::connections::create(
        &app.db,
        caller,
        &id,
        NewConnection {
            store_id: input.store_id,
            kind: input.kind,
            system: input.system,
            connector_id: &pin,
            credentials: &sealed,
            sync_every_seconds: input.schedule.sync_every_seconds,
            push_every_seconds: input.schedule.push_every_seconds,
        },
    )
    .await?;
    match created {
        Created::New(c) => {
            app.wake_workers.notify_waiters();
            Ok(*c)
        }
        Created::Exists(id) => Err(exists(&id)),
    }
}

fn exists(id: &str) -> Failure {
    Failure::conflict(
        "connection_exists",
        format!(
            "this store already has this connection ({id}): change it with PATCH /api/v1/connections/{id}"
        ),
    )
}

pub async fn find(app: &App, caller: &Caller, connection_id: &str) -> Result<Connection, Failure> {
    match db::connections::find(&app.db, caller, connection_id).await? {
        Access::Found(c) => Ok(*c),
        // Another merchant's (or mode's) connection is not there for this caller.
        Access::Forbidden | Access::NotFound => Err(Failure::not_found(
            "unknown_connection",
            format!("no connection {connection_id}"),
        )),
    }
}

/// What PATCH may change; absent fields stay as they are.
#[derive(Default)]
pub struct Change<'a> {
    pub credentials: Option<&'a Value>,
    pub schedule: Option<Schedule>,
    pub paused: Option<bool>,
}

pub async fn change(
    app: &App,
    caller: &Caller,
    mut c: Connection,
    change: Change<'_>,
) -> Result<Connection, Failure> {
    let now = db::now_ms();
    if let Some(schedule) = change.schedule {
        check_schedule(app, caller, &c.kind, &schedule)?;
        c.next_sync_at = schedule.sync_every_seconds.map(|_| now);
        c.next_push_at = schedule.push_every_seconds.map(|_| now);
        c.sync_every_seconds = schedule.sync_every_seconds;
        c.push_every_seconds = schedule.push_every_seconds;
    }
    if let Some(credentials) = change.credentials {
        let kind = connector_kind(&c.kind)?;
        let connector_id = (c.system == "custom").then_some(c.connector_id.as_str());
        validate(app, caller, kind, &c.system, connector_id, credentials).await?;
        c.credentials = Some(jobs::seal_connection_credentials(
            app,
            &c.connection_id,
            credentials,
        ));
        // New credentials are a fresh start.
        c.disabled_reason = None;
        c.config_failures = 0;
    }
    if let Some(paused) = change.paused {
        c.paused = paused;
        if !paused {
            // Resuming re-enables a connection disabled after repeated refusals.
            c.disabled_reason = None;
            c.config_failures = 0;
        }
    }
    if (c.sync_every_seconds.is_some() || c.push_every_seconds.is_some()) && c.credentials.is_none()
    {
        return Err(Failure::invalid(
            "connection_without_credentials",
            "a schedule needs the connection's credentials: set credentials too",
        ));
    }
    db::connections::save(&app.db, &c).await?;
    app.wake_workers.notify_waiters();
    Ok(db::connections::get(&app.db, &c.connection_id)
        .await?
        .unwrap_or(c))
}
