//! Stripe's objects as API version 2023-08-16 (`vendor-specs/stripe.spec3.yaml`) defines
//! them: the request bodies this connector sends and the fields of the answers and
//! events it reads.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---- requests -----------------------------------------------------------------------------

/// `POST /v1/payment_intents`, created and confirmed in one call.
#[derive(Debug, Serialize)]
pub struct PaymentIntentRequest<'a> {
    pub amount: i64,
    pub currency: String,
    pub payment_method: &'a str,
    pub confirm: bool,
    /// `manual` holds the amount (`requires_capture`) until a capture.
    pub capture_method: Option<&'static str>,
    pub metadata: BTreeMap<&'static str, &'a str>,
    pub description: Option<&'a str>,
    pub return_url: Option<&'a str>,
    /// Without a `return_url`, redirect-based methods must be switched off: since API
    /// version 2023-08-16 Stripe otherwise refuses to confirm.
    pub automatic_payment_methods: Option<AutomaticPaymentMethods>,
}

#[derive(Debug, Serialize)]
pub struct AutomaticPaymentMethods {
    pub enabled: bool,
    pub allow_redirects: &'static str,
}

/// `POST /v1/payment_intents/{intent}/capture`.
#[derive(Debug, Serialize)]
pub struct CaptureBody {
    pub amount_to_capture: i64,
}

/// `POST /v1/payment_intents/{intent}/cancel`: BEEP! voids abandoned baskets.
#[derive(Debug, Serialize)]
pub struct CancelBody {
    pub cancellation_reason: &'static str,
}

/// `POST /v1/refunds`.
#[derive(Debug, Serialize)]
pub struct RefundRequestBody<'a> {
    pub payment_intent: &'a str,
    pub amount: i64,
    /// Only Stripe's own reasons; BEEP!'s free text goes to `metadata[beep_reason]`.
    pub reason: Option<&'static str>,
    pub metadata: BTreeMap<&'static str, String>,
}

// ---- responses ----------------------------------------------------------------------------

/// `payment_intent.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StripeStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Canceled,
    Succeeded,
    #[serde(other)]
    Unknown,
}

/// `refund.status` (a string in the spec: pending, requires_action, succeeded, failed,
/// canceled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StripeRefundStatus {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
pub struct StripePaymentIntent {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_received: i64,
    pub currency: String,
    pub status: StripeStatus,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub last_payment_error: Option<StripeError>,
    #[serde(default)]
    pub next_action: Option<NextAction>,
}

#[derive(Debug, Deserialize)]
pub struct NextAction {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub redirect_to_url: Option<RedirectToUrl>,
}

#[derive(Debug, Deserialize)]
pub struct RedirectToUrl {
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StripeRefund {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub status: Option<StripeRefundStatus>,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub failure_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StripeCharge {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_captured: i64,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub captured: bool,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub failure_code: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
}

/// The `error` object (`api_errors` in the spec).
#[derive(Debug, Deserialize)]
pub struct StripeError {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<Box<StripePaymentIntent>>,
}

#[derive(Debug, Deserialize)]
pub struct StripeErrorBody {
    pub error: StripeError,
}

#[derive(Debug, Deserialize)]
pub struct SearchResult {
    pub data: Vec<StripePaymentIntent>,
}

/// `dispute.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StripeDisputeStatus {
    WarningNeedsResponse,
    WarningUnderReview,
    WarningClosed,
    NeedsResponse,
    UnderReview,
    Won,
    Lost,
    #[serde(other)]
    Unknown,
}

/// A dispute (`charge.dispute.*` events' object).
#[derive(Debug, Deserialize)]
pub struct StripeDispute {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub charge: String,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    pub status: StripeDisputeStatus,
    #[serde(default)]
    pub evidence_details: Option<StripeEvidenceDetails>,
}

#[derive(Debug, Deserialize)]
pub struct StripeEvidenceDetails {
    /// Unix seconds.
    #[serde(default)]
    pub due_by: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: StripeEventData,
}

#[derive(Debug, Deserialize)]
pub struct StripeEventData {
    pub object: serde_json::Value,
}

/// A list answer (`object: list`).
#[derive(Debug, Deserialize)]
pub struct StripeList<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

/// `payout.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StripePayoutStatus {
    Pending,
    InTransit,
    Paid,
    Failed,
    Canceled,
}

/// A `payout` object (the fields BEEP! reads).
#[derive(Debug, Deserialize)]
pub struct StripePayout {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: StripePayoutStatus,
    pub created: i64,
    #[serde(default)]
    pub arrival_date: Option<i64>,
}

/// A `balance_transaction` object: one movement of the account's funds.
#[derive(Debug, Deserialize)]
pub struct StripeBalanceTxn {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub fee: i64,
    pub currency: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub reporting_category: Option<String>,
}
