//! Payouts: `GET /v1.0/merchants/{merchant_code}/payouts` lists payout records of a
//! period (one per settled transaction or deduction), grouped here into payouts by their
//! `reference`. The cursor is the first day of the next window; a guest has no clock, so
//! "today" is the `Date` SumUp answers with, and the window ends there (today is read
//! again next time: payouts of the day may still come).

use crate::client::check;
use crate::config::SumupConfig;
use beep_sdk::config::Cursor;
use beep_sdk::error::internal;
use beep_sdk::http::segment;
use beep_sdk::payout::{Statement, Totals};
use beep_sdk::prelude::*;
use beep_sdk::time::{add_days, parse_http_date, utc_day};
use serde::Deserialize;

/// Days a first sync looks back.
const FIRST_LOOKBACK_DAYS: i64 = 90;
/// Days per request.
const WINDOW_DAYS: i64 = 31;

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Window {
    /// First day (`yyyy-mm-dd`) of the next request.
    start: Option<String>,
}

/// `FinancialPayout.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordKind {
    Payout,
    ChargeBackDeduction,
    RefundDeduction,
    DdReturnDeduction,
    BalanceDeduction,
}

/// `FinancialPayout.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordStatus {
    Successful,
    Failed,
}

impl From<RecordStatus> for PayoutStatus {
    fn from(s: RecordStatus) -> Self {
        match s {
            RecordStatus::Successful => PayoutStatus::Paid,
            RecordStatus::Failed => PayoutStatus::Failed,
        }
    }
}

/// `components.schemas.FinancialPayout`.
#[derive(Debug, Deserialize)]
pub struct PayoutRecord {
    #[serde(rename = "type")]
    pub kind: RecordKind,
    pub amount: f64,
    pub currency: String,
    pub date: String,
    pub fee: f64,
    pub status: RecordStatus,
    pub reference: String,
}

/// The records of one period as payouts, one per `reference`, in the order first seen.
pub fn payouts_of(records: &[PayoutRecord]) -> Result<Vec<Payout>, ConnectorError> {
    let mut references: Vec<&str> = Vec::new();
    for r in records {
        if !references.contains(&r.reference.as_str()) {
            references.push(&r.reference);
        }
    }
    let mut out = Vec::new();
    for reference in references {
        let rows: Vec<&PayoutRecord> = records
            .iter()
            .filter(|r| r.reference == reference)
            .collect();
        let first = rows[0];
        let mut totals = Totals::default();
        let mut amount = 0;
        let mut status = PayoutStatus::Paid;
        for r in &rows {
            let value = money::from_major_f64(r.amount, &r.currency)?;
            let fee = money::from_major_f64(r.fee, &r.currency)?;
            // A deduction takes money from the payout, however SumUp signs it.
            let paid = if r.kind == RecordKind::Payout {
                value
            } else {
                -value.abs()
            };
            amount += paid;
            totals.fees += fee;
            match r.kind {
                RecordKind::Payout => totals.sales += value + fee,
                RecordKind::RefundDeduction => totals.refunds += value.abs(),
                RecordKind::ChargeBackDeduction => totals.chargebacks += value.abs(),
                // The rest of the payout: direct-debit returns, balance corrections.
                RecordKind::DdReturnDeduction | RecordKind::BalanceDeduction => {}
            }
            if r.status == RecordStatus::Failed {
                status = PayoutStatus::Failed;
            }
        }
        out.push(totals.payout(Statement {
            provider_reference: reference.to_string(),
            status,
            amount,
            currency: first.currency.clone(),
            created_at: format!("{}T00:00:00Z", first.date),
            arrival_date: Some(first.date.clone()),
        }));
    }
    Ok(out)
}

/// Today at SumUp, from the `Date` of an answer.
fn today(resp: &Response) -> Result<String, ConnectorError> {
    resp.header("date")
        .and_then(parse_http_date)
        .and_then(utc_day)
        .ok_or_else(|| internal("SumUp's answer has no Date header to date the payouts by"))
}

pub(crate) fn fetch(
    cfg: &SumupConfig,
    cursor: Option<&str>,
) -> Result<PayoutsPage, ConnectorError> {
    let window: Window = Cursor::decode(cursor)?;
    let path = format!("/v1.0/merchants/{}/payouts", segment(&cfg.merchant_code));
    let start = match window.start {
        Some(s) => s,
        None => {
            // A first sync: today comes from a cheap read.
            let resp = check(
                cfg.get(&format!("/v1/merchants/{}", segment(&cfg.merchant_code)))
                    .send()?,
            )?;
            add_days(&today(&resp)?, -FIRST_LOOKBACK_DAYS).ok_or_else(|| internal("bad date"))?
        }
    };
    let end = add_days(&start, WINDOW_DAYS - 1).ok_or_else(|| internal("cursor: bad date"))?;
    let resp = check(
        cfg.get(&path)
            .query(&[
                ("start_date", start.as_str()),
                ("end_date", end.as_str()),
                ("order", "asc"),
            ])
            .send()?,
    )?;
    let today = today(&resp)?;
    let records: Vec<PayoutRecord> = resp.json()?;
    let (next, has_more) = if end < today {
        (add_days(&end, 1).ok_or_else(|| internal("bad date"))?, true)
    } else {
        (today, false)
    };
    Ok(PayoutsPage {
        payouts: payouts_of(&records)?,
        next_cursor: Some(Cursor::encode(&Window { start: Some(next) })?),
        has_more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, amount: f64, fee: f64, reference: &str) -> PayoutRecord {
        serde_json::from_value(serde_json::json!({
            "id": 1, "type": kind, "amount": amount, "currency": "EUR", "date": "2026-12-07",
            "fee": fee, "status": "SUCCESSFUL", "reference": reference, "transaction_code": "T1"
        }))
        .unwrap()
    }

    #[test]
    fn records_group_into_payouts_by_reference() {
        let records = [
            record("PAYOUT", 9.75, 0.25, "payout-2026-12-07"),
            record("PAYOUT", 46.15, 1.18, "payout-2026-12-07"),
            record("REFUND_DEDUCTION", -5.0, 0.0, "payout-2026-12-07"),
            record("CHARGE_BACK_DEDUCTION", 3.0, 0.0, "payout-2026-12-07"),
            record("PAYOUT", 10.0, 0.2, "payout-2026-12-08"),
        ];
        let payouts = payouts_of(&records).unwrap();
        assert_eq!(payouts.len(), 2);
        let p = &payouts[0];
        assert_eq!(p.provider_reference, "payout-2026-12-07");
        assert_eq!(
            (
                p.amount.amount,
                p.sales.amount,
                p.refunds.amount,
                p.chargebacks.amount,
                p.fees.amount
            ),
            (4_790, 5_733, 500, 300, 143)
        );
        assert_eq!(p.adjustments.amount, 0);
        assert_eq!(p.status, PayoutStatus::Paid);
        assert_eq!(p.arrival_date.as_deref(), Some("2026-12-07"));
    }
}
