//! The callbacks payabl would POST to a transaction's `notification_url` (recorded for
//! `GET /_sim/callbacks`).

use super::SimState;
use super::form::encode_form;
use super::model::{RefundObj, major};
use super::signing::signature;
use serde_json::json;
use std::collections::BTreeMap;

impl SimState {
    /// Records the callback payabl would POST to the transaction's `notification_url`.
    pub(super) fn callback(&mut self, txn_index: usize, refund: Option<&RefundObj>) {
        let t = &self.transactions[txn_index];
        let Some(url) = t.notification_url.clone() else {
            return;
        };
        let Some(secret) = self.merchants.get(&t.merchant_id).cloned() else {
            return;
        };
        let mut params: BTreeMap<String, String> = BTreeMap::new();
        params.insert("merchantid".into(), t.merchant_id.clone());
        params.insert("orderid".into(), t.orderid.clone());
        match refund {
            Some(r) => {
                params.insert("type".into(), "refund".into());
                params.insert("transactionid".into(), r.id.clone());
                params.insert("base_transactionid".into(), r.base_id.clone());
                params.insert("reference".into(), r.reference.clone());
                params.insert("status".into(), r.status.clone());
                params.insert("errorcode".into(), "0".into());
                params.insert("errormessage".into(), String::new());
                params.insert("amount".into(), major(r.amount, &r.currency));
                params.insert("currency".into(), r.currency.clone());
            }
            None => {
                params.insert("type".into(), "payment".into());
                params.insert("transactionid".into(), t.id.clone());
                params.insert("status".into(), t.status.clone());
                params.insert("errorcode".into(), t.errorcode.clone());
                params.insert("errormessage".into(), t.errormessage.clone());
                params.insert("amount".into(), major(t.amount, &t.currency));
                params.insert("currency".into(), t.currency.clone());
            }
        }
        let sig = signature(&params, &secret);
        params.insert("signature".into(), sig);
        let body = encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.callbacks.push(json!({
            "notificationUrl": url,
            "transactionid": params["transactionid"],
            "type": params["type"],
            "status": params["status"],
            "body": body,
        }));
    }
}
