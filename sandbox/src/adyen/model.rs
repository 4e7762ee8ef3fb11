//! The stored objects (payments, modifications) and their Adyen JSON shapes.

use super::test_methods::Refusal;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ResultCode {
    Authorised,
    Refused,
    Error,
    Cancelled,
    Pending,
    Received,
    RedirectShopper,
    ChallengeShopper,
    IdentifyShopper,
}

impl ResultCode {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            ResultCode::Authorised => "Authorised",
            ResultCode::Refused => "Refused",
            ResultCode::Error => "Error",
            ResultCode::Cancelled => "Cancelled",
            ResultCode::Pending => "Pending",
            ResultCode::Received => "Received",
            ResultCode::RedirectShopper => "RedirectShopper",
            ResultCode::ChallengeShopper => "ChallengeShopper",
            ResultCode::IdentifyShopper => "IdentifyShopper",
        }
    }

    /// Waiting for the shopper or for the outcome.
    pub(super) fn is_open(self) -> bool {
        matches!(
            self,
            ResultCode::Pending
                | ResultCode::Received
                | ResultCode::RedirectShopper
                | ResultCode::ChallengeShopper
                | ResultCode::IdentifyShopper
        )
    }
}

#[derive(Clone)]
pub(super) struct SimPayment {
    pub(super) psp: String,
    pub(super) merchant_account: String,
    pub(super) reference: String,
    pub(super) merchant_order_reference: Option<String>,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) result: ResultCode,
    pub(super) refusal: Refusal,
    /// The brand as notifications name it (`visa`, `mc`, `ideal`).
    pub(super) method: String,
    pub(super) stored_payment_method_id: Option<String>,
    pub(super) shopper_reference: Option<String>,
    pub(super) return_url: String,
    pub(super) metadata: Value,
    pub(super) manual_capture: bool,
    /// Minor units captured, refunded (successfully) so far.
    pub(super) captured: i64,
    pub(super) refunded: i64,
    pub(super) action: Option<Value>,
    /// The `redirectResult` the shopper brings back once authenticated.
    pub(super) redirect_result: Option<String>,
    pub(super) created: String,
}

impl SimPayment {
    pub(super) fn response(&self) -> Value {
        let mut body = json!({
            "pspReference": self.psp,
            "resultCode": self.result.as_str(),
            "merchantReference": self.reference,
            "amount": { "currency": self.currency, "value": self.amount },
        });
        if self.result == ResultCode::IdentifyShopper {
            // As the spec's 3-D Secure 2 native example: no reference before the fingerprint.
            let o = body.as_object_mut().expect("object");
            o.remove("pspReference");
            o.remove("merchantReference");
        }
        if let Some((reason, code)) = self.refusal {
            body["refusalReason"] = json!(reason);
            body["refusalReasonCode"] = json!(code);
        }
        if let Some(action) = &self.action {
            body["action"] = action.clone();
        }
        if self.result == ResultCode::Authorised {
            body["additionalData"] = json!({
                "authCode": "044925",
                "refusalReasonRaw": "AUTHORISED",
                "paymentMethod": self.method,
                "acquirerCode": "TestPmmAcquirer",
            });
        }
        body
    }

    pub(super) fn to_json(&self) -> Value {
        json!({
            "pspReference": self.psp,
            "merchantAccount": self.merchant_account,
            "reference": self.reference,
            "merchantOrderReference": self.merchant_order_reference,
            "amount": { "currency": self.currency, "value": self.amount },
            "resultCode": self.result.as_str(),
            "refusalReason": self.refusal.map(|r| r.0),
            "paymentMethod": self.method,
            "storedPaymentMethodId": self.stored_payment_method_id,
            "shopperReference": self.shopper_reference,
            "returnUrl": self.return_url,
            "metadata": self.metadata,
            "manualCapture": self.manual_capture,
            "capturedValue": self.captured,
            "refundedValue": self.refunded,
            "created": self.created,
        })
    }
}

#[derive(Clone)]
pub(super) struct Modification {
    pub(super) psp: String,
    pub(super) kind: &'static str,
    pub(super) payment_psp: String,
    pub(super) merchant_account: String,
    pub(super) reference: Option<String>,
    pub(super) amount: Option<(i64, String)>,
    pub(super) merchant_refund_reason: Option<String>,
    /// The outcome its notification carries.
    pub(super) success: bool,
    pub(super) reason: Option<String>,
    pub(super) failed_later: bool,
}

impl Modification {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "pspReference": self.psp,
            "type": self.kind,
            "paymentPspReference": self.payment_psp,
            "merchantAccount": self.merchant_account,
            "reference": self.reference,
            "amount": self.amount.as_ref().map(|(v, c)| json!({"currency": c, "value": v})),
            "merchantRefundReason": self.merchant_refund_reason,
            "status": "received",
            "success": self.success && !self.failed_later,
            "reason": self.reason,
        })
    }
}
