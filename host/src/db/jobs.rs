//! The job queue: one row per sync, push or payment re-check. A claim takes the oldest
//! due job (queued, or running past its lease: its worker died) and holds it under a
//! lease that the worker heartbeats; a job is settled only by the holder of its lease,
//! so a job taken over finishes exactly once.
//!
//! PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so replicas never wait on each
//! other's claims; SQLite has a single writer, and the claim is one UPDATE statement.

use super::merchants::Caller;
use super::{Backend, Db, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Clone, Debug)]
pub struct Job {
    pub job_id: String,
    pub merchant_id: String,
    pub mode: String,
    pub store_id: String,
    pub connection_id: Option<String>,
    /// `sync`, `push` or `payment`.
    pub kind: String,
    /// `syncPOS`, `syncERP`, `pushToPOS`, `pushToERP`, `checkPayment`.
    pub operation: String,
    /// `queued`, `running`, `succeeded`, `failed`, `canceled`.
    pub state: String,
    /// What the job needs (JSON; credentials in it are sealed).
    pub payload: String,
    pub due_at: i64,
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub progress: Option<String>,
    /// The HTTP status and JSON body the operation answered.
    pub status_code: Option<i64>,
    pub result: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, merchant_id, mode, store_id, connection_id, kind, operation, state, payload, due_at, attempts, lease_owner, progress, status_code, result, created_at, started_at, finished_at";

fn from_row(r: &AnyRow) -> Job {
    Job {
        job_id: r.get(0),
        merchant_id: r.get(1),
        mode: r.get(2),
        store_id: r.get(3),
        connection_id: r.get(4),
        kind: r.get(5),
        operation: r.get(6),
        state: r.get(7),
        payload: r.get(8),
        due_at: r.get(9),
        attempts: r.get(10),
        lease_owner: r.get(11),
        progress: r.get(12),
        status_code: r.get(13),
        result: r.get(14),
        created_at: r.get(15),
        started_at: r.get(16),
        finished_at: r.get(17),
    }
}

pub struct NewJob<'a> {
    pub caller: &'a Caller,
    pub store_id: &'a str,
    pub connection_id: Option<&'a str>,
    pub kind: &'a str,
    pub operation: &'a str,
    pub payload: String,
    pub due_at: i64,
    /// Some: the job is written already claimed by this owner (a request that runs it
    /// and waits); none: queued for any worker.
    pub held_by: Option<(&'a str, i64)>,
}

pub fn new_job_id() -> String {
    format!("job_{}", new_id().replace('-', ""))
}

/// Writes the job (in the caller's transaction or on the pool).
pub async fn insert<'e, E>(executor: E, id: &str, new: &NewJob<'_>) -> anyhow::Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let now = now_ms();
    let (state, owner, until, started) = match new.held_by {
        Some((owner, lease_ms)) => ("running", Some(owner), Some(now + lease_ms), Some(now)),
        None => ("queued", None, None, None),
    };
    sqlx::query(
        "INSERT INTO jobs (id, merchant_id, mode, store_id, connection_id, kind, operation, state, payload, due_at, attempts, lease_owner, lease_until, created_at, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(&new.caller.merchant_id)
    .bind(new.caller.mode.as_str())
    .bind(new.store_id)
    .bind(new.connection_id)
    .bind(new.kind)
    .bind(new.operation)
    .bind(state)
    .bind(&new.payload)
    .bind(new.due_at)
    .bind(i64::from(new.held_by.is_some()))
    .bind(owner)
    .bind(until)
    .bind(now)
    .bind(started)
    .execute(executor)
    .await?;
    Ok(())
}

/// Claims the oldest due job for `owner`, for `lease_ms`.
pub async fn claim(db: &Db, owner: &str, lease_ms: i64) -> anyhow::Result<Option<Job>> {
    let now = now_ms();
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1,
            started_at = COALESCE(started_at, $3)
         WHERE id = (SELECT id FROM jobs
                     WHERE (state = 'queued' AND due_at <= $4) OR (state = 'running' AND lease_until < $5)
                     ORDER BY due_at LIMIT 1 {lock})
         RETURNING {COLUMNS}"
    ))
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .bind(now)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(from_row))
}

/// Extends the lease; false when the job is no longer this owner's.
pub async fn heartbeat(db: &Db, job_id: &str, owner: &str, lease_ms: i64) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
    )
    .bind(now_ms() + lease_ms)
    .bind(job_id)
    .bind(owner)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Settles the job with its answer; false when another worker took it over (its
/// settlement stands, this one is dropped). `payload` replaces the stored one (a
/// settled job keeps no credentials).
pub async fn finish(
    db: &Db,
    job_id: &str,
    owner: &str,
    state: &str,
    status_code: u16,
    result: &serde_json::Value,
    payload: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = $1, status_code = $2, result = $3, payload = $4, finished_at = $5, lease_owner = NULL, lease_until = NULL
         WHERE id = $6 AND lease_owner = $7 AND state = 'running'",
    )
    .bind(state)
    .bind(i64::from(status_code))
    .bind(result.to_string())
    .bind(payload)
    .bind(now_ms())
    .bind(job_id)
    .bind(owner)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts the job back in the queue, due at `due_at` (busy, or a re-check later).
pub async fn requeue(
    db: &Db,
    job_id: &str,
    owner: &str,
    due_at: i64,
    payload: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', due_at = $1, payload = $2, lease_owner = NULL, lease_until = NULL
         WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
    )
    .bind(due_at)
    .bind(payload)
    .bind(job_id)
    .bind(owner)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Progress, written in the transaction of the page it counts.
pub async fn save_progress(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    progress: &serde_json::Value,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE jobs SET progress = $1 WHERE id = $2")
        .bind(progress.to_string())
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn get(db: &Db, job_id: &str) -> anyhow::Result<Option<Job>> {
    Ok(
        sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(job_id)
            .fetch_optional(&db.pool)
            .await?
            .map(|r| from_row(&r)),
    )
}

/// This merchant's and mode's jobs, newest first, optionally of one store or connection.
pub async fn list(
    db: &Db,
    caller: &Caller,
    store_id: Option<&str>,
    connection_id: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<Job>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE merchant_id = $1 AND mode = $2
           AND ($3 = '' OR store_id = $4) AND ($5 = '' OR connection_id = $6)
         ORDER BY created_at DESC, id DESC LIMIT $7"
    ))
    .bind(&caller.merchant_id)
    .bind(caller.mode.as_str())
    .bind(store_id.unwrap_or(""))
    .bind(store_id.unwrap_or(""))
    .bind(connection_id.unwrap_or(""))
    .bind(connection_id.unwrap_or(""))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Whether a job of this operation is queued or running for the connection (the
/// scheduler does not stack a second one behind it).
pub async fn open_for(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    connection_id: &str,
    operation: &str,
) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM jobs WHERE connection_id = $1 AND operation = $2 AND state IN ('queued', 'running') LIMIT 1",
    )
    .bind(connection_id)
    .bind(operation)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// The queue as `/metrics` shows it, per operation: jobs due and waiting for a worker,
/// how long the oldest of them has waited (ms), and jobs running.
pub struct QueueFigures {
    pub operation: String,
    pub waiting: i64,
    pub oldest_wait_ms: i64,
    pub running: i64,
}

pub async fn queue_figures(db: &Db) -> anyhow::Result<Vec<QueueFigures>> {
    let now = now_ms();
    let rows = sqlx::query(
        "SELECT operation,
                SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END),
                MIN(CASE WHEN state = 'queued' THEN due_at END),
                SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END)
         FROM jobs WHERE (state = 'queued' AND due_at <= $1) OR state = 'running'
         GROUP BY operation",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| QueueFigures {
            operation: r.get(0),
            waiting: r.get(1),
            oldest_wait_ms: r
                .get::<Option<i64>, _>(2)
                .map_or(0, |due| (now - due).max(0)),
            running: r.get(3),
        })
        .collect())
}
