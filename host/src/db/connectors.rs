//! Uploaded connectors: components by SHA-256, and each merchant's connectors with
//! their requested and approved hosts. A connector belongs to one mode: a test key
//! neither sees, nor grants, nor deletes, nor runs a live connector, and the reverse.

use super::merchants::Mode;
use super::{Db, now_ms};
use sqlx::Row;

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    pub connector_id: String,
    pub name: String,
    pub version: String,
    pub kind: String,
    pub contract: String,
    pub sha256: String,
    pub size: i64,
    pub requested_hosts: Vec<String>,
    pub approved_hosts: Vec<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "c.id, c.name, c.version, c.kind, c.contract, c.sha256, m.size, c.requested_hosts, c.approved_hosts, c.created_at";

fn from_row(r: &sqlx::any::AnyRow) -> Uploaded {
    Uploaded {
        connector_id: r.get(0),
        name: r.get(1),
        version: r.get(2),
        kind: r.get(3),
        contract: r.get(4),
        sha256: r.get(5),
        size: r.get(6),
        requested_hosts: serde_json::from_str(&r.get::<String, _>(7)).unwrap_or_default(),
        approved_hosts: serde_json::from_str(&r.get::<String, _>(8)).unwrap_or_default(),
        created_at: r.get(9),
    }
}

pub enum Insert {
    Created(Uploaded),
    /// This merchant already has that name and version.
    Exists(String),
}

/// Stores the component (once per content) and the merchant's connector row.
pub async fn insert(
    db: &Db,
    merchant_id: &str,
    mode: Mode,
    row: &Uploaded,
    bytes: &[u8],
) -> anyhow::Result<Insert> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO components (sha256, bytes, size, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING")
        .bind(&row.sha256)
        .bind(bytes.to_vec())
        .bind(bytes.len() as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO connectors (id, merchant_id, mode, name, version, kind, contract, sha256, requested_hosts, approved_hosts, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (merchant_id, mode, name, version) DO NOTHING",
    )
    .bind(&row.connector_id)
    .bind(merchant_id)
    .bind(mode.as_str())
    .bind(&row.name)
    .bind(&row.version)
    .bind(&row.kind)
    .bind(&row.contract)
    .bind(&row.sha256)
    .bind(serde_json::to_string(&row.requested_hosts)?)
    .bind(serde_json::to_string(&row.approved_hosts)?)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        let existing: String = sqlx::query(
            "SELECT id FROM connectors WHERE merchant_id = $1 AND mode = $2 AND name = $3 AND version = $4",
        )
        .bind(merchant_id)
        .bind(mode.as_str())
        .bind(&row.name)
        .bind(&row.version)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        tx.rollback().await?;
        return Ok(Insert::Exists(existing));
    }
    tx.commit().await?;
    Ok(Insert::Created(Uploaded {
        created_at: now,
        ..row.clone()
    }))
}

/// Within one merchant and mode: by id, by `name@version` (a pinned version), or by
/// `name` (the latest upload). An id always wins over a name.
pub async fn find(
    db: &Db,
    merchant_id: &str,
    mode: Mode,
    reference: &str,
) -> anyhow::Result<Option<Uploaded>> {
    let base = format!(
        "SELECT {COLUMNS} FROM connectors c JOIN components m ON m.sha256 = c.sha256 WHERE c.merchant_id = $1 AND c.mode = $2"
    );
    let row = if let Some((name, version)) = reference.split_once('@') {
        sqlx::query(&format!("{base} AND c.name = $3 AND c.version = $4"))
            .bind(merchant_id)
            .bind(mode.as_str())
            .bind(name)
            .bind(version)
            .fetch_optional(&db.pool)
            .await?
    } else {
        sqlx::query(&format!(
            "{base} AND (c.id = $3 OR c.name = $4)
             ORDER BY CASE WHEN c.id = $5 THEN 0 ELSE 1 END, c.created_at DESC, c.id DESC LIMIT 1"
        ))
        .bind(merchant_id)
        .bind(mode.as_str())
        .bind(reference)
        .bind(reference)
        .bind(reference)
        .fetch_optional(&db.pool)
        .await?
    };
    Ok(row.as_ref().map(from_row))
}

/// Exactly the upload with this id (what a store's configuration pins).
pub async fn by_id(
    db: &Db,
    merchant_id: &str,
    mode: Mode,
    id: &str,
) -> anyhow::Result<Option<Uploaded>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM connectors c JOIN components m ON m.sha256 = c.sha256 WHERE c.merchant_id = $1 AND c.mode = $2 AND c.id = $3"
    ))
    .bind(merchant_id)
    .bind(mode.as_str())
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn list(db: &Db, merchant_id: &str, mode: Mode) -> anyhow::Result<Vec<Uploaded>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM connectors c JOIN components m ON m.sha256 = c.sha256 WHERE c.merchant_id = $1 AND c.mode = $2 ORDER BY c.name, c.created_at"))
        .bind(merchant_id)
        .bind(mode.as_str())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn component_bytes(db: &Db, sha256: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT bytes FROM components WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.get(0)))
}

pub async fn set_approved(db: &Db, connector_id: &str, hosts: &[String]) -> anyhow::Result<()> {
    sqlx::query("UPDATE connectors SET approved_hosts = $1 WHERE id = $2")
        .bind(serde_json::to_string(hosts)?)
        .bind(connector_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Stores of this merchant and mode configured with the connector (pinned by id; by
/// name in rows written before pinning).
pub async fn users(
    db: &Db,
    merchant_id: &str,
    mode: Mode,
    connector: &Uploaded,
) -> anyhow::Result<Vec<String>> {
    let names = [
        connector.connector_id.clone(),
        connector.name.clone(),
        format!("{}@{}", connector.name, connector.version),
    ];
    let mut stores = Vec::new();
    for table in ["connections", "psp_configs"] {
        let rows = sqlx::query(&format!(
            "SELECT t.store_id FROM {table} t JOIN stores s ON s.id = t.store_id WHERE s.merchant_id = $1 AND s.mode = $5 AND t.connector_id IN ($2, $3, $4)"
        ))
        .bind(merchant_id)
        .bind(&names[0])
        .bind(&names[1])
        .bind(&names[2])
        .bind(mode.as_str())
        .fetch_all(&db.pool)
        .await?;
        stores.extend(rows.iter().map(|r| r.get::<String, _>(0)));
    }
    stores.sort();
    stores.dedup();
    Ok(stores)
}

/// Deletes the connector, and its component's bytes once no connector uses them.
pub async fn delete(db: &Db, connector_id: &str) -> anyhow::Result<()> {
    let mut tx = db.pool.begin().await?;
    let sha: Option<String> = sqlx::query("SELECT sha256 FROM connectors WHERE id = $1")
        .bind(connector_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get(0));
    sqlx::query("DELETE FROM connectors WHERE id = $1")
        .bind(connector_id)
        .execute(&mut *tx)
        .await?;
    if let Some(sha) = sha {
        sqlx::query(
            "DELETE FROM components WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM connectors WHERE sha256 = $2)",
        )
        .bind(&sha)
        .bind(&sha)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How many connectors a merchant keeps, and their components' bytes (each counted
/// once per connector: a merchant pays for what it keeps, shared or not).
pub async fn usage(db: &Db, merchant_id: &str) -> anyhow::Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(m.size), 0) AS BIGINT) FROM connectors c JOIN components m ON m.sha256 = c.sha256 WHERE c.merchant_id = $1",
    )
    .bind(merchant_id)
    .fetch_one(&db.pool)
    .await?;
    Ok((row.get::<i64, _>(0), row.get::<i64, _>(1)))
}
