//! The BEEP! Generic protocol's ERP items and pushed records
//! (docs/generic-protocol.openapi.yaml). Mapped APIs' items are rebuilt in this shape by
//! `beep_sdk::generic` first.

use beep_sdk::generic::{Entity, Kind, field};
use serde::{Deserialize, Serialize};

pub const INVENTORY: Entity = Entity {
    name: "inventory",
    path: "/inventory",
    fields: &[
        field("id", Kind::Text, true),
        field("quantity", Kind::Number, true),
        field("sku", Kind::Text, false),
        field("warehouseId", Kind::Text, false),
        field("unit", Kind::Text, false),
        field("updatedAt", Kind::Text, false),
    ],
    lines: None,
};

pub const ORDER_LINES: Entity = Entity {
    name: "order lines",
    path: "",
    fields: &[
        field("quantity", Kind::Number, true),
        field("productId", Kind::Text, false),
        field("sku", Kind::Text, false),
        field("description", Kind::Text, false),
        field("unitPrice", Kind::Amount, false),
    ],
    lines: None,
};

pub const ORDERS: Entity = Entity {
    name: "orders",
    path: "/orders",
    fields: &[
        field("id", Kind::Text, true),
        field("supplierId", Kind::Text, false),
        field("number", Kind::Text, false),
        field("status", Kind::Text, false),
        field("total", Kind::Amount, false),
        field("currency", Kind::Currency, false),
        field("orderedAt", Kind::Text, false),
        field("updatedAt", Kind::Text, false),
    ],
    lines: Some(&ORDER_LINES),
};

pub const SUPPLIERS: Entity = Entity {
    name: "suppliers",
    path: "/suppliers",
    fields: &[
        field("id", Kind::Text, true),
        field("name", Kind::Text, true),
        field("email", Kind::Text, false),
        field("vatId", Kind::Text, false),
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
pub struct StockLevel {
    pub id: String,
    pub quantity: f64,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub warehouse_id: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub quantity: f64,
    #[serde(default)]
    pub product_id: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub unit_price: Option<Money>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    #[serde(default)]
    pub supplier_id: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub total: Option<Money>,
    #[serde(default)]
    pub ordered_at: Option<String>,
    #[serde(default)]
    pub lines: Vec<OrderLine>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Supplier {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub vat_id: Option<String>,
}

/// The body of `PUT /transactions/{id}`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub id: String,
    /// `sale`, `payment`, `refund`, `chargeback`, `fee` or `payout`.
    pub kind: &'static str,
    pub amount: Money,
    pub reference: Option<String>,
    pub sale_id: Option<String>,
    pub payment_method: Option<String>,
    pub occurred_at: String,
}

/// The body of `PUT /stock-changes/{id}`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct StockChange {
    pub id: String,
    pub product_id: Option<String>,
    pub sku: Option<String>,
    pub quantity_delta: f64,
    pub reason: String,
    pub occurred_at: String,
}
