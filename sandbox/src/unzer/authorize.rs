//! Manual capture at Unzer: a payment begun with `POST /v1/payments/authorize` holds the
//! amount (payment `pending`, an `authorize` transaction) until
//! `POST /v1/payments/{id}/charges` charges it, wholly or in part, or
//! `POST /v1/payments/{id}/authorize/cancels` releases it (a reversal).

use super::errors::ApiError;
use super::http::{parse_amount, str_field};
use super::model::{Cancel, Charge, Pay, PayState, Tx};
use super::{SimState, date};
use crate::kit::time::now_secs as now;
use serde_json::{Map, Value};

impl Pay {
    /// What reversals released of the authorization.
    pub(super) fn reversed(&self) -> i64 {
        self.reversals.iter().map(|r| r.amount).sum()
    }

    /// What the authorization still holds.
    fn held(&self) -> i64 {
        match &self.authorization {
            Some(a) if a.status == Tx::Success => a.amount - self.charged() - self.reversed(),
            _ => 0,
        }
    }

    /// Nothing held any more: `completed` if anything was charged, else `canceled`.
    fn settle_if_done(&mut self) {
        if self.held() == 0 {
            self.state = if self.charged() > 0 {
                PayState::Completed
            } else {
                PayState::Canceled
            };
        }
    }
}

fn not_held(p: &Pay) -> ApiError {
    ApiError::bad(
        "API.340.100.019",
        format!(
            "The payment {} has no authorization left to charge or cancel.",
            p.id
        ),
    )
}

/// The amount of a request against what is held: absent means all of it.
fn amount_within(body: &Map<String, Value>, p: &Pay) -> Result<i64, ApiError> {
    let held = p.held();
    let amount = match body.get("amount") {
        None | Some(Value::Null) => held,
        v => parse_amount(v, &p.currency)?,
    };
    if amount > held {
        return Err(ApiError::bad(
            "API.340.100.015",
            format!(
                "The amount {} exceeds the authorized amount left ({} {}).",
                super::amount4(amount, &p.currency),
                super::amount4(held, &p.currency),
                p.currency
            ),
        ));
    }
    Ok(amount)
}

impl SimState {
    /// `POST /v1/payments/{id}/charges`: charges (part of) the authorization.
    pub(super) fn charge_authorization(
        &mut self,
        payment_id: &str,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Value, ApiError> {
        let p = self.pay(payment_id)?;
        if p.held() <= 0 {
            return Err(not_held(p));
        }
        let amount = amount_within(body, p)?;
        let pid = p.id.clone();
        let p = self.pay_mut(&pid)?;
        let charge = Charge {
            id: format!("s-chg-{}", p.charges.len() + 1),
            amount,
            status: Tx::Success,
            redirect: false,
            error: None,
            date: date(now()),
        };
        p.charges.push(charge);
        p.settle_if_done();
        if let Some(r) = str_field(body, "paymentReference") {
            p.payment_reference = Some(r.to_string());
        }
        self.record_event(&pid, "charge.succeeded", base);
        let p = self.pay(&pid)?;
        let c = p.charges.last().expect("just pushed");
        Ok(self.charge_json(p, c, base))
    }

    /// `POST /v1/payments/{id}/authorize/cancels`: releases (part of) the authorization.
    pub(super) fn reverse_authorization(
        &mut self,
        payment_id: &str,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Value, ApiError> {
        let p = self.pay(payment_id)?;
        if p.held() <= 0 {
            return Err(not_held(p));
        }
        let amount = amount_within(body, p)?;
        let pid = p.id.clone();
        let p = self.pay_mut(&pid)?;
        let reversal = Cancel {
            id: format!("s-cnl-{}", p.reversals.len() + 1),
            charge_id: "s-aut-1".into(),
            amount,
            payment_reference: str_field(body, "paymentReference").map(str::to_string),
            reason_code: None,
            date: date(now()),
        };
        p.reversals.push(reversal);
        p.settle_if_done();
        let event = if p.state == PayState::Canceled {
            "payment.canceled"
        } else {
            "authorize.canceled"
        };
        self.record_event(&pid, event, base);
        let p = self.pay(&pid)?;
        let r = p.reversals.last().expect("just pushed");
        Ok(self.cancel_json(p, r, base))
    }
}
