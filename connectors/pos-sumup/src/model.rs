//! SumUp API JSON, as `vendor-specs/sumup.json` describes it: only the fields this
//! connector reads. Unknown fields are ignored; everything SumUp may omit is optional.

use serde::Deserialize;

/// `ListTransactionsV2.1`'s answer: one page of the transaction history.
#[derive(Deserialize, Debug, Default)]
pub struct HistoryPage {
    #[serde(default)]
    pub items: Vec<TransactionHistory>,
    #[serde(default)]
    pub links: Vec<HistoryLink>,
}

/// `TransactionHistory` (the fields the catalogue needs).
#[derive(Deserialize, Debug, Clone)]
pub struct TransactionHistory {
    /// `transaction_id`: what the detail read takes as `id`.
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
}

impl TransactionHistory {
    /// The transaction's id: `transaction_id`, else the base schema's `id`.
    pub fn key(&self) -> Option<&str> {
        self.transaction_id
            .as_deref()
            .or(self.id.as_deref())
            .filter(|s| !s.is_empty())
    }
}

/// `TransactionsHistoryLink`: `href` is a query string (`limit=10&oldest_ref=…&order=ascending`).
#[derive(Deserialize, Debug, Clone)]
pub struct HistoryLink {
    pub rel: String,
    pub href: String,
}

/// `TransactionFull` (`GetTransactionV2.1`), the fields the catalogue needs.
#[derive(Deserialize, Debug, Default)]
pub struct TransactionFull {
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub products: Vec<SoldProduct>,
}

/// `Product`: an item of the merchant's catalogue as sold in one transaction.
#[derive(Deserialize, Debug, Default, Clone)]
pub struct SoldProduct {
    #[serde(default)]
    pub name: Option<String>,
    /// Net unit price.
    #[serde(default)]
    pub price: Option<f64>,
    /// A fraction: 0.19 is 19 %.
    #[serde(default)]
    pub vat_rate: Option<f64>,
    /// Gross unit price.
    #[serde(default)]
    pub price_with_vat: Option<f64>,
}

/// SumUp's two error shapes: `Error` (`message`, `error_code`) and RFC 9457 `Problem`
/// (`title`, `detail`).
#[derive(Deserialize, Debug, Default)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}
