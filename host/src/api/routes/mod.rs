//! Route handlers: validate, check the caller may touch the store, delegate. One
//! module per part of the API; what they share is here.

mod connectors;
mod logs;
mod psp;
mod reads;
mod sales;
mod stores;
mod sync;

pub use connectors::*;
pub use logs::*;
pub use psp::*;
pub use reads::*;
pub use sales::*;
pub use stores::*;
pub use sync::*;

use super::answers::*;
use crate::api::extract::{Body, IdempotencyKey, Params};
use crate::app::App;
use crate::connectors::kind_name;
use crate::db::{
    self,
    merchants::{Caller, Mode, Store, StoreAccess},
};
use crate::error::Failure;
use crate::jobs::{self, Credentials, Operation, Seed};
use crate::payments::webhooks::Received;
use crate::payments::{self, Answer, PaymentInput, RefundInput};
use crate::runtime::bindings::types::{Money, Sale, SaleLine, SalePayment};
use crate::sync::SyncSummary;
use crate::sync::push::PushSummary;
use crate::uploads;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type Result<T> = std::result::Result<T, Failure>;

pub(super) async fn store(app: &App, caller: &Caller, store_id: &str) -> Result<Store> {
    if store_id.trim().is_empty() {
        return Err(Failure::invalid("store_id_required", "storeId is required"));
    }
    match db::merchants::find_store(&app.db, caller, store_id).await? {
        StoreAccess::Found(store) => Ok(store),
        StoreAccess::Forbidden => Err(Failure::forbidden(
            "store_forbidden",
            "this store belongs to another merchant or to the other mode",
        )),
        StoreAccess::NotFound => Err(Failure::not_found(
            "unknown_store",
            format!("no store {store_id}"),
        )),
    }
}

pub(super) fn require_sync_plan(caller: &Caller) -> Result<()> {
    if caller.plan.can_sync() {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "plan_required",
            format!(
                "sync and push need the GROW or PRIME plan; this merchant is on {}",
                caller.plan.as_str()
            ),
        ))
    }
}

fn credentials_object(value: &Value, field: &str) -> Result<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(Failure::invalid(
            "invalid_request",
            format!("{field} must be a JSON object"),
        ))
    }
}

fn answer(a: Answer) -> Response {
    (
        StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK),
        Json(a.body),
    )
        .into_response()
}

pub async fn not_found() -> Failure {
    Failure::not_found("not_found", "no such route")
}

#[utoipa::path(get, path = "/health", tag = "operations", security(()),
    responses((status = 200, description = "The server and its database answer", body = Health)))]
pub async fn health(State(app): State<Arc<App>>) -> Json<Health> {
    let backend = match app.db.backend {
        db::Backend::Sqlite => "sqlite",
        db::Backend::Postgres => "postgres",
    };
    Json(Health {
        status: "ok".into(),
        database: backend.into(),
        connectors: app.registry.entries().count(),
    })
}

#[utoipa::path(get, path = "/metrics", tag = "operations", security(("operatorToken" = [])),
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String)))]
pub async fn metrics(
    State(app): State<Arc<App>>,
    headers: axum::http::HeaderMap,
) -> Result<Response> {
    // Operators only: the series name every tenant's connectors.
    let Some(expected) = app.settings.operator_token.as_deref() else {
        return Err(Failure::forbidden(
            "operator_token_not_set",
            "/metrics is served only with an operator token (BEEP_OPERATOR_TOKEN)",
        ));
    };
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let same: bool =
        subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), expected.as_bytes()).into();
    if !same {
        return Err(Failure::Unauthenticated(
            "/metrics needs Authorization: Bearer <operator token>".into(),
        ));
    }
    match db::jobs::queue_figures(&app.db).await {
        Ok(figures) => app.metrics.queue(&figures),
        Err(e) => tracing::warn!("reading the job queue for /metrics failed: {e:#}"),
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            crate::metrics::CONTENT_TYPE,
        )],
        app.metrics.render(),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/sandbox", tag = "test mode",
    responses((status = 200, description = "Simulated vendors, their URLs and credentials that work there", body = SandboxListing)))]
pub async fn sandbox(State(app): State<Arc<App>>, caller: Caller) -> Result<Json<SandboxListing>> {
    if caller.mode != Mode::Test {
        return Err(Failure::forbidden(
            "test_mode_only",
            "the sandbox is for test keys",
        ));
    }
    Ok(Json(SandboxListing::of(&app.sandbox, &caller.merchant_id)))
}

// ---- keys -----------------------------------------------------------------------------

#[utoipa::path(post, path = "/api/v1/keys/rotate", tag = "keys",
    responses((status = 200, description = "A new key of the same mode; the presented key is revoked", body = RotatedKey)))]
pub async fn rotate_key(State(app): State<Arc<App>>, caller: Caller) -> Result<Json<RotatedKey>> {
    let key = db::merchants::rotate_key(&app.db, &caller).await?;
    Ok(Json(RotatedKey {
        success: true,
        key,
        mode: caller.mode.as_str().into(),
    }))
}
