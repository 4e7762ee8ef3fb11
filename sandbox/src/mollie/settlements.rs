//! Settlements: what Mollie pays out to the merchant's bank account. A test hook settles
//! (`POST /_sim/settlements`: per currency, every paid payment, refund and chargeback not
//! yet settled, less Mollie's card price of 1.8 % + 25 minor units per payment, as the
//! settlement's `periods.costs`) and pays it out (`POST /_sim/settlements/{id}/paidout`).
//! `GET /v2/settlements` lists them newest first (`from`/`limit`, HAL `_links.next`),
//! `GET /v2/settlements/{id}` and its `payments`, `refunds` and `chargebacks` lists
//! answer as the spec's `entity-settlement` and list endpoints do. A chargeback reversed
//! before it was settled is settled as nothing; one reversed after is not modelled.

use super::errors::{ApiError, Outcome};
use super::{SimState, amount_json, doc_link, iso, link, new_id};
use crate::kit::time::now_secs as now;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;

pub(super) struct SettlementObj {
    id: String,
    reference: String,
    currency: String,
    created_at: i64,
    settled_at: Option<i64>,
    payments: Vec<String>,
    refunds: Vec<String>,
    chargebacks: Vec<String>,
    revenue: i64,
    costs: i64,
    /// Payments counted in `costs`.
    count: usize,
    amount: i64,
}

/// Mollie's credit-card price: 1.8 % (rounded half up) plus 25 minor units.
fn card_cost(amount: i64) -> i64 {
    (amount * 18 + 500) / 1000 + 25
}

impl SimState {
    /// Settles what is not yet settled, one settlement per currency.
    pub(super) fn settle(&mut self) -> Vec<Value> {
        let settled: std::collections::HashSet<String> = self
            .settlements
            .iter()
            .flat_map(|s| s.payments.iter().chain(&s.refunds).chain(&s.chargebacks))
            .cloned()
            .collect();
        let mut by_currency: HashMap<String, SettlementObj> = HashMap::new();
        let open = |currency: &str| -> SettlementObj {
            SettlementObj {
                id: new_id("stl_", 10),
                reference: format!("1234567.{}", now() / 86_400),
                currency: currency.to_string(),
                created_at: now(),
                settled_at: None,
                payments: vec![],
                refunds: vec![],
                chargebacks: vec![],
                revenue: 0,
                costs: 0,
                count: 0,
                amount: 0,
            }
        };
        for p in self
            .payments
            .iter()
            .filter(|p| p.status == super::model::Status::Paid)
        {
            if settled.contains(&p.id) {
                continue;
            }
            let s = by_currency
                .entry(p.currency.clone())
                .or_insert_with(|| open(&p.currency));
            s.payments.push(p.id.clone());
            s.revenue += p.captured();
            s.costs += card_cost(p.captured());
            s.count += 1;
        }
        for r in self.refunds.iter().filter(|r| r.status == "refunded") {
            if settled.contains(&r.id) {
                continue;
            }
            let s = by_currency
                .entry(r.currency.clone())
                .or_insert_with(|| open(&r.currency));
            s.refunds.push(r.id.clone());
            s.revenue -= r.amount;
        }
        for c in self.chargebacks.iter().filter(|c| c.reversed_at.is_none()) {
            if settled.contains(&c.id) {
                continue;
            }
            let s = by_currency
                .entry(c.currency.clone())
                .or_insert_with(|| open(&c.currency));
            s.chargebacks.push(c.id.clone());
            s.revenue -= c.amount;
        }
        let mut made: Vec<SettlementObj> = by_currency.into_values().collect();
        made.sort_by(|a, b| a.currency.cmp(&b.currency));
        let mut out = Vec::new();
        for mut s in made {
            s.amount = s.revenue - s.costs;
            out.push(self.settlement_json(&s, ""));
            self.settlements.push(s);
        }
        out
    }

    pub(super) fn pay_out(&mut self, id: &str) -> Result<Value, String> {
        let s = self
            .settlements
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| format!("no settlement {id}"))?;
        if s.settled_at.is_some() {
            return Err(format!("settlement {id} is paid out already"));
        }
        s.settled_at = Some(now());
        let s = &self.settlements[self.settlements.iter().position(|s| s.id == id).unwrap()];
        Ok(self.settlement_json(s, ""))
    }

    /// `components.schemas.entity-settlement`.
    fn settlement_json(&self, s: &SettlementObj, base: &str) -> Value {
        let href = format!("{base}/v2/settlements/{}", s.id);
        let month = iso(s.created_at);
        let (year, month) = (&month[..4], &month[5..7]);
        let mut periods = json!({});
        periods[year] = json!({ month: {
            "revenue": [{
                "description": "Credit card",
                "method": "creditcard",
                "count": s.payments.len() + s.refunds.len() + s.chargebacks.len(),
                "amountNet": amount_json(s.revenue, &s.currency),
                "amountVat": null,
                "amountGross": amount_json(s.revenue, &s.currency),
            }],
            "costs": [{
                "description": "Credit card",
                "method": "creditcard",
                "count": s.count,
                "rate": {"fixed": amount_json(25, &s.currency), "percentage": "1.80"},
                "amountNet": amount_json(s.costs, &s.currency),
                "amountVat": null,
                "amountGross": amount_json(s.costs, &s.currency),
            }],
            "invoiceId": null,
        }});
        let sub = |what: &str| link(format!("{href}/{what}"), "application/hal+json");
        json!({
            "resource": "settlement",
            "id": s.id,
            "reference": s.reference,
            "createdAt": iso(s.created_at),
            "settledAt": s.settled_at.map(iso),
            "status": if s.settled_at.is_some() { "paidout" } else { "pending" },
            "amount": amount_json(s.amount, &s.currency),
            "balanceId": "bal_BeepSandbox",
            "invoiceId": null,
            "periods": periods,
            "_links": {
                "self": link(href.clone(), "application/hal+json"),
                "payments": sub("payments"),
                "refunds": sub("refunds"),
                "chargebacks": sub("chargebacks"),
                "captures": sub("captures"),
                "documentation": doc_link("get-settlement"),
            },
        })
    }

    fn settlement(&self, id: &str) -> Result<&SettlementObj, ApiError> {
        self.settlements
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| ApiError::new(404, format!("No settlement exists with token {id}.")))
    }

    pub(super) fn get_settlement(&self, id: &str, base: &str) -> Result<Outcome, ApiError> {
        let s = self.settlement(id)?;
        Ok(Outcome {
            status: StatusCode::OK,
            body: self.settlement_json(s, base),
        })
    }

    pub(super) fn list_settlements(
        &self,
        q: &HashMap<String, String>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let items: Vec<(String, Value)> = self
            .settlements
            .iter()
            .rev()
            .map(|s| (s.id.clone(), self.settlement_json(s, base)))
            .collect();
        hal_page(
            q,
            items,
            "settlements",
            &format!("{base}/v2/settlements"),
            "list-settlements",
        )
    }

    /// `GET /v2/settlements/{id}/{payments|refunds|chargebacks}`.
    pub(super) fn settlement_items(
        &self,
        id: &str,
        what: &str,
        q: &HashMap<String, String>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let s = self.settlement(id)?;
        let items: Vec<(String, Value)> = match what {
            "payments" => s
                .payments
                .iter()
                .filter_map(|pid| self.payments.iter().find(|p| &p.id == pid))
                .map(|p| {
                    let mut v = self.payment_json(p, base);
                    v["settlementAmount"] = amount_json(p.captured(), &p.currency);
                    v["settlementId"] = json!(s.id);
                    (p.id.clone(), v)
                })
                .collect(),
            "refunds" => s
                .refunds
                .iter()
                .filter_map(|rid| self.refunds.iter().find(|r| &r.id == rid))
                .map(|r| {
                    let mut v = self.refund_json(r, base);
                    v["settlementAmount"] = amount_json(-r.amount, &r.currency);
                    v["settlementId"] = json!(s.id);
                    (r.id.clone(), v)
                })
                .collect(),
            _ => s
                .chargebacks
                .iter()
                .filter_map(|cid| self.chargebacks.iter().find(|c| &c.id == cid))
                .map(|c| {
                    let mut v = self.chargeback_json(c, base);
                    v["settlementId"] = json!(s.id);
                    (c.id.clone(), v)
                })
                .collect(),
        };
        let href = format!("{base}/v2/settlements/{id}/{what}");
        hal_page(q, items, what, &href, &format!("list-settlement-{what}"))
    }
}

/// A HAL list page: `from` (an id: the page starts there), `limit` (1–250, default 50).
fn hal_page(
    q: &HashMap<String, String>,
    items: Vec<(String, Value)>,
    key: &str,
    href: &str,
    doc: &str,
) -> Result<Outcome, ApiError> {
    let limit = match q.get("limit") {
        None => 50,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=250).contains(l))
            .ok_or_else(|| ApiError {
                field: Some("limit".into()),
                ..ApiError::new(400, "The limit must be between 1 and 250")
            })?,
    };
    let start = match q.get("from") {
        None => 0,
        Some(from) => items
            .iter()
            .position(|(id, _)| id == from)
            .ok_or_else(|| ApiError {
                field: Some("from".into()),
                ..ApiError::new(400, "Invalid cursor value")
            })?,
    };
    let page: Vec<Value> = items
        .iter()
        .skip(start)
        .take(limit)
        .map(|(_, v)| v.clone())
        .collect();
    let next = items
        .get(start + limit)
        .map(|(id, _)| {
            link(
                format!("{href}?from={id}&limit={limit}"),
                "application/hal+json",
            )
        })
        .unwrap_or(Value::Null);
    let mut embedded = json!({});
    embedded[key] = Value::Array(page.clone());
    Ok(Outcome {
        status: StatusCode::OK,
        body: json!({
            "count": page.len(),
            "_embedded": embedded,
            "_links": {
                "self": link(format!("{href}?limit={limit}"), "application/hal+json"),
                "previous": null,
                "next": next,
                "documentation": doc_link(doc),
            }
        }),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn card_costs_follow_mollies_price() {
        assert_eq!(super::card_cost(1_000), 43);
        assert_eq!(super::card_cost(4_733), 110);
    }
}
