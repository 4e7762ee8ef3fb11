//! The catalogue a POS sync writes: categories, products, prices. Each page is written
//! in one transaction together with the run's cursor, so a page is either all there
//! (and not fetched again) or not there at all.

use super::{Backend, CHUNK, Db, now_ms, placeholders};
use crate::runtime::bindings::types::{Category, PriceUpdate, Product};
use sqlx::any::AnyArguments;
use sqlx::{Any, Row, Transaction};

pub async fn upsert_categories(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    store_id: &str,
    system: &str,
    categories: &[Category],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in categories.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO categories (store_id, system, external_id, name, parent_id, updated_at) VALUES {}
             ON CONFLICT (store_id, system, external_id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id, updated_at = excluded.updated_at",
            placeholders(backend, chunk.len(), 6)
        );
        let mut q = sqlx::query::<Any>(&sql);
        for c in chunk {
            q = q
                .bind(store_id)
                .bind(system)
                .bind(&c.external_id)
                .bind(&c.name)
                .bind(c.parent_id.as_deref())
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn upsert_products(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    store_id: &str,
    system: &str,
    run_id: &str,
    products: &[Product],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in products.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO products (store_id, system, external_id, sku, name, category_id, price_amount, price_currency, tax_rate_bps, gtins, unit, active, sync_run_id, updated_at) VALUES {}
             ON CONFLICT (store_id, system, external_id) DO UPDATE SET sku = excluded.sku, name = excluded.name, category_id = excluded.category_id,
               price_amount = excluded.price_amount, price_currency = excluded.price_currency, tax_rate_bps = excluded.tax_rate_bps, gtins = excluded.gtins,
               unit = excluded.unit, active = excluded.active, sync_run_id = excluded.sync_run_id, updated_at = excluded.updated_at",
            placeholders(backend, chunk.len(), 14)
        );
        let mut q: sqlx::query::Query<'_, Any, AnyArguments<'_>> = sqlx::query(&sql);
        for p in chunk {
            q = q
                .bind(store_id)
                .bind(system)
                .bind(&p.external_id)
                .bind(p.sku.as_deref())
                .bind(&p.name)
                .bind(p.category_id.as_deref())
                .bind(p.price.as_ref().map(|m| m.amount))
                .bind(p.price.as_ref().map(|m| m.currency.as_str()))
                .bind(p.tax_rate_bps.map(i64::from))
                .bind(serde_json::to_string(&p.gtins)?)
                .bind(p.unit.as_deref())
                .bind(p.active as i64)
                .bind(run_id)
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn upsert_prices(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    store_id: &str,
    system: &str,
    prices: &[PriceUpdate],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in prices.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO prices (store_id, system, product_id, price_group, amount, currency, valid_from, updated_at) VALUES {}
             ON CONFLICT (store_id, system, product_id, price_group) DO UPDATE SET amount = excluded.amount, currency = excluded.currency,
               valid_from = excluded.valid_from, updated_at = excluded.updated_at",
            placeholders(backend, chunk.len(), 8)
        );
        let mut q = sqlx::query::<Any>(&sql);
        for p in chunk {
            q = q
                .bind(store_id)
                .bind(system)
                .bind(&p.product_id)
                .bind(p.price_group.as_deref().unwrap_or(""))
                .bind(p.price.amount)
                .bind(&p.price.currency)
                .bind(p.valid_from.as_deref())
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// After a full run: what upstream no longer lists is deactivated, not deleted.
pub async fn deactivate_unseen(
    tx: &mut Transaction<'_, Any>,
    store_id: &str,
    system: &str,
    run_id: &str,
) -> anyhow::Result<u64> {
    let done = sqlx::query("UPDATE products SET active = 0, updated_at = $1 WHERE store_id = $2 AND system = $3 AND sync_run_id <> $4 AND active = 1")
        .bind(now_ms())
        .bind(store_id)
        .bind(system)
        .bind(run_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductRow {
    pub external_id: String,
    pub system: String,
    pub sku: Option<String>,
    pub name: String,
    pub category_id: Option<String>,
    pub price: Option<super::Amount>,
    pub tax_rate_bps: Option<i64>,
    pub gtins: Vec<String>,
    pub unit: Option<String>,
    pub active: bool,
    pub updated_at: i64,
}

pub async fn list_products(
    db: &Db,
    store_id: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<ProductRow>, i64)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM products WHERE store_id = $1")
        .bind(store_id)
        .fetch_one(&db.pool)
        .await?
        .get(0);
    let rows = sqlx::query(
        "SELECT external_id, system, sku, name, category_id, price_amount, price_currency, tax_rate_bps, gtins, unit, active, updated_at
         FROM products WHERE store_id = $1 ORDER BY system, external_id LIMIT $2 OFFSET $3",
    )
    .bind(store_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let amount: Option<i64> = r.get(5);
            let currency: Option<String> = r.get(6);
            ProductRow {
                external_id: r.get(0),
                system: r.get(1),
                sku: r.get(2),
                name: r.get(3),
                category_id: r.get(4),
                price: super::Amount::from_parts(amount, currency),
                tax_rate_bps: r.get(7),
                gtins: serde_json::from_str(&r.get::<String, _>(8)).unwrap_or_default(),
                unit: r.get(9),
                active: r.get::<i64, _>(10) != 0,
                updated_at: r.get(11),
            }
        })
        .collect();
    Ok((items, total))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryRow {
    pub external_id: String,
    pub system: String,
    pub name: String,
    pub parent_id: Option<String>,
}

pub async fn list_categories(db: &Db, store_id: &str) -> anyhow::Result<Vec<CategoryRow>> {
    let rows = sqlx::query("SELECT external_id, system, name, parent_id FROM categories WHERE store_id = $1 ORDER BY system, external_id")
        .bind(store_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| CategoryRow {
            external_id: r.get(0),
            system: r.get(1),
            name: r.get(2),
            parent_id: r.get(3),
        })
        .collect())
}
