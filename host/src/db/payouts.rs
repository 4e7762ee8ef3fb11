//! Payouts (settlements), one row per vendor payout with its latest state, and the
//! cursor each store's PSP listing resumes from.

use super::{Db, new_id, now_ms};
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PayoutRow {
    pub payout_id: String,
    pub store_id: String,
    pub provider: String,
    pub provider_reference: String,
    /// pending, in_transit, paid, failed or canceled.
    pub status: String,
    pub currency: String,
    /// Minor units: `amount = sales - refunds - chargebacks - fees + adjustments`.
    pub amount: i64,
    pub sales: i64,
    pub refunds: i64,
    pub chargebacks: i64,
    pub fees: i64,
    pub adjustments: i64,
    /// RFC 3339, as the vendor wrote it.
    pub vendor_created_at: String,
    pub arrival_date: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, store_id, provider, provider_reference, status, currency, amount, sales, refunds, chargebacks, fees, adjustments, vendor_created_at, arrival_date, created_at, updated_at";

fn row_of(r: &sqlx::any::AnyRow) -> PayoutRow {
    PayoutRow {
        payout_id: r.get(0),
        store_id: r.get(1),
        provider: r.get(2),
        provider_reference: r.get(3),
        status: r.get(4),
        currency: r.get(5),
        amount: r.get(6),
        sales: r.get(7),
        refunds: r.get(8),
        chargebacks: r.get(9),
        fees: r.get(10),
        adjustments: r.get(11),
        vendor_created_at: r.get(12),
        arrival_date: r.get(13),
        created_at: r.get(14),
        updated_at: r.get(15),
    }
}

impl PayoutRow {
    /// Whether the vendor says the same as this row does.
    fn same(&self, other: &PayoutRow) -> bool {
        (
            &self.status,
            &self.currency,
            self.amount,
            self.sales,
            self.refunds,
            self.chargebacks,
            self.fees,
            self.adjustments,
            &self.arrival_date,
        ) == (
            &other.status,
            &other.currency,
            other.amount,
            other.sales,
            other.refunds,
            other.chargebacks,
            other.fees,
            other.adjustments,
            &other.arrival_date,
        )
    }
}

/// What recording payouts does to the store's listing cursor.
pub enum CursorChange<'a> {
    /// A page of the listing: the cursor after it, kept with the page.
    Set(Option<&'a str>),
    /// Payouts a webhook reported: the listing's cursor stays.
    Keep,
}

/// Payouts a vendor reported (and the cursor after them), in one transaction: answers the
/// rows that are new or changed (a vendor repeating itself changes nothing).
pub async fn record_page(
    db: &Db,
    store_id: &str,
    provider: &str,
    reported: Vec<PayoutRow>,
    cursor: CursorChange<'_>,
) -> anyhow::Result<Vec<PayoutRow>> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let mut changed = Vec::new();
    for mut p in reported {
        let existing = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM payouts WHERE store_id = $1 AND provider = $2 AND provider_reference = $3"
        ))
        .bind(store_id)
        .bind(provider)
        .bind(&p.provider_reference)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| row_of(&r));
        match existing {
            Some(row) if row.same(&p) => continue,
            Some(row) => {
                p.payout_id = row.payout_id;
                p.created_at = row.created_at;
                p.updated_at = now;
                sqlx::query("UPDATE payouts SET status = $1, currency = $2, amount = $3, sales = $4, refunds = $5, chargebacks = $6, fees = $7, adjustments = $8, arrival_date = $9, updated_at = $10 WHERE id = $11")
                    .bind(&p.status)
                    .bind(&p.currency)
                    .bind(p.amount)
                    .bind(p.sales)
                    .bind(p.refunds)
                    .bind(p.chargebacks)
                    .bind(p.fees)
                    .bind(p.adjustments)
                    .bind(p.arrival_date.as_deref())
                    .bind(now)
                    .bind(&p.payout_id)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                p.payout_id = new_id();
                p.created_at = now;
                p.updated_at = now;
                sqlx::query(&format!(
                    "INSERT INTO payouts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
                ))
                .bind(&p.payout_id)
                .bind(store_id)
                .bind(provider)
                .bind(&p.provider_reference)
                .bind(&p.status)
                .bind(&p.currency)
                .bind(p.amount)
                .bind(p.sales)
                .bind(p.refunds)
                .bind(p.chargebacks)
                .bind(p.fees)
                .bind(p.adjustments)
                .bind(&p.vendor_created_at)
                .bind(p.arrival_date.as_deref())
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        changed.push(p);
    }
    if let CursorChange::Set(cursor) = cursor {
        sqlx::query(
            "INSERT INTO payout_cursors (store_id, provider, cursor, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (store_id, provider) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        )
        .bind(store_id)
        .bind(provider)
        .bind(cursor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Where the store's PSP listing resumes (none: from the start).
pub async fn cursor(db: &Db, store_id: &str, provider: &str) -> anyhow::Result<Option<String>> {
    let row =
        sqlx::query("SELECT cursor FROM payout_cursors WHERE store_id = $1 AND provider = $2")
            .bind(store_id)
            .bind(provider)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|r| r.get(0)))
}

/// A store's payouts, newest first.
pub async fn list(db: &Db, store_id: &str, limit: i64) -> anyhow::Result<Vec<PayoutRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payouts WHERE store_id = $1 ORDER BY vendor_created_at DESC, id DESC LIMIT $2"
    ))
    .bind(store_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(row_of).collect())
}

/// Paid payouts of a store not yet delivered to `target` (an ERP's transaction outbox).
pub async fn pending_paid(
    db: &Db,
    store_id: &str,
    target: &str,
    limit: i64,
) -> anyhow::Result<Vec<PayoutRow>> {
    let columns = super::qualified(COLUMNS, "p");
    let rows = sqlx::query(&format!(
        "SELECT {columns} FROM payouts p
         LEFT JOIN deliveries d ON d.item_id = p.id AND d.target = $1
         WHERE p.store_id = $2 AND p.status = 'paid' AND (d.status IS NULL OR d.status NOT IN ('sent', 'rejected'))
         ORDER BY p.vendor_created_at, p.id LIMIT $3"
    ))
    .bind(target)
    .bind(store_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(row_of).collect())
}
