//! SumUp's Checkouts and Transactions API types (`vendor-specs/sumup.json`): request
//! bodies, the checkout object (the fields BEEP! uses), statuses, error bodies and the
//! webhook body.

use serde::{Deserialize, Serialize};

// ---- requests -----------------------------------------------------------------------------

/// `POST /v0.1/checkouts` (`components.schemas.CheckoutCreateRequest`).
#[derive(Debug, Serialize)]
pub struct CreateCheckout<'a> {
    pub checkout_reference: &'a str,
    pub amount: f64,
    pub currency: String,
    pub merchant_code: &'a str,
    pub description: String,
    /// SumUp's backend callback for status changes (BEEP!'s webhook).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<&'a str>,
    /// Where the shopper returns after 3-D Secure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<&'a str>,
}

/// `PUT /v0.1/checkouts/{id}` (SumUp's "Process a checkout"; not in the spec at
/// 058533c621): the BEEP! token is a saved card's payment-instrument token.
#[derive(Debug, Serialize, PartialEq)]
pub struct ProcessCheckout<'a> {
    pub payment_type: &'static str,
    pub token: &'a str,
}

/// The refund body: the amount in major units (`{}` would refund everything).
#[derive(Debug, Serialize)]
pub struct CreateRefund {
    pub amount: f64,
}

// ---- responses ----------------------------------------------------------------------------

/// `Checkout.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckoutStatus {
    Pending,
    Failed,
    Paid,
    Expired,
    #[serde(other)]
    Unknown,
}

/// `components.schemas.TransactionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TransactionStatus {
    Successful,
    Cancelled,
    Failed,
    Pending,
    Refunded,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SumupTransaction {
    pub id: String,
    #[serde(default)]
    pub status: Option<TransactionStatus>,
}

/// `components.schemas.CheckoutSuccess`, the fields BEEP! uses.
#[derive(Debug, Clone, Deserialize)]
pub struct SumupCheckout {
    pub id: String,
    #[serde(default)]
    pub checkout_reference: Option<String>,
    pub amount: f64,
    pub currency: String,
    pub status: CheckoutStatus,
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub transactions: Vec<SumupTransaction>,
    #[serde(default)]
    pub hosted_checkout_url: Option<String>,
}

impl SumupCheckout {
    pub(crate) fn latest_transaction(&self) -> Option<&SumupTransaction> {
        self.transactions.last()
    }

    /// The transaction a refund goes to: the successful one.
    pub fn paid_transaction(&self) -> Option<&str> {
        self.transaction_id.as_deref().or_else(|| {
            self.transactions
                .iter()
                .rev()
                .find(|t| {
                    matches!(
                        t.status,
                        Some(TransactionStatus::Successful | TransactionStatus::Refunded)
                    )
                })
                .map(|t| t.id.as_str())
        })
    }

    /// Never processed: no payment attempt exists yet.
    pub fn unprocessed(&self) -> bool {
        self.status == CheckoutStatus::Pending && self.transactions.is_empty()
    }
}

/// SumUp's `CheckoutAccepted` (`202`): the 3-D Secure step.
#[derive(Debug, Deserialize)]
pub struct NextStep {
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct Accepted {
    pub next_step: NextStep,
}

/// SumUp's two error shapes: `Error`/`ErrorExtended` and RFC 9457 `Problem`.
#[derive(Debug, Deserialize)]
pub struct SumupError {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Vec<ProblemItem>,
}

#[derive(Debug, Deserialize)]
pub struct ProblemItem {
    #[serde(default)]
    pub detail: Option<String>,
}

/// A webhook body: `{"event_type":"CHECKOUT_STATUS_CHANGED","id":"<checkout id>"}`.
#[derive(Debug, Deserialize)]
pub struct WebhookBody {
    pub event_type: String,
    pub id: String,
}
