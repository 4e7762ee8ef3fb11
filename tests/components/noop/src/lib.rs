//! A POS connector that answers without I/O: measures the cost of a call itself.

use beep_sdk::prelude::*;

struct Noop;

impl beep_sdk::pos::Describe for Noop {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "test-noop".into(),
            kind: ConnectorKind::Pos,
            version: "0.1.0".into(),
            systems: vec!["test-noop".into()],
            hosts: vec![],
            config_schema: "{}".into(),
        }
    }
}

impl beep_sdk::pos::Pos for Noop {
    fn fetch_catalog(
        _config: String,
        _cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        Ok(CatalogPage {
            products: vec![],
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

beep_sdk::export_pos!(Noop);
