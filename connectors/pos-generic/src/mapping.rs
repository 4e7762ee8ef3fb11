//! Protocol items → BEEP! types, and BEEP! sales → the protocol's sale.

use crate::model;
use beep_sdk::error::internal;
use beep_sdk::money;
use beep_sdk::types::{Category, ConnectorError, Money, PriceUpdate, Product, Sale};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes a protocol item; a malformed one is the server's fault, named with the entity.
pub fn decode<T: DeserializeOwned>(entity: &str, item: Value) -> Result<T, ConnectorError> {
    serde_json::from_value(item).map_err(|e| internal(format!("{entity} item: {e}")))
}

fn to_money(m: model::Money) -> Result<Money, ConnectorError> {
    if money::exponent(&m.currency).is_none() {
        return Err(internal(format!("unknown currency {:?}", m.currency)));
    }
    Ok(money::money(m.amount, &m.currency))
}

fn from_money(m: &Money) -> model::Money {
    model::Money {
        amount: m.amount,
        currency: m.currency.clone(),
    }
}

pub fn category(c: model::Category) -> Category {
    Category {
        external_id: c.id,
        name: c.name,
        parent_id: c.parent_id.filter(|p| !p.is_empty()),
    }
}

pub fn product(p: model::Product) -> Result<Product, ConnectorError> {
    Ok(Product {
        external_id: p.id,
        sku: p.sku.filter(|s| !s.is_empty()),
        name: p.name,
        category_id: p.category_id.filter(|c| !c.is_empty()),
        price: p.price.map(to_money).transpose()?,
        tax_rate_bps: p.tax_rate_bps,
        gtins: p.gtins.into_iter().filter(|g| !g.is_empty()).collect(),
        unit: p.unit,
        active: p.active,
    })
}

pub fn price_update(p: model::Price) -> Result<PriceUpdate, ConnectorError> {
    Ok(PriceUpdate {
        product_id: p.product_id,
        price: to_money(p.price)?,
        price_group: p.price_group,
        valid_from: p.valid_from,
    })
}

pub fn sale(s: &Sale) -> model::Sale {
    model::Sale {
        id: s.id.clone(),
        receipt_number: s.receipt_number.clone(),
        lines: s
            .lines
            .iter()
            .map(|l| model::SaleLine {
                product_id: l.product_id.clone(),
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                unit_price: from_money(&l.unit_price),
                total: from_money(&l.total),
                tax_rate_bps: l.tax_rate_bps,
            })
            .collect(),
        total: from_money(&s.total),
        tax_total: s.tax_total.as_ref().map(from_money),
        payments: s
            .payments
            .iter()
            .map(|p| model::SalePayment {
                method: p.method.clone(),
                amount: from_money(&p.amount),
                reference: p.reference.clone(),
            })
            .collect(),
        created_at: s.created_at.clone(),
    }
}
