//! Persistence through sqlx's `Any` driver: SQLite (embedded, the default) or
//! PostgreSQL, one code path, migrations per backend. Timestamps are Unix
//! milliseconds and money is minor units, so both backends store the same values.

pub mod audit;
pub mod call_logs;
pub mod catalog;
pub mod connections;
pub mod connectors;
pub mod disputes;
pub mod erp;
pub mod events;
pub mod jobs;
pub mod merchants;
pub mod payments;
pub mod payouts;
pub mod sales;
pub mod sync_runs;

use anyhow::Context as _;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens (creating the SQLite file if needed) and migrates.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("unsupported database URL (use sqlite:… or postgres://…)");
        };
        let pool = match backend {
            // SQLite has one writer; one connection avoids SQLITE_BUSY on read-then-write
            // transactions and is all the embedded case needs.
            Backend::Sqlite => {
                let url = if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") };
                AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;").await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await
            }
        }
        .with_context(|| format!("connecting to the {backend:?} database"))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator.run(&pool).await.context("running migrations")?;
        Ok(Db { pool, backend })
    }
}

/// The ids of every key that sealed a value kept in the database (`v1.<key id>.…`).
pub async fn sealing_key_ids(db: &Db) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for (table, column) in [
        ("psp_configs", "config"),
        ("connections", "credentials"),
        ("event_endpoints", "secret"),
    ] {
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT substr({column}, 4, 8) FROM {table} WHERE {column} LIKE 'v1.%'"
        ))
        .fetch_all(&db.pool)
        .await?;
        ids.extend(rows.iter().map(|r| sqlx::Row::get::<String, _>(r, 0)));
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Unix milliseconds as RFC 3339 UTC with milliseconds (`2026-07-01T12:00:00.000Z`),
/// the form every stored time takes in answers and in what connectors receive.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Money as the API shows it: integer minor units and an ISO 4217 code.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Amount {
    pub amount: i64,
    pub currency: String,
}

impl Amount {
    /// From two nullable columns: an amount needs both.
    pub fn from_parts(amount: Option<i64>, currency: Option<String>) -> Option<Amount> {
        amount
            .zip(currency)
            .map(|(amount, currency)| Amount { amount, currency })
    }
}

/// A column list (`id, store_id, …`) with each column named by table `alias`
/// (`p.id, p.store_id, …`), for queries that join.
pub fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A new id: UUIDv7 (time-ordered, so indexes stay append-mostly).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's parameter limits.
pub(crate) const CHUNK: usize = 200;

/// `($1,$2,…),($n+1,…)` for a multi-row INSERT of `rows` rows of `cols` columns, or
/// `(?,?,…),…` on SQLite: SQLite looks numbered parameters up in a linear list, which
/// made binding a 2,800-parameter statement quadratic (half of a sync's time).
pub(crate) fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            match backend {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => {
                    s.push('$');
                    s.push_str(&(r * cols + c + 1).to_string());
                }
            }
        }
        s.push(')');
    }
    s
}
