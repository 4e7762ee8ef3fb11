//! Chargebacks: the shopper's bank takes a paid payment's money back (and may give it
//! back: a reversal). Mollie reports them on the payment (`amountChargedBack`,
//! `_embedded.chargebacks` with `embed=chargebacks`, `GET /v2/payments/{id}/chargebacks`)
//! and calls the payment's webhook; a test hook plays the bank.

use super::errors::ApiError;
use super::model::Status;
use super::{SimState, amount_json, doc_link, iso, link, new_id};
use crate::kit::time::now_secs as now;
use serde_json::{Value, json};

pub(super) struct ChargebackObj {
    pub(super) id: String,
    pub(super) payment_id: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) created_at: i64,
    pub(super) reversed_at: Option<i64>,
}

impl SimState {
    /// What the bank took back and kept.
    pub(super) fn charged_back(&self, payment_id: &str) -> i64 {
        self.chargebacks
            .iter()
            .filter(|c| c.payment_id == payment_id && c.reversed_at.is_none())
            .map(|c| c.amount)
            .sum()
    }

    /// `components.schemas.entity-chargeback`.
    pub(super) fn chargeback_json(&self, c: &ChargebackObj, base: &str) -> Value {
        let payment_href = format!("{base}/v2/payments/{}", c.payment_id);
        let mut v = json!({
            "resource": "chargeback",
            "id": c.id,
            "amount": amount_json(c.amount, &c.currency),
            "settlementAmount": amount_json(-c.amount, &c.currency),
            "reason": {"code": "AC06", "description": "Account blocked"},
            "paymentId": c.payment_id,
            "createdAt": iso(c.created_at),
            "_links": {
                "self": link(format!("{payment_href}/chargebacks/{}", c.id), "application/hal+json"),
                "payment": link(payment_href, "application/hal+json"),
                "documentation": doc_link("get-chargeback"),
            },
        });
        if let Some(t) = c.reversed_at {
            v["reversedAt"] = json!(iso(t));
        }
        v
    }

    pub(super) fn chargebacks_of(&self, payment_id: &str, base: &str) -> Vec<Value> {
        self.chargebacks
            .iter()
            .filter(|c| c.payment_id == payment_id)
            .map(|c| self.chargeback_json(c, base))
            .collect()
    }

    /// The bank charges the payment back in full, or (`reverse`) reverses its latest
    /// chargeback; the payment's webhook is called.
    pub(super) fn chargeback(&mut self, payment_id: &str, reverse: bool) -> Result<(), String> {
        let p = self.payment(payment_id).map_err(|e| e.detail)?;
        if p.status != Status::Paid {
            return Err(format!(
                "payment {payment_id} is {}, not paid",
                p.status.as_str()
            ));
        }
        let (amount, currency) = (p.captured(), p.currency.clone());
        if reverse {
            let c = self
                .chargebacks
                .iter_mut()
                .rev()
                .find(|c| c.payment_id == payment_id && c.reversed_at.is_none())
                .ok_or_else(|| format!("payment {payment_id} has no chargeback to reverse"))?;
            c.reversed_at = Some(now());
        } else {
            self.chargebacks.push(ChargebackObj {
                id: new_id("chb_", 10),
                payment_id: payment_id.to_string(),
                amount,
                currency,
                created_at: now(),
                reversed_at: None,
            });
        }
        self.record_event(payment_id, None, "charged_back");
        Ok(())
    }

    pub(super) fn list_chargebacks(&self, payment_id: &str, base: &str) -> Result<Value, ApiError> {
        self.payment(payment_id)?;
        let items = self.chargebacks_of(payment_id, base);
        Ok(json!({
            "count": items.len(),
            "_embedded": {"chargebacks": items},
            "_links": {
                "self": link(format!("{base}/v2/payments/{payment_id}/chargebacks"), "application/hal+json"),
                "documentation": doc_link("list-chargebacks"),
                "previous": null,
                "next": null,
            },
        }))
    }
}
