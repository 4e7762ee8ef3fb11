//! Checkout payments: payment methods, payments, payment details and the shopper's
//! authentication.

use super::errors::{ApiError, Outcome};
use super::model::{ResultCode, SimPayment};
use super::test_methods::{TEST_TOKENS, outcome_of};
use super::{SimState, amount_of, new_psp, rfc3339, str_field};
use crate::kit::time::now_secs;
use axum::http::StatusCode;
use base64::Engine as _;
use rand::Rng as _;
use serde_json::{Map, Value, json};

impl SimState {
    pub(super) fn check_merchant_account(
        &self,
        body: &Map<String, Value>,
    ) -> Result<String, ApiError> {
        match str_field(body, "merchantAccount") {
            Some(m) if self.merchant_accounts.iter().any(|a| a == m) => Ok(m.to_string()),
            _ => Err(ApiError::invalid_merchant_account()),
        }
    }

    pub(super) fn payment_methods(&self, body: &Map<String, Value>) -> Result<Outcome, ApiError> {
        self.check_merchant_account(body)?;
        Ok(Outcome {
            status: StatusCode::OK,
            body: json!({
                "paymentMethods": [
                    {"brands": ["visa", "mc", "amex", "maestro"], "name": "Cards", "type": "scheme"},
                    {"name": "iDEAL", "type": "ideal"},
                    {"name": "Klarna Pay later", "type": "klarna"},
                ],
                "storedPaymentMethods": TEST_TOKENS.iter().map(|(id, _, _)| json!({
                    "brand": "visa", "expiryMonth": "03", "expiryYear": "2030",
                    "holderName": "Beep Sandbox", "id": id, "lastFour": "1111",
                    "name": "VISA", "supportedShopperInteractions": ["Ecommerce", "ContAuth"],
                    "type": "scheme",
                })).collect::<Vec<_>>(),
            }),
        })
    }

    pub(super) fn create_payment(
        &mut self,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let merchant_account = self.check_merchant_account(body)?;
        let (value, currency) = amount_of(body)?;
        let reference = str_field(body, "reference").ok_or_else(|| {
            ApiError::validation("130", "Required field 'reference' is not provided.")
        })?;
        if reference.chars().count() > 80 {
            return Err(ApiError::validation(
                "130",
                "Field 'reference' exceeds the maximum of 80 characters.",
            ));
        }
        let pm = body
            .get("paymentMethod")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                ApiError::validation("702", "Required object 'paymentMethod' is not provided.")
            })?;
        // Required by the spec (`PaymentRequest.required`), with the spec's own 422 example.
        let return_url = str_field(body, "returnUrl")
            .ok_or_else(|| ApiError::validation("14_030", "Return URL is missing."))?;
        if let Some(metadata) = body.get("metadata").and_then(Value::as_object)
            && (metadata.len() > 20
                || metadata.iter().any(|(k, v)| {
                    k.chars().count() > 20 || v.as_str().is_none_or(|s| s.chars().count() > 80)
                }))
        {
            return Err(ApiError::validation("177", "Metadata size exceeds limit"));
        }
        let (result, refusal, method) = outcome_of(pm)?;
        let stored = pm
            .get("storedPaymentMethodId")
            .or_else(|| pm.get("recurringDetailReference"))
            .and_then(Value::as_str)
            .map(String::from);
        let delay = body
            .get("captureDelayHours")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let manual_capture = delay > 0
            || body
                .get("additionalData")
                .and_then(|a| a.get("manualCapture"))
                .and_then(Value::as_str)
                == Some("true");
        let psp = new_psp();
        let action = match result {
            ResultCode::RedirectShopper => Some(json!({
                "paymentMethodType": method,
                "url": format!("{base}/_sim/authenticate/{psp}"),
                "method": "GET",
                "type": "redirect",
            })),
            ResultCode::ChallengeShopper => Some(json!({
                "paymentMethodType": "scheme",
                "subtype": "challenge",
                "token": base64::engine::general_purpose::STANDARD.encode(format!("{{\"acsURL\":\"{base}/_sim/authenticate/{psp}\"}}")),
                "paymentData": format!("Ab02b4c0!{psp}"),
                "authorisationToken": format!("Ab02b4c0!auth{psp}"),
                "url": format!("{base}/_sim/authenticate/{psp}"),
                "type": "threeDS2",
            })),
            ResultCode::IdentifyShopper => Some(json!({
                "paymentMethodType": "scheme",
                "subtype": "fingerprint",
                "token": base64::engine::general_purpose::STANDARD.encode("{\"threeDSMethodNotificationURL\":\"\"}"),
                "paymentData": format!("Ab02b4c0!{psp}"),
                "authorisationToken": format!("Ab02b4c0!auth{psp}"),
                "type": "threeDS2",
            })),
            _ => None,
        };
        let captured = if result == ResultCode::Authorised && !manual_capture {
            value
        } else {
            0
        };
        let payment = SimPayment {
            psp: psp.clone(),
            merchant_account,
            reference: reference.to_string(),
            merchant_order_reference: str_field(body, "merchantOrderReference").map(String::from),
            amount: value,
            currency: currency.clone(),
            result,
            refusal,
            method,
            stored_payment_method_id: stored,
            shopper_reference: str_field(body, "shopperReference").map(String::from),
            return_url: return_url.to_string(),
            metadata: body.get("metadata").cloned().unwrap_or(json!({})),
            manual_capture,
            captured,
            refunded: 0,
            action,
            redirect_result: None,
            created: rfc3339(now_secs()),
        };
        let response = payment.response();
        if !result.is_open() && result != ResultCode::Cancelled {
            let success = result == ResultCode::Authorised;
            let p = payment.clone();
            self.notify(
                "AUTHORISATION",
                &psp,
                None,
                &p,
                &p.reference,
                (value, &currency),
                success,
                refusal.map(|r| r.0),
                &[],
            );
        }
        self.payment_index.insert(psp, self.payments.len());
        self.payments.push(payment);
        Ok(Outcome {
            status: StatusCode::OK,
            body: response,
        })
    }

    pub(super) fn payment_details(
        &mut self,
        body: &Map<String, Value>,
    ) -> Result<Outcome, ApiError> {
        let details = body
            .get("details")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                ApiError::validation("702", "Required object 'details' is not provided.")
            })?;
        let token = details
            .get("redirectResult")
            .or_else(|| details.get("threeDSResult"))
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::validation("14_005", "Invalid payload provided"))?;
        let payment = self
            .payments
            .iter()
            .find(|p| p.redirect_result.as_deref() == Some(token))
            .ok_or_else(|| ApiError::validation("14_005", "Invalid payload provided"))?;
        let mut response = payment.response();
        if let Some(o) = response.as_object_mut() {
            o.remove("action");
        }
        Ok(Outcome {
            status: StatusCode::OK,
            body: response,
        })
    }

    /// The shopper finished (or failed) the authentication behind `action.url`, or an
    /// asynchronous payment got its outcome.
    pub(super) fn authenticate(&mut self, psp: &str, succeed: bool) -> Result<SimPayment, String> {
        let idx = *self
            .payment_index
            .get(psp)
            .ok_or_else(|| format!("no payment {psp}"))?;
        let p = &mut self.payments[idx];
        if !p.result.is_open() {
            return Err(format!("payment {psp} is {}", p.result.as_str()));
        }
        if succeed {
            p.result = ResultCode::Authorised;
            p.refusal = None;
            if !p.manual_capture {
                p.captured = p.amount;
            }
        } else {
            p.result = ResultCode::Refused;
            p.refusal = Some(("3D Not Authenticated", "11"));
        }
        p.action = None;
        p.redirect_result = Some(
            base64::engine::general_purpose::STANDARD
                .encode(format!("beep-sim:{psp}:{}", rand::rng().random::<u32>())),
        );
        let p = p.clone();
        self.notify(
            "AUTHORISATION",
            psp,
            None,
            &p,
            &p.reference,
            (p.amount, &p.currency),
            succeed,
            p.refusal.map(|r| r.0),
            &[],
        );
        Ok(p)
    }
}
