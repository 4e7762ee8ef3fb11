//! The stored transactions and refunds, and how they are answered (gateway answers and
//! the JSON of the test hooks).

use super::{Answer, FIRST_TRANSACTION_ID, SimState};
use beep_sdk::money;
use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub(super) struct Txn {
    pub(super) id: String,
    pub(super) merchant_id: String,
    pub(super) orderid: String,
    pub(super) kind: &'static str,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) status: String,
    pub(super) errorcode: String,
    pub(super) errormessage: String,
    pub(super) token: String,
    pub(super) description: String,
    pub(super) url_return: Option<String>,
    pub(super) notification_url: Option<String>,
    pub(super) url_3ds: Option<String>,
    pub(super) captured: i64,
    pub(super) refunded: i64,
}

#[derive(Clone, Debug)]
pub(super) struct RefundObj {
    pub(super) id: String,
    pub(super) base_id: String,
    pub(super) reference: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) status: String,
    pub(super) description: String,
}

pub(super) fn major(minor: i64, currency: &str) -> String {
    money::to_major_string(&money::money(minor, currency)).unwrap_or_else(|_| minor.to_string())
}

impl SimState {
    pub(super) fn fresh_id(&mut self) -> String {
        if self.next_id < FIRST_TRANSACTION_ID {
            self.next_id = FIRST_TRANSACTION_ID;
        }
        let id = self.next_id;
        self.next_id += 1;
        id.to_string()
    }

    pub(super) fn txn_answer(t: &Txn) -> Answer {
        let mut a: Answer = vec![
            ("transactionid", t.id.clone()),
            ("orderid", t.orderid.clone()),
            ("errorcode", t.errorcode.clone()),
            ("errormessage", t.errormessage.clone()),
            ("status", t.status.clone()),
            ("amount", major(t.amount, &t.currency)),
            ("currency", t.currency.clone()),
            ("captured_amount", major(t.captured, &t.currency)),
            ("refunded_amount", major(t.refunded, &t.currency)),
        ];
        if t.status == "pending_3ds"
            && let Some(u) = &t.url_3ds
        {
            a.push(("url_3ds", u.clone()));
        }
        a
    }

    pub(super) fn refund_answer(r: &RefundObj) -> Answer {
        vec![
            ("transactionid", r.id.clone()),
            ("base_transactionid", r.base_id.clone()),
            ("reference", r.reference.clone()),
            ("errorcode", "0".into()),
            ("errormessage", String::new()),
            ("status", r.status.clone()),
            ("amount", major(r.amount, &r.currency)),
            ("currency", r.currency.clone()),
        ]
    }

    pub(super) fn find(&self, merchant: &str, id: &str) -> Option<usize> {
        self.transactions
            .iter()
            .position(|t| t.merchant_id == merchant && t.id == id)
    }

    pub(super) fn txn_json(t: &Txn) -> Value {
        json!({
            "transactionid": t.id, "merchantid": t.merchant_id, "orderid": t.orderid,
            "type": t.kind, "amount": major(t.amount, &t.currency), "currency": t.currency,
            "status": t.status, "errorcode": t.errorcode, "token": t.token,
            "description": t.description, "url_return": t.url_return,
            "notification_url": t.notification_url, "url_3ds": t.url_3ds,
            "captured_amount": major(t.captured, &t.currency),
            "refunded_amount": major(t.refunded, &t.currency),
        })
    }
}
