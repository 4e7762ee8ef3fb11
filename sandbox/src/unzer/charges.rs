//! Charges: `POST /v1/payments/charges` and `POST /v1/payments/authorize` with the
//! outcome the payment type names, and the completion of a pending charge (3-D Secure).

use super::errors::ApiError;
use super::http::{parse_amount, str_field};
use super::model::{Cancel, Charge, Pay, PayState, Tx};
use super::{DECLINED_CODE, SimState, date};
use crate::kit::time::now_secs as now;
use beep_sdk::money;
use serde_json::{Map, Value};

impl SimState {
    /// `POST /v1/payments/charges` (a sale) or `POST /v1/payments/authorize` (a hold):
    /// the same request, and the outcome the payment type names.
    pub(super) fn create_charge(
        &mut self,
        body: &Map<String, Value>,
        base: &str,
        authorize: bool,
    ) -> Result<Value, ApiError> {
        let currency = str_field(body, "currency")
            .ok_or_else(|| ApiError::bad("API.330.100.009", "The currency is missing."))?
            .to_ascii_uppercase();
        if money::exponent(&currency).is_none() {
            return Err(ApiError::bad(
                "API.330.100.009",
                format!("The currency {currency} is not supported."),
            ));
        }
        let amount = parse_amount(body.get("amount"), &currency)?;
        let return_url = str_field(body, "returnUrl")
            .ok_or_else(|| ApiError::bad("API.330.100.032", "The returnUrl is missing."))?;
        let type_id = body
            .get("resources")
            .and_then(|r| r.get("typeId"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::bad(
                    "API.320.200.138",
                    "The payment type (resources.typeId) is missing.",
                )
            })?
            .to_string();
        let (status, redirect, error) = match type_id.as_str() {
            "s-crd-declined" => (
                Tx::Error,
                false,
                Some((
                    DECLINED_CODE,
                    "Transaction declined by the issuer (sandbox card s-crd-declined).".to_string(),
                    "The payment was declined. Please use another card.",
                )),
            ),
            "s-crd-3ds" => (Tx::Pending, true, None),
            "s-crd-pending" => (Tx::Pending, false, None),
            t if t.starts_with("s-ppl-") => (Tx::Pending, true, None),
            t if t.starts_with("s-crd-") && t.len() > 6 => (Tx::Success, false, None),
            t => {
                return Err(ApiError::bad(
                    "API.320.200.138",
                    format!("The payment type {t} does not exist or cannot be charged."),
                ));
            }
        };
        let order_id = str_field(body, "orderId").map(str::to_string);
        if let Some(o) = &order_id
            && let Some(i) = self.index.get(o)
        {
            return Err(ApiError::bad(
                "API.320.200.145",
                format!(
                    "The orderId {o} is already used by payment {}.",
                    self.payments[*i].id
                ),
            ));
        }
        self.seq += 1;
        let id = format!("s-pay-{}", 100_000 + self.seq);
        let order_id = order_id.unwrap_or_else(|| format!("order-{}", self.seq));
        let ts = date(now());
        let first = Charge {
            id: if authorize { "s-aut-1" } else { "s-chg-1" }.into(),
            amount,
            status,
            redirect,
            error,
            date: ts.clone(),
        };
        let (authorization, charges) = if authorize {
            (Some(first), Vec::new())
        } else {
            (None, vec![first])
        };
        let pay = Pay {
            id: id.clone(),
            order_id: order_id.clone(),
            currency,
            total: amount,
            type_id,
            return_url: return_url.to_string(),
            payment_reference: str_field(body, "paymentReference").map(str::to_string),
            state: match status {
                // An authorised payment is `pending` until it is charged.
                Tx::Success if authorize => PayState::Pending,
                Tx::Success => PayState::Completed,
                Tx::Pending => PayState::Pending,
                Tx::Error => PayState::Canceled,
            },
            authorization,
            reversals: Vec::new(),
            charges,
            cancels: Vec::new(),
            chargebacks: Vec::new(),
            date: ts,
        };
        let i = self.payments.len();
        self.payments.push(pay);
        self.index.insert(id.clone(), i);
        self.index.insert(order_id, i);
        let kind = if authorize { "authorize" } else { "charge" };
        let event = match status {
            Tx::Success => format!("{kind}.succeeded"),
            Tx::Pending => format!("{kind}.pending"),
            Tx::Error => format!("{kind}.failed"),
        };
        self.record_event(&id, &event, base);
        let p = &self.payments[i];
        let first = p.authorization.as_ref().unwrap_or(&p.charges[0]);
        Ok(self.charge_json(p, first, base))
    }

    /// The shopper finished 3-D Secure (or the review ended): the pending charge succeeds
    /// or fails and the webhook is recorded.
    pub(super) fn complete(&mut self, id: &str, success: bool, base: &str) -> Result<(), String> {
        let p = self.pay_mut(id).map_err(|e| e.merchant)?;
        let held = p.authorization.is_some();
        let Some(c) = p
            .charges
            .iter_mut()
            .chain(p.authorization.as_mut())
            .find(|c| c.status == Tx::Pending)
        else {
            return Err(format!("payment {id} has no pending charge"));
        };
        if success {
            c.status = Tx::Success;
            // An authorisation stays `pending` until charged.
            p.state = if held {
                PayState::Pending
            } else {
                PayState::Completed
            };
        } else {
            c.status = Tx::Error;
            c.error = Some((
                "COR.300.100.100",
                "3-D Secure authentication failed.".to_string(),
                "The card authentication failed. Please use another card.",
            ));
            p.state = PayState::Canceled;
        }
        let pid = p.id.clone();
        let event = if success {
            "payment.completed"
        } else {
            "payment.canceled"
        };
        self.record_event(&pid, event, base);
        Ok(())
    }
}

impl SimState {
    /// The shopper's bank charges the payment's (first) charge back in full: a
    /// `chargeback` transaction, the payment `chargeback`, and the webhook.
    pub(super) fn chargeback(&mut self, id: &str, base: &str) -> Result<(), String> {
        let p = self.pay_mut(id).map_err(|e| e.merchant)?;
        let Some(charge) = p.charges.iter().find(|c| c.status == Tx::Success) else {
            return Err(format!("payment {id} has no successful charge"));
        };
        let (charge_id, amount) = (charge.id.clone(), charge.amount);
        let cb = Cancel {
            id: format!("s-cbk-{}", p.chargebacks.len() + 1),
            charge_id,
            amount,
            payment_reference: None,
            reason_code: None,
            date: date(now()),
        };
        p.chargebacks.push(cb);
        p.state = PayState::Chargeback;
        let pid = p.id.clone();
        self.record_event(&pid, "chargeback", base);
        Ok(())
    }
}
