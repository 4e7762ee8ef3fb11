//! The stored payments and their transactions (charges, cancels), and their JSON as
//! Unzer answers it.

use super::{SUCCESS_CODE, SimState, amount4};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PayState {
    Pending,
    Completed,
    Canceled,
    /// The shopper's bank took the money back.
    Chargeback,
}

impl PayState {
    pub(super) fn json(self) -> Value {
        let (id, name) = match self {
            PayState::Pending => (0, "pending"),
            PayState::Completed => (1, "completed"),
            PayState::Canceled => (2, "canceled"),
            PayState::Chargeback => (5, "chargeback"),
        };
        json!({ "id": id, "name": name })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tx {
    Success,
    Pending,
    Error,
}

impl Tx {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Tx::Success => "success",
            Tx::Pending => "pending",
            Tx::Error => "error",
        }
    }
}

pub(super) struct Pay {
    pub(super) id: String,
    pub(super) order_id: String,
    pub(super) currency: String,
    pub(super) total: i64,
    pub(super) type_id: String,
    pub(super) return_url: String,
    pub(super) payment_reference: Option<String>,
    pub(super) state: PayState,
    /// The hold of `POST /v1/payments/authorize` (manual capture), if it began so.
    pub(super) authorization: Option<Charge>,
    /// Cancels of the authorization (reversals: released, never charged).
    pub(super) reversals: Vec<Cancel>,
    pub(super) charges: Vec<Charge>,
    pub(super) cancels: Vec<Cancel>,
    /// Chargebacks of a charge (the `charge_id` they name).
    pub(super) chargebacks: Vec<Cancel>,
    pub(super) date: String,
}

pub(super) struct Charge {
    pub(super) id: String,
    pub(super) amount: i64,
    pub(super) status: Tx,
    pub(super) redirect: bool,
    pub(super) error: Option<(&'static str, String, &'static str)>,
    pub(super) date: String,
}

pub(super) struct Cancel {
    pub(super) id: String,
    pub(super) charge_id: String,
    pub(super) amount: i64,
    pub(super) payment_reference: Option<String>,
    pub(super) reason_code: Option<String>,
    pub(super) date: String,
}

impl Pay {
    pub(super) fn charged(&self) -> i64 {
        self.charges
            .iter()
            .filter(|c| c.status == Tx::Success)
            .map(|c| c.amount)
            .sum()
    }
    pub(super) fn canceled(&self) -> i64 {
        self.cancels.iter().map(|c| c.amount).sum()
    }
    pub(super) fn canceled_of(&self, charge_id: &str) -> i64 {
        self.cancels
            .iter()
            .filter(|c| c.charge_id == charge_id)
            .map(|c| c.amount)
            .sum()
    }
}

impl SimState {
    pub(super) fn payment_json(&self, p: &Pay, base: &str) -> Value {
        let charged = p.charged();
        let canceled = p.canceled() + p.reversed();
        let remaining = if p.state == PayState::Pending {
            p.total - charged - p.reversed()
        } else {
            0
        };
        let mut txs: Vec<Value> = Vec::new();
        if let Some(a) = &p.authorization {
            txs.push(json!({
                "date": a.date,
                "type": "authorize",
                "status": a.status.as_str(),
                "url": format!("{base}/v1/payments/{}/authorize/{}", p.id, a.id),
                "amount": amount4(a.amount, &p.currency),
            }));
        }
        for r in &p.reversals {
            txs.push(json!({
                "date": r.date,
                "type": "cancel-authorize",
                "status": "success",
                "url": format!("{base}/v1/payments/{}/authorize/{}/cancels/{}", p.id, r.charge_id, r.id),
                "amount": amount4(r.amount, &p.currency),
            }));
        }
        for c in &p.charges {
            txs.push(json!({
                "date": c.date,
                "type": "charge",
                "status": c.status.as_str(),
                "url": format!("{base}/v1/payments/{}/charges/{}", p.id, c.id),
                "amount": amount4(c.amount, &p.currency),
            }));
        }
        for c in &p.chargebacks {
            txs.push(json!({
                "date": c.date,
                "type": "chargeback",
                "status": "success",
                "url": format!("{base}/v1/payments/{}/charges/{}/chargebacks/{}", p.id, c.charge_id, c.id),
                "amount": amount4(c.amount, &p.currency),
            }));
        }
        for c in &p.cancels {
            txs.push(json!({
                "date": c.date,
                "type": "cancel-charge",
                "status": "success",
                "url": format!("{base}/v1/payments/{}/charges/{}/cancels/{}", p.id, c.charge_id, c.id),
                "amount": amount4(c.amount, &p.currency),
            }));
        }
        json!({
            "id": p.id,
            "state": p.state.json(),
            "amount": {
                "total": amount4(p.total, &p.currency),
                "charged": amount4(charged, &p.currency),
                "canceled": amount4(canceled, &p.currency),
                "remaining": amount4(remaining, &p.currency),
            },
            "currency": p.currency,
            "orderId": p.order_id,
            "invoiceId": "",
            "resources": {
                "customerId": "", "paymentId": p.id, "basketId": "", "metadataId": "",
                "payPageId": "", "traceId": "", "typeId": p.type_id,
            },
            "transactions": txs,
        })
    }

    pub(super) fn charge_json(&self, p: &Pay, c: &Charge, base: &str) -> Value {
        let (code, merchant, customer) = match &c.error {
            Some((code, m, cust)) => (*code, m.clone(), *cust),
            None => (
                SUCCESS_CODE,
                "Request successfully processed in 'Merchant in Connector-Test-Mode'".into(),
                "Your payments have been successfully processed in sandbox mode.",
            ),
        };
        let mut v = json!({
            "id": c.id,
            "isSuccess": c.status == Tx::Success,
            "isPending": c.status == Tx::Pending,
            "isError": c.status == Tx::Error,
            "url": format!("{base}/v1/payments/{}/charges/{}", p.id, c.id),
            "redirectUrl": if c.redirect && c.status == Tx::Pending {
                format!("{base}/_sim/3ds/{}", p.id)
            } else {
                String::new()
            },
            "message": {"code": code, "merchant": merchant, "customer": customer},
            "amount": amount4(c.amount, &p.currency),
            "currency": p.currency,
            "returnUrl": p.return_url,
            "date": c.date,
            "orderId": p.order_id,
            "paymentReference": p.payment_reference.clone().unwrap_or_default(),
            "resources": {
                "customerId": "", "paymentId": p.id, "basketId": "", "metadataId": "",
                "payPageId": "", "traceId": format!("{:032x}", p.id.len() as u64 * 7919), "typeId": p.type_id,
            },
            "processing": {"uniqueId": format!("31HA07BC81{}", c.id.len()), "shortId": "4821.0301.1234"},
        });
        if let Some((code, m, cust)) = &c.error {
            v["errors"] = json!([{"code": code, "merchantMessage": m, "customerMessage": cust}]);
        }
        v
    }

    pub(super) fn cancel_json(&self, p: &Pay, c: &Cancel, base: &str) -> Value {
        json!({
            "id": c.id,
            "isSuccess": true,
            "isPending": false,
            "isError": false,
            "url": format!("{base}/v1/payments/{}/charges/{}/cancels/{}", p.id, c.charge_id, c.id),
            "message": {"code": SUCCESS_CODE,
                "merchant": "Request successfully processed in 'Merchant in Connector-Test-Mode'",
                "customer": "Your payments have been successfully processed in sandbox mode."},
            "amount": amount4(c.amount, &p.currency),
            "currency": p.currency,
            "date": c.date,
            "paymentReference": c.payment_reference.clone().unwrap_or_default(),
            "reasonCode": c.reason_code,
            "resources": {"paymentId": p.id, "chargeId": c.charge_id, "typeId": p.type_id},
        })
    }
}
