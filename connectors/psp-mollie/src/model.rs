//! Mollie's Payments / Refunds API v2 types (`vendor-specs/mollie.yaml`): request bodies,
//! the HAL response objects (the fields BEEP! uses), statuses and the error object.

use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- amounts ------------------------------------------------------------------------------

/// `{"currency": "EUR", "value": "10.00"}` (`components.schemas.amount`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MollieAmount {
    pub currency: String,
    pub value: String,
}

// ---- requests -----------------------------------------------------------------------------

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PaymentMetadata<'a> {
    pub beep_payment_id: &'a str,
    pub beep_reference: &'a str,
}

/// `POST /v2/payments` (`components.schemas.payment-request`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePayment<'a> {
    pub amount: MollieAmount,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<&'a str>,
    pub metadata: PaymentMetadata<'a>,
    /// `manual`: authorise only (card payments); captured by `/captures`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub testmode: Option<bool>,
}

/// `POST /v2/payments/{id}/captures` (`components.schemas.entity-capture`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCapture<'a> {
    pub amount: MollieAmount,
    pub description: String,
    pub metadata: CaptureMetadata<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub testmode: Option<bool>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct CaptureMetadata<'a> {
    pub beep_capture_id: &'a str,
}

/// `POST /v2/payments/{id}/release-authorization`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseAuthorization<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub testmode: Option<bool>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RefundMetadata<'a> {
    pub beep_refund_id: &'a str,
}

/// `POST /v2/payments/{id}/refunds` (`components.schemas.refund-request`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRefund<'a> {
    pub amount: MollieAmount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub metadata: RefundMetadata<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub testmode: Option<bool>,
}

// ---- responses ----------------------------------------------------------------------------

/// `payment.status` (`components.schemas.payment-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MollieStatus {
    Open,
    Pending,
    Authorized,
    Paid,
    Canceled,
    Expired,
    Failed,
    #[serde(other)]
    Unknown,
}

/// `refund.status` (`components.schemas.refund-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MollieRefundStatus {
    Queued,
    Pending,
    Processing,
    Refunded,
    Failed,
    Canceled,
    #[serde(other)]
    Unknown,
}

/// A HAL link (`components.schemas.url`).
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentLinks {
    #[serde(default)]
    pub checkout: Option<Link>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDetails {
    #[serde(default)]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
}

/// `components.schemas.status-reason` (point-of-sale payments).
#[derive(Debug, Deserialize)]
pub struct StatusReason {
    pub code: String,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentEmbedded {
    #[serde(default)]
    pub refunds: Vec<MollieRefund>,
    #[serde(default)]
    pub chargebacks: Vec<MollieChargeback>,
}

/// A chargeback (`components.schemas.entity-chargeback`): the shopper's bank took the
/// money back; `reversedAt` when it gave it back.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MollieChargeback {
    pub id: String,
    pub amount: MollieAmount,
    #[serde(default)]
    pub reason: Option<ChargebackReason>,
    #[serde(default)]
    pub reversed_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ChargebackReason {
    pub code: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// The payment object (`components.schemas.payment-response`), the fields BEEP! uses.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MolliePayment {
    pub id: String,
    pub amount: MollieAmount,
    pub status: MollieStatus,
    #[serde(default)]
    pub amount_captured: Option<MollieAmount>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub details: Option<PaymentDetails>,
    #[serde(default)]
    pub status_reason: Option<StatusReason>,
    #[serde(rename = "_links", default)]
    pub links: PaymentLinks,
    #[serde(rename = "_embedded", default)]
    pub embedded: Option<PaymentEmbedded>,
}

impl MolliePayment {
    /// BEEP!'s payment id from the metadata this connector wrote.
    pub fn beep_payment_id(&self) -> Option<&str> {
        self.metadata.as_ref()?.get("beep_payment_id")?.as_str()
    }
}

/// The refund object (`components.schemas.entity-refund-response`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MollieRefund {
    pub id: String,
    pub amount: MollieAmount,
    pub status: MollieRefundStatus,
    #[serde(default)]
    pub payment_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PaymentList {
    #[serde(rename = "_embedded", default)]
    pub embedded: PaymentListEmbedded,
    #[serde(rename = "_links", default)]
    pub links: ListLinks,
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentListEmbedded {
    #[serde(default)]
    pub payments: Vec<MolliePayment>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListLinks {
    #[serde(default)]
    pub next: Option<Link>,
}

/// Mollie's error object (`components.schemas.error-response`).
#[derive(Debug, Deserialize)]
pub struct MollieError {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
}
