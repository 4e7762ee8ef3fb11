//! Values between the current contract and the released 0.1.0 one (ERP: 0.2.0 added
//! transaction kinds; PSP: `webhook-event.dispute` and `.payout`; every world: two error
//! cases, which a 0.1.0 component never returns). The records keep their names and shapes across versions, so a JSON round
//! trip converts them: what the host sends exists in 0.1.0 unchanged (transactions of a
//! new kind are kept back, see [`released_transaction_kind`]), and what 0.1.0 answers
//! lacks only optional fields, which arrive as `None`.

use crate::runtime::bindings::types::TransactionKind;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Whether the released 0.1.0 contract has this transaction kind.
pub(crate) fn released_transaction_kind(kind: TransactionKind) -> bool {
    matches!(
        kind,
        TransactionKind::Sale | TransactionKind::Payment | TransactionKind::Refund
    )
}

/// The kind as the contract spells it.
pub(crate) fn kind_name(kind: TransactionKind) -> &'static str {
    match kind {
        TransactionKind::Sale => "sale",
        TransactionKind::Payment => "payment",
        TransactionKind::Refund => "refund",
        TransactionKind::Chargeback => "chargeback",
        TransactionKind::Fee => "fee",
        TransactionKind::Payout => "payout",
    }
}

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
        assert!(current.payout.is_none());
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

    #[test]
    fn a_released_transaction_kind_converts() {
        for kind in [
            types::TransactionKind::Sale,
            types::TransactionKind::Payment,
            types::TransactionKind::Refund,
        ] {
            assert!(super::released_transaction_kind(kind));
            let released: v0_1::erp::beep::connector::types::TransactionKind = convert(&kind);
            let back: types::TransactionKind = convert(&released);
            assert_eq!(back, kind);
        }
        for kind in [
            types::TransactionKind::Chargeback,
            types::TransactionKind::Fee,
            types::TransactionKind::Payout,
        ] {
            assert!(!super::released_transaction_kind(kind));
        }
    }
}
