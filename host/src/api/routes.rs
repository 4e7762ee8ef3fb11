//! Route handlers: validate, check the caller may touch the store, delegate.

use super::extract::{Body, IdempotencyKey, Params};
use crate::app::App;
use crate::connectors::kind_name;
use crate::db::{
    self,
    merchants::{Caller, Mode, Store, StoreAccess},
};
use crate::error::Failure;
use crate::payments::{self, Answer, PaymentInput, RefundInput};
use crate::runtime::bindings::types::{Money, Sale, SaleLine, SalePayment};
use crate::sync::{self, SyncRequest};
use crate::uploads;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Failure>;

async fn store(app: &App, caller: &Caller, store_id: &str) -> Result<Store> {
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

fn require_sync_plan(caller: &Caller) -> Result<()> {
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

pub async fn health(State(app): State<Arc<App>>) -> Json<Value> {
    let backend = match app.db.backend {
        db::Backend::Sqlite => "sqlite",
        db::Backend::Postgres => "postgres",
    };
    Json(json!({"status": "ok", "database": backend, "connectors": app.registry.entries().count()}))
}

pub async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        app.metrics.render(),
    )
}

pub async fn sandbox(State(app): State<Arc<App>>, caller: Caller) -> Result<Json<Value>> {
    if caller.mode != Mode::Test {
        return Err(Failure::forbidden(
            "test_mode_only",
            "the sandbox is for test keys",
        ));
    }
    Ok(Json(app.sandbox.listing()))
}

// ---- stores ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStore {
    name: String,
}

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
    Ok((StatusCode::CREATED, Json(json!({"success": true, "storeId": store.store_id, "name": store.name, "mode": store.mode}))).into_response())
}

pub async fn list_stores(State(app): State<Arc<App>>, caller: Caller) -> Result<Json<Value>> {
    let stores = db::merchants::list_stores(&app.db, &caller).await?;
    Ok(Json(json!({"success": true, "stores": stores})))
}

pub async fn get_store(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(store_id): Path<String>,
) -> Result<Json<Value>> {
    let store = store(&app, &caller, &store_id).await?;
    Ok(Json(json!({"success": true, "store": store})))
}

// ---- POS / ERP ------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncBody {
    system: String,
    store_id: String,
    credentials: Value,
    connector_id: Option<String>,
    #[serde(default)]
    full: bool,
}

/// What every sync and push checks first: the plan, the store, the credentials' shape.
async fn admit(app: &App, caller: &Caller, body: &SyncBody) -> Result<()> {
    require_sync_plan(caller)?;
    store(app, caller, &body.store_id).await?;
    credentials_object(&body.credentials, "credentials")
}

fn request(body: &SyncBody) -> SyncRequest<'_> {
    SyncRequest {
        store_id: &body.store_id,
        system: &body.system,
        connector_id: body.connector_id.as_deref(),
        credentials: &body.credentials,
        full: body.full,
    }
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Json<Value>> {
    Ok(Json(
        serde_json::to_value(value).map_err(anyhow::Error::from)?,
    ))
}

pub async fn sync_pos(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<SyncBody>,
) -> Result<Json<Value>> {
    admit(&app, &caller, &body).await?;
    to_json(sync::sync_pos(&app, &caller, request(&body)).await?)
}

pub async fn sync_erp(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<SyncBody>,
) -> Result<Json<Value>> {
    admit(&app, &caller, &body).await?;
    to_json(sync::sync_erp(&app, &caller, request(&body)).await?)
}

pub async fn push_pos(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<SyncBody>,
) -> Result<Json<Value>> {
    admit(&app, &caller, &body).await?;
    let r = request(&body);
    to_json(
        sync::push::push_sales(
            &app,
            &caller,
            r.store_id,
            r.system,
            r.connector_id,
            r.credentials,
        )
        .await?,
    )
}

pub async fn push_erp(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<SyncBody>,
) -> Result<Json<Value>> {
    admit(&app, &caller, &body).await?;
    let r = request(&body);
    to_json(
        sync::push::push_erp(
            &app,
            &caller,
            r.store_id,
            r.system,
            r.connector_id,
            r.credentials,
        )
        .await?,
    )
}

// ---- payments -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigureBody {
    provider: String,
    store_id: String,
    config: Value,
    connector_id: Option<String>,
}

pub async fn configure_psp(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<ConfigureBody>,
) -> Result<Json<Value>> {
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBody {
    store_id: String,
    amount: i64,
    currency: String,
    reference: String,
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody {
    store_id: String,
    payment_id: String,
    amount: Option<i64>,
    reason: Option<String>,
}

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
pub async fn webhook(
    State(app): State<Arc<App>>,
    Path((provider, store_id)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>> {
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleBody {
    store_id: String,
    receipt_number: String,
    currency: String,
    lines: Vec<LineBody>,
    #[serde(default)]
    payments: Vec<SalePaymentBody>,
    total: Option<i64>,
    tax_total: Option<i64>,
    created_at: Option<String>,
}

#[derive(Deserialize)]
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalePaymentBody {
    method: String,
    amount: i64,
    reference: Option<String>,
}

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
        None => rfc3339(db::now_ms()),
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
    match db::sales::insert(&app.db, &sale.id, &body.store_id, receipt, total, &currency, &json_body).await? {
        db::sales::Insert::Created => Ok((
            StatusCode::CREATED,
            Json(json!({"success": true, "saleId": sale.id, "receiptNumber": sale.receipt_number, "total": total, "currency": currency})),
        )
            .into_response()),
        db::sales::Insert::Duplicate(existing) => Err(Failure::Conflict {
            code: "duplicate_receipt",
            message: format!("receipt {receipt} is already recorded as sale {existing}"),
            retry_after: None,
        }),
    }
}

/// Unix milliseconds as RFC 3339 UTC (no date crate needed for this one format).
pub(crate) fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

// ---- read-back ------------------------------------------------------------------------

#[derive(Deserialize)]
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

pub async fn list_sales(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let sales = db::sales::list(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(json!({"success": true, "sales": sales})))
}

pub async fn list_products(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let (products, total) =
        db::catalog::list_products(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(
        json!({"success": true, "total": total, "products": products}),
    ))
}

pub async fn list_inventory(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let (items, total) =
        db::erp::list_inventory(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(
        json!({"success": true, "total": total, "inventory": items}),
    ))
}

pub async fn list_orders(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let (items, total) = db::erp::list_orders(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(
        json!({"success": true, "total": total, "orders": items}),
    ))
}

pub async fn list_suppliers(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let (items, total) =
        db::erp::list_suppliers(&app.db, &q.store_id, q.limit(), q.offset()).await?;
    Ok(Json(
        json!({"success": true, "total": total, "suppliers": items}),
    ))
}

pub async fn list_categories(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let categories = db::catalog::list_categories(&app.db, &q.store_id).await?;
    Ok(Json(json!({"success": true, "categories": categories})))
}

pub async fn list_sync_runs(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let runs = db::sync_runs::list(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(json!({"success": true, "syncRuns": runs})))
}

pub async fn get_sync_run(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(run_id): Path<String>,
) -> Result<Json<Value>> {
    let run = db::sync_runs::get(&app.db, &run_id)
        .await?
        .ok_or_else(|| Failure::not_found("unknown_sync_run", format!("no sync run {run_id}")))?;
    store(&app, &caller, &run.store_id).await?;
    Ok(Json(json!({"success": true, "syncRun": run})))
}

pub async fn list_payments(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>> {
    store(&app, &caller, &q.store_id).await?;
    let list = db::payments::list_payments(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(json!({"success": true, "payments": list})))
}

pub async fn get_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(payment_id): Path<String>,
) -> Result<Json<Value>> {
    let payment = db::payments::payment(&app.db, &payment_id)
        .await?
        .ok_or_else(|| Failure::not_found("unknown_payment", format!("no payment {payment_id}")))?;
    store(&app, &caller, &payment.store_id).await?;
    let refunds = db::payments::refunds_of(&app.db, &payment_id).await?;
    Ok(Json(
        json!({"success": true, "payment": payment, "refunds": refunds}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    store_id: Option<String>,
    limit: Option<i64>,
}

pub async fn egress_audit(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<AuditQuery>,
) -> Result<Json<Value>> {
    if let Some(store_id) = &q.store_id {
        store(&app, &caller, store_id).await?;
    }
    let rows = db::audit::list(
        &app.db,
        &caller.merchant_id,
        q.store_id.as_deref(),
        q.limit.unwrap_or(100).clamp(1, 1000),
    )
    .await?;
    Ok(Json(json!({"success": true, "calls": rows})))
}

pub async fn list_connectors(State(app): State<Arc<App>>, caller: Caller) -> Result<Json<Value>> {
    let mut list: Vec<Value> = app
        .registry
        .entries()
        .map(|e| {
            let info = &e.connector.info;
            json!({
                "connectorId": e.id,
                "name": info.name,
                "source": e.source,
                "kind": kind_name(info.kind),
                "version": info.version,
                "systems": info.systems,
                "hosts": info.hosts,
                "sha256": e.connector.sha256,
                "size": e.connector.size,
                "contract": e.connector.contract,
            })
        })
        .collect();
    for u in db::connectors::list(&app.db, &caller.merchant_id).await? {
        list.push(uploaded_json(&u));
    }
    Ok(Json(
        json!({"success": true, "served": crate::runtime::SUPPORTED_CONTRACTS.iter().map(|v| format!("beep:connector@{v}")).collect::<Vec<_>>(), "connectors": list}),
    ))
}

fn uploaded_json(u: &db::connectors::Uploaded) -> Value {
    let mut v = serde_json::to_value(u).unwrap_or(Value::Null);
    v["source"] = json!("uploaded");
    v
}

/// `multipart/form-data` with a `manifest` part (JSON) and a `component` part (the .wasm).
pub async fn upload_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    mut form: axum::extract::Multipart,
) -> Result<Response> {
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
        Json(json!({"success": true, "connector": uploaded_json(&uploaded)})),
    )
        .into_response())
}

pub async fn get_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<Value>> {
    let uploaded = uploads::find(&app, &caller, &reference).await?;
    Ok(Json(
        json!({"success": true, "connector": uploaded_json(&uploaded)}),
    ))
}

pub async fn delete_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<Value>> {
    uploads::delete(&app, &caller, &reference).await?;
    Ok(Json(json!({"success": true, "deleted": reference})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantBody {
    #[serde(default)]
    approve: Vec<String>,
    #[serde(default)]
    revoke: Vec<String>,
}

pub async fn connector_grants(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
    Body(body): Body<GrantBody>,
) -> Result<Json<Value>> {
    let uploaded =
        uploads::set_grants(&app, &caller, &reference, &body.approve, &body.revoke).await?;
    Ok(Json(
        json!({"success": true, "connector": uploaded_json(&uploaded)}),
    ))
}
