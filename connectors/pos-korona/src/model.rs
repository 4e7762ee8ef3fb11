//! KORONA.cloud API v3 JSON, as `korona.swagger.json` describes it: only the fields this
//! connector reads or writes. Unknown fields are ignored; every field Korona may omit is
//! optional.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `ResultList…`: one page of a list. A `204 No Content` answer is an empty page.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ResultList<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    /// We always ask for page 1 (keyset paging): more than one page means more follow.
    #[serde(default)]
    pub pages_total: u32,
    /// "highest revision for this data type"
    #[serde(default)]
    pub max_revision: Option<u64>,
}

impl<T> Default for ResultList<T> {
    fn default() -> Self {
        ResultList {
            results: Vec::new(),
            pages_total: 0,
            max_revision: None,
        }
    }
}

/// `ModelReference`: id, number and/or name of another object.
#[derive(Deserialize, Serialize, Debug, Default, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Ref {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Ref {
    pub fn by_id(id: &str) -> Ref {
        Ref {
            id: Some(id.to_string()),
            ..Ref::default()
        }
    }
    pub fn by_number(number: &str) -> Ref {
        Ref {
            number: Some(number.to_string()),
            ..Ref::default()
        }
    }

    /// The same object: by id when both have one, else by number, else by name.
    pub fn same(&self, other: &Ref) -> bool {
        match (&self.id, &other.id, &self.number, &other.number) {
            (Some(a), Some(b), _, _) => a.eq_ignore_ascii_case(b),
            (_, _, Some(a), Some(b)) => a == b,
            _ => self.name.is_some() && self.name == other.name,
        }
    }

    /// Whether a configured value (an id, number or name) names this object.
    pub fn named(&self, value: &str) -> bool {
        self.id
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(value))
            || self.number.as_deref() == Some(value)
            || self.name.as_deref() == Some(value)
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SalesTax {
    pub id: String,
    pub revision: Option<u64>,
    pub rates: Option<Vec<SalesTaxRate>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SalesTaxRate {
    /// A percentage (19 for 19 %).
    pub rate: Option<f64>,
    pub valid_from: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Sector {
    pub id: String,
    pub revision: Option<u64>,
    pub sales_taxes: Option<Vec<SectorSalesTax>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SectorSalesTax {
    pub sales_tax: Option<Ref>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CommodityGroup {
    pub id: String,
    pub revision: Option<u64>,
    pub active: Option<bool>,
    pub number: Option<String>,
    pub name: Option<String>,
    pub parent_commodity_group: Option<Ref>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    pub revision: Option<u64>,
    /// false: deleted.
    pub active: Option<bool>,
    /// true: deactivated in the back office.
    pub deactivated: Option<bool>,
    pub number: Option<String>,
    pub name: Option<String>,
    pub commodity_group: Option<Ref>,
    pub sector: Option<Ref>,
    pub codes: Option<Vec<ProductCode>>,
    pub prices: Option<Vec<ProductPrice>>,
    pub packaging_unit: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ProductCode {
    pub product_code: Option<String>,
}

/// `ProductPrice`: one of a product's prices (per price group, valid from a date or for
/// one product code).
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProductPrice {
    pub value: Option<f64>,
    pub valid_from: Option<String>,
    pub product_code: Option<String>,
    pub price_group: Option<Ref>,
    pub organizational_unit: Option<Ref>,
}

/// `Price`: an object of the `prices` resource.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub revision: Option<u64>,
    pub active: Option<bool>,
    pub value: Option<f64>,
    pub valid_from: Option<String>,
    pub price_group: Option<Ref>,
    pub product: Option<Ref>,
}

/// The objects a revision-ordered list is paged by.
pub trait Revisioned {
    fn revision(&self) -> Option<u64>;
}

macro_rules! revisioned {
    ($($t:ty),*) => {$(
        impl Revisioned for $t {
            fn revision(&self) -> Option<u64> {
                self.revision
            }
        }
    )*};
}
revisioned!(SalesTax, Sector, CommodityGroup, Product, Price);

// ---- receipts (written) ---------------------------------------------------------------

/// `Receipt`, as posted to `pointsOfSale/{id}/receipts`. Read-only fields (`total`,
/// `revenue`, `revision`) are left to Korona.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub id: String,
    pub number: String,
    pub creation_time: String,
    pub booking_time: String,
    pub point_of_sale: Ref,
    pub items: Vec<ReceiptItem>,
    pub payments: Vec<Payment>,
    pub external_references: BTreeMap<String, String>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<Ref>,
    pub description: String,
    pub quantity: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recognition_number: Option<String>,
    pub total: TotalPrice,
    pub booking_time: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// `TotalPrice`: `base` and `taxPayments` are required.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TotalPrice {
    pub base: f64,
    pub gross: f64,
    pub net: f64,
    pub tax_payments: Vec<TaxPayment>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaxPayment {
    pub amount: f64,
    /// A percentage, like `SalesTaxRate.rate`.
    pub tax_rate: f64,
    pub included: bool,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub amount: f64,
    pub payment_method: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_token: Option<String>,
    pub transaction_time: String,
}

/// `AddOrUpdateResult`: Korona's answer per object of a batch.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct AddOrUpdateResult {
    pub id: Option<String>,
    /// ADDED, DELETED, QUEUED, UPDATED, NONE
    pub action: Option<String>,
    /// OK, ERROR
    pub status: Option<String>,
    pub message: Option<String>,
}

/// The spec's error models (`BadRequestErrorModel`, `TooManyRequestsErrorModel`, …).
#[derive(Deserialize, Debug)]
pub struct ErrorModel {
    pub message: Option<String>,
    pub code: Option<String>,
}
