//! An ERP connector with fixed data: 25 stock levels in pages of 10, 2 purchase orders,
//! 3 suppliers. Pushes are acknowledged through the Test Mode echo service, so the
//! egress audit shows one request per batch.

use beep_sdk::prelude::*;

struct Fixture;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    base_url: Option<String>,
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct Offset {
    offset: usize,
}

const LEVELS: usize = 25;
const PAGE: usize = 10;

impl beep_sdk::erp::Describe for Fixture {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "test-erp".into(),
            kind: ConnectorKind::Erp,
            version: "0.1.0".into(),
            systems: vec!["test-erp".into()],
            hosts: vec![],
            config_schema: "{}".into(),
        }
    }
}

fn acknowledge(config: &str, what: &str, n: usize) -> Result<(), ConnectorError> {
    let config: Config = parse_config(config)?;
    if let Some(base) = config.base_url {
        Request::post(format!("{base}/{what}"))
            .json(&serde_json::json!({ "count": n }))?
            .send()?
            .error_for_status()?;
    }
    Ok(())
}

impl beep_sdk::erp::Erp for Fixture {
    fn fetch_inventory(
        _config: String,
        cursor: Option<String>,
    ) -> Result<InventoryPage, ConnectorError> {
        let at: Offset = Cursor::decode(cursor.as_deref())?;
        let end = (at.offset + PAGE).min(LEVELS);
        let levels = (at.offset..end)
            .map(|i| StockLevel {
                external_id: format!("item-{i}"),
                sku: Some(format!("SKU-{i}")),
                warehouse_id: Some("main".into()),
                quantity: i as f64 + 0.5,
                unit: Some("pcs".into()),
                updated_at: None,
            })
            .collect();
        let has_more = end < LEVELS;
        // At the end, the cursor restarts: this fixture has no incremental reads.
        let next = if has_more {
            Some(Cursor::encode(&Offset { offset: end })?)
        } else {
            None
        };
        Ok(InventoryPage {
            levels,
            next_cursor: next,
            has_more,
        })
    }

    fn fetch_orders(
        _config: String,
        _cursor: Option<String>,
    ) -> Result<OrdersPage, ConnectorError> {
        let orders = (0..2)
            .map(|i| PurchaseOrder {
                external_id: format!("po-{i}"),
                supplier_id: Some("sup-0".into()),
                number: Some(format!("PO-{i}")),
                status: "open".into(),
                total: Some(money::money(10_000 + i, "EUR")),
                ordered_at: Some("2026-11-01T08:00:00Z".into()),
                lines: vec![OrderLine {
                    product_id: None,
                    sku: Some("SKU-1".into()),
                    description: Some("Club-Mate".into()),
                    quantity: 24.0,
                    unit_price: Some(money::money(99, "EUR")),
                }],
            })
            .collect();
        Ok(OrdersPage {
            orders,
            next_cursor: None,
            has_more: false,
        })
    }

    fn fetch_suppliers(
        _config: String,
        _cursor: Option<String>,
    ) -> Result<SuppliersPage, ConnectorError> {
        let suppliers = (0..3)
            .map(|i| Supplier {
                external_id: format!("sup-{i}"),
                name: format!("Lieferant {i}"),
                email: None,
                vat_id: Some(format!("DE{i:09}")),
            })
            .collect();
        Ok(SuppliersPage {
            suppliers,
            next_cursor: None,
            has_more: false,
        })
    }

    fn push_transactions(
        config: String,
        transactions: Vec<Transaction>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        acknowledge(&config, "transactions", transactions.len())?;
        Ok(transactions
            .into_iter()
            .map(|t| PushResult {
                outcome: PushOutcome::Created(Some(format!("erp-{}", t.id))),
                id: t.id,
            })
            .collect())
    }

    fn push_stock_changes(
        config: String,
        changes: Vec<StockChange>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        acknowledge(&config, "stock", changes.len())?;
        Ok(changes
            .into_iter()
            .map(|c| PushResult {
                outcome: PushOutcome::Created(None),
                id: c.id,
            })
            .collect())
    }
}

beep_sdk::export_erp!(Fixture);
