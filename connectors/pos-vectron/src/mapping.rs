//! Vectron → BEEP!: PLUs (with their product and main groups) from invoices, managed
//! articles from data entries, error bodies.

use crate::model::{DataEntry, DetailedInvoice, VndErrors};
use beep_sdk::money;
use beep_sdk::types::{Category, ConnectorError, Product};
use std::collections::BTreeMap;

/// External ids of managed articles: they are numbered, not UUIDs, and must not meet a
/// PLU's id.
pub const MANAGED_ARTICLE_PREFIX: &str = "managed-article:";

/// What one page of invoices says about the catalogue, each PLU and group once (the
/// latest invoice wins: invoices come in invoice order).
#[derive(Default)]
pub struct Catalog {
    pub products: BTreeMap<String, Product>,
    pub categories: BTreeMap<String, Category>,
}

fn tax_bps(rate: f64) -> Option<u32> {
    (rate.is_finite() && rate >= 0.0).then(|| (rate * 100.0).round() as u32)
}

impl Catalog {
    /// Adds an invoice. A cancelled invoice (`CANCELLED_INVOICE`) still names groups but
    /// says nothing reliable about PLUs and prices: it is used for categories only.
    pub fn add_invoice(
        &mut self,
        inv: &DetailedInvoice,
        default_currency: &str,
    ) -> Result<(), ConnectorError> {
        for g in &inv.main_groups {
            if g.main_group_id.is_empty() {
                continue;
            }
            self.categories.insert(
                g.main_group_id.clone(),
                Category {
                    external_id: g.main_group_id.clone(),
                    name: g.name.clone().unwrap_or_default(),
                    parent_id: None,
                },
            );
        }
        for g in &inv.product_groups {
            if g.product_group_id.is_empty() {
                continue;
            }
            // A product group's main group is only said by the products in it.
            let parent = inv
                .products
                .iter()
                .find(|p| p.product_group_id.as_deref() == Some(g.product_group_id.as_str()))
                .and_then(|p| p.main_group_id.clone())
                .or_else(|| {
                    self.categories
                        .get(&g.product_group_id)
                        .and_then(|c| c.parent_id.clone())
                });
            self.categories.insert(
                g.product_group_id.clone(),
                Category {
                    external_id: g.product_group_id.clone(),
                    name: g.name.clone().unwrap_or_default(),
                    parent_id: parent,
                },
            );
        }
        if inv.transaction_type.as_deref() == Some("CANCELLED_INVOICE") {
            return Ok(());
        }
        let currency = inv.currency.as_deref().unwrap_or(default_currency);
        // The item price of each PLU on this invoice: sold lines only (no returns).
        let mut sold: BTreeMap<&str, (f64, Option<f64>)> = BTreeMap::new();
        for item in &inv.items {
            let (Some(id), Some(price)) = (item.product_id.as_deref(), item.price) else {
                continue;
            };
            if price >= 0.0 && item.quantity.unwrap_or(1.0) > 0.0 {
                sold.insert(id, (price, item.tax_rate));
            }
        }
        for p in &inv.products {
            if p.product_id.is_empty() {
                continue;
            }
            let earlier = self.products.get(&p.product_id);
            let (price, tax_rate_bps) = match sold.get(p.product_id.as_str()) {
                Some((price, tax)) => (
                    Some(money::money(
                        money::from_major_f64(*price, currency)?,
                        currency,
                    )),
                    tax.and_then(tax_bps),
                ),
                // Named on the invoice without a sold line (e.g. only returned): keep
                // what an earlier invoice of this page said.
                None => (
                    earlier.and_then(|e| e.price.clone()),
                    earlier.and_then(|e| e.tax_rate_bps),
                ),
            };
            let number = p.number.clone().filter(|n| !n.is_empty());
            let name = p
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .or_else(|| number.as_ref().map(|n| format!("PLU {n}")))
                .unwrap_or_else(|| p.product_id.clone());
            self.products.insert(
                p.product_id.clone(),
                Product {
                    external_id: p.product_id.clone(),
                    sku: number,
                    name,
                    category_id: p.product_group_id.clone().or(p.main_group_id.clone()),
                    price,
                    tax_rate_bps,
                    gtins: vec![],
                    unit: None,
                    active: true,
                },
            );
        }
        Ok(())
    }
}

/// Managed articles of the data entries input after `after` (all when `None`), the
/// latest entry per article winning; and the latest `inputAt` seen (at least `after`).
///
/// `inputAt` is one format (`yyyy-MM-ddTHH:mm:ss`, UTC), so its text orders as time.
pub fn managed_articles(
    entries: &[DataEntry],
    after: Option<&str>,
    currency: &str,
) -> Result<(Vec<Product>, Option<String>), ConnectorError> {
    let mut newer: Vec<&DataEntry> = entries
        .iter()
        .filter(|e| match (e.input_at.as_deref(), after) {
            (Some(at), Some(after)) => at > after,
            (None, Some(_)) => false,
            (_, None) => true,
        })
        .collect();
    newer.sort_by(|a, b| a.input_at.cmp(&b.input_at));
    let latest = newer
        .iter()
        .filter_map(|e| e.input_at.clone())
        .max()
        .or_else(|| after.map(str::to_string));
    let mut by_no: BTreeMap<i64, Product> = BTreeMap::new();
    for entry in newer {
        for a in &entry.managed_articles {
            let Some(no) = a.managed_article_no else {
                continue;
            };
            let price = match a.price {
                Some(p) if p.is_finite() && p >= 0.0 => {
                    Some(money::money(money::from_major_f64(p, currency)?, currency))
                }
                _ => None,
            };
            by_no.insert(
                no,
                Product {
                    external_id: format!("{MANAGED_ARTICLE_PREFIX}{no}"),
                    // Managed article numbers are their own number range: they are not
                    // PLU numbers, so they are no SKU that sales could be matched by.
                    sku: None,
                    name: a
                        .managed_article_name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| format!("Article {no}")),
                    category_id: None,
                    price,
                    tax_rate_bps: None,
                    gtins: vec![],
                    unit: None,
                    active: true,
                },
            );
        }
    }
    Ok((by_no.into_values().collect(), latest))
}

/// The message of a `VndErrors` body.
pub fn error_message(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<VndErrors>(body)
        .ok()?
        .message
        .filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn invoice(v: serde_json::Value) -> DetailedInvoice {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn plus_groups_and_prices_from_invoices() {
        let mut c = Catalog::default();
        c.add_invoice(
            &invoice(json!({
                "invoiceId": "i1", "currency": "EUR", "transactionType": "INVOICE",
                "items": [
                    {"productId": "p1", "price": 4.2, "quantity": 2.0, "taxRate": 19.0},
                    {"productId": "p2", "price": 1.05, "quantity": 1.0, "taxRate": 7.0}
                ],
                "products": [
                    {"productId": "p1", "number": 105, "name": "Porterhouse-Steak", "productGroupId": "g1", "mainGroupId": "m1"},
                    {"productId": "p2", "number": "7", "name": " ", "productGroupId": null, "mainGroupId": "m1"}
                ],
                "productGroups": [{"productGroupId": "g1", "number": "7", "name": "Steaks"}],
                "mainGroups": [{"mainGroupId": "m1", "number": 13, "name": "Speisen"}]
            })),
            "EUR",
        )
        .unwrap();
        // A later invoice reprices p1; a cancelled one changes nothing but groups.
        c.add_invoice(
            &invoice(json!({
                "invoiceId": "i2",
                "items": [{"productId": "p1", "price": 4.5, "quantity": 1.0, "taxRate": 19.0}],
                "products": [{"productId": "p1", "number": "105", "name": "Steak", "productGroupId": "g1", "mainGroupId": "m1"}]
            })),
            "EUR",
        )
        .unwrap();
        c.add_invoice(
            &invoice(json!({
                "invoiceId": "i3", "transactionType": "CANCELLED_INVOICE",
                "items": [{"productId": "p1", "price": -4.5, "quantity": -1.0}],
                "products": [{"productId": "p1", "number": "105", "name": "Storno"}]
            })),
            "EUR",
        )
        .unwrap();
        let p1 = &c.products["p1"];
        assert_eq!(p1.name, "Steak");
        assert_eq!(p1.sku.as_deref(), Some("105"));
        assert_eq!(p1.category_id.as_deref(), Some("g1"));
        assert_eq!(p1.price.as_ref().map(|m| m.amount), Some(450));
        assert_eq!(p1.tax_rate_bps, Some(1900));
        let p2 = &c.products["p2"];
        assert_eq!(p2.name, "PLU 7");
        assert_eq!(p2.category_id.as_deref(), Some("m1"));
        assert_eq!(p2.price.as_ref().map(|m| m.amount), Some(105));
        assert_eq!(p2.tax_rate_bps, Some(700));
        assert_eq!(c.categories.len(), 2);
        assert_eq!(c.categories["g1"].parent_id.as_deref(), Some("m1"));
        assert_eq!(c.categories["m1"].parent_id, None);
        assert_eq!(c.categories["m1"].name, "Speisen");
    }

    #[test]
    fn managed_articles_after_a_timestamp_latest_wins() {
        let entries: Vec<DataEntry> = serde_json::from_value(json!([
            {"inputAt": "2026-01-09T06:30:00", "managedArticles": [
                {"managedArticleNo": 2, "managedArticleName": "Milch 1l", "price": 1.19}
            ]},
            {"inputAt": "2026-01-02T06:30:00", "managedArticles": [
                {"managedArticleNo": 1, "managedArticleName": "Kaffee 1kg", "price": 18.9},
                {"managedArticleNo": 2, "managedArticleName": "Milch 1l", "price": 1.15}
            ]}
        ]))
        .unwrap();
        let (all, latest) = managed_articles(&entries, None, "EUR").unwrap();
        assert_eq!(latest.as_deref(), Some("2026-01-09T06:30:00"));
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].external_id, "managed-article:2");
        assert_eq!(all[1].price.as_ref().map(|m| m.amount), Some(119));
        assert_eq!(all[0].sku, None);
        let (newer, latest) =
            managed_articles(&entries, Some("2026-01-02T06:30:00"), "EUR").unwrap();
        assert_eq!(newer.len(), 1);
        assert_eq!(latest.as_deref(), Some("2026-01-09T06:30:00"));
        let (none, latest) =
            managed_articles(&entries, Some("2026-01-09T06:30:00"), "EUR").unwrap();
        assert!(none.is_empty());
        assert_eq!(latest.as_deref(), Some("2026-01-09T06:30:00"));
    }

    #[test]
    fn vnd_error_messages() {
        assert_eq!(
            error_message(br#"{"code":401,"message":"Bad credentials"}"#).as_deref(),
            Some("Bad credentials")
        );
        assert_eq!(error_message(b"<html>"), None);
    }
}
