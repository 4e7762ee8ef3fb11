//! The stored products, the demo instance's and the generated ones, and their JSON as
//! xentral answers it.

use super::{PRODUCTS, UPDATED_AT};
use serde_json::{Value, json};

pub(super) struct Product {
    pub(super) id: usize,
    pub(super) number: String,
    pub(super) name: String,
    pub(super) unit: &'static str,
    pub(super) is_stock_item: bool,
    /// Per storage location ("11" in warehouse 1, "21" in warehouse 2).
    pub(super) stock: [f64; 2],
    pub(super) price_cents: i64,
    pub(super) ean: Option<String>,
    pub(super) supplier: Option<usize>,
    pub(super) updated_at: String,
}

const NAMES: &[(&str, &str)] = &[
    ("Mineralwasser still 0,5 l", "Stk"),
    ("Apfelschorle 0,5 l", "Stk"),
    ("Kaffee Bohnen 1 kg", "kg"),
    ("Vollmilch 1 l", "Stk"),
    ("Laugenbrezel", "Stk"),
];

pub(super) fn demo_products() -> Vec<Product> {
    (1..=PRODUCTS)
        .map(|id| {
            let (base, unit) = NAMES[(id - 1) % NAMES.len()];
            let is_stock_item = id <= PRODUCTS - 2;
            Product {
                id,
                number: format!("XP-{:04}", 1000 + id),
                name: if id == PRODUCTS {
                    "BEEP! Scan & Go Verkauf".to_string()
                } else if id == PRODUCTS - 1 {
                    "Versandkosten".to_string()
                } else {
                    format!("{base} #{id}")
                },
                unit,
                is_stock_item,
                stock: if is_stock_item {
                    [(id * 10) as f64, if id % 2 == 0 { 5.0 } else { 0.0 }]
                } else {
                    [0.0, 0.0]
                },
                price_cents: 99 + id as i64 * 10,
                ean: (id % 3 != 0).then(|| format!("40000000{:05}", id)),
                supplier: Some(1 + id % 3),
                updated_at: UPDATED_AT.to_string(),
            }
        })
        .collect()
}

/// Product `i` (1-based) of a `gen-N` instance.
pub(super) fn generated_product(i: usize) -> Product {
    Product {
        id: i,
        number: format!("GEN-{i:07}"),
        name: format!("Generated product {i}"),
        unit: "Stk",
        is_stock_item: true,
        stock: [(i % 500) as f64, 1.0],
        price_cents: 100 + (i % 900) as i64,
        ean: None,
        supplier: None,
        updated_at: UPDATED_AT.to_string(),
    }
}

pub(super) fn money(cents: i64) -> Value {
    json!({"amount": format!("{}.{:02}", cents / 100, cents % 100), "currency": "EUR"})
}

pub(super) fn product_json(p: &Product) -> Value {
    let total: f64 = p.stock.iter().sum();
    json!({
        "id": p.id.to_string(),
        "name": p.name,
        "number": p.number,
        "stockCount": total,
        "isStockItem": p.is_stock_item,
        "isDisabled": false,
        "salesTax": "standard",
        "ean": p.ean,
        "unit": {"name": p.unit},
        "standardSupplier": p.supplier.map(|s| json!({"id": s.to_string()})),
        "salesPriceNet": money(p.price_cents),
        "stockStats": {
            "totalCount": format!("{total}"),
            "availableCount": format!("{total}"),
            "purchasedCount": null,
            "inProductionCount": null,
        },
        "updatedAt": p.updated_at,
    })
}

pub(super) fn location(i: usize) -> (&'static str, &'static str, &'static str) {
    [("11", "1", "Hauptlager A-01"), ("21", "2", "Filiale B-01")][i]
}
