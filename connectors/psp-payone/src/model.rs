//! PCP's Commerce Case / Checkout / Payment Execution types (`vendor-specs/payone-pcp.yaml`):
//! only the fields this connector sends or reads.

use serde::{Deserialize, Serialize};

// ---- amounts ------------------------------------------------------------------------------

/// `AmountOfMoney`: an integer with two implied decimals, whatever the currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountOfMoney {
    pub amount: i64,
    pub currency_code: String,
}

// ---- responses and status -----------------------------------------------------------------

/// `StatusValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PcpStatus {
    Created,
    Cancelled,
    Rejected,
    RejectedCapture,
    Redirected,
    PendingPayment,
    PendingCompletion,
    PendingCapture,
    AuthorizationRequested,
    CaptureRequested,
    Captured,
    Reversed,
    RefundRequested,
    Refunded,
    RejectedRefund,
    CancellationRequested,
    Paused,
    Chargebacked,
    ChargebackReversed,
    #[serde(other)]
    Other,
}

/// `StatusCategoryValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusCategory {
    Created,
    Unsuccessful,
    PendingPayment,
    PendingMerchant,
    PendingConnectOr3rdParty,
    Completed,
    Reversed,
    Refunded,
    #[serde(other)]
    Other,
}

/// What PCP says about a payment: the `StatusValue` and, when it gave one, the
/// `statusOutput.statusCategory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcpState {
    pub status: Option<PcpStatus>,
    pub category: Option<StatusCategory>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusOutput {
    #[serde(default)]
    pub status_category: Option<StatusCategory>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOutput {
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResponse {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<PcpStatus>,
    #[serde(default)]
    pub status_output: Option<StatusOutput>,
    #[serde(default)]
    pub payment_output: Option<PaymentOutput>,
}

#[derive(Debug, Deserialize)]
pub struct RedirectData {
    #[serde(rename = "redirectURL", default)]
    pub redirect_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantAction {
    #[serde(default)]
    pub action_type: Option<String>,
    #[serde(default)]
    pub redirect_data: Option<RedirectData>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentResponse {
    #[serde(default)]
    pub payment_execution_id: Option<String>,
    #[serde(default)]
    pub payment: Option<PaymentResponse>,
    #[serde(default)]
    pub merchant_action: Option<MerchantAction>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckoutResponse {
    pub checkout_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCommerceCaseResponse {
    pub commerce_case_id: String,
    pub checkout: CreateCheckoutResponse,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentEvent {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
    #[serde(default)]
    pub payment_status: Option<PcpStatus>,
    #[serde(default)]
    pub merchant_reference: Option<String>,
    #[serde(default)]
    pub payment_event_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentExecution {
    pub payment_execution_id: String,
    #[serde(default)]
    pub events: Vec<PaymentEvent>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutResponse {
    #[serde(default)]
    pub commerce_case_id: Option<String>,
    pub checkout_id: String,
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
    #[serde(default)]
    pub payment_executions: Vec<PaymentExecution>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommerceCaseResponse {
    pub commerce_case_id: String,
    #[serde(default)]
    pub merchant_reference: Option<String>,
    #[serde(default)]
    pub checkouts: Vec<CheckoutResponse>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundOutput {
    #[serde(default)]
    pub amount_of_money: Option<AmountOfMoney>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundPaymentResponse {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<PcpStatus>,
    #[serde(default)]
    pub status_output: Option<StatusOutput>,
    #[serde(default)]
    pub refund_output: Option<RefundOutput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub property_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    #[serde(default)]
    pub errors: Vec<ApiError>,
}
