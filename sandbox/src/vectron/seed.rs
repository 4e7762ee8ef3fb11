//! The deterministic seed: main and product groups, PLU names, invoice times and the
//! data entries' shapes.

use super::uuid;
use serde_json::{Value, json};

pub(super) const MAIN_GROUPS: [&str; 3] = ["Speisen", "Getränke", "Shop"];
/// Product group name, main group, tax rate (%), base price (cents).
pub(super) const PRODUCT_GROUPS: [(&str, usize, f64, i64); 6] = [
    ("Backwaren", 0, 7.0, 95),
    ("Snacks", 0, 7.0, 250),
    ("Heißgetränke", 1, 19.0, 180),
    ("Kaltgetränke", 1, 19.0, 150),
    ("Zeitschriften", 2, 7.0, 300),
    ("Kiosk", 2, 19.0, 350),
];
/// PLU names by product group; PLU numbers are 101.. in this order.
pub(super) const PLU_NAMES: [&[&str]; 6] = [
    &[
        "Brezel",
        "Laugenstange",
        "Croissant",
        "Schokocroissant",
        "Mohnbrötchen",
        "Vollkornbrötchen",
        "Apfeltasche",
    ],
    &[
        "Käsebrötchen",
        "Schinkenbrötchen",
        "Bockwurst",
        "Frikadelle",
        "Salat Bowl",
        "Obstbecher",
        "Müsliriegel",
    ],
    &[
        "Kaffee",
        "Cappuccino",
        "Latte Macchiato",
        "Espresso",
        "Tee",
        "Heiße Schokolade",
    ],
    &[
        "Mineralwasser 0,5l",
        "Apfelschorle 0,5l",
        "Cola 0,33l",
        "Club-Mate 0,5l",
        "Orangensaft 0,25l",
        "Eistee 0,5l",
        "Radler 0,5l",
    ],
    &[
        "Tageszeitung",
        "Wochenzeitung",
        "Rätselheft",
        "Kinderzeitschrift",
        "Fernsehzeitschrift",
        "Comic",
    ],
    &[
        "Feuerzeug",
        "Streichhölzer",
        "Kaugummi",
        "Pfefferminz",
        "Taschentücher",
        "Batterien AA",
        "Einweggrill",
    ],
];

/// Unix seconds of the first seed invoice: 2026-01-05T07:00:00Z.
pub(super) const FIRST_INVOICE_AT: i64 = 1_767_596_400;
/// Minutes between two invoices.
pub(super) const INVOICE_GAP_MIN: i64 = 9;

/// A small deterministic generator (the seed must not change between runs).
pub(super) fn mix(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

pub(super) fn managed_article(no: u32, name: &str, price: f64) -> Value {
    json!({
        "managedArticleNo": no,
        "managedArticleName": name,
        "price": price,
        "values": [1.0, 0.0],
        "writeableByInputMask": [true, false],
    })
}

pub(super) fn data_entry(n: u64, input_at: &str, articles: Vec<Value>) -> Value {
    json!({
        "dataEntryId": uuid(0x0e, n),
        "inputAt": input_at,
        "posUserName": "Filialleitung",
        "posUserNo": 1,
        "serialNumber": "4711001",
        "dataInputMask": {
            "inputMaskNo": 2,
            "inputMaskName": "Bestellung",
            "inputMaskColumns": [
                {"columnNo": 1, "columnName": "Menge", "columnLevel": 1},
                {"columnNo": 2, "columnName": "Mind EH", "columnLevel": 2}
            ]
        },
        "managedArticles": articles,
    })
}
