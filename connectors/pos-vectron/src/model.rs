//! Vectron's business-data API types, as `vectron.swagger.json` (Swagger 2.0) defines
//! them: only the fields this connector reads.

use serde::{Deserialize, Deserializer};

/// The spec's `PartnerCredentials` (body of `POST /v1/login`).
#[derive(serde::Serialize, Debug)]
pub struct PartnerCredentials<'a> {
    pub login: &'a str,
    pub password: &'a str,
}

/// The spec's `Token`.
#[derive(Deserialize, Debug)]
pub struct Token {
    pub token: String,
}

/// The spec's `Site` (`GET /v3/operator/{operatorId}/sites`).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    pub site_id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// The spec's `DetailedInvoice` (`GET /v3/site/{siteId}/transactions`).
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct DetailedInvoice {
    pub invoice_id: String,
    pub currency: Option<String>,
    /// `INVOICE` or `CANCELLED_INVOICE`.
    pub transaction_type: Option<String>,
    pub items: Vec<InvoiceItem>,
    pub products: Vec<Product>,
    pub product_groups: Vec<ProductGroup>,
    pub main_groups: Vec<MainGroup>,
}

/// The spec's `InvoiceItem`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct InvoiceItem {
    pub product_id: Option<String>,
    pub parent_invoice_item_id: Option<String>,
    pub price: Option<f64>,
    pub quantity: Option<f64>,
    pub tax_rate: Option<f64>,
}

/// The spec's `Product`: a PLU as the register knew it when the invoice was made.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Product {
    pub product_id: String,
    #[serde(deserialize_with = "string_or_number")]
    pub number: Option<String>,
    pub name: Option<String>,
    pub product_group_id: Option<String>,
    pub main_group_id: Option<String>,
}

/// The spec's `ProductGroup`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductGroup {
    pub product_group_id: String,
    pub name: Option<String>,
}

/// The spec's `MainGroup`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct MainGroup {
    pub main_group_id: String,
    pub name: Option<String>,
}

/// The spec's `DataEntry` (`GET /v3/site/{siteId}/data-entries`).
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct DataEntry {
    /// "UTC-Timestamp when the data entry change occurred" (`2022-02-11T12:34:56`).
    pub input_at: Option<String>,
    pub managed_articles: Vec<ManagedArticle>,
}

/// The spec's `ManagedArticle`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct ManagedArticle {
    pub managed_article_no: Option<i64>,
    pub managed_article_name: Option<String>,
    pub price: Option<f64>,
}

/// The spec's `VndErrors` (error bodies); only the message matters here.
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct VndErrors {
    pub message: Option<String>,
}

/// The spec types `number` fields as strings but its examples are numbers (`105`):
/// accept both.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}
