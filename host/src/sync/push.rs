//! Pushing sales to a POS through the outbox: each sale is claimed, sent, and settled;
//! a resend after a crash carries the same sale id, which the vendor recognises.

use crate::app::App;
use crate::calls;
use crate::db::{self, merchants::Caller};
use crate::error::Failure;
use crate::runtime::CallError;
use crate::runtime::bindings::types::{ConnectorError, ConnectorKind, PushOutcome, Sale};
use std::collections::HashMap;

/// Sales per connector call.
const BATCH: usize = 100;
/// Sales per push request; the rest go with the next push.
const MAX_PER_REQUEST: i64 = 5_000;

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSummary {
    pub success: bool,
    pub system: String,
    pub pushed: serde_json::Value,
    /// Already present upstream (a resend the vendor recognised).
    pub duplicates: u64,
    /// Refused by the vendor; not retried automatically.
    pub rejected: Vec<serde_json::Value>,
    /// Left for the next push (transient trouble).
    pub pending: u64,
}

fn transient(e: &ConnectorError) -> bool {
    match e {
        ConnectorError::RateLimited(_) | ConnectorError::Network(_) => true,
        ConnectorError::Upstream(u) => u.status >= 500,
        _ => false,
    }
}

pub async fn push_sales(
    app: &App,
    caller: &Caller,
    store_id: &str,
    system: &str,
    connector_id: Option<&str>,
    credentials: &serde_json::Value,
) -> Result<PushSummary, Failure> {
    let target = calls::prepare(
        app,
        caller,
        ConnectorKind::Pos,
        system,
        connector_id,
        credentials,
    )?;
    super::remember_credentials(app, store_id, "pos", system, &target, credentials).await?;
    let outbox = format!("pos:{system}");

    let pending = db::sales::pending(&app.db, store_id, &outbox, MAX_PER_REQUEST).await?;
    let mut claimed: Vec<Sale> = Vec::new();
    for (id, body) in pending {
        if db::sales::claim(&app.db, &id, store_id, &outbox).await? {
            let sale: Sale = serde_json::from_str(&body)
                .map_err(|e| anyhow::anyhow!("stored sale {id} unreadable: {e}"))?;
            claimed.push(sale);
        }
    }

    let mut summary = PushSummary {
        success: true,
        system: system.to_string(),
        pushed: serde_json::json!({"sales": 0}),
        duplicates: 0,
        rejected: Vec::new(),
        pending: 0,
    };
    let mut sent = 0u64;
    let mut failure: Option<CallError> = None;
    for batch in claimed.chunks(BATCH) {
        if failure.is_some() {
            for sale in batch {
                db::sales::settle(
                    &app.db,
                    &sale.id,
                    &outbox,
                    "pending",
                    None,
                    Some("not attempted after an earlier failure"),
                )
                .await?;
                summary.pending += 1;
            }
            continue;
        }
        let (result, report) = app
            .runtime
            .push_sales(&target.entry.connector, &target.ctx, &target.config, batch)
            .await;
        calls::record(app, caller, Some(store_id), &target, "push-sales", &report).await;
        let results = match result {
            Ok(results) => results,
            Err(e) => {
                // Unknown which of the batch arrived: leave them for the next push,
                // whose resend the vendor deduplicates by sale id.
                for sale in batch {
                    db::sales::settle(
                        &app.db,
                        &sale.id,
                        &outbox,
                        "pending",
                        None,
                        Some(&e.to_string()),
                    )
                    .await?;
                    summary.pending += 1;
                }
                failure = Some(e);
                continue;
            }
        };
        let mut by_id: HashMap<&str, &PushOutcome> = results
            .iter()
            .map(|r| (r.id.as_str(), &r.outcome))
            .collect();
        for sale in batch {
            match by_id.remove(sale.id.as_str()) {
                Some(PushOutcome::Created(ext)) => {
                    db::sales::settle(&app.db, &sale.id, &outbox, "sent", ext.as_deref(), None)
                        .await?;
                    sent += 1;
                }
                Some(PushOutcome::Duplicate(ext)) => {
                    db::sales::settle(&app.db, &sale.id, &outbox, "sent", ext.as_deref(), None)
                        .await?;
                    summary.duplicates += 1;
                }
                Some(PushOutcome::Rejected(e)) if transient(e) => {
                    db::sales::settle(
                        &app.db,
                        &sale.id,
                        &outbox,
                        "pending",
                        None,
                        Some(&e.to_string()),
                    )
                    .await?;
                    summary.pending += 1;
                }
                Some(PushOutcome::Rejected(e)) => {
                    db::sales::settle(
                        &app.db,
                        &sale.id,
                        &outbox,
                        "rejected",
                        None,
                        Some(&e.to_string()),
                    )
                    .await?;
                    summary.rejected.push(serde_json::json!({"saleId": sale.id, "receiptNumber": sale.receipt_number, "reason": e.to_string()}));
                }
                None => {
                    db::sales::settle(
                        &app.db,
                        &sale.id,
                        &outbox,
                        "pending",
                        None,
                        Some("the connector did not report on this sale"),
                    )
                    .await?;
                    summary.pending += 1;
                }
            }
        }
    }
    summary.pushed = serde_json::json!({"sales": sent});
    match failure {
        // Nothing got through: the request failed.
        Some(error) if sent == 0 && summary.duplicates == 0 => {
            Err(calls::call_failure(&target, error))
        }
        _ => Ok(summary),
    }
}
