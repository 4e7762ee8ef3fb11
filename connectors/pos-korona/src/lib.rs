//! BEEP! Connect POS connector for KORONA.cloud (API v3, `https://{n}.koronacloud.com/web/api/v3`).
//!
//! Catalogue: `salesTaxes` and `sectors` (read in full every run, for the products' tax
//! rates) → `commodityGroups` (categories) → `products` → `prices` (price updates). Each
//! list is read in revision order with keyset paging: `sort=revision`, `page=1`,
//! `size=1000`, `revision=` the highest revision seen so far. Korona returns only objects
//! with a greater revision, so an object changed while a run pages through a list moves
//! behind the keyset and is read later in the same run, instead of shifting page
//! boundaries and being skipped as with `page=2,3,…`. The highest revision per type is the
//! cursor of the next (incremental) run, which also asks for deleted objects
//! (`includeDeleted=true`) so deletions arrive as inactive products.
//!
//! Sales: a batch `POST pointsOfSale/{pointOfSaleId}/receipts?couplingId=…`, the sale's id
//! as the receipt's id so that a resend is recognised (see [`mapping::push_outcome`]).

// Natively the crate only serves the unit tests (the exports are wasm-only, see below).

mod client;
mod config;
mod mapping;
mod model;
mod util;

pub use client::{MAX_REQUESTS_PER_CALL, PAGE_SIZE, RECEIPT_BATCH};
pub use config::DEFAULT_BASE_URL;

use beep_sdk::types::{CatalogPage, ConnectorError, PushResult, Sale};
use client::{Http, fetch_catalog, push_sales};
use config::{CONFIG_SCHEMA, Config};

// ---- exports -----------------------------------------------------------------------------

struct Korona;

beep_sdk::describe!(pos Korona {
    name: "korona",
    systems: ["korona"],
    hosts: ["https://*.koronacloud.com"],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::pos::Pos for Korona {
    fn fetch_catalog(
        config: String,
        cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_catalog(&cfg, &mut Http(&cfg), cursor.as_deref())
    }

    fn push_sales(config: String, sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = Config::parse(&config)?;
        push_sales(&cfg, &sales)
    }
}

beep_sdk::export_pos!(Korona);

#[cfg(test)]
mod tests;
