//! Refunds: partial or full, never past what was captured.

use super::errors::error;
use super::model::{RefundObj, major};
use super::{Answer, SimState};
use std::collections::BTreeMap;

impl SimState {
    pub(super) fn refund(&mut self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let i = match self.target(merchant, p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let (amount, currency) = match Self::amount(p) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let reference = p.get("reference").cloned().unwrap_or_default();
        let t = &self.transactions[i];
        // A repeated reference for the same transaction answers the first refund (chosen:
        // payabl documents no idempotency; this keeps a retried refund from paying twice).
        if !reference.is_empty()
            && let Some(r) = self
                .refunds
                .iter()
                .find(|r| r.base_id == t.id && r.reference == reference)
        {
            return Self::refund_answer(r);
        }
        if t.status != "captured" {
            return error(
                "2008",
                format!("Transaction cannot be refunded in status {}", t.status),
            );
        }
        if currency != t.currency {
            return error("2003", "Currency does not match the transaction");
        }
        let left = t.captured - t.refunded;
        if amount > left {
            return error(
                "2006",
                format!(
                    "Amount exceeds the refundable amount ({} {} left)",
                    major(left, &t.currency),
                    t.currency
                ),
            );
        }
        let refund = RefundObj {
            id: self.fresh_id(),
            base_id: self.transactions[i].id.clone(),
            reference,
            amount,
            currency,
            status: "refunded".into(),
            description: p.get("description").cloned().unwrap_or_default(),
        };
        self.transactions[i].refunded += amount;
        let answer = Self::refund_answer(&refund);
        self.refunds.push(refund.clone());
        self.callback(i, Some(&refund));
        answer
    }
}
