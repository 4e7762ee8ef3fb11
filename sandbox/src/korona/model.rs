//! The stored objects of a simulated Korona account, their revision tables and the demo / `gen-N` seed data.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::Value;

use super::{COUPLING_ID, DEMO_ACCOUNT, MAX_GENERATED_PRODUCTS};

/// Objects of one type in revision order, so that `revision=R` plus a page is a binary
/// search and a slice: O(log n + page).
#[derive(Default)]
pub(super) struct Table {
    /// (revision, row index), ascending by revision; revisions are unique.
    pub(super) order: Vec<(u64, u32)>,
}

impl Table {
    pub(super) fn push(&mut self, revision: u64, row: usize) {
        debug_assert!(self.order.last().is_none_or(|(r, _)| *r < revision));
        self.order.push((revision, row as u32));
    }

    /// Moves a row that got a new (highest) revision to the end.
    pub(super) fn bump(&mut self, old: u64, new: u64) {
        if let Ok(pos) = self.order.binary_search_by_key(&old, |(r, _)| *r) {
            let (_, row) = self.order.remove(pos);
            self.order.push((new, row));
        }
    }

    pub(super) fn max_revision(&self) -> u64 {
        self.order.last().map_or(0, |(r, _)| *r)
    }
}

pub(super) struct Named {
    pub(super) id: String,
    pub(super) number: String,
    pub(super) name: String,
    pub(super) revision: u64,
}

pub(super) struct SalesTax {
    pub(super) base: Named,
    /// Percent, e.g. 19.0 (spec silent on the scale: Korona shows rates as percentages).
    pub(super) rate: f64,
}

pub(super) struct Sector {
    pub(super) base: Named,
    pub(super) sales_tax: usize,
}

pub(super) struct PriceGroup {
    pub(super) base: Named,
}

pub(super) struct CommodityGroup {
    pub(super) base: Named,
    pub(super) parent: Option<usize>,
}

pub(super) struct Product {
    pub(super) id: String,
    pub(super) number: String,
    pub(super) name: String,
    pub(super) revision: u64,
    pub(super) group: usize,
    pub(super) sector: usize,
    pub(super) codes: Vec<String>,
    /// The base price entered with the product (price group 0, valid from [`BASE_VALID_FROM`]), in cents.
    pub(super) base_price: i64,
    /// Indices into `Account::prices` for this product.
    pub(super) prices: Vec<usize>,
    pub(super) deactivated: bool,
    pub(super) packaging_unit: &'static str,
}

/// A standalone price object of the `prices` resource.
pub(super) struct Price {
    pub(super) id: String,
    pub(super) number: String,
    pub(super) revision: u64,
    pub(super) product: usize,
    pub(super) price_group: usize,
    pub(super) value: i64,
    pub(super) valid_from: String,
}

pub(super) struct PointOfSale {
    pub(super) base: Named,
    pub(super) coupling_id: String,
}

pub(super) struct StoredReceipt {
    pub(super) pos: usize,
    pub(super) number: String,
    pub(super) revision: u64,
    pub(super) body: Value,
}

pub(super) struct Failure {
    pub(super) status: StatusCode,
    pub(super) code: Option<String>,
    pub(super) remaining: u32,
}

pub(super) struct Account {
    pub(super) revision: u64,
    pub(super) sales_taxes: Vec<SalesTax>,
    pub(super) sectors: Vec<Sector>,
    pub(super) price_groups: Vec<PriceGroup>,
    pub(super) groups: Vec<CommodityGroup>,
    pub(super) products: Vec<Product>,
    pub(super) prices: Vec<Price>,
    pub(super) points_of_sale: Vec<PointOfSale>,
    pub(super) receipts: Vec<StoredReceipt>,
    pub(super) receipt_by_id: HashMap<String, usize>,
    pub(super) t_sales_taxes: Table,
    pub(super) t_sectors: Table,
    pub(super) t_price_groups: Table,
    pub(super) t_groups: Table,
    pub(super) t_products: Table,
    pub(super) t_prices: Table,
    pub(super) t_pos: Table,
    pub(super) t_receipts: Table,
    pub(super) failure: Option<Failure>,
    pub(super) requests: u64,
}

/// Deterministic ids in UUID form: the object type in the first group, a counter in the last.
pub(super) fn uid(tag: u32, n: u64) -> String {
    format!("{tag:08x}-0000-4000-8000-{n:012x}")
}

const TAG_SALES_TAX: u32 = 1;
const TAG_SECTOR: u32 = 2;
const TAG_PRICE_GROUP: u32 = 3;
const TAG_GROUP: u32 = 4;
pub(super) const TAG_PRODUCT: u32 = 5;
const TAG_PRICE: u32 = 6;
const TAG_POS: u32 = 7;

/// The demo catalogue: (name, commodity group, sector, price in cents, EAN?, unit).
/// Sector 0 = standard rate (19 %), 1 = reduced rate (7 %).
const DEMO_PRODUCTS: [(&str, usize, usize, i64, bool, &str); 42] = [
    ("Still Water 0.5 l", 0, 0, 129, true, "PIECE"),
    ("Sparkling Water 0.5 l", 0, 0, 129, true, "PIECE"),
    ("Cola 0.33 l", 0, 0, 189, true, "PIECE"),
    ("Orange Juice 1 l", 0, 0, 279, true, "PIECE"),
    ("Apple Spritzer 0.5 l", 0, 0, 169, true, "PIECE"),
    ("Iced Tea 0.5 l", 0, 0, 179, true, "PIECE"),
    ("Energy Drink 0.25 l", 0, 0, 219, true, "PIECE"),
    ("Lemonade 0.33 l", 0, 0, 199, true, "PIECE"),
    ("Mate Soda 0.5 l", 0, 0, 229, true, "PIECE"),
    ("Pretzel", 1, 1, 89, true, "PIECE"),
    ("Croissant", 1, 1, 119, true, "PIECE"),
    ("Rye Bread", 1, 1, 449, true, "KILOGRAM"),
    ("Baguette", 1, 1, 159, true, "PIECE"),
    ("Kaiser Roll", 1, 1, 45, true, "PIECE"),
    ("Chocolate Croissant", 1, 1, 149, true, "PIECE"),
    ("Cinnamon Roll", 1, 1, 189, true, "PIECE"),
    ("Apple Turnover", 1, 1, 169, true, "PIECE"),
    ("Whole Grain Roll", 1, 1, 65, true, "PIECE"),
    ("Whole Milk 1 l", 2, 1, 119, true, "PIECE"),
    ("Oat Drink 1 l", 2, 0, 199, true, "PIECE"),
    ("Greek Yogurt 500 g", 2, 1, 229, true, "PIECE"),
    ("Butter 250 g", 2, 1, 239, true, "PIECE"),
    ("Gouda Slices 150 g", 2, 1, 199, true, "PIECE"),
    ("Mozzarella 125 g", 2, 1, 99, true, "PIECE"),
    ("Cream Cheese 200 g", 2, 1, 149, true, "PIECE"),
    ("Skyr 450 g", 2, 1, 179, true, "PIECE"),
    ("Salted Crisps 175 g", 3, 1, 199, true, "PIECE"),
    ("Paprika Crisps 175 g", 3, 1, 199, true, "PIECE"),
    ("Milk Chocolate 100 g", 3, 1, 129, true, "PIECE"),
    ("Gummy Bears 200 g", 3, 1, 119, true, "PIECE"),
    ("Salted Peanuts 200 g", 3, 1, 179, true, "PIECE"),
    ("Cereal Bar", 3, 1, 69, true, "PIECE"),
    ("Pretzel Sticks 250 g", 3, 1, 99, true, "PIECE"),
    ("Dark Chocolate 100 g", 3, 1, 159, true, "PIECE"),
    ("Espresso", 4, 0, 190, false, "PORTION"),
    ("Cappuccino", 4, 0, 320, false, "PORTION"),
    ("Latte Macchiato", 4, 0, 350, false, "PORTION"),
    ("Filter Coffee", 4, 0, 250, false, "PORTION"),
    ("Hot Chocolate", 4, 0, 300, false, "PORTION"),
    ("Chai Latte", 4, 0, 360, false, "PORTION"),
    ("Black Tea", 4, 0, 220, false, "PORTION"),
    ("Green Tea", 4, 0, 220, false, "PORTION"),
];

/// The demo account's 8 standalone price objects: (product, price group, cents, valid from).
/// Staff prices for the hot drinks, two price changes already in effect and one scheduled
/// change far in the future (so that the demo never changes meaning).
const DEMO_PRICES: [(usize, usize, i64, &str); 8] = [
    (34, 1, 150, "2024-01-01T00:00:00Z"),
    (35, 1, 250, "2024-01-01T00:00:00Z"),
    (36, 1, 280, "2024-01-01T00:00:00Z"),
    (37, 1, 180, "2024-01-01T00:00:00Z"),
    (38, 1, 230, "2024-01-01T00:00:00Z"),
    (2, 0, 199, "2025-01-01T00:00:00Z"),
    (9, 0, 95, "2025-07-01T00:00:00Z"),
    (10, 0, 129, "2099-01-01T00:00:00Z"),
];

/// EAN-13 with its check digit from 12 digits.
pub(super) fn ean13(first12: u64) -> String {
    let digits = format!("{first12:012}");
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

impl Account {
    pub(super) fn next_revision(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    fn named(&mut self, tag: u32, n: u64, number: &str, name: &str) -> Named {
        Named {
            id: uid(tag, n),
            number: number.to_string(),
            name: name.to_string(),
            revision: self.next_revision(),
        }
    }

    /// Master data every simulated account shares: taxes, sectors, price groups,
    /// commodity groups and the point of sale.
    fn base() -> Account {
        let mut a = Account {
            revision: 0,
            sales_taxes: vec![],
            sectors: vec![],
            price_groups: vec![],
            groups: vec![],
            products: vec![],
            prices: vec![],
            points_of_sale: vec![],
            receipts: vec![],
            receipt_by_id: HashMap::new(),
            t_sales_taxes: Table::default(),
            t_sectors: Table::default(),
            t_price_groups: Table::default(),
            t_groups: Table::default(),
            t_products: Table::default(),
            t_prices: Table::default(),
            t_pos: Table::default(),
            t_receipts: Table::default(),
            failure: None,
            requests: 0,
        };
        for (i, (name, rate)) in [("VAT 19%", 19.0), ("VAT 7%", 7.0)].into_iter().enumerate() {
            let base = a.named(TAG_SALES_TAX, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_sales_taxes.push(base.revision, i);
            a.sales_taxes.push(SalesTax { base, rate });
        }
        for (i, name) in ["Standard rate", "Reduced rate"].into_iter().enumerate() {
            let base = a.named(TAG_SECTOR, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_sectors.push(base.revision, i);
            a.sectors.push(Sector { base, sales_tax: i });
        }
        for (i, name) in ["Standard", "Staff"].into_iter().enumerate() {
            let base = a.named(TAG_PRICE_GROUP, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_price_groups.push(base.revision, i);
            a.price_groups.push(PriceGroup { base });
        }
        let groups = [
            ("Beverages", None),
            ("Bakery", None),
            ("Dairy", None),
            ("Snacks", None),
            ("Hot Drinks", Some(0)),
        ];
        for (i, (name, parent)) in groups.into_iter().enumerate() {
            let base = a.named(TAG_GROUP, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_groups.push(base.revision, i);
            a.groups.push(CommodityGroup { base, parent });
        }
        let base = a.named(TAG_POS, 1, "1", "BEEP! Scan & Go");
        a.t_pos.push(base.revision, 0);
        a.points_of_sale.push(PointOfSale {
            base,
            coupling_id: COUPLING_ID.to_string(),
        });
        a
    }

    fn push_product(&mut self, mut p: Product) {
        p.revision = self.next_revision();
        self.t_products.push(p.revision, self.products.len());
        self.products.push(p);
    }

    pub(super) fn push_price(
        &mut self,
        product: usize,
        price_group: usize,
        value: i64,
        valid_from: &str,
    ) {
        let idx = self.prices.len();
        let revision = self.next_revision();
        self.prices.push(Price {
            id: uid(TAG_PRICE, idx as u64 + 1),
            number: (idx + 1).to_string(),
            revision,
            product,
            price_group,
            value,
            valid_from: valid_from.to_string(),
        });
        self.t_prices.push(revision, idx);
        self.products[product].prices.push(idx);
    }

    pub(super) fn demo() -> Account {
        let mut a = Account::base();
        for (i, (name, group, sector, cents, ean, unit)) in DEMO_PRODUCTS.into_iter().enumerate() {
            a.push_product(Product {
                id: uid(TAG_PRODUCT, i as u64 + 1),
                number: (1001 + i).to_string(),
                name: name.to_string(),
                revision: 0,
                group,
                sector,
                codes: if ean {
                    vec![ean13(400_638_100_000 + i as u64 + 1)]
                } else {
                    vec![]
                },
                base_price: cents,
                prices: vec![],
                deactivated: false,
                packaging_unit: unit,
            });
        }
        for (product, group, cents, valid_from) in DEMO_PRICES {
            a.push_price(product, group, cents, valid_from);
        }
        a
    }

    /// `n` generated products over the five commodity groups, no standalone prices.
    fn generated(n: usize) -> Account {
        let mut a = Account::base();
        a.products.reserve_exact(n);
        a.t_products.order.reserve_exact(n);
        for i in 0..n {
            a.push_product(Product {
                id: uid(TAG_PRODUCT, i as u64 + 1),
                number: (i + 1).to_string(),
                name: format!("Generated product {}", i + 1),
                revision: 0,
                group: i % 5,
                sector: usize::from(i % 5 == 1 || i % 5 == 2),
                codes: vec![ean13(200_000_000_000 + i as u64 + 1)],
                base_price: 49 + (i as i64 * 37) % 2000,
                prices: vec![],
                deactivated: false,
                packaging_unit: "PIECE",
            });
        }
        a
    }

    /// Builds the account a name stands for, if it stands for one.
    pub(super) fn create(name: &str) -> Option<Account> {
        if name == DEMO_ACCOUNT {
            return Some(Account::demo());
        }
        let n: usize = name.strip_prefix("gen-")?.parse().ok()?;
        (1..=MAX_GENERATED_PRODUCTS)
            .contains(&n)
            .then(|| Account::generated(n))
    }

    /// Index of a product by its id (ours are `uid(TAG_PRODUCT, index + 1)`) or number.
    pub(super) fn find_product(&self, id: Option<&str>, number: Option<&str>) -> Option<usize> {
        if let Some(id) = id {
            let id = id.to_ascii_lowercase();
            let n = u64::from_str_radix(id.rsplit('-').next()?, 16).ok()?;
            let idx = usize::try_from(n).ok()?.checked_sub(1)?;
            return self.products.get(idx).filter(|p| p.id == id).map(|_| idx);
        }
        let number = number?;
        self.products.iter().position(|p| p.number == number)
    }
}
