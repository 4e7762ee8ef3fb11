//! SumUp objects → the contract's types. Pure functions, unit-tested natively.

use crate::model::{ErrorBody, HistoryLink, SoldProduct};
use beep_sdk::money;
use beep_sdk::types::{ConnectorError, Product};

/// The product a sold line stands for. SumUp gives catalogue items no id in its API, so
/// the item's name is its identity; the gross price (`price_with_vat`, else `price`) is
/// the shelf price; no SKU, GTIN, unit or category exists there. `None` for a line
/// without a name.
pub fn product(p: &SoldProduct, currency: &str) -> Result<Option<Product>, ConnectorError> {
    let Some(name) = p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let price = match p.price_with_vat.or(p.price) {
        Some(v) => Some(money::money(money::from_major_f64(v, currency)?, currency)),
        None => None,
    };
    Ok(Some(Product {
        external_id: name.to_string(),
        sku: None,
        name: name.to_string(),
        category_id: None,
        price,
        tax_rate_bps: p.vat_rate.and_then(fraction_to_bps),
        gtins: Vec::new(),
        unit: None,
        active: true,
    }))
}

/// SumUp's VAT rate (a fraction, 0.19) in basis points (1900).
pub fn fraction_to_bps(rate: f64) -> Option<u32> {
    (rate.is_finite() && (0.0..=1.0).contains(&rate)).then(|| (rate * 10_000.0).round() as u32)
}

/// The `oldest_ref` a `next` link continues from.
pub fn next_ref(links: &[HistoryLink]) -> Option<String> {
    let next = links.iter().find(|l| l.rel.eq_ignore_ascii_case("next"))?;
    let query = next
        .href
        .split_once('?')
        .map_or(next.href.as_str(), |(_, q)| q);
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("oldest_ref="))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

/// Whether the page says more follow.
pub fn has_next(links: &[HistoryLink]) -> bool {
    links.iter().any(|l| l.rel.eq_ignore_ascii_case("next"))
}

/// The vendor's reason from either error shape.
pub fn error_message(body: &[u8]) -> Option<String> {
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
    let text = e.detail.or(e.message).or(e.title)?;
    Some(match e.error_code {
        Some(code) => format!("{text} ({code})"),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Money has no PartialEq (generated binding): compare EUR amounts.
    fn eur(m: &Option<beep_sdk::types::Money>) -> Option<i64> {
        m.as_ref().map(|m| {
            assert_eq!(m.currency, "EUR");
            m.amount
        })
    }
    use serde_json::json;

    fn sold(v: serde_json::Value) -> SoldProduct {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn sold_lines_become_products() {
        let p = product(
            &sold(json!({"name": " Espresso ", "price": 2.1, "vat_rate": 0.19, "price_with_vat": 2.5})),
            "EUR",
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.external_id, "Espresso");
        assert_eq!(eur(&p.price), Some(250));
        assert_eq!(p.tax_rate_bps, Some(1900));
        assert!(p.active && p.sku.is_none() && p.gtins.is_empty() && p.category_id.is_none());
        // Net price only: used as given; no VAT rate: none.
        let p = product(&sold(json!({"name": "Brezel", "price": 1.2})), "EUR")
            .unwrap()
            .unwrap();
        assert_eq!(eur(&p.price), Some(120));
        assert_eq!(p.tax_rate_bps, None);
        assert!(
            product(&sold(json!({"price": 1.0})), "EUR")
                .unwrap()
                .is_none()
        );
        assert!(product(&sold(json!({"name": "x", "price": 1.0})), "XXX").is_err());
        assert_eq!(fraction_to_bps(0.07), Some(700));
        assert_eq!(fraction_to_bps(0.081), Some(810));
        assert_eq!(fraction_to_bps(19.0), None);
    }

    #[test]
    fn links_and_errors() {
        let links = vec![HistoryLink {
            rel: "next".into(),
            href: "limit=10&oldest_ref=090df9bf-93b7&order=ascending".into(),
        }];
        assert_eq!(next_ref(&links).as_deref(), Some("090df9bf-93b7"));
        assert!(has_next(&links));
        assert_eq!(next_ref(&[]), None);
        assert_eq!(
            error_message(
                br#"{"type":"x","title":"Unauthorized","status":401,"detail":"Unauthorized."}"#
            )
            .as_deref(),
            Some("Unauthorized.")
        );
        assert_eq!(
            error_message(br#"{"message":"Validation error","error_code":"INVALID"}"#).as_deref(),
            Some("Validation error (INVALID)")
        );
        assert_eq!(error_message(b"<html>"), None);
    }
}
