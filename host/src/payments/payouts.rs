//! Payouts: the store's PSP lists its payouts (settlements) incrementally from where the
//! last sync stopped; each page and the cursor after it are kept in one transaction, and
//! every new or changed payout is said once as `payout.updated`. A paid payout reaches the
//! ERP with the next `pushToERP` (as a `payout` and a `fee` transaction, see
//! `sync::push`).

use crate::app::App;
use crate::calls::{self, Target};
use crate::db::{
    self,
    merchants::Caller,
    payouts::{CursorChange, PayoutRow},
};
use crate::error::Failure;
use crate::runtime::bindings::types::{Payout, PayoutStatus};

/// Pages per sync: a backlog larger than this continues with the next sync.
const MAX_PAGES: usize = 50;

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PayoutSync {
    pub success: bool,
    pub store_id: String,
    pub provider: String,
    /// Payouts the vendor listed.
    pub listed: u64,
    /// New or changed ones, as now stored.
    pub changed: Vec<PayoutRow>,
    /// The vendor has more than this sync read; the next one continues.
    pub more: bool,
}

pub fn payout_status(s: PayoutStatus) -> &'static str {
    match s {
        PayoutStatus::Pending => "pending",
        PayoutStatus::InTransit => "in_transit",
        PayoutStatus::Paid => "paid",
        PayoutStatus::Failed => "failed",
        PayoutStatus::Canceled => "canceled",
    }
}

/// A payout as a row (ids and times are the database's to give).
pub(crate) fn row_of(store_id: &str, provider: &str, p: &Payout) -> Result<PayoutRow, String> {
    let currency = &p.amount.currency;
    let parts = [
        &p.sales,
        &p.refunds,
        &p.chargebacks,
        &p.fees,
        &p.adjustments,
    ];
    if let Some(odd) = parts.iter().find(|m| &m.currency != currency) {
        return Err(format!(
            "payout {}: a part is in {}, the payout in {currency}",
            p.provider_reference, odd.currency
        ));
    }
    let net = p.sales.amount - p.refunds.amount - p.chargebacks.amount - p.fees.amount
        + p.adjustments.amount;
    if net != p.amount.amount {
        return Err(format!(
            "payout {}: its parts make {net}, its amount is {}",
            p.provider_reference, p.amount.amount
        ));
    }
    Ok(PayoutRow {
        payout_id: String::new(),
        store_id: store_id.to_string(),
        provider: provider.to_string(),
        provider_reference: p.provider_reference.clone(),
        status: payout_status(p.status).to_string(),
        currency: currency.to_ascii_uppercase(),
        amount: p.amount.amount,
        sales: p.sales.amount,
        refunds: p.refunds.amount,
        chargebacks: p.chargebacks.amount,
        fees: p.fees.amount,
        adjustments: p.adjustments.amount,
        vendor_created_at: p.created_at.clone(),
        arrival_date: p.arrival_date.clone(),
        created_at: 0,
        updated_at: 0,
    })
}

/// Why payouts were not recorded.
pub(crate) enum Recorded {
    /// The connector's payout does not add up (or mixes currencies).
    Odd(String),
    Failed(Failure),
}

/// Records what the vendor reported (a listed page, or a webhook's payout) and says
/// `payout.updated` for each new or changed payout; answers those.
pub(crate) async fn record(
    app: &App,
    caller: &Caller,
    store_id: &str,
    provider: &str,
    payouts: &[Payout],
    cursor: CursorChange<'_>,
) -> Result<Vec<PayoutRow>, Recorded> {
    let rows = payouts
        .iter()
        .map(|p| row_of(store_id, provider, p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Recorded::Odd)?;
    let changed = db::payouts::record_page(&app.db, store_id, provider, rows, cursor)
        .await
        .map_err(|e| Recorded::Failed(e.into()))?;
    for row in &changed {
        let data = serde_json::to_value(row).expect("a payout serialises");
        crate::events::emit(
            app,
            &caller.merchant_id,
            caller.mode,
            "payout.updated",
            data,
        )
        .await;
    }
    Ok(changed)
}

/// Lists the store's payouts at its PSP from the kept cursor on.
pub async fn sync(
    app: &App,
    caller: &Caller,
    store_id: &str,
    provider: &str,
    target: &Target,
) -> Result<PayoutSync, Failure> {
    let mut cursor = db::payouts::cursor(&app.db, store_id, provider).await?;
    let mut answer = PayoutSync {
        success: true,
        store_id: store_id.to_string(),
        provider: provider.to_string(),
        listed: 0,
        changed: Vec::new(),
        more: false,
    };
    for page_number in 0..MAX_PAGES {
        let (result, report) = app
            .runtime
            .fetch_payouts(
                &target.entry.connector,
                &target.ctx,
                &target.config,
                cursor.as_deref(),
            )
            .await;
        calls::record(
            app,
            caller,
            Some(store_id),
            target,
            "fetch-payouts",
            &report,
        )
        .await;
        let page = result.map_err(|e| calls::call_failure(target, e))?;
        answer.listed += page.payouts.len() as u64;
        let cursor_after = CursorChange::Set(page.next_cursor.as_deref());
        let changed = record(app, caller, store_id, provider, &page.payouts, cursor_after)
            .await
            .map_err(|e| match e {
                Recorded::Odd(m) => calls::call_failure(
                    target,
                    crate::runtime::CallError::Internal(format!("the connector's payout: {m}")),
                ),
                Recorded::Failed(f) => f,
            })?;
        answer.changed.extend(changed);
        let advanced = page.next_cursor != cursor;
        cursor = page.next_cursor;
        if !page.has_more || !advanced {
            break;
        }
        answer.more = page_number + 1 == MAX_PAGES;
    }
    Ok(answer)
}
