//! Sales recorded by BEEP! checkouts, and the outbox that delivers each one to each
//! target system once.

use super::{Db, now_ms};
use sqlx::Row;

pub enum Insert {
    Created,
    /// That store already has a sale with this receipt number.
    Duplicate(String),
}

pub async fn insert(
    db: &Db,
    id: &str,
    store_id: &str,
    receipt_number: &str,
    total: i64,
    currency: &str,
    body: &str,
) -> anyhow::Result<Insert> {
    let done = sqlx::query(
        "INSERT INTO sales (id, store_id, receipt_number, total_amount, currency, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (store_id, receipt_number) DO NOTHING",
    )
    .bind(id)
    .bind(store_id)
    .bind(receipt_number)
    .bind(total)
    .bind(currency)
    .bind(body)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Insert::Created);
    }
    let existing: String =
        sqlx::query("SELECT id FROM sales WHERE store_id = $1 AND receipt_number = $2")
            .bind(store_id)
            .bind(receipt_number)
            .fetch_one(&db.pool)
            .await?
            .get(0);
    Ok(Insert::Duplicate(existing))
}

/// Sales of a store not yet delivered to `target` (nor rejected by it), oldest first.
pub async fn pending(
    db: &Db,
    store_id: &str,
    target: &str,
    limit: i64,
) -> anyhow::Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT s.id, s.body FROM sales s LEFT JOIN deliveries d ON d.item_id = s.id AND d.target = $1
         WHERE s.store_id = $2 AND (d.status IS NULL OR d.status NOT IN ('sent', 'rejected'))
         ORDER BY s.created_at, s.id LIMIT $3",
    )
    .bind(target)
    .bind(store_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Claims one sale for delivery to `target`; false if it is sent, rejected, or being
/// sent by a live push right now.
/// A `sending` claim older than `lease_ms` belongs to a push that died; it may be
/// retried (the vendor's external-reference check makes the resend harmless).
pub async fn claim(
    db: &Db,
    item_id: &str,
    store_id: &str,
    target: &str,
    lease_ms: i64,
) -> anyhow::Result<bool> {
    let now = now_ms();
    let done = sqlx::query(
        "INSERT INTO deliveries (item_id, store_id, target, status, attempts, updated_at) VALUES ($1, $2, $3, 'sending', 1, $4)
         ON CONFLICT (item_id, target) DO UPDATE SET status = 'sending', attempts = deliveries.attempts + 1, updated_at = excluded.updated_at
         WHERE deliveries.status NOT IN ('sent', 'rejected') AND (deliveries.status <> 'sending' OR deliveries.updated_at < $5)",
    )
    .bind(item_id)
    .bind(store_id)
    .bind(target)
    .bind(now)
    .bind(now - lease_ms)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the outcome: `sent`, `rejected` (the vendor refused it; not retried
/// automatically) or `pending` (retry on the next push).
pub async fn settle(
    db: &Db,
    item_id: &str,
    target: &str,
    status: &str,
    external_id: Option<&str>,
    error: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE deliveries SET status = $1, external_id = $2, last_error = $3, updated_at = $4 WHERE item_id = $5 AND target = $6")
        .bind(status)
        .bind(external_id)
        .bind(error)
        .bind(now_ms())
        .bind(item_id)
        .bind(target)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaleRow {
    pub sale_id: String,
    pub receipt_number: String,
    pub total: i64,
    pub currency: String,
    pub created_at: i64,
    /// Per target system: whether and when this sale was delivered.
    #[schema(value_type = Vec<Object>)]
    pub deliveries: Vec<serde_json::Value>,
}

pub async fn list(db: &Db, store_id: &str, limit: i64) -> anyhow::Result<Vec<SaleRow>> {
    let rows = sqlx::query("SELECT id, receipt_number, total_amount, currency, created_at FROM sales WHERE store_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
        .bind(store_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.get(0);
        let deliveries = sqlx::query("SELECT target, status, attempts, external_id FROM deliveries WHERE item_id = $1 ORDER BY target")
            .bind(&id)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|d| {
                serde_json::json!({
                    "target": d.get::<String, _>(0),
                    "status": d.get::<String, _>(1),
                    "attempts": d.get::<i64, _>(2),
                    "externalId": d.get::<Option<String>, _>(3),
                })
            })
            .collect();
        out.push(SaleRow {
            sale_id: id,
            receipt_number: r.get(1),
            total: r.get(2),
            currency: r.get(3),
            created_at: r.get(4),
            deliveries,
        });
    }
    Ok(out)
}

/// Succeeded payments of a store not yet delivered to `target`: (id, captured amount, currency,
/// reference, provider reference, created_at).
pub async fn pending_payments(
    db: &Db,
    store_id: &str,
    target: &str,
    limit: i64,
) -> anyhow::Result<Vec<(String, i64, String, String, Option<String>, i64)>> {
    let rows = sqlx::query(
        "SELECT p.id, p.captured_amount, p.currency, p.reference, p.provider_reference, p.created_at FROM payments p
         LEFT JOIN deliveries d ON d.item_id = p.id AND d.target = $1
         WHERE p.store_id = $2 AND p.status = 'succeeded' AND (d.status IS NULL OR d.status NOT IN ('sent', 'rejected'))
         ORDER BY p.created_at, p.id LIMIT $3",
    )
    .bind(target)
    .bind(store_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect())
}

/// Succeeded refunds of a store not yet delivered to `target`: (id, payment id, amount,
/// currency, provider reference, created_at).
pub async fn pending_refunds(
    db: &Db,
    store_id: &str,
    target: &str,
    limit: i64,
) -> anyhow::Result<Vec<(String, String, i64, String, Option<String>, i64)>> {
    let rows = sqlx::query(
        "SELECT r.id, r.payment_id, r.amount, r.currency, r.provider_reference, r.created_at FROM refunds r
         LEFT JOIN deliveries d ON d.item_id = r.id AND d.target = $1
         WHERE r.store_id = $2 AND r.status = 'succeeded' AND (d.status IS NULL OR d.status NOT IN ('sent', 'rejected'))
         ORDER BY r.created_at, r.id LIMIT $3",
    )
    .bind(target)
    .bind(store_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect())
}
