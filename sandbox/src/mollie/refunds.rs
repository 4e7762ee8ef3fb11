//! Refunds API: create, list and retrieve a payment's refunds.

use super::errors::{ApiError, Outcome};
use super::model::{RefundObj, Status};
use super::params::{opt_str, parse_amount};
use super::{DUPLICATE_REFUND_WINDOW, MAX_METADATA_BYTES, SimState, doc_link, link, new_id};
use crate::kit::time::now_secs as now;
use axum::http::StatusCode;
use beep_sdk::money;
use serde_json::{Map, Value, json};
use std::time::Instant;

impl SimState {
    pub(super) fn create_refund(
        &mut self,
        payment_id: &str,
        body: &Map<String, Value>,
        idempotent: bool,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let p = self.payment(payment_id)?.clone();
        let (amount, currency) = parse_amount(body.get("amount"), "amount")?;
        if currency != p.currency {
            return Err(ApiError::unprocessable(
                "amount.currency",
                format!(
                    "The refund currency {currency} does not match the payment currency {}",
                    p.currency
                ),
            ));
        }
        if amount <= 0 {
            return Err(ApiError::unprocessable(
                "amount",
                "The amount is lower than the minimum",
            ));
        }
        if p.status != Status::Paid {
            return Err(ApiError::unprocessable(
                "paymentId",
                format!(
                    "The payment {} cannot be refunded: its status is '{}'",
                    p.id,
                    p.status.as_str()
                ),
            ));
        }
        let remaining = p.captured() - self.refunded(&p.id);
        if amount > remaining {
            return Err(ApiError::unprocessable(
                "amount",
                format!(
                    "The amount is higher than the amount that can be refunded ({} {} remaining)",
                    money::to_major_string(&money::money(remaining, &currency)).unwrap_or_default(),
                    currency
                ),
            ));
        }
        let description: String = opt_str(body, "description")?
            .unwrap_or_default()
            .chars()
            .take(255)
            .collect();
        if !idempotent
            && self.refunds.iter().any(|r| {
                r.payment_id == p.id
                    && !r.had_idempotency_key
                    && r.amount == amount
                    && r.description == description
                    && r.created.elapsed() < DUPLICATE_REFUND_WINDOW
            })
        {
            return Err(ApiError::new(409, "A duplicate refund has been detected"));
        }
        let metadata = body.get("metadata").cloned().unwrap_or(Value::Null);
        if metadata.to_string().len() > MAX_METADATA_BYTES {
            return Err(ApiError::unprocessable(
                "metadata",
                "The metadata exceeds the maximum size of 1024 bytes",
            ));
        }
        // Mollie executes refunds after a delay (they may be canceled until then): a new
        // refund is `pending`. `POST /_sim/refunds/{id}/status` moves it on.
        let r = RefundObj {
            id: new_id("re_", 10),
            payment_id: p.id.clone(),
            amount,
            currency,
            description,
            metadata,
            status: "pending",
            created_at: now(),
            created: Instant::now(),
            had_idempotency_key: idempotent,
        };
        self.refund_index.insert(r.id.clone(), self.refunds.len());
        self.refunds.push(r);
        let body = self.refund_json(&self.refunds[self.refunds.len() - 1], base);
        Ok(Outcome {
            status: StatusCode::CREATED,
            body,
        })
    }

    pub(super) fn list_refunds(&self, payment_id: &str, base: &str) -> Result<Outcome, ApiError> {
        self.payment(payment_id)?;
        let refunds: Vec<Value> = self
            .refunds
            .iter()
            .filter(|r| r.payment_id == payment_id)
            .rev()
            .map(|r| self.refund_json(r, base))
            .collect();
        Ok(Outcome {
            status: StatusCode::OK,
            body: json!({
                "count": refunds.len(),
                "_embedded": {"refunds": refunds},
                "_links": {
                    "self": link(format!("{base}/v2/payments/{payment_id}/refunds"), "application/hal+json"),
                    "previous": null,
                    "next": null,
                    "documentation": doc_link("list-refunds"),
                }
            }),
        })
    }

    pub(super) fn get_refund(
        &self,
        payment_id: &str,
        refund_id: &str,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        self.payment(payment_id)?;
        let r = self
            .refund_index
            .get(refund_id)
            .and_then(|i| self.refunds.get(*i))
            .filter(|r| r.payment_id == payment_id)
            .ok_or_else(|| {
                ApiError::new(404, format!("No refund exists with token {refund_id}."))
            })?;
        Ok(Outcome {
            status: StatusCode::OK,
            body: self.refund_json(r, base),
        })
    }
}
