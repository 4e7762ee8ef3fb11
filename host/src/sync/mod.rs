//! POS sync: pull the catalogue page by page (one transaction per page, cursor saved
//! with it), and push sales through the outbox.

pub mod push;

use crate::app::App;
use crate::calls::{self, Target};
use crate::db::{
    self,
    merchants::Caller,
    sync_runs::{Claim, SyncRun},
};
use crate::error::Failure;
use crate::runtime::bindings::types::{ConnectorError, ConnectorKind};
use crate::runtime::{CallError, Exhausted};
use std::time::{Duration, Instant};

/// How long one sync request may spend waiting out 429s before it stops incomplete.
const RATE_LIMIT_PATIENCE: Duration = Duration::from_secs(30);
/// Transient failures (5xx, network, deadline) retried per page before stopping.
const TRANSIENT_RETRIES: u32 = 2;
/// A guard against a connector that never says it is done.
const MAX_PAGES: i64 = 1_000_000;

pub struct SyncRequest<'a> {
    pub store_id: &'a str,
    pub system: &'a str,
    pub connector_id: Option<&'a str>,
    pub credentials: &'a serde_json::Value,
    pub full: bool,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    pub success: bool,
    pub system: String,
    pub synced: serde_json::Value,
    pub sync_run_id: String,
    pub status: String,
    pub full: bool,
    pub resumed: bool,
    pub pages: i64,
    pub deactivated: u64,
    pub rate_limit_waits: u32,
}

/// How a failed run is classified (Airbyte's failure types).
fn classify(error: &CallError) -> (&'static str, &'static str) {
    match error {
        CallError::Connector(
            ConnectorError::Unauthorized(_)
            | ConnectorError::Forbidden(_)
            | ConnectorError::InvalidConfig(_)
            | ConnectorError::NotFound(_),
        ) => ("failed", "config"),
        CallError::Connector(ConnectorError::Unsupported(_)) => ("failed", "config"),
        CallError::Connector(ConnectorError::RateLimited(_) | ConnectorError::Network(_)) => {
            ("incomplete", "transient")
        }
        CallError::Connector(ConnectorError::Upstream(u)) if u.status >= 500 => {
            ("incomplete", "transient")
        }
        CallError::Budget(Exhausted::Deadline) => ("incomplete", "transient"),
        _ => ("failed", "system"),
    }
}

fn is_transient(error: &CallError) -> bool {
    classify(error).1 == "transient"
}

pub async fn sync_pos(
    app: &App,
    caller: &Caller,
    req: SyncRequest<'_>,
) -> Result<SyncSummary, Failure> {
    let target = calls::prepare(
        app,
        caller,
        ConnectorKind::Pos,
        req.system,
        req.connector_id,
        req.credentials,
    )?;
    remember_credentials(
        app,
        req.store_id,
        "pos",
        req.system,
        &target,
        req.credentials,
    )
    .await?;

    let empty = serde_json::json!({"products": 0, "categories": 0, "priceUpdates": 0});
    let mut run =
        match db::sync_runs::claim(&app.db, req.store_id, "pos", req.system, req.full, &empty)
            .await?
        {
            Claim::Run(run) => run,
            Claim::Busy(id) => {
                return Err(Failure::Conflict {
                    code: "sync_in_progress",
                    message: format!(
                        "a {} sync of this store is already running{}",
                        req.system,
                        if id.is_empty() {
                            String::new()
                        } else {
                            format!(" ({id})")
                        }
                    ),
                    retry_after: Some(5),
                });
            }
        };

    let mut waits = 0u32;
    let mut waited = Duration::ZERO;
    let mut retries = 0u32;
    let mut deactivated = 0;
    loop {
        if run.pages >= MAX_PAGES {
            return stop(
                app,
                &target,
                &run,
                CallError::Internal(format!("{} pages without an end", run.pages)),
            )
            .await;
        }
        let (result, report) = app
            .runtime
            .fetch_catalog(
                &target.entry.connector,
                &target.ctx,
                &target.config,
                run.cursor.as_deref(),
            )
            .await;
        calls::record(
            app,
            caller,
            Some(req.store_id),
            &target,
            "fetch-catalog",
            &report,
        )
        .await;
        let page = match result {
            Ok(page) => page,
            Err(CallError::Connector(ConnectorError::RateLimited(after))) => {
                let pause = Duration::from_secs(after.unwrap_or(1).clamp(1, 60) as u64);
                if waited + pause > RATE_LIMIT_PATIENCE {
                    return stop(
                        app,
                        &target,
                        &run,
                        CallError::Connector(ConnectorError::RateLimited(after)),
                    )
                    .await;
                }
                waits += 1;
                waited += pause;
                tokio::time::sleep(pause).await;
                continue;
            }
            Err(e) if is_transient(&e) && retries < TRANSIENT_RETRIES => {
                retries += 1;
                tokio::time::sleep(Duration::from_millis(200 * u64::from(retries))).await;
                continue;
            }
            Err(e) => return stop(app, &target, &run, e).await,
        };
        retries = 0;
        if page.has_more && page.next_cursor.is_none() {
            return stop(
                app,
                &target,
                &run,
                CallError::Internal("connector said more pages follow but gave no cursor".into()),
            )
            .await;
        }
        if page.has_more && page.next_cursor == run.cursor {
            return stop(
                app,
                &target,
                &run,
                CallError::Internal("connector's cursor did not advance".into()),
            )
            .await;
        }

        let started = Instant::now();
        let mut tx = app.db.pool.begin().await?;
        db::catalog::upsert_categories(&mut tx, req.store_id, req.system, &page.categories).await?;
        db::catalog::upsert_products(
            &mut tx,
            req.store_id,
            req.system,
            &run.sync_run_id,
            &page.products,
        )
        .await?;
        db::catalog::upsert_prices(&mut tx, req.store_id, req.system, &page.price_updates).await?;
        add(&mut run.counts, "products", page.products.len());
        add(&mut run.counts, "categories", page.categories.len());
        add(&mut run.counts, "priceUpdates", page.price_updates.len());
        run.cursor = page.next_cursor.clone();
        run.pages += 1;
        if page.has_more {
            db::sync_runs::save_page(&mut tx, &run).await?;
            tx.commit().await?;
        } else {
            if run.full {
                deactivated = db::catalog::deactivate_unseen(
                    &mut tx,
                    req.store_id,
                    req.system,
                    &run.sync_run_id,
                )
                .await?;
            }
            db::sync_runs::complete(&mut tx, &run).await?;
            tx.commit().await?;
            tracing::debug!(run = %run.sync_run_id, millis = started.elapsed().as_millis() as u64, "last page written");
            break;
        }
    }
    Ok(SyncSummary {
        success: true,
        system: req.system.to_string(),
        synced: run.counts.clone(),
        sync_run_id: run.sync_run_id.clone(),
        status: "complete".into(),
        full: run.full,
        resumed: run.resumed,
        pages: run.pages,
        deactivated,
        rate_limit_waits: waits,
    })
}

fn add(counts: &mut serde_json::Value, key: &str, n: usize) {
    let current = counts.get(key).and_then(|v| v.as_i64()).unwrap_or(0);
    counts[key] = serde_json::json!(current + n as i64);
}

/// Records why the run stopped and turns it into the request's failure.
async fn stop(
    app: &App,
    target: &Target,
    run: &SyncRun,
    error: CallError,
) -> Result<SyncSummary, Failure> {
    let (status, class) = classify(&error);
    db::sync_runs::stop(
        &app.db,
        run,
        status,
        class,
        error.code(),
        &error.to_string(),
    )
    .await?;
    Err(Failure::Call {
        connector: target.entry.id.clone(),
        error,
        sync_run_id: Some(run.sync_run_id.clone()),
    })
}

/// Keeps the store's credentials (sealed) for pushes and resumed runs.
pub(crate) async fn remember_credentials(
    app: &App,
    store_id: &str,
    kind: &str,
    system: &str,
    target: &Target,
    credentials: &serde_json::Value,
) -> Result<(), Failure> {
    let context = format!("store-system:{store_id}:{kind}:{system}");
    let sealed = app
        .sealer
        .seal(credentials.to_string().as_bytes(), &context);
    db::merchants::save_system(&app.db, store_id, kind, system, &target.entry.id, &sealed).await?;
    Ok(())
}
