//! A connector's own log lines, read back per sync run and per payment.

use super::*;
use crate::db::call_logs::About;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogsQuery {
    /// The `nextAfter` of the previous page.
    after: Option<i64>,
    limit: Option<i64>,
}

async fn page(app: &App, caller: &Caller, about: About<'_>, q: &LogsQuery) -> Result<CallLogs> {
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let logs = db::call_logs::list(
        &app.db,
        about,
        &caller.merchant_id,
        caller.mode,
        q.after.unwrap_or(0),
        limit,
    )
    .await?;
    let next_after = (logs.len() as i64 == limit)
        .then(|| logs.last().map(|l| l.id))
        .flatten();
    Ok(CallLogs {
        success: true,
        logs,
        next_after,
    })
}

#[utoipa::path(get, path = "/api/v1/syncRuns/{run_id}/logs", tag = "read-back",
    params(("run_id" = String, Path), LogsQuery),
    responses((status = 200, description = "The connector's log lines of this run, oldest first", body = CallLogs)))]
pub async fn sync_run_logs(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(run_id): Path<String>,
    Params(q): Params<LogsQuery>,
) -> Result<Json<CallLogs>> {
    let run = db::sync_runs::get(&app.db, &run_id)
        .await?
        .ok_or_else(|| Failure::not_found("unknown_sync_run", format!("no sync run {run_id}")))?;
    store(&app, &caller, &run.store_id).await?;
    Ok(Json(
        page(&app, &caller, About::SyncRun(&run_id), &q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/payments/{payment_id}/logs", tag = "read-back",
    params(("payment_id" = String, Path), LogsQuery),
    responses((status = 200, description = "The connector's log lines of this payment and its refunds, oldest first", body = CallLogs)))]
pub async fn payment_logs(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(payment_id): Path<String>,
    Params(q): Params<LogsQuery>,
) -> Result<Json<CallLogs>> {
    let payment = db::payments::payment(&app.db, &payment_id)
        .await?
        .ok_or_else(|| Failure::not_found("unknown_payment", format!("no payment {payment_id}")))?;
    store(&app, &caller, &payment.store_id).await?;
    Ok(Json(
        page(&app, &caller, About::Payment(&payment_id), &q).await?,
    ))
}
