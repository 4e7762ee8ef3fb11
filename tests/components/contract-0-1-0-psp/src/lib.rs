#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]
//! A PSP generated straight from wit/released/0.1.0, which has no manual capture: its
//! payments keep working, and the operations added in 0.2.0 are answered for it.

wit_bindgen::generate!({
    world: "psp-connector",
    path: "../../../wit/released/0.1.0",
    generate_all,
});

use beep::connector::types::{
    ConnectorError, ConnectorKind, Payment, PaymentLookup, PaymentRequest, PaymentStatus, Refund,
    RefundRequest, WebhookEvent, WebhookRequest,
};

struct Released;

impl Guest for Released {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "test-contract-0-1-0-psp".into(),
            kind: ConnectorKind::Psp,
            version: "0.1.0".into(),
            systems: vec!["test-contract-0-1-0-psp".into()],
            hosts: vec![],
            config_schema: "{}".into(),
        }
    }
}

impl exports::beep::connector::psp::Guest for Released {
    fn validate_config(_config: String) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn create_payment(_config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        Ok(Payment {
            provider_reference: format!("released-{}", request.id),
            status: PaymentStatus::Succeeded,
            amount: request.amount.clone(),
            captured: Some(request.amount),
            failure_code: None,
            failure_message: None,
            action_url: None,
        })
    }

    fn get_payment(_config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        Err(ConnectorError::NotFound(lookup.payment_id))
    }

    fn refund_payment(_config: String, _request: RefundRequest) -> Result<Refund, ConnectorError> {
        Err(ConnectorError::Unsupported("no refunds".into()))
    }

    fn parse_webhook(
        _config: String,
        _request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        Err(ConnectorError::Unsupported("no webhooks".into()))
    }
}

#[cfg(target_arch = "wasm32")]
export!(Released);
