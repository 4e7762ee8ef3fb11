//! Payouts are Mollie's settlements: `GET /v2/settlements` (newest first) back to the
//! cursor's watermark, and per settlement what it settled: its payments, refunds and
//! chargebacks (`settlementAmount` each, signed as Mollie settles them) and its
//! `periods.*.costs` (the fees withheld). The watermark stays at the oldest settlement
//! not yet paid out, so its payout is seen on a later call.

use crate::client::{check, next_from};
use crate::config::MollieConfig;
use crate::model::{ListLinks, MollieAmount};
use beep_sdk::config::Cursor;
use beep_sdk::payout::{Statement, Totals, is_final};
use beep_sdk::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

const PAGE: &str = "250";
/// Settlements gathered per call (Mollie settles at most daily: most of a year).
const MAX_SETTLEMENTS: usize = 250;

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Watermark {
    /// Unix seconds: settlements created before it were final when last seen.
    since: Option<i64>,
}

/// `settlement-status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MollieSettlementStatus {
    Open,
    Pending,
    Paidout,
    Failed,
}

impl From<MollieSettlementStatus> for PayoutStatus {
    fn from(s: MollieSettlementStatus) -> Self {
        match s {
            MollieSettlementStatus::Open => PayoutStatus::Pending,
            MollieSettlementStatus::Pending => PayoutStatus::InTransit,
            MollieSettlementStatus::Paidout => PayoutStatus::Paid,
            MollieSettlementStatus::Failed => PayoutStatus::Failed,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    pub amount_gross: MollieAmount,
}

#[derive(Debug, Default, Deserialize)]
pub struct Period {
    #[serde(default)]
    pub costs: Vec<Cost>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MollieSettlement {
    pub id: String,
    pub status: MollieSettlementStatus,
    pub amount: MollieAmount,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub settled_at: Option<String>,
    /// year → month → period.
    #[serde(default)]
    pub periods: BTreeMap<String, BTreeMap<String, Period>>,
}

/// An item a settlement settled: only its settled amount matters here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settled {
    #[serde(default)]
    pub settlement_amount: Option<MollieAmount>,
    #[serde(default)]
    pub amount: Option<MollieAmount>,
}

#[derive(Debug, Deserialize)]
struct Page<T> {
    #[serde(rename = "_embedded")]
    embedded: BTreeMap<String, Vec<T>>,
    #[serde(rename = "_links")]
    links: ListLinks,
}

fn minor(a: &MollieAmount) -> Result<i64, ConnectorError> {
    beep_sdk::money::from_major_str(&a.value, &a.currency)
}

/// Every page of a list, `from` cursor by cursor.
fn all<T: serde::de::DeserializeOwned>(
    cfg: &MollieConfig,
    path: &str,
    key: &str,
    max: usize,
) -> Result<Vec<T>, ConnectorError> {
    let mut out = Vec::new();
    let mut from: Option<String> = None;
    loop {
        let mut query = vec![("limit", PAGE.to_string())];
        if let Some(f) = &from {
            query.push(("from", f.clone()));
        }
        let page: Page<T> = check(cfg.get_settlements(path)?.query(&query).send()?)?.json()?;
        let mut embedded = page.embedded;
        out.extend(embedded.remove(key).unwrap_or_default());
        from = page.links.next.as_ref().and_then(|l| next_from(&l.href));
        if from.is_none() || out.len() >= max {
            return Ok(out);
        }
    }
}

/// What one settlement is made of.
pub fn totals(
    s: &MollieSettlement,
    payments: &[Settled],
    refunds: &[Settled],
    chargebacks: &[Settled],
) -> Result<Totals, ConnectorError> {
    // Mollie signs settled amounts as they move the balance: payments in, refunds and
    // chargebacks out.
    let settled = |i: &Settled| match i.settlement_amount.as_ref().or(i.amount.as_ref()) {
        Some(a) => minor(a),
        None => Ok(0),
    };
    let mut t = Totals::default();
    for p in payments {
        t.sales += settled(p)?;
    }
    for r in refunds {
        t.refunds -= settled(r)?;
    }
    for c in chargebacks {
        t.chargebacks -= settled(c)?;
    }
    for period in s.periods.values().flat_map(BTreeMap::values) {
        for cost in &period.costs {
            t.fees += minor(&cost.amount_gross)?;
        }
    }
    Ok(t)
}

fn unix(text: &Option<String>) -> Option<i64> {
    text.as_deref().and_then(beep_sdk::time::parse_timestamp)
}

pub(crate) fn fetch(
    cfg: &MollieConfig,
    cursor: Option<&str>,
) -> Result<PayoutsPage, ConnectorError> {
    let mark: Watermark = Cursor::decode(cursor)?;
    let mut found: Vec<MollieSettlement> = Vec::new();
    let mut from: Option<String> = None;
    'pages: loop {
        let mut query = vec![("limit", PAGE.to_string())];
        if let Some(f) = &from {
            query.push(("from", f.clone()));
        }
        let page: Page<MollieSettlement> = check(
            cfg.get_settlements("/v2/settlements")?
                .query(&query)
                .send()?,
        )?
        .json()?;
        let mut embedded = page.embedded;
        for s in embedded.remove("settlements").unwrap_or_default() {
            // Newest first: past the watermark, everything is known and final.
            if mark
                .since
                .zip(unix(&s.created_at))
                .is_some_and(|(m, c)| c < m)
            {
                break 'pages;
            }
            found.push(s);
        }
        from = page.links.next.as_ref().and_then(|l| next_from(&l.href));
        if from.is_none() || found.len() >= MAX_SETTLEMENTS {
            break;
        }
    }
    found.reverse();
    let mut payouts = Vec::with_capacity(found.len());
    for s in &found {
        let base = format!("/v2/settlements/{}", beep_sdk::http::segment(&s.id));
        let payments: Vec<Settled> = all(cfg, &format!("{base}/payments"), "payments", usize::MAX)?;
        let refunds: Vec<Settled> = all(cfg, &format!("{base}/refunds"), "refunds", usize::MAX)?;
        let chargebacks: Vec<Settled> = all(
            cfg,
            &format!("{base}/chargebacks"),
            "chargebacks",
            usize::MAX,
        )?;
        let t = totals(s, &payments, &refunds, &chargebacks)?;
        payouts.push(t.payout(Statement {
            provider_reference: s.id.clone(),
            status: s.status.into(),
            amount: minor(&s.amount)?,
            currency: s.amount.currency.clone(),
            created_at: s.created_at.clone().unwrap_or_default(),
            arrival_date: s.settled_at.clone(),
        }));
    }
    let open = found
        .iter()
        .find(|s| !is_final(s.status.into()))
        .or(found.last())
        .and_then(|s| unix(&s.created_at));
    Ok(PayoutsPage {
        payouts,
        next_cursor: Some(Cursor::encode(&Watermark {
            since: open.or(mark.since),
        })?),
        has_more: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(value: &str) -> Settled {
        Settled {
            settlement_amount: Some(MollieAmount {
                currency: "EUR".into(),
                value: value.into(),
            }),
            amount: None,
        }
    }

    #[test]
    fn a_settlement_is_its_payments_less_refunds_chargebacks_and_costs() {
        let s: MollieSettlement = serde_json::from_value(serde_json::json!({
            "id": "stl_1", "status": "paidout",
            "amount": {"currency": "EUR", "value": "53.40"},
            "createdAt": "2026-12-07T10:00:00+00:00", "settledAt": "2026-12-08T10:00:00+00:00",
            "periods": {"2026": {"12": {"revenue": [], "costs": [
                {"amountGross": {"currency": "EUR", "value": "1.60"}}
            ]}}}
        }))
        .unwrap();
        let t = totals(
            &s,
            &[settled("47.33"), settled("20.00")],
            &[settled("-5.00")],
            &[settled("-7.33")],
        )
        .unwrap();
        assert_eq!(
            (t.sales, t.refunds, t.chargebacks, t.fees),
            (6_733, 500, 733, 160)
        );
        assert_eq!(t.net(), 5_340);
        assert_eq!(PayoutStatus::from(s.status), PayoutStatus::Paid);
        assert_eq!(
            PayoutStatus::from(MollieSettlementStatus::Pending),
            PayoutStatus::InTransit
        );
    }
}
