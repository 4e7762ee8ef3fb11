//! Pushes through the outbox: each item (a sale, a payment, a refund, a sale's stock
//! changes) is claimed for its target, sent, and settled. A resend after a crash carries
//! the same BEEP! id, which the connector turns into the vendor's external reference,
//! so the vendor recognises it instead of booking it twice.

use crate::app::App;
use crate::calls::{self, Target};
use crate::db::{self, merchants::Caller};
use crate::error::Failure;
use crate::runtime::bindings::types::{
    ConnectorError, ConnectorKind, Money, PushOutcome, PushResult, Sale, StockChange, Transaction,
    TransactionKind,
};
use crate::runtime::{CallError, CallReport};
use std::collections::HashMap;

/// Items per connector call.
const BATCH: usize = 100;
/// Items per push request and target; the rest go with the next push.
const MAX_PER_REQUEST: i64 = 5_000;

#[derive(Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub sent: u64,
    /// Already present upstream (a resend the vendor recognised).
    pub duplicates: u64,
    /// Refused by the vendor; not retried automatically.
    pub rejected: Vec<serde_json::Value>,
    /// Left for the next push (transient trouble).
    pub pending: u64,
    #[serde(skip)]
    pub failure: Option<CallError>,
}

fn transient(e: &ConnectorError) -> bool {
    match e {
        ConnectorError::RateLimited(_) | ConnectorError::Network(_) => true,
        ConnectorError::Upstream(u) => u.status >= 500,
        _ => false,
    }
}

/// One outbox item: its delivery id, what the connector receives, and the ids of the
/// push results that answer for it.
struct Item<T> {
    id: String,
    values: Vec<T>,
    result_ids: Vec<String>,
}

/// Claims, sends in batches, settles. `send` makes one connector call.
async fn deliver<T, F, Fut>(
    app: &App,
    store_id: &str,
    outbox: &str,
    items: Vec<Item<T>>,
    mut send: F,
) -> Result<Delivery, Failure>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = (Result<Vec<PushResult>, CallError>, CallReport)>,
{
    let mut claimed = Vec::new();
    for item in items {
        if db::sales::claim(
            &app.db,
            &item.id,
            store_id,
            outbox,
            app.settings.outbox_lease_ms,
        )
        .await?
        {
            claimed.push(item);
        }
    }
    let mut out = Delivery::default();
    let mut batch_start = 0;
    while batch_start < claimed.len() {
        // Batches hold whole items and about BATCH values.
        let mut end = batch_start;
        let mut size = 0;
        while end < claimed.len() && (size == 0 || size + claimed[end].values.len() <= BATCH) {
            size += claimed[end].values.len();
            end += 1;
        }
        let batch = &claimed[batch_start..end];
        batch_start = end;
        if let Some(e) = &out.failure {
            let reason = format!("not attempted after an earlier failure: {e}");
            for item in batch {
                db::sales::settle(&app.db, &item.id, outbox, "pending", None, Some(&reason))
                    .await?;
                out.pending += 1;
            }
            continue;
        }
        let values: Vec<T> = batch
            .iter()
            .flat_map(|i| i.values.iter().cloned())
            .collect();
        let (result, _report) = send(values).await;
        let results = match result {
            Ok(results) => results,
            Err(e) => {
                // Unknown which of the batch arrived: the next push resends them and the
                // vendor recognises the ones it has.
                for item in batch {
                    db::sales::settle(
                        &app.db,
                        &item.id,
                        outbox,
                        "pending",
                        None,
                        Some(&e.to_string()),
                    )
                    .await?;
                    out.pending += 1;
                }
                out.failure = Some(e);
                continue;
            }
        };
        let by_id: HashMap<&str, &PushOutcome> = results
            .iter()
            .map(|r| (r.id.as_str(), &r.outcome))
            .collect();
        for item in batch {
            let outcomes: Vec<Option<&&PushOutcome>> = item
                .result_ids
                .iter()
                .map(|id| by_id.get(id.as_str()))
                .collect();
            let external = outcomes.iter().find_map(|o| match o {
                Some(PushOutcome::Created(ext) | PushOutcome::Duplicate(ext)) => ext.clone(),
                _ => None,
            });
            let rejection = outcomes.iter().find_map(|o| match o {
                Some(PushOutcome::Rejected(e)) => Some(e),
                _ => None,
            });
            if let Some(e) = rejection {
                let status = if transient(e) { "pending" } else { "rejected" };
                db::sales::settle(
                    &app.db,
                    &item.id,
                    outbox,
                    status,
                    None,
                    Some(&e.to_string()),
                )
                .await?;
                if status == "pending" {
                    out.pending += 1;
                } else {
                    out.rejected
                        .push(serde_json::json!({"id": item.id, "reason": e.to_string()}));
                }
            } else if outcomes.iter().any(Option::is_none) {
                db::sales::settle(
                    &app.db,
                    &item.id,
                    outbox,
                    "pending",
                    None,
                    Some("the connector did not report on it"),
                )
                .await?;
                out.pending += 1;
            } else {
                db::sales::settle(&app.db, &item.id, outbox, "sent", external.as_deref(), None)
                    .await?;
                if outcomes
                    .iter()
                    .all(|o| matches!(o, Some(PushOutcome::Duplicate(_))))
                {
                    out.duplicates += 1;
                } else {
                    out.sent += 1;
                }
            }
        }
    }
    Ok(out)
}

async fn pending_sales(app: &App, store_id: &str, outbox: &str) -> Result<Vec<Sale>, Failure> {
    db::sales::pending(&app.db, store_id, outbox, MAX_PER_REQUEST)
        .await?
        .into_iter()
        .map(|(id, body)| {
            serde_json::from_str(&body)
                .map_err(|e| Failure::Internal(anyhow::anyhow!("stored sale {id} unreadable: {e}")))
        })
        .collect()
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushSummary {
    pub success: bool,
    pub system: String,
    /// Items delivered per kind (`sales`; `transactions`, `stockChanges`).
    #[schema(value_type = Object)]
    pub pushed: serde_json::Value,
    pub duplicates: u64,
    /// Items the vendor refused, with its reason; not retried automatically.
    #[schema(value_type = Vec<Object>)]
    pub rejected: Vec<serde_json::Value>,
    pub pending: u64,
}

/// The request failed if nothing got through and something went wrong.
fn conclude(
    target: &Target,
    system: &str,
    pushed: serde_json::Value,
    parts: Vec<Delivery>,
) -> Result<PushSummary, Failure> {
    let delivered: u64 = parts.iter().map(|d| d.sent + d.duplicates).sum();
    let mut summary = PushSummary {
        success: true,
        system: system.to_string(),
        pushed,
        duplicates: parts.iter().map(|d| d.duplicates).sum(),
        rejected: Vec::new(),
        pending: parts.iter().map(|d| d.pending).sum(),
    };
    let mut failure = None;
    for part in parts {
        summary.rejected.extend(part.rejected);
        failure = failure.or(part.failure);
    }
    match failure {
        Some(error) if delivered == 0 => Err(calls::call_failure(target, error)),
        _ => Ok(summary),
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
    )
    .await?;
    super::remember_connector(app, caller, store_id, "pos", system, &target).await?;
    let outbox = format!("pos:{system}");
    let items = pending_sales(app, store_id, &outbox)
        .await?
        .into_iter()
        .map(|sale| Item {
            id: sale.id.clone(),
            result_ids: vec![sale.id.clone()],
            values: vec![sale],
        })
        .collect();
    let delivery = deliver(app, store_id, &outbox, items, |sales| {
        let target = &target;
        async move {
            let out = app
                .runtime
                .push_sales(&target.entry.connector, &target.ctx, &target.config, &sales)
                .await;
            calls::record(app, caller, Some(store_id), target, "push-sales", &out.1).await;
            out
        }
    })
    .await?;
    let pushed = serde_json::json!({"sales": delivery.sent});
    conclude(&target, system, pushed, vec![delivery])
}

fn money(amount: i64, currency: &str) -> Money {
    Money {
        amount,
        currency: currency.to_string(),
    }
}

/// Chargebacks (a dispute's withdrawal, and its return when won) and paid payouts with
/// their fees, not yet booked under `outbox`. A payout and its fee are one item: both are
/// booked, or neither counts as delivered.
async fn money_movements(
    app: &App,
    store_id: &str,
    outbox: &str,
) -> Result<Vec<Item<Transaction>>, Failure> {
    let mut items = Vec::new();
    for b in db::disputes::pending_bookings(&app.db, store_id, outbox, MAX_PER_REQUEST).await? {
        let d = &b.dispute;
        let amount = if b.reversal { -d.amount } else { d.amount };
        items.push(Item {
            id: b.id.clone(),
            result_ids: vec![b.id.clone()],
            values: vec![Transaction {
                id: b.id,
                kind: TransactionKind::Chargeback,
                amount: money(amount, &d.currency),
                reference: Some(d.provider_reference.clone()),
                sale_id: None,
                payment_method: Some("psp".into()),
                occurred_at: db::rfc3339(d.updated_at),
            }],
        });
    }
    for p in db::payouts::pending_paid(&app.db, store_id, outbox, MAX_PER_REQUEST).await? {
        // When the money arrived (a bare date: its start, in UTC), else when it was sent.
        let occurred_at = match p.arrival_date.as_deref() {
            Some(day) if day.len() == 10 => format!("{day}T00:00:00Z"),
            Some(at) => at.to_string(),
            None => p.vendor_created_at.clone(),
        };
        let movement = |id: String, kind, amount| Transaction {
            id,
            kind,
            amount: money(amount, &p.currency),
            reference: Some(p.provider_reference.clone()),
            sale_id: None,
            payment_method: Some("psp".into()),
            occurred_at: occurred_at.clone(),
        };
        let mut values = vec![movement(
            p.payout_id.clone(),
            TransactionKind::Payout,
            p.amount,
        )];
        if p.fees != 0 {
            let fee = format!("{}:fee", p.payout_id);
            values.push(movement(fee, TransactionKind::Fee, p.fees));
        }
        items.push(Item {
            id: p.payout_id.clone(),
            result_ids: values.iter().map(|v| v.id.clone()).collect(),
            values,
        });
    }
    Ok(items)
}

/// Transactions (sales, payments, refunds, chargebacks, payouts and fees) and stock
/// changes (from sales), each once.
pub async fn push_erp(
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
        ConnectorKind::Erp,
        system,
        connector_id,
        credentials,
    )
    .await?;
    super::remember_connector(app, caller, store_id, "erp", system, &target).await?;

    let tx_outbox = format!("erp:{system}:transactions");
    let mut transactions: Vec<Item<Transaction>> = Vec::new();
    for sale in pending_sales(app, store_id, &tx_outbox).await? {
        let method = sale.payments.first().map(|p| p.method.clone());
        transactions.push(Item {
            id: sale.id.clone(),
            result_ids: vec![sale.id.clone()],
            values: vec![Transaction {
                id: sale.id.clone(),
                kind: TransactionKind::Sale,
                amount: sale.total.clone(),
                reference: Some(sale.receipt_number.clone()),
                sale_id: Some(sale.id.clone()),
                payment_method: method,
                occurred_at: sale.created_at.clone(),
            }],
        });
    }
    for (id, amount, currency, reference, psp_ref, created) in
        db::sales::pending_payments(&app.db, store_id, &tx_outbox, MAX_PER_REQUEST).await?
    {
        transactions.push(Item {
            id: id.clone(),
            result_ids: vec![id.clone()],
            values: vec![Transaction {
                id,
                kind: TransactionKind::Payment,
                amount: money(amount, &currency),
                reference: Some(psp_ref.unwrap_or(reference)),
                sale_id: None,
                payment_method: Some("psp".into()),
                occurred_at: db::rfc3339(created),
            }],
        });
    }
    for (id, payment_id, amount, currency, psp_ref, created) in
        db::sales::pending_refunds(&app.db, store_id, &tx_outbox, MAX_PER_REQUEST).await?
    {
        transactions.push(Item {
            id: id.clone(),
            result_ids: vec![id.clone()],
            values: vec![Transaction {
                id,
                kind: TransactionKind::Refund,
                amount: money(amount, &currency),
                reference: psp_ref.or(Some(payment_id)),
                sale_id: None,
                payment_method: Some("psp".into()),
                occurred_at: db::rfc3339(created),
            }],
        });
    }
    transactions.extend(money_movements(app, store_id, &tx_outbox).await?);
    let sent_tx = deliver(app, store_id, &tx_outbox, transactions, |batch| {
        let target = &target;
        async move {
            let out = app
                .runtime
                .push_transactions(&target.entry.connector, &target.ctx, &target.config, &batch)
                .await;
            calls::record(
                app,
                caller,
                Some(store_id),
                target,
                "push-transactions",
                &out.1,
            )
            .await;
            out
        }
    })
    .await?;

    let stock_outbox = format!("erp:{system}:stock");
    let stock: Vec<Item<StockChange>> = pending_sales(app, store_id, &stock_outbox)
        .await?
        .into_iter()
        .map(|sale| {
            let values: Vec<StockChange> = sale
                .lines
                .iter()
                .enumerate()
                .map(|(i, line)| StockChange {
                    id: format!("{}:{i}", sale.id),
                    product_id: line.product_id.clone(),
                    sku: line.sku.clone(),
                    quantity_delta: -line.quantity,
                    reason: format!("sale {}", sale.receipt_number),
                    occurred_at: sale.created_at.clone(),
                })
                .collect();
            Item {
                id: sale.id.clone(),
                result_ids: values.iter().map(|v| v.id.clone()).collect(),
                values,
            }
        })
        .collect();
    let sent_stock = deliver(app, store_id, &stock_outbox, stock, |batch| {
        let target = &target;
        async move {
            let out = app
                .runtime
                .push_stock_changes(&target.entry.connector, &target.ctx, &target.config, &batch)
                .await;
            calls::record(
                app,
                caller,
                Some(store_id),
                target,
                "push-stock-changes",
                &out.1,
            )
            .await;
            out
        }
    })
    .await?;
    let pushed = serde_json::json!({"transactions": sent_tx.sent, "stockChanges": sent_stock.sent});
    conclude(&target, system, pushed, vec![sent_tx, sent_stock])
}
