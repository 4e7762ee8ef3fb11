//! Refunds: create and retrieve.

use super::currencies::format_amount;
use super::errors::{ApiError, Outcome};
use super::model::RefundObj;
use super::params::Params;
use super::{Ctx, SimState, new_id};
use serde_json::Value;

impl SimState {
    pub(super) fn get_refund(&self, id: &str) -> Result<Outcome, ApiError> {
        match self.refund_index.get(id) {
            Some(&i) => Ok(Outcome::ok(self.refunds[i].to_json())),
            None => Err(ApiError::new(
                404,
                "invalid_request_error",
                format!("No such refund: '{id}'"),
            )
            .code("resource_missing")
            .param("refund")),
        }
    }

    pub(super) fn create_refund(&mut self, p: &Params, ctx: &Ctx) -> Result<Outcome, ApiError> {
        p.reject_unknown(&[
            "amount",
            "charge",
            "currency",
            "customer",
            "expand",
            "instructions_email",
            "metadata",
            "origin",
            "payment_intent",
            "reason",
            "refund_application_fee",
            "reverse_transfer",
        ])?;
        let amount = p.int("amount")?;
        if amount.is_some_and(|a| a < 1) {
            return Err(ApiError::invalid("Invalid positive integer")
                .code("parameter_invalid_integer")
                .param("amount"));
        }
        let reason = p.nonempty("reason")?.map(str::to_string);
        if let Some(r) = &reason
            && !["duplicate", "fraudulent", "requested_by_customer"].contains(&r.as_str())
        {
            return Err(ApiError::invalid(
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            )
            .param("reason"));
        }
        let metadata = p.metadata()?;
        let pi_param = p.nonempty("payment_intent")?;
        let charge_param = p.nonempty("charge")?;
        let intent_idx = match (pi_param, charge_param) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "You cannot specify both `charge` and `payment_intent` on a refund.",
                )
                .param("payment_intent"));
            }
            (None, None) => {
                return Err(ApiError::invalid(
                    "One of the following parameters is required: charge, payment_intent.",
                )
                .code("parameter_missing"));
            }
            (Some(pi), None) => *self.intent_index.get(pi).ok_or_else(|| {
                ApiError::invalid(format!("No such payment_intent: '{pi}'"))
                    .code("resource_missing")
                    .param("payment_intent")
            })?,
            (None, Some(ch)) => {
                let c = self.charge_index.get(ch).ok_or_else(|| {
                    ApiError::invalid(format!("No such charge: '{ch}'"))
                        .code("resource_missing")
                        .param("charge")
                })?;
                self.intent_index[&self.charges[*c].payment_intent]
            }
        };
        let intent = &self.intents[intent_idx];
        let charge_idx = intent
            .latest_charge
            .as_ref()
            .and_then(|c| self.charge_index.get(c).copied())
            .filter(|&c| self.charges[c].amount_captured > 0);
        let Some(charge_idx) = charge_idx else {
            return Err(ApiError::invalid(format!(
                "This PaymentIntent ({}) does not have a successful charge to refund.",
                intent.id
            ))
            .param("payment_intent")
            .saved());
        };
        let charge = &self.charges[charge_idx];
        let remaining = charge.amount_captured - charge.amount_refunded;
        if remaining <= 0 {
            return Err(ApiError::invalid(format!(
                "Charge {} has already been refunded.",
                charge.id
            ))
            .code("charge_already_refunded")
            .field("charge", Value::String(charge.id.clone()))
            .saved());
        }
        let amount = amount.unwrap_or(remaining);
        if amount > remaining {
            return Err(ApiError::invalid(format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                format_amount(amount, &charge.currency),
                format_amount(remaining, &charge.currency)
            ))
            .code("amount_too_large")
            .param("amount")
            .saved());
        }
        let refund = RefundObj {
            id: new_id("re_", 24),
            amount,
            charge: charge.id.clone(),
            payment_intent: intent.id.clone(),
            currency: charge.currency.clone(),
            created: ctx.created,
            metadata,
            reason,
            // Card refunds in test mode succeed at once.
            status: "succeeded",
        };
        self.charges[charge_idx].amount_refunded += amount;
        self.ledger_refund(&refund.id, amount, &refund.currency, ctx);
        let charge_json = self.charges[charge_idx].to_json();
        let body = refund.to_json();
        self.emit("charge.refunded", charge_json, ctx);
        // `refund.created` joined `charge.refund.updated` in later API versions; the
        // simulator emits it so a webhook consumer can test either shape.
        self.emit("refund.created", body.clone(), ctx);
        self.refund_index
            .insert(refund.id.clone(), self.refunds.len());
        self.refunds.push(refund);
        Ok(Outcome::ok(body))
    }
}
