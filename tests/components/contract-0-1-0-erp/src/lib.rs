#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]
//! An ERP connector generated straight from wit/released/0.1.0, as a partner who built
//! against the released contract would have it: it reads nothing and accepts every
//! transaction and stock change it is given (its contract knows sales, payments and
//! refunds only).

wit_bindgen::generate!({
    world: "erp-connector",
    path: "../../../wit/released/0.1.0",
    generate_all,
});

use beep::connector::types::{
    ConnectorError, ConnectorKind, InventoryPage, OrdersPage, PushOutcome, PushResult, StockChange,
    SuppliersPage, Transaction,
};

struct Released;

impl Guest for Released {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "test-contract-0-1-0-erp".into(),
            kind: ConnectorKind::Erp,
            version: "0.1.0".into(),
            systems: vec!["test-contract-0-1-0-erp".into()],
            hosts: vec![],
            config_schema: "{}".into(),
        }
    }
}

fn accepted(id: &str) -> PushResult {
    PushResult {
        id: id.to_string(),
        outcome: PushOutcome::Created(Some(format!("erp-{id}"))),
    }
}

impl exports::beep::connector::erp::Guest for Released {
    fn fetch_inventory(_: String, _: Option<String>) -> Result<InventoryPage, ConnectorError> {
        Ok(InventoryPage {
            levels: vec![],
            next_cursor: None,
            has_more: false,
        })
    }
    fn fetch_orders(_: String, _: Option<String>) -> Result<OrdersPage, ConnectorError> {
        Ok(OrdersPage {
            orders: vec![],
            next_cursor: None,
            has_more: false,
        })
    }
    fn fetch_suppliers(_: String, _: Option<String>) -> Result<SuppliersPage, ConnectorError> {
        Ok(SuppliersPage {
            suppliers: vec![],
            next_cursor: None,
            has_more: false,
        })
    }
    fn push_transactions(
        _: String,
        transactions: Vec<Transaction>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        Ok(transactions.iter().map(|t| accepted(&t.id)).collect())
    }
    fn push_stock_changes(
        _: String,
        changes: Vec<StockChange>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        Ok(changes.iter().map(|c| accepted(&c.id)).collect())
    }
}

export!(Released);
