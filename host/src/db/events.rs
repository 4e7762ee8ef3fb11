//! Event endpoints, events, and their deliveries with every attempt.

use super::merchants::{Caller, Mode};
use super::{Backend, Db, new_id, now_ms};
use sqlx::Row;

#[derive(Clone, Debug)]
pub struct Endpoint {
    pub endpoint_id: String,
    pub url: String,
    pub events: Vec<String>,
    /// Sealed signing secret.
    pub secret: String,
    pub created_at: i64,
}

fn endpoint(r: &sqlx::any::AnyRow) -> Endpoint {
    Endpoint {
        endpoint_id: r.get(0),
        url: r.get(1),
        events: serde_json::from_str(&r.get::<String, _>(2)).unwrap_or_default(),
        secret: r.get(3),
        created_at: r.get(4),
    }
}

pub fn new_endpoint_id() -> String {
    format!("we_{}", new_id().replace('-', ""))
}

pub async fn add_endpoint(
    db: &Db,
    caller: &Caller,
    id: &str,
    url: &str,
    events: &[String],
    sealed_secret: &str,
) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO event_endpoints (id, merchant_id, mode, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id)
        .bind(&caller.merchant_id)
        .bind(caller.mode.as_str())
        .bind(url)
        .bind(serde_json::to_string(events)?)
        .bind(sealed_secret)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn endpoints(db: &Db, merchant_id: &str, mode: Mode) -> anyhow::Result<Vec<Endpoint>> {
    let rows = sqlx::query("SELECT id, url, events, secret, created_at FROM event_endpoints WHERE merchant_id = $1 AND mode = $2 ORDER BY created_at, id")
        .bind(merchant_id)
        .bind(mode.as_str())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(endpoint).collect())
}

pub async fn endpoint_by_id(db: &Db, id: &str) -> anyhow::Result<Option<Endpoint>> {
    Ok(
        sqlx::query(
            "SELECT id, url, events, secret, created_at FROM event_endpoints WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(endpoint),
    )
}

/// Deletes this caller's endpoint; its undelivered deliveries stop.
pub async fn delete_endpoint(db: &Db, caller: &Caller, id: &str) -> anyhow::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let done =
        sqlx::query("DELETE FROM event_endpoints WHERE id = $1 AND merchant_id = $2 AND mode = $3")
            .bind(id)
            .bind(&caller.merchant_id)
            .bind(caller.mode.as_str())
            .execute(&mut *tx)
            .await?;
    sqlx::query("UPDATE event_deliveries SET state = 'canceled' WHERE endpoint_id = $1 AND state = 'pending'")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Writes the event and one pending delivery per subscribed endpoint, in one
/// transaction; answers the event's id and how many deliveries it has.
pub async fn record(
    db: &Db,
    merchant_id: &str,
    mode: Mode,
    kind: &str,
    data: &serde_json::Value,
) -> anyhow::Result<(String, usize)> {
    let now = now_ms();
    let id = format!("evt_{}", new_id().replace('-', ""));
    let subscribed: Vec<String> = endpoints(db, merchant_id, mode)
        .await?
        .into_iter()
        .filter(|e| e.events.iter().any(|t| t == kind || t == "*"))
        .map(|e| e.endpoint_id)
        .collect();
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO events (id, merchant_id, mode, type, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&id)
        .bind(merchant_id)
        .bind(mode.as_str())
        .bind(kind)
        .bind(data.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    for endpoint_id in &subscribed {
        sqlx::query("INSERT INTO event_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $5)")
            .bind(format!("del_{}", new_id().replace('-', "")))
            .bind(&id)
            .bind(endpoint_id)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok((id, subscribed.len()))
}

#[derive(Clone, Debug)]
pub struct Event {
    pub event_id: String,
    pub merchant_id: String,
    pub mode: String,
    pub kind: String,
    pub data: String,
    pub created_at: i64,
}

fn event(r: &sqlx::any::AnyRow) -> Event {
    Event {
        event_id: r.get(0),
        merchant_id: r.get(1),
        mode: r.get(2),
        kind: r.get(3),
        data: r.get(4),
        created_at: r.get(5),
    }
}

pub async fn event_by_id(db: &Db, id: &str) -> anyhow::Result<Option<Event>> {
    Ok(sqlx::query(
        "SELECT id, merchant_id, mode, type, data, created_at FROM events WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(event))
}

pub async fn list(
    db: &Db,
    caller: &Caller,
    kind: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<Event>> {
    let rows = sqlx::query("SELECT id, merchant_id, mode, type, data, created_at FROM events WHERE merchant_id = $1 AND mode = $2 AND ($3 = '' OR type = $4) ORDER BY created_at DESC, id DESC LIMIT $5")
        .bind(&caller.merchant_id)
        .bind(caller.mode.as_str())
        .bind(kind.unwrap_or(""))
        .bind(kind.unwrap_or(""))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(event).collect())
}

#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub attempt: i64,
    pub at: String,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub delivery_id: String,
    pub endpoint_id: String,
    /// pending, delivered, failed or canceled.
    pub state: String,
    pub attempts: Vec<Attempt>,
    pub delivered_at: Option<String>,
    #[serde(skip)]
    pub event_id: String,
}

pub async fn deliveries(db: &Db, event_id: &str) -> anyhow::Result<Vec<Delivery>> {
    let rows = sqlx::query("SELECT id, endpoint_id, state, delivered_at FROM event_deliveries WHERE event_id = $1 ORDER BY created_at, id")
        .bind(event_id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.get(0);
        let attempts = sqlx::query("SELECT attempt, at, status, error, duration_ms FROM event_attempts WHERE delivery_id = $1 ORDER BY attempt")
            .bind(&id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|a| Attempt {
                attempt: a.get(0),
                at: super::rfc3339(a.get(1)),
                status: a.get(2),
                error: a.get(3),
                duration_ms: a.get(4),
            })
            .collect();
        out.push(Delivery {
            delivery_id: id,
            endpoint_id: r.get(1),
            state: r.get(2),
            delivered_at: r.get::<Option<i64>, _>(3).map(super::rfc3339),
            attempts,
            event_id: event_id.to_string(),
        });
    }
    Ok(out)
}

/// A delivery claimed for one attempt.
pub struct Due {
    pub delivery_id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub attempts: i64,
}

/// Claims the oldest due delivery for `lease_ms` (SKIP LOCKED on PostgreSQL).
pub async fn claim(db: &Db, lease_ms: i64) -> anyhow::Result<Option<Due>> {
    let now = now_ms();
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "UPDATE event_deliveries SET lease_until = $1, attempts = attempts + 1
         WHERE id = (SELECT id FROM event_deliveries
                     WHERE state = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $3)
                     ORDER BY next_attempt_at LIMIT 1 {lock})
         RETURNING id, event_id, endpoint_id, attempts"
    ))
    .bind(now + lease_ms)
    .bind(now)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Due {
        delivery_id: r.get(0),
        event_id: r.get(1),
        endpoint_id: r.get(2),
        attempts: r.get(3),
    }))
}

/// Records an attempt and the delivery's next state: delivered, failed (given up),
/// or pending again at `next_attempt_at`.
pub async fn settle(
    db: &Db,
    due: &Due,
    status: Option<u16>,
    error: Option<&str>,
    duration_ms: i64,
    outcome: Outcome,
) -> anyhow::Result<()> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO event_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, attempt) DO NOTHING")
        .bind(&due.delivery_id)
        .bind(due.attempts)
        .bind(now)
        .bind(status.map(i64::from))
        .bind(error)
        .bind(duration_ms)
        .execute(&mut *tx)
        .await?;
    let (state, next, delivered) = match outcome {
        Outcome::Delivered => ("delivered", now, Some(now)),
        Outcome::GiveUp => ("failed", now, None),
        Outcome::RetryAt(at) => ("pending", at, None),
    };
    sqlx::query("UPDATE event_deliveries SET state = $1, next_attempt_at = $2, delivered_at = $3, lease_until = NULL WHERE id = $4 AND state = 'pending'")
        .bind(state)
        .bind(next)
        .bind(delivered)
        .bind(&due.delivery_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub enum Outcome {
    Delivered,
    GiveUp,
    RetryAt(i64),
}

/// Sends the event again to every endpoint it went to (or, if it had none, to those
/// now subscribed): new pending deliveries, due now.
pub async fn redeliver(db: &Db, event: &Event) -> anyhow::Result<usize> {
    let now = now_ms();
    let mut targets: Vec<String> =
        sqlx::query("SELECT DISTINCT endpoint_id FROM event_deliveries WHERE event_id = $1")
            .bind(&event.event_id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
    let live: Vec<Endpoint> = endpoints(db, &event.merchant_id, Mode::of(&event.mode)).await?;
    if targets.is_empty() {
        targets = live
            .iter()
            .filter(|e| e.events.iter().any(|t| *t == event.kind || t == "*"))
            .map(|e| e.endpoint_id.clone())
            .collect();
    }
    targets.retain(|t| live.iter().any(|e| &e.endpoint_id == t));
    for endpoint_id in &targets {
        sqlx::query("INSERT INTO event_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $5)")
            .bind(format!("del_{}", new_id().replace('-', "")))
            .bind(&event.event_id)
            .bind(endpoint_id)
            .bind(now)
            .bind(now)
            .execute(&db.pool)
            .await?;
    }
    Ok(targets.len())
}
