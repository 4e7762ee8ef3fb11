//! The stores: categories, products and price book entries, the demo store's data and
//! the generated stores', and their JSON as Lightspeed answers it.

use super::{CREATED_AT, PRICE_BOOK_ID, TAXES, tax_id, uid};
use serde_json::{Value, json};

pub(super) struct Category {
    pub(super) id: String,
    pub(super) name: String,
    parent: Option<usize>,
}

pub(super) struct Product {
    pub(super) id: String,
    pub(super) sku: String,
    pub(super) name: String,
    category: usize,
    /// Tax-inclusive price in cents.
    pub(super) price: i64,
    tax: usize,
    ean: String,
    pub(super) version: u64,
}

pub(super) struct PriceBookProduct {
    id: String,
    product: usize,
    /// Tax-inclusive price in cents.
    price: i64,
    pub(super) version: u64,
}

#[derive(Default)]
pub(super) struct Shop {
    version: u64,
    pub(super) categories: Vec<Category>,
    pub(super) products: Vec<Product>,
    /// (version, product index), ascending by version: `after=V` is a binary search.
    pub(super) product_order: Vec<(u64, u32)>,
    pub(super) price_book: Vec<PriceBookProduct>,
    pub(super) sales: Vec<Value>,
}

const DEMO_CATEGORIES: [(&str, Option<usize>); 4] = [
    ("Bakery", None),
    ("Drinks", None),
    ("Soft Drinks", Some(1)),
    ("Snacks", None),
];

/// (name, category, price in cents, tax index)
const DEMO_PRODUCTS: [(&str, usize, i64, usize); 36] = [
    ("Club-Mate 0.5l", 2, 189, 0),
    ("Brezel", 0, 95, 1),
    ("Croissant", 0, 129, 1),
    ("Roggenbrot 500g", 0, 349, 1),
    ("Vollkornbrötchen", 0, 65, 1),
    ("Franzbrötchen", 0, 149, 1),
    ("Laugenstange", 0, 110, 1),
    ("Apfeltasche", 0, 179, 1),
    ("Baguette", 0, 199, 1),
    ("Zimtschnecke", 0, 229, 1),
    ("Mineralwasser 0.5l", 2, 99, 0),
    ("Apfelschorle 0.5l", 2, 159, 0),
    ("Cola 0.33l", 2, 149, 0),
    ("Eistee Pfirsich 0.5l", 2, 139, 0),
    ("Orangensaft 1l", 1, 249, 0),
    ("Kaffee Bohnen 1kg", 1, 1499, 1),
    ("Espresso Bohnen 250g", 1, 599, 1),
    ("Grüner Tee 20 Beutel", 1, 299, 1),
    ("Milch 1l", 1, 119, 1),
    ("Hafermilch 1l", 1, 199, 0),
    ("Bier Helles 0.5l", 1, 129, 0),
    ("Radler 0.5l", 1, 119, 0),
    ("Weißwein 0.75l", 1, 699, 0),
    ("Rotwein 0.75l", 1, 749, 0),
    ("Kartoffelchips 175g", 3, 199, 1),
    ("Salzstangen 250g", 3, 129, 1),
    ("Erdnüsse 200g", 3, 249, 1),
    ("Schokolade Vollmilch 100g", 3, 119, 1),
    ("Gummibärchen 200g", 3, 109, 1),
    ("Müsliriegel", 3, 79, 1),
    ("Studentenfutter 200g", 3, 279, 1),
    ("Popcorn 100g", 3, 149, 1),
    ("Energy Drink 0.25l", 2, 179, 0),
    ("Ingwerlimonade 0.33l", 2, 219, 0),
    ("Kokoswasser 0.33l", 2, 249, 0),
    ("Tonic Water 0.2l", 2, 119, 0),
];

/// (product index, price in cents): the "Happy Hour" price book.
const DEMO_PRICE_BOOK: [(usize, i64); 8] = [
    (0, 169),
    (1, 79),
    (2, 99),
    (10, 89),
    (12, 129),
    (20, 99),
    (24, 169),
    (27, 99),
];

pub(super) fn ean13(first12: u64) -> String {
    let digits: Vec<u32> = format!("{first12:012}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    format!("{first12:012}{}", (10 - sum % 10) % 10)
}

impl Shop {
    pub(super) fn next_version(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    fn base() -> Shop {
        let mut shop = Shop {
            version: 1000,
            ..Shop::default()
        };
        for (i, (name, parent)) in DEMO_CATEGORIES.iter().enumerate() {
            shop.categories.push(Category {
                id: uid(4, i as u64 + 1),
                name: name.to_string(),
                parent: *parent,
            });
        }
        shop
    }

    fn push_product(&mut self, name: String, category: usize, price: i64, tax: usize) {
        let n = self.products.len() as u64 + 1;
        let version = self.next_version();
        self.product_order
            .push((version, self.products.len() as u32));
        self.products.push(Product {
            id: uid(5, n),
            sku: (1000 + n).to_string(),
            name,
            category,
            price,
            tax,
            ean: ean13(400_000_000_000 + n),
            version,
        });
    }

    pub(super) fn demo() -> Shop {
        let mut shop = Shop::base();
        for (name, category, price, tax) in DEMO_PRODUCTS {
            shop.push_product(name.to_string(), category, price, tax);
        }
        for (i, (product, price)) in DEMO_PRICE_BOOK.iter().enumerate() {
            let version = shop.next_version();
            shop.price_book.push(PriceBookProduct {
                id: uid(0xc, i as u64 + 1),
                product: *product,
                price: *price,
                version,
            });
        }
        shop
    }

    pub(super) fn generated(n: usize) -> Shop {
        let mut shop = Shop::base();
        shop.products.reserve(n);
        shop.product_order.reserve(n);
        for i in 0..n {
            let category = [0, 1, 2, 3][i % 4];
            shop.push_product(
                format!("Generated product {}", i + 1),
                category,
                50 + (i as i64 * 37) % 2000,
                i % 2,
            );
        }
        shop
    }

    pub(super) fn find_product(&self, key: &str) -> Option<usize> {
        self.products
            .iter()
            .position(|p| p.id == key || p.sku == key)
    }
}

fn major(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Net of a tax-inclusive price, in major units with five decimals (as the spec's examples).
pub(super) fn net(cents: i64, bps: u32) -> f64 {
    let v = major(cents) * 10_000.0 / (10_000.0 + f64::from(bps));
    (v * 100_000.0).round() / 100_000.0
}

pub(super) fn product_view(shop: &Shop, p: &Product) -> Value {
    let cat = &shop.categories[p.category];
    let bps = TAXES[p.tax].1;
    json!({
        "id": p.id,
        "name": p.name,
        "variant_name": p.name,
        "handle": p.sku,
        "sku": p.sku,
        "active": true,
        "is_active": true,
        "has_inventory": true,
        "is_composite": false,
        "has_variants": false,
        "variant_parent_id": null,
        "source": "USER",
        "price_including_tax": major(p.price),
        "price_excluding_tax": net(p.price, bps),
        "supply_price": 0,
        "product_type_id": cat.id,
        "type": {"id": cat.id, "name": cat.name},
        "categories": [{"id": cat.id, "name": cat.name}],
        "product_codes": [{"type": "EAN", "code": p.ean}],
        "tag_ids": [],
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "deleted_at": null,
        "version": p.version,
    })
}

pub(super) fn price_book_view(shop: &Shop, e: &PriceBookProduct) -> Value {
    let p = &shop.products[e.product];
    let bps = TAXES[p.tax].1;
    let price = net(e.price, bps);
    json!({
        "id": e.id,
        "product_id": p.id,
        "price_book_id": PRICE_BOOK_ID,
        "price": price,
        "retail_tax": ((major(e.price) - price) * 100_000.0).round() / 100_000.0,
        "default_display_price": major(e.price),
        "tax_id": tax_id(p.tax),
        "min_units": null,
        "max_units": null,
        "version": e.version,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "deleted_at": null,
    })
}

pub(super) fn category_path(shop: &Shop, i: usize) -> Vec<usize> {
    let mut path = vec![i];
    while let Some(parent) = shop.categories[*path.last().unwrap()].parent {
        path.push(parent);
    }
    path.reverse();
    path
}

pub(super) fn category_view(shop: &Shop, i: usize) -> Value {
    let c = &shop.categories[i];
    let path = category_path(shop, i);
    json!({
        "id": c.id,
        "name": c.name,
        "root_category_id": shop.categories[path[0]].id,
        "parent_category_id": c.parent.map(|p| shop.categories[p].id.clone()),
        "leaf_category": !shop.categories.iter().any(|o| o.parent == Some(i)),
        "category_path": path.iter().map(|&j| json!({"id": shop.categories[j].id, "name": shop.categories[j].name})).collect::<Vec<_>>(),
    })
}
