//! Adyen's Checkout v71 objects as `vendor-specs/adyen.checkout-v71.json` defines them:
//! the request bodies this connector sends and the fields of the answers, errors and
//! notifications it reads.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

// ---- amounts ------------------------------------------------------------------------------

/// Adyen's `amount` object: `value` in Adyen's minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdyenAmount {
    pub currency: String,
    pub value: i64,
}

// ---- requests -----------------------------------------------------------------------------

/// `POST /payments`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequestBody {
    pub amount: AdyenAmount,
    pub merchant_account: String,
    /// BEEP!'s payment id: unique per payment, and what notifications carry back as
    /// `merchantReference`.
    pub reference: String,
    /// The merchant's own order reference (BEEP!'s `reference`).
    pub merchant_order_reference: String,
    pub payment_method: Value,
    pub return_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shopper_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shopper_interaction: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_processing_model: Option<&'static str>,
    /// 0: capture immediately; absent for manual capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_delay_hours: Option<u32>,
    /// `{"manualCapture": "true"}`: hold the authorisation until a `/captures` request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<BTreeMap<&'static str, &'static str>>,
    /// At most 20 keys of ≤ 20 characters, values of ≤ 80 characters.
    pub metadata: BTreeMap<&'static str, String>,
}

/// `POST /payments/{pspReference}/captures`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureRequestBody {
    pub amount: AdyenAmount,
    pub merchant_account: String,
    /// BEEP!'s capture id (the CAPTURE notification's `merchantReference`).
    pub reference: String,
}

/// `POST /payments/{pspReference}/cancels`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelRequestBody {
    pub merchant_account: String,
    pub reference: String,
}

/// The answer to a capture or cancel: always `received`; the outcome arrives by
/// notification (CAPTURE, CANCELLATION).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenModificationResponse {
    pub psp_reference: String,
    #[serde(default)]
    pub payment_psp_reference: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `POST /payments/{pspReference}/refunds`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequestBody {
    pub amount: AdyenAmount,
    pub merchant_account: String,
    /// BEEP!'s refund id (the notification's `merchantReference`).
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_refund_reason: Option<&'static str>,
}

// ---- responses ----------------------------------------------------------------------------

/// `PaymentResponse.resultCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum AdyenResultCode {
    Authorised,
    Refused,
    Error,
    Cancelled,
    Pending,
    Received,
    RedirectShopper,
    IdentifyShopper,
    ChallengeShopper,
    PresentToShopper,
    PartiallyAuthorised,
    AuthenticationFinished,
    AuthenticationNotRequired,
    Success,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenAction {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// `PaymentResponse` (the fields BEEP! uses).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenPaymentResponse {
    #[serde(default)]
    pub psp_reference: Option<String>,
    #[serde(default)]
    pub result_code: Option<AdyenResultCode>,
    #[serde(default)]
    pub action: Option<AdyenAction>,
    #[serde(default)]
    pub refusal_reason: Option<String>,
    #[serde(default)]
    pub refusal_reason_code: Option<String>,
    #[serde(default)]
    pub amount: Option<AdyenAmount>,
    #[serde(default)]
    pub merchant_reference: Option<String>,
}

/// `PaymentRefundResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenRefundResponse {
    pub psp_reference: String,
    #[serde(default)]
    pub payment_psp_reference: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub amount: Option<AdyenAmount>,
}

/// `ServiceError`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenServiceError {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub psp_reference: Option<String>,
}

// ---- webhooks -----------------------------------------------------------------------------

/// A `NotificationRequestItem` (the fields BEEP! uses).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationItem {
    pub psp_reference: String,
    #[serde(default)]
    pub original_reference: Option<String>,
    #[serde(default)]
    pub merchant_account_code: Option<String>,
    #[serde(default)]
    pub merchant_reference: Option<String>,
    pub event_code: String,
    #[serde(default)]
    pub amount: Option<AdyenAmount>,
    /// "true" or "false" (a string in Adyen's JSON).
    #[serde(deserialize_with = "string_or_bool")]
    pub success: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub additional_data: Option<Map<String, Value>>,
}

fn string_or_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Bool(b) => Ok(b),
        Value::String(s) => Ok(s.eq_ignore_ascii_case("true")),
        other => Err(serde::de::Error::custom(format!(
            "success: expected \"true\" or \"false\", got {other}"
        ))),
    }
}
