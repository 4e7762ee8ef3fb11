//! The stored PLUs and invoices, selling, and an invoice's `DetailedInvoice` JSON.

use super::seed::{FIRST_INVOICE_AT, INVOICE_GAP_MIN, MAIN_GROUPS, PRODUCT_GROUPS};
use super::{SITE_ID, SimState, format_rfc3339, uuid};
use serde_json::{Value, json};

pub(super) struct Plu {
    pub(super) id: String,
    pub(super) number: u32,
    pub(super) name: String,
    pub(super) group: usize,
    pub(super) price: i64,
}

struct Line {
    plu: usize,
    /// The PLU's name and price when it was sold (an invoice is a record of the sale).
    name: String,
    price: i64,
    quantity: u32,
}

pub(super) struct Invoice {
    pub(super) id: String,
    pub(super) number: i64,
    at: i64,
    lines: Vec<Line>,
}

impl SimState {
    /// Records an invoice selling `(plu, quantity)` at the PLUs' current names and prices.
    pub(super) fn sell(&mut self, lines: Vec<(usize, u32)>) -> &Invoice {
        let number = self.next_invoice;
        self.next_invoice += 1;
        let lines = lines
            .into_iter()
            .map(|(plu, quantity)| Line {
                plu,
                name: self.plus[plu].name.clone(),
                price: self.plus[plu].price,
                quantity,
            })
            .collect();
        self.invoices.push(Invoice {
            id: uuid(0x1a, number as u64),
            number,
            at: FIRST_INVOICE_AT + (number - 1) * INVOICE_GAP_MIN * 60,
            lines,
        });
        self.invoices.last().expect("just pushed")
    }

    pub(super) fn invoice_json(&self, inv: &Invoice) -> Value {
        let mut products: Vec<Value> = Vec::new();
        let mut groups: Vec<usize> = Vec::new();
        let mut items = Vec::new();
        let (mut total, mut net) = (0f64, 0f64);
        for (k, line) in inv.lines.iter().enumerate() {
            let plu = &self.plus[line.plu];
            let (_, main, tax, _) = PRODUCT_GROUPS[plu.group];
            let price = line.price as f64 / 100.0;
            total += price * f64::from(line.quantity);
            net += price * f64::from(line.quantity) / (1.0 + tax / 100.0);
            items.push(json!({
                "invoiceItemId": uuid(0x1b, (inv.number as u64) * 100 + k as u64),
                "productId": plu.id,
                "price": price,
                "quantity": f64::from(line.quantity),
                "taxRate": tax,
            }));
            if !products.iter().any(|p| p["productId"] == plu.id.as_str()) {
                products.push(json!({
                    "productId": plu.id,
                    "number": plu.number.to_string(),
                    "name": line.name,
                    "productGroupId": uuid(0x0c, plu.group as u64 + 1),
                    "mainGroupId": uuid(0x0b, main as u64 + 1),
                }));
            }
            if !groups.contains(&plu.group) {
                groups.push(plu.group);
            }
        }
        let mut mains: Vec<usize> = groups.iter().map(|g| PRODUCT_GROUPS[*g].1).collect();
        mains.sort_unstable();
        mains.dedup();
        json!({
            "invoiceId": inv.id,
            "invoiceNumber": inv.number,
            "siteId": SITE_ID,
            "cashRegisterId": uuid(0x0f, 1),
            "currency": "EUR",
            "transactionType": "INVOICE",
            "transactionAt": format_rfc3339(inv.at),
            "tableNumber": 0,
            "waiterNumber": 1,
            "total": (total * 100.0).round() / 100.0,
            "netTotal": (net * 100.0).round() / 100.0,
            "items": items,
            "products": products,
            "productGroups": groups.iter().map(|g| json!({
                "productGroupId": uuid(0x0c, *g as u64 + 1),
                "number": (g + 1).to_string(),
                "name": PRODUCT_GROUPS[*g].0,
            })).collect::<Vec<_>>(),
            "mainGroups": mains.iter().map(|m| json!({
                "mainGroupId": uuid(0x0b, *m as u64 + 1),
                "number": (m + 1).to_string(),
                "name": MAIN_GROUPS[*m],
            })).collect::<Vec<_>>(),
            "discounts": [], "surcharges": [], "itemDiscounts": [], "itemSurcharges": [],
            "canceledItems": [], "cancelReasons": [],
        })
    }
}
