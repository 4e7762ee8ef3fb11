//! What an ERP sync writes (stock levels, purchase orders, suppliers) and reads back.

use super::{Backend, CHUNK, Db, now_ms, placeholders};
use crate::runtime::bindings::types::{PurchaseOrder, StockLevel, Supplier};
use serde_json::{Value, json};
use sqlx::{Any, Row, Transaction};

pub async fn upsert_inventory(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    store_id: &str,
    system: &str,
    levels: &[StockLevel],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in levels.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO inventory (store_id, system, external_id, warehouse_id, sku, quantity, unit, upstream_updated_at, updated_at) VALUES {}
             ON CONFLICT (store_id, system, external_id, warehouse_id) DO UPDATE SET sku = excluded.sku, quantity = excluded.quantity,
               unit = excluded.unit, upstream_updated_at = excluded.upstream_updated_at, updated_at = excluded.updated_at",
            placeholders(backend, chunk.len(), 9)
        );
        let mut q = sqlx::query::<Any>(&sql);
        for l in chunk {
            q = q
                .bind(store_id)
                .bind(system)
                .bind(&l.external_id)
                .bind(l.warehouse_id.as_deref().unwrap_or(""))
                .bind(l.sku.as_deref())
                .bind(l.quantity)
                .bind(l.unit.as_deref())
                .bind(l.updated_at.as_deref())
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn upsert_orders(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    store_id: &str,
    system: &str,
    orders: &[PurchaseOrder],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in orders.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO purchase_orders (store_id, system, external_id, supplier_id, number, status, total_amount, currency, ordered_at, lines, updated_at) VALUES {}
             ON CONFLICT (store_id, system, external_id) DO UPDATE SET supplier_id = excluded.supplier_id, number = excluded.number, status = excluded.status,
               total_amount = excluded.total_amount, currency = excluded.currency, ordered_at = excluded.ordered_at, lines = excluded.lines, updated_at = excluded.updated_at",
            placeholders(backend, chunk.len(), 11)
        );
        let mut q = sqlx::query::<Any>(&sql);
        for o in chunk {
            let lines: Vec<Value> = o
                .lines
                .iter()
                .map(|l| {
                    json!({
                        "productId": l.product_id,
                        "sku": l.sku,
                        "description": l.description,
                        "quantity": l.quantity,
                        "unitPrice": l.unit_price.as_ref().map(|m| json!({"amount": m.amount, "currency": m.currency})),
                    })
                })
                .collect();
            q = q
                .bind(store_id)
                .bind(system)
                .bind(&o.external_id)
                .bind(o.supplier_id.as_deref())
                .bind(o.number.as_deref())
                .bind(&o.status)
                .bind(o.total.as_ref().map(|m| m.amount))
                .bind(o.total.as_ref().map(|m| m.currency.as_str()))
                .bind(o.ordered_at.as_deref())
                .bind(Value::Array(lines).to_string())
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn upsert_suppliers(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    store_id: &str,
    system: &str,
    suppliers: &[Supplier],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in suppliers.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO suppliers (store_id, system, external_id, name, email, vat_id, updated_at) VALUES {}
             ON CONFLICT (store_id, system, external_id) DO UPDATE SET name = excluded.name, email = excluded.email, vat_id = excluded.vat_id, updated_at = excluded.updated_at",
            placeholders(backend, chunk.len(), 7)
        );
        let mut q = sqlx::query::<Any>(&sql);
        for s in chunk {
            q = q
                .bind(store_id)
                .bind(system)
                .bind(&s.external_id)
                .bind(&s.name)
                .bind(s.email.as_deref())
                .bind(s.vat_id.as_deref())
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A stock level as `GET /inventory` shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InventoryRow {
    pub system: String,
    pub external_id: String,
    pub warehouse_id: Option<String>,
    pub sku: Option<String>,
    pub quantity: f64,
    pub unit: Option<String>,
    pub upstream_updated_at: Option<String>,
    pub updated_at: i64,
}

/// A purchase order as `GET /orders` shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderRow {
    pub system: String,
    pub external_id: String,
    pub supplier_id: Option<String>,
    pub number: Option<String>,
    pub status: String,
    pub total: Option<super::Amount>,
    pub ordered_at: Option<String>,
    /// The order lines as the connector reported them.
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<Value>,
}

/// A supplier as `GET /suppliers` shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupplierRow {
    pub system: String,
    pub external_id: String,
    pub name: String,
    pub email: Option<String>,
    pub vat_id: Option<String>,
}

pub async fn list_inventory(
    db: &Db,
    store_id: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<InventoryRow>, i64)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM inventory WHERE store_id = $1")
        .bind(store_id)
        .fetch_one(&db.pool)
        .await?
        .get(0);
    let rows = sqlx::query(
        "SELECT system, external_id, warehouse_id, sku, quantity, unit, upstream_updated_at, updated_at FROM inventory
         WHERE store_id = $1 ORDER BY system, external_id, warehouse_id LIMIT $2 OFFSET $3",
    )
    .bind(store_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let warehouse: String = r.get(2);
            InventoryRow {
                system: r.get(0),
                external_id: r.get(1),
                warehouse_id: (!warehouse.is_empty()).then_some(warehouse),
                sku: r.get(3),
                quantity: r.get(4),
                unit: r.get(5),
                upstream_updated_at: r.get(6),
                updated_at: r.get(7),
            }
        })
        .collect();
    Ok((items, total))
}

pub async fn list_orders(
    db: &Db,
    store_id: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<OrderRow>, i64)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM purchase_orders WHERE store_id = $1")
        .bind(store_id)
        .fetch_one(&db.pool)
        .await?
        .get(0);
    let rows = sqlx::query(
        "SELECT system, external_id, supplier_id, number, status, total_amount, currency, ordered_at, lines FROM purchase_orders
         WHERE store_id = $1 ORDER BY system, external_id LIMIT $2 OFFSET $3",
    )
    .bind(store_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let amount: Option<i64> = r.get(5);
            let currency: Option<String> = r.get(6);
            OrderRow {
                system: r.get(0),
                external_id: r.get(1),
                supplier_id: r.get(2),
                number: r.get(3),
                status: r.get(4),
                total: super::Amount::from_parts(amount, currency),
                ordered_at: r.get(7),
                lines: serde_json::from_str(&r.get::<String, _>(8)).unwrap_or_default(),
            }
        })
        .collect();
    Ok((items, total))
}

pub async fn list_suppliers(
    db: &Db,
    store_id: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<SupplierRow>, i64)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM suppliers WHERE store_id = $1")
        .bind(store_id)
        .fetch_one(&db.pool)
        .await?
        .get(0);
    let rows = sqlx::query("SELECT system, external_id, name, email, vat_id FROM suppliers WHERE store_id = $1 ORDER BY system, external_id LIMIT $2 OFFSET $3")
        .bind(store_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&db.pool)
        .await?;
    let items = rows
        .iter()
        .map(|r| SupplierRow {
            system: r.get(0),
            external_id: r.get(1),
            name: r.get(2),
            email: r.get(3),
            vat_id: r.get(4),
        })
        .collect();
    Ok((items, total))
}
