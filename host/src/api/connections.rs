//! Connections (`/connections`) and jobs (`/jobs`).

use super::extract::{Body, Params};
use super::routes::{require_sync_plan, store};
use crate::app::App;
use crate::connections::{self, Change, NewInput, Schedule};
use crate::db::{self, connections::Connection, jobs::Job, merchants::Caller};
use crate::error::Failure;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type Result<T> = std::result::Result<T, Failure>;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateConnection {
    #[schema(min_length = 1)]
    store_id: String,
    /// pos or erp.
    kind: String,
    /// A system of that kind (korona, sevdesk, …) or custom with a connectorId.
    #[schema(min_length = 1)]
    system: String,
    /// Checked with the vendor by one read, then kept sealed; never echoed.
    #[schema(value_type = Object)]
    credentials: Value,
    connector_id: Option<String>,
    schedule: Option<Schedule>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchConnection {
    /// New credentials (checked with the vendor first).
    #[schema(value_type = Option<Object>)]
    credentials: Option<Value>,
    /// Replaces the schedule; a period left out is not scheduled.
    schedule: Option<Schedule>,
    /// Pause or resume (resuming also re-enables a disabled connection).
    paused: Option<bool>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    sync_every_seconds: Option<i64>,
    push_every_seconds: Option<i64>,
    next_sync_at: Option<String>,
    next_push_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    connection_id: String,
    store_id: String,
    kind: String,
    system: String,
    connector_id: String,
    /// Whether credentials are kept (a connection made by a call that brought its own
    /// keeps none, and cannot be scheduled until it gets some).
    credentials_stored: bool,
    /// active, paused or disabled.
    status: String,
    disabled_reason: Option<String>,
    schedule: ScheduleView,
    /// The latest job of this connection.
    last_job: Option<JobView>,
    created_at: String,
    updated_at: String,
}

async fn view(app: &App, caller: &Caller, c: Connection) -> Result<ConnectionView> {
    let last = db::jobs::list(&app.db, caller, None, Some(&c.connection_id), 1)
        .await?
        .into_iter()
        .next()
        .map(job_view);
    let time = |t: Option<i64>| t.map(db::rfc3339);
    Ok(ConnectionView {
        status: if c.disabled_reason.is_some() {
            "disabled"
        } else if c.paused {
            "paused"
        } else {
            "active"
        }
        .into(),
        credentials_stored: c.credentials.is_some(),
        schedule: ScheduleView {
            sync_every_seconds: c.sync_every_seconds,
            push_every_seconds: c.push_every_seconds,
            next_sync_at: time(c.next_sync_at),
            next_push_at: time(c.next_push_at),
        },
        last_job: last,
        created_at: db::rfc3339(c.created_at),
        updated_at: db::rfc3339(c.updated_at),
        connection_id: c.connection_id,
        store_id: c.store_id,
        kind: c.kind,
        system: c.system,
        connector_id: c.connector_id,
        disabled_reason: c.disabled_reason,
    })
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionFound {
    success: bool,
    connection_id: String,
    connection: ConnectionView,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Connections {
    success: bool,
    connections: Vec<ConnectionView>,
}

async fn found(app: &App, caller: &Caller, c: Connection) -> Result<Json<ConnectionFound>> {
    let connection = view(app, caller, c).await?;
    Ok(Json(ConnectionFound {
        success: true,
        connection_id: connection.connection_id.clone(),
        connection,
    }))
}

#[utoipa::path(post, path = "/api/v1/connections", tag = "connections", request_body = CreateConnection,
    responses((status = 201, description = "Credentials checked with the vendor and kept sealed", body = ConnectionFound)))]
pub async fn create_connection(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<CreateConnection>,
) -> Result<Response> {
    require_sync_plan(&caller)?;
    store(&app, &caller, &body.store_id).await?;
    if !body.credentials.is_object() {
        return Err(Failure::invalid(
            "invalid_request",
            "credentials must be a JSON object",
        ));
    }
    let created = connections::create(
        &app,
        &caller,
        NewInput {
            store_id: &body.store_id,
            kind: &body.kind,
            system: &body.system,
            connector_id: body.connector_id.as_deref(),
            credentials: &body.credentials,
            schedule: body.schedule.unwrap_or_default(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, found(&app, &caller, created).await?).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionQuery {
    store_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/connections", tag = "connections", params(ConnectionQuery),
    responses((status = 200, description = "This merchant's connections in this mode", body = Connections)))]
pub async fn list_connections(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ConnectionQuery>,
) -> Result<Json<Connections>> {
    if let Some(store_id) = &q.store_id {
        store(&app, &caller, store_id).await?;
    }
    let rows = db::connections::list(
        &app.db,
        &caller.merchant_id,
        caller.mode,
        q.store_id.as_deref(),
    )
    .await?;
    let mut connections = Vec::with_capacity(rows.len());
    for c in rows {
        connections.push(view(&app, &caller, c).await?);
    }
    Ok(Json(Connections {
        success: true,
        connections,
    }))
}

#[utoipa::path(get, path = "/api/v1/connections/{connection_id}", tag = "connections",
    params(("connection_id" = String, Path)),
    responses((status = 200, description = "The connection (never its credentials)", body = ConnectionFound)))]
pub async fn get_connection(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConnectionFound>> {
    let c = connections::find(&app, &caller, &id).await?;
    found(&app, &caller, c).await
}

#[utoipa::path(patch, path = "/api/v1/connections/{connection_id}", tag = "connections",
    params(("connection_id" = String, Path)), request_body = PatchConnection,
    responses((status = 200, description = "Credentials rotated, schedule changed, paused or resumed", body = ConnectionFound)))]
pub async fn patch_connection(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<PatchConnection>,
) -> Result<Json<ConnectionFound>> {
    let c = connections::find(&app, &caller, &id).await?;
    if let Some(credentials) = &body.credentials
        && !credentials.is_object()
    {
        return Err(Failure::invalid(
            "invalid_request",
            "credentials must be a JSON object",
        ));
    }
    let c = connections::change(
        &app,
        &caller,
        c,
        Change {
            credentials: body.credentials.as_ref(),
            schedule: body.schedule,
            paused: body.paused,
        },
    )
    .await?;
    found(&app, &caller, c).await
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDeleted {
    success: bool,
    deleted: String,
}

#[utoipa::path(delete, path = "/api/v1/connections/{connection_id}", tag = "connections",
    params(("connection_id" = String, Path)),
    responses((status = 200, description = "Deleted with its credentials; its queued jobs are canceled", body = ConnectionDeleted)))]
pub async fn delete_connection(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConnectionDeleted>> {
    let c = connections::find(&app, &caller, &id).await?;
    db::connections::delete(&app.db, &c.connection_id).await?;
    Ok(Json(ConnectionDeleted {
        success: true,
        deleted: c.connection_id,
    }))
}

// ---- jobs -----------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    job_id: String,
    store_id: String,
    connection_id: Option<String>,
    /// syncPOS, syncERP, pushToPOS, pushToERP or checkPayment.
    operation: String,
    /// queued, running, succeeded, failed or canceled.
    state: String,
    attempts: i64,
    /// While a sync runs: its run, pages and records so far.
    #[schema(value_type = Option<Object>)]
    progress: Option<Value>,
    /// The HTTP status the operation answered, once finished.
    status_code: Option<i64>,
    /// The operation's answer, as the synchronous request would have given it.
    #[schema(value_type = Option<Object>)]
    result: Option<Value>,
    due_at: String,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
}

fn job_view(j: Job) -> JobView {
    let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
    JobView {
        progress: parse(j.progress),
        result: parse(j.result),
        due_at: db::rfc3339(j.due_at),
        created_at: db::rfc3339(j.created_at),
        started_at: j.started_at.map(db::rfc3339),
        finished_at: j.finished_at.map(db::rfc3339),
        job_id: j.job_id,
        store_id: j.store_id,
        connection_id: j.connection_id,
        operation: j.operation,
        state: j.state,
        attempts: j.attempts,
        status_code: j.status_code,
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobFound {
    success: bool,
    job: JobView,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Jobs {
    success: bool,
    jobs: Vec<JobView>,
}

/// What `?async=true` answers: 202 and where to look.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobQueued {
    success: bool,
    job_id: String,
    state: String,
    status_url: String,
}

pub fn queued(job_id: String) -> Response {
    (
        StatusCode::ACCEPTED,
        [(
            axum::http::header::LOCATION,
            format!("/api/v1/jobs/{job_id}"),
        )],
        Json(JobQueued {
            success: true,
            status_url: format!("/api/v1/jobs/{job_id}"),
            job_id,
            state: "queued".into(),
        }),
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/jobs/{job_id}", tag = "connections",
    params(("job_id" = String, Path)),
    responses((status = 200, description = "State, progress and result", body = JobFound)))]
pub async fn get_job(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobFound>> {
    // Another merchant's (or mode's) job is not there for this caller.
    let job = db::jobs::get(&app.db, &id)
        .await?
        .filter(|j| j.merchant_id == caller.merchant_id && j.mode == caller.mode.as_str())
        .ok_or_else(|| Failure::not_found("unknown_job", format!("no job {id}")))?;
    Ok(Json(JobFound {
        success: true,
        job: job_view(job),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct JobQuery {
    store_id: Option<String>,
    connection_id: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "connections", params(JobQuery),
    responses((status = 200, description = "Latest jobs", body = Jobs)))]
pub async fn list_jobs(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<JobQuery>,
) -> Result<Json<Jobs>> {
    if let Some(store_id) = &q.store_id {
        store(&app, &caller, store_id).await?;
    }
    if let Some(id) = &q.connection_id {
        connections::find(&app, &caller, id).await?;
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let jobs = db::jobs::list(
        &app.db,
        &caller,
        q.store_id.as_deref(),
        q.connection_id.as_deref(),
        limit,
    )
    .await?;
    Ok(Json(Jobs {
        success: true,
        jobs: jobs.into_iter().map(job_view).collect(),
    }))
}
