#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]
//! A POS connector generated straight from wit/released/0.1.0, as a partner who built
//! against the released contract would have it.

wit_bindgen::generate!({
    world: "pos-connector",
    path: "../../../wit/released/0.1.0",
    generate_all,
});

use beep::connector::types::{
    CatalogPage, ConnectorError, ConnectorKind, Product, PushOutcome, PushResult, Sale,
};

struct Released;

impl Guest for Released {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "test-contract-0-1-0".into(),
            kind: ConnectorKind::Pos,
            version: "0.1.0".into(),
            systems: vec!["test-contract-0-1-0".into()],
            hosts: vec![],
            config_schema: "{}".into(),
        }
    }
}

impl exports::beep::connector::pos::Guest for Released {
    fn fetch_catalog(
        _config: String,
        _cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let product = Product {
            external_id: "released-1".into(),
            sku: Some("R1".into()),
            name: "Built against 0.1.0".into(),
            category_id: None,
            price: None,
            tax_rate_bps: Some(1900),
            gtins: vec![],
            unit: None,
            active: true,
        };
        Ok(CatalogPage {
            products: vec![product],
            categories: vec![],
            price_updates: vec![],
            next_cursor: None,
            has_more: false,
        })
    }

    fn push_sales(_config: String, sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        Ok(sales
            .into_iter()
            .map(|s| PushResult {
                id: s.id,
                outcome: PushOutcome::Created(None),
            })
            .collect())
    }
}

#[cfg(target_arch = "wasm32")]
export!(Released);
