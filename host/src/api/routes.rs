//! Route handlers: validate, check the caller may touch the store, delegate.

use super::answers::*;
use super::extract::{Body, IdempotencyKey, Params};
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

// ---- stores ---------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateStore {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
}

#[utoipa::path(post, path = "/api/v1/stores", tag = "stores", request_body = CreateStore,
    responses((status = 201, description = "Created in the key's mode", body = StoreCreated)))]
pub async fn create_store(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<CreateStore>,
) -> Result<Response> {
    let name = body.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(Failure::invalid(
            "invalid_name",
            "name must be 1 to 200 characters",
        ));
    }
    let store = db::merchants::create_store(&app.db, &caller, name).await?;
    Ok((
        StatusCode::CREATED,
        Json(StoreCreated {
            success: true,
            store_id: store.store_id,
            name: store.name,
            mode: store.mode,
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/stores", tag = "stores",
    responses((status = 200, description = "This merchant's stores in the key's mode", body = Stores)))]
pub async fn list_stores(State(app): State<Arc<App>>, caller: Caller) -> Result<Json<Stores>> {
    let stores = db::merchants::list_stores(&app.db, &caller).await?;
    Ok(Json(Stores {
        success: true,
        stores,
    }))
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}", tag = "stores",
    params(("store_id" = String, Path)),
    responses((status = 200, description = "The store", body = StoreFound)))]
pub async fn get_store(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(store_id): Path<String>,
) -> Result<Json<StoreFound>> {
    let store = store(&app, &caller, &store_id).await?;
    Ok(Json(StoreFound {
        success: true,
        store,
    }))
}

// ---- POS / ERP ------------------------------------------------------------------------

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
        return Ok(super::connections::queued(jobs::enqueue(app, seed).await?));
    }
    Ok(Json(jobs::run_held(app, seed).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/syncPOS", tag = "sync", request_body = SyncBody, params(AsyncQuery),
    responses((status = 200, description = "Catalogue synced from the POS", body = SyncSummary),
        (status = 202, description = "Queued (async): follow the job", body = super::connections::JobQueued)))]
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
        (status = 202, description = "Queued (async): follow the job", body = super::connections::JobQueued)))]
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
        (status = 202, description = "Queued (async): follow the job", body = super::connections::JobQueued)))]
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
        (status = 202, description = "Queued (async): follow the job", body = super::connections::JobQueued)))]
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

// ---- payments -------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigureBody {
    /// stripe, payabl, adyen, mollie, sumup, payone, unzer or custom.
    #[schema(min_length = 1)]
    provider: String,
    #[schema(min_length = 1)]
    store_id: String,
    /// Provider-specific; validated with the provider, stored encrypted, never echoed.
    #[schema(value_type = Object)]
    config: Value,
    connector_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/configurePSP", tag = "payments", request_body = ConfigureBody,
    responses((status = 200, description = "Validated with the provider and stored encrypted", body = payments::Configured)))]
pub async fn configure_psp(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<ConfigureBody>,
) -> Result<Json<payments::Configured>> {
    store(&app, &caller, &body.store_id).await?;
    credentials_object(&body.config, "config")?;
    let out = payments::configure(
        &app,
        &caller,
        &body.store_id,
        &body.provider,
        body.connector_id.as_deref(),
        &body.config,
    )
    .await?;
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBody {
    #[schema(min_length = 1)]
    store_id: String,
    /// Minor units of `currency` (cents; yen; fils).
    #[schema(minimum = 1)]
    amount: i64,
    /// ISO 4217.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    currency: String,
    #[schema(min_length = 1, max_length = 200)]
    reference: String,
    /// A PSP token; never a card number.
    #[schema(min_length = 1)]
    payment_method: String,
    description: Option<String>,
    return_url: Option<String>,
}

fn looks_like_card_number(s: &str) -> bool {
    let digits: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (12..=19).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

fn valid_currency(code: &str) -> Result<String> {
    let upper = code.trim().to_ascii_uppercase();
    if upper.len() == 3 && beep_sdk::money::exponent(&upper).is_some() {
        Ok(upper)
    } else {
        Err(Failure::invalid(
            "invalid_currency",
            format!("{code:?} is not an ISO 4217 currency code"),
        ))
    }
}

#[utoipa::path(post, path = "/api/v1/processPayment", tag = "payments", request_body = PaymentBody,
    params(("Idempotency-Key" = String, Header, description = "Retries with the same key never pay twice")),
    responses((status = 200, description = "The payment (also a replay of the same key)", body = payments::PaymentAnswer)))]
pub async fn process_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    Body(body): Body<PaymentBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    let currency = valid_currency(&body.currency)?;
    if body.amount <= 0 {
        return Err(Failure::invalid(
            "invalid_amount",
            "amount must be a positive integer in minor units",
        ));
    }
    if body.reference.trim().is_empty() || body.reference.len() > 200 {
        return Err(Failure::invalid(
            "invalid_reference",
            "reference must be 1 to 200 characters",
        ));
    }
    if body.payment_method.trim().is_empty() {
        return Err(Failure::invalid(
            "invalid_payment_method",
            "paymentMethod is required (a PSP token)",
        ));
    }
    if looks_like_card_number(&body.payment_method) {
        return Err(Failure::invalid(
            "card_number_not_allowed",
            "paymentMethod must be a PSP token; never send card numbers",
        ));
    }
    let input = PaymentInput {
        store_id: body.store_id,
        amount: body.amount,
        currency,
        reference: body.reference,
        payment_method: body.payment_method,
        description: body.description,
        return_url: body.return_url,
    };
    Ok(answer(payments::process(&app, &caller, &key, input).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody {
    #[schema(min_length = 1)]
    store_id: String,
    #[schema(min_length = 1)]
    payment_id: String,
    /// Minor units; the rest of the captured amount when absent.
    #[schema(minimum = 1)]
    amount: Option<i64>,
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/refundPayment", tag = "payments", request_body = RefundBody,
    params(("Idempotency-Key" = String, Header, description = "Retries with the same key never refund twice")),
    responses((status = 200, description = "The refund; refunds never sum past the captured amount", body = payments::RefundAnswer)))]
pub async fn refund_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    Body(body): Body<RefundBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    if body.amount.is_some_and(|a| a <= 0) {
        return Err(Failure::invalid(
            "invalid_amount",
            "amount must be a positive integer in minor units",
        ));
    }
    let input = RefundInput {
        store_id: body.store_id,
        payment_id: body.payment_id,
        amount: body.amount,
        reason: body.reason,
    };
    Ok(answer(payments::refund(&app, &caller, &key, input).await?))
}

/// Vendors call this without a BEEP! key: the connector verifies the notification.
#[utoipa::path(post, path = "/api/v1/webhooks/{provider}/{store_id}", tag = "payments", security(()),
    params(("provider" = String, Path), ("store_id" = String, Path)),
    request_body(content = Object, description = "The provider's notification, verified by its connector"),
    responses((status = 200, description = "Verified and applied once", body = Received)))]
pub async fn webhook(
    State(app): State<Arc<App>>,
    Path((provider, store_id)): Path<(String, String)>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<payments::webhooks::Received>> {
    // Anonymous callers: limited per address before anything is looked up.
    app.limiter
        .webhook_from(super::extract::client_address(&extensions))
        .map_err(|retry_after| Failure::TooMany { retry_after })?;
    let headers = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let out =
        payments::webhooks::receive(&app, &provider, &store_id, headers, body.to_vec()).await?;
    Ok(Json(out))
}

// ---- sales ----------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaleBody {
    #[schema(min_length = 1)]
    store_id: String,
    #[schema(min_length = 1, max_length = 100)]
    receipt_number: String,
    /// ISO 4217.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    currency: String,
    #[schema(min_items = 1)]
    lines: Vec<LineBody>,
    #[serde(default)]
    payments: Vec<SalePaymentBody>,
    total: Option<i64>,
    tax_total: Option<i64>,
    created_at: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineBody {
    product_id: Option<String>,
    sku: Option<String>,
    name: String,
    quantity: f64,
    unit_price: i64,
    total: Option<i64>,
    tax_rate_bps: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SalePaymentBody {
    method: String,
    amount: i64,
    reference: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/sales", tag = "sales", request_body = SaleBody,
    responses((status = 201, description = "Recorded; pushed to the POS and ERP by their outboxes", body = SaleRecorded)))]
pub async fn create_sale(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<SaleBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    let currency = valid_currency(&body.currency)?;
    let receipt = body.receipt_number.trim();
    if receipt.is_empty() || receipt.len() > 100 {
        return Err(Failure::invalid(
            "invalid_receipt_number",
            "receiptNumber must be 1 to 100 characters",
        ));
    }
    if body.lines.is_empty() {
        return Err(Failure::invalid(
            "no_lines",
            "a sale needs at least one line",
        ));
    }
    let money = |amount: i64| Money {
        amount,
        currency: currency.clone(),
    };
    let mut lines = Vec::with_capacity(body.lines.len());
    let mut total = 0i64;
    for (i, l) in body.lines.iter().enumerate() {
        if !l.quantity.is_finite() || l.quantity <= 0.0 {
            return Err(Failure::invalid(
                "invalid_quantity",
                format!("lines[{i}].quantity must be positive"),
            ));
        }
        if l.unit_price < 0 {
            return Err(Failure::invalid(
                "invalid_amount",
                format!("lines[{i}].unitPrice must not be negative"),
            ));
        }
        if l.name.trim().is_empty() {
            return Err(Failure::invalid(
                "invalid_line",
                format!("lines[{i}].name is required"),
            ));
        }
        let line_total = l
            .total
            .unwrap_or_else(|| (l.quantity * l.unit_price as f64).round() as i64);
        total = total
            .checked_add(line_total)
            .ok_or_else(|| Failure::invalid("invalid_amount", "total overflows"))?;
        lines.push(SaleLine {
            product_id: l.product_id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit_price: money(l.unit_price),
            total: money(line_total),
            tax_rate_bps: l.tax_rate_bps,
        });
    }
    if let Some(given) = body.total.filter(|given| *given != total) {
        return Err(Failure::invalid(
            "total_mismatch",
            format!("total {given} does not match the lines ({total})"),
        ));
    }
    let created_at = match body.created_at {
        Some(ts) if ts.len() >= 20 && ts.as_bytes().get(10) == Some(&b'T') => ts,
        Some(ts) => {
            return Err(Failure::invalid(
                "invalid_timestamp",
                format!("createdAt {ts:?} is not RFC 3339"),
            ));
        }
        None => db::rfc3339(db::now_ms()),
    };
    let sale = Sale {
        id: db::new_id(),
        receipt_number: receipt.to_string(),
        lines,
        total: money(total),
        tax_total: body.tax_total.map(money),
        payments: body
            .payments
            .iter()
            .map(|p| SalePayment {
                method: p.method.clone(),
                amount: money(p.amount),
                reference: p.reference.clone(),
            })
            .collect(),
        created_at,
    };
    let json_body = serde_json::to_string(&sale).map_err(anyhow::Error::from)?;
    match db::sales::insert(
        &app.db,
        &sale.id,
        &body.store_id,
        receipt,
        total,
        &currency,
        &json_body,
    )
    .await?
    {
        db::sales::Insert::Created => Ok((
            StatusCode::CREATED,
            Json(SaleRecorded {
                success: true,
                sale_id: sale.id,
                receipt_number: sale.receipt_number,
                total,
                currency,
            }),
        )
            .into_response()),
        db::sales::Insert::Duplicate(existing) => Err(Failure::Conflict {
            code: "duplicate_receipt",
            message: format!("receipt {receipt} is already recorded as sale {existing}"),
            retry_after: None,
        }),
    }
}

// ---- read-back ------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    store_id: String,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl ListQuery {
    fn limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
    fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).max(0)
    }
}

#[utoipa::path(get, path = "/api/v1/sales", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Latest sales with their deliveries", body = Sales)))]
pub async fn list_sales(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Sales>> {
    store(&app, &caller, &q.store_id).await?;
    let sales = db::sales::list(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(Sales {
        success: true,
        sales,
    }))
}

#[utoipa::path(get, path = "/api/v1/products", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Synced products", body = Products)))]
pub async fn list_products(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Products>> {
    store(&app, &caller, &q.store_id).await?;
    let (products, total) =
        db::catalog::list_products(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(Products {
        success: true,
        total,
        products,
    }))
}

#[utoipa::path(get, path = "/api/v1/inventory", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Synced stock levels", body = Inventory)))]
pub async fn list_inventory(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Inventory>> {
    store(&app, &caller, &q.store_id).await?;
    let (inventory, total) =
        db::erp::list_inventory(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(Inventory {
        success: true,
        total,
        inventory,
    }))
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Synced purchase orders", body = Orders)))]
pub async fn list_orders(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Orders>> {
    store(&app, &caller, &q.store_id).await?;
    let (orders, total) = db::erp::list_orders(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(Orders {
        success: true,
        total,
        orders,
    }))
}

#[utoipa::path(get, path = "/api/v1/suppliers", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Synced suppliers", body = Suppliers)))]
pub async fn list_suppliers(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Suppliers>> {
    store(&app, &caller, &q.store_id).await?;
    let (suppliers, total) =
        db::erp::list_suppliers(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(Suppliers {
        success: true,
        total,
        suppliers,
    }))
}

#[utoipa::path(get, path = "/api/v1/categories", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Synced categories", body = Categories)))]
pub async fn list_categories(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Categories>> {
    store(&app, &caller, &q.store_id).await?;
    let categories = db::catalog::list_categories(&app.db, &q.store_id).await?;
    Ok(Json(Categories {
        success: true,
        categories,
    }))
}

#[utoipa::path(get, path = "/api/v1/syncRuns", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Latest sync runs", body = SyncRuns)))]
pub async fn list_sync_runs(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<SyncRuns>> {
    store(&app, &caller, &q.store_id).await?;
    let sync_runs = db::sync_runs::list(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(SyncRuns {
        success: true,
        sync_runs,
    }))
}

#[utoipa::path(get, path = "/api/v1/syncRuns/{run_id}", tag = "read-back",
    params(("run_id" = String, Path)),
    responses((status = 200, description = "The run: status, per-stream counts, error class", body = SyncRunFound)))]
pub async fn get_sync_run(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(run_id): Path<String>,
) -> Result<Json<SyncRunFound>> {
    let run = db::sync_runs::get(&app.db, &run_id)
        .await?
        .ok_or_else(|| Failure::not_found("unknown_sync_run", format!("no sync run {run_id}")))?;
    store(&app, &caller, &run.store_id).await?;
    Ok(Json(SyncRunFound {
        success: true,
        sync_run: run,
    }))
}

#[utoipa::path(get, path = "/api/v1/payments", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Latest payments", body = Payments)))]
pub async fn list_payments(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Payments>> {
    store(&app, &caller, &q.store_id).await?;
    let payments = db::payments::list_payments(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(Payments {
        success: true,
        payments,
    }))
}

#[utoipa::path(get, path = "/api/v1/payments/{payment_id}", tag = "read-back",
    params(("payment_id" = String, Path)),
    responses((status = 200, description = "The payment and its refunds", body = PaymentFound)))]
pub async fn get_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(payment_id): Path<String>,
) -> Result<Json<PaymentFound>> {
    let payment = db::payments::payment(&app.db, &payment_id)
        .await?
        .ok_or_else(|| Failure::not_found("unknown_payment", format!("no payment {payment_id}")))?;
    store(&app, &caller, &payment.store_id).await?;
    let refunds = db::payments::refunds_of(&app.db, &payment_id).await?;
    Ok(Json(PaymentFound {
        success: true,
        payment,
        refunds,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    store_id: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit/egress", tag = "read-back", params(AuditQuery),
    responses((status = 200, description = "Outbound calls of this merchant's connectors", body = Audit)))]
pub async fn egress_audit(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<AuditQuery>,
) -> Result<Json<Audit>> {
    if let Some(store_id) = &q.store_id {
        store(&app, &caller, store_id).await?;
    }
    let rows = db::audit::list(
        &app.db,
        &caller.merchant_id,
        caller.mode,
        q.store_id.as_deref(),
        q.limit.unwrap_or(100).clamp(1, 1000),
    )
    .await?;
    Ok(Json(Audit {
        success: true,
        calls: rows,
    }))
}

#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors",
    responses((status = 200, description = "Bundled, installed and this merchant's uploaded connectors", body = Connectors)))]
pub async fn list_connectors(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<Connectors>> {
    let mut connectors: Vec<Listed> = app
        .registry
        .entries()
        .map(|e| {
            let info = &e.connector.info;
            Listed::Served(Served {
                connector_id: e.id.clone(),
                name: info.name.clone(),
                source: e.source,
                kind: kind_name(info.kind).into(),
                version: info.version.clone(),
                systems: info.systems.clone(),
                hosts: info.hosts.clone(),
                sha256: e.connector.sha256.clone(),
                size: e.connector.size as u64,
                contract: e.connector.contract.clone(),
            })
        })
        .collect();
    for u in db::connectors::list(&app.db, &caller.merchant_id, caller.mode).await? {
        connectors.push(Listed::Uploaded(uploaded_json(u)));
    }
    Ok(Json(Connectors {
        success: true,
        served: crate::runtime::SUPPORTED_CONTRACTS
            .iter()
            .map(|v| format!("beep:connector@{v}"))
            .collect(),
        connectors,
    }))
}

fn uploaded_json(connector: db::connectors::Uploaded) -> UploadedConnector {
    UploadedConnector {
        connector,
        source: crate::connectors::Source::Uploaded,
    }
}

/// The upload form.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart parts; read field by field below
pub struct UploadForm {
    /// JSON: name, version, kind, hosts.
    manifest: String,
    /// The component (.wasm).
    #[schema(value_type = String, format = Binary)]
    component: Vec<u8>,
}

/// `multipart/form-data` with a `manifest` part (JSON) and a `component` part (the .wasm).
#[utoipa::path(post, path = "/api/v1/connectors", tag = "connectors",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Validated and stored", body = ConnectorFound)))]
pub async fn upload_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    form: std::result::Result<
        axum::extract::Multipart,
        axum::extract::multipart::MultipartRejection,
    >,
) -> Result<Response> {
    // Not a multipart body (or no boundary): the API's error shape, not axum's text.
    let mut form = form.map_err(|e| Failure::invalid("invalid_upload", e.body_text()))?;
    let mut manifest: Option<uploads::Manifest> = None;
    let mut component: Option<Vec<u8>> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Failure::TooLarge(format!(
                    "components are limited to {} bytes",
                    uploads::MAX_COMPONENT_BYTES
                )));
            }
            Err(e) => return Err(Failure::invalid("invalid_upload", e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        let data = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::TooLarge(format!(
                    "components are limited to {} bytes",
                    uploads::MAX_COMPONENT_BYTES
                ))
            } else {
                Failure::invalid("invalid_upload", e.body_text())
            }
        })?;
        match name.as_str() {
            "manifest" => {
                manifest =
                    Some(serde_json::from_slice(&data).map_err(|e| {
                        Failure::invalid("invalid_manifest", format!("manifest: {e}"))
                    })?);
            }
            "component" => component = Some(data.to_vec()),
            other => {
                return Err(Failure::invalid(
                    "invalid_upload",
                    format!("unexpected part {other:?}; send manifest and component"),
                ));
            }
        }
    }
    let manifest = manifest
        .ok_or_else(|| Failure::invalid("invalid_upload", "the manifest part is missing"))?;
    let component = component
        .ok_or_else(|| Failure::invalid("invalid_upload", "the component part is missing"))?;
    let uploaded = uploads::upload(&app, &caller, manifest, component).await?;
    Ok((
        StatusCode::CREATED,
        Json(ConnectorFound {
            success: true,
            connector: uploaded_json(uploaded),
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/connectors/{connector_id}", tag = "connectors",
    params(("connector_id" = String, Path, description = "An id, name@version or name (latest)")),
    responses((status = 200, description = "One uploaded connector", body = ConnectorFound)))]
pub async fn get_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<ConnectorFound>> {
    let uploaded = uploads::find(&app, &caller, &reference).await?;
    Ok(Json(ConnectorFound {
        success: true,
        connector: uploaded_json(uploaded),
    }))
}

#[utoipa::path(delete, path = "/api/v1/connectors/{connector_id}", tag = "connectors",
    params(("connector_id" = String, Path, description = "An id, name@version or name (latest)")),
    responses((status = 200, description = "Deleted (409 while a store uses it)", body = Deleted)))]
pub async fn delete_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<Deleted>> {
    uploads::delete(&app, &caller, &reference).await?;
    Ok(Json(Deleted {
        success: true,
        deleted: reference,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantBody {
    #[serde(default)]
    approve: Vec<String>,
    #[serde(default)]
    revoke: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/connectors/{connector_id}/grants", tag = "connectors",
    params(("connector_id" = String, Path)), request_body = GrantBody,
    responses((status = 200, description = "The connector with its approved hosts", body = ConnectorFound)))]
pub async fn connector_grants(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
    Body(body): Body<GrantBody>,
) -> Result<Json<ConnectorFound>> {
    let uploaded =
        uploads::set_grants(&app, &caller, &reference, &body.approve, &body.revoke).await?;
    Ok(Json(ConnectorFound {
        success: true,
        connector: uploaded_json(uploaded),
    }))
}
