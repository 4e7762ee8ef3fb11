//! Sync runs: claimed one at a time per store and system, their cursor saved with each
//! page, resumable after an interruption, and their outcome recorded.

use super::{Db, new_id, now_ms};
use sqlx::{Any, Row, Transaction};

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncRun {
    pub sync_run_id: String,
    pub store_id: String,
    pub kind: String,
    pub system: String,
    pub status: String,
    pub full: bool,
    pub pages: i64,
    /// Records per stream.
    #[schema(value_type = Object)]
    pub counts: serde_json::Value,
    pub error_class: Option<String>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    #[serde(skip)]
    pub cursor: Option<String>,
    /// Whether this call picked up an interrupted run.
    pub resumed: bool,
    /// This claim's fencing token.
    #[serde(skip)]
    pub owner: String,
}

#[allow(clippy::large_enum_variant)] // made once per sync request
pub enum Claim {
    Run(SyncRun),
    /// Another run for this store and system is alive.
    Busy(String),
}

const COLUMNS: &str = "id, store_id, kind, system, status, full_sync, pages, counts, error_class, error_code, error, started_at, finished_at, cursor, heartbeat_at";

fn from_row(r: &sqlx::any::AnyRow) -> SyncRun {
    SyncRun {
        sync_run_id: r.get(0),
        store_id: r.get(1),
        kind: r.get(2),
        system: r.get(3),
        status: r.get(4),
        full: r.get::<i64, _>(5) != 0,
        pages: r.get(6),
        counts: serde_json::from_str(&r.get::<String, _>(7)).unwrap_or_default(),
        error_class: r.get(8),
        error_code: r.get(9),
        error: r.get(10),
        started_at: r.get(11),
        finished_at: r.get(12),
        cursor: r.get(13),
        resumed: false,
        owner: String::new(),
    }
}

/// Resumes the interrupted run of this store and system, or starts a new one from the
/// saved incremental cursor (`full` starts from nothing).
pub async fn claim(
    db: &Db,
    store_id: &str,
    kind: &str,
    system: &str,
    full: bool,
    empty_counts: &serde_json::Value,
    stale_after_ms: i64,
) -> anyhow::Result<Claim> {
    let now = now_ms();
    let owner = new_id();
    let running = sqlx::query(&format!("SELECT {COLUMNS} FROM sync_runs WHERE store_id = $1 AND kind = $2 AND system = $3 AND status = 'running'"))
        .bind(store_id)
        .bind(kind)
        .bind(system)
        .fetch_optional(&db.pool)
        .await?;
    if let Some(row) = running {
        let run = from_row(&row);
        let heartbeat: i64 = row.get(14);
        if heartbeat > now - stale_after_ms {
            return Ok(Claim::Busy(run.sync_run_id));
        }
        if !full || run.full {
            // Take it over, unless someone else just did.
            let taken = sqlx::query("UPDATE sync_runs SET heartbeat_at = $1, owner = $2 WHERE id = $3 AND heartbeat_at = $4 AND status = 'running'")
                .bind(now)
                .bind(&owner)
                .bind(&run.sync_run_id)
                .bind(heartbeat)
                .execute(&db.pool)
                .await?;
            if taken.rows_affected() == 0 {
                return Ok(Claim::Busy(run.sync_run_id));
            }
            return Ok(Claim::Run(SyncRun {
                resumed: true,
                owner,
                ..run
            }));
        }
        // A full run was asked for: the interrupted incremental one is superseded.
        sqlx::query("UPDATE sync_runs SET status = 'incomplete', error_class = 'transient', error_code = 'superseded', error = 'superseded by a full sync', finished_at = $1 WHERE id = $2 AND status = 'running'")
            .bind(now)
            .bind(&run.sync_run_id)
            .execute(&db.pool)
            .await?;
    }

    // The latest run stopped incomplete (rate limit, vendor outage, deadline): reopen
    // it, so it continues from its cursor under the same id.
    let latest = sqlx::query(&format!("SELECT {COLUMNS} FROM sync_runs WHERE store_id = $1 AND kind = $2 AND system = $3 ORDER BY started_at DESC, id DESC LIMIT 1"))
        .bind(store_id)
        .bind(kind)
        .bind(system)
        .fetch_optional(&db.pool)
        .await?;
    if let Some(row) = latest {
        let run = from_row(&row);
        if run.status == "incomplete" && (!full || run.full) {
            let reopened = sqlx::query("UPDATE sync_runs SET status = 'running', error_class = NULL, error_code = NULL, error = NULL, finished_at = NULL, heartbeat_at = $1, owner = $2 WHERE id = $3 AND status = 'incomplete'")
                .bind(now)
                .bind(&owner)
                .bind(&run.sync_run_id)
                .execute(&db.pool)
                .await;
            match reopened {
                Ok(done) if done.rows_affected() == 1 => {
                    return Ok(Claim::Run(SyncRun {
                        status: "running".into(),
                        error_class: None,
                        error_code: None,
                        error: None,
                        finished_at: None,
                        resumed: true,
                        owner,
                        ..run
                    }));
                }
                Ok(_) => return Ok(Claim::Busy(run.sync_run_id)),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Ok(Claim::Busy(String::new()));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    let start_cursor: Option<String> = if full {
        None
    } else {
        sqlx::query(
            "SELECT cursor FROM sync_state WHERE store_id = $1 AND kind = $2 AND system = $3",
        )
        .bind(store_id)
        .bind(kind)
        .bind(system)
        .fetch_optional(&db.pool)
        .await?
        .and_then(|r| r.get(0))
    };
    // No saved cursor means the first run: that is a full run too.
    let full = full || start_cursor.is_none();
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO sync_runs (id, store_id, kind, system, status, full_sync, start_cursor, cursor, pages, counts, started_at, heartbeat_at, owner)
         VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, 0, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(store_id)
    .bind(kind)
    .bind(system)
    .bind(full as i64)
    .bind(start_cursor.as_deref())
    .bind(start_cursor.as_deref())
    .bind(empty_counts.to_string())
    .bind(now)
    .bind(now)
    .bind(&owner)
    .execute(&db.pool)
    .await;
    match inserted {
        Ok(_) => {}
        // The partial unique index: another request started a run a moment ago.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Ok(Claim::Busy(String::new()));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Claim::Run(SyncRun {
        sync_run_id: id,
        store_id: store_id.into(),
        kind: kind.into(),
        system: system.into(),
        status: "running".into(),
        full,
        pages: 0,
        counts: empty_counts.clone(),
        error_class: None,
        error_code: None,
        error: None,
        started_at: now,
        finished_at: None,
        cursor: start_cursor,
        resumed: false,
        owner,
    }))
}

/// A run taken over by another claim (its heartbeat had gone stale): the page must not
/// be written.
#[derive(Debug)]
pub struct Superseded;

impl std::fmt::Display for Superseded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the sync run was taken over by another request")
    }
}

impl std::error::Error for Superseded {}

/// Saves progress inside the page's transaction, if this claim still owns the run.
pub async fn save_page(tx: &mut Transaction<'_, Any>, run: &SyncRun) -> anyhow::Result<()> {
    let done = sqlx::query("UPDATE sync_runs SET cursor = $1, pages = $2, counts = $3, heartbeat_at = $4 WHERE id = $5 AND owner = $6 AND status = 'running'")
        .bind(run.cursor.as_deref())
        .bind(run.pages)
        .bind(run.counts.to_string())
        .bind(now_ms())
        .bind(&run.sync_run_id)
        .bind(&run.owner)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Superseded.into());
    }
    Ok(())
}

/// Completes the run and makes its final cursor the start of the next incremental run.
pub async fn complete(tx: &mut Transaction<'_, Any>, run: &SyncRun) -> anyhow::Result<()> {
    let now = now_ms();
    let done = sqlx::query("UPDATE sync_runs SET status = 'complete', cursor = $1, pages = $2, counts = $3, heartbeat_at = $4, finished_at = $5 WHERE id = $6 AND owner = $7 AND status = 'running'")
        .bind(run.cursor.as_deref())
        .bind(run.pages)
        .bind(run.counts.to_string())
        .bind(now)
        .bind(now)
        .bind(&run.sync_run_id)
        .bind(&run.owner)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Superseded.into());
    }
    sqlx::query(
        "INSERT INTO sync_state (store_id, kind, system, cursor, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (store_id, kind, system) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
    )
    .bind(&run.store_id)
    .bind(&run.kind)
    .bind(&run.system)
    .bind(run.cursor.as_deref())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends the run without completing it: `incomplete` keeps the cursor so the next call
/// resumes; `failed` is final for this run.
pub async fn stop(
    db: &Db,
    run: &SyncRun,
    status: &str,
    class: &str,
    code: &str,
    message: &str,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query("UPDATE sync_runs SET status = $1, error_class = $2, error_code = $3, error = $4, finished_at = $5, heartbeat_at = $6 WHERE id = $7")
        .bind(status)
        .bind(class)
        .bind(code)
        .bind(message)
        .bind(now)
        .bind(now)
        .bind(&run.sync_run_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn get(db: &Db, run_id: &str) -> anyhow::Result<Option<SyncRun>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sync_runs WHERE id = $1"))
        .bind(run_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn list(db: &Db, store_id: &str, limit: i64) -> anyhow::Result<Vec<SyncRun>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM sync_runs WHERE store_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2"))
        .bind(store_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(from_row).collect())
}
