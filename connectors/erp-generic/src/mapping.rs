//! Protocol items → BEEP! types, and BEEP! transactions and stock changes → the protocol.

use crate::model;
use beep_sdk::error::internal;
use beep_sdk::money;
use beep_sdk::types::{
    ConnectorError, Money, OrderLine, PurchaseOrder, StockChange, StockLevel, Supplier,
    Transaction, TransactionKind,
};
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

pub fn stock_level(s: model::StockLevel) -> StockLevel {
    StockLevel {
        external_id: s.id,
        sku: s.sku.filter(|s| !s.is_empty()),
        warehouse_id: s.warehouse_id,
        quantity: s.quantity,
        unit: s.unit,
        updated_at: s.updated_at,
    }
}

pub fn order(o: model::Order) -> Result<PurchaseOrder, ConnectorError> {
    Ok(PurchaseOrder {
        external_id: o.id,
        supplier_id: o.supplier_id,
        number: o.number,
        status: o.status.unwrap_or_else(|| "open".into()),
        total: o.total.map(to_money).transpose()?,
        ordered_at: o.ordered_at,
        lines: o
            .lines
            .into_iter()
            .map(|l| {
                Ok(OrderLine {
                    product_id: l.product_id,
                    sku: l.sku,
                    description: l.description,
                    quantity: l.quantity,
                    unit_price: l.unit_price.map(to_money).transpose()?,
                })
            })
            .collect::<Result<_, ConnectorError>>()?,
    })
}

pub fn supplier(s: model::Supplier) -> Supplier {
    Supplier {
        external_id: s.id,
        name: s.name,
        email: s.email.filter(|e| !e.is_empty()),
        vat_id: s.vat_id.filter(|v| !v.is_empty()),
    }
}

pub fn transaction(t: &Transaction) -> model::Transaction {
    model::Transaction {
        id: t.id.clone(),
        kind: match t.kind {
            TransactionKind::Sale => "sale",
            TransactionKind::Payment => "payment",
            TransactionKind::Refund => "refund",
            TransactionKind::Chargeback => "chargeback",
            TransactionKind::Fee => "fee",
            TransactionKind::Payout => "payout",
        },
        amount: from_money(&t.amount),
        reference: t.reference.clone(),
        sale_id: t.sale_id.clone(),
        payment_method: t.payment_method.clone(),
        occurred_at: t.occurred_at.clone(),
    }
}

pub fn stock_change(c: &StockChange) -> model::StockChange {
    model::StockChange {
        id: c.id.clone(),
        product_id: c.product_id.clone(),
        sku: c.sku.clone(),
        quantity_delta: c.quantity_delta,
        reason: c.reason.clone(),
        occurred_at: c.occurred_at.clone(),
    }
}
