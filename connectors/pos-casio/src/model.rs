//! The BEEP! Casio bridge protocol (docs/casio-bridge.md, docs/casio-bridge.openapi.yaml):
//! the register settings, the PLU file's records and the journal entry this connector
//! writes.

use serde::{Deserialize, Serialize};

/// `GET /register`.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Register {
    pub currency: String,
    /// Implied decimal places of every amount the register keeps (PLU prices, journal).
    pub decimals: u32,
    #[serde(default)]
    pub tax_tables: Vec<TaxTable>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct TaxTable {
    pub table: u8,
    /// "19.00"
    pub rate_percent: String,
}

/// The PLU file's preamble (`#KEY,value…` lines before the header row).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PluHeader {
    pub generation: Option<u64>,
    pub delta: bool,
    pub currency: Option<String>,
    pub decimals: Option<u32>,
    /// (table, rate in basis points)
    pub tax: Vec<(u8, u32)>,
    /// (department code, name)
    pub depts: Vec<(String, String)>,
}

/// One PLU record: `PLU,DESCRIPTOR,PRICE,DEPT,TAX,STATUS`.
#[derive(Debug, Clone, PartialEq)]
pub struct PluRecord {
    pub number: String,
    pub descriptor: String,
    /// Register integer (`decimals` implied places).
    pub price: i64,
    pub dept: Option<String>,
    pub tax: u8,
    /// `A` active, `D` deleted (deltas only).
    pub deleted: bool,
}

/// `PUT /journal/{saleId}`.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub sale_id: String,
    pub receipt_number: String,
    pub created_at: String,
    pub currency: String,
    pub decimals: u32,
    pub lines: Vec<JournalLine>,
    pub total: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_total: Option<i64>,
    pub payments: Vec<JournalPayment>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JournalLine {
    /// The PLU number; `None` books the line as an open item.
    pub plu: Option<String>,
    pub descriptor: String,
    pub quantity: f64,
    pub price: i64,
    pub amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_table: Option<u8>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JournalPayment {
    /// The register's media key: CASH, CHARGE (cards, wallets) or CHECK.
    pub media: &'static str,
    pub amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// `{"error":{"code","message"}}`.
#[derive(Deserialize, Debug, Default)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: ErrorDetail,
}

#[derive(Deserialize, Debug, Default)]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}
