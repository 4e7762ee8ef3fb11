//! Cancels of a charge (Unzer's refunds): partial or full, never past what is charged
//! and not yet canceled.

use super::errors::{ApiError, charge_not_found};
use super::http::{parse_amount, str_field};
use super::model::{Cancel, PayState, Tx};
use super::{SimState, amount4, date};
use crate::kit::time::now_secs as now;
use serde_json::{Map, Value};

impl SimState {
    pub(super) fn create_cancel(
        &mut self,
        payment_id: &str,
        charge_id: &str,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Value, ApiError> {
        let p = self.pay(payment_id)?;
        let c = p
            .charges
            .iter()
            .find(|c| c.id == charge_id)
            .ok_or_else(|| charge_not_found(payment_id, charge_id))?;
        if c.status != Tx::Success {
            return Err(ApiError::bad(
                "API.340.100.018",
                format!(
                    "The charge {charge_id} is {} and cannot be canceled.",
                    c.status.as_str()
                ),
            ));
        }
        let left = c.amount - p.canceled_of(charge_id);
        let amount = match body.get("amount") {
            None | Some(Value::Null) => left,
            v => parse_amount(v, &p.currency)?,
        };
        if left <= 0 {
            return Err(ApiError::bad(
                "API.340.100.014",
                format!("The charge {charge_id} is already canceled in full."),
            ));
        }
        if amount > left {
            return Err(ApiError::bad(
                "API.340.100.014",
                format!(
                    "The cancel amount {} exceeds the charged amount: {} {} remaining.",
                    amount4(amount, &p.currency),
                    amount4(left, &p.currency),
                    p.currency
                ),
            ));
        }
        let pid = p.id.clone();
        let p = self.pay_mut(&pid)?;
        let id = format!("s-cnl-{}", p.cancels.len() + 1);
        p.cancels.push(Cancel {
            id: id.clone(),
            charge_id: charge_id.to_string(),
            amount,
            payment_reference: str_field(body, "paymentReference").map(str::to_string),
            reason_code: str_field(body, "reasonCode").map(str::to_string),
            date: date(now()),
        });
        if p.canceled() >= p.charged() {
            p.state = PayState::Canceled;
        }
        self.record_event(&pid, "charge.canceled", base);
        let p = self.pay(&pid)?;
        let c = p.cancels.last().expect("just pushed");
        Ok(self.cancel_json(p, c, base))
    }
}
