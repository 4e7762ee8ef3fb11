//! PSP configuration, payments, refunds and idempotency records.

use super::{Db, now_ms};
use sqlx::Row;

// ---- PSP configuration ----------------------------------------------------------------

pub struct PspConfig {
    pub provider: String,
    pub connector_id: String,
    pub sealed_config: String,
    /// How long an authorisation is held before it is voided; `None`: the default.
    pub hold_seconds: Option<i64>,
}

pub async fn save_config(
    db: &Db,
    store_id: &str,
    provider: &str,
    connector_id: &str,
    sealed: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO psp_configs (store_id, provider, connector_id, config, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (store_id) DO UPDATE SET provider = excluded.provider, connector_id = excluded.connector_id, config = excluded.config, updated_at = excluded.updated_at",
    )
    .bind(store_id)
    .bind(provider)
    .bind(connector_id)
    .bind(sealed)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn config(db: &Db, store_id: &str) -> anyhow::Result<Option<PspConfig>> {
    let row = sqlx::query(
        "SELECT provider, connector_id, config, hold_seconds FROM psp_configs WHERE store_id = $1",
    )
    .bind(store_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| PspConfig {
        provider: r.get(0),
        connector_id: r.get(1),
        sealed_config: r.get(2),
        hold_seconds: r.get(3),
    }))
}

/// Sets (or, `None`, resets to the default) how long the store's authorisations are held.
pub async fn set_hold(db: &Db, store_id: &str, seconds: Option<i64>) -> anyhow::Result<()> {
    sqlx::query("UPDATE psp_configs SET hold_seconds = $1 WHERE store_id = $2")
        .bind(seconds)
        .bind(store_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// ---- idempotency ----------------------------------------------------------------------

pub enum Idempotency {
    /// First use of the key: the caller owns it and works on `resource_id`.
    Fresh,
    /// The same request finished before: answer as it was answered.
    Replay { status: u16, body: String },
    /// An earlier attempt with this key ended without a final answer (a timeout): the
    /// caller owns the key again and must continue the SAME resource.
    Resume { resource_id: String },
    /// The key was used with a different request.
    Mismatch,
    /// A request with this key is being processed right now.
    InFlight,
}

/// How long a finished idempotency key is remembered.
pub const KEY_RETENTION_MS: i64 = 24 * 3600 * 1000;

/// Claims `key` for a request whose canonical hash is `hash`, leasing it for `lease_ms`.
pub async fn claim_key(
    db: &Db,
    merchant_id: &str,
    scope: &str,
    key: &str,
    hash: &str,
    resource_id: &str,
    lease_ms: i64,
) -> anyhow::Result<Idempotency> {
    let now = now_ms();
    // Like Stripe's, a key is remembered for 24 hours: a finished one older than that
    // is forgotten, and the request with it is a new one.
    sqlx::query("DELETE FROM idempotency_keys WHERE merchant_id = $1 AND scope = $2 AND idem_key = $3 AND created_at < $4 AND response_status IS NOT NULL")
        .bind(merchant_id)
        .bind(scope)
        .bind(key)
        .bind(now - KEY_RETENTION_MS)
        .execute(&db.pool)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (merchant_id, scope, idem_key, request_hash, resource_id, locked_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (merchant_id, scope, idem_key) DO NOTHING",
    )
    .bind(merchant_id)
    .bind(scope)
    .bind(key)
    .bind(hash)
    .bind(resource_id)
    .bind(now + lease_ms)
    .bind(now)
    .execute(&db.pool)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Idempotency::Fresh);
    }
    let row = sqlx::query("SELECT request_hash, resource_id, response_status, response_body, locked_until FROM idempotency_keys WHERE merchant_id = $1 AND scope = $2 AND idem_key = $3")
        .bind(merchant_id)
        .bind(scope)
        .bind(key)
        .fetch_one(&db.pool)
        .await?;
    let (stored_hash, resource, status, body, locked_until): (
        String,
        String,
        Option<i64>,
        Option<String>,
        i64,
    ) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    if stored_hash != hash {
        return Ok(Idempotency::Mismatch);
    }
    if let (Some(status), Some(body)) = (status, body) {
        return Ok(Idempotency::Replay {
            status: status as u16,
            body,
        });
    }
    if locked_until > now {
        return Ok(Idempotency::InFlight);
    }
    // Take the expired lease over, unless another request just did.
    let taken = sqlx::query("UPDATE idempotency_keys SET locked_until = $1 WHERE merchant_id = $2 AND scope = $3 AND idem_key = $4 AND locked_until = $5 AND response_status IS NULL")
        .bind(now + lease_ms)
        .bind(merchant_id)
        .bind(scope)
        .bind(key)
        .bind(locked_until)
        .execute(&db.pool)
        .await?;
    Ok(if taken.rows_affected() == 1 {
        Idempotency::Resume {
            resource_id: resource,
        }
    } else {
        Idempotency::InFlight
    })
}

/// Stores the final answer for replays.
pub async fn finish_key(
    db: &Db,
    merchant_id: &str,
    scope: &str,
    key: &str,
    status: u16,
    body: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE idempotency_keys SET response_status = $1, response_body = $2, locked_until = 0 WHERE merchant_id = $3 AND scope = $4 AND idem_key = $5")
        .bind(status as i64)
        .bind(body)
        .bind(merchant_id)
        .bind(scope)
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends the lease without an answer: a retry with the key resumes the same resource.
pub async fn release_key(db: &Db, merchant_id: &str, scope: &str, key: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE idempotency_keys SET locked_until = 0 WHERE merchant_id = $1 AND scope = $2 AND idem_key = $3 AND response_status IS NULL")
        .bind(merchant_id)
        .bind(scope)
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// ---- payments -------------------------------------------------------------------------

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRow {
    pub payment_id: String,
    pub store_id: String,
    pub provider: String,
    pub amount: i64,
    pub currency: String,
    pub reference: String,
    pub status: String,
    pub provider_reference: Option<String>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub action_url: Option<String>,
    pub refunded_amount: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// `automatic` or `manual` (authorised first, captured by capturePayment).
    pub capture_mode: String,
    /// Minor units captured so far; refunds never exceed it.
    pub captured_amount: i64,
}

const PAYMENT_COLUMNS: &str = "id, store_id, provider, amount, currency, reference, status, provider_reference, failure_code, failure_message, action_url, refunded_amount, created_at, updated_at, capture_mode, captured_amount";

fn payment_from(r: &sqlx::any::AnyRow) -> PaymentRow {
    PaymentRow {
        payment_id: r.get(0),
        store_id: r.get(1),
        provider: r.get(2),
        amount: r.get(3),
        currency: r.get(4),
        reference: r.get(5),
        status: r.get(6),
        provider_reference: r.get(7),
        failure_code: r.get(8),
        failure_message: r.get(9),
        action_url: r.get(10),
        refunded_amount: r.get(11),
        created_at: r.get(12),
        updated_at: r.get(13),
        capture_mode: r.get(14),
        captured_amount: r.get(15),
    }
}

pub async fn insert_payment(db: &Db, p: &PaymentRow) -> anyhow::Result<()> {
    sqlx::query(&format!("INSERT INTO payments ({PAYMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"))
        .bind(&p.payment_id)
        .bind(&p.store_id)
        .bind(&p.provider)
        .bind(p.amount)
        .bind(&p.currency)
        .bind(&p.reference)
        .bind(&p.status)
        .bind(p.provider_reference.as_deref())
        .bind(p.failure_code.as_deref())
        .bind(p.failure_message.as_deref())
        .bind(p.action_url.as_deref())
        .bind(p.refunded_amount)
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(&p.capture_mode)
        .bind(p.captured_amount)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn update_payment(db: &Db, p: &PaymentRow) -> anyhow::Result<()> {
    sqlx::query("UPDATE payments SET status = $1, provider_reference = $2, failure_code = $3, failure_message = $4, action_url = $5, updated_at = $6, captured_amount = $7 WHERE id = $8")
        .bind(&p.status)
        .bind(p.provider_reference.as_deref())
        .bind(p.failure_code.as_deref())
        .bind(p.failure_message.as_deref())
        .bind(p.action_url.as_deref())
        .bind(now_ms())
        .bind(p.captured_amount)
        .bind(&p.payment_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// [`update_payment`] only if the payment is still in `expected` (what its writer read):
/// of a re-check and a read that ask the vendor at once, the later one cannot undo what
/// the earlier one learnt. Answers whether it was written.
pub async fn update_payment_if(db: &Db, p: &PaymentRow, expected: &str) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE payments SET status = $1, provider_reference = $2, failure_code = $3, failure_message = $4, action_url = $5, updated_at = $6, captured_amount = $7 WHERE id = $8 AND status = $9")
        .bind(&p.status)
        .bind(p.provider_reference.as_deref())
        .bind(p.failure_code.as_deref())
        .bind(p.failure_message.as_deref())
        .bind(p.action_url.as_deref())
        .bind(now_ms())
        .bind(p.captured_amount)
        .bind(&p.payment_id)
        .bind(expected)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a payment from one status to another only if it is still in the first: the
/// one request that wins may go on to the vendor.
pub async fn transition(db: &Db, payment_id: &str, from: &str, to: &str) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE payments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(now_ms())
    .bind(payment_id)
    .bind(from)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn payment(db: &Db, payment_id: &str) -> anyhow::Result<Option<PaymentRow>> {
    let row = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1"
    ))
    .bind(payment_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(payment_from))
}

pub async fn list_payments(db: &Db, store_id: &str, limit: i64) -> anyhow::Result<Vec<PaymentRow>> {
    let rows = sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE store_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"))
        .bind(store_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(payment_from).collect())
}

// ---- refunds --------------------------------------------------------------------------

/// Reserves `amount` of a payment's captured amount for a refund. One conditional
/// UPDATE, so concurrent refunds can never sum past the payment.
pub async fn reserve_refund(db: &Db, payment_id: &str, amount: i64) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE payments SET refunded_amount = refunded_amount + $1, updated_at = $2 WHERE id = $3 AND status = 'succeeded' AND refunded_amount + $4 <= captured_amount")
        .bind(amount)
        .bind(now_ms())
        .bind(payment_id)
        .bind(amount)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a reservation back (the refund failed at the vendor).
pub async fn release_refund(db: &Db, payment_id: &str, amount: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE payments SET refunded_amount = refunded_amount - $1, updated_at = $2 WHERE id = $3",
    )
    .bind(amount)
    .bind(now_ms())
    .bind(payment_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundRow {
    pub refund_id: String,
    pub payment_id: String,
    pub store_id: String,
    pub amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub status: String,
    pub provider_reference: Option<String>,
    pub failure_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const REFUND_COLUMNS: &str = "id, payment_id, store_id, amount, currency, reason, status, provider_reference, failure_message, created_at, updated_at";

fn refund_from(r: &sqlx::any::AnyRow) -> RefundRow {
    RefundRow {
        refund_id: r.get(0),
        payment_id: r.get(1),
        store_id: r.get(2),
        amount: r.get(3),
        currency: r.get(4),
        reason: r.get(5),
        status: r.get(6),
        provider_reference: r.get(7),
        failure_message: r.get(8),
        created_at: r.get(9),
        updated_at: r.get(10),
    }
}

pub async fn insert_refund(db: &Db, r: &RefundRow) -> anyhow::Result<()> {
    sqlx::query(&format!("INSERT INTO refunds ({REFUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
        .bind(&r.refund_id)
        .bind(&r.payment_id)
        .bind(&r.store_id)
        .bind(r.amount)
        .bind(&r.currency)
        .bind(r.reason.as_deref())
        .bind(&r.status)
        .bind(r.provider_reference.as_deref())
        .bind(r.failure_message.as_deref())
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn update_refund(db: &Db, r: &RefundRow) -> anyhow::Result<()> {
    sqlx::query("UPDATE refunds SET status = $1, provider_reference = $2, failure_message = $3, updated_at = $4 WHERE id = $5")
        .bind(&r.status)
        .bind(r.provider_reference.as_deref())
        .bind(r.failure_message.as_deref())
        .bind(now_ms())
        .bind(&r.refund_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn refund(db: &Db, refund_id: &str) -> anyhow::Result<Option<RefundRow>> {
    let row = sqlx::query(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"
    ))
    .bind(refund_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(refund_from))
}

pub async fn refunds_of(db: &Db, payment_id: &str) -> anyhow::Result<Vec<RefundRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE payment_id = $1 ORDER BY created_at, id"
    ))
    .bind(payment_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(refund_from).collect())
}

// ---- webhooks -------------------------------------------------------------------------

/// Records a webhook event; false if it was applied before.
pub async fn record_event(
    db: &Db,
    store_id: &str,
    provider: &str,
    event_id: &str,
    event_type: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO webhook_events (store_id, provider, event_id, event_type, received_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (store_id, provider, event_id) DO NOTHING",
    )
    .bind(store_id)
    .bind(provider)
    .bind(event_id)
    .bind(event_type)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn payment_by_reference(
    db: &Db,
    store_id: &str,
    provider_reference: &str,
) -> anyhow::Result<Option<PaymentRow>> {
    let row = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE store_id = $1 AND provider_reference = $2"
    ))
    .bind(store_id)
    .bind(provider_reference)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(payment_from))
}

pub async fn refund_by_reference(
    db: &Db,
    store_id: &str,
    provider_reference: &str,
) -> anyhow::Result<Option<RefundRow>> {
    let row = sqlx::query(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE store_id = $1 AND provider_reference = $2"
    ))
    .bind(store_id)
    .bind(provider_reference)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(refund_from))
}

/// Moves a refund to a final status: a pending one to either, or a succeeded one to
/// failed (Adyen sends REFUND_FAILED after a successful REFUND when the bank bounces
/// it). False if nothing changed, so a failure releases its reservation exactly once.
pub async fn finalize_refund(
    db: &Db,
    refund_id: &str,
    status: &str,
    failure_message: Option<&str>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE refunds SET status = $1, failure_message = $2, updated_at = $3
         WHERE id = $4 AND (status = 'pending' OR (status = 'succeeded' AND $5 = 'failed'))",
    )
    .bind(status)
    .bind(failure_message)
    .bind(now_ms())
    .bind(refund_id)
    .bind(status)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
