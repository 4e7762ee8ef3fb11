//! Payments API: create, list and retrieve payments.

use super::errors::{ApiError, Outcome, missing};
use super::model::{PaymentObj, Status};
use super::params::{opt_str, parse_amount};
use super::{
    FAILURE_REASONS, MAX_MAJOR, MAX_METADATA_BYTES, METHODS, OPEN_EXPIRY_SECS, SimState,
    TEST_PREFIX, card_details, doc_link, failure_message, is_http_url, link, new_id,
};
use crate::kit::time::now_secs as now;
use axum::http::StatusCode;
use beep_sdk::money;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

impl SimState {
    pub(super) fn create_payment(
        &mut self,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let (amount, currency) = parse_amount(body.get("amount"), "amount")?;
        if amount <= 0 {
            return Err(ApiError::unprocessable(
                "amount",
                "The amount is lower than the minimum",
            ));
        }
        let max =
            MAX_MAJOR.saturating_mul(10i64.pow(money::exponent(&currency).unwrap_or(2).into()));
        if amount > max {
            return Err(ApiError::unprocessable(
                "amount",
                "The amount is higher than the maximum",
            ));
        }
        let description = opt_str(body, "description")?
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| missing("description"))?;
        // Mollie truncates long descriptions itself.
        let description: String = description.chars().take(255).collect();

        // `method`: one method, a list of methods the shopper may choose from, or none.
        let methods: Vec<String> = match body.get("method") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(m)) => vec![m.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ApiError::unprocessable("method", "The method is invalid"))?,
            Some(_) => return Err(ApiError::unprocessable("method", "The method is invalid")),
        };
        for m in &methods {
            let test_ok = m.strip_prefix(TEST_PREFIX).is_some_and(|o| {
                matches!(
                    o,
                    "paid" | "authorized" | "pending" | "open" | "failed" | "canceled" | "expired"
                ) || o
                    .strip_prefix("failed_")
                    .is_some_and(|r| FAILURE_REASONS.contains(&r))
            });
            if !test_ok && !METHODS.contains(&m.as_str()) {
                return Err(ApiError::unprocessable(
                    "method",
                    format!("The payment method '{m}' is invalid"),
                ));
            }
        }
        let single = (methods.len() == 1).then(|| methods[0].as_str());
        let card_token = opt_str(body, "cardToken")?;
        let terminal_id = opt_str(body, "terminalId")?;
        if single == Some("pointofsale") && terminal_id.is_none() {
            return Err(missing("terminalId"));
        }
        if card_token.is_some() && single != Some("creditcard") {
            return Err(ApiError::unprocessable(
                "cardToken",
                "A card token can only be used with method 'creditcard'",
            ));
        }

        // Point-of-sale payments complete on the terminal; everything else may send the
        // shopper to a hosted page and back.
        let redirect_url = opt_str(body, "redirectUrl")?;
        if redirect_url.is_none() && single != Some("pointofsale") {
            return Err(missing("redirectUrl"));
        }
        for (field, url) in [
            ("redirectUrl", &redirect_url),
            ("cancelUrl", &opt_str(body, "cancelUrl")?),
            ("webhookUrl", &opt_str(body, "webhookUrl")?),
        ] {
            if let Some(u) = url
                && !is_http_url(u)
            {
                return Err(ApiError::unprocessable(
                    field,
                    format!("The {field} '{u}' is invalid"),
                ));
            }
        }
        let metadata = body.get("metadata").cloned().unwrap_or(Value::Null);
        if metadata.to_string().len() > MAX_METADATA_BYTES {
            return Err(ApiError::unprocessable(
                "metadata",
                "The metadata exceeds the maximum size of 1024 bytes",
            ));
        }
        let capture_mode = opt_str(body, "captureMode")?;
        if capture_mode
            .as_deref()
            .is_some_and(|m| m != "automatic" && m != "manual")
        {
            return Err(ApiError::unprocessable(
                "captureMode",
                "The capture mode is invalid",
            ));
        }
        let manual = capture_mode.as_deref() == Some("manual");
        match opt_str(body, "sequenceType")?.as_deref() {
            None | Some("oneoff") => {}
            Some("first" | "recurring") => {
                return Err(ApiError::unprocessable(
                    "sequenceType",
                    "The simulator supports one-off payments only",
                ));
            }
            Some(_) => {
                return Err(ApiError::unprocessable(
                    "sequenceType",
                    "The sequence type is invalid",
                ));
            }
        }

        // The outcome (module docs).
        let paid_or_held = if manual {
            Status::Authorized
        } else {
            Status::Paid
        };
        let (status, checkout, method, failure) = match single {
            Some(m) if m.starts_with(TEST_PREFIX) => {
                let outcome = &m[TEST_PREFIX.len()..];
                match outcome {
                    "paid" => (paid_or_held, false, Some("creditcard"), None),
                    "authorized" => (Status::Authorized, false, Some("creditcard"), None),
                    "pending" => (Status::Pending, false, Some("creditcard"), None),
                    "open" => (Status::Open, true, None, None),
                    "canceled" => (Status::Canceled, false, None, None),
                    "expired" => (Status::Expired, false, None, None),
                    "failed" => (
                        Status::Failed,
                        false,
                        Some("creditcard"),
                        Some("card_declined"),
                    ),
                    other => (
                        Status::Failed,
                        false,
                        Some("creditcard"),
                        other.strip_prefix("failed_"),
                    ),
                }
            }
            Some("creditcard") if card_token.is_some() => {
                (paid_or_held, false, Some("creditcard"), None)
            }
            Some("pointofsale") => (Status::Open, false, Some("pointofsale"), None),
            Some(m) => (Status::Open, true, Some(m), None),
            None => (Status::Open, true, None, None),
        };
        let t = now();
        let mut details = match method {
            Some("creditcard") if status != Status::Open => Some(card_details()),
            Some("pointofsale") => Some(json!({ "terminalId": terminal_id })),
            _ => None,
        };
        if let Some(reason) = failure {
            let d = details.get_or_insert_with(|| json!({}));
            d["failureReason"] = json!(reason);
            d["failureMessage"] = json!(failure_message(reason));
        }
        let p = PaymentObj {
            id: new_id("tr_", 10),
            created_at: t,
            amount,
            currency,
            description,
            method: method.map(str::to_string),
            status,
            redirect_url,
            cancel_url: opt_str(body, "cancelUrl")?,
            webhook_url: opt_str(body, "webhookUrl")?,
            metadata,
            locale: opt_str(body, "locale")?,
            capture_mode,
            details,
            checkout,
            expires_at: (!status.is_final()).then_some(t + OPEN_EXPIRY_SECS),
            authorized_at: (status == Status::Authorized).then_some(t),
            paid_at: (status == Status::Paid).then_some(t),
            canceled_at: (status == Status::Canceled).then_some(t),
            expired_at: (status == Status::Expired).then_some(t),
            failed_at: (status == Status::Failed).then_some(t),
            captured: None,
        };
        let id = p.id.clone();
        self.payment_index.insert(id.clone(), self.payments.len());
        self.payments.push(p);
        if status != Status::Open {
            // The payment left `open` at once: Mollie calls the webhook for that.
            self.record_event(&id, None, status.as_str());
        }
        let body = self.payment_json(&self.payments[self.payments.len() - 1], base);
        Ok(Outcome {
            status: StatusCode::CREATED,
            body,
        })
    }

    pub(super) fn list_payments(
        &self,
        q: &HashMap<String, String>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let limit = match q.get("limit") {
            None => 50,
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|l| (1..=250).contains(l))
                .ok_or_else(|| ApiError {
                    field: Some("limit".into()),
                    ..ApiError::new(400, "The limit must be between 1 and 250")
                })?,
        };
        let ascending = match q.get("sort").map(String::as_str) {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(_) => {
                return Err(ApiError {
                    field: Some("sort".into()),
                    ..ApiError::new(400, "The sort direction is invalid")
                });
            }
        };
        let mut order: Vec<usize> = (0..self.payments.len()).collect();
        if !ascending {
            order.reverse();
        }
        let start = match q.get("from") {
            None => 0,
            Some(from) => order
                .iter()
                .position(|i| self.payments[*i].id == *from)
                .ok_or_else(|| ApiError {
                    field: Some("from".into()),
                    ..ApiError::new(400, "Invalid cursor value")
                })?,
        };
        let page: Vec<Value> = order
            .iter()
            .skip(start)
            .take(limit)
            .map(|i| self.payment_json(&self.payments[*i], base))
            .collect();
        let sort = if ascending { "&sort=asc" } else { "" };
        let next = order
            .get(start + limit)
            .map(|i| {
                link(
                    format!(
                        "{base}/v2/payments?from={}&limit={limit}{sort}",
                        self.payments[*i].id
                    ),
                    "application/hal+json",
                )
            })
            .unwrap_or(Value::Null);
        let previous = if start > 0 {
            let prev = order[start.saturating_sub(limit)];
            link(
                format!(
                    "{base}/v2/payments?from={}&limit={limit}{sort}",
                    self.payments[prev].id
                ),
                "application/hal+json",
            )
        } else {
            Value::Null
        };
        let self_href = match q.get("from") {
            Some(from) => format!("{base}/v2/payments?from={from}&limit={limit}{sort}"),
            None => format!("{base}/v2/payments?limit={limit}{sort}"),
        };
        Ok(Outcome {
            status: StatusCode::OK,
            body: json!({
                "count": page.len(),
                "_embedded": {"payments": page},
                "_links": {
                    "self": link(self_href, "application/hal+json"),
                    "previous": previous,
                    "next": next,
                    "documentation": doc_link("list-payments"),
                }
            }),
        })
    }

    pub(super) fn get_payment(
        &self,
        id: &str,
        q: &HashMap<String, String>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let p = self.payment(id)?;
        let mut body = self.payment_json(p, base);
        let embeds: Vec<&str> = q
            .get("embed")
            .map_or(Vec::new(), |e| e.split(',').collect());
        for e in &embeds {
            if !matches!(*e, "refunds" | "captures" | "chargebacks") {
                return Err(ApiError {
                    field: Some("embed".into()),
                    ..ApiError::new(400, format!("Embed '{e}' is not supported"))
                });
            }
        }
        if !embeds.is_empty() {
            let mut embedded = Map::new();
            if embeds.contains(&"refunds") {
                let refunds: Vec<Value> = self
                    .refunds
                    .iter()
                    .filter(|r| r.payment_id == id)
                    .map(|r| self.refund_json(r, base))
                    .collect();
                embedded.insert("refunds".into(), Value::Array(refunds));
            }
            if embeds.contains(&"chargebacks") {
                let chargebacks = self.chargebacks_of(id, base);
                embedded.insert("chargebacks".into(), Value::Array(chargebacks));
            }
            if embeds.contains(&"captures") {
                embedded.insert("captures".into(), json!([]));
            }
            body["_embedded"] = Value::Object(embedded);
        }
        Ok(Outcome {
            status: StatusCode::OK,
            body,
        })
    }
}
