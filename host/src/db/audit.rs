//! The egress audit: every outbound request a connector made, denied ones included.

use super::merchants::Mode;
use super::{Db, now_ms};
use crate::runtime::Omitted;
use crate::runtime::egress::OutboundCall;
use sqlx::Row;

pub struct Subject<'a> {
    pub merchant_id: &'a str,
    pub mode: Mode,
    pub store_id: Option<&'a str>,
    pub connector: &'a str,
    pub operation: &'a str,
}

/// Writes one row per kept request, and one summary row for the requests past the
/// per-call cap (host `*`, the counts in `denied`).
pub async fn record(
    db: &Db,
    who: &Subject<'_>,
    calls: &[OutboundCall],
    omitted: Omitted,
) -> anyhow::Result<()> {
    if calls.is_empty() && omitted.requests == 0 {
        return Ok(());
    }
    let summary = (omitted.requests > 0).then(|| OutboundCall {
        method: "*".into(),
        scheme: "*".into(),
        host: "*".into(),
        path: "*".into(),
        denied: Some(format!(
            "{} further requests not recorded one by one ({} of them denied)",
            omitted.requests, omitted.denied
        )),
        ..OutboundCall::default()
    });
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    for c in calls.iter().chain(summary.as_ref()) {
        sqlx::query(
            "INSERT INTO egress_audit (merchant_id, store_id, connector, operation, method, scheme, host, port, path, status, bytes, millis, denied, error, created_at, mode)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(who.merchant_id)
        .bind(who.store_id)
        .bind(who.connector)
        .bind(who.operation)
        .bind(&c.method)
        .bind(&c.scheme)
        .bind(&c.host)
        .bind(c.port as i64)
        .bind(&c.path)
        .bind(c.status.map(i64::from))
        .bind(c.bytes as i64)
        .bind(c.millis as i64)
        .bind(c.denied.as_deref())
        .bind(c.error.as_deref())
        .bind(now)
        .bind(who.mode.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub id: i64,
    pub store_id: Option<String>,
    pub connector: String,
    pub operation: String,
    pub method: String,
    pub scheme: String,
    pub host: String,
    pub port: i64,
    pub path: String,
    pub status: Option<i64>,
    pub bytes: i64,
    pub millis: i64,
    pub denied: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
}

pub async fn list(
    db: &Db,
    merchant_id: &str,
    mode: Mode,
    store_id: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<AuditRow>> {
    let rows = sqlx::query(
        "SELECT id, store_id, connector, operation, method, scheme, host, port, path, status, bytes, millis, denied, error, created_at
         FROM egress_audit WHERE merchant_id = $1 AND mode = $5 AND ($2 IS NULL OR store_id = $3) ORDER BY id DESC LIMIT $4",
    )
    .bind(merchant_id)
    .bind(store_id)
    .bind(store_id)
    .bind(limit)
    .bind(mode.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            id: r.get(0),
            store_id: r.get(1),
            connector: r.get(2),
            operation: r.get(3),
            method: r.get(4),
            scheme: r.get(5),
            host: r.get(6),
            port: r.get(7),
            path: r.get(8),
            status: r.get(9),
            bytes: r.get(10),
            millis: r.get(11),
            denied: r.get(12),
            error: r.get(13),
            created_at: r.get(14),
        })
        .collect())
}
