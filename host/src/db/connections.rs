//! Connections: a store's use of one POS or ERP system (one per store, kind and system),
//! with its pinned connector, its sealed credentials when kept, and its schedule.

use super::merchants::{Caller, Mode};
use super::{Db, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Clone, Debug)]
pub struct Connection {
    pub connection_id: String,
    pub merchant_id: String,
    pub mode: String,
    pub store_id: String,
    pub kind: String,
    pub system: String,
    pub connector_id: String,
    /// Sealed credentials; none when the connection was made by a call that brought
    /// its own.
    pub credentials: Option<String>,
    pub sync_every_seconds: Option<i64>,
    pub push_every_seconds: Option<i64>,
    pub next_sync_at: Option<i64>,
    pub next_push_at: Option<i64>,
    pub paused: bool,
    pub disabled_reason: Option<String>,
    pub config_failures: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, mode, store_id, kind, system, connector_id, credentials, sync_every_seconds, push_every_seconds, next_sync_at, next_push_at, paused, disabled_reason, config_failures, created_at, updated_at";

fn from_row(r: &AnyRow) -> Connection {
    Connection {
        connection_id: r.get(0),
        merchant_id: r.get(1),
        mode: r.get(2),
        store_id: r.get(3),
        kind: r.get(4),
        system: r.get(5),
        connector_id: r.get(6),
        credentials: r.get(7),
        sync_every_seconds: r.get(8),
        push_every_seconds: r.get(9),
        next_sync_at: r.get(10),
        next_push_at: r.get(11),
        paused: r.get::<i64, _>(12) != 0,
        disabled_reason: r.get(13),
        config_failures: r.get(14),
        created_at: r.get(15),
        updated_at: r.get(16),
    }
}

/// What a new connection holds.
pub struct NewConnection<'a> {
    pub store_id: &'a str,
    pub kind: &'a str,
    pub system: &'a str,
    pub connector_id: &'a str,
    pub credentials: &'a str,
    pub sync_every_seconds: Option<i64>,
    pub push_every_seconds: Option<i64>,
}

pub enum Created {
    New(Box<Connection>),
    /// The store already has a connection with credentials for this kind and system.
    Exists(String),
}

/// Creates the connection, or fills in one that a credential-bearing call made (it
/// kept no credentials), keeping its id.
pub fn new_connection_id() -> String {
    format!("conn_{}", new_id().replace('-', ""))
}

/// Creates the connection under `id` (its credentials are sealed to it). A connection
/// that a credential-bearing call made (keeping no credentials) is replaced and its id
/// taken over by the caller beforehand; one with credentials is not touched.
pub async fn create(
    db: &Db,
    caller: &Caller,
    id: &str,
    new: NewConnection<'_>,
) -> anyhow::Result<Created> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let existing = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM connections WHERE store_id = $1 AND kind = $2 AND system = $3"
    ))
    .bind(new.store_id)
    .bind(new.kind)
    .bind(new.system)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| from_row(&r));
    match existing {
        Some(c) if c.credentials.is_some() || c.connection_id != id => {
            return Ok(Created::Exists(c.connection_id));
        }
        Some(c) => {
            sqlx::query("DELETE FROM connections WHERE id = $1")
                .bind(&c.connection_id)
                .execute(&mut *tx)
                .await?;
        }
        None => {}
    }
    let due = |every: Option<i64>| every.map(|_| now);
    sqlx::query(&format!(
        "INSERT INTO connections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, NULL, 0, $13, $14)"
    ))
    .bind(id)
    .bind(&caller.merchant_id)
    .bind(caller.mode.as_str())
    .bind(new.store_id)
    .bind(new.kind)
    .bind(new.system)
    .bind(new.connector_id)
    .bind(new.credentials)
    .bind(new.sync_every_seconds)
    .bind(new.push_every_seconds)
    .bind(due(new.sync_every_seconds))
    .bind(due(new.push_every_seconds))
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Created::New(Box::new(
        get(db, id).await?.expect("the connection was just written"),
    )))
}

pub async fn get(db: &Db, connection_id: &str) -> anyhow::Result<Option<Connection>> {
    Ok(
        sqlx::query(&format!("SELECT {COLUMNS} FROM connections WHERE id = $1"))
            .bind(connection_id)
            .fetch_optional(&db.pool)
            .await?
            .map(|r| from_row(&r)),
    )
}

pub enum Access {
    Found(Box<Connection>),
    /// Another merchant's, or the other mode's.
    Forbidden,
    NotFound,
}

pub async fn find(db: &Db, caller: &Caller, connection_id: &str) -> anyhow::Result<Access> {
    Ok(match get(db, connection_id).await? {
        Some(c) if c.merchant_id == caller.merchant_id && c.mode == caller.mode.as_str() => {
            Access::Found(Box::new(c))
        }
        Some(_) => Access::Forbidden,
        None => Access::NotFound,
    })
}

pub async fn list(
    db: &Db,
    merchant_id: &str,
    mode: Mode,
    store_id: Option<&str>,
) -> anyhow::Result<Vec<Connection>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM connections WHERE merchant_id = $1 AND mode = $2 AND ($3 = '' OR store_id = $4) ORDER BY created_at, id"
    ))
    .bind(merchant_id)
    .bind(mode.as_str())
    .bind(store_id.unwrap_or(""))
    .bind(store_id.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Writes what PATCH may change: credentials, schedule, pause, and (on resume) the
/// disabled state. A schedule change is due at once.
pub async fn save(db: &Db, c: &Connection) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE connections SET credentials = $1, sync_every_seconds = $2, push_every_seconds = $3, next_sync_at = $4, next_push_at = $5, paused = $6, disabled_reason = $7, config_failures = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&c.credentials)
    .bind(c.sync_every_seconds)
    .bind(c.push_every_seconds)
    .bind(c.next_sync_at)
    .bind(c.next_push_at)
    .bind(i64::from(c.paused))
    .bind(&c.disabled_reason)
    .bind(c.config_failures)
    .bind(now_ms())
    .bind(&c.connection_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete(db: &Db, connection_id: &str) -> anyhow::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE jobs SET state = 'canceled', finished_at = $1 WHERE connection_id = $2 AND state = 'queued'")
        .bind(now_ms())
        .bind(connection_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM connections WHERE id = $1")
        .bind(connection_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Remembers which connector (its pinned id) a store uses for a system, so that a
/// connector in use is not deleted. A call that brought its own credentials leaves
/// the connection's credentials as they are.
pub async fn remember(
    db: &Db,
    caller: &Caller,
    store_id: &str,
    kind: &str,
    system: &str,
    connector_id: &str,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query(&format!(
        "INSERT INTO connections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, $8, $9)
         ON CONFLICT (store_id, kind, system) DO UPDATE SET connector_id = excluded.connector_id, updated_at = excluded.updated_at"
    ))
    .bind(new_connection_id())
    .bind(&caller.merchant_id)
    .bind(caller.mode.as_str())
    .bind(store_id)
    .bind(kind)
    .bind(system)
    .bind(connector_id)
    .bind(now)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Which scheduled operation is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Sync,
    Push,
}

/// Connections with a sync or push due at `now` (scheduled, active, with credentials).
pub async fn due(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<(Connection, Due)>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM connections WHERE paused = 0 AND disabled_reason IS NULL AND credentials IS NOT NULL
           AND (next_sync_at <= $1 OR next_push_at <= $2) ORDER BY updated_at LIMIT $3"
    ))
    .bind(now)
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for c in rows.iter().map(from_row) {
        if c.next_sync_at.is_some_and(|t| t <= now) {
            out.push((c.clone(), Due::Sync));
        }
        if c.next_push_at.is_some_and(|t| t <= now) {
            out.push((c, Due::Push));
        }
    }
    Ok(out)
}

/// Moves a schedule on from `from` to `to`, in the caller's transaction; false when
/// another replica moved it first (that replica enqueues the job).
pub async fn advance(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    connection_id: &str,
    due: Due,
    from: i64,
    to: i64,
) -> anyhow::Result<bool> {
    let column = match due {
        Due::Sync => "next_sync_at",
        Due::Push => "next_push_at",
    };
    let done = sqlx::query(&format!(
        "UPDATE connections SET {column} = $1 WHERE id = $2 AND {column} = $3"
    ))
    .bind(to)
    .bind(connection_id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts a run's outcome: a config failure adds one (and at `limit` disables the
/// connection with `reason`), anything else resets the count. True when this call
/// disabled it.
pub async fn record_outcome(
    db: &Db,
    connection_id: &str,
    config_failure: bool,
    limit: i64,
    reason: &str,
) -> anyhow::Result<bool> {
    if !config_failure {
        sqlx::query(
            "UPDATE connections SET config_failures = 0 WHERE id = $1 AND config_failures <> 0",
        )
        .bind(connection_id)
        .execute(&db.pool)
        .await?;
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE connections SET config_failures = config_failures + 1,
            disabled_reason = CASE WHEN config_failures + 1 >= $1 AND disabled_reason IS NULL THEN $2 ELSE disabled_reason END
         WHERE id = $3 RETURNING config_failures, disabled_reason",
    )
    .bind(limit)
    .bind(reason)
    .bind(connection_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(done.is_some_and(|r| {
        r.get::<i64, _>(0) == limit && r.get::<Option<String>, _>(1).as_deref() == Some(reason)
    }))
}
