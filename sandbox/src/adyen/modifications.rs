//! Modifications of a payment: refunds, captures, cancels and reversals.

use super::errors::{ApiError, Outcome};
use super::model::{Modification, ResultCode};
use super::{SimState, amount_of, new_psp, str_field};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

impl SimState {
    /// Refunds, captures, cancels and reversals: validated here, answered `received`,
    /// decided at once and reported by notification.
    pub(super) fn modify(
        &mut self,
        kind: &'static str,
        payment_psp: &str,
        body: &Map<String, Value>,
    ) -> Result<Outcome, ApiError> {
        let merchant_account = self.check_merchant_account(body)?;
        let Some(&idx) = self.payment_index.get(payment_psp) else {
            return Err(ApiError::validation(
                "167",
                "Original pspReference required for this operation",
            ));
        };
        let p = self.payments[idx].clone();
        if p.merchant_account != merchant_account {
            return Err(ApiError::invalid_merchant_account());
        }
        let amount = match kind {
            "refund" | "capture" => {
                let (value, currency) = amount_of(body)?;
                if value == 0 {
                    return Err(ApiError::validation("137", "Invalid amount specified"));
                }
                if currency != p.currency {
                    return Err(ApiError::validation(
                        "138",
                        format!(
                            "Currency {currency} does not match the payment's {}",
                            p.currency
                        ),
                    ));
                }
                Some((value, currency))
            }
            _ => None,
        };
        let reference = str_field(body, "reference").map(String::from);
        let refund_reason = str_field(body, "merchantRefundReason").map(String::from);
        if let Some(r) = &refund_reason
            && !["FRAUD", "CUSTOMER REQUEST", "RETURN", "DUPLICATE", "OTHER"].contains(&r.as_str())
        {
            return Err(ApiError::validation(
                "702",
                format!("Invalid value for merchantRefundReason: {r}"),
            ));
        }
        let psp = new_psp();
        let authorised = p.result == ResultCode::Authorised;
        let left = p.captured - p.refunded;
        let (event, success, reason, notified_amount, action): (
            &str,
            bool,
            Option<&str>,
            (i64, String),
            Option<&str>,
        ) = match kind {
            "refund" => {
                let (value, currency) = amount.clone().expect("refund amount");
                let (ok, why) = if !authorised || p.captured == 0 {
                    (
                        false,
                        Some("Transaction hasn't been captured, refund not possible"),
                    )
                } else if value > left {
                    (false, Some("Insufficient balance on payment"))
                } else {
                    (true, None)
                };
                if ok {
                    self.payments[idx].refunded += value;
                }
                ("REFUND", ok, why, (value, currency), None)
            }
            "capture" => {
                let (value, currency) = amount.clone().expect("capture amount");
                let (ok, why) = if !authorised {
                    (false, Some("Transaction is not authorised"))
                } else if value > p.amount - p.captured {
                    (false, Some("Insufficient balance on payment"))
                } else {
                    (true, None)
                };
                if ok {
                    self.payments[idx].captured += value;
                }
                ("CAPTURE", ok, why, (value, currency), None)
            }
            "cancel" => {
                let ok = authorised && p.captured == 0;
                if ok {
                    self.payments[idx].result = ResultCode::Cancelled;
                }
                let why = (!ok).then_some("Transaction already captured or not authorised");
                (
                    "CANCELLATION",
                    ok,
                    why,
                    (p.amount, p.currency.clone()),
                    None,
                )
            }
            _ => {
                // Cancel when nothing is captured yet, else refund what is left.
                if authorised && p.captured == 0 {
                    self.payments[idx].result = ResultCode::Cancelled;
                    (
                        "CANCEL_OR_REFUND",
                        true,
                        None,
                        (p.amount, p.currency.clone()),
                        Some("cancel"),
                    )
                } else if authorised && left > 0 {
                    self.payments[idx].refunded += left;
                    (
                        "CANCEL_OR_REFUND",
                        true,
                        None,
                        (left, p.currency.clone()),
                        Some("refund"),
                    )
                } else {
                    (
                        "CANCEL_OR_REFUND",
                        false,
                        Some("Nothing left to cancel or refund"),
                        (p.amount, p.currency.clone()),
                        None,
                    )
                }
            }
        };
        let extra: Vec<(&str, &str)> = action
            .map(|a| vec![("modification.action", a)])
            .unwrap_or_default();
        let merchant_reference = reference.clone().unwrap_or_else(|| p.reference.clone());
        self.notify(
            event,
            &psp,
            Some(payment_psp),
            &p,
            &merchant_reference,
            (notified_amount.0, &notified_amount.1),
            success,
            reason,
            &extra,
        );
        self.modifications.push(Modification {
            psp: psp.clone(),
            kind,
            payment_psp: payment_psp.to_string(),
            merchant_account: merchant_account.clone(),
            reference: reference.clone(),
            amount: amount.clone(),
            merchant_refund_reason: refund_reason.clone(),
            success,
            reason: reason.map(String::from),
            failed_later: false,
        });
        let mut answer = json!({
            "merchantAccount": merchant_account,
            "paymentPspReference": payment_psp,
            "pspReference": psp,
            "status": "received",
        });
        if let Some(r) = reference {
            answer["reference"] = json!(r);
        }
        if let Some((v, c)) = amount {
            answer["amount"] = json!({"currency": c, "value": v});
        }
        if kind == "refund" {
            answer["merchantRefundReason"] = json!(refund_reason);
        }
        Ok(Outcome {
            status: StatusCode::CREATED,
            body: answer,
        })
    }

    /// A refund the scheme rejected after Adyen had reported it refunded.
    pub(super) fn refund_failed(&mut self, refund_psp: &str) -> Result<Value, String> {
        let m = self
            .modifications
            .iter_mut()
            .find(|m| m.psp == refund_psp && m.kind == "refund")
            .ok_or_else(|| format!("no refund {refund_psp}"))?;
        if !m.success || m.failed_later {
            return Err(format!("refund {refund_psp} did not succeed"));
        }
        m.failed_later = true;
        let m = m.clone();
        let idx = self.payment_index[&m.payment_psp];
        let (value, currency) = m.amount.clone().expect("refund amount");
        self.payments[idx].refunded -= value;
        let p = self.payments[idx].clone();
        let reference = m.reference.clone().unwrap_or_else(|| p.reference.clone());
        self.notify(
            "REFUND_FAILED",
            &m.psp,
            Some(&m.payment_psp),
            &p,
            &reference,
            (value, &currency),
            true,
            Some("Refund rejected by the scheme"),
            &[],
        );
        Ok(m.to_json())
    }
}
