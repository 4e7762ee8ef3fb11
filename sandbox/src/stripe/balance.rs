//! `GET /v1/balance`.

use super::SimState;
use super::errors::Outcome;
use serde_json::{Value, json};
use std::collections::BTreeMap;

impl SimState {
    pub(super) fn balance(&self) -> Outcome {
        let mut per_currency: BTreeMap<String, i64> = BTreeMap::new();
        for c in &self.charges {
            *per_currency.entry(c.currency.clone()).or_default() +=
                c.amount_captured - c.amount_refunded;
        }
        if per_currency.is_empty() {
            per_currency.insert("usd".into(), 0);
        }
        let amounts: Vec<Value> = per_currency
            .iter()
            .map(|(cur, amt)| json!({ "amount": amt, "currency": cur, "source_types": { "card": amt } }))
            .collect();
        let zero: Vec<Value> = per_currency
            .keys()
            .map(|cur| json!({ "amount": 0, "currency": cur, "source_types": { "card": 0 } }))
            .collect();
        // Test-mode funds show as available at once (Stripe's test clock is not modelled).
        Outcome::ok(json!({
            "object": "balance",
            "available": amounts,
            "connect_reserved": zero,
            "livemode": false,
            "pending": zero,
        }))
    }
}
