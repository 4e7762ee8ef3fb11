//! Read-back: what syncs brought and what BEEP! recorded, page by page.

use super::*;

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

#[utoipa::path(get, path = "/api/v1/disputes", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Disputes (chargebacks) as the providers reported them, newest first", body = Disputes)))]
pub async fn list_disputes(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Disputes>> {
    store(&app, &caller, &q.store_id).await?;
    let disputes = db::disputes::list(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(Disputes {
        success: true,
        disputes,
    }))
}

#[utoipa::path(get, path = "/api/v1/payouts", tag = "read-back", params(ListQuery),
    responses((status = 200, description = "Payouts (settlements) as the provider listed them, newest first, each with what it is made of", body = Payouts)))]
pub async fn list_payouts(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Result<Json<Payouts>> {
    store(&app, &caller, &q.store_id).await?;
    let payouts = db::payouts::list(&app.db, &q.store_id, q.limit()).await?;
    Ok(Json(Payouts {
        success: true,
        payouts,
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
    let payment = payments::recheck::refresh(&app, &caller, payment).await;
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
