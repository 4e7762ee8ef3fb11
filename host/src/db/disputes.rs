//! Disputes (chargebacks), one row per vendor dispute with its latest state.

use super::{Db, new_id, now_ms};
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisputeRow {
    pub dispute_id: String,
    pub store_id: String,
    pub payment_id: String,
    pub provider: String,
    pub provider_reference: String,
    /// warning, needs_response, under_review, won or lost.
    pub status: String,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    /// RFC 3339: until when evidence can be submitted.
    pub respond_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, store_id, payment_id, provider, provider_reference, status, amount, currency, reason, respond_by, created_at, updated_at";

fn row_of(r: &sqlx::any::AnyRow) -> DisputeRow {
    DisputeRow {
        dispute_id: r.get(0),
        store_id: r.get(1),
        payment_id: r.get(2),
        provider: r.get(3),
        provider_reference: r.get(4),
        status: r.get(5),
        amount: r.get(6),
        currency: r.get(7),
        reason: r.get(8),
        respond_by: r.get(9),
        created_at: r.get(10),
        updated_at: r.get(11),
    }
}

/// What a vendor said about one dispute.
pub struct Reported<'a> {
    pub store_id: &'a str,
    pub payment_id: &'a str,
    pub provider: &'a str,
    pub provider_reference: &'a str,
    pub status: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub reason: Option<&'a str>,
    pub respond_by: Option<&'a str>,
}

/// Records a dispute or its new state; answers the row and whether it changed (a vendor
/// repeating what it said changes nothing).
pub async fn record(db: &Db, d: &Reported<'_>) -> anyhow::Result<(DisputeRow, bool)> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let existing = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM disputes WHERE store_id = $1 AND provider = $2 AND provider_reference = $3"
    ))
    .bind(d.store_id)
    .bind(d.provider)
    .bind(d.provider_reference)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| row_of(&r));
    let row = match existing {
        Some(mut row) => {
            let same = row.status == d.status
                && row.amount == d.amount
                && row.reason.as_deref() == d.reason
                && row.respond_by.as_deref() == d.respond_by;
            if same {
                tx.commit().await?;
                return Ok((row, false));
            }
            sqlx::query("UPDATE disputes SET status = $1, amount = $2, reason = $3, respond_by = $4, updated_at = $5 WHERE id = $6")
                .bind(d.status)
                .bind(d.amount)
                .bind(d.reason)
                .bind(d.respond_by)
                .bind(now)
                .bind(&row.dispute_id)
                .execute(&mut *tx)
                .await?;
            row.status = d.status.to_string();
            row.amount = d.amount;
            row.reason = d.reason.map(str::to_string);
            row.respond_by = d.respond_by.map(str::to_string);
            row.updated_at = now;
            row
        }
        None => {
            let row = DisputeRow {
                dispute_id: new_id(),
                store_id: d.store_id.to_string(),
                payment_id: d.payment_id.to_string(),
                provider: d.provider.to_string(),
                provider_reference: d.provider_reference.to_string(),
                status: d.status.to_string(),
                amount: d.amount,
                currency: d.currency.to_string(),
                reason: d.reason.map(str::to_string),
                respond_by: d.respond_by.map(str::to_string),
                created_at: now,
                updated_at: now,
            };
            sqlx::query(&format!(
                "INSERT INTO disputes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(&row.dispute_id)
            .bind(&row.store_id)
            .bind(&row.payment_id)
            .bind(&row.provider)
            .bind(&row.provider_reference)
            .bind(&row.status)
            .bind(row.amount)
            .bind(&row.currency)
            .bind(row.reason.as_deref())
            .bind(row.respond_by.as_deref())
            .bind(row.created_at)
            .bind(row.updated_at)
            .execute(&mut *tx)
            .await?;
            row
        }
    };
    if withdraws(d.status) {
        sqlx::query("UPDATE disputes SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL")
            .bind(now)
            .bind(&row.dispute_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok((row, true))
}

/// Whether a dispute in this state has taken the disputed amount from the merchant (a
/// warning has not yet; a won dispute returns it).
fn withdraws(status: &str) -> bool {
    matches!(status, "needs_response" | "under_review" | "lost")
}

/// A chargeback the ERP has yet to book under `outbox`: the withdrawal of a dispute
/// (`{dispute id}`, the amount) and, for a won one, its reversal (`{dispute id}:reversal`,
/// the amount returned, negative).
pub struct Booking {
    pub id: String,
    pub dispute: DisputeRow,
    pub reversal: bool,
}

pub async fn pending_bookings(
    db: &Db,
    store_id: &str,
    target: &str,
    limit: i64,
) -> anyhow::Result<Vec<Booking>> {
    let columns = super::qualified(COLUMNS, "p");
    let mut out = Vec::new();
    for (suffix, won_only) in [("", ""), (":reversal", " AND p.status = 'won'")] {
        let rows = sqlx::query(&format!(
            "SELECT {columns} FROM disputes p
             LEFT JOIN deliveries d ON d.item_id = p.id || $1 AND d.target = $2
             WHERE p.store_id = $3 AND p.withdrawn_at IS NOT NULL{won_only}
               AND (d.status IS NULL OR d.status NOT IN ('sent', 'rejected'))
             ORDER BY p.withdrawn_at, p.id LIMIT $4"
        ))
        .bind(suffix)
        .bind(target)
        .bind(store_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
        out.extend(rows.iter().map(|r| {
            let dispute = row_of(r);
            Booking {
                id: format!("{}{suffix}", dispute.dispute_id),
                reversal: !suffix.is_empty(),
                dispute,
            }
        }));
    }
    Ok(out)
}
/// A store's disputes, newest first.
pub async fn list(db: &Db, store_id: &str, limit: i64) -> anyhow::Result<Vec<DisputeRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM disputes WHERE store_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(store_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(row_of).collect())
}
