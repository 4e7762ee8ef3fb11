//! Payouts: `GET /v1/payouts` created since the cursor's watermark and, per payout, the
//! balance transactions it paid out (`GET /v1/balance_transactions?payout=`), summed by
//! Stripe's transaction type. The watermark stays at the oldest payout that is not final
//! (`pending`, `in_transit`), so its landing is seen on a later call.

use crate::client::check;
use crate::config::StripeConfig;
use crate::mapping::from_stripe_amount;
use crate::model::{StripeBalanceTxn, StripeList, StripePayout, StripePayoutStatus};
use beep_sdk::config::Cursor;
use beep_sdk::payout::{Statement, Totals, is_final};
use beep_sdk::prelude::*;

/// Stripe's largest page.
const PAGE: &str = "100";
/// Payouts gathered per call (Stripe pays out at most daily per currency: a year's worth).
const MAX_PAYOUTS: usize = 400;

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Watermark {
    /// `created[gte]` of the next call (Unix seconds).
    since: Option<i64>,
}

impl From<StripePayoutStatus> for PayoutStatus {
    fn from(s: StripePayoutStatus) -> Self {
        match s {
            StripePayoutStatus::Pending => PayoutStatus::Pending,
            StripePayoutStatus::InTransit => PayoutStatus::InTransit,
            StripePayoutStatus::Paid => PayoutStatus::Paid,
            StripePayoutStatus::Failed => PayoutStatus::Failed,
            StripePayoutStatus::Canceled => PayoutStatus::Canceled,
        }
    }
}

/// Adds one ledger line to what its payout is made of.
pub fn add(totals: &mut Totals, txn: &StripeBalanceTxn) {
    let amount = from_stripe_amount(txn.amount, &txn.currency).amount;
    let fee = from_stripe_amount(txn.fee, &txn.currency).amount;
    match (txn.kind.as_str(), txn.reporting_category.as_deref()) {
        // The payout's own line: what it pays, not what it is made of.
        ("payout", _) => return,
        ("charge" | "payment", _) => totals.sales += amount,
        ("refund" | "payment_refund", _) => totals.refunds -= amount,
        (_, Some("dispute" | "dispute_reversal")) => totals.chargebacks -= amount,
        ("stripe_fee" | "tax_fee", _) => totals.fees -= amount,
        // Anything else (reserves, transfers) is an adjustment: the rest of the payout.
        _ => {}
    }
    totals.fees += fee;
}

fn list<T: serde::de::DeserializeOwned>(
    cfg: &StripeConfig,
    path: &str,
    filter: &[(&str, String)],
    after: Option<&str>,
) -> Result<StripeList<T>, ConnectorError> {
    let mut query: Vec<(&str, &str)> = filter.iter().map(|(k, v)| (*k, v.as_str())).collect();
    query.push(("limit", PAGE));
    if let Some(id) = after {
        query.push(("starting_after", id));
    }
    check(cfg.get(path).query(&query).send()?)?.json()
}

fn totals_of(cfg: &StripeConfig, payout: &str) -> Result<Totals, ConnectorError> {
    let mut totals = Totals::default();
    let mut after: Option<String> = None;
    loop {
        let filter = [("payout", payout.to_string())];
        let page: StripeList<StripeBalanceTxn> =
            list(cfg, "/v1/balance_transactions", &filter, after.as_deref())?;
        for txn in &page.data {
            add(&mut totals, txn);
        }
        after = page.data.last().map(|t| t.id.clone());
        if !page.has_more || after.is_none() {
            return Ok(totals);
        }
    }
}

pub(crate) fn fetch(
    cfg: &StripeConfig,
    cursor: Option<&str>,
) -> Result<PayoutsPage, ConnectorError> {
    let mark: Watermark = Cursor::decode(cursor)?;
    let filter: Vec<(&str, String)> = mark
        .since
        .map(|t| ("created[gte]", t.to_string()))
        .into_iter()
        .collect();
    // Newest first, back to the watermark.
    let mut found: Vec<StripePayout> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page: StripeList<StripePayout> = list(cfg, "/v1/payouts", &filter, after.as_deref())?;
        after = page.data.last().map(|p| p.id.clone());
        found.extend(page.data);
        if !page.has_more || after.is_none() || found.len() >= MAX_PAYOUTS {
            break;
        }
    }
    found.reverse();
    let mut payouts = Vec::with_capacity(found.len());
    for p in &found {
        let status = PayoutStatus::from(p.status);
        let money = from_stripe_amount(p.amount, &p.currency);
        payouts.push(totals_of(cfg, &p.id)?.payout(Statement {
            provider_reference: p.id.clone(),
            status,
            amount: money.amount,
            currency: money.currency,
            created_at: beep_sdk::time::rfc3339(p.created).unwrap_or_default(),
            arrival_date: p.arrival_date.and_then(beep_sdk::time::rfc3339),
        }));
    }
    let open = found
        .iter()
        .find(|p| !is_final(p.status.into()))
        .or(found.last())
        .map(|p| p.created);
    let since = open.or(mark.since);
    Ok(PayoutsPage {
        payouts,
        next_cursor: Some(Cursor::encode(&Watermark { since })?),
        has_more: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(kind: &str, category: Option<&str>, amount: i64, fee: i64) -> StripeBalanceTxn {
        StripeBalanceTxn {
            id: "txn_1".into(),
            amount,
            fee,
            currency: "eur".into(),
            kind: kind.into(),
            reporting_category: category.map(str::to_string),
        }
    }

    #[test]
    fn ledger_lines_sum_into_a_payout() {
        let mut t = Totals::default();
        for line in [
            txn("charge", Some("charge"), 4_733, 96),
            txn("payment", Some("charge"), 1_000, 40),
            txn("refund", Some("refund"), -500, 0),
            txn("adjustment", Some("dispute"), -2_000, 1_500),
            txn("adjustment", Some("dispute_reversal"), 2_000, 0),
            txn("payout", Some("payout"), -1_597, 0),
        ] {
            add(&mut t, &line);
        }
        assert_eq!(
            t,
            Totals {
                sales: 5_733,
                refunds: 500,
                chargebacks: 0,
                fees: 1_636,
            }
        );
        let payout = t.payout(Statement {
            provider_reference: "po_1".into(),
            status: StripePayoutStatus::Paid.into(),
            amount: 3_597,
            currency: "eur".into(),
            created_at: "2026-12-07T00:00:00Z".into(),
            arrival_date: None,
        });
        assert_eq!(payout.adjustments.amount, 0);
        assert_eq!(payout.status, PayoutStatus::Paid);
    }

    #[test]
    fn zero_decimal_currencies_stay_whole() {
        let mut t = Totals::default();
        let mut line = txn("charge", None, 1_200, 0);
        line.currency = "jpy".into();
        add(&mut t, &line);
        assert_eq!(t.sales, 1_200);
    }
}
