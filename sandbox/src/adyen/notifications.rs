//! Webhook notifications: the signed notification items the account records and their
//! HMAC signatures.

use super::model::SimPayment;
use super::{SimState, rfc3339};
use crate::kit::time::now_secs;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

/// The text Adyen signs for a standard notification item:
/// `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`,
/// absent fields as empty strings, values joined as they are (no escaping).
pub fn signing_string(item: &Value) -> String {
    let text = |name: &str| match &item[name] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let amount = &item["amount"];
    let value = match &amount["value"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let currency = amount["currency"].as_str().unwrap_or("").to_string();
    [
        text("pspReference"),
        text("originalReference"),
        text("merchantAccountCode"),
        text("merchantReference"),
        value,
        currency,
        text("eventCode"),
        text("success"),
    ]
    .join(":")
}

/// `additionalData.hmacSignature` of a notification item: base64 of HMAC-SHA256 over
/// [`signing_string`], keyed with the hex-decoded HMAC key. (A key that is not hex is
/// used as raw bytes, so a test can sign with any key.)
pub fn sign_notification(hmac_key_hex: &str, item: &Value) -> String {
    let key = hex::decode(hmac_key_hex).unwrap_or_else(|_| hmac_key_hex.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key");
    mac.update(signing_string(item).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A standard notification body (`live`, `notificationItems`) holding one item.
pub fn notification_body(item: &Value) -> Value {
    json!({ "live": "false", "notificationItems": [ { "NotificationRequestItem": item } ] })
}

impl SimState {
    /// Records a signed notification item.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn notify(
        &mut self,
        event_code: &str,
        psp: &str,
        original: Option<&str>,
        p: &SimPayment,
        merchant_reference: &str,
        amount: (i64, &str),
        success: bool,
        reason: Option<&str>,
        extra: &[(&str, &str)],
    ) {
        let mut additional = Map::new();
        for (k, v) in extra {
            additional.insert((*k).to_string(), json!(v));
        }
        let mut item = json!({
            "amount": { "currency": amount.1, "value": amount.0 },
            "eventCode": event_code,
            "eventDate": rfc3339(now_secs()),
            "merchantAccountCode": p.merchant_account,
            "merchantReference": merchant_reference,
            "paymentMethod": p.method,
            "pspReference": psp,
            "success": if success { "true" } else { "false" },
        });
        if let Some(o) = original {
            item["originalReference"] = json!(o);
        }
        if let Some(r) = reason {
            item["reason"] = json!(r);
        }
        if event_code == "AUTHORISATION" {
            if success {
                item["operations"] = json!(["CANCEL", "CAPTURE", "REFUND"]);
            }
            // Adyen returns the payment request's metadata in the AUTHORISATION
            // webhook as `additionalData.metadata.{key}`.
            if let Some(metadata) = p.metadata.as_object() {
                for (k, v) in metadata {
                    additional.insert(format!("metadata.{k}"), v.clone());
                }
            }
        }
        let signature = sign_notification(&self.hmac_key, &item);
        additional.insert("hmacSignature".into(), json!(signature));
        item["additionalData"] = Value::Object(additional);
        self.notifications.push(item);
    }
}
