//! The webhooks Unzer would send (recorded for `GET /_sim/events`).

use super::{SANDBOX_PUBLIC_KEY, SimState};
use serde_json::json;

impl SimState {
    pub(super) fn record_event(&mut self, payment_id: &str, event: &str, base: &str) {
        let body = json!({
            "event": event,
            "publicKey": SANDBOX_PUBLIC_KEY,
            "retrieveUrl": format!("{base}/v1/payments/{payment_id}"),
            "paymentId": payment_id,
        });
        self.events.push(json!({
            "paymentId": payment_id,
            "event": event,
            "retrieveUrl": body["retrieveUrl"],
            "body": body.to_string(),
        }));
    }
}
