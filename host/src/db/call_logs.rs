//! A connector's own log lines, kept per call with what the call was about, so
//! `GET /syncRuns/{id}/logs` and `GET /payments/{id}/logs` answer "why" without the
//! server log.

use super::audit::Subject;
use super::merchants::Mode;
use super::{Db, now_ms};
use crate::runtime::LogLine;
use sqlx::Row;

/// Lines kept per call; the rest is summarised in one line (the per-call log budget
/// already caps their bytes, this caps rows).
pub const MAX_LINES_PER_CALL: usize = 200;

/// What a call's lines are read back under.
#[derive(Clone, Copy, Debug)]
pub enum About<'a> {
    SyncRun(&'a str),
    Payment(&'a str),
}

impl About<'_> {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            About::SyncRun(id) => ("sync_run", id),
            About::Payment(id) => ("payment", id),
        }
    }
}

/// Writes the call's lines in one transaction.
pub async fn record(
    db: &Db,
    about: About<'_>,
    call: &Subject<'_>,
    lines: &[LogLine],
) -> anyhow::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let (kind, id) = about.parts();
    let dropped = lines.len().saturating_sub(MAX_LINES_PER_CALL);
    let summary = (dropped > 0).then(|| LogLine {
        level: "warn",
        message: format!("{dropped} further lines of this call not kept"),
    });
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    for line in lines
        .iter()
        .take(MAX_LINES_PER_CALL)
        .chain(summary.as_ref())
    {
        sqlx::query(
            "INSERT INTO call_logs (merchant_id, mode, store_id, subject_kind, subject_id, connector, operation, level, message, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(call.merchant_id)
        .bind(call.mode.as_str())
        .bind(call.store_id)
        .bind(kind)
        .bind(id)
        .bind(call.connector)
        .bind(call.operation)
        .bind(line.level)
        .bind(&line.message)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogRow {
    /// Increasing; pass the last one as `after` for the next page.
    pub id: i64,
    pub connector: String,
    pub operation: String,
    /// trace, debug, info, warn, error; stdout and stderr for the component's own output.
    pub level: String,
    pub message: String,
    pub created_at: i64,
}

/// The lines after `after`, oldest first. The caller has checked that the subject is
/// the merchant's; merchant and mode are matched again all the same.
pub async fn list(
    db: &Db,
    about: About<'_>,
    merchant_id: &str,
    mode: Mode,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<LogRow>> {
    let (kind, id) = about.parts();
    let rows = sqlx::query(
        "SELECT id, connector, operation, level, message, created_at FROM call_logs
         WHERE subject_kind = $1 AND subject_id = $2 AND merchant_id = $3 AND mode = $4 AND id > $5
         ORDER BY id LIMIT $6",
    )
    .bind(kind)
    .bind(id)
    .bind(merchant_id)
    .bind(mode.as_str())
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LogRow {
            id: r.get(0),
            connector: r.get(1),
            operation: r.get(2),
            level: r.get(3),
            message: r.get(4),
            created_at: r.get(5),
        })
        .collect())
}
