//! Jobs: every sync, push and payment re-check is a row in `jobs` (see `db::jobs` for
//! the claim and lease). A request either runs its job itself and waits (the default:
//! the seed endpoints answer as they always did) or leaves it to the workers
//! (`?async=true`, answered 202 with the job's id). Schedules and pending payments make
//! jobs too.
//!
//! No queue crate: apalis and graphile_worker bring their own schemas and drivers
//! (apalis-sql per backend, graphile_worker PostgreSQL only), sqlxmq is PostgreSQL only;
//! none works over sqlx's `Any` pool on both SQLite and PostgreSQL, and the semantics
//! needed here (a lease the request itself may hold, a settlement only by the lease's
//! holder, progress written with each page) are a few statements.

pub mod worker;

use crate::app::App;
use crate::db::{self, connections::Connection, jobs::Job, merchants::Caller};
use crate::error::Failure;
use crate::error::answer::error_answer;
use crate::runtime::CallError;
use crate::runtime::bindings::types::ConnectorError;
use crate::sync::{self, SyncRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    SyncPos,
    SyncErp,
    PushPos,
    PushErp,
    CheckPayment,
    /// Voids an authorisation its store's hold window has outlived.
    ExpireAuthorization,
    /// Lists the store's payouts at its PSP.
    SyncPayouts,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::SyncPos => "syncPOS",
            Operation::SyncErp => "syncERP",
            Operation::PushPos => "pushToPOS",
            Operation::PushErp => "pushToERP",
            Operation::CheckPayment => "checkPayment",
            Operation::ExpireAuthorization => "expireAuthorization",
            Operation::SyncPayouts => "syncPayouts",
        }
    }
    pub fn parse(name: &str) -> Option<Operation> {
        [
            Operation::SyncPos,
            Operation::SyncErp,
            Operation::PushPos,
            Operation::PushErp,
            Operation::CheckPayment,
            Operation::ExpireAuthorization,
            Operation::SyncPayouts,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }
    /// `sync`, `push` or `payment`: what the job's events are named after.
    pub fn kind(self) -> &'static str {
        match self {
            Operation::SyncPos | Operation::SyncErp | Operation::SyncPayouts => "sync",
            Operation::PushPos | Operation::PushErp => "push",
            Operation::CheckPayment | Operation::ExpireAuthorization => "payment",
        }
    }
    /// The connection kind a sync or push works on.
    pub fn connection_kind(self) -> &'static str {
        match self {
            Operation::SyncPos | Operation::PushPos => "pos",
            Operation::SyncPayouts => "psp",
            _ => "erp",
        }
    }
    /// What a connection of this kind syncs: a PSP's sync lists its payouts.
    pub fn sync(kind: &str) -> Operation {
        match kind {
            "pos" => Operation::SyncPos,
            "psp" => Operation::SyncPayouts,
            _ => Operation::SyncErp,
        }
    }
    pub fn push(kind: &str) -> Operation {
        if kind == "pos" {
            Operation::PushPos
        } else {
            Operation::PushErp
        }
    }
}

/// What a job needs besides its row's columns.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<String>,
    #[serde(default)]
    pub full: bool,
    /// Credentials a request brought, sealed: only while a queued job waits for a
    /// worker; a settled job keeps none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_credentials: Option<String>,
    /// The payment a re-check looks at, and how many checks it had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    #[serde(default)]
    pub checks: u32,
}

impl Payload {
    fn decode(text: &str) -> Payload {
        serde_json::from_str(text).unwrap_or_default()
    }
    fn encode(&self) -> String {
        serde_json::to_string(self).expect("a payload serialises")
    }
    fn settled(&self) -> String {
        Payload {
            sealed_credentials: None,
            ..self.clone()
        }
        .encode()
    }
}

/// Where a sync's or push's credentials come from.
pub enum Credentials<'a> {
    /// Brought by the request.
    Inline(&'a Value),
    /// Kept with a connection.
    Connection(&'a Connection),
}

/// A sync or push a request asks for.
pub struct Seed<'a> {
    pub caller: &'a Caller,
    pub store_id: &'a str,
    pub operation: Operation,
    pub system: &'a str,
    pub connector_id: Option<&'a str>,
    pub full: bool,
    pub credentials: Credentials<'a>,
}

fn job_context(job_id: &str) -> String {
    format!("job:{job_id}")
}

fn connection_context(connection_id: &str) -> String {
    format!("connection:{connection_id}")
}

/// Seals a connection's credentials (bound to the connection's id).
pub fn seal_connection_credentials(app: &App, connection_id: &str, credentials: &Value) -> String {
    app.sealer.seal(
        credentials.to_string().as_bytes(),
        &connection_context(connection_id),
    )
}

/// A connection's credentials, opened.
pub fn connection_credentials(app: &App, c: &Connection) -> Result<Value, Failure> {
    let sealed = c.credentials.as_deref().ok_or_else(|| {
        Failure::invalid(
            "connection_without_credentials",
            format!(
                "connection {} keeps no credentials: set them with PATCH /api/v1/connections/{}",
                c.connection_id, c.connection_id
            ),
        )
    })?;
    let plain = app
        .sealer
        .open(sealed, &connection_context(&c.connection_id))?;
    Ok(serde_json::from_slice(&plain).map_err(anyhow::Error::from)?)
}

fn payload_of(seed: &Seed<'_>) -> Payload {
    let connector_id = match &seed.credentials {
        Credentials::Connection(c) => (c.system == "custom").then(|| c.connector_id.clone()),
        Credentials::Inline(_) => seed.connector_id.map(str::to_string),
    };
    Payload {
        system: seed.system.to_string(),
        connector_id,
        full: seed.full,
        ..Default::default()
    }
}

fn connection_id<'a>(seed: &'a Seed<'_>) -> Option<&'a str> {
    match &seed.credentials {
        Credentials::Connection(c) => Some(c.connection_id.as_str()),
        Credentials::Inline(_) => None,
    }
}

/// Runs a request's sync or push as a job this process holds, and answers as the
/// operation does. If this process dies, the lease runs out and a worker takes the job
/// over (a connection's; one with the request's own credentials cannot be, and says so).
pub async fn run_held(app: &App, seed: Seed<'_>) -> Result<Value, Failure> {
    let id = db::jobs::new_job_id();
    let payload = payload_of(&seed);
    db::jobs::insert(
        &app.db.pool,
        &id,
        &db::jobs::NewJob {
            caller: seed.caller,
            store_id: seed.store_id,
            connection_id: connection_id(&seed),
            kind: seed.operation.kind(),
            operation: seed.operation.name(),
            payload: payload.encode(),
            due_at: db::now_ms(),
            held_by: Some((&app.instance, app.settings.job_lease_ms)),
        },
    )
    .await?;
    let credentials = match &seed.credentials {
        Credentials::Inline(v) => (*v).clone(),
        Credentials::Connection(c) => connection_credentials(app, c)?,
    };
    let heartbeat = worker::Heartbeat::start(app, &id);
    let outcome = perform(
        app,
        seed.caller,
        seed.operation,
        seed.store_id,
        &payload,
        &credentials,
        &id,
    )
    .await;
    heartbeat.stop();
    settle(
        app,
        &Run {
            caller: seed.caller,
            store_id: seed.store_id,
            job_id: &id,
            operation: seed.operation,
            connection_id: connection_id(&seed),
            payload: &payload,
        },
        &outcome,
    )
    .await;
    outcome
}

/// Queues a request's sync or push for the workers; answers the job's id.
pub async fn enqueue(app: &App, seed: Seed<'_>) -> Result<String, Failure> {
    let id = db::jobs::new_job_id();
    let mut payload = payload_of(&seed);
    if let Credentials::Inline(v) = &seed.credentials {
        payload.sealed_credentials =
            Some(app.sealer.seal(v.to_string().as_bytes(), &job_context(&id)));
    }
    db::jobs::insert(
        &app.db.pool,
        &id,
        &db::jobs::NewJob {
            caller: seed.caller,
            store_id: seed.store_id,
            connection_id: connection_id(&seed),
            kind: seed.operation.kind(),
            operation: seed.operation.name(),
            payload: payload.encode(),
            due_at: db::now_ms(),
            held_by: None,
        },
    )
    .await?;
    app.wake_workers.notify_waiters();
    Ok(id)
}

/// Queues a re-check of a pending payment, due after `delay_ms`.
pub async fn enqueue_payment_check(
    app: &App,
    caller: &Caller,
    store_id: &str,
    payment_id: &str,
    checks: u32,
    delay_ms: i64,
) -> anyhow::Result<()> {
    let due_at = db::now_ms() + delay_ms;
    let op = Operation::CheckPayment;
    enqueue_payment_job(app, caller, store_id, payment_id, op, checks, due_at).await
}

/// Queues the void of an authorisation, due when its hold window ends (`due_at`, ms).
pub async fn enqueue_hold_expiry(
    app: &App,
    caller: &Caller,
    store_id: &str,
    payment_id: &str,
    due_at: i64,
) -> anyhow::Result<()> {
    let op = Operation::ExpireAuthorization;
    enqueue_payment_job(app, caller, store_id, payment_id, op, 0, due_at).await
}

async fn enqueue_payment_job(
    app: &App,
    caller: &Caller,
    store_id: &str,
    payment_id: &str,
    operation: Operation,
    checks: u32,
    due_at: i64,
) -> anyhow::Result<()> {
    let payload = Payload {
        payment_id: Some(payment_id.to_string()),
        checks,
        ..Default::default()
    };
    db::jobs::insert(
        &app.db.pool,
        &db::jobs::new_job_id(),
        &db::jobs::NewJob {
            caller,
            store_id,
            connection_id: None,
            kind: operation.kind(),
            operation: operation.name(),
            payload: payload.encode(),
            due_at,
            held_by: None,
        },
    )
    .await
}

/// The operation itself: one sync, push or payment re-check.
async fn perform(
    app: &App,
    caller: &Caller,
    operation: Operation,
    store_id: &str,
    payload: &Payload,
    credentials: &Value,
    job_id: &str,
) -> Result<Value, Failure> {
    let connector_id = payload.connector_id.as_deref();
    match operation {
        Operation::SyncPos | Operation::SyncErp => {
            let request = SyncRequest {
                store_id,
                system: &payload.system,
                connector_id,
                credentials,
                full: payload.full,
                job_id: Some(job_id),
            };
            let summary = if operation == Operation::SyncPos {
                sync::sync_pos(app, caller, request).await?
            } else {
                sync::sync_erp(app, caller, request).await?
            };
            Ok(json(&summary))
        }
        Operation::PushPos => Ok(json(
            &sync::push::push_sales(
                app,
                caller,
                store_id,
                &payload.system,
                connector_id,
                credentials,
            )
            .await?,
        )),
        Operation::PushErp => Ok(json(
            &sync::push::push_erp(
                app,
                caller,
                store_id,
                &payload.system,
                connector_id,
                credentials,
            )
            .await?,
        )),
        Operation::SyncPayouts => {
            let target = crate::calls::prepare(
                app,
                caller,
                crate::runtime::bindings::types::ConnectorKind::Psp,
                &payload.system,
                connector_id,
                credentials,
            )
            .await?;
            let answer =
                crate::payments::payouts::sync(app, caller, store_id, &payload.system, &target)
                    .await?;
            Ok(json(&answer))
        }
        Operation::CheckPayment | Operation::ExpireAuthorization => Err(Failure::Internal(
            anyhow::anyhow!("a payment's job is not a request's job"),
        )),
    }
}

/// Any answer as JSON (the summaries differ in type, not in how they are stored).
fn json<T: serde::Serialize>(answer: &T) -> Value {
    serde_json::to_value(answer).expect("answers serialise")
}

/// Whether a failure is the connection's configuration (credentials refused, account
/// unknown): repeated, it disables a scheduled connection.
fn is_config_failure(failure: &Failure) -> bool {
    use ConnectorError as E;
    matches!(
        failure,
        Failure::Call {
            error: CallError::Connector(
                E::Unauthorized(_) | E::Forbidden(_) | E::InvalidConfig(_) | E::NotFound(_)
            ),
            ..
        }
    )
}

/// The job being settled.
struct Run<'a> {
    caller: &'a Caller,
    store_id: &'a str,
    job_id: &'a str,
    operation: Operation,
    connection_id: Option<&'a str>,
    payload: &'a Payload,
}

/// Stores the job's answer, counts a connection's outcome, and emits its events.
async fn settle(app: &App, run: &Run<'_>, outcome: &Result<Value, Failure>) {
    let Run {
        caller,
        store_id,
        job_id,
        operation,
        connection_id,
        payload,
    } = *run;
    let (state, status, body) = match outcome {
        Ok(body) => ("succeeded", 200, body.clone()),
        Err(f) => {
            let (status, body) = error_answer(f);
            ("failed", status, body)
        }
    };
    let settled = async {
        let held = db::jobs::finish(
            &app.db,
            job_id,
            &app.instance,
            state,
            status,
            &body,
            &payload.settled(),
        )
        .await?;
        if !held {
            tracing::warn!(
                job_id,
                "the job was taken over; its other run's answer stands"
            );
            return anyhow::Ok(());
        }
        app.metrics.job(operation.name(), state);
        let event = match (operation.kind(), state) {
            ("sync", "succeeded") => "sync.completed",
            ("sync", _) => "sync.failed",
            (_, "succeeded") => "push.completed",
            _ => "push.failed",
        };
        let data = serde_json::json!({
            "jobId": job_id,
            "storeId": store_id,
            "connectionId": connection_id,
            "operation": operation.name(),
            "system": payload.system,
            "statusCode": status,
            "result": body,
        });
        crate::events::emit(app, &caller.merchant_id, caller.mode, event, data).await;
        if let Some(connection_id) = connection_id {
            let config = outcome.as_ref().err().is_some_and(is_config_failure);
            let limit = app.settings.disable_after_config_failures;
            let reason = format!(
                "{limit} runs in a row were refused by the vendor (credentials or account): {}",
                body["error"]["message"].as_str().unwrap_or("")
            );
            if db::connections::record_outcome(&app.db, connection_id, config, limit, &reason)
                .await?
            {
                tracing::warn!(connection_id, "connection disabled: {reason}");
                let data = serde_json::json!({
                    "connectionId": connection_id,
                    "storeId": store_id,
                    "system": payload.system,
                    "reason": reason,
                });
                crate::events::emit(
                    app,
                    &caller.merchant_id,
                    caller.mode,
                    "connection.disabled",
                    data,
                )
                .await;
            }
        }
        Ok(())
    };
    if let Err(e) = settled.await {
        tracing::error!(job_id, "settling the job failed: {e:#}");
    }
}

/// A claimed job, run by a worker.
pub(crate) async fn execute(app: &App, job: Job) {
    let Some(operation) = Operation::parse(&job.operation) else {
        let body = serde_json::json!({"success": false, "error": {"code": "unknown_operation", "message": job.operation}});
        let _ = db::jobs::finish(
            &app.db,
            &job.job_id,
            &app.instance,
            "failed",
            500,
            &body,
            "{}",
        )
        .await;
        return;
    };
    let payload = Payload::decode(&job.payload);
    let caller = match db::merchants::store_owner(&app.db, &job.store_id).await {
        Ok(Some(caller)) => caller,
        other => {
            let failure = match other {
                Err(e) => Failure::Internal(e),
                _ => Failure::not_found("unknown_store", format!("no store {}", job.store_id)),
            };
            let caller = Caller {
                merchant_id: job.merchant_id.clone(),
                plan: db::merchants::Plan::Start,
                mode: db::merchants::Mode::of(&job.mode),
                key_hash: None,
            };
            let connection = job.connection_id.as_deref();
            let failed = Err(failure);
            settle(
                app,
                &Run {
                    caller: &caller,
                    store_id: &job.store_id,
                    job_id: &job.job_id,
                    operation,
                    connection_id: connection,
                    payload: &payload,
                },
                &failed,
            )
            .await;
            return;
        }
    };
    if operation == Operation::CheckPayment {
        return crate::payments::recheck::run(app, &caller, &job, payload).await;
    }
    if operation == Operation::ExpireAuthorization {
        return crate::payments::capture::expire(app, &caller, &job, payload).await;
    }
    let credentials = match credentials_of(app, &job, &payload).await {
        Ok(c) => c,
        Err(f) => {
            let connection = job.connection_id.as_deref();
            settle(
                app,
                &Run {
                    caller: &caller,
                    store_id: &job.store_id,
                    job_id: &job.job_id,
                    operation,
                    connection_id: connection,
                    payload: &payload,
                },
                &Err(f),
            )
            .await;
            return;
        }
    };
    let outcome = perform(
        app,
        &caller,
        operation,
        &job.store_id,
        &payload,
        &credentials,
        &job.job_id,
    )
    .await;
    // Another run of this store's sync is going on (the request that held this job
    // before its process died may still be finishing): try again shortly.
    if let Err(Failure::Conflict {
        code: "sync_in_progress",
        ..
    }) = &outcome
        && job.attempts < 100
    {
        let due = db::now_ms() + 2_000;
        if let Err(e) =
            db::jobs::requeue(&app.db, &job.job_id, &app.instance, due, &job.payload).await
        {
            tracing::error!(job_id = job.job_id, "requeueing failed: {e:#}");
        }
        return;
    }
    let connection = job.connection_id.as_deref();
    settle(
        app,
        &Run {
            caller: &caller,
            store_id: &job.store_id,
            job_id: &job.job_id,
            operation,
            connection_id: connection,
            payload: &payload,
        },
        &outcome,
    )
    .await;
}

async fn credentials_of(app: &App, job: &Job, payload: &Payload) -> Result<Value, Failure> {
    if let Some(sealed) = &payload.sealed_credentials {
        let plain = app.sealer.open(sealed, &job_context(&job.job_id))?;
        return Ok(serde_json::from_slice(&plain).map_err(anyhow::Error::from)?);
    }
    let Some(connection_id) = &job.connection_id else {
        return Err(Failure::Rejected {
            code: "credentials_not_kept",
            message: "this job's request brought its own credentials and its server stopped before it finished; send the request again (the sync resumes where it stopped)".into(),
        });
    };
    let connection = db::connections::get(&app.db, connection_id)
        .await?
        .ok_or_else(|| {
            Failure::not_found(
                "unknown_connection",
                format!("connection {connection_id} was deleted"),
            )
        })?;
    if let Some(reason) = &connection.disabled_reason {
        return Err(Failure::Rejected {
            code: "connection_disabled",
            message: reason.clone(),
        });
    }
    connection_credentials(app, &connection)
}
