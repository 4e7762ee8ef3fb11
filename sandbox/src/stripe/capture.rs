//! Separate authorisation and capture: capturing a `requires_capture` intent, wholly or
//! in part, and cancelling one that is not yet captured.

use super::errors::{ApiError, Outcome};
use super::params::Params;
use super::{Ctx, SimState};

/// Statuses from which the spec lets an intent be cancelled.
const CANCELLABLE: [&str; 5] = [
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
];

const CANCELLATION_REASONS: [&str; 4] = [
    "duplicate",
    "fraudulent",
    "requested_by_customer",
    "abandoned",
];

fn unexpected_state(message: String) -> ApiError {
    ApiError::new(400, "invalid_request_error", message).code("payment_intent_unexpected_state")
}

impl SimState {
    /// The intent's index, or Stripe's 404 for an unknown one.
    pub(super) fn intent_at(&self, id: &str) -> Result<usize, ApiError> {
        self.intent_index.get(id).copied().ok_or_else(|| {
            ApiError::new(
                404,
                "invalid_request_error",
                format!("No such payment_intent: '{id}'"),
            )
            .code("resource_missing")
            .param("intent")
        })
    }

    /// `POST /v1/payment_intents/{intent}/capture`. A partial capture releases the rest
    /// of the authorisation (it is never money, so it is not counted as refunded).
    pub(super) fn capture_intent(
        &mut self,
        id: &str,
        p: &Params,
        ctx: &Ctx,
    ) -> Result<Outcome, ApiError> {
        p.reject_unknown(&[
            "amount_to_capture",
            "application_fee_amount",
            "expand",
            "final_capture",
            "metadata",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_data",
        ])?;
        let idx = self.intent_at(id)?;
        let mut intent = self.intents[idx].clone();
        if intent.status != "requires_capture" {
            return Err(unexpected_state(format!(
                "This PaymentIntent could not be captured because it has a status of {}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                intent.status
            )));
        }
        let amount = p
            .int("amount_to_capture")?
            .unwrap_or(intent.amount_capturable);
        if amount <= 0 {
            return Err(
                ApiError::invalid("This value must be greater than or equal to 1.")
                    .param("amount_to_capture"),
            );
        }
        if amount > intent.amount_capturable {
            return Err(ApiError::invalid(format!(
                "The amount_to_capture ({amount}) must be less than or equal to the PaymentIntent's amount_capturable ({}).",
                intent.amount_capturable
            ))
            .code("amount_too_large")
            .param("amount_to_capture"));
        }
        intent.status = "succeeded";
        intent.amount_received = amount;
        intent.amount_capturable = 0;
        if let Some(&c) = intent
            .latest_charge
            .as_ref()
            .and_then(|ch| self.charge_index.get(ch))
        {
            self.charges[c].amount_captured = amount;
            let (id, currency) = (self.charges[c].id.clone(), self.charges[c].currency.clone());
            self.ledger_charge(&id, amount, &currency, ctx);
            let charge = self.charges[c].to_json();
            self.emit("charge.captured", charge, ctx);
        }
        self.emit("payment_intent.succeeded", intent.to_json(), ctx);
        self.intents[idx] = intent;
        Ok(Outcome::ok(self.intents[idx].to_json()))
    }

    /// `POST /v1/payment_intents/{intent}/cancel`.
    pub(super) fn cancel_intent(
        &mut self,
        id: &str,
        p: &Params,
        ctx: &Ctx,
    ) -> Result<Outcome, ApiError> {
        p.reject_unknown(&["cancellation_reason", "expand"])?;
        let reason = p.nonempty("cancellation_reason")?;
        if let Some(r) = reason
            && !CANCELLATION_REASONS.contains(&r)
        {
            return Err(ApiError::invalid(format!(
                "Invalid cancellation_reason: must be one of {}",
                CANCELLATION_REASONS.join(", ")
            ))
            .param("cancellation_reason"));
        }
        let idx = self.intent_at(id)?;
        let mut intent = self.intents[idx].clone();
        if !CANCELLABLE.contains(&intent.status) {
            return Err(unexpected_state(format!(
                "You cannot cancel this PaymentIntent because it has a status of {}. Only a PaymentIntent with one of the following statuses may be canceled: {}.",
                intent.status,
                CANCELLABLE.join(", ")
            )));
        }
        intent.status = "canceled";
        intent.amount_capturable = 0;
        intent.next_action = None;
        intent.canceled_at = Some(ctx.created);
        intent.cancellation_reason = reason.map(str::to_string);
        self.emit("payment_intent.canceled", intent.to_json(), ctx);
        self.intents[idx] = intent;
        Ok(Outcome::ok(self.intents[idx].to_json()))
    }
}
