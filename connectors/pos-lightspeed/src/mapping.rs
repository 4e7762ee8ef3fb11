//! Lightspeed X-Series objects ⇄ the contract's types. Pure functions, unit-tested natively.

use beep_sdk::error::{invalid_config, upstream};
use beep_sdk::money;
use beep_sdk::types::{Category, ConnectorError, PriceUpdate, Product, PushOutcome, Sale};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

// ---- API 2.0 objects (only the fields we read) ------------------------------------------

/// `{"data":[…],"version":{"min","max"}}` (ProductCollection, PriceBookProductCollection).
#[derive(Deserialize, Debug)]
pub struct Collection<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub version: Option<Version>,
}

#[derive(Deserialize, Debug, Clone, Copy)]
pub struct Version {
    #[serde(default)]
    pub max: Option<u64>,
}

#[derive(Deserialize, Debug, Default)]
pub struct IdName {
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Deserialize, Debug)]
pub struct ProductCode {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Deserialize, Debug)]
pub struct LsProduct {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub variant_name: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(default)]
    pub price_including_tax: Option<f64>,
    #[serde(default)]
    pub price_excluding_tax: Option<f64>,
    #[serde(default)]
    pub product_type_id: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<IdName>,
    #[serde(default)]
    pub categories: Vec<IdName>,
    #[serde(default)]
    pub product_codes: Vec<ProductCode>,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub version: Option<u64>,
}

#[derive(Deserialize, Debug)]
pub struct LsPriceBookProduct {
    pub product_id: String,
    #[serde(default)]
    pub price_book_id: Option<String>,
    #[serde(default)]
    pub price: Option<f64>,
    #[serde(default)]
    pub default_display_price: Option<f64>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub version: Option<u64>,
}

/// `GET /product_categories`: `{"data":{"categories":[…]},"page_info":{"has_next","last_seen"}}`.
#[derive(Deserialize, Debug, Default)]
pub struct CategoryList {
    #[serde(default)]
    pub data: CategoryData,
    #[serde(default)]
    pub page_info: PageInfo,
}

#[derive(Deserialize, Debug, Default)]
pub struct CategoryData {
    #[serde(default)]
    pub categories: Vec<LsCategory>,
}

#[derive(Deserialize, Debug, Default)]
pub struct PageInfo {
    #[serde(default)]
    pub has_next: bool,
    #[serde(default)]
    pub last_seen: Option<String>,
}

#[derive(Deserialize, Debug)]
pub struct LsCategory {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub parent_category_id: Option<String>,
}

// ---- catalogue -------------------------------------------------------------------------

pub fn category(c: &LsCategory) -> Category {
    Category {
        external_id: c.id.clone(),
        name: c.name.clone().unwrap_or_else(|| c.id.clone()),
        parent_id: c.parent_category_id.clone().filter(|p| !p.is_empty()),
    }
}

/// The tax rate implied by the two prices the product carries (the API 2.0 product has
/// no tax id): `incl / excl - 1`, in basis points.
pub fn implied_tax_bps(incl: f64, excl: f64) -> Option<u32> {
    if !(incl.is_finite() && excl.is_finite()) || excl <= 0.0 || incl < excl {
        return None;
    }
    let bps = ((incl / excl - 1.0) * 10_000.0).round();
    (bps <= 10_000.0).then_some(bps as u32)
}

fn is_gtin_kind(kind: &str) -> bool {
    matches!(kind, "EAN" | "UPC" | "JAN" | "ITF" | "ISBN")
}

pub fn product(p: &LsProduct, currency: &str) -> Result<Product, ConnectorError> {
    let price = match p.price_including_tax {
        Some(v) => Some(money::money(money::from_major_f64(v, currency)?, currency)),
        None => None,
    };
    let tax_rate_bps = match (p.price_including_tax, p.price_excluding_tax) {
        (Some(incl), Some(excl)) => implied_tax_bps(incl, excl),
        _ => None,
    };
    let category_id = p
        .product_type_id
        .clone()
        .or_else(|| p.kind.as_ref().and_then(|t| t.id.clone()))
        .or_else(|| p.categories.first().and_then(|c| c.id.clone()))
        .filter(|c| !c.is_empty());
    let gtins = p
        .product_codes
        .iter()
        .filter(|c| c.kind.as_deref().is_some_and(is_gtin_kind))
        .filter_map(|c| c.code.clone())
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let name = p
        .name
        .clone()
        .or_else(|| p.variant_name.clone())
        .unwrap_or_else(|| p.id.clone());
    Ok(Product {
        external_id: p.id.clone(),
        sku: p.sku.clone().filter(|s| !s.is_empty()),
        name,
        category_id,
        price,
        tax_rate_bps,
        gtins,
        unit: None,
        active: p.active.or(p.is_active).unwrap_or(true) && p.deleted_at.is_none(),
    })
}

/// A price-book price as a price update (the tax-inclusive display price when given);
/// deleted entries are skipped.
pub fn price_update(
    e: &LsPriceBookProduct,
    currency: &str,
) -> Result<Option<PriceUpdate>, ConnectorError> {
    if e.deleted_at.is_some() {
        return Ok(None);
    }
    let Some(value) = e.default_display_price.or(e.price) else {
        return Ok(None);
    };
    Ok(Some(PriceUpdate {
        product_id: e.product_id.clone(),
        price: money::money(money::from_major_f64(value, currency)?, currency),
        price_group: e.price_book_id.clone(),
        valid_from: e.valid_from.clone(),
    }))
}

/// A small, stable digest (FNV-1a) of a category page, to notice unchanged pages.
pub fn digest(categories: &[LsCategory]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in categories {
        for part in [
            c.id.as_str(),
            c.name.as_deref().unwrap_or(""),
            c.parent_category_id.as_deref().unwrap_or(""),
        ] {
            for b in part.bytes().chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h
}

// ---- register sales --------------------------------------------------------------------

#[derive(Serialize, Debug)]
pub struct RegisterSale {
    pub register_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub sale_date: String,
    pub status: &'static str,
    pub source: &'static str,
    pub source_id: String,
    pub invoice_number: String,
    pub note: String,
    pub register_sale_products: Vec<RegisterSaleProduct>,
    pub register_sale_payments: Vec<RegisterSalePayment>,
}

#[derive(Serialize, Debug)]
pub struct RegisterSaleProduct {
    pub product_id: String,
    pub quantity: f64,
    /// Unit price excluding tax, major units.
    pub price: f64,
    /// Unit tax, major units.
    pub tax: f64,
    pub status: &'static str,
}

#[derive(Serialize, Debug)]
pub struct RegisterSalePayment {
    pub retailer_payment_type_id: String,
    pub payment_date: String,
    pub amount: f64,
}

fn round5(v: f64) -> f64 {
    (v * 100_000.0).round() / 100_000.0
}

/// Splits a tax-inclusive unit price (minor units) into Lightspeed's net price and tax
/// per unit (major units, five decimals).
pub fn split_gross(
    gross_minor: i64,
    bps: u32,
    currency: &str,
) -> Result<(f64, f64), ConnectorError> {
    let gross = money::to_major_f64(&money::money(gross_minor, currency))?;
    let price = round5(gross * 10_000.0 / (10_000.0 + f64::from(bps)));
    Ok((price, round5(gross - price)))
}

pub struct SaleCtx<'a> {
    pub register_id: &'a str,
    pub user_id: Option<&'a str>,
    pub currency: &'a str,
    /// BEEP! payment method → `retailer_payment_type_id` ("default" for any other).
    pub payment_types: &'a BTreeMap<String, String>,
}

/// The register sale for a BEEP! sale. `product_ids` are the lines' Lightspeed product ids
/// (resolved by the caller from `product-id` or `sku`), in line order.
pub fn register_sale(
    sale: &Sale,
    product_ids: &[String],
    ctx: &SaleCtx,
) -> Result<RegisterSale, ConnectorError> {
    if !sale.total.currency.eq_ignore_ascii_case(ctx.currency) {
        return Err(invalid_config(format!(
            "sale in {} but the store's currency is {}",
            sale.total.currency, ctx.currency
        )));
    }
    if sale.lines.is_empty() || product_ids.len() != sale.lines.len() {
        return Err(invalid_config(
            "a register sale needs at least one product line",
        ));
    }
    let mut products = Vec::with_capacity(sale.lines.len());
    for (line, product_id) in sale.lines.iter().zip(product_ids) {
        let (price, tax) = split_gross(
            line.unit_price.amount,
            line.tax_rate_bps.unwrap_or(0),
            ctx.currency,
        )?;
        products.push(RegisterSaleProduct {
            product_id: product_id.clone(),
            quantity: line.quantity,
            price,
            tax,
            status: "CONFIRMED",
        });
    }
    let mut payments = Vec::with_capacity(sale.payments.len());
    for p in &sale.payments {
        let kind = ctx
            .payment_types
            .get(&p.method)
            .or_else(|| ctx.payment_types.get("default"))
            .ok_or_else(|| {
                invalid_config(format!(
                    "config: paymentTypes has no Lightspeed payment type for {:?}",
                    p.method
                ))
            })?;
        payments.push(RegisterSalePayment {
            retailer_payment_type_id: kind.clone(),
            payment_date: sale.created_at.clone(),
            amount: money::to_major_f64(&p.amount)?,
        });
    }
    Ok(RegisterSale {
        register_id: ctx.register_id.to_string(),
        user_id: ctx.user_id.map(str::to_string),
        sale_date: sale.created_at.clone(),
        status: "CLOSED",
        source: "BEEP",
        source_id: sale.id.clone(),
        invoice_number: sale.receipt_number.clone(),
        note: format!("BEEP! receipt {}", sale.receipt_number),
        register_sale_products: products,
        register_sale_payments: payments,
    })
}

/// The outcome of `POST /api/register_sales`: 201 is a new sale; 200 answering with a
/// sale of the same `source_id` is the vendor recognising a resend; 400/422 reject this
/// sale alone. `None`: any other status, which fails the whole call.
pub fn push_outcome(status: u16, body: &[u8], sale_id: &str) -> Option<PushOutcome> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let rs = &v["register_sale"];
    let id = rs["id"].as_str().map(str::to_string);
    match status {
        201 => Some(PushOutcome::Created(id)),
        200 if rs["source_id"].as_str() == Some(sale_id) => Some(PushOutcome::Duplicate(id)),
        200..=299 => Some(PushOutcome::Created(id)),
        400 | 422 => Some(PushOutcome::Rejected(upstream(
            status,
            error_message(body).unwrap_or_else(|| format!("rejected with status {status}")),
        ))),
        _ => None,
    }
}

/// Lightspeed's error bodies: `{"error": "…"}` (2.0), `{"error","details"}` (0.9).
pub fn error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    match (text("error").or_else(|| text("message")), text("details")) {
        (Some(e), Some(d)) => Some(format!("{e}: {d}")),
        (Some(e), None) => Some(e.to_string()),
        (None, Some(d)) => Some(d.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::types::{Money, SaleLine, SalePayment};
    use serde_json::json;

    fn eur(amount: i64) -> Money {
        money::money(amount, "EUR")
    }

    #[test]
    fn products_map_prices_taxes_codes_and_categories() {
        let p: LsProduct = serde_json::from_value(json!({
            "id": "p1", "name": "Club-Mate", "sku": "1001", "active": true,
            "price_including_tax": 1.89, "price_excluding_tax": 1.58824,
            "product_type_id": "c1", "categories": [{"id": "c9", "name": "x"}],
            "product_codes": [{"type": "EAN", "code": "4000000000017"}, {"type": "CUSTOM", "code": "A-1"}],
            "version": 7, "deleted_at": null
        }))
        .unwrap();
        let m = product(&p, "EUR").unwrap();
        assert_eq!(m.external_id, "p1");
        assert_eq!(m.sku.as_deref(), Some("1001"));
        assert_eq!(
            (
                m.price.as_ref().unwrap().amount,
                m.price.as_ref().unwrap().currency.as_str()
            ),
            (189, "EUR")
        );
        assert_eq!(m.tax_rate_bps, Some(1900));
        assert_eq!(m.gtins, vec!["4000000000017".to_string()]);
        assert_eq!(m.category_id.as_deref(), Some("c1"));
        assert!(m.active);

        // The spec's own example: 3.02632 / 2.63158 is 15 % GST.
        assert_eq!(implied_tax_bps(3.02632, 2.63158), Some(1500));
        assert_eq!(implied_tax_bps(0.10, 0.09346), Some(700));
        assert_eq!(implied_tax_bps(1.0, 0.0), None);

        let deleted: LsProduct = serde_json::from_value(json!({
            "id": "p2", "variant_name": "V", "deleted_at": "2024-01-01T00:00:00+00:00",
            "categories": [{"id": "c9", "name": "x"}], "price_including_tax": 1000, "price_excluding_tax": 1000
        }))
        .unwrap();
        let m = product(&deleted, "JPY").unwrap();
        assert!(!m.active);
        assert_eq!(m.name, "V");
        assert_eq!(m.category_id.as_deref(), Some("c9"));
        assert_eq!(m.price.unwrap().amount, 1000);
        assert_eq!(m.tax_rate_bps, Some(0));
    }

    #[test]
    fn price_book_entries_become_price_updates() {
        let e: LsPriceBookProduct = serde_json::from_value(json!({
            "id": "e1", "product_id": "p1", "price_book_id": "pb", "price": 1.42017,
            "default_display_price": 1.69, "tax_id": "t", "version": 9
        }))
        .unwrap();
        let u = price_update(&e, "EUR").unwrap().unwrap();
        assert_eq!((u.product_id.as_str(), u.price.amount), ("p1", 169));
        assert_eq!(u.price_group.as_deref(), Some("pb"));
        let net_only: LsPriceBookProduct =
            serde_json::from_value(json!({"product_id": "p1", "price": 246.92})).unwrap();
        assert_eq!(
            price_update(&net_only, "EUR")
                .unwrap()
                .unwrap()
                .price
                .amount,
            24692
        );
        let gone: LsPriceBookProduct = serde_json::from_value(
            json!({"product_id": "p1", "price": 1, "deleted_at": "2024-01-01"}),
        )
        .unwrap();
        assert!(price_update(&gone, "EUR").unwrap().is_none());
    }

    #[test]
    fn categories_and_digests() {
        let list: CategoryList = serde_json::from_value(json!({
            "data": {"categories": [
                {"id": "a", "name": "Drinks", "parent_category_id": null},
                {"id": "b", "name": "Soft", "parent_category_id": "a"}
            ]},
            "page_info": {"has_next": false, "last_seen": "b"}
        }))
        .unwrap();
        let cats: Vec<Category> = list.data.categories.iter().map(category).collect();
        assert_eq!(cats[1].parent_id.as_deref(), Some("a"));
        assert_eq!(cats[0].parent_id, None);
        let d = digest(&list.data.categories);
        assert_eq!(d, digest(&list.data.categories));
        assert_ne!(d, digest(&list.data.categories[..1]));
    }

    fn sale() -> Sale {
        Sale {
            id: "s-1".into(),
            receipt_number: "R-1".into(),
            lines: vec![
                SaleLine {
                    product_id: Some("p1".into()),
                    sku: None,
                    name: "Mate".into(),
                    quantity: 2.0,
                    unit_price: eur(189),
                    total: eur(378),
                    tax_rate_bps: Some(1900),
                },
                SaleLine {
                    product_id: None,
                    sku: Some("1002".into()),
                    name: "Brezel".into(),
                    quantity: 1.0,
                    unit_price: eur(95),
                    total: eur(95),
                    tax_rate_bps: Some(700),
                },
            ],
            total: eur(473),
            tax_total: None,
            payments: vec![SalePayment {
                method: "card".into(),
                amount: eur(473),
                reference: Some("pi".into()),
            }],
            created_at: "2026-06-01T12:00:00Z".into(),
        }
    }

    #[test]
    fn sales_become_register_sales() {
        let types = BTreeMap::from([("card".to_string(), "pt-card".to_string())]);
        let ctx = SaleCtx {
            register_id: "reg",
            user_id: None,
            currency: "EUR",
            payment_types: &types,
        };
        let rs = register_sale(&sale(), &["p1".into(), "p2".into()], &ctx).unwrap();
        let v = serde_json::to_value(&rs).unwrap();
        assert_eq!(v["source_id"], "s-1");
        assert_eq!(v["invoice_number"], "R-1");
        assert_eq!(v["status"], "CLOSED");
        assert_eq!(
            v["register_sale_products"][0],
            json!({"product_id": "p1", "quantity": 2.0, "price": 1.58824, "tax": 0.30176, "status": "CONFIRMED"})
        );
        assert_eq!(v["register_sale_products"][1]["price"], 0.88785);
        assert_eq!(
            v["register_sale_payments"][0],
            json!({"retailer_payment_type_id": "pt-card", "payment_date": "2026-06-01T12:00:00Z", "amount": 4.73})
        );
        assert!(v.get("user_id").is_none());

        let mut cash = sale();
        cash.payments[0].method = "cash".into();
        assert!(matches!(
            register_sale(&cash, &["p1".into(), "p2".into()], &ctx),
            Err(ConnectorError::InvalidConfig(_))
        ));
        let mut usd = sale();
        usd.total = money::money(473, "USD");
        assert!(matches!(
            register_sale(&usd, &["p1".into(), "p2".into()], &ctx),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }

    #[test]
    fn push_outcomes_and_error_messages() {
        let body = br#"{"register_sale":{"id":"ls-1","source_id":"s-1"}}"#;
        assert!(
            matches!(push_outcome(201, body, "s-1"), Some(PushOutcome::Created(Some(id))) if id == "ls-1")
        );
        assert!(
            matches!(push_outcome(200, body, "s-1"), Some(PushOutcome::Duplicate(Some(id))) if id == "ls-1")
        );
        assert!(matches!(
            push_outcome(200, body, "s-2"),
            Some(PushOutcome::Created(_))
        ));
        let bad = br#"{"error":"Bad Request","details":"product_id not found"}"#;
        match push_outcome(400, bad, "s-1") {
            Some(PushOutcome::Rejected(ConnectorError::Upstream(e))) => {
                assert_eq!(
                    (e.status, e.message.as_str()),
                    (400, "Bad Request: product_id not found")
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(push_outcome(500, b"", "s-1").is_none());
        assert_eq!(
            error_message(br#"{"error":"Access token is not valid"}"#).as_deref(),
            Some("Access token is not valid")
        );
        assert_eq!(error_message(b"<html>"), None);
    }
}
