//! The stored objects (payment intents, charges, refunds) and their Stripe JSON shapes.

use super::cards::TestCard;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Clone)]
pub(super) struct Intent {
    pub(super) seq: u64,
    pub(super) id: String,
    pub(super) client_secret: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) status: &'static str,
    pub(super) capture_method: String,
    pub(super) created: i64,
    pub(super) customer: Option<String>,
    pub(super) description: Option<String>,
    pub(super) metadata: BTreeMap<String, String>,
    pub(super) payment_method: Option<String>,
    pub(super) payment_method_types: Vec<String>,
    pub(super) automatic_payment_methods: Option<Value>,
    pub(super) amount_received: i64,
    pub(super) amount_capturable: i64,
    pub(super) latest_charge: Option<String>,
    pub(super) last_payment_error: Option<Value>,
    pub(super) next_action: Option<Value>,
    pub(super) receipt_email: Option<String>,
    pub(super) statement_descriptor: Option<String>,
    pub(super) statement_descriptor_suffix: Option<String>,
    pub(super) canceled_at: Option<i64>,
    pub(super) cancellation_reason: Option<String>,
    // Not part of the object: what the simulator needs to finish a 3-D Secure action.
    pub(super) return_url: Option<String>,
    pub(super) card: Option<&'static TestCard>,
    pub(super) pm_clone: Option<String>,
}

#[derive(Clone)]
pub(super) struct Charge {
    pub(super) id: String,
    pub(super) payment_intent: String,
    pub(super) amount: i64,
    pub(super) amount_captured: i64,
    pub(super) amount_refunded: i64,
    pub(super) disputed: bool,
    pub(super) currency: String,
    pub(super) created: i64,
    pub(super) status: &'static str,
    pub(super) failure_code: Option<String>,
    pub(super) failure_message: Option<String>,
    pub(super) payment_method: String,
    pub(super) card: &'static TestCard,
    pub(super) metadata: BTreeMap<String, String>,
    pub(super) description: Option<String>,
}

#[derive(Clone)]
pub(super) struct RefundObj {
    pub(super) id: String,
    pub(super) amount: i64,
    pub(super) charge: String,
    pub(super) payment_intent: String,
    pub(super) currency: String,
    pub(super) created: i64,
    pub(super) metadata: BTreeMap<String, String>,
    pub(super) reason: Option<String>,
    pub(super) status: &'static str,
}

// ---- object rendering ---------------------------------------------------------------------

pub(super) fn opt<T: Into<Value> + Clone>(v: &Option<T>) -> Value {
    v.clone().map_or(Value::Null, Into::into)
}

impl Intent {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_capturable": self.amount_capturable,
            "amount_details": { "tip": {} },
            "amount_received": self.amount_received,
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": opt(&self.automatic_payment_methods),
            "canceled_at": self.canceled_at,
            "cancellation_reason": self.cancellation_reason,
            "capture_method": self.capture_method,
            "client_secret": self.client_secret,
            "confirmation_method": "automatic",
            "created": self.created,
            "currency": self.currency,
            "customer": opt(&self.customer),
            "description": opt(&self.description),
            "invoice": null,
            "last_payment_error": opt(&self.last_payment_error),
            "latest_charge": opt(&self.latest_charge),
            "livemode": false,
            "metadata": self.metadata,
            "next_action": opt(&self.next_action),
            "on_behalf_of": null,
            "payment_method": opt(&self.payment_method),
            "payment_method_configuration_details": null,
            "payment_method_options": {
                "card": {
                    "installments": null,
                    "mandate_options": null,
                    "network": null,
                    "request_three_d_secure": "automatic"
                }
            },
            "payment_method_types": self.payment_method_types,
            "processing": null,
            "receipt_email": opt(&self.receipt_email),
            "review": null,
            "setup_future_usage": null,
            "shipping": null,
            "source": null,
            "statement_descriptor": opt(&self.statement_descriptor),
            "statement_descriptor_suffix": opt(&self.statement_descriptor_suffix),
            "status": self.status,
            "transfer_data": null,
            "transfer_group": null,
        })
    }
}

pub(super) fn payment_method_json(id: &str, card: &TestCard, created: i64) -> Value {
    json!({
        "id": id,
        "object": "payment_method",
        "billing_details": {
            "address": { "city": null, "country": null, "line1": null, "line2": null,
                         "postal_code": null, "state": null },
            "email": null, "name": null, "phone": null
        },
        "card": {
            "brand": card.brand,
            "checks": { "address_line1_check": null, "address_postal_code_check": null,
                        "cvc_check": "unchecked" },
            "country": "US",
            "exp_month": 8,
            "exp_year": 2030,
            "fingerprint": "beepSimFingerprint",
            "funding": card.funding,
            "last4": card.last4,
            "networks": { "available": [card.brand], "preferred": null },
            "three_d_secure_usage": { "supported": true },
            "wallet": null
        },
        "created": created,
        "customer": null,
        "livemode": false,
        "metadata": {},
        "type": "card"
    })
}

impl Charge {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "charge",
            "amount": self.amount,
            "amount_captured": self.amount_captured,
            "amount_refunded": self.amount_refunded,
            "balance_transaction": if self.status == "succeeded" {
                Value::String(format!("txn_{}", &self.id[3..]))
            } else { Value::Null },
            "billing_details": { "address": null, "email": null, "name": null, "phone": null },
            "captured": self.amount_captured > 0,
            "created": self.created,
            "currency": self.currency,
            "description": opt(&self.description),
            "disputed": self.disputed,
            "failure_code": opt(&self.failure_code),
            "failure_message": opt(&self.failure_message),
            "livemode": false,
            "metadata": self.metadata,
            "paid": self.status == "succeeded",
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "payment_method_details": {
                "type": "card",
                "card": { "brand": self.card.brand, "last4": self.card.last4,
                          "funding": self.card.funding, "country": "US" }
            },
            "refunded": self.amount_captured > 0 && self.amount_refunded >= self.amount_captured,
            "status": self.status,
        })
    }
}

impl RefundObj {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "refund",
            "amount": self.amount,
            "balance_transaction": format!("txn_{}", &self.id[3..]),
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "metadata": self.metadata,
            "payment_intent": self.payment_intent,
            "reason": opt(&self.reason),
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": self.status,
            "transfer_reversal": null,
        })
    }
}
