//! The demo company's master data: items (and the generated items of a `gen-N`
//! company), business partners and purchase orders.

use super::{GENERATED_DATE, ITEMS, SALE_ITEM};
use serde_json::{Value, json};

const NAMES: &[(&str, &str)] = &[
    ("Mineralwasser still 0,5 l", "Stk"),
    ("Apfelschorle 0,5 l", "Stk"),
    ("Kaffee Bohnen 1 kg", "kg"),
    ("Vollmilch 1 l", "Stk"),
    ("Laugenbrezel", "Stk"),
];

fn item(code: String, name: String, uom: &str, stock: [f64; 2], date: &str) -> Value {
    json!({
        "ItemCode": code,
        "ItemName": name,
        "InventoryItem": "tYES",
        "SalesItem": "tYES",
        "PurchaseItem": "tYES",
        "InventoryUOM": uom,
        "DefaultWarehouse": "01",
        "QuantityOnStock": stock[0] + stock[1],
        "UpdateDate": date,
        "ItemWarehouseInfoCollection": [
            {"ItemCode": null, "WarehouseCode": "01", "InStock": stock[0], "Committed": 0.0, "Ordered": 0.0},
            {"ItemCode": null, "WarehouseCode": "02", "InStock": stock[1], "Committed": 0.0, "Ordered": 0.0},
        ],
    })
}

pub(super) fn demo_items() -> Vec<Value> {
    let mut items: Vec<Value> = (1..=ITEMS)
        .map(|i| {
            let (name, uom) = NAMES[(i - 1) % NAMES.len()];
            let stock = [(i * 10) as f64, if i % 2 == 0 { 5.0 } else { 0.0 }];
            let mut v = item(
                format!("A{i:04}"),
                format!("{name} #{i}"),
                uom,
                stock,
                &format!("2024-10-{i:02}"),
            );
            fill_item_codes(&mut v);
            v
        })
        .collect();
    items.push(json!({
        "ItemCode": SALE_ITEM,
        "ItemName": "BEEP! Scan & Go Verkauf",
        "InventoryItem": "tNO",
        "SalesItem": "tYES",
        "PurchaseItem": "tNO",
        "InventoryUOM": null,
        "DefaultWarehouse": null,
        "QuantityOnStock": 0.0,
        "UpdateDate": "2024-09-01",
        "ItemWarehouseInfoCollection": [],
    }));
    items
}

fn fill_item_codes(v: &mut Value) {
    let code = v["ItemCode"].clone();
    if let Some(list) = v["ItemWarehouseInfoCollection"].as_array_mut() {
        for w in list {
            w["ItemCode"] = code.clone();
        }
    }
}

/// Item `i` (1-based) of a `gen-N` company.
pub(super) fn generated_item(i: usize) -> Value {
    let mut v = item(
        format!("G{i:07}"),
        format!("Generated item {i}"),
        "Stk",
        [(i % 500) as f64, 1.0],
        GENERATED_DATE,
    );
    fill_item_codes(&mut v);
    v
}

pub(super) fn demo_partners() -> Vec<Value> {
    let bp =
        |code: &str, name: &str, kind: &str, email: Option<&str>, vat: Option<&str>, date: &str| {
            json!({
                "CardCode": code, "CardName": name, "CardType": kind,
                "EmailAddress": email, "FederalTaxID": vat, "Currency": "EUR",
                "UpdateDate": date,
            })
        };
    vec![
        bp(
            "C-BEEP",
            "BEEP! Scan & Go Laufkundschaft",
            "cCustomer",
            None,
            None,
            "2024-09-01",
        ),
        bp(
            "C20000",
            "Café Morgenrot",
            "cCustomer",
            Some("info@morgenrot.example"),
            None,
            "2024-09-02",
        ),
        bp(
            "L30000",
            "Interessent Süd",
            "cLid",
            None,
            None,
            "2024-09-03",
        ),
        bp(
            "V10000",
            "Getränke Großhandel Nord GmbH",
            "cSupplier",
            Some("bestellung@getraenke-nord.example"),
            Some("DE811907980"),
            "2024-09-10",
        ),
        bp(
            "V10001",
            "Bäckerei Sonnenschein",
            "cSupplier",
            None,
            Some("DE129273398"),
            "2024-09-11",
        ),
        bp(
            "V10002",
            "Kaffeerösterei Hafen KG",
            "cSupplier",
            Some("order@roesterei.example"),
            None,
            "2024-09-12",
        ),
    ]
}

pub(super) fn demo_purchase_orders() -> Vec<Value> {
    let line = |n: usize, code: &str, name: &str, qty: f64, price: f64| {
        json!({
            "LineNum": n, "ItemCode": code, "ItemDescription": name, "Quantity": qty,
            "Price": price, "Currency": "EUR", "LineTotal": qty * price, "WarehouseCode": "01",
        })
    };
    vec![
        json!({
            "DocEntry": 1, "DocNum": 1001, "CardCode": "V10000", "CardName": "Getränke Großhandel Nord GmbH",
            "DocDate": "2024-10-15", "DocDueDate": "2024-10-22", "DocTotal": 195.6,
            "DocTotalFc": 0.0, "DocCurrency": "EUR", "DocumentStatus": "bost_Open", "Cancelled": "tNO",
            "UpdateDate": "2024-10-15",
            "DocumentLines": [
                line(0, "A0001", "Mineralwasser still 0,5 l #1", 240.0, 0.45),
                line(1, "A0002", "Apfelschorle 0,5 l #2", 120.0, 0.58),
                line(2, "A0006", "Mineralwasser still 0,5 l #6", 48.0, 0.395),
            ],
        }),
        json!({
            "DocEntry": 2, "DocNum": 1002, "CardCode": "V10002", "CardName": "Kaffeerösterei Hafen KG",
            "DocDate": "2024-10-20", "DocDueDate": "2024-10-27", "DocTotal": 149.5,
            "DocTotalFc": 0.0, "DocCurrency": "EUR", "DocumentStatus": "bost_Close", "Cancelled": "tNO",
            "UpdateDate": "2024-10-20",
            "DocumentLines": [line(0, "A0003", "Kaffee Bohnen 1 kg #3", 10.0, 14.95)],
        }),
    ]
}
