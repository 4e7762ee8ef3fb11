//! The balance ledger and payouts: every movement of funds (a captured charge, a refund,
//! a dispute's withdrawal or reinstatement) is a `balance_transaction`, with Stripe's
//! standard EEA card pricing (1.5 % + 25 minor units per charge) and dispute fee (1500)
//! as its `fee`. A payout (`POST /_sim/payouts`, the automatic payout Stripe makes on its
//! schedule) sweeps what is not yet paid out, per currency; `POST
//! /_sim/payouts/{id}/paid` lands it. `GET /v1/payouts` and `GET
//! /v1/balance_transactions` list them newest first with `limit`, `starting_after` and
//! `ending_before`, as the spec's list endpoints do (`payout` and `type` filter the
//! ledger, `created` and `status` the payouts).

use super::errors::{ApiError, Outcome};
use super::params::{Params, params_value};
use super::{Ctx, SimState, new_id};
use serde_json::{Value, json};

/// Stripe's fee for a dispute (EUR accounts: €15 at the spec's version).
const DISPUTE_FEE: i64 = 1_500;

#[derive(Clone)]
pub(super) struct BalanceTxn {
    id: String,
    amount: i64,
    fee: i64,
    currency: String,
    kind: &'static str,
    reporting_category: &'static str,
    source: String,
    created: i64,
    payout: Option<String>,
}

impl BalanceTxn {
    fn to_json(&self) -> Value {
        let fee_details: Vec<Value> = (self.fee != 0)
            .then(|| {
                json!({"amount": self.fee, "application": null, "currency": self.currency,
                       "description": "Stripe processing fees", "type": "stripe_fee"})
            })
            .into_iter()
            .collect();
        json!({
            "id": self.id,
            "object": "balance_transaction",
            "amount": self.amount,
            "available_on": self.created,
            "created": self.created,
            "currency": self.currency,
            "description": null,
            "exchange_rate": null,
            "fee": self.fee,
            "fee_details": fee_details,
            "net": self.amount - self.fee,
            "reporting_category": self.reporting_category,
            "source": self.source,
            "status": "available",
            "type": self.kind,
        })
    }
}

#[derive(Clone)]
pub(super) struct PayoutObj {
    pub(super) id: String,
    amount: i64,
    currency: String,
    status: &'static str,
    created: i64,
    arrival_date: i64,
    balance_transaction: String,
}

impl PayoutObj {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "payout",
            "amount": self.amount,
            "arrival_date": self.arrival_date,
            "automatic": true,
            "balance_transaction": self.balance_transaction,
            "created": self.created,
            "currency": self.currency,
            "description": "STRIPE PAYOUT",
            "destination": "ba_1BeepSandboxBankAccount",
            "failure_code": null,
            "failure_message": null,
            "livemode": false,
            "metadata": {},
            "method": "standard",
            "source_type": "card",
            "statement_descriptor": null,
            "status": self.status,
            "type": "bank_account",
        })
    }
}

/// Stripe's standard EEA card price: 1.5 % (rounded half up) plus 25 minor units.
fn card_fee(amount: i64) -> i64 {
    (amount * 15 + 500) / 1000 + 25
}

impl SimState {
    fn ledger(&mut self, entry: (i64, i64, &str, &'static str, &'static str, &str), ctx: &Ctx) {
        let (amount, fee, currency, kind, reporting_category, source) = entry;
        self.balance_txns.push(BalanceTxn {
            id: new_id("txn_", 24),
            amount,
            fee,
            currency: currency.to_string(),
            kind,
            reporting_category,
            source: source.to_string(),
            created: ctx.created,
            payout: None,
        });
    }

    /// Funds from a captured charge.
    pub(super) fn ledger_charge(&mut self, charge: &str, amount: i64, currency: &str, ctx: &Ctx) {
        let fee = card_fee(amount);
        self.ledger((amount, fee, currency, "charge", "charge", charge), ctx);
    }

    pub(super) fn ledger_refund(&mut self, refund: &str, amount: i64, currency: &str, ctx: &Ctx) {
        self.ledger((-amount, 0, currency, "refund", "refund", refund), ctx);
    }

    /// A dispute withdraws the disputed amount and charges the dispute fee; winning it
    /// reinstates the amount (the fee stays).
    pub(super) fn ledger_dispute(
        &mut self,
        dispute: &str,
        amount: i64,
        currency: &str,
        won: bool,
        ctx: &Ctx,
    ) {
        let entry = if won {
            (
                amount,
                0,
                currency,
                "adjustment",
                "dispute_reversal",
                dispute,
            )
        } else {
            (
                -amount,
                DISPUTE_FEE,
                currency,
                "adjustment",
                "dispute",
                dispute,
            )
        };
        self.ledger(entry, ctx);
    }

    /// The automatic payout: per currency, everything not yet paid out, if it is more
    /// than nothing. Answers the payouts made.
    pub(super) fn run_payouts(&mut self, ctx: &Ctx) -> Vec<Value> {
        let mut currencies: Vec<String> = self
            .balance_txns
            .iter()
            .filter(|t| t.payout.is_none())
            .map(|t| t.currency.clone())
            .collect();
        currencies.sort();
        currencies.dedup();
        let mut made = Vec::new();
        for currency in currencies {
            let net: i64 = self
                .balance_txns
                .iter()
                .filter(|t| t.payout.is_none() && t.currency == currency)
                .map(|t| t.amount - t.fee)
                .sum();
            if net <= 0 {
                continue;
            }
            let id = new_id("po_", 24);
            for t in self
                .balance_txns
                .iter_mut()
                .filter(|t| t.payout.is_none() && t.currency == currency)
            {
                t.payout = Some(id.clone());
            }
            let txn = BalanceTxn {
                id: new_id("txn_", 24),
                amount: -net,
                fee: 0,
                currency: currency.clone(),
                kind: "payout",
                reporting_category: "payout",
                source: id.clone(),
                created: ctx.created,
                payout: Some(id.clone()),
            };
            let payout = PayoutObj {
                id,
                amount: net,
                currency,
                status: "in_transit",
                created: ctx.created,
                arrival_date: ctx.created + 2 * 86_400,
                balance_transaction: txn.id.clone(),
            };
            self.balance_txns.push(txn);
            self.emit("payout.created", payout.to_json(), ctx);
            made.push(payout.to_json());
            self.payouts.push(payout);
        }
        made
    }

    /// The bank confirms a payout (`paid`) or returns it (`failed`).
    pub(super) fn land_payout(&mut self, id: &str, paid: bool, ctx: &Ctx) -> Result<Value, String> {
        let p = self
            .payouts
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| format!("No such payout: '{id}'"))?;
        if p.status != "in_transit" {
            return Err(format!("payout {id} is {} already", p.status));
        }
        p.status = if paid { "paid" } else { "failed" };
        let body = p.to_json();
        self.emit(
            if paid { "payout.paid" } else { "payout.failed" },
            body.clone(),
            ctx,
        );
        Ok(body)
    }

    pub(super) fn list_payouts(&self, p: &Params) -> Result<Outcome, ApiError> {
        p.reject_unknown(&[
            "limit",
            "starting_after",
            "ending_before",
            "created",
            "status",
            "arrival_date",
            "destination",
        ])?;
        let created = range(p, "created")?;
        let status = p.nonempty("status")?;
        let items: Vec<(&str, Value)> = self
            .payouts
            .iter()
            .rev()
            .filter(|o| created.contains(o.created))
            .filter(|o| status.is_none_or(|s| s == o.status))
            .map(|o| (o.id.as_str(), o.to_json()))
            .collect();
        page(p, items, "/v1/payouts")
    }

    pub(super) fn get_payout(&self, id: &str) -> Result<Outcome, ApiError> {
        self.payouts
            .iter()
            .find(|o| o.id == id)
            .map(|o| Outcome::ok(o.to_json()))
            .ok_or_else(|| missing_object("payout", id))
    }

    pub(super) fn list_balance_transactions(&self, p: &Params) -> Result<Outcome, ApiError> {
        p.reject_unknown(&[
            "limit",
            "starting_after",
            "ending_before",
            "created",
            "payout",
            "type",
            "source",
            "currency",
        ])?;
        let created = range(p, "created")?;
        let payout = p.nonempty("payout")?;
        if let Some(id) = payout
            && !self.payouts.iter().any(|o| o.id == id)
        {
            return Err(missing_object("payout", id));
        }
        let kind = p.nonempty("type")?;
        let items: Vec<(&str, Value)> = self
            .balance_txns
            .iter()
            .rev()
            .filter(|t| created.contains(t.created))
            .filter(|t| payout.is_none_or(|id| t.payout.as_deref() == Some(id)))
            .filter(|t| kind.is_none_or(|k| k == t.kind))
            .map(|t| (t.id.as_str(), t.to_json()))
            .collect();
        page(p, items, "/v1/balance_transactions")
    }
}

fn missing_object(kind: &str, id: &str) -> ApiError {
    ApiError::new(
        404,
        "invalid_request_error",
        format!("No such {kind}: '{id}'"),
    )
    .code("resource_missing")
    .param("id")
}

/// A `created` filter: `created=ts` or `created[gt|gte|lt|lte]=ts`.
#[derive(Default)]
struct Range {
    gte: Option<i64>,
    lte: Option<i64>,
}

impl Range {
    fn contains(&self, t: i64) -> bool {
        self.gte.is_none_or(|g| t >= g) && self.lte.is_none_or(|l| t <= l)
    }
}

fn range(p: &Params, name: &str) -> Result<Range, ApiError> {
    let int = |v: &Value| {
        v.as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| ApiError::invalid(format!("Invalid integer: {v}")).param(name))
    };
    Ok(match params_value(p, name) {
        None => Range::default(),
        Some(Value::Object(m)) => {
            let mut r = Range::default();
            for (op, v) in m {
                let t = int(v)?;
                match op.as_str() {
                    "gte" => r.gte = Some(t),
                    "gt" => r.gte = Some(t + 1),
                    "lte" => r.lte = Some(t),
                    "lt" => r.lte = Some(t - 1),
                    _ => {
                        return Err(ApiError::invalid(format!(
                            "Received unknown parameter: {name}[{op}]"
                        ))
                        .code("parameter_unknown")
                        .param(&format!("{name}[{op}]")));
                    }
                }
            }
            r
        }
        Some(v) => {
            let t = int(v)?;
            Range {
                gte: Some(t),
                lte: Some(t),
            }
        }
    })
}

/// One page of a list, newest first: `limit` (1–100, default 10), then `starting_after`
/// (older than that id) or `ending_before` (newer than it).
fn page(p: &Params, items: Vec<(&str, Value)>, url: &str) -> Result<Outcome, ApiError> {
    let limit = p.int("limit")?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("Invalid limit: must be between 1 and 100").param("limit"));
    }
    let position = |name: &str, id: &str| {
        items
            .iter()
            .position(|(i, _)| *i == id)
            .ok_or_else(|| missing_object("object", id).param(name))
    };
    let (from, to) = match (p.nonempty("starting_after")?, p.nonempty("ending_before")?) {
        (Some(after), _) => (position("starting_after", after)? + 1, items.len()),
        (None, Some(before)) => (0, position("ending_before", before)?),
        (None, None) => (0, items.len()),
    };
    let window = &items[from..to];
    // `ending_before` pages back towards the newest: the page nearest the cursor.
    let take = limit as usize;
    let slice = if p.nonempty("ending_before")?.is_some() && p.nonempty("starting_after")?.is_none()
    {
        &window[window.len().saturating_sub(take)..]
    } else {
        &window[..take.min(window.len())]
    };
    let has_more = window.len() > slice.len();
    Ok(Outcome::ok(json!({
        "object": "list",
        "data": slice.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        "has_more": has_more,
        "url": url,
    })))
}

#[cfg(test)]
mod tests {
    use super::card_fee;

    #[test]
    fn card_fees_follow_the_eea_price() {
        assert_eq!(card_fee(1_000), 40);
        assert_eq!(card_fee(4_733), 96);
        assert_eq!(card_fee(0), 25);
    }
}
