//! Manual capture (`captureMode: manual`): `POST /v2/payments/{id}/captures` takes an
//! authorised payment's money, wholly or in part (Mollie card payments capture once and
//! release the rest); `POST /v2/payments/{id}/release-authorization` voids the hold.

use super::errors::{ApiError, Outcome};
use super::model::Status;
use super::params::{opt_str, parse_amount};
use super::{SimState, amount_json, doc_link, iso, link, new_id};
use crate::kit::time::now_secs as now;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

impl SimState {
    pub(super) fn create_capture(
        &mut self,
        payment_id: &str,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let p = self.payment(payment_id)?.clone();
        if p.status != Status::Authorized {
            return Err(ApiError::unprocessable(
                "paymentId",
                format!(
                    "The payment {} cannot be captured: its status is '{}'",
                    p.id,
                    p.status.as_str()
                ),
            ));
        }
        let amount = match body.get("amount").filter(|a| !a.is_null()) {
            None => p.amount,
            Some(a) => {
                let (amount, currency) = parse_amount(Some(a), "amount")?;
                if currency != p.currency {
                    return Err(ApiError::unprocessable(
                        "amount.currency",
                        format!(
                            "The capture currency {currency} does not match the payment currency {}",
                            p.currency
                        ),
                    ));
                }
                if amount <= 0 || amount > p.amount {
                    return Err(ApiError::unprocessable(
                        "amount",
                        "The amount must be positive and at most the authorized amount",
                    ));
                }
                amount
            }
        };
        let description = opt_str(body, "description")?;
        let id = new_id("cpt_", 22);
        self.set_status(payment_id, Status::Paid, None)
            .map_err(|m| ApiError::unprocessable("paymentId", m))?;
        if let Some(p) = self.payment_mut(payment_id) {
            p.captured = Some(amount);
        }
        self.record_event(payment_id, None, "paid");
        let payment_href = format!("{base}/v2/payments/{payment_id}");
        let mut capture = json!({
            "resource": "capture",
            "id": id,
            "mode": "test",
            "amount": amount_json(amount, &p.currency),
            "settlementAmount": amount_json(amount, &p.currency),
            "status": "succeeded",
            "paymentId": payment_id,
            "createdAt": iso(now()),
            "_links": {
                "self": link(format!("{payment_href}/captures/{id}"), "application/hal+json"),
                "payment": link(payment_href, "application/hal+json"),
                "documentation": doc_link("create-capture"),
            },
        });
        if let Some(d) = description {
            capture["description"] = json!(d);
        }
        Ok(Outcome {
            status: StatusCode::CREATED,
            body: capture,
        })
    }

    pub(super) fn release_authorization(&mut self, payment_id: &str) -> Result<Outcome, ApiError> {
        let p = self.payment(payment_id)?;
        if p.status != Status::Authorized {
            return Err(ApiError::new(
                422,
                "Authorization cannot be released because the payment is not in the authorized state.",
            ));
        }
        self.set_status(payment_id, Status::Canceled, None)
            .map_err(|m| ApiError::unprocessable("paymentId", m))?;
        self.record_event(payment_id, None, "canceled");
        // Accepted; Mollie processes it asynchronously (the simulator at once).
        Ok(Outcome {
            status: StatusCode::ACCEPTED,
            body: Value::Null,
        })
    }
}
