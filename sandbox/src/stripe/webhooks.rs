//! Events the account emits and the `Stripe-Signature` of a webhook delivery.

use super::model::opt;
use super::{API_VERSION, Ctx, SimState, new_id};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// A `Stripe-Signature` header value for `payload` sent at `timestamp` (Unix seconds):
/// `t=…,v1=…` where v1 is the hex HMAC-SHA256 of `"{t}.{payload}"` keyed with the whole
/// secret (including its `whsec_` prefix), as Stripe's libraries verify it.
pub fn sign_webhook(secret: &str, timestamp: i64, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload.as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

impl SimState {
    pub(super) fn emit(&mut self, kind: &str, object: Value, ctx: &Ctx) {
        self.events.push(json!({
            "id": new_id("evt_", 24),
            "object": "event",
            "api_version": API_VERSION,
            "created": ctx.created,
            "data": { "object": object },
            "livemode": false,
            "pending_webhooks": 0,
            "request": { "id": ctx.request_id, "idempotency_key": opt(&ctx.idempotency_key) },
            "type": kind,
        }));
    }
}
