//! The streams a sync run pulls, each with its connector operation, its page shape and
//! where its records go.

use crate::app::App;
use crate::calls::Target;
use crate::db;
use crate::runtime::bindings::types::{CatalogPage, InventoryPage, OrdersPage, SuppliersPage};
use crate::runtime::{CallError, CallReport};
use sqlx::{Any, Transaction};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Catalog,
    Inventory,
    Orders,
    Suppliers,
}

pub enum Page {
    Catalog(CatalogPage),
    Inventory(InventoryPage),
    Orders(OrdersPage),
    Suppliers(SuppliersPage),
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Catalog => "catalog",
            Stream::Inventory => "inventory",
            Stream::Orders => "orders",
            Stream::Suppliers => "suppliers",
        }
    }

    pub fn operation(self) -> &'static str {
        match self {
            Stream::Catalog => "fetch-catalog",
            Stream::Inventory => "fetch-inventory",
            Stream::Orders => "fetch-orders",
            Stream::Suppliers => "fetch-suppliers",
        }
    }

    /// The keys this stream counts under in `synced`.
    pub fn count_keys(self) -> &'static [&'static str] {
        match self {
            Stream::Catalog => &["products", "categories", "priceUpdates"],
            Stream::Inventory => &["inventory"],
            Stream::Orders => &["orders"],
            Stream::Suppliers => &["suppliers"],
        }
    }

    pub async fn fetch(
        self,
        app: &App,
        target: &Target,
        cursor: Option<&str>,
    ) -> (Result<Page, CallError>, CallReport) {
        let (rt, c, ctx, cfg) = (
            &app.runtime,
            &target.entry.connector,
            &target.ctx,
            target.config.as_str(),
        );
        match self {
            Stream::Catalog => {
                let (r, report) = rt.fetch_catalog(c, ctx, cfg, cursor).await;
                (r.map(Page::Catalog), report)
            }
            Stream::Inventory => {
                let (r, report) = rt.fetch_inventory(c, ctx, cfg, cursor).await;
                (r.map(Page::Inventory), report)
            }
            Stream::Orders => {
                let (r, report) = rt.fetch_orders(c, ctx, cfg, cursor).await;
                (r.map(Page::Orders), report)
            }
            Stream::Suppliers => {
                let (r, report) = rt.fetch_suppliers(c, ctx, cfg, cursor).await;
                (r.map(Page::Suppliers), report)
            }
        }
    }
}

fn add(counts: &mut serde_json::Value, key: &str, n: usize) {
    let current = counts.get(key).and_then(|v| v.as_i64()).unwrap_or(0);
    counts[key] = serde_json::json!(current + n as i64);
}

impl Page {
    /// The next cursor and whether more pages follow.
    pub fn position(&self) -> (Option<String>, bool) {
        match self {
            Page::Catalog(p) => (p.next_cursor.clone(), p.has_more),
            Page::Inventory(p) => (p.next_cursor.clone(), p.has_more),
            Page::Orders(p) => (p.next_cursor.clone(), p.has_more),
            Page::Suppliers(p) => (p.next_cursor.clone(), p.has_more),
        }
    }

    pub async fn write(
        &self,
        backend: db::Backend,
        tx: &mut Transaction<'_, Any>,
        store_id: &str,
        system: &str,
        run_id: &str,
        counts: &mut serde_json::Value,
    ) -> anyhow::Result<()> {
        match self {
            Page::Catalog(p) => {
                db::catalog::upsert_categories(backend, tx, store_id, system, &p.categories)
                    .await?;
                db::catalog::upsert_products(backend, tx, store_id, system, run_id, &p.products)
                    .await?;
                db::catalog::upsert_prices(backend, tx, store_id, system, &p.price_updates).await?;
                add(counts, "products", p.products.len());
                add(counts, "categories", p.categories.len());
                add(counts, "priceUpdates", p.price_updates.len());
            }
            Page::Inventory(p) => {
                db::erp::upsert_inventory(backend, tx, store_id, system, &p.levels).await?;
                add(counts, "inventory", p.levels.len());
            }
            Page::Orders(p) => {
                db::erp::upsert_orders(backend, tx, store_id, system, &p.orders).await?;
                add(counts, "orders", p.orders.len());
            }
            Page::Suppliers(p) => {
                db::erp::upsert_suppliers(backend, tx, store_id, system, &p.suppliers).await?;
                add(counts, "suppliers", p.suppliers.len());
            }
        }
        Ok(())
    }
}
