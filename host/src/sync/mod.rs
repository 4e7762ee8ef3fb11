//! Sync runs: pull a POS catalogue or ERP data stream by stream, page by page. Each
//! page is written in one transaction with the run's cursor, so an interrupted run
//! resumes at the page it stopped; 429s are waited out within a patience budget.

pub mod push;
mod streams;

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
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;
pub use streams::Stream;

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
    /// The job this run belongs to: its progress is written with each page.
    pub job_id: Option<&'a str>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    pub success: bool,
    pub system: String,
    /// Records per stream (`products`, `categories`, `priceUpdates`; `inventory`,
    /// `orders`, `suppliers`).
    #[schema(value_type = Object)]
    pub synced: serde_json::Value,
    pub sync_run_id: String,
    pub status: String,
    pub full: bool,
    pub resumed: bool,
    pub pages: i64,
    pub deactivated: u64,
    pub rate_limit_waits: u32,
}

/// The run's position: which stream it is in, and each stream's connector cursor (for
/// a finished stream: where its next incremental run starts).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Position {
    stage: usize,
    cursors: BTreeMap<String, String>,
}

impl Position {
    fn decode(text: Option<&str>) -> Position {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
    fn encode(&self) -> String {
        serde_json::to_string(self).expect("a position serialises")
    }
}

/// How a failed run is classified (Airbyte's failure types): status and class.
fn classify(error: &CallError) -> (&'static str, &'static str) {
    use ConnectorError as E;
    match error {
        CallError::Connector(
            E::Unauthorized(_)
            | E::Forbidden(_)
            | E::InvalidConfig(_)
            | E::NotFound(_)
            | E::Unsupported(_)
            | E::UnsupportedCurrency(_)
            | E::AmountBelowMinimum(_),
        ) => ("failed", "config"),
        CallError::Connector(E::RateLimited(_) | E::Network(_)) => ("incomplete", "transient"),
        CallError::Connector(E::Upstream(u)) if u.status >= 500 => ("incomplete", "transient"),
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
    run(
        app,
        caller,
        req,
        ConnectorKind::Pos,
        "pos",
        &[Stream::Catalog],
    )
    .await
}

pub async fn sync_erp(
    app: &App,
    caller: &Caller,
    req: SyncRequest<'_>,
) -> Result<SyncSummary, Failure> {
    run(
        app,
        caller,
        req,
        ConnectorKind::Erp,
        "erp",
        &[Stream::Inventory, Stream::Orders, Stream::Suppliers],
    )
    .await
}

async fn run(
    app: &App,
    caller: &Caller,
    req: SyncRequest<'_>,
    kind: ConnectorKind,
    kind_name: &str,
    streams: &[Stream],
) -> Result<SyncSummary, Failure> {
    let target = calls::prepare(
        app,
        caller,
        kind,
        req.system,
        req.connector_id,
        req.credentials,
    )
    .await?;
    remember_connector(app, caller, req.store_id, kind_name, req.system, &target).await?;

    let mut empty = serde_json::Map::new();
    for stream in streams {
        for key in stream.count_keys() {
            empty.insert(key.to_string(), json!(0));
        }
    }
    let mut run = match db::sync_runs::claim(
        &app.db,
        req.store_id,
        kind_name,
        req.system,
        req.full,
        &serde_json::Value::Object(empty),
        app.settings.sync_stale_after_ms,
    )
    .await?
    {
        Claim::Run(run) => run,
        Claim::Busy(id) => {
            let which = if id.is_empty() {
                String::new()
            } else {
                format!(" ({id})")
            };
            return Err(Failure::Conflict {
                code: "sync_in_progress",
                message: format!(
                    "a {} sync of this store is already running{which}",
                    req.system
                ),
                retry_after: Some(5),
            });
        }
    };
    let mut position = Position::decode(run.cursor.as_deref());

    let mut waits = 0u32;
    let mut waited = Duration::ZERO;
    let mut retries = 0u32;
    let mut deactivated = 0;
    while position.stage < streams.len() {
        if run.pages >= MAX_PAGES {
            return stop(
                app,
                &target,
                &run,
                CallError::Internal(format!("{} pages without an end", run.pages)),
            )
            .await;
        }
        let stream = streams[position.stage];
        let cursor = position.cursors.get(stream.name()).cloned();
        let (result, report) = stream.fetch(app, &target, cursor.as_deref()).await;
        calls::record_about(
            app,
            caller,
            Some(req.store_id),
            &target,
            stream.operation(),
            &report,
            Some(db::call_logs::About::SyncRun(&run.sync_run_id)),
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
        let (next, has_more) = page.position();
        if has_more && next.is_none() {
            return stop(
                app,
                &target,
                &run,
                CallError::Internal(
                    "the connector said more pages follow but gave no cursor".into(),
                ),
            )
            .await;
        }
        if has_more && next == cursor {
            return stop(
                app,
                &target,
                &run,
                CallError::Internal("the connector's cursor did not advance".into()),
            )
            .await;
        }

        let mut tx = app.db.pool.begin().await?;
        page.write(
            app.db.backend,
            &mut tx,
            req.store_id,
            req.system,
            &run.sync_run_id,
            &mut run.counts,
        )
        .await?;
        match next {
            Some(next) => position.cursors.insert(stream.name().to_string(), next),
            None => position.cursors.remove(stream.name()),
        };
        if !has_more {
            position.stage += 1;
        }
        run.pages += 1;
        if position.stage < streams.len() {
            run.cursor = Some(position.encode());
            db::sync_runs::save_page(&mut tx, &run).await?;
        } else {
            if run.full && streams.contains(&Stream::Catalog) {
                deactivated = db::catalog::deactivate_unseen(
                    &mut tx,
                    req.store_id,
                    req.system,
                    &run.sync_run_id,
                )
                .await?;
            }
            // The next run starts every stream where this one ended.
            run.cursor = Some(
                Position {
                    stage: 0,
                    cursors: position.cursors.clone(),
                }
                .encode(),
            );
            db::sync_runs::complete(&mut tx, &run).await?;
        }
        if let Some(job_id) = req.job_id {
            let progress =
                json!({"syncRunId": run.sync_run_id, "pages": run.pages, "records": run.counts});
            db::jobs::save_progress(&mut tx, job_id, &progress).await?;
        }
        tx.commit().await?;
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

/// Remembers which connector (its pinned id) a store uses for a system, in the store's
/// connection, so that a connector in use is not deleted. Credentials a request brought
/// are not kept: credentials nobody reads are only a liability.
pub(crate) async fn remember_connector(
    app: &App,
    caller: &Caller,
    store_id: &str,
    kind: &str,
    system: &str,
    target: &Target,
) -> Result<(), Failure> {
    db::connections::remember(&app.db, caller, store_id, kind, system, &target.entry.pin).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_default() {
        assert_eq!(Position::decode(None), Position::default());
        assert_eq!(Position::decode(Some("not json")), Position::default());
        let mut p = Position {
            stage: 1,
            ..Default::default()
        };
        p.cursors
            .insert("inventory".into(), "{\"offset\":100}".into());
        assert_eq!(Position::decode(Some(&p.encode())), p);
    }

    #[test]
    fn failures_are_classified() {
        let e = |c| CallError::Connector(c);
        assert_eq!(
            classify(&e(ConnectorError::Unauthorized("x".into()))),
            ("failed", "config")
        );
        assert_eq!(
            classify(&e(ConnectorError::RateLimited(Some(3)))),
            ("incomplete", "transient")
        );
        assert_eq!(
            classify(&CallError::Budget(Exhausted::Deadline)),
            ("incomplete", "transient")
        );
        assert_eq!(
            classify(&CallError::Budget(Exhausted::Memory)),
            ("failed", "system")
        );
        assert_eq!(classify(&CallError::Trap("x".into())), ("failed", "system"));
    }
}
