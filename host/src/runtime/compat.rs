//! Values between the current contract and the released 0.1.0 one, for a world whose
//! types differ (PSP: 0.2.0 added `webhook-event.dispute`). The records keep their names
//! and shapes across versions, so a JSON round trip converts them: what the host sends
//! exists in 0.1.0 unchanged, and what 0.1.0 answers lacks only optional fields, which
//! arrive as `None`.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value of one contract version as the same value of the other.
pub(crate) fn convert<A: Serialize, B: DeserializeOwned>(value: &A) -> B {
    let json = serde_json::to_value(value).expect("contract values serialise");
    serde_json::from_value(json)
        .expect("the released contract's records are a subset of the current ones")
}

#[cfg(test)]
mod tests {
    use super::convert;
    use crate::runtime::bindings::{types, v0_1};

    #[test]
    fn a_released_webhook_event_has_no_dispute() {
        let released = v0_1::psp::beep::connector::types::WebhookEvent {
            id: "evt_1".into(),
            event_type: "payment_intent.succeeded".into(),
            payment: None,
            refund: None,
        };
        let current: types::WebhookEvent = convert(&released);
        assert_eq!(current.id, "evt_1");
        assert!(current.dispute.is_none());
    }

    #[test]
    fn requests_and_errors_cross_unchanged() {
        let request = types::PaymentLookup {
            payment_id: "p-1".into(),
            provider_reference: Some("pi_1".into()),
        };
        let released: v0_1::psp::beep::connector::types::PaymentLookup = convert(&request);
        assert_eq!(released.provider_reference.as_deref(), Some("pi_1"));
        let error = v0_1::psp::beep::connector::types::ConnectorError::RateLimited(Some(3));
        let current: types::ConnectorError = convert(&error);
        assert!(matches!(
            current,
            types::ConnectorError::RateLimited(Some(3))
        ));
    }
}
