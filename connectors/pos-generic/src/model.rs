//! The BEEP! Generic protocol's catalogue items and sale (docs/generic-protocol.openapi.yaml),
//! as the server sends and receives them. Mapped APIs' items are rebuilt in this shape
//! by `beep_sdk::generic` first.

use beep_sdk::generic::{Entity, Kind, field};
use serde::{Deserialize, Serialize};

pub const CATEGORIES: Entity = Entity {
    name: "categories",
    path: "/categories",
    fields: &[
        field("id", Kind::Text, true),
        field("name", Kind::Text, true),
        field("parentId", Kind::Text, false),
        field("updatedAt", Kind::Text, false),
    ],
    lines: None,
};

pub const PRODUCTS: Entity = Entity {
    name: "products",
    path: "/products",
    fields: &[
        field("id", Kind::Text, true),
        field("name", Kind::Text, true),
        field("sku", Kind::Text, false),
        field("categoryId", Kind::Text, false),
        field("price", Kind::Amount, false),
        field("currency", Kind::Currency, false),
        field("taxRateBps", Kind::Bps, false),
        field("taxRate", Kind::PercentRate, false),
        field("gtins", Kind::Texts, false),
        field("unit", Kind::Text, false),
        field("active", Kind::Bool, false),
        field("updatedAt", Kind::Text, false),
    ],
    lines: None,
};

pub const PRICES: Entity = Entity {
    name: "prices",
    path: "/prices",
    fields: &[
        field("productId", Kind::Text, true),
        field("price", Kind::Amount, true),
        field("currency", Kind::Currency, false),
        field("priceGroup", Kind::Text, false),
        field("validFrom", Kind::Text, false),
        field("updatedAt", Kind::Text, false),
    ],
    lines: None,
};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub category_id: Option<String>,
    #[serde(default)]
    pub price: Option<Money>,
    #[serde(default)]
    pub tax_rate_bps: Option<u32>,
    #[serde(default)]
    pub gtins: Vec<String>,
    #[serde(default)]
    pub unit: Option<String>,
    /// `false` for a product the server deleted or delisted.
    #[serde(default = "yes")]
    pub active: bool,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub product_id: String,
    pub price: Money,
    #[serde(default)]
    pub price_group: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SaleLine {
    pub product_id: Option<String>,
    pub sku: Option<String>,
    pub name: String,
    pub quantity: f64,
    pub unit_price: Money,
    pub total: Money,
    pub tax_rate_bps: Option<u32>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SalePayment {
    pub method: String,
    pub amount: Money,
    pub reference: Option<String>,
}

/// The body of `PUT /sales/{id}`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Sale {
    pub id: String,
    pub receipt_number: String,
    pub lines: Vec<SaleLine>,
    pub total: Money,
    pub tax_total: Option<Money>,
    pub payments: Vec<SalePayment>,
    pub created_at: String,
}
