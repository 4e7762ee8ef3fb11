//! Payouts: `GET /v1.0/merchants/{merchant_code}/payouts?start_date&end_date` lists the
//! payout records of the period (`FinancialPayouts`: one `PAYOUT` record per settled
//! transaction, net of its fee, and a `REFUND_DEDUCTION` per refund, negative), oldest
//! first unless `order=desc`, at most `limit`. A test hook pays out
//! (`POST /_sim/payouts?date=YYYY-MM-DD`, default today): every successful transaction
//! and refund not yet paid out, with SumUp's online card price of 2.5 % as the fee.

use super::{SANDBOX_MERCHANT_CODE, SimState, SumupSim, major, problem};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use beep_sdk::money;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) struct PayoutRecord {
    id: u64,
    kind: &'static str,
    /// Minor units, signed: a deduction is negative.
    amount: i64,
    fee: i64,
    currency: String,
    date: String,
    reference: String,
    transaction_code: String,
}

impl PayoutRecord {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.kind,
            "amount": major(self.amount, &self.currency),
            "date": self.date,
            "currency": self.currency,
            "fee": major(self.fee, &self.currency),
            "status": "SUCCESSFUL",
            "reference": self.reference,
            "transaction_code": self.transaction_code,
        })
    }
}

/// SumUp's online card price: 2.5 %, rounded half up.
fn card_fee(amount: i64) -> i64 {
    (amount * 25 + 500) / 1000
}

impl SimState {
    fn pay_out(&mut self, date: &str) -> Vec<Value> {
        let reference = format!("payout-{date}");
        let mut made = Vec::new();
        let settled: Vec<(String, i64, String, String)> = self
            .checkouts
            .iter()
            .filter_map(|c| {
                let t = c.transaction.as_ref()?;
                matches!(t.status, "SUCCESSFUL" | "REFUNDED")
                    .then(|| (t.id.clone(), c.amount, c.currency.clone(), t.code.clone()))
            })
            .collect();
        for (id, amount, currency, code) in settled {
            if !self.paid_out.insert(id) {
                continue;
            }
            let fee = card_fee(amount);
            made.push(("PAYOUT", amount - fee, fee, currency, code));
        }
        let refunds: Vec<(String, String, String, f64)> = self
            .refunds
            .iter()
            .map(|r| {
                (
                    format!("refund-{}", r["id"]),
                    r["transaction_id"].as_str().unwrap_or_default().to_string(),
                    r["currency"].as_str().unwrap_or("EUR").to_string(),
                    r["amount"].as_f64().unwrap_or(0.0),
                )
            })
            .collect();
        for (key, tx, currency, value) in refunds {
            if !self.paid_out.insert(key) {
                continue;
            }
            let amount = money::from_major_f64(value, &currency).unwrap_or(0);
            let code = self
                .checkouts
                .iter()
                .filter_map(|c| c.transaction.as_ref())
                .find(|t| t.id == tx)
                .map(|t| t.code.clone())
                .unwrap_or_default();
            made.push(("REFUND_DEDUCTION", -amount, 0, currency, code));
        }
        let mut out = Vec::new();
        for (kind, amount, fee, currency, transaction_code) in made {
            let record = PayoutRecord {
                id: self.next_id(),
                kind,
                amount,
                fee,
                currency,
                date: date.to_string(),
                reference: reference.clone(),
                transaction_code,
            };
            out.push(record.to_json());
            self.payouts.push(record);
        }
        out
    }
}

/// `GET /v1.0/merchants/{merchant_code}/payouts`.
pub(super) fn list(
    sim: &SumupSim,
    code: &str,
    query: &HashMap<String, String>,
) -> (StatusCode, Value) {
    if code != SANDBOX_MERCHANT_CODE {
        return problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not Found",
            "The requested Merchant does not exist.",
        );
    }
    let date = |name: &str| {
        query
            .get(name)
            .filter(|d| d.parse::<jiff::civil::Date>().is_ok())
            .cloned()
    };
    let (Some(start), Some(end)) = (date("start_date"), date("end_date")) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad Request",
            "start_date and end_date are required, as YYYY-MM-DD",
        );
    };
    if end < start {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad Request",
            "end_date must be greater than or equal to start_date",
        );
    }
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 9999,
        Some(Ok(l)) if (1..=9999).contains(&l) => l,
        Some(_) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "Bad Request",
                "limit must be between 1 and 9999",
            );
        }
    };
    let st = sim.lock();
    let mut rows: Vec<&PayoutRecord> = st
        .payouts
        .iter()
        .filter(|p| p.date >= start && p.date <= end)
        .collect();
    if query.get("order").map(String::as_str) == Some("desc") {
        rows.reverse();
    }
    let page: Vec<Value> = rows.iter().take(limit).map(|p| p.to_json()).collect();
    (StatusCode::OK, Value::Array(page))
}

#[derive(Deserialize)]
pub(super) struct PayOut {
    date: Option<String>,
}

/// `POST /_sim/payouts?date=`: SumUp pays out what is due.
pub(super) async fn sim_pay_out(
    State(sim): State<Arc<SumupSim>>,
    Query(q): Query<PayOut>,
) -> Response {
    let date = q
        .date
        .unwrap_or_else(|| super::now_rfc3339()[..10].to_string());
    if date.parse::<jiff::civil::Date>().is_err() {
        return (StatusCode::BAD_REQUEST, "date must be YYYY-MM-DD").into_response();
    }
    axum::Json(sim.lock().pay_out(&date)).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn card_fees_are_two_and_a_half_percent() {
        assert_eq!(super::card_fee(1_000), 25);
        assert_eq!(super::card_fee(4_733), 118);
    }
}
