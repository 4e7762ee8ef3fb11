//! Workers and the scheduler of one `beep serve` process. Workers claim due jobs from
//! the shared table (any replica's), heartbeat their lease while they run, and sleep
//! until woken by a local enqueue or the poll interval. The scheduler turns due
//! connection schedules into jobs; moving a schedule on is a compare-and-set, so on
//! many replicas exactly one of them enqueues each due run.

use super::{Operation, Payload};
use crate::app::App;
use crate::db::{self, connections::Due};
use std::sync::Arc;
use std::time::Duration;

/// How often an idle worker looks for due jobs another replica queued (a local
/// enqueue wakes it at once).
const POLL: Duration = Duration::from_millis(250);
/// How often the scheduler looks for due connections.
const TICK: Duration = Duration::from_millis(500);

/// Extends a job's lease while it runs.
pub struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    pub fn start(app: &App, job_id: &str) -> Heartbeat {
        let db = app.db.clone();
        let owner = app.instance.clone();
        let lease = app.settings.job_lease_ms;
        let job_id = job_id.to_string();
        let every = Duration::from_millis((lease / 3).max(50) as u64);
        Heartbeat(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match db::jobs::heartbeat(&db, &job_id, &owner, lease).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => tracing::warn!(job_id, "heartbeat failed: {e:#}"),
                }
            }
        }))
    }
    pub fn stop(self) {
        self.0.abort();
    }
}

/// Starts `workers` workers and, if there are any, the scheduler. With none the
/// process only answers the API (its requests still run the jobs they wait for).
pub fn start(app: &Arc<App>) {
    let workers = app.settings.workers;
    for n in 0..workers {
        let app = app.clone();
        tokio::spawn(async move { work(app, n).await });
    }
    if workers > 0 {
        let app = app.clone();
        tokio::spawn(async move { schedule(app).await });
    }
}

async fn work(app: Arc<App>, n: usize) {
    loop {
        let woken = app.wake_workers.notified();
        match db::jobs::claim(&app.db, &app.instance, app.settings.job_lease_ms).await {
            Ok(Some(job)) => {
                tracing::debug!(
                    worker = n,
                    job_id = job.job_id,
                    operation = job.operation,
                    "job claimed"
                );
                let heartbeat = Heartbeat::start(&app, &job.job_id);
                // Workers run outside any request: each job is a trace of its own.
                let span = crate::telemetry::job_span(&job.operation, job.attempts);
                tracing::Instrument::instrument(super::execute(&app, job), span).await;
                heartbeat.stop();
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(worker = n, "claiming a job failed: {e:#}"),
        }
        let _ = tokio::time::timeout(POLL, woken).await;
    }
}

async fn schedule(app: Arc<App>) {
    loop {
        if let Err(e) = enqueue_due(&app).await {
            tracing::warn!("scheduling failed: {e:#}");
        }
        tokio::time::sleep(TICK).await;
    }
}

/// One scheduler pass: every due sync or push of a connection becomes one job (none
/// when the previous one is still queued or running), and the schedule moves on.
pub async fn enqueue_due(app: &App) -> anyhow::Result<usize> {
    let now = db::now_ms();
    let mut queued = 0;
    for (connection, due) in db::connections::due(&app.db, now, 100).await? {
        let (from, every, operation) = match due {
            Due::Sync => (
                connection.next_sync_at,
                connection.sync_every_seconds,
                Operation::sync(&connection.kind),
            ),
            Due::Push => (
                connection.next_push_at,
                connection.push_every_seconds,
                Operation::push(&connection.kind),
            ),
        };
        let (Some(from), Some(every)) = (from, every) else {
            continue;
        };
        // The next run is due one period after this one was; a schedule that fell far
        // behind (the service was down) runs once now, not once per missed period.
        let mut next = from + every * 1000;
        if next <= now {
            next = now + every * 1000;
        }
        let mut tx = app.db.pool.begin().await?;
        if !db::connections::advance(&mut tx, &connection.connection_id, due, from, next).await? {
            continue;
        }
        if !db::jobs::open_for(&mut tx, &connection.connection_id, operation.name()).await? {
            let caller = db::merchants::Caller {
                merchant_id: connection.merchant_id.clone(),
                plan: db::merchants::Plan::Grow,
                mode: db::merchants::Mode::of(&connection.mode),
                key_hash: None,
            };
            let payload = Payload {
                system: connection.system.clone(),
                connector_id: (connection.system == "custom")
                    .then(|| connection.connector_id.clone()),
                ..Default::default()
            };
            db::jobs::insert(
                &mut *tx,
                &db::jobs::new_job_id(),
                &db::jobs::NewJob {
                    caller: &caller,
                    store_id: &connection.store_id,
                    connection_id: Some(&connection.connection_id),
                    kind: operation.kind(),
                    operation: operation.name(),
                    payload: payload.encode(),
                    due_at: from,
                    held_by: None,
                },
            )
            .await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    if queued > 0 {
        app.wake_workers.notify_waiters();
    }
    Ok(queued)
}
