//! Disputes: `pm_card_createDispute` (Stripe's test card 4000 0000 0000 0259) pays and
//! is then disputed as fraudulent, as in Stripe's test mode; `GET /v1/disputes/{id}`;
//! and a test hook that decides a dispute (`POST /_sim/disputes/{id}/close`, `won` or
//! `lost`), each change reported as the `charge.dispute.*` event Stripe sends.

use super::errors::{ApiError, Outcome};
use super::{Ctx, SimState, new_id};
use serde_json::{Value, json};

/// Days Stripe gives to submit evidence (test mode: the due date is set at creation).
const EVIDENCE_DAYS: i64 = 7;

#[derive(Clone)]
pub(super) struct DisputeObj {
    pub(super) id: String,
    pub(super) charge: String,
    pub(super) payment_intent: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) reason: &'static str,
    pub(super) status: &'static str,
    pub(super) created: i64,
}

impl DisputeObj {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "dispute",
            "amount": self.amount,
            "balance_transactions": [],
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "evidence_details": {
                "due_by": self.created + EVIDENCE_DAYS * 86_400,
                "has_evidence": false,
                "past_due": false,
                "submission_count": 0,
            },
            "is_charge_refundable": false,
            "livemode": false,
            "metadata": {},
            "payment_intent": self.payment_intent,
            "reason": self.reason,
            "status": self.status,
        })
    }
}

impl SimState {
    /// The shopper's bank disputes a charge in full: funds withdrawn, evidence due.
    pub(super) fn open_dispute(&mut self, charge_id: &str, ctx: &Ctx) {
        let Some(&c) = self.charge_index.get(charge_id) else {
            return;
        };
        self.charges[c].disputed = true;
        let charge = &self.charges[c];
        let dispute = DisputeObj {
            id: new_id("dp_", 24),
            charge: charge.id.clone(),
            payment_intent: charge.payment_intent.clone(),
            amount: charge.amount_captured,
            currency: charge.currency.clone(),
            reason: "fraudulent",
            status: "needs_response",
            created: ctx.created,
        };
        self.emit("charge.dispute.created", dispute.to_json(), ctx);
        self.emit("charge.dispute.funds_withdrawn", dispute.to_json(), ctx);
        self.ledger_dispute(&dispute.id, dispute.amount, &dispute.currency, false, ctx);
        self.disputes.push(dispute);
    }

    pub(super) fn get_dispute(&self, id: &str) -> Result<Outcome, ApiError> {
        match self.disputes.iter().find(|d| d.id == id) {
            Some(d) => Ok(Outcome::ok(d.to_json())),
            None => Err(ApiError::new(
                404,
                "invalid_request_error",
                format!("No such dispute: '{id}'"),
            )
            .code("resource_missing")
            .param("dispute")),
        }
    }

    /// The scheme decides: `won` reinstates the funds, `lost` keeps them withdrawn.
    pub(super) fn close_dispute(
        &mut self,
        id: &str,
        won: bool,
        ctx: &Ctx,
    ) -> Result<Value, String> {
        let d = self
            .disputes
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| format!("No such dispute: '{id}'"))?;
        if matches!(d.status, "won" | "lost") {
            return Err(format!("dispute {id} is {} already", d.status));
        }
        d.status = if won { "won" } else { "lost" };
        let d = d.clone();
        if won {
            self.ledger_dispute(&d.id, d.amount, &d.currency, true, ctx);
            self.emit("charge.dispute.funds_reinstated", d.to_json(), ctx);
        }
        self.emit("charge.dispute.closed", d.to_json(), ctx);
        Ok(d.to_json())
    }
}
