//! The parts of xentral's answers (`xentral.json`, "Xentral API v0.1") this connector reads.

use serde::Deserialize;

/// `{"data": [...], "extra": {"totalCount", "page": {"number", "size"}}}`
#[derive(Deserialize, Debug)]
pub struct List<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub extra: Option<Extra>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Extra {
    #[serde(default)]
    pub total_count: Option<u64>,
}

/// `{"data": {...}}`
#[derive(Deserialize, Debug)]
pub struct One<T> {
    pub data: T,
}

/// The spec's Money object: a decimal string and an ISO 4217 code.
#[derive(Deserialize, Debug, Clone)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

#[derive(Deserialize, Debug, Default)]
pub struct Named {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
pub struct Ref {
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub stock_count: Option<f64>,
    /// Absent: treated as a stock item.
    #[serde(default)]
    pub is_stock_item: Option<bool>,
    #[serde(default)]
    pub unit: Option<Named>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Deserialize, Debug)]
pub struct Supplier {
    pub id: String,
    #[serde(default)]
    pub general: SupplierGeneral,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SupplierGeneral {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub vat_number: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseOrder {
    pub id: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default)]
    pub supplier: Option<Ref>,
    #[serde(default)]
    pub financials: Option<Financials>,
    #[serde(default)]
    pub positions: Vec<Position>,
}

#[derive(Deserialize, Debug, Default)]
pub struct Financials {
    #[serde(default)]
    pub total: Option<Money>,
}

#[derive(Deserialize, Debug)]
pub struct Position {
    #[serde(default)]
    pub product: Option<Ref>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub quantity: Option<f64>,
    #[serde(default)]
    pub price: Option<Money>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SalesOrder {
    pub id: String,
    #[serde(default)]
    pub external_order_id: Option<String>,
}
