//! POS and ERP: every sync and push becomes a job (run at once, or answered 202
//! with its id).

use super::*;

/// The body of syncPOS, pushToPOS, syncERP and pushToERP.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncBody {
    /// korona, vectron, casio, lightspeed, sumup, generic (POS); sap, lexoffice,
    /// sevdesk, xentral, generic (ERP); or custom with a connectorId. May be left out
    /// with a connectionId.
    #[serde(default)]
    system: String,
    /// May be left out with a connectionId.
    #[serde(default)]
    store_id: String,
    /// System-specific; never kept, never echoed. Or send a connectionId instead.
    #[schema(value_type = Option<Object>)]
    credentials: Option<Value>,
    /// A stored connection (POST /api/v1/connections) instead of credentials.
    connection_id: Option<String>,
    connector_id: Option<String>,
    #[serde(default)]
    full: bool,
}

/// How the caller wants the answer: `?async=true` or `Prefer: respond-async` for 202
/// and a job id; by default the request waits for its job.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsyncQuery {
    /// Answer 202 with the job's id at once (also `Prefer: respond-async`).
    #[serde(default, rename = "async")]
    asynchronous: bool,
}

fn wants_async(q: &AsyncQuery, headers: &axum::http::HeaderMap) -> bool {
    q.asynchronous
        || headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.split(',')
                    .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
            })
}

/// What every sync and push checks first (the plan, the store, the credentials or the
/// connection), then its job: run here and answered, or queued and answered 202.
async fn seed(
    app: &App,
    caller: &Caller,
    body: SyncBody,
    operation: Operation,
    asynchronous: bool,
) -> Result<Response> {
    if body.connection_id.is_none() {
        for (field, value) in [("system", &body.system), ("storeId", &body.store_id)] {
            if value.is_empty() {
                return Err(Failure::invalid(
                    "invalid_request",
                    format!("{field} is required (or send a connectionId)"),
                ));
            }
        }
    }
    require_sync_plan(caller)?;
    let connection = match &body.connection_id {
        Some(id) => {
            if body.credentials.is_some() {
                return Err(Failure::invalid(
                    "invalid_request",
                    "send either credentials or a connectionId, not both",
                ));
            }
            let c = crate::connections::find(app, caller, id).await?;
            if c.kind != operation.connection_kind() {
                return Err(Failure::invalid(
                    "wrong_connection_kind",
                    format!(
                        "connection {id} is a {} connection; {} needs a {} one",
                        c.kind,
                        operation.name(),
                        operation.connection_kind()
                    ),
                ));
            }
            for (field, given, kept) in [
                ("storeId", &body.store_id, &c.store_id),
                ("system", &body.system, &c.system),
            ] {
                if !given.is_empty() && given != kept {
                    return Err(Failure::invalid(
                        "connection_mismatch",
                        format!("{field} {given:?} is not connection {id}'s ({kept:?})"),
                    ));
                }
            }
            Some(c)
        }
        None => None,
    };
    let store_id = connection
        .as_ref()
        .map_or(body.store_id.as_str(), |c| &c.store_id);
    store(app, caller, store_id).await?;
    let credentials = match (&connection, &body.credentials) {
        (Some(c), _) => Credentials::Connection(c),
        (None, Some(v)) => {
            credentials_object(v, "credentials")?;
            Credentials::Inline(v)
        }
        (None, None) => {
            return Err(Failure::invalid(
                "invalid_request",
                "credentials (a JSON object) or a connectionId is required",
            ));
        }
    };
    let seed = Seed {
        caller,
        store_id,
        operation,
        system: connection
            .as_ref()
            .map_or(body.system.as_str(), |c| &c.system),
        connector_id: body.connector_id.as_deref(),
        full: body.full,
        credentials,
    };
    if asynchronous {
        return Ok(crate::api::connections::queued(
            jobs::enqueue(app, seed).await?,
        ));
    }
    Ok(Json(jobs::run_held(app, seed).await?).into_response())
}

/// The body of syncPayouts.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayoutSyncBody {
    /// The store whose PSP (as `configurePSP` set it) lists its payouts. May be left out
    /// with a connectionId.
    #[serde(default)]
    store_id: String,
    /// A stored PSP connection (kind `psp`) instead.
    connection_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/syncPayouts", tag = "payments", request_body = PayoutSyncBody, params(AsyncQuery),
    responses((status = 200, description = "Payouts listed from where the last sync stopped; new or changed ones returned", body = crate::payments::payouts::PayoutSync),
        (status = 202, description = "Queued (async): follow the job", body = crate::api::connections::JobQueued)))]
pub async fn sync_payouts(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<AsyncQuery>,
    headers: axum::http::HeaderMap,
    Body(body): Body<PayoutSyncBody>,
) -> Result<Response> {
    let asynchronous = wants_async(&q, &headers);
    let mut sync = SyncBody {
        system: String::new(),
        store_id: body.store_id,
        credentials: None,
        connection_id: body.connection_id,
        connector_id: None,
        full: false,
    };
    if sync.connection_id.is_none() {
        if sync.store_id.is_empty() {
            return Err(Failure::invalid(
                "invalid_request",
                "storeId is required (or send a connectionId)",
            ));
        }
        store(&app, &caller, &sync.store_id).await?;
        let stored = crate::payments::stored_psp(&app, &sync.store_id)
            .await?
            .ok_or_else(|| {
                Failure::invalid(
                    "psp_not_configured",
                    "this store has no payment provider: call configurePSP first",
                )
            })?;
        sync.connector_id = stored.custom_connector().map(str::to_string);
        sync.system = stored.provider;
        sync.credentials = Some(stored.config);
    }
    seed(&app, &caller, sync, Operation::SyncPayouts, asynchronous).await
}

#[utoipa::path(post, path = "/api/v1/syncPOS", tag = "sync", request_body = SyncBody, params(AsyncQuery),
    responses((status = 200, description = "Catalogue synced from the POS", body = SyncSummary),
        (status = 202, description = "Queued (async): follow the job", body = crate::api::connections::JobQueued)))]
pub async fn sync_pos(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<AsyncQuery>,
    headers: axum::http::HeaderMap,
    Body(body): Body<SyncBody>,
) -> Result<Response> {
    seed(
        &app,
        &caller,
        body,
        Operation::SyncPos,
        wants_async(&q, &headers),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/syncERP", tag = "sync", request_body = SyncBody, params(AsyncQuery),
    responses((status = 200, description = "Inventory, orders and suppliers synced from the ERP", body = SyncSummary),
        (status = 202, description = "Queued (async): follow the job", body = crate::api::connections::JobQueued)))]
pub async fn sync_erp(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<AsyncQuery>,
    headers: axum::http::HeaderMap,
    Body(body): Body<SyncBody>,
) -> Result<Response> {
    seed(
        &app,
        &caller,
        body,
        Operation::SyncErp,
        wants_async(&q, &headers),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/pushToPOS", tag = "sync", request_body = SyncBody, params(AsyncQuery),
    responses((status = 200, description = "Sales not yet delivered, each delivered once", body = PushSummary),
        (status = 202, description = "Queued (async): follow the job", body = crate::api::connections::JobQueued)))]
pub async fn push_pos(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<AsyncQuery>,
    headers: axum::http::HeaderMap,
    Body(body): Body<SyncBody>,
) -> Result<Response> {
    seed(
        &app,
        &caller,
        body,
        Operation::PushPos,
        wants_async(&q, &headers),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/pushToERP", tag = "sync", request_body = SyncBody, params(AsyncQuery),
    responses((status = 200, description = "Transactions and stock changes, each booked once", body = PushSummary),
        (status = 202, description = "Queued (async): follow the job", body = crate::api::connections::JobQueued)))]
pub async fn push_erp(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<AsyncQuery>,
    headers: axum::http::HeaderMap,
    Body(body): Body<SyncBody>,
) -> Result<Response> {
    seed(
        &app,
        &caller,
        body,
        Operation::PushErp,
        wants_async(&q, &headers),
    )
    .await
}
