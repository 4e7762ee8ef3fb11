//! Unzer's payment API types, as its public API reference (docs.unzer.com) describes them:
//! only the fields this connector reads.

use serde::Deserialize;
use serde_json::Value;

// ---- responses ----------------------------------------------------------------------------

/// `state.name` of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Pending,
    Completed,
    Canceled,
    Partly,
    PaymentReview,
    Chargeback,
    #[serde(other)]
    Unknown,
}

/// A transaction's outcome: `isSuccess` / `isPending` / `isError` on the object, or
/// `status` in a payment's `transactions` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxStatus {
    Success,
    Pending,
    Error,
    #[serde(other)]
    Unknown,
}

/// Everything that decides BEEP!'s status of an Unzer payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnzerState {
    /// The payment's state; `None` when only the charge answer is known.
    pub payment: Option<PaymentState>,
    /// The (latest) charge's outcome.
    pub charge: Option<TxStatus>,
    /// Whether the charge waits for the shopper at a `redirectUrl` (3-D Secure).
    pub redirect: bool,
    /// An authorization holds the amount and nothing is charged yet (manual capture).
    pub held: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    #[serde(default)]
    pub payment_id: Option<String>,
    #[serde(default)]
    pub type_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Message {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub merchant: Option<String>,
    #[serde(default)]
    pub customer: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorItem {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub merchant_message: Option<String>,
    #[serde(default)]
    pub customer_message: Option<String>,
}

/// A transaction (charge or cancel) as Unzer answers it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub is_success: bool,
    #[serde(default)]
    pub is_pending: bool,
    #[serde(default)]
    pub is_error: bool,
    #[serde(default)]
    pub amount: Option<Value>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub resources: Resources,
    #[serde(default)]
    pub message: Option<Message>,
    #[serde(default)]
    pub errors: Vec<ApiErrorItem>,
}

impl Transaction {
    pub fn status(&self) -> TxStatus {
        if self.is_error {
            TxStatus::Error
        } else if self.is_success {
            TxStatus::Success
        } else if self.is_pending {
            TxStatus::Pending
        } else {
            TxStatus::Unknown
        }
    }

    /// Unzer's code and merchant text of a failed transaction.
    pub(crate) fn failure(&self) -> (Option<String>, Option<String>) {
        let e = self.errors.first();
        let code = e
            .and_then(|e| e.code.clone())
            .or_else(|| self.message.as_ref().and_then(|m| m.code.clone()));
        let text = e
            .and_then(|e| e.merchant_message.clone())
            .or_else(|| self.message.as_ref().and_then(|m| m.merchant.clone()));
        (code, text)
    }
}

#[derive(Debug, Deserialize)]
pub struct StateObj {
    pub name: PaymentState,
}

#[derive(Debug, Deserialize)]
pub struct PaymentAmount {
    pub total: Value,
    #[serde(default)]
    pub charged: Option<Value>,
}

/// An entry of a payment's `transactions`.
#[derive(Debug, Deserialize)]
pub struct TxEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: TxStatus,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub amount: Option<Value>,
}

impl TxEntry {
    /// The last path segment of the transaction's URL (`s-chg-1`, `s-cnl-1`).
    pub fn id(&self) -> Option<&str> {
        self.url
            .as_deref()?
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
    }
}

/// `GET /v1/payments/{id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnzerPayment {
    pub id: String,
    pub state: StateObj,
    pub amount: PaymentAmount,
    pub currency: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub transactions: Vec<TxEntry>,
}

impl UnzerPayment {
    /// The hold of a payment begun with `POST /payments/authorize`.
    pub fn authorization(&self) -> Option<&TxEntry> {
        self.transactions.iter().find(|t| t.kind == "authorize")
    }

    pub fn last_charge(&self) -> Option<&TxEntry> {
        self.transactions.iter().rev().find(|t| t.kind == "charge")
    }

    pub fn cancels(&self) -> impl Iterator<Item = &TxEntry> {
        self.transactions
            .iter()
            .filter(|t| t.kind.starts_with("cancel"))
    }
}

/// Unzer's error body: `{"isError": true, "errors": [{code, merchantMessage, customerMessage}]}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<ApiErrorItem>,
}

// ---- webhooks -----------------------------------------------------------------------------

/// An Unzer webhook: `{"event": "payment.completed", "publicKey", "retrieveUrl", "paymentId"?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody {
    pub event: String,
    pub retrieve_url: String,
    #[serde(default)]
    pub payment_id: Option<String>,
}
