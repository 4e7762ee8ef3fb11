//! Methods API: `GET /v2/methods`.

use super::errors::Outcome;
use super::{SimState, doc_link, link};
use axum::http::StatusCode;
use serde_json::json;

impl SimState {
    pub(super) fn methods(&self, base: &str) -> Outcome {
        let method = |id: &str, description: &str, min: &str, max: &str| {
            json!({
                "resource": "method",
                "id": id,
                "description": description,
                "minimumAmount": {"value": min, "currency": "EUR"},
                "maximumAmount": {"value": max, "currency": "EUR"},
                "image": {
                    "size1x": format!("https://www.mollie.com/external/icons/payment-methods/{id}.png"),
                    "size2x": format!("https://www.mollie.com/external/icons/payment-methods/{id}%402x.png"),
                    "svg": format!("https://www.mollie.com/external/icons/payment-methods/{id}.svg"),
                },
                "status": "activated",
                "_links": {
                    "self": link(format!("{base}/v2/methods/{id}"), "application/hal+json"),
                }
            })
        };
        let methods = vec![
            method("creditcard", "Card", "0.01", "10000.00"),
            method("ideal", "iDEAL", "0.01", "50000.00"),
            method("bancontact", "Bancontact", "0.02", "50000.00"),
            method("paypal", "PayPal", "0.01", "8000.00"),
            method("banktransfer", "Bank transfer", "0.01", "1000000.00"),
            method("pointofsale", "Point of sale", "0.01", "50000.00"),
        ];
        Outcome {
            status: StatusCode::OK,
            body: json!({
                "count": methods.len(),
                "_embedded": {"methods": methods},
                "_links": {
                    "self": link(format!("{base}/v2/methods"), "application/hal+json"),
                    "documentation": doc_link("list-methods"),
                }
            }),
        }
    }
}
